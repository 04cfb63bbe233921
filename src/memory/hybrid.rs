//! Hybrid search: when an embedding model is set (`mem model`), a search
//! fuses the bm25 ranking ([`crate::index::Index::search`]) with the
//! nearest observation vectors ([`crate::index::Index::nearest`]) by
//! a convex combination of min-max normalised scores (Bruch, Gai and
//! Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", ACM
//! TOIS 2023): over the candidates of both lists, each observation scores
//! `(1 − w) × bm25' + w × cos'`, where `bm25'` is its bm25 score (scaled
//! by term coverage) mapped onto 0..1 between the worst and best of the
//! bm25 list (0 when bm25 did not find it) and `cos'` its cosine
//! similarity to the query mapped the same way over all the candidates.
//! A candidate only the vectors found is a candidate only when its
//! similarity reaches a floor ([`VECTOR_ONLY_FLOOR`]), so a search about
//! nothing stored finds nothing. Without a model, or when the model cannot
//! be loaded (a warning says so), search is lexical exactly as before.
//!
//! Vectors follow the index: after every index update the queued
//! observations are embedded ([`Mem::refresh_vectors`]).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{Mem, MemError, Notice};
use crate::embed::{self, Model, ModelInfo};
use crate::index::{Filter, Hit, Near, SearchQuery};

/// The weight `w` of the vector similarity in the fused score (bm25's is
/// `1 − w`), unless `MEM_HYBRID_WEIGHT` says otherwise. Measured on
/// LoCoMo (`cargo bench --bench locomo`, benches/README.md) with a
/// 256-dimension model distilled from all-MiniLM-L6-v2: 0.2 to 0.4 beat
/// bm25 alone at both granularities; 0.3 is the middle.
const VECTOR_WEIGHT: f64 = 0.3;

/// The cosine similarity (-1 to 1) a candidate that only the vector
/// search found must reach to be fused, unless `MEM_HYBRID_MIN_SIMILARITY`
/// says otherwise. Without it a search for something no memory is about
/// still returned the nearest vectors, however far. bm25's candidates
/// are kept whatever their similarity: they hold the query's words.
/// Measured with the distilled MiniLM model (benches/README.md, "Hybrid"):
/// on LoCoMo, floors of 0.3, 0.35 and 0.4 each left every figure within
/// 0.001 of no floor; on 300 package changelog entries, queries about
/// cakes or weddings went from 10 results to none, while queries about
/// crashes or translations still found 10. 0.4, the floor prompt recall
/// uses too (`RECALL_SIMILARITY`), also kept out the loosely related
/// memories a trial store of one project's notes let in at 0.3.
const VECTOR_ONLY_FLOOR: f64 = 0.4;

/// The number the environment variable `name` holds when it is one in
/// `lo..=hi`, else `default`; with a warning when it is set to anything
/// else, so a mistyped measurement does not pass for the default.
fn bounded_env(name: &str, lo: f64, hi: f64, default: f64) -> (f64, Option<String>) {
    let Some(raw) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
        return (default, None);
    };
    let text = raw.to_string_lossy();
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => (x, None),
        _ => (
            default,
            Some(format!(
                "{name} is {text:?}, not a number from {lo} to {hi}; using {default}"
            )),
        ),
    }
}

/// Candidates taken from the vector ranking before fusing: at least this
/// many, or three times the limit.
const FUSION_POOL: usize = 50;

/// Candidates taken from the bm25 ranking: at least this many, or twice
/// the limit. Replaying LoCoMo's fusions offline (benches/README.md), 20
/// bm25 candidates gave what 50 gave, and each costs a coverage check.
const LEXICAL_POOL: usize = 20;

/// How far the vector search of a hybrid search reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Every vector: what words alone miss is found by meaning.
    Everything,
    /// Every vector, with no floor for what only the vectors found: the
    /// caller applies its own (prompt recall asking for no words).
    Unfloored,
    /// Only the observations bm25 found, re-ranked with their similarity
    /// (prompt recall, which injects nothing that holds too few of the
    /// prompt's words, so need not score every vector).
    Lexical,
}

/// A search result with its cosine similarity to the query (when the
/// search was hybrid and the observation is among the nearest vectors).
#[derive(Debug, Clone)]
pub struct ScoredHit {
    /// The result.
    pub hit: Hit,
    /// Cosine similarity to the query, -1 to 1.
    pub similarity: Option<f32>,
    /// Found by bm25 (it holds some of the query's words); false for a
    /// memory only the vector search found, whose `hit.rank` is then 0.
    pub lexical: bool,
}

impl Mem {
    /// The embedding model in use, loaded once per run. `None` when none
    /// is set, or (with one warning) when its cache cannot be read.
    pub fn embedding_model(&mut self) -> Option<Rc<Model>> {
        if self.model.is_none() {
            let loaded = match Model::open(self.paths.data_dir()) {
                Ok(m) => m.map(Rc::new),
                Err(e) => {
                    self.notices.push(Notice::Warning(format!(
                        "{e}; searching by words only for now"
                    )));
                    None
                }
            };
            self.model = Some(loaded);
        }
        self.model.clone().flatten()
    }

    /// Bring the index's vectors in step with the model in use: queue
    /// everything when the model changed, embed what is queued. With no
    /// model, nothing. Never fails: a problem is a warning and search
    /// stays lexical.
    pub(crate) fn refresh_vectors(&mut self, progress: &mut dyn FnMut(usize, usize)) {
        let info = match embed::info(self.paths.data_dir()) {
            Ok(Some(info)) => info,
            // A broken model.json is reported when the model is loaded.
            Ok(None) | Err(_) => return,
        };
        let Some(index) = self.index.as_mut() else {
            return;
        };
        let pending = index
            .prepare_vectors(&info.fingerprint)
            .and_then(|_| index.pending_vectors());
        match pending {
            Ok(0) => {}
            Ok(_) => {
                let Some(model) = self.embedding_model() else {
                    return;
                };
                let index = self.index.as_mut().expect("checked above");
                if let Err(e) = index.fill_vectors(&model, progress) {
                    self.notices.push(Notice::Warning(format!(
                        "the observations' vectors could not be updated ({e}); search uses words only until they are"
                    )));
                }
            }
            Err(e) if e.is_environmental() => {}
            Err(e) => self.notices.push(Notice::Warning(format!(
                "the observations' vectors could not be updated ({e}); search uses words only until they are"
            ))),
        }
    }

    /// Search every scope: bm25 alone without a model, fused with vector
    /// similarity when one is set (see the module doc). Each hit carries
    /// its similarity when it has one.
    ///
    /// Quoted phrases must match; when no observation holds them, the
    /// search is run again with their words as ordinary terms and a
    /// [`Notice::Note`] says so (a question quoting a title it misremembers
    /// still finds the observation, as a web search engine does).
    ///
    /// # Errors
    /// As [`Mem::search`].
    pub fn search_scored(
        &mut self,
        query: &str,
        filter: &Filter,
    ) -> Result<Vec<ScoredHit>, MemError> {
        self.search_reaching(query, filter, Reach::Everything)
    }

    /// [`Mem::search_scored`], with the vector search reaching everything
    /// or only what bm25 found.
    pub(crate) fn search_reaching(
        &mut self,
        query: &str,
        filter: &Filter,
        reach: Reach,
    ) -> Result<Vec<ScoredHit>, MemError> {
        let hits = self.search_once(query, filter, reach)?;
        let phrases = SearchQuery::parse(query).phrases;
        if !hits.is_empty() || phrases.is_empty() || filter.limit == 0 {
            return Ok(hits);
        }
        let words = query.replace('"', " ");
        if SearchQuery::parse(&words).is_empty() {
            return Ok(hits);
        }
        let hits = self.search_once(&words, filter, reach)?;
        if !hits.is_empty() {
            let quoted: Vec<String> = phrases
                .iter()
                .map(|p| format!("\"{}\"", p.needle()))
                .collect();
            self.notices.push(Notice::Note(format!(
                "no observation holds {}; showing those that hold some of its words",
                quoted.join(" and ")
            )));
        }
        Ok(hits)
    }

    /// One search of `query` as [`Mem::search_scored`] describes, phrases
    /// required.
    fn search_once(
        &mut self,
        query: &str,
        filter: &Filter,
        reach: Reach,
    ) -> Result<Vec<ScoredHit>, MemError> {
        self.index()?;
        let model = self.embedding_model();
        let Some(vector) = model.as_ref().and_then(|m| m.embed(query)) else {
            return Ok(self
                .index
                .as_ref()
                .expect("opened above")
                .search(query, filter)?
                .into_iter()
                .map(|hit| ScoredHit {
                    hit,
                    similarity: None,
                    lexical: true,
                })
                .collect());
        };
        let mut weights = self.fusion_weights();
        if reach == Reach::Unfloored {
            weights.floor = -1.0;
        }
        let index = self.index.as_ref().expect("opened above");
        let pool = filter.limit.saturating_mul(3).max(FUSION_POOL);
        let wide = Filter {
            limit: pool,
            ..filter.clone()
        };
        let lexical = index.search(
            query,
            &Filter {
                limit: filter.limit.saturating_mul(2).max(LEXICAL_POOL),
                ..filter.clone()
            },
        )?;
        let near = match reach {
            Reach::Lexical => Ok(Vec::new()),
            Reach::Everything | Reach::Unfloored => index.nearest(&vector, &wide),
        };
        let near = match near {
            Ok(near) => near,
            Err(e) => {
                self.notices.push(Notice::Warning(format!(
                    "the vector search failed ({e}); these results use words only"
                )));
                Vec::new()
            }
        };
        // The bm25 candidates the vector list did not reach still need
        // their similarity.
        let reached: HashSet<&str> = near.iter().map(|n| n.id.as_str()).collect();
        let missing: Vec<&str> = lexical
            .iter()
            .map(|h| h.row.id.as_str())
            .filter(|id| !reached.contains(id))
            .collect();
        let sims = if missing.is_empty() {
            HashMap::new()
        } else {
            index.similarities(&vector, &missing)?
        };
        let fused = fuse(lexical, near, &sims, weights, filter.limit);
        // Only the vector candidates that made the cut are read in full.
        let wanted: Vec<Near> = fused
            .iter()
            .filter_map(|f| match f {
                Fused::Near(n) => Some(n.clone()),
                Fused::Lexical(_) => None,
            })
            .collect();
        let mut rows: HashMap<String, Hit> = index
            .hits_at(&wanted, filter)?
            .into_iter()
            .map(|h| (h.row.id.as_str().to_owned(), h))
            .collect();
        Ok(fused
            .into_iter()
            .filter_map(|f| match f {
                Fused::Lexical(hit) => Some(*hit),
                Fused::Near(n) => rows.remove(&n.id).map(|mut hit| {
                    hit.coverage = 0.0;
                    hit.matched = Some(0);
                    ScoredHit {
                        hit,
                        similarity: Some(n.similarity),
                        lexical: false,
                    }
                }),
            })
            .collect())
    }
}

/// A candidate of the fusion: a bm25 result (with its similarity when
/// known) or one only the vector search found, not read yet.
enum Fused {
    Lexical(Box<ScoredHit>),
    Near(Near),
}

impl Fused {
    /// What [`convex`] takes: the bm25 score (positive; `None` for a
    /// vector-only candidate) and the similarity.
    fn parts(&self) -> (Option<f64>, Option<f32>) {
        match self {
            Fused::Lexical(h) => (Some(-h.hit.rank), h.similarity),
            Fused::Near(n) => (None, Some(n.similarity)),
        }
    }
}

/// Map `x` from `lo..=hi` onto 0..=1 (1 when the range is a point).
fn unit(x: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        (x - lo) / (hi - lo)
    } else {
        1.0
    }
}

/// The fused score of each candidate (see the module doc), given its bm25
/// score (positive, higher is better; `None` when bm25 did not find it) and
/// its similarity (`None` when it has no vector), with vector weight
/// `weight` (0 to 1). Each score is 0 to 1.
fn convex(parts: &[(Option<f64>, Option<f32>)], weight: f64) -> Vec<f64> {
    let range = |values: &mut dyn Iterator<Item = f64>| {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
    };
    let (lex_lo, lex_hi) = range(&mut parts.iter().filter_map(|p| p.0));
    let (sim_lo, sim_hi) = range(&mut parts.iter().filter_map(|p| p.1.map(f64::from)));
    parts
        .iter()
        .map(|(lex, sim)| {
            let l = lex.map_or(0.0, |x| unit(x, lex_lo, lex_hi));
            let v = sim.map_or(0.0, |s| unit(f64::from(s), sim_lo, sim_hi));
            (1.0 - weight) * l + weight * v
        })
        .collect()
}

impl Mem {
    /// The fusion's weights: the defaults, or what `MEM_HYBRID_WEIGHT` and
    /// `MEM_HYBRID_MIN_SIMILARITY` say; a value out of range is a warning
    /// (once per run) and the default.
    fn fusion_weights(&mut self) -> Weights {
        let (vector, bad_weight) = bounded_env("MEM_HYBRID_WEIGHT", 0.0, 1.0, VECTOR_WEIGHT);
        let (floor, bad_floor) =
            bounded_env("MEM_HYBRID_MIN_SIMILARITY", -1.0, 1.0, VECTOR_ONLY_FLOOR);
        for warning in [bad_weight, bad_floor].into_iter().flatten() {
            let notice = Notice::Warning(warning);
            if !self.notices.contains(&notice) {
                self.notices.push(notice);
            }
        }
        Weights {
            vector,
            floor: floor as f32,
        }
    }
}

/// How [`fuse`] weighs its two lists.
#[derive(Debug, Clone, Copy)]
struct Weights {
    /// The vector weight `w`, 0 to 1 ([`VECTOR_WEIGHT`]).
    vector: f64,
    /// The similarity a vector-only candidate must reach
    /// ([`VECTOR_ONLY_FLOOR`]).
    floor: f32,
}

/// The convex combination of the module doc, best first, at most `limit`:
/// `lexical` is bm25's list (best first, `rank` negative), `near` the
/// vector list with similarities, `sims` the similarities of bm25
/// candidates missing from `near`. A candidate only `near` holds is left
/// out below `weights.floor`. Ties keep bm25's order, then the vector
/// order.
fn fuse(
    lexical: Vec<Hit>,
    near: Vec<Near>,
    sims: &HashMap<String, f32>,
    weights: Weights,
    limit: usize,
) -> Vec<Fused> {
    let mut pool: Vec<Fused> = Vec::new();
    let mut at = HashMap::new();
    for hit in lexical {
        at.insert(hit.row.id.as_str().to_owned(), pool.len());
        let similarity = sims.get(hit.row.id.as_str()).copied();
        pool.push(Fused::Lexical(Box::new(ScoredHit {
            hit,
            similarity,
            lexical: true,
        })));
    }
    for n in near {
        match at.get(&n.id) {
            Some(&i) => {
                if let Fused::Lexical(h) = &mut pool[i] {
                    h.similarity = Some(n.similarity);
                }
            }
            None if n.similarity >= weights.floor => pool.push(Fused::Near(n)),
            None => {}
        }
    }
    let parts: Vec<(Option<f64>, Option<f32>)> = pool.iter().map(Fused::parts).collect();
    let mut scored: Vec<(f64, Fused)> = convex(&parts, weights.vector)
        .into_iter()
        .zip(pool)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(limit).map(|(_, f)| f).collect()
}

impl Mem {
    /// Make the Model2Vec model in `dir` the one in use (see
    /// [`embed::install`]) and compute every observation's vector with it;
    /// `progress(done, total)` as they are computed.
    ///
    /// # Errors
    /// [`MemError::Embed`] when `dir` is not a usable model; as
    /// [`Mem::index_for`] when the index cannot be brought in step.
    pub fn set_model(
        &mut self,
        dir: &std::path::Path,
        name: &str,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ModelInfo, MemError> {
        let info = embed::install(self.paths.data_dir(), dir, name)?;
        self.model = None;
        self.index()?;
        self.refresh_vectors(progress);
        Ok(info)
    }

    /// Stop using the embedding model: its derived files and the index's
    /// vectors go. True when one was in use.
    ///
    /// # Errors
    /// [`MemError::Embed`] when the files cannot be removed.
    pub fn model_off(&mut self) -> Result<bool, MemError> {
        let was = embed::uninstall(self.paths.data_dir())?;
        self.model = Some(None);
        if self.paths.index_file().exists() {
            self.open_index()?.drop_vectors()?;
        }
        Ok(was)
    }
}

/// Which search is on, for `mem doctor` and `mem model`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchMode {
    /// `lexical` (bm25 only) or `hybrid` (bm25 fused with vectors).
    pub mode: &'static str,
    /// The model in use, when one is set.
    pub model: Option<ModelInfo>,
    /// Observation vectors in the index.
    pub vectors: usize,
    /// Bytes those vectors take in the index, their copies in the vector
    /// blocks included.
    pub vector_bytes: usize,
    /// Why a model that is set cannot be used (search is then lexical).
    pub error: Option<String>,
}

impl Mem {
    /// Which search is on: lexical without a model; hybrid with one whose
    /// cache loads; lexical with [`SearchMode::error`] when a model is set
    /// but its cache cannot be read. Brings the vectors in step.
    pub fn search_mode(&mut self) -> SearchMode {
        let mut out = SearchMode {
            mode: "lexical",
            model: None,
            vectors: 0,
            vector_bytes: 0,
            error: None,
        };
        match embed::info(self.paths.data_dir()) {
            Ok(None) => return out,
            Ok(Some(info)) => out.model = Some(info),
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        }
        match Model::open(self.paths.data_dir()) {
            Ok(Some(model)) => {
                self.model = Some(Some(Rc::new(model)));
                out.mode = "hybrid";
            }
            Ok(None) => return out,
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        }
        if self.index().is_ok() {
            if let Some(Ok((n, bytes))) = self.index.as_ref().map(|i| i.vector_stats()) {
                out.vectors = n;
                out.vector_bytes = bytes;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{convex, fuse, Fused, Weights};
    use crate::index::Near;

    fn near(id: &str, similarity: f32) -> Near {
        Near {
            id: id.to_owned(),
            rowid: 0,
            similarity,
        }
    }

    #[test]
    fn vector_only_candidates_below_the_floor_are_left_out() {
        let near = vec![near("a", 0.8), near("b", 0.35), near("c", 0.1)];
        let weights = Weights {
            vector: 0.3,
            floor: 0.3,
        };
        let kept: Vec<String> = fuse(Vec::new(), near.clone(), &HashMap::new(), weights, 10)
            .into_iter()
            .map(|f| match f {
                Fused::Near(n) => n.id,
                Fused::Lexical(h) => h.hit.row.id.as_str().to_owned(),
            })
            .collect();
        assert_eq!(kept, ["a", "b"]);
        // Nothing reaches a floor of 0.9; a floor of -1 keeps everything.
        let none = Weights {
            floor: 0.9,
            ..weights
        };
        assert!(fuse(Vec::new(), near.clone(), &HashMap::new(), none, 10).is_empty());
        let all = Weights {
            floor: -1.0,
            ..weights
        };
        assert_eq!(fuse(Vec::new(), near, &HashMap::new(), all, 10).len(), 3);
    }

    #[test]
    fn scores_are_min_max_normalised_and_weighted() {
        // bm25 scores 9, 5, 1 (the third also best by meaning), a vector-only
        // candidate, and one without a vector.
        let parts = [
            (Some(9.0), Some(0.2)),
            (Some(5.0), Some(0.5)),
            (Some(1.0), Some(0.6)),
            (None, Some(0.4)),
            (Some(5.0), None),
        ];
        let s = convex(&parts, 0.3);
        let want = [0.7, 0.35 + 0.225, 0.3, 0.15, 0.35];
        for (got, want) in s.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{s:?}");
        }
        // Weight 0 is bm25's order; weight 1 the similarity order.
        assert_eq!(convex(&parts, 0.0)[0], 1.0);
        let by_meaning = convex(&parts, 1.0);
        assert_eq!(by_meaning[2], 1.0);
        assert_eq!(by_meaning[0], 0.0);
    }

    #[test]
    fn a_single_candidate_or_equal_scores_count_in_full() {
        assert_eq!(convex(&[(Some(3.0), Some(0.1))], 0.3), vec![1.0]);
        let s = convex(&[(Some(0.0), None), (Some(0.0), None)], 0.3);
        assert_eq!(s, vec![0.7, 0.7]);
    }
}
