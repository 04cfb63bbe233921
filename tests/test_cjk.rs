//! CJK search on real text: Chinese and Japanese package summaries from
//! Debian's AppStream translations (fixtures/cjk, see extract.py there).

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{fixture, TestEnv};

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

struct Corpus {
    env: TestEnv,
    /// id → body
    ids: BTreeMap<String, String>,
    /// id → title
    titles: BTreeMap<String, String>,
}

fn load() -> Corpus {
    let env = TestEnv::new();
    let src = std::fs::read_to_string(fixture("cjk/debian-translations.jsonl")).unwrap();
    let mut lines = String::new();
    for line in src.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let rec = serde_json::json!({
            "title": format!("{} ({} {})", r["package"].as_str().unwrap(), r["lang"].as_str().unwrap(), r["field"].as_str().unwrap()),
            "body": r["text"],
            "tags": [r["lang"]],
        });
        lines.push_str(&rec.to_string());
        lines.push('\n');
    }
    let input = env.home.path().join("cjk.jsonl");
    std::fs::write(&input, lines).unwrap();
    env.ok(&["import", "--from", "jsonl", input.to_str().unwrap()]);
    let export = env.ok(&["export", "--format", "jsonl"]);
    let mut ids = BTreeMap::new();
    let mut titles = BTreeMap::new();
    for line in export.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        titles.insert(id.clone(), v["title"].as_str().unwrap().to_owned());
        ids.insert(id, v["body"].as_str().unwrap().to_owned());
    }
    Corpus { env, ids, titles }
}

impl Corpus {
    /// Ids of the observations whose body contains `needle`.
    fn expected(&self, needle: &str) -> BTreeSet<String> {
        self.ids
            .iter()
            .filter(|(_, body)| body.contains(needle))
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn search(&self, query: &str) -> BTreeSet<String> {
        self.ranked(query).into_iter().collect()
    }

    /// Ids found for `query`, best first.
    fn ranked(&self, query: &str) -> Vec<String> {
        self.env
            .ids(&["search", query, "--all-projects", "--limit", "1000"])
    }

    /// Title and body of `id`, lower-cased.
    fn text(&self, id: &str) -> String {
        format!("{}\n{}", self.titles[id], self.ids[id]).to_lowercase()
    }
}

/// Every distinct CJK substring of `len` characters, in a fixed order.
fn cjk_words(bodies: impl Iterator<Item = String>, len: usize) -> Vec<String> {
    let mut words = BTreeSet::new();
    for body in bodies {
        let chars: Vec<char> = body.chars().collect();
        for w in chars.windows(len) {
            if w.iter().all(|c| is_cjk(*c)) {
                words.insert(w.iter().collect::<String>());
            }
        }
    }
    words.into_iter().collect()
}

#[test]
fn every_sampled_cjk_word_finds_exactly_the_observations_containing_it() {
    let corpus = load();
    assert!(
        corpus.ids.len() >= 300,
        "fixture too small: {}",
        corpus.ids.len()
    );
    let bodies = || corpus.ids.values().cloned();
    let two = cjk_words(bodies(), 2);
    let three = cjk_words(bodies(), 3);
    let four = cjk_words(bodies(), 4);
    assert!(two.len() > 500, "{}", two.len());
    let mut checked = 0;
    for (words, step) in [
        (&two, two.len() / 60),
        (&three, three.len() / 15),
        (&four, four.len() / 10),
    ] {
        for word in words.iter().step_by(step.max(1)) {
            let want = corpus.expected(word);
            assert!(!want.is_empty());
            let got = corpus.search(word);
            assert_eq!(got, want, "query {word}");
            checked += 1;
        }
    }
    assert!(checked >= 80, "{checked}");
    // Common words, in Chinese and in Japanese.
    for word in ["显示", "表示", "管理", "ファイル"] {
        let want = corpus.expected(word);
        if !want.is_empty() {
            assert_eq!(corpus.search(word), want, "query {word}");
        }
    }
}

#[test]
fn latin_mixed_with_cjk_is_found() {
    let corpus = load();
    // Runs like "GNOME下的" or "Chewing入力" in the real text.
    let mut mixed = Vec::new();
    for body in corpus.ids.values() {
        let chars: Vec<char> = body.chars().collect();
        for i in 1..chars.len().saturating_sub(1) {
            if chars[i - 1].is_ascii_alphabetic() && is_cjk(chars[i]) && is_cjk(chars[i + 1]) {
                let start = chars[..i]
                    .iter()
                    .rposition(|c| !c.is_ascii_alphanumeric())
                    .map_or(0, |p| p + 1);
                let latin: String = chars[start..i].iter().collect();
                let cjk: String = chars[i..i + 2].iter().collect();
                // A one- or two-letter word ("t", "on") may be a stopword,
                // which the query leaves out.
                if latin.len() >= 3 {
                    mixed.push((latin, cjk));
                }
            }
        }
    }
    assert!(mixed.len() >= 3, "{mixed:?}");
    for (latin, cjk) in mixed.iter().take(10) {
        let query = format!("{latin}{cjk}");
        let got = corpus.ranked(&query);
        let holder: BTreeSet<String> = corpus.expected(&query);
        assert!(!holder.is_empty());
        assert!(got.iter().any(|id| holder.contains(id)), "query {query}");
        // Observations holding both parts come first; others holding one
        // of them may follow.
        let both = |id: &String| {
            let text = corpus.text(id);
            text.contains(&latin.to_lowercase()) && text.contains(cjk.as_str())
        };
        let n = got.iter().take_while(|id| both(id)).count();
        assert!(
            got[n..].iter().all(|id| !both(id)),
            "query {query}: {got:?}"
        );
        assert!(
            holder.iter().all(|id| got[..n].contains(id)),
            "query {query}"
        );
        for id in &got {
            let text = corpus.text(id);
            assert!(
                text.contains(&latin.to_lowercase()) || text.contains(cjk.as_str()),
                "query {query} found {text}"
            );
        }
    }
}

#[test]
fn single_cjk_characters_and_short_queries_do_not_fail() {
    let corpus = load();
    let got = corpus.search("示");
    assert!(!got.is_empty());
    for id in &got {
        assert!(corpus.ids[id].contains('示'));
    }
    let rust = corpus.env.save("Rust语言的全文检索", &[]);
    assert!(corpus.env.ids(&["search", "语言"]).contains(&rust));
    assert!(corpus.env.ids(&["search", "Rust语言"]).contains(&rust));
    assert!(corpus.env.ids(&["search", "检索"]).contains(&rust));
}
