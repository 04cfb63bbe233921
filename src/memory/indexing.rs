//! Keeping the index in step with the scopes: opening it, bringing the
//! scopes a command reads up to their heads before it answers (a scope that
//! cannot be read keeps what the index held of it), and rebuilding it.

use std::path::PathBuf;

use super::{encryption, Mem, MemError, Notice};
use crate::crypto::Identity;
use crate::index::Index;
use crate::store::{ScopeName, ScopeRepo, StoreError};

impl Mem {
    pub(super) fn open_index(&mut self) -> Result<&mut Index, MemError> {
        if self.index.is_none() {
            let (index, notice) = Index::open(&self.paths.index_file())?;
            self.notices.extend(notice.map(Notice::Warning));
            self.index = Some(index);
        }
        Ok(self.index.as_mut().expect("opened above"))
    }

    /// The index, brought in step with `scopes` (all scopes when empty).
    ///
    /// # Errors
    /// [`MemError`] when a repository or the database fails.
    pub(crate) fn index_for(&mut self, scopes: &[ScopeName]) -> Result<&mut Index, MemError> {
        self.index_scopes(scopes, true)
    }

    /// [`Mem::index_for`] for a write: a scope that cannot be read is an
    /// error here (a write must build on what the scope holds).
    pub(crate) fn index_for_write(&mut self, scope: &ScopeName) -> Result<&mut Index, MemError> {
        self.index_scopes(std::slice::from_ref(scope), false)
            .map_err(|e| match e {
                // A damaged scope names itself and where to look.
                MemError::Store(source)
                    if source.is_missing_object() || matches!(source, StoreError::Damaged(_)) =>
                {
                    MemError::Unwritable {
                        scope: scope.to_string(),
                        source,
                    }
                }
                other => other,
            })
    }

    pub(super) fn index_scopes(
        &mut self,
        scopes: &[ScopeName],
        contain: bool,
    ) -> Result<&mut Index, MemError> {
        let wanted: Vec<ScopeName> = if scopes.is_empty() {
            self.scopes.clone()
        } else {
            scopes.to_vec()
        };
        let all = self.scopes.clone();
        let mut notices = Vec::new();
        if contain && self.index.is_none() {
            // A read on a disk that cannot be written: the index as it is.
            let path = self.paths.index_file();
            match Index::open(&path) {
                Ok((index, notice)) => {
                    self.notices.extend(notice.map(Notice::Warning));
                    self.index = Some(index);
                }
                Err(e) if e.is_environmental() && path.exists() => {
                    self.index = Some(Index::open_read_only(&path).map_err(|_| e)?);
                }
                Err(e) => return Err(e.into()),
            }
        }
        {
            let index = self.open_index()?;
            if scopes.is_empty() {
                match index.retain_scopes(&all) {
                    Err(e) if contain && e.is_environmental() => {}
                    other => other?,
                }
            }
        }
        let mut quiet = Vec::new();
        for scope in wanted {
            if self.fresh.contains(&scope) {
                continue;
            }
            // A fault stays in its scope: a repository that cannot be read
            // (a missing commit, a broken ref) keeps what the index held
            // of it, says so once, and the other scopes go on.
            let updated = self
                .repo(&scope)
                .and_then(|repo| self.update_one(&scope, &repo));
            match updated {
                Ok(report) => {
                    if report.sealed.is_empty() {
                        quiet.push(scope.clone());
                    }
                    notices.extend(update_notices(&report, self.identity.as_ref()));
                }
                Err(MemError::Store(e)) if contain => {
                    notices.push(Notice::Warning(format!(
                        "scope '{scope}' cannot be read ({e}); what the index held of it is shown as it was: run `mem doctor`"
                    )));
                    self.lagging.push((scope.clone(), e.to_string(), false));
                }
                // A full or read-only disk: reads go on with the index as
                // it is, and say so; writes stop (they must not lose a save).
                Err(MemError::Index(e)) if contain && e.is_environmental() => {
                    notices.push(Notice::Warning(format!(
                        "the index cannot be brought in step with scope '{scope}' ({e}); results may miss its latest changes"
                    )));
                    self.lagging.push((scope.clone(), e.to_string(), true));
                }
                Err(e) => return Err(e),
            }
            self.fresh.push(scope);
        }
        // Files that could not be decrypted on an earlier run are still
        // missing from the results: one warning per scope and command.
        if !quiet.is_empty() {
            let sealed = self.open_index()?.sealed_counts().unwrap_or_default();
            for (scope, n) in sealed {
                if quiet.iter().any(|q| q.as_str() == scope) {
                    notices.push(Notice::Warning(format!(
                        "{n} file(s) of scope '{scope}' cannot be decrypted with this device's identity and are left out: see `mem doctor`"
                    )));
                }
            }
        }
        self.notices.extend(notices);
        self.open_index()?;
        self.refresh_vectors(&mut |_, _| {});
        self.open_index()
    }

    /// Bring one scope's rows in step; the identity is loaded when the
    /// scope is encrypted and has changed.
    pub(super) fn update_one(
        &mut self,
        scope: &ScopeName,
        repo: &ScopeRepo,
    ) -> Result<crate::index::UpdateReport, MemError> {
        loop {
            let head = repo.head()?;
            let indexed = self.open_index()?.indexed_commit(scope.as_str())?;
            if let Some(head) = head.filter(|h| indexed.as_deref() != Some(&h.to_string())) {
                if encryption::encryption_at(repo, head)?.is_some() {
                    self.identity()?;
                } else if self.identity.is_none() {
                    // A plaintext scope may still hold a few encrypted files.
                    self.identity = Identity::load(&self.config.identity.value).ok();
                }
            }
            let (Some(index), identity) = (self.index.as_mut(), self.identity.as_ref()) else {
                unreachable!("opened above");
            };
            let report = index.update_scope(scope, repo, indexed.as_deref(), head, identity)?;
            if !report.raced {
                return Ok(report);
            }
        }
    }

    /// The index in step with every scope.
    ///
    /// # Errors
    /// As [`Mem::index_for`].
    pub(crate) fn index(&mut self) -> Result<&mut Index, MemError> {
        self.index_for(&[])
    }

    /// Drop and rebuild the index from every scope. Returns per-scope reports.
    ///
    /// # Errors
    /// As [`Mem::index_for`].
    pub fn reindex(&mut self) -> Result<Vec<crate::index::UpdateReport>, MemError> {
        // Built aside and swapped in at the end: the index that works now
        // stays until the new one is whole.
        let live = self.paths.index_file();
        let aside = PathBuf::from(format!("{}.rebuilding", live.display()));
        Index::remove(&aside)?;
        let (fresh, _) = Index::open(&aside)?;
        let previous = self.index.replace(fresh);
        let built = self.rebuild_all();
        // Close both before the swap, the new one with its WAL folded in:
        // the swap leaves the WAL behind.
        let fresh = self.index.take();
        drop(previous);
        match built {
            Ok(reports) => {
                if let Some(Err(e)) = fresh.map(Index::close_folded) {
                    let _ = Index::remove(&aside);
                    self.fresh.clear();
                    return Err(e.into());
                }
                Index::swap_in(&aside, &live)?;
                self.fresh = self.scopes.clone();
                Ok(reports)
            }
            Err(e) => {
                let _ = Index::remove(&aside);
                self.fresh.clear();
                Err(e)
            }
        }
    }

    pub(super) fn rebuild_all(&mut self) -> Result<Vec<crate::index::UpdateReport>, MemError> {
        let mut reports = Vec::new();
        for scope in self.scopes.clone() {
            let repo = self.repo(&scope)?;
            let report = self.update_one(&scope, &repo)?;
            let sealed = update_notices(&report, self.identity.as_ref())
                .into_iter()
                .filter(|n| matches!(n, Notice::Warning(w) if w.contains("decrypted")));
            self.notices.extend(sealed.collect::<Vec<_>>());
            reports.push(report);
        }
        self.refresh_vectors(&mut |_, _| {});
        Ok(reports)
    }
}

/// One warning per skipped unparsable file, and one for all the files of
/// the scope this device could not decrypt.
pub(super) fn update_notices(
    report: &crate::index::UpdateReport,
    identity: Option<&Identity>,
) -> Vec<Notice> {
    let mut out: Vec<Notice> = report
        .broken
        .iter()
        .map(|b| {
            Notice::Warning(format!(
                "skipped {}:{}: {} (run `mem doctor` for the list)",
                b.scope, b.path, b.error
            ))
        })
        .collect();
    if !report.sealed.is_empty() {
        let who = match identity {
            Some(i) => format!(
                "this device's identity ({}) is not among their recipients; from a device that can read, run `mem scope recipients {} add {}`",
                i.recipient(),
                report.scope,
                i.recipient()
            ),
            None => "no identity on this device: run `mem key init`".to_owned(),
        };
        out.push(Notice::Warning(format!(
            "{} file(s) of scope '{}' cannot be decrypted: {who}",
            report.sealed.len(),
            report.scope
        )));
    }
    out
}
