//! Small read-only questions the MCP server asks of the store, so that it
//! needs neither the index nor a repository handle.

use super::{Mem, MemError};
use crate::index::Stats;

impl Mem {
    /// Ids of the observations that supersede `id` (any scope).
    ///
    /// # Errors
    /// As [`Mem::index`].
    pub fn superseded_by(&mut self, id: &str) -> Result<Vec<String>, MemError> {
        Ok(self.index()?.superseded_by(id)?)
    }

    /// Counts per scope, kind and project (what `mem stats` shows).
    ///
    /// # Errors
    /// As [`Mem::index`].
    pub fn store_stats(&mut self) -> Result<Stats, MemError> {
        Ok(self.index()?.stats()?)
    }
}
