//! `mem doctor`'s diagnosis: every setting with its layer, the identity,
//! git, each scope's state, the index's health, and the problems found,
//! each with the one command (or step) that clears it. The CLI only
//! renders a [`Diagnosis`]; `mem doctor --fix` runs the [`Repair`]s it
//! names (see `repair.rs`).
//!
//! A diagnosis never stops at the first fault: a scope that cannot be read
//! is one problem among the others, and so is an index that cannot be
//! written.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Mem, RemoteRefusal};
use crate::config::{ConfigError, Source};
use crate::index::{BrokenFile, Index};
use crate::remote::RemoteUrl;
use crate::store::{ScopeName, ScopeRepo, TRACKING_REF};

/// One resolved setting and the layer it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// The key in `config.yaml`.
    pub name: &'static str,
    /// Its value (`None` when unset).
    pub value: Option<String>,
    /// The layer that set it.
    pub source: Source,
}

/// This device's identity.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityReport {
    /// The identity file.
    pub path: String,
    /// The layer that named it.
    pub source: Source,
    /// Its age recipient (`age1…`), when it loads.
    pub recipient: Option<String>,
    /// Why it does not load.
    pub error: Option<String>,
}

/// One scope's state.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeReport {
    /// The scope name.
    pub name: String,
    /// Its repository directory.
    pub path: String,
    /// Why the repository cannot be read (then most fields are empty).
    pub error: Option<String>,
    /// The commit `main` points at (hex).
    pub head: Option<String>,
    /// Whether this device holds it encrypted (`None`: unknown).
    pub encrypted: Option<bool>,
    /// How many recipients its list names.
    pub recipients: usize,
    /// Whether this device's identity is one of them.
    pub readable_here: bool,
    /// Files this device's identity cannot decrypt.
    pub undecryptable_files: usize,
    /// Plaintext files in an encrypted scope.
    pub plaintext_files: usize,
    /// The commit the index held before the doctor caught it up.
    pub indexed: Option<String>,
    /// Whether the index was behind the scope when the doctor started.
    pub index_lag: bool,
    /// Whether the index is in step with the scope now.
    pub index_current: bool,
    /// The remote, without its password.
    pub remote: Option<RemoteUrl>,
    /// When the scope last synced (RFC 3339).
    pub last_sync: Option<String>,
    /// Why the last sync failed, when it did (cleared by one that works).
    pub last_sync_error: Option<String>,
    /// Commits on this device the remote (as last fetched) does not have.
    pub ahead: Option<usize>,
    /// Commits fetched from the remote that are not merged here.
    pub behind: Option<usize>,
    /// Merge records not resolved yet.
    pub unresolved_conflicts: usize,
    /// Objects stored loose (one file each) rather than in packs; past
    /// `MEM_GC_AUTO` a save packs them in the background.
    pub loose_objects: Option<u64>,
    /// What the remote changed that this device refused (recipients it could
    /// not verify, an older list, encryption turned off, files removed
    /// without a tombstone at the last sync).
    pub refused: Vec<RemoteRefusal>,
}

/// A problem and what clears it.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What is wrong, one sentence.
    pub problem: String,
    /// The command (or step) that clears it.
    pub fix: String,
    /// What `mem doctor --fix` does about it, when it can.
    #[serde(skip)]
    pub repair: Option<Repair>,
}

/// A fix `mem doctor --fix` can run by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Fetch every object of the scope afresh from its remote, then re-read
    /// what the index could not.
    FromRemote(ScopeName),
}

/// One agent client's user-level hooks.
#[derive(Debug, Clone, Serialize)]
pub struct AgentReport {
    /// The client's name (`claude-code`, `codex`, `gemini`).
    pub client: &'static str,
    /// Its settings file.
    pub settings_file: String,
    /// Whether any mem hook is installed there.
    pub installed: bool,
    /// Events mem hooks but that file lacks.
    pub missing_events: Vec<&'static str>,
}

/// The index file's state.
#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    /// The database file.
    pub path: String,
    /// Its permission bits in octal (`600`).
    pub mode: Option<String>,
    /// `ok`, or what is wrong with it.
    pub health: String,
}

/// Everything `mem doctor` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The resolved settings.
    pub settings: Vec<Setting>,
    /// This device's identity.
    pub identity: IdentityReport,
    /// `git --version`, when git runs.
    pub git: Option<String>,
    /// The agents' hooks.
    pub agents: Vec<AgentReport>,
    /// Each scope.
    pub scopes: Vec<ScopeReport>,
    /// The index.
    pub index: IndexReport,
    /// Files the index could not read.
    pub broken_files: Vec<BrokenFile>,
    /// Lexical or hybrid search, and the embedding model.
    pub search: super::hybrid::SearchMode,
    /// What needs doing; empty when all is well.
    pub problems: Vec<Problem>,
}

impl Problem {
    fn new(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            problem: problem.into(),
            fix: fix.into(),
            repair: None,
        }
    }
}

impl Mem {
    /// Diagnose the setup. `config_error` is the `config.yaml` failure
    /// [`Mem::open_lenient`] set aside; `home` is where the agents' user
    /// settings live (`None`: no agent is checked). Brings the index in
    /// step on the way, as every read does. Never fails: what cannot be
    /// checked is a problem in the result.
    pub fn diagnose(
        &mut self,
        config_error: Option<&ConfigError>,
        home: Option<&Path>,
    ) -> Diagnosis {
        let cfg = self.config.clone();
        let mut problems = Vec::new();
        if let Some(e) = config_error {
            problems.push(Problem::new(
                e.to_string(),
                format!(
                    "correct {} (see .kioku-mesh.yaml.example for every setting), or remove it to use the defaults",
                    self.paths.config_file().display()
                ),
            ));
        }
        let setting = |name, value: Option<String>, source: &Source| Setting {
            name,
            value,
            source: source.clone(),
        };
        let settings = vec![
            setting(
                "user_id",
                Some(cfg.user_id.value.clone()),
                &cfg.user_id.source,
            ),
            setting("device", Some(cfg.device.value.clone()), &cfg.device.source),
            setting(
                "default_scope",
                Some(cfg.default_scope.value.clone()),
                &cfg.default_scope.source,
            ),
            setting("project", cfg.project.value.clone(), &cfg.project.source),
            setting(
                "limit",
                Some(cfg.limit.value.to_string()),
                &cfg.limit.source,
            ),
            setting(
                "identity",
                Some(cfg.identity.value.display().to_string()),
                &cfg.identity.source,
            ),
        ];
        let (recipient, error) = match self.identity() {
            Ok(i) => (Some(i.recipient()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let identity = IdentityReport {
            path: cfg.identity.value.display().to_string(),
            source: cfg.identity.source.clone(),
            recipient,
            error,
        };
        let git = match crate::gitcli::version() {
            Ok(v) => Some(v),
            Err(e) => {
                problems.push(Problem::new(
                    e.to_string(),
                    "apt-get install git (or your system's package manager)",
                ));
                None
            }
        };
        if !self.is_initialised() {
            problems.push(Problem::new("mem is not set up here", "mem init"));
        } else if !self
            .scopes
            .iter()
            .any(|s| s.as_str() == cfg.default_scope.value)
        {
            problems.push(Problem::new(
                format!(
                    "default_scope '{}' ({}) is not a scope on this device",
                    cfg.default_scope.value, cfg.default_scope.source
                ),
                "set default_scope to one of the scopes in `mem doctor` or create it",
            ));
        }

        // The index's state before catching up, so a lag is visible.
        let index_path = self.paths.index_file();
        let before = indexed_commits(&index_path, &self.scopes);
        let mut scopes = Vec::new();
        for scope in self.scopes.clone() {
            let indexed = before.get(&scope).cloned().flatten();
            scopes.push(self.scope_report(&scope, indexed, &identity, &mut problems));
        }

        let mut health = "ok".to_owned();
        let mut broken_files = Vec::new();
        if self.is_initialised() {
            match self.index_facts() {
                Ok(facts) => {
                    if let Some(bad) = facts.integrity {
                        problems.push(Problem::new(
                            format!("the index fails its integrity check: {bad}"),
                            "mem reindex",
                        ));
                        health = bad;
                    }
                    for s in &mut scopes {
                        s.index_current = s.error.is_none()
                            && facts.indexed.get(&s.name).cloned().flatten() == s.head;
                        s.unresolved_conflicts =
                            facts.conflicts.iter().filter(|c| **c == s.name).count();
                        if s.unresolved_conflicts > 0 {
                            problems.push(Problem::new(
                                format!(
                                    "scope '{}' has {} unresolved conflict(s)",
                                    s.name, s.unresolved_conflicts
                                ),
                                "mem conflicts list, then mem conflicts resolve ID",
                            ));
                        }
                    }
                    for (name, n) in facts.sealed {
                        let Some(s) = scopes.iter_mut().find(|s| s.name == name) else {
                            continue;
                        };
                        s.undecryptable_files = n;
                        let fix = match &identity.recipient {
                            // Already a recipient: the files were written to
                            // an older list (or by a device that left this
                            // one out); rewriting them to the list fixes it.
                            Some(_) if s.readable_here => format!(
                                "on a device that can read them: mem scope rekey {name} (then `mem sync` here)"
                            ),
                            Some(r) => format!(
                                "on a device that can read: mem scope recipients {name} add {r} (then `mem sync` here)"
                            ),
                            None => "mem key init, then add its recipient from a device that can read".into(),
                        };
                        problems.push(Problem::new(
                            format!("{n} file(s) of scope '{name}' cannot be decrypted with this device's identity"),
                            fix,
                        ));
                    }
                    broken_files = facts.broken;
                }
                Err(e) => {
                    health = e.to_string();
                    let fix = if e.is_environmental() {
                        "do what the problem says, then run `mem doctor` again (the index catches up by itself)"
                    } else {
                        "mem reindex"
                    };
                    problems.push(Problem::new(format!("the index cannot be used: {e}"), fix));
                }
            }
        }
        for s in scopes
            .iter()
            .filter(|s| s.error.is_none() && !s.index_current)
        {
            let why = self.lagging.iter().find(|(l, _, _)| l.as_str() == s.name);
            let problem = match why {
                Some((_, e, _)) => format!(
                    "the index cannot be brought in step with scope '{}': {e}",
                    s.name
                ),
                None => format!(
                    "the index could not be brought in step with scope '{}'",
                    s.name
                ),
            };
            let fix = match why {
                Some((_, _, true)) => format!(
                    "free space on (or make writable) the disk holding {}; the index catches up by itself on the next command",
                    index_path.display()
                ),
                _ => "mem reindex".to_owned(),
            };
            if health == "ok" {
                problems.push(Problem::new(problem, fix));
            }
        }
        for b in &broken_files {
            problems.push(self.broken_file_problem(b, &scopes));
        }
        let mode = file_mode(&index_path);
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", index_path.display()));
            if let Some(m) = file_mode(&path).filter(|m| m != "600") {
                problems.push(Problem::new(
                    format!(
                        "{} is readable by others (mode {m}); the index holds decrypted text",
                        path.display()
                    ),
                    format!("chmod 600 {}", path.display()),
                ));
            }
        }
        let agents = home
            .map(|h| agent_hooks(h, &mut problems))
            .unwrap_or_default();
        let search = self.search_mode();
        if let Some(e) = &search.error {
            problems.push(Problem::new(
                format!("an embedding model is set but cannot be used, so search is lexical: {e}"),
                "mem model set DIR (or mem model download), or mem model off",
            ));
        }
        Diagnosis {
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
            search,
            problems,
        }
    }

    /// One scope's report; what is wrong with it goes to `problems`.
    fn scope_report(
        &mut self,
        scope: &ScopeName,
        indexed: Option<String>,
        identity: &IdentityReport,
        problems: &mut Vec<Problem>,
    ) -> ScopeReport {
        let path = scope.repo_path(&self.paths.scopes_dir());
        let remote = ScopeRepo::open(&path)
            .ok()
            .and_then(|r| r.remote_url())
            .map(|u| RemoteUrl::from_config(&u));
        let mut report = ScopeReport {
            name: scope.to_string(),
            path: path.display().to_string(),
            error: None,
            head: None,
            encrypted: None,
            recipients: 0,
            readable_here: false,
            undecryptable_files: 0,
            plaintext_files: 0,
            index_lag: false,
            index_current: false,
            indexed,
            remote,
            last_sync: None,
            last_sync_error: None,
            ahead: None,
            behind: None,
            unresolved_conflicts: 0,
            loose_objects: crate::gitcli::count_objects(&path).ok().map(|c| c.loose),
            refused: Vec::new(),
        };
        if let Err(e) = self.fill_scope_report(scope, &mut report, identity, problems) {
            let (fix, repair) = self.repair_for(scope, report.remote.as_ref());
            problems.push(Problem {
                problem: format!("scope '{scope}' cannot be read: {e}"),
                fix,
                repair,
            });
            report.error = Some(e.to_string());
        }
        report
    }

    fn fill_scope_report(
        &mut self,
        scope: &ScopeName,
        s: &mut ScopeReport,
        identity: &IdentityReport,
        problems: &mut Vec<Problem>,
    ) -> Result<(), super::MemError> {
        let repo = self.repo(scope)?;
        let head = repo.head()?;
        s.head = head.map(|h| h.to_string());
        s.index_lag = s.indexed != s.head;
        s.last_sync = repo.last_sync();
        s.last_sync_error = repo.sync_error();
        if let Some(h) = head {
            // Walking the head's tree proves the commit and every tree are here.
            repo.files(h, &[])?;
        }
        // What this device knows, not what the tree says (a remote may lie).
        s.encrypted = self.is_encrypted(scope).ok();
        s.refused = self.remote_refusals(scope)?;
        for r in &s.refused {
            problems.push(refusal_problem(scope, r));
        }
        if scope.as_str() == "user" && s.encrypted == Some(false) {
            problems.push(Problem::new(
                "scope 'user' is not encrypted (it was made before mem encrypted it)",
                "mem scope rekey user (add --fresh to drop its plaintext history)",
            ));
        }
        let recipients = self.recipients(scope.as_str())?.1;
        s.recipients = recipients.entries.len();
        s.readable_here = identity
            .recipient
            .as_ref()
            .is_some_and(|r| recipients.contains(r));
        if s.encrypted == Some(true) {
            match &identity.recipient {
                None => problems.push(Problem::new(
                    format!(
                        "scope '{scope}' is encrypted and this device has no usable identity ({})",
                        identity.error.as_deref().unwrap_or("unknown")
                    ),
                    "mem key init (or set `identity:` in config.yaml), then add its recipient from a device that can read",
                )),
                Some(r) if !s.readable_here => problems.push(Problem::new(
                    format!("this device's identity is not a recipient of scope '{scope}'"),
                    format!("on a device that can read: mem scope recipients {scope} add {r}"),
                )),
                Some(_) => {}
            }
            if let Some(h) = head {
                s.plaintext_files = repo
                    .files(h, &["obs/", "tomb/", "conflicts/", "msg/", "ack/"])?
                    .iter()
                    .filter(|(p, _)| !crate::crypto::is_encrypted_path(p))
                    .count();
            }
        }
        if s.plaintext_files > 0 {
            problems.push(Problem::new(
                format!(
                    "scope '{scope}' is encrypted but holds {} plaintext file(s) (saved by an older mem or added by hand)",
                    s.plaintext_files
                ),
                format!("mem scope rekey {scope}"),
            ));
        }
        let lock = repo.path().join("refs/heads/main.lock");
        let age = std::fs::metadata(&lock)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if let Some(age) = age.filter(|a| a.as_secs() >= 5) {
            problems.push(Problem::new(
                format!(
                    "{} has been there for {} s: a writer died holding it, or one is stuck",
                    lock.display(),
                    age.as_secs()
                ),
                format!(
                    "nothing, when no mem process is running: the next save takes it over; otherwise stop the stuck process (or, with none left, remove {})",
                    lock.display()
                ),
            ));
        }
        let tracking = repo.ref_target(TRACKING_REF)?;
        (s.ahead, s.behind) = match (head, tracking) {
            (Some(h), Some(t)) => (
                Some(repo.count_only_in(h, Some(t))?),
                Some(repo.count_only_in(t, Some(h))?),
            ),
            // Never synced: everything here is still to push.
            (Some(h), None) if s.remote.is_some() => (Some(repo.count_only_in(h, None)?), Some(0)),
            _ => (None, None),
        };
        if let Some(e) = &s.last_sync_error {
            problems.push(Problem::new(
                format!("the last sync of scope '{scope}' failed: {e}"),
                format!("mem sync --scope {scope} --verbose"),
            ));
        } else if s.remote.is_some() && s.last_sync.is_none() {
            problems.push(Problem::new(
                format!("scope '{scope}' has a remote but has never synced"),
                format!("mem sync --scope {scope}"),
            ));
        }
        Ok(())
    }

    /// The fix for a scope whose objects are missing or damaged: a fetch
    /// from its remote, or a restore where there is none.
    fn repair_for(
        &self,
        scope: &ScopeName,
        remote: Option<&RemoteUrl>,
    ) -> (String, Option<Repair>) {
        match remote {
            Some(url) => (
                format!("mem doctor --fix (fetches what is missing from {url})"),
                Some(Repair::FromRemote(scope.clone())),
            ),
            None => (
                format!(
                    "restore {} from a backup: the scope has no remote to fetch a copy from",
                    scope.repo_path(&self.paths.scopes_dir()).display()
                ),
                None,
            ),
        }
    }

    /// A file the index could not read: its object is missing (fetched
    /// again by a repair) or its content is bad (fixed by hand).
    fn broken_file_problem(&self, b: &BrokenFile, scopes: &[ScopeReport]) -> Problem {
        let problem = format!("{}:{} cannot be read ({})", b.scope, b.path, b.error);
        let scope = ScopeName::parse(&b.scope).ok();
        let report = scopes.iter().find(|s| s.name == b.scope);
        let missing = scope
            .as_ref()
            .is_some_and(|scope| self.object_missing(scope, &b.path));
        match (scope, missing) {
            (Some(scope), true) => {
                let (fix, repair) = self.repair_for(&scope, report.and_then(|r| r.remote.as_ref()));
                Problem {
                    problem,
                    fix,
                    repair,
                }
            }
            _ => Problem::new(
                problem,
                format!(
                    "fix the file's front matter or remove it in a clone of {}",
                    report.map(|r| r.path.as_str()).unwrap_or("the scope")
                ),
            ),
        }
    }

    /// Whether the blob at `path` in the scope's head is missing.
    fn object_missing(&self, scope: &ScopeName, path: &str) -> bool {
        let Ok(repo) = self.repo(scope) else {
            return false;
        };
        let Ok(Some(head)) = repo.head() else {
            return false;
        };
        matches!(repo.read_path(head, path), Err(e) if e.is_missing_object())
    }

    /// What the index says after catching up with every scope.
    fn index_facts(&mut self) -> Result<IndexFacts, super::MemError> {
        let scopes = self.scopes.clone();
        let index = self.index()?;
        let facts = IndexFacts {
            integrity: index.quick_check().ok().flatten(),
            indexed: scopes
                .iter()
                .map(|s| {
                    (
                        s.to_string(),
                        index.indexed_commit(s.as_str()).ok().flatten(),
                    )
                })
                .collect(),
            conflicts: index
                .conflicts(false)?
                .into_iter()
                .map(|c| c.scope)
                .collect(),
            sealed: index.sealed_counts()?,
            broken: index.broken_files()?,
        };
        Ok(facts)
    }
}

/// What the doctor reads from the index once it is in step.
struct IndexFacts {
    integrity: Option<String>,
    indexed: std::collections::HashMap<String, Option<String>>,
    /// The scope of each unresolved merge record.
    conflicts: Vec<String>,
    sealed: Vec<(String, usize)>,
    broken: Vec<BrokenFile>,
}

/// The commit the index holds for each scope, read without changing it.
fn indexed_commits(
    index_path: &Path,
    scopes: &[ScopeName],
) -> std::collections::HashMap<ScopeName, Option<String>> {
    if !index_path.exists() {
        return Default::default();
    }
    match Index::open(index_path) {
        Ok((idx, _)) => scopes
            .iter()
            .map(|s| (s.clone(), idx.indexed_commit(s.as_str()).ok().flatten()))
            .collect(),
        Err(_) => Default::default(),
    }
}

fn refusal_problem(scope: &ScopeName, r: &RemoteRefusal) -> Problem {
    use super::RefusalKind as K;
    let diff = |what: &str, list: &[crate::crypto::RecipientEntry]| {
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
        K::UnverifiedRecipients | K::ReplayedRecipients => {
            format!("only if you made that change yourself: mem scope recipients {scope} accept")
        }
        K::EncryptionTurnedOff => format!("mem scope rekey {scope}"),
        K::RemovedWithoutTombstone => {
            "nothing here: they were restored and `mem sync` pushes them back; check who can write to the remote".into()
        }
    };
    Problem::new(problem, fix)
}

/// The user-level hooks of each agent under `home`: installed, complete,
/// and running a `mem` that still exists.
fn agent_hooks(home: &Path, problems: &mut Vec<Problem>) -> Vec<AgentReport> {
    use crate::agent::settings::{hook_program, Settings};
    use crate::agent::Client;
    let mut out = Vec::new();
    for client in Client::ALL {
        let path = client.hooks_file(home, None);
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
            problems.push(Problem::new(
                format!(
                    "{}'s hooks in {} lack {}",
                    client.name(),
                    path.display(),
                    missing.join(", ")
                ),
                fix.clone(),
            ));
        }
        let gone = hooks
            .iter()
            .filter_map(|(_, cmd)| hook_program(cmd))
            .find(|p| p.contains('/') && !Path::new(p).exists());
        if let Some(p) = gone {
            problems.push(Problem::new(
                format!(
                    "{}'s hooks in {} run {p}, which no longer exists",
                    client.name(),
                    path.display()
                ),
                fix,
            ));
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

/// A file's permission bits in octal, where the platform has them.
fn file_mode(path: &Path) -> Option<String> {
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
