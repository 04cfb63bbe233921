//! `mem stats`.

use clap::Args;
use kioku_mesh::config::Flags;

use super::{flush_notices, Ctx, Ui};

/// Count observations per scope, kind and project, and show disk use.
#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: StatsArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let stats = mem.stats();
    flush_notices(ui, &mut mem);
    let kioku_mesh::memory::StoreStats {
        counts: stats,
        index_bytes,
        repository_bytes: repo_bytes,
    } = stats?;
    if args.json {
        return ui.json(&serde_json::json!({
            "scopes": stats.scopes,
            "kinds": stats.kinds.iter().map(|(k, n)| serde_json::json!({"kind": k, "live": n})).collect::<Vec<_>>(),
            "projects": stats.projects.iter().map(|(p, n)| serde_json::json!({"project": p, "live": n})).collect::<Vec<_>>(),
            "index_bytes": index_bytes,
            "repository_bytes": repo_bytes.iter().map(|(s, b)| serde_json::json!({"scope": s, "bytes": b})).collect::<Vec<_>>(),
        }));
    }
    ui.line(format!(
        "{:<14} {:>8} {:>11} {:>8} {:>8} {:>12}",
        "scope", "live", "superseded", "deleted", "expired", "repo bytes"
    ))?;
    for s in &stats.scopes {
        let bytes = repo_bytes
            .iter()
            .find(|(n, _)| *n == s.scope)
            .map_or(0, |(_, b)| *b);
        ui.line(format!(
            "{:<14} {:>8} {:>11} {:>8} {:>8} {:>12}",
            s.scope, s.live, s.superseded, s.deleted, s.expired, bytes
        ))?;
    }
    ui.line("kinds (live):")?;
    for (k, n) in &stats.kinds {
        ui.line(format!("  {k:<12} {n}"))?;
    }
    ui.line("projects (live):")?;
    for (p, n) in &stats.projects {
        ui.line(format!("  {p:<40} {n}"))?;
    }
    ui.line(format!("index: {index_bytes} bytes"))?;
    Ok(())
}
