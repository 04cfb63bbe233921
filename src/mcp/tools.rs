//! The tools' operations, on top of [`Mem`]: each takes its parsed
//! parameters and returns a report or one sentence saying what is wrong.
//! Every call opens the store afresh, so saves made by other processes are
//! seen at once.

use std::path::PathBuf;

use jiff::Timestamp;

use super::params::{DeleteParams, IdParams, SaveParams, SearchParams};
use super::report::{
    DeleteReport, KindCount, MemoryReport, SaveReport, ScopeCounts, SearchHit, SearchReport,
    StatusReport,
};
use crate::config::Flags;
use crate::index::{Filter, Hit, ObsRow, ProjectFilter};
use crate::paths::Paths;
use crate::store::short_id;
use crate::{text, time, Draft, Mem};

/// A tool's failure: one sentence for the agent (`isError: true`).
pub type ToolError = String;

/// kioku-mesh's default `limit` of `search_memory`.
pub const SEARCH_LIMIT: usize = 50;
/// kioku-mesh's default `limit` of `recall_context`.
pub const RECALL_LIMIT: usize = 20;
/// kioku-mesh's default `importance` of `save_observation`.
pub const SAVE_IMPORTANCE: u8 = 2;
/// Most results a call returns.
const MAX_LIMIT: usize = 100;
/// Rows fetched when results are filtered after the query (agent, device, files…).
pub(super) const OVERFETCH: usize = 2_000;

/// Who is calling: the agent and session the server was started for
/// (`MEM_AGENT`, `MEM_SESSION`), recorded on what it saves.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// Agent name (`claude-code`, `codex`, …).
    pub agent: Option<String>,
    /// The agent's session id.
    pub session: Option<String>,
}

/// The operations behind the tools, for one data directory and working
/// directory.
#[derive(Debug, Clone)]
pub struct Tools {
    paths: Paths,
    cwd: PathBuf,
    caller: Caller,
}

pub(super) fn some(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

pub(super) fn err(e: impl std::fmt::Display) -> ToolError {
    e.to_string()
}

pub(super) fn limit(given: Option<i64>, default: usize) -> usize {
    given.map_or(default, |n| n.clamp(1, MAX_LIMIT as i64) as usize)
}

pub(super) fn since(given: Option<String>) -> Result<Option<i64>, ToolError> {
    match some(given) {
        Some(s) => Ok(Some(
            time::parse_since(&s, time::now())
                .map_err(|e| format!("since_iso: {e}"))?
                .as_second(),
        )),
        None => Ok(None),
    }
}

/// kioku-mesh's `search_mode`: how several query words combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every word; mem falls back to any word when none has them all.
    And,
    /// Any word.
    Or,
}

pub(super) fn mode(given: Option<String>, default: Mode) -> Result<Mode, ToolError> {
    match some(given).as_deref() {
        None => Ok(default),
        Some("and") | Some("and_or") => Ok(Mode::And),
        Some("or") => Ok(Mode::Or),
        Some(other) => Err(format!(
            "search_mode '{other}' is not one of and, or, and_or"
        )),
    }
}

/// The state of a row: `live`, `superseded`, `deleted` or `expired`.
fn state(row: &ObsRow, now: Timestamp) -> &'static str {
    if row.deleted {
        "deleted"
    } else if row.superseded {
        "superseded"
    } else if row.obs.is_expired(now) {
        "expired"
    } else {
        "live"
    }
}

/// The `references` front-matter field (a list, or one string).
pub(super) fn references(row: &ObsRow) -> Vec<String> {
    match row.obs.extra.get("references") {
        Some(serde_yaml::Value::Sequence(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_yaml::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Tools {
    /// Tools over the store at `paths`, resolving the project from `cwd`.
    pub fn new(paths: Paths, cwd: PathBuf, caller: Caller) -> Self {
        Tools { paths, cwd, caller }
    }

    /// Who is calling.
    pub(super) fn caller(&self) -> &Caller {
        &self.caller
    }

    pub(super) fn open(&self, project: Option<String>) -> Result<Mem, ToolError> {
        let flags = Flags {
            project: some(project),
            ..Flags::default()
        };
        Mem::open(self.paths.clone(), &self.cwd, &flags).map_err(err)
    }

    /// The scope `visibility` names: mem's scope names, kioku-mesh's
    /// `team` (the one team scope) and `user`; `mesh` is refused.
    pub(super) fn scope_of(
        mem: &Mem,
        visibility: Option<String>,
    ) -> Result<Option<String>, ToolError> {
        let Some(v) = some(visibility) else {
            return Ok(None);
        };
        match v.as_str() {
            "mesh" => return Err("visibility 'mesh' has no counterpart in mem (there is no every-peer tier): use user, team or a team/<id> scope".into()),
            "team" => {}
            _ => return Ok(Some(v)),
        }
        let teams = mem.team_scopes();
        match teams.as_slice() {
            [one] => Ok(Some(one.clone())),
            [] => Err("there is no team scope here: add one with `mem scope add team/<id>`, or use visibility local or user".into()),
            _ => Err(format!("there are several team scopes ({}): give the one you mean as visibility", teams.join(", "))),
        }
    }

    /// `save_observation`: save (or, for the same text, find) an observation.
    ///
    /// # Errors
    /// A bad kind, scope or expiry, a secret bound for a plaintext scope,
    /// empty content, or a store failure.
    pub fn save(&self, p: SaveParams) -> Result<SaveReport, ToolError> {
        let mut mem = self.open(p.project.clone())?;
        let expires = time::expiry(
            p.expires_at.as_deref(),
            p.ttl_sec.map(|s| s.to_string()).as_deref(),
            time::now(),
        )
        .map_err(|e| format!("expires_at/ttl_sec: {e}"))?;
        mem.ensure_initialised().map_err(err)?;
        let scope = Self::scope_of(&mem, p.visibility)?;
        let mut warnings = Vec::new();
        let importance = match p.importance {
            Some(i) if !(1..=5).contains(&i) => {
                let c = i.clamp(1, 5);
                warnings.push(format!("importance {i} was clamped to {c}"));
                c as u8
            }
            Some(i) => i as u8,
            None => SAVE_IMPORTANCE,
        };
        let draft = Draft {
            body: p.content,
            title: some(p.subject),
            summary: some(p.summary),
            kind: some(p.memory_type),
            tags: p.tags,
            key: some(p.key),
            scope,
            importance: Some(importance),
            files: p.source_files,
            supersedes: p.supersedes,
            agent: self.caller.agent.clone(),
            session: self.caller.session.clone(),
            allow_secrets: false,
        };
        let (scope, mut obs) = mem.prepare(draft).map_err(err)?;
        let mut refs = p.references;
        crate::store::normalize_list(&mut refs);
        if !refs.is_empty() {
            obs.extra.insert(
                serde_yaml::Value::String("references".into()),
                serde_yaml::Value::Sequence(
                    refs.into_iter().map(serde_yaml::Value::String).collect(),
                ),
            );
        }
        obs.set_expires(expires);
        let outcome = mem.save_observation(&scope, obs, false).map_err(err)?;
        let status = serde_json::to_value(outcome.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if status == "unchanged" && expires.is_some() {
            warnings.push("the scope already held this observation: its expiry was kept as it was (the expiry is not part of the id)".into());
        }
        Ok(SaveReport {
            observation_id: outcome.id.to_string(),
            id: outcome.id.to_string(),
            status,
            visibility: outcome.scope.clone(),
            scope: outcome.scope,
            path: outcome.path,
            supersedes: outcome.supersedes,
            commit: outcome.commit,
            expires_at: expires.map(time::format),
            warnings,
        })
    }

    /// `search_memory`: compact results, best first.
    ///
    /// # Errors
    /// A bad `since_iso` or `search_mode`, a `client_id` (not recorded), or
    /// an index failure.
    pub fn search(&self, p: SearchParams) -> Result<SearchReport, ToolError> {
        if let Some(c) = some(p.client_id) {
            return Err(format!("client_id '{c}' cannot be matched: mem does not record client ids; narrow by agent_family, pc_id (the device) or session_id instead"));
        }
        let mode = mode(p.search_mode, Mode::And)?;
        let since = since(p.since_iso)?;
        let limit = limit(p.limit, SEARCH_LIMIT);
        let kind = some(p.memory_type);
        let (agent, device, session) = (some(p.agent_family), some(p.pc_id), some(p.session_id));
        let post = agent.is_some() || device.is_some() || session.is_some();
        let mut mem = self.open(p.project)?;
        if !mem.is_initialised() {
            return Ok(SearchReport {
                results: Vec::new(),
                count: 0,
            });
        }
        let filter = Filter {
            scopes: Vec::new(),
            kind,
            tag: None,
            project: ProjectFilter::Current(mem.config().project.value.clone()),
            since,
            all: p.include_superseded.unwrap_or(false),
            limit: if post { OVERFETCH } else { limit },
        };
        let query = p.query.unwrap_or_default().trim().to_owned();
        let hits = find(&mut mem, &query, &filter, mode)?;
        let needles: Vec<String> = text::query_terms(&query)
            .iter()
            .map(|t| t.needle())
            .collect();
        let now = time::now();
        let matches = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        let results: Vec<SearchHit> = hits
            .iter()
            .filter(|h| {
                let o = &h.row.obs;
                matches(&agent, &o.agent)
                    && matches(&device, &o.device)
                    && matches(&session, &o.session)
            })
            .take(limit)
            .map(|h| {
                let (row, o) = (&h.row, &h.row.obs);
                SearchHit {
                    observation_id: row.id.to_string(),
                    id: row.id.to_string(),
                    short_id: short_id(&row.id).to_owned(),
                    title: o.title.clone(),
                    summary: o.summary.clone(),
                    kind: o.kind.clone(),
                    importance: o.importance,
                    scope: row.scope.clone(),
                    project: o.project.clone(),
                    date: time::format(o.created).chars().take(10).collect(),
                    agent: o.agent.clone(),
                    device: o.device.clone(),
                    state: state(row, now).into(),
                    snippet: text::snippet(&o.body, &needles, 160).0,
                }
            })
            .collect();
        Ok(SearchReport {
            count: results.len(),
            results,
        })
    }

    /// `get_memory`: one observation whole, whatever its state.
    ///
    /// # Errors
    /// An unknown, ambiguous or malformed id.
    pub fn get(&self, p: IdParams) -> Result<MemoryReport, ToolError> {
        let mut mem = self.open(None)?;
        let fetched = mem.get(&p.observation_id).map_err(err)?;
        let (row, also_in) = (&fetched.row, fetched.also_in.clone());
        let superseded_by: Vec<String> = fetched
            .superseded_by
            .iter()
            .map(ToString::to_string)
            .collect();
        let o = &row.obs;
        let mut extra = match serde_json::to_value(&o.extra) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        extra.remove("references");
        extra.remove(crate::store::EXPIRES_FIELD);
        Ok(MemoryReport {
            observation_id: row.id.to_string(),
            id: row.id.to_string(),
            short_id: short_id(&row.id).to_owned(),
            scope: row.scope.clone(),
            also_in,
            path: row.path.clone(),
            kind: o.kind.clone(),
            title: o.title.clone(),
            summary: o.summary.clone(),
            project: o.project.clone(),
            key: o.key.clone(),
            tags: o.tags.clone(),
            importance: o.importance,
            created: time::format(o.created),
            author: o.author.clone(),
            device: o.device.clone(),
            agent: o.agent.clone(),
            session: o.session.clone(),
            files: o.files.clone(),
            references: references(row),
            supersedes: o.supersedes.clone(),
            superseded_by,
            expires_at: o.expires().map(time::format),
            state: state(row, time::now()).into(),
            conflict: row.conflict.clone(),
            extra,
            body: o.body.clone(),
        })
    }

    /// `delete_memory`: a tombstone in every scope holding it.
    ///
    /// # Errors
    /// An unknown, ambiguous or malformed id, or a store failure.
    pub fn delete(&self, p: DeleteParams) -> Result<DeleteReport, ToolError> {
        let mut mem = self.open(None)?;
        let outcome = mem
            .delete(&p.observation_id, None, some(p.reason))
            .map_err(err)?;
        Ok(DeleteReport {
            observation_id: outcome.id.to_string(),
            status: if outcome.deleted_in.is_empty() {
                "already-deleted".into()
            } else {
                "deleted".into()
            },
            id: outcome.id.to_string(),
            deleted_in: outcome.deleted_in,
            already_deleted_in: outcome.already_deleted_in,
        })
    }

    /// `get_memory_status`: where the store is, what it holds.
    ///
    /// # Errors
    /// An unreadable configuration or index.
    pub fn status(&self) -> Result<StatusReport, ToolError> {
        let mut mem = self.open(None)?;
        let config = mem.config();
        let mut report = StatusReport {
            initialised: mem.is_initialised(),
            data_dir: mem.paths().data_dir().display().to_string(),
            project: config.project.value.clone(),
            default_scope: config.default_scope.value.clone(),
            device: config.device.value.clone(),
            agent: self.caller.agent.clone(),
            session: self.caller.session.clone(),
            scopes: Vec::new(),
            kinds: Vec::new(),
            pending_puts: 0,
            version: env!("CARGO_PKG_VERSION").into(),
            hint: None,
        };
        if !report.initialised {
            report.hint = Some("run `mem init`, or save an observation".into());
            return Ok(report);
        }
        let stats = mem.stats().map_err(err)?.counts;
        report.scopes = stats
            .scopes
            .into_iter()
            .map(|s| ScopeCounts {
                scope: s.scope,
                live: s.live,
                superseded: s.superseded,
                deleted: s.deleted,
                expired: s.expired,
                tombstones: s.tombstones,
            })
            .collect();
        report.kinds = stats
            .kinds
            .into_iter()
            .map(|(kind, live)| KindCount { kind, live })
            .collect();
        Ok(report)
    }
}

/// Search (or list, for an empty query) with kioku-mesh's `search_mode`.
fn find(mem: &mut Mem, query: &str, filter: &Filter, mode: Mode) -> Result<Vec<Hit>, ToolError> {
    if query.is_empty() {
        return mem.list(filter).map_err(err);
    }
    let terms: Vec<String> = query
        .split_whitespace()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    if mode == Mode::And || terms.len() < 2 {
        return mem.search(query, filter).map_err(err);
    }
    // Any word: the hits of each word, best first, interleaved.
    let mut lists = Vec::new();
    for t in &terms {
        lists.push(mem.search(t, filter).map_err(err)?);
    }
    let mut out: Vec<Hit> = Vec::new();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for list in &lists {
            if let Some(h) = list.get(i) {
                if !out.iter().any(|o| o.row.id == h.row.id) {
                    out.push(h.clone());
                }
            }
        }
    }
    out.truncate(filter.limit);
    Ok(out)
}
