//! claude-mem's SQLite database (`~/.claude-mem/claude-mem.db`), read as
//! its schema stands after migration 35 (`src/services/sqlite/schema.sql`
//! in thedotmack/claude-mem): `observations` (title, subtitle, narrative,
//! text, facts and concepts as JSON arrays, files_read/files_modified as
//! JSON arrays, type, project, memory_session_id, created_at_epoch) and
//! `session_summaries` (request, investigated, learned, completed,
//! next_steps, notes, files_read/files_edited).
//!
//! Mapping: an observation's title (else subtitle, else the text's first
//! line) → title, subtitle → summary, narrative (else text) plus its facts
//! as a list → body, type → kind (`bugfix` → `bug`, `change`/`refactor` →
//! `note`, others kept), concepts → tags, files read and modified → files,
//! memory session → session; a session summary becomes a `session`
//! observation whose body has one section per filled field. Both keep the
//! claude-mem row id as an extra field (`claude_mem_id`, `claude_mem_summary_id`).

use std::path::{Path, PathBuf};

use super::{ImportError, SourceDb};
use crate::store::Observation;

/// Everything read from a database.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Observations and session summaries, oldest first.
    pub observations: Vec<Observation>,
    /// One sentence per row that could not be used.
    pub failed: Vec<String>,
    /// The database read.
    pub path: PathBuf,
}

/// The database at `path`: the file, or `claude-mem.db` in a directory.
///
/// # Errors
/// [`ImportError::NotFound`] naming where it looked.
pub fn locate(path: &Path) -> Result<PathBuf, ImportError> {
    if path.is_file() {
        return Ok(path.to_owned());
    }
    let candidate = path.join("claude-mem.db");
    if candidate.is_file() {
        return Ok(candidate);
    }
    Err(ImportError::NotFound(format!(
        "no claude-mem database at {}: give the claude-mem.db file, or the directory holding it (normally ~/.claude-mem)",
        path.display()
    )))
}

fn json_list(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str::<Vec<serde_json::Value>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        })
        .collect()
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// claude-mem's `*_epoch` columns hold milliseconds (`Date.now()`); older
/// rows may hold seconds.
fn timestamp(epoch: i64, default: jiff::Timestamp) -> jiff::Timestamp {
    let seconds = if epoch > 100_000_000_000 {
        epoch / 1000
    } else {
        epoch
    };
    jiff::Timestamp::from_second(seconds).unwrap_or(default)
}

fn kind(claude_mem_type: &str) -> String {
    match claude_mem_type {
        "bugfix" => "bug".into(),
        "change" | "refactor" | "" => "note".into(),
        other => other.to_owned(),
    }
}

/// Read a claude-mem database. `author` and `device` are set on every
/// observation; rows without a usable time get `created_default`.
///
/// # Errors
/// [`ImportError`] when the database cannot be found or read.
pub fn read(
    path: &Path,
    created_default: jiff::Timestamp,
    author: Option<String>,
    device: Option<String>,
) -> Result<Store, ImportError> {
    let db = locate(path)?;
    let source = SourceDb::open(&db)?;
    let mut store = Store {
        path: db.clone(),
        ..Store::default()
    };
    let base = |created: jiff::Timestamp, body: String, title: String| Observation {
        kind: "note".into(),
        title,
        summary: None,
        project: None,
        key: None,
        tags: Vec::new(),
        importance: 3,
        files: Vec::new(),
        supersedes: Vec::new(),
        created,
        author: author.clone(),
        device: device.clone(),
        agent: None,
        session: None,
        extra: serde_yaml::Mapping::new(),
        body,
    };
    let mut rows: Vec<(i64, Observation)> = Vec::new();

    type ObsRow = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let found: Vec<ObsRow> = source.rows(
        "SELECT id, project, text, type, title, subtitle, facts, narrative, concepts,
                files_read, files_modified, memory_session_id, created_at_epoch
         FROM observations ORDER BY created_at_epoch, id",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ))
        },
    )?;
    for (
        id,
        project,
        text,
        ty,
        title,
        subtitle,
        facts,
        narrative,
        concepts,
        read,
        modified,
        session,
        epoch,
    ) in found
    {
        let facts = json_list(facts);
        let mut body = non_empty(narrative)
            .or_else(|| non_empty(text.clone()))
            .unwrap_or_default();
        if !facts.is_empty() {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str("Facts:\n");
            for f in &facts {
                body.push_str(&format!("- {f}\n"));
            }
        }
        let body = crate::store::normalize_body(&body);
        if body.is_empty() {
            store.failed.push(format!(
                "observation {id}: it has no narrative, text or facts"
            ));
            continue;
        }
        let subtitle = non_empty(subtitle);
        let title = non_empty(title)
            .or_else(|| subtitle.clone())
            .map(|t| crate::memory::clip(&t, 200))
            .unwrap_or_else(|| crate::memory::default_title(&body));
        let mut obs = base(timestamp(epoch, created_default), body, title);
        obs.kind = kind(ty.as_deref().unwrap_or(""));
        obs.summary = subtitle;
        obs.project = non_empty(project);
        obs.tags = json_list(concepts);
        obs.files = json_list(read);
        obs.files.extend(json_list(modified));
        obs.session = non_empty(session);
        obs.extra.insert("claude_mem_id".into(), id.into());
        obs.normalize();
        rows.push((epoch, obs));
    }

    type SummaryRow = (
        i64,
        Option<String>,
        [Option<String>; 6],
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let found: Vec<SummaryRow> = source.rows(
        "SELECT id, project, request, investigated, learned, completed, next_steps, notes,
                files_read, files_edited, memory_session_id, created_at_epoch
         FROM session_summaries ORDER BY created_at_epoch, id",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                [
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ],
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        },
    )?;
    const SECTIONS: [&str; 6] = [
        "Request",
        "Investigated",
        "Learned",
        "Completed",
        "Next steps",
        "Notes",
    ];
    for (id, project, fields, read, edited, session, epoch) in found {
        let request = non_empty(fields[0].clone());
        let mut body = String::new();
        for (name, value) in SECTIONS.iter().zip(fields) {
            if let Some(v) = non_empty(value) {
                body.push_str(&format!("## {name}\n\n{v}\n\n"));
            }
        }
        let body = crate::store::normalize_body(&body);
        if body.is_empty() {
            store
                .failed
                .push(format!("session summary {id}: every field is empty"));
            continue;
        }
        let title = match &request {
            Some(r) => crate::memory::clip(
                &format!(
                    "Session: {}",
                    r.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                80,
            ),
            None => "Session summary".to_owned(),
        };
        let mut obs = base(timestamp(epoch, created_default), body, title);
        obs.kind = "session".into();
        obs.importance = 2;
        obs.project = non_empty(project);
        obs.files = json_list(read);
        obs.files.extend(json_list(edited));
        obs.session = non_empty(session);
        obs.extra.insert("claude_mem_summary_id".into(), id.into());
        obs.normalize();
        rows.push((epoch, obs));
    }
    rows.sort_by_key(|(epoch, _)| *epoch);
    store.observations = rows.into_iter().map(|(_, o)| o).collect();
    Ok(store)
}
