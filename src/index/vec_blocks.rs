//! Vector blocks: a sketch of every observation vector of
//! [`super::vectors`] (its sign bits, [`crate::embed::blob_signs`]),
//! copied up to 64 KiB at a time into one row each, so that a search
//! reads a few dozen rows instead of one per observation (SQLite's cost
//! per row, then the 26 MB of vectors, were most of a hybrid search at
//! 100,000 observations). A search ranks the sketches by Hamming distance
//! to the query's, reads the exact vectors of the best few thousand from
//! `vectors` and scores those exactly ([`Index::score_vectors`]).
//!
//! `vectors` stays the truth; a block is a cache of a rowid range of it.
//! Table `vec_blocks(lo, hi, n, data)`: `data` is `n` records in rowid
//! order, each the rowid (i64, little endian) then the sketch; every
//! `vectors` row with a rowid in `lo..=hi` is in the block. Triggers drop
//! a block when a vector inside its range is inserted, replaced or
//! deleted, so a block is never stale, and note in `meta`
//! (`vec_blocks_dropped`) that a gap between blocks may have filled.
//! The rows outside every block (the "gaps": new vectors, those of a
//! dropped block) are read and scored exactly, one by one. Writers fold a
//! gap of a quarter block or more into blocks after embedding
//! ([`Index::compact_vectors`]); readers never write.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{Index, IndexError};
use crate::embed::{blob_signs, hamming, QueryVector};

/// The table and the triggers that keep it exact. Created by the first
/// compaction; an index without them reads every vector from `vectors`.
const BLOCK_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS vec_blocks(
    lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS vec_block_insert AFTER INSERT ON vectors
WHEN EXISTS (SELECT 1 FROM vec_blocks WHERE lo <= new.rowid AND hi >= new.rowid) BEGIN
    DELETE FROM vec_blocks WHERE lo <= new.rowid AND hi >= new.rowid;
    INSERT OR REPLACE INTO meta(key, value) VALUES ('vec_blocks_dropped', '1');
END;
CREATE TRIGGER IF NOT EXISTS vec_block_delete AFTER DELETE ON vectors
WHEN EXISTS (SELECT 1 FROM vec_blocks WHERE lo <= old.rowid AND hi >= old.rowid) BEGIN
    DELETE FROM vec_blocks WHERE lo <= old.rowid AND hi >= old.rowid;
    INSERT OR REPLACE INTO meta(key, value) VALUES ('vec_blocks_dropped', '1');
END;
"#;

/// Bytes of records a block holds at most: under glibc's mmap threshold
/// (which `main` fixes at 512 KiB), so the buffer SQLite reads each block
/// into is reused from the heap instead of mapped and faulted in afresh
/// (which cost more than the reading itself with 270 KB blocks of whole
/// vectors).
const BLOCK_BYTES: usize = 64 * 1024;

/// Records of `size` bytes a block holds at most.
fn block_rows(size: usize) -> usize {
    (BLOCK_BYTES / size.max(1)).max(1)
}

/// A gap holding at least a quarter of a block's records is folded into
/// blocks.
fn min_block_rows(size: usize) -> usize {
    (block_rows(size) / 4).max(1)
}

fn has_blocks(conn: &Connection) -> Result<bool, IndexError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type='table' AND name='vec_blocks'",
        )?
        .query_row([], |r| r.get(0))?)
}

/// A block being gathered: consecutive records of one gap.
#[derive(Default)]
struct Run {
    lo: i64,
    hi: i64,
    n: usize,
    data: Vec<u8>,
}

/// The `(lo, hi)` of every block, in order.
fn block_ranges(conn: &Connection) -> Result<Vec<(i64, i64)>, IndexError> {
    if !has_blocks(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT lo, hi FROM vec_blocks ORDER BY lo")?;
    let ranges = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ranges)
}

/// The gaps between `ranges` as exclusive bounds `(after, before)`.
fn gaps(ranges: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(ranges.len() + 1);
    let mut after = i64::MIN;
    for &(lo, hi) in ranges {
        out.push((after, lo));
        after = hi;
    }
    out.push((after, i64::MAX));
    out
}

impl Index {
    /// Bytes of the vector blocks' records (0 when there are none).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub(super) fn vector_block_bytes(&self) -> Result<usize, IndexError> {
        if !has_blocks(&self.conn)? {
            return Ok(0);
        }
        let bytes: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(data)), 0) FROM vec_blocks",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(bytes).unwrap_or(0))
    }

    /// The similarity of `query` to stored vectors, as `(similarity,
    /// rowid)` in no particular order: the `keep` vectors of the blocks
    /// whose sketches are nearest the query's, and every vector in the gaps
    /// between blocks, read in one transaction. The flag is true when no
    /// vector was left out (the blocks hold `keep` or fewer).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub(super) fn score_vectors(
        &self,
        query: &QueryVector,
        keep: usize,
    ) -> Result<(Vec<(f32, i64)>, bool), IndexError> {
        // One snapshot: a compaction between the reads could otherwise
        // move rows from a gap into a block unseen.
        let tx = self.read_snapshot()?;
        let signs = query.signs();
        let mut sketched: Vec<(u32, i64)> = Vec::new();
        let mut ranges = Vec::new();
        if has_blocks(&self.conn)? {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT lo, hi, n, data FROM vec_blocks ORDER BY lo")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                ranges.push((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?));
                let n = usize::try_from(r.get::<_, i64>(2)?).unwrap_or(0);
                let data = r.get_ref(3)?.as_blob().unwrap_or(&[]);
                if n == 0 || data.len() != n * (8 + signs.len()) {
                    // Sketches of another length: cannot be, as a model
                    // switch drops every block; skipped, not misread.
                    continue;
                }
                for record in data.chunks_exact(8 + signs.len()) {
                    let (rowid, sketch) = record.split_at(8);
                    let rowid = i64::from_le_bytes(rowid.try_into().expect("8 bytes"));
                    sketched.push((hamming(&signs, sketch), rowid));
                }
            }
        }
        let complete = sketched.len() <= keep;
        if !complete {
            sketched.select_nth_unstable_by_key(keep, |p| p.0);
            sketched.truncate(keep);
        }
        let mut scored: Vec<(f32, i64)> = Vec::with_capacity(sketched.len());
        let mut exact = self
            .conn
            .prepare_cached("SELECT v FROM vectors WHERE rowid = ?1")?;
        for (_, rowid) in sketched {
            let mut rows = exact.query([rowid])?;
            if let Some(r) = rows.next()? {
                scored.push((query.dot(r.get_ref(0)?.as_blob().unwrap_or(&[])), rowid));
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid, v FROM vectors WHERE rowid > ?1 AND rowid < ?2")?;
        for (after, before) in gaps(&ranges) {
            let mut rows = stmt.query(params![after, before])?;
            while let Some(r) = rows.next()? {
                let blob = r.get_ref(1)?.as_blob().unwrap_or(&[]);
                scored.push((query.dot(blob), r.get(0)?));
            }
        }
        drop(tx);
        Ok((scored, complete))
    }

    /// Fold every gap of a quarter block or more into blocks of at most
    /// [`BLOCK_BYTES`] (creating the table and its triggers on
    /// first use). Returns the blocks written.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub(super) fn compact_vectors(&mut self) -> Result<usize, IndexError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(BLOCK_SCHEMA)?;
        // New vectors land after the last block; the gaps between blocks
        // only fill when a trigger dropped a block (and said so in meta).
        let dropped = tx
            .query_row(
                "SELECT 1 FROM meta WHERE key = 'vec_blocks_dropped'",
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        let todo = if dropped {
            tx.execute("DELETE FROM meta WHERE key = 'vec_blocks_dropped'", [])?;
            gaps(&block_ranges(&tx)?)
        } else {
            // Blocks never overlap: the last by `lo` ends highest.
            let last: Option<i64> = tx
                .query_row(
                    "SELECT hi FROM vec_blocks ORDER BY lo DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            vec![(last.unwrap_or(i64::MIN), i64::MAX)]
        };
        let mut written = 0;
        for (after, before) in todo {
            // The record size of the gap's first vector decides how many
            // make a block.
            let first: Option<i64> = tx
                .prepare_cached(
                    "SELECT length(v) FROM vectors WHERE rowid > ?1 AND rowid < ?2 ORDER BY rowid LIMIT 1",
                )?
                .query_row(params![after, before], |r| r.get(0))
                .optional()?;
            let Some(first) = first else {
                continue;
            };
            // A record: the rowid, then one bit per dimension (the vector
            // is its 4-byte scale and a byte per dimension).
            let (most, least) = {
                let dims = usize::try_from(first).unwrap_or(4).saturating_sub(4);
                let size = 8 + dims.div_ceil(8);
                (block_rows(size), min_block_rows(size))
            };
            let n: i64 = tx
                .prepare_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM vectors WHERE rowid > ?1 AND rowid < ?2 LIMIT ?3)",
                )?
                .query_row(params![after, before, least as i64], |r| r.get(0))?;
            if (n as usize) < least {
                continue;
            }
            // Streamed: a gap may hold every vector of a large store.
            let size = usize::try_from(first).unwrap_or(0);
            let mut select = tx.prepare_cached(
                "SELECT rowid, v FROM vectors WHERE rowid > ?1 AND rowid < ?2 ORDER BY rowid",
            )?;
            let mut rows = select.query(params![after, before])?;
            let mut run = Run::default();
            let mut flush = |run: &mut Run| -> Result<(), IndexError> {
                if run.n >= least {
                    tx.prepare_cached(
                        "INSERT INTO vec_blocks(lo, hi, n, data) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        run.lo,
                        run.hi,
                        run.n as i64,
                        run.data
                    ])?;
                    written += 1;
                }
                *run = Run::default();
                Ok(())
            };
            while let Some(r) = rows.next()? {
                let rowid: i64 = r.get(0)?;
                let v = r.get_ref(1)?.as_blob().unwrap_or(&[]);
                // One record size per block: a vector of another length
                // (none is expected) stays in the gap.
                if v.len() != size {
                    flush(&mut run)?;
                    continue;
                }
                if run.n == 0 {
                    run.lo = rowid;
                    run.data.reserve(BLOCK_BYTES);
                }
                run.hi = rowid;
                run.n += 1;
                run.data.extend_from_slice(&rowid.to_le_bytes());
                run.data.extend_from_slice(&blob_signs(v));
                if run.n == most {
                    flush(&mut run)?;
                }
            }
            flush(&mut run)?;
        }
        tx.commit()?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::{block_rows, gaps, min_block_rows};
    use crate::embed::{to_blob, QueryVector};
    use crate::index::Index;

    fn vector(seed: i64) -> Vec<f32> {
        (0..8)
            .map(|i| (((seed * 31 + i * 17) % 23) as f32 - 11.0) / 11.0)
            .collect()
    }

    /// Every (rowid, similarity) straight from `vectors`, sorted.
    fn truth(index: &Index, query: &QueryVector) -> Vec<(i64, f32)> {
        let mut stmt = index.conn.prepare("SELECT rowid, v FROM vectors").unwrap();
        let mut out: Vec<(i64, f32)> = stmt
            .query_map([], |r| Ok((r.get(0)?, query.dot(&r.get::<_, Vec<u8>>(1)?))))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.sort_by_key(|p| p.0);
        out
    }

    fn scored(index: &Index, query: &QueryVector) -> Vec<(i64, f32)> {
        let (scored, complete) = index.score_vectors(query, usize::MAX).unwrap();
        assert!(complete);
        let mut out: Vec<(i64, f32)> = scored.into_iter().map(|(s, r)| (r, s)).collect();
        out.sort_by_key(|p| p.0);
        out
    }

    fn blocks(index: &Index) -> i64 {
        index
            .conn
            .query_row("SELECT count(*) FROM vec_blocks", [], |r| r.get(0))
            .unwrap()
    }

    /// A fresh index with the vector tables, in a directory kept alive.
    fn index_with_vectors() -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = Index::open(&dir.path().join("index.sqlite")).unwrap();
        index
            .conn
            .execute_batch(super::super::vectors::VECTOR_SCHEMA)
            .unwrap();
        (dir, index)
    }

    /// Store `vector(seed)` as the vector of `rowid`, replacing any.
    fn insert(index: &Index, rowid: i64, seed: i64) {
        index
            .conn
            .execute(
                "INSERT OR REPLACE INTO vectors(rowid, v) VALUES (?1, ?2)",
                rusqlite::params![rowid, to_blob(&vector(seed))],
            )
            .unwrap();
    }

    #[test]
    fn blocks_give_every_vector_once_through_inserts_replacements_and_deletes() {
        let (_dir, mut index) = index_with_vectors();
        // 8 dimensions: a record is the rowid and one byte of signs.
        let (most, least) = (block_rows(9), min_block_rows(9));
        let n = (most + least + 10) as i64;
        for rowid in 1..=n {
            insert(&index, rowid, rowid);
        }
        let query = QueryVector::new(&vector(5));
        // Without blocks, the gap is everything.
        assert_eq!(scored(&index, &query), truth(&index, &query));
        assert_eq!(index.compact_vectors().unwrap(), 2);
        assert_eq!(scored(&index, &query), truth(&index, &query));
        // A few new ones stay in the tail gap.
        for rowid in n + 1..n + 5 {
            insert(&index, rowid, rowid * 3);
        }
        assert_eq!(index.compact_vectors().unwrap(), 0);
        assert_eq!(scored(&index, &query), truth(&index, &query));
        // A replaced vector drops its block; the block's rows are read from
        // the gap until the next compaction folds them again.
        insert(&index, 7, 99);
        assert_eq!(blocks(&index), 1);
        assert_eq!(scored(&index, &query), truth(&index, &query));
        // A deleted one, in the other block, likewise.
        index
            .conn
            .execute("DELETE FROM vectors WHERE rowid = ?1", [n - 3])
            .unwrap();
        assert_eq!(blocks(&index), 0);
        assert_eq!(scored(&index, &query), truth(&index, &query));
        assert!(index.compact_vectors().unwrap() >= 2);
        assert_eq!(scored(&index, &query), truth(&index, &query));
        assert_eq!(truth(&index, &query).len() as i64, n + 4 - 1);
    }

    #[test]
    fn gaps_are_the_ranges_between_blocks() {
        assert_eq!(gaps(&[]), vec![(i64::MIN, i64::MAX)]);
        assert_eq!(
            gaps(&[(3, 9), (10, 20)]),
            vec![(i64::MIN, 3), (9, 10), (20, i64::MAX)]
        );
    }

    #[test]
    fn the_prefilter_scores_the_nearest_sketches_exactly_and_every_gap_vector() {
        let (_dir, mut index) = index_with_vectors();
        let n = (block_rows(9) + 50) as i64;
        for rowid in 1..=n {
            insert(&index, rowid, rowid);
        }
        assert_eq!(index.compact_vectors().unwrap(), 1);
        let query = QueryVector::new(&vector(5));
        let all = truth(&index, &query);
        let (some, complete) = index.score_vectors(&query, 10).unwrap();
        assert!(!complete);
        // Ten from the block, the fifty of the tail gap, each scored exactly.
        assert_eq!(some.len(), 60);
        for (similarity, rowid) in &some {
            let want = all.iter().find(|(r, _)| r == rowid).unwrap().1;
            assert_eq!(*similarity, want);
        }
        // The query's own vector (and its copies: `vector` repeats every
        // 23 seeds) has a sketch at distance 0, so the best is kept.
        let best = |v: &mut dyn Iterator<Item = f32>| v.fold(f32::MIN, f32::max);
        assert_eq!(
            best(&mut some.iter().map(|p| p.0)),
            best(&mut all.iter().map(|p| p.1))
        );
        assert!(
            some.iter()
                .filter(|(_, r)| *r > block_rows(9) as i64)
                .count()
                == 50
        );
    }
}
