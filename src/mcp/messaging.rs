//! The messaging tools: `send_message` (mem's), and kioku-mesh's
//! `check_messages`, `ack_message` and `purge_expired_messages`, on top of
//! the handoff messages of [`crate::memory`] (see README, "Messages").
//! The reader is this device and user, and the agent and session the server
//! was started for.

use jiff::Timestamp;

use super::params::{AckParams, CheckParams, SendParams};
use super::report::{
    AckReport, MessageItem, MessageRecipient, MessageSender, MessagesReport, PurgeReport,
    SendReport,
};
use super::tools::{err, limit, since, some, ToolError, Tools};
use crate::store::Target;
use crate::{time, Outgoing};

/// kioku-mesh's default `limit` of `check_messages`.
pub const CHECK_LIMIT: usize = 20;

impl Tools {
    /// `send_message`: leave a handoff message for a user, agent family,
    /// device or session.
    ///
    /// # Errors
    /// A bad target, expiry or scope, empty text, or a store failure.
    pub fn send_message(&self, p: SendParams) -> Result<SendReport, ToolError> {
        Target::parse(&p.to).map_err(|e| format!("to: {e}"))?;
        let expires = time::expiry(
            p.expires_at.as_deref(),
            p.ttl_sec.map(|s| s.to_string()).as_deref(),
            time::now(),
        )
        .map_err(|e| format!("expires_at/ttl_sec: {e}"))?;
        let mut mem = self.open(None)?;
        mem.ensure_initialised().map_err(err)?;
        let scope = Self::scope_of(&mem, p.visibility)?;
        let outcome = mem
            .send(Outgoing {
                to: p.to,
                body: p.body,
                subject: some(p.subject),
                expires,
                requires_ack: p.requires_ack.unwrap_or(false),
                scope,
                agent: self.caller().agent.clone(),
                session: self.caller().session.clone(),
            })
            .map_err(err)?;
        Ok(SendReport {
            status: if outcome.commit.is_some() {
                "sent".into()
            } else {
                "unchanged".into()
            },
            msg_id: outcome.id,
            scope: outcome.scope,
            to: outcome.to,
            expires_at: outcome.expires_at,
        })
    }

    /// `check_messages`: the messages addressed to this user, device, agent
    /// or session, by default neither acknowledged nor expired.
    ///
    /// # Errors
    /// A bad scope or `since_iso`, or a store failure.
    pub fn check_messages(&self, p: CheckParams) -> Result<MessagesReport, ToolError> {
        let since = since(p.since_iso)?;
        let limit = limit(p.limit, CHECK_LIMIT);
        let mut mem = self.open(None)?;
        let scope = match Self::scope_of(&mem, p.visibility)? {
            Some(s) => Some(mem.scope(&s).map_err(err)?.to_string()),
            None => None,
        };
        if !mem.is_initialised() {
            return Ok(MessagesReport {
                messages: Vec::new(),
                count: 0,
                truncated: false,
            });
        }
        let reader = mem.reader(self.caller().agent.clone(), self.caller().session.clone());
        let (acked, expired) = (
            p.include_acked.unwrap_or(false),
            p.include_expired.unwrap_or(false),
        );
        let passing: Vec<MessageItem> = mem
            .inbox(&reader, true)
            .map_err(err)?
            .into_iter()
            .filter(|m| scope.as_ref().is_none_or(|s| *s == m.scope))
            .filter(|m| acked || !m.acked)
            .filter(|m| expired || !m.expired)
            .filter(|m| {
                since.is_none_or(|s| {
                    m.created
                        .parse::<Timestamp>()
                        .is_ok_and(|c| c.as_second() >= s)
                })
            })
            .map(|m| {
                let (kind, id) = m.to.split_once(':').unwrap_or(("user", &m.to));
                MessageItem {
                    recipient: MessageRecipient {
                        kind: kind.to_owned(),
                        id: id.to_owned(),
                    },
                    msg_id: m.id,
                    subject: m.subject.unwrap_or_default(),
                    body: m.body,
                    created_at: m.created,
                    expires_at: m.expires_at,
                    scope: m.scope,
                    sender: MessageSender {
                        user: m.from.user,
                        device: m.from.device,
                        agent_id: m.from.agent.unwrap_or_default(),
                        session_id: m.from.session.unwrap_or_default(),
                    },
                    requires_ack: m.requires_ack,
                    acked: m.acked,
                    expired: m.expired,
                }
            })
            .collect();
        let truncated = passing.len() > limit;
        let messages: Vec<MessageItem> = passing.into_iter().take(limit).collect();
        Ok(MessagesReport {
            count: messages.len(),
            messages,
            truncated,
        })
    }

    /// `ack_message`: acknowledge a message as this device and session.
    ///
    /// # Errors
    /// An unknown or ambiguous id, a scope that does not hold it, or a
    /// store failure.
    pub fn ack_message(&self, p: AckParams) -> Result<AckReport, ToolError> {
        let mut mem = self.open(None)?;
        let scope = Self::scope_of(&mem, p.visibility)?;
        let reader = mem.reader(self.caller().agent.clone(), self.caller().session.clone());
        if let Some(s) = &scope {
            let s = mem.scope(s).map_err(err)?.to_string();
            let prefix = p.msg_id.trim().to_ascii_lowercase();
            let held = mem
                .messages()
                .map_err(err)?
                .iter()
                .any(|m| m.scope == s && m.id.starts_with(&prefix));
            if !held {
                return Err(format!(
                    "scope '{s}' holds no message with an id starting with '{prefix}': leave visibility empty to look in every scope"
                ));
            }
        }
        let outcome = mem.ack(&p.msg_id, &reader).map_err(err)?;
        Ok(AckReport {
            msg_id: outcome.id,
            status: outcome.status.into(),
            scope: outcome.scope,
        })
    }

    /// `purge_expired_messages`: remove every expired message, with its
    /// acks, from every scope now (`mem gc` waits for the retention).
    ///
    /// # Errors
    /// A store failure.
    pub fn purge_expired_messages(&self) -> Result<PurgeReport, ToolError> {
        let mut mem = self.open(None)?;
        if !mem.is_initialised() {
            return Ok(PurgeReport { purged: 0, acks: 0 });
        }
        let purged = mem.purge_messages(std::time::Duration::ZERO).map_err(err)?;
        Ok(PurgeReport {
            purged: purged.iter().map(|p| p.messages).sum(),
            acks: purged.iter().map(|p| p.acks).sum(),
        })
    }
}
