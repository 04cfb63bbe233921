//! What `mem gc` may drop from a scope, found through the index (file
//! names in encrypted scopes say nothing).

use rusqlite::params;

use super::{Index, IndexError};

/// Paths `mem gc` removes from one scope in one commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcPlan {
    /// Tombstone files whose every tombstone for the id is older than the cutoff.
    pub tombstones: Vec<String>,
    /// The observation files those tombstones delete.
    pub observations: Vec<String>,
    /// Merge records marked resolved.
    pub resolved_records: Vec<String>,
    /// Observation files that expired before the cutoff (and are not
    /// among `observations` already).
    pub expired: Vec<String>,
}

impl GcPlan {
    /// Whether there is nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.tombstones.is_empty()
            && self.observations.is_empty()
            && self.resolved_records.is_empty()
            && self.expired.is_empty()
    }
}

impl Index {
    /// The files of `scope` that can go: for every id whose newest
    /// tombstone in the scope is older than `cutoff` (RFC 3339, compared as
    /// text, which orders the UTC times `mem` writes), its tombstones and
    /// every file of the observation; every resolved merge record; and
    /// every observation file whose `expires_at` is older than the cutoff.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn gc_plan(&self, scope: &str, cutoff: &str) -> Result<GcPlan, IndexError> {
        // Ids whose newest tombstone in the scope is older than the cutoff.
        const EXPIRED: &str =
            "SELECT target FROM tombs WHERE scope = ?1 GROUP BY target HAVING max(deleted) < ?2";
        let paths =
            |sql: &str, values: &[&dyn rusqlite::ToSql]| -> Result<Vec<String>, IndexError> {
                let mut stmt = self.conn.prepare(sql)?;
                let rows = stmt.query_map(values, |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            };
        Ok(GcPlan {
            tombstones: paths(
                &format!("SELECT path FROM tombs WHERE scope = ?1 AND target IN ({EXPIRED}) ORDER BY path"),
                params![scope, cutoff],
            )?,
            observations: paths(
                &format!("SELECT path FROM obs WHERE scope = ?1 AND id IN ({EXPIRED}) ORDER BY path"),
                params![scope, cutoff],
            )?,
            resolved_records: paths(
                "SELECT path FROM conflicts WHERE scope = ?1 AND resolved != 0 ORDER BY path",
                params![scope],
            )?,
            expired: paths(
                &format!("SELECT path FROM obs WHERE scope = ?1 AND expires IS NOT NULL AND expires < ?2
                          AND id NOT IN ({EXPIRED}) ORDER BY path"),
                params![
                    scope,
                    cutoff
                        .parse::<jiff::Timestamp>()
                        .map_or(i64::MIN, |t| t.as_second())
                ],
            )?,
        })
    }
}
