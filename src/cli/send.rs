//! `mem send`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::store::Target;
use kioku_mesh::Outgoing;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Send a handoff message to another agent, device, session or user.
///
/// The message is a file in the scope (sealed in an encrypted scope), shared
/// by `mem sync` like a memory. The recipient sees it in `mem inbox` and
/// above the memories at session start until it is acknowledged (`mem ack`)
/// or expires; `mem gc` removes expired messages and their acks once the
/// retention has passed.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// The message text.
    #[arg(value_name = "TEXT")]
    text: String,
    /// Who it is for: user:NAME, agent:FAMILY (claude-code, codex, …), device:NAME or session:ID.
    #[arg(long, value_name = "TARGET")]
    to: String,
    /// Deliver for this long: seconds (3600) or an age (90m, 12h, 7d, 2w); default 7d.
    #[arg(long, value_name = "DURATION")]
    ttl: Option<String>,
    /// One-line subject.
    #[arg(long)]
    subject: Option<String>,
    /// Ask the recipient to acknowledge it.
    #[arg(long)]
    requires_ack: bool,
    /// Scope to send through (default: default_scope from config, normally user).
    #[arg(long, short = 's')]
    scope: Option<String>,
    /// Agent sending it (claude-code, codex, gemini, …).
    #[arg(long, env = "MEM_AGENT")]
    agent: Option<String>,
    /// The sending agent's session id.
    #[arg(long, env = "MEM_SESSION")]
    session: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: SendArgs) -> anyhow::Result<()> {
    Target::parse(&args.to).map_err(UsageError)?;
    if args.text.trim().is_empty() {
        return Err(UsageError("the message text is empty: give the text to send".into()).into());
    }
    let expires = match args.ttl.as_deref() {
        Some(t) => Some(
            kioku_mesh::time::expiry(None, Some(t), kioku_mesh::time::now())
                .map_err(UsageError)?
                .ok_or_else(|| UsageError("a message needs a time to live above 0".into()))?,
        ),
        None => None,
    };
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let result = mem.send(Outgoing {
        to: args.to,
        body: args.text,
        subject: args.subject,
        expires,
        requires_ack: args.requires_ack,
        scope: args.scope,
        agent: args.agent,
        session: args.session,
    });
    flush_notices(ui, &mut mem);
    let outcome = result?;
    if args.json {
        return ui.json(&outcome);
    }
    ui.line(format!(
        "sent {} to {} in {} (expires {})",
        &outcome.id[..12],
        outcome.to,
        outcome.scope,
        outcome.expires_at
    ))?;
    Ok(())
}
