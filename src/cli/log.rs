//! `mem log`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::index::ObsRow;
use kioku_mesh::store::{short_id, CommitInfo};
use serde::Serialize;

use super::output::{human_line, rfc3339, Summary};
use super::{flush_notices, Ctx, Ui};

/// Show history: the commits of every scope, or the versions of one observation.
///
/// Without ID: the most recent commits across scopes (saves, deletes,
/// imports), newest first. With ID: the chain of versions the observation
/// belongs to — what it supersedes and what supersedes it — oldest first.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// An observation id or unique prefix.
    id: Option<String>,
    /// At most this many commits.
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ScopeCommit {
    scope: String,
    #[serde(flatten)]
    commit: CommitInfo,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: LogArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    match &args.id {
        Some(id) => versions(ui, &mut mem, id, args.json),
        None => commits(ui, &mem, args.limit, args.json),
    }
}

fn commits(ui: &mut Ui, mem: &kioku_mesh::Mem, limit: usize, json: bool) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for scope in mem.scopes() {
        for commit in mem.repo(scope)?.log(limit)? {
            all.push(ScopeCommit {
                scope: scope.to_string(),
                commit,
            });
        }
    }
    all.sort_by(|a, b| {
        b.commit
            .time
            .cmp(&a.commit.time)
            .then(a.scope.cmp(&b.scope))
    });
    all.truncate(limit);
    if json {
        return ui.json(&all);
    }
    for c in &all {
        let line = format!(
            "{}  {:<8} {}  {}",
            rfc3339(c.commit.time),
            c.scope,
            ui.dim(&c.commit.commit[..10]),
            c.commit.message
        );
        ui.line(line)?;
    }
    Ok(())
}

fn versions(ui: &mut Ui, mem: &mut kioku_mesh::Mem, id: &str, json: bool) -> anyhow::Result<()> {
    let rows = mem.resolve(id);
    flush_notices(ui, mem);
    let start = rows?.remove(0);
    let index = mem.index()?;
    // Walk the supersede graph both ways from the start.
    let mut seen = vec![start.id.clone()];
    let mut queue = vec![start.id.clone()];
    let mut chain: Vec<ObsRow> = Vec::new();
    while let Some(id) = queue.pop() {
        let Some(row) = index.rows_of(&id)?.into_iter().next() else {
            continue;
        };
        let mut next = row.obs.supersedes.clone();
        next.extend(index.superseded_by(&id)?);
        for n in next {
            if !seen.contains(&n) {
                seen.push(n.clone());
                queue.push(n);
            }
        }
        chain.push(row);
    }
    chain.sort_by(|a, b| a.obs.created.cmp(&b.obs.created).then(a.id.cmp(&b.id)));
    if json {
        let out: Vec<Summary> = chain.iter().map(|r| Summary::of(r, &[])).collect();
        return ui.json(&out);
    }
    for row in &chain {
        let mut line = human_line(ui, row);
        if row.id == start.id {
            line.push_str("  <");
        }
        ui.line(line)?;
        if let Some(t) = index.tombstone_info(&row.scope, &row.id)? {
            ui.line(format!(
                "    deleted {} by {}{}",
                t.deleted,
                t.author.as_deref().unwrap_or("?"),
                t.reason.map(|r| format!(": {r}")).unwrap_or_default()
            ))?;
        }
        if !row.obs.supersedes.is_empty() {
            let ids: Vec<&str> = row.obs.supersedes.iter().map(|s| short_id(s)).collect();
            ui.line(format!("    supersedes {}", ids.join(", ")))?;
        }
    }
    Ok(())
}
