//! `mem doctor`: render the library's diagnosis; `--fix` runs the repairs
//! it names, then diagnoses again.

use clap::Args;
use kioku_mesh::memory::{Diagnosis, Repair};
use kioku_mesh::store::short_id;

use super::{Ctx, Ui};

/// Check the setup and say what needs doing.
///
/// Prints every resolved setting with the layer it came from, git's
/// version, each scope's head, encryption and index state, the index file's
/// health and permissions, and files that could not be read. Exits 1 when
/// something needs action, naming the command that fixes it.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Run the repairs doctor can make by itself (fetch what a scope lost
    /// from its remote), then check again.
    #[arg(long)]
    fix: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: DoctorArgs) -> anyhow::Result<()> {
    // Doctor always runs: a config.yaml that cannot be read is its first
    // problem, and the rest is checked with the defaults.
    let (mut mem, config_error) = kioku_mesh::Mem::open_lenient(
        ctx.paths.clone(),
        &ctx.cwd,
        &kioku_mesh::config::Flags::default(),
    )?;
    let home = dirs::home_dir();
    let mut report = mem.diagnose(config_error.as_ref(), home.as_deref());
    if args.fix {
        let mut repairs: Vec<&Repair> = Vec::new();
        for r in report.problems.iter().filter_map(|p| p.repair.as_ref()) {
            if !repairs.contains(&r) {
                repairs.push(r);
            }
        }
        let mut done = 0;
        for repair in repairs {
            let Repair::FromRemote(scope) = repair;
            match mem.repair_from_remote(scope) {
                Ok(r) => {
                    done += 1;
                    ui.note(&format!(
                        "scope '{}': fetched {} pack(s) from {}",
                        r.scope, r.packs, r.remote
                    ));
                    if let Some((lost, now)) = &r.reset {
                        ui.warn(&format!(
                            "scope '{}': commit {} is on neither this device nor the remote; main is back at {}, the newest state this device had whole (saves made here after it are lost)",
                            r.scope,
                            short_id(lost),
                            short_id(now)
                        ));
                    }
                }
                Err(e) => ui.warn(&format!("scope '{scope}' could not be repaired: {e}")),
            }
        }
        if done == 0 {
            ui.note("nothing doctor can repair by itself");
        }
        mem = kioku_mesh::Mem::open_lenient(
            ctx.paths.clone(),
            &ctx.cwd,
            &kioku_mesh::config::Flags::default(),
        )?
        .0;
        report = mem.diagnose(config_error.as_ref(), home.as_deref());
    }
    super::flush_notices(ui, &mut mem);
    if args.json {
        ui.json(&report)?;
    } else {
        print_human(ui, &report)?;
    }
    if !report.problems.is_empty() {
        anyhow::bail!(
            "{} problem(s) need attention (see above)",
            report.problems.len()
        );
    }
    Ok(())
}

fn print_human(ui: &mut Ui, r: &Diagnosis) -> anyhow::Result<()> {
    ui.line("settings:")?;
    for s in &r.settings {
        ui.line(format!(
            "  {:<14} {:<32} ({})",
            s.name,
            s.value.as_deref().unwrap_or("(none)"),
            s.source
        ))?;
    }
    ui.line(format!(
        "identity: {}",
        match (&r.identity.recipient, &r.identity.error) {
            (Some(rec), _) => rec.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => "(none)".into(),
        }
    ))?;
    ui.line(format!("git: {}", r.git.as_deref().unwrap_or("missing")))?;
    let installed: Vec<&str> = r
        .agents
        .iter()
        .filter(|a| a.installed)
        .map(|a| a.client)
        .collect();
    ui.line(format!(
        "agent hooks: {}",
        if installed.is_empty() {
            "none (mem hook install --client claude-code|codex|gemini)".to_owned()
        } else {
            installed.join(", ")
        }
    ))?;
    ui.line("scopes:")?;
    for s in &r.scopes {
        ui.line(format!(
            "  {:<14} head {:<12} {:<28} index {}",
            s.name,
            s.head.as_deref().map(short_id).unwrap_or("(empty)"),
            match s.encrypted {
                Some(true) => format!(
                    "encrypted, {} recipient(s){}",
                    s.recipients,
                    if s.undecryptable_files > 0 {
                        format!(", {} unreadable", s.undecryptable_files)
                    } else {
                        String::new()
                    }
                ),
                Some(false) => "plaintext".into(),
                None => "unknown".into(),
            },
            match (&s.error, s.index_lag, s.index_current) {
                (Some(_), _, _) => "cannot be read",
                (None, _, false) => "behind (could not be updated)",
                (None, true, true) => "was behind (now updated)",
                (None, false, true) => "up to date",
            }
        ))?;
        if let Some(n) = s.loose_objects.filter(|n| *n > 0) {
            ui.line(format!("  {:<14} {n} loose object(s)", ""))?;
        }
        if let Some(remote) = &s.remote {
            ui.line(format!(
                "  {:<14} remote {remote}: {} ahead, {} behind, last sync {}",
                "",
                s.ahead.unwrap_or(0),
                s.behind.unwrap_or(0),
                s.last_sync.as_deref().unwrap_or("never")
            ))?;
        }
    }
    ui.line(format!(
        "index: {} (mode {}, {})",
        r.index.path,
        r.index.mode.as_deref().unwrap_or("?"),
        r.index.health
    ))?;
    ui.line(match &r.search.model {
        Some(m) if r.search.mode == "hybrid" => format!(
            "search: hybrid (bm25 + {}, {} dimensions; {} vectors, {} bytes each)",
            m.name,
            m.dim,
            r.search.vectors,
            r.search.vector_bytes / r.search.vectors.max(1)
        ),
        Some(m) => format!("search: lexical (model {} set but unusable)", m.name),
        None if r.search.error.is_some() => "search: lexical (model unusable)".to_owned(),
        None => "search: lexical (no embedding model; `mem model download` or `mem model set DIR` adds one)".to_owned(),
    })?;
    if r.problems.is_empty() {
        ui.line("no problems found")?;
    }
    for p in &r.problems {
        ui.line(format!("problem: {}\n  fix: {}", p.problem, p.fix))?;
    }
    Ok(())
}
