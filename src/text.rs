//! Text hygiene applied before anything is stored: `<private>` spans are
//! removed and obvious secrets are detected.
//!
//! Invariants: [`strip_private`] never leaves any part of a private span
//! behind, even when the closing tag is missing (the rest of the text is then
//! treated as private); [`find_secrets`] only reports, it never changes text.

use std::sync::OnceLock;

use regex::Regex;

/// Remove every `<private>…</private>` span (case-insensitive, across lines).
///
/// An opening tag without a closing one hides everything after it: leaking a
/// secret because a tag was mistyped is worse than losing a tail of text.
pub fn strip_private(text: &str) -> String {
    static OPEN: OnceLock<Regex> = OnceLock::new();
    static SPAN: OnceLock<Regex> = OnceLock::new();
    let span =
        SPAN.get_or_init(|| Regex::new(r"(?is)<private>.*?</private>").expect("valid regex"));
    let open = OPEN.get_or_init(|| Regex::new(r"(?is)<private>.*$").expect("valid regex"));
    if !text.to_ascii_lowercase().contains("<private>") {
        return text.to_owned();
    }
    let without_spans = span.replace_all(text, "");
    open.replace_all(&without_spans, "").into_owned()
}

/// One kind of secret found in a text, with the byte range where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Human name of the secret kind, e.g. `AWS access key`.
    pub kind: &'static str,
    /// Byte offset of the match in the scanned text.
    pub start: usize,
    /// Byte offset one past the end of the match.
    pub end: usize,
}

/// The patterns checked by [`find_secrets`]: well-known, high-precision
/// token shapes (AWS, GitHub, GitLab, Slack, PEM private keys), as listed by
/// e.g. gitleaks' default rules.
fn secret_patterns() -> &'static [(&'static str, Regex)] {
    static PATTERNS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            ("AWS access key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
            ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
            ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"),
            ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
            ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
            (
                "private key",
                r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----",
            ),
        ]
        .into_iter()
        .map(|(name, re)| (name, Regex::new(re).expect("valid regex")))
        .collect()
    })
}

/// Literals one of which every secret pattern contains: a text without any
/// of them needs no regex (compiling the patterns costs more than a save).
const SECRET_MARKERS: &[&str] = &[
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "gh",
    "github_pat_",
    "glpat-",
    "xox",
    "PRIVATE KEY",
];

/// Every secret-shaped match in `text`, in order of position.
pub fn find_secrets(text: &str) -> Vec<SecretMatch> {
    if !SECRET_MARKERS.iter().any(|m| text.contains(m)) {
        return Vec::new();
    }
    let mut found: Vec<SecretMatch> = secret_patterns()
        .iter()
        .flat_map(|(kind, re)| {
            re.find_iter(text).map(|m| SecretMatch {
                kind,
                start: m.start(),
                end: m.end(),
            })
        })
        .collect();
    found.sort_by_key(|m| m.start);
    found
}

/// Replace every secret found by [`find_secrets`] with `[REDACTED:<kind>]`.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in find_secrets(text) {
        if m.start < at {
            continue;
        }
        out.push_str(&text[at..m.start]);
        out.push_str("[REDACTED:");
        out.push_str(m.kind);
        out.push(']');
        at = m.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether `c` belongs to a script written without spaces between words
/// (Han, Hiragana, Katakana) or to Hangul, whose words the index splits into
/// overlapping bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF     // Hangul Jamo
        | 0x2E80..=0x2FDF   // CJK radicals, Kangxi radicals
        | 0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3100..=0x312F   // Bopomofo
        | 0x3130..=0x318F   // Hangul compatibility Jamo
        | 0x31F0..=0x31FF   // Katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0xFF66..=0xFF9F   // half-width Katakana
        | 0x20000..=0x3134F // CJK extensions B–G
    )
}

/// Rewrite `text` for the FTS5 `unicode61` tokenizer so that CJK words can be
/// found: every run of CJK characters becomes its overlapping bigrams
/// (`語言處理` → `語言 言處 處理`), the scheme of Lucene's CJKAnalyzer; a lone
/// CJK character stays a one-character token. Other text is unchanged apart
/// from a space on either side of each CJK run.
pub fn cjk_bigrams(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut run: Vec<char> = Vec::new();
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else {
            flush_run(&mut run, &mut out);
            out.push(c);
        }
    }
    flush_run(&mut run, &mut out);
    out
}

fn flush_run(run: &mut Vec<char>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push(' ');
    out.push_str(&bigrams(run).join(" "));
    out.push(' ');
    run.clear();
}

fn bigrams(run: &[char]) -> Vec<String> {
    if run.len() == 1 {
        return vec![run[0].to_string()];
    }
    run.windows(2).map(|w| w.iter().collect()).collect()
}

/// One search term parsed from what the user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A run of letters or digits outside CJK, matched as one token.
    Word(String),
    /// A CJK run of two or more characters, matched as the phrase of its bigrams.
    Cjk(String),
    /// A single CJK character, matched as a prefix of the bigrams.
    CjkChar(char),
    /// A quoted phrase: its words and CJK runs, separated by single spaces,
    /// matched as one FTS5 phrase (in this order, next to each other).
    Phrase(String),
}

impl Term {
    /// The text this term looks for in a document, for snippets.
    pub fn needle(&self) -> String {
        match self {
            Term::Word(w) | Term::Cjk(w) | Term::Phrase(w) => w.clone(),
            Term::CjkChar(c) => c.to_string(),
        }
    }

    /// The FTS5 string matching this term: always double-quoted, with no
    /// quote inside (a lone CJK character adds the prefix `*`).
    pub(crate) fn to_fts(&self) -> String {
        match self {
            // Words hold only alphanumerics, so no quote can appear inside.
            Term::Word(w) => format!("\"{w}\""),
            Term::Cjk(run) => {
                let chars: Vec<char> = run.chars().collect();
                format!("\"{}\"", bigrams(&chars).join(" "))
            }
            Term::CjkChar(c) => format!("\"{c}\"*"),
            Term::Phrase(p) => {
                let tokens: Vec<String> = query_terms(p)
                    .iter()
                    .map(|t| match t {
                        Term::Cjk(run) => bigrams(&run.chars().collect::<Vec<_>>()).join(" "),
                        other => other.needle(),
                    })
                    .collect();
                format!("\"{}\"", tokens.join(" "))
            }
        }
    }
}

/// Split a query into [`Term`]s. Everything that is not a letter or a digit
/// separates terms, so FTS5 syntax in the input (`"`, `*`, `(`, `AND`,
/// `NEAR(`) is never interpreted: operators become plain quoted words.
pub fn query_terms(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut word = String::new();
    let mut run = String::new();
    let flush_word = |word: &mut String, terms: &mut Vec<Term>| {
        if !word.is_empty() {
            terms.push(Term::Word(std::mem::take(word)));
        }
    };
    let flush_run = |run: &mut String, terms: &mut Vec<Term>| {
        let mut chars = run.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => terms.push(Term::CjkChar(c)),
            (Some(_), Some(_)) => terms.push(Term::Cjk(run.clone())),
            _ => {}
        }
        run.clear();
    };
    for c in query.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut terms);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut terms);
            word.push(c);
        } else {
            flush_word(&mut word, &mut terms);
            flush_run(&mut run, &mut terms);
        }
    }
    flush_word(&mut word, &mut terms);
    flush_run(&mut run, &mut terms);
    terms.dedup();
    terms
}

/// The FTS5 MATCH expression for `terms`, joined with `AND` or `OR`.
/// Returns `None` when there is no term to look for.
pub fn fts_expression(terms: &[Term], any: bool) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let joiner = if any { " OR " } else { " AND " };
    Some(
        terms
            .iter()
            .map(Term::to_fts)
            .collect::<Vec<_>>()
            .join(joiner),
    )
}

/// A short excerpt of `text` around the first match of any of `needles`
/// (ASCII case-insensitive), about `width` characters long, with whitespace
/// folded. Returns the excerpt and the byte ranges of the matches in it.
///
/// When a needle does not occur literally (the index stems English words, so
/// `indexing` matches `index`), a shorter prefix of it is tried.
pub fn snippet(text: &str, needles: &[String], width: usize) -> (String, Vec<(usize, usize)>) {
    let folded: String = fold_whitespace(text);
    let lower = folded.to_ascii_lowercase();
    let patterns: Vec<String> = needles
        .iter()
        .filter_map(|n| {
            let n = n.to_ascii_lowercase();
            if lower.contains(&n) {
                return Some(n);
            }
            let chars: Vec<char> = n.chars().collect();
            (4..chars.len())
                .rev()
                .map(|len| chars[..len].iter().collect::<String>())
                .find(|p| lower.contains(p.as_str()))
        })
        .collect();
    let first = patterns.iter().filter_map(|p| lower.find(p.as_str())).min();
    let chars: Vec<(usize, char)> = folded.char_indices().collect();
    let start_char = match first {
        Some(byte) => {
            let at = chars.partition_point(|(i, _)| *i < byte);
            at.saturating_sub(width / 4)
        }
        None => 0,
    };
    let end_char = (start_char + width).min(chars.len());
    let start_byte = chars.get(start_char).map_or(folded.len(), |c| c.0);
    let end_byte = chars.get(end_char).map_or(folded.len(), |c| c.0);
    let mut out = String::new();
    if start_char > 0 {
        out.push('…');
    }
    let offset = out.len();
    out.push_str(&folded[start_byte..end_byte]);
    let out_lower = out.to_ascii_lowercase();
    if end_char < chars.len() {
        out.push('…');
    }
    let mut ranges: Vec<(usize, usize)> = patterns
        .iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            out_lower[offset..]
                .match_indices(p.as_str())
                .map(|(i, m)| (offset + i, offset + i + m.len()))
                .collect::<Vec<_>>()
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.0 <= last.1 => last.1 = last.1.max(r.1),
            _ => merged.push(r),
        }
    }
    (out, merged)
}

fn fold_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_spans_are_removed() {
        assert_eq!(strip_private("a <private>b</private> c"), "a  c");
        assert_eq!(strip_private("a <PRIVATE>b\nc</Private>d"), "a d");
        assert_eq!(strip_private("keep <private>the rest"), "keep ");
        assert_eq!(strip_private("nothing"), "nothing");
    }

    #[test]
    fn secrets_are_found() {
        let text = "key AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let kinds: Vec<_> = find_secrets(text).iter().map(|m| m.kind).collect();
        assert_eq!(kinds, vec!["AWS access key", "GitHub token"]);
        assert!(find_secrets("-----BEGIN OPENSSH PRIVATE KEY-----").len() == 1);
        assert!(find_secrets("xoxb-1234567890-abcdef").len() == 1);
        assert!(find_secrets("glpat-abcdefghij0123456789").len() == 1);
        assert!(find_secrets("an ordinary note about AKIA prefixes").is_empty());
        assert_eq!(
            redact_secrets("x AKIAIOSFODNN7EXAMPLE y"),
            "x [REDACTED:AWS access key] y"
        );
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(cjk_bigrams("Rust语言开发"), "Rust 语言 言开 开发 ");
        assert_eq!(cjk_bigrams("a 字 b"), "a  字  b");
        assert_eq!(cjk_bigrams("plain"), "plain");
    }

    #[test]
    fn queries_never_carry_fts_syntax() {
        for q in ["\"foo", "a AND (", "*", "NEAR(", "foo) OR bar:"] {
            let expr = fts_expression(&query_terms(q), false);
            if let Some(e) = expr {
                assert!(!e.contains('('), "{e}");
                assert_eq!(e.matches('"').count() % 2, 0, "{e}");
            }
        }
        assert_eq!(
            fts_expression(&query_terms("Rust语言"), false).unwrap(),
            "\"Rust\" AND \"语言\""
        );
        assert_eq!(
            fts_expression(&query_terms("开发者 字"), true).unwrap(),
            "\"开发 发者\" OR \"字\"*"
        );
    }

    #[test]
    fn snippets_centre_on_the_match() {
        let text = "word ".repeat(50) + "the needle is here " + &"tail ".repeat(50);
        let (s, ranges) = snippet(&text, &["NEEDLE".into()], 40);
        assert!(s.starts_with('…') && s.ends_with('…'));
        let (a, b) = ranges[0];
        assert_eq!(&s[a..b], "needle");
        let (s, ranges) = snippet("indexing is fun", &["index".into()], 40);
        assert_eq!(&s[ranges[0].0..ranges[0].1], "index");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever is typed, the MATCH expression is a conjunction of quoted
        /// strings: no operator, column filter or group can be expressed.
        #[test]
        fn fts_expressions_are_only_quoted_terms(q in "\\PC{0,40}") {
            if let Some(expr) = fts_expression(&query_terms(&q), false) {
                for part in expr.split(" AND ") {
                    let part = part.strip_suffix('*').unwrap_or(part);
                    prop_assert!(part.len() >= 2 && part.starts_with('"') && part.ends_with('"'), "{}", expr);
                    prop_assert!(!part[1..part.len() - 1].contains('"'), "{}", expr);
                }
            }
        }

        /// Every CJK bigram of a text is a token of its FTS rendering.
        #[test]
        fn cjk_bigrams_cover_every_pair(s in "[a-z 语言検索开发日本]{0,30}") {
            let rendered = cjk_bigrams(&s);
            let tokens: Vec<&str> = rendered.split_whitespace().collect();
            let chars: Vec<char> = s.chars().collect();
            for w in chars.windows(2) {
                if is_cjk(w[0]) && is_cjk(w[1]) {
                    let pair: String = w.iter().collect();
                    prop_assert!(tokens.contains(&pair.as_str()), "{} in {:?}", pair, tokens);
                }
            }
        }

        /// Nothing inside a private span survives.
        #[test]
        fn private_content_never_survives(a in "[a-z ]{0,10}", secret in "[A-Z]{8}", b in "[a-z ]{0,10}") {
            let text = format!("{a}<private>{secret}</private>{b}");
            prop_assert!(!strip_private(&text).contains(&secret));
        }
    }
}

/// `text` safe to write to a terminal: every control character but newline
/// and tab — C0 (ESC, BEL, BS, NUL, CR, …), DEL and C1 (U+0080–U+009F) — is
/// shown as text (`\x1b`), so a memory synced from someone else cannot
/// move the cursor, retitle the window or ring the bell. Escape sequences
/// listed in `own` (the caller's colour codes) pass through where they
/// start.
pub fn escape_controls<'a>(text: &'a str, own: &[&str]) -> std::borrow::Cow<'a, str> {
    let is_control =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c);
    if !text.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' {
            if let Some(seq) = own.iter().find(|s| rest.starts_with(**s)) {
                out.push_str(seq);
                rest = &rest[seq.len()..];
                continue;
            }
        }
        if is_control(c) {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod terminal_tests {
    use super::escape_controls;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(escape_controls("plain\ttext\n", &[]), "plain\ttext\n");
        assert_eq!(
            escape_controls("a\x1b]0;pwned\x07b\x00c\x08\r\u{9b}", &[]),
            "a\\x1b]0;pwned\\x07b\\x00c\\x08\\x0d\\x9b"
        );
        assert_eq!(
            escape_controls("\x1b[2mid\x1b[0m \x1b[31mevil", &["\x1b[2m", "\x1b[0m"]),
            "\x1b[2mid\x1b[0m \\x1b[31mevil"
        );
    }
}
