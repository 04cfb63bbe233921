//! Recall at every prompt: the few memories most relevant to what the user
//! just asked, small enough to add to every prompt, and nothing when
//! nothing is relevant enough.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{clip, Mem, MemError};
use crate::index::{Filter, ProjectFilter};
use crate::store::short_id;

/// Default budget of a recall block, in characters.
pub const RECALL_BUDGET: usize = 1_500;

/// At most this many memories in a recall block.
const MAX_ENTRIES: usize = 3;

/// The share of the prompt's search terms (stopwords removed, and terms no
/// memory holds at all) a memory must hold to be recalled. Tuned on LoCoMo
/// with `cargo bench --bench locomo -- prompt`: evidence for answerable
/// questions against silence for adversarial ones.
pub const RECALL_THRESHOLD: f64 = 0.6;

/// With an embedding model (`mem model`), the share of the prompt's terms
/// a memory must hold, besides [`RECALL_SIMILARITY`]: the same as
/// [`RECALL_THRESHOLD`]. Tuned on LoCoMo with the distilled MiniLM model
/// (benches/README.md, "Hybrid"): asking for no words (0) and similarity
/// alone brought less evidence and let in more unrelated memories than
/// words alone.
pub const HYBRID_RECALL_THRESHOLD: f64 = RECALL_THRESHOLD;

/// With an embedding model, the cosine similarity (-1 to 1) between the
/// prompt's vector and a memory's that the memory must reach to be
/// recalled, besides [`HYBRID_RECALL_THRESHOLD`]: a memory that shares the
/// prompt's words but not its meaning is left out. Tuned with it: 0.4
/// keeps 93 % of the evidence lexical recall injects and stays silent on
/// 39 % more adversarial questions.
pub const RECALL_SIMILARITY: f32 = 0.4;

/// How relevant a memory must be to be recalled; `None` fields take the
/// defaults of the search mode (lexical: [`RECALL_THRESHOLD`]; hybrid:
/// [`HYBRID_RECALL_THRESHOLD`] and [`RECALL_SIMILARITY`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecallBar {
    /// Share of the prompt's terms, 0 to 1.
    pub threshold: Option<f64>,
    /// Cosine similarity, -1 to 1; ignored when the search is lexical.
    pub similarity: Option<f32>,
}

/// One recalled memory.
#[derive(Debug, Clone, Serialize)]
pub struct RecallEntry {
    /// Full id.
    pub id: String,
    /// Title.
    pub title: String,
}

/// What [`Mem::recall`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Recall {
    /// The memories in the block, best first.
    pub entries: Vec<RecallEntry>,
    /// The Markdown block (empty when nothing passed the threshold; at most
    /// the budget in characters).
    pub markdown: String,
}

impl Mem {
    /// The memories of the configured project (and project-less ones) most
    /// relevant to `prompt`: searched as [`Mem::search_scored`] does (hybrid
    /// when a model is set), kept when they hold at least the bar's
    /// threshold (0 to 1) of the prompt's terms that some memory holds (and
    /// two of them when two or more count; terms in more than
    /// [`crate::index::COMMON_MATCHES`] memories do not, and a prompt of
    /// only such terms recalls nothing; neither rule when the threshold is
    /// 0), and, when the search was hybrid, when their cosine
    /// similarity to the prompt reaches the bar's similarity; minus the ids
    /// in `skip` (what the session already got); at most three, fitted into
    /// `budget` characters, each entry's text clipped to its share of the
    /// room. An empty [`Recall`] when nothing passes.
    ///
    /// # Errors
    /// As [`Mem::search`].
    pub fn recall(
        &mut self,
        prompt: &str,
        budget: usize,
        bar: RecallBar,
        skip: &BTreeSet<String>,
    ) -> Result<Recall, MemError> {
        let terms = crate::index::SearchQuery::parse(prompt).terms.len();
        if terms == 0 || budget == 0 {
            return Ok(Recall::default());
        }
        let filter = Filter {
            scopes: Vec::new(),
            kind: None,
            tag: None,
            project: ProjectFilter::Current(self.config.project.value.clone()),
            since: None,
            all: false,
            limit: MAX_ENTRIES + skip.len().min(20),
        };
        // A memory must hold some of the prompt's words (a threshold above
        // 0): then only bm25's candidates can pass, and scoring every
        // vector would only cost time.
        let reach = match bar.threshold.unwrap_or(HYBRID_RECALL_THRESHOLD) {
            t if t > 0.0 => super::hybrid::Reach::Lexical,
            // Its own similarity floor applies below.
            _ => super::hybrid::Reach::Unfloored,
        };
        let hits = self.search_reaching(prompt, &filter, reach)?;
        // Hybrid when the prompt had a vector: then every hit the vector
        // ranking reached carries its similarity.
        let hybrid = hits.iter().any(|h| h.similarity.is_some());
        let (threshold, floor) = if hybrid {
            (
                bar.threshold.unwrap_or(HYBRID_RECALL_THRESHOLD),
                bar.similarity.unwrap_or(RECALL_SIMILARITY),
            )
        } else {
            (bar.threshold.unwrap_or(RECALL_THRESHOLD), f32::NEG_INFINITY)
        };
        let relevant: Vec<_> = hits
            .into_iter()
            .filter(|h| {
                threshold <= 0.0
                    || (h.hit.coverage + 1e-9 >= threshold
                        && h.hit.matched.unwrap_or(1) >= h.hit.counted.clamp(1, 2))
            })
            .filter(|h| !hybrid || h.similarity.is_some_and(|s| s >= floor))
            .map(|h| h.hit)
            .filter(|h| !skip.contains(h.row.id.as_str()))
            .take(MAX_ENTRIES)
            .collect();
        let mut out = Recall::default();
        if relevant.is_empty() {
            return Ok(out);
        }
        let header = "# Memories from mem that may bear on this prompt\n";
        let footer = "(`mem get ID` shows one whole.)\n";
        let room = budget.saturating_sub(header.len() + footer.len());
        let per_entry = room / relevant.len();
        let mut md = String::from(header);
        for hit in &relevant {
            let o = &hit.row.obs;
            let head = format!(
                "- **{}** ({}, {}) `{}`: ",
                clip(&single_line(&o.title), 80),
                o.kind,
                &crate::time::format(o.created)[..10],
                short_id(&hit.row.id)
            );
            let text = single_line(o.summary.as_deref().unwrap_or(&o.body));
            let left = per_entry.saturating_sub(head.chars().count() + 1);
            if left < 20 {
                continue;
            }
            md.push_str(&head);
            md.push_str(&clip(&text, left));
            md.push('\n');
            out.entries.push(RecallEntry {
                id: hit.row.id.to_string(),
                title: o.title.clone(),
            });
        }
        if out.entries.is_empty() {
            return Ok(out);
        }
        md.push_str(footer);
        out.markdown = md;
        Ok(out)
    }
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
