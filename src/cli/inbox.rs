//! `mem inbox`.

use clap::Args;
use kioku_mesh::config::Flags;

use super::{flush_notices, Ctx, Ui};

/// Show the handoff messages addressed to you.
///
/// A message is yours when it is addressed to this user (user_id), this
/// device, or the agent family and session given by --agent / --session
/// (MEM_AGENT / MEM_SESSION). By default only those neither acknowledged
/// nor expired are shown, oldest first; --all shows every one with its state.
#[derive(Args, Debug)]
pub struct InboxArgs {
    /// Also show acknowledged and expired messages.
    #[arg(long)]
    all: bool,
    /// The agent family reading (claude-code, codex, …).
    #[arg(long, env = "MEM_AGENT")]
    agent: Option<String>,
    /// The reading agent's session id.
    #[arg(long, env = "MEM_SESSION")]
    session: Option<String>,
    /// Print the messages as a JSON array.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: InboxArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let reader = mem.reader(args.agent, args.session);
    let result = if mem.is_initialised() {
        mem.inbox(&reader, args.all)
    } else {
        Ok(Vec::new())
    };
    flush_notices(ui, &mut mem);
    let inbox = result?;
    if args.json {
        return ui.json(&inbox);
    }
    if inbox.is_empty() {
        ui.note("no messages for you");
        return Ok(());
    }
    for m in &inbox {
        let state = match (m.acked, m.expired) {
            (true, _) => " [acked]",
            (false, true) => " [expired]",
            (false, false) if m.requires_ack => " [ack requested]",
            _ => "",
        };
        let subject = m
            .subject
            .as_deref()
            .map(|s| format!(" \"{s}\""))
            .unwrap_or_default();
        ui.line(format!(
            "{} {} from {}@{} to {}{subject}{state}",
            &m.id[..12],
            &m.created[..16],
            m.from.user,
            m.from.device,
            m.to
        ))?;
        for line in m.body.lines() {
            ui.line(format!("    {line}"))?;
        }
    }
    Ok(())
}
