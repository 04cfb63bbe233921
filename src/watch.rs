//! `mem watch`: keep the index in step with the scopes' refs when something
//! else moves them (a `git fetch`, another process), and sync a while after
//! the last local change.
//!
//! The scopes directory is watched recursively with `notify` (inotify on
//! Linux); only events under a repository's `refs/` or on `packed-refs`
//! count. Bursts are folded: the index is brought up to date once things
//! have been quiet for [`SETTLE`], and a sync runs `sync_after` after the
//! last change of a branch that the previous sync did not itself produce.
//! One watcher per data directory: `watch.lock` is held with an advisory
//! lock (`flock`) for the watcher's lifetime.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use crate::config::Flags;
use crate::memory::{Mem, MemError, Notice, SyncResult};
use crate::paths::Paths;

/// Quiet time before the index is updated after a burst of ref changes.
pub const SETTLE: Duration = Duration::from_millis(150);

/// Errors starting or running the watcher.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// Another watcher holds the lock.
    #[error("another mem watch is already running for {dir}{}: stop it first, or leave it running", pid.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default())]
    AlreadyRunning {
        /// The data directory.
        dir: String,
        /// The other watcher's pid, when it wrote one.
        pid: Option<String>,
    },
    /// Setting up the file watch failed.
    #[error("cannot watch {path}: {message}")]
    Notify {
        /// What was to be watched.
        path: String,
        /// notify's error.
        message: String,
    },
    /// The lock file cannot be written.
    #[error("cannot write {path}: {source}")]
    Lock {
        /// The lock file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Mem(#[from] MemError),
}

/// What the watcher did, for the caller to show.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// Watching started: the data directory and scopes.
    Started {
        /// Scopes present at start.
        scopes: Vec<String>,
    },
    /// A scope's branch moved and the index followed it.
    Indexed {
        /// The scope.
        scope: String,
        /// The new head (hex).
        head: String,
    },
    /// A sync ran (one result per scope with a remote).
    Synced(Vec<SyncResult>),
    /// A warning from the store (skipped files, undecryptable files).
    Warning(String),
}

/// Options of [`run`].
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    /// Sync this long after the last local change (`None`: never sync).
    pub sync_after: Option<Duration>,
}

/// Whether a changed path is a ref of a scope repository.
fn is_ref_path(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "packed-refs")
        || path
            .components()
            .any(|c| matches!(c, Component::Normal(n) if n == "refs"))
}

/// Hold `watch.lock` in the data directory for as long as the file lives.
fn lock(paths: &Paths) -> Result<File, WatchError> {
    let path = paths.data_dir().join("watch.lock");
    let lock_err = |source| WatchError::Lock {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(paths.data_dir()).map_err(lock_err)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(lock_err)?;
    if file.try_lock().is_err() {
        let pid = std::fs::read_to_string(&path)
            .ok()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty());
        return Err(WatchError::AlreadyRunning {
            dir: paths.data_dir().display().to_string(),
            pid,
        });
    }
    file.set_len(0).map_err(lock_err)?;
    writeln!(file, "{}", std::process::id()).map_err(lock_err)?;
    Ok(file)
}

/// Every scope's current head (hex), by scope name.
fn heads(mem: &Mem) -> Result<BTreeMap<String, String>, MemError> {
    let mut out = BTreeMap::new();
    for scope in mem.scopes() {
        if let Some(h) = mem.repo(scope)?.head()? {
            out.insert(scope.to_string(), h.to_string());
        }
    }
    Ok(out)
}

/// Watch until `stop` is set. `cwd` is where config is resolved from, as
/// for any command; `report` receives what happened.
///
/// # Errors
/// [`WatchError`] when another watcher runs, the watch cannot be set up,
/// or the store fails (a failing sync is reported, not an error: offline
/// is normal).
pub fn run(
    paths: &Paths,
    cwd: &Path,
    options: &WatchOptions,
    stop: &Arc<AtomicBool>,
    mut report: impl FnMut(WatchEvent),
) -> Result<(), WatchError> {
    let _lock = lock(paths)?;
    let open = || Mem::open(paths.clone(), cwd, &Flags::default());
    let mut mem = open()?;
    mem.ensure_initialised()?;
    let scopes_dir = paths.scopes_dir();
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            // Reading a ref (as the watcher itself does) is an access event
            // on Linux: only changes count.
            let changes = matches!(
                event.kind,
                notify::EventKind::Create(_)
                    | notify::EventKind::Modify(_)
                    | notify::EventKind::Remove(_)
            );
            if changes && event.paths.iter().any(|p| is_ref_path(p)) {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| WatchError::Notify {
        path: scopes_dir.display().to_string(),
        message: e.to_string(),
    })?;
    watcher
        .watch(&scopes_dir, RecursiveMode::Recursive)
        .map_err(|e| WatchError::Notify {
            path: scopes_dir.display().to_string(),
            message: e.to_string(),
        })?;
    report(WatchEvent::Started {
        scopes: mem.scopes().iter().map(ToString::to_string).collect(),
    });
    // Catch up with whatever moved while nobody watched.
    let mut indexed: BTreeMap<String, String> = BTreeMap::new();
    let mut after_sync: BTreeMap<String, String> = heads(&mem)?;
    let mut settle_at: Option<Instant> = Some(Instant::now());
    let mut sync_at: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        let next = [settle_at, sync_at].into_iter().flatten().min().map_or(
            Duration::from_millis(200),
            |t| {
                t.saturating_duration_since(now)
                    .min(Duration::from_millis(200))
            },
        );
        match rx.recv_timeout(next) {
            Ok(()) => {
                settle_at = Some(Instant::now() + SETTLE);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        if settle_at.is_some_and(|t| t <= now) {
            settle_at = None;
            // A fresh view each time: scopes may have been added.
            mem = open()?;
            mem.index()?;
            for n in mem.take_notices() {
                if let Notice::Warning(w) = n {
                    report(WatchEvent::Warning(w));
                }
            }
            let current = heads(&mem)?;
            for (scope, head) in &current {
                if indexed.get(scope) != Some(head) {
                    report(WatchEvent::Indexed {
                        scope: scope.clone(),
                        head: head.clone(),
                    });
                }
            }
            if let Some(delay) = options.sync_after {
                if current != after_sync {
                    sync_at = Some(now + delay);
                }
            }
            indexed = current;
        }
        if sync_at.is_some_and(|t| t <= now) {
            sync_at = None;
            mem = open()?;
            let results = mem.sync(&[])?;
            after_sync = heads(&mem)?;
            report(WatchEvent::Synced(results));
        }
    }
    Ok(())
}
