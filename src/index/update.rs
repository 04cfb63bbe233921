//! Bringing the index in step with a scope's head: the files changed since
//! the indexed commit, or every file of the tree, read and parsed on a
//! second thread while this one writes SQLite.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::writer::{read_file, Parsed, Skip, Writer};
use super::{
    delete_scope_rows, is_conflict_path, is_observation_path, is_tombstone_path, BrokenFile, Index,
    IndexError, UpdateReport,
};
use crate::crypto::Identity;
use crate::store::{ScopeName, ScopeRepo, StoreError, TreeChange};

/// Files to read before the read-and-parse work moves to a second thread.
const PARALLEL_THRESHOLD: usize = 256;

impl Index {
    /// Bring `scope` in step with `head`, its repository's head as the caller
    /// read it, from `seen`, the indexed commit the caller read (it decided
    /// from both whether an identity is needed): read only the files that
    /// changed since the indexed commit, or the whole tree when there is no
    /// usable indexed commit. When another process changed the indexed commit
    /// after the caller read it, nothing is done and [`UpdateReport::raced`]
    /// says so: the caller reads both again (the index never moves backwards
    /// or past files the caller was not ready to decrypt). Files that cannot be parsed are skipped and
    /// reported (and remembered for `mem doctor`). Encrypted files (`.age`)
    /// are decrypted with `identity`; those it cannot open are remembered as
    /// sealed and reported in [`UpdateReport::sealed`].
    ///
    /// # Errors
    /// [`IndexError`] when the repository or the database fails.
    pub fn update_scope(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        seen: Option<&str>,
        head: Option<gix::ObjectId>,
        identity: Option<&Identity>,
    ) -> Result<UpdateReport, IndexError> {
        let mut report = UpdateReport {
            scope: scope.to_string(),
            ..Default::default()
        };
        let head_hex = head.map(|h| h.to_string());
        if self.indexed_commit(scope.as_str())? == head_hex {
            return Ok(report);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed: Option<String> = tx
            .query_row(
                "SELECT commit_id FROM scopes WHERE name=?1",
                params![scope.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if indexed == head_hex {
            return Ok(report);
        }
        if indexed.as_deref() != seen {
            report.raced = true;
            return Ok(report);
        }
        let Some(head) = head else {
            delete_scope_rows(&tx, scope.as_str())?;
            tx.execute("DELETE FROM scopes WHERE name=?1", params![scope.as_str()])?;
            tx.commit()?;
            return Ok(report);
        };
        let from = indexed
            .as_deref()
            .and_then(|h| gix::ObjectId::from_hex(h.as_bytes()).ok())
            .filter(|id| repo.has_object(id));
        if from.is_none() {
            delete_scope_rows(&tx, scope.as_str())?;
        }
        {
            let mut writer = Writer::new(&tx)?;
            match from {
                Some(from) => {
                    let mut writes = Vec::new();
                    for change in repo.diff(Some(from), head)? {
                        match change {
                            TreeChange::Removed { path } => {
                                if writer.remove(scope.as_str(), &path)? {
                                    report.removed += 1;
                                }
                            }
                            TreeChange::Written { path, blob } => {
                                if is_indexed_path(&path) {
                                    writer.remove(scope.as_str(), &path)?;
                                    writes.push((path, blob));
                                }
                            }
                        }
                    }
                    if writes.len() < PARALLEL_THRESHOLD {
                        for (path, blob) in writes {
                            let parsed = read_blob_file(repo, &path, blob, identity);
                            index_file(&mut writer, scope.as_str(), &mut report, path, parsed)?;
                        }
                    } else {
                        let read = |repo: &ScopeRepo, each: &mut Each<'_>| {
                            for (path, blob) in writes {
                                let parsed = read_blob_file(repo, &path, blob, identity);
                                if !each(path, parsed) {
                                    break;
                                }
                            }
                            Ok(())
                        };
                        read_in_parallel(repo, read, |path, parsed| {
                            index_file(&mut writer, scope.as_str(), &mut report, path, parsed)
                        })?;
                    }
                }
                None => {
                    // Every row of the scope went above: each file of the
                    // tree is new, read as the walk finds it, so a million
                    // files are never listed at once.
                    report.full = true;
                    let read = |repo: &ScopeRepo, each: &mut Each<'_>| {
                        repo.each_file(head, &INDEXED_DIRS, |path, blob| {
                            !is_indexed_path(path)
                                || each(path.to_owned(), read_blob_file(repo, path, blob, identity))
                        })
                    };
                    read_in_parallel(repo, read, |path, parsed| {
                        index_file(&mut writer, scope.as_str(), &mut report, path, parsed)
                    })?;
                }
            }
        }
        tx.execute(
            "INSERT INTO scopes(name, commit_id) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET commit_id=excluded.commit_id",
            params![scope.as_str(), head.to_string()],
        )?;
        tx.commit()?;
        Ok(report)
    }
}

/// The top-level folders whose files the index holds.
const INDEXED_DIRS: [&str; 3] = ["obs/", "tomb/", "conflicts/"];

/// Whether the file at `path` is one the index holds: an observation, a
/// tombstone or a merge record.
fn is_indexed_path(path: &str) -> bool {
    is_observation_path(path) || is_tombstone_path(path) || is_conflict_path(path)
}

/// What a reader gives for each file: its path and what it parsed to;
/// `false` back means the writer has stopped.
type Each<'a> = dyn FnMut(String, Result<Parsed, Skip>) -> bool + 'a;

/// Index one read file through `writer`, counting it in `report`.
fn index_file(
    writer: &mut Writer<'_>,
    scope: &str,
    report: &mut UpdateReport,
    path: String,
    parsed: Result<Parsed, Skip>,
) -> rusqlite::Result<()> {
    match parsed {
        Ok(file) => {
            writer.insert(scope, &path, &file)?;
            report.indexed += 1;
        }
        Err(Skip::Sealed) => {
            writer.sealed(scope, &path)?;
            report.sealed.push(path);
        }
        Err(Skip::Broken(error)) => {
            writer.broken(scope, &path, &error)?;
            report.broken.push(BrokenFile {
                scope: scope.to_owned(),
                path,
                error,
            });
        }
    }
    Ok(())
}

/// Read and parse files on a second thread while this one writes SQLite
/// (the two halves of a rebuild cost about the same): `read` runs there,
/// with its own handle on `repo`, and hands each file to `each`; `write`
/// gets them here, in that order, at most 512 waiting between the two.
fn read_in_parallel(
    repo: &ScopeRepo,
    read: impl FnOnce(&ScopeRepo, &mut Each<'_>) -> Result<(), StoreError> + Send,
    mut write: impl FnMut(String, Result<Parsed, Skip>) -> rusqlite::Result<()>,
) -> Result<(), IndexError> {
    let repo_path = repo.path().to_owned();
    std::thread::scope(|threads| -> Result<(), IndexError> {
        let (tx_files, rx_files) = std::sync::mpsc::sync_channel(512);
        let reader = threads.spawn(move || -> Result<(), StoreError> {
            let repo = ScopeRepo::open(&repo_path)?;
            read(&repo, &mut |path, parsed| {
                tx_files.send((path, parsed)).is_ok()
            })
        });
        for (path, parsed) in rx_files {
            // A write that fails ends the loop, which closes the channel
            // and so stops the reader at its next file.
            write(path, parsed)?;
        }
        reader.join().expect("the reader thread does not panic")?;
        Ok(())
    })
}

/// Read and parse one file of a scope's tree. A blob that cannot be read
/// (missing or corrupt in the object database) makes that file broken —
/// reported, the rest of the scope indexed — never the whole update.
fn read_blob_file(
    repo: &ScopeRepo,
    path: &str,
    blob: gix::ObjectId,
    identity: Option<&crate::crypto::Identity>,
) -> Result<Parsed, Skip> {
    match repo.read_blob(blob) {
        Ok(bytes) => read_file(path, bytes, identity),
        Err(_) => Err(Skip::Broken(format!(
            "its git object {blob} is missing or corrupt"
        ))),
    }
}
