//! The write path of [`Mem`]: saves, imports and deletes, all through one
//! compare-and-swap retry loop ([`Mem::commit_with_retry`]).

use jiff::Timestamp;
use serde::Serialize;

use super::{clip, default_title, Mem, MemError, MAX_COMMIT_ATTEMPTS};
use crate::index::Index;
use crate::store::{
    self, short_id, CommitOutcome, ConflictId, FileChange, Observation, ObservationId, ScopeName,
    Tombstone, MAX_BODY_BYTES,
};
use crate::text;
use crate::time;

/// What the caller wants saved. Text fields go through privacy stripping and
/// the secret check in [`Mem::save`].
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Body text (Markdown).
    pub body: String,
    /// Title; defaults to the body's first line.
    pub title: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Kind; defaults to `note`.
    pub kind: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Topic key.
    pub key: Option<String>,
    /// Target scope; defaults to the configured `default_scope`.
    pub scope: Option<String>,
    /// Importance 1..=5; defaults to 3.
    pub importance: Option<u8>,
    /// File paths.
    pub files: Vec<String>,
    /// Ids or prefixes of observations this one replaces.
    pub supersedes: Vec<String>,
    /// Agent name.
    pub agent: Option<String>,
    /// Agent session id.
    pub session: Option<String>,
    /// Save even when a secret is detected.
    pub allow_secrets: bool,
}

/// What happened to a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaveStatus {
    /// A new observation was committed.
    Saved,
    /// The same observation was already in the scope: nothing changed.
    Unchanged,
    /// It had been deleted; its tombstone was removed.
    Restored,
}

/// Result of a save.
#[derive(Debug, Clone, Serialize)]
pub struct SaveOutcome {
    /// Full id.
    pub id: ObservationId,
    /// The scope it is in.
    pub scope: String,
    /// Path of the file in the scope tree.
    pub path: String,
    /// What happened.
    pub status: SaveStatus,
    /// Ids it supersedes (explicitly or through its key).
    pub supersedes: Vec<String>,
    /// The commit made, if any.
    pub commit: Option<String>,
    /// Merge records this save wrote: it superseded an observation another
    /// live one already supersedes (a fork made on one device, recorded
    /// as sync records one made on two).
    pub conflicts: Vec<ConflictId>,
}

/// Result of a delete.
#[derive(Debug, Clone, Serialize)]
pub struct DeleteOutcome {
    /// Full id.
    pub id: ObservationId,
    /// Scopes where a tombstone was written.
    pub deleted_in: Vec<String>,
    /// Scopes where it was deleted already.
    pub already_deleted_in: Vec<String>,
}

/// An observation of an import, as [`Mem::import_batch`] takes it: made
/// into its file as its record is read, so a batch holds files (shared
/// with the commit and the index update that follow) rather than parsed
/// observations as well.
#[derive(Debug, Clone)]
pub struct ImportFile {
    /// The observation's id.
    pub id: ObservationId,
    /// Its file, at its path in the scope's tree.
    pub change: FileChange,
}

impl ImportFile {
    /// The file of `obs`.
    pub fn new(obs: &Observation) -> ImportFile {
        let id = obs.id();
        ImportFile {
            change: FileChange::Upsert {
                path: obs.path(&id),
                bytes: obs.render().into_bytes().into(),
            },
            id,
        }
    }
}

/// Result of a batch import into one scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchOutcome {
    /// Observations committed.
    pub imported: usize,
    /// Observations already present (or repeated in the input).
    pub duplicates: usize,
    /// Commits made.
    pub commits: usize,
}

impl Mem {
    /// Turn a draft into an observation for `scope`: defaults, privacy
    /// stripping, and resolution of `supersedes` prefixes.
    ///
    /// # Errors
    /// [`MemError`] for empty text, a bad kind or importance, an unknown scope
    /// or an unresolvable supersedes id.
    pub fn prepare(&mut self, draft: Draft) -> Result<(ScopeName, Observation), MemError> {
        let scope_name = draft
            .scope
            .clone()
            .unwrap_or_else(|| self.config.default_scope.value.clone());
        let kind = draft.kind.unwrap_or_else(|| "note".into());
        if !store::KINDS.contains(&kind.as_str()) {
            return Err(MemError::BadKind(kind));
        }
        let importance = draft.importance.unwrap_or(3);
        if !(1..=5).contains(&importance) {
            return Err(MemError::Invalid(format!(
                "importance {importance} is out of range: use 1 (low) to 5 (high)"
            )));
        }
        ScopeName::parse(&scope_name)?;
        self.ensure_initialised()?;
        let scope = self.scope(&scope_name)?;
        let body = draft.body;
        let title = match draft.title {
            Some(t) => t,
            None => default_title(&text::strip_private(&body)),
        };
        let mut supersedes = Vec::new();
        for prefix in &draft.supersedes {
            let rows = self.resolve(prefix)?;
            supersedes.push(rows[0].id.to_string());
        }
        let obs = Observation {
            kind,
            title,
            summary: draft.summary,
            project: self.config.project.value.clone(),
            key: draft
                .key
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            tags: draft.tags,
            importance,
            files: draft.files,
            supersedes,
            created: time::now(),
            author: Some(self.config.user_id.value.clone()),
            device: Some(self.config.device.value.clone()),
            agent: draft.agent,
            session: draft.session,
            extra: Default::default(),
            body,
        };
        Ok((scope, obs))
    }

    /// Save a draft: [`Mem::prepare`] then [`Mem::save_observation`] with the
    /// key rule on.
    ///
    /// # Errors
    /// As both.
    pub fn save(&mut self, draft: Draft) -> Result<SaveOutcome, MemError> {
        let allow = draft.allow_secrets;
        let (scope, obs) = self.prepare(draft)?;
        self.save_observation(&scope, obs, allow)
    }

    /// Save `obs` into `scope`. Private spans are stripped from title,
    /// summary and body; the body must be non-empty and at most 1 MiB; a
    /// secret is refused for a plaintext scope unless `allow_secrets`. When
    /// the observation has a `key`, the live observations with that key in
    /// the scope are superseded. Saving an observation the scope already
    /// holds changes nothing (idempotent); saving a deleted one restores it.
    ///
    /// # Errors
    /// [`MemError`] for bad input, [`MemError::Contention`] when the scope
    /// kept moving, [`MemError::Store`] when the repository cannot be written.
    pub fn save_observation(
        &mut self,
        scope: &ScopeName,
        mut obs: Observation,
        allow_secrets: bool,
    ) -> Result<SaveOutcome, MemError> {
        super::gate::clean(&mut obs);
        obs.normalize();
        if obs.body.is_empty() {
            return Err(MemError::Empty(" (or only <private> content)"));
        }
        if obs.body.len() > MAX_BODY_BYTES {
            return Err(MemError::TooLarge(obs.body.len()));
        }
        if obs.title.is_empty() {
            obs.title = default_title(&obs.body);
        }
        let encrypted = self.is_encrypted(scope)?;
        if !allow_secrets {
            if let Some(kind) = super::gate::find_secret(&obs) {
                if !encrypted {
                    return Err(MemError::Secret {
                        kind,
                        scope: scope.to_string(),
                    });
                }
                self.notices.push(super::Notice::Warning(format!(
                    "the text looks like it contains a secret ({kind}); it is saved encrypted in scope '{scope}', readable by every recipient of the scope"
                )));
            }
        }
        let explicit = obs.supersedes.clone();
        let mut outcome = None;
        let mut rivals = std::collections::BTreeSet::new();
        let commit = self.commit_with_retry(scope, |index, _| {
            let mut obs = obs.clone();
            obs.supersedes = explicit.clone();
            // Observations that already supersede what this one does.
            rivals.clear();
            for old in &explicit {
                for id in index.superseded_by(old)? {
                    for row in index.rows_of(&id)? {
                        if row.scope == scope.as_str() && !row.deleted {
                            rivals.insert(row.path);
                        }
                    }
                }
            }
            if let Some(key) = &obs.key {
                let live = index.live_with_key(scope.as_str(), key)?;
                // Saving again what the key already holds is a no-op, even
                // though the key rule would make the supersedes list differ.
                for id in &live {
                    if let Some(row) = index.rows_of(id)?.first() {
                        if same_content(&row.obs, &obs) {
                            outcome = Some(SaveOutcome {
                                id: id.clone(),
                                scope: scope.to_string(),
                                path: row.path.clone(),
                                status: SaveStatus::Unchanged,
                                supersedes: row.obs.supersedes.clone(),
                                commit: None,
                                conflicts: Vec::new(),
                            });
                            return Ok(None);
                        }
                    }
                }
                obs.supersedes.extend(live.iter().map(ToString::to_string));
            }
            obs.normalize();
            let id = obs.id();
            obs.supersedes.retain(|s| *s != id);
            let path = obs.path(&id);
            let (status, changes) = if index.contains(scope.as_str(), &id)? {
                let tombs = index.tombstones(scope.as_str(), &id)?;
                if tombs.is_empty() {
                    (SaveStatus::Unchanged, Vec::new())
                } else {
                    let mut changes: Vec<FileChange> = tombs
                        .into_iter()
                        .map(|path| FileChange::Remove { path })
                        .collect();
                    if encrypted {
                        // A fresh ciphertext of the observation proves to
                        // other devices that a reader removed the tombstone
                        // (`super::removals`): the host cannot make one.
                        changes.push(FileChange::Upsert {
                            path: path.clone(),
                            bytes: obs.render().into_bytes().into(),
                        });
                    }
                    (SaveStatus::Restored, changes)
                }
            } else {
                let bytes = obs.render().into_bytes();
                (
                    SaveStatus::Saved,
                    vec![FileChange::Upsert {
                        path: path.clone(),
                        bytes: bytes.into(),
                    }],
                )
            };
            let message = match status {
                SaveStatus::Restored => {
                    format!("restore {}: {}", short_id(&id), clip(&obs.title, 60))
                }
                _ => format!("save {}: {}", short_id(&id), clip(&obs.title, 60)),
            };
            outcome = Some(SaveOutcome {
                id,
                scope: scope.to_string(),
                path,
                status,
                supersedes: obs.supersedes.clone(),
                commit: None,
                conflicts: Vec::new(),
            });
            Ok((!changes.is_empty()).then_some((changes, message)))
        })?;
        let mut outcome = outcome.expect("the builder ran at least once");
        outcome.commit = commit;
        // The file went in under an opaque name, or into its day's prefix
        // folder, or was there already: ask the index where (of two files
        // of the id, the one `rows_of` lists first: docs/format.md).
        if let Some(row) = self
            .index_for(std::slice::from_ref(scope))?
            .rows_of(&outcome.id)?
            .into_iter()
            .find(|r| r.scope == scope.as_str())
        {
            outcome.path = row.path;
        }
        rivals.remove(&outcome.path);
        if outcome.status == SaveStatus::Saved && !rivals.is_empty() {
            let sides = crate::sync::Sides {
                ours: [outcome.path.clone()].into(),
                theirs: rivals,
            };
            outcome.conflicts = self.record_conflicts(scope, &sides)?;
        }
        Ok(outcome)
    }

    /// Import `batch` (observations already through the write gate,
    /// `super::gate::clean`, made into files) into `scope` in one commit,
    /// skipping ids the scope already holds or the batch repeats (the key
    /// rule is not applied: imported history carries its own
    /// `supersedes`).
    ///
    /// # Errors
    /// [`MemError::Store`] or [`MemError::Index`].
    pub fn import_batch(
        &mut self,
        scope: &ScopeName,
        batch: Vec<ImportFile>,
    ) -> Result<BatchOutcome, MemError> {
        let mut counted = (0, 0);
        // Thousands of files at once: one pack, not a loose file each.
        let commit = self.commit_objects_with_retry(scope, Objects::Packed, |index, _| {
            let mut seen = std::collections::HashSet::new();
            let mut changes = Vec::new();
            let mut dup = 0;
            for file in &batch {
                if !seen.insert(&file.id) || index.contains(scope.as_str(), &file.id)? {
                    dup += 1;
                    continue;
                }
                // A path and a shared buffer: the bytes are not copied.
                changes.push(file.change.clone());
            }
            counted = (changes.len(), dup);
            let message = format!("import: {} saved", changes.len());
            Ok((!changes.is_empty()).then_some((changes, message)))
        })?;
        Ok(BatchOutcome {
            imported: counted.0,
            duplicates: counted.1,
            commits: usize::from(commit.is_some()),
        })
    }

    /// Delete the observation `prefix` names by writing a tombstone in each
    /// scope holding it (or only in `only_scope`). Deleting twice changes nothing.
    ///
    /// # Errors
    /// [`MemError`] for an unknown id or scope, store and index failures.
    pub fn delete(
        &mut self,
        prefix: &str,
        only_scope: Option<&str>,
        reason: Option<String>,
    ) -> Result<DeleteOutcome, MemError> {
        let rows = self.resolve(prefix)?;
        let id = rows[0].id.clone();
        let mut scopes: Vec<String> = rows.iter().map(|r| r.scope.clone()).collect();
        scopes.dedup();
        if let Some(only) = only_scope {
            let only = self.scope(only)?;
            if !scopes.iter().any(|s| s == only.as_str()) {
                return Err(MemError::Invalid(format!(
                    "observation {} is not in scope '{only}' (it is in {})",
                    short_id(&id),
                    scopes.join(", ")
                )));
            }
            scopes = vec![only.to_string()];
        }
        let mut out = DeleteOutcome {
            id: id.clone(),
            deleted_in: Vec::new(),
            already_deleted_in: Vec::new(),
        };
        for scope_name in scopes {
            let scope = self.scope(&scope_name)?;
            let tomb = Tombstone {
                id: id.to_string(),
                deleted: time::format(time::now()),
                author: Some(self.config.user_id.value.clone()),
                device: Some(self.config.device.value.clone()),
                reason: reason.clone(),
            };
            let mut already = false;
            self.commit_with_retry(&scope, |index, _| {
                already = !index.tombstones(scope.as_str(), &id)?.is_empty();
                if already {
                    return Ok(None);
                }
                Ok(Some((
                    vec![FileChange::Upsert {
                        path: Tombstone::path(&id),
                        bytes: tomb.render().into_bytes().into(),
                    }],
                    format!("delete {}", short_id(&id)),
                )))
            })?;
            if already {
                out.already_deleted_in.push(scope_name);
            } else {
                out.deleted_in.push(scope_name);
            }
        }
        Ok(out)
    }

    /// The write loop: bring the index in step with the scope head, let
    /// `build` decide the changes against that state, commit on that head and
    /// move the ref compare-and-swap; when another writer moved it first,
    /// start over. `build` returning `None` means there is nothing to write.
    /// Returns the new commit id, if one was made.
    pub(super) fn commit_with_retry(
        &mut self,
        scope: &ScopeName,
        build: impl FnMut(
            &mut Index,
            Option<gix::ObjectId>,
        ) -> Result<Option<(Vec<FileChange>, String)>, MemError>,
    ) -> Result<Option<String>, MemError> {
        self.commit_objects_with_retry(scope, Objects::Loose, build)
    }

    /// [`Mem::commit_with_retry`], with the new objects written as
    /// `objects` says.
    pub(super) fn commit_objects_with_retry(
        &mut self,
        scope: &ScopeName,
        objects: Objects,
        mut build: impl FnMut(
            &mut Index,
            Option<gix::ObjectId>,
        ) -> Result<Option<(Vec<FileChange>, String)>, MemError>,
    ) -> Result<Option<String>, MemError> {
        if objects == Objects::Packed {
            // gix sizes a handle's table of pack indexes by the packs on
            // disk when it opens (1.1 ×, at least 32), and each batch of an
            // import adds one that the next batch reads its parent from: a
            // handle kept across batches runs out of room.
            self.forget_repo(scope);
        }
        let mut repo = self.repo(scope)?;
        for attempt in 0..MAX_COMMIT_ATTEMPTS {
            self.fresh.retain(|s| s != scope);
            let index = self.index_for_write(scope)?;
            let parent = index
                .indexed_commit(scope.as_str())?
                .and_then(|h| gix::ObjectId::from_hex(h.as_bytes()).ok());
            let Some((mut changes, mut message)) = build(index, parent)? else {
                return Ok(None);
            };
            // The verified list, never the tree's (see `super::trust`).
            if let Some(recipients) = self.write_recipients(scope, &repo, parent)? {
                self.check_can_read(scope, &recipients)?;
                (changes, message) = super::encryption::seal(&recipients, changes)?;
            }
            // After sealing: an encrypted file's prefix folder is named by
            // its opaque name, never by its id (src/store/layout.rs).
            let unwritable = |source: store::StoreError| {
                if source.is_missing_object() {
                    MemError::Unwritable {
                        scope: scope.to_string(),
                        source,
                    }
                } else {
                    MemError::Store(source)
                }
            };
            // A background pack (`git gc --auto`) moves loose objects into a
            // pack while this handle still lists the packs it saw at open:
            // an object missing on a first try is looked for again through
            // a fresh handle; one still missing then is damage.
            let written = repo
                .place_new_files(parent, changes, store::layout::day_fanout())
                .and_then(|placed| {
                    let signature = self.signature();
                    let committed = match objects {
                        Objects::Loose => repo.commit(parent, &placed, &message, &signature),
                        Objects::Packed => {
                            repo.commit_packed(parent, &placed, &message, &signature)
                        }
                    }?;
                    Ok((placed, committed))
                });
            let (placed, committed) = match written {
                Err(e) if e.is_missing_object() && attempt < 3 => {
                    backoff(attempt);
                    self.forget_repo(scope);
                    repo = self.repo(scope)?;
                    continue;
                }
                other => other.map_err(unwritable)?,
            };
            match committed {
                CommitOutcome::Committed(id) => {
                    self.fresh.retain(|s| s != scope);
                    // The commit is the save: an index that cannot follow
                    // now (a full disk) catches up on a later command, and
                    // the save is reported as what it is — done.
                    if let Err(e) = self.index_own_commit(scope, parent, id, &placed) {
                        self.notices.push(super::Notice::Warning(format!(
                            "saved in scope '{scope}', but the search index could not be updated ({e}); it catches up on a later command once that is fixed"
                        )));
                    }
                    // An import's batches are packed already; it checks
                    // once, after its last batch (`Mem::import`).
                    if objects == Objects::Loose {
                        pack_if_needed(repo.path());
                    }
                    return Ok(Some(id.to_string()));
                }
                CommitOutcome::Moved => backoff(attempt),
            }
        }
        Err(MemError::Contention(scope.to_string()))
    }

    /// Bring the index from `parent` to `commit`, which this process has
    /// just made of `changes`: from the bytes in hand when the index is
    /// still at `parent` ([`Index::apply_commit`]), else by reading the
    /// scope as any command does.
    fn index_own_commit(
        &mut self,
        scope: &ScopeName,
        parent: Option<gix::ObjectId>,
        commit: gix::ObjectId,
        changes: &[FileChange],
    ) -> Result<(), MemError> {
        let sealed = changes.iter().any(|c| match c {
            FileChange::Upsert { path, .. } => crate::crypto::is_encrypted_path(path),
            FileChange::Remove { .. } => false,
        });
        if sealed {
            self.identity()?;
        }
        self.open_index()?;
        let (Some(index), identity) = (self.index.as_mut(), self.identity.as_ref()) else {
            unreachable!("opened above");
        };
        if let Some(report) = index.apply_commit(scope, parent, commit, changes, identity)? {
            let notices = super::indexing::update_notices(&report, identity);
            self.notices.extend(notices);
            self.fresh.push(scope.clone());
        }
        self.index_for(std::slice::from_ref(scope)).map(drop)
    }
}

/// How a commit's new objects are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Objects {
    /// One loose file each: a save's handful.
    Loose,
    /// One pack for the commit (`ScopeRepo::commit_packed`): an import's
    /// batch of thousands.
    Packed,
}

/// Loose objects slow every later write, and so do many packs: past the
/// thresholds (`crate::gitcli::needs_pack`), git packs the scope at
/// `git_dir` in the background.
pub(super) fn pack_if_needed(git_dir: &std::path::Path) {
    let threshold = crate::gitcli::pack_threshold();
    if threshold > 0 && crate::gitcli::needs_pack(git_dir, threshold) {
        crate::gitcli::pack_in_background(git_dir, threshold);
    }
}

/// Whether two observations carry the same identity content apart from
/// `supersedes`.
fn same_content(a: &Observation, b: &Observation) -> bool {
    let strip = |o: &Observation| {
        let mut o = o.clone();
        o.supersedes.clear();
        o.normalize();
        o.id()
    };
    strip(a) == strip(b)
}

fn backoff(attempt: u32) {
    // Cheap jitter from the clock and pid, so colliding writers spread out.
    let nanos = Timestamp::now().subsec_nanosecond().unsigned_abs() ^ std::process::id();
    let ceiling = (1 + attempt.min(20)) * 2;
    let ms = u64::from(nanos % ceiling) + 1;
    std::thread::sleep(std::time::Duration::from_millis(ms));
}
