//! `mem save`.

use std::io::Read;

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::Draft;

use super::output::save_line;
use super::{flush_notices, Ctx, Ui, UsageError};

/// Save an observation.
///
/// The text is the Markdown body; its first line is the title unless --title
/// is given. <private>…</private> spans are removed before anything is
/// stored, and text that looks like a secret (cloud keys, tokens, private
/// keys) is refused for unencrypted scopes. Saving the same memory twice is a
/// no-op that returns the same id. A --key names a topic: saving with a key
/// supersedes the live observation that has it. With --ttl or --expires the
/// memory expires: from then on search, list and session context leave it
/// out (--all shows it), and `mem gc` removes it once it has been expired
/// for the retention.
#[derive(Args, Debug)]
pub struct SaveArgs {
    /// The text to save (or use --stdin).
    #[arg(
        value_name = "TEXT",
        required_unless_present = "stdin",
        conflicts_with = "stdin"
    )]
    text: Option<String>,
    /// Read the text from standard input (UTF-8).
    #[arg(long)]
    stdin: bool,
    /// Title (default: the first line of the text).
    #[arg(long, short = 't')]
    title: Option<String>,
    /// One-line summary shown in results.
    #[arg(long)]
    summary: Option<String>,
    /// Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff.
    #[arg(long, short = 'k', default_value = "note")]
    kind: String,
    /// Tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Topic key: the new observation supersedes the live one with this key.
    #[arg(long)]
    key: Option<String>,
    /// Scope to save into (default: default_scope from config, normally user).
    #[arg(long, short = 's')]
    scope: Option<String>,
    /// Project (default: the normalised origin URL of the current git repository).
    #[arg(long, conflicts_with = "global")]
    project: Option<String>,
    /// Save without a project: relevant everywhere.
    #[arg(long)]
    global: bool,
    /// Importance from 1 (low) to 5 (high).
    #[arg(long, short = 'i', default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=5))]
    importance: u8,
    /// A file the memory is about (repeatable).
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<String>,
    /// Id (or unique prefix) of an observation this one replaces (repeatable).
    #[arg(long = "supersedes", value_name = "ID")]
    supersedes: Vec<String>,
    /// Agent saving it (claude-code, codex, gemini, …).
    #[arg(long, env = "MEM_AGENT")]
    agent: Option<String>,
    /// The agent's session id.
    #[arg(long, env = "MEM_SESSION")]
    session: Option<String>,
    /// Expire after this long: seconds (3600) or an age (90m, 12h, 7d, 2w).
    #[arg(long, value_name = "DURATION", conflicts_with = "expires")]
    ttl: Option<String>,
    /// Expire at this instant: RFC 3339 (2026-12-01T09:00:00Z) or a date (midnight UTC).
    #[arg(long, value_name = "WHEN")]
    expires: Option<String>,
    /// Save even if the text looks like it contains a secret.
    #[arg(long)]
    allow_secrets: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "standard input is not valid UTF-8 (bad byte at offset {}): convert it to UTF-8 first",
            e.utf8_error().valid_up_to()
        ))
        .into()
    })
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: SaveArgs) -> anyhow::Result<()> {
    let body = match (&args.text, args.stdin) {
        (_, true) => read_stdin()?,
        (Some(t), false) => t.clone(),
        (None, false) => unreachable!("clap requires TEXT or --stdin"),
    };
    let flags = Flags {
        scope: None,
        project: args.project.clone(),
        global: args.global,
    };
    let expires = kioku_mesh::time::expiry(
        args.expires.as_deref(),
        args.ttl.as_deref(),
        kioku_mesh::time::now(),
    )
    .map_err(UsageError)?;
    let mut mem = ctx.mem(ui, &flags)?;
    let draft = Draft {
        body,
        title: args.title,
        summary: args.summary,
        kind: Some(args.kind),
        tags: args.tags,
        key: args.key,
        scope: args.scope,
        importance: Some(args.importance),
        files: args.files,
        supersedes: args.supersedes,
        agent: args.agent,
        session: args.session,
        allow_secrets: args.allow_secrets,
    };
    let allow = draft.allow_secrets;
    let result = mem.prepare(draft).and_then(|(scope, mut obs)| {
        obs.set_expires(expires);
        mem.save_observation(&scope, obs, allow)
    });
    flush_notices(ui, &mut mem);
    let outcome = result?;
    if args.json {
        let mut value = serde_json::to_value(&outcome)?;
        if let (Some(e), Some(map)) = (expires, value.as_object_mut()) {
            map.insert("expires_at".into(), kioku_mesh::time::format(e).into());
        }
        return ui.json(&value);
    }
    ui.line(save_line(&outcome))?;
    if let Some(e) = expires {
        ui.note(&format!("it expires {}", kioku_mesh::time::format(e)));
    }
    Ok(())
}
