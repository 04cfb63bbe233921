//! `mem doctor`.

use clap::Args;
use kioku_mesh::config::{Flags, Source};
use kioku_mesh::store::short_id;
use serde::Serialize;

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
}

#[derive(Serialize)]
struct Setting {
    name: &'static str,
    value: Option<String>,
    source: Source,
}

#[derive(Serialize)]
struct ScopeReport {
    name: String,
    path: String,
    head: Option<String>,
    encrypted: Option<bool>,
    indexed: Option<String>,
    index_lag: bool,
}

#[derive(Serialize)]
struct Problem {
    problem: String,
    fix: String,
}

#[derive(Serialize)]
struct Report {
    settings: Vec<Setting>,
    git: Option<String>,
    scopes: Vec<ScopeReport>,
    index: IndexReport,
    broken_files: Vec<kioku_mesh::index::BrokenFile>,
    notes: Vec<String>,
    problems: Vec<Problem>,
}

#[derive(Serialize)]
struct IndexReport {
    path: String,
    mode: Option<String>,
    health: String,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: DoctorArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let cfg = mem.config().clone();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let settings = vec![
        Setting {
            name: "user_id",
            value: Some(cfg.user_id.value.clone()),
            source: cfg.user_id.source.clone(),
        },
        Setting {
            name: "device",
            value: Some(cfg.device.value.clone()),
            source: cfg.device.source.clone(),
        },
        Setting {
            name: "default_scope",
            value: Some(cfg.default_scope.value.clone()),
            source: cfg.default_scope.source.clone(),
        },
        Setting {
            name: "project",
            value: cfg.project.value.clone(),
            source: cfg.project.source.clone(),
        },
        Setting {
            name: "limit",
            value: Some(cfg.limit.value.to_string()),
            source: cfg.limit.source.clone(),
        },
    ];
    let git = match kioku_mesh::gitcli::version() {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(Problem {
                problem: e.to_string(),
                fix: "apt-get install git (or your system's package manager)".into(),
            });
            None
        }
    };
    if !mem.is_initialised() {
        problems.push(Problem {
            problem: "mem is not set up here".into(),
            fix: "mem init".into(),
        });
    }
    if !mem
        .scopes()
        .iter()
        .any(|s| s.as_str() == cfg.default_scope.value)
        && mem.is_initialised()
    {
        problems.push(Problem {
            problem: format!(
                "default_scope '{}' ({}) is not a scope on this device",
                cfg.default_scope.value, cfg.default_scope.source
            ),
            fix: "set default_scope to one of the scopes in `mem doctor` or create it".into(),
        });
    }

    // Index state before catching up, so the lag is visible.
    let index_path = mem.paths().index_file();
    let mut scopes = Vec::new();
    let before: Vec<(String, Option<String>)> = if index_path.exists() {
        match kioku_mesh::index::Index::open(&index_path) {
            Ok((idx, _)) => mem
                .scopes()
                .iter()
                .map(|s| (s.to_string(), idx.indexed_commit(s.as_str()).ok().flatten()))
                .collect(),
            Err(_) => Vec::new(),
        }
    } else {
        Vec::new()
    };
    for scope in mem.scopes().to_vec() {
        let repo = mem.repo(&scope)?;
        let head = repo.head()?.map(|h| h.to_string());
        let encrypted = mem.scope_meta(&scope).ok().map(|m| m.encrypted);
        if scope.as_str() == "user" && encrypted == Some(false) {
            notes.push("scope 'user' is not encrypted: encryption of the user scope arrives with `mem key init` in a later release; until then keep it off public remotes".into());
        }
        let indexed = before
            .iter()
            .find(|(n, _)| *n == scope.as_str())
            .and_then(|(_, c)| c.clone());
        scopes.push(ScopeReport {
            name: scope.to_string(),
            path: repo.path().display().to_string(),
            index_lag: indexed != head,
            head,
            encrypted,
            indexed,
        });
    }

    let mut health = "ok".to_owned();
    let mut broken_files = Vec::new();
    if mem.is_initialised() {
        match mem.index() {
            Ok(index) => {
                if let Ok(Some(bad)) = index.quick_check() {
                    health = bad.clone();
                    problems.push(Problem {
                        problem: format!("the index fails its integrity check: {bad}"),
                        fix: "mem reindex".into(),
                    });
                }
                broken_files = index.broken_files()?;
            }
            Err(e) => {
                health = format!("{e:#}");
                problems.push(Problem {
                    problem: format!("the index cannot be used: {e:#}"),
                    fix: "mem reindex".into(),
                });
            }
        }
    }
    super::flush_notices(ui, &mut mem);
    for b in &broken_files {
        problems.push(Problem {
            problem: format!("{}:{} cannot be read ({})", b.scope, b.path, b.error),
            fix: format!(
                "fix the file's front matter or remove it in a clone of {}",
                mem.repo(&kioku_mesh::store::ScopeName::parse(&b.scope)?)?
                    .path()
                    .display()
            ),
        });
    }
    let mode = file_mode(&index_path);
    if let Some(m) = &mode {
        if m != "600" {
            problems.push(Problem {
                problem: format!(
                    "the index {} is readable by others (mode {m}); it holds decrypted text",
                    index_path.display()
                ),
                fix: format!("chmod 600 {}", index_path.display()),
            });
        }
    }
    let report = Report {
        settings,
        git,
        scopes,
        index: IndexReport {
            path: index_path.display().to_string(),
            mode,
            health,
        },
        broken_files,
        notes,
        problems,
    };
    let failed = !report.problems.is_empty();
    if args.json {
        ui.json(&report)?;
    } else {
        print_human(ui, &report)?;
    }
    if failed {
        anyhow::bail!(
            "{} problem(s) need attention (see above)",
            report.problems.len()
        );
    }
    Ok(())
}

fn file_mode(path: &std::path::Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| format!("{:o}", m.permissions().mode() & 0o777))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn print_human(ui: &mut Ui, r: &Report) -> anyhow::Result<()> {
    ui.line("settings:")?;
    for s in &r.settings {
        ui.line(format!(
            "  {:<14} {:<32} ({})",
            s.name,
            s.value.as_deref().unwrap_or("(none)"),
            s.source
        ))?;
    }
    ui.line(format!("git: {}", r.git.as_deref().unwrap_or("missing")))?;
    ui.line("scopes:")?;
    for s in &r.scopes {
        ui.line(format!(
            "  {:<14} head {:<12} {:<10} index {}",
            s.name,
            s.head.as_deref().map(short_id).unwrap_or("(empty)"),
            match s.encrypted {
                Some(true) => "encrypted",
                Some(false) => "plaintext",
                None => "unknown",
            },
            if s.index_lag {
                "was behind (now updated)"
            } else {
                "up to date"
            }
        ))?;
    }
    ui.line(format!(
        "index: {} (mode {}, {})",
        r.index.path,
        r.index.mode.as_deref().unwrap_or("?"),
        r.index.health
    ))?;
    for n in &r.notes {
        ui.line(format!("note: {n}"))?;
    }
    if r.problems.is_empty() {
        ui.line("no problems found")?;
    }
    for p in &r.problems {
        ui.line(format!("problem: {}\n  fix: {}", p.problem, p.fix))?;
    }
    Ok(())
}
