//! The library's front door: one [`Mem`] per command run. It resolves the
//! configuration, opens scopes and the index lazily, keeps the index in step
//! with the scopes before answering, and performs writes with the
//! compare-and-swap retry loop of [`ScopeRepo::commit`].
//!
//! Nothing here prints: warnings and notices are collected and handed to the
//! caller with [`Mem::take_notices`].

use std::path::Path;

mod conflicts;
mod context;
mod doctor;
mod encryption;
pub mod gate;
mod gc;
mod hybrid;
mod import;
mod indexing;
mod messages;
mod read;
mod recall;
mod removals;
mod repair;
mod scopes;
mod trust;
mod verify;
mod write;

pub use conflicts::Resolve;
pub use context::{
    conflict_lines, estimate_tokens, Context, ContextConflict, ContextEntry, DEFAULT_BUDGET,
    FULL_ENTRIES,
};
pub use doctor::{
    AgentReport, Diagnosis, IdentityReport, IndexReport, Problem, Repair, ScopeReport, Setting,
};
pub use encryption::{KeyInfo, RekeyOutcome};
pub use gc::{ScopeDrop, ScopeGc};
pub use hybrid::{ScoredHit, SearchMode};
pub use import::{
    import_batch_size, EachRecord, ImportRecord, ImportRecords, ImportReport, ImportSource,
    IMPORT_BATCH,
};
pub use messages::{
    AckOutcome, InboxEntry, MessagePurge, Outgoing, SendOutcome, DEFAULT_MESSAGE_TTL,
};
pub use read::{Fetched, ScopeCommit, StoreStats, Version};
pub use recall::{
    Recall, RecallBar, RecallEntry, HYBRID_RECALL_THRESHOLD, RECALL_BUDGET, RECALL_SIMILARITY,
    RECALL_THRESHOLD,
};
pub use repair::RepairReport;
pub use scopes::{ScopeInfo, SyncResult};
pub use trust::{RecipientsState, RefusalKind, RemoteRefusal};

pub use write::{BatchOutcome, DeleteOutcome, Draft, SaveOutcome, SaveStatus};

use crate::config::{Config, ConfigError, Flags};
use crate::crypto::{CryptoError, Identity};
use crate::index::{Filter, Hit, IdMatch, Index, IndexError, ObsRow};
use crate::paths::Paths;
use crate::store::{
    self, short_id, ScopeMeta, ScopeName, ScopeRepo, Signature, StoreError, SCOPE_META_PATH,
};
use crate::time;

/// Shortest id prefix accepted on input.
pub const MIN_PREFIX: usize = 6;

/// Attempts at moving a scope's ref before giving up.
const MAX_COMMIT_ATTEMPTS: u32 = 200;

/// Errors of the library's operations. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum MemError {
    /// No observation has this id or prefix.
    #[error(
        "no observation has an id starting with '{0}': check it with `mem list` or `mem search`"
    )]
    NotFound(String),
    /// No merge record has this id or prefix.
    #[error("no merge record has an id starting with '{0}': see `mem conflicts list --all`")]
    NoConflict(String),
    /// No message (or several) has this id or prefix.
    #[error("no single message has an id starting with '{0}': give at least 6 hex characters of one (see `mem inbox --all`)")]
    NoMessage(String),
    /// A kind that is not one of the known kinds (where one must be).
    #[error("'{0}' is not a kind: use one of {kinds}", kinds = crate::store::KINDS.join(", "))]
    BadKind(String),
    /// Several observations match the prefix.
    #[error("the id prefix '{prefix}' matches several observations ({}): give more characters", ids.join(", "))]
    Ambiguous {
        /// The prefix given.
        prefix: String,
        /// Short forms of the matching ids.
        ids: Vec<String>,
    },
    /// The prefix is too short or not hex.
    #[error(
        "'{0}' is not an id: give at least {MIN_PREFIX} hex characters of one (see `mem list`)"
    )]
    BadId(String),
    /// Nothing left to save.
    #[error("there is nothing to save: the text is empty{0}")]
    Empty(&'static str),
    /// Body over [`crate::store::MAX_BODY_BYTES`].
    #[error("the text is {0} bytes, over the limit of 1 MiB (1048576 bytes): save a summary and keep the rest in a file")]
    TooLarge(usize),
    /// A secret in text bound for a plaintext scope.
    #[error("the text looks like it contains a secret ({kind}); scope '{scope}' is not encrypted, so it was not saved: remove the secret, wrap it in <private>…</private>, or pass --allow-secrets")]
    Secret {
        /// Which kind of secret.
        kind: &'static str,
        /// The target scope.
        scope: String,
    },
    /// A bad field value.
    #[error("{0}")]
    Invalid(String),
    /// A record an import source cannot read: its label and why
    /// (`FILE line 3: 'body' is missing; nothing was imported`).
    #[error("{0}")]
    BadRecord(String),
    /// An imported record looks like it holds a secret and its scope is
    /// plaintext: nothing was imported.
    #[error("{label}: the text looks like it contains a secret ({kind}); scope '{scope}' is not encrypted, so nothing was imported: remove it or pass --allow-secrets")]
    SecretInImport {
        /// Where the record came from (`file line N`).
        label: String,
        /// Which kind of secret.
        kind: &'static str,
        /// The target scope.
        scope: String,
    },
    /// A scope's repository cannot be read, so nothing can be written there.
    #[error("scope '{scope}' cannot be written until it is repaired (run `mem doctor`)")]
    Unwritable {
        /// The scope.
        scope: String,
        /// What failed.
        #[source]
        source: StoreError,
    },
    /// Too many concurrent writers.
    #[error(
        "scope '{0}' kept changing under this write ({MAX_COMMIT_ATTEMPTS} attempts): try again"
    )]
    Contention(String),
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Index failure.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Config failure.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Identity, recipient or encryption failure.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The `git` command failed (gc).
    #[error(transparent)]
    Git(#[from] crate::gitcli::GitCliError),
    /// A remote URL mem cannot use.
    #[error(transparent)]
    Url(#[from] crate::remote::UrlError),
    /// The stored remote passwords cannot be read or written.
    #[error(transparent)]
    Credentials(#[from] crate::remote::CredentialsError),
    /// Reaching a scope's remote failed.
    #[error(transparent)]
    Sync(#[from] Box<crate::sync::SyncError>),
    /// The embedding model cannot be read or installed.
    #[error(transparent)]
    Embed(#[from] crate::embed::EmbedError),
}

impl MemError {
    /// Whether the failure is the environment's (a read-only or full
    /// disk, another process holding the index), not the store's content.
    pub fn is_environmental(&self) -> bool {
        match self {
            MemError::Index(e) => e.is_environmental(),
            MemError::Store(StoreError::Io { .. }) => true,
            _ => false,
        }
    }
}

/// A message for the person running the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something happened that they may want to know (a store was set up).
    Note(String),
    /// Something is wrong but the command went on (a file was skipped).
    Warning(String),
}

/// One command run's view of the store.
pub struct Mem {
    paths: Paths,
    config: Config,
    scopes: Vec<ScopeName>,
    index: Option<Index>,
    identity: Option<Identity>,
    fresh: Vec<ScopeName>,
    /// Scopes the index could not catch up with in this run, why, and
    /// whether the cause is the environment's (a full or read-only disk).
    lagging: Vec<(ScopeName, String, bool)>,
    notices: Vec<Notice>,
    /// The agent family and session running this (see [`Mem::set_caller`]).
    caller: (Option<String>, Option<String>),
    /// The embedding model, once looked for (`hybrid.rs`).
    model: Option<Option<std::rc::Rc<crate::embed::Model>>>,
    /// Each scope's repository, opened once per run ([`Mem::repo`]).
    repos: std::cell::RefCell<Vec<(ScopeName, ScopeRepo)>>,
}

impl Mem {
    /// Resolve configuration for a command run in `cwd`. Touches no
    /// repository and no index.
    ///
    /// # Errors
    /// [`MemError::Config`] or [`MemError::Store`] when the scopes directory is unreadable.
    pub fn open(paths: Paths, cwd: &Path, flags: &Flags) -> Result<Self, MemError> {
        let scopes = store::list_scopes(&paths.scopes_dir())?;
        let config = Config::load(&paths.config_file(), cwd, &scopes, flags)?;
        Ok(Self::with_config(paths, scopes, config))
    }

    /// Like [`Mem::open`], but a `config.yaml` that cannot be loaded is set
    /// aside: the defaults apply and its error comes back beside — for
    /// `mem doctor`, which must run whatever the config says.
    ///
    /// # Errors
    /// [`MemError::Store`] when the scopes cannot be listed.
    pub fn open_lenient(
        paths: Paths,
        cwd: &Path,
        flags: &Flags,
    ) -> Result<(Self, Option<ConfigError>), MemError> {
        let scopes = store::list_scopes(&paths.scopes_dir())?;
        match Config::load(&paths.config_file(), cwd, &scopes, flags) {
            Ok(config) => Ok((Self::with_config(paths, scopes, config), None)),
            Err(e) => {
                // A path beside config.yaml that is never there: defaults,
                // with the identity still looked for beside config.yaml.
                let aside = paths
                    .config_dir()
                    .join("config.yaml (set aside by mem doctor)");
                let config = Config::load(&aside, cwd, &scopes, flags)?;
                Ok((Self::with_config(paths, scopes, config), Some(e)))
            }
        }
    }

    fn with_config(paths: Paths, scopes: Vec<ScopeName>, config: Config) -> Self {
        let notices = config
            .warnings
            .iter()
            .cloned()
            .map(Notice::Warning)
            .collect();
        Mem {
            paths,
            config,
            scopes,
            index: None,
            identity: None,
            fresh: Vec::new(),
            lagging: Vec::new(),
            notices,
            caller: (None, None),
            model: None,
            repos: Default::default(),
        }
    }

    /// The directories in use.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The resolved configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The scopes on this device.
    pub fn scopes(&self) -> &[ScopeName] {
        &self.scopes
    }

    /// Warnings and notices gathered so far (config problems, index
    /// rebuilds, skipped files); each is one sentence.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// The commit signature for this user and device, timed now.
    pub fn signature(&self) -> Signature {
        Signature {
            name: self.config.user_id.value.clone(),
            email: format!("{}@{}", self.config.user_id.value, self.config.device.value),
            seconds: time::now().as_second(),
        }
    }

    /// Whether `mem init` has run (the config file or any scope exists).
    pub fn is_initialised(&self) -> bool {
        !self.scopes.is_empty()
    }

    /// Create the config file, this device's identity, and the `local`
    /// and `user` scopes, each when missing. The `user` scope is encrypted
    /// to this device's identity; `local` too when `encrypt_local`.
    /// Returns what was created.
    ///
    /// # Errors
    /// [`MemError::Store`] when the directories cannot be written,
    /// [`MemError::Crypto`] when a configured identity is unusable.
    pub fn init(&mut self, encrypt_local: bool) -> Result<Vec<String>, MemError> {
        let mut created = Vec::new();
        let config_file = self.paths.config_file();
        if !config_file.exists() {
            self.config
                .write_user_file(&config_file)
                .map_err(|e| StoreError::io(&config_file, e))?;
            created.push(config_file.display().to_string());
        }
        let key = self.ensure_identity()?;
        if key.created {
            created.push(format!("identity {}", key.path));
        }
        let own = self.own_recipients()?;
        let signature = self.signature();
        for (name, encrypted) in [("local", encrypt_local), ("user", true)] {
            let scope = ScopeName::parse(name)?;
            let recipients = encrypted.then_some(&own);
            if store::create_scope(&self.paths.scopes_dir(), &scope, recipients, &signature)? {
                created.push(format!("scope {name}"));
            }
        }
        self.scopes = store::list_scopes(&self.paths.scopes_dir())?;
        Ok(created)
    }

    /// [`Mem::init`] when nothing is set up yet, with a notice.
    ///
    /// # Errors
    /// As [`Mem::init`].
    pub fn ensure_initialised(&mut self) -> Result<(), MemError> {
        if !self.is_initialised() {
            self.init(false)?;
            self.notices.push(Notice::Note(format!(
                "set up mem in {} (local and user scopes)",
                self.paths.data_dir().display()
            )));
        }
        Ok(())
    }

    /// Validate a scope name and check it exists here.
    ///
    /// # Errors
    /// [`StoreError::BadScopeName`] or [`StoreError::UnknownScope`].
    pub fn scope(&self, name: &str) -> Result<ScopeName, MemError> {
        let scope = ScopeName::parse(name)?;
        if self.scopes.contains(&scope) {
            Ok(scope)
        } else {
            Err(StoreError::UnknownScope {
                name: name.to_owned(),
                known: self
                    .scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
            .into())
        }
    }

    /// Open a scope's repository.
    ///
    /// # Errors
    /// [`MemError::Store`].
    pub(crate) fn repo(&self, scope: &ScopeName) -> Result<ScopeRepo, MemError> {
        // One open per scope and run: gix reads the whole offset table of
        // each pack index it loads (O(objects): a millisecond at a million
        // observations, `perf record`), and a save used to open its scope
        // three times. Refs and loose objects are read from disk at each
        // use, and a pack written since is found on the first miss.
        if let Some((_, repo)) = self.repos.borrow().iter().find(|(s, _)| s == scope) {
            return Ok(repo.clone());
        }
        let repo = ScopeRepo::open(&scope.repo_path(&self.paths.scopes_dir()))?;
        self.repos.borrow_mut().push((scope.clone(), repo.clone()));
        Ok(repo)
    }

    /// Drop the handle [`Mem::repo`] keeps for `scope`, so that the next
    /// call opens the repository again (after its config changed, or to
    /// look for an object through fresh pack indexes).
    pub(crate) fn forget_repo(&self, scope: &ScopeName) {
        self.repos.borrow_mut().retain(|(s, _)| s != scope);
    }

    /// Read a scope's `.kioku/scope.yaml`.
    ///
    /// # Errors
    /// [`MemError::Store`] when it is missing or unreadable.
    pub fn scope_meta(&self, scope: &ScopeName) -> Result<ScopeMeta, MemError> {
        let repo = self.repo(scope)?;
        let bytes = match repo.head()? {
            Some(head) => repo.read_path(head, SCOPE_META_PATH)?,
            None => None,
        };
        let bytes = bytes.ok_or_else(|| {
            StoreError::Damaged(format!("scope '{scope}' has no {SCOPE_META_PATH}"))
        })?;
        serde_yaml::from_slice(&bytes).map_err(|e| {
            StoreError::Damaged(format!("scope '{scope}': {SCOPE_META_PATH} is broken: {e}")).into()
        })
    }

    /// Resolve an id or unique prefix (≥ [`MIN_PREFIX`] hex) to every file holding it.
    ///
    /// # Errors
    /// [`MemError::BadId`], [`MemError::NotFound`], [`MemError::Ambiguous`].
    pub fn resolve(&mut self, prefix: &str) -> Result<Vec<ObsRow>, MemError> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.len() < MIN_PREFIX || p.len() > 64 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MemError::BadId(prefix.to_owned()));
        }
        match self.index()?.resolve(&p)? {
            IdMatch::None => Err(MemError::NotFound(prefix.to_owned())),
            IdMatch::One(rows) => Ok(rows),
            IdMatch::Many(ids) => Err(MemError::Ambiguous {
                prefix: prefix.to_owned(),
                ids: ids.iter().map(|i| short_id(i).to_owned()).collect(),
            }),
        }
    }

    /// Search every scope: bm25 (see [`Index::search`]), fused with vector
    /// similarity when an embedding model is set ([`Mem::search_scored`]).
    ///
    /// # Errors
    /// As [`Mem::index_for`].
    pub fn search(&mut self, query: &str, filter: &Filter) -> Result<Vec<Hit>, MemError> {
        Ok(self
            .search_scored(query, filter)?
            .into_iter()
            .map(|s| s.hit)
            .collect())
    }

    /// List observations (see [`Index::list`]).
    ///
    /// # Errors
    /// As [`Mem::index_for`].
    pub fn list(&mut self, filter: &Filter) -> Result<Vec<Hit>, MemError> {
        Ok(self.index()?.list(filter)?)
    }
}

/// The first non-empty line of `body`, without Markdown heading marks, at
/// most 80 characters.
pub fn default_title(body: &str) -> String {
    let line = body
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    clip(line, 80)
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
