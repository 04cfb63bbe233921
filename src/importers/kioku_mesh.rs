//! The store of the Python `kioku-mesh` package in `--mode local`
//! (kioku-mesh 1.2): `<data dir>/kioku-mesh/local/raw.db`, whose
//! `local_obs(observation_id, payload_json, created_at)` rows hold each
//! observation as JSON and `local_tomb(observation_id, tomb_json,
//! deleted_at)` its tombstones (`kioku_mesh/memory/local_raw_store.py`).
//!
//! Mapping: `content` → body, `subject` → title, `summary`, `memory_type` →
//! kind, `importance` (clamped to 1–5), `tags`, `project`, `source_files` →
//! files, `created_at` → created, `agent_family` → agent, `session_id` →
//! session; `supersedes` (kioku-mesh ids) → the ids of the imported
//! observations; `visibility` is returned for the caller to choose a scope;
//! `references`, `expires_at` and the kioku-mesh id are kept as extra
//! front-matter fields (`references`, `expires_at`, `kioku_id`); an
//! `expires_at` makes the observation expire ([`Observation::expires`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ImportError, SourceDb};
use crate::store::Observation;

/// One kioku-mesh observation, converted.
#[derive(Debug, Clone)]
pub struct Record {
    /// The observation to import (its `supersedes` already mapped).
    pub obs: Observation,
    /// kioku-mesh's `visibility`: `""`, `user`, `team` or `mesh`.
    pub visibility: String,
    /// kioku-mesh's 32-hex id.
    pub kioku_id: String,
}

/// Everything read from a store.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The observations, oldest first.
    pub records: Vec<Record>,
    /// Tombstones: (id of the imported observation, reason).
    pub tombstones: Vec<(String, Option<String>)>,
    /// One sentence per row that could not be used.
    pub failed: Vec<String>,
    /// The database read.
    pub path: PathBuf,
}

#[derive(Deserialize)]
struct Row {
    content: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    memory_type: String,
    #[serde(default)]
    importance: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    project: String,
    #[serde(default)]
    source_files: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    supersedes: Vec<String>,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    agent_family: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    expires_at: String,
}

#[derive(Deserialize)]
struct Tomb {
    #[serde(default)]
    reason: String,
}

/// The `raw.db` at `path`: the file itself, or `raw.db` or `local/raw.db`
/// under a directory (the kioku-mesh data directory or its `local/`).
///
/// # Errors
/// [`ImportError::NotFound`] naming where it looked.
pub fn locate(path: &Path) -> Result<PathBuf, ImportError> {
    if path.is_file() {
        return Ok(path.to_owned());
    }
    for candidate in [path.join("raw.db"), path.join("local/raw.db")] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(ImportError::NotFound(format!(
        "no kioku-mesh store at {}: give its raw.db, or the directory holding local/raw.db (normally ~/.local/share/kioku-mesh)",
        path.display()
    )))
}

/// Read a kioku-mesh store. `created_default` is used for rows without a
/// usable `created_at`; `author` and `device` are set on every observation.
///
/// # Errors
/// [`ImportError`] when the database cannot be found or read; rows that
/// cannot be used are listed in [`Store::failed`] instead.
pub fn read(
    path: &Path,
    created_default: jiff::Timestamp,
    author: Option<String>,
    device: Option<String>,
) -> Result<Store, ImportError> {
    let db = locate(path)?;
    let source = SourceDb::open(&db)?;
    let rows: Vec<(String, String)> = source.rows(
        "SELECT observation_id, payload_json FROM local_obs ORDER BY created_at, observation_id",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut store = Store {
        path: db.clone(),
        ..Store::default()
    };
    let mut ids: HashMap<String, String> = HashMap::new();
    for (kioku_id, json) in rows {
        let row: Row = match serde_json::from_str(&json) {
            Ok(r) => r,
            Err(e) => {
                store
                    .failed
                    .push(format!("{kioku_id}: its JSON does not parse ({e})"));
                continue;
            }
        };
        let body = crate::store::normalize_body(&row.content);
        if body.is_empty() {
            store
                .failed
                .push(format!("{kioku_id}: its content is empty"));
            continue;
        }
        let non_empty = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let created = row
            .created_at
            .parse::<jiff::Timestamp>()
            .unwrap_or(created_default);
        let mut extra = serde_yaml::Mapping::new();
        extra.insert("kioku_id".into(), kioku_id.clone().into());
        if !row.references.is_empty() {
            extra.insert(
                "references".into(),
                serde_yaml::Value::Sequence(row.references.into_iter().map(Into::into).collect()),
            );
        }
        if let Some(exp) = non_empty(row.expires_at) {
            extra.insert("expires_at".into(), exp.into());
        }
        let supersedes: Vec<String> = row
            .supersedes
            .iter()
            .filter_map(|k| ids.get(k).cloned())
            .collect();
        let mut obs = Observation {
            kind: non_empty(row.memory_type).unwrap_or_else(|| "note".into()),
            title: non_empty(row.subject)
                .map(|s| crate::memory::clip(&s, 200))
                .unwrap_or_else(|| crate::memory::default_title(&body)),
            summary: non_empty(row.summary),
            project: non_empty(row.project),
            key: None,
            tags: row.tags,
            importance: row.importance.unwrap_or(2).clamp(1, 5) as u8,
            files: row.source_files,
            supersedes,
            created,
            author: author.clone(),
            device: device.clone(),
            agent: non_empty(row.agent_family).filter(|a| a != "unknown"),
            session: non_empty(row.session_id),
            extra,
            body,
        };
        obs.normalize();
        ids.insert(kioku_id.clone(), obs.id().into());
        store.records.push(Record {
            obs,
            visibility: row.visibility,
            kioku_id,
        });
    }
    let tombs: Vec<(String, String)> = source.rows(
        "SELECT observation_id, tomb_json FROM local_tomb ORDER BY deleted_at, observation_id",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (kioku_id, json) in tombs {
        if let Some(id) = ids.get(&kioku_id) {
            let reason = serde_json::from_str::<Tomb>(&json)
                .ok()
                .map(|t| t.reason)
                .filter(|r| !r.trim().is_empty());
            store.tombstones.push((id.clone(), reason));
        }
    }
    Ok(store)
}
