//! Packing a scope's objects with `git gc`: by `mem gc`, and in the
//! background after a save or an import ([`pack_in_background`]), with a
//! multi-pack index in large scopes.

use std::process::Command;

use super::{git, run, GitCliError, REPOSITORY_VARIABLES};

/// Repack the bare repository `git_dir` with `git gc --quiet` (gix 0.90
/// cannot). Git's default grace period for unreachable objects (two weeks)
/// is kept, so objects a concurrent save has written but not yet committed
/// are never pruned. A `git gc` already running there (it holds `gc.pid`)
/// is waited for, then what it left is packed. Callers take the
/// [`BackgroundLock`] first ([`hold_background`]) so that no background job
/// of mem's runs meanwhile.
///
/// # Errors
/// As [`run`].
pub fn gc(git_dir: &std::path::Path) -> Result<(), GitCliError> {
    let dir = git_dir.to_string_lossy();
    // Refs stay loose: packing them locks `refs/heads/main`, which mem's
    // writers take over when they find it unheld (see `ScopeRepo::move_ref`).
    let args = [
        "--git-dir",
        &dir,
        "-c",
        "gc.packRefs=false",
        "gc",
        "--quiet",
    ];
    match run(&args) {
        Err(GitCliError::Failed { stderr, .. }) if stderr.contains("already running") => {
            wait_for_git_gc(git_dir);
            run(&args).map(|_| ())
        }
        other => other.map(|_| ()),
    }
}

/// Write a multi-pack index with a reachability bitmap for `git_dir`
/// (`git multi-pack-index write --bitmap`) when its packs hold
/// [`MIDX_MIN_OBJECTS`] or more and no `git gc` is replacing them
/// (`gc.pid`). A failure is ignored: only look-ups get faster with one, and
/// a scope without one works the same. Run while holding the
/// [`BackgroundLock`], after [`gc`].
pub fn write_midx_if_large(git_dir: &std::path::Path) {
    if wants_midx(git_dir) && !git_gc_running(git_dir) {
        let dir = git_dir.to_string_lossy();
        let before = pack_indexes(git_dir);
        let _ = run(&["--git-dir", &dir, "multi-pack-index", "write", "--bitmap"]);
        drop_midx_if_raced(git_dir, &before);
    }
}

/// The names of `git_dir`'s pack indexes (`objects/pack/*.idx`).
fn pack_indexes(git_dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(git_dir.join("objects/pack"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .filter(|name| name.to_string_lossy().ends_with(".idx"))
                .collect()
        })
        .unwrap_or_default()
}

/// Remove the multi-pack index just written in `git_dir` (and its bitmap)
/// when one of the packs there `before` it was written is gone, or a `git
/// gc` is running: that gc may have deleted packs the index names after
/// git looked for an index to clear, and gix 0.90 finds no object of a
/// pack an index names but the disk lacks (it does not look in the other
/// packs). Without the index the scope works the same; the next
/// background pack or `mem gc` writes one again. The background job's
/// script does the same in `sh`.
fn drop_midx_if_raced(git_dir: &std::path::Path, before: &[std::ffi::OsString]) {
    let pack = git_dir.join("objects/pack");
    let gone = before.iter().any(|name| !pack.join(name).exists());
    if !gone && !git_gc_running(git_dir) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&pack) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("multi-pack-index")
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How long git trusts a `gc.pid` file: one older was left by a `git gc`
/// that did not finish (git's `gc.c` uses 12 hours).
const GC_PID_STALE: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// Whether a `git gc` holds `git_dir`'s `gc.pid`, judged as git judges it
/// (`gc.c`, `lock_repo_for_gc`): the file was written within
/// [`GC_PID_STALE`] and names a process that is alive, or one on another
/// host (`PID HOSTNAME`).
fn git_gc_running(git_dir: &std::path::Path) -> bool {
    let path = git_dir.join("gc.pid");
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().map_or(true, |age| age < GC_PID_STALE));
    if !fresh {
        return false;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut fields = text.split_whitespace();
    let (Some(pid), Some(host)) = (
        fields.next().and_then(|p| p.parse::<libc::pid_t>().ok()),
        fields.next(),
    ) else {
        // Being written: count it.
        return true;
    };
    if host != this_host() || pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whether a `git gc` holds `git_dir`'s `gc.pid` ([`git_gc_running`]) or a
/// background job of mem's its [`BackgroundLock`]: a background pack is
/// running there.
pub fn background_pack_running(git_dir: &std::path::Path) -> bool {
    git_gc_running(git_dir) || background_job(git_dir)
}

/// The file whose lock (`flock(2)`, through [`std::fs::File::try_lock`]) a
/// background job that also writes a multi-pack index holds while it runs,
/// and `mem gc` while it packs. The job's processes hold it open (it is
/// their standard input), so the kernel lets go of it when the last of
/// them ends, however it ends. git's own `gc.pid` is gone while the
/// multi-pack index is written.
const BACKGROUND_LOCK: &str = "mem-pack.lock";

/// `git_dir`'s [`BACKGROUND_LOCK`], locked: while it is held, no background
/// job of mem's runs there.
#[derive(Debug)]
pub struct BackgroundLock(std::fs::File);

/// Why the [`BackgroundLock`] could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoLock {
    /// A background job (or a moment's check of one) holds it.
    Held,
    /// The lock file can be neither opened nor created (a read-only
    /// repository), or the file system has no locks.
    Unavailable,
}

/// Take the [`BackgroundLock`] without waiting. The file is opened for
/// reading when it cannot be for writing (one owned by another user):
/// `flock(2)` needs neither.
fn try_background_lock(git_dir: &std::path::Path) -> Result<BackgroundLock, NoLock> {
    let path = git_dir.join(BACKGROUND_LOCK);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .or_else(|_| std::fs::File::open(&path))
        .map_err(|_| NoLock::Unavailable)?;
    match file.try_lock() {
        Ok(()) => Ok(BackgroundLock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(NoLock::Held),
        Err(std::fs::TryLockError::Error(_)) => Err(NoLock::Unavailable),
    }
}

/// A background pack (mem's job or `mem gc`, holding `mem-pack.lock`, or
/// git's own gc, holding `gc.pid`) still held a scope after
/// [`hold_background`] had waited ten minutes for it.
#[derive(Debug, thiserror::Error)]
#[error(
    "another pack (mem-pack.lock or gc.pid in its repository) has held it for over ten minutes"
)]
pub struct BackgroundBusy;

/// Take the [`BackgroundLock`], waiting while a background job holds it,
/// then wait for a `git gc` that holds `gc.pid` ([`wait_for_git_gc`]); at
/// most ten minutes each (the job at 1,000,000 observations takes about
/// two). `Ok(None)` when this process cannot open the lock file (a
/// read-only repository): the caller goes on without it.
///
/// # Errors
/// [`BackgroundBusy`] when a job still holds the lock, or a `git gc`
/// `gc.pid`, after ten minutes.
pub fn hold_background(
    git_dir: &std::path::Path,
) -> Result<Option<BackgroundLock>, BackgroundBusy> {
    let start = std::time::Instant::now();
    let lock = loop {
        match try_background_lock(git_dir) {
            Ok(lock) => break Some(lock),
            Err(NoLock::Unavailable) => break None,
            Err(NoLock::Held) if start.elapsed() > std::time::Duration::from_secs(600) => {
                return Err(BackgroundBusy)
            }
            Err(NoLock::Held) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    };
    wait_for_git_gc(git_dir);
    if git_gc_running(git_dir) {
        return Err(BackgroundBusy);
    }
    Ok(lock)
}

/// Whether a background job holds `git_dir`'s [`BackgroundLock`]. Checked
/// with a shared lock, so that two processes checking at once do not see
/// each other as a job.
fn background_job(git_dir: &std::path::Path) -> bool {
    let Ok(file) = std::fs::File::open(git_dir.join(BACKGROUND_LOCK)) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// Objects in packs past which a background pack and `mem gc` also write a
/// multi-pack index with a reachability bitmap (`git multi-pack-index
/// write --bitmap`), unless `MEM_MIDX_OBJECTS` says otherwise. gix 0.90
/// reads the whole offset table of each pack index it loads (4 bytes an
/// object) but a multi-pack index in constant time: a save at 1,000,000
/// observations (1.7 million objects) took about 2 ms less with one (p50
/// 19.3 against 21.1 ms, 120 saves each way in alternating blocks;
/// benches/README.md). Below this the table costs a few tenths of a
/// millisecond.
pub const MIDX_MIN_OBJECTS: u64 = 250_000;

/// Whether `git_dir`'s packs hold enough objects for a multi-pack index:
/// [`MIDX_MIN_OBJECTS`], or `MEM_MIDX_OBJECTS` when set (`0`: never).
fn wants_midx(git_dir: &std::path::Path) -> bool {
    let threshold = std::env::var("MEM_MIDX_OBJECTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MIDX_MIN_OBJECTS);
    threshold > 0 && packed_objects(git_dir) >= threshold
}

/// Objects in `git_dir`'s packs, estimated from the sizes of their version 2
/// indexes: 28 bytes an object (id, CRC, offset) beside the 1,072 bytes of
/// header, fan-out table and trailer (gitformat-pack(5)).
fn packed_objects(git_dir: &std::path::Path) -> u64 {
    let pack = git_dir.join("objects/pack");
    pack_indexes(git_dir)
        .iter()
        .filter_map(|name| std::fs::metadata(pack.join(name)).ok())
        .map(|m| m.len().saturating_sub(1072) / 28)
        .sum()
}

/// This machine's host name (gethostname(2)), as git writes it in `gc.pid`.
fn this_host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    if !ok {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Wait while a `git gc` holds `git_dir`'s `gc.pid` ([`git_gc_running`]:
/// one started by a save or an import, [`pack_in_background`]), at most
/// ten minutes (a consolidation of 1,000,000 observations takes about
/// two).
fn wait_for_git_gc(git_dir: &std::path::Path) {
    let start = std::time::Instant::now();
    while git_gc_running(git_dir) && start.elapsed() < std::time::Duration::from_secs(600) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Git's default `gc.auto`: about this many loose objects make a
/// repository worth packing (git-gc(1), "gc.auto").
pub const GC_AUTO: u64 = 6700;

/// How long git keeps refusing `gc --auto` after one that left a warning
/// (`gc.logExpiry`'s default, one day).
const GC_LOG_EXPIRY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The loose-object count past which a save starts a background pack:
/// `MEM_GC_AUTO` when set (`0` turns it off), else [`GC_AUTO`].
pub fn pack_threshold() -> u64 {
    std::env::var("MEM_GC_AUTO")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(GC_AUTO)
}

/// Packs past which a background pack consolidates them into one
/// (`gc.autoPackLimit`, git-gc(1); git's default is 50). Every lookup of an
/// object that is not in the first pack searched reads the index of each
/// pack in turn: a save into a scope of 1,000,000 observations took
/// 15–26 ms in-process with the 20 packs an import leaves, 8–11 ms with
/// one (timestamps inside the process; benches/README.md). Consolidating
/// rewrites the whole scope, in git's own process (160 s at 1,000,000),
/// about once per eight imports or background packs.
pub const GC_AUTO_PACK_LIMIT: usize = 8;

/// Whether the bare repository `git_dir` is worth packing: more than
/// about `threshold` loose objects, estimated as git's `gc --auto` does
/// (the files in one of the 256 fan-out directories, `objects/17`, times
/// 256), or more than [`GC_AUTO_PACK_LIMIT`] packs without a `.keep`
/// file. Two directory reads, so it can run after every save.
///
/// `false` while git itself would refuse: for a day after an automatic
/// pack that left a warning in `gc.log` (most often "too many unreachable
/// loose objects", kept for their grace period), `git gc --auto` only
/// prints that warning (`gc.logExpiry`, git-gc(1)). Starting it after every
/// save would cost a process start each time for nothing.
pub fn needs_pack(git_dir: &std::path::Path, threshold: u64) -> bool {
    let refused = std::fs::metadata(git_dir.join("gc.log"))
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < GC_LOG_EXPIRY));
    if refused {
        return false;
    }
    let in_one = std::fs::read_dir(git_dir.join("objects/17"))
        .map(|entries| entries.filter_map(Result::ok).count() as u64)
        .unwrap_or(0);
    in_one > threshold.div_ceil(256) || unkept_packs(git_dir) > GC_AUTO_PACK_LIMIT
}

/// The packs of `git_dir` without a `.keep` file, counted by their `.idx`
/// files as git does: those `git gc --auto` counts against
/// `gc.autoPackLimit` (a `.pack` without its index, left by a killed
/// writer, is not a pack to git).
fn unkept_packs(git_dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(git_dir.join("objects/pack")) else {
        return 0;
    };
    let names: std::collections::HashSet<std::ffi::OsString> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names
        .iter()
        .filter_map(|name| name.to_str()?.strip_suffix(".idx"))
        .filter(|stem| !names.contains(std::ffi::OsStr::new(&format!("{stem}.keep"))))
        .count()
}

/// Start `git gc --auto` on `git_dir` and return at once: git packs the
/// loose objects, or consolidates the packs past [`GC_AUTO_PACK_LIMIT`],
/// in a process of its own, one at a time per repository (`gc.pid`),
/// keeping git's two-week grace for unreachable objects so an object a
/// concurrent save wrote but has not committed yet is never pruned. Refs
/// stay loose, as with [`gc`]. A failure to start is ignored: the next save
/// tries again. Nothing is started while a pack runs
/// ([`background_pack_running`]), and the process started is waited for on
/// a thread of its own, so a long-running `mem` (`mem mcp`, `mem watch`)
/// leaves no zombie processes.
///
/// Below [`MIDX_MIN_OBJECTS`] (or where the lock file cannot be opened)
/// that process is git itself, which detaches (`gc.autoDetach`) and keeps
/// its warnings in `gc.log`. From there on it is a shell, in a process
/// group of its own (the terminal's Ctrl-C or an agent client stopping a
/// hook does not stop it half-way), that holds the [`BackgroundLock`] taken
/// here: it runs the same `git gc --auto` without detaching, keeps what git
/// says in `gc.log` as git would, then, unless another `git gc` has started
/// meanwhile (`gc.pid`), writes a multi-pack index with a bitmap, removed
/// again as [`drop_midx_if_raced`] says.
pub fn pack_in_background(git_dir: &std::path::Path, threshold: u64) {
    use std::os::unix::process::CommandExt;
    if background_pack_running(git_dir) {
        return;
    }
    let gc_args = |detach: bool| {
        vec![
            "-c".to_owned(),
            "gc.packRefs=false".to_owned(),
            "-c".to_owned(),
            format!("gc.autoDetach={detach}"),
            "-c".to_owned(),
            format!("gc.auto={threshold}"),
            "-c".to_owned(),
            format!("gc.autoPackLimit={GC_AUTO_PACK_LIMIT}"),
            "gc".to_owned(),
            "--auto".to_owned(),
            "--quiet".to_owned(),
        ]
    };
    let lock = if wants_midx(git_dir) {
        match try_background_lock(git_dir) {
            Ok(lock) => Some(lock),
            Err(NoLock::Held) => return,
            // No lock to hold: git alone, as in a smaller scope.
            Err(NoLock::Unavailable) => None,
        }
    } else {
        None
    };
    let (mut cmd, stdin) = if let Some(lock) = lock {
        // "$0" is the repository, only ever expanded inside double quotes.
        // As git's own detached gc, this keeps what git said in gc.log,
        // and removes an old one when git said nothing. An index written
        // while another `git gc` started, or a pack went, goes again
        // ([`drop_midx_if_raced`]). Pack names hold no spaces.
        let script = format!(
            "out=$(git --git-dir=\"$0\" {} 2>&1); ok=$?; \
             if [ -n \"$out\" ]; then printf '%s\\n' \"$out\" > \"$0/gc.log\"; \
             else rm -f \"$0/gc.log\"; fi; \
             if [ \"$ok\" -eq 0 ] && [ ! -e \"$0/gc.pid\" ]; then \
             before=$(cd \"$0/objects/pack\" && ls -- *.idx 2>/dev/null); \
             git --git-dir=\"$0\" multi-pack-index write --bitmap; \
             gone=; for f in $before; do [ -e \"$0/objects/pack/$f\" ] || gone=1; done; \
             if [ -n \"$gone\" ] || [ -e \"$0/gc.pid\" ]; then \
             rm -f \"$0/objects/pack/multi-pack-index\" \"$0\"/objects/pack/multi-pack-index-*; \
             fi; fi",
            gc_args(false).join(" ")
        );
        let mut sh = Command::new("sh");
        for var in REPOSITORY_VARIABLES {
            sh.env_remove(var);
        }
        sh.arg("-c").arg(script).arg(git_dir);
        sh.process_group(0);
        // The job's processes hold the lock as their standard input.
        (sh, std::process::Stdio::from(lock.0))
    } else {
        let mut git = git();
        git.arg("--git-dir").arg(git_dir).args(gc_args(true));
        (git, std::process::Stdio::null())
    };
    let child = cmd
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(stdin)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        let _ = std::thread::Builder::new()
            .name("git gc --auto".into())
            .spawn(move || child.wait());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_gc_log_means_no_background_pack() {
        let dir = tempfile::tempdir().unwrap();
        let fan = dir.path().join("objects/17");
        std::fs::create_dir_all(&fan).unwrap();
        for i in 0..3 {
            std::fs::write(fan.join(format!("{i:038}")), b"").unwrap();
        }
        // 3 files in one of 256 directories: about 768 loose objects.
        assert!(needs_pack(dir.path(), 256));
        assert!(!needs_pack(dir.path(), 1000));
        // git refuses `gc --auto` for a day after a warning in gc.log.
        let log = dir.path().join("gc.log");
        std::fs::write(
            &log,
            "warning: There are too many unreachable loose objects\n",
        )
        .unwrap();
        assert!(!needs_pack(dir.path(), 256));
        make_older(&log, GC_LOG_EXPIRY + std::time::Duration::from_secs(60));
        assert!(needs_pack(dir.path(), 256));
    }

    /// Set the modification time of the file at `path` to `age` ago.
    fn make_older(path: &std::path::Path, age: std::time::Duration) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - age)
            .unwrap();
    }

    #[test]
    fn the_background_lock_is_held_while_a_process_keeps_it_open() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!background_job(dir.path()));
        assert!(!background_pack_running(dir.path()));
        let lock = try_background_lock(dir.path()).unwrap();
        assert!(background_job(dir.path()));
        assert!(background_pack_running(dir.path()));
        assert_eq!(try_background_lock(dir.path()).err(), Some(NoLock::Held));
        // Handed to a child as its standard input, as a job does: held
        // until the child ends, whatever happens to this handle.
        let mut child = Command::new("sleep")
            .arg("0.5")
            .stdin(std::process::Stdio::from(lock.0))
            .spawn()
            .unwrap();
        assert!(background_job(dir.path()));
        child.wait().unwrap();
        assert!(!background_job(dir.path()));
        // A killed job lets go of it too.
        let lock = try_background_lock(dir.path()).unwrap();
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(std::process::Stdio::from(lock.0))
            .spawn()
            .unwrap();
        assert!(background_job(dir.path()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!background_job(dir.path()));
        // Another process checking for a job at the same moment is no job.
        let probe = std::fs::File::open(dir.path().join(BACKGROUND_LOCK)).unwrap();
        probe.try_lock_shared().unwrap();
        assert!(!background_job(dir.path()));
        drop(probe);
        assert!(hold_background(dir.path()).unwrap().is_some());
    }

    #[test]
    fn a_multi_pack_index_written_while_a_gc_started_goes_again() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("objects/pack");
        std::fs::create_dir_all(&pack).unwrap();
        let names = [
            "multi-pack-index",
            "multi-pack-index-0123.bitmap",
            "pack-0123.pack",
            "pack-0123.idx",
        ];
        for name in names {
            std::fs::write(pack.join(name), b"").unwrap();
        }
        let before = pack_indexes(dir.path());
        assert_eq!(before, ["pack-0123.idx"]);
        drop_midx_if_raced(dir.path(), &before);
        assert!(names.iter().all(|name| pack.join(name).exists()));
        // A live `git gc` of this host's.
        std::fs::write(
            dir.path().join("gc.pid"),
            format!("{} {}", std::process::id(), this_host()),
        )
        .unwrap();
        drop_midx_if_raced(dir.path(), &before);
        let left: Vec<bool> = names.iter().map(|name| pack.join(name).exists()).collect();
        assert_eq!(left, [false, false, true, true]);
        // No gc, but a pack the index was written for is gone.
        std::fs::remove_file(dir.path().join("gc.pid")).unwrap();
        std::fs::write(pack.join("multi-pack-index"), b"").unwrap();
        let before = vec![std::ffi::OsString::from("pack-4567.idx")];
        drop_midx_if_raced(dir.path(), &before);
        assert!(!pack.join("multi-pack-index").exists());
    }

    #[test]
    fn packed_objects_are_estimated_from_the_index_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("objects/pack");
        std::fs::create_dir_all(&pack).unwrap();
        assert_eq!(packed_objects(dir.path()), 0);
        std::fs::write(pack.join("pack-a.idx"), vec![0; 1072 + 28 * 1000]).unwrap();
        std::fs::write(pack.join("pack-b.idx"), vec![0; 1072 + 28 * 5]).unwrap();
        std::fs::write(pack.join("pack-a.pack"), vec![0; 99_999]).unwrap();
        assert_eq!(packed_objects(dir.path()), 1005);
    }

    #[test]
    fn a_gc_pid_counts_until_it_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!git_gc_running(dir.path()));
        let pid = dir.path().join("gc.pid");
        std::fs::write(&pid, "4242 host\n").unwrap();
        assert!(git_gc_running(dir.path()));
        // On this host, the process must be alive, as git checks.
        std::fs::write(&pid, format!("{} {}", std::process::id(), this_host())).unwrap();
        assert!(git_gc_running(dir.path()));
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let gone_pid = gone.id();
        gone.wait().unwrap();
        std::fs::write(&pid, format!("{gone_pid} {}", this_host())).unwrap();
        assert!(!git_gc_running(dir.path()));
        std::fs::write(&pid, "4242 host\n").unwrap();
        make_older(&pid, GC_PID_STALE + std::time::Duration::from_secs(60));
        assert!(!git_gc_running(dir.path()));
    }

    #[test]
    fn packs_past_the_limit_need_a_pack_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let packs = dir.path().join("objects/pack");
        std::fs::create_dir_all(&packs).unwrap();
        for i in 0..=GC_AUTO_PACK_LIMIT {
            std::fs::write(packs.join(format!("pack-{i:040}.pack")), b"").unwrap();
            std::fs::write(packs.join(format!("pack-{i:040}.idx")), b"").unwrap();
        }
        assert!(needs_pack(dir.path(), GC_AUTO));
        // A pack without its index is no pack to git.
        let idx = packs.join(format!("pack-{:040}.idx", 1));
        std::fs::remove_file(&idx).unwrap();
        assert!(!needs_pack(dir.path(), GC_AUTO));
        std::fs::write(&idx, b"").unwrap();
        // An import's pack is kept until its commit is in place.
        std::fs::write(packs.join(format!("pack-{:040}.keep", 0)), b"").unwrap();
        assert!(!needs_pack(dir.path(), GC_AUTO));
    }
}
