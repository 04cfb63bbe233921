//! What one `mem hook run CLIENT EVENT` does with its payload. The caller
//! (the command line) owns stdin, stdout, the deadline and the log; this
//! decides the answer.

use std::path::{Path, PathBuf};

use super::spool::{self, Entry, EntryKind};
use super::{Client, Event, Payload};
use crate::config::Flags;
use crate::memory::{Mem, MemError, Notice, RecallBar, DEFAULT_BUDGET};
use crate::paths::Paths;
use crate::time;

/// Why a hook run could not do its work. The hook still answers (it fails
/// open); this goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The payload is not a JSON object.
    #[error("the payload on stdin is not a JSON object: {0}")]
    Payload(#[from] serde_json::Error),
    /// A spool event without a session id.
    #[error("the payload has no session_id, so there is no session to record it in")]
    NoSession,
    /// Reading or writing the spool.
    #[error("cannot write the session spool {}: {source}", path.display())]
    Spool {
        /// The spool file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Mem(#[from] MemError),
}

/// A hook run's answer: the JSON for stdout and the lines for the log.
#[derive(Debug, Clone)]
pub struct Answer {
    /// What the client reads on stdout.
    pub output: serde_json::Value,
    /// Warnings worth a log line (skipped files, unsaved sessions).
    pub notes: Vec<String>,
}

/// Handle the client's event `event_name` with payload `input` (the bytes
/// read from stdin). `fallback_cwd` is used when the payload has no `cwd`.
///
/// Session start answers with the `mem context` block of the session's
/// project; prompts, tool calls and replies are appended to the session's
/// spool, and a prompt is answered with the memories relevant to it that
/// the session has not been shown yet ([`Mem::recall`], when the config's
/// `recall` is on for the client); a session's end folds the spool into one
/// `session` observation in the project's default scope and removes the
/// spool. Events `mem` does not handle answer `{}`. When mem is not set up
/// nothing is created.
///
/// # Errors
/// [`HookError`] for a bad payload, an unwritable spool or a failing store.
pub fn handle(
    paths: &Paths,
    client: Client,
    event_name: &str,
    input: &[u8],
    fallback_cwd: &Path,
) -> Result<Answer, HookError> {
    let payload = Payload::parse(input)?;
    let cwd = payload
        .cwd
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| fallback_cwd.to_owned());
    let mut answer = Answer {
        output: client.output(event_name, None),
        notes: Vec::new(),
    };
    let Some(event) = client.event(event_name) else {
        return Ok(answer);
    };
    let session = payload.session_id.as_deref().filter(|s| !s.is_empty());
    if event == Event::SessionStart {
        let mut mem = Mem::open(paths.clone(), &cwd, &Flags::default())?;
        if mem.is_initialised() {
            mem.set_caller(
                Some(client.name().to_owned()),
                payload.session_id.clone().filter(|s| !s.is_empty()),
            );
            let context = mem.context(DEFAULT_BUDGET, None);
            answer.notes.extend(notices(&mut mem));
            let context = context?;
            if let Some(session) = session {
                let ids = context.entries.iter().map(|e| e.id.as_str());
                let path = recalled_path(paths, client, session);
                if let Err(e) = remember_recalled(&path, ids) {
                    answer
                        .notes
                        .push(format!("cannot write {}: {e}", path.display()));
                }
            }
            answer.output = client.output(event_name, Some(&context.markdown));
        }
        return Ok(answer);
    }
    let session = session.ok_or(HookError::NoSession)?;
    let spool_path = spool::path(paths.data_dir(), client, session);
    let now = time::now().as_second();
    let entry = match event {
        Event::Prompt => payload
            .user_prompt()
            .map(|p| Entry::text(now, EntryKind::Prompt, &p)),
        Event::Tool => Some(Entry {
            at: now,
            kind: EntryKind::Tool,
            text: None,
            tool: payload.tool_name.clone(),
            files: payload.touched_files(),
            cwd: None,
        }),
        Event::TurnEnd => payload
            .reply()
            .map(|r| Entry::text(now, EntryKind::Reply, r)),
        Event::SessionStart | Event::SessionEnd | Event::Compact => None,
    };
    if let Some(mut entry) = entry {
        entry.cwd = Some(cwd.to_string_lossy().into_owned());
        spool::append(&spool_path, &entry).map_err(|source| HookError::Spool {
            path: spool_path.clone(),
            source,
        })?;
    }
    if event == Event::Prompt {
        if let Some(prompt) = payload.user_prompt() {
            // Recall never costs the prompt its spool line: that is written
            // first, and a failure here is only a log line.
            match recall(paths, client, session, &cwd, &prompt, &mut answer.notes) {
                Ok(Some(block)) => answer.output = client.output(event_name, Some(&block)),
                Ok(None) => {}
                Err(e) => answer.notes.push(format!("recall: {e}")),
            }
        }
    }
    let ends = event == Event::SessionEnd;
    if ends || event == Event::Compact || (event == Event::TurnEnd && !client.has_session_end()) {
        fold_and_save(
            paths,
            client,
            session,
            Some(&cwd),
            &spool_path,
            &mut answer.notes,
        )?;
        if ends {
            let _ = std::fs::remove_file(recalled_path(paths, client, session));
            match std::fs::remove_file(&spool_path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(HookError::Spool {
                        path: spool_path,
                        source,
                    })
                }
            }
        }
    }
    Ok(answer)
}

/// Fold the spool at `spool_path` and save its `session` observation from
/// `cwd` (by default the last working directory the spool recorded).
/// Returns whether an observation was saved; warnings go to `notes`.
fn fold_and_save(
    paths: &Paths,
    client: Client,
    session: &str,
    cwd: Option<&Path>,
    spool_path: &Path,
    notes: &mut Vec<String>,
) -> Result<bool, HookError> {
    let entries = spool::read(spool_path).map_err(|source| HookError::Spool {
        path: spool_path.to_owned(),
        source,
    })?;
    let Some(draft) = spool::fold(&entries, client, session) else {
        return Ok(false);
    };
    let cwd = match cwd {
        Some(c) => c.to_owned(),
        None => entries
            .iter()
            .rev()
            .find_map(|e| e.cwd.clone())
            .map(PathBuf::from)
            .unwrap_or_else(|| paths.data_dir().to_owned()),
    };
    let mut mem = Mem::open(paths.clone(), &cwd, &Flags::default())?;
    if !mem.is_initialised() {
        notes.push("mem is not set up (run `mem init`): the session was not saved".into());
        return Ok(false);
    }
    let saved = mem.save(draft);
    notes.extend(notices(&mut mem));
    saved?;
    Ok(true)
}

/// The memories relevant to `prompt` that this session has not been shown
/// yet ([`Mem::recall`]), as a Markdown block; `None` when recall is off for
/// `client`, mem is not set up, or nothing is relevant enough. The ids
/// shown are added to the session's list.
fn recall(
    paths: &Paths,
    client: Client,
    session: &str,
    cwd: &Path,
    prompt: &str,
    notes: &mut Vec<String>,
) -> Result<Option<String>, HookError> {
    let mut mem = Mem::open(paths.clone(), cwd, &Flags::default())?;
    if !mem.is_initialised() || !mem.config().recall_on(client.name()) {
        return Ok(None);
    }
    let budget = mem.config().recall_budget.value;
    let path = recalled_path(paths, client, session);
    let seen = read_recalled(&path);
    // Overrides for measurements (benches/locomo.rs); the defaults are the
    // search mode's (`RecallBar`).
    let bar = RecallBar {
        threshold: std::env::var("MEM_RECALL_THRESHOLD")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|t| (0.0..=1.0).contains(t)),
        similarity: std::env::var("MEM_RECALL_SIMILARITY")
            .ok()
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|s| (-1.0..=1.0).contains(s)),
    };
    let found = mem.recall(prompt, budget, bar, &seen);
    notes.extend(notices(&mut mem));
    let found = found?;
    if found.entries.is_empty() {
        return Ok(None);
    }
    remember_recalled(&path, found.entries.iter().map(|e| e.id.as_str())).map_err(|source| {
        HookError::Spool {
            path: path.clone(),
            source,
        }
    })?;
    Ok(Some(found.markdown))
}

/// The list of memory ids a session has been shown (session start and
/// recall): beside the session's spool, one id a line.
fn recalled_path(paths: &Paths, client: Client, session: &str) -> PathBuf {
    spool::path(paths.data_dir(), client, session).with_extension("recalled")
}

/// The ids in the list at `path` (none when it is missing or unreadable:
/// at worst a memory is shown twice).
fn read_recalled(path: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Append `ids` to the list at `path`.
fn remember_recalled<'a>(path: &Path, ids: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    use std::io::Write;
    let mut text = String::new();
    for id in ids {
        text.push_str(id);
        text.push('\n');
    }
    if text.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(text.as_bytes())
}

fn notices(mem: &mut Mem) -> Vec<String> {
    mem.take_notices()
        .into_iter()
        .filter_map(|n| match n {
            Notice::Warning(m) => Some(m),
            Notice::Note(_) => None,
        })
        .collect()
}

/// What [`fold_idle_spools`] did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SpoolGc {
    /// Session observations saved from spools whose session never said it ended.
    pub sessions_saved: usize,
    /// Spool files removed.
    pub spools_removed: usize,
    /// One sentence per spool that could not be folded (it is kept).
    pub failed: Vec<String>,
}

/// Fold every spool untouched for `idle` into its `session` observation
/// and remove it: sessions that crashed, were killed, or whose client never
/// sent a session end. Spools of running sessions are left alone.
///
/// # Errors
/// The I/O error when the spool directory cannot be read.
pub fn fold_idle_spools(paths: &Paths, idle: std::time::Duration) -> std::io::Result<SpoolGc> {
    let mut report = SpoolGc::default();
    let dir = spool::dir(paths.data_dir());
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(report),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".recalled") {
            // A session's list of shown memories outlives its spool only
            // when the session never said it ended.
            let idle_for = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .unwrap_or_default();
            if idle_for >= idle {
                std::fs::remove_file(&path)?;
            }
            continue;
        }
        let Some(stem) = name.strip_suffix(".jsonl") else {
            continue;
        };
        let Some((client, session)) = Client::ALL.into_iter().find_map(|c| {
            stem.strip_prefix(c.name())
                .and_then(|rest| rest.strip_prefix('-'))
                .map(|s| (c, s.to_owned()))
        }) else {
            continue;
        };
        let age = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .unwrap_or_default();
        if age < idle {
            continue;
        }
        let folded = fold_and_save(paths, client, &session, None, &path, &mut Vec::new());
        match folded {
            Ok(saved) => {
                std::fs::remove_file(&path)?;
                report.spools_removed += 1;
                report.sessions_saved += usize::from(saved);
            }
            Err(e) => report.failed.push(format!("{}: {e}", path.display())),
        }
    }
    Ok(report)
}
