//! `mem gc`.

use clap::Args;
use kioku_mesh::agent::run::fold_idle_spools;
use kioku_mesh::config::Flags;

use super::{Ctx, Ui};

/// Repack every scope, drop what no longer needs keeping, and clear out
/// finished agent sessions.
///
/// Merge records marked resolved are removed, and so is every deleted
/// observation whose newest tombstone is older than --retention-days,
/// together with its tombstones (both stay in the history), and every
/// observation that expired (`mem save --ttl/--expires`) more than
/// --retention-days ago, and every handoff message that expired that long
/// ago with its acks. A device that
/// syncs later cannot bring them back: the removal merges against its
/// unchanged copy.
///
/// Each scope's repository is repacked with `git gc` (loose objects into a
/// pack; nothing reachable is dropped, and unreachable objects younger than
/// git's two-week grace period are kept, so a save running at the same time
/// loses nothing); a background pack already running there (after an
/// import, or past MEM_GC_AUTO loose objects) is waited for first, at most
/// ten minutes (a scope it still holds then is reported and left). A
/// scope of 250,000 objects or more then gets a multi-pack index with a
/// bitmap, which makes each later command's object look-ups cheaper.
/// Session spools untouched for --idle-hours (sessions that
/// crashed, or whose client never said they ended) are saved as their
/// `session` observation and removed.
#[derive(Args, Debug)]
pub struct GcArgs {
    /// Remove deleted observations and their tombstones once the deletion is this many days old (expired ones once they expired this long ago).
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    retention_days: u64,
    /// Fold spools of sessions idle for this many hours.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    idle_hours: u64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: GcArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let spools = fold_idle_spools(
        mem.paths(),
        std::time::Duration::from_secs(args.idle_hours.saturating_mul(3600)),
    )
    .map_err(|e| anyhow::anyhow!("cannot read the session spools: {e}"))?;
    for failed in &spools.failed {
        ui.warn(&format!(
            "kept a session spool that could not be saved: {failed}"
        ));
    }
    let retention = std::time::Duration::from_secs(args.retention_days.saturating_mul(86_400));
    let dropped = mem.gc_dropped(retention)?;
    let messages = mem.purge_messages(retention)?;
    let scopes = mem.gc_scopes()?;
    super::flush_notices(ui, &mut mem);
    if args.json {
        ui.json(&serde_json::json!({"scopes": scopes, "dropped": dropped, "messages": messages, "sessions": spools}))?;
        if scopes.iter().any(|s| s.error.is_some()) {
            anyhow::bail!("a scope could not be packed (see \"error\" in the output)");
        }
        return Ok(());
    }
    for d in dropped.iter().filter(|d| d.commit.is_some()) {
        ui.line(format!(
            "{:<16} removed {} deleted observation file(s) with {} tombstone(s), {} expired observation file(s), {} resolved merge record(s)",
            d.scope, d.observations, d.tombstones, d.expired, d.resolved_records
        ))?;
    }
    for m in messages.iter().filter(|m| m.commit.is_some()) {
        ui.line(format!(
            "{:<16} removed {} expired message(s) and {} ack(s)",
            m.scope, m.messages, m.acks
        ))?;
    }
    for s in &scopes {
        if let Some(e) = &s.error {
            ui.warn(e);
            continue;
        }
        ui.line(format!(
            "{:<16} objects {} loose + {} packed -> {} loose + {} packed, {:.1} MiB -> {:.1} MiB",
            s.scope,
            s.before.loose,
            s.before.packed,
            s.after.loose,
            s.after.packed,
            mib(s.before.bytes),
            mib(s.after.bytes),
        ))?;
    }
    let freed: i64 = scopes
        .iter()
        .map(|s| s.before.bytes as i64 - s.after.bytes as i64)
        .sum();
    ui.line(format!(
        "freed {:.1} MiB; {} idle session(s) saved, {} spool(s) removed",
        freed.max(0) as f64 / 1_048_576.0,
        spools.sessions_saved,
        spools.spools_removed
    ))?;
    let failed = scopes.iter().filter(|s| s.error.is_some()).count();
    if failed > 0 {
        anyhow::bail!("{failed} scope(s) could not be packed (see above)");
    }
    Ok(())
}
