//! Reading other memory tools' stores into observations (`mem import
//! --from …`). Each reader opens the other tool's files read-only and
//! returns observations plus a reason for every record it could not use.

pub mod claude_mem;
pub mod kioku_mesh;

/// Errors opening another tool's store.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Nothing that looks like the store at the path.
    #[error("{0}")]
    NotFound(String),
    /// The SQLite file cannot be read.
    #[error("cannot read {path}: {source}")]
    Sql {
        /// The database file.
        path: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
}

/// Another tool's SQLite database, opened read-only.
pub(crate) struct SourceDb {
    path: std::path::PathBuf,
    conn: rusqlite::Connection,
}

impl SourceDb {
    /// Open `path` read-only (the other tool's files are never written).
    pub(crate) fn open(path: &std::path::Path) -> Result<SourceDb, ImportError> {
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|source| ImportError::Sql {
                    path: path.display().to_string(),
                    source,
                })?;
        Ok(SourceDb {
            path: path.to_owned(),
            conn,
        })
    }

    /// Every row of `sql` (no parameters), each through `map`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, ImportError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.error(e))?;
        stmt.query_map([], map)
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))
    }

    fn error(&self, source: rusqlite::Error) -> ImportError {
        ImportError::Sql {
            path: self.path.display().to_string(),
            source,
        }
    }
}
