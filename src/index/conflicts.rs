//! Semantic conflicts as the index sees them: detecting forks, shared keys
//! and delete-edits, and listing the merge records already written.

use rusqlite::params;

use super::query::LIVE;
use super::{Candidate, ConflictRow, Index, IndexError};
use crate::store::ObservationId;

fn split_ids(joined: String) -> Vec<ObservationId> {
    let mut ids: Vec<ObservationId> = joined
        .split(',')
        .map(|id| ObservationId::from_hex(id.to_owned()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

impl Index {
    /// The semantic conflicts in `scope` now (README, "Merge records"):
    /// forks (several live observations supersede one), keys (several live
    /// observations share a key) and delete-edits (a deleted observation
    /// that a live one supersedes). Records already written, resolved or
    /// not, are the caller's to skip.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn detect_conflicts(&self, scope: &str) -> Result<Vec<Candidate>, IndexError> {
        use crate::store::ConflictKind;
        let mut out = Vec::new();
        let forks = format!(
            "SELECT e.target, group_concat(DISTINCT o.id) FROM edges e JOIN obs o ON o.rowid = e.obs
             WHERE o.scope = ?1 AND {LIVE} GROUP BY e.target HAVING count(DISTINCT o.id) >= 2 ORDER BY e.target"
        );
        let mut stmt = self.conn.prepare(&forks)?;
        for row in stmt.query_map(params![scope], |r| {
            Ok((r.get::<_, ObservationId>(0)?, r.get::<_, String>(1)?))
        })? {
            let (base, ids) = row?;
            out.push(Candidate {
                kind: ConflictKind::Fork,
                competitors: split_ids(ids),
                base: Some(base),
                key: None,
            });
        }
        let keys = format!(
            "SELECT o.key, group_concat(DISTINCT o.id) FROM obs o
             WHERE o.scope = ?1 AND o.key IS NOT NULL AND {LIVE} GROUP BY o.key HAVING count(DISTINCT o.id) >= 2 ORDER BY o.key"
        );
        let mut stmt = self.conn.prepare(&keys)?;
        for row in stmt.query_map(params![scope], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (key, ids) = row?;
            out.push(Candidate {
                kind: ConflictKind::Key,
                competitors: split_ids(ids),
                base: None,
                key: Some(key),
            });
        }
        // A fork over one base that also shares a key is one conflict, not two.
        let forks: Vec<Vec<ObservationId>> = out
            .iter()
            .filter(|c| c.kind == ConflictKind::Fork)
            .map(|c| c.competitors.clone())
            .collect();
        out.retain(|c| {
            c.kind != ConflictKind::Key
                || !forks
                    .iter()
                    .any(|f| c.competitors.iter().all(|id| f.contains(id)))
        });
        let delete_edits = format!(
            "SELECT t.target, group_concat(DISTINCT o.id) FROM tombs t
             JOIN edges e ON e.target = t.target JOIN obs o ON o.rowid = e.obs
             WHERE t.scope = ?1 AND o.scope = ?1 AND {LIVE} GROUP BY t.target ORDER BY t.target"
        );
        let mut stmt = self.conn.prepare(&delete_edits)?;
        for row in stmt.query_map(params![scope], |r| {
            Ok((r.get::<_, ObservationId>(0)?, r.get::<_, String>(1)?))
        })? {
            let (base, ids) = row?;
            let mut competitors = split_ids(ids);
            competitors.push(base.clone());
            competitors.sort();
            competitors.dedup();
            out.push(Candidate {
                kind: ConflictKind::DeleteEdit,
                competitors,
                base: Some(base),
                key: None,
            });
        }
        Ok(out)
    }

    /// Merge records (only unresolved ones unless `all`), oldest path first.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn conflicts(&self, all: bool) -> Result<Vec<ConflictRow>, IndexError> {
        let sql = format!(
            "SELECT c.scope, c.path, c.id, c.kind, c.base, c.key, c.resolved,
                    (SELECT group_concat(m.obs) FROM conflict_members m WHERE m.scope = c.scope AND m.path = c.path)
             FROM conflicts c {} ORDER BY c.scope, c.id",
            if all { "" } else { "WHERE c.resolved = 0" }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(ConflictRow {
                scope: r.get(0)?,
                path: r.get(1)?,
                id: r.get(2)?,
                kind: r.get(3)?,
                base: r.get(4)?,
                key: r.get(5)?,
                resolved: r.get(6)?,
                competitors: split_ids(r.get::<_, Option<String>>(7)?.unwrap_or_default()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
