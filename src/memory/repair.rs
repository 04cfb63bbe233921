//! `mem doctor --fix`'s repair of a scope from its remote: what a scope
//! lost (an object file deleted, a commit `main` names gone) is fetched
//! again, and the index re-reads what it could not.

use serde::Serialize;

use super::{Mem, MemError};
use crate::remote::RemoteUrl;
use crate::store::{ScopeName, MAIN_REF};
use crate::sync::{Network, SyncError};

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// The scope.
    pub scope: String,
    /// Where the objects came from (without its password).
    pub remote: RemoteUrl,
    /// Pack files added to the scope's object store.
    pub packs: usize,
    /// When `main` named a commit neither side had: the commit it named,
    /// and the one `main` now names — the last commit this device's index
    /// had read, else the remote's as last fetched (what was saved after
    /// it on this device is lost).
    pub reset: Option<(String, String)>,
}

impl Mem {
    /// Fetch every object of `scope` afresh from its remote, so a missing
    /// object or commit is back; when `main` names a commit the remote
    /// does not have either, move `main` back to the last commit the index
    /// read, else to the remote's as last fetched. Then rebuild the index, so files it could not read are read.
    /// No ref of the remote is taken: what it sends only fills in objects.
    ///
    /// # Errors
    /// [`MemError::Sync`] when the scope has no remote or it cannot be
    /// read; [`MemError::Store`] when `main` still cannot be read and there
    /// is no earlier commit to fall back on.
    pub fn repair_from_remote(&mut self, scope: &ScopeName) -> Result<RepairReport, MemError> {
        let url = self
            .remote(scope)?
            .ok_or_else(|| Box::new(SyncError::NoRemote(scope.to_string())))?;
        let repo = self.repo(scope)?;
        let packs =
            crate::sync::refetch_objects(&repo, scope.as_str(), &url, &Network::from_environment())
                .map_err(Box::new)?;
        // A fresh handle sees the packs just added.
        self.forget_repo(scope);
        let repo = self.repo(scope)?;
        let mut reset = None;
        if let Some(head) = repo.head()? {
            if let Err(e) = repo.files(head, &[]) {
                // The last commit the index read, else the remote's as last
                // fetched: the newest state this device had whole.
                let indexed = self
                    .open_index()?
                    .indexed_commit(scope.as_str())?
                    .and_then(|c| gix::ObjectId::from_hex(c.as_bytes()).ok());
                let fallback = [indexed, repo.ref_target(crate::store::TRACKING_REF)?]
                    .into_iter()
                    .flatten()
                    .find(|c| *c != head && repo.files(*c, &[]).is_ok());
                let Some(good) = fallback else {
                    return Err(e.into());
                };
                repo.move_ref(MAIN_REF, Some(head), good, "mem: repair")?;
                reset = Some((head.to_string(), good.to_string()));
            }
        }
        self.reindex()?;
        Ok(RepairReport {
            scope: scope.to_string(),
            remote: url,
            packs,
            reset,
        })
    }
}
