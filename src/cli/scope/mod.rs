//! `mem scope`: list scopes, add one, set a scope's remote, manage an
//! encrypted scope's recipients and re-encrypt it.

mod recipients;

use clap::{Args, Subcommand};
use kioku_mesh::config::Flags;
use kioku_mesh::remote::redact;
use kioku_mesh::store::short_id;

use super::{flush_notices, Ctx, Ui};

/// List scopes, add one, point one at a git remote, or manage encryption.
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
        /// Encrypt the new scope to this device's identity (add members
        /// with `mem scope recipients NAME add KEY`). The `user` scope
        /// always is; a scope cloned from a remote keeps the remote's policy.
        #[arg(long)]
        encrypt: bool,
    },
    /// Set a scope's git remote; the next `mem sync` merges both histories.
    Remote {
        /// The scope name.
        name: String,
        /// The remote URL.
        url: String,
    },
    /// List, add or remove the age recipients of an encrypted scope. Adding
    /// or removing re-encrypts the whole scope to the new list in one commit.
    Recipients(recipients::RecipientsArgs),
    /// Re-encrypt every file of a scope to its recipients in one commit.
    ///
    /// Converts a plaintext `user` scope made before encryption existed. Its
    /// earlier history stays plaintext in git unless --fresh starts the
    /// history over (and replaces the remote's).
    Rekey(recipients::RekeyArgs),
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
                    s.remote
                        .as_ref()
                        .map_or_else(|| "(no remote)".to_owned(), |r| r.to_string())
                ))?;
            }
        }
        ScopeCommand::Add {
            name,
            remote,
            encrypt,
        } => {
            mem.ensure_initialised()?;
            let scope = mem.add_scope(&name, remote.as_deref(), encrypt)?;
            flush_notices(ui, &mut mem);
            mem.refresh(std::slice::from_ref(&scope))?;
            flush_notices(ui, &mut mem);
            match remote {
                Some(url) => ui.line(format!("added scope {scope} from {}", redact(&url)))?,
                None => ui.line(format!("added scope {scope}"))?,
            }
        }
        ScopeCommand::Remote { name, url } => {
            let scope = mem.set_remote(&name, &url)?;
            ui.line(format!(
                "scope {scope} now syncs with {}: run `mem sync`",
                redact(&url)
            ))?;
        }
        ScopeCommand::Recipients(args) => recipients::recipients(ui, &mut mem, args)?,
        ScopeCommand::Rekey(args) => recipients::rekey(ui, &mut mem, args)?,
    }
    Ok(())
}
