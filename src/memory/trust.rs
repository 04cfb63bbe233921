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

pub(super) use super::verify::removed_refusal;
use super::verify::{
    check, head_list, head_meta, same_list, trusted_keys, trusted_list, verified_side, Check,
    HeadMeta,
};
pub use super::verify::{RecipientsState, RefusalKind, RemoteRefusal};
use super::{Mem, MemError};
use crate::crypto::{Recipients, RecipientsMac};
use crate::store::{
    ScopeName, ScopeRepo, Trust, RECIPIENTS_MAC_PATH, RECIPIENTS_PATH, SCOPE_KEY_PATH,
};

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
        let changed = trust.seen.as_deref() != Some(meta.seen.as_str());
        // A merge of two sides that each changed the list (two members at
        // once: an addition here, a join there) keeps one side's MAC — the
        // head may even look like this device's own — or a mix that
        // authenticates nothing: join the two sides as a member would, so
        // every member ends on one list and key.
        let both = both_sides_changed_the_list(repo, head)?;
        if !changed && !both {
            return Ok((Vec::new(), false));
        }
        let encrypted = meta.encrypted || trust.encrypted;
        let consistent = !changed || !encrypted || mac_holds(scope, &meta, self.identity().ok());
        if (both || !consistent)
            && self.join_lists(scope, repo, head, &trust, &meta, first_contact)?
        {
            return Ok((Vec::new(), true));
        }
        if !changed {
            return Ok((Vec::new(), false));
        }
        let identity = if encrypted {
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
                bytes: list.render().into_bytes().into(),
            },
            crate::store::FileChange::Upsert {
                path: SCOPE_KEY_PATH.into(),
                bytes: keys.seal(&list)?.into(),
            },
            crate::store::FileChange::Upsert {
                path: RECIPIENTS_MAC_PATH.into(),
                bytes: mac.render().into_bytes().into(),
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

/// Whether the head's MAC verifies under the key chain in its own key
/// file; `true` when this device cannot tell (no identity, no key file).
fn mac_holds(
    scope: &ScopeName,
    meta: &HeadMeta,
    identity: Option<&crate::crypto::Identity>,
) -> bool {
    match (&meta.mac, &meta.sealed_keys, identity) {
        (Some(mac), Some(sealed), Some(identity)) => {
            crate::crypto::ScopeKeys::open(identity, sealed)
                .map(|keys| keys.verify(scope.as_str(), mac.version, &meta.list, &mac.mac))
                .unwrap_or(true)
        }
        _ => true,
    }
}

/// Whether `head` merges two sides that both changed the recipients' MAC
/// since their merge base (each made a new version of the list).
fn both_sides_changed_the_list(repo: &ScopeRepo, head: ObjectId) -> Result<bool, MemError> {
    let parents = repo.parents(head)?;
    let [ours, theirs] = parents[..] else {
        return Ok(false);
    };
    let base = match repo.merge_base(ours, theirs)? {
        Some(b) => repo.read_path(b, RECIPIENTS_MAC_PATH)?,
        None => None,
    };
    let ours = repo.read_path(ours, RECIPIENTS_MAC_PATH)?;
    let theirs = repo.read_path(theirs, RECIPIENTS_MAC_PATH)?;
    Ok(ours != theirs && ours != base && theirs != base)
}
