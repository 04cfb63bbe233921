//! Handoff messages between agents: `msg/YYYY/MM/DD/<id>.md` (YAML front
//! matter and a Markdown body, like an observation) and their acks,
//! `ack/<message id>/<ack id>.yaml`, one file per acknowledging device and
//! session, so two devices acking the same message never write the same
//! path. In an encrypted scope both are sealed under opaque names in the
//! same directories, like observations. Changing these formats breaks every
//! existing store.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{hex, ParseError};
use crate::time;

/// Who a message is for: `user:NAME`, `agent:FAMILY`, `device:NAME` or
/// `session:ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `user`, `agent`, `device` or `session`.
    pub kind: &'static str,
    /// The name, family or id.
    pub name: String,
}

/// The kinds of [`Target`], in the order they are documented.
pub const TARGET_KINDS: [&str; 4] = ["user", "agent", "device", "session"];

impl Target {
    /// Parse `kind:name`.
    ///
    /// # Errors
    /// One sentence naming the accepted forms.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("'{s}' is not a message target: give user:NAME, agent:FAMILY, device:NAME or session:ID")
        };
        let (kind, name) = s.trim().split_once(':').ok_or_else(bad)?;
        let kind = TARGET_KINDS
            .iter()
            .find(|k| **k == kind.trim())
            .ok_or_else(bad)?;
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad());
        }
        Ok(Target {
            kind,
            name: name.to_owned(),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.name)
    }
}

/// Who reads: a message is addressed to them when its target names their
/// user, device, agent family or session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reader {
    /// The user id.
    pub user: String,
    /// The device.
    pub device: String,
    /// The agent family, when known.
    pub agent: Option<String>,
    /// The agent's session, when known.
    pub session: Option<String>,
}

impl Reader {
    /// Whether `to` names this reader.
    pub fn is_addressed(&self, to: &str) -> bool {
        let Ok(t) = Target::parse(to) else {
            return false;
        };
        let mine = match t.kind {
            "user" => Some(self.user.as_str()),
            "device" => Some(self.device.as_str()),
            "agent" => self.agent.as_deref(),
            _ => self.session.as_deref(),
        };
        mine == Some(t.name.as_str())
    }
}

/// The sender of a message or an ack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// The user id.
    pub user: String,
    /// The device.
    pub device: String,
    /// The agent family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The agent's session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// A handoff message. Immutable once sent; acks are separate files.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// 32 lower-case hex, see [`Message::compute_id`].
    pub id: String,
    /// Who sent it.
    pub from: Sender,
    /// Who it is for (a [`Target`] as text).
    pub to: String,
    /// Optional one-line subject.
    pub subject: Option<String>,
    /// When it was sent (whole seconds, UTC).
    pub created: Timestamp,
    /// When it stops being delivered.
    pub expires_at: Timestamp,
    /// Whether the sender asked for an ack.
    pub requires_ack: bool,
    /// The text, without trailing whitespace.
    pub body: String,
}

#[derive(Serialize, Deserialize)]
struct MessageFront {
    format: u32,
    id: String,
    from: Sender,
    to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    created: String,
    expires_at: String,
    #[serde(default)]
    requires_ack: bool,
}

/// Domain string of message ids.
const MESSAGE_DOMAIN: &str = "kioku-mesh message v1\n";

impl Message {
    /// The id: the first 32 hex of SHA-256 over every field but the id.
    pub fn compute_id(&self) -> String {
        let front = self.front(String::new());
        let yaml = serde_yaml::to_string(&front).expect("plain data serialises");
        let mut h = Sha256::new();
        h.update(MESSAGE_DOMAIN.as_bytes());
        h.update(yaml.as_bytes());
        h.update(self.body.as_bytes());
        hex(&h.finalize())[..32].to_owned()
    }

    fn front(&self, id: String) -> MessageFront {
        MessageFront {
            format: 1,
            id,
            from: self.from.clone(),
            to: self.to.clone(),
            subject: self.subject.clone(),
            created: time::format(self.created),
            expires_at: time::format(self.expires_at),
            requires_ack: self.requires_ack,
        }
    }

    /// Path in a plaintext scope: `msg/YYYY/MM/DD/<id>.md`, dated by `created`.
    pub fn path(&self) -> String {
        let date = self.created.to_zoned(jiff::tz::TimeZone::UTC).date();
        format!(
            "msg/{:04}/{:02}/{:02}/{}.md",
            date.year(),
            date.month(),
            date.day(),
            self.id
        )
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at <= now
    }

    /// Render the file: `---\n<yaml>---\n<body>\n`.
    pub fn render(&self) -> String {
        let yaml =
            serde_yaml::to_string(&self.front(self.id.clone())).expect("plain data serialises");
        format!("---\n{yaml}---\n{}\n", self.body)
    }

    /// Parse a message file.
    ///
    /// # Errors
    /// [`ParseError`] when it is not UTF-8, has no front matter, or a field is unusable.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        let rest = text
            .strip_prefix("---\n")
            .ok_or(ParseError::NoFrontMatter)?;
        let end = rest.find("\n---\n").ok_or(ParseError::NoFrontMatter)?;
        let (yaml, body) = (&rest[..=end], &rest[end + 5..]);
        let fm: MessageFront =
            serde_yaml::from_str(yaml).map_err(|e| ParseError::Yaml(e.to_string()))?;
        let instant = |field: &'static str, v: &str| {
            v.parse::<Timestamp>().map_err(|e| ParseError::Field {
                field,
                reason: e.to_string(),
            })
        };
        if fm.format != 1 || !is_message_id(&fm.id) {
            return Err(ParseError::Field {
                field: "id",
                reason: "a message of format 1 needs a 32-digit hex id".into(),
            });
        }
        Ok(Message {
            id: fm.id,
            from: fm.from,
            to: fm.to,
            subject: fm.subject,
            created: instant("created", &fm.created)?,
            expires_at: instant("expires_at", &fm.expires_at)?,
            requires_ack: fm.requires_ack,
            body: body.trim_end().to_owned(),
        })
    }
}

/// An acknowledgement of a message by one device and session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// Format version (1).
    pub format: u32,
    /// The message's id.
    pub message: String,
    /// When (RFC 3339 UTC).
    pub acked: String,
    /// Who acknowledged it.
    pub by: Sender,
}

impl Ack {
    /// Path in a plaintext scope: `ack/<message id>/<ack id>.yaml`, where
    /// the ack id is the first 16 hex of SHA-256 over the acknowledging
    /// device and session: one file per device and session.
    pub fn path(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"kioku-mesh ack v1\n");
        h.update(self.by.device.as_bytes());
        h.update(b"\n");
        h.update(self.by.session.as_deref().unwrap_or_default().as_bytes());
        format!("ack/{}/{}.yaml", self.message, &hex(&h.finalize())[..16])
    }

    /// Render as YAML.
    pub fn render(&self) -> String {
        serde_yaml::to_string(self).expect("plain data serialises")
    }

    /// Parse an ack file.
    ///
    /// # Errors
    /// [`ParseError`] when it is not an ack of format 1.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        let a: Ack = serde_yaml::from_str(text).map_err(|e| ParseError::Yaml(e.to_string()))?;
        if a.format != 1 || !is_message_id(&a.message) {
            return Err(ParseError::Field {
                field: "message",
                reason: "an ack of format 1 needs the message's 32-digit hex id".into(),
            });
        }
        Ok(a)
    }
}

/// Whether `s` is a message id: 32 lower-case hex digits.
pub fn is_message_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether a tree path holds a message (plaintext or sealed).
pub fn is_message_path(path: &str) -> bool {
    path.starts_with("msg/") && (path.ends_with(".md") || path.ends_with(".age"))
}

/// Whether a tree path holds an ack (plaintext or sealed).
pub fn is_ack_path(path: &str) -> bool {
    path.starts_with("ack/") && (path.ends_with(".yaml") || path.ends_with(".age"))
}

/// The message id an ack path is filed under.
pub fn ack_message_of(path: &str) -> Option<&str> {
    path.strip_prefix("ack/")?
        .split_once('/')
        .map(|(id, _)| id)
        .filter(|id| is_message_id(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        let mut m = Message {
            id: String::new(),
            from: Sender {
                user: "ana".into(),
                device: "laptop".into(),
                agent: Some("codex".into()),
                session: None,
            },
            to: "device:desk".into(),
            subject: Some("deploy".into()),
            created: "2026-12-01T06:00:00Z".parse().unwrap(),
            expires_at: "2026-12-08T06:00:00Z".parse().unwrap(),
            requires_ack: true,
            body: "the migration is half done\n\nsee notes".into(),
        };
        m.id = m.compute_id();
        m
    }

    #[test]
    fn messages_and_acks_round_trip() {
        let m = sample();
        assert!(is_message_id(&m.id));
        assert_eq!(Message::parse(m.render().as_bytes()).unwrap(), m);
        assert!(m.path().starts_with("msg/2026/12/01/"));
        let ack = Ack {
            format: 1,
            message: m.id.clone(),
            acked: "2026-12-01T07:00:00Z".into(),
            by: m.from.clone(),
        };
        assert_eq!(Ack::parse(ack.render().as_bytes()).unwrap(), ack);
        assert_eq!(ack_message_of(&ack.path()), Some(m.id.as_str()));
    }

    #[test]
    fn targets_parse_and_address_readers() {
        assert!(Target::parse("desk").is_err());
        assert!(Target::parse("planet:x").is_err());
        let reader = Reader {
            user: "ana".into(),
            device: "desk".into(),
            agent: None,
            session: None,
        };
        assert!(reader.is_addressed("device:desk"));
        assert!(reader.is_addressed("user:ana"));
        assert!(!reader.is_addressed("agent:codex"));
        assert!(!reader.is_addressed("device:laptop"));
    }
}
