//! `mem gc`'s repository part: repack every scope with `git gc` (gix 0.90
//! cannot) and report the objects before and after.

use serde::Serialize;

use super::{Mem, MemError};
use crate::gitcli::{self, ObjectCounts};

/// What repacking one scope did.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeGc {
    /// The scope.
    pub scope: String,
    /// Objects before.
    pub before: ObjectCounts,
    /// Objects after.
    pub after: ObjectCounts,
}

impl Mem {
    /// Repack every scope's repository (`git gc --quiet`). Nothing reachable
    /// is dropped, and unreachable objects younger than git's grace period
    /// are kept, so a save running at the same time loses nothing.
    ///
    /// # Errors
    /// [`MemError::Git`] when git is missing or fails.
    pub fn gc_scopes(&mut self) -> Result<Vec<ScopeGc>, MemError> {
        let mut out = Vec::new();
        for scope in self.scopes.clone() {
            let repo = scope.repo_path(&self.paths.scopes_dir());
            let before = gitcli::count_objects(&repo)?;
            gitcli::gc(&repo)?;
            let after = gitcli::count_objects(&repo)?;
            out.push(ScopeGc {
                scope: scope.to_string(),
                before,
                after,
            });
        }
        Ok(out)
    }
}
