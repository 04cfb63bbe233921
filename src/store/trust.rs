//! This device's own record of what it verified about a scope: whether it
//! is encrypted, the recipient list it last verified, the list's version and
//! the chain of scope keys (see [`crate::crypto::ScopeKeys`]). It lives in
//! the scope's repository directory (`mem-trust.yaml`, mode 0600: it holds
//! the scope keys), outside the tree, so nothing a remote writes changes it;
//! only this device's verification of a member's change does.

use gix::ObjectId;

use super::repo::git_err;
use super::{ScopeRepo, StoreError};

/// The file in a scope's repository directory holding its [`Trust`].
pub const TRUST_FILE: &str = "mem-trust.yaml";

/// What this device trusts about one scope. Changing this format breaks
/// every existing store's trust records (they are rebuilt from the local
/// head, see README "Encrypted scopes").
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trust {
    /// Format of this record; this build writes and reads 1.
    pub format: u32,
    /// The scope's name.
    pub scope: String,
    /// Whether this device knows the scope as encrypted: once true, a remote
    /// cannot make it false.
    pub encrypted: bool,
    /// The version of the verified list (0: not authenticated yet).
    #[serde(default)]
    pub version: u64,
    /// The verified chain of scope keys, hex, oldest first (empty: none known).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The verified recipient list, as `.kioku/recipients` renders it.
    #[serde(default)]
    pub recipients: String,
    /// The blob ids of the scope's metadata files when last verified, so a
    /// sync that changed none of them does no crypto at all.
    #[serde(default)]
    pub seen: Option<String>,
    /// Files the remote removed without a tombstone at the last sync, kept here.
    #[serde(default)]
    pub removed_by_remote: usize,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys.
        f.debug_struct("Trust")
            .field("scope", &self.scope)
            .field("encrypted", &self.encrypted)
            .field("version", &self.version)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl ScopeRepo {
    /// This device's trust record of the scope, when one was written.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the file exists but cannot be read or parsed.
    pub fn trust(&self) -> Result<Option<Trust>, StoreError> {
        let path = self.path().join(TRUST_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_yaml::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::io(
                    &path,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{e} (delete the file: the next command trusts the scope as it is here)"),
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }

    /// Write the trust record (mode 0600, replaced atomically).
    ///
    /// # Errors
    /// [`StoreError::Io`] when it cannot be written.
    pub fn record_trust(&self, trust: &Trust) -> Result<(), StoreError> {
        let path = self.path().join(TRUST_FILE);
        let tmp = self
            .path()
            .join(format!("{TRUST_FILE}.{}", std::process::id()));
        let text = format!(
            "# kioku-mesh: what this device verified of this scope; never copied from a remote. Holds secrets.\n{}",
            serde_yaml::to_string(trust).expect("plain data serialises")
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        use std::io::Write;
        options
            .open(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| StoreError::io(&path, e))
    }

    /// The blob id at `path` in `commit`'s tree, without reading the blob
    /// nor walking the rest of the tree.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the commit or a tree on the way cannot be read.
    pub fn blob_at(&self, commit: ObjectId, path: &str) -> Result<Option<ObjectId>, StoreError> {
        let tree = self
            .gix()
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err(&format!("cannot read commit {commit}"), e))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| git_err(&format!("cannot look up {path}"), e))?;
        Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
    }

    /// The parents of `commit`.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the commit cannot be read.
    pub fn parents(&self, commit: ObjectId) -> Result<Vec<ObjectId>, StoreError> {
        let c = self
            .gix()
            .find_commit(commit)
            .map_err(|e| git_err(&format!("cannot read commit {commit}"), e))?;
        Ok(c.parent_ids().map(|p| p.detach()).collect())
    }

    /// The commits reachable from `a` but not from `b`, each with its first
    /// parent (`None` for a root).
    ///
    /// # Errors
    /// [`StoreError::Git`] when the history cannot be walked.
    pub fn commits_only_in(
        &self,
        a: ObjectId,
        b: ObjectId,
    ) -> Result<Vec<(ObjectId, Option<ObjectId>)>, StoreError> {
        let walk = self
            .gix()
            .rev_walk([a])
            .with_hidden([b])
            .all()
            .map_err(|e| git_err("cannot walk the history", e))?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(|e| git_err("cannot walk the history", e))?;
            out.push((info.id, info.parent_ids().next().map(|p| p.detach())));
        }
        Ok(out)
    }
}
