use crate::common::TestEnv;

fn setup() -> (TestEnv, [String; 3]) {
    let env = TestEnv::new();
    let a = env.save(
        "The index uses SQLite FTS5 with bm25 ranking",
        &[
            "--title",
            "Search index design",
            "--kind",
            "decision",
            "--tag",
            "search",
        ],
    );
    let b = env.save(
        "Deploys run from the release branch every Friday",
        &["--kind", "config", "--tag", "ops"],
    );
    let c = env.save(
        "Indexing is incremental: only changed paths are re-read",
        &["--kind", "pattern", "--tag", "search", "--scope", "local"],
    );
    (env, [a, b, c])
}

#[test]
fn finds_by_words_and_stems() {
    let (env, [a, b, c]) = setup();
    assert_eq!(env.ids(&["search", "friday"]), vec![b.clone()]);
    let hits = env.ids(&["search", "index"]);
    assert!(hits.contains(&a) && hits.contains(&c), "{hits:?}");
    assert!(!hits.contains(&b));
    // All words must match when some observation has them all…
    assert_eq!(
        env.ids(&["search", "incremental", "paths"]),
        vec![c.clone()]
    );
    // …otherwise any word may.
    let any = env.ids(&["search", "friday", "bm25"]);
    assert_eq!(any.len(), 2, "{any:?}");
}

#[test]
fn title_matches_rank_above_body_matches() {
    let env = TestEnv::new();
    let body = env.save(
        "we talked about the weather and then about caching at length",
        &["--title", "Meeting notes"],
    );
    let title = env.save("short", &["--title", "Caching strategy"]);
    assert_eq!(env.ids(&["search", "caching"]), vec![title, body]);
}

#[test]
fn filters_narrow_results() {
    let (env, [a, b, c]) = setup();
    assert_eq!(
        env.ids(&["search", "index", "--scope", "local"]),
        vec![c.clone()]
    );
    assert_eq!(
        env.ids(&["search", "index", "--kind", "decision"]),
        vec![a.clone()]
    );
    assert_eq!(env.ids(&["list", "--tag", "ops"]), vec![b.clone()]);
    assert_eq!(env.ids(&["list", "--limit", "1"]).len(), 1);
    assert_eq!(
        env.ids(&["search", "index", "--scope", "user", "--scope", "local"])
            .len(),
        2
    );
}

#[test]
fn project_filter_and_all_projects() {
    let env = TestEnv::new();
    let api = env.save("api uses postgres", &["--project", "github.com/acme/api"]);
    let web = env.save(
        "web uses postgres too",
        &["--project", "github.com/acme/web"],
    );
    let global = env.save("postgres tips for everyone", &["--global"]);
    let mut in_api = env.ids(&["search", "postgres", "--project", "github.com/acme/api"]);
    in_api.sort();
    let mut want = vec![api.clone(), global.clone()];
    want.sort();
    assert_eq!(in_api, want);
    // Outside any repository only project-less observations show…
    assert_eq!(env.ids(&["search", "postgres"]), vec![global.clone()]);
    // …unless every project is asked for.
    assert_eq!(env.ids(&["search", "postgres", "--all-projects"]).len(), 3);
    assert!(env.ids(&["list", "--all-projects"]).contains(&web));
}

#[test]
fn since_filters_by_creation_time() {
    let env = TestEnv::new();
    let old = env.output_with(
        &[("MEM_NOW", "2026-01-05T00:00:00Z")],
        &["save", "old rollout note", "--json"],
    );
    let old: serde_json::Value = serde_json::from_slice(&old.stdout).unwrap();
    let new = env.save("new rollout note", &[]);
    assert_eq!(
        env.ids(&["search", "rollout", "--since", "2026-11-01"]),
        vec![new.clone()]
    );
    assert_eq!(
        env.ids(&["search", "rollout", "--since", "30d"]),
        vec![new.clone()]
    );
    assert_eq!(
        env.ids(&["list", "--since", "2026-01-01T00:00:00Z"]).len(),
        2
    );
    assert!(env
        .ids(&["list", "--since", "2025-12-31"])
        .contains(&old["id"].as_str().unwrap().to_owned()));
}

#[test]
fn superseded_and_deleted_are_hidden_unless_all() {
    let env = TestEnv::new();
    let v1 = env.save("retry policy: 3 attempts", &["--key", "retry"]);
    let v2 = env.save("retry policy: 5 attempts", &["--key", "retry"]);
    let gone = env.save("retry storm postmortem", &[]);
    env.ok(&["delete", &gone]);
    assert_eq!(env.ids(&["search", "retry"]), vec![v2.clone()]);
    let all = env.json(&["search", "retry", "--all", "--json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3);
    let by_id = |id: &str| all.iter().find(|o| o["id"] == id).unwrap().clone();
    assert_eq!(by_id(&v1)["superseded"], true);
    assert_eq!(by_id(&gone)["deleted"], true);
    assert_eq!(by_id(&v2)["superseded"], false);
    let human = env.ok(&["list", "--all"]);
    assert!(
        human.contains("[superseded]") && human.contains("[deleted]"),
        "{human}"
    );
}

#[test]
fn fts_syntax_is_searched_as_text() {
    let env = TestEnv::new();
    let id = env.save("config says \"foo and a AND ( then * and NEAR( end", &[]);
    env.save("unrelated text", &[]);
    for q in [
        "\"foo",
        "a AND (",
        "NEAR(",
        "foo)",
        "-x OR",
        "title:foo",
        "^foo",
    ] {
        let out = env.output(&["search", "--json", "--", q]);
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.ids(&["search", "\"foo"]), vec![id.clone()]);
    assert_eq!(env.ids(&["search", "NEAR("]), vec![id.clone()]);
    // A query without letters is looked for literally.
    assert_eq!(env.ids(&["search", "*"]), vec![id.clone()]);
    assert!(env.ids(&["search", "%"]).is_empty());
}

#[test]
fn human_output_has_snippets_and_no_colour_off_a_terminal() {
    let (env, [_, b, _]) = setup();
    let out = env.ok(&["search", "friday"]);
    assert!(out.contains(&b[..12]), "{out}");
    assert!(out.contains("every Friday"), "{out}");
    assert!(!out.contains('\x1b'), "{out:?}");
    let json = env.json(&["search", "friday", "--json"]);
    assert!(json[0]["snippet"].as_str().unwrap().contains("Friday"));
    assert!(json[0]["rank"].is_number());
    let none = env.output(&["search", "nonexistentword"]);
    assert!(none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("nothing found"));
}

#[test]
fn the_same_observation_in_two_scopes_shows_once() {
    let env = TestEnv::new();
    let a = env.save("shared wisdom about caches", &["--scope", "user"]);
    let b = env.save("shared wisdom about caches", &["--scope", "local"]);
    assert_eq!(a, b);
    let hits = env.json(&["search", "caches", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["also_in"].as_array().unwrap().len(), 1);
}

#[test]
fn questions_find_answers_lacking_their_function_words() {
    let env = TestEnv::new();
    let answer = env.save(
        "Melanie signed up for a pottery class on 2 July",
        &["--title", "Pottery"],
    );
    let other = env.save("The class diagram of the parser", &[]);
    let echo = env.save(
        "When did Melanie sign up for the pottery class? Ask her.",
        &[],
    );
    // "when", "did", "for", "the" leave the question: the answer, which
    // lacks them, is found beside the observation that repeats them.
    let got = env.ids(&["search", "When did Melanie sign up for the pottery class?"]);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.contains(&answer) && got.contains(&echo));
    assert_eq!(got[2], other);
    // A query of stopwords only is searched as typed.
    let the = env.save("what it is and why", &[]);
    assert_eq!(env.ids(&["search", "what is it"]), vec![the]);
}

#[test]
fn holding_every_word_ranks_first_but_any_word_is_enough() {
    let env = TestEnv::new();
    let mut one_word = Vec::new();
    for i in 0..12 {
        one_word.push(env.save(&format!("release notes number {i}"), &[]));
    }
    let both = env.save("the release checklist for the deploy", &[]);
    let got = env.ids(&["search", "release deploy", "--limit", "10"]);
    // The limit is filled although only one observation has both words…
    assert_eq!(got.len(), 10, "{got:?}");
    // …and that one comes first, though "release" weighs little there.
    assert_eq!(got[0], both);
    assert!(got[1..].iter().all(|id| one_word.contains(id)));
}

#[test]
fn quoted_phrases_must_match_as_written() {
    let env = TestEnv::new();
    let exact = env.save("the job ran out of memory at night", &[]);
    let apart = env.save("memory ran out; the job stopped", &[]);
    let got = env.ids(&["search", "\"out of memory\""]);
    assert_eq!(got, vec![exact.clone()]);
    // Words beside a phrase rank; the phrase still filters.
    let got = env.ids(&["search", "\"out of memory\" night"]);
    assert_eq!(got, vec![exact.clone()]);
    let got = env.ids(&["search", "\"out of memory\" stopped"]);
    assert_eq!(got, vec![exact]);
    // Unquoted, both match.
    assert_eq!(env.ids(&["search", "out of memory"]).len(), 2);
    let _ = apart;
}

#[test]
fn a_phrase_no_observation_holds_falls_back_to_its_words_and_says_so() {
    let env = TestEnv::new();
    let book = env.save(
        "Melanie read the book Nothing Is Ever Impossible last spring",
        &[],
    );
    let other = env.save("The garden needs water every morning", &[]);
    // Nobody wrote the phrase as quoted: its words still find the book.
    let out = env
        .mem()
        .args([
            "search",
            "--json",
            "When did Melanie read \"nothing is impossible\"?",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let hits: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = hits.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, vec![book.as_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no observation holds \"nothing is impossible\""),
        "{stderr}"
    );
    // A phrase some observation holds still filters, silently.
    let out = env
        .mem()
        .args(["search", "\"every morning\" book"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    assert_eq!(env.ids(&["search", "\"every morning\" book"]), vec![other]);
    // A phrase of words no observation holds finds nothing, still exit 0.
    assert!(env.ids(&["search", "\"zebra quartz\""]).is_empty());
}
