//! Removals are authenticated: an observation leaves this device's live set
//! only through a tombstone, a supersede or a `mem gc` a member wrote
//! (README, "Encrypted scopes"). After a sync moved a scope's head, every
//! content file the move removed is judged by what it held:
//!
//! - an observation: fine when another file still holds its id (a rekey
//!   moved it), or it had a tombstone here or one was written in the commits
//!   the sync brought (gc drops deleted ones), or it had expired (gc drops
//!   expired ones; the expiry is inside the file, which in an encrypted
//!   scope only a member can write);
//! - a tombstone: fine when another tombstone of the id remains, when the
//!   observation went with it (gc), or — in an encrypted scope — when a new
//!   ciphertext of the observation came with its removal (a reader restored
//!   it by saving it again; the host, which cannot read it, cannot make
//!   one). In a plaintext scope the host can read, so a removed tombstone is
//!   taken as a restore;
//! - a merge record: fine when it was resolved (gc drops resolved ones);
//! - a message: fine when it had expired (gc and purges drop expired
//!   ones); an ack: fine when its message is no longer live;
//! - a file this device could not read: not judged (it was never in this
//!   device's live set).
//!
//! Anything else is put back in one commit on the new head.

use std::collections::BTreeSet;

use gix::ObjectId;

use super::{Mem, MemError};
use crate::crypto;
use crate::index::Held;
use crate::store::{CommitOutcome, FileChange, ScopeName, ScopeRepo, TreeChange};

/// One removed file and what it held before the sync.
struct Removed {
    path: String,
    blob: ObjectId,
    held: Option<Held>,
    /// For an observation: whether it had a tombstone before, or had expired.
    deleted: bool,
    /// For a tombstone: the names of the observation's files before.
    names_before: BTreeSet<String>,
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map(|(_, n)| n).unwrap_or(path)
}

impl Mem {
    /// Put back the content files the move of `scope` from `before` to the
    /// current head removed without a member's say-so (see the module
    /// comment). The index must be in step with `before` when called; it
    /// is in step with the new head on return. Returns how many files were
    /// put back.
    ///
    /// # Errors
    /// [`MemError`] when the repository or the index fails.
    pub(super) fn keep_unauthenticated_removals(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        before: ObjectId,
        encrypted: bool,
    ) -> Result<usize, MemError> {
        let Some(after) = repo.head()? else {
            return Ok(0);
        };
        let (gone, other): (Vec<String>, Vec<String>) = repo
            .diff(Some(before), after)?
            .into_iter()
            .filter_map(|c| match c {
                TreeChange::Removed { path } => Some(path),
                _ => None,
            })
            .partition(|path| is_content(path));
        // Messages and acks are not indexed: judged from their files.
        let mut gone_messages = Vec::new();
        for path in other {
            if crate::store::is_message_path(&path) || crate::store::is_ack_path(&path) {
                if let Some(blob) = repo.blob_at(before, &path)? {
                    gone_messages.push((path, blob));
                }
            }
        }
        if gone.is_empty() && gone_messages.is_empty() {
            return Ok(0);
        }
        // What they held, while the index still knows the old head.
        let mut removed = Vec::new();
        {
            let index = self.open_index()?;
            for path in gone {
                let Some(blob) = repo.blob_at(before, &path)? else {
                    continue;
                };
                let held = index.held_at(scope.as_str(), &path)?;
                let (deleted, names_before) = match &held {
                    Some(Held::Observation(id)) => (
                        !index.tombstones(scope.as_str(), id)?.is_empty()
                            || index.rows_of(id)?.iter().any(|r| {
                                r.scope == scope.as_str() && r.obs.is_expired(crate::time::now())
                            }),
                        BTreeSet::new(),
                    ),
                    Some(Held::Tombstone(id)) => (
                        true,
                        index
                            .paths_of(scope.as_str(), id)?
                            .iter()
                            .map(|p| file_name(p).to_owned())
                            .collect(),
                    ),
                    _ => (false, BTreeSet::new()),
                };
                removed.push(Removed {
                    path,
                    blob,
                    held,
                    deleted,
                    names_before,
                });
            }
        }
        self.fresh.retain(|s| s != scope);
        self.index_for(std::slice::from_ref(scope))?;
        let mut keep = Vec::new();
        let mut tombstoned: Option<BTreeSet<String>> = None;
        for r in removed {
            if let Some(Held::Observation(id)) = &r.held {
                let index = self.open_index()?;
                let explained = r.deleted || index.contains(scope.as_str(), id)?;
                if !explained {
                    if tombstoned.is_none() {
                        tombstoned = Some(self.tombstones_between(repo, before, after)?);
                    }
                    if !tombstoned.as_ref().is_some_and(|t| t.contains(id)) {
                        keep.push(FileChange::Upsert {
                            path: r.path.clone(),
                            bytes: repo.read_blob(r.blob)?.into(),
                        });
                    }
                }
                continue;
            }
            let index = self.open_index()?;
            let fine = match &r.held {
                None | Some(Held::Observation(_)) => true,
                Some(Held::Record { resolved }) => *resolved,
                Some(Held::Tombstone(id)) => {
                    !index.tombstones(scope.as_str(), id)?.is_empty()
                        || !index.contains(scope.as_str(), id)?
                        || !encrypted
                        || fresh_ciphertext(
                            repo,
                            after,
                            &index.paths_of(scope.as_str(), id)?,
                            &r.names_before,
                        )?
                }
            };
            if !fine {
                keep.push(FileChange::Upsert {
                    path: r.path.clone(),
                    bytes: repo.read_blob(r.blob)?.into(),
                });
            }
        }
        keep.extend(self.unexplained_message_removals(scope, repo, &gone_messages)?);
        if keep.is_empty() {
            return Ok(0);
        }
        let count = keep.len();
        let signature = self.signature();
        let message = format!("mem: keep {count} file(s) removed without a tombstone");
        for _ in 0..super::MAX_COMMIT_ATTEMPTS {
            let head = repo.head()?;
            if let CommitOutcome::Committed(_) = repo.commit(head, &keep, &message, &signature)? {
                self.fresh.retain(|s| s != scope);
                self.index_for(std::slice::from_ref(scope))?;
                return Ok(count);
            }
        }
        Err(MemError::Contention(scope.to_string()))
    }
}

impl Mem {
    /// The ids the commits between `before` and `after` wrote tombstones
    /// for: a device that was away while a member deleted an observation
    /// and a later `mem gc` dropped it sees the deletion in the history. In
    /// an encrypted scope a tombstone names an id the host never saw, so the
    /// host cannot write one; in a plaintext scope it could.
    fn tombstones_between(
        &mut self,
        repo: &ScopeRepo,
        before: ObjectId,
        after: ObjectId,
    ) -> Result<BTreeSet<String>, MemError> {
        let mut ids = BTreeSet::new();
        for (commit, parent) in repo.commits_only_in(after, before)? {
            for change in repo.diff(parent, commit)? {
                let TreeChange::Written { path, blob } = change else {
                    continue;
                };
                if !crate::index::is_tombstone_path(&path) {
                    continue;
                }
                let bytes = repo.read_blob(blob)?;
                let plain = if crypto::is_encrypted_path(&path) {
                    match self.identity().map(|i| i.decrypt(&bytes)) {
                        Ok(Ok(p)) => p,
                        _ => continue,
                    }
                } else {
                    bytes
                };
                if let Ok(t) = crate::store::Tombstone::parse(&plain) {
                    ids.insert(t.id);
                }
            }
        }
        Ok(ids)
    }
}

/// Whether one of `paths` (an observation's files at `after`) is a
/// ciphertext this device had not seen, whose name is the hash of its bytes:
/// only a reader of the observation could have made it.
fn fresh_ciphertext(
    repo: &ScopeRepo,
    after: ObjectId,
    paths: &[String],
    names_before: &BTreeSet<String>,
) -> Result<bool, MemError> {
    for path in paths {
        let name = file_name(path);
        if names_before.contains(name) || !crypto::is_encrypted_path(path) {
            continue;
        }
        if let Some(bytes) = repo.read_path(after, path)? {
            if crypto::opaque_name(&bytes) == name {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn is_content(path: &str) -> bool {
    crate::index::is_observation_path(path)
        || crate::index::is_tombstone_path(path)
        || crate::index::is_conflict_path(path)
}
