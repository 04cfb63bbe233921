//! The filter flags shared by `mem search` and `mem list`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::index::{Filter, ProjectFilter};
use kioku_mesh::Mem;

use super::UsageError;

/// Which observations to consider.
#[derive(Args, Debug)]
pub struct FilterArgs {
    /// Only this scope (repeatable).
    #[arg(long = "scope", short = 's', value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Only this kind.
    #[arg(long, short = 'k')]
    kind: Option<String>,
    /// Only observations with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// This project (plus project-less observations) instead of the current one.
    #[arg(long, conflicts_with = "all_projects")]
    project: Option<String>,
    /// Every project.
    #[arg(long)]
    all_projects: bool,
    /// Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// At most this many results (default: limit from config, normally 10).
    #[arg(long, short = 'n')]
    limit: Option<usize>,
    /// Include superseded, deleted and expired observations.
    #[arg(long)]
    all: bool,
}

impl FilterArgs {
    /// The config flags these arguments set.
    pub fn flags(&self) -> Flags {
        Flags {
            scope: None,
            project: self.project.clone(),
            global: false,
        }
    }

    /// Build the index filter, validating scopes and dates.
    pub fn filter(&self, mem: &Mem) -> anyhow::Result<Filter> {
        let mut scopes = Vec::new();
        for s in &self.scopes {
            scopes.push(mem.scope(s)?.to_string());
        }
        let since = match &self.since {
            Some(s) => Some(
                kioku_mesh::time::parse_since(s, kioku_mesh::time::now())
                    .map_err(UsageError)?
                    .as_second(),
            ),
            None => None,
        };
        if self.limit == Some(0) {
            return Err(UsageError("--limit must be at least 1".into()).into());
        }
        if let Some(kind) = self
            .kind
            .as_deref()
            .filter(|k| !kioku_mesh::store::KINDS.contains(k))
        {
            return Err(kioku_mesh::memory::MemError::BadKind(kind.to_owned()).into());
        }
        Ok(Filter {
            scopes,
            kind: self.kind.clone(),
            tag: self.tag.clone(),
            project: if self.all_projects {
                ProjectFilter::All
            } else {
                ProjectFilter::Current(mem.config().project.value.clone())
            },
            since,
            all: self.all,
            limit: self.limit.unwrap_or(mem.config().limit.value),
        })
    }
}
