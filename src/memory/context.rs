//! `mem context`: the Markdown block an agent's session-start hook injects —
//! unresolved merge records first, then the most relevant live memories of
//! the current project (and project-less ones), fitted to a character
//! budget without cutting an entry in half.

use serde::Serialize;

use super::{clip, Mem, MemError};
use crate::index::{Filter, ProjectFilter};
use crate::store::short_id;
use crate::time;

/// Default budget in characters: under every client's cap (Claude Code
/// keeps 10,000 characters of hook context).
pub const DEFAULT_BUDGET: usize = 8_000;

/// At most this many characters of an entry's summary or body.
const ENTRY_TEXT: usize = 300;

/// An unresolved merge record as the context lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ContextConflict {
    /// Short conflict id.
    pub id: String,
    /// Its scope.
    pub scope: String,
    /// `fork`, `key` or `delete-edit`.
    pub kind: String,
    /// The competing versions: short id and title.
    pub versions: Vec<(String, String)>,
}

/// One memory in the context.
#[derive(Debug, Clone, Serialize)]
pub struct ContextEntry {
    /// Full id.
    pub id: String,
    /// First 12 hex of the id.
    pub short_id: String,
    /// Scope holding it.
    pub scope: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Creation time (RFC 3339).
    pub created: String,
    /// 1..=5.
    pub importance: u8,
    /// Topic key.
    pub key: Option<String>,
    /// Its summary, or the start of its body, on one line.
    pub text: String,
}

/// The assembled block.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// The project it is for (`None`: project-less memories only).
    pub project: Option<String>,
    /// The budget in characters.
    pub budget: usize,
    /// Unresolved merge records.
    pub conflicts: Vec<ContextConflict>,
    /// The memories that fit, in rank order.
    pub entries: Vec<ContextEntry>,
    /// Ranked memories left out for lack of room.
    pub omitted: usize,
    /// The Markdown block (at most `budget` characters).
    pub markdown: String,
}

impl Mem {
    /// Build the session-start context for the configured project: live
    /// memories ranked by importance, then topic-keyed ones and decisions,
    /// then those matching `query` (bm25 order), then newest, then id — so
    /// the same store always gives the same block. Entries that do not fit
    /// in `budget` characters are left out whole.
    ///
    /// # Errors
    /// As [`Mem::index`].
    pub fn context(&mut self, budget: usize, query: Option<&str>) -> Result<Context, MemError> {
        let project = self.config.project.value.clone();
        let filter = Filter {
            scopes: Vec::new(),
            kind: None,
            tag: None,
            project: ProjectFilter::Current(project.clone()),
            since: None,
            all: false,
            // No more entries than could fit at ~60 characters each.
            limit: (budget / 60).clamp(1, 1_000),
        };
        // Handoff messages to this reader come first (`super::messages`).
        let messages = self.message_lines();
        let index = self.index()?;
        let mut hits = index.context_candidates(&filter)?;
        let mut relevance = std::collections::HashMap::new();
        if let Some(q) = query.filter(|q| !q.trim().is_empty()) {
            let matched = index.search(
                q,
                &Filter {
                    limit: 50,
                    ..filter.clone()
                },
            )?;
            for (pos, hit) in matched.into_iter().enumerate() {
                relevance.insert(hit.row.id.clone(), pos);
                if !hits.iter().any(|h| h.row.id == hit.row.id) {
                    hits.push(hit);
                }
            }
        }
        hits.sort_by(|a, b| {
            let keyed =
                |h: &crate::index::Hit| h.row.obs.key.is_some() || h.row.obs.kind == "decision";
            b.row
                .obs
                .importance
                .cmp(&a.row.obs.importance)
                .then(keyed(b).cmp(&keyed(a)))
                .then(
                    relevance
                        .get(&a.row.id)
                        .unwrap_or(&usize::MAX)
                        .cmp(relevance.get(&b.row.id).unwrap_or(&usize::MAX)),
                )
                .then(b.row.obs.created.cmp(&a.row.obs.created))
                .then(a.row.id.cmp(&b.row.id))
        });
        let mut conflicts = Vec::new();
        for c in index.conflicts(false)? {
            let mut versions = Vec::new();
            for id in &c.competitors {
                let title = index
                    .rows_of(id)?
                    .first()
                    .map(|r| r.obs.title.clone())
                    .unwrap_or_else(|| "(not on this device)".into());
                versions.push((short_id(id).to_owned(), title));
            }
            conflicts.push(ContextConflict {
                id: short_id(&c.id).to_owned(),
                scope: c.scope,
                kind: c.kind,
                versions,
            });
        }
        conflicts.dedup_by(|a, b| a.id == b.id);

        let mut md = String::new();
        let mut used = 0;
        let mut push = |md: &mut String, line: &str| -> bool {
            let n = line.chars().count() + 1;
            if used + n > budget {
                return false;
            }
            md.push_str(line);
            md.push('\n');
            used += n;
            true
        };
        let header = format!(
            "# Memories from mem ({})\n`mem get ID` shows an entry whole; `mem search WORDS` finds more.\n",
            project.as_deref().unwrap_or("no project")
        );
        push(&mut md, &header);
        for line in &messages {
            push(&mut md, line);
        }
        if !conflicts.is_empty() {
            push(&mut md, "## Unresolved merge records");
            for c in &conflicts {
                let versions: Vec<String> = c
                    .versions
                    .iter()
                    .map(|(id, t)| format!("\"{}\" (`{id}`)", clip(t, 80)))
                    .collect();
                push(
                    &mut md,
                    &format!(
                        "- {} `{}` in {}: {} — resolve with `mem conflicts resolve {} --keep ID`",
                        c.kind,
                        c.id,
                        c.scope,
                        versions.join(" vs "),
                        c.id
                    ),
                );
            }
            push(&mut md, "");
        }
        let mut entries = Vec::new();
        let mut omitted = 0;
        let mut heading = false;
        for hit in hits {
            let o = &hit.row.obs;
            let text = clip(
                &single_line(o.summary.as_deref().unwrap_or(&o.body)),
                ENTRY_TEXT,
            );
            let mut tags = vec![o.kind.clone(), format!("importance {}", o.importance)];
            if let Some(k) = &o.key {
                tags.push(format!("key {k}"));
            }
            let created = time::format(o.created);
            let entry = format!(
                "- **{}** [{}] `{}` {}\n  {}",
                single_line(&o.title),
                tags.join(", "),
                short_id(&hit.row.id),
                &created[..10],
                text
            );
            if !heading {
                if !push(&mut md, "## Memories") {
                    omitted += 1;
                    continue;
                }
                heading = true;
            }
            if !push(&mut md, &entry) {
                omitted += 1;
                continue;
            }
            entries.push(ContextEntry {
                id: hit.row.id.to_string(),
                short_id: short_id(&hit.row.id).to_owned(),
                scope: hit.row.scope.clone(),
                kind: o.kind.clone(),
                title: o.title.clone(),
                created,
                importance: o.importance,
                key: o.key.clone(),
                text,
            });
        }
        Ok(Context {
            project,
            budget,
            conflicts,
            entries,
            omitted,
            markdown: md,
        })
    }
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
