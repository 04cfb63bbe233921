//! Full-text search: a question or keywords in, the best observations out.
//!
//! FTS5 ranks by Okapi BM25 (Robertson et al., TREC-3; SQLite's `bm25()`
//! with k1 = 1.2, b = 0.75, per-column weights). A query's words are joined
//! by `OR`, so a search fills its limit whenever enough observations hold
//! any of them; having *all* of them is a ranking signal, not a filter: the
//! best `COVERAGE_POOL` candidates are re-ranked by bm25 scaled by the share
//! of the query's terms each one holds. Measured on LoCoMo (`cargo bench
//! --bench locomo`), this beats both AND-with-OR-fallback and plain OR.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};

use super::parse::SearchQuery;
use super::query::{dedup, row_from, ROW_COLUMNS};
use super::{Filter, Hit, Index, IndexError, ProjectFilter};

/// Column weights of `bm25()`: title, summary, body, tags (the FTS table's
/// column order). A title match outweighs a body match, so a memory about
/// a topic ranks above one that mentions it.
const WEIGHTS: &str = "10.0, 3.0, 1.0, 5.0";

/// How many of the best bm25 candidates (at least; three times the limit
/// when that is more) are re-ranked by term coverage.
const COVERAGE_POOL: usize = 30;

/// Re-ranking never looks at more candidates than this, whatever the limit.
const MAX_POOL: usize = 300;

/// The weight of term coverage: a candidate's bm25 score is multiplied by
/// `1 + COVERAGE_WEIGHT × (terms it holds / terms in the query)`. Tuned on
/// LoCoMo (1 to 4 are within noise; 0, plain OR, is worse).
const COVERAGE_WEIGHT: f64 = 2.0;

impl Index {
    /// Full-text search. The query is read by [`SearchQuery::parse`] (never
    /// passed raw to FTS5): quoted phrases must match; of the other terms
    /// (stopwords removed) any may, and observations holding more of them
    /// rank higher. A query with no letters or digits (`*`, `"`) is looked
    /// for literally in title, summary and body. Ordered by bm25 (title
    /// weighted 10, tags 5, summary 3, body 1) scaled by term coverage, then
    /// importance, recency and the current project.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn search(&self, query: &str, filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        let parsed = SearchQuery::parse(query);
        let (conds, values) = filter.conditions();
        let current = match &filter.project {
            ProjectFilter::Current(p) => p.clone(),
            ProjectFilter::All => None,
        };
        let Some(expr) = parsed.expression(true) else {
            return self.literal_search(query.trim(), &conds, values, filter.limit);
        };
        let pool = filter
            .limit
            .saturating_mul(3)
            .clamp(COVERAGE_POOL, MAX_POOL)
            .max(filter.limit);
        let search = |expr: &str, limit: usize| {
            self.fts_search(expr, &conds, &values, current.as_deref(), limit)
        };
        let mut hits = search(&expr, pool)?;
        if parsed.terms.len() > 1 {
            self.rank_by_coverage(&parsed, &mut hits)?;
        }
        hits.truncate(filter.limit);
        // Phrases alone fill what phrases with a term left empty.
        if hits.len() < filter.limit && !parsed.phrases.is_empty() && !parsed.terms.is_empty() {
            let phrases = parsed.expression(false).expect("there are phrases");
            for (hit, _) in search(&phrases, filter.limit)? {
                if hits.len() == filter.limit {
                    break;
                }
                if !hits.iter().any(|(h, _)| h.row.id == hit.row.id) {
                    hits.push((hit, 0));
                }
            }
        }
        Ok(hits.into_iter().map(|(h, _)| h).collect())
    }

    /// Re-rank the first [`MAX_POOL`] `hits` (with their FTS rowids) by
    /// bm25 × (1 + [`COVERAGE_WEIGHT`] × coverage); the order is stable, so
    /// ties keep the importance, recency and project order. One FTS5 query
    /// per term, over the candidates' rowids only.
    fn rank_by_coverage(
        &self,
        parsed: &SearchQuery,
        hits: &mut [(Hit, i64)],
    ) -> Result<(), IndexError> {
        let head = hits.len().min(MAX_POOL);
        let hits = &mut hits[..head];
        if hits.is_empty() {
            return Ok(());
        }
        let marks = vec!["?"; hits.len()].join(", ");
        let sql = format!("SELECT rowid FROM fts WHERE fts MATCH ? AND rowid IN ({marks})");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut covered = std::collections::HashMap::<i64, usize>::new();
        let mut known = 0;
        for term in &parsed.terms {
            let fts = term.to_fts();
            let mut params = vec![Value::Text(fts.clone())];
            params.extend(hits.iter().map(|(_, rowid)| Value::Integer(*rowid)));
            let mut any = false;
            for rowid in stmt.query_map(params_from_iter(params), |r| r.get::<_, i64>(0))? {
                *covered.entry(rowid?).or_default() += 1;
                any = true;
            }
            if any || self.holds_term(&fts)? {
                known += 1;
            }
        }
        let n = parsed.terms.len() as f64;
        for (hit, rowid) in hits.iter_mut() {
            let held = covered.get(rowid).copied().unwrap_or(0);
            hit.rank *= 1.0 + COVERAGE_WEIGHT * held as f64 / n;
            // Relevance ignores the words no observation has at all ("write
            // a note that …"): they say nothing about any of them.
            hit.coverage = held as f64 / known.max(1) as f64;
            hit.matched = Some(held);
        }
        hits.sort_by(|a, b| a.0.rank.total_cmp(&b.0.rank));
        Ok(())
    }

    /// Whether any indexed file matches the FTS5 expression `fts` (one
    /// index probe: the first match ends it).
    fn holds_term(&self, fts: &str) -> Result<bool, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM fts WHERE fts MATCH ?1 LIMIT 1")?
            .query_row([fts], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The best `limit` distinct observations matching the FTS5 expression
    /// `expr`, each with the FTS rowid of the file that ranked it.
    fn fts_search(
        &self,
        expr: &str,
        conds: &[String],
        values: &[Value],
        current: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(Hit, i64)>, IndexError> {
        let mut where_sql = vec!["fts MATCH ?".to_owned()];
        where_sql.extend(conds.iter().cloned());
        let sql = format!(
            "SELECT {ROW_COLUMNS}, bm25(fts, {WEIGHTS}) AS rank, fts.rowid
             FROM fts JOIN obs o ON o.rowid = fts.rowid
             WHERE {}
             ORDER BY rank, o.importance DESC, o.created DESC, (o.project IS ?) DESC, o.id",
            where_sql.join(" AND ")
        );
        let mut params: Vec<Value> = vec![Value::Text(expr.to_owned())];
        params.extend(values.iter().cloned());
        params.push(current.map_or(Value::Null, |p| Value::Text(p.to_owned())));
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rowids = std::collections::HashMap::new();
        let rows = stmt.query_map(params_from_iter(params), |r| {
            let row = row_from(r)?;
            rowids.entry(row.id.clone()).or_insert(r.get::<_, i64>(23)?);
            Ok((row, r.get::<_, f64>(22)?))
        })?;
        let hits = dedup(rows, limit)?;
        Ok(hits
            .into_iter()
            .map(|h| {
                let rowid = rowids[&h.row.id];
                (h, rowid)
            })
            .collect())
    }

    fn literal_search(
        &self,
        needle: &str,
        conds: &[String],
        mut values: Vec<Value>,
        limit: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        if needle.is_empty() {
            return Ok(Vec::new());
        }
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let mut where_sql = vec![
            "(o.title LIKE ? ESCAPE '\\' OR o.summary LIKE ? ESCAPE '\\' OR o.body LIKE ? ESCAPE '\\')"
                .to_owned(),
        ];
        where_sql.extend(conds.iter().cloned());
        let mut params = vec![
            Value::Text(pattern.clone()),
            Value::Text(pattern.clone()),
            Value::Text(pattern),
        ];
        params.append(&mut values);
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM obs o WHERE {} ORDER BY o.importance DESC, o.created DESC, o.id",
            where_sql.join(" AND ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| Ok((row_from(r)?, 0.0)))?;
        Ok(dedup(rows, limit)?)
    }
}
