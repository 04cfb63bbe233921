//! `mem hook install|uninstall --client claude-code|codex|gemini`.

use std::path::{Path, PathBuf};

use kioku_mesh::agent::settings::Settings;
use kioku_mesh::agent::{codex_toml, Client};

use crate::cli::{Ctx, Ui};

/// What the user asked for.
pub struct Plan {
    pub client: Client,
    pub install: bool,
    pub project: bool,
    /// Touch the MCP registration too.
    pub mcp: bool,
    /// Mark the MCP server trusted (Gemini).
    pub trust: bool,
    pub dry_run: bool,
}

/// One file's change: its path, its text before (`None`: missing) and after.
struct Change {
    path: PathBuf,
    before: Option<String>,
    after: String,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, plan: &Plan) -> anyhow::Result<()> {
    let home = dirs::home_dir().ok_or_else(|| {
        anyhow::anyhow!("cannot find your home directory: set HOME and run this again")
    })?;
    let root = if plan.project {
        Some(project_root(&ctx.cwd))
    } else {
        None
    };
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the mem executable: {e}"))?;
    // A project's settings are shared through its repository: they name
    // `mem` on PATH and no home of this machine's.
    let mem_home = std::env::var("MEM_HOME")
        .ok()
        .filter(|h| !h.is_empty() && !plan.project);
    let program = if plan.project {
        "mem".to_owned()
    } else {
        sh_quote(&exe.display().to_string())
    };
    let hooks_path = plan.client.hooks_file(&home, root.as_deref());
    let mcp_path = plan.client.mcp_file(&home, root.as_deref());

    let mut changes: Vec<Change> = Vec::new();
    let hooks_before = super::read_optional(&hooks_path)?;
    let mut hooks_doc = Settings::parse(hooks_before.as_deref())
        .map_err(|e| anyhow::anyhow!("{} {e}", hooks_path.display()))?;
    let client_name = plan.client.name();
    let hook_command = |event: &str| {
        let mut cmd = String::new();
        if let Some(h) = &mem_home {
            cmd.push_str(&format!("MEM_HOME={} ", sh_quote(h)));
        }
        cmd.push_str(&format!("{program} hook run {client_name} {event}"));
        cmd
    };
    let hooks_changed = if plan.install {
        hooks_doc
            .install_hooks(plan.client, hook_command)
            .map_err(|e| anyhow::anyhow!("{} {e}", hooks_path.display()))?
    } else {
        hooks_doc.uninstall_hooks()
    };
    let env: Vec<(String, String)> = mem_home
        .iter()
        .map(|h| ("MEM_HOME".to_string(), h.clone()))
        .collect();
    let args = vec!["mcp".to_string()];
    let exe_text = if plan.project {
        "mem".to_owned()
    } else {
        exe.display().to_string()
    };
    let mut mcp_changed = false;
    if plan.mcp && mcp_path == hooks_path {
        mcp_changed = if plan.install {
            hooks_doc
                .install_mcp_trusted(&exe_text, &args, &env, plan.trust)
                .map_err(|e| anyhow::anyhow!("{} {e}", mcp_path.display()))?
        } else {
            hooks_doc.uninstall_mcp()
        };
    }
    if hooks_changed || mcp_changed {
        changes.push(Change {
            path: hooks_path.clone(),
            before: hooks_before,
            after: hooks_doc.render(),
        });
    }
    if plan.mcp && mcp_path != hooks_path {
        let before = super::read_optional(&mcp_path)?;
        let after = if plan.client == Client::Codex {
            let mut doc = codex_toml::parse(before.as_deref())
                .map_err(|e| anyhow::anyhow!("{} {e}", mcp_path.display()))?;
            let changed = if plan.install {
                codex_toml::install_mcp(&mut doc, &exe_text, &args, &env)
                    .map_err(|e| anyhow::anyhow!("{} {e}", mcp_path.display()))?
            } else {
                codex_toml::uninstall_mcp(&mut doc)
            };
            changed.then(|| doc.to_string())
        } else {
            let mut doc = Settings::parse(before.as_deref())
                .map_err(|e| anyhow::anyhow!("{} {e}", mcp_path.display()))?;
            let changed = if plan.install {
                doc.install_mcp(&exe_text, &args, &env)
                    .map_err(|e| anyhow::anyhow!("{} {e}", mcp_path.display()))?
            } else {
                doc.uninstall_mcp()
            };
            changed.then(|| doc.render())
        };
        if let Some(after) = after {
            changes.push(Change {
                path: mcp_path.clone(),
                before,
                after,
            });
        }
    }

    if changes.is_empty() {
        ui.line(if plan.install {
            format!(
                "{client_name}: mem's hooks are already installed in {}: nothing to do",
                hooks_path.display()
            )
        } else {
            format!(
                "{client_name}: no mem hooks in {}: nothing to do",
                hooks_path.display()
            )
        })?;
        return Ok(());
    }
    if plan.dry_run {
        for c in &changes {
            let before = c.before.as_deref().unwrap_or("");
            if plan.install {
                super::print_diff(ui, &c.path, before, &c.after)?;
                continue;
            }
            // What the real uninstall would do (see `undo`).
            match plan_undo(c)? {
                UndoPlan::Remove => {
                    super::print_diff(ui, &c.path, before, "")?;
                    ui.line(format!(
                        "{client_name}: would remove {} (mem had created it)",
                        c.path.display()
                    ))?;
                }
                UndoPlan::Restore(backup, text) => {
                    super::print_diff(ui, &c.path, before, &text)?;
                    ui.line(format!(
                        "{client_name}: would restore {} from {}",
                        c.path.display(),
                        backup.display()
                    ))?;
                }
                UndoPlan::Write => super::print_diff(ui, &c.path, before, &c.after)?,
            }
        }
        return Ok(());
    }
    for c in &changes {
        let done = if plan.install {
            write_with_backup(c)?;
            format!("updated {}", c.path.display())
        } else {
            match undo(c)? {
                Undone::Removed => format!("removed {} (mem had created it)", c.path.display()),
                Undone::Restored(backup) => {
                    format!("restored {} from {}", c.path.display(), backup.display())
                }
                Undone::Written => format!("removed mem from {}", c.path.display()),
            }
        };
        ui.line(format!("{client_name}: {done}"))?;
    }
    if plan.install {
        match plan.client {
            Client::Codex => ui.note(
                "Codex runs new hooks only once you trust them: start codex, open /hooks and choose Trust for mem's hooks",
            ),
            Client::Gemini if plan.project => ui.note(
                "Gemini CLI runs a project's hooks only in a trusted folder: trust this folder when Gemini asks",
            ),
            Client::Gemini if plan.mcp && !plan.trust => ui.note(
                "Gemini CLI asks before each mem tool call and hides mem's tools in headless `gemini -p` runs unless the server is trusted: install with --trust for that",
            ),
            _ => {}
        }
        ui.note("new sessions now start with this project's memories; restart running sessions to pick it up");
    }
    Ok(())
}

/// The repository's top directory (the cwd outside a repository).
fn project_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_owned()
}

/// What uninstalling did to one file.
enum Undone {
    /// Nothing but mem's entries was in it and it had no backup: mem had
    /// created it, so it is gone (with its directory, when that is empty).
    Removed,
    /// What is left is what the backup holds: the backup's bytes are put
    /// back exactly and the backup is gone.
    Restored(PathBuf),
    /// The rest (the user's later changes) was written back.
    Written,
}

/// Whether two settings texts hold the same thing: JSON compared as
/// values, leaving out empty top-level sections (uninstalling drops a
/// `hooks` or `mcpServers` that only mem's entries filled); TOML and
/// anything else as trimmed text.
fn same_settings(a: &str, b: &str) -> bool {
    let parse = |t: &str| {
        serde_json::from_str::<serde_json::Value>(t).map(|mut v| {
            if let Some(map) = v.as_object_mut() {
                map.retain(|_, x| {
                    !(x.as_object().is_some_and(|o| o.is_empty())
                        || x.as_array().is_some_and(|a| a.is_empty()))
                });
            }
            v
        })
    };
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// Whether a settings text holds nothing (`{}`, or an empty TOML file).
fn is_empty_settings(text: &str) -> bool {
    let t = text.trim();
    t.is_empty()
        || serde_json::from_str::<serde_json::Value>(t).is_ok_and(|v| v == serde_json::json!({}))
}

/// What uninstalling will do to one file, decided before doing it (so
/// `--dry-run` shows the same).
enum UndoPlan {
    /// Remove it: mem created it.
    Remove,
    /// Put the backup (its path and text) back.
    Restore(PathBuf, String),
    /// Write the file without mem's entries.
    Write,
}

fn plan_undo(change: &Change) -> anyhow::Result<UndoPlan> {
    let path = &change.path;
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let backup = dir.join(format!("{file_name}.mem-backup"));
    Ok(match super::read_optional(&backup)? {
        None if is_empty_settings(&change.after) => UndoPlan::Remove,
        Some(text) if same_settings(&text, &change.after) => UndoPlan::Restore(backup, text),
        _ => UndoPlan::Write,
    })
}

/// Take mem out of one file without leaving anything of mem's behind: no
/// backup holding mem's own entries, no empty file mem created (a file that
/// existed before the first install always has a `.mem-backup`).
fn undo(change: &Change) -> anyhow::Result<Undone> {
    let path = &change.path;
    let dir = path.parent().unwrap_or(Path::new("."));
    match plan_undo(change)? {
        UndoPlan::Remove => {
            std::fs::remove_file(path)
                .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", path.display()))?;
            // Only succeeds when nothing else is in it.
            let _ = std::fs::remove_dir(dir);
            Ok(Undone::Removed)
        }
        UndoPlan::Restore(backup, _) => {
            std::fs::rename(&backup, path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot restore {} from {}: {e}",
                    path.display(),
                    backup.display()
                )
            })?;
            Ok(Undone::Restored(backup))
        }
        UndoPlan::Write => {
            write_atomically(path, &change.after)?;
            Ok(Undone::Written)
        }
    }
}

/// Whether a settings file holds mem's entries and nothing else (mem
/// created it): such a file gets no backup, so uninstalling can tell it
/// apart. A file that was empty (`{}`) before mem came is backed up.
fn only_mem(path: &Path, text: &str) -> bool {
    if path.extension().is_some_and(|e| e == "toml") {
        return codex_toml::parse(Some(text)).is_ok_and(|mut doc| {
            codex_toml::uninstall_mcp(&mut doc) && doc.to_string().trim().is_empty()
        });
    }
    Settings::parse(Some(text)).is_ok_and(|mut doc| {
        let hooks = doc.uninstall_hooks();
        let mcp = doc.uninstall_mcp();
        (hooks || mcp) && doc.root.is_empty()
    })
}

/// Keep the first backup (`<file>.mem-backup`) unless the file holds only
/// mem's entries, then replace the file atomically with the same permissions.
fn write_with_backup(change: &Change) -> anyhow::Result<()> {
    let path = &change.path;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    if let Some(before) = change.before.as_ref().filter(|b| !only_mem(path, b)) {
        let backup = dir.join(format!("{file_name}.mem-backup"));
        if !backup.exists() {
            std::fs::copy(path, &backup).map_err(|e| {
                anyhow::anyhow!(
                    "cannot back up {} to {}: {e}",
                    path.display(),
                    backup.display()
                )
            })?;
            debug_assert_eq!(std::fs::read_to_string(&backup).ok().as_ref(), Some(before));
        }
    }
    write_atomically(path, &change.after)
}

/// Replace `path` with `text` atomically, keeping its permissions.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let mode = std::fs::metadata(path).map(|m| m.permissions()).ok();
    if let Some(mode) = mode {
        std::fs::set_permissions(tmp.path(), mode)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// `s` as one POSIX shell word.
fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '/' | '.' | '_' | '-' | '+' | ':' | '@' | '%' | ',')
        });
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
