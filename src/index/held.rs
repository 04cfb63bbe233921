//! What a file of a scope held, by path: how a sync tells a member's
//! removal (a gc, a rekey that moved the file) from one the remote made on
//! its own (see `memory::removals`).

use rusqlite::{params, OptionalExtension};

use super::{Index, IndexError, AT_PATH};

/// What one file of a scope holds, as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// An observation with this id.
    Observation(String),
    /// A tombstone of this id.
    Tombstone(String),
    /// A merge record, resolved or not.
    Record {
        /// Whether it is marked resolved.
        resolved: bool,
    },
}

impl Index {
    /// What the file at `path` in `scope` holds; `None` when the index does
    /// not know it (a file this device cannot decrypt or parse).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn held_at(&self, scope: &str, path: &str) -> Result<Option<Held>, IndexError> {
        if let Some(id) = self
            .conn
            .prepare_cached(&format!("SELECT id FROM obs WHERE {AT_PATH}"))?
            .query_row(params![scope, path], |r| r.get::<_, String>(0))
            .optional()?
        {
            return Ok(Some(Held::Observation(id)));
        }
        if let Some(id) = self
            .conn
            .prepare_cached("SELECT target FROM tombs WHERE scope = ?1 AND path = ?2")?
            .query_row(params![scope, path], |r| r.get::<_, String>(0))
            .optional()?
        {
            return Ok(Some(Held::Tombstone(id)));
        }
        Ok(self
            .conn
            .prepare_cached("SELECT resolved FROM conflicts WHERE scope = ?1 AND path = ?2")?
            .query_row(params![scope, path], |r| r.get::<_, bool>(0))
            .optional()?
            .map(|resolved| Held::Record { resolved }))
    }

    /// Paths of the files holding observation `id` in `scope`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn paths_of(&self, scope: &str, id: &str) -> Result<Vec<String>, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT path FROM obs WHERE scope = ?1 AND id = ?2")?
            .query_map(params![scope, id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's row is found through `obs_path`, not by scanning `obs`
    /// (a scan would make every save's index update read every row).
    #[test]
    fn a_row_by_path_uses_the_path_index() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(&dir.path().join("index.sqlite")).unwrap().0;
        let plan: Vec<String> = index
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT rowid FROM obs WHERE {AT_PATH}"
            ))
            .unwrap()
            .query_map(params!["local", "obs/2026/11/22/abc.md"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX obs_path")),
            "{plan:?}"
        );
    }
}
