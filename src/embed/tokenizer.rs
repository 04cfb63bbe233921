//! The two tokenizers Model2Vec models ship in `tokenizer.json` (Hugging
//! Face `tokenizers` format): WordPiece with BERT's normalizer and
//! pre-tokenizer (e.g. `minishlab/potion-base-8M`, vocabulary of
//! `bert-base-uncased`), and Unigram with a whitespace + Metaspace
//! pre-tokenizer (SentencePiece-style models). Written here, not taken from
//! the `tokenizers` crate, so that a process needs no multi-megabyte JSON
//! parse: the vocabulary lives in the model cache ([`super::Model`]) and is
//! looked up there by binary search.
//!
//! Invariant: for the text a unit test names, the ids are those
//! `tokenizers` (Python, 0.22) gives for the same `tokenizer.json` with
//! `add_special_tokens=False`.

use unicode_normalization::UnicodeNormalization;

/// How a piece of text maps to vocabulary ids.
pub trait Vocab {
    /// The id of `piece`, if it is in the vocabulary.
    fn id(&self, piece: &str) -> Option<u32>;
    /// The log-probability of token `id` (Unigram only).
    fn score(&self, id: u32) -> f32;
}

/// The settings of a tokenizer, read from `tokenizer.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Settings {
    /// BERT WordPiece: normalizer, punctuation-splitting pre-tokenizer,
    /// greedy longest-match-first with a continuing prefix (`##`).
    WordPiece {
        /// Lowercase the text (`BertNormalizer.lowercase`).
        lowercase: bool,
        /// Remove accents (`strip_accents`, which follows `lowercase` when unset).
        strip_accents: bool,
        /// Put spaces around CJK ideographs (`handle_chinese_chars`).
        chinese_chars: bool,
        /// The prefix of word-inner pieces.
        prefix: String,
        /// Words longer than this (characters) are unknown.
        max_chars: usize,
        /// The unknown token's id.
        unk: Option<u32>,
    },
    /// Unigram (Kudo 2018): Viterbi over the pieces' log-probabilities,
    /// each whitespace-separated word prefixed with `▁`.
    Unigram {
        /// The unknown token's id.
        unk: Option<u32>,
        /// The score of an unknown character (lowest piece score − 10).
        unk_score: f32,
        /// Prefix every word with the Metaspace replacement (`▁`).
        metaspace: bool,
    },
}

/// What cannot be read from a `tokenizer.json`.
pub type SettingsError = String;

impl Settings {
    /// Read the settings and the vocabulary (pieces in id order, with their
    /// scores) from a parsed `tokenizer.json`.
    ///
    /// # Errors
    /// One sentence naming what mem cannot read (a BPE or WordLevel model,
    /// a missing vocabulary).
    pub fn from_json(
        json: &serde_json::Value,
    ) -> Result<(Settings, Vec<(String, f32)>), SettingsError> {
        let model = &json["model"];
        let kind = model["type"].as_str().unwrap_or("");
        match kind {
            "WordPiece" => {
                let vocab = model["vocab"]
                    .as_object()
                    .ok_or("its WordPiece vocabulary is missing")?;
                let mut pieces = vec![(String::new(), 0.0); vocab.len()];
                for (piece, id) in vocab {
                    let id = id.as_u64().ok_or("a vocabulary id is not a number")? as usize;
                    if id >= pieces.len() {
                        return Err("its vocabulary ids are not 0..n".into());
                    }
                    pieces[id] = (piece.clone(), 0.0);
                }
                let norm = &json["normalizer"];
                let lowercase = norm["lowercase"].as_bool().unwrap_or(true);
                let unk = model["unk_token"]
                    .as_str()
                    .and_then(|t| vocab.get(t))
                    .and_then(|v| v.as_u64())
                    .map(|v| v as u32);
                Ok((
                    Settings::WordPiece {
                        lowercase,
                        strip_accents: norm["strip_accents"].as_bool().unwrap_or(lowercase),
                        chinese_chars: norm["handle_chinese_chars"].as_bool().unwrap_or(true),
                        prefix: model["continuing_subword_prefix"]
                            .as_str()
                            .unwrap_or("##")
                            .to_owned(),
                        max_chars: model["max_input_chars_per_word"].as_u64().unwrap_or(100)
                            as usize,
                        unk,
                    },
                    pieces,
                ))
            }
            "Unigram" => {
                let vocab = model["vocab"]
                    .as_array()
                    .ok_or("its Unigram vocabulary is missing")?;
                let mut pieces = Vec::with_capacity(vocab.len());
                for entry in vocab {
                    let piece = entry[0].as_str().ok_or("a vocabulary entry has no text")?;
                    let score = entry[1].as_f64().unwrap_or(0.0) as f32;
                    pieces.push((piece.to_owned(), score));
                }
                let min = pieces.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
                let pre = json["pre_tokenizer"].to_string();
                Ok((
                    Settings::Unigram {
                        unk: model["unk_id"].as_u64().map(|v| v as u32),
                        unk_score: if min.is_finite() { min - 10.0 } else { -10.0 },
                        metaspace: pre.contains("Metaspace"),
                    },
                    pieces,
                ))
            }
            other => Err(format!(
                "its tokenizer is of type '{other}', and mem reads only WordPiece and Unigram tokenizers"
            )),
        }
    }

    /// The ids of `text`, without special tokens and without the unknown
    /// token (Model2Vec drops it before pooling).
    pub fn encode(&self, vocab: &dyn Vocab, text: &str, out: &mut Vec<u32>) {
        match self {
            Settings::WordPiece { .. } => self.wordpiece(vocab, text, out),
            Settings::Unigram {
                unk,
                unk_score,
                metaspace,
            } => {
                let text: String = text.nfkc().collect();
                let mut word = String::new();
                for w in text.split_whitespace() {
                    word.clear();
                    if *metaspace {
                        word.push('▁');
                    }
                    word.push_str(w);
                    unigram(vocab, &word, *unk_score, out);
                }
                if let Some(unk) = unk {
                    out.retain(|id| id != unk);
                }
            }
        }
    }

    fn wordpiece(&self, vocab: &dyn Vocab, text: &str, out: &mut Vec<u32>) {
        let Settings::WordPiece {
            lowercase,
            strip_accents,
            chinese_chars,
            prefix,
            max_chars,
            ..
        } = self
        else {
            return;
        };
        // BertNormalizer, then BertPreTokenizer: words split at whitespace,
        // every punctuation character a word of its own.
        let mut clean = String::with_capacity(text.len());
        for c in text.chars() {
            if c == '\0' || c == '\u{FFFD}' || (c.is_control() && !c.is_whitespace()) {
                continue;
            }
            if *chinese_chars && is_chinese(c) {
                clean.push(' ');
                clean.push(c);
                clean.push(' ');
            } else if c.is_whitespace() {
                clean.push(' ');
            } else {
                clean.push(c);
            }
        }
        let mut text = clean;
        if *strip_accents {
            text = text
                .nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .collect();
        }
        if *lowercase {
            text = text.to_lowercase();
        }
        let mut words: Vec<&str> = Vec::new();
        for chunk in text.split(' ').filter(|w| !w.is_empty()) {
            let mut start = 0;
            for (i, c) in chunk.char_indices() {
                if is_punctuation(c) {
                    if start < i {
                        words.push(&chunk[start..i]);
                    }
                    words.push(&chunk[i..i + c.len_utf8()]);
                    start = i + c.len_utf8();
                }
            }
            if start < chunk.len() {
                words.push(&chunk[start..]);
            }
        }
        let mut piece = String::new();
        for word in words {
            if word.chars().count() > *max_chars {
                continue;
            }
            let mark = out.len();
            let mut start = 0;
            while start < word.len() {
                let mut end = word.len();
                let mut found = None;
                while start < end {
                    piece.clear();
                    if start > 0 {
                        piece.push_str(prefix);
                    }
                    piece.push_str(&word[start..end]);
                    if let Some(id) = vocab.id(&piece) {
                        found = Some(id);
                        break;
                    }
                    end = word[..end]
                        .char_indices()
                        .next_back()
                        .map_or(start, |(i, _)| i);
                }
                match found {
                    Some(id) => {
                        out.push(id);
                        start = end;
                    }
                    None => {
                        // The whole word is unknown.
                        out.truncate(mark);
                        break;
                    }
                }
            }
        }
    }
}

/// Viterbi segmentation of one pre-tokenized word; unknown characters are
/// left out (consecutive ones would be fused into one unknown token, which
/// Model2Vec drops anyway).
fn unigram(vocab: &dyn Vocab, word: &str, unk_score: f32, out: &mut Vec<u32>) {
    let bounds: Vec<usize> = word
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(word.len()))
        .collect();
    let n = bounds.len() - 1;
    // best[i]: score of the best segmentation of the first i characters,
    // the start of its last piece and that piece's id (None: unknown).
    let mut best: Vec<(f32, usize, Option<u32>)> = vec![(f32::NEG_INFINITY, 0, None); n + 1];
    best[0].0 = 0.0;
    for start in 0..n {
        let base = best[start].0;
        if base == f32::NEG_INFINITY {
            continue;
        }
        let mut matched_single = false;
        for end in start + 1..=n {
            if let Some(id) = vocab.id(&word[bounds[start]..bounds[end]]) {
                matched_single |= end == start + 1;
                let score = base + vocab.score(id);
                if score > best[end].0 {
                    best[end] = (score, start, Some(id));
                }
            }
        }
        if !matched_single {
            let score = base + unk_score;
            if score > best[start + 1].0 {
                best[start + 1] = (score, start, None);
            }
        }
    }
    let mark = out.len();
    let mut end = n;
    while end > 0 {
        let (_, start, id) = best[end];
        if let Some(id) = id {
            out.push(id);
        }
        end = start;
    }
    out[mark..].reverse();
}

fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// BERT's punctuation: ASCII symbols and Unicode punctuation.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || (!c.is_ascii()
            && !c.is_alphanumeric()
            && !c.is_whitespace()
            && !c.is_control()
            && is_unicode_punct(c))
}

/// Unicode general category P* for the common blocks (General Punctuation,
/// CJK symbols, fullwidth forms, Latin-1 punctuation).
fn is_unicode_punct(c: char) -> bool {
    matches!(c as u32,
        0x00A1 | 0x00A7 | 0x00AB | 0x00B6 | 0x00B7 | 0x00BB | 0x00BF
        | 0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011
        | 0x3014..=0x301F | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F
        | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B | 0xFF5D)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Map(HashMap<String, u32>, Vec<f32>);

    impl Vocab for Map {
        fn id(&self, piece: &str) -> Option<u32> {
            self.0.get(piece).copied()
        }
        fn score(&self, id: u32) -> f32 {
            self.1[id as usize]
        }
    }

    fn load(json: &str) -> (Settings, Map) {
        let json: serde_json::Value = serde_json::from_str(json).unwrap();
        let (settings, pieces) = Settings::from_json(&json).unwrap();
        let map = pieces
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.clone(), i as u32))
            .collect();
        (settings, Map(map, pieces.iter().map(|p| p.1).collect()))
    }

    fn ids(settings: &Settings, vocab: &Map, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        settings.encode(vocab, text, &mut out);
        out
    }

    /// A Unigram tokenizer of 24 pieces; the expected ids are those of
    /// Python `tokenizers` 0.22 (`Tokenizer.from_str(…).encode(text,
    /// add_special_tokens=False).ids`), with the unknown id (1) removed.
    const UNIGRAM: &str = r#"{"normalizer":null,
      "pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},
        {"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}]},
      "model":{"type":"Unigram","unk_id":1,"byte_fallback":false,"vocab":[
        ["<pad>",0.0],["<unk>",0.0],["▁",-2.0],["▁pot",-4.0],["tery",-5.0],["▁pottery",-9.5],
        ["▁class",-4.5],["?",-3.0],["▁the",-3.0],["▁Mel",-6.0],["anie",-6.5],["▁Melanie",-13.0],
        ["a",-3.5],["n",-3.6],["i",-3.7],["e",-3.8],["▁sign",-5.0],["▁up",-4.0],["▁for",-3.5],
        ["'",-4.0],["s",-3.0],["▁café",-8.0],["t",-3.9],["y",-4.1]]}}"#;

    #[test]
    fn unigram_matches_the_reference() {
        let (settings, vocab) = load(UNIGRAM);
        assert_eq!(
            ids(
                &settings,
                &vocab,
                "When did Melanie sign up for the pottery class?"
            ),
            // ▁ (Wh unknown) e n, ▁ (d) i (d), ▁Mel anie, ▁sign, ▁up, ▁for, ▁the, ▁pot tery, ▁class ?
            [2, 15, 13, 2, 14, 9, 10, 16, 17, 18, 8, 3, 4, 6, 7]
        );
        assert_eq!(
            ids(&settings, &vocab, "  café's  tasty"),
            [21, 19, 20, 2, 22, 12, 20, 22, 23]
        );
    }

    /// A WordPiece tokenizer as BERT's; expected ids as above (unknown
    /// id 1 removed).
    const WORDPIECE: &str = r###"{
      "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,
                    "strip_accents":null,"lowercase":true},
      "pre_tokenizer":{"type":"BertPreTokenizer"},
      "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
               "max_input_chars_per_word":100,"vocab":{
        "[PAD]":0,"[UNK]":1,"when":2,"did":3,"mel":4,"##anie":5,"sign":6,"up":7,"for":8,
        "the":9,"pot":10,"##tery":11,"class":12,"?":13,"cafe":14,"'":15,"s":16,"検":17,
        "##s":18,",":19}}}"###;

    #[test]
    fn wordpiece_matches_the_reference() {
        let (settings, vocab) = load(WORDPIECE);
        assert_eq!(
            ids(
                &settings,
                &vocab,
                "When did Melanie sign up for the POTTERY class?"
            ),
            [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        );
        assert_eq!(
            ids(&settings, &vocab, "Café's 検索, cafes unknownword"),
            [14, 15, 16, 17, 19, 14, 18]
        );
    }
}
