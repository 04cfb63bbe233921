//! `mem import`'s work: route each record to its scope, hold it to the
//! write gate's rules, commit in batches, apply the source's tombstones.
//!
//! A source is read twice ([`ImportSource`]): the first pass checks every
//! record (the source's own errors, the gate's secret rule) and counts them
//! per scope before anything is written; the second builds the batches and
//! commits each as soon as it is full. Only one batch per scope is held at
//! a time, so an import's memory does not grow with its size. The readers
//! of each source (`crate::jsonl`, `crate::importers`) implement
//! [`ImportSource`]; the CLI only picks the reader and renders the
//! [`ImportReport`].

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::write::ImportFile;
use super::{Mem, MemError, Notice};
use crate::store::{Observation, ScopeName};

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

/// One record of a source.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    /// The observation, as the source gives it (the gate runs on import).
    pub obs: Observation,
    /// The scope it asks for (`None`: the default scope).
    pub scope: Option<String>,
    /// Where it came from, for messages (`FILE line N`, `kioku-mesh ID`).
    pub label: String,
    /// The source marks it deleted: it is imported, then deleted.
    pub deleted: bool,
}

/// What `each` gets from [`ImportSource::read`]: one record at a time.
pub type EachRecord<'a> = dyn FnMut(ImportRecord) -> Result<(), MemError> + 'a;

/// A source [`Mem::import`] reads twice: once to check every record before
/// anything is written, once to write.
pub trait ImportSource {
    /// Give every record to `each`, in the same order on every call, and
    /// stop at the first error, `each`'s or the source's own.
    ///
    /// # Errors
    /// [`MemError::BadRecord`] for a record the source cannot read, with
    /// its label and the reason (`FILE line 3: 'body' is missing`); a
    /// source that changed since the first call says so the same way;
    /// whatever `each` returns.
    fn read(&mut self, each: &mut EachRecord<'_>) -> Result<(), MemError>;

    /// One sentence per record that could not be used and is skipped
    /// (warned about and counted, unlike [`MemError::BadRecord`]).
    fn failed(&self) -> &[String] {
        &[]
    }

    /// Ids to delete after importing (the source's own tombstones), with
    /// reasons.
    fn tombstones(&self) -> &[(String, Option<String>)] {
        &[]
    }
}

/// A source already read whole into memory (the SQLite stores of other
/// tools, small next to a JSON-lines export).
#[derive(Debug, Default)]
pub struct ImportRecords {
    /// Every record, in order.
    pub records: Vec<ImportRecord>,
    /// Ids to delete after importing (the source's tombstones), with reasons.
    pub tombstones: Vec<(String, Option<String>)>,
    /// One sentence per record that could not be used.
    pub failed: Vec<String>,
}

impl ImportSource for ImportRecords {
    fn read(&mut self, each: &mut EachRecord<'_>) -> Result<(), MemError> {
        self.records.iter().try_for_each(|r| each(r.clone()))
    }

    fn failed(&self) -> &[String] {
        &self.failed
    }

    fn tombstones(&self) -> &[(String, Option<String>)] {
        &self.tombstones
    }
}

impl ImportRecords {
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
                ImportRecord {
                    obs: r.obs,
                    scope,
                    label: format!("kioku-mesh {}", r.kioku_id),
                    deleted: false,
                }
            })
            .collect();
        ImportRecords {
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
            .map(|o| ImportRecord {
                label: format!("claude-mem '{}'", o.title),
                obs: o,
                scope: None,
                deleted: false,
            })
            .collect();
        ImportRecords {
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

/// Where records go: `--scope`, else the scope a record asks for when it
/// exists here, else the default scope. Answers are kept per asked name.
struct Router {
    forced: Option<ScopeName>,
    default: ScopeName,
    asked: HashMap<String, ScopeName>,
}

impl Router {
    fn target(&mut self, mem: &Mem, asked: Option<String>) -> ScopeName {
        match (&self.forced, asked) {
            (Some(f), _) => f.clone(),
            (None, None) => self.default.clone(),
            (None, Some(s)) => self
                .asked
                .entry(s)
                .or_insert_with_key(|s| mem.scope(s).unwrap_or_else(|_| self.default.clone()))
                .clone(),
        }
    }
}

impl Mem {
    /// Import `source` into the scopes its records ask for (`scope`
    /// overrides them all; an unknown one falls back to the default
    /// scope). The source is read twice: first every record is checked,
    /// and passes the write gate — a secret bound for a plaintext scope
    /// stops the import before anything is written unless
    /// `allow_secrets` — then records are committed in batches of
    /// [`import_batch_size`] of their scope's count, each batch written as
    /// soon as it is full. `progress` gets (done, total).
    ///
    /// # Errors
    /// [`MemError::BadRecord`] from the first pass, with nothing written
    /// (from the second — a source changed in between — saying how much
    /// was); [`MemError::SecretInImport`] as above; [`MemError`] for an
    /// unknown `scope` or a store failure.
    pub fn import(
        &mut self,
        source: &mut dyn ImportSource,
        scope: Option<&str>,
        allow_secrets: bool,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ImportReport, MemError> {
        self.ensure_initialised()?;
        self.notices.extend(
            source
                .failed()
                .iter()
                .map(|f| Notice::Warning(format!("not imported: {f}"))),
        );
        let mut router = Router {
            forced: scope.map(|s| self.scope(s)).transpose()?,
            default: self.scope(&self.config.default_scope.value.clone())?,
            asked: HashMap::new(),
        };

        // First pass: check and count; nothing is written.
        let mut counts: BTreeMap<ScopeName, usize> = BTreeMap::new();
        source
            .read(&mut |mut record| {
                super::gate::clean(&mut record.obs);
                let target = router.target(self, record.scope);
                if !allow_secrets {
                    self.check_secret(&record.obs, &record.label, &target)?;
                }
                *counts.entry(target).or_default() += 1;
                Ok(())
            })
            .map_err(|e| match e {
                MemError::BadRecord(e) => MemError::BadRecord(format!("{e}; nothing was imported")),
                e => e,
            })?;

        // Second pass: fill each scope's batch and commit it when full.
        let total: usize = counts.values().sum();
        let mut report = ImportReport {
            failed: source.failed().len(),
            ..ImportReport::default()
        };
        let mut pending: BTreeMap<ScopeName, Vec<ImportFile>> = BTreeMap::new();
        let mut deleted: Vec<(String, Option<String>)> = Vec::new();
        let mut done = 0;
        let mut flush = |mem: &mut Mem,
                         scope: &ScopeName,
                         batch: Vec<ImportFile>,
                         report: &mut ImportReport| {
            done += batch.len();
            let out = mem.import_batch(scope, batch)?;
            report.imported += out.imported;
            report.duplicates += out.duplicates;
            report.commits += out.commits;
            progress(done, total);
            Ok::<_, MemError>(())
        };
        let second = source.read(&mut |mut record| {
            super::gate::clean(&mut record.obs);
            let target = router.target(self, record.scope);
            let file = ImportFile::new(&record.obs);
            if record.deleted {
                deleted.push((file.id.to_string(), None));
            }
            let size = import_batch_size(counts.get(&target).copied().unwrap_or(0));
            let batch = pending.entry(target.clone()).or_default();
            batch.push(file);
            if batch.len() >= size {
                let full = std::mem::take(batch);
                flush(self, &target, full, &mut report)?;
            }
            Ok(())
        });
        second.map_err(|e| match e {
            MemError::BadRecord(e) => MemError::BadRecord(format!(
                "{e}: the source changed during the import; {} observations were imported before it (importing again adds the rest)",
                report.imported
            )),
            e => e,
        })?;
        for (scope, batch) in std::mem::take(&mut pending) {
            if !batch.is_empty() {
                flush(self, &scope, batch, &mut report)?;
            }
        }
        for (id, reason) in source.tombstones().iter().cloned().chain(deleted) {
            let out = self.delete(&id, None, reason)?;
            report.deleted += usize::from(!out.deleted_in.is_empty());
        }
        // Each batch wrote a pack: past the limit, git consolidates them
        // once the last batch is in, not while the import still adds more
        // (a deletion above, a small commit, may have started it already).
        for scope in counts.keys() {
            super::write::pack_if_needed(&scope.repo_path(&self.paths.scopes_dir()));
        }
        Ok(report)
    }

    /// The write gate's secret rule for an imported record bound for
    /// `target`: an error for a plaintext scope, a warning for an
    /// encrypted one.
    fn check_secret(
        &mut self,
        obs: &Observation,
        label: &str,
        target: &ScopeName,
    ) -> Result<(), MemError> {
        let Some(kind) = super::gate::find_secret(obs) else {
            return Ok(());
        };
        if !self.scope_meta(target)?.encrypted {
            return Err(MemError::SecretInImport {
                label: label.to_owned(),
                kind,
                scope: target.to_string(),
            });
        }
        self.notices.push(Notice::Warning(format!(
            "{label}: the text looks like it contains a secret ({kind}); it is imported encrypted into scope '{target}', readable by every recipient of the scope"
        )));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;
    use crate::config::Flags;
    use crate::paths::Paths;

    /// `n` distinct records made on the fly, counting how many the current
    /// pass has given; with `bad_last`, the last one cannot be read.
    struct Made {
        n: usize,
        given: Rc<Cell<usize>>,
        passes: usize,
        bad_last: bool,
    }

    impl ImportSource for Made {
        fn read(&mut self, each: &mut EachRecord<'_>) -> Result<(), MemError> {
            self.passes += 1;
            let defaults = crate::jsonl::Defaults {
                created: "2026-11-22T10:00:00Z".parse().unwrap(),
                author: Some("me".into()),
                device: Some("box".into()),
            };
            for i in 0..self.n {
                if self.bad_last && i + 1 == self.n {
                    return Err(MemError::BadRecord(format!("made line {}: bad", i + 1)));
                }
                self.given.set(i + 1);
                let line = format!(r#"{{"body":"made record {i}"}}"#);
                let (obs, scope) = crate::jsonl::parse_record(&line, &defaults).unwrap();
                each(ImportRecord {
                    obs,
                    scope,
                    label: format!("made line {}", i + 1),
                    deleted: false,
                })?;
            }
            Ok(())
        }
    }

    fn mem(home: &std::path::Path) -> Mem {
        let cwd = home.join("cwd");
        std::fs::create_dir_all(&cwd).unwrap();
        Mem::open(Paths::under(home), &cwd, &Flags::default()).unwrap()
    }

    #[test]
    fn each_batch_is_committed_before_the_source_gives_the_next() {
        let home = tempfile::tempdir().unwrap();
        let mut mem = mem(home.path());
        let given = Rc::new(Cell::new(0));
        let mut source = Made {
            n: 2500,
            given: given.clone(),
            passes: 0,
            bad_last: false,
        };
        let mut committed_at = Vec::new();
        let report = mem
            .import(&mut source, Some("local"), false, |done, total| {
                committed_at.push((done, given.get(), total))
            })
            .unwrap();
        assert_eq!(source.passes, 2);
        assert_eq!((report.imported, report.commits), (2500, 3));
        // Each batch of 1,000 went in while the source had given no more
        // than it: the import never held more than one batch.
        assert_eq!(
            committed_at,
            [(1000, 1000, 2500), (2000, 2000, 2500), (2500, 2500, 2500)]
        );
    }

    #[test]
    fn a_bad_last_record_leaves_the_scope_untouched() {
        let home = tempfile::tempdir().unwrap();
        let mut mem = mem(home.path());
        mem.ensure_initialised().unwrap();
        let local = mem.scope("local").unwrap();
        let head = |mem: &mut Mem| {
            mem.index_for(std::slice::from_ref(&local))
                .unwrap()
                .indexed_commit("local")
                .unwrap()
        };
        let before = head(&mut mem);
        assert!(before.is_some());
        let mut source = Made {
            n: 1500,
            given: Rc::default(),
            passes: 0,
            bad_last: true,
        };
        let err = mem
            .import(&mut source, Some("local"), false, |_, _| {})
            .unwrap_err();
        assert_eq!(err.to_string(), "made line 1500: bad; nothing was imported");
        assert_eq!(source.passes, 1);
        assert_eq!(head(&mut mem), before);
    }

    #[test]
    fn batches_grow_with_the_import_within_bounds() {
        assert_eq!(import_batch_size(500), IMPORT_BATCH);
        assert_eq!(import_batch_size(10_000), 1_000);
        assert_eq!(import_batch_size(100_000), 10_000);
        assert_eq!(import_batch_size(1_000_000), IMPORT_BATCH_MAX);
    }
}
