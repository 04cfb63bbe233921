use crate::common::{git, TestEnv};

/// An "editor": a shell command that rewrites the file with sed.
fn sed_editor(expr: &str) -> String {
    format!("sed -i -e '{expr}'")
}

#[test]
fn edit_saves_a_superseding_observation() {
    let env = TestEnv::new();
    let old = env.save(
        "the cache TTL is 60 seconds",
        &["--tag", "cache", "--scope", "local"],
    );
    let out = env
        .mem()
        .env("EDITOR", sed_editor("s/60 seconds/5 minutes/"))
        .args(["edit", &old[..8], "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let new = v["id"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(v["scope"], "local");
    let got = env.json(&["get", new, "--json"]);
    assert_eq!(got["body"], "the cache TTL is 5 minutes");
    assert_eq!(got["supersedes"], serde_json::json!([old]));
    assert_eq!(got["tags"], serde_json::json!(["cache"]));
    assert_eq!(env.ids(&["search", "cache"]), vec![new.to_owned()]);
    assert_eq!(env.json(&["get", &old, "--json"])["superseded"], true);
}

#[test]
fn edit_without_changes_saves_nothing() {
    let env = TestEnv::new();
    let id = env.save("stable fact", &[]);
    let before = git(&env.scope_repo("user"), &["rev-list", "--count", "main"]);
    let out = env
        .mem()
        .env("EDITOR", "true")
        .args(["edit", &id])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no changes"));
    assert_eq!(
        git(&env.scope_repo("user"), &["rev-list", "--count", "main"]),
        before
    );
}

#[test]
fn edit_with_broken_front_matter_keeps_the_text() {
    let env = TestEnv::new();
    let id = env.save("fact to edit", &[]);
    let out = env
        .mem()
        .env("EDITOR", sed_editor("s/^title: .*/title: [unclosed/"))
        .args(["edit", &id])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot be read") && stderr.contains("kept at"),
        "{stderr}"
    );
    let kept = stderr.split("kept at ").nth(1).unwrap().trim();
    assert!(std::fs::read_to_string(kept).unwrap().contains("[unclosed"));
    assert_eq!(env.ids(&["list"]), vec![id]);
}

#[test]
fn edit_with_a_failing_editor_saves_nothing() {
    let env = TestEnv::new();
    let id = env.save("fact", &[]);
    let stderr = env
        .mem()
        .env("EDITOR", "false")
        .args(["edit", &id])
        .output()
        .unwrap();
    assert_eq!(stderr.status.code(), Some(1));
    assert_eq!(env.ids(&["list"]), vec![id]);
}

#[test]
fn delete_writes_a_tombstone_with_reason() {
    let env = TestEnv::new();
    let id = env.save("to be deleted", &["--scope", "local"]);
    let v = env.json(&["delete", &id[..7], "--reason", "obsolete", "--json"]);
    assert_eq!(v["deleted_in"], serde_json::json!(["local"]));
    let tomb = git(
        &env.scope_repo("local"),
        &["show", &format!("main:tomb/{id}.yaml")],
    );
    assert!(tomb.contains(&format!("id: {id}")), "{tomb}");
    assert!(
        tomb.contains("reason: obsolete")
            && tomb.contains("author: tester")
            && tomb.contains("deleted: 2026-11-22T10:00:00Z"),
        "{tomb}"
    );
    // The observation file stays: history is never rewritten.
    assert!(env
        .tree_paths("local")
        .contains(&format!("obs/2026/11/22/{id}.md")));
    assert!(env.ids(&["list"]).is_empty());
    assert!(env.ids(&["search", "deleted"]).is_empty());
    let again = env.ok(&["delete", &id]);
    assert!(again.contains("already deleted"), "{again}");
    let get = env.output(&["get", &id]);
    assert!(get.status.success());
    assert!(String::from_utf8_lossy(&get.stderr).contains("is deleted"));
    // Saving the same text again restores it.
    let r = env.json(&["save", "to be deleted", "--scope", "local", "--json"]);
    assert_eq!(r["status"], "restored");
    assert_eq!(env.ids(&["list"]), vec![id.clone()]);
    assert!(!env.tree_paths("local").contains(&format!("tomb/{id}.yaml")));
}

#[test]
fn delete_only_from_one_scope() {
    let env = TestEnv::new();
    let id = env.save("in both", &["--scope", "user"]);
    env.save("in both", &["--scope", "local"]);
    env.ok(&["delete", &id, "--scope", "local"]);
    let v = env.json(&["list", "--scope", "user", "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(env.ids(&["list", "--scope", "local"]).is_empty());
    let stderr = env.fails(&["delete", &id, "--scope", "team/nope"], 2);
    assert!(stderr.contains("no scope 'team/nope'"), "{stderr}");
}

#[test]
fn deleting_an_edit_brings_back_the_version_it_replaced() {
    let env = TestEnv::new();
    let v1 = env.save("port is 8080", &["--key", "port"]);
    let v2 = env.save("port is 9090", &["--key", "port"]);
    assert_eq!(env.ids(&["list"]), vec![v2.clone()]);
    env.ok(&["delete", &v2, "--reason", "that change was reverted"]);
    assert_eq!(env.ids(&["list"]), vec![v1.clone()]);
    assert_eq!(env.json(&["get", &v1, "--json"])["superseded"], false);
}
