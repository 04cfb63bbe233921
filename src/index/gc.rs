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
}

impl GcPlan {
    /// Whether there is nothing to remove.
    pub fn is_empty(&self) -> bool {
        self.tombstones.is_empty()
            && self.observations.is_empty()
            && self.resolved_records.is_empty()
    }
}

impl Index {
    /// The files of `scope` that can go: for every id whose newest
    /// tombstone in the scope is older than `cutoff` (RFC 3339, compared as
    /// text, which orders the UTC times `mem` writes), its tombstones and
    /// every file of the observation; and every resolved merge record.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn gc_plan(&self, scope: &str, cutoff: &str) -> Result<GcPlan, IndexError> {
        let mut plan = GcPlan::default();
        let mut stmt = self.conn.prepare(
            "SELECT t.path FROM tombs t WHERE t.scope = ?1 AND t.target IN (
                 SELECT target FROM tombs WHERE scope = ?1 GROUP BY target HAVING max(deleted) < ?2)
             ORDER BY t.path",
        )?;
        plan.tombstones = stmt
            .query_map(params![scope, cutoff], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT o.path FROM obs o WHERE o.scope = ?1 AND o.id IN (
                 SELECT target FROM tombs WHERE scope = ?1 GROUP BY target HAVING max(deleted) < ?2)
             ORDER BY o.path",
        )?;
        plan.observations = stmt
            .query_map(params![scope, cutoff], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT path FROM conflicts WHERE scope = ?1 AND resolved != 0 ORDER BY path",
        )?;
        plan.resolved_records = stmt
            .query_map(params![scope], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(plan)
    }
}
