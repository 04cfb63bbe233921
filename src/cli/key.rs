//! `mem key`: this device's identity for encrypted scopes.

use clap::{Args, Subcommand};
use kioku_mesh::config::Flags;

use super::{Ctx, Ui};

/// Create or show this device's identity for encrypted scopes.
///
/// The identity is an age X25519 key in `identity.txt` beside the config
/// file (mode 0600), or an SSH ed25519/RSA private key named by `identity:`
/// in config.yaml. Its public half, the recipient, is what other devices add
/// with `mem scope recipients NAME add KEY`.
#[derive(Args, Debug)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Create an age identity (never overwrites one) and print its recipient.
    Init {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print this device's public recipient, to share.
    Show {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: KeyArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let (info, json) = match args.command {
        KeyCommand::Init { json } => (mem.key_init()?, json),
        KeyCommand::Show { json } => (mem.key_show()?, json),
    };
    if json {
        return ui.json(&info);
    }
    if info.created {
        ui.note(&format!("created identity {}", info.path));
    }
    ui.line(&info.recipient)?;
    Ok(())
}
