//! `mem reindex`.

use clap::Args;
use kioku_mesh::config::Flags;

use super::{Ctx, Ui};

/// Rebuild the search index from every scope.
///
/// The index is disposable; this drops it and reads every scope again.
/// Files that cannot be read are skipped with a warning.
#[derive(Args, Debug)]
pub struct ReindexArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ReindexArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let started = std::time::Instant::now();
    let reports = mem.reindex()?;
    let elapsed = started.elapsed();
    super::flush_notices(ui, &mut mem);
    for r in &reports {
        for b in &r.broken {
            ui.warn(&format!("skipped {}:{}: {}", b.scope, b.path, b.error));
        }
    }
    let files: usize = reports.iter().map(|r| r.indexed).sum();
    if args.json {
        return ui.json(&serde_json::json!({
            "scopes": reports,
            "indexed": files,
            "seconds": elapsed.as_secs_f64(),
        }));
    }
    ui.line(format!(
        "indexed {files} files from {} scopes in {:.2}s",
        reports.len(),
        elapsed.as_secs_f64()
    ))?;
    Ok(())
}
