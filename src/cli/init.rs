//! `mem init`.

use clap::Args;
use kioku_mesh::config::Flags;

use super::{flush_notices, Ctx, Ui};

/// Set up config, this device's identity and the `local` and `user` scopes.
///
/// Creates the config file (user_id, device, default_scope), an age identity
/// (unless `identity:` in the config points at an SSH key) and one bare git
/// repository per scope; the `user` scope is encrypted to this device.
/// Running it again changes nothing. Other commands set up a missing store by
/// themselves; `init` makes it explicit.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// A git remote for the user scope: an existing one is cloned (a new
    /// device joining), an empty one is filled by `mem sync`.
    #[arg(long)]
    remote: Option<String>,
    /// Encrypt the `local` scope too (the `user` scope always is).
    #[arg(long)]
    encrypt: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: InitArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let mut created = Vec::new();
    if let Some(url) = &args.remote {
        if mem.scopes().iter().any(|s| s.as_str() == "user") {
            mem.set_remote("user", url)?;
        } else {
            mem.add_scope("user", Some(url), true)?;
            created.push(format!(
                "scope user from {}",
                kioku_mesh::remote::redact(url)
            ));
        }
    }
    created.extend(mem.init(args.encrypt)?);
    let key = mem.ensure_identity()?;
    mem.refresh(&[])?;
    flush_notices(ui, &mut mem);
    if mem.config().user_id.value == "unknown" {
        ui.warn(&format!(
            "no user name was found ($USER, $LOGNAME and git's user.name are unset): memories are saved by 'unknown' until one is set ($USER, or user_id in {})",
            mem.paths().config_file().display()
        ));
    }
    if args.json {
        ui.json(&serde_json::json!({
            "home": mem.paths().data_dir(),
            "config": mem.paths().config_file(),
            "created": created,
            "scopes": mem.scopes(),
            "recipient": key.recipient,
            "identity": key.path,
        }))?;
    } else if created.is_empty() {
        ui.line(format!(
            "mem is already set up in {}",
            mem.paths().data_dir().display()
        ))?;
    } else {
        for c in &created {
            ui.line(format!("created {c}"))?;
        }
        ui.line(format!(
            "mem is set up in {}: save with `mem save \"…\"`, find with `mem search …`",
            mem.paths().data_dir().display()
        ))?;
        ui.line(format!(
            "this device's recipient is {} (another device that can read adds it with `mem scope recipients user add KEY`)",
            key.recipient
        ))?;
    }
    Ok(())
}
