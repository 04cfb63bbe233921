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
