//! `mem import`'s work: route each record to its scope, hold it to the
//! write gate's rules, commit in batches, apply the source's tombstones.
//! The readers of each source (`crate::jsonl`, `crate::importers`) produce
//! an [`ImportSource`]; the CLI only picks the reader and renders the
//! [`ImportReport`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Mem, MemError, Notice};
use crate::store::Observation;

/// Observations per commit when importing, at least.
pub const IMPORT_BATCH: usize = 1000;

/// Observations per commit when importing at most.
const IMPORT_BATCH_MAX: usize = 50_000;

/// Observations per commit for an import of `n`: a tenth of it, within
/// [`IMPORT_BATCH`]..=50,000. Each commit rewrites every day tree its batch
/// touches, and those trees grow with the import, so a fixed batch makes an
/// import quadratic in its size (a million in batches of 1,000 rewrote about
/// 50 GB of trees); ten commits keep it linear while a batch's files stay a
/// bounded amount of memory.
pub fn import_batch_size(n: usize) -> usize {
    (n / 10).clamp(IMPORT_BATCH, IMPORT_BATCH_MAX)
}

/// What a source holds, read and checked, before anything is written.
#[derive(Debug, Default)]
pub struct ImportSource {
    /// Each observation, the scope it asks for (`None`: the default) and a
    /// label for messages (`file line N`, `kioku-mesh ID`).
    pub records: Vec<(Observation, Option<String>, String)>,
    /// Ids to delete after importing (the source's tombstones), with reasons.
    pub tombstones: Vec<(String, Option<String>)>,
    /// One sentence per record that could not be used.
    pub failed: Vec<String>,
}

impl ImportSource {
    /// A kioku-mesh store: `user` visibility goes to the `user` scope,
    /// `team` to the team scope when this device has exactly one of them
    /// (`teams`), the rest to the default scope.
    pub fn from_kioku_mesh(store: crate::importers::kioku_mesh::Store, teams: &[String]) -> Self {
        let records = store
            .records
            .into_iter()
            .map(|r| {
                let scope = match r.visibility.as_str() {
                    "user" => Some("user".to_owned()),
                    "team" if teams.len() == 1 => Some(teams[0].clone()),
                    _ => None,
                };
                (r.obs, scope, format!("kioku-mesh {}", r.kioku_id))
            })
            .collect();
        ImportSource {
            records,
            tombstones: store.tombstones,
            failed: store.failed,
        }
    }

    /// A claude-mem database: everything goes to the default scope.
    pub fn from_claude_mem(store: crate::importers::claude_mem::Store) -> Self {
        let records = store
            .observations
            .into_iter()
            .map(|o| {
                let label = format!("claude-mem '{}'", o.title);
                (o, None, label)
            })
            .collect();
        ImportSource {
            records,
            tombstones: Vec::new(),
            failed: store.failed,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Observations added.
    pub imported: usize,
    /// Observations the scopes already held.
    pub duplicates: usize,
    /// Records the source could not give.
    pub failed: usize,
    /// The source's tombstones applied.
    pub deleted: usize,
    /// Commits made.
    pub commits: usize,
}

impl Mem {
    /// Import `source` into the scopes its records ask for (`scope`
    /// overrides them all; an unknown one falls back to the default
    /// scope). Every record passes the write gate first: a secret bound for
    /// a plaintext scope stops the import before anything is written
    /// unless `allow_secrets`. `progress` gets (done, total).
    ///
    /// # Errors
    /// [`MemError::SecretInImport`] as above; [`MemError`] for an unknown
    /// `scope` or a store failure.
    pub fn import(
        &mut self,
        source: ImportSource,
        scope: Option<&str>,
        allow_secrets: bool,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ImportReport, MemError> {
        self.ensure_initialised()?;
        self.notices.extend(
            source
                .failed
                .iter()
                .map(|f| Notice::Warning(format!("not imported: {f}"))),
        );
        let forced = scope.map(|s| self.scope(s)).transpose()?;
        let default_scope = self.scope(&self.config.default_scope.value.clone())?;
        let mut by_scope: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
        for (mut obs, asked, label) in source.records {
            super::gate::clean(&mut obs);
            let target = match (&forced, asked) {
                (Some(f), _) => f.clone(),
                (None, Some(s)) => self.scope(&s).unwrap_or_else(|_| default_scope.clone()),
                (None, None) => default_scope.clone(),
            };
            if !allow_secrets {
                if let Some(kind) = super::gate::find_secret(&obs) {
                    if !self.scope_meta(&target)?.encrypted {
                        return Err(MemError::SecretInImport {
                            label,
                            kind,
                            scope: target.to_string(),
                        });
                    }
                    self.notices.push(Notice::Warning(format!(
                        "{label}: the text looks like it contains a secret ({kind}); it is imported encrypted into scope '{target}', readable by every recipient of the scope"
                    )));
                }
            }
            by_scope.entry(target.to_string()).or_default().push(obs);
        }
        let total: usize = by_scope.values().map(Vec::len).sum();
        let mut report = ImportReport {
            failed: source.failed.len(),
            ..ImportReport::default()
        };
        let mut offset = 0;
        for (scope, observations) in by_scope {
            let scope = self.scope(&scope)?;
            let n = observations.len();
            let batch = import_batch_size(n);
            let out = self.import_batch(&scope, observations, batch, |done| {
                progress(offset + done, total)
            })?;
            offset += n;
            report.imported += out.imported;
            report.duplicates += out.duplicates;
            report.commits += out.commits;
        }
        for (id, reason) in source.tombstones {
            let out = self.delete(&id, None, reason)?;
            report.deleted += usize::from(!out.deleted_in.is_empty());
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_with_the_import_within_bounds() {
        assert_eq!(import_batch_size(500), IMPORT_BATCH);
        assert_eq!(import_batch_size(10_000), 1_000);
        assert_eq!(import_batch_size(100_000), 10_000);
        assert_eq!(import_batch_size(1_000_000), IMPORT_BATCH_MAX);
    }
}
