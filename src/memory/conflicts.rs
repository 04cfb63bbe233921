//! Merge records: writing the ones a merge revealed, listing them, and
//! resolving them with an ordinary commit (so resolutions sync like
//! anything else).

use super::{Mem, MemError};
use crate::index::ConflictRow;
use crate::store::{
    conflict_id, short_id, ConflictId, FileChange, MergeRecord, Observation, ObservationId,
    Resolution, ScopeName, StoreError, Tombstone,
};
use crate::time;

/// How to resolve a conflict.
#[derive(Debug, Clone)]
pub enum Resolve {
    /// Keep this competitor (id or prefix); the others get tombstones.
    Keep(String),
    /// Keep every competitor live; only mark the record resolved.
    KeepAll,
    /// Save this observation, superseding every competitor.
    Replace(Box<Observation>),
}

impl Mem {
    /// Write a merge record for each conflict in `scope` that has none yet
    /// and in which both sides of the merge took part (`sides`): what one
    /// device did in sequence is never a conflict. Returns the new records' ids.
    ///
    /// # Errors
    /// [`MemError`] when the index or the repository fails.
    pub fn record_conflicts(
        &mut self,
        scope: &ScopeName,
        sides: &crate::sync::Sides,
    ) -> Result<Vec<ConflictId>, MemError> {
        let device = self.config.device.value.clone();
        let mut written = Vec::new();
        self.commit_with_retry(scope, |index, _| {
            let records = index.conflicts(true)?;
            let known: Vec<&ConflictId> = records.iter().map(|c| &c.id).collect();
            // A resolved record over a base also covers what its resolution
            // left behind (a replacement superseding a deleted base).
            let settled: Vec<(&str, &str)> = records
                .iter()
                .filter(|c| c.resolved)
                .filter_map(|c| c.base.as_deref().map(|b| (c.kind.as_str(), b)))
                .collect();
            let ours_ids = index.ids_at(scope.as_str(), &sides.ours)?;
            let theirs_ids = index.ids_at(scope.as_str(), &sides.theirs)?;
            let mut changes = Vec::new();
            written.clear();
            for c in index.detect_conflicts(scope.as_str())? {
                let ours = c.competitors.iter().any(|id| ours_ids.contains(id));
                let theirs = c.competitors.iter().any(|id| theirs_ids.contains(id));
                if !(ours && theirs) {
                    continue;
                }
                let id = conflict_id(c.kind, &c.competitors);
                if known.contains(&&id) || written.contains(&id) {
                    continue;
                }
                if let Some(base) = &c.base {
                    if settled.contains(&(c.kind.as_str(), base.as_str())) {
                        continue;
                    }
                }
                let record = MergeRecord {
                    format: 1,
                    id: id.clone(),
                    kind: c.kind,
                    competitors: c.competitors,
                    base: c.base,
                    key: c.key,
                    detected: time::format(time::now()),
                    device: device.clone(),
                    resolved: None,
                };
                changes.push(FileChange::Upsert {
                    path: MergeRecord::path(&id),
                    bytes: record.render().into_bytes().into(),
                });
                written.push(id);
            }
            let message = format!("mem: {} merge record(s)", changes.len());
            Ok((!changes.is_empty()).then_some((changes, message)))
        })?;
        Ok(written)
    }

    /// Merge records, unresolved only unless `all`.
    ///
    /// # Errors
    /// As [`Mem::index`].
    pub fn conflicts(&mut self, all: bool) -> Result<Vec<ConflictRow>, MemError> {
        Ok(self.index()?.conflicts(all)?)
    }

    /// The merge record whose id starts with `prefix`.
    ///
    /// # Errors
    /// [`MemError::NoConflict`] or [`MemError::Ambiguous`].
    pub fn conflict(&mut self, prefix: &str) -> Result<ConflictRow, MemError> {
        let p = prefix.trim().to_ascii_lowercase();
        let mut found: Vec<ConflictRow> = self
            .conflicts(true)?
            .into_iter()
            .filter(|c| c.id.starts_with(&p))
            .collect();
        found.dedup_by(|a, b| a.id == b.id);
        match found.len() {
            0 => Err(MemError::NoConflict(prefix.to_owned())),
            1 => Ok(found.remove(0)),
            _ => Err(MemError::Ambiguous {
                prefix: prefix.to_owned(),
                ids: found.iter().map(|c| short_id(&c.id).to_owned()).collect(),
            }),
        }
    }

    /// Resolve the conflict `prefix` names, in one commit. Returns the id of
    /// the observation saved by [`Resolve::Replace`], if any.
    ///
    /// # Errors
    /// [`MemError`] for an unknown or resolved conflict, a `keep` id that is
    /// not a competitor, or a store failure.
    pub fn resolve_conflict(
        &mut self,
        prefix: &str,
        how: Resolve,
    ) -> Result<Option<ObservationId>, MemError> {
        let row = self.conflict(prefix)?;
        if row.resolved {
            return Err(MemError::Invalid(format!(
                "conflict {} is resolved already",
                short_id(&row.id)
            )));
        }
        let scope = self.scope(&row.scope)?;
        let repo = self.repo(&scope)?;
        let head = repo
            .head()?
            .ok_or_else(|| StoreError::Damaged(format!("scope '{scope}' is empty")))?;
        let bytes = repo.read_path(head, &row.path)?.ok_or_else(|| {
            StoreError::Damaged(format!("{} is missing from scope '{scope}'", row.path))
        })?;
        let bytes = if crate::crypto::is_encrypted_path(&row.path) {
            self.identity()?.decrypt(&bytes)?
        } else {
            bytes
        };
        let mut record = MergeRecord::parse(&bytes)
            .map_err(|e| MemError::Invalid(format!("{}: {e}", row.path)))?;
        let by = self.config.user_id.value.clone();
        let device = self.config.device.value.clone();
        let now = time::format(time::now());
        let (kept, how_name, new_obs) = match how {
            Resolve::Keep(k) => {
                let k = k.to_ascii_lowercase();
                let matches: Vec<&ObservationId> = record
                    .competitors
                    .iter()
                    .filter(|c| c.starts_with(&k))
                    .collect();
                let [kept] = matches.as_slice() else {
                    return Err(MemError::Invalid(format!(
                        "'{k}' names none or several of the competitors ({}): give one of them",
                        record
                            .competitors
                            .iter()
                            .map(|c| short_id(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                };
                (vec![(*kept).clone()], "keep", None)
            }
            Resolve::KeepAll => (record.competitors.clone(), "keep-all", None),
            Resolve::Replace(obs) => {
                let mut obs = *obs;
                obs.supersedes
                    .extend(record.competitors.iter().map(ToString::to_string));
                obs.normalize();
                (vec![obs.id()], "replace", Some(obs))
            }
        };
        record.resolved = Some(Resolution {
            how: how_name.into(),
            kept: kept.clone(),
            at: now.clone(),
            by: by.clone(),
        });
        let competitors = record.competitors.clone();
        let record_path = row.path.clone();
        let record_text = record.render();
        let short = short_id(&row.id).to_owned();
        self.commit_with_retry(&scope, |index, _| {
            let mut changes = vec![FileChange::Upsert {
                path: record_path.clone(),
                bytes: record_text.clone().into_bytes().into(),
            }];
            if how_name == "keep" {
                for c in &competitors {
                    let tombs = index.tombstones(scope.as_str(), c)?;
                    if kept.contains(c) {
                        changes.extend(tombs.into_iter().map(|path| FileChange::Remove { path }));
                    } else if tombs.is_empty() && index.contains(scope.as_str(), c)? {
                        let t = Tombstone {
                            id: c.to_string(),
                            deleted: now.clone(),
                            author: Some(by.clone()),
                            device: Some(device.clone()),
                            reason: Some(format!(
                                "merge record {short}: kept {}",
                                short_id(&kept[0])
                            )),
                        };
                        changes.push(FileChange::Upsert {
                            path: Tombstone::path(c),
                            bytes: t.render().into_bytes().into(),
                        });
                    }
                }
            }
            if let Some(obs) = &new_obs {
                let id = obs.id();
                changes.push(FileChange::Upsert {
                    path: obs.path(&id),
                    bytes: obs.render().into_bytes().into(),
                });
            }
            Ok(Some((
                changes,
                format!("mem: resolve {short} ({how_name})"),
            )))
        })?;
        Ok(new_obs.map(|o| o.id()))
    }
}
