//! The `git` command-line tool, for the jobs gix cannot do yet (push,
//! gc/repack; gix 0.90). Kept in one module so the dependency is easy to
//! see and to replace.

use std::process::Command;

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

/// Run `git` with `args` and return its stdout.
///
/// # Errors
/// [`GitCliError::Missing`] when git cannot be started, [`GitCliError::Failed`]
/// when it exits non-zero.
pub fn run(args: &[&str]) -> Result<String, GitCliError> {
    let output = Command::new("git")
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
