//! Reading a Model2Vec model directory (`config.json`, `tokenizer.json`,
//! `model.safetensors`; Tulkens and van Dongen, *Model2Vec*, 2024,
//! <https://github.com/MinishLab/model2vec>) once, into the compact cache
//! [`super::Model`] maps: the vocabulary sorted for binary search and the
//! embedding matrix quantised to int8 with one scale per row.
//!
//! The safetensors format (<https://github.com/huggingface/safetensors>):
//! an 8-byte little-endian header length, a JSON header naming each
//! tensor's dtype, shape and byte range, then the raw little-endian data.

use std::path::Path;

use super::tokenizer::Settings;
use super::{CacheHeader, EmbedError, MAGIC};

/// One tensor of a safetensors file, as `f32`s (row-major) and its shape.
struct Tensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

fn not_a_model(dir: &Path, what: impl Into<String>) -> EmbedError {
    EmbedError::NotAModel {
        dir: dir.to_owned(),
        what: what.into(),
    }
}

/// Read every tensor of a safetensors file as `f32`.
fn read_safetensors(dir: &Path, bytes: &[u8]) -> Result<Vec<(String, Tensor)>, EmbedError> {
    let bad = |what: &str| not_a_model(dir, format!("model.safetensors is not readable ({what})"));
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .ok_or_else(|| bad("too short"))?;
    let header = bytes.get(8..8 + len).ok_or_else(|| bad("header cut"))?;
    let data = &bytes[8 + len..];
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|_| bad("header is not JSON"))?;
    let mut out = Vec::new();
    for (name, t) in header {
        if name == "__metadata__" {
            continue;
        }
        let dtype = t["dtype"].as_str().unwrap_or("");
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .ok_or_else(|| bad("a tensor has no shape"))?
            .iter()
            .map(|v| v.as_u64().unwrap_or(0) as usize)
            .collect();
        let range = t["data_offsets"]
            .as_array()
            .filter(|r| r.len() == 2)
            .ok_or_else(|| bad("a tensor has no offsets"))?;
        let (start, end) = (
            range[0].as_u64().unwrap_or(0) as usize,
            range[1].as_u64().unwrap_or(0) as usize,
        );
        let raw = data.get(start..end).ok_or_else(|| bad("a tensor is cut"))?;
        let floats: Vec<f32> = match dtype {
            "F32" => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
                .collect(),
            "F64" => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8")) as f32)
                .collect(),
            "F16" => raw
                .chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            "BF16" => raw
                .chunks_exact(2)
                .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
                .collect(),
            "I8" => raw.iter().map(|&b| f32::from(b as i8)).collect(),
            "U8" => raw.iter().map(|&b| f32::from(b)).collect(),
            "I32" => raw
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().expect("4")) as f32)
                .collect(),
            "I64" => raw
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8")) as f32)
                .collect(),
            other => return Err(bad(&format!("tensor '{name}' has dtype {other}"))),
        };
        if floats.len() != shape.iter().product::<usize>() {
            return Err(bad("a tensor's size does not match its shape"));
        }
        out.push((
            name,
            Tensor {
                shape,
                data: floats,
            },
        ));
    }
    Ok(out)
}

/// IEEE 754 half precision to single.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: normalise it.
            let mut e = 127 - 15 + 1;
            let mut f = f;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        (31, 0) => sign | 0x7f80_0000,
        (31, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

/// Build the cache bytes from the Model2Vec model in `dir`.
///
/// # Errors
/// [`EmbedError::NotAModel`] naming the file that is missing or unusable.
pub(super) fn build(dir: &Path, name: &str) -> Result<Vec<u8>, EmbedError> {
    let read = |file: &str| {
        std::fs::read(dir.join(file)).map_err(|e| {
            not_a_model(
                dir,
                format!(
                    "{file} cannot be read ({})",
                    e.kind().to_string().to_lowercase()
                ),
            )
        })
    };
    if !dir.exists() {
        return Err(not_a_model(dir, "it does not exist"));
    }
    if !dir.is_dir() {
        return Err(not_a_model(dir, "it is not a directory"));
    }
    let config: serde_json::Value = match std::fs::read(dir.join("config.json")) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    let tokenizer: serde_json::Value = serde_json::from_slice(&read("tokenizer.json")?)
        .map_err(|_| not_a_model(dir, "tokenizer.json is not JSON"))?;
    let (settings, pieces) =
        Settings::from_json(&tokenizer).map_err(|what| not_a_model(dir, what))?;
    let tensors = read_safetensors(dir, &read("model.safetensors")?)?;
    let find = |names: &[&str]| {
        tensors
            .iter()
            .find(|(n, _)| names.contains(&n.as_str()))
            .map(|(_, t)| t)
    };
    let matrix = find(&["embeddings", "embedding", "weight"])
        .or_else(|| tensors.iter().map(|(_, t)| t).find(|t| t.shape.len() == 2))
        .filter(|t| t.shape.len() == 2)
        .ok_or_else(|| not_a_model(dir, "model.safetensors holds no embedding matrix"))?;
    let (rows, dim) = (matrix.shape[0], matrix.shape[1]);
    let vocab = pieces.len();
    let mapping: Vec<u32> = match find(&["mapping", "token_mapping"]) {
        Some(m) => m.data.iter().map(|&v| v as u32).collect(),
        None => (0..vocab as u32).collect(),
    };
    if mapping.len() != vocab || mapping.iter().any(|&r| r as usize >= rows) {
        return Err(not_a_model(
            dir,
            format!("its {vocab} tokens do not match the {rows} rows of its embedding matrix"),
        ));
    }
    let weights: Vec<f32> = match find(&["weights"]) {
        Some(w) if w.data.len() == vocab => w.data.clone(),
        _ => vec![1.0; vocab],
    };
    let mut lengths: Vec<usize> = pieces.iter().map(|p| p.0.chars().count()).collect();
    lengths.sort_unstable();
    let header = CacheHeader {
        name: name.to_owned(),
        tokenizer: settings,
        dim,
        vocab,
        rows,
        normalize: config["normalize"].as_bool().unwrap_or(true),
        median_token_chars: lengths.get(vocab / 2).copied().unwrap_or(4).max(1),
    };
    // Sections, in the order `Model::load` reads them.
    let mut order: Vec<u32> = (0..vocab as u32).collect();
    order.sort_by(|&a, &b| pieces[a as usize].0.cmp(&pieces[b as usize].0));
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    let header = serde_json::to_vec(&header).expect("the header serialises");
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    for id in &order {
        out.extend_from_slice(&id.to_le_bytes());
    }
    let mut offset = 0u32;
    for (piece, _) in &pieces {
        out.extend_from_slice(&offset.to_le_bytes());
        offset += piece.len() as u32;
    }
    out.extend_from_slice(&offset.to_le_bytes());
    for (piece, _) in &pieces {
        out.extend_from_slice(piece.as_bytes());
    }
    for (_, score) in &pieces {
        out.extend_from_slice(&score.to_le_bytes());
    }
    for r in &mapping {
        out.extend_from_slice(&r.to_le_bytes());
    }
    for w in &weights {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let mut quantised = Vec::with_capacity(rows * dim);
    for row in matrix.data.chunks_exact(dim) {
        let (scale, q) = super::quantise(row);
        out.extend_from_slice(&scale.to_le_bytes());
        quantised.extend(q.iter().map(|&v| v as u8));
    }
    out.extend_from_slice(&quantised);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0), 0.0);
    }
}
