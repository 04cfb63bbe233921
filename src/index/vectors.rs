//! Observation vectors for hybrid search: one int8 vector per indexed
//! observation file (see [`crate::embed::to_blob`]: a 4-byte scale and one
//! byte per dimension), in a table beside the main schema, present only
//! while an embedding model is in use.
//!
//! Vectors are derived data, like the rest of the index. Triggers on `obs`
//! queue every inserted row in `vec_pending` and drop the vector of every
//! deleted row, so save, sync's update, reindex and removals need no
//! change; [`Index::fill_vectors`] embeds what is queued. `meta` records the
//! fingerprint of the model the vectors were computed with
//! (`vectors_model`); another fingerprint queues every observation again.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, TransactionBehavior};

use super::query::{dedup, row_from, ObsRow, ROW_COLUMNS};
use super::{Filter, Hit, Index, IndexError};
use crate::embed::{to_blob, Model, QueryVector};

pub(super) const VECTOR_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS vectors(rowid INTEGER PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vec_pending(rowid INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS obs_vec_insert AFTER INSERT ON obs BEGIN
    INSERT OR IGNORE INTO vec_pending(rowid) VALUES (new.rowid);
END;
CREATE TRIGGER IF NOT EXISTS obs_vec_delete AFTER DELETE ON obs BEGIN
    DELETE FROM vectors WHERE rowid = old.rowid;
    DELETE FROM vec_pending WHERE rowid = old.rowid;
END;
"#;

const DROP_VECTORS: &str = r#"
DROP TRIGGER IF EXISTS obs_vec_insert;
DROP TRIGGER IF EXISTS obs_vec_delete;
DROP TABLE IF EXISTS vectors;
DROP TABLE IF EXISTS vec_pending;
DROP TABLE IF EXISTS vec_blocks;
DELETE FROM meta WHERE key = 'vectors_model';
"#;

/// Vectors a search scores exactly, at least, among those whose sign
/// sketches are nearest the query's (see `vec_blocks.rs`): at 100,000,
/// 2,000 kept 99.4 % of the exact scan's top 50 over 40 queries
/// (benches/README.md).
const PREFILTER: usize = 2_000;

/// Observations embedded per transaction by [`Index::fill_vectors`].
const FILL_BATCH: usize = 2_000;

/// The text of an observation that is embedded: title, summary and body.
pub fn embedded_text(title: &str, summary: Option<&str>, body: &str) -> String {
    let mut text = String::with_capacity(title.len() + body.len() + 2);
    text.push_str(title);
    if let Some(s) = summary {
        text.push('\n');
        text.push_str(s);
    }
    text.push('\n');
    text.push_str(body);
    text
}

impl Index {
    /// The fingerprint of the model the stored vectors were computed with.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn vectors_model(&self) -> Result<Option<String>, IndexError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key='vectors_model'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Make the vector tables ready for the model `fingerprint`: when they
    /// hold another model's vectors (or none), drop those and queue every
    /// observation. True when everything was queued.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn prepare_vectors(&mut self, fingerprint: &str) -> Result<bool, IndexError> {
        if self.vectors_model()?.as_deref() == Some(fingerprint) {
            return Ok(false);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key='vectors_model'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if current.as_deref() == Some(fingerprint) {
            return Ok(false);
        }
        tx.execute_batch(VECTOR_SCHEMA)?;
        tx.execute_batch(
            "DROP TRIGGER IF EXISTS vec_block_insert; DROP TRIGGER IF EXISTS vec_block_delete;
             DROP TABLE IF EXISTS vec_blocks;
             DELETE FROM vectors; DELETE FROM vec_pending;
             INSERT INTO vec_pending(rowid) SELECT rowid FROM obs;",
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('vectors_model', ?1)",
            params![fingerprint],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Remove the vector tables and their triggers (no model in use).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn drop_vectors(&mut self) -> Result<(), IndexError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(DROP_VECTORS)?;
        tx.commit()?;
        Ok(())
    }

    /// Observations waiting for their vector (0 when there is no vector table).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn pending_vectors(&self) -> Result<usize, IndexError> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type='table' AND name='vec_pending'",
            [],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(0);
        }
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM vec_pending", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }

    /// Vectors stored, and their bytes in all, the copies in the vector
    /// blocks included (for `mem doctor` and `mem model`).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn vector_stats(&self) -> Result<(usize, usize), IndexError> {
        if self.vectors_model()?.is_none() {
            return Ok((0, 0));
        }
        let (n, bytes): (i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(length(v)), 0) FROM vectors",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((n as usize, bytes as usize + self.vector_block_bytes()?))
    }

    /// Embed the queued observations with `model`, [`FILL_BATCH`] per
    /// transaction; `progress(done, total)` after each batch. Returns how
    /// many were embedded.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn fill_vectors(
        &mut self,
        model: &Model,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, IndexError> {
        let total = self.pending_vectors()?;
        let mut done = 0;
        while done < total {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let batch: Vec<(i64, String)> = tx
                .prepare(
                    "SELECT p.rowid, o.title, o.summary, o.body FROM vec_pending p
                     JOIN obs o ON o.rowid = p.rowid ORDER BY p.rowid LIMIT ?1",
                )?
                .query_map(params![FILL_BATCH as i64], |r| {
                    let summary: Option<String> = r.get(2)?;
                    Ok((
                        r.get(0)?,
                        embedded_text(
                            &r.get::<_, String>(1)?,
                            summary.as_deref(),
                            // A long body is stored compressed (packed.rs).
                            &super::packed::body_from(r.get_ref(3)?),
                        ),
                    ))
                })?
                .collect::<Result<_, _>>()?;
            if batch.is_empty() {
                // Queued rows whose observation is gone.
                tx.execute("DELETE FROM vec_pending", [])?;
                tx.commit()?;
                break;
            }
            for (rowid, text) in &batch {
                if let Some(v) = model.embed(text) {
                    tx.prepare_cached("INSERT OR REPLACE INTO vectors(rowid, v) VALUES (?1, ?2)")?
                        .execute(params![rowid, to_blob(&v)])?;
                }
                tx.prepare_cached("DELETE FROM vec_pending WHERE rowid = ?1")?
                    .execute(params![rowid])?;
            }
            tx.commit()?;
            done += batch.len();
            progress(done.min(total), total);
        }
        if done > 0 {
            self.compact_vectors()?;
        }
        Ok(done)
    }

    /// The observations matching `filter` nearest to `query` (a unit
    /// vector of the model's dimensions) by cosine similarity, best first,
    /// at most `filter.limit` distinct ids, each with its similarity. Only
    /// ids and rowids are read; [`Index::hits_at`] reads the rows of those
    /// a caller keeps.
    ///
    /// The vectors scored exactly are those whose sign sketches are nearest
    /// the query's (at least [`PREFILTER`], more when the filter leaves too
    /// few) and those not yet in a block (see `vec_blocks.rs`); the best
    /// few are checked against the filter's conditions, and more are
    /// checked when the filter leaves too few.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn nearest(&self, query: &[f32], filter: &Filter) -> Result<Vec<Near>, IndexError> {
        if filter.limit == 0 || self.vectors_model()?.is_none() {
            return Ok(Vec::new());
        }
        let query = QueryVector::new(query);
        let mut keep = filter.limit.saturating_mul(20).max(PREFILTER);
        let (mut scored, mut complete) = self.score_vectors(&query, keep)?;
        let (conds, values) = filter.conditions();
        let mut want = filter.limit.saturating_mul(4).max(32);
        loop {
            let take = want.min(scored.len());
            if take < scored.len() {
                scored.select_nth_unstable_by(take, |a, b| b.0.total_cmp(&a.0));
            }
            let mut best: Vec<(f32, i64)> = scored[..take].to_vec();
            best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let marks = vec!["?"; best.len()].join(", ");
            let mut where_sql = vec![format!("o.rowid IN ({marks})")];
            where_sql.extend(conds.iter().cloned());
            let sql = format!(
                "SELECT o.rowid, o.id FROM obs o WHERE {}",
                where_sql.join(" AND ")
            );
            let mut params: Vec<Value> = best.iter().map(|b| Value::Integer(b.1)).collect();
            params.extend(values.iter().cloned());
            let mut ids = std::collections::HashMap::new();
            let mut stmt = self.conn.prepare(&sql)?;
            for found in stmt.query_map(params_from_iter(params), |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })? {
                let (rowid, id) = found?;
                ids.insert(rowid, id);
            }
            let mut out: Vec<Near> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (similarity, rowid) in &best {
                let Some(id) = ids.remove(rowid) else {
                    continue;
                };
                if out.len() < filter.limit && seen.insert(id.clone()) {
                    out.push(Near {
                        id,
                        rowid: *rowid,
                        similarity: *similarity,
                    });
                }
            }
            if out.len() >= filter.limit || (take == scored.len() && complete) {
                return Ok(out);
            }
            if take == scored.len() {
                // The filter left too few of the sketches' best: score more.
                keep = keep.saturating_mul(8);
                (scored, complete) = self.score_vectors(&query, keep)?;
            }
            want = want.saturating_mul(4);
        }
    }

    /// The results for `near` (from [`Index::nearest`] with the same
    /// filter), in its order: each observation's rows in every scope that
    /// matches `filter` (the others go to `also_in`), with `rank` 0.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn hits_at(&self, near: &[Near], filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        if near.is_empty() {
            return Ok(Vec::new());
        }
        let (conds, values) = filter.conditions();
        let marks = vec!["?"; near.len()].join(", ");
        let mut where_sql = vec![format!("o.id IN ({marks})")];
        where_sql.extend(conds);
        let sql = format!(
            "SELECT {ROW_COLUMNS}, o.rowid FROM obs o WHERE {}",
            where_sql.join(" AND ")
        );
        let mut params: Vec<Value> = near.iter().map(|n| Value::Text(n.id.clone())).collect();
        params.extend(values);
        let mut rows: std::collections::HashMap<String, Vec<(i64, ObsRow)>> = Default::default();
        let mut stmt = self.conn.prepare(&sql)?;
        for found in stmt.query_map(params_from_iter(params), |r| {
            Ok((r.get::<_, i64>(22)?, row_from(r)?))
        })? {
            let (rowid, row) = found?;
            rows.entry(row.id.as_str().to_owned())
                .or_default()
                .push((rowid, row));
        }
        let ordered = near.iter().flat_map(|n| {
            let mut of_id = rows.remove(&n.id).unwrap_or_default();
            // In rowid order, as a scan of equal similarities meets them.
            of_id.sort_by_key(|(rowid, _)| *rowid);
            of_id.into_iter().map(|(_, row)| Ok((row, 0.0)))
        });
        Ok(dedup(ordered, near.len())?)
    }
}

/// A candidate of [`Index::nearest`].
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    /// The observation's id (64 hex).
    pub id: String,
    /// The rowid of the file whose vector was met first.
    pub rowid: i64,
    /// Cosine similarity to the query, -1 to 1.
    pub similarity: f32,
}

impl Index {
    /// The cosine similarity (-1 to 1) of `query` (a unit vector of the
    /// model's dimensions) to each of `ids` that has a vector, keyed by id.
    /// Ids without one (not yet embedded, or no model in use) are absent.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn similarities(
        &self,
        query: &[f32],
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, f32>, IndexError> {
        let query = QueryVector::new(query);
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(200) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT o.id, v.v FROM obs o JOIN vectors v ON v.rowid = o.rowid \
                 WHERE o.id IN ({marks})"
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
            while let Some(r) = rows.next()? {
                let blob = r.get_ref(1)?.as_blob().unwrap_or(&[]);
                out.insert(r.get(0)?, query.dot(blob));
            }
        }
        Ok(out)
    }
}
