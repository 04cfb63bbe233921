//! `mem watch`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;
use kioku_mesh::store::short_id;
use kioku_mesh::sync::MergeKind;
use kioku_mesh::watch::{self, WatchEvent, WatchOptions};

use super::{Ctx, Ui};

/// Keep the index in step with the scopes, and sync after local changes.
///
/// Runs until Ctrl-C (SIGINT) or SIGTERM. When a scope's branch moves —
/// a save from another process, a `git fetch` into the repository, a sync
/// — the index follows it at once, so searches never pay for the catch-up.
/// With --sync-after, every scope with a remote is synced that many seconds
/// after the last change (each new change restarts the wait); a sync that
/// cannot reach its remote is reported and tried again after the next
/// change. One watcher per MEM_HOME: a second one says so and exits.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Sync this many seconds after the last local change.
    #[arg(long, value_name = "SECONDS")]
    sync_after: Option<u64>,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: WatchArgs) -> anyhow::Result<()> {
    // A watcher runs unattended, even in a terminal pane: its syncs must
    // never stop to ask for a password (git's own switch, which
    // `sync::Network` reads too). Set before any thread starts.
    std::env::set_var("GIT_TERMINAL_PROMPT", "0");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| anyhow::anyhow!("cannot handle Ctrl-C and SIGTERM: {e}"))?;
    let options = WatchOptions {
        sync_after: args.sync_after.map(std::time::Duration::from_secs),
    };
    let data_dir = ctx.paths.data_dir().display().to_string();
    let mut failure: Option<anyhow::Error> = None;
    watch::run(&ctx.paths, &ctx.cwd, &options, &stop, |event| {
        let shown = match event {
            WatchEvent::Started { scopes } => ui.line(format!(
                "watching {} scope(s) in {data_dir} (Ctrl-C to stop)",
                scopes.len()
            )),
            WatchEvent::Indexed { scope, head } => {
                ui.line(format!("{scope}: indexed at {}", short_id(&head)))
            }
            WatchEvent::Warning(w) => {
                ui.warn(&w);
                Ok(())
            }
            WatchEvent::Synced(results) => {
                let mut out = Ok(());
                for r in results {
                    match (&r.outcome, &r.error) {
                        (Some(o), _) => {
                            let merged = match o.merged {
                                MergeKind::UpToDate => "up to date",
                                MergeKind::FastForward => "fast-forwarded",
                                MergeKind::Merge => "merged",
                            };
                            let pushed = if o.pushed { ", pushed" } else { "" };
                            out =
                                out.and(ui.line(format!("{}: synced: {merged}{pushed}", r.scope)));
                        }
                        (_, Some(e)) => ui.warn(&format!("{}: not synced: {e}", r.scope)),
                        _ => {}
                    }
                    for refusal in &r.refused {
                        ui.warn(&refusal.message);
                    }
                }
                out
            }
        };
        // Each line is shown at once (the watcher runs for hours).
        if let Err(e) = shown.and_then(|()| ui.flush()) {
            failure.get_or_insert(e.into());
        }
    })?;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
