//! Checking a scope's metadata against what this device verified: the
//! pure part of [`super::trust`] (no writes). See that module for the rule.

use gix::ObjectId;
use serde::Serialize;

use super::MemError;
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
    pub(super) seen: String,
    pub(super) encrypted: bool,
    pub(super) list: Recipients,
    pub(super) mac: Option<RecipientsMac>,
    pub(super) sealed_keys: Option<Vec<u8>>,
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
                .map_err(|e| StoreError::Damaged(format!("{SCOPE_META_PATH} is broken: {e}")))?
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

pub(super) fn trusted_list(trust: &Trust) -> Recipients {
    Recipients::parse(&trust.recipients)
}

pub(super) fn trusted_keys(trust: &Trust) -> Option<ScopeKeys> {
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

pub(super) fn same_list(a: &Recipients, b: &Recipients) -> bool {
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

/// The version and keys of one side of a merge when its list carries a
/// valid MAC under a key chain that descends from the trusted one (any
/// chain when `trust` is `None`) at a version not older than the trusted
/// one. Two members changing the list at once both make the next version.
pub(super) fn verified_side(
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        me: Identity,
        other: Identity,
        scope: ScopeName,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let me = Identity::generate(&dir.path().join("me"), "now").unwrap();
        let other = Identity::generate(&dir.path().join("other"), "now").unwrap();
        Fixture {
            _dir: dir,
            me,
            other,
            scope: ScopeName::parse("team/x").unwrap(),
        }
    }

    fn list(ids: &[&Identity]) -> Recipients {
        Recipients::parse(
            &ids.iter()
                .map(|i| format!("{}\n", i.recipient()))
                .collect::<String>(),
        )
    }

    /// The metadata a member writes: `list` at `version`, MAC'd for `scope`.
    fn meta(scope: &str, keys: &ScopeKeys, version: u64, list: &Recipients) -> HeadMeta {
        HeadMeta {
            seen: String::new(),
            encrypted: true,
            list: list.clone(),
            mac: Some(RecipientsMac {
                version,
                mac: keys.mac(scope, version, list),
            }),
            sealed_keys: Some(keys.seal(list).unwrap()),
        }
    }

    fn trust(keys: Option<&ScopeKeys>, version: u64, list: &Recipients) -> Trust {
        Trust {
            format: 1,
            scope: "team/x".into(),
            encrypted: true,
            version,
            keys: keys.map(|k| k.to_hex_list()).unwrap_or_default(),
            recipients: list.render(),
            ..Trust::default()
        }
    }

    fn kind(c: Check) -> &'static str {
        match c {
            Check::Same => "same",
            Check::Adopt(_) => "adopt",
            Check::Refuse(r) => match r.kind {
                RefusalKind::UnverifiedRecipients => "unverified",
                RefusalKind::ReplayedRecipients => "replay",
                RefusalKind::EncryptionTurnedOff => "downgrade",
                RefusalKind::RemovedWithoutTombstone => "removed",
            },
        }
    }

    #[test]
    fn members_changes_are_adopted_and_everything_else_refused() {
        let f = fixture();
        let (one, two) = (list(&[&f.me]), list(&[&f.me, &f.other]));
        let k1 = ScopeKeys::generate().unwrap();
        let k2 = k1.extended().unwrap();
        let t = trust(Some(&k1), 2, &one);
        let me = Some(&f.me);
        // A member adds a reader (same key, next version): adopted.
        assert_eq!(
            kind(check(&f.scope, &t, &meta("team/x", &k1, 3, &two), me)),
            "adopt"
        );
        // The same after a rekey: the chain holds the trusted key.
        assert_eq!(
            kind(check(&f.scope, &t, &meta("team/x", &k2, 3, &two), me)),
            "adopt"
        );
        // Nothing new.
        assert_eq!(
            kind(check(&f.scope, &t, &meta("team/x", &k1, 2, &one), me)),
            "same"
        );
        // A MAC made for another scope.
        assert_eq!(
            kind(check(&f.scope, &t, &meta("team/y", &k1, 3, &two), me)),
            "unverified"
        );
        // A key of the host's own, encrypted to the recipients.
        let forged = ScopeKeys::generate().unwrap();
        assert_eq!(
            kind(check(&f.scope, &t, &meta("team/x", &forged, 9, &two), me)),
            "unverified"
        );
        // A list with no MAC at all.
        let mut bare = meta("team/x", &k1, 3, &two);
        bare.mac = None;
        assert_eq!(kind(check(&f.scope, &t, &bare, me)), "unverified");
        // An older list of this very chain.
        let newer = trust(Some(&k2), 4, &one);
        assert_eq!(
            kind(check(&f.scope, &newer, &meta("team/x", &k1, 3, &two), me)),
            "replay"
        );
        // Encryption turned off.
        let mut off = meta("team/x", &k1, 2, &one);
        off.encrypted = false;
        assert_eq!(kind(check(&f.scope, &t, &off, me)), "downgrade");
        // First sight: trusted as far as it can be verified.
        let blank = Trust::default();
        assert_eq!(
            kind(check(&f.scope, &blank, &meta("team/x", &k1, 1, &two), me)),
            "adopt"
        );
        // A list known before scope keys: the first key is not taken silently.
        let legacy = trust(None, 0, &one);
        assert_eq!(
            kind(check(&f.scope, &legacy, &meta("team/x", &k1, 1, &two), me)),
            "unverified"
        );
        assert_eq!(
            kind(check(&f.scope, &legacy, &meta("team/x", &k1, 1, &one), me)),
            "same"
        );
    }
}
