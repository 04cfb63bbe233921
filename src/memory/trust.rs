//! What a remote writes is data, never authority (README, "Encrypted
//! scopes"). A device encrypts to the recipient list it last *verified*
//! (its [`Trust`] record), never to whatever list the head holds; it adopts
//! a new list only when a member made it — its MAC checks out under a scope
//! key that descends from the one this device trusts, and its version is
//! not older — and it never writes plaintext into a scope it knows as
//! encrypted. Anything else is refused and reported, every sync, until a
//! member's change supersedes it or the user accepts it
//! (`mem scope recipients NAME accept`).
//!
//! First sight — a scope cloned, or a plaintext scope a member encrypted —
//! has nothing to check against: the list is trusted as far as this device
//! can verify it (it can open the scope key and the MAC holds), which is
//! why the README tells a new device to compare key fingerprints.

use gix::ObjectId;
use serde::Serialize;

use super::{Mem, MemError};
use crate::crypto::{Identity, RecipientEntry, Recipients, RecipientsMac, ScopeKeys};
use crate::store::{
    ScopeMeta, ScopeName, ScopeRepo, StoreError, Trust, RECIPIENTS_MAC_PATH, RECIPIENTS_PATH,
    SCOPE_KEY_PATH, SCOPE_META_PATH,
};

/// What a remote changed that this device did not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// A recipient list no member provably made.
    UnverifiedRecipients,
    /// An older list than one this device verified.
    ReplayedRecipients,
    /// `encrypted: false` in a scope this device knows as encrypted.
    EncryptionTurnedOff,
    /// Files removed without a tombstone, supersede or gc (kept here).
    RemovedWithoutTombstone,
}

/// One thing a remote did that this device refused, in one sentence that
/// says what to do.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteRefusal {
    /// What kind of change.
    pub kind: RefusalKind,
    /// The sentence shown by `mem sync` and `mem doctor`.
    pub message: String,
    /// Recipients the remote's list has that the verified one has not.
    pub added: Vec<RecipientEntry>,
    /// Recipients the verified list has that the remote's has not.
    pub dropped: Vec<RecipientEntry>,
}

/// The recipient state of a scope: what this device verified and what the
/// head says (`mem scope recipients NAME list`, `mem doctor`).
#[derive(Debug, Clone, Serialize)]
pub struct RecipientsState {
    /// The scope.
    pub scope: String,
    /// Whether this device knows it as encrypted.
    pub encrypted: bool,
    /// The verified list this device encrypts to.
    pub recipients: Vec<RecipientEntry>,
    /// Its version (0: not authenticated by a scope key yet).
    pub version: u64,
    /// The fingerprint of the current scope key, to compare across devices.
    pub key_fingerprint: Option<String>,
}

/// The scope's metadata as a commit holds it.
pub(super) struct HeadMeta {
    /// The blob ids of the four metadata files, joined.
    seen: String,
    encrypted: bool,
    list: Recipients,
    mac: Option<RecipientsMac>,
    sealed_keys: Option<Vec<u8>>,
}

/// The metadata of `commit`. Cheap: four tree lookups and small blobs.
pub(super) fn head_meta(repo: &ScopeRepo, commit: ObjectId) -> Result<HeadMeta, MemError> {
    let mut seen = String::new();
    let mut blobs = Vec::new();
    for path in [
        SCOPE_META_PATH,
        RECIPIENTS_PATH,
        RECIPIENTS_MAC_PATH,
        SCOPE_KEY_PATH,
    ] {
        let blob = repo.blob_at(commit, path)?;
        seen.push_str(&blob.map(|b| b.to_string()).unwrap_or_else(|| "-".into()));
        seen.push(' ');
        blobs.push(blob);
    }
    let read = |b: Option<ObjectId>| -> Result<Option<Vec<u8>>, MemError> {
        Ok(b.map(|b| repo.read_blob(b)).transpose()?)
    };
    let encrypted = match read(blobs[0])? {
        Some(bytes) => {
            serde_yaml::from_slice::<ScopeMeta>(&bytes)
                .map_err(|e| StoreError::Git(format!("{SCOPE_META_PATH} is broken: {e}")))?
                .encrypted
        }
        None => false,
    };
    let list = read(blobs[1])?
        .map(|b| Recipients::parse(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    let mac = read(blobs[2])?.and_then(|b| RecipientsMac::parse(&String::from_utf8_lossy(&b)));
    Ok(HeadMeta {
        seen: seen.trim_end().to_owned(),
        encrypted,
        list,
        mac,
        sealed_keys: read(blobs[3])?,
    })
}

impl HeadMeta {
    /// The blob ids of the metadata files, as a [`Trust`] records them.
    pub(super) fn seen_key(self) -> String {
        self.seen
    }
}

/// The recipient list `commit` holds, verified or not.
///
/// # Errors
/// As [`head_meta`].
pub(super) fn head_list(repo: &ScopeRepo, commit: ObjectId) -> Result<Recipients, MemError> {
    Ok(head_meta(repo, commit)?.list)
}

/// The verdict on a head's metadata against what this device trusts.
pub(super) enum Check {
    /// Nothing changed that matters.
    Same,
    /// A member's change: trust this from now on.
    Adopt(Trust),
    /// Refused: keep the trusted state and report this.
    Refuse(RemoteRefusal),
}

fn trusted_list(trust: &Trust) -> Recipients {
    Recipients::parse(&trust.recipients)
}

fn trusted_keys(trust: &Trust) -> Option<ScopeKeys> {
    ScopeKeys::from_hex_list(&trust.keys)
}

/// Nothing verified yet to check a list against: a clone, a plaintext
/// scope, or an encrypted scope this device could not read before.
fn first_sight(trust: &Trust) -> bool {
    !trust.encrypted || (trust.keys.is_empty() && trusted_list(trust).entries.is_empty())
}

fn differences(
    trusted: &Recipients,
    head: &Recipients,
) -> (Vec<RecipientEntry>, Vec<RecipientEntry>) {
    let added = head
        .entries
        .iter()
        .filter(|e| !trusted.contains(&e.key))
        .cloned()
        .collect();
    let dropped = trusted
        .entries
        .iter()
        .filter(|e| !head.contains(&e.key))
        .cloned()
        .collect();
    (added, dropped)
}

fn same_list(a: &Recipients, b: &Recipients) -> bool {
    a.render() == b.render()
}

/// Compare `head` with what `trust` holds. `identity` opens the scope key.
pub(super) fn check(
    scope: &ScopeName,
    trust: &Trust,
    head: &HeadMeta,
    identity: Option<&Identity>,
) -> Check {
    let trusted = trusted_list(trust);
    if !head.encrypted {
        if trust.encrypted {
            return Check::Refuse(RemoteRefusal {
                kind: RefusalKind::EncryptionTurnedOff,
                message: format!(
                    "the remote turned encryption off in scope '{scope}' (encrypted: false in {SCOPE_META_PATH}), which only this device's own `mem scope rekey` may decide: it keeps encrypting there; run `mem scope rekey {scope}` to write the scope's metadata back"
                ),
                added: Vec::new(),
                dropped: Vec::new(),
            });
        }
        return Check::Same;
    }
    let (added, dropped) = differences(&trusted, &head.list);
    let refuse = |why: &str| {
        Check::Refuse(RemoteRefusal {
            kind: RefusalKind::UnverifiedRecipients,
            message: format!(
                "the recipient list of scope '{scope}' changed on the remote ({}) but {why}, so this device keeps encrypting to the {} recipient(s) it verified: run `mem doctor` for the difference, and `mem scope recipients {scope} accept` only if you made that change yourself",
                describe(&added, &dropped),
                trusted.entries.len()
            ),
            added: added.clone(),
            dropped: dropped.clone(),
        })
    };
    let opened = match (&head.mac, &head.sealed_keys) {
        (Some(mac), Some(sealed)) => identity
            .and_then(|i| ScopeKeys::open(i, sealed).ok())
            .map(|keys| (mac, keys)),
        _ => {
            if first_sight(trust) {
                // A scope from before scope keys: trusted as it first came.
                return Check::Adopt(Trust {
                    encrypted: true,
                    version: 0,
                    keys: Vec::new(),
                    recipients: head.list.render(),
                    ..trust.clone()
                });
            }
            if same_list(&trusted, &head.list) {
                return Check::Same;
            }
            return refuse("no member authenticated it with the scope key");
        }
    };
    let Some((mac, keys)) = opened else {
        let own = identity.map(Identity::recipient);
        if first_sight(trust) {
            // Not readable here yet: nothing is trusted, nothing can be written.
            return Check::Adopt(Trust {
                encrypted: true,
                version: 0,
                keys: Vec::new(),
                recipients: String::new(),
                ..trust.clone()
            });
        }
        if own.is_some_and(|o| !head.list.contains(&o)) {
            return Check::Refuse(RemoteRefusal {
                kind: RefusalKind::UnverifiedRecipients,
                message: format!(
                    "the remote's recipient list of scope '{scope}' no longer holds this device, which cannot check who made that change: what it saves there stays readable to the {} recipient(s) it verified last; if a member removed this device, stop saving there, otherwise check who can write to the remote",
                    trusted.entries.len()
                ),
                added,
                dropped,
            });
        }
        if same_list(&trusted, &head.list) {
            return Check::Same;
        }
        return refuse("this device cannot open the scope key it claims to be made with");
    };
    if !keys.verify(scope.as_str(), mac.version, &head.list, &mac.mac) {
        if same_list(&trusted, &head.list) {
            return Check::Same;
        }
        return refuse("its MAC does not match (it was not made with this scope's key)");
    }
    let adopt = Trust {
        encrypted: true,
        version: mac.version,
        keys: keys.to_hex_list(),
        recipients: head.list.render(),
        ..trust.clone()
    };
    if first_sight(trust) {
        return Check::Adopt(adopt);
    }
    let Some(known) = trusted_keys(trust) else {
        // Verified before scope keys existed: the first key is accepted by hand.
        if same_list(&trusted, &head.list) {
            return Check::Same;
        }
        return refuse("this device knew the list before scope keys existed and cannot tell who made the first one");
    };
    let older = mac.version < trust.version
        || (mac.version == trust.version && !same_list(&trusted, &head.list));
    // An older state of this very chain: a replay.
    if older && known.descends_from(keys.current()) {
        return Check::Refuse(RemoteRefusal {
            kind: RefusalKind::ReplayedRecipients,
            message: format!(
                "the remote holds an older recipient list of scope '{scope}' (version {}, this device verified version {}{}): it was refused, and this device keeps encrypting to the newer one; sync a device that made the newer change, or run `mem scope recipients {scope} accept` if you want the older list back",
                mac.version,
                trust.version,
                if added.is_empty() { String::new() } else { format!("; it would re-add {}", names(&added)) },
            ),
            added,
            dropped,
        });
    }
    if older || !keys.descends_from(known.current()) {
        if same_list(&trusted, &head.list) {
            return Check::Same;
        }
        return refuse("its scope key does not descend from the one this device knows (a list made in another scope, or by someone who never was a member)");
    }
    if mac.version == trust.version && known.current() == keys.current() {
        return Check::Same;
    }
    Check::Adopt(adopt)
}

fn names(entries: &[RecipientEntry]) -> String {
    entries
        .iter()
        .map(|e| {
            if e.name.is_empty() {
                short_key(&e.key)
            } else {
                format!("{} ({})", e.name, short_key(&e.key))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn short_key(key: &str) -> String {
    let k: String = key.chars().take(16).collect();
    format!("{k}…")
}

fn describe(added: &[RecipientEntry], dropped: &[RecipientEntry]) -> String {
    match (added.is_empty(), dropped.is_empty()) {
        (false, false) => format!("adds {}; drops {}", names(added), names(dropped)),
        (false, true) => format!("adds {}", names(added)),
        (true, false) => format!("drops {}", names(dropped)),
        (true, true) => "same recipients, other key or MAC".into(),
    }
}

impl Mem {
    /// This device's trust record of `scope`; when there is none yet (a
    /// store from before this version, or the record was deleted), the
    /// state at `at` — this device's own head, which it already had — is
    /// trusted and recorded.
    ///
    /// # Errors
    /// [`MemError::Store`] when the repository or the record cannot be read or written.
    pub(super) fn trust_of(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        at: Option<ObjectId>,
    ) -> Result<Trust, MemError> {
        if let Some(trust) = repo.trust()? {
            return Ok(trust);
        }
        let blank = Trust {
            format: 1,
            scope: scope.to_string(),
            ..Trust::default()
        };
        let Some(at) = at else {
            return Ok(blank);
        };
        let meta = head_meta(repo, at)?;
        let identity = if meta.encrypted {
            self.identity().ok()
        } else {
            None
        };
        let trust = match check(scope, &blank, &meta, identity) {
            Check::Adopt(t) => Trust {
                seen: Some(meta.seen),
                ..t
            },
            _ => blank,
        };
        repo.record_trust(&trust)?;
        Ok(trust)
    }

    /// The recipients a write into `scope` on top of `parent` is encrypted
    /// to: the verified list when this device knows the scope as encrypted,
    /// whatever the tree says; `None` for a plaintext scope.
    ///
    /// # Errors
    /// As [`Mem::trust_of`].
    pub(super) fn write_recipients(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        parent: Option<ObjectId>,
    ) -> Result<Option<Recipients>, MemError> {
        let trust = self.trust_of(scope, repo, parent)?;
        Ok(trust.encrypted.then(|| trusted_list(&trust)))
    }

    /// Whether this device knows `scope` as encrypted.
    ///
    /// # Errors
    /// As [`Mem::trust_of`].
    pub fn is_encrypted(&mut self, scope: &ScopeName) -> Result<bool, MemError> {
        let repo = self.repo(scope)?;
        let head = repo.head()?;
        Ok(self.trust_of(scope, &repo, head)?.encrypted)
    }

    /// What this device verified of `name`'s recipients.
    ///
    /// # Errors
    /// [`MemError`] for an unknown scope or an unreadable repository.
    pub fn recipients_state(&mut self, name: &str) -> Result<RecipientsState, MemError> {
        let scope = self.scope(name)?;
        let repo = self.repo(&scope)?;
        let head = repo.head()?;
        let trust = self.trust_of(&scope, &repo, head)?;
        Ok(RecipientsState {
            scope: scope.to_string(),
            encrypted: trust.encrypted,
            recipients: trusted_list(&trust).entries,
            version: trust.version,
            key_fingerprint: trusted_keys(&trust).map(|k| k.fingerprint()),
        })
    }

    /// What the head of `scope` holds that this device refuses, without
    /// changing anything (`mem doctor`), and the files the last sync kept
    /// after the remote removed them.
    ///
    /// # Errors
    /// [`MemError`] when the repository cannot be read.
    pub fn remote_refusals(&mut self, scope: &ScopeName) -> Result<Vec<RemoteRefusal>, MemError> {
        let repo = self.repo(scope)?;
        let Some(head) = repo.head()? else {
            return Ok(Vec::new());
        };
        let trust = self.trust_of(scope, &repo, Some(head))?;
        let mut out = Vec::new();
        let meta = head_meta(&repo, head)?;
        if trust.seen.as_deref() != Some(meta.seen.as_str()) {
            let identity = if meta.encrypted {
                self.identity().ok()
            } else {
                None
            };
            if let Check::Refuse(r) = check(scope, &trust, &meta, identity) {
                out.push(r);
            }
        }
        if trust.removed_by_remote > 0 {
            out.push(removed_refusal(scope, trust.removed_by_remote));
        }
        Ok(out)
    }

    /// After a sync moved `scope`'s head: adopt a member's change to its
    /// recipients, refuse anything else. When the head is a merge of two
    /// histories that each check out (two members changed the list at
    /// once, or a scope met its remote for the first time), this device
    /// joins them under a fresh key and commits that on the head; it returns
    /// whether it committed. `first_contact` lets the remote's side be taken
    /// on first sight.
    ///
    /// # Errors
    /// [`MemError`] when the repository or the trust record fails.
    pub(super) fn verify_head(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        first_contact: bool,
    ) -> Result<(Vec<RemoteRefusal>, bool), MemError> {
        let Some(head) = repo.head()? else {
            return Ok((Vec::new(), false));
        };
        let trust = self.trust_of(scope, repo, None)?;
        let meta = head_meta(repo, head)?;
        if trust.seen.as_deref() == Some(meta.seen.as_str()) {
            return Ok((Vec::new(), false));
        }
        let identity = if meta.encrypted || trust.encrypted {
            self.identity().ok()
        } else {
            None
        };
        match check(scope, &trust, &meta, identity) {
            Check::Same => {
                repo.record_trust(&Trust {
                    seen: Some(meta.seen),
                    ..trust
                })?;
                Ok((Vec::new(), false))
            }
            Check::Adopt(t) => {
                repo.record_trust(&Trust {
                    seen: Some(meta.seen),
                    ..t
                })?;
                Ok((Vec::new(), false))
            }
            Check::Refuse(r) => {
                if r.kind == RefusalKind::UnverifiedRecipients
                    && self.join_lists(scope, repo, head, &trust, &meta, first_contact)?
                {
                    return Ok((Vec::new(), true));
                }
                Ok((vec![r], false))
            }
        }
    }

    /// When `head` merges two sides whose lists each check out, write the
    /// merged list under a chain of both sides' keys plus a fresh one.
    fn join_lists(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        head: ObjectId,
        trust: &Trust,
        meta: &HeadMeta,
        first_contact: bool,
    ) -> Result<bool, MemError> {
        let parents = repo.parents(head)?;
        if parents.len() != 2 || meta.list.entries.is_empty() {
            return Ok(false);
        }
        let Ok(identity) = self.identity() else {
            return Ok(false);
        };
        if !meta.list.contains(&identity.recipient()) {
            return Ok(false);
        }
        let mut sides = Vec::new();
        let mut lists = Vec::new();
        for (i, parent) in parents.iter().enumerate() {
            let side = head_meta(repo, *parent)?;
            // On first contact the remote's side has nothing to descend from.
            let against = (!(first_contact && i == 1)).then_some(trust);
            let Some((version, keys)) = verified_side(scope, against, &side, identity) else {
                return Ok(false);
            };
            sides.push((version, keys));
            lists.push(side.list.render());
        }
        // The head's list must be exactly the set merge of the two checked
        // lists (whoever made the merge commit): only lines a member wrote.
        let base = match repo.merge_base(parents[0], parents[1])? {
            Some(b) => head_list(repo, b)?.render(),
            None => String::new(),
        };
        let expected = Recipients::parse(&crate::sync::merge::merge_lines(
            Some(&base),
            &lists[0],
            &lists[1],
        ));
        if !same_list(&expected, &meta.list) {
            return Ok(false);
        }
        let version = sides[0].0.max(sides[1].0) + 1;
        let keys = sides[0].1.joined(&sides[1].1)?;
        let list = meta.list.clone();
        let mac = RecipientsMac {
            version,
            mac: keys.mac(scope.as_str(), version, &list),
        };
        let changes = vec![
            crate::store::FileChange::Upsert {
                path: RECIPIENTS_PATH.into(),
                bytes: list.render().into_bytes(),
            },
            crate::store::FileChange::Upsert {
                path: SCOPE_KEY_PATH.into(),
                bytes: keys.seal(&list)?,
            },
            crate::store::FileChange::Upsert {
                path: RECIPIENTS_MAC_PATH.into(),
                bytes: mac.render().into_bytes(),
            },
        ];
        let signature = self.signature();
        let crate::store::CommitOutcome::Committed(commit) =
            repo.commit(Some(head), &changes, "mem: recipients joined", &signature)?
        else {
            return Ok(false);
        };
        let seen = head_meta(repo, commit)?.seen;
        repo.record_trust(&Trust {
            encrypted: true,
            version,
            keys: keys.to_hex_list(),
            recipients: list.render(),
            seen: Some(seen),
            ..trust.clone()
        })?;
        Ok(true)
    }

    /// Whether this device's identity is in the recipient list at the head.
    ///
    /// # Errors
    /// [`MemError::Store`] when the repository cannot be read.
    pub(super) fn in_head_list(&mut self, repo: &ScopeRepo) -> Result<bool, MemError> {
        let Some(head) = repo.head()? else {
            return Ok(false);
        };
        let list = head_list(repo, head)?;
        Ok(self.identity().is_ok_and(|i| list.contains(&i.recipient())))
    }

    /// Record how many files the last sync of `scope` kept after the remote
    /// removed them (0 clears it).
    pub(super) fn record_removed(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
        count: usize,
    ) -> Result<(), MemError> {
        let trust = self.trust_of(scope, repo, None)?;
        if trust.removed_by_remote != count {
            repo.record_trust(&Trust {
                removed_by_remote: count,
                ..trust
            })?;
        }
        Ok(())
    }
}

/// The version and keys of one side of a merge when its list carries a
/// valid MAC under a key chain that descends from the trusted one (any
/// chain when `trust` is `None`) at a version not older than the trusted
/// one. Two members changing the list at once both make the next version.
fn verified_side(
    scope: &ScopeName,
    trust: Option<&Trust>,
    side: &HeadMeta,
    identity: &Identity,
) -> Option<(u64, ScopeKeys)> {
    let mac = side.mac.as_ref()?;
    let keys = ScopeKeys::open(identity, side.sealed_keys.as_ref()?).ok()?;
    if !keys.verify(scope.as_str(), mac.version, &side.list, &mac.mac) {
        return None;
    }
    if let Some(trust) = trust {
        let known = trusted_keys(trust)?;
        if !keys.descends_from(known.current()) || mac.version < trust.version {
            return None;
        }
    }
    Some((mac.version, keys))
}

/// The sentence for files the remote removed without a tombstone.
pub(super) fn removed_refusal(scope: &ScopeName, count: usize) -> RemoteRefusal {
    RemoteRefusal {
        kind: RefusalKind::RemovedWithoutTombstone,
        message: format!(
            "{count} file(s) of scope '{scope}' were removed by the remote without a tombstone: this device kept them and restored them in a commit (`mem sync` pushes it back); if it happens again, check who can write to the remote"
        ),
        added: Vec::new(),
        dropped: Vec::new(),
    }
}
