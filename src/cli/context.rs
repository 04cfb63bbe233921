//! `mem context`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::memory::DEFAULT_BUDGET;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Print the block an agent's session-start hook injects.
///
/// Markdown: handoff messages to this user, device, or the --agent/--session
/// (MEM_AGENT/MEM_SESSION) that are neither acknowledged nor expired first,
/// then unresolved merge records (with each version's title),
/// then the live memories of the current project and project-less ones,
/// ranked by importance, topic keys and decisions, relevance to --query,
/// and recency, each with its short id for `mem get`. Entries that do not fit
/// in the budget are left out whole. The same store gives the same block.
#[derive(Args, Debug)]
pub struct ContextArgs {
    /// The project (default: the normalised origin URL of the cwd's repository).
    #[arg(long, value_name = "P")]
    project: Option<String>,
    /// At most this many characters.
    #[arg(long, value_name = "CHARS", default_value_t = DEFAULT_BUDGET)]
    budget: usize,
    /// Rank memories matching these words higher.
    #[arg(long, short = 'q', value_name = "Q")]
    query: Option<String>,
    /// The agent family reading (claude-code, codex, …): its messages come first too.
    #[arg(long, env = "MEM_AGENT")]
    agent: Option<String>,
    /// The reading agent's session id.
    #[arg(long, env = "MEM_SESSION")]
    session: Option<String>,
    /// Print the block and its parts as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ContextArgs) -> anyhow::Result<()> {
    if args.budget < 200 {
        return Err(UsageError(format!(
            "--budget {} is too small to hold anything: give at least 200 characters",
            args.budget
        ))
        .into());
    }
    let flags = Flags {
        project: args.project.clone(),
        ..Flags::default()
    };
    let mut mem = ctx.mem(ui, &flags)?;
    if !mem.is_initialised() {
        // Nothing saved yet: an empty block, and nothing created.
        return if args.json {
            ui.json(&serde_json::json!({"project": null, "budget": args.budget, "conflicts": [], "entries": [], "omitted": 0, "markdown": ""}))
        } else {
            Ok(())
        };
    }
    mem.set_caller(args.agent, args.session);
    let result = mem.context(args.budget, args.query.as_deref());
    flush_notices(ui, &mut mem);
    let context = result?;
    if args.json {
        return ui.json(&context);
    }
    ui.line(context.markdown.trim_end())?;
    Ok(())
}
