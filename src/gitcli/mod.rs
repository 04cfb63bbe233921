//! The `git` command-line tool, for the jobs gix cannot do yet (push,
//! gc/repack; gix 0.90). Kept in one module so the dependency is easy to
//! see and to replace: running git and pushing here, packing a scope's
//! objects in `pack.rs`.

use std::process::Command;

mod pack;

pub use pack::{
    background_pack_running, gc, hold_background, needs_pack, pack_in_background, pack_threshold,
    write_midx_if_large, BackgroundLock, GC_AUTO, GC_AUTO_PACK_LIMIT, MIDX_MIN_OBJECTS,
};

/// Errors running `git`.
#[derive(Debug, thiserror::Error)]
pub enum GitCliError {
    /// `git` is not installed or not on `PATH`.
    #[error("git is not installed or not on PATH: install it (e.g. `apt-get install git`)")]
    Missing,
    /// `git` ran and failed.
    #[error("git {args} failed: {stderr}")]
    Failed {
        /// The arguments given.
        args: String,
        /// What git printed on stderr.
        stderr: String,
    },
}

/// Variables that point git at another repository's parts (git's
/// `local_repo_env`): set when mem runs from inside a git hook (the
/// pre-push hook), they must not reach the git run on a scope.
const REPOSITORY_VARIABLES: [&str; 12] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
];

/// A `git` command with none of [`REPOSITORY_VARIABLES`] inherited: every
/// git run on a scope starts here.
pub fn git() -> Command {
    let mut cmd = Command::new("git");
    for var in REPOSITORY_VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

/// Run `git` with `args` and return its stdout.
///
/// # Errors
/// [`GitCliError::Missing`] when git cannot be started, [`GitCliError::Failed`]
/// when it exits non-zero.
pub fn run(args: &[&str]) -> Result<String, GitCliError> {
    let output = git()
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|_| GitCliError::Missing)?;
    if !output.status.success() {
        return Err(GitCliError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The installed git's version line, e.g. `git version 2.47.3`.
///
/// # Errors
/// As [`run`].
pub fn version() -> Result<String, GitCliError> {
    run(&["--version"]).map(|s| s.trim().to_owned())
}

/// What `git push` did to the remote branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The remote branch moved to our commit (fast-forward or new branch).
    Updated,
    /// The remote branch already had our commit.
    UpToDate,
    /// The remote refused: it has commits we do not (fetch, merge, retry).
    Rejected(String),
    /// The server refused the update for its own reasons (a hook, a
    /// protected branch): retrying will not help.
    Refused {
        /// The reason git reports, e.g. `pre-receive hook declined`.
        reason: String,
        /// What git printed on stderr (the server's `remote:` lines).
        stderr: String,
    },
}

/// Push `refs/heads/main` to `url`'s `refs/heads/main` with
/// `git push --porcelain`, run as `git` (a `git --git-dir DIR` command
/// with its network environment set, see `sync::Network::git`), and read
/// the ref's status line (`=` up to date, ` `/`*` updated, `!` rejected;
/// git-push(1), "OUTPUT"). gix 0.90 cannot push
/// (GitoxideLabs/gitoxide#306), hence git.
///
/// # Errors
/// [`GitCliError::Missing`] without git; [`GitCliError::Failed`] when git
/// fails without a status line (unreachable remote, authentication).
pub fn push_main(git: Command, url: &str) -> Result<PushOutcome, GitCliError> {
    push(git, url, None)
}

/// Push `refs/heads/main` over the remote's `main` even though it is not a
/// fast-forward, but only while the remote's `main` is still `lease` (hex
/// commit id; `git push --force-with-lease`): used when a scope's history
/// was started afresh. The outcome is read as in [`push_main`].
///
/// # Errors
/// As [`push_main`].
pub fn replace_main(git: Command, url: &str, lease: &str) -> Result<PushOutcome, GitCliError> {
    push(git, url, Some(lease))
}

fn push(mut cmd: Command, url: &str, lease: Option<&str>) -> Result<PushOutcome, GitCliError> {
    cmd.args(["push", "--porcelain"]);
    if let Some(lease) = lease {
        cmd.arg(format!("--force-with-lease=refs/heads/main:{lease}"));
    }
    let output = cmd
        .args([url, "refs/heads/main:refs/heads/main"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|_| GitCliError::Missing)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    for line in stdout.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(flag), Some(refs), summary) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if !refs.ends_with(":refs/heads/main") {
            continue;
        }
        let summary = summary.unwrap_or_default();
        return Ok(match flag {
            "=" => PushOutcome::UpToDate,
            " " | "*" | "+" => PushOutcome::Updated,
            // `[rejected] (fetch first)`, `(non-fast-forward)`, `(stale info)`:
            // the remote moved; anything else (`[remote rejected] (hook
            // declined)`, `[remote failure]`) is the server's decision.
            _ if summary.starts_with("[rejected]") => PushOutcome::Rejected(summary.to_owned()),
            // Another push updated the remote's ref at the same moment
            // (receive-pack's "failed to update ref", "failed to lock"):
            // fetch, merge and try again like any other race.
            _ if summary.contains("failed to update ref")
                || summary.contains("failed to lock")
                || summary.contains("cannot lock ref") =>
            {
                PushOutcome::Rejected(summary.to_owned())
            }
            _ => PushOutcome::Refused {
                reason: summary
                    .split_once('(')
                    .map(|(_, r)| r.trim_end_matches(')').to_owned())
                    .unwrap_or_else(|| summary.to_owned()),
                stderr,
            },
        });
    }
    Err(GitCliError::Failed {
        args: "push".to_owned(),
        stderr,
    })
}

/// What `git ls-remote --heads URL main` prints on stderr, run as `git`
/// (set up like a push): to learn why a remote cannot be reached when
/// gix could not say. Empty when it worked or git is missing.
pub fn probe(mut git: Command, url: &str) -> String {
    git.args(["ls-remote", "--heads", url, "main"])
        .stdin(std::process::Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
        .unwrap_or_default()
}

/// A repository's objects, from `git count-objects -v` (git-count-objects(1)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ObjectCounts {
    /// Loose objects.
    pub loose: u64,
    /// Objects in packs.
    pub packed: u64,
    /// Bytes on disk: loose objects, packs and garbage.
    pub bytes: u64,
}

/// Count the objects of the bare repository `git_dir`.
///
/// # Errors
/// As [`run`].
pub fn count_objects(git_dir: &std::path::Path) -> Result<ObjectCounts, GitCliError> {
    let dir = git_dir.to_string_lossy();
    let out = run(&["--git-dir", &dir, "count-objects", "-v"])?;
    let mut counts = ObjectCounts::default();
    for line in out.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let n: u64 = value.trim().parse().unwrap_or(0);
        match key {
            "count" => counts.loose = n,
            "in-pack" => counts.packed = n,
            // Sizes are in KiB.
            "size" | "size-pack" | "size-garbage" => counts.bytes += n * 1024,
            _ => {}
        }
    }
    Ok(counts)
}
