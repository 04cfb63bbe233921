//! Filling a nearly empty index in bulk: the secondary indexes of `obs`
//! and `edges` are dropped before the rows go in and built again after,
//! inside the same transaction.
//!
//! SQLite builds an index from rows already in place by sorting them
//! (sqlite.org/lang_createindex.html); kept during the load, each of the
//! five indexes takes every row as a random insert into a b-tree that
//! soon outgrows the page cache. A reindex or a first clone of a large
//! scope is such a load. Nothing in the load reads through the dropped
//! indexes (`Writer::insert` only inserts), and a reader in another
//! process sees the old rows with their indexes until the commit.

use rusqlite::Transaction;

/// Rows at most already in `obs` for a bulk fill to drop its indexes:
/// building them again then costs about what the load would have.
const FEW_ROWS: usize = 20_000;

/// The `CREATE INDEX` statements of the indexes a bulk fill dropped, to
/// run again when it is done.
#[derive(Debug)]
pub(super) struct DroppedIndexes(Vec<String>);

impl DroppedIndexes {
    /// Drop the secondary indexes of `obs` and `edges` when `obs` holds at
    /// most [`FEW_ROWS`] rows; `None` (nothing dropped) otherwise.
    ///
    /// # Errors
    /// SQLite's.
    pub(super) fn drop_if_few_rows(tx: &Transaction<'_>) -> rusqlite::Result<Option<Self>> {
        let rows: usize = tx.query_row(
            "SELECT count(*) FROM (SELECT 1 FROM obs LIMIT ?1)",
            [FEW_ROWS + 1],
            |r| r.get(0),
        )?;
        if rows > FEW_ROWS {
            return Ok(None);
        }
        let indexes: Vec<(String, String)> = tx
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name IN ('obs', 'edges') AND sql IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut sqls = Vec::with_capacity(indexes.len());
        for (name, sql) in indexes {
            tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
            sqls.push(sql);
        }
        Ok(Some(DroppedIndexes(sqls)))
    }

    /// Build the dropped indexes again.
    ///
    /// # Errors
    /// SQLite's.
    pub(super) fn restore(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        for sql in self.0 {
            tx.execute_batch(&sql)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(conn: &rusqlite::Connection) -> Vec<(String, Option<String>)> {
        conn.prepare("SELECT name, sql FROM sqlite_master ORDER BY name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn index_count(tx: &Transaction<'_>) -> i64 {
        tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('obs', 'edges') AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// A nearly empty index loses its secondary indexes for the fill and
    /// gets the same ones back; a full one keeps them.
    #[test]
    fn indexes_are_dropped_only_when_few_rows_are_there_and_come_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = super::super::Index::open(&dir.path().join("index.sqlite"))
            .unwrap()
            .0;
        let before = schema(&index.conn);

        let tx = index.conn.transaction().unwrap();
        assert_eq!(index_count(&tx), 7);
        let dropped = DroppedIndexes::drop_if_few_rows(&tx).unwrap().unwrap();
        assert_eq!(index_count(&tx), 0);
        dropped.restore(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(schema(&index.conn), before);

        let tx = index.conn.transaction().unwrap();
        for i in 0..=FEW_ROWS {
            tx.execute(
                "INSERT INTO obs(scope, fan, id, kind, title, tags, importance, files, supersedes, created, body)
                 VALUES ('local', 0, ?1, 'note', 't', '[]', 3, '[]', '[]', 0, 'b')",
                [format!("{i:064x}")],
            )
            .unwrap();
        }
        assert!(DroppedIndexes::drop_if_few_rows(&tx).unwrap().is_none());
        assert_eq!(index_count(&tx), 7);
    }
}
