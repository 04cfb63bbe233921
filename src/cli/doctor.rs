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
    recipients: usize,
    readable_here: bool,
    undecryptable_files: usize,
    plaintext_files: usize,
    indexed: Option<String>,
    index_lag: bool,
    remote: Option<kioku_mesh::remote::RemoteUrl>,
    last_sync: Option<String>,
    /// Why the last sync failed, when it did (cleared by one that works).
    last_sync_error: Option<String>,
    /// Commits on this device the remote (as last fetched) does not have.
    ahead: Option<usize>,
    /// Commits fetched from the remote that are not merged here.
    behind: Option<usize>,
    unresolved_conflicts: usize,
    /// What the remote changed that this device refused (recipients it could
    /// not verify, an older list, encryption turned off, files removed
    /// without a tombstone at the last sync).
    refused: Vec<kioku_mesh::memory::RemoteRefusal>,
}

#[derive(Serialize)]
struct IdentityReport {
    path: String,
    source: Source,
    recipient: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct Problem {
    problem: String,
    fix: String,
}

#[derive(Serialize)]
struct AgentReport {
    client: &'static str,
    settings_file: String,
    installed: bool,
    missing_events: Vec<&'static str>,
}

#[derive(Serialize)]
struct Report {
    settings: Vec<Setting>,
    identity: IdentityReport,
    git: Option<String>,
    agents: Vec<AgentReport>,
    scopes: Vec<ScopeReport>,
    index: IndexReport,
    broken_files: Vec<kioku_mesh::index::BrokenFile>,
    problems: Vec<Problem>,
}

#[derive(Serialize)]
struct IndexReport {
    path: String,
    mode: Option<String>,
    health: String,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: DoctorArgs) -> anyhow::Result<()> {
    // Doctor always runs: a config.yaml that cannot be read is its first
    // problem, and the rest is checked with the defaults.
    let (mut mem, config_error) =
        kioku_mesh::Mem::open_lenient(ctx.paths.clone(), &ctx.cwd, &Flags::default())?;
    super::flush_notices(ui, &mut mem);
    let cfg = mem.config().clone();
    let mut problems = Vec::new();
    if let Some(e) = config_error {
        problems.push(Problem {
            problem: e.to_string(),
            fix: format!(
                "correct {} (see .kioku-mesh.yaml.example for every setting), or remove it to use the defaults",
                ctx.paths.config_file().display()
            ),
        });
    }
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
        Setting {
            name: "identity",
            value: Some(cfg.identity.value.display().to_string()),
            source: cfg.identity.source.clone(),
        },
    ];
    let identity = match mem.identity() {
        Ok(i) => IdentityReport {
            path: cfg.identity.value.display().to_string(),
            source: cfg.identity.source.clone(),
            recipient: Some(i.recipient()),
            error: None,
        },
        Err(e) => IdentityReport {
            path: cfg.identity.value.display().to_string(),
            source: cfg.identity.source.clone(),
            recipient: None,
            error: Some(e.to_string()),
        },
    };
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
        // What this device knows, not what the tree says (a remote may lie).
        let encrypted = mem.is_encrypted(&scope).ok();
        let refused = mem.remote_refusals(&scope)?;
        for r in &refused {
            use kioku_mesh::memory::RefusalKind as K;
            let diff = |what: &str, list: &[kioku_mesh::crypto::RecipientEntry]| {
                list.iter()
                    .map(|e| format!("{what} {} {}", e.key, e.name))
                    .collect::<Vec<_>>()
            };
            let mut lines = diff("+", &r.added);
            lines.extend(diff("-", &r.dropped));
            let problem = if lines.is_empty() {
                r.message.clone()
            } else {
                format!("{} [{}]", r.message, lines.join("; "))
            };
            let fix = match r.kind {
                K::UnverifiedRecipients | K::ReplayedRecipients => format!(
                    "only if you made that change yourself: mem scope recipients {scope} accept"
                ),
                K::EncryptionTurnedOff => format!("mem scope rekey {scope}"),
                K::RemovedWithoutTombstone => {
                    "nothing here: they were restored and `mem sync` pushes them back; check who can write to the remote".into()
                }
            };
            problems.push(Problem { problem, fix });
        }
        if scope.as_str() == "user" && encrypted == Some(false) {
            problems.push(Problem {
                problem: "scope 'user' is not encrypted (it was made before mem encrypted it)"
                    .into(),
                fix: "mem scope rekey user (add --fresh to drop its plaintext history)".into(),
            });
        }
        let recipients = mem.recipients(scope.as_str())?.1;
        let readable_here = identity
            .recipient
            .as_ref()
            .is_some_and(|r| recipients.contains(r));
        if encrypted == Some(true) {
            match &identity.recipient {
                None => problems.push(Problem {
                    problem: format!(
                        "scope '{scope}' is encrypted and this device has no usable identity ({})",
                        identity.error.as_deref().unwrap_or("unknown")
                    ),
                    fix: "mem key init (or set `identity:` in config.yaml), then add its recipient from a device that can read".into(),
                }),
                Some(r) if !readable_here => problems.push(Problem {
                    problem: format!("this device's identity is not a recipient of scope '{scope}'"),
                    fix: format!("on a device that can read: mem scope recipients {scope} add {r}"),
                }),
                Some(_) => {}
            }
        }
        let plaintext_files = match (encrypted, repo.head()?) {
            (Some(true), Some(head)) => repo
                .files(head, &["obs/", "tomb/", "conflicts/"])?
                .iter()
                .filter(|(p, _)| !kioku_mesh::crypto::is_encrypted_path(p))
                .count(),
            _ => 0,
        };
        if plaintext_files > 0 {
            problems.push(Problem {
                problem: format!(
                    "scope '{scope}' is encrypted but holds {plaintext_files} plaintext file(s) (saved by an older mem or added by hand)"
                ),
                fix: format!("mem scope rekey {scope}"),
            });
        }
        let indexed = before
            .iter()
            .find(|(n, _)| *n == scope.as_str())
            .and_then(|(_, c)| c.clone());
        let remote = repo
            .remote_url()
            .map(|u| kioku_mesh::remote::RemoteUrl::from_config(&u));
        let tracking = repo.ref_target(kioku_mesh::store::TRACKING_REF)?;
        let (ahead, behind) = match (repo.head()?, tracking) {
            (Some(h), Some(t)) => (
                Some(repo.count_only_in(h, Some(t))?),
                Some(repo.count_only_in(t, Some(h))?),
            ),
            // Never synced: everything here is still to push.
            (Some(h), None) if remote.is_some() => (Some(repo.count_only_in(h, None)?), Some(0)),
            _ => (None, None),
        };
        scopes.push(ScopeReport {
            remote,
            last_sync: repo.last_sync(),
            last_sync_error: repo.sync_error(),
            ahead,
            behind,
            unresolved_conflicts: 0,
            refused,
            name: scope.to_string(),
            path: repo.path().display().to_string(),
            index_lag: indexed != head,
            head,
            encrypted,
            recipients: recipients.entries.len(),
            readable_here,
            undecryptable_files: 0,
            plaintext_files,
            indexed,
        });
    }

    for s in &scopes {
        if let Some(e) = &s.last_sync_error {
            problems.push(Problem {
                problem: format!("the last sync of scope '{}' failed: {e}", s.name),
                fix: format!("mem sync --scope {} --verbose", s.name),
            });
        }
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
                for c in index.conflicts(false)? {
                    if let Some(s) = scopes.iter_mut().find(|s| s.name == c.scope) {
                        s.unresolved_conflicts += 1;
                    }
                }
                for s in scopes.iter().filter(|s| s.unresolved_conflicts > 0) {
                    problems.push(Problem {
                        problem: format!(
                            "scope '{}' has {} unresolved conflict(s)",
                            s.name, s.unresolved_conflicts
                        ),
                        fix: "mem conflicts list, then mem conflicts resolve ID".into(),
                    });
                }
                for (name, n) in index.sealed_counts()? {
                    if let Some(s) = scopes.iter_mut().find(|s| s.name == name) {
                        s.undecryptable_files = n;
                        problems.push(Problem {
                            problem: format!(
                                "{n} file(s) of scope '{name}' cannot be decrypted with this device's identity"
                            ),
                            fix: match &identity.recipient {
                                Some(r) => format!(
                                    "on a device that can read: mem scope recipients {name} add {r} (then `mem sync` here)"
                                ),
                                None => "mem key init, then add its recipient from a device that can read".into(),
                            },
                        });
                    }
                }
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
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", index_path.display()));
        if let Some(m) = file_mode(&path).filter(|m| m != "600") {
            problems.push(Problem {
                problem: format!(
                    "{} is readable by others (mode {m}); the index holds decrypted text",
                    path.display()
                ),
                fix: format!("chmod 600 {}", path.display()),
            });
        }
    }
    let agents = agent_hooks(&mut problems);
    let report = Report {
        settings,
        identity,
        git,
        agents,
        scopes,
        index: IndexReport {
            path: index_path.display().to_string(),
            mode,
            health,
        },
        broken_files,
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

/// The user-level hooks of each agent: installed, complete, and running a
/// `mem` that still exists.
fn agent_hooks(problems: &mut Vec<Problem>) -> Vec<AgentReport> {
    use kioku_mesh::agent::settings::{hook_program, Settings};
    use kioku_mesh::agent::Client;
    let Some(home) = dirs::home_dir() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for client in Client::ALL {
        let path = client.hooks_file(&home, None);
        let text = std::fs::read_to_string(&path).ok();
        let hooks = Settings::parse(text.as_deref())
            .map(|s| s.mem_hooks())
            .unwrap_or_default();
        let missing: Vec<&'static str> = client
            .events()
            .iter()
            .map(|(e, _, _)| *e)
            .filter(|e| !hooks.iter().any(|(h, _)| h == e))
            .collect();
        let installed = !hooks.is_empty();
        let fix = format!("mem hook install --client {}", client.name());
        if installed && !missing.is_empty() {
            problems.push(Problem {
                problem: format!(
                    "{}'s hooks in {} lack {}",
                    client.name(),
                    path.display(),
                    missing.join(", ")
                ),
                fix: fix.clone(),
            });
        }
        let gone: Vec<String> = hooks
            .iter()
            .filter_map(|(_, cmd)| hook_program(cmd))
            .filter(|p| p.contains('/') && !std::path::Path::new(p).exists())
            .collect();
        if let Some(p) = gone.first() {
            problems.push(Problem {
                problem: format!(
                    "{}'s hooks in {} run {p}, which no longer exists",
                    client.name(),
                    path.display()
                ),
                fix,
            });
        }
        out.push(AgentReport {
            client: client.name(),
            settings_file: path.display().to_string(),
            installed,
            missing_events: if installed { missing } else { Vec::new() },
        });
    }
    out
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
            if s.index_lag {
                "was behind (now updated)"
            } else {
                "up to date"
            }
        ))?;
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
    if r.problems.is_empty() {
        ui.line("no problems found")?;
    }
    for p in &r.problems {
        ui.line(format!("problem: {}\n  fix: {}", p.problem, p.fix))?;
    }
    Ok(())
}
