//! The command line: the clap definition, the one `match` that dispatches,
//! and the mapping of errors to exit codes (0 ok, 1 error, 2 usage, 3
//! unresolved conflicts, 4 not found).

mod ack;
mod conflicts;
mod context;
mod delete;
mod doctor;
mod edit;
mod editor;
mod export;
mod filter;
mod gc;
mod generate;
mod get;
mod hook;
mod import;
mod inbox;
mod init;
mod key;
mod list;
mod log;
mod mcp;
mod model;
mod output;
mod reindex;
mod save;
mod scope;
mod search;
mod send;
mod stats;
mod sync;
mod ui;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kioku_mesh::config::Flags;
use kioku_mesh::memory::Notice;
use kioku_mesh::paths::Paths;
use kioku_mesh::{Mem, MemError};

pub use ui::Ui;

/// mem: shared memory for AI coding agents, kept in git.
///
/// Agents save what they learned with `mem save`; the next agent, on any
/// machine, finds it with `mem search`. Observations are Markdown files with
/// YAML front matter in one git repository per scope (local, user,
/// team/<id>), searched through a local SQLite FTS5 index.
#[derive(Parser, Debug)]
#[command(name = "mem", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Init(init::InitArgs),
    Save(save::SaveArgs),
    Search(search::SearchArgs),
    Get(get::GetArgs),
    List(list::ListArgs),
    Log(log::LogArgs),
    Edit(edit::EditArgs),
    Delete(delete::DeleteArgs),
    Reindex(reindex::ReindexArgs),
    Model(model::ModelArgs),
    Gc(gc::GcArgs),
    Doctor(doctor::DoctorArgs),
    Stats(stats::StatsArgs),
    Export(export::ExportArgs),
    Import(import::ImportArgs),
    Sync(sync::SyncArgs),
    Conflicts(conflicts::ConflictsArgs),
    Send(send::SendArgs),
    Inbox(inbox::InboxArgs),
    Ack(ack::AckArgs),
    Context(context::ContextArgs),
    Scope(scope::ScopeArgs),
    Key(key::KeyArgs),
    Hook(hook::HookArgs),
    Mcp(mcp::McpArgs),
    Watch(watch::WatchArgs),
    #[command(hide = true)]
    GenerateDocs(generate::GenerateArgs),
}

/// What every command needs: where things are and where it runs.
pub struct Ctx {
    /// Resolved directories.
    pub paths: Paths,
    /// The working directory (for project detection and config lookup).
    pub cwd: PathBuf,
}

impl Ctx {
    /// Open the library with these flags, printing config warnings.
    pub fn mem(&self, ui: &mut Ui, flags: &Flags) -> anyhow::Result<Mem> {
        let mut mem = Mem::open(self.paths.clone(), &self.cwd, flags)?;
        flush_notices(ui, &mut mem);
        Ok(mem)
    }
}

/// Print the library's gathered notices on stderr.
pub fn flush_notices(ui: &mut Ui, mem: &mut Mem) {
    for n in mem.take_notices() {
        match n {
            Notice::Note(m) => ui.note(&m),
            Notice::Warning(m) => ui.warn(&m),
        }
    }
}

/// A mistake in how the command was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The command ran, found conflicts the user must resolve (exit code 3).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConflictsPending(pub String);

/// The command ran, but refused a change a remote made (exit code 5).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RemoteRefused(pub String);

fn run(ui: &mut Ui, cli: Cli) -> anyhow::Result<()> {
    if let Command::GenerateDocs(args) = &cli.command {
        return generate::run(ui, args);
    }
    if let Command::Hook(args) = cli.command {
        if args.is_run() {
            return hook::run_fail_open(ui, args);
        }
        return with_ctx(ui, Command::Hook(args));
    }
    with_ctx(ui, cli.command)
}

fn with_ctx(ui: &mut Ui, command: Command) -> anyhow::Result<()> {
    let ctx = Ctx {
        paths: Paths::from_env()?,
        cwd: std::env::current_dir()
            .map_err(|e| anyhow::anyhow!("cannot read the current directory: {e}"))?,
    };
    match command {
        Command::Init(a) => init::run(ui, &ctx, a),
        Command::Save(a) => save::run(ui, &ctx, a),
        Command::Search(a) => search::run(ui, &ctx, a),
        Command::Get(a) => get::run(ui, &ctx, a),
        Command::List(a) => list::run(ui, &ctx, a),
        Command::Log(a) => log::run(ui, &ctx, a),
        Command::Edit(a) => edit::run(ui, &ctx, a),
        Command::Delete(a) => delete::run(ui, &ctx, a),
        Command::Reindex(a) => reindex::run(ui, &ctx, a),
        Command::Model(a) => model::run(ui, &ctx, a),
        Command::Gc(a) => gc::run(ui, &ctx, a),
        Command::Doctor(a) => doctor::run(ui, &ctx, a),
        Command::Stats(a) => stats::run(ui, &ctx, a),
        Command::Export(a) => export::run(ui, &ctx, a),
        Command::Import(a) => import::run(ui, &ctx, a),
        Command::Sync(a) => sync::run(ui, &ctx, a),
        Command::Conflicts(a) => conflicts::run(ui, &ctx, a),
        Command::Send(a) => send::run(ui, &ctx, a),
        Command::Inbox(a) => inbox::run(ui, &ctx, a),
        Command::Ack(a) => ack::run(ui, &ctx, a),
        Command::Context(a) => context::run(ui, &ctx, a),
        Command::Scope(a) => scope::run(ui, &ctx, a),
        Command::Key(a) => key::run(ui, &ctx, a),
        Command::Hook(a) => hook::run(ui, &ctx, a),
        Command::Mcp(a) => mcp::run(ui, &ctx, a),
        Command::Watch(a) => watch::run(ui, &ctx, a),
        Command::GenerateDocs(_) => unreachable!("handled above"),
    }
}

/// Exit code for an error: 2 usage, 3 conflicts, 4 not found, 5 a remote's change refused, else 1.
fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return 2;
        }
        if cause.is::<ConflictsPending>() {
            return 3;
        }
        if cause.is::<RemoteRefused>() {
            return 5;
        }
        match cause.downcast_ref::<MemError>() {
            Some(MemError::NotFound(_) | MemError::NoConflict(_) | MemError::NoMessage(_)) => {
                return 4
            }
            // A value the command line got wrong: usage.
            Some(
                MemError::Url(_)
                | MemError::BadKind(_)
                | MemError::SecretInImport { .. }
                | MemError::BadRecord(_)
                | MemError::Store(
                    kioku_mesh::store::StoreError::BadScopeName(_)
                    | kioku_mesh::store::StoreError::UnknownScope { .. },
                ),
            ) => return 2,
            _ => {}
        }
    }
    1
}

/// Whether the command stopped because the reader of stdout went away
/// (only writes to stdout count: a broken pipe to a child process is an error).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<ui::StdoutClosed>()
            .is_some_and(ui::StdoutClosed::is_broken_pipe)
    })
}

/// Parse, run, print the error chain once, map to the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let mut ui = Ui::new();
    let result = run(&mut ui, cli).and_then(|()| ui.flush().map_err(Into::into));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            ui.error(&sentence(&e));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The error as one line: each cause's message after the last, except
/// that a sync error is already a whole sentence built from its causes
/// (gix's own messages stay for `mem sync --verbose`).
fn sentence(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if parts.last().is_none_or(|p| !p.ends_with(&text)) {
            parts.push(text);
        }
        let whole = matches!(cause.downcast_ref::<MemError>(), Some(MemError::Sync(_)))
            || cause.is::<kioku_mesh::sync::SyncError>();
        if whole {
            break;
        }
    }
    parts.join(": ")
}

/// The clap command, for man pages and completions.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}
