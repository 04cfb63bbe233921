//! `mem scope`: list scopes, add one, set a scope's remote.

use clap::{Args, Subcommand};
use kioku_mesh::config::Flags;
use kioku_mesh::store::short_id;

use super::{flush_notices, Ctx, Ui};

/// List scopes, add one, or point one at a git remote.
#[derive(Args, Debug)]
pub struct ScopeArgs {
    #[command(subcommand)]
    command: ScopeCommand,
}

#[derive(Subcommand, Debug)]
enum ScopeCommand {
    /// List scopes with their remotes.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a scope: team/<id> (or local, user). With --remote, clone it: an
    /// existing remote's observations arrive at once; an empty remote is
    /// filled by the next `mem sync`.
    Add {
        /// The scope name, e.g. team/acme.
        name: String,
        /// The scope's git remote (file://, ssh://, git@host:path, a path).
        #[arg(long)]
        remote: Option<String>,
    },
    /// Set a scope's git remote; the next `mem sync` merges both histories.
    Remote {
        /// The scope name.
        name: String,
        /// The remote URL.
        url: String,
    },
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ScopeArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    match args.command {
        ScopeCommand::List { json } => {
            let infos = mem.scope_infos()?;
            if json {
                return ui.json(&infos);
            }
            for s in &infos {
                ui.line(format!(
                    "{:<16} {:<12} {}",
                    s.name,
                    s.head.as_deref().map(short_id).unwrap_or("(empty)"),
                    s.remote.as_deref().unwrap_or("(no remote)")
                ))?;
            }
        }
        ScopeCommand::Add { name, remote } => {
            mem.ensure_initialised()?;
            let scope = mem.add_scope(&name, remote.as_deref())?;
            flush_notices(ui, &mut mem);
            mem.index_for(std::slice::from_ref(&scope))?;
            flush_notices(ui, &mut mem);
            match remote {
                Some(url) => ui.line(format!("added scope {scope} from {url}"))?,
                None => ui.line(format!("added scope {scope}"))?,
            }
        }
        ScopeCommand::Remote { name, url } => {
            let scope = mem.set_remote(&name, &url)?;
            ui.line(format!(
                "scope {scope} now syncs with {url}: run `mem sync`"
            ))?;
        }
    }
    Ok(())
}
