//! `mem ack`.

use clap::Args;
use kioku_mesh::config::Flags;

use super::{flush_notices, Ctx, Ui};

/// Acknowledge a handoff message: it leaves every recipient's inbox.
///
/// The ack is a file of its own in the message's scope (one per device and
/// session), so devices acknowledging the same message at once never
/// conflict; `mem sync` shares it.
#[derive(Args, Debug)]
pub struct AckArgs {
    /// The message id or a unique prefix (at least 6 hex characters).
    id: String,
    /// The agent family acknowledging (claude-code, codex, …).
    #[arg(long, env = "MEM_AGENT")]
    agent: Option<String>,
    /// The acknowledging agent's session id.
    #[arg(long, env = "MEM_SESSION")]
    session: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: AckArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let reader = mem.reader(args.agent, args.session);
    let result = mem.ack(&args.id, &reader);
    flush_notices(ui, &mut mem);
    let outcome = result?;
    if args.json {
        return ui.json(&outcome);
    }
    let id = &outcome.id[..12];
    if outcome.status == "acked" {
        ui.line(format!("acknowledged {id} in {}", outcome.scope))?;
    } else {
        ui.line(format!("{id} was already acknowledged here"))?;
    }
    Ok(())
}
