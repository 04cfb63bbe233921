//! What the tools answer: plain report types, serialised as the tools'
//! structured results (every one an object) and described by their output
//! schemas. Absent values are left out rather than written as `null`, so the
//! schemas can stay plain (see [`super::params::plain`]).

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use serde_json::{Map, Value};

/// `save_observation`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct SaveReport {
    /// The full id (64 hex), kioku-mesh's name for it.
    pub observation_id: String,
    /// The same id (mem's name, as `mem save --json` has it).
    pub id: String,
    /// `saved`, `unchanged` (the scope already held it) or `restored` (it had been deleted).
    pub status: String,
    /// The scope it was saved into.
    pub scope: String,
    /// The scope again, under kioku-mesh's name.
    pub visibility: String,
    /// The file in the scope's tree.
    pub path: String,
    /// Ids it supersedes (given, or through its key).
    pub supersedes: Vec<String>,
    /// The commit made (absent when nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// When it expires (RFC 3339), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Notes about how a kioku-mesh parameter was mapped (empty when none).
    pub warnings: Vec<String>,
}

/// One `search_memory` result, compact.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct SearchHit {
    /// Full id (64 hex), kioku-mesh's name for it.
    pub observation_id: String,
    /// The same id.
    pub id: String,
    /// First 12 hex of the id.
    pub short_id: String,
    /// Title (kioku-mesh's subject).
    pub title: String,
    /// One-line summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Kind (kioku-mesh's memory_type).
    pub kind: String,
    /// 1..=5.
    pub importance: u8,
    /// Scope holding it.
    pub scope: String,
    /// Project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Creation date (YYYY-MM-DD, UTC).
    pub date: String,
    /// The agent that saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The device that saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `live`, `superseded`, `deleted` or `expired`.
    pub state: String,
    /// Text around the matched words (or the start of the body).
    pub snippet: String,
}

/// `search_memory`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct SearchReport {
    /// The results, best first (newest first for an empty query).
    pub results: Vec<SearchHit>,
    /// How many results there are.
    pub count: usize,
}

/// `get_memory`'s answer: the observation whole.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct MemoryReport {
    /// Full id (64 hex), kioku-mesh's name for it.
    pub observation_id: String,
    /// The same id.
    pub id: String,
    /// First 12 hex of the id.
    pub short_id: String,
    /// Scope holding it.
    pub scope: String,
    /// Other scopes holding the same observation.
    pub also_in: Vec<String>,
    /// The file in the scope's tree.
    pub path: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Topic key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// 1..=5.
    pub importance: u8,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Who saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Which device saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Which agent saved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The agent session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Files it is about (kioku-mesh's source_files).
    pub files: Vec<String>,
    /// Related PR, issue or external identifiers.
    pub references: Vec<String>,
    /// Ids it replaces.
    pub supersedes: Vec<String>,
    /// Ids that replace it.
    pub superseded_by: Vec<String>,
    /// When it expires (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `live`, `superseded`, `deleted` or `expired`.
    pub state: String,
    /// The unresolved merge record it competes in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    /// Other front-matter fields, as written.
    pub extra: Map<String, Value>,
    /// The Markdown body (kioku-mesh's content).
    pub body: String,
}

/// `recall_context`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct RecallReport {
    /// The Markdown block (unresolved merge records first, then memories).
    pub markdown: String,
    /// The project it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Memories in the block.
    pub count: usize,
    /// Ids of the memories in the block, in order.
    pub ids: Vec<String>,
    /// Matching memories left out for lack of room or past the limit.
    pub omitted: usize,
}

/// `delete_memory`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct DeleteReport {
    /// Full id, kioku-mesh's name for it.
    pub observation_id: String,
    /// The same id.
    pub id: String,
    /// `deleted`, or `already-deleted` when every scope had a tombstone.
    pub status: String,
    /// Scopes where a tombstone was written.
    pub deleted_in: Vec<String>,
    /// Scopes where it was deleted already.
    pub already_deleted_in: Vec<String>,
}

/// Counts of one scope.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct ScopeCounts {
    /// Scope name.
    pub scope: String,
    /// Live observations.
    pub live: i64,
    /// Superseded observations.
    pub superseded: i64,
    /// Deleted observations.
    pub deleted: i64,
    /// Observations past their expiry (not counted as live).
    pub expired: i64,
    /// Tombstones.
    pub tombstones: i64,
}

/// Live observations of one kind.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct KindCount {
    /// The kind.
    pub kind: String,
    /// Live observations of it.
    pub live: i64,
}

/// `get_memory_status`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct StatusReport {
    /// Whether a store exists.
    pub initialised: bool,
    /// The data directory.
    pub data_dir: String,
    /// The project in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The default scope of saves.
    pub default_scope: String,
    /// This device's name (kioku-mesh's pc_id).
    pub device: String,
    /// The agent named by the server's `MEM_AGENT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The session named by the server's `MEM_SESSION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Counts per scope.
    pub scopes: Vec<ScopeCounts>,
    /// Live counts per kind.
    pub kinds: Vec<KindCount>,
    /// Saves wait for nothing: always 0.
    pub pending_puts: u32,
    /// mem's version.
    pub version: String,
    /// What to do when there is no store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// `drain_pending_puts`'s answer: mem has no queue of puts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct DrainReport {
    /// Puts replayed: always 0.
    pub drained: u32,
    /// Puts still queued: always 0.
    pub remaining: u32,
    /// Why.
    pub note: String,
}

/// `send_message`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct SendReport {
    /// The message id (32 hex), kioku-mesh's name for it.
    pub msg_id: String,
    /// `sent`, or `unchanged` when the scope already held it.
    pub status: String,
    /// The scope it went into.
    pub scope: String,
    /// Who it is for.
    pub to: String,
    /// When it stops being delivered (RFC 3339).
    pub expires_at: String,
}

/// Who sent a message, as `check_messages` shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct MessageSender {
    /// The user id.
    pub user: String,
    /// The device.
    pub device: String,
    /// The agent family (kioku-mesh's name; empty when not known).
    pub agent_id: String,
    /// The agent's session (empty when not known).
    pub session_id: String,
}

/// Who a message is for.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct MessageRecipient {
    /// `user`, `agent`, `device` or `session`.
    pub kind: String,
    /// The name, family or id.
    pub id: String,
}

/// One message in `check_messages`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct MessageItem {
    /// The message id (32 hex).
    pub msg_id: String,
    /// The subject (empty when none).
    pub subject: String,
    /// The text.
    pub body: String,
    /// When it was sent (RFC 3339).
    pub created_at: String,
    /// When it stops being delivered (RFC 3339).
    pub expires_at: String,
    /// The scope holding it.
    pub scope: String,
    /// Who sent it.
    pub sender: MessageSender,
    /// Who it is for.
    pub recipient: MessageRecipient,
    /// Whether the sender asked for an ack.
    pub requires_ack: bool,
    /// Whether any device acknowledged it.
    pub acked: bool,
    /// Whether it has expired.
    pub expired: bool,
}

/// `check_messages`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct MessagesReport {
    /// The messages, oldest first.
    pub messages: Vec<MessageItem>,
    /// How many are listed.
    pub count: usize,
    /// Whether more passed than `limit` allowed.
    pub truncated: bool,
}

/// `ack_message`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct AckReport {
    /// The message id (32 hex).
    pub msg_id: String,
    /// `acked`, or `already-acked` when this device and session had.
    pub status: String,
    /// The scope holding it.
    pub scope: String,
}

/// `purge_expired_messages`'s answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::params::plain)]
pub struct PurgeReport {
    /// Expired messages removed.
    pub purged: usize,
    /// Their ack files removed with them.
    pub acks: usize,
}
