//! `recall_context`: the session-start block, or — with kioku-mesh's
//! filters — a block of the live memories that pass them, ranked the same
//! way and fitted to the budget.

use super::params::RecallParams;
use super::report::RecallReport;
use super::tools::{
    err, limit, mode, references, since, some, Mode, ToolError, Tools, OVERFETCH, RECALL_LIMIT,
};
use crate::index::{Filter, ObsRow, ProjectFilter};
use crate::memory::{clip, DEFAULT_BUDGET};
use crate::store::{short_id, KINDS};
use crate::time;

impl Tools {
    /// `recall_context`: the session-start block of the project; with
    /// kioku-mesh's filters (kinds, files, references, since, limit) a block
    /// of the live memories that pass them, ranked the same way.
    ///
    /// # Errors
    /// A bad kind, `since_iso` or `search_mode`, or an index failure.
    pub fn recall(&self, p: RecallParams) -> Result<RecallReport, ToolError> {
        mode(p.search_mode, Mode::And)?;
        for k in &p.memory_types {
            if !KINDS.contains(&k.as_str()) {
                return Err(format!(
                    "memory_types: '{k}' is not a kind: use one of {}",
                    KINDS.join(", ")
                ));
            }
        }
        let since = since(p.since_iso)?;
        let budget = p
            .budget
            .map_or(DEFAULT_BUDGET, |b| b.clamp(200, 1_000_000) as usize);
        let limit = limit(p.limit, RECALL_LIMIT);
        let mut mem = self.open(p.project)?;
        let project = mem.config().project.value.clone();
        if !mem.is_initialised() {
            return Ok(RecallReport {
                markdown: String::new(),
                project,
                count: 0,
                ids: Vec::new(),
                omitted: 0,
            });
        }
        let query = some(p.query);
        mem.set_caller(self.caller().agent.clone(), self.caller().session.clone());
        let context = mem.context(budget, query.as_deref()).map_err(err)?;
        let filtered = !p.memory_types.is_empty()
            || !p.source_files.is_empty()
            || !p.references.is_empty()
            || since.is_some();
        if !filtered && context.entries.len() <= limit {
            return Ok(RecallReport {
                count: context.entries.len(),
                ids: context.entries.iter().map(|e| e.id.clone()).collect(),
                omitted: context.omitted,
                markdown: context.markdown,
                project,
            });
        }
        // Rank as the context does, then keep what passes the filters.
        let mut ranked: Vec<ObsRow> = Vec::new();
        for e in &context.entries {
            if let Some(row) = mem.resolve(&e.id).map_err(err)?.into_iter().next() {
                ranked.push(row);
            }
        }
        let rest = Filter {
            scopes: Vec::new(),
            kind: None,
            tag: None,
            project: ProjectFilter::Current(project.clone()),
            since,
            all: false,
            limit: OVERFETCH,
        };
        let more = match &query {
            Some(q) => mem.search(q, &rest).map_err(err)?,
            None => Vec::new(),
        };
        let mut by_rank = mem.list(&rest).map_err(err)?;
        by_rank.sort_by(|a, b| {
            b.row
                .obs
                .importance
                .cmp(&a.row.obs.importance)
                .then(b.row.obs.created.cmp(&a.row.obs.created))
                .then(a.row.id.cmp(&b.row.id))
        });
        for hit in more.into_iter().chain(by_rank) {
            if !ranked.iter().any(|r| r.id == hit.row.id) {
                ranked.push(hit.row);
            }
        }
        let any = |want: &[String], have: &[String]| {
            want.is_empty() || want.iter().any(|w| have.contains(w))
        };
        let passing: Vec<ObsRow> = ranked
            .into_iter()
            .filter(|r| {
                (p.memory_types.is_empty() || p.memory_types.contains(&r.obs.kind))
                    && any(&p.source_files, &r.obs.files)
                    && any(&p.references, &references(r))
                    && since.is_none_or(|s| r.obs.created.as_second() >= s)
            })
            .collect();
        Ok(render(project, &context.conflicts, &passing, limit, budget))
    }
}

/// The filtered recall block: merge records first, then at most `limit`
/// memories that fit in `budget` characters.
fn render(
    project: Option<String>,
    conflicts: &[crate::memory::ContextConflict],
    rows: &[ObsRow],
    limit: usize,
    budget: usize,
) -> RecallReport {
    let mut md = String::new();
    let push = |md: &mut String, line: &str| -> bool {
        if md.chars().count() + line.chars().count() + 1 > budget {
            return false;
        }
        md.push_str(line);
        md.push('\n');
        true
    };
    push(
        &mut md,
        &format!(
            "# Memories from mem ({})\n`mem get ID` shows an entry whole; `mem search WORDS` finds more.\n",
            project.as_deref().unwrap_or("no project")
        ),
    );
    for line in crate::memory::conflict_lines(conflicts) {
        push(&mut md, &line);
    }
    let mut ids = Vec::new();
    let mut omitted = 0;
    let mut heading = false;
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (n, row) in rows.iter().enumerate() {
        let o = &row.obs;
        if n >= limit {
            omitted += 1;
            continue;
        }
        if !heading {
            if !push(&mut md, "## Memories") {
                omitted += 1;
                continue;
            }
            heading = true;
        }
        let entry = format!(
            "- **{}** [{}, importance {}] `{}` {}\n  {}",
            one_line(&o.title),
            o.kind,
            o.importance,
            short_id(&row.id),
            &time::format(o.created)[..10],
            clip(&one_line(o.summary.as_deref().unwrap_or(&o.body)), 300)
        );
        if push(&mut md, &entry) {
            ids.push(row.id.to_string());
        } else {
            omitted += 1;
        }
    }
    RecallReport {
        markdown: md,
        project,
        count: ids.len(),
        ids,
        omitted,
    }
}
