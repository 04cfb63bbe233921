//! `mem hook`: install the triggers that run `mem` for you, and the entry
//! point those triggers call.

mod agents;
mod git;
mod run;

use clap::{Args, Subcommand, ValueEnum};
use kioku_mesh::agent::Client as Agent;

use super::{Ctx, Ui};

/// Install or remove the hooks that run mem for you.
///
/// claude-code, codex, gemini: merge mem's entries into the client's
/// settings (user-level, or the project's with --project). Session start
/// injects `mem context`; prompts and tool calls go to a per-session spool;
/// the session's end saves one `session` observation; Claude Code's
/// PreCompact saves the session so far. A backup of each file is kept as
/// `<file>.mem-backup` before the first change; uninstall puts it back, and
/// removes a file mem created.
///
/// git-pre-push: every `git push` in this repository also runs `mem sync
/// --quiet` in the background, never blocking or failing the push.
#[derive(Args, Debug)]
pub struct HookArgs {
    #[command(subcommand)]
    command: HookCommand,
}

#[derive(Subcommand, Debug)]
enum HookCommand {
    /// Add mem's hooks (installing twice changes nothing).
    Install(Target),
    /// Remove only what `install` added.
    Uninstall(Target),
    /// What installed hooks call: read the client's payload on stdin and
    /// answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`.
    Run(RunArgs),
}

#[derive(Args, Debug)]
struct Target {
    /// Which client's hooks.
    #[arg(long, value_enum)]
    client: Client,
    /// The project's settings (in the repository you are in) instead of the user's.
    #[arg(long)]
    project: bool,
    /// Also register `mem mcp` as the client's MCP server (install); uninstall always removes it.
    #[arg(long)]
    mcp: bool,
    /// Gemini: register `mem mcp` as a trusted MCP server (implies --mcp).
    /// Gemini CLI asks before each tool call of an untrusted server and
    /// hides its tools in headless `gemini -p` runs.
    #[arg(long)]
    trust: bool,
    /// Print the change as a diff without writing it.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The client: claude-code, codex or gemini.
    client: String,
    /// The client's own event name (SessionStart, PostToolUse, AfterTool, …).
    event: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Client {
    /// Claude Code (~/.claude/settings.json; .claude/settings.json with --project).
    ClaudeCode,
    /// Codex CLI (~/.codex/hooks.json; .codex/hooks.json with --project).
    Codex,
    /// Gemini CLI (~/.gemini/settings.json; .gemini/settings.json with --project).
    Gemini,
    /// The git pre-push hook of the repository you are in.
    GitPrePush,
}

impl HookArgs {
    /// Whether this is `mem hook run`, which must not need anything a
    /// failing environment could take away (it fails open).
    pub fn is_run(&self) -> bool {
        matches!(self.command, HookCommand::Run(_))
    }
}

/// A file's text, `None` when it does not exist (yet).
fn read_optional(path: &std::path::Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// What `--dry-run` prints: the unified diff of one file's change.
fn print_diff(
    ui: &mut Ui,
    path: &std::path::Path,
    before: &str,
    after: &str,
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(before, after);
    ui.line(
        diff.unified_diff()
            .header(&name, &name)
            .to_string()
            .trim_end(),
    )?;
    Ok(())
}

/// `mem hook run`: answer the client, whatever happens.
pub fn run_fail_open(ui: &mut Ui, args: HookArgs) -> anyhow::Result<()> {
    let HookCommand::Run(r) = args.command else {
        unreachable!("checked by is_run")
    };
    run::run(ui, &r.client, &r.event)
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: HookArgs) -> anyhow::Result<()> {
    let (install, target) = match args.command {
        HookCommand::Install(t) => (true, t),
        HookCommand::Uninstall(t) => (false, t),
        HookCommand::Run(r) => return run::run(ui, &r.client, &r.event),
    };
    let agent = match target.client {
        Client::GitPrePush => return git::run(ui, ctx, install, target.dry_run),
        Client::ClaudeCode => Agent::ClaudeCode,
        Client::Codex => Agent::Codex,
        Client::Gemini => Agent::Gemini,
    };
    if target.trust && (agent != Agent::Gemini || !install) {
        return Err(super::UsageError(
            "--trust is for `mem hook install --client gemini` only (other clients have no trusted-server setting)".into(),
        )
        .into());
    }
    let plan = agents::Plan {
        client: agent,
        install,
        project: target.project,
        mcp: target.mcp || target.trust || !install,
        trust: target.trust,
        dry_run: target.dry_run,
    };
    agents::run(ui, ctx, &plan)
}
