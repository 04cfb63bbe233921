//! kioku-mesh: a local-first shared memory for AI coding agents.
//!
//! Observations (YAML front matter + Markdown) live as content-addressed
//! files in one bare git repository per scope ([`store`]); a SQLite FTS5
//! index ([`index`]) is kept in step from tree diffs. [`memory::Mem`] is the
//! entry point that ties configuration, store and index together. The
//! library never prints and never depends on the command line.

#![warn(missing_docs)]

pub mod agent;
pub mod config;
pub mod crypto;
pub mod embed;
pub mod gitcli;
pub mod hooks;
pub mod importers;
pub mod index;
pub mod jsonl;
pub mod mcp;
pub mod memory;
pub mod paths;
pub mod project;
pub mod remote;
pub mod store;
pub mod sync;
pub mod text;
pub mod time;
pub mod watch;

pub use memory::{Draft, Mem, MemError, Outgoing};
