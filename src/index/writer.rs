//! Writing one scope's files into the index tables inside an update
//! transaction: observation rows, their tags, supersede edges and FTS text,
//! tombstones, and the files that could not be parsed.

use rusqlite::{params, OptionalExtension};

use super::{is_conflict_path, is_tombstone_path};
use crate::crypto::{is_encrypted_path, Identity};
use crate::store::{MergeRecord, Observation, Tombstone};
use crate::text::cjk_bigrams;

/// A scope file read and parsed, ready to insert.
pub(super) enum Parsed {
    /// An observation file.
    Observation(Box<Observation>),
    /// A tombstone file.
    Tombstone(Tombstone),
    /// A merge record.
    Conflict(MergeRecord),
}

/// Why a file was not indexed.
pub(super) enum Skip {
    /// It cannot be parsed; the reason.
    Broken(String),
    /// It is encrypted and this device cannot decrypt it.
    Sealed,
}

/// Decrypt (when it is an age file) and parse the file at `path` (an
/// observation, a tombstone or a merge record).
pub(super) fn read_file(
    path: &str,
    bytes: Vec<u8>,
    identity: Option<&Identity>,
) -> Result<Parsed, Skip> {
    let bytes = if is_encrypted_path(path) {
        match identity.map(|i| i.decrypt(&bytes)) {
            Some(Ok(plain)) => plain,
            _ => return Err(Skip::Sealed),
        }
    } else {
        bytes
    };
    parse_file(path, &bytes).map_err(Skip::Broken)
}

/// Parse the plaintext of the file at `path` (an observation or a
/// tombstone); the error is the reason it is skipped.
pub(super) fn parse_file(path: &str, bytes: &[u8]) -> Result<Parsed, String> {
    if is_conflict_path(path) {
        MergeRecord::parse(bytes)
            .map(Parsed::Conflict)
            .map_err(|e| e.to_string())
    } else if is_tombstone_path(path) {
        Tombstone::parse(bytes)
            .map(Parsed::Tombstone)
            .map_err(|e| e.to_string())
    } else {
        Observation::parse(bytes)
            .map(|o| Parsed::Observation(Box::new(o)))
            .map_err(|e| e.to_string())
    }
}

/// Prepared statements for one update transaction.
pub(super) struct Writer<'t> {
    tx: &'t rusqlite::Transaction<'t>,
}

impl<'t> Writer<'t> {
    pub(super) fn new(tx: &'t rusqlite::Transaction<'t>) -> rusqlite::Result<Self> {
        Ok(Writer { tx })
    }

    /// Remove whatever `path` contributed; true when something was there.
    pub(super) fn remove(&mut self, scope: &str, path: &str) -> rusqlite::Result<bool> {
        let rowid: Option<i64> = self
            .tx
            .prepare_cached(&format!("SELECT rowid FROM obs WHERE {}", super::AT_PATH))?
            .query_row(params![scope, path], |r| r.get(0))
            .optional()?;
        let mut removed = false;
        if let Some(rowid) = rowid {
            self.tx
                .prepare_cached("DELETE FROM fts WHERE rowid=?1")?
                .execute(params![rowid])?;
            self.tx
                .prepare_cached("DELETE FROM tags WHERE obs=?1")?
                .execute(params![rowid])?;
            self.tx
                .prepare_cached("DELETE FROM edges WHERE obs=?1")?
                .execute(params![rowid])?;
            self.tx
                .prepare_cached("DELETE FROM obs WHERE rowid=?1")?
                .execute(params![rowid])?;
            removed = true;
        }
        removed |= self
            .tx
            .prepare_cached("DELETE FROM tombs WHERE scope=?1 AND path=?2")?
            .execute(params![scope, path])?
            > 0;
        self.tx
            .prepare_cached("DELETE FROM broken WHERE scope=?1 AND path=?2")?
            .execute(params![scope, path])?;
        self.tx
            .prepare_cached("DELETE FROM sealed WHERE scope=?1 AND path=?2")?
            .execute(params![scope, path])?;
        removed |= self
            .tx
            .prepare_cached("DELETE FROM conflicts WHERE scope=?1 AND path=?2")?
            .execute(params![scope, path])?
            > 0;
        self.tx
            .prepare_cached("DELETE FROM conflict_members WHERE scope=?1 AND path=?2")?
            .execute(params![scope, path])?;
        Ok(removed)
    }

    pub(super) fn broken(&mut self, scope: &str, path: &str, error: &str) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO broken(scope, path, error) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![scope, path, error])?;
        Ok(())
    }

    pub(super) fn sealed(&mut self, scope: &str, path: &str) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO sealed(scope, path) VALUES (?1, ?2)")?
            .execute(params![scope, path])?;
        Ok(())
    }

    /// Insert a parsed file.
    pub(super) fn insert(
        &mut self,
        scope: &str,
        path: &str,
        file: &Parsed,
    ) -> rusqlite::Result<()> {
        match file {
            Parsed::Tombstone(t) => {
                self.tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO tombs(scope, path, target, deleted, author, device, reason)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        scope, path, t.id, t.deleted, t.author, t.device, t.reason
                    ])?;
                Ok(())
            }
            Parsed::Observation(obs) => self.insert_observation(scope, path, obs),
            Parsed::Conflict(r) => {
                self.tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO conflicts(scope, path, id, kind, base, key, resolved)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        scope,
                        path,
                        r.id,
                        r.kind.as_str(),
                        r.base,
                        r.key,
                        r.resolved.is_some()
                    ])?;
                for c in &r.competitors {
                    self.tx
                        .prepare_cached(
                            "INSERT INTO conflict_members(scope, path, obs) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![scope, path, c])?;
                }
                Ok(())
            }
        }
    }

    fn insert_observation(
        &mut self,
        scope: &str,
        path: &str,
        obs: &Observation,
    ) -> rusqlite::Result<()> {
        let id = obs.id();
        let extra = if obs.extra.is_empty() {
            None
        } else {
            serde_yaml::to_string(&obs.extra).ok()
        };
        self.tx
            .prepare_cached(
                "INSERT INTO obs(scope, path, id, kind, title, summary, project, key, tags, importance,
                                 files, supersedes, created, author, device, agent, session, extra, body, expires)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?
            .execute(params![
                scope,
                path,
                id,
                obs.kind,
                obs.title,
                obs.summary,
                obs.project,
                obs.key,
                serde_json::to_string(&obs.tags).expect("strings serialise"),
                obs.importance,
                serde_json::to_string(&obs.files).expect("strings serialise"),
                serde_json::to_string(&obs.supersedes).expect("strings serialise"),
                obs.created.as_second(),
                obs.author,
                obs.device,
                obs.agent,
                obs.session,
                extra,
                super::packed::body_value(&obs.body),
                obs.expires().map(|t| t.as_second()),
            ])?;
        let rowid = self.tx.last_insert_rowid();
        for tag in &obs.tags {
            self.tx
                .prepare_cached("INSERT OR IGNORE INTO tags(obs, tag) VALUES (?1, ?2)")?
                .execute(params![rowid, tag])?;
        }
        for target in &obs.supersedes {
            self.tx
                .prepare_cached("INSERT INTO edges(obs, target) VALUES (?1, ?2)")?
                .execute(params![rowid, target])?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO fts(rowid, title, summary, body, tags) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                rowid,
                cjk_bigrams(&obs.title),
                obs.summary.as_deref().map(cjk_bigrams),
                cjk_bigrams(&obs.body),
                cjk_bigrams(&obs.tags.join(" ")),
            ])?;
        Ok(())
    }
}
