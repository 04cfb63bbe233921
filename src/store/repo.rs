//! One scope's bare git repository, written through gix.
//!
//! A write is: blobs → tree edit of the head tree → commit → compare-and-swap
//! move of `refs/heads/main` (the ref must still point at the parent the tree
//! was built on). When another process moved the ref first, the caller gets
//! [`CommitOutcome::Moved`] and rebuilds its change on the new head, so
//! concurrent writers never clobber each other.

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target;
use gix::ObjectId;

use super::StoreError;

/// The branch every scope keeps its history on.
pub const MAIN_REF: &str = "refs/heads/main";

/// Where the last fetched state of the remote's `main` is kept.
pub const TRACKING_REF: &str = "refs/remotes/origin/main";
/// The file in a scope's repository directory holding its last successful sync time.
pub const LAST_SYNC_FILE: &str = "mem-last-sync";
/// The file in a scope's repository directory holding why its last sync failed.
pub const SYNC_ERROR_FILE: &str = "mem-sync-error";

/// A change to one file of a scope's tree.
#[derive(Debug, Clone)]
pub enum FileChange {
    /// Create or overwrite `path` with these bytes.
    Upsert {
        /// Slash-separated path inside the scope tree.
        path: String,
        /// File content.
        bytes: std::sync::Arc<[u8]>,
    },
    /// Remove `path` (no error when it is absent).
    Remove {
        /// Slash-separated path inside the scope tree.
        path: String,
    },
}

impl FileChange {
    /// The slash-separated path the change is to.
    pub fn path(&self) -> &str {
        match self {
            FileChange::Upsert { path, .. } | FileChange::Remove { path } => path,
        }
    }
}

/// A file that differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeChange {
    /// Added or modified: the path and its new blob.
    Written {
        /// Slash-separated path.
        path: String,
        /// The blob now at that path.
        blob: ObjectId,
    },
    /// The path is gone.
    Removed {
        /// Slash-separated path.
        path: String,
    },
}

/// Result of [`ScopeRepo::commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The commit was made and `refs/heads/main` now points at it.
    Committed(ObjectId),
    /// Another writer moved the ref since `parent` was read: rebuild and retry.
    Moved,
}

/// Who made a commit, and when (seconds since the Unix epoch, UTC).
#[derive(Debug, Clone)]
pub struct Signature {
    /// Name, e.g. the `user_id`.
    pub name: String,
    /// E-mail-shaped string, e.g. `alice@laptop`.
    pub email: String,
    /// Seconds since the Unix epoch.
    pub seconds: i64,
}

/// One commit of a scope's history, for `mem log`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommitInfo {
    /// Full hex commit id.
    pub commit: String,
    /// Seconds since the Unix epoch (committer time).
    pub time: i64,
    /// Committer name.
    pub author: String,
    /// First line of the message.
    pub message: String,
    /// Number of parents (2 for merges).
    pub parents: usize,
}

/// An open scope repository. A clone shares the object database, with the
/// pack indexes it has loaded.
#[derive(Clone)]
pub struct ScopeRepo {
    pub(super) path: PathBuf,
    pub(super) repo: gix::Repository,
}

/// A failed git operation: what was being done, and gix's error as the source.
pub(super) fn git_err(
    op: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::Git {
        op: op.to_owned(),
        source: Box::new(source),
    }
}

/// The commit of `tree` with `parents`, author and committer both
/// `signature` in UTC, not yet written anywhere.
pub(super) fn commit_object(
    tree: ObjectId,
    parents: &[ObjectId],
    message: &str,
    signature: &Signature,
) -> gix::objs::Commit {
    let time = gix::date::Time {
        seconds: signature.seconds,
        offset: 0,
    };
    let sig = gix::actor::Signature {
        name: signature.name.as_str().into(),
        email: signature.email.as_str().into(),
        time,
    };
    gix::objs::Commit {
        message: message.into(),
        tree,
        author: sig.clone(),
        committer: sig,
        encoding: None,
        parents: parents.iter().copied().collect(),
        extra_headers: Default::default(),
    }
}

/// Run an object write again when it failed because a directory vanished
/// under it: `git gc` (its prune-packed step, e.g. a background pack)
/// removes fan-out directories it emptied, racing a write that had just
/// found one there. git retries its own writes the same way.
fn retry_vanished<T>(mut write: impl FnMut() -> gix::Result<T>) -> gix::Result<T> {
    let mut attempts = 0;
    loop {
        match write() {
            Err(e) if attempts < 5 && vanished(&e) => attempts += 1,
            other => return other,
        }
    }
}

/// Whether a file-system step of `e` found nothing where it looked.
fn vanished(e: &gix::Error) -> bool {
    e.iter_errors().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
    })
}

fn open_options() -> gix::open::Options {
    // Isolated: the user's global git config must not change how scopes are
    // read or written (hooks, templates, object formats). The one setting
    // taken from the environment is how to run ssh, as git does.
    let options = gix::open::Options::isolated();
    match std::env::var("GIT_SSH_COMMAND") {
        Ok(cmd) if !cmd.trim().is_empty() => {
            options.config_overrides([format!("core.sshCommand={cmd}")])
        }
        _ => options,
    }
}

impl ScopeRepo {
    /// Create a bare repository at `path` whose `HEAD` names `refs/heads/main`.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the directory cannot be created, [`StoreError::Git`] otherwise.
    pub fn init(path: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(path).map_err(|e| StoreError::io(path, e))?;
        gix::init_bare(path).map_err(|e| git_err("cannot create repository", e))?;
        std::fs::write(path.join("HEAD"), format!("ref: {MAIN_REF}\n"))
            .map_err(|e| StoreError::io(path, e))?;
        Self::open(path)
    }

    /// Open the bare repository at `path`.
    ///
    /// # Errors
    /// [`StoreError::Git`] when it is not a readable git repository.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let repo = gix::open_opts(path, open_options())
            .map_err(|e| git_err(&format!("cannot open {}", path.display()), e))?;
        Ok(ScopeRepo {
            path: path.to_owned(),
            repo,
        })
    }

    /// The repository directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commit `refs/heads/main` points at, or `None` before the first commit.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the ref store cannot be read.
    pub fn head(&self) -> Result<Option<ObjectId>, StoreError> {
        let reference = self
            .repo
            .try_find_reference(MAIN_REF)
            .map_err(|e| git_err("cannot read refs/heads/main", e))?;
        Ok(reference.and_then(|r| r.target().try_id().map(|id| id.to_owned())))
    }

    /// Whether the object `id` is present.
    pub fn has_object(&self, id: &ObjectId) -> bool {
        self.repo.has_object(id)
    }

    pub(super) fn tree_of(&self, commit: ObjectId) -> Result<gix::Tree<'_>, StoreError> {
        self.repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err(&format!("cannot read commit {commit}"), e))
    }

    /// Write `bytes` as a blob and return its id.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the object cannot be written.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<ObjectId, StoreError> {
        retry_vanished(|| self.repo.write_blob(bytes).map(|id| id.detach()))
            .map_err(|e| git_err("cannot write object", e))
    }

    /// Write a commit of `tree` with `parents` as a loose object, author
    /// and committer both `signature` in UTC; returns its id and the commit.
    fn write_commit_object(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        message: &str,
        signature: &Signature,
    ) -> Result<(ObjectId, gix::objs::Commit), StoreError> {
        let commit = commit_object(tree, parents, message, signature);
        let id = retry_vanished(|| self.repo.write_object(&commit).map(|id| id.detach()))
            .map_err(|e| git_err("cannot write commit", e))?;
        Ok((id, commit))
    }

    /// The bytes of the blob `id`.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the object is missing or not a blob.
    pub fn read_blob(&self, id: ObjectId) -> Result<Vec<u8>, StoreError> {
        self.repo
            .find_blob(id)
            .map(|mut b| b.take_data())
            .map_err(|e| git_err(&format!("cannot read blob {id}"), e))
    }

    /// Apply `changes` to the tree of `parent` (or to an empty tree), write a
    /// commit and move `refs/heads/main` from `parent` to it, atomically.
    ///
    /// Returns [`CommitOutcome::Moved`] when the ref no longer points at
    /// `parent` (or is locked by another writer): nothing is lost, the new
    /// objects are just unreferenced, and the caller retries on the new head.
    ///
    /// # Errors
    /// [`StoreError::Git`] when objects cannot be written (a read-only
    /// repository, a full disk) or the ref cannot be updated for another reason.
    pub fn commit(
        &self,
        parent: Option<ObjectId>,
        changes: &[FileChange],
        message: &str,
        signature: &Signature,
    ) -> Result<CommitOutcome, StoreError> {
        let commit = self.write_commit(parent, changes, message, signature)?;
        self.move_main(&commit, parent, message)
    }

    /// Write the blobs of `changes`, the trees they change and a commit of
    /// the result on `parent` as loose objects, and return the commit.
    ///
    /// # Errors
    /// As [`ScopeRepo::commit`].
    fn write_commit(
        &self,
        parent: Option<ObjectId>,
        changes: &[FileChange],
        message: &str,
        signature: &Signature,
    ) -> Result<(ObjectId, gix::objs::Commit), StoreError> {
        // gix_object's editor, not gix's: gix's checks that every entry of
        // every tree it writes exists (a `stat` per loose object, thousands
        // for a busy day folder). Here the entries are the base tree's own
        // and the blobs written just above, so the cost follows the change.
        let root: gix::objs::Tree = match parent {
            Some(p) => self
                .tree_of(p)?
                .decode()
                .map_err(|e| git_err("cannot read tree", e))?
                .into(),
            None => gix::objs::Tree::empty(),
        };
        let mut editor =
            gix::objs::tree::Editor::new(root, &self.repo.objects, self.repo.object_hash());
        for change in changes {
            match change {
                FileChange::Upsert { path, bytes } => {
                    let blob = self.write_blob(bytes)?;
                    editor
                        .upsert(path.split('/'), EntryKind::Blob, blob)
                        .map_err(|e| git_err(&format!("cannot add {path}"), e))?;
                }
                FileChange::Remove { path } => {
                    editor
                        .remove(path.split('/'))
                        .map_err(|e| git_err(&format!("cannot remove {path}"), e))?;
                }
            }
        }
        let tree = editor
            .write(|tree| retry_vanished(|| self.repo.write_object(tree).map(|id| id.detach())))
            .map_err(|e| git_err("cannot write tree", e))?;
        let parents: Vec<ObjectId> = parent.into_iter().collect();
        self.write_commit_object(tree, &parents, message, signature)
    }

    /// Write a commit of `tree` with `parents` and move `refs/heads/main` from
    /// `parents[0]` (or from nothing) to it; see [`ScopeRepo::commit`].
    ///
    /// # Errors
    /// As [`ScopeRepo::commit`].
    pub fn commit_tree(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        message: &str,
        signature: &Signature,
    ) -> Result<CommitOutcome, StoreError> {
        self.commit_tree_over(tree, parents, parents.first().copied(), message, signature)
    }

    /// Start the history of `refs/heads/main` afresh: a root commit of
    /// `tree` replaces `head` (compare-and-swap, as [`ScopeRepo::commit`]).
    /// The old commits stay in the object database until a `git gc` after
    /// their reflog entries expire.
    ///
    /// # Errors
    /// As [`ScopeRepo::commit`].
    pub fn replace_history(
        &self,
        tree: ObjectId,
        head: ObjectId,
        message: &str,
        signature: &Signature,
    ) -> Result<CommitOutcome, StoreError> {
        self.commit_tree_over(tree, &[], Some(head), message, signature)
    }

    fn commit_tree_over(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        expected_head: Option<ObjectId>,
        message: &str,
        signature: &Signature,
    ) -> Result<CommitOutcome, StoreError> {
        let commit = self.write_commit_object(tree, parents, message, signature)?;
        self.move_main(&commit, expected_head, message)
    }

    /// Move `refs/heads/main` from `expected_head` (or from nothing) to the
    /// written `commit`, compare-and-swap; see [`ScopeRepo::commit`].
    ///
    /// # Errors
    /// As [`ScopeRepo::commit`].
    pub(super) fn move_main(
        &self,
        (commit_id, commit): &(ObjectId, gix::objs::Commit),
        expected_head: Option<ObjectId>,
        message: &str,
    ) -> Result<CommitOutcome, StoreError> {
        let commit_id = *commit_id;
        let expected = match expected_head {
            Some(p) => PreviousValue::MustExistAndMatch(Target::Object(p)),
            None => PreviousValue::MustNotExist,
        };
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: message.lines().next().unwrap_or_default().into(),
                },
                expected,
                new: Target::Object(commit_id),
            },
            name: MAIN_REF.try_into().expect("valid ref name"),
            deref: false,
        };
        // Our own signature for the reflog: asking gix for the configured
        // committer would read the time-zone database on every save.
        let mut time_buf = gix::date::parse::TimeBuf::default();
        let committer = commit.committer.to_ref(&mut time_buf);
        let guard = self.ref_guard();
        match self.repo.edit_references_as([edit], Some(committer)) {
            Ok(_) => Ok(CommitOutcome::Committed(commit_id)),
            Err(e) => {
                // A mismatch and a held lock both mean another writer is
                // active (or died holding it: taken over for the next
                // attempt); anything else (permissions, disk) is an error.
                // gix classifies a ref lock it could not take as retryable.
                if e.is_retryable() {
                    self.clear_stale_lock(MAIN_REF, guard.is_some());
                    Ok(CommitOutcome::Moved)
                } else if self.head()? != expected_head {
                    Ok(CommitOutcome::Moved)
                } else {
                    Err(git_err("cannot move refs/heads/main", e))
                }
            }
        }
    }

    /// The underlying gix repository (for fetching).
    pub fn gix(&self) -> &gix::Repository {
        &self.repo
    }

    /// The commit `name` points at, if the ref exists.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the ref store cannot be read.
    pub fn ref_target(&self, name: &str) -> Result<Option<ObjectId>, StoreError> {
        let reference = self
            .repo
            .try_find_reference(name)
            .map_err(|e| git_err(&format!("cannot read {name}"), e))?;
        Ok(reference.and_then(|r| r.target().try_id().map(|id| id.to_owned())))
    }

    /// Move `name` from `expected` (`None`: must not exist) to `new`,
    /// atomically. Returns false when the ref had moved.
    ///
    /// # Errors
    /// [`StoreError::Git`] for failures other than a moved ref.
    pub fn move_ref(
        &self,
        name: &str,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<bool, StoreError> {
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: message.into(),
                },
                expected: match expected {
                    Some(e) => PreviousValue::MustExistAndMatch(Target::Object(e)),
                    None => PreviousValue::MustNotExist,
                },
                new: Target::Object(new),
            },
            name: name
                .try_into()
                .map_err(|e| git_err(&format!("bad ref name {name}"), e))?,
            deref: false,
        };
        let sig = gix::actor::Signature {
            name: "mem".into(),
            email: "mem@localhost".into(),
            time: gix::date::Time::default(),
        };
        let mut time_buf = gix::date::parse::TimeBuf::default();
        // Every mem process moves refs under this advisory lock, which the
        // kernel releases when its holder dies: holding it, any ref `.lock`
        // file found is the remains of a writer killed mid-update.
        let guard = self.ref_guard();
        match self
            .repo
            .edit_references_as([edit], Some(sig.to_ref(&mut time_buf)))
        {
            Ok(_) => Ok(true),
            Err(e) => {
                // A ref lock held by another writer (gix: retryable).
                if e.is_retryable() {
                    self.clear_stale_lock(name, guard.is_some());
                    Ok(false)
                } else if self.ref_target(name)? != expected {
                    Ok(false)
                } else {
                    Err(git_err(&format!("cannot move {name}"), e))
                }
            }
        }
    }

    /// The best common ancestor of two commits, if they share history.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the history cannot be walked.
    pub fn merge_base(&self, a: ObjectId, b: ObjectId) -> Result<Option<ObjectId>, StoreError> {
        match self.repo.merge_base(a, b) {
            Ok(id) => Ok(id.map(|i| i.detach())),
            Err(e) => Err(git_err("cannot find the merge base", e)),
        }
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    ///
    /// # Errors
    /// [`StoreError::Git`] when the history cannot be walked.
    pub fn is_ancestor(
        &self,
        ancestor: ObjectId,
        descendant: ObjectId,
    ) -> Result<bool, StoreError> {
        if ancestor == descendant {
            return Ok(true);
        }
        Ok(self.merge_base(ancestor, descendant)? == Some(ancestor))
    }

    /// How many commits are reachable from `a` but not from `b` (`git
    /// rev-list --count b..a`): with `main` and the remote-tracking branch,
    /// how far this device is ahead of or behind the remote as last fetched.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the history cannot be walked.
    /// With `b` `None`, every commit reachable from `a`.
    pub fn count_only_in(&self, a: ObjectId, b: Option<ObjectId>) -> Result<usize, StoreError> {
        let walk = self
            .repo
            .rev_walk([a])
            .with_hidden(b)
            .all()
            .map_err(|e| git_err("cannot walk the history", e))?;
        let mut n = 0;
        for info in walk {
            info.map_err(|e| git_err("cannot walk the history", e))?;
            n += 1;
        }
        Ok(n)
    }

    /// When the scope last synced successfully (RFC 3339), as recorded by
    /// [`ScopeRepo::record_sync`].
    pub fn last_sync(&self) -> Option<String> {
        std::fs::read_to_string(self.path().join(LAST_SYNC_FILE))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// Record a successful sync at `when` (RFC 3339) in the repository
    /// directory (`mem-last-sync`; git ignores files it does not know).
    ///
    /// # Errors
    /// [`StoreError::Io`] when the file cannot be written.
    pub fn record_sync(&self, when: &str) -> Result<(), StoreError> {
        let path = self.path().join(LAST_SYNC_FILE);
        std::fs::write(&path, format!("{when}\n")).map_err(|e| StoreError::io(&path, e))
    }

    /// Record why the last sync failed (one sentence, no secrets), or
    /// clear it after a sync that worked (`mem-sync-error` in the
    /// repository directory): `mem doctor` shows it.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the file cannot be written.
    pub fn record_sync_error(&self, error: Option<&str>) -> Result<(), StoreError> {
        let path = self.path().join(SYNC_ERROR_FILE);
        match error {
            Some(e) => {
                std::fs::write(&path, format!("{e}\n")).map_err(|e| StoreError::io(&path, e))
            }
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&path, e)),
                _ => Ok(()),
            },
        }
    }

    /// Why the last sync failed, when it did.
    pub fn sync_error(&self) -> Option<String> {
        std::fs::read_to_string(self.path().join(SYNC_ERROR_FILE))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// The URL of the scope's remote (`remote.origin.url`), if set.
    pub fn remote_url(&self) -> Option<String> {
        self.repo
            .config_snapshot()
            .string("remote.origin.url")
            .map(|u| u.to_string())
            .filter(|u| !u.is_empty())
    }

    /// Set the scope's remote: `remote.origin.url` and a fetch refspec into
    /// [`TRACKING_REF`], written to the repository's `config` file (replaced
    /// atomically). Re-open the repository to see the change.
    ///
    /// # Errors
    /// [`StoreError`] when the config cannot be read or written.
    pub fn set_remote_url(&self, url: &str) -> Result<(), StoreError> {
        let path = self.path.join("config");
        let mut file =
            gix::config::File::from_path_no_includes(path.clone(), gix::config::Source::Local)
                .map_err(|e| git_err(&format!("cannot read {}", path.display()), e))?;
        file.set_raw_value_by("remote", Some("origin".into()), "url", url)
            .map_err(|e| git_err("cannot set remote.origin.url", e))?;
        file.set_raw_value_by(
            "remote",
            Some("origin".into()),
            "fetch",
            format!("+{MAIN_REF}:{TRACKING_REF}").as_str(),
        )
        .map_err(|e| git_err("cannot set remote.origin.fetch", e))?;
        let mut buf = Vec::new();
        file.write_to(&mut buf)
            .map_err(|e| StoreError::io(&path, e))?;
        let tmp = self.path.join("config.mem-tmp");
        std::fs::write(&tmp, buf).map_err(|e| StoreError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))
    }

    /// Write the tree that holds exactly `files` (path → blob), built by
    /// editing the tree of `base` (a commit), and return its id.
    ///
    /// # Errors
    /// [`StoreError::Git`] when objects cannot be read or written.
    pub fn write_tree_of(
        &self,
        base: ObjectId,
        files: &std::collections::BTreeMap<String, ObjectId>,
    ) -> Result<ObjectId, StoreError> {
        let current: std::collections::BTreeMap<String, ObjectId> =
            self.files(base, &[""])?.into_iter().collect();
        let mut editor = self
            .repo
            .edit_tree(self.tree_of(base)?.id)
            .map_err(|e| git_err("cannot edit tree", e))?;
        for (path, id) in files {
            if current.get(path) != Some(id) {
                editor
                    .upsert(path.as_str(), EntryKind::Blob, *id)
                    .map_err(|e| git_err(&format!("cannot add {path}"), e))?;
            }
        }
        for path in current.keys().filter(|p| !files.contains_key(*p)) {
            editor
                .remove(path.as_str())
                .map_err(|e| git_err(&format!("cannot remove {path}"), e))?;
        }
        Ok(editor
            .write()
            .map_err(|e| git_err("cannot write tree", e))?
            .detach())
    }

    /// Up to `limit` commits reachable from `refs/heads/main`, newest first.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the history cannot be walked.
    pub fn log(&self, limit: usize) -> Result<Vec<CommitInfo>, StoreError> {
        let Some(head) = self.head()? else {
            return Ok(Vec::new());
        };
        let walk = self
            .repo
            .rev_walk([head])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                Default::default(),
            ))
            .all()
            .map_err(|e| git_err("cannot walk history", e))?;
        let mut out = Vec::new();
        for info in walk.take(limit) {
            let info = info.map_err(|e| git_err("cannot walk history", e))?;
            let commit = info
                .object()
                .map_err(|e| git_err("cannot read commit", e))?;
            let committer = commit
                .committer()
                .map_err(|e| git_err("cannot read commit", e))?;
            let seconds = committer.seconds();
            out.push(CommitInfo {
                commit: info.id.to_string(),
                time: seconds,
                author: committer.name.to_str_lossy().into_owned(),
                message: commit
                    .message_raw_sloppy()
                    .to_str_lossy()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                parents: commit.parent_ids().count(),
            });
        }
        Ok(out)
    }
}
