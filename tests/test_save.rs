use crate::common::{git, TestEnv};

fn commits(env: &TestEnv, scope: &str) -> usize {
    git(&env.scope_repo(scope), &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn save_writes_a_date_sharded_content_addressed_file() {
    let env = TestEnv::new();
    let v = env.json(&[
        "save",
        "Prefer bigrams for CJK\n\nTrigram misses two-character words.",
        "--scope",
        "local",
        "--json",
    ]);
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    assert_eq!(v["scope"], "local");
    assert_eq!(v["status"], "saved");
    let path = format!("obs/2026/11/22/{id}.md");
    assert_eq!(v["path"], path.as_str());
    assert!(env.tree_paths("local").contains(&path));
    let file = git(&env.scope_repo("local"), &["show", &format!("main:{path}")]);
    assert!(
        file.starts_with("---\nkind: note\ntitle: Prefer bigrams for CJK\n"),
        "{file}"
    );
    assert!(file.contains("created: 2026-11-22T10:00:00Z"), "{file}");
    assert!(file.contains("author: tester\ndevice: testbox\n"), "{file}");
    assert!(
        file.ends_with("---\nPrefer bigrams for CJK\n\nTrigram misses two-character words.\n"),
        "{file}"
    );
    let human = env.ok(&["save", "another one"]);
    assert!(
        human.starts_with("saved ") && human.trim_end().ends_with("in user"),
        "{human}"
    );
}

#[test]
fn save_from_stdin() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["save", "--stdin", "--json"])
        .write_stdin("line one from a pipe\nline two\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = env.json(&["get", v["id"].as_str().unwrap(), "--json"]);
    assert_eq!(got["title"], "line one from a pipe");
    assert_eq!(got["body"], "line one from a pipe\nline two");
}

#[test]
fn every_save_flag_reaches_the_file() {
    let env = TestEnv::new();
    let old = env.save("old approach", &["--scope", "local"]);
    let id = env.save(
        "Use the FTS5 bm25 ranking",
        &[
            "--title",
            "Ranking",
            "--summary",
            "bm25 first",
            "--kind",
            "decision",
            "--tag",
            "sqlite",
            "--tag",
            "search",
            "--key",
            "search/ranking",
            "--scope",
            "local",
            "--project",
            "github.com/acme/api",
            "--importance",
            "5",
            "--file",
            "src/index.rs",
            "--file",
            "src/a.rs",
            "--supersedes",
            &old[..8],
            "--agent",
            "claude-code",
            "--session",
            "sess-1",
        ],
    );
    let v = env.json(&["get", &id[..10], "--json"]);
    assert_eq!(v["title"], "Ranking");
    assert_eq!(v["summary"], "bm25 first");
    assert_eq!(v["kind"], "decision");
    assert_eq!(v["tags"], serde_json::json!(["search", "sqlite"]));
    assert_eq!(v["key"], "search/ranking");
    assert_eq!(v["scope"], "local");
    assert_eq!(v["project"], "github.com/acme/api");
    assert_eq!(v["importance"], 5);
    assert_eq!(v["files"], serde_json::json!(["src/a.rs", "src/index.rs"]));
    assert_eq!(v["supersedes"], serde_json::json!([old]));
    assert_eq!(v["agent"], "claude-code");
    assert_eq!(v["session"], "sess-1");
    let old_v = env.json(&["get", &old, "--json"]);
    assert_eq!(old_v["superseded"], true);
    assert_eq!(old_v["superseded_by"], serde_json::json!([id]));
}

#[test]
fn saving_twice_is_a_no_op_with_the_same_id() {
    let env = TestEnv::new();
    let a = env.save("idempotent memory", &["--tag", "x", "--agent", "codex"]);
    let before = commits(&env, "user");
    let v = env.json(&[
        "save",
        "idempotent memory",
        "--tag",
        "x",
        "--agent",
        "gemini",
        "--session",
        "other",
        "--json",
    ]);
    assert_eq!(v["id"], a.as_str());
    assert_eq!(v["status"], "unchanged");
    assert_eq!(commits(&env, "user"), before);
    // Different content is a different id.
    assert_ne!(env.save("idempotent memory", &["--tag", "y"]), a);
}

#[test]
fn a_key_keeps_one_live_observation_per_topic() {
    let env = TestEnv::new();
    let a = env.save("tokenizer is trigram", &["--key", "search/tokenizer"]);
    let b = env.save("tokenizer is bigram", &["--key", "search/tokenizer"]);
    let v = env.json(&["get", &b, "--json"]);
    assert_eq!(v["supersedes"], serde_json::json!([a]));
    // Saving b's text again changes nothing, although the key now points at b.
    let again = env.json(&[
        "save",
        "tokenizer is bigram",
        "--key",
        "search/tokenizer",
        "--json",
    ]);
    assert_eq!(again["status"], "unchanged");
    assert_eq!(again["id"], b.as_str());
    let live = env.ids(&["list"]);
    assert_eq!(live, vec![b.clone()]);
    // The same key in another scope is another topic.
    let c = env.save(
        "tokenizer is bigram",
        &["--key", "search/tokenizer", "--scope", "local"],
    );
    assert_eq!(
        env.json(&["get", &c, "--json"])["supersedes"],
        serde_json::json!([])
    );
}

#[test]
fn private_spans_never_reach_git() {
    let env = TestEnv::new();
    // In the plaintext local scope, where encryption cannot hide it.
    let id = env.save(
        "deploy with <private>password hunter2</private> the usual script",
        &[
            "--title",
            "Deploy <private>hunter2</private> notes",
            "--scope",
            "local",
        ],
    );
    let v = env.json(&["get", &id, "--json"]);
    assert_eq!(v["body"], "deploy with  the usual script");
    assert_eq!(v["title"], "Deploy notes");
    let objects = git(
        &env.scope_repo("local"),
        &["cat-file", "--batch-all-objects", "--batch"],
    );
    assert!(!objects.contains("hunter2"));
    let stderr = env.fails(&["save", "<private>only secret</private>"], 1);
    assert!(stderr.contains("nothing to save"), "{stderr}");
}

#[test]
fn secrets_are_refused_for_plaintext_scopes() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let before = commits(&env, "local");
    for secret in [
        "aws AKIAIOSFODNN7EXAMPLE here",
        "token ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "gitlab glpat-abcdefghij0123456789",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
        "slack xoxb-123456789012-abcdefABCDEF",
    ] {
        let stderr = env.fails(&["save", "--scope", "local", "--", secret], 1);
        assert!(
            stderr.contains("looks like it contains a secret"),
            "{stderr}"
        );
        assert!(stderr.contains("--allow-secrets"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(commits(&env, "local"), before);
    env.save(
        "aws AKIAIOSFODNN7EXAMPLE here",
        &["--allow-secrets", "--scope", "local"],
    );
    assert_eq!(commits(&env, "local"), before + 1);
}

#[test]
fn secrets_in_encrypted_scopes_are_saved_with_a_warning() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let before = commits(&env, "user");
    let out = env.output(&[
        "save",
        "--",
        "token ghp_0123456789abcdefghijABCDEFGHIJ012345",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("looks like it contains a secret") && stderr.contains("saved encrypted"),
        "{stderr}"
    );
    assert_eq!(commits(&env, "user"), before + 1);
    let objects = git(
        &env.scope_repo("user"),
        &["cat-file", "--batch-all-objects", "--batch"],
    );
    assert!(!objects.contains("ghp_0123456789"));
}

#[test]
fn project_comes_from_the_git_origin_of_the_cwd() {
    let env = TestEnv::new();
    let repo = env.cwd.path().join("api");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &["remote", "add", "origin", "git@github.com:Acme/api.git"],
    );
    let id = env
        .mem()
        .current_dir(repo.join("src"))
        .args(["save", "in the api repo", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&id.stdout).unwrap();
    let got = env.json(&["get", v["id"].as_str().unwrap(), "--json"]);
    assert_eq!(got["project"], "github.com/Acme/api");
    let global = env
        .mem()
        .current_dir(&repo)
        .args(["save", "global note", "--global", "--json"])
        .output()
        .unwrap();
    let g: serde_json::Value = serde_json::from_slice(&global.stdout).unwrap();
    assert_eq!(
        env.json(&["get", g["id"].as_str().unwrap(), "--json"])["project"],
        serde_json::Value::Null
    );
}

#[test]
fn unknown_front_matter_fields_are_kept_and_shown() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let text = "---\nkind: ritual\ntitle: Hand written\ncreated: 2026-11-20T08:00:00Z\nmood: curious\nlinks:\n- https://example.com\n---\nA note written by hand.\n";
    env.commit_externally("user", &[("obs/2026/11/20/hand.md", text)], &[]);
    let hits = env.json(&["search", "hand", "--json"]);
    let id = hits[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(hits[0]["kind"], "ritual");
    let v = env.json(&["get", &id, "--json"]);
    assert_eq!(v["extra"]["mood"], "curious");
    assert_eq!(
        v["extra"]["links"],
        serde_json::json!(["https://example.com"])
    );
    let shown = env.ok(&["get", &id]);
    assert!(shown.contains("mood: curious"), "{shown}");
}
