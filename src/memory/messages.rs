//! Handoff messages between agents in [`Mem`]: sending one into a scope,
//! reading the inbox, acknowledging, and purging expired ones (see
//! [`crate::store::Message`] for the files). Messages are not indexed: they
//! are few and short-lived, so each read walks the `msg/` and `ack/` trees
//! of every scope's head, decrypting what an encrypted scope sealed.

use jiff::Timestamp;
use serde::Serialize;

use super::{Mem, MemError};
use crate::store::{
    ack_message_of, is_ack_path, is_message_path, Ack, FileChange, Message, Reader, ScopeName,
    Sender, Target, MAX_BODY_BYTES,
};
use crate::time;

/// How long a message is delivered when no expiry is given: 7 days.
pub const DEFAULT_MESSAGE_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// Who it is for (`user:NAME`, `agent:FAMILY`, `device:NAME`, `session:ID`).
    pub to: String,
    /// The text.
    pub body: String,
    /// Optional one-line subject.
    pub subject: Option<String>,
    /// When it expires (`None`: [`DEFAULT_MESSAGE_TTL`] from now).
    pub expires: Option<Timestamp>,
    /// Whether the recipient should acknowledge it.
    pub requires_ack: bool,
    /// The scope (`None`: the default scope).
    pub scope: Option<String>,
    /// The sending agent family.
    pub agent: Option<String>,
    /// The sending agent's session.
    pub session: Option<String>,
}

/// What [`Mem::send`] did.
#[derive(Debug, Clone, Serialize)]
pub struct SendOutcome {
    /// The message id (32 hex).
    pub id: String,
    /// The scope it went into.
    pub scope: String,
    /// Who it is for.
    pub to: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// The commit made (`None`: the scope already held it).
    pub commit: Option<String>,
}

/// One message as the inbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct InboxEntry {
    /// The message id (32 hex).
    pub id: String,
    /// The scope holding it.
    pub scope: String,
    /// Who sent it.
    pub from: Sender,
    /// Who it is for.
    pub to: String,
    /// The subject, if any.
    pub subject: Option<String>,
    /// The text.
    pub body: String,
    /// When it was sent (RFC 3339).
    pub created: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Whether the sender asked for an ack.
    pub requires_ack: bool,
    /// Whether any device acknowledged it.
    pub acked: bool,
    /// Who acknowledged it, oldest first.
    pub acks: Vec<Ack>,
    /// Whether it has expired.
    pub expired: bool,
}

/// What [`Mem::ack`] did.
#[derive(Debug, Clone, Serialize)]
pub struct AckOutcome {
    /// The message id.
    pub id: String,
    /// The scope holding it.
    pub scope: String,
    /// `acked`, or `already-acked` when this device and session had.
    pub status: &'static str,
    /// The commit made, if any.
    pub commit: Option<String>,
}

/// What purging expired messages removed from one scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MessagePurge {
    /// The scope.
    pub scope: String,
    /// Message files removed.
    pub messages: usize,
    /// Ack files removed with them (or left by messages already gone).
    pub acks: usize,
    /// The commit made, if any.
    pub commit: Option<String>,
}

/// What one scope's head holds of messages.
#[derive(Default)]
struct ScopeMessages {
    /// Messages with their path.
    messages: Vec<(String, Message)>,
    /// Acks with their path.
    acks: Vec<(String, Ack)>,
    /// Every ack path, readable or not.
    ack_paths: Vec<String>,
    /// Whether a message file could not be read.
    unreadable: bool,
}

impl Mem {
    /// Name the agent family and session this store is used by: the
    /// session-start block then also shows the messages addressed to them.
    pub fn set_caller(&mut self, agent: Option<String>, session: Option<String>) {
        self.caller = (agent, session);
    }

    /// The reader this device is, as the agent `agent` in session `session`.
    pub fn reader(&self, agent: Option<String>, session: Option<String>) -> Reader {
        Reader {
            user: self.config.user_id.value.clone(),
            device: self.config.device.value.clone(),
            agent: agent.filter(|a| !a.trim().is_empty()),
            session: session.filter(|s| !s.trim().is_empty()),
        }
    }

    /// Send a message: one file in the scope, shared by `mem sync` like an
    /// observation (sealed in an encrypted scope). Sending the same message
    /// twice in the same second changes nothing.
    ///
    /// # Errors
    /// [`MemError::Invalid`] for a bad target or a past expiry,
    /// [`MemError::Empty`] / [`MemError::TooLarge`] for the text, store failures.
    pub fn send(&mut self, out: Outgoing) -> Result<SendOutcome, MemError> {
        let to = Target::parse(&out.to).map_err(MemError::Invalid)?;
        let body = crate::store::normalize_body(&out.body);
        if body.is_empty() {
            return Err(MemError::Empty(""));
        }
        if body.len() > MAX_BODY_BYTES {
            return Err(MemError::TooLarge(body.len()));
        }
        let now = time::now();
        let expires_at = match out.expires {
            Some(e) if e <= now => {
                return Err(MemError::Invalid(format!(
                    "the expiry {} is already past: give a time to live or a later instant",
                    time::format(e)
                )))
            }
            Some(e) => e,
            None => now
                .checked_add(
                    jiff::SignedDuration::try_from(DEFAULT_MESSAGE_TTL).unwrap_or_default(),
                )
                .unwrap_or(Timestamp::MAX),
        };
        self.ensure_initialised()?;
        let scope_name = out
            .scope
            .unwrap_or_else(|| self.config.default_scope.value.clone());
        let scope = self.scope(&scope_name)?;
        let mut msg = Message {
            id: String::new(),
            from: Sender {
                user: self.config.user_id.value.clone(),
                device: self.config.device.value.clone(),
                agent: out.agent.filter(|a| !a.trim().is_empty()),
                session: out.session.filter(|s| !s.trim().is_empty()),
            },
            to: to.to_string(),
            subject: out
                .subject
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            created: now,
            expires_at,
            requires_ack: out.requires_ack,
            body,
        };
        msg.id = msg.compute_id();
        let held = self
            .scope_messages(&scope)?
            .messages
            .iter()
            .any(|(_, m)| m.id == msg.id);
        let commit = if held {
            None
        } else {
            let change = FileChange::Upsert {
                path: msg.path(),
                bytes: msg.render().into_bytes().into(),
            };
            let message = format!("message {} to {}", &msg.id[..12], msg.to);
            self.commit_with_retry(&scope, |_, _| {
                Ok(Some((vec![change.clone()], message.clone())))
            })?
        };
        Ok(SendOutcome {
            id: msg.id,
            scope: scope.to_string(),
            to: msg.to,
            expires_at: time::format(msg.expires_at),
            commit,
        })
    }

    /// Every message in every scope with its acks, oldest first.
    ///
    /// # Errors
    /// [`MemError`] when a repository cannot be read.
    pub fn messages(&mut self) -> Result<Vec<InboxEntry>, MemError> {
        let now = time::now();
        let mut out = Vec::new();
        for scope in self.scopes.clone() {
            let Some(held) = self.readable_messages(&scope) else {
                continue;
            };
            for (_, m) in held.messages {
                let mut acks: Vec<Ack> = held
                    .acks
                    .iter()
                    .filter(|(_, a)| a.message == m.id)
                    .map(|(_, a)| a.clone())
                    .collect();
                acks.sort_by(|a, b| a.acked.cmp(&b.acked));
                out.push(InboxEntry {
                    id: m.id.clone(),
                    scope: scope.to_string(),
                    from: m.from,
                    to: m.to,
                    subject: m.subject,
                    body: m.body,
                    created: time::format(m.created),
                    expires_at: time::format(m.expires_at),
                    requires_ack: m.requires_ack,
                    acked: !acks.is_empty(),
                    acks,
                    expired: m.expires_at <= now,
                });
            }
        }
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    /// The messages addressed to `reader`: by default those neither acked
    /// nor expired; with `all`, every one.
    ///
    /// # Errors
    /// As [`Mem::messages`].
    pub fn inbox(&mut self, reader: &Reader, all: bool) -> Result<Vec<InboxEntry>, MemError> {
        Ok(self
            .messages()?
            .into_iter()
            .filter(|m| reader.is_addressed(&m.to))
            .filter(|m| all || (!m.acked && !m.expired))
            .collect())
    }

    /// Acknowledge the message whose id starts with `prefix` (at least 6
    /// hex) as `reader`: an ack file in the message's scope. Acking twice
    /// from the same device and session changes nothing.
    ///
    /// # Errors
    /// [`MemError::NoMessage`] for an unknown or ambiguous id, store failures.
    pub fn ack(&mut self, prefix: &str, reader: &Reader) -> Result<AckOutcome, MemError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        let all = self.messages()?;
        let matching: Vec<&InboxEntry> = all
            .iter()
            .filter(|m| prefix.len() >= 6 && m.id.starts_with(&prefix))
            .collect();
        let [m] = matching.as_slice() else {
            return Err(MemError::NoMessage(prefix));
        };
        let ack = Ack {
            format: 1,
            message: m.id.clone(),
            acked: time::format(time::now()),
            by: Sender {
                user: reader.user.clone(),
                device: reader.device.clone(),
                agent: reader.agent.clone(),
                session: reader.session.clone(),
            },
        };
        let mine = m
            .acks
            .iter()
            .any(|a| a.by.device == ack.by.device && a.by.session == ack.by.session);
        let scope = self.scope(&m.scope)?;
        let mut out = AckOutcome {
            id: m.id.clone(),
            scope: m.scope.clone(),
            status: "already-acked",
            commit: None,
        };
        if !mine {
            let change = FileChange::Upsert {
                path: ack.path(),
                bytes: ack.render().into_bytes().into(),
            };
            let message = format!("ack {}", &m.id[..12]);
            out.commit = self.commit_with_retry(&scope, |_, _| {
                Ok(Some((vec![change.clone()], message.clone())))
            })?;
            out.status = "acked";
        }
        Ok(out)
    }

    /// In every scope, remove in one commit the messages that expired more
    /// than `retention` ago, with their acks, and acks whose message is
    /// gone (when every message file of the scope could be read).
    ///
    /// # Errors
    /// [`MemError`] when a repository cannot be read or written.
    pub fn purge_messages(
        &mut self,
        retention: std::time::Duration,
    ) -> Result<Vec<MessagePurge>, MemError> {
        let cutoff = time::now()
            .checked_sub(
                jiff::SignedDuration::try_from(retention).unwrap_or(jiff::SignedDuration::MAX),
            )
            .unwrap_or(Timestamp::MIN);
        let mut out = Vec::new();
        for scope in self.scopes.clone() {
            let Some(held) = self.readable_messages(&scope) else {
                continue;
            };
            let mut report = MessagePurge {
                scope: scope.to_string(),
                ..MessagePurge::default()
            };
            let (gone, kept): (Vec<_>, Vec<_>) = held
                .messages
                .iter()
                .partition(|(_, m)| m.expires_at <= cutoff);
            let gone_ids: std::collections::BTreeSet<&str> =
                gone.iter().map(|(_, m)| m.id.as_str()).collect();
            let kept_ids: std::collections::BTreeSet<&str> =
                kept.iter().map(|(_, m)| m.id.as_str()).collect();
            // An ack goes with its purged message, or when its message is
            // gone already (only judged when every message could be read).
            let acks: Vec<String> = held
                .ack_paths
                .iter()
                .filter(|p| {
                    ack_message_of(p).is_some_and(|id| {
                        gone_ids.contains(id) || (!held.unreadable && !kept_ids.contains(id))
                    })
                })
                .cloned()
                .collect();
            let gone: Vec<String> = gone.into_iter().map(|(p, _)| p.clone()).collect();
            if gone.is_empty() && acks.is_empty() {
                out.push(report);
                continue;
            }
            report.messages = gone.len();
            report.acks = acks.len();
            let changes: Vec<FileChange> = gone
                .into_iter()
                .chain(acks)
                .map(|path| FileChange::Remove { path })
                .collect();
            let message = format!("mem: gc, {} message file(s) removed", changes.len());
            report.commit = self
                .commit_with_retry(&scope, |_, _| Ok(Some((changes.clone(), message.clone()))))?;
            out.push(report);
        }
        Ok(out)
    }

    /// The session-start lines for the unacked, unexpired messages to this
    /// user and device, and to the caller's agent and session when named
    /// ([`Mem::set_caller`]); empty when there are none or they cannot be read.
    pub(super) fn message_lines(&mut self) -> Vec<String> {
        let reader = self.reader(self.caller.0.clone(), self.caller.1.clone());
        let Ok(inbox) = self.inbox(&reader, false) else {
            return Vec::new();
        };
        if inbox.is_empty() {
            return Vec::new();
        }
        let mut lines = vec!["## Messages for you".to_owned()];
        for m in &inbox {
            let text = m.body.split_whitespace().collect::<Vec<_>>().join(" ");
            lines.push(format!(
                "- from {}@{} to {} `{}` {}{}: {} — acknowledge with `mem ack {}`",
                m.from.user,
                m.from.device,
                m.to,
                &m.id[..12],
                &m.created[..10],
                m.subject
                    .as_deref()
                    .map(|s| format!(" \"{s}\""))
                    .unwrap_or_default(),
                super::clip(&text, 300),
                &m.id[..12]
            ));
        }
        lines.push(String::new());
        lines
    }

    /// [`Mem::scope_messages`] for a read across scopes: a scope that
    /// cannot be read is a warning, and the others are read (a fault stays
    /// in its scope).
    fn readable_messages(&mut self, scope: &ScopeName) -> Option<ScopeMessages> {
        match self.scope_messages(scope) {
            Ok(held) => Some(held),
            Err(e) => {
                self.notices.push(super::Notice::Warning(format!(
                    "the messages of scope '{scope}' cannot be read ({e}): run `mem doctor`"
                )));
                None
            }
        }
    }

    /// The messages and acks at `scope`'s head, decrypted where sealed;
    /// files this device cannot read, and plaintext files in an encrypted
    /// scope, are skipped.
    fn scope_messages(&mut self, scope: &ScopeName) -> Result<ScopeMessages, MemError> {
        let repo = self.repo(scope)?;
        let mut out = ScopeMessages::default();
        let Some(head) = repo.head()? else {
            return Ok(out);
        };
        // In an encrypted scope a plaintext message was not written by mem
        // (anyone with push access could add one): it is not delivered.
        let encrypted = self.is_encrypted(scope)?;
        for (path, blob) in repo.files(head, &["msg/", "ack/"])? {
            if encrypted && !crate::crypto::is_encrypted_path(&path) {
                continue;
            }
            let bytes = repo.read_blob(blob)?;
            let bytes = if crate::crypto::is_encrypted_path(&path) {
                self.identity().and_then(|i| Ok(i.decrypt(&bytes)?)).ok()
            } else {
                Some(bytes)
            };
            if is_message_path(&path) {
                match bytes.map(|b| Message::parse(&b)) {
                    Some(Ok(m)) => out.messages.push((path, m)),
                    _ => out.unreadable = true,
                }
            } else if is_ack_path(&path) {
                if let Some(Ok(a)) = bytes.map(|b| Ack::parse(&b)) {
                    out.acks.push((path.clone(), a));
                }
                out.ack_paths.push(path);
            }
        }
        Ok(out)
    }
}

impl Mem {
    /// Of the message and ack files a sync removed from `scope` (`gone`:
    /// path and blob before the sync), the ones no member's `mem gc` or
    /// purge explains, to be put back: a message that had not expired, an
    /// ack whose message is still live at the head. A file this device
    /// cannot read is not judged (see `super::removals`).
    ///
    /// # Errors
    /// [`MemError`] when the repository cannot be read.
    pub(super) fn unexplained_message_removals(
        &mut self,
        scope: &ScopeName,
        repo: &crate::store::ScopeRepo,
        gone: &[(String, gix::ObjectId)],
    ) -> Result<Vec<crate::store::FileChange>, MemError> {
        if gone.is_empty() {
            return Ok(Vec::new());
        }
        let now = time::now();
        let mut live: Vec<String> = self
            .scope_messages(scope)?
            .messages
            .into_iter()
            .filter(|(_, m)| !m.is_expired(now))
            .map(|(_, m)| m.id)
            .collect();
        // Messages first: one put back keeps its acks live too.
        let mut files: Vec<&(String, gix::ObjectId)> = gone.iter().collect();
        files.sort_by_key(|(path, _)| !is_message_path(path));
        let mut keep = Vec::new();
        for (path, blob) in files {
            let bytes = repo.read_blob(*blob)?;
            let plain = if crate::crypto::is_encrypted_path(path) {
                match self.identity().and_then(|i| Ok(i.decrypt(&bytes)?)) {
                    Ok(p) => p,
                    Err(_) => continue,
                }
            } else {
                bytes.clone()
            };
            let unexplained = if is_message_path(path) {
                match Message::parse(&plain) {
                    Ok(m) if !m.is_expired(now) => {
                        live.push(m.id);
                        true
                    }
                    _ => false,
                }
            } else {
                Ack::parse(&plain).is_ok_and(|a| live.contains(&a.message))
            };
            if unexplained {
                keep.push(crate::store::FileChange::Upsert {
                    path: path.clone(),
                    bytes: bytes.into(),
                });
            }
        }
        Ok(keep)
    }
}
