//! Fetching a scope's objects afresh, to repair a repository that lost
//! some (a deleted object file, a broken disk).
//!
//! `git fetch` cannot do it in place: it skips what the local refs claim
//! to have, and its connectivity check fails on a ref whose commit is
//! gone. So the remote's `main` is fetched into a new repository beside the
//! scope's, and the packs it received are moved into the scope's object
//! store. Objects are content-addressed: a remote can only supply the
//! objects that were lost, never change one. No ref of the remote is
//! taken; the scope's own refs stay as they were.

use std::path::Path;

use super::{Cause, Direction, Network, RemoteFailure, SyncError};
use crate::remote::{redact_text, RemoteUrl};
use crate::store::{ScopeRepo, StoreError};

/// The directory, inside the scope's repository, the copy is fetched into.
const REFETCH_DIR: &str = "mem-refetch.git";

/// Fetch every object reachable from the remote's `main` into `repo`'s
/// object store. Returns how many pack files were added.
///
/// # Errors
/// [`SyncError::Remote`] when the remote cannot be read (with git's output,
/// redacted), [`SyncError::Store`] when the packs cannot be moved in.
pub fn refetch_objects(
    repo: &ScopeRepo,
    scope: &str,
    url: &RemoteUrl,
    network: &Network,
) -> Result<usize, SyncError> {
    let copy = repo.path().join(REFETCH_DIR);
    remove_dir(&copy)?;
    crate::gitcli::run(&["init", "--quiet", "--bare", &copy.to_string_lossy()])?;
    let result =
        fetch_into(&copy, scope, url, network).and_then(|()| move_packs(&copy, repo.path()));
    remove_dir(&copy)?;
    result
}

fn fetch_into(
    copy: &Path,
    scope: &str,
    url: &RemoteUrl,
    network: &Network,
) -> Result<(), SyncError> {
    let output = network
        .git(copy, url.http_account())
        // Keep what arrives as a pack, however small, so it can be moved.
        .args(["-c", "fetch.unpackLimit=1", "fetch", "--quiet", "--no-tags"])
        .arg(url.expose())
        .arg("+refs/heads/main:refs/heads/main")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|_| crate::gitcli::GitCliError::Missing)?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(SyncError::Remote(Box::new(RemoteFailure {
        direction: Direction::Fetch,
        scope: scope.to_owned(),
        url: url.clone(),
        cause: Cause::from_program_stderr(&stderr),
        source: None,
        output: redact_text(&stderr),
        cloning: false,
    })))
}

/// Move the pack files of `from` into `to`'s object store (each pack
/// before its index, so a reader never finds an index without its pack).
fn move_packs(from: &Path, to: &Path) -> Result<usize, SyncError> {
    let source = from.join("objects/pack");
    let target = to.join("objects/pack");
    std::fs::create_dir_all(&target).map_err(|e| StoreError::io(&target, e))?;
    let entries = std::fs::read_dir(&source).map_err(|e| StoreError::io(&source, e))?;
    let mut packs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| StoreError::io(&source, e))?.path();
        if path.extension().is_some_and(|x| x == "pack") {
            packs.push(path);
        }
    }
    for pack in &packs {
        for ext in ["pack", "rev", "idx"] {
            let file = pack.with_extension(ext);
            if file.exists() {
                let dest = target.join(file.file_name().expect("a pack file has a name"));
                std::fs::rename(&file, &dest).map_err(|e| StoreError::io(&dest, e))?;
            }
        }
    }
    Ok(packs.len())
}

fn remove_dir(dir: &Path) -> Result<(), SyncError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(dir, e).into()),
        _ => Ok(()),
    }
}
