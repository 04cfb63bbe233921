use crate::common::{by_scope, TestEnv};

#[test]
fn get_by_id_and_unique_prefix() {
    let env = TestEnv::new();
    let id = env.save("get me by prefix", &["--title", "Prefix test"]);
    for p in [&id[..6], &id[..12], &id[..]] {
        let out = env.ok(&["get", p]);
        assert!(
            out.starts_with("---\nkind: note\ntitle: Prefix test\n"),
            "{out}"
        );
        assert!(out.trim_end().ends_with("get me by prefix"), "{out}");
    }
    let upper = id[..8].to_uppercase();
    assert!(env.ok(&["get", &upper]).contains("Prefix test"));
    let v = env.json(&["get", &id[..8], "--json"]);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["short_id"], &id[..12]);
    assert_eq!(v["body"], "get me by prefix");
    // The user scope is encrypted: the file's name is opaque.
    let path = v["path"].as_str().unwrap();
    assert!(
        path.starts_with("obs/2026/11/22/") && path.ends_with(".age") && !path.contains(&id[..12]),
        "{path}"
    );
}

#[test]
fn list_is_newest_first() {
    let env = TestEnv::new();
    let a = env.output_with(
        &[("MEM_NOW", "2026-11-01T00:00:00Z")],
        &["save", "older", "--json"],
    );
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let b = env.save("newer", &[]);
    assert_eq!(
        env.ids(&["list"]),
        vec![b.clone(), a["id"].as_str().unwrap().to_owned()]
    );
    let human = env.ok(&["list"]);
    let first = human.lines().next().unwrap();
    assert!(
        first.starts_with(&b[..12]) && first.contains("2026-11-22") && first.contains("newer"),
        "{first}"
    );
}

#[test]
fn log_shows_commits_across_scopes_and_version_chains() {
    let env = TestEnv::new();
    let a = env.save("version one", &["--key", "topic", "--scope", "local"]);
    let b = env.save("version two", &["--key", "topic", "--scope", "local"]);
    env.save("in the encrypted user scope", &[]);
    env.ok(&["delete", &b, "--reason", "wrong"]);
    let log = env.json(&["log", "--json"]);
    let log = log.as_array().unwrap();
    let messages: Vec<&str> = log.iter().map(|c| c["message"].as_str().unwrap()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("save {}", &a[..12]))),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with(&format!("delete {}", &b[..12]))),
        "{messages:?}"
    );
    // Commits of the encrypted user scope say only what kind of change.
    assert!(log
        .iter()
        .any(|c| c["scope"] == "user" && c["message"] == "mem: 1 saved"));
    assert!(log
        .iter()
        .all(|c| c["commit"].as_str().unwrap().len() == 40));
    let limited = env.json(&["log", "-n", "2", "--json"]);
    assert_eq!(limited.as_array().unwrap().len(), 2);

    let chain = env.json(&["log", &a[..8], "--json"]);
    let chain: Vec<&str> = chain
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(chain.len(), 2);
    assert!(chain.contains(&a.as_str()) && chain.contains(&b.as_str()));
    let human = env.ok(&["log", &b]);
    assert!(
        human.contains("deleted 2026-11-22T10:00:00Z by tester: wrong"),
        "{human}"
    );
    assert!(
        human.contains(&format!("supersedes {}", &a[..12])),
        "{human}"
    );
}

#[test]
fn stats_count_live_superseded_and_deleted() {
    let env = TestEnv::new();
    env.save("s1", &["--key", "k"]);
    env.save("s2", &["--key", "k"]);
    let d = env.save("gone", &["--kind", "bug"]);
    env.ok(&["delete", &d]);
    env.save("local one", &["--scope", "local", "--kind", "decision"]);
    let v = env.json(&["stats", "--json"]);
    let user = by_scope(&v["scopes"], "user");
    assert_eq!(user["live"], 1);
    assert_eq!(user["superseded"], 1);
    assert_eq!(user["deleted"], 1);
    assert_eq!(user["tombstones"], 1);
    let kinds = v["kinds"].as_array().unwrap();
    assert!(kinds
        .iter()
        .any(|k| k["kind"] == "decision" && k["live"] == 1));
    assert!(v["index_bytes"].as_u64().unwrap() > 0);
    let human = env.ok(&["stats"]);
    assert!(
        human.contains("user") && human.contains("kinds (live):"),
        "{human}"
    );
}

#[test]
fn human_output_of_get_and_list() {
    let env = TestEnv::new();
    let id = env.save(
        "Snapshot body\n\nsecond paragraph",
        &[
            "--title", "Snapshot", "--kind", "decision", "--tag", "x", "--key", "k",
        ],
    );
    env.save("another", &["--tag", "x"]);
    insta::assert_snapshot!(env.ok(&["get", &id]), @r"
    ---
    kind: decision
    title: Snapshot
    key: k
    tags:
    - x
    importance: 3
    supersedes: []
    created: 2026-11-22T10:00:00Z
    author: tester
    device: testbox
    ---
    Snapshot body

    second paragraph
    ");
    insta::assert_snapshot!(env.ok(&["list"]), @r"
    8ec8400c5a9b  2026-11-22  decision  user     Snapshot
    c70de894c839  2026-11-22  note      user     another
    ");
}
