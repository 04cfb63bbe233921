//! `mem mcp`: parse nothing, name the caller, and hand stdio to the MCP
//! server of the library ([`kioku_mesh::mcp`]). Stdout carries only the
//! protocol; nothing else is printed.

use clap::Args;
use kioku_mesh::mcp::{self, Caller, Tools};

use super::{Ctx, Ui};

/// Serve mem to an agent over MCP (stdio).
///
/// Tools, named as kioku-mesh names them: save_observation, search_memory,
/// get_memory, recall_context, delete_memory, get_memory_status,
/// drain_pending_puts, check_messages, ack_message, purge_expired_messages,
/// and mem's send_message (handoff messages, as `mem send`).
/// MEM_AGENT and MEM_SESSION in the environment name the agent and session
/// of what it saves. Register it with `mem hook install --client C --mcp`,
/// or in the client's MCP settings as the command `mem mcp`.
#[derive(Args, Debug)]
pub struct McpArgs {}

pub fn run(_ui: &mut Ui, ctx: &Ctx, _args: McpArgs) -> anyhow::Result<()> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let caller = Caller {
        agent: var("MEM_AGENT"),
        session: var("MEM_SESSION"),
    };
    mcp::serve_stdio(Tools::new(ctx.paths.clone(), ctx.cwd.clone(), caller))?;
    Ok(())
}
