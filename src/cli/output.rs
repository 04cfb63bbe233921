//! Shapes shared by the commands that print observations: the JSON objects
//! documented in the README and the one-line human form.

use kioku_mesh::index::{Hit, ObsRow};
use kioku_mesh::store::short_id;
use serde::Serialize;

use super::Ui;

/// An observation in search, list and log results (`--json`).
#[derive(Serialize)]
pub struct Summary<'a> {
    pub id: &'a str,
    pub short_id: &'a str,
    pub scope: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub also_in: &'a [String],
    pub kind: &'a str,
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub project: Option<&'a str>,
    pub key: Option<&'a str>,
    pub tags: &'a [String],
    pub importance: u8,
    pub created: String,
    pub author: Option<&'a str>,
    pub device: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub superseded: bool,
    pub deleted: bool,
    /// When it expires (RFC 3339), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    pub expired: bool,
    /// The unresolved merge record it competes in.
    pub conflict: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// bm25 scaled by term coverage (lower is better); absent for a
    /// memory that only the vector search found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<f64>,
    /// Cosine similarity to the query (-1 to 1), in hybrid search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// RFC 3339 of seconds since the epoch.
pub fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(kioku_mesh::time::format)
        .unwrap_or_default()
}

/// The date part (`YYYY-MM-DD`) of a timestamp.
pub fn date(ts: jiff::Timestamp) -> String {
    kioku_mesh::time::format(ts).chars().take(10).collect()
}

impl<'a> Summary<'a> {
    pub fn of(row: &'a ObsRow, also_in: &'a [String]) -> Self {
        Summary {
            id: &row.id,
            short_id: short_id(&row.id),
            scope: &row.scope,
            also_in,
            kind: &row.obs.kind,
            title: &row.obs.title,
            summary: row.obs.summary.as_deref(),
            project: row.obs.project.as_deref(),
            key: row.obs.key.as_deref(),
            tags: &row.obs.tags,
            importance: row.obs.importance,
            created: kioku_mesh::time::format(row.obs.created),
            author: row.obs.author.as_deref(),
            device: row.obs.device.as_deref(),
            agent: row.obs.agent.as_deref(),
            superseded: row.superseded,
            deleted: row.deleted,
            expires_at: row.obs.expires().map(kioku_mesh::time::format),
            expired: row.obs.is_expired(kioku_mesh::time::now()),
            conflict: row.conflict.as_deref(),
            snippet: None,
            rank: None,
            similarity: None,
        }
    }

    pub fn of_hit(hit: &'a Hit) -> Self {
        Self::of(&hit.row, &hit.also_in)
    }
}

/// One line per observation: short id, date, kind, scope, title, state.
pub fn human_line(ui: &Ui, row: &ObsRow) -> String {
    let mut marks = String::new();
    if row.superseded {
        marks.push_str(" [superseded]");
    }
    if row.deleted {
        marks.push_str(" [deleted]");
    }
    if row.obs.is_expired(kioku_mesh::time::now()) {
        marks.push_str(" [expired]");
    }
    if let Some(c) = &row.conflict {
        marks.push_str(&format!(" [conflict {}]", short_id(c)));
    }
    format!(
        "{}  {}  {:<9} {:<8} {}{}",
        ui.dim(short_id(&row.id)),
        date(row.obs.created),
        row.obs.kind,
        row.scope,
        row.obs.title,
        marks
    )
}

/// The line `mem save` and `mem edit` print: what happened, the short id,
/// the scope, and what the observation supersedes.
pub fn save_line(outcome: &kioku_mesh::memory::SaveOutcome) -> String {
    use kioku_mesh::memory::SaveStatus;
    let what = match outcome.status {
        SaveStatus::Saved => "saved",
        SaveStatus::Unchanged => "already saved",
        SaveStatus::Restored => "restored",
    };
    let mut line = format!("{what} {} in {}", short_id(&outcome.id), outcome.scope);
    if !outcome.supersedes.is_empty() {
        let ids: Vec<&str> = outcome.supersedes.iter().map(|s| short_id(s)).collect();
        line.push_str(&format!(" (supersedes {})", ids.join(", ")));
    }
    for c in &outcome.conflicts {
        line.push_str(&format!(
            "\nanother edit already supersedes the same observation: merge record {} (see `mem conflicts show {}`)",
            short_id(c),
            short_id(c)
        ));
    }
    line
}
