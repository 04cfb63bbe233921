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
use rusqlite::{params, params_from_iter, OptionalExtension};

use super::parse::SearchQuery;
use super::query::{dedup, row_from, ROW_COLUMNS};
use super::tagged::Tagged;
use super::{Filter, Hit, Index, IndexError, ProjectFilter};
use crate::text::Term;

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

/// A term matching more files than this is *common*: ranking its matches
/// by bm25 would cost time in proportion to their number (FTS5 reads every
/// match's column sizes, and counts every match for the idf), so a search
/// for a word in most of a million observations would take seconds.
/// Common terms are looked for among their `COMMON_MATCHES` most recent
/// matches, by the column they appear in (title, tags, summary, body),
/// and rank below the matches of the query's other terms. FTS5 itself
/// gives a term in more than half the files an idf of almost zero.
pub const COMMON_MATCHES: usize = 5_000;

/// The FTS columns a common term is looked for in, best first, with the
/// weight a match there counts for (as in [`WEIGHTS`]).
const COLUMNS: [(&str, f64); 4] = [
    ("title", 10.0),
    ("tags", 5.0),
    ("summary", 3.0),
    ("body", 1.0),
];

/// Where the best candidates of a full-text search come from.
enum FirstStage<'a> {
    /// bm25 over every match of the FTS5 expression.
    Ranked(&'a str),
    /// Common terms: `terms` (an FTS5 `OR` group) in each column in turn,
    /// with `phrases` (an FTS5 expression) when there are any, among the
    /// files of rowid `since` and above.
    Common {
        phrases: Option<String>,
        terms: String,
        since: i64,
    },
}

impl Index {
    /// Full-text search. The query is read by [`SearchQuery::parse`] (never
    /// passed raw to FTS5): quoted phrases must match; of the other terms
    /// (stopwords removed) any may, and observations holding more of them
    /// rank higher. A query with no letters or digits (`*`, `"`) is looked
    /// for literally in title, summary and body. Ordered by bm25 (title
    /// weighted 10, tags 5, summary 3, body 1) scaled by term coverage, then
    /// importance, recency and the current project. Terms found in more
    /// than [`COMMON_MATCHES`] files rank below the others, among their
    /// most recent matches.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn search(&self, query: &str, filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        self.search_with(query, filter, COMMON_MATCHES)
    }

    /// [`Index::search`] with `common` as the number of matches that makes
    /// a term common.
    pub(super) fn search_with(
        &self,
        query: &str,
        filter: &Filter,
        common: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let parsed = SearchQuery::parse(query);
        // One state of the index for every statement below: the stages
        // pass rowids from one to the next.
        let _snapshot = self.read_snapshot()?;
        // A tag few files carry bounds every FTS query below to its files
        // (tagged.rs): bm25 is then computed for those alone, and a tag no
        // file carries ends the search here.
        let tagged = self.tagged(filter.tag.as_deref())?;
        if tagged == Tagged::Among(Vec::new()) {
            return Ok(Vec::new());
        }
        let among = tagged.json();
        let (conds, values) = filter.conditions();
        let current = match &filter.project {
            ProjectFilter::Current(p) => p.clone(),
            ProjectFilter::All => None,
        };
        if parsed.expression(true).is_none() {
            return self.literal_search(query.trim(), &conds, values, filter.limit);
        }
        let pool = filter
            .limit
            .saturating_mul(3)
            .clamp(COVERAGE_POOL, MAX_POOL)
            .max(filter.limit);
        let run = |first: FirstStage, limit: usize| {
            let among = among.as_deref();
            self.two_stages(first, &conds, &values, among, current.as_deref(), limit)
        };
        // Split the terms: bm25 ranks the rare ones; the common ones only
        // fill what those leave, and do not count for coverage.
        let (mut rare, mut common_terms) = (SearchQuery::default(), Vec::new());
        rare.phrases = parsed.phrases.clone();
        let small = self.max_rowid()? <= i64::try_from(common).unwrap_or(i64::MAX);
        let mut cut = None;
        for term in &parsed.terms {
            match (!small)
                .then(|| self.nth_latest_match(&term.to_fts(), common))
                .transpose()?
                .flatten()
            {
                Some(rowid) => {
                    common_terms.push(term.clone());
                    cut = Some(rowid);
                }
                None => rare.terms.push(term.clone()),
            }
        }
        let mut hits = match rare.expression(true) {
            Some(expr) => run(FirstStage::Ranked(&expr), pool)?,
            None => Vec::new(),
        };
        if hits.len() < pool && !common_terms.is_empty() {
            let phrases = parsed.expression(false);
            let terms = common_terms
                .iter()
                .map(|t| t.to_fts())
                .collect::<Vec<_>>()
                .join(" OR ");
            let whole = match &phrases {
                Some(p) => format!("{p} AND ({terms})"),
                None => terms.clone(),
            };
            // The window of latest matches widens (four times each round)
            // while the filters leave too few in it: a common word must
            // still be found in a small scope whose matches are old.
            let mut window = common;
            let fill = loop {
                let nth = if common_terms.len() == 1 && phrases.is_none() && window == common {
                    cut
                } else {
                    self.nth_latest_match(&whole, window)?
                };
                let since = nth.map_or(i64::MIN, |r| r + 1);
                let first = FirstStage::Common {
                    phrases: phrases.clone(),
                    terms: format!("({terms})"),
                    since,
                };
                let found = run(first, pool)?;
                let new = found
                    .iter()
                    .filter(|(f, _)| !hits.iter().any(|(h, _)| h.row.id == f.row.id))
                    .count();
                if hits.len() + new >= pool || nth.is_none() {
                    break found;
                }
                window = window.saturating_mul(4);
            };
            push_new(&mut hits, fill, pool);
        }
        if rare.terms.is_empty() && !common_terms.is_empty() {
            // Words in most observations say little about any one of them.
            for (hit, _) in &mut hits {
                hit.coverage = 0.0;
            }
        } else if parsed.terms.len() > 1 {
            self.rank_by_coverage(&rare.terms, &mut hits)?;
        }
        hits.truncate(filter.limit);
        // Phrases alone fill what phrases with a term left empty.
        if hits.len() < filter.limit && !parsed.phrases.is_empty() && !parsed.terms.is_empty() {
            let phrases = parsed.expression(false).expect("there are phrases");
            push_new(
                &mut hits,
                run(FirstStage::Ranked(&phrases), filter.limit)?,
                filter.limit,
            );
        }
        Ok(hits.into_iter().map(|(h, _)| h).collect())
    }

    /// The largest FTS rowid (0 when the index is empty): no term can
    /// match more files than that.
    fn max_rowid(&self) -> Result<i64, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(rowid), 0) FROM obs")?
            .query_row([], |r| r.get(0))?)
    }

    /// The rowid of the file `n` places after the most recent match of the
    /// FTS5 expression `expr` (`None` when it has `n` matches or fewer).
    /// Reads the matches' rowids alone, newest first: about 0.2 µs each.
    fn nth_latest_match(&self, expr: &str, n: usize) -> Result<Option<i64>, IndexError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
            )?
            .query_row(params![expr, i64::try_from(n).unwrap_or(i64::MAX)], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Re-rank the first [`MAX_POOL`] `hits` (with their FTS rowids) by
    /// bm25 × (1 + [`COVERAGE_WEIGHT`] × coverage); the order is stable, so
    /// ties keep the importance, recency and project order. One FTS5 query
    /// per term, over the candidates' rowids only; `terms` are the
    /// query's terms that are not common (a common term's membership costs
    /// a walk of its matches, or 0.1 ms a file).
    fn rank_by_coverage(&self, terms: &[Term], hits: &mut [(Hit, i64)]) -> Result<(), IndexError> {
        let head = hits.len().min(MAX_POOL);
        let hits = &mut hits[..head];
        if hits.is_empty() {
            return Ok(());
        }
        // One walk of each term's matches between the lowest and highest
        // candidate: FTS5 answers `rowid IN (…)` with a new cursor per
        // rowid, which cost 0.25 M instructions each at 100,000 files.
        let mut covered: std::collections::HashMap<i64, usize> =
            hits.iter().map(|(_, rowid)| (*rowid, 0)).collect();
        let lo = hits.iter().map(|(_, r)| *r).min().unwrap_or(0);
        let hi = hits.iter().map(|(_, r)| *r).max().unwrap_or(0);
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid FROM fts WHERE fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?3",
        )?;
        let mut known = 0;
        for term in terms {
            let fts = term.to_fts();
            let mut any = false;
            let mut rows = stmt.query(params![fts, lo, hi])?;
            while let Some(r) = rows.next()? {
                any = true;
                if let Some(n) = covered.get_mut(&r.get::<_, i64>(0)?) {
                    *n += 1;
                }
            }
            if any || self.holds_term(&fts)? {
                known += 1;
            }
        }
        let n = terms.len() as f64;
        for (hit, rowid) in hits.iter_mut() {
            let held = covered.get(rowid).copied().unwrap_or(0);
            hit.rank *= 1.0 + COVERAGE_WEIGHT * held as f64 / n;
            // Relevance ignores the words no observation has at all ("write
            // a note that …"): they say nothing about any of them.
            hit.coverage = held as f64 / known.max(1) as f64;
            hit.matched = Some(held);
            hit.counted = terms.len();
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
    /// `expr` by bm25 under `filter` (its tag bounding the first stage, as
    /// in [`Index::search`]), each with the FTS rowid of the file that
    /// ranked it. See [`Index::two_stages`].
    #[cfg(test)]
    fn fts_search(
        &self,
        expr: &str,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<(Hit, i64)>, IndexError> {
        let (conds, values) = filter.conditions();
        let among = match self.tagged(filter.tag.as_deref())? {
            Tagged::Among(rowids) if rowids.is_empty() => return Ok(Vec::new()),
            tagged => tagged.json(),
        };
        let first = FirstStage::Ranked(expr);
        self.two_stages(first, &conds, &values, among.as_deref(), None, limit)
    }

    /// The candidates `first` gives for `fetch` files: each file's rowid
    /// and score (lower is better), and whether there are no more.
    ///
    /// Ranked: the FTS index alone gives the rowids and bm25 scores of the
    /// best `fetch` matches, every file tied with the last one included
    /// (they sort by other keys, so the cut must not fall among them).
    ///
    /// Common: the `fetch` most recent matches in each column among the
    /// window, column by column (title first) until `fetch` files are
    /// found, each scored minus the weight of the best column it was found
    /// in, scaled down to FTS5's idf for a word in most files (10⁻⁶), so
    /// any match of a rarer term ranks above. Rowids alone are read; no
    /// bm25, so the cost is at most that of the window, whatever the word.
    ///
    /// `among`, a JSON array of rowids (a tag's files, tagged.rs), keeps
    /// only those matches: bm25 is computed for them alone. A file's score
    /// does not depend on which others are candidates, so the order is
    /// that of the unbounded stage with the other files left out.
    fn first_stage(
        &self,
        first: &FirstStage,
        among: Option<&str>,
        fetch: usize,
    ) -> Result<(std::collections::HashMap<i64, f64>, bool), IndexError> {
        let fetch_sql = i64::try_from(fetch).unwrap_or(i64::MAX);
        // `+rowid`: SQLite checks the set on each match; a plain `rowid IN`
        // is handed to FTS5, which opens a cursor per rowid.
        let bound = if among.is_some() {
            " AND +rowid IN (SELECT value FROM json_each(?4))"
        } else {
            " AND ?4 IS NULL"
        };
        match first {
            FirstStage::Ranked(expr) => {
                let mut top = self.conn.prepare_cached(&format!(
                    "SELECT rowid, bm25(fts, {WEIGHTS}) AS score FROM fts WHERE fts MATCH ?1{bound}
                     ORDER BY score LIMIT ?2"
                ))?;
                // One more than asked: whether the cut falls among files of
                // the same score.
                let mut best: Vec<(i64, f64)> = top
                    .query_map(
                        params![expr, fetch_sql.saturating_add(1), None::<i64>, among],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )?
                    .collect::<Result<_, _>>()?;
                let exhausted = best.len() <= fetch;
                let beyond = best.get(fetch).map(|b| b.1);
                best.truncate(fetch);
                let last = best.last().map(|b| b.1);
                let mut score: std::collections::HashMap<i64, f64> = best.into_iter().collect();
                if let (Some(beyond), Some(last)) = (beyond, last) {
                    if beyond == last {
                        let mut tied = self.conn.prepare_cached(&format!(
                            "SELECT rowid FROM fts WHERE fts MATCH ?1{bound} AND bm25(fts, {WEIGHTS}) = ?2"
                        ))?;
                        let tied = tied
                            .query_map(params![expr, last, None::<i64>, among], |r| {
                                r.get::<_, i64>(0)
                            })?;
                        for rowid in tied {
                            score.entry(rowid?).or_insert(last);
                        }
                    }
                }
                Ok((score, exhausted))
            }
            FirstStage::Common {
                phrases,
                terms,
                since,
            } => {
                let mut latest = self.conn.prepare_cached(&format!(
                    "SELECT rowid FROM fts WHERE fts MATCH ?1 AND rowid >= ?2{bound}
                     ORDER BY rowid DESC LIMIT ?3"
                ))?;
                let mut score = std::collections::HashMap::new();
                let mut exhausted = true;
                for (i, (column, weight)) in COLUMNS.into_iter().enumerate() {
                    let expr = match phrases {
                        Some(p) => format!("{p} AND {{{column}}} : {terms}"),
                        None => format!("{{{column}}} : {terms}"),
                    };
                    let mut found = 0;
                    for rowid in latest.query_map(params![expr, since, fetch_sql, among], |r| {
                        r.get::<_, i64>(0)
                    })? {
                        score.entry(rowid?).or_insert(-weight * 1e-6);
                        found += 1;
                    }
                    exhausted &= found < fetch;
                    if score.len() >= fetch {
                        // Lower columns only rank below these.
                        exhausted &= i + 1 == COLUMNS.len();
                        break;
                    }
                }
                Ok((score, exhausted))
            }
        }
    }

    /// The best `limit` distinct observations among the candidates of
    /// `first`, each with the FTS rowid of the file that ranked it.
    ///
    /// Two stages, so a word found in most observations costs about what a
    /// rare one does: first the FTS index alone gives candidates
    /// ([`Index::first_stage`]) without touching `obs`; then the sort keys
    /// and filters of those candidates alone decide the order, and the
    /// full rows of the chosen files are read. When the filters or
    /// repeated ids leave fewer than `limit`, the first stage is asked
    /// again for four times as many. For a ranked first stage, the order,
    /// the ids and the scopes of each hit are those a one-stage query
    /// (every match joined, filtered and sorted) gives: a unit test holds
    /// the two side by side. `among` (a JSON array of rowids) bounds the
    /// first stage, as [`Index::first_stage`] says.
    fn two_stages(
        &self,
        first: FirstStage,
        conds: &[String],
        values: &[Value],
        among: Option<&str>,
        current: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(Hit, i64)>, IndexError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut where_sql = vec!["o.rowid IN (SELECT value FROM json_each(?))".to_owned()];
        where_sql.extend(conds.iter().cloned());
        let mut keys = self.conn.prepare(&format!(
            "SELECT o.rowid, o.id, o.scope, o.importance, o.created, (o.project IS ?)
             FROM obs o WHERE {}",
            where_sql.join(" AND ")
        ))?;
        let mut fetch = limit.saturating_mul(2).max(16);
        let chosen = loop {
            let (score, exhausted) = self.first_stage(&first, among, fetch)?;
            let rowids: Vec<i64> = score.keys().copied().collect();
            let mut params: Vec<Value> = vec![
                current.map_or(Value::Null, |p| Value::Text(p.to_owned())),
                Value::Text(serde_json::to_string(&rowids).expect("integers serialise")),
            ];
            params.extend(values.iter().cloned());
            #[allow(clippy::type_complexity)]
            let mut rows: Vec<(i64, String, String, i64, i64, bool)> = keys
                .query_map(params_from_iter(params), |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            // ORDER BY rank, importance DESC, created DESC,
            // (project IS current) DESC, id — as the one-stage query sorts.
            rows.sort_by(|a, b| {
                score[&a.0]
                    .total_cmp(&score[&b.0])
                    .then(b.3.cmp(&a.3))
                    .then(b.4.cmp(&a.4))
                    .then(b.5.cmp(&a.5))
                    .then(a.1.cmp(&b.1))
            });
            // As `dedup` reads a one-stage result: the first file of each
            // id, the scopes of its later files, up to `limit` ids.
            let mut chosen: Vec<(i64, String, String, f64, Vec<String>)> = Vec::new();
            let mut full = false;
            for (rowid, id, scope, ..) in rows {
                if let Some(c) = chosen.iter_mut().find(|c| c.1 == id) {
                    if c.2 != scope && !c.4.contains(&scope) {
                        c.4.push(scope);
                    }
                    continue;
                }
                if chosen.len() == limit {
                    full = true;
                    break;
                }
                chosen.push((rowid, id, scope, score[&rowid], Vec::new()));
            }
            if full || exhausted {
                break chosen;
            }
            fetch = fetch.saturating_mul(4);
        };
        if chosen.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; chosen.len()].join(", ");
        let sql = format!("SELECT {ROW_COLUMNS}, o.rowid FROM obs o WHERE o.rowid IN ({marks})");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = std::collections::HashMap::new();
        let found = stmt.query_map(
            params_from_iter(chosen.iter().map(|c| Value::Integer(c.0))),
            |r| Ok((r.get::<_, i64>(22)?, row_from(r)?)),
        )?;
        for f in found {
            let (rowid, row) = f?;
            rows.insert(rowid, row);
        }
        Ok(chosen
            .into_iter()
            .filter_map(|(rowid, _, _, rank, also_in)| {
                let row = rows.remove(&rowid)?;
                Some((
                    Hit {
                        row,
                        rank,
                        also_in,
                        coverage: 1.0,
                        matched: None,
                        counted: 0,
                    },
                    rowid,
                ))
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
            "(o.title LIKE ? ESCAPE '\\' OR o.summary LIKE ? ESCAPE '\\' OR body_text(o.body) LIKE ? ESCAPE '\\')"
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

/// Append to `hits` those of `found` whose observation is not there yet,
/// until `hits` holds `cap`.
fn push_new(hits: &mut Vec<(Hit, i64)>, found: Vec<(Hit, i64)>, cap: usize) {
    for (hit, rowid) in found {
        if hits.len() >= cap {
            break;
        }
        if !hits.iter().any(|(h, _)| h.row.id == hit.row.id) {
            hits.push((hit, rowid));
        }
    }
}

#[cfg(test)]
mod tests;
