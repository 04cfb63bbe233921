//! Scopes and their remotes: adding a scope (cloning its remote when it has
//! one), pointing a scope at a remote, and syncing scopes then bringing the
//! index in step.

use serde::Serialize;

use super::{Mem, MemError};
use crate::remote::{Credentials, RemoteUrl};
use crate::store::{self, ScopeName, ScopeRepo};
use crate::sync::{self, Network, ScopeSync, SyncError};

impl SyncResult {
    /// A scope whose sync could not run: its repository or the index failed.
    fn broken(scope: &ScopeName, e: &MemError) -> Self {
        SyncResult {
            scope: scope.to_string(),
            outcome: None,
            new_conflicts: Vec::new(),
            unresolved_conflicts: 0,
            refused: Vec::new(),
            error: Some(format!("{e}: run `mem doctor`")),
            detail: None,
            busy: false,
        }
    }

    fn failed(scope: &ScopeName, e: SyncError) -> Self {
        SyncResult {
            scope: scope.to_string(),
            outcome: None,
            new_conflicts: Vec::new(),
            unresolved_conflicts: 0,
            refused: Vec::new(),
            error: Some(e.to_string()),
            detail: e.detail(),
            busy: matches!(e, SyncError::Busy(_)),
        }
    }
}

/// One scope as `mem scope list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeInfo {
    /// Its name.
    pub name: String,
    /// Its remote URL, if any (shown redacted).
    pub remote: Option<RemoteUrl>,
    /// Its head commit, if any.
    pub head: Option<String>,
    /// Whether it is encrypted.
    pub encrypted: bool,
}

/// The result of syncing one scope.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    /// The scope.
    pub scope: String,
    /// What happened, when it worked.
    #[serde(flatten)]
    pub outcome: Option<ScopeSync>,
    /// Merge records this sync wrote.
    pub new_conflicts: Vec<crate::store::ConflictId>,
    /// Unresolved merge records in the scope after the sync.
    pub unresolved_conflicts: usize,
    /// What the remote changed that this device refused, one sentence each.
    pub refused: Vec<super::RemoteRefusal>,
    /// Why it did not, when it failed: one sentence.
    pub error: Option<String>,
    /// The underlying message behind `error` (redacted), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Whether `error` only says another sync of the scope is running.
    #[serde(skip)]
    pub busy: bool,
}

impl Mem {
    /// Every scope with its remote and head.
    ///
    /// # Errors
    /// [`MemError::Store`] when a repository cannot be read.
    pub fn scope_infos(&self) -> Result<Vec<ScopeInfo>, MemError> {
        self.scopes
            .iter()
            .map(|s| {
                let repo = self.repo(s)?;
                Ok(ScopeInfo {
                    name: s.to_string(),
                    remote: repo.remote_url().map(|u| RemoteUrl::from_config(&u)),
                    head: repo.head()?.map(|h| h.to_string()),
                    encrypted: self.scope_meta(s).map(|m| m.encrypted).unwrap_or(false),
                })
            })
            .collect()
    }

    /// Create scope `name`. With `remote`, the remote is fetched first: an
    /// existing history is adopted (a new device joining), an empty remote
    /// gets this scope's first commit on the next sync. The repository is
    /// built aside and moved into place, so a failed clone leaves nothing.
    ///
    /// # Errors
    /// [`MemError`] for a bad or existing name, an unreachable remote, or
    /// an unwritable store.
    pub fn add_scope(
        &mut self,
        name: &str,
        remote: Option<&str>,
        encrypt: bool,
    ) -> Result<ScopeName, MemError> {
        let scope = ScopeName::parse(name)?;
        if self.scopes.contains(&scope) {
            return Err(MemError::Invalid(format!(
                "scope '{scope}' exists already: set its remote with `mem scope remote {scope} URL`"
            )));
        }
        let scopes_dir = self.paths.scopes_dir();
        let signature = self.signature();
        // `user` is always encrypted; a new scope cloned from a remote
        // takes the remote's policy, whatever it is.
        let recipients = if encrypt || scope.as_str() == "user" {
            Some(self.own_recipients()?)
        } else {
            None
        };
        match remote {
            None => {
                store::create_scope(&scopes_dir, &scope, recipients.as_ref(), &signature)?;
            }
            Some(url) => {
                let url = RemoteUrl::parse(url)?;
                let network = Network::from_environment();
                store::build_scope(&scopes_dir, &scope, |tmp| -> Result<(), MemError> {
                    tmp.set_remote_url(url.expose())?;
                    // Re-open to see the remote just written.
                    let repo = ScopeRepo::open(tmp.path())?;
                    let fetched = sync::fetch(&repo, scope.as_str(), &url, &network)
                        .map_err(|e| sync_error(e.while_cloning()))?;
                    match fetched {
                        Some(tip) => {
                            repo.move_ref(store::MAIN_REF, None, tip, "mem: clone")?;
                        }
                        None => {
                            store::init_scope_tree(&repo, &scope, recipients.as_ref(), &signature)?
                        }
                    }
                    Ok(())
                })?;
                // Only a URL that worked is remembered with its password.
                self.store_account(&scope, &url)?;
            }
        }
        self.scopes = store::list_scopes(&scopes_dir)?;
        if remote.is_some() {
            // First contact: trust what was cloned only as far as this
            // device can verify it (see `super::trust`).
            let repo = self.repo(&scope)?;
            let (refused, _) = self.verify_head(&scope, &repo, true)?;
            self.notices.extend(
                refused
                    .into_iter()
                    .map(|r| super::Notice::Warning(r.message)),
            );
        }
        Ok(scope)
    }

    /// Point `name` at `url` (the next sync merges the two histories).
    ///
    /// # Errors
    /// [`MemError`] for an unknown scope or an unwritable repository.
    pub fn set_remote(&mut self, name: &str, url: &str) -> Result<ScopeName, MemError> {
        let scope = self.scope(name)?;
        let url = RemoteUrl::parse(url)?;
        self.store_account(&scope, &url)?;
        self.repo(&scope)?.set_remote_url(url.expose())?;
        self.forget_repo(&scope);
        Ok(scope)
    }

    /// Keep the account written into `url` (or forget the one stored) for
    /// `scope` in the credentials file, out of the scope's repository.
    fn store_account(&self, scope: &ScopeName, url: &RemoteUrl) -> Result<(), MemError> {
        let mut store = Credentials::load(&self.paths.credentials_file())?;
        store.set(scope.as_str(), url.account())?;
        Ok(())
    }

    /// The remote of `scope` with its stored account, if it has one.
    ///
    /// # Errors
    /// [`MemError`] when the scope or the credentials file cannot be read.
    pub fn remote(&self, scope: &ScopeName) -> Result<Option<RemoteUrl>, MemError> {
        let repo = self.repo(scope)?;
        let Some(raw) = repo.remote_url() else {
            return Ok(None);
        };
        let url = RemoteUrl::from_config(&raw);
        if url.account().is_some() {
            // Written by an older mem: move the password out of the
            // scope's repository.
            self.store_account(scope, &url)?;
            repo.set_remote_url(url.expose())?;
            self.forget_repo(scope);
            return Ok(Some(url));
        }
        let store = Credentials::load(&self.paths.credentials_file())?;
        Ok(Some(url.with_account(store.get(scope.as_str()))))
    }

    /// Sync `only` (every scope with a remote when empty), then bring the
    /// index in step with each. A scope that fails is reported and the
    /// others still sync.
    ///
    /// # Errors
    /// [`MemError`] for an unknown scope in `only` or an index failure.
    pub fn sync(&mut self, only: &[String]) -> Result<Vec<SyncResult>, MemError> {
        let targets: Vec<ScopeName> = if only.is_empty() {
            let mut with_remote = Vec::new();
            for s in &self.scopes {
                // A scope that cannot be opened is tried, and reported.
                if self.repo(s).map_or(true, |r| r.remote_url().is_some()) {
                    with_remote.push(s.clone());
                }
            }
            with_remote
        } else {
            only.iter()
                .map(|s| self.scope(s))
                .collect::<Result<_, _>>()?
        };
        let signature = self.signature();
        let network = Network::from_environment();
        let mut results = Vec::new();
        for scope in targets {
            // A fault stays in its scope: one that cannot be read or written
            // is reported, and the others still sync.
            let result = self
                .sync_one(&scope, &signature, &network)
                .unwrap_or_else(|e| SyncResult::broken(&scope, &e));
            results.push(result);
        }
        Ok(results)
    }

    /// Sync one scope and bring the index in step with it.
    fn sync_one(
        &mut self,
        scope: &ScopeName,
        signature: &crate::store::Signature,
        network: &Network,
    ) -> Result<SyncResult, MemError> {
        let repo = self.repo(scope)?;
        let Some(url) = self.remote(scope)? else {
            return Ok(SyncResult::failed(
                scope,
                SyncError::NoRemote(scope.to_string()),
            ));
        };
        // The index and the trust record in step with this device's own
        // head before anything the remote wrote arrives.
        self.fresh.retain(|s| s != scope);
        self.index_for(std::slice::from_ref(scope))?;
        let before = repo.head()?;
        let first_contact = repo.ref_target(store::TRACKING_REF)?.is_none();
        let encrypted = self.trust_of(scope, &repo, before)?.encrypted;
        let mut outcome = sync::sync_scope(&repo, scope.as_str(), &url, signature, network);
        let mut refused = Vec::new();
        if outcome.is_ok() {
            let mut committed = false;
            // A device the head's list leaves out cannot read what a
            // rekey moved, so it cannot judge removals; members can.
            let judge = !encrypted || self.in_head_list(&repo)?;
            if let Some(before) = before.filter(|b| judge && repo.head().ok().flatten() != Some(*b))
            {
                let kept = self.keep_unauthenticated_removals(scope, &repo, before, encrypted)?;
                self.record_removed(scope, &repo, kept)?;
                if kept > 0 {
                    refused.push(super::trust::removed_refusal(scope, kept));
                    committed = true;
                }
            }
            let (unverified, joined) = self.verify_head(scope, &repo, first_contact)?;
            refused.extend(unverified);
            if committed || joined {
                // Share what this device wrote back at once.
                if let (Ok(first), Ok(second)) = (
                    &mut outcome,
                    sync::sync_scope(&repo, scope.as_str(), &url, signature, network),
                ) {
                    first.pushed |= second.pushed;
                }
            }
        }
        self.fresh.retain(|s| s != scope);
        self.index_for(std::slice::from_ref(scope))?;
        let mut new_conflicts = Vec::new();
        let sides = outcome.as_ref().ok().and_then(|o| o.sides.clone());
        if let Some(sides) = sides {
            new_conflicts = self.record_conflicts(scope, &sides)?;
            if !new_conflicts.is_empty() {
                // Share the records at once, like any other commit.
                if let (Ok(first), Ok(second)) = (
                    &mut outcome,
                    sync::sync_scope(&repo, scope.as_str(), &url, signature, network),
                ) {
                    first.pushed |= second.pushed;
                }
                self.fresh.retain(|s| s != scope);
                self.index_for(std::slice::from_ref(scope))?;
            }
        }
        let unresolved = self
            .index()?
            .conflicts(false)?
            .iter()
            .filter(|c| c.scope == scope.as_str())
            .count();
        match &outcome {
            Ok(_) => {
                repo.record_sync(&crate::time::format(crate::time::now()))?;
                repo.record_sync_error(None)?;
            }
            Err(SyncError::Busy(_)) => {}
            Err(e) => repo.record_sync_error(Some(&e.to_string()))?,
        }
        Ok(match outcome {
            Ok(o) => SyncResult {
                scope: scope.to_string(),
                outcome: Some(o),
                new_conflicts,
                unresolved_conflicts: unresolved,
                refused,
                error: None,
                detail: None,
                busy: false,
            },
            Err(e) => SyncResult {
                scope: scope.to_string(),
                outcome: None,
                new_conflicts,
                unresolved_conflicts: unresolved,
                refused,
                busy: matches!(e, SyncError::Busy(_)),
                error: Some(e.to_string()),
                detail: e.detail(),
            },
        })
    }
}

fn sync_error(e: SyncError) -> MemError {
    MemError::Sync(Box::new(e))
}
