//! `mem context`: the Markdown block an agent's session-start hook injects —
//! unresolved merge records first, then the most relevant live memories of
//! the current project (and project-less ones), fitted to a character
//! budget without cutting an entry in half. Progressive disclosure: the
//! best few are shown with their text, the rest as an index (id, kind,
//! title, age, estimated tokens of the whole memory) to expand with
//! `mem get ID`; the block states its own size in tokens.

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

/// How many entries (the best ranked) the block shows with their text;
/// the others get one index line each.
pub const FULL_ENTRIES: usize = 3;

/// Estimated tokens of `text` for a model's context: one per four ASCII
/// bytes (the rule of thumb OpenAI and Anthropic give for English with
/// BPE tokenizers) plus one per other character (CJK characters are about
/// one token each). An estimate for budgeting, not a count.
pub fn estimate_tokens(text: &str) -> usize {
    let ascii = text.bytes().filter(u8::is_ascii).count();
    let other = text.chars().filter(|c| !c.is_ascii()).count();
    ascii.div_ceil(4) + other
}

/// How long ago `then` was, in one unit: `5m`, `3h`, `12d`, `4mo`, `2y`
/// (`now` for the future or under a minute).
fn age(now: jiff::Timestamp, then: jiff::Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    match secs {
        ..60 => "now".into(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..2_592_000 => format!("{}d", secs / 86_400),
        2_592_000..31_536_000 => format!("{}mo", secs / 2_592_000),
        _ => format!("{}y", secs / 31_536_000),
    }
}

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
    /// Its summary, or the start of its body, on one line (empty for an
    /// index line).
    pub text: String,
    /// Whether the block shows its text (the first [`FULL_ENTRIES`]) or only
    /// an index line.
    pub full: bool,
    /// Estimated tokens of the whole observation (title and body), what
    /// `mem get` would add ([`estimate_tokens`]).
    pub tokens: usize,
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
    /// Estimated tokens of the Markdown block ([`estimate_tokens`]).
    pub tokens: usize,
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

        // The header states the block's own size, known only at the end:
        // room is kept for the longest count it could state.
        let project_name = project.as_deref().unwrap_or("no project");
        let header = |tokens: usize| {
            format!(
                "# Memories from mem ({project_name}), ~{tokens} tokens\n\
                 The best {FULL_ENTRIES} in full, the rest as an index (id, kind, title, age, ~tokens of the whole memory): expand one with `mem get ID` (MCP `get_memory`); `mem search WORDS` finds more.\n"
            )
        };
        let mut md = String::new();
        let mut used = header(budget).chars().count() + 1;
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
        // Messages to this user, device, agent or session come first.
        for line in &messages {
            push(&mut md, line);
        }
        for line in conflict_lines(&conflicts) {
            push(&mut md, &line);
        }
        let now = time::now();
        let mut entries = Vec::new();
        let mut omitted = 0;
        let mut heading = None;
        for hit in hits {
            let o = &hit.row.obs;
            let full = entries.len() < FULL_ENTRIES;
            let text = clip(
                &single_line(o.summary.as_deref().unwrap_or(&o.body)),
                ENTRY_TEXT,
            );
            let tokens = estimate_tokens(&o.title) + estimate_tokens(&o.body);
            let created = time::format(o.created);
            let line = if full {
                let mut tags = vec![o.kind.clone(), format!("importance {}", o.importance)];
                if let Some(k) = &o.key {
                    tags.push(format!("key {k}"));
                }
                format!(
                    "- **{}** [{}] `{}` {}\n  {}",
                    single_line(&o.title),
                    tags.join(", "),
                    short_id(&hit.row.id),
                    &created[..10],
                    text
                )
            } else {
                format!(
                    "- `{}` {} · {} · {} · ~{} tokens",
                    short_id(&hit.row.id),
                    o.kind,
                    clip(&single_line(&o.title), 80),
                    age(now, o.created),
                    tokens
                )
            };
            let section = if full { "## In full" } else { "## Index" };
            // A heading goes in only with its first entry.
            let line = if heading == Some(section) {
                line
            } else {
                let gap = if heading.is_some() { "\n" } else { "" };
                format!("{gap}{section}\n{line}")
            };
            if !push(&mut md, &line) {
                omitted += 1;
                continue;
            }
            heading = Some(section);
            entries.push(ContextEntry {
                id: hit.row.id.to_string(),
                short_id: short_id(&hit.row.id).to_owned(),
                scope: hit.row.scope.clone(),
                kind: o.kind.clone(),
                title: o.title.clone(),
                created,
                importance: o.importance,
                key: o.key.clone(),
                text: if full { text } else { String::new() },
                full,
                tokens,
            });
        }
        let body_tokens = estimate_tokens(&md);
        let mut tokens = body_tokens + estimate_tokens(&header(body_tokens));
        // The count is part of the text it counts: settle it.
        for _ in 0..3 {
            tokens = body_tokens + estimate_tokens(&header(tokens));
        }
        let markdown = format!("{}\n{md}", header(tokens));
        Ok(Context {
            project,
            budget,
            conflicts,
            entries,
            omitted,
            tokens,
            markdown,
        })
    }
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The block's section on unresolved merge records: a heading, one line per
/// record naming its versions and how to resolve it, and a blank line;
/// nothing when there are none. Shared by the session-start block and MCP's
/// filtered `recall_context`.
pub fn conflict_lines(conflicts: &[ContextConflict]) -> Vec<String> {
    if conflicts.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["## Unresolved merge records".to_owned()];
    for c in conflicts {
        let versions: Vec<String> = c
            .versions
            .iter()
            .map(|(id, t)| format!("\"{}\" (`{id}`)", clip(t, 80)))
            .collect();
        lines.push(format!(
            "- {} `{}` in {}: {} — resolve with `mem conflicts resolve {} --keep ID`",
            c.kind,
            c.id,
            c.scope,
            versions.join(" vs "),
            c.id
        ));
    }
    lines.push(String::new());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_estimated_per_four_ascii_bytes_and_per_other_character() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("検索"), 2);
    }

    #[test]
    fn ages_use_one_unit() {
        let now = jiff::Timestamp::from_second(100_000_000).unwrap();
        let ago = |s: i64| age(now, jiff::Timestamp::from_second(100_000_000 - s).unwrap());
        assert_eq!(ago(-5), "now");
        assert_eq!(ago(30), "now");
        assert_eq!(ago(120), "2m");
        assert_eq!(ago(7_200), "2h");
        assert_eq!(ago(3 * 86_400), "3d");
        assert_eq!(ago(65 * 86_400), "2mo");
        assert_eq!(ago(800 * 86_400), "2y");
    }
}
