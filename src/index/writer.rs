//! Writing one scope's files into the index tables inside an update
//! transaction: observation rows, their tags, supersede edges and FTS text,
//! tombstones, and the files that could not be parsed.

use rusqlite::types::Value;
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
    bytes: &[u8],
    identity: Option<&Identity>,
) -> Result<Parsed, Skip> {
    let plain;
    let bytes = if is_encrypted_path(path) {
        match identity.map(|i| i.decrypt(bytes)) {
            Some(Ok(p)) => {
                plain = p;
                &plain[..]
            }
            _ => return Err(Skip::Sealed),
        }
    } else {
        bytes
    };
    parse_file(path, bytes).map_err(Skip::Broken)
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
        let (pathx, fan) = path_form(path, &id, obs);
        let extra = if obs.extra.is_empty() {
            None
        } else {
            serde_yaml::to_string(&obs.extra).ok()
        };
        self.tx
            .prepare_cached(
                "INSERT INTO obs(scope, pathx, fan, id, kind, title, summary, project, key, tags, importance,
                                 files, supersedes, created, author, device, agent, session, extra, body, expires)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            )?
            .execute(params![
                scope,
                pathx,
                fan,
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

/// The `obs.pathx` and `obs.fan` values (index/mod.rs SCHEMA) of an
/// observation with id `id` found at `path`. A path in the day folder of
/// `created` (docs/format.md), flat or in the prefix folder of its name,
/// keeps only its name: NULL for `<id>.md`, the bytes of the hex for an
/// opaque `<lowercase hex>.age`. Any other path is kept whole as TEXT. The
/// `obs.path` column computes the path back with SQLite's `strftime`,
/// which agrees with jiff only for years 0 to 9999: other dates keep their
/// path whole.
pub(super) fn path_form(path: &str, id: &str, obs: &Observation) -> (Value, bool) {
    let whole = (Value::Text(path.to_owned()), false);
    let date = obs.created.to_zoned(jiff::tz::TimeZone::UTC).date();
    if !(0..=9999).contains(&date.year()) {
        return whole;
    }
    let day = format!(
        "obs/{:04}/{:02}/{:02}/",
        date.year(),
        date.month(),
        date.day()
    );
    let Some(rest) = path.strip_prefix(&day) else {
        return whole;
    };
    let (name, fan) = match rest.split_once('/') {
        None => (rest, false),
        Some((folder, name)) if name.len() >= 2 && name.get(..2) == Some(folder) => (name, true),
        Some(_) => return whole,
    };
    if name.strip_suffix(".md") == Some(id) {
        return (Value::Null, fan);
    }
    match name.strip_suffix(".age").and_then(lower_hex_bytes) {
        Some(bytes) => (Value::Blob(bytes), fan),
        None => whole,
    }
}

/// The bytes `hex` spells when it is non-empty lowercase hex of even length.
fn lower_hex_bytes(hex: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small write stays in the WAL when its process closes the index
    /// (no checkpoint, no fsync), and the next opener reads it; past
    /// `WAL_FOLD_BYTES` the closer folds the WAL in and truncates it, so
    /// over many processes it never grows past one bound (wal.rs
    /// `close_without_checkpoint`).
    #[test]
    fn the_wal_stays_small_across_processes_that_do_not_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.sqlite");
        let wal = dir.path().join("index.sqlite-wal");
        let wal_len = || std::fs::metadata(&wal).unwrap().len();
        let (index, _) = super::super::Index::open(&path).unwrap();
        index
            .conn
            .execute("INSERT INTO scopes(name, commit_id) VALUES ('s', 'c')", [])
            .unwrap();
        drop(index);
        assert!(wal_len() > 0, "a small write is left in the WAL");
        let (index, _) = super::super::Index::open(&path).unwrap();
        let commit: String = index
            .conn
            .query_row("SELECT commit_id FROM scopes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(commit, "c", "the next process reads it");
        drop(index);
        // 60 processes writing about 100 KiB each.
        let mut folded = 0;
        for i in 0..60 {
            let (index, _) = super::super::Index::open(&path).unwrap();
            index
                .conn
                .execute(
                    "INSERT INTO meta(key, value) VALUES (?1, hex(randomblob(50000)))",
                    [format!("k{i}")],
                )
                .unwrap();
            drop(index);
            let len = wal_len();
            assert!(
                len <= super::super::wal::WAL_FOLD_BYTES + 200 * 1024,
                "WAL of {len} bytes after {i} processes"
            );
            folded += usize::from(len == 0);
        }
        assert!(folded >= 10, "folded {folded} times in 60");
        let (index, _) = super::super::Index::open(&path).unwrap();
        let rows: i64 = index
            .conn
            .query_row("SELECT count(*) FROM meta WHERE key LIKE 'k%'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(rows, 60);
    }

    /// Every path form goes into `obs` as `pathx`/`fan` and comes back out
    /// of the computed `path` column unchanged; the canonical ones are not
    /// stored as text.
    #[test]
    fn paths_read_back_and_only_odd_ones_are_stored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let index = super::super::Index::open(&dir.path().join("index.sqlite"))
            .unwrap()
            .0;
        let mut obs = crate::store::sample_observation();
        obs.created = "2026-12-01T23:59:59Z".parse().unwrap();
        let id = obs.id();
        let flat = obs.path(&id);
        let day = "obs/2026/12/01";
        assert!(flat.starts_with(day));
        let opaque = "0f3a9c00e1b2d4c6a8f0e2d4c6b8a0f1";
        let cases = [
            (flat.clone(), false),
            (format!("{day}/{}/{id}.md", &id[..2]), false),
            (format!("{day}/{opaque}.age"), false),
            (format!("{day}/0f/{opaque}.age"), false),
            // Kept whole: another day, a wrong prefix folder, a name that
            // is not the id, upper-case or odd-length hex, deeper folders.
            (format!("obs/2026/12/02/{id}.md"), true),
            (format!("{day}/zz/{id}.md"), true),
            (format!("{day}/{}.md", &id[1..]), true),
            (format!("{day}/{}.age", opaque.to_uppercase()), true),
            (format!("{day}/{}.age", &opaque[1..]), true),
            (format!("{day}/0f/0f/{opaque}.age"), true),
        ];
        for (path, whole) in cases {
            let (pathx, fan) = path_form(&path, &id, &obs);
            assert_eq!(matches!(pathx, Value::Text(_)), whole, "{path}");
            let back: String = index
                .conn
                .query_row(
                    "INSERT INTO obs(scope, pathx, fan, id, kind, title, tags, importance, files,
                                     supersedes, created, body)
                     VALUES ('s', ?1, ?2, ?3, 'note', 't', '[]', 2, '[]', '[]', ?4, '')
                     RETURNING path",
                    params![pathx, fan, id, obs.created.as_second()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(back, path);
        }
    }
}
