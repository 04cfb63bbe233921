//! Encrypted scopes in [`Mem`]: this device's identity, sealing what a
//! write commits, recipient lists, and re-encrypting a scope (`rekey`) in
//! one commit.
//!
//! In an encrypted scope every observation, tombstone and merge record is
//! age-encrypted whole to the scope's recipients, stored under an opaque
//! name ([`crypto::opaque_name`]) in the directory its plaintext would have
//! used, and committed with a generic message that counts what changed.

use serde::Serialize;

use super::{Mem, MemError, Notice};
use crate::crypto::{self, Identity, RecipientEntry, Recipients};
use crate::store::{
    FileChange, ScopeMeta, ScopeName, ScopeRepo, StoreError, RECIPIENTS_MAC_PATH, RECIPIENTS_PATH,
    SCOPE_KEY_PATH, SCOPE_META_PATH,
};
use crate::{gitcli, index, time};

/// What `mem key init` / `mem key show` report.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    /// The public recipient to share.
    pub recipient: String,
    /// The identity file.
    pub path: String,
    /// Whether this run created it.
    pub created: bool,
}

/// What a rekey (or a recipient change) did.
#[derive(Debug, Clone, Serialize)]
pub struct RekeyOutcome {
    /// The scope.
    pub scope: String,
    /// Its recipients now.
    pub recipients: Vec<RecipientEntry>,
    /// Files re-encrypted (plaintext files of a converted scope included).
    pub reencrypted: usize,
    /// Encrypted files this device could not decrypt, left as they were.
    pub unreadable: usize,
    /// Whether the scope was plaintext before.
    pub converted: bool,
    /// Whether the history was started afresh.
    pub fresh: bool,
    /// Whether the new history replaced the remote's (with `fresh`).
    pub pushed: bool,
    /// The commit made.
    pub commit: String,
}

/// The recipients of the scope at `commit` when it is encrypted.
///
/// # Errors
/// [`MemError::Store`] when the metadata cannot be read or parsed.
pub(super) fn encryption_at(
    repo: &ScopeRepo,
    commit: gix::ObjectId,
) -> Result<Option<Recipients>, MemError> {
    let Some(meta) = repo.read_path(commit, SCOPE_META_PATH)? else {
        return Ok(None);
    };
    let meta: ScopeMeta = serde_yaml::from_slice(&meta)
        .map_err(|e| StoreError::Damaged(format!("{SCOPE_META_PATH} is broken: {e}")))?;
    if !meta.encrypted {
        return Ok(None);
    }
    let text = repo
        .read_path(commit, RECIPIENTS_PATH)?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok(Some(Recipients::parse(&text)))
}

/// Whether a tree path holds content that must be encrypted.
fn is_content(path: &str) -> bool {
    index::is_observation_path(path)
        || index::is_tombstone_path(path)
        || index::is_conflict_path(path)
        || crate::store::is_message_path(path)
        || crate::store::is_ack_path(path)
}

/// Encrypt every content file `changes` writes: a plaintext path
/// (`obs/…/<id>.md`, `tomb/<id>.yaml`, `conflicts/<id>.yaml`) becomes an
/// opaque `.age` name in the same directory (for a file in a day's prefix
/// folder, its new name's prefix folder); an `.age` path is rewritten in
/// place. The message becomes a generic count of what changed.
///
/// # Errors
/// [`MemError::Crypto`] when the scope has no usable recipient.
pub(super) fn seal(
    recipients: &Recipients,
    changes: Vec<FileChange>,
) -> Result<(Vec<FileChange>, String), MemError> {
    let message = generic_message(&changes);
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            FileChange::Upsert { path, bytes } if is_content(&path) => {
                let sealed = recipients.encrypt(&bytes)?;
                let path = if crypto::is_encrypted_path(&path) {
                    path
                } else {
                    crate::store::layout::renamed(&path, &crypto::opaque_name(&sealed))
                };
                out.push(FileChange::Upsert {
                    path,
                    bytes: sealed.into(),
                });
            }
            other => out.push(other),
        }
    }
    Ok((out, message))
}

/// `mem: 2 saved, 1 deleted`: what a commit of an encrypted scope says.
fn generic_message(changes: &[FileChange]) -> String {
    // `mem gc` removes observations (with their tombstones) and records.
    let gc = changes.iter().all(|c| matches!(c, FileChange::Remove { .. }))
        && changes.iter().any(|c| {
            matches!(c, FileChange::Remove { path } if index::is_observation_path(path) || index::is_conflict_path(path) || crate::store::is_message_path(path))
        });
    if gc {
        return format!("mem: gc, {} file(s) removed", changes.len());
    }
    let (mut saved, mut deleted, mut restored, mut records, mut other) = (0, 0, 0, 0, 0);
    let (mut sent, mut acked) = (0, 0);
    for c in changes {
        match c {
            FileChange::Upsert { path, .. } if index::is_observation_path(path) => saved += 1,
            FileChange::Upsert { path, .. } if index::is_tombstone_path(path) => deleted += 1,
            FileChange::Remove { path } if index::is_tombstone_path(path) => restored += 1,
            FileChange::Upsert { path, .. } if index::is_conflict_path(path) => records += 1,
            FileChange::Upsert { path, .. } if crate::store::is_message_path(path) => sent += 1,
            FileChange::Upsert { path, .. } if crate::store::is_ack_path(path) => acked += 1,
            _ => other += 1,
        }
    }
    let parts: Vec<String> = [
        (saved, "saved"),
        (deleted, "deleted"),
        (restored, "restored"),
        (records, "merge record(s)"),
        (sent, "message(s) sent"),
        (acked, "message(s) acknowledged"),
        (other, "changed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!("mem: {}", parts.join(", "))
}

impl Mem {
    /// This device's identity, read from the configured file on first use.
    ///
    /// # Errors
    /// [`MemError::Crypto`]: no identity (naming `mem key init`) or an unusable one.
    pub fn identity(&mut self) -> Result<&Identity, MemError> {
        if self.identity.is_none() {
            self.identity = Some(Identity::load(&self.config.identity.value)?);
        }
        Ok(self.identity.as_ref().expect("loaded above"))
    }

    /// Create this device's age identity (`mem key init`). Never overwrites.
    ///
    /// # Errors
    /// [`MemError::Crypto`] when one exists or the file cannot be written.
    pub fn key_init(&mut self) -> Result<KeyInfo, MemError> {
        let path = self.config.identity.value.clone();
        let identity = Identity::generate(&path, &time::format(time::now()))?;
        let recipient = identity.recipient();
        self.identity = Some(identity);
        Ok(KeyInfo {
            recipient,
            path: path.display().to_string(),
            created: true,
        })
    }

    /// This device's identity's public recipient (`mem key show`).
    ///
    /// # Errors
    /// As [`Mem::identity`].
    pub fn key_show(&mut self) -> Result<KeyInfo, MemError> {
        let recipient = self.identity()?.recipient();
        Ok(KeyInfo {
            recipient,
            path: self.config.identity.value.display().to_string(),
            created: false,
        })
    }

    /// This device's identity, created when there is none yet at the
    /// default place (`mem init`). An identity configured elsewhere (an SSH
    /// key) must exist.
    ///
    /// # Errors
    /// As [`Mem::identity`] and [`Mem::key_init`].
    pub fn ensure_identity(&mut self) -> Result<KeyInfo, MemError> {
        let path = self.config.identity.value.clone();
        let missing =
            !path.exists() && self.config.identity.source == crate::config::Source::Default;
        if missing {
            return self.key_init();
        }
        let recipient = self.identity()?.recipient();
        Ok(KeyInfo {
            recipient,
            path: path.display().to_string(),
            created: false,
        })
    }

    /// Refuse to write into an encrypted scope this device could not read
    /// back: what it saved would be lost to it.
    ///
    /// # Errors
    /// [`MemError::Invalid`] naming the command that makes it a recipient,
    /// or [`MemError::Crypto`] without an identity.
    pub(super) fn check_can_read(
        &mut self,
        scope: &ScopeName,
        recipients: &Recipients,
    ) -> Result<(), MemError> {
        let own = self.identity()?.recipient();
        if recipients.contains(&own) {
            return Ok(());
        }
        Err(MemError::Invalid(format!(
            "this device is not a recipient of the encrypted scope '{scope}', so it could not read back what it writes there: on a device that can read, run `mem scope recipients {scope} add {own}`, then `mem sync` here"
        )))
    }

    /// The name this device's recipient goes by in recipient lists.
    pub(super) fn recipient_name(&self) -> String {
        format!("{}@{}", self.config.user_id.value, self.config.device.value)
    }

    /// A recipient list holding only this device's identity.
    ///
    /// # Errors
    /// As [`Mem::ensure_identity`].
    pub(super) fn own_recipients(&mut self) -> Result<Recipients, MemError> {
        let key = self.ensure_identity()?.recipient;
        Ok(Recipients {
            entries: vec![RecipientEntry {
                key,
                name: self.recipient_name(),
            }],
        })
    }

    /// The recipients of `name` this device verified and encrypts to
    /// (empty for a plaintext scope). What the head's `.kioku/recipients`
    /// says counts only once verified (see [`super::trust`]).
    ///
    /// # Errors
    /// [`MemError`] for an unknown scope or an unreadable repository.
    pub fn recipients(&mut self, name: &str) -> Result<(ScopeName, Recipients), MemError> {
        let scope = self.scope(name)?;
        let state = self.recipients_state(name)?;
        let list = if state.encrypted {
            Recipients {
                entries: state.recipients,
            }
        } else {
            Recipients::default()
        };
        Ok((scope, list))
    }

    /// Take the recipient list the head holds as this scope's, after the
    /// user says they made that change elsewhere (`mem scope recipients
    /// NAME accept`): the scope is re-encrypted to it under a fresh scope
    /// key, in one commit, and encrypted again if the remote had turned
    /// encryption off.
    ///
    /// # Errors
    /// [`MemError::Invalid`] when there is nothing to accept or the list
    /// would lock this device out; as [`Mem::rekey`] otherwise.
    pub fn accept_recipients(&mut self, scope_name: &str) -> Result<RekeyOutcome, MemError> {
        let scope = self.scope(scope_name)?;
        let repo = self.repo(&scope)?;
        let head = repo
            .head()?
            .ok_or_else(|| StoreError::Damaged(format!("scope '{scope}' is empty")))?;
        let refused = self.remote_refusals(&scope)?;
        if refused
            .iter()
            .all(|r| r.kind == super::trust::RefusalKind::RemovedWithoutTombstone)
        {
            return Err(MemError::Invalid(format!(
                "the recipients of scope '{scope}' are the ones this device verified: there is nothing to accept"
            )));
        }
        let mut list = super::verify::head_list(&repo, head)?;
        if list.entries.is_empty() {
            list = self.recipients(scope_name)?.1;
        }
        let own = self.identity()?.recipient();
        if !list.contains(&own) {
            return Err(MemError::Invalid(format!(
                "the remote's recipient list of scope '{scope}' does not hold this device, so accepting it would lock this device out: add this device first with `mem scope recipients {scope} add {own}`"
            )));
        }
        self.rekey_to(&scope, list, false, true)
    }

    /// Add recipient `key` (named `name`) to scope `scope_name` and
    /// re-encrypt the scope to the new list, in one commit. Adding a
    /// recipient to a plaintext scope encrypts it from now on.
    ///
    /// # Errors
    /// [`MemError`] for a bad key, an unknown scope, a missing identity.
    pub fn add_recipient(
        &mut self,
        scope_name: &str,
        key: &str,
        name: Option<&str>,
    ) -> Result<RekeyOutcome, MemError> {
        let key = crypto::parse_recipient(key)?;
        let (scope, mut list) = self.recipients(scope_name)?;
        if list.contains(&key) {
            return Err(MemError::Invalid(format!(
                "{key} is a recipient of scope '{scope}' already"
            )));
        }
        if list.entries.is_empty() {
            list = self.own_recipients()?;
        }
        list.entries.push(RecipientEntry {
            key,
            name: name.unwrap_or_default().to_owned(),
        });
        self.rekey_to(&scope, list, false, false)
    }

    /// Remove recipient `key` from `scope_name` and re-encrypt the scope
    /// without it, in one commit. What it could read before stays readable
    /// to it in the old history.
    ///
    /// # Errors
    /// [`MemError`] for a key that is not listed, the last recipient, or
    /// this device's own key (it would lock this device out).
    pub fn remove_recipient(
        &mut self,
        scope_name: &str,
        key: &str,
    ) -> Result<RekeyOutcome, MemError> {
        let (scope, mut list) = self.recipients(scope_name)?;
        let wanted = crypto::parse_recipient(key).unwrap_or_else(|_| key.trim().to_owned());
        let before = list.entries.len();
        list.entries
            .retain(|e| e.key != wanted && (e.name.is_empty() || e.name != key.trim()));
        if list.entries.len() == before {
            return Err(MemError::Invalid(format!(
                "'{key}' is not a recipient of scope '{scope}': see `mem scope recipients {scope} list`"
            )));
        }
        if list.entries.is_empty() {
            return Err(MemError::Invalid(format!(
                "'{key}' is the last recipient of scope '{scope}': add another before removing it"
            )));
        }
        let own = self.identity()?.recipient();
        if !list.contains(&own) {
            return Err(MemError::Invalid(format!(
                "removing '{key}' would lock this device out of scope '{scope}' (it is this device's identity): remove it from another device"
            )));
        }
        self.rekey_to(&scope, list, false, true)
    }

    /// Re-encrypt every file of `scope_name` to its recipients in one
    /// commit; a plaintext `user` scope (made before encryption existed) is
    /// converted, encrypted to this device. With `fresh`, the new state
    /// becomes a new root commit (and replaces the remote's history), so the
    /// old plaintext or old-recipient history is no longer shared.
    ///
    /// # Errors
    /// [`MemError`] for a plaintext scope other than `user` without
    /// recipients, a missing identity, or a store failure.
    pub fn rekey(&mut self, scope_name: &str, fresh: bool) -> Result<RekeyOutcome, MemError> {
        let (scope, mut list) = self.recipients(scope_name)?;
        if list.entries.is_empty() {
            if scope.as_str() != "user" {
                return Err(MemError::Invalid(format!(
                    "scope '{scope}' is not encrypted: give it a recipient with `mem scope recipients {scope} add KEY` to encrypt it"
                )));
            }
            list = self.own_recipients()?;
        }
        self.rekey_to(&scope, list, fresh, true)
    }

    /// Write `list` as the recipients of `scope` and re-encrypt every file
    /// to it: one commit moved compare-and-swap, so an interrupted rekey
    /// leaves the previous commit as it was. The list's version grows by
    /// one and its MAC is made with the scope key — a fresh one appended to
    /// the chain when `new_key` (a removal, a rekey: what a removed member
    /// knew authenticates nothing after it) or when there was none.
    fn rekey_to(
        &mut self,
        scope: &ScopeName,
        list: Recipients,
        fresh: bool,
        new_key: bool,
    ) -> Result<RekeyOutcome, MemError> {
        self.identity()?;
        let repo = self.repo(scope)?;
        let signature = self.signature();
        for _ in 0..super::MAX_COMMIT_ATTEMPTS {
            let head = repo
                .head()?
                .ok_or_else(|| StoreError::Damaged(format!("scope '{scope}' is empty")))?;
            let trust = self.trust_of(scope, &repo, Some(head))?;
            let converted = !trust.encrypted;
            let keys = match crypto::ScopeKeys::from_hex_list(&trust.keys) {
                Some(keys) if new_key => keys.extended()?,
                Some(keys) => keys,
                None => crypto::ScopeKeys::generate()?,
            };
            let version = trust.version + 1;
            let mac = crypto::RecipientsMac {
                version,
                mac: keys.mac(scope.as_str(), version, &list),
            };
            let identity = self.identity.as_ref().expect("loaded above");
            let mut files: std::collections::BTreeMap<String, gix::ObjectId> =
                repo.files(head, &[""])?.into_iter().collect();
            let (mut reencrypted, mut unreadable) = (0, 0);
            let content: Vec<(String, gix::ObjectId)> = files
                .iter()
                .filter(|(p, _)| is_content(p))
                .map(|(p, b)| (p.clone(), *b))
                .collect();
            for (path, blob) in content {
                let bytes = repo.read_blob(blob)?;
                let plain = if crypto::is_encrypted_path(&path) {
                    match identity.decrypt(&bytes) {
                        Ok(p) => p,
                        Err(_) => {
                            unreadable += 1;
                            continue;
                        }
                    }
                } else {
                    bytes
                };
                let sealed = list.encrypt(&plain)?;
                // A file in a day's prefix folder moves to its new name's
                // (src/store/layout.rs): a converted scope's folders must
                // not keep the prefixes of plaintext ids.
                let new_path = crate::store::layout::renamed(&path, &crypto::opaque_name(&sealed));
                files.remove(&path);
                files.insert(new_path, repo.write_blob(&sealed)?);
                reencrypted += 1;
            }
            let meta = ScopeMeta::new(scope, true);
            files.insert(
                SCOPE_META_PATH.into(),
                repo.write_blob(meta.render().as_bytes())?,
            );
            files.insert(
                RECIPIENTS_PATH.into(),
                repo.write_blob(list.render().as_bytes())?,
            );
            files.insert(SCOPE_KEY_PATH.into(), repo.write_blob(&keys.seal(&list)?)?);
            files.insert(
                RECIPIENTS_MAC_PATH.into(),
                repo.write_blob(mac.render().as_bytes())?,
            );
            let tree = repo.write_tree_of(head, &files)?;
            crate::sync::failpoint("rekey-before-commit");
            let message = format!("mem: rekey ({} recipient(s))", list.entries.len());
            let outcome = if fresh {
                repo.replace_history(tree, head, &message, &signature)?
            } else {
                repo.commit_tree(tree, &[head], &message, &signature)?
            };
            let crate::store::CommitOutcome::Committed(commit) = outcome else {
                continue;
            };
            let seen = super::verify::head_meta(&repo, commit)?.seen_key();
            repo.record_trust(&crate::store::Trust {
                encrypted: true,
                version,
                keys: keys.to_hex_list(),
                recipients: list.render(),
                seen: Some(seen),
                ..trust
            })?;
            if unreadable > 0 {
                self.notices.push(Notice::Warning(format!(
                    "{unreadable} file(s) of scope '{scope}' cannot be decrypted by this device and were left as they were (still readable only by their earlier recipients): rekey again from a device that can read them"
                )));
            }
            if converted && !fresh {
                self.notices.push(Notice::Warning(format!(
                    "scope '{scope}' is encrypted from now on, but its earlier history still holds the plaintext in git (and on its remote once pushed): run `mem scope rekey {scope} --fresh` to start its history afresh"
                )));
            }
            let pushed = if fresh {
                self.replace_remote_history(&repo, scope)?
            } else {
                false
            };
            self.fresh.retain(|s| s != scope);
            self.index_for(std::slice::from_ref(scope))?;
            return Ok(RekeyOutcome {
                scope: scope.to_string(),
                recipients: list.entries.clone(),
                reencrypted,
                unreadable,
                converted,
                fresh,
                pushed,
                commit: commit.to_string(),
            });
        }
        Err(MemError::Contention(scope.to_string()))
    }

    /// After a fresh start, replace the remote's `main` with the new root,
    /// only while the remote is where this device last saw it.
    fn replace_remote_history(
        &mut self,
        repo: &ScopeRepo,
        scope: &ScopeName,
    ) -> Result<bool, MemError> {
        let Some(url) = self.remote(scope)? else {
            return Ok(false);
        };
        let Some(tracking) = repo.ref_target(crate::store::TRACKING_REF)? else {
            // Never pushed: the next sync pushes the new history.
            return Ok(false);
        };
        let head = repo.head()?.expect("just committed");
        let git = crate::sync::Network::from_environment().git(repo.path(), url.http_account());
        match gitcli::replace_main(git, url.expose(), &tracking.to_string()) {
            Ok(gitcli::PushOutcome::Updated | gitcli::PushOutcome::UpToDate) => {
                repo.move_ref(
                    crate::store::TRACKING_REF,
                    Some(tracking),
                    head,
                    "mem: rekey --fresh",
                )?;
                self.notices.push(Notice::Warning(format!(
                    "the history of scope '{scope}' on {url} was replaced: every other device must drop its copy and add the scope again (`mem scope add {scope} --remote {url}`), and secrets that were in the old history must still be rotated"
                )));
                Ok(true)
            }
            Err(gitcli::GitCliError::Failed { stderr, .. }) => {
                // Not a race: the remote could not be reached or refused us.
                let cause = crate::sync::Cause::from_program_stderr(&stderr);
                self.notices.push(Notice::Warning(format!(
                    "the new history of scope '{scope}' was not pushed to {url}: {}; then run the rekey again",
                    cause.advice(scope.as_str())
                )));
                Ok(false)
            }
            Ok(gitcli::PushOutcome::Rejected(why))
            | Ok(gitcli::PushOutcome::Refused { reason: why, .. }) => {
                let why = crate::remote::redact_text(&why);
                self.notices.push(Notice::Warning(format!(
                    "the new history of scope '{scope}' was not pushed to {url} ({why}): the remote moved since the last sync; sync the other devices' work first, then run the rekey again"
                )));
                Ok(false)
            }
            Err(e) => Err(MemError::Invalid(e.to_string())),
        }
    }
}
