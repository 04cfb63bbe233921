//! `mem gc`'s repository part: repack every scope with `git gc` (gix 0.90
//! cannot) and report the objects before and after.

use serde::Serialize;

use super::{Mem, MemError};
use crate::gitcli::{self, ObjectCounts};
use crate::store::FileChange;

/// What [`Mem::gc_dropped`] removed from one scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeDrop {
    /// The scope.
    pub scope: String,
    /// Tombstone files removed.
    pub tombstones: usize,
    /// Observation files removed with them.
    pub observations: usize,
    /// Resolved merge records removed.
    pub resolved_records: usize,
    /// Observation files removed because they expired before the retention.
    pub expired: usize,
    /// The commit made, if any.
    pub commit: Option<String>,
}

/// What repacking one scope did.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeGc {
    /// The scope.
    pub scope: String,
    /// Objects before.
    pub before: ObjectCounts,
    /// Objects after.
    pub after: ObjectCounts,
    /// Why the scope could not be packed (then `after` is `before`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Mem {
    /// In every scope, remove in one commit what no longer needs keeping:
    /// resolved merge records, and for each id whose newest tombstone is
    /// older than `retention`, its tombstones together with the
    /// observation's files; and every observation that expired longer than
    /// `retention` ago. Nothing deleted can come back through a sync:
    /// a device still holding the files merges against a base that has
    /// them, and a removal against an unchanged file wins (`sync::merge`);
    /// a device that changed a record keeps its change.
    ///
    /// # Errors
    /// [`MemError`] when a repository or the index fails.
    pub fn gc_dropped(
        &mut self,
        retention: std::time::Duration,
    ) -> Result<Vec<ScopeDrop>, MemError> {
        let cutoff = crate::time::now()
            .checked_sub(
                jiff::SignedDuration::try_from(retention).unwrap_or(jiff::SignedDuration::MAX),
            )
            .unwrap_or(jiff::Timestamp::MIN);
        let cutoff = crate::time::format(cutoff);
        let mut out = Vec::new();
        for scope in self.scopes.clone() {
            let mut report = ScopeDrop {
                scope: scope.to_string(),
                ..ScopeDrop::default()
            };
            let commit = self.commit_with_retry(&scope, |index, _parent| {
                let plan = index.gc_plan(scope.as_str(), &cutoff)?;
                if plan.is_empty() {
                    return Ok(None);
                }
                report.tombstones = plan.tombstones.len();
                report.observations = plan.observations.len();
                report.resolved_records = plan.resolved_records.len();
                report.expired = plan.expired.len();
                let changes: Vec<FileChange> = plan
                    .tombstones
                    .into_iter()
                    .chain(plan.observations)
                    .chain(plan.resolved_records)
                    .chain(plan.expired)
                    .map(|path| FileChange::Remove { path })
                    .collect();
                let message = format!("mem: gc, {} file(s) removed", changes.len());
                Ok(Some((changes, message)))
            })?;
            if commit.is_none() {
                report = ScopeDrop {
                    scope: scope.to_string(),
                    ..ScopeDrop::default()
                };
            }
            report.commit = commit;
            out.push(report);
        }
        Ok(out)
    }

    /// Repack every scope's repository (`git gc --quiet`). Nothing reachable
    /// is dropped, and unreachable objects younger than git's grace period
    /// are kept, so a save running at the same time loses nothing. First,
    /// `.keep` and temporary files an import killed midway left in
    /// `objects/pack` an hour or more ago go, so git can repack that pack.
    ///
    /// # Errors
    /// [`MemError::Git`] when git is missing or fails.
    pub fn gc_scopes(&mut self) -> Result<Vec<ScopeGc>, MemError> {
        let mut out = Vec::new();
        for scope in self.scopes.clone() {
            let repo = scope.repo_path(&self.paths.scopes_dir());
            let before = gitcli::count_objects(&repo)?;
            // A background pack is waited for here, before the ref guard,
            // so that saves go on meanwhile; holding its lock keeps another
            // from starting (one may write a multi-pack index of the packs
            // this gc replaces).
            let job = match gitcli::hold_background(&repo) {
                Ok(job) => job,
                Err(busy) => {
                    out.push(ScopeGc {
                        scope: scope.to_string(),
                        before,
                        after: before,
                        error: Some(format!(
                            "scope '{scope}' was not packed: {busy}; run `mem gc` again once it ends"
                        )),
                    });
                    continue;
                }
            };
            // `git gc` locks refs (reflog expiry): hold mem's ref guard so
            // no save takes its lock for a dead writer's.
            let guard = self.repo(&scope).map(|r| r.ref_guard());
            // What an import killed between its pack and its ref left.
            crate::store::sweep_interrupted_packs(&repo, crate::store::STALE_PACK_FILE);
            // A scope git cannot pack (a missing object) is reported; the
            // others are packed.
            let error = gitcli::gc(&repo)
                .err()
                .map(|e| format!("scope '{scope}' could not be packed ({e}): run `mem doctor`"));
            drop(guard);
            if error.is_none() && job.is_some() {
                gitcli::write_midx_if_large(&repo);
            }
            drop(job);
            let after = gitcli::count_objects(&repo)?;
            out.push(ScopeGc {
                scope: scope.to_string(),
                before,
                after,
                error,
            });
        }
        Ok(out)
    }
}
