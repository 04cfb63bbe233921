//! `mem sync`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::sync::MergeKind;

use super::{flush_notices, Ctx, Ui};

/// Push and pull scopes to and from their git remotes.
///
/// For each scope with a remote (or each --scope): fetch, merge (a union of
/// observations; nothing is overwritten), update the index, push. When the
/// push is refused because the remote moved, it fetches and merges again. A
/// scope whose remote cannot be reached is reported and skipped; the others
/// still sync. The remote is not trusted: a recipient list no member made,
/// encryption turned off, or files removed without a tombstone are refused
/// and reported on every sync. Exits 1 when any scope failed, 5 when a
/// change from the remote was refused, 3 while merge records are unresolved. Needs `git` on PATH.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Only this scope (repeatable).
    #[arg(long = "scope", short = 's', value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print per-scope results as JSON.
    #[arg(long)]
    json: bool,
    /// With a failure, also print the underlying message (git's or the
    /// server's; passwords removed).
    #[arg(long, short = 'v')]
    verbose: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: SyncArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let targets: Vec<String> = if args.scopes.is_empty() {
        mem.scope_infos()?
            .into_iter()
            .filter(|s| s.remote.is_some())
            .map(|s| s.name)
            .collect()
    } else {
        args.scopes.clone()
    };
    let mut results = Vec::new();
    for scope in &targets {
        // On a terminal git or a credential helper may ask for a password:
        // a spinner would draw over the prompt.
        let spinner = ui.spinner(
            args.json || args.quiet || kioku_mesh::sync::Network::may_prompt(),
            &format!("syncing {scope}"),
        );
        let result = mem.sync(std::slice::from_ref(scope));
        spinner.finish_and_clear();
        flush_notices(ui, &mut mem);
        results.extend(result?);
    }
    // A scope another sync is busy with is being synced: not a failure
    // (two cron runs overlapping say so, and exit 0).
    let failed = results
        .iter()
        .filter(|r| r.error.is_some() && !r.busy)
        .count();
    if args.json {
        ui.json(&results)?;
    } else {
        if results.is_empty() && !args.quiet {
            ui.note("no scope has a remote: add one with `mem scope remote SCOPE URL`");
        }
        for r in &results {
            match (&r.outcome, &r.error) {
                (Some(o), _) if !args.quiet => {
                    let merged = match o.merged {
                        MergeKind::UpToDate => "up to date",
                        MergeKind::FastForward => "fast-forwarded",
                        MergeKind::Merge => "merged",
                    };
                    let pushed = if o.pushed { ", pushed" } else { "" };
                    ui.line(format!("{}: {merged}{pushed} ({})", r.scope, o.remote))?;
                    for c in &r.new_conflicts {
                        ui.line(format!("{}: new conflict {}", r.scope, &c[..12]))?;
                    }
                }
                (_, Some(e)) => {
                    ui.warn(&format!("{}: {e}", r.scope));
                    if let (true, Some(detail)) = (args.verbose, &r.detail) {
                        for line in detail.lines() {
                            ui.note(&format!("{}:   {line}", r.scope));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Said on every sync, --quiet included, until resolved.
    if !args.json {
        for r in &results {
            for refusal in &r.refused {
                ui.warn(&refusal.message);
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} scopes did not sync (see above)",
            results.len()
        );
    }
    let refused: usize = results.iter().map(|r| r.refused.len()).sum();
    if refused > 0 {
        return Err(super::RemoteRefused(format!(
            "{refused} change(s) from the remote were refused (see above and `mem doctor`)"
        ))
        .into());
    }
    let open: usize = results.iter().map(|r| r.unresolved_conflicts).sum();
    if open > 0 {
        return Err(super::ConflictsPending(format!(
            "{open} unresolved conflict(s): see `mem conflicts`"
        ))
        .into());
    }
    Ok(())
}
