//! The observation store: scope names, the layout of scope repositories
//! under `scopes/`, the observation and tombstone formats, and the git
//! repositories behind them.
//!
//! Invariant: a scope exists exactly when `scopes/<name>.git` is a git
//! repository whose head tree holds `.kioku/scope.yaml`.

mod ids;
pub mod layout;
mod observation;
#[cfg(test)]
pub(crate) use observation::tests::sample as sample_observation;
mod lock;
mod message;
mod pack;
mod record;
mod repo;
mod tree;
mod trust;

use std::path::{Path, PathBuf};

use crate::crypto::Recipients;

pub use ids::{ConflictId, ObservationId};
pub use message::{
    ack_message_of, is_ack_path, is_message_id, is_message_path, Ack, Message, Reader, Sender,
    Target, TARGET_KINDS,
};
pub use observation::{
    hex, is_full_id, normalize_body, normalize_list, short_id, Observation, ParseError, Tombstone,
    EXPIRES_FIELD, IDENTITY_DOMAIN, KINDS, MAX_BODY_BYTES,
};
pub use pack::{sweep_interrupted_packs, STALE_PACK_FILE};
pub use record::{conflict_id, ConflictKind, MergeRecord, Resolution};
pub use repo::{
    CommitInfo, CommitOutcome, FileChange, ScopeRepo, Signature, TreeChange, MAIN_REF, TRACKING_REF,
};
pub use trust::{Trust, TRUST_FILE};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("{}: {error}{}", path.display(), io_hint(error))]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error (part of the message, so not a `source`).
        error: std::io::Error,
    },
    /// A git operation on a scope repository failed: `op` says what was
    /// being done ("cannot read blob …"), `source` is gix's error, whose
    /// classes ([`StoreError::is_missing_object`]) decide what happens next.
    #[error("{op}")]
    Git {
        /// What was being done, as a sentence fragment.
        op: String,
        /// The error gix returned.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A scope's content is not what mem writes: a file every scope has is
    /// missing or malformed, or the scope has no commit where one is needed.
    #[error("{0}")]
    Damaged(String),
    /// The scope name is not `local`, `user` or `team/<id>`.
    #[error("'{0}' is not a scope name: use local, user or team/<id> (letters, digits, '.', '_' and '-')")]
    BadScopeName(String),
    /// A scope key could not be made or sealed.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// No such scope on this device.
    #[error("there is no scope '{name}' here (scopes: {known}): create it with `mem scope add {name}` or pick one of these")]
    UnknownScope {
        /// The name asked for.
        name: String,
        /// The scopes that exist, comma-separated.
        known: String,
    },
}

/// What to do about an I/O error, as a parenthesised suffix (or nothing).
pub fn io_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            " (is MEM_HOME read-only? point MEM_HOME at a writable directory)"
        }
        _ => "",
    }
}

impl StoreError {
    /// Whether an object the operation needed is not in the repository
    /// (deleted, or never fetched): gix classifies the failure as
    /// "not found" somewhere in the chain.
    pub fn is_missing_object(&self) -> bool {
        let StoreError::Git { source, .. } = self else {
            return false;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
        while let Some(e) = cause {
            if e.downcast_ref::<gix::Error>()
                .is_some_and(gix::Error::is_not_found)
            {
                return true;
            }
            cause = e.source();
        }
        false
    }

    /// An I/O error at `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_owned(),
            error: source,
        }
    }
}

/// A validated scope name: `local`, `user` or `team/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ScopeName(String);

impl ScopeName {
    /// Validate `name`.
    ///
    /// # Errors
    /// [`StoreError::BadScopeName`] for anything but `local`, `user` or `team/<id>`
    /// where `<id>` is 1–64 of `[A-Za-z0-9._-]` not starting with `.`.
    pub fn parse(name: &str) -> Result<Self, StoreError> {
        let ok = match name {
            "local" | "user" => true,
            _ => name.strip_prefix("team/").is_some_and(|id| {
                !id.is_empty()
                    && id.len() <= 64
                    && !id.starts_with('.')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            }),
        };
        if ok {
            Ok(ScopeName(name.to_owned()))
        } else {
            Err(StoreError::BadScopeName(name.to_owned()))
        }
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Repository directory for this scope under `scopes_dir`.
    pub fn repo_path(&self, scopes_dir: &Path) -> PathBuf {
        scopes_dir.join(format!("{}.git", self.0))
    }
}

impl std::fmt::Display for ScopeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `.kioku/scope.yaml`. Changing this format breaks every existing store.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScopeMeta {
    /// Format version of the scope's files; this build writes and reads 1.
    pub format: u32,
    /// The scope's name.
    pub scope: String,
    /// Whether files are age-encrypted.
    pub encrypted: bool,
}

/// Path of the scope metadata file in a scope tree.
pub const SCOPE_META_PATH: &str = ".kioku/scope.yaml";

/// Path of an encrypted scope's recipient list (see [`crate::crypto::Recipients`]).
pub const RECIPIENTS_PATH: &str = ".kioku/recipients";

/// Path of an encrypted scope's key chain, age-encrypted to its recipients
/// (see [`crate::crypto::ScopeKeys`]).
pub const SCOPE_KEY_PATH: &str = ".kioku/scope-key.age";

/// Path of the MAC that authenticates the recipient list (see
/// [`crate::crypto::RecipientsMac`]).
pub const RECIPIENTS_MAC_PATH: &str = ".kioku/recipients.mac";

impl ScopeMeta {
    /// The metadata of scope `name` in format 1.
    pub fn new(name: &ScopeName, encrypted: bool) -> Self {
        ScopeMeta {
            format: 1,
            scope: name.as_str().to_owned(),
            encrypted,
        }
    }

    /// The file text of `.kioku/scope.yaml`.
    pub fn render(&self) -> String {
        format!(
            "# kioku-mesh scope metadata. Changing this format breaks every existing store.\n{}",
            serde_yaml::to_string(self).expect("plain data serialises")
        )
    }
}

/// The scopes present under `scopes_dir`, sorted (`local`, `team/…`, `user`).
///
/// # Errors
/// [`StoreError::Io`] when the directory exists but cannot be read.
pub fn list_scopes(scopes_dir: &Path) -> Result<Vec<ScopeName>, StoreError> {
    let mut out = Vec::new();
    let read = |dir: &Path| -> Result<Vec<String>, StoreError> {
        match std::fs::read_dir(dir) {
            Ok(entries) => Ok(entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(StoreError::io(dir, e)),
        }
    };
    for name in read(scopes_dir)? {
        if let Some(scope) = name.strip_suffix(".git") {
            if let Ok(s) = ScopeName::parse(scope) {
                out.push(s);
            }
        }
    }
    for name in read(&scopes_dir.join("team"))? {
        if let Some(team) = name.strip_suffix(".git") {
            if let Ok(s) = ScopeName::parse(&format!("team/{team}")) {
                out.push(s);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Create the repository of `scope` under `scopes_dir` with its first commit
/// holding `.kioku/scope.yaml` (see [`build_scope`]). Does nothing when it
/// already exists.
///
/// # Errors
/// [`StoreError`] when the directory cannot be written.
pub fn create_scope(
    scopes_dir: &Path,
    scope: &ScopeName,
    recipients: Option<&Recipients>,
    signature: &Signature,
) -> Result<bool, StoreError> {
    build_scope(scopes_dir, scope, |repo| {
        init_scope_tree(repo, scope, recipients, signature)
    })
}

/// Create the repository of `scope` under `scopes_dir`, letting `fill` give
/// it its first state, unless it already exists. The repository is built in
/// a temporary directory beside its final place and renamed into place, so a
/// half-made scope (or a failed `fill`) is never visible. Returns whether it
/// was created; when another process created it first, theirs wins.
///
/// # Errors
/// `fill`'s error, or [`StoreError`] when the directories cannot be written.
pub fn build_scope<E: From<StoreError>>(
    scopes_dir: &Path,
    scope: &ScopeName,
    fill: impl FnOnce(&ScopeRepo) -> Result<(), E>,
) -> Result<bool, E> {
    let path = scope.repo_path(scopes_dir);
    if path.exists() {
        return Ok(false);
    }
    let parent = path.parent().expect("scope paths have a parent");
    std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
    let tmp = parent.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name().and_then(|n| n.to_str()).unwrap_or("scope")
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let filled = ScopeRepo::init(&tmp)
        .map_err(E::from)
        .and_then(|repo| fill(&repo));
    if let Err(e) = filled {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    match std::fs::rename(&tmp, &path) {
        Ok(()) => Ok(true),
        Err(_) if path.exists() => {
            // Another process created it first: theirs wins.
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(false)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(StoreError::io(&path, e).into())
        }
    }
}

/// Make the first commit of a new scope: `.kioku/scope.yaml`, and for an
/// encrypted scope (`recipients` given) `.kioku/recipients` with a fresh
/// scope key and the list's MAC (version 1). This device's trust record is
/// written with it. Two devices that create the same scope each make their
/// own key; the first sync that joins them makes one chain of both (see
/// README, "Encrypted scopes").
///
/// # Errors
/// [`StoreError`] when the repository cannot be written.
pub fn init_scope_tree(
    repo: &ScopeRepo,
    scope: &ScopeName,
    recipients: Option<&Recipients>,
    signature: &Signature,
) -> Result<(), StoreError> {
    let meta = ScopeMeta::new(scope, recipients.is_some());
    let mut files = vec![FileChange::Upsert {
        path: SCOPE_META_PATH.into(),
        bytes: meta.render().into_bytes().into(),
    }];
    let mut trust = Trust {
        format: 1,
        scope: scope.to_string(),
        ..Trust::default()
    };
    if let Some(r) = recipients {
        let keys = crate::crypto::ScopeKeys::generate()?;
        let mac = crate::crypto::RecipientsMac {
            version: 1,
            mac: keys.mac(scope.as_str(), 1, r),
        };
        files.push(FileChange::Upsert {
            path: RECIPIENTS_PATH.into(),
            bytes: r.render().into_bytes().into(),
        });
        files.push(FileChange::Upsert {
            path: SCOPE_KEY_PATH.into(),
            bytes: keys.seal(r)?.into(),
        });
        files.push(FileChange::Upsert {
            path: RECIPIENTS_MAC_PATH.into(),
            bytes: mac.render().into_bytes().into(),
        });
        trust = Trust {
            encrypted: true,
            version: 1,
            keys: keys.to_hex_list(),
            recipients: r.render(),
            ..trust
        };
    }
    repo.commit(
        None,
        &files,
        &format!("mem: create scope {scope}"),
        signature,
    )?;
    repo.record_trust(&trust)
}
