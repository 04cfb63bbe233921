//! Sync a scope with its git remote: fetch (gix), merge, push (the `git`
//! CLI, see [`crate::gitcli`]).
//!
//! Invariants: nothing local is ever lost — `refs/heads/main` only moves
//! forward (fast-forward or a merge commit with both parents, moved
//! compare-and-swap), and an interrupted sync leaves either the old or the
//! new head. A remote whose history shares nothing with what this device
//! synced before is refused, never merged or overwritten.

pub mod failure;
mod https;
pub mod merge;
pub mod net;
mod refetch;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::ObjectId;
use serde::Serialize;

use crate::gitcli::{self, GitCliError, PushOutcome};
use crate::remote::{redact_text, RemoteUrl, Transport, UrlError};
use crate::store::{ScopeRepo, Signature, StoreError, MAIN_REF, TRACKING_REF};
pub use failure::Cause;
pub use net::Network;
pub use refetch::refetch_objects;

/// Die here, as `SIGKILL` would, when `MEM_FAILPOINT` names this point:
/// how the tests interrupt a sync at each stage (after-fetch, after-merge,
/// before-push, after-push). Costs one environment lookup.
pub fn failpoint(name: &str) {
    if std::env::var_os("MEM_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

/// Push attempts before giving up when the remote keeps moving.
const MAX_PUSH_ATTEMPTS: usize = 5;

/// Errors syncing one scope. Every URL shown is redacted (see
/// [`RemoteUrl`]).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The scope has no remote.
    #[error("scope '{0}' has no remote: set one with `mem scope remote {0} URL`")]
    NoRemote(String),
    /// The configured URL names no transport mem can use.
    #[error("scope '{scope}': {source}; set another with `mem scope remote {scope} URL`")]
    BadUrl {
        /// The scope.
        scope: String,
        /// What is wrong with it.
        #[source]
        source: UrlError,
    },
    /// Fetching from or pushing to the remote failed.
    #[error(transparent)]
    Remote(Box<RemoteFailure>),
    /// The remote's history is unrelated to what was synced before.
    #[error("the remote {url} holds a history unrelated to this scope's (was it rewritten or replaced?); nothing was changed here: point the scope at the right remote with `mem scope remote`")]
    Unrelated {
        /// The remote.
        url: RemoteUrl,
    },
    /// The remote kept moving.
    #[error("the remote {0} kept changing while pushing ({MAX_PUSH_ATTEMPTS} attempts): run `mem sync` again")]
    KeptMoving(RemoteUrl),
    /// Another sync of this scope is running.
    #[error("another `mem sync` is running for scope '{0}': wait for it to finish")]
    Busy(String),
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// git failure.
    #[error(transparent)]
    Git(#[from] GitCliError),
}

/// Which way a [`RemoteFailure`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Fetching (gix).
    Fetch,
    /// Pushing (`git push`).
    Push,
}

/// Reaching a scope's remote failed: one sentence naming the remote
/// (redacted), the cause and what to do.
#[derive(Debug, thiserror::Error)]
#[error("cannot {} {url}: {}", match .direction { Direction::Fetch => "fetch from", Direction::Push => "push to" }, self.advice())]
pub struct RemoteFailure {
    /// Fetch or push.
    pub direction: Direction,
    /// The scope.
    pub scope: String,
    /// The remote.
    pub url: RemoteUrl,
    /// Why, read from the cause chain (or git's output for a push).
    pub cause: Cause,
    /// gix's error, for a fetch.
    #[source]
    pub source: Option<gix::Error>,
    /// What git printed for a push (redacted).
    pub output: String,
    /// Met while cloning a new scope.
    pub cloning: bool,
}

impl RemoteFailure {
    /// What to do: the cause's advice, for a scope that exists or, while
    /// cloning, for the command to run again.
    fn advice(&self) -> String {
        let advice = self.cause.advice(&self.scope);
        if self.cloning {
            advice.replace(
                &format!("`mem scope remote {} URL`", self.scope),
                "and run the command again with the corrected URL",
            )
        } else {
            advice
        }
    }
}

impl SyncError {
    /// This error as met while cloning a new scope (there is no scope yet
    /// to point elsewhere: the advice says to run the command again).
    pub fn while_cloning(mut self) -> Self {
        if let SyncError::Remote(f) = &mut self {
            f.cloning = true;
        }
        self
    }

    /// The underlying message (gix's error chain or git's output),
    /// redacted, for `--verbose`; `None` when the sentence says it all.
    pub fn detail(&self) -> Option<String> {
        match self {
            SyncError::Remote(f) => {
                let mut lines = Vec::new();
                if let Some(source) = &f.source {
                    lines.push(failure::detail(source));
                }
                if !f.output.is_empty() {
                    lines.push(f.output.clone());
                }
                (!lines.is_empty()).then(|| lines.join("\n"))
            }
            _ => None,
        }
    }
}

/// How the local branch changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergeKind {
    /// Nothing new on the remote.
    UpToDate,
    /// The local branch moved forward to the remote's.
    FastForward,
    /// A merge commit joins both histories.
    Merge,
}

/// The observation and tombstone files each side of a merge added since
/// the merge base (paths in the scope tree; the index tells which ids they
/// hold, also when their names are opaque): a conflict is only a conflict
/// when both sides took part in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sides {
    /// Paths added on this device's side.
    pub ours: std::collections::BTreeSet<String>,
    /// Paths added on the remote's side.
    pub theirs: std::collections::BTreeSet<String>,
}

fn touched(base: &merge::Files, side: &merge::Files) -> std::collections::BTreeSet<String> {
    side.keys()
        .filter(|p| !base.contains_key(*p))
        .filter(|p| p.starts_with("obs/") || p.starts_with("tomb/"))
        .cloned()
        .collect()
}

/// What a sync did to one scope.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeSync {
    /// The remote URL (shown redacted).
    pub remote: RemoteUrl,
    /// Whether the remote had a `main` branch.
    pub fetched: bool,
    /// How the local branch changed.
    pub merged: MergeKind,
    /// Whether the remote branch was updated.
    pub pushed: bool,
    /// Paths both sides changed differently (resolved by the larger blob id).
    pub clashes: Vec<String>,
    /// What each side touched, when histories were merged.
    #[serde(skip)]
    pub sides: Option<Sides>,
}

/// An exclusive lock on syncing one scope: a file created with `O_EXCL`,
/// holding the pid; a lock whose process is gone is taken over.
pub struct SyncLock {
    path: PathBuf,
}

impl SyncLock {
    /// Take the lock of the repository at `git_dir`.
    ///
    /// # Errors
    /// [`SyncError::Busy`] when a live process holds it.
    pub fn acquire(git_dir: &Path, scope: &str) -> Result<Self, SyncError> {
        let path = git_dir.join("mem-sync.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(SyncLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = std::fs::read_to_string(&path).unwrap_or_default();
                    let alive = pid
                        .trim()
                        .parse::<u32>()
                        .is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists());
                    if alive {
                        return Err(SyncError::Busy(scope.to_owned()));
                    }
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(StoreError::io(&path, e).into()),
            }
        }
        Err(SyncError::Busy(scope.to_owned()))
    }
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Fetch the remote's `main` into [`TRACKING_REF`] with gix, reaching the
/// remote as `network` says. Returns the remote's tip, or `None` when the
/// remote has no `main` yet (a new, empty repository).
///
/// # Errors
/// [`SyncError::Remote`] when the remote cannot be reached or read, with
/// the cause read from gix's error chain.
pub fn fetch(
    repo: &ScopeRepo,
    scope: &str,
    url: &RemoteUrl,
    network: &Network,
) -> Result<Option<ObjectId>, SyncError> {
    match fetch_with_gix(repo, scope, url, network) {
        Err(SyncError::Remote(mut failure))
            if failure.cause == Cause::Other && url.transport() == Ok(Transport::Ssh) =>
        {
            // gix 0.90 keeps only the ssh messages it knows ("Permission
            // denied", "resolve hostname", …); anything else (an unknown
            // host key) ends as an early end of file. `git ls-remote`
            // with the same settings prints what ssh said.
            let output = gitcli::probe(network.git(repo.path(), None), url.expose());
            failure.cause = Cause::from_program_stderr(&output);
            failure.output = redact_text(&output);
            Err(SyncError::Remote(failure))
        }
        other => other,
    }
}

fn fetch_with_gix(
    repo: &ScopeRepo,
    scope: &str,
    url: &RemoteUrl,
    network: &Network,
) -> Result<Option<ObjectId>, SyncError> {
    let fail = |e: gix::Error| {
        SyncError::Remote(Box::new(RemoteFailure {
            direction: Direction::Fetch,
            scope: scope.to_owned(),
            url: url.clone(),
            cause: Cause::classify(&e, url.transport().unwrap_or(Transport::File)),
            source: Some(e),
            output: String::new(),
            cloning: false,
        }))
    };
    let net_repo = network
        .open_for_fetch(repo.path(), url.expose())
        .map_err(fail)?;
    let remote = net_repo
        .remote_at(url.expose())
        .map_err(fail)?
        .with_refspecs(
            [format!("+{MAIN_REF}:{TRACKING_REF}").as_str()],
            gix::remote::Direction::Fetch,
        )
        .map_err(fail)?;
    let mut connection = remote
        .connect(gix::remote::Direction::Fetch)
        .map_err(fail)?;
    // The URL after `url.<base>.insteadOf`, as the transport sees it.
    let effective = connection
        .remote()
        .url(gix::remote::Direction::Fetch)
        .map(|u| u.to_bstring());
    if let Some(effective) = effective {
        if let Some(options) =
            https::transport_options(&net_repo, effective.as_ref()).map_err(fail)?
        {
            connection.set_transport_options(options);
        }
    }
    let configured = connection.configured_credentials_for_current_url();
    let offered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let connection = connection.with_credentials(Network::credentials(
        url,
        configured,
        std::sync::Arc::clone(&offered),
    ));
    // A refusal when nothing was offered means none were found.
    let fail = |e: gix::Error| match fail(e) {
        SyncError::Remote(mut f)
            if f.cause == Cause::Authentication
                && matches!(url.transport(), Ok(Transport::Https | Transport::Http))
                && !offered.load(std::sync::atomic::Ordering::Relaxed) =>
        {
            f.cause = Cause::NoCredentials;
            SyncError::Remote(f)
        }
        other => other,
    };
    // A new, empty remote (or one without `main`) advertises no `main`:
    // there is nothing to fetch yet (`tip` below is `None`).
    let prepared = connection
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(fail)?;
    let tip = prepared.ref_map().remote_refs.iter().find_map(|r| {
        let (name, target, peeled) = r.unpack();
        (name == MAIN_REF)
            .then(|| peeled.or(target).map(|o| o.to_owned()))
            .flatten()
    });
    if tip.is_none() {
        // A new, empty remote (or one without `main`): nothing to fetch yet.
        return Ok(None);
    }
    // gix moves the tracking ref itself; saves never touch that ref (and
    // two syncs of a scope never run at once), so no ref guard is needed.
    prepared
        .receive(gix::progress::Discard, &AtomicBool::new(false))
        .map_err(fail)?;
    if let Some(tip) = tip {
        // gix updates the tracking ref itself; make sure in case it did not.
        if repo.ref_target(TRACKING_REF)? != Some(tip) {
            let current = repo.ref_target(TRACKING_REF)?;
            repo.move_ref(TRACKING_REF, current, tip, "mem: fetch")?;
        }
    }
    Ok(tip)
}

/// Join the local branch with `theirs`: fast-forward when possible, else a
/// merge commit with both parents (see [`merge::merge`]). `first_contact`
/// allows histories with no common commit (attaching a scope to an existing
/// remote) to be merged as a union.
///
/// # Errors
/// [`SyncError::Unrelated`] for an unrelated history outside first contact.
fn join(
    repo: &ScopeRepo,
    url: &RemoteUrl,
    theirs: ObjectId,
    first_contact: bool,
    signature: &Signature,
) -> Result<(MergeKind, Vec<String>, Option<Sides>), SyncError> {
    loop {
        let ours = repo.head()?;
        let Some(ours) = ours else {
            if repo.move_ref(MAIN_REF, None, theirs, "mem: sync (clone)")? {
                return Ok((MergeKind::FastForward, Vec::new(), None));
            }
            continue;
        };
        if repo.is_ancestor(theirs, ours)? {
            return Ok((MergeKind::UpToDate, Vec::new(), None));
        }
        let base = repo.merge_base(ours, theirs)?;
        if base == Some(ours) {
            if repo.move_ref(MAIN_REF, Some(ours), theirs, "mem: sync (fast-forward)")? {
                return Ok((MergeKind::FastForward, Vec::new(), None));
            }
            continue;
        }
        if base.is_none() && !first_contact {
            return Err(SyncError::Unrelated { url: url.clone() });
        }
        let files = |c: Option<ObjectId>| -> Result<merge::Files, SyncError> {
            Ok(match c {
                Some(c) => repo.files(c, &[""])?.into_iter().collect(),
                None => merge::Files::new(),
            })
        };
        let (base_files, our_files, their_files) =
            (files(base)?, files(Some(ours))?, files(Some(theirs))?);
        let mut merged = merge::merge(&base_files, &our_files, &their_files);
        // Metadata lists merge as sets, never by picking one side.
        for path in merge::SET_MERGED {
            if let (Some(o), Some(t)) = (our_files.get(*path), their_files.get(*path)) {
                if o != t {
                    let text = |id: &ObjectId| -> Result<String, SyncError> {
                        Ok(String::from_utf8_lossy(&repo.read_blob(*id)?).into_owned())
                    };
                    let b = base_files.get(*path).map(&text).transpose()?;
                    let lines = merge::merge_lines(b.as_deref(), &text(o)?, &text(t)?);
                    merged
                        .files
                        .insert((*path).to_owned(), repo.write_blob(lines.as_bytes())?);
                    merged.clashes.retain(|c| c != path);
                }
            }
        }
        let tree = repo.write_tree_of(ours, &merged.files)?;
        match repo.commit_tree(tree, &[ours, theirs], "mem: merge", signature)? {
            crate::store::CommitOutcome::Committed(_) => {
                let sides = Sides {
                    ours: touched(&base_files, &our_files),
                    theirs: touched(&base_files, &their_files),
                };
                return Ok((MergeKind::Merge, merged.clashes, Some(sides)));
            }
            crate::store::CommitOutcome::Moved => continue,
        }
    }
}

/// Sync one scope: fetch, join, push; when the push is rejected because the
/// remote moved, fetch and join again (at most [`MAX_PUSH_ATTEMPTS`] times).
/// The caller updates the index afterwards.
///
/// # Errors
/// [`SyncError`] for every failure; the local branch is never moved backwards.
pub fn sync_scope(
    repo: &ScopeRepo,
    scope: &str,
    url: &RemoteUrl,
    signature: &Signature,
    network: &Network,
) -> Result<ScopeSync, SyncError> {
    let transport = url.transport().map_err(|source| SyncError::BadUrl {
        scope: scope.to_owned(),
        source,
    })?;
    if transport == Transport::Http && url.account().is_some() {
        // A password stored for an http:// remote (an older mem took it
        // from the URL) would travel unencrypted.
        return Err(SyncError::BadUrl {
            scope: scope.to_owned(),
            source: UrlError::PasswordOverHttp {
                url: url.to_string(),
            },
        });
    }
    let _lock = SyncLock::acquire(repo.path(), scope)?;
    let first_contact = repo.ref_target(TRACKING_REF)?.is_none();
    let mut report = ScopeSync {
        remote: url.clone(),
        fetched: false,
        merged: MergeKind::UpToDate,
        pushed: false,
        clashes: Vec::new(),
        sides: None,
    };
    for attempt in 0..MAX_PUSH_ATTEMPTS {
        let fetched = fetch(repo, scope, url, network)?;
        if let Some(theirs) = fetched {
            report.fetched = true;
            failpoint("after-fetch");
            let (kind, clashes, sides) =
                join(repo, url, theirs, first_contact && attempt == 0, signature)?;
            failpoint("after-merge");
            if kind != MergeKind::UpToDate {
                report.merged = kind;
            }
            report.clashes.extend(clashes);
            if let Some(new) = sides {
                let all = report.sides.get_or_insert_with(Sides::default);
                all.ours.extend(new.ours);
                all.theirs.extend(new.theirs);
            }
        }
        let Some(head) = repo.head()? else {
            return Ok(report);
        };
        // An empty remote (new, or the scope was pointed at another one)
        // needs the push whatever this device pushed before.
        if fetched.is_some() && repo.ref_target(TRACKING_REF)? == Some(head) {
            return Ok(report);
        }
        let push_failed = |cause: Cause, output: &str| {
            SyncError::Remote(Box::new(RemoteFailure {
                direction: Direction::Push,
                scope: scope.to_owned(),
                url: url.clone(),
                cause,
                source: None,
                output: redact_text(output),
                cloning: false,
            }))
        };
        if transport == Transport::Http {
            return Err(push_failed(Cause::PushOverHttp, ""));
        }
        failpoint("before-push");
        match gitcli::push_main(network.git(repo.path(), url.http_account()), url.expose()) {
            Ok(PushOutcome::Updated) => {
                failpoint("after-push");
                report.pushed = true;
                let tracking = repo.ref_target(TRACKING_REF)?;
                repo.move_ref(TRACKING_REF, tracking, head, "mem: push")?;
                return Ok(report);
            }
            Ok(PushOutcome::UpToDate) => return Ok(report),
            Ok(PushOutcome::Rejected(_)) => continue,
            Ok(PushOutcome::Refused { reason, stderr }) => {
                return Err(push_failed(Cause::HookRejected(reason), &stderr))
            }
            Err(GitCliError::Failed { stderr, .. }) => {
                return Err(push_failed(Cause::from_program_stderr(&stderr), &stderr))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(SyncError::KeptMoving(url.clone()))
}
