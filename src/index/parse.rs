//! How a search query is read: quoted phrases that must match, and the
//! words that rank. Questions work as queries ("When did Melanie sign up
//! for the pottery class?"): English stopwords and CJK particles leave the
//! query unless it holds nothing else, and no word is required — a document
//! matching more of them ranks higher ([`super::Index::search`]).
//!
//! Nothing typed ever reaches FTS5 as syntax: every word and phrase becomes
//! a double-quoted FTS5 string ([`Term`]), joined only by the `AND`/`OR`
//! this module writes.

use crate::text::{self, Term};

/// English stopwords: the NLTK English stopword list (179 words; Bird,
/// Klein and Loper, *Natural Language Processing with Python*, `nltk_data`
/// `corpora/stopwords/english`, contractions written without their
/// apostrophes as the tokenizer splits them), plus five function words that
/// questions use often (`would`, `could`, `might`, `also`, `ever`).
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "ain",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "couldn",
    "d",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "had",
    "hadn",
    "has",
    "hasn",
    "have",
    "haven",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "ma",
    "me",
    "might",
    "mightn",
    "more",
    "most",
    "mustn",
    "my",
    "myself",
    "needn",
    "no",
    "nor",
    "not",
    "now",
    "o",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "s",
    "same",
    "shan",
    "she",
    "should",
    "shouldn",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "ve",
    "very",
    "was",
    "wasn",
    "we",
    "were",
    "weren",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "y",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` (any case) is an English stopword.
pub fn is_stopword(word: &str) -> bool {
    let lower = word.to_lowercase();
    STOPWORDS.binary_search(&lower.as_str()).is_ok()
}

/// Japanese case particles written in hiragana between two words
/// (`設定の変更`): a run is split there, so that the bigrams spanning the
/// particle (`定の`, `の変`), which no document needs to contain, leave the
/// query.
const JA_PARTICLES: &[char] = &['の', 'は', 'が', 'を', 'に', 'で', 'と', 'も', 'へ', 'や'];

/// Chinese question particles (`吗`, `呢`, `吧`), dropped from the end of a
/// run.
const ZH_FINAL: &[char] = &['吗', '呢', '吧'];

/// Korean particles that end a word (`데이터베이스를`), longest first,
/// dropped from the end of a Hangul run of three or more syllables.
const KO_PARTICLES: &[&str] = &[
    "에서", "으로", "에게", "까지", "부터", "은", "는", "이", "가", "을", "를", "에", "의", "와",
    "과", "도", "로",
];

/// A query as search reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Quoted phrases (and quoted single words): every one must match.
    pub phrases: Vec<Term>,
    /// The other terms, stopwords and particles removed: any may match, and
    /// the more match, the higher a document ranks.
    pub terms: Vec<Term>,
}

impl SearchQuery {
    /// Read `query`: each balanced `"…"` span is a phrase (an unbalanced
    /// quote is plain text); the rest is split into [`Term`]s by
    /// [`text::query_terms`]. Stopwords ([`is_stopword`]) and CJK particles
    /// leave the terms unless nothing else is left.
    pub fn parse(query: &str) -> SearchQuery {
        let mut phrases = Vec::new();
        let mut rest = String::new();
        let mut parts = query.split('"').peekable();
        let mut inside = false;
        while let Some(part) = parts.next() {
            // The text after the last quote of an odd count is not quoted.
            if inside && parts.peek().is_some() {
                if let Some(p) = phrase(part) {
                    if !phrases.contains(&p) {
                        phrases.push(p);
                    }
                }
            } else {
                rest.push_str(part);
                rest.push(' ');
            }
            inside = !inside;
        }
        let all = text::query_terms(&rest);
        let mut terms: Vec<Term> = all.iter().flat_map(drop_particles).collect();
        terms.retain(|t| !matches!(t, Term::Word(w) if is_stopword(w)));
        if terms.is_empty() {
            terms = all;
        }
        terms.dedup();
        terms.retain(|t| !phrases.contains(t));
        SearchQuery { phrases, terms }
    }

    /// Whether there is nothing to look for in the full-text index.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty() && self.terms.is_empty()
    }

    /// The FTS5 expression every result must match: the phrases joined by
    /// `AND`, and (with `with_terms`) at least one of the terms. `None` when
    /// that leaves nothing to match.
    pub fn expression(&self, with_terms: bool) -> Option<String> {
        let mut parts: Vec<String> = self.phrases.iter().map(Term::to_fts).collect();
        if with_terms && !self.terms.is_empty() {
            let any: Vec<String> = self.terms.iter().map(Term::to_fts).collect();
            if parts.is_empty() || any.len() == 1 {
                parts.push(any.join(" OR "));
            } else {
                parts.push(format!("({})", any.join(" OR ")));
            }
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    /// The texts to highlight in a result: phrases and terms.
    pub fn needles(&self) -> Vec<String> {
        self.phrases
            .iter()
            .chain(&self.terms)
            .map(Term::needle)
            .collect()
    }
}

/// The phrase a quoted span stands for: its words and CJK runs in order
/// (a single word or run is that term), `None` when it holds neither.
fn phrase(span: &str) -> Option<Term> {
    let terms = text::query_terms(span);
    match terms.len() {
        0 => None,
        1 => terms.into_iter().next(),
        _ => Some(Term::Phrase(
            terms.iter().map(Term::needle).collect::<Vec<_>>().join(" "),
        )),
    }
}

/// A CJK term without its particles: a Japanese run split at the hiragana
/// particles between words (only when every piece keeps two characters or
/// more), a Chinese run without its final question particle, a
/// Hangul word without its case ending. Removing a particle only widens
/// what the term matches (a document holding the whole run holds its
/// parts), so nothing that matched before is lost. A lone particle is
/// dropped. Other terms are returned unchanged.
fn drop_particles(term: &Term) -> Vec<Term> {
    match term {
        Term::CjkChar(c) if JA_PARTICLES.contains(c) || ZH_FINAL.contains(c) => Vec::new(),
        Term::Cjk(run) => {
            let mut chars: Vec<char> = run.chars().collect();
            if chars.len() > 2 && ZH_FINAL.contains(&chars[chars.len() - 1]) {
                chars.pop();
            }
            if chars.len() >= 3 && chars.iter().all(|c| is_hangul(*c)) {
                let s: String = chars.iter().collect();
                if let Some(stem) = KO_PARTICLES
                    .iter()
                    .find_map(|p| s.strip_suffix(p))
                    .filter(|stem| stem.chars().count() >= 2)
                {
                    chars = stem.chars().collect();
                }
            }
            let mut out = Vec::new();
            let mut piece: Vec<char> = Vec::new();
            for (i, &c) in chars.iter().enumerate() {
                let between = i > 0
                    && i + 1 < chars.len()
                    && !is_hiragana(chars[i - 1])
                    && !is_hiragana(chars[i + 1]);
                if JA_PARTICLES.contains(&c) && between {
                    out.extend(cjk_term(&piece));
                    piece.clear();
                } else {
                    piece.push(c);
                }
            }
            out.extend(cjk_term(&piece));
            if out.iter().any(|t| matches!(t, Term::CjkChar(_))) {
                return cjk_term(&chars).into_iter().collect();
            }
            out
        }
        other => vec![other.clone()],
    }
}

fn cjk_term(chars: &[char]) -> Option<Term> {
    match chars {
        [] => None,
        [c] => Some(Term::CjkChar(*c)),
        _ => Some(Term::Cjk(chars.iter().collect())),
    }
}

fn is_hiragana(c: char) -> bool {
    ('\u{3040}'..='\u{309F}').contains(&c)
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7AF}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &SearchQuery) -> Vec<String> {
        q.terms.iter().map(Term::needle).collect()
    }

    #[test]
    fn the_stopword_list_is_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn questions_lose_their_function_words() {
        let q = SearchQuery::parse("When did Melanie sign up for the pottery class?");
        assert_eq!(words(&q), ["Melanie", "sign", "pottery", "class"]);
        assert_eq!(
            q.expression(true).unwrap(),
            "\"Melanie\" OR \"sign\" OR \"pottery\" OR \"class\""
        );
        // Only stopwords: they are the query.
        assert_eq!(
            words(&SearchQuery::parse("what is it")),
            ["what", "is", "it"]
        );
    }

    #[test]
    fn quoted_phrases_are_required_and_keep_their_stopwords() {
        let q = SearchQuery::parse("\"out of memory\" crash when loading");
        assert_eq!(q.phrases, [Term::Phrase("out of memory".into())]);
        assert_eq!(words(&q), ["crash", "loading"]);
        assert_eq!(
            q.expression(true).unwrap(),
            "\"out of memory\" AND (\"crash\" OR \"loading\")"
        );
        assert_eq!(q.expression(false).unwrap(), "\"out of memory\"");
        // An unbalanced quote is text.
        let q = SearchQuery::parse("say \"hello");
        assert!(q.phrases.is_empty());
        assert_eq!(words(&q), ["say", "hello"]);
    }

    #[test]
    fn cjk_particles_leave_the_query() {
        let q = SearchQuery::parse("設定の変更");
        assert_eq!(words(&q), ["設定", "変更"]);
        let q = SearchQuery::parse("数据库配置吗");
        assert_eq!(words(&q), ["数据库配置"]);
        let q = SearchQuery::parse("데이터베이스를 설정");
        assert_eq!(words(&q), ["데이터베이스", "설정"]);
        // A two-character word is never cut, nor a run into single
        // characters, and kana words keep their kana.
        assert_eq!(words(&SearchQuery::parse("검색")), ["검색"]);
        assert_eq!(words(&SearchQuery::parse("報を表")), ["報を表"]);
        assert_eq!(words(&SearchQuery::parse("ひらがな")), ["ひらがな"]);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever is typed, the MATCH expression is quoted strings joined
        /// by the AND, OR and one pair of parentheses this module writes.
        #[test]
        fn expressions_are_only_quoted_terms(q in "\\PC{0,40}") {
            if let Some(expr) = SearchQuery::parse(&q).expression(true) {
                let mut rest = expr.as_str();
                while !rest.is_empty() {
                    for op in [" AND ", " OR ", "(", ")"] {
                        if let Some(r) = rest.strip_prefix(op) {
                            rest = r;
                        }
                    }
                    prop_assert!(rest.starts_with('"'), "{}", expr);
                    let end = rest[1..].find('"').expect("closed") + 2;
                    rest = &rest[end..];
                    rest = rest.strip_prefix('*').unwrap_or(rest);
                    rest = rest.strip_prefix(')').unwrap_or(rest);
                }
            }
        }
    }
}
