//! Ref locks a dead writer left behind: every mem ref update holds an
//! advisory lock (`flock`, released by the kernel when its holder dies), so
//! a ref `.lock` file found while holding it belongs to a writer killed
//! mid-update and is taken over (see `ScopeRepo::move_ref`).

use super::ScopeRepo;

/// How old a ref's `.lock` file must be before it is taken for the
/// remains of a writer that died (kill -9, power loss): a live writer holds
/// it for the few milliseconds between creating it and renaming it over
/// the ref.
const STALE_LOCK: std::time::Duration = std::time::Duration::from_secs(5);

/// The same age while holding the ref guard, when no mem process can be
/// inside an update: what remains is a lock of a writer outside mem (a
/// user's own `git`), which holds it for milliseconds too.
const STALE_LOCK_GUARDED: std::time::Duration = std::time::Duration::from_millis(500);

impl ScopeRepo {
    /// The advisory lock (`flock`) on `mem-refs.lock` that every mem ref
    /// update holds for its few milliseconds — and `mem gc` for the whole
    /// of its `git gc` — released when dropped or when its holder dies;
    /// `None` where it cannot be had (a read-only store), and the longer
    /// age rule then applies.
    pub fn ref_guard(&self) -> Option<std::fs::File> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path().join("mem-refs.lock"))
            .ok()?;
        file.lock().ok()?;
        Some(file)
    }

    /// Remove `<name>.lock` left by a writer that died, so the caller's
    /// next attempt can take the ref: once it is older than
    /// [`STALE_LOCK_GUARDED`] when `guarded` (no other mem process can be
    /// inside an update), else [`STALE_LOCK`]. Errors are ignored: the
    /// next attempt reports what is wrong.
    pub(super) fn clear_stale_lock(&self, name: &str, guarded: bool) {
        let lock = self.path().join(format!("{name}.lock"));
        let limit = if guarded {
            STALE_LOCK_GUARDED
        } else {
            STALE_LOCK
        };
        let stale = std::fs::metadata(&lock)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= limit);
        if stale {
            let _ = std::fs::remove_file(&lock);
        }
    }
}
