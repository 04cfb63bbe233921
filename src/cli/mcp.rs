//! `mem mcp`: a Model Context Protocol server on stdio (rmcp).
//!
//! The tools are the ones kioku-mesh agents already call, with kioku-mesh's
//! parameter names where they mean the same thing (`subject` → title,
//! `summary` → summary, `content` → body, `memory_type` → kind,
//! `source_files` → files, `visibility` → scope). Every call opens the store
//! afresh, so saves made by other processes are seen at once. Stdout
//! carries only the protocol; nothing else is printed.

use std::path::PathBuf;

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::index::{Filter, ProjectFilter};
use kioku_mesh::memory::DEFAULT_BUDGET;
use kioku_mesh::paths::Paths;
use kioku_mesh::{text, Draft, Mem};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use serde::Deserialize;

use super::output::Summary;
use super::{Ctx, Ui};

/// Serve mem to an agent over MCP (stdio).
///
/// Tools: save_observation, search_memory, get_memory, recall_context,
/// delete_memory, get_memory_status. Register it with `mem hook install
/// --client C --mcp`, or in the client's MCP settings as the command
/// `mem mcp`.
#[derive(Args, Debug)]
pub struct McpArgs {}

pub fn run(_ui: &mut Ui, ctx: &Ctx, _args: McpArgs) -> anyhow::Result<()> {
    let server = Server {
        paths: ctx.paths.clone(),
        cwd: ctx.cwd.clone(),
        tool_router: Server::tool_router(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the MCP server: {e}"))?;
    runtime.block_on(async move {
        let service = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| anyhow::anyhow!("the MCP client did not start a session: {e}"))?;
        service
            .waiting()
            .await
            .map_err(|e| anyhow::anyhow!("the MCP server stopped: {e}"))?;
        Ok(())
    })
}

#[derive(Clone)]
struct Server {
    paths: Paths,
    cwd: PathBuf,
    tool_router: ToolRouter<Server>,
}

/// A tool's failure, as text the agent reads (`isError: true`).
type ToolResult = Result<String, String>;

fn some(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SaveParams {
    /// Full text of the observation (Markdown).
    content: String,
    /// Short topic or symbol name; becomes the title.
    subject: String,
    /// One-line abstract shown in search results.
    summary: String,
    /// Project (default: the server's working directory's repository; "" for none given).
    #[serde(default)]
    project: Option<String>,
    /// Keyword tags.
    #[serde(default)]
    tags: Vec<String>,
    /// note, decision, bug, pattern, config, summary, feature, discovery, reference, session or handoff (default note).
    #[serde(default)]
    memory_type: Option<String>,
    /// 1 (trivial) to 5 (critical), clamped (default 3).
    #[serde(default)]
    importance: Option<i64>,
    /// Related file paths.
    #[serde(default)]
    source_files: Vec<String>,
    /// Ids (or unique prefixes) of observations this one replaces.
    #[serde(default)]
    supersedes: Vec<String>,
    /// The scope to save into: local, user, team/<id> ("team" when there is one team scope); default: the configured default scope.
    #[serde(default)]
    visibility: Option<String>,
    /// Topic key: the new observation supersedes the live one with the same key.
    #[serde(default)]
    key: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SearchParams {
    /// Words to look for (empty: the most recent observations).
    #[serde(default)]
    query: String,
    /// Only this project (and project-less observations); default: the server's project.
    #[serde(default)]
    project: Option<String>,
    /// Only observations created at or after this date (ISO 8601, or 7d, 2w).
    #[serde(default)]
    since_iso: Option<String>,
    /// At most this many results (1 to 100, default 20).
    #[serde(default)]
    limit: Option<usize>,
    /// Also return superseded and deleted observations.
    #[serde(default)]
    include_superseded: bool,
    /// Only this kind.
    #[serde(default)]
    memory_type: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct IdParams {
    /// The observation's id or a unique prefix of it (at least 4 characters).
    observation_id: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct DeleteParams {
    /// The observation's id or a unique prefix of it (at least 4 characters).
    observation_id: String,
    /// Why it is deleted (kept in the tombstone).
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct RecallParams {
    /// Rank memories matching these words higher.
    #[serde(default)]
    query: Option<String>,
    /// The project (default: the server's project).
    #[serde(default)]
    project: Option<String>,
    /// At most this many characters (default 8000).
    #[serde(default)]
    budget: Option<usize>,
}

impl Server {
    fn open(&self, project: Option<String>) -> Result<Mem, String> {
        let flags = Flags {
            project: some(project),
            ..Flags::default()
        };
        Mem::open(self.paths.clone(), &self.cwd, &flags).map_err(|e| e.to_string())
    }

    /// The scope `visibility` names (kioku-mesh's `team` picks the one team scope).
    fn scope_of(mem: &Mem, visibility: Option<String>) -> Result<Option<String>, String> {
        let Some(v) = some(visibility) else {
            return Ok(None);
        };
        if v != "team" {
            return Ok(Some(v));
        }
        let teams: Vec<String> = mem
            .scopes()
            .iter()
            .map(ToString::to_string)
            .filter(|s| s.starts_with("team/"))
            .collect();
        match teams.as_slice() {
            [one] => Ok(Some(one.clone())),
            [] => Err("there is no team scope here: add one with `mem scope add team/<id>`, or use visibility local or user".into()),
            _ => Err(format!("there are several team scopes ({}): give the one you mean as visibility", teams.join(", "))),
        }
    }
}

fn json(value: &impl serde::Serialize) -> ToolResult {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

#[tool_router]
impl Server {
    /// Save an observation.
    #[tool(
        description = "Save what you learned (a decision, a bug's root cause, a pattern, a convention) so later sessions, other agents and teammates find it. Returns the id. Saving the same text twice changes nothing."
    )]
    fn save_observation(&self, Parameters(p): Parameters<SaveParams>) -> ToolResult {
        let mut mem = self.open(p.project.clone())?;
        mem.ensure_initialised().map_err(|e| e.to_string())?;
        let scope = Self::scope_of(&mem, p.visibility)?;
        let draft = Draft {
            body: p.content,
            title: some(Some(p.subject)),
            summary: some(Some(p.summary)),
            kind: some(p.memory_type),
            tags: p.tags,
            key: some(p.key),
            scope,
            importance: p.importance.map(|i| i.clamp(1, 5) as u8),
            files: p.source_files,
            supersedes: p.supersedes,
            agent: some(std::env::var("MEM_AGENT").ok()),
            session: some(std::env::var("MEM_SESSION").ok()),
            allow_secrets: false,
        };
        let outcome = mem.save(draft).map_err(|e| e.to_string())?;
        json(&outcome)
    }

    /// Search observations.
    #[tool(
        description = "Search memories (full text, bm25). Answers compactly: id, title, kind, scope, date and a snippet per result; use get_memory for the whole observation."
    )]
    fn search_memory(&self, Parameters(p): Parameters<SearchParams>) -> ToolResult {
        let mut mem = self.open(p.project)?;
        if !mem.is_initialised() {
            return Ok("[]".into());
        }
        let since = match some(p.since_iso) {
            Some(s) => {
                Some(kioku_mesh::time::parse_since(&s, kioku_mesh::time::now())?.as_second())
            }
            None => None,
        };
        let filter = Filter {
            scopes: Vec::new(),
            kind: some(p.memory_type),
            tag: None,
            project: ProjectFilter::Current(mem.config().project.value.clone()),
            since,
            all: p.include_superseded,
            limit: p.limit.unwrap_or(20).clamp(1, 100),
        };
        let query = p.query.trim().to_owned();
        let hits = if query.is_empty() {
            mem.list(&filter)
        } else {
            mem.search(&query, &filter)
        }
        .map_err(|e| e.to_string())?;
        let needles: Vec<String> = text::query_terms(&query)
            .iter()
            .map(|t| t.needle())
            .collect();
        let out: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let s = Summary::of_hit(h);
                serde_json::json!({
                    "id": s.id,
                    "short_id": s.short_id,
                    "title": s.title,
                    "kind": s.kind,
                    "scope": s.scope,
                    "date": s.created.chars().take(10).collect::<String>(),
                    "snippet": text::snippet(&h.row.obs.body, &needles, 160).0,
                })
            })
            .collect();
        serde_json::to_string(&out).map_err(|e| e.to_string())
    }

    /// One observation, whole.
    #[tool(
        description = "Get one observation whole (front matter fields and body) by its id or a unique prefix of it."
    )]
    fn get_memory(&self, Parameters(p): Parameters<IdParams>) -> ToolResult {
        let mut mem = self.open(None)?;
        let rows = mem.resolve(&p.observation_id).map_err(|e| e.to_string())?;
        let row = &rows[0];
        let also_in: Vec<String> = rows[1..]
            .iter()
            .filter(|r| r.scope != row.scope)
            .map(|r| r.scope.clone())
            .collect();
        let superseded_by = mem.superseded_by(&row.id).map_err(|e| e.to_string())?;
        json(&super::get::full(row, &also_in, superseded_by))
    }

    /// The session-start block.
    #[tool(
        description = "Recall the project's most relevant live memories as Markdown (unresolved conflicts first), fitted to a character budget; the same block session-start hooks inject."
    )]
    fn recall_context(&self, Parameters(p): Parameters<RecallParams>) -> ToolResult {
        let mut mem = self.open(p.project)?;
        if !mem.is_initialised() {
            return Ok(String::new());
        }
        let budget = p.budget.unwrap_or(DEFAULT_BUDGET).max(200);
        let context = mem
            .context(budget, some(p.query).as_deref())
            .map_err(|e| e.to_string())?;
        Ok(context.markdown)
    }

    /// Delete an observation (a tombstone).
    #[tool(
        description = "Delete an observation by id or unique prefix: writes a tombstone (kept in history, synced to other devices)."
    )]
    fn delete_memory(&self, Parameters(p): Parameters<DeleteParams>) -> ToolResult {
        let mut mem = self.open(None)?;
        let outcome = mem
            .delete(&p.observation_id, None, some(p.reason))
            .map_err(|e| e.to_string())?;
        json(&outcome)
    }

    /// Counts and configuration, for troubleshooting.
    #[tool(
        description = "Summarize the memory store: scopes with live/superseded/deleted counts, kinds, the project and default scope in use."
    )]
    fn get_memory_status(&self) -> ToolResult {
        let mut mem = self.open(None)?;
        let config = mem.config();
        let (project, default_scope) = (
            config.project.value.clone(),
            config.default_scope.value.clone(),
        );
        let data_dir = mem.paths().data_dir().display().to_string();
        if !mem.is_initialised() {
            return json(&serde_json::json!({
                "initialised": false, "data_dir": data_dir, "hint": "run `mem init`, or save an observation",
            }));
        }
        let stats = mem.stats().map_err(|e| e.to_string())?.counts;
        json(&serde_json::json!({
            "initialised": true,
            "data_dir": data_dir,
            "project": project,
            "default_scope": default_scope,
            "scopes": stats.scopes,
            "kinds": stats.kinds.iter().map(|(k, n)| serde_json::json!({"kind": k, "live": n})).collect::<Vec<_>>(),
            "version": env!("CARGO_PKG_VERSION"),
        }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("kioku-mesh", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Shared memory kept in git. Call recall_context at the start of a task, search_memory before solving something that may have been solved, and save_observation after a decision, a non-obvious fix or a convention.",
            )
    }
}
