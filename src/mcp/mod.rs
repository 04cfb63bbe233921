//! The Model Context Protocol server (`mem mcp`, stdio, rmcp) with the
//! tools kioku-mesh agents already call, under kioku-mesh's names.
//!
//! What clients need of it, learnt from the real ones: every tool carries a
//! title and annotations (Codex refuses unannotated tools under
//! `approval_policy = never`; `readOnlyHint` on the reads, `destructiveHint`
//! on delete), every result is a JSON object with an output schema (Gemini
//! CLI rejects a top-level array), schemas are plain JSON-schema types, and
//! a failure is an `isError` result holding one sentence — never a
//! protocol error, also not for malformed arguments. The operations live in
//! [`tools`], the parameters in [`params`], the answers in [`report`]; this
//! module only routes. Nothing here prints: stdout carries the protocol.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, JsonObject, ServerCapabilities, ServerConfig,
};
use rmcp::schemars::JsonSchema;
use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use serde::Serialize;

mod messaging;
pub mod params;
mod recall;
pub mod report;
pub mod tools;

use params::{
    parse, AckParams, CheckParams, DeleteParams, DrainParams, IdParams, RecallParams, SaveParams,
    SearchParams, SendParams,
};
use report::{
    AckReport, DeleteReport, DrainReport, MemoryReport, MessagesReport, PurgeReport, RecallReport,
    SaveReport, SearchReport, SendReport, StatusReport,
};
pub use tools::{Caller, ToolError, Tools};

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The async runtime could not start.
    #[error("cannot start the MCP server: {0}")]
    Runtime(#[source] std::io::Error),
    /// The client did not complete the initialisation.
    #[error("the MCP client did not start a session: {0}")]
    Start(String),
    /// The session ended with an error.
    #[error("the MCP server stopped: {0}")]
    Stopped(String),
}

/// The instructions given to the agent at initialisation.
pub const INSTRUCTIONS: &str = "Shared memory kept in git. Call recall_context at the start of a task, search_memory before solving something that may have been solved, and save_observation after a decision, a non-obvious fix or a convention.";

/// Serve `tools` over stdin/stdout until the client closes the session.
///
/// # Errors
/// [`McpError`] when the runtime cannot start, the client never
/// initialises, or the transport fails.
pub fn serve_stdio(tools: Tools) -> Result<(), McpError> {
    let server = Server {
        tools,
        tool_router: Server::tool_router(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(McpError::Runtime)?;
    runtime.block_on(async move {
        let service = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| McpError::Start(e.to_string()))?;
        service
            .waiting()
            .await
            .map_err(|e| McpError::Stopped(e.to_string()))?;
        Ok(())
    })
}

#[derive(Clone)]
struct Server {
    tools: Tools,
    tool_router: ToolRouter<Server>,
}

/// The JSON schema of `T`, plain (see [`params::plain`]), as rmcp wants it.
fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    rmcp::handler::server::common::schema_for_input::<T>()
        .expect("every parameter and report type is an object")
}

/// A report as a structured result, or the failure as an `isError` result.
fn answer<T: Serialize>(result: Result<T, ToolError>) -> CallToolResult {
    let failed = |e: String| CallToolResult::error(vec![ContentBlock::text(e)]);
    match result.and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string())) {
        Ok(value) => CallToolResult::structured(value),
        Err(e) => failed(e),
    }
}

#[tool_router]
impl Server {
    #[tool(
        name = "save_observation",
        title = "Save a memory",
        description = "Save what you learned (a decision, a bug's root cause, a pattern, a convention) so later sessions, other agents and teammates find it. Returns the id. Saving the same text twice changes nothing. expires_at or ttl_sec make a memory that disappears from search and recall when it expires.",
        input_schema = schema::<SaveParams>(),
        output_schema = schema::<SaveReport>(),
        annotations(title = "Save a memory", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    fn save_observation(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<SaveParams>(Some(args)).and_then(|p| self.tools.save(p)))
    }

    #[tool(
        name = "search_memory",
        title = "Search memories",
        description = "Search memories (full text, bm25). Answers {\"results\": [...]} compactly: id, title, kind, scope, date and a snippet per result; use get_memory for the whole observation.",
        input_schema = schema::<SearchParams>(),
        output_schema = schema::<SearchReport>(),
        annotations(title = "Search memories", read_only_hint = true, open_world_hint = false)
    )]
    fn search_memory(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<SearchParams>(Some(args)).and_then(|p| self.tools.search(p)))
    }

    #[tool(
        name = "get_memory",
        title = "Read one memory",
        description = "Get one observation whole (front matter fields and body) by its id or a unique prefix of it.",
        input_schema = schema::<IdParams>(),
        output_schema = schema::<MemoryReport>(),
        annotations(title = "Read one memory", read_only_hint = true, open_world_hint = false)
    )]
    fn get_memory(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<IdParams>(Some(args)).and_then(|p| self.tools.get(p)))
    }

    #[tool(
        name = "recall_context",
        title = "Recall project context",
        description = "Recall the project's most relevant live memories as Markdown (unresolved conflicts first), fitted to a character budget; the same block session-start hooks inject. memory_types, source_files, references, since_iso and limit narrow it.",
        input_schema = schema::<RecallParams>(),
        output_schema = schema::<RecallReport>(),
        annotations(title = "Recall project context", read_only_hint = true, open_world_hint = false)
    )]
    fn recall_context(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<RecallParams>(Some(args)).and_then(|p| self.tools.recall(p)))
    }

    #[tool(
        name = "delete_memory",
        title = "Delete a memory",
        description = "Delete an observation by id or unique prefix: writes a tombstone (kept in history, synced to other devices).",
        input_schema = schema::<DeleteParams>(),
        output_schema = schema::<DeleteReport>(),
        annotations(title = "Delete a memory", read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    fn delete_memory(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<DeleteParams>(Some(args)).and_then(|p| self.tools.delete(p)))
    }

    #[tool(
        name = "get_memory_status",
        title = "Memory status",
        description = "Summarize the memory store: scopes with live/superseded/deleted counts, kinds, the project, device and default scope in use.",
        output_schema = schema::<StatusReport>(),
        annotations(title = "Memory status", read_only_hint = true, open_world_hint = false)
    )]
    fn get_memory_status(&self) -> CallToolResult {
        answer(self.tools.status())
    }

    #[tool(
        name = "drain_pending_puts",
        title = "Drain pending puts",
        description = "kioku-mesh replays queued network puts here; mem writes every save to git at once, so there is never anything pending (answers drained 0, remaining 0).",
        input_schema = schema::<DrainParams>(),
        output_schema = schema::<DrainReport>(),
        annotations(title = "Drain pending puts", read_only_hint = true, open_world_hint = false)
    )]
    fn drain_pending_puts(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<DrainParams>(Some(args)).and_then(|p| match p.limit {
            Some(n) if n < 1 => Err("limit must be 1 or greater".to_owned()),
            _ => Ok(DrainReport {
                drained: 0,
                remaining: 0,
                note: "mem writes every save to git at once: nothing is ever pending (`mem sync` shares it)".into(),
            }),
        }))
    }

    #[tool(
        name = "send_message",
        title = "Send a handoff message",
        description = "Leave a message for another agent: to is user:NAME, agent:FAMILY (claude-code, codex, ...), device:NAME or session:ID. It syncs with the memories, shows in the recipient's check_messages and session start until acknowledged or expired (ttl_sec or expires_at; default 7 days). requires_ack asks for an ack_message.",
        input_schema = schema::<SendParams>(),
        output_schema = schema::<SendReport>(),
        annotations(title = "Send a handoff message", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    fn send_message(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<SendParams>(Some(args)).and_then(|p| self.tools.send_message(p)))
    }

    #[tool(
        name = "check_messages",
        title = "Check messages",
        description = "The handoff messages addressed to this user, device, agent or session, oldest first: by default those neither acknowledged nor expired (include_acked, include_expired show the rest). Acknowledge one with ack_message once handled.",
        input_schema = schema::<CheckParams>(),
        output_schema = schema::<MessagesReport>(),
        annotations(title = "Check messages", read_only_hint = true, open_world_hint = false)
    )]
    fn check_messages(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<CheckParams>(Some(args)).and_then(|p| self.tools.check_messages(p)))
    }

    #[tool(
        name = "ack_message",
        title = "Acknowledge a message",
        description = "Acknowledge a message by msg_id (or a unique prefix): it leaves every recipient's inbox once synced. Acknowledging twice changes nothing.",
        input_schema = schema::<AckParams>(),
        output_schema = schema::<AckReport>(),
        annotations(title = "Acknowledge a message", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    fn ack_message(&self, Parameters(args): Parameters<JsonObject>) -> CallToolResult {
        answer(parse::<AckParams>(Some(args)).and_then(|p| self.tools.ack_message(p)))
    }

    #[tool(
        name = "purge_expired_messages",
        title = "Purge expired messages",
        description = "Remove every expired message, with its acks, from every scope now (they stay in git history; `mem gc` does the same after its retention).",
        output_schema = schema::<PurgeReport>(),
        annotations(title = "Purge expired messages", read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    fn purge_expired_messages(&self) -> CallToolResult {
        answer(self.tools.purge_expired_messages())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("kioku-mesh", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
