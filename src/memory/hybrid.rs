//! Hybrid search: when an embedding model is set (`mem model`), a search
//! fuses the bm25 ranking ([`crate::index::Index::search`]) with the
//! nearest observation vectors ([`crate::index::Index::vector_search`]) by
//! reciprocal-rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009):
//! each observation scores `Σ weight / (RRF_K + rank)` over the two lists.
//! Without a model, or when the model cannot be loaded (a warning says
//! so), search is lexical exactly as before.
//!
//! Vectors follow the index: after every index update the queued
//! observations are embedded ([`Mem::refresh_vectors`]).

use std::rc::Rc;

use super::{Mem, MemError, Notice};
use crate::embed::{self, Model, ModelInfo};
use crate::index::{Filter, Hit};

/// The rank offset of reciprocal-rank fusion (60 in the paper).
const RRF_K: f64 = 60.0;

/// The weight of the vector ranking against bm25's (1.0) in the fusion,
/// unless `MEM_HYBRID_WEIGHT` says otherwise. Measured on LoCoMo (`cargo
/// bench --bench locomo`, benches/README.md): with a small model, an equal
/// weight loses to bm25 alone.
const VECTOR_WEIGHT: f64 = 0.3;

fn vector_weight() -> f64 {
    std::env::var("MEM_HYBRID_WEIGHT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|w| w.is_finite() && *w >= 0.0)
        .unwrap_or(VECTOR_WEIGHT)
}

/// Candidates taken from each ranking before fusing: at least this many,
/// or three times the limit.
const FUSION_POOL: usize = 50;

/// A search result with its cosine similarity to the query (when the
/// search was hybrid and the observation is among the nearest vectors).
#[derive(Debug, Clone)]
pub struct ScoredHit {
    /// The result.
    pub hit: Hit,
    /// Cosine similarity to the query, -1 to 1.
    pub similarity: Option<f32>,
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
    /// # Errors
    /// As [`Mem::search`].
    pub fn search_scored(
        &mut self,
        query: &str,
        filter: &Filter,
    ) -> Result<Vec<ScoredHit>, MemError> {
        self.index()?;
        let model = self.embedding_model();
        let vector = model.as_ref().and_then(|m| m.embed(query));
        let index = self.index.as_ref().expect("opened above");
        let Some(vector) = vector else {
            return Ok(index
                .search(query, filter)?
                .into_iter()
                .map(|hit| ScoredHit {
                    hit,
                    similarity: None,
                })
                .collect());
        };
        let pool = filter.limit.saturating_mul(3).max(FUSION_POOL);
        let wide = Filter {
            limit: pool,
            ..filter.clone()
        };
        let lexical = index.search(query, &wide)?;
        let near = match index.vector_search(&vector, &wide) {
            Ok(near) => near,
            Err(e) => {
                self.notices.push(Notice::Warning(format!(
                    "the vector search failed ({e}); these results use words only"
                )));
                Vec::new()
            }
        };
        Ok(fuse(lexical, near, filter.limit))
    }
}

/// Reciprocal-rank fusion of a bm25 ranking and a vector ranking, best
/// first, at most `limit`.
fn fuse(lexical: Vec<Hit>, near: Vec<(Hit, f32)>, limit: usize) -> Vec<ScoredHit> {
    let mut out: Vec<(f64, ScoredHit)> = Vec::new();
    let mut at = std::collections::HashMap::new();
    let weight = vector_weight();
    for (rank, hit) in lexical.into_iter().enumerate() {
        at.insert(hit.row.id.clone(), out.len());
        out.push((
            1.0 / (RRF_K + rank as f64 + 1.0),
            ScoredHit {
                hit,
                similarity: None,
            },
        ));
    }
    for (rank, (hit, sim)) in near.into_iter().enumerate() {
        let score = weight / (RRF_K + rank as f64 + 1.0);
        match at.get(&hit.row.id) {
            Some(&i) => {
                out[i].0 += score;
                out[i].1.similarity = Some(sim);
            }
            None => {
                let mut hit = hit;
                hit.coverage = 0.0;
                hit.matched = Some(0);
                out.push((
                    score,
                    ScoredHit {
                        hit,
                        similarity: Some(sim),
                    },
                ));
            }
        }
    }
    // Stable: ties keep bm25's order, then the vector order.
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.into_iter().take(limit).map(|(_, h)| h).collect()
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
    /// Observation vectors in the index, and their bytes in all.
    pub vectors: usize,
    /// Bytes of those vectors.
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
