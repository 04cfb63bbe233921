//! The search index: one SQLite database (WAL, busy timeout) mirroring every
//! scope's head tree, with an FTS5 table ranked by bm25.
//!
//! The index is disposable: it can always be rebuilt from the scope
//! repositories. Each scope records the commit it was indexed at; an update
//! reads only the paths that changed between that commit and the new head
//! (a tree diff). A missing, corrupt or older-schema database is rebuilt.
//!
//! CJK text is stored in the FTS table as overlapping bigrams (see
//! [`crate::text::cjk_bigrams`]) so that a two-character word is one token;
//! the `unicode61` tokenizer with the `porter` stemmer handles the rest
//! (stemming measured better than none on LoCoMo questions). How a query is
//! read is in `parse`, how it is ranked in `search`.

mod bulk;
mod conflicts;
mod context;
mod gc;
mod held;
mod packed;
mod parse;
mod query;
mod search;
mod tagged;
mod update;
mod vec_blocks;
mod vectors;
mod wal;
mod writer;

pub use gc::GcPlan;
pub use held::Held;
pub use parse::{is_stopword, SearchQuery};
pub use search::COMMON_MATCHES;
pub use vectors::Near;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

pub use query::{
    Candidate, ConflictRow, Filter, Hit, IdMatch, ObsRow, ProjectFilter, Stats, TombInfo,
};

use crate::store::{ScopeName, StoreError};

/// Schema version. Bump it whenever the tables change: an index of an older
/// version is dropped and rebuilt from the scopes on open.
pub const SCHEMA_VERSION: i64 = 7;

/// Errors of the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// SQLite failed. (Not marked as the error's source: the message
    /// already says all of it, and chains are printed whole.)
    #[error("{}", describe_sql(.0))]
    Sql(rusqlite::Error),
    /// Reading a scope failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index file cannot be created or replaced.
    #[error("{}: {error}{}", path.display(), crate::store::io_hint(error))]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

impl IndexError {
    /// Whether the failure is the environment's — a read-only or full
    /// disk, a directory of another user, another process holding the
    /// database — rather than the index's content: rebuilding the index
    /// would not help.
    pub fn is_environmental(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            IndexError::Sql(e) => matches!(
                e.sqlite_error_code(),
                Some(
                    C::ReadOnly
                        | C::CannotOpen
                        | C::PermissionDenied
                        | C::DatabaseBusy
                        | C::DatabaseLocked
                        | C::DiskFull
                )
            ),
            IndexError::Io { .. } => true,
            IndexError::Store(_) => false,
        }
    }
}

impl From<rusqlite::Error> for IndexError {
    fn from(e: rusqlite::Error) -> Self {
        IndexError::Sql(e)
    }
}

/// A file that could not be read into the index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrokenFile {
    /// Its scope.
    pub scope: String,
    /// Its path in the scope tree.
    pub path: String,
    /// Why it was skipped.
    pub error: String,
}

/// What one scope update did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UpdateReport {
    /// The scope.
    pub scope: String,
    /// Whether the scope was read whole (no usable previous commit).
    pub full: bool,
    /// Files read and indexed.
    pub indexed: usize,
    /// Files removed from the index.
    pub removed: usize,
    /// Files skipped because they could not be parsed.
    pub broken: Vec<BrokenFile>,
    /// Encrypted files this device's identity could not decrypt (paths).
    pub sealed: Vec<String>,
    /// Another process moved the indexed commit meanwhile: nothing was done.
    #[serde(skip)]
    pub raced: bool,
}

/// An open index.
pub struct Index {
    conn: Connection,
}

const SCHEMA: &str = r#"
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE scopes(name TEXT PRIMARY KEY, commit_id TEXT NOT NULL);
CREATE TABLE obs(
    rowid INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    -- Where the file is, with `fan` and `path` below: NULL when its name is
    -- `<id>.md`, a BLOB when it is `<lowercase hex of the blob>.age` (an
    -- encrypted scope's opaque name), in its `created` day's folder; TEXT
    -- for any other path, held whole. writer.rs `path_form` picks it.
    pathx,
    -- 1 when the file is in its day's prefix folder (docs/format.md).
    fan INTEGER NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    project TEXT,
    key TEXT,
    tags TEXT NOT NULL,
    importance INTEGER NOT NULL,
    files TEXT NOT NULL,
    supersedes TEXT NOT NULL,
    created INTEGER NOT NULL,
    author TEXT,
    device TEXT,
    agent TEXT,
    session TEXT,
    extra TEXT,
    body TEXT NOT NULL,
    -- When it expires (seconds since the epoch; the `expires_at` field).
    expires INTEGER,
    -- The file's path in the scope tree, computed on read from `pathx`,
    -- `fan`, `id` and `created`: stored, paths were ~80 bytes a row, a
    -- tenth of the index. (`hex(NULL)` is '', not NULL.)
    path TEXT GENERATED ALWAYS AS (iif(typeof(pathx) = 'text', pathx,
        'obs/' || strftime('%Y/%m/%d', created, 'unixepoch') || '/'
        || iif(fan, substr(iif(pathx IS NULL, id, lower(hex(pathx))), 1, 2) || '/', '')
        || iif(pathx IS NULL, id || '.md', lower(hex(pathx)) || '.age'))) VIRTUAL
);
-- A file's row by its path (writer.rs, held.rs): an index on the last
-- characters of the path, which end in the file's hex name, is a fifth the
-- size of one on (scope, path); the query compares the whole path after it,
-- written `+path = ?` so SQLite's constant propagation does not fold the
-- indexed expression away.
CREATE INDEX obs_path ON obs(substr(path, -16));
CREATE INDEX obs_id ON obs(id);
CREATE INDEX obs_created ON obs(created);
CREATE INDEX obs_key ON obs(scope, key) WHERE key IS NOT NULL;
-- The order of `mem context` (index/context.rs), so its ORDER BY … LIMIT
-- walks this index instead of sorting every live observation.
-- Ties on all three are rare: the id that breaks them is sorted, not indexed.
CREATE INDEX obs_rank ON obs(importance DESC, (key IS NOT NULL OR kind = 'decision') DESC, created DESC);
CREATE TABLE edges(obs INTEGER NOT NULL, target TEXT NOT NULL);
CREATE INDEX edges_obs ON edges(obs);
CREATE INDEX edges_target ON edges(target);
CREATE TABLE tombs(
    scope TEXT NOT NULL,
    path TEXT NOT NULL,
    target TEXT NOT NULL,
    deleted TEXT NOT NULL,
    author TEXT,
    device TEXT,
    reason TEXT,
    PRIMARY KEY(scope, path)
);
CREATE INDEX tombs_target ON tombs(target);
CREATE TABLE conflicts(
    scope TEXT NOT NULL,
    path TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    base TEXT,
    key TEXT,
    resolved INTEGER NOT NULL,
    PRIMARY KEY(scope, path)
);
CREATE TABLE conflict_members(scope TEXT NOT NULL, path TEXT NOT NULL, obs TEXT NOT NULL);
CREATE INDEX conflict_members_obs ON conflict_members(obs);
CREATE INDEX conflict_members_path ON conflict_members(scope, path);
CREATE TABLE broken(scope TEXT NOT NULL, path TEXT NOT NULL, error TEXT NOT NULL, PRIMARY KEY(scope, path));
CREATE TABLE sealed(scope TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(scope, path));
CREATE VIRTUAL TABLE fts USING fts5(
    title, summary, body, tags,
    content='', contentless_delete=1,
    tokenize='porter unicode61 remove_diacritics 2'
);
"#;

/// The `obs` row of the file at `?2` in scope `?1`, through the `obs_path`
/// index. The unary `+` keeps the constant propagation of some SQLite
/// versions (3.40 does it) from rewriting `substr(path, -16)` into
/// `substr(?2, -16)`, which leaves the index unused and scans every row.
pub(super) const AT_PATH: &str =
    "substr(path, -16) = substr(?2, -16) AND +scope = ?1 AND +path = ?2";

/// One sentence for a SQLite failure, saying what to do where there is something to do.
fn describe_sql(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => {
            "the index database cannot be written: its directory is read-only or belongs to another user (point MEM_HOME at a writable directory)".into()
        }
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "the index is locked by another mem process: try again in a moment".into()
        }
        Some(C::DiskFull) => "the disk holding the index is full: free some space".into(),
        _ => match e {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => format!("index database: {msg}"),
            other => format!("index database: {other}"),
        },
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

fn remove_db_files(path: &Path) -> Result<(), IndexError> {
    remove_with_suffixes(path, &["", "-wal", "-shm"])
}

/// Remove `path` + each of `suffixes` that exists.
fn remove_with_suffixes(path: &Path, suffixes: &[&str]) -> Result<(), IndexError> {
    for suffix in suffixes {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(IndexError::Io { path: p, error: e }),
        }
    }
    Ok(())
}

impl Index {
    /// A read transaction when none is open, so that the statements run
    /// until it is dropped see one state of the index (a writer committing
    /// between two of them would renumber the rows they share); `None`
    /// inside a transaction, which already does.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub(super) fn read_snapshot(&self) -> Result<Option<rusqlite::Transaction<'_>>, IndexError> {
        Ok(if self.conn.is_autocommit() {
            Some(self.conn.unchecked_transaction()?)
        } else {
            None
        })
    }

    /// Put the index built at `aside` (closed by [`Index::close_folded`],
    /// so that nothing of it is left in its WAL) in place of the one at
    /// `live` (closed): the live database's `-wal`/`-shm` files go, then
    /// `aside` is renamed over it — one rename, so a reader sees the old
    /// index or the new one, never none.
    ///
    /// # Errors
    /// [`IndexError::Io`] when a file cannot be removed or renamed.
    pub fn swap_in(aside: &Path, live: &Path) -> Result<(), IndexError> {
        remove_with_suffixes(live, &["-wal", "-shm"])?;
        std::fs::rename(aside, live).map_err(|e| IndexError::Io {
            path: live.to_owned(),
            error: e,
        })?;
        remove_db_files(aside)
    }

    /// Remove an index database and its `-wal`/`-shm` files, if present.
    ///
    /// # Errors
    /// [`IndexError::Io`] when one cannot be removed.
    pub fn remove(path: &Path) -> Result<(), IndexError> {
        remove_db_files(path)
    }

    /// Open the index at `path`, creating it (mode 0600: it holds decrypted
    /// text) when missing. A corrupt database or one of an older schema is
    /// deleted and recreated empty; the returned notice says so, and the next
    /// [`Index::update_scope`] fills it again.
    ///
    /// # Errors
    /// [`IndexError`] when the file cannot be created or opened at all.
    pub fn open(path: &Path) -> Result<(Self, Option<String>), IndexError> {
        match Self::try_open(path) {
            Ok(Some(index)) => Ok((index, None)),
            Ok(None) => {
                remove_db_files(path)?;
                let index = Self::try_open(path)?.expect("a fresh index has the current schema");
                Ok((
                    index,
                    Some("the index was made by an older version of mem; rebuilding it".into()),
                ))
            }
            Err(e) if matches!(&e, IndexError::Sql(s) if is_corruption(s)) => {
                remove_db_files(path)?;
                let index = Self::try_open(path)?.expect("a fresh index has the current schema");
                Ok((
                    index,
                    Some(format!(
                        "the index at {} was corrupt; rebuilding it from the scopes",
                        path.display()
                    )),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// `Ok(None)`: the database is of another schema version.
    fn try_open(path: &Path) -> Result<Option<Self>, IndexError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| IndexError::Io {
                path: dir.to_owned(),
                error: e,
            })?;
        }
        if !path.exists() {
            create_private_file(path).map_err(|e| IndexError::Io {
                path: path.to_owned(),
                error: e,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        packed::register(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A WAL file keeps the size of the largest transaction (an import,
        // a reindex) until it is truncated: cap what stays on disk after a
        // checkpoint.
        conn.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
        wal::keep_wal_file(&conn);
        wal::close_without_checkpoint(&conn);
        let has_meta: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)?;
        if !has_meta {
            // IMMEDIATE: a deferred transaction that later writes fails at
            // once with SQLITE_BUSY when another process holds the lock.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another process may have created it in the meantime.
            let raced: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'",
                [],
                |r| r.get(0),
            )?;
            if raced == 0 {
                tx.execute_batch(SCHEMA)?;
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )?;
            }
            tx.commit()?;
        }
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if version.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
            return Ok(None);
        }
        Ok(Some(Index { conn }))
    }

    /// Open an existing index for reading only, where it cannot be opened
    /// for writing (a read-only mount, a directory of another user): first
    /// read-only as usual (`mode=ro`, <https://sqlite.org/uri.html>), which
    /// reads the WAL too; when that fails (SQLite cannot read a WAL without
    /// its `-shm` file), with the `immutable` parameter, which reads the
    /// database file alone, without locking — safe because nothing can
    /// write there. What the last processes left in the WAL (under
    /// `WAL_FOLD_BYTES`, see `wal.rs`) is then not seen, as when the index
    /// lags the scopes. Every write on it fails as
    /// [`IndexError::is_environmental`].
    ///
    /// # Errors
    /// [`IndexError::Sql`] when the file is missing, unreadable or of
    /// another schema version.
    pub fn open_read_only(path: &Path) -> Result<Self, IndexError> {
        Self::open_uri(path, "mode=ro").or_else(|_| Self::open_uri(path, "immutable=1"))
    }

    /// Open `path` read-only with the URI parameter `param`, checking the
    /// schema version, as [`Index::open_read_only`].
    fn open_uri(path: &Path, param: &str) -> Result<Self, IndexError> {
        use rusqlite::OpenFlags;
        let uri = format!("file:{}?{param}", path.display());
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )?;
        packed::register(&conn)?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if version.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
            return Err(IndexError::Sql(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some("the index was made by another version of mem and cannot be rebuilt on a read-only disk".into()),
            )));
        }
        Ok(Index { conn })
    }

    /// The commit `scope` was last indexed at.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn indexed_commit(&self, scope: &str) -> Result<Option<String>, IndexError> {
        Ok(indexed_at(&self.conn, scope)?)
    }

    /// Forget every scope's commit so the next update reads them whole.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn clear(&mut self) -> Result<(), IndexError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM scopes; DELETE FROM obs; DELETE FROM edges;
             DELETE FROM tombs; DELETE FROM broken; DELETE FROM sealed; DELETE FROM fts;
             DELETE FROM conflicts; DELETE FROM conflict_members;",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Drop rows of scopes that no longer exist.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn retain_scopes(&mut self, scopes: &[ScopeName]) -> Result<(), IndexError> {
        let names: Vec<String> = self
            .conn
            .prepare("SELECT name FROM scopes")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for name in names {
            if !scopes.iter().any(|s| s.as_str() == name) {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                delete_scope_rows(&tx, &name)?;
                tx.execute("DELETE FROM scopes WHERE name=?1", params![name])?;
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Files skipped as unreadable, for `mem doctor`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn broken_files(&self) -> Result<Vec<BrokenFile>, IndexError> {
        let mut stmt = self
            .conn
            .prepare("SELECT scope, path, error FROM broken ORDER BY scope, path")?;
        let rows = stmt.query_map([], |r| {
            Ok(BrokenFile {
                scope: r.get(0)?,
                path: r.get(1)?,
                error: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Per scope, the number of encrypted files this device could not
    /// decrypt when they were last read, for `mem doctor`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn sealed_counts(&self) -> Result<Vec<(String, usize)>, IndexError> {
        let mut stmt = self
            .conn
            .prepare("SELECT scope, count(*) FROM sealed GROUP BY scope ORDER BY scope")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Run SQLite's `quick_check`; `Ok(None)` when healthy.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn quick_check(&self) -> Result<Option<String>, IndexError> {
        let result: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        Ok((result != "ok").then_some(result))
    }
}

/// Whether `path` holds an observation (`.md`, or `.age` when encrypted).
pub fn is_observation_path(path: &str) -> bool {
    path.starts_with("obs/") && (path.ends_with(".md") || path.ends_with(".age"))
}

/// Whether `path` holds a merge record (`.yaml`, or `.age` when encrypted).
pub fn is_conflict_path(path: &str) -> bool {
    path.starts_with("conflicts/") && (path.ends_with(".yaml") || path.ends_with(".age"))
}

/// Whether `path` holds a tombstone (`.yaml`, or `.age` when encrypted).
pub fn is_tombstone_path(path: &str) -> bool {
    path.starts_with("tomb/") && (path.ends_with(".yaml") || path.ends_with(".age"))
}

/// The commit `scope` is indexed at, read through `conn` (or a
/// transaction on it).
pub(super) fn indexed_at(conn: &Connection, scope: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT commit_id FROM scopes WHERE name=?1",
        params![scope],
        |r| r.get(0),
    )
    .optional()
}

/// Record that `scope` is indexed at `commit`.
pub(super) fn set_indexed(
    tx: &rusqlite::Transaction<'_>,
    scope: &str,
    commit: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO scopes(name, commit_id) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET commit_id=excluded.commit_id",
        params![scope, commit],
    )
    .map(drop)
}

pub(super) fn delete_scope_rows(
    tx: &rusqlite::Transaction<'_>,
    scope: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM fts WHERE rowid IN (SELECT rowid FROM obs WHERE scope=?1)",
        params![scope],
    )?;
    tx.execute(
        "DELETE FROM edges WHERE obs IN (SELECT rowid FROM obs WHERE scope=?1)",
        params![scope],
    )?;
    tx.execute("DELETE FROM obs WHERE scope=?1", params![scope])?;
    tx.execute("DELETE FROM tombs WHERE scope=?1", params![scope])?;
    tx.execute("DELETE FROM broken WHERE scope=?1", params![scope])?;
    tx.execute("DELETE FROM sealed WHERE scope=?1", params![scope])?;
    tx.execute("DELETE FROM conflicts WHERE scope=?1", params![scope])?;
    tx.execute(
        "DELETE FROM conflict_members WHERE scope=?1",
        params![scope],
    )?;
    Ok(())
}
