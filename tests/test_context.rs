//! `mem context`: the session-start block — ranking, budget, project,
//! merge records first, determinism.

use crate::common::{bare_remote, TestEnv};

fn context(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["context"];
    all.extend_from_slice(args);
    all.push("--json");
    env.json(&all)
}

fn titles(v: &serde_json::Value) -> Vec<String> {
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn ranks_by_importance_then_keys_and_decisions_then_query_then_recency() {
    let env = TestEnv::new();
    env.save("plain note, older", &["--title", "plain old"]);
    env.save(
        "the deploy runbook",
        &["--title", "vital", "--importance", "5"],
    );
    env.save(
        "we chose postgres",
        &["--title", "decided", "--kind", "decision"],
    );
    env.save(
        "cache ttl is 5m",
        &["--title", "keyed", "--key", "cache/ttl"],
    );
    env.save("cache warmers run hourly", &["--title", "about cache"]);
    env.save("trivia", &["--title", "unimportant", "--importance", "1"]);
    let old = env.save("superseded text", &["--title", "replaced", "--key", "x"]);
    env.save("newer text", &["--title", "replacement", "--key", "x"]);
    let gone = env.save("deleted text", &["--title", "deleted one"]);
    env.ok(&["delete", &gone]);
    let v = context(&env, &[]);
    let t = titles(&v);
    assert_eq!(t[0], "vital", "{t:?}");
    let pos = |name: &str| t.iter().position(|x| x == name).unwrap();
    assert!(
        pos("decided") < pos("plain old") && pos("keyed") < pos("about cache"),
        "{t:?}"
    );
    assert_eq!(t.last().unwrap(), "unimportant", "{t:?}");
    assert!(!t.contains(&"replaced".to_owned()) && !t.contains(&"deleted one".to_owned()));
    assert!(!v["markdown"].as_str().unwrap().contains(&old[..12]));
    // A query lifts what matches it among equals.
    let q = titles(&context(&env, &["--query", "warmers"]));
    assert!(
        q.iter().position(|x| x == "about cache").unwrap()
            < q.iter().position(|x| x == "plain old").unwrap(),
        "{q:?}"
    );
    // Deterministic: the same store gives the same block.
    assert_eq!(env.ok(&["context"]), env.ok(&["context"]));
    // Every entry carries its short id for `mem get`, in Markdown without tags.
    let md = env.ok(&["context"]);
    for e in v["entries"].as_array().unwrap() {
        assert!(
            md.contains(&format!("`{}`", e["short_id"].as_str().unwrap())),
            "{md}"
        );
    }
    assert!(
        md.starts_with("# Memories from mem") && !md.contains('<'),
        "{md}"
    );
}

#[test]
fn fits_the_budget_without_cutting_an_entry() {
    let env = TestEnv::new();
    for i in 0..40 {
        env.save(
            &format!(
                "observation number {i} with a body long enough to take some room in the block, {}",
                "words ".repeat(20)
            ),
            &["--title", &format!("entry {i:02}")],
        );
    }
    let v = context(&env, &["--budget", "1000"]);
    let md = v["markdown"].as_str().unwrap();
    assert!(md.chars().count() <= 1000, "{}", md.chars().count());
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty() && v["omitted"].as_u64().unwrap() > 0);
    for e in entries {
        assert!(md.contains(e["text"].as_str().unwrap()), "entry cut: {e}");
        assert!(md.contains(&format!("`{}`", e["short_id"].as_str().unwrap())));
    }
    let full = entries.iter().filter(|e| e["full"] == true).count();
    assert_eq!(md.matches("\n- **").count(), full);
    assert_eq!(md.matches("\n- `").count(), entries.len() - full);
    let big = context(&env, &[]);
    assert!(big["entries"].as_array().unwrap().len() > entries.len());
    assert!(big["markdown"].as_str().unwrap().chars().count() <= 8000);
    let stderr = env.fails(&["context", "--budget", "10"], 2);
    assert!(stderr.contains("--budget"), "{stderr}");
}

#[test]
fn covers_the_project_and_project_less_memories_only() {
    let env = TestEnv::new();
    env.save(
        "for the api",
        &["--title", "api note", "--project", "github.com/acme/api"],
    );
    env.save(
        "for the web",
        &["--title", "web note", "--project", "github.com/acme/web"],
    );
    env.save("everywhere", &["--title", "global note", "--global"]);
    let t = titles(&context(&env, &["--project", "github.com/acme/api"]));
    assert!(t.contains(&"api note".to_owned()) && t.contains(&"global note".to_owned()));
    assert!(!t.contains(&"web note".to_owned()), "{t:?}");
    let md = env.ok(&["context", "--project", "github.com/acme/api"]);
    assert!(md.contains("github.com/acme/api"), "{md}");
}

#[test]
fn unresolved_merge_records_come_first_with_both_titles() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("laptop");
    let b = TestEnv::device("desktop");
    a.ok(&["init", "--remote", &url]);
    a.ok(&["sync"]);
    b.ok(&["init", "--remote", &url]);
    a.save_id(&[
        "deploys go through ArgoCD",
        "--key",
        "deploy/tool",
        "--importance",
        "5",
    ]);
    b.save_id(&["deploys go through Flux", "--key", "deploy/tool"]);
    a.mem().arg("sync").output().unwrap();
    b.mem().arg("sync").output().unwrap();
    a.mem().arg("sync").output().unwrap();
    let md = a.ok(&["context"]);
    let records = md.find("## Unresolved merge records").expect(&md);
    let memories = md.find("## In full").expect(&md);
    assert!(records < memories, "{md}");
    let line = md[records..memories].to_owned();
    assert!(
        line.contains("deploys go through ArgoCD")
            && line.contains("deploys go through Flux")
            && line.contains("mem conflicts resolve"),
        "{line}"
    );
}

#[test]
fn nothing_set_up_gives_an_empty_block_and_creates_nothing() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["context"]), "");
    assert_eq!(std::fs::read_dir(env.home.path()).unwrap().count(), 0);
}

/// A store whose block is the same on every run: fixed clock, user and
/// device, so fixed ids.
fn snapshot_store(env: &TestEnv) {
    let save = |when: &str, body: &str, args: &[&str]| {
        let mut all = vec!["save", body];
        all.extend_from_slice(args);
        env.mem().env("MEM_NOW", when).args(&all).assert().success();
    };
    save(
        "2026-11-21T09:00:00Z",
        "Deploys go through ArgoCD; never kubectl apply by hand.",
        &[
            "--title",
            "How we deploy",
            "--kind",
            "decision",
            "--importance",
            "5",
        ],
    );
    save(
        "2026-11-20T10:00:00Z",
        "The staging API listens on port 8443 behind the VPN.",
        &[
            "--title",
            "Staging API port",
            "--kind",
            "config",
            "--key",
            "staging-port",
        ],
    );
    save(
        "2026-11-22T09:30:00Z",
        "Flaky test in sync: the https server needs a second to start.",
        &["--title", "Flaky https test", "--kind", "bug"],
    );
    save(
        "2026-10-01T10:00:00Z",
        &"Notes from the index design review, long. ".repeat(30),
        &["--title", "Index design review"],
    );
    save(
        "2025-11-01T10:00:00Z",
        "Prefer ripgrep to grep in scripts.",
        &["--title", "Use ripgrep", "--kind", "pattern"],
    );
    save(
        "2026-11-22T09:59:30Z",
        "日本語のメモ：検索は二文字ずつ。",
        &["--title", "CJK search note"],
    );
}

#[test]
fn the_session_start_block_is_an_index_after_the_best_three() {
    let env = TestEnv::new();
    snapshot_store(&env);
    let v = context(&env, &[]);
    let md = v["markdown"].as_str().unwrap();
    insta::assert_snapshot!("context_block", md);
    // The header states the block's own estimate, as the JSON does.
    let tokens = v["tokens"].as_u64().unwrap();
    assert!(md
        .lines()
        .next()
        .unwrap()
        .ends_with(&format!("~{tokens} tokens")));
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.iter().filter(|e| e["full"] == true).count(), 3);
    // The long memory is listed with what expanding it would cost.
    let long = entries
        .iter()
        .find(|e| e["title"] == "Index design review")
        .unwrap();
    assert_eq!(long["full"], false);
    assert!(long["tokens"].as_u64().unwrap() > 300, "{long}");
    assert!(md.contains(&format!("~{} tokens", long["tokens"])));
    // The session-start hook injects the same block.
    let hook = env
        .mem()
        .args(["hook", "run", "claude-code", "SessionStart"])
        .write_stdin("{\"session_id\":\"s1\"}")
        .output()
        .unwrap();
    let out: serde_json::Value = serde_json::from_slice(&hook.stdout).unwrap();
    assert_eq!(out["hookSpecificOutput"]["additionalContext"], md);
}

#[test]
fn a_tight_budget_keeps_the_index_short() {
    let env = TestEnv::new();
    snapshot_store(&env);
    let v = context(&env, &["--budget", "720"]);
    let md = v["markdown"].as_str().unwrap();
    insta::assert_snapshot!("context_block_720", md);
    assert!(md.chars().count() <= 720);
    assert!(v["omitted"].as_u64().unwrap() > 0);
}
