//! The candidates of `mem context`: live observations in the order a
//! session-start block wants them.

use rusqlite::params_from_iter;

use super::query::{dedup, row_from, ROW_COLUMNS};
use super::{Filter, Hit, Index, IndexError};

impl Index {
    /// Observations matching `filter` for context injection, most worth
    /// reading first: importance (5 first), then topic-keyed observations
    /// and decisions, then newest, then id (so the order is the same on
    /// every run). At most `filter.limit` distinct ids.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn context_candidates(&self, filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        let (where_sql, values) = filter.where_clause();
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM obs o WHERE {where_sql}
             ORDER BY o.importance DESC, (o.key IS NOT NULL OR o.kind = 'decision') DESC,
                      o.created DESC, o.id
             LIMIT ?"
        );
        let mut values = values;
        // Several files may hold one id: over-fetch, then keep distinct ids.
        values.push(rusqlite::types::Value::Integer(
            (filter.limit.saturating_mul(2)).min(i64::MAX as usize) as i64,
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| Ok((row_from(r)?, 0.0)))?;
        Ok(dedup(rows, filter.limit)?)
    }
}
