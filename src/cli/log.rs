//! `mem log`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::store::short_id;

use super::output::{human_line, rfc3339, Summary};
use super::{flush_notices, Ctx, Ui};

/// Show history: the commits of every scope, or the versions of one observation.
///
/// Without ID: the most recent commits across scopes (saves, deletes,
/// imports), newest first. With ID: the chain of versions the observation
/// belongs to — what it supersedes and what supersedes it — oldest first.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// An observation id or unique prefix.
    id: Option<String>,
    /// At most this many commits.
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: LogArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    match &args.id {
        Some(id) => versions(ui, &mut mem, id, args.json),
        None => commits(ui, &mem, args.limit, args.json),
    }
}

fn commits(ui: &mut Ui, mem: &kioku_mesh::Mem, limit: usize, json: bool) -> anyhow::Result<()> {
    let all = mem.history(limit)?;
    if json {
        return ui.json(&all);
    }
    for c in &all {
        let line = format!(
            "{}  {:<8} {}  {}",
            rfc3339(c.commit.time),
            c.scope,
            ui.dim(&c.commit.commit[..10]),
            c.commit.message
        );
        ui.line(line)?;
    }
    Ok(())
}

fn versions(ui: &mut Ui, mem: &mut kioku_mesh::Mem, id: &str, json: bool) -> anyhow::Result<()> {
    let result = mem.versions(id);
    flush_notices(ui, mem);
    let (start, chain) = result?;
    if json {
        let out: Vec<Summary> = chain.iter().map(|v| Summary::of(&v.row, &[])).collect();
        return ui.json(&out);
    }
    for kioku_mesh::memory::Version { row, tombstone } in &chain {
        let mut line = human_line(ui, row);
        if row.id == start {
            line.push_str("  <");
        }
        ui.line(line)?;
        if let Some(t) = tombstone {
            ui.line(format!(
                "    deleted {} by {}{}",
                t.deleted,
                t.author.as_deref().unwrap_or("?"),
                t.reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ))?;
        }
        if !row.obs.supersedes.is_empty() {
            let ids: Vec<&str> = row.obs.supersedes.iter().map(|s| short_id(s)).collect();
            ui.line(format!("    supersedes {}", ids.join(", ")))?;
        }
    }
    Ok(())
}
