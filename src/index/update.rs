//! Bringing the index in step with a scope's head: the files changed since
//! the indexed commit, or every file of the tree, read and parsed on a
//! second thread while this one writes SQLite; or, right after this
//! process's own commit, the files it wrote, from the bytes in hand.

use rusqlite::{params, TransactionBehavior};

use super::bulk::DroppedIndexes;
use super::writer::{read_file, Parsed, Skip, Writer};
use super::{
    delete_scope_rows, indexed_at, is_conflict_path, is_observation_path, is_tombstone_path,
    set_indexed, BrokenFile, Index, IndexError, UpdateReport,
};
use crate::crypto::Identity;
use crate::store::{FileChange, ScopeName, ScopeRepo, StoreError, TreeChange};

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
        let indexed = indexed_at(&tx, scope.as_str())?;
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
                                removed(&mut writer, scope.as_str(), &path, &mut report)?;
                            }
                            TreeChange::Written { path, blob } => {
                                if rewritten(&mut writer, scope.as_str(), &path)? {
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
                    let dropped = DroppedIndexes::drop_if_few_rows(&tx)?;
                    let read = |repo: &ScopeRepo, each: &mut Each<'_>| {
                        repo.each_file(head, &INDEXED_DIRS, |path, blob| {
                            !is_indexed_path(path)
                                || each(path.to_owned(), read_blob_file(repo, path, blob, identity))
                        })
                    };
                    read_in_parallel(repo, read, |path, parsed| {
                        index_file(&mut writer, scope.as_str(), &mut report, path, parsed)
                    })?;
                    if let Some(dropped) = dropped {
                        dropped.restore(&tx)?;
                    }
                }
            }
        }
        set_indexed(&tx, scope.as_str(), &head.to_string())?;
        tx.commit()?;
        Ok(report)
    }
}

impl Index {
    /// Bring `scope` from `parent` to `commit`, a commit this process has
    /// just made on `parent` out of `changes` (the files as written, paths
    /// placed and sealed): the same rows [`Index::update_scope`] would
    /// write, from the bytes in hand instead of a diff of the two trees
    /// read back from the object database. `Ok(None)` when the indexed
    /// commit is not `parent` (another process moved it, or the index
    /// lagged): nothing is done, and the caller brings the scope in step
    /// with [`Index::update_scope`].
    ///
    /// # Errors
    /// [`IndexError`] when the database fails.
    pub fn apply_commit(
        &mut self,
        scope: &ScopeName,
        parent: Option<gix::ObjectId>,
        commit: gix::ObjectId,
        changes: &[FileChange],
        identity: Option<&Identity>,
    ) -> Result<Option<UpdateReport>, IndexError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed = indexed_at(&tx, scope.as_str())?;
        if indexed != parent.map(|p| p.to_string()) {
            return Ok(None);
        }
        // One change per path, as a commit's tree has one file per path
        // (removals are applied before writes).
        debug_assert_eq!(
            changes
                .iter()
                .map(FileChange::path)
                .collect::<std::collections::HashSet<_>>()
                .len(),
            changes.len(),
            "a path changed twice in one commit"
        );
        let mut report = UpdateReport {
            scope: scope.to_string(),
            ..Default::default()
        };
        {
            let mut writer = Writer::new(&tx)?;
            let mut writes = Vec::new();
            for change in changes {
                match change {
                    FileChange::Remove { path } => {
                        removed(&mut writer, scope.as_str(), path, &mut report)?;
                    }
                    FileChange::Upsert { path, bytes } => {
                        if rewritten(&mut writer, scope.as_str(), path)? {
                            writes.push((path, bytes));
                        }
                    }
                }
            }
            let parse = |(path, bytes): (&String, &std::sync::Arc<[u8]>)| {
                (path.clone(), read_file(path, bytes, identity))
            };
            if writes.len() < PARALLEL_THRESHOLD {
                for (path, parsed) in writes.into_iter().map(parse) {
                    index_file(&mut writer, scope.as_str(), &mut report, path, parsed)?;
                }
            } else {
                in_parallel(
                    |each: &mut Each<'_>| {
                        for (path, parsed) in writes.into_iter().map(parse) {
                            if !each(path, parsed) {
                                break;
                            }
                        }
                        Ok(())
                    },
                    |path, parsed| {
                        index_file(&mut writer, scope.as_str(), &mut report, path, parsed)
                    },
                )?;
            }
        }
        set_indexed(&tx, scope.as_str(), &commit.to_string())?;
        tx.commit()?;
        Ok(Some(report))
    }
}

/// The top-level folders whose files the index holds.
const INDEXED_DIRS: [&str; 3] = ["obs/", "tomb/", "conflicts/"];

/// Whether the file at `path` is one the index holds: an observation, a
/// tombstone or a merge record.
fn is_indexed_path(path: &str) -> bool {
    is_observation_path(path) || is_tombstone_path(path) || is_conflict_path(path)
}

/// Remove the rows of a file the commit removed, counting them.
fn removed(
    writer: &mut Writer<'_>,
    scope: &str,
    path: &str,
    report: &mut UpdateReport,
) -> rusqlite::Result<()> {
    if writer.remove(scope, path)? {
        report.removed += 1;
    }
    Ok(())
}

/// Remove the rows of a file the commit wrote; true when the index holds
/// such files, and so reads it next.
fn rewritten(writer: &mut Writer<'_>, scope: &str, path: &str) -> rusqlite::Result<bool> {
    if !is_indexed_path(path) {
        return Ok(false);
    }
    writer.remove(scope, path)?;
    Ok(true)
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
    write: impl FnMut(String, Result<Parsed, Skip>) -> rusqlite::Result<()>,
) -> Result<(), IndexError> {
    let repo_path = repo.path().to_owned();
    in_parallel(move |each| read(&ScopeRepo::open(&repo_path)?, each), write)
}

/// Files handed between the two threads at once: one wake-up per batch
/// instead of per file, which cost a tenth of a rebuild (`perf record`:
/// futex wake-ups and task switches).
const BATCH: usize = 64;

/// Run `read` on a second thread, handing each file it parses to `write`
/// on this one, in order, in batches of [`BATCH`], at most 8 batches
/// waiting between the two.
fn in_parallel(
    read: impl FnOnce(&mut Each<'_>) -> Result<(), StoreError> + Send,
    mut write: impl FnMut(String, Result<Parsed, Skip>) -> rusqlite::Result<()>,
) -> Result<(), IndexError> {
    type Batch = Vec<(String, Result<Parsed, Skip>)>;
    std::thread::scope(|threads| -> Result<(), IndexError> {
        let (tx_files, rx_files) = std::sync::mpsc::sync_channel::<Batch>(8);
        let reader = threads.spawn(move || -> Result<(), StoreError> {
            let mut batch = Vec::with_capacity(BATCH);
            read(&mut |path, parsed| {
                batch.push((path, parsed));
                batch.len() < BATCH
                    || tx_files
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_ok()
            })?;
            if !batch.is_empty() {
                // The writer may have stopped; it says why itself.
                let _ = tx_files.send(batch);
            }
            Ok(())
        });
        for batch in rx_files {
            for (path, parsed) in batch {
                // A write that fails ends the loop, which closes the
                // channel and so stops the reader at its next batch.
                write(path, parsed)?;
            }
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
        Ok(bytes) => read_file(path, &bytes, identity),
        Err(_) => Err(Skip::Broken(format!(
            "its git object {blob} is missing or corrupt"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CommitOutcome, Observation, Signature, Tombstone};

    fn signature() -> Signature {
        Signature {
            name: "t".into(),
            email: "t@t".into(),
            seconds: 0,
        }
    }

    fn note(i: usize, word: &str) -> (Observation, FileChange) {
        let mut obs = crate::store::sample_observation();
        obs.key = None;
        obs.title = format!("note {i} {word}");
        obs.body = format!("body of note {i}: {word}");
        let id = obs.id();
        let change = FileChange::Upsert {
            path: obs.path(&id),
            bytes: obs.render().into_bytes().into(),
        };
        (obs, change)
    }

    fn commit(
        repo: &ScopeRepo,
        parent: Option<gix::ObjectId>,
        changes: &[FileChange],
    ) -> gix::ObjectId {
        match repo.commit(parent, changes, "test", &signature()).unwrap() {
            CommitOutcome::Committed(id) => id,
            CommitOutcome::Moved => panic!("main moved"),
        }
    }

    /// Everything the index holds of a scope, in a fixed order.
    fn dump(index: &Index) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT scope || ' ' || path || ' ' || quote(pathx) || ' ' || fan || ' ' || id || ' ' || title || ' ' || quote(body) || ' ' || tags || ' ' || supersedes || ' ' || created || ' ' || quote(key) || ' ' || quote(expires) FROM obs ORDER BY path",
            "SELECT o.path || ' ' || e.target FROM edges e JOIN obs o ON o.rowid = e.obs ORDER BY 1",
            "SELECT scope || ' ' || path || ' ' || target || ' ' || deleted FROM tombs ORDER BY path",
            "SELECT scope || ' ' || path || ' ' || error FROM broken ORDER BY path",
            "SELECT name || ' ' || commit_id FROM scopes ORDER BY name",
            "SELECT o.path FROM fts JOIN obs o ON o.rowid = fts.rowid WHERE fts MATCH 'gamma' ORDER BY o.path",
        ] {
            let mut stmt = index.conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            out.extend(rows.map(Result::unwrap));
        }
        out
    }

    /// The rows a commit's own changes give are the rows a diff of its
    /// trees gives: new files (more than go to the second thread),
    /// removals, an overwrite, a tombstone and a file that cannot be
    /// parsed.
    #[test]
    fn applying_a_commit_gives_what_reading_its_trees_gives() {
        let dir = tempfile::tempdir().unwrap();
        let scope = ScopeName::parse("local").unwrap();
        let repo = ScopeRepo::init(&scope.repo_path(dir.path())).unwrap();
        let first: Vec<(Observation, FileChange)> = (0..20).map(|i| note(i, "alpha")).collect();
        let a = commit(
            &repo,
            None,
            &first.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        );

        let mut changes: Vec<FileChange> = (100..(100 + PARALLEL_THRESHOLD + 20))
            .map(|i| note(i, "gamma").1)
            .collect();
        // One that supersedes an old note, with a key: an edge.
        let (mut newer, _) = note(500, "gamma");
        newer.key = Some("topic/a".into());
        newer.supersedes = vec![first[7].0.id().to_string()];
        changes.push(FileChange::Upsert {
            path: newer.path(&newer.id()),
            bytes: newer.render().into_bytes().into(),
        });
        for (obs, _) in &first[..5] {
            changes.push(FileChange::Remove {
                path: obs.path(&obs.id()),
            });
        }
        let (mut changed, _) = first[5].clone();
        let path = changed.path(&changed.id());
        changed.body = "rewritten in place: gamma".into();
        changes.push(FileChange::Upsert {
            path,
            bytes: changed.render().into_bytes().into(),
        });
        let tomb = Tombstone {
            id: first[6].0.id().to_string(),
            deleted: "2026-12-01T00:00:00Z".into(),
            author: None,
            device: None,
            reason: Some("gone".into()),
        };
        changes.push(FileChange::Upsert {
            path: Tombstone::path(&first[6].0.id()),
            bytes: tomb.render().into_bytes().into(),
        });
        let (_, broken) = note(999, "gamma");
        if let FileChange::Upsert { path, .. } = broken {
            changes.push(FileChange::Upsert {
                path,
                bytes: b"not front matter".as_slice().into(),
            });
        }
        let b = commit(&repo, Some(a), &changes);

        let applied_dir = tempfile::tempdir().unwrap();
        let mut applied = Index::open(&applied_dir.path().join("index.sqlite"))
            .unwrap()
            .0;
        applied
            .update_scope(&scope, &repo, None, Some(a), None)
            .unwrap();
        let report = applied
            .apply_commit(&scope, Some(a), b, &changes, None)
            .unwrap()
            .expect("the index was at the parent");

        let read_dir = tempfile::tempdir().unwrap();
        let mut read = Index::open(&read_dir.path().join("index.sqlite"))
            .unwrap()
            .0;
        read.update_scope(&scope, &repo, None, Some(a), None)
            .unwrap();
        let diffed = read
            .update_scope(&scope, &repo, Some(&a.to_string()), Some(b), None)
            .unwrap();
        assert!(!diffed.full);

        assert_eq!(dump(&applied), dump(&read));
        assert_eq!(
            (report.indexed, report.removed, report.broken.len()),
            (diffed.indexed, diffed.removed, diffed.broken.len())
        );
        assert_eq!(report.removed, 5);
        assert_eq!(report.broken.len(), 1);
        // Every new note, the rewritten one; not the broken file.
        assert_eq!(
            dump(&applied).iter().filter(|l| !l.contains(' ')).count(),
            PARALLEL_THRESHOLD + 22
        );
        assert!(dump(&applied)
            .iter()
            .any(|l| l.ends_with(&first[7].0.id().to_string()) && l.split(' ').count() == 2));
    }

    /// A full update into an empty index (which builds the secondary
    /// indexes after the rows, `super::super::bulk`) leaves the schema of
    /// a fresh index.
    #[test]
    fn a_full_update_leaves_every_index_in_place() {
        let schema = |index: &Index| -> Vec<String> {
            let mut stmt = index
                .conn
                .prepare("SELECT name || ' ' || ifnull(sql, '') FROM sqlite_master ORDER BY name")
                .unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let dir = tempfile::tempdir().unwrap();
        let scope = ScopeName::parse("local").unwrap();
        let repo = ScopeRepo::init(&scope.repo_path(dir.path())).unwrap();
        let changes: Vec<FileChange> = (0..50).map(|i| note(i, "alpha").1).collect();
        let a = commit(&repo, None, &changes);
        let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap().0;
        let fresh = schema(&index);
        let report = index
            .update_scope(&scope, &repo, None, Some(a), None)
            .unwrap();
        assert!(report.full);
        assert_eq!(report.indexed, 50);
        assert_eq!(schema(&index), fresh);
        assert!(fresh.iter().any(|s| s.starts_with("obs_id ")));
    }

    /// An index that is not at the commit's parent is left alone.
    #[test]
    fn a_commit_on_another_parent_is_not_applied() {
        let dir = tempfile::tempdir().unwrap();
        let scope = ScopeName::parse("local").unwrap();
        let repo = ScopeRepo::init(&scope.repo_path(dir.path())).unwrap();
        let (_, c1) = note(1, "alpha");
        let a = commit(&repo, None, &[c1]);
        let (_, c2) = note(2, "gamma");
        let b = commit(&repo, Some(a), std::slice::from_ref(&c2));
        let (_, c3) = note(3, "gamma");
        let c = commit(&repo, Some(b), std::slice::from_ref(&c3));

        let index_dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(&index_dir.path().join("index.sqlite"))
            .unwrap()
            .0;
        index
            .update_scope(&scope, &repo, None, Some(a), None)
            .unwrap();
        let before = dump(&index);
        assert!(index
            .apply_commit(&scope, Some(b), c, &[c3], None)
            .unwrap()
            .is_none());
        assert_eq!(dump(&index), before);
    }
}
