//! Read-only operations behind `mem stats`, `mem log`, `mem get` and
//! `mem export`: each returns a plain report the CLI (or MCP) renders.

use serde::Serialize;

use super::{Mem, MemError};
use crate::index::{ObsRow, Stats, TombInfo};
use crate::store::{CommitInfo, ObservationId, ScopeName};

/// Counts and disk use, for `mem stats`.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStats {
    /// Counts per scope, kind and project.
    #[serde(flatten)]
    pub counts: Stats,
    /// Bytes of the index database and its write-ahead log.
    pub index_bytes: u64,
    /// Bytes of each scope's repository directory: `(scope, bytes)`.
    pub repository_bytes: Vec<(String, u64)>,
}

/// One commit of one scope, for `mem log`.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeCommit {
    /// The scope.
    pub scope: String,
    /// The commit.
    #[serde(flatten)]
    pub commit: CommitInfo,
}

/// One version in an observation's chain of edits.
#[derive(Debug, Clone)]
pub struct Version {
    /// The version's row.
    pub row: ObsRow,
    /// Its tombstone, when it is deleted.
    pub tombstone: Option<TombInfo>,
}

/// One observation as `mem get` and MCP `get_memory` show it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The observation (its first file, live ones first).
    pub row: ObsRow,
    /// Other scopes holding the same id.
    pub also_in: Vec<String>,
    /// The observations that supersede it.
    pub superseded_by: Vec<ObservationId>,
}

impl Mem {
    /// The observation whose id starts with `prefix`, with the other
    /// scopes holding it and what supersedes it.
    ///
    /// # Errors
    /// As [`Mem::resolve`]; [`MemError::Index`] when the index fails.
    pub fn get(&mut self, prefix: &str) -> Result<Fetched, MemError> {
        let mut rows = self.resolve(prefix)?;
        let row = rows.remove(0);
        let mut also_in: Vec<String> = rows
            .into_iter()
            .filter(|r| r.scope != row.scope)
            .map(|r| r.scope)
            .collect();
        also_in.dedup();
        let superseded_by = self.superseded_by(&row.id)?;
        Ok(Fetched {
            row,
            also_in,
            superseded_by,
        })
    }

    /// Counts per scope, kind and project, and the bytes each scope's
    /// repository and the index take on disk.
    ///
    /// # Errors
    /// [`MemError`] when the index cannot be brought in step or read.
    pub fn stats(&mut self) -> Result<StoreStats, MemError> {
        let counts = self.index()?.stats()?;
        let index_file = self.paths.index_file();
        let index_bytes = ["", "-wal"]
            .iter()
            .map(|s| {
                dir_size(std::path::Path::new(&format!(
                    "{}{s}",
                    index_file.display()
                )))
            })
            .sum();
        let scopes_dir = self.paths.scopes_dir();
        let repository_bytes = self
            .scopes
            .iter()
            .map(|s| (s.to_string(), dir_size(&s.repo_path(&scopes_dir))))
            .collect();
        Ok(StoreStats {
            counts,
            index_bytes,
            repository_bytes,
        })
    }

    /// The newest `limit` commits across every scope, newest first (ties
    /// by scope name).
    ///
    /// # Errors
    /// [`MemError::Store`] when a scope's history cannot be walked.
    pub fn history(&self, limit: usize) -> Result<Vec<ScopeCommit>, MemError> {
        let mut all = Vec::new();
        for scope in &self.scopes {
            for commit in self.repo(scope)?.log(limit)? {
                all.push(ScopeCommit {
                    scope: scope.to_string(),
                    commit,
                });
            }
        }
        all.sort_by(|a, b| {
            b.commit
                .time
                .cmp(&a.commit.time)
                .then(a.scope.cmp(&b.scope))
        });
        all.truncate(limit);
        Ok(all)
    }

    /// Every version of the observation `id` (a unique prefix) — the edits
    /// it supersedes and the ones superseding it, followed both ways —
    /// oldest first. Returns the full id asked for and the chain.
    ///
    /// # Errors
    /// As [`Mem::resolve`]; [`MemError::Index`] when the index fails.
    pub fn versions(&mut self, id: &str) -> Result<(ObservationId, Vec<Version>), MemError> {
        let start = self.resolve(id)?.remove(0).id;
        let index = self.index()?;
        let mut seen = vec![start.clone()];
        let mut queue = vec![start.clone()];
        let mut chain = Vec::new();
        while let Some(id) = queue.pop() {
            let Some(row) = index.rows_of(&id)?.into_iter().next() else {
                continue;
            };
            let mut next: Vec<ObservationId> = row
                .obs
                .supersedes
                .iter()
                .map(|s| ObservationId::from_hex(s.clone()))
                .collect();
            next.extend(index.superseded_by(&id)?);
            for n in next {
                if !seen.contains(&n) {
                    seen.push(n.clone());
                    queue.push(n);
                }
            }
            let tombstone = index.tombstone_info(&row.scope, &row.id)?;
            chain.push(Version { row, tombstone });
        }
        chain.sort_by(|a, b| {
            a.row
                .obs
                .created
                .cmp(&b.row.obs.created)
                .then(a.row.id.cmp(&b.row.id))
        });
        Ok((start, chain))
    }

    /// The ids of the observations that supersede the full id `id`.
    ///
    /// # Errors
    /// [`MemError::Index`] when the index fails.
    pub fn superseded_by(&mut self, id: &str) -> Result<Vec<ObservationId>, MemError> {
        Ok(self.index()?.superseded_by(id)?)
    }

    /// Every file holding the full id `id`, live ones first.
    ///
    /// # Errors
    /// [`MemError::Index`] when the index fails.
    pub fn rows_of(&mut self, id: &str) -> Result<Vec<ObsRow>, MemError> {
        Ok(self.index()?.rows_of(id)?)
    }

    /// Every observation of `scopes` (all when empty), deleted and
    /// superseded ones included, for `mem export`: once per scope, when
    /// two files of a scope hold one id (two devices placed it in its day
    /// differently, docs/format.md) the one at the byte-wise smallest path.
    ///
    /// # Errors
    /// [`MemError::Index`] when the index fails.
    pub fn export_rows(&mut self, scopes: &[ScopeName]) -> Result<Vec<ObsRow>, MemError> {
        let names: Vec<String> = scopes.iter().map(ToString::to_string).collect();
        let rows = self.index()?.all_rows(&names)?;
        let mut first: std::collections::HashMap<(&str, &str), &str> =
            std::collections::HashMap::new();
        for row in &rows {
            let path = first
                .entry((row.scope.as_str(), row.id.as_str()))
                .or_insert(row.path.as_str());
            if row.path.as_str() < *path {
                *path = row.path.as_str();
            }
        }
        let keep: Vec<bool> = rows
            .iter()
            .map(|r| first.get(&(r.scope.as_str(), r.id.as_str())) == Some(&r.path.as_str()))
            .collect();
        Ok(rows
            .into_iter()
            .zip(keep)
            .filter_map(|(row, keep)| keep.then_some(row))
            .collect())
    }

    /// The names of this device's team scopes (`team/<id>`), sorted.
    pub fn team_scopes(&self) -> Vec<String> {
        self.scopes
            .iter()
            .map(ToString::to_string)
            .filter(|s| s.starts_with("team/"))
            .collect()
    }

    /// Bring the index in step with `scopes` (every scope when empty); a
    /// scope that cannot be read is a warning, not an error.
    ///
    /// # Errors
    /// [`MemError::Index`] when the index cannot be opened or written.
    pub fn refresh(&mut self, scopes: &[ScopeName]) -> Result<(), MemError> {
        self.index_for(scopes).map(drop)
    }
}

/// Bytes under `path` (a file's length, a directory's files summed).
fn dir_size(path: &std::path::Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| dir_size(&e.path()))
                .sum()
        })
        .unwrap_or(0)
}
