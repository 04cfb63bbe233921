//! `mem scope recipients` (list, add, rm, accept) and `mem scope rekey`.

use clap::{Args, Subcommand};
use kioku_mesh::memory::RekeyOutcome;
use kioku_mesh::Mem;

use super::super::{flush_notices, Ui};

/// `mem scope recipients NAME (list | add KEY | rm KEY | accept)`.
#[derive(Args, Debug)]
pub struct RecipientsArgs {
    /// The scope name, e.g. user or team/acme.
    name: String,
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// List the recipients with their names.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a recipient (an `age1…` key from `mem key show`, or an SSH public
    /// key) and re-encrypt the scope to it.
    Add {
        /// The public key.
        key: String,
        /// Who or which device it is, kept beside the key.
        #[arg(long)]
        name: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Accept the recipient list the remote holds, when `mem sync` refused
    /// it but you made that change yourself on another device: the scope is
    /// re-encrypted to it under a fresh scope key.
    Accept {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a recipient (by key or name) and re-encrypt the scope without
    /// it. It can still read the old history: rotate secrets it held.
    Rm {
        /// The public key, or the name it is listed under.
        key: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `mem scope rekey NAME [--fresh]`.
#[derive(Args, Debug)]
pub struct RekeyArgs {
    /// The scope name.
    name: String,
    /// Start the scope's history afresh with the re-encrypted state (a new
    /// root commit that also replaces the remote's history), so earlier
    /// plaintext is no longer in what is shared. Other devices must add the
    /// scope again.
    #[arg(long)]
    fresh: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn recipients(ui: &mut Ui, mem: &mut Mem, args: RecipientsArgs) -> anyhow::Result<()> {
    match args.action {
        Action::List { json } => {
            let state = mem.recipients_state(&args.name)?;
            let (scope, list) = mem.recipients(&args.name)?;
            if json {
                return ui.json(&list.entries);
            }
            if !state.encrypted {
                ui.line(format!("scope {scope} is not encrypted"))?;
            } else if list.entries.is_empty() {
                ui.line(format!(
                    "scope {scope} is encrypted, but this device has not verified its recipients yet: a member adds this device (`mem key show` gives its recipient), then `mem sync`"
                ))?;
            } else {
                ui.line(format!(
                    "# version {}, scope key {} (the same on every member's device)",
                    state.version,
                    state.key_fingerprint.as_deref().unwrap_or("not made yet")
                ))?;
            }
            for e in &list.entries {
                if e.name.is_empty() {
                    ui.line(&e.key)?;
                } else {
                    ui.line(format!("{}  {}", e.key, e.name))?;
                }
            }
            Ok(())
        }
        Action::Add { key, name, json } => {
            let outcome = mem.add_recipient(&args.name, &key, name.as_deref())?;
            report(ui, mem, &outcome, json)
        }
        Action::Accept { json } => {
            let outcome = mem.accept_recipients(&args.name)?;
            report(ui, mem, &outcome, json)
        }
        Action::Rm { key, json } => {
            let outcome = mem.remove_recipient(&args.name, &key)?;
            flush_notices(ui, mem);
            report(ui, mem, &outcome, json)?;
            if !json {
                ui.note("a removed recipient can still read everything it could before, in the scope's old history: rotate any secret it held");
            }
            Ok(())
        }
    }
}

pub fn rekey(ui: &mut Ui, mem: &mut Mem, args: RekeyArgs) -> anyhow::Result<()> {
    let outcome = mem.rekey(&args.name, args.fresh)?;
    report(ui, mem, &outcome, args.json)
}

fn report(ui: &mut Ui, mem: &mut Mem, o: &RekeyOutcome, json: bool) -> anyhow::Result<()> {
    flush_notices(ui, mem);
    if json {
        return ui.json(o);
    }
    ui.line(format!(
        "scope {}: {} file(s) re-encrypted to {} recipient(s){}{}",
        o.scope,
        o.reencrypted,
        o.recipients.len(),
        if o.unreadable > 0 {
            format!(", {} left as they were (unreadable here)", o.unreadable)
        } else {
            String::new()
        },
        if o.fresh {
            ", history started afresh"
        } else {
            ""
        }
    ))?;
    if o.fresh && !o.pushed {
        ui.line("run `mem sync` to share the new history")?;
    } else if !o.fresh {
        ui.line("run `mem sync` to share it")?;
    }
    Ok(())
}
