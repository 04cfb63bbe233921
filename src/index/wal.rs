//! How the index's WAL is kept between processes: the `-wal` file stays
//! (`keep_wal_file`), a process closes without a checkpoint
//! (`close_without_checkpoint`), and the WAL is folded into the database
//! once it passes [`WAL_FOLD_BYTES`] (`Index`'s `Drop`) or before the
//! database is moved ([`Index::close_folded`]).

use rusqlite::Connection;

use super::{Index, IndexError};

/// Keep the `-wal` and `-shm` files when the last connection closes
/// (`SQLITE_FCNTL_PERSIST_WAL`, sqlite.org/c3ref/c_fcntl_begin_atomic_write):
/// a WAL that is folded in is truncated to zero bytes instead of deleted
/// (`close_without_checkpoint` says when that happens). Every `mem`
/// process opens the index, so without this each one created both files
/// and deleted them again; a save also synced the directory for the new
/// WAL. Creating files was the largest kernel cost of a save on ext4
/// (`perf record`: inode allocation). A failure leaves SQLite's default,
/// which is only slower.
pub(super) fn keep_wal_file(conn: &Connection) {
    let mut persist: std::ffi::c_int = 1;
    // SAFETY: `conn.handle()` is this open connection's handle, "main" a
    // NUL-terminated schema name, and PERSIST_WAL reads and writes one
    // `int` through the pointer, which lives for the call.
    unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&raw mut persist).cast(),
        );
    }
}

/// Close without a checkpoint (`SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`,
/// sqlite.org/c3ref/c_dbconfig_defensive.html): a process that wrote a
/// few pages leaves them in the WAL, which the next process reads, instead
/// of copying them into the database and syncing both files (two fsyncs
/// on close, and two more when the next writer restarts the emptied WAL;
/// about 1–1.5 ms of a save). [`Index`]'s `Drop` folds the WAL in once it
/// passes [`WAL_FOLD_BYTES`], so it stays small. A failure leaves
/// SQLite's default, which is only slower.
pub(super) fn close_without_checkpoint(conn: &Connection) {
    // SAFETY: `conn.handle()` is this open connection's handle; the option
    // takes an int (1: on) and an int pointer for the old value, which may
    // be null.
    unsafe {
        rusqlite::ffi::sqlite3_db_config(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        );
    }
}

/// WAL bytes past which closing an index folds the WAL into the database
/// and truncates it. Without that, the WAL would never restart: the first
/// connection of each process rebuilds the WAL index from the file and
/// marks nothing checkpointed, and SQLite restarts a WAL only when a writer
/// finds it wholly checkpointed (it grew to 28 MB over 240 processes). Each
/// process that opens the index reads the WAL once: at 787 KB that added
/// 2.4 ms to a search, at this bound about 0.5 ms at most.
pub(super) const WAL_FOLD_BYTES: u64 = 256 * 1024;

impl Drop for Index {
    /// Fold the WAL in past [`WAL_FOLD_BYTES`], without waiting: a reader
    /// or writer in another process makes SQLite answer busy at once, and
    /// the next process to close does it.
    fn drop(&mut self) {
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return;
        };
        let large =
            std::fs::metadata(format!("{path}-wal")).is_ok_and(|m| m.len() > WAL_FOLD_BYTES);
        if large {
            let _ = self.conn.busy_timeout(std::time::Duration::ZERO);
            let _ = self.fold_wal();
        }
    }
}

impl Index {
    /// Copy every page of the WAL into the database and truncate the WAL
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), waiting for other connections
    /// up to the busy timeout.
    ///
    /// # Errors
    /// [`IndexError::Sql`], also when another connection kept the
    /// checkpoint from finishing.
    fn fold_wal(&self) -> Result<(), IndexError> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy != 0 {
            return Err(IndexError::Sql(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some("another process kept the index's WAL from being folded in".into()),
            )));
        }
        Ok(())
    }

    /// Close the index with everything in the database file itself, the
    /// WAL empty: for an index about to be moved ([`Index::swap_in`]).
    ///
    /// # Errors
    /// As `fold_wal`: SQLite's, also when another connection kept the
    /// checkpoint from finishing.
    pub fn close_folded(self) -> Result<(), IndexError> {
        self.fold_wal()
    }
}
