//! Concurrent edits become merge records; each kind, each resolution.

use crate::common::{bare_remote, Device, TestEnv};

fn json(d: &Device, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&d.ok(args)).unwrap()
}

fn save(d: &Device, args: &[&str]) -> String {
    let mut a = vec!["save"];
    a.extend_from_slice(args);
    a.push("--json");
    json(d, &a)["id"].as_str().unwrap().to_owned()
}

/// Two synced devices sharing one remote.
fn pair() -> (tempfile::TempDir, Device, Device) {
    let tmp = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("laptop");
    let b = TestEnv::device("desktop");
    a.ok(&["init", "--remote", &url]);
    a.ok(&["sync"]);
    b.ok(&["init", "--remote", &url]);
    (tmp, a, b)
}

/// Sync both ways; returns the exit code of the last sync.
fn sync_all(a: &Device, b: &Device) -> Option<i32> {
    a.mem().arg("sync").output().unwrap();
    b.mem().arg("sync").output().unwrap();
    a.mem().arg("sync").output().unwrap().status.code()
}

fn open_conflicts(d: &Device) -> Vec<serde_json::Value> {
    let out = d
        .mem()
        .args(["conflicts", "list", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn concurrent_edits_become_one_fork_record_on_every_device() {
    let (_tmp, a, b) = pair();
    let base = save(&a, &["the cache TTL is 60s", "--key", "cache/ttl"]);
    sync_all(&a, &b);
    let va = save(&a, &["the cache TTL is 5m", "--key", "cache/ttl"]);
    let vb = save(&b, &["the cache TTL is 10m", "--key", "cache/ttl"]);
    assert_eq!(
        sync_all(&a, &b),
        Some(3),
        "sync exits 3 while conflicts are open"
    );
    let ca = open_conflicts(&a);
    let cb = open_conflicts(&b);
    assert_eq!(ca.len(), 1, "{ca:?}");
    assert_eq!(ca[0]["kind"], "fork");
    assert_eq!(ca[0]["base"], base.as_str());
    let mut want = vec![va.clone(), vb.clone()];
    want.sort();
    assert_eq!(ca[0]["competitors"], serde_json::json!(want));
    assert_eq!(
        ca[0]["id"], cb[0]["id"],
        "both devices name the same record"
    );
    let id = ca[0]["id"].as_str().unwrap().to_owned();
    // Nothing is hidden: both versions are live and marked.
    let hits = json(&a, &["search", "TTL", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 2);
    assert!(hits
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["conflict"] == id.as_str()));
    assert!(a.ok(&["list"]).contains("[conflict"));
    assert_eq!(
        a.mem().args(["conflicts"]).output().unwrap().status.code(),
        Some(3)
    );
    let shown = a.ok(&["conflicts", "show", &id[..8]]);
    assert!(
        shown.contains("the cache TTL is 5m") && shown.contains("the cache TTL is 10m"),
        "{shown}"
    );
    assert!(
        shown.contains("-the cache TTL is") || shown.contains("+the cache TTL is"),
        "{shown}"
    );
    assert!(
        shown.contains("laptop") && shown.contains("desktop"),
        "{shown}"
    );
    // Resolve on one device; the resolution syncs to the other.
    a.ok(&["conflicts", "resolve", &id[..8], "--keep", &vb[..8]]);
    assert_eq!(sync_all(&a, &b), Some(0));
    for d in [&a, &b] {
        assert!(open_conflicts(d).is_empty(), "{}", d.name);
        let live: Vec<String> = json(d, &["list", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(live, vec![vb.clone()], "{}", d.name);
    }
    let all = json(&b, &["conflicts", "list", "--all", "--json"]);
    assert_eq!(all[0]["resolved"], true);
    // In the encrypted user scope the record's name says nothing of it.
    let records: Vec<String> = a
        .env
        .tree_paths("user")
        .into_iter()
        .filter(|p| p.starts_with("conflicts/"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(
        records[0].ends_with(".age") && !records[0].contains(&id[..12]),
        "{records:?}"
    );
}

#[test]
fn same_key_saved_on_two_devices_is_a_key_conflict() {
    let (_tmp, a, b) = pair();
    let x = save(&a, &["deploys go through ArgoCD", "--key", "deploy/tool"]);
    let y = save(&b, &["deploys go through Flux", "--key", "deploy/tool"]);
    assert_eq!(sync_all(&a, &b), Some(3));
    let c = open_conflicts(&a);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0]["kind"], "key");
    assert_eq!(c[0]["key"], "deploy/tool");
    let id = c[0]["id"].as_str().unwrap().to_owned();
    b.mem().arg("sync").output().unwrap();
    b.ok(&["conflicts", "resolve", &id[..10], "--keep-all"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert!(open_conflicts(&a).is_empty());
    let live = json(&a, &["list", "--json"]);
    assert_eq!(
        live.as_array().unwrap().len(),
        2,
        "keep-all keeps both {x} {y}"
    );
}

#[test]
fn delete_on_one_side_edit_on_the_other() {
    let (_tmp, a, b) = pair();
    let base = save(&a, &["use postgres 14", "--key", "db"]);
    sync_all(&a, &b);
    a.ok(&["delete", &base, "--reason", "we moved off postgres"]);
    let edit = save(&b, &["use postgres 16", "--key", "db"]);
    assert_eq!(sync_all(&a, &b), Some(3));
    let c = open_conflicts(&a);
    let de = c
        .iter()
        .find(|c| c["kind"] == "delete-edit")
        .unwrap_or_else(|| panic!("{c:?}"));
    assert_eq!(de["base"], base.as_str());
    assert!(de["competitors"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(edit)));
    let id = de["id"].as_str().unwrap().to_owned();
    // An LLM-style merge command: anything that reads versions and prints Markdown.
    a.ok(&[
        "conflicts",
        "resolve",
        &id[..10],
        "--merge-command",
        "echo 'use postgres 16 (decided after the move)'",
    ]);
    let after = a.mem().arg("sync").output().unwrap();
    assert!(
        after.status.success(),
        "{}\n{}\n{}",
        String::from_utf8_lossy(&after.stderr),
        String::from_utf8_lossy(
            &a.mem()
                .args(["conflicts", "list", "--all", "--json"])
                .output()
                .unwrap()
                .stdout
        ),
        a.ok(&["list", "--all", "--json"])
    );
    let live = json(&a, &["list", "--json"]);
    assert_eq!(live.as_array().unwrap().len(), 1);
    assert_eq!(live[0]["title"], "use postgres 16 (decided after the move)");
    assert!(open_conflicts(&a).is_empty());
}

#[test]
fn a_merge_that_keeps_the_version_markers_is_titled_by_its_text() {
    let (_tmp, a, b) = pair();
    save(&a, &["cache for 5 minutes", "--key", "cache"]);
    sync_all(&a, &b);
    save(&a, &["cache for 10 minutes", "--key", "cache"]);
    save(&b, &["cache per user", "--key", "cache"]);
    sync_all(&a, &b);
    let id = open_conflicts(&a)[0]["id"].as_str().unwrap().to_owned();
    // A merge command that echoes what it got, separators and all.
    a.ok(&[
        "conflicts",
        "resolve",
        &id[..10],
        "--merge-command",
        "printf -- '---\\n'; cat",
    ]);
    let live = json(&a, &["list", "--json"]);
    let live = live.as_array().unwrap();
    assert_eq!(live.len(), 1, "{live:?}");
    let title = live[0]["title"].as_str().unwrap();
    assert!(title.starts_with("cache "), "{title}");
    let got = a.ok(&["get", live[0]["id"].as_str().unwrap()]);
    assert!(!got.contains("<!-- version"), "{got}");
    assert!(
        got.contains("cache for 10 minutes") && got.contains("cache per user"),
        "{got}"
    );
}

#[test]
fn resolving_by_editing_a_merge_of_both() {
    let (_tmp, a, b) = pair();
    let base = save(&a, &["retry 3 times", "--key", "retry"]);
    sync_all(&a, &b);
    save(&a, &["retry 5 times", "--key", "retry"]);
    save(&b, &["retry with backoff", "--key", "retry"]);
    sync_all(&a, &b);
    let id = open_conflicts(&a)[0]["id"].as_str().unwrap().to_owned();
    let out = a
        .mem()
        .env("EDITOR", "sh -c 'grep -q \"retry 5 times\" \"$1\" && grep -q \"retry with backoff\" \"$1\" && printf \"retry 5 times with backoff\\n\" > \"$1\"' sh")
        .args(["conflicts", "resolve", &id[..10], "--edit"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live = json(&a, &["list", "--json"]);
    assert_eq!(live.as_array().unwrap().len(), 1);
    assert_eq!(live[0]["title"], "retry 5 times with backoff");
    let got = json(&a, &["get", live[0]["id"].as_str().unwrap(), "--json"]);
    assert_eq!(got["supersedes"].as_array().unwrap().len(), 2);
    assert!(!got["supersedes"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(base)));
    // Bad resolutions say why.
    let out = a
        .mem()
        .args(["conflicts", "resolve", &id[..10], "--keep-all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resolved already"));
    let out = a
        .mem()
        .args(["conflicts", "resolve", "0000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "one way to resolve is required");
    let out = a
        .mem()
        .args(["conflicts", "show", "0000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn what_one_device_did_in_sequence_is_not_a_conflict() {
    let (_tmp, a, b) = pair();
    // Edit, then delete the old version, all on one device…
    let v1 = save(&a, &["quota is 10 GB", "--key", "quota"]);
    save(&a, &["quota is 20 GB", "--key", "quota"]);
    a.ok(&["delete", &v1]);
    // …while the other device saves something unrelated, so the sync merges.
    save(&b, &["unrelated note"]);
    assert_eq!(sync_all(&a, &b), Some(0));
    b.ok(&["sync"]);
    assert!(open_conflicts(&a).is_empty());
    assert!(open_conflicts(&b).is_empty());
    assert_eq!(b.all_ids(), a.all_ids());
}

#[test]
fn doctor_shows_remote_state_and_flags_unresolved_conflicts() {
    let (_tmp, a, b) = pair();
    let scope = |d: &Device| -> serde_json::Value {
        let out = d.mem().args(["doctor", "--json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "user")
            .unwrap()
            .clone()
    };
    // b joined the remote's history at init and never ran a sync.
    let s = scope(&b);
    assert!(s["remote"].as_str().unwrap().starts_with("file://"), "{s}");
    assert_eq!(s["last_sync"], serde_json::Value::Null);
    save(&b, &["saved on b, not pushed"]);
    assert_eq!(scope(&b)["ahead"], 1);
    a.ok(&["sync"]);
    let s = scope(&a);
    assert_eq!(
        (s["ahead"].as_u64(), s["behind"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert!(s["last_sync"].as_str().unwrap().starts_with("20"), "{s}");
    save(&a, &["one more, not pushed yet"]);
    assert_eq!(scope(&a)["ahead"], 1);

    // A conflict is a problem with its fix.
    save(&a, &["the cache TTL is 60s", "--key", "cache/ttl"]);
    sync_all(&a, &b);
    save(&a, &["the cache TTL is 5m", "--key", "cache/ttl"]);
    save(&b, &["the cache TTL is 10m", "--key", "cache/ttl"]);
    sync_all(&a, &b);
    assert_eq!(scope(&a)["unresolved_conflicts"], 1);
    let out = a.mem().arg("doctor").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("scope 'user' has 1 unresolved conflict(s)")
            && stdout.contains("fix: mem conflicts list"),
        "{stdout}"
    );
    assert!(
        stdout.contains("remote file://") && stdout.contains("last sync 20"),
        "{stdout}"
    );
}

#[test]
fn gc_drops_old_deletions_and_resolved_records_and_no_sync_brings_them_back() {
    let (_tmp, a, b) = pair();
    let url = json(&a, &["scope", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "user")
        .unwrap()["remote"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = save(&a, &["deleted long ago"]);
    let recent = save(&a, &["deleted today"]);
    a.ok(&["sync"]);
    // c syncs now and then stays away: it holds `old` without its tombstone.
    let c = TestEnv::device("tablet");
    c.ok(&["init", "--remote", &url]);
    assert!(c.all_ids().contains(&old));
    let deleted_at_new_year = a
        .mem()
        .env("MEM_NOW", "2026-01-01T00:00:00Z")
        .args(["delete", &old])
        .output()
        .unwrap();
    assert!(deleted_at_new_year.status.success());
    a.ok(&["delete", &recent]);
    // A resolved merge record.
    save(&a, &["the cache TTL is 60s", "--key", "cache/ttl"]);
    sync_all(&a, &b);
    save(&a, &["the cache TTL is 5m", "--key", "cache/ttl"]);
    let vb = save(&b, &["the cache TTL is 10m", "--key", "cache/ttl"]);
    sync_all(&a, &b);
    let record = open_conflicts(&a)[0]["id"].as_str().unwrap().to_owned();
    a.ok(&["conflicts", "resolve", &record[..10], "--keep", &vb[..10]]);
    sync_all(&a, &b);
    let files_before = a.env.tree_paths("user").len();

    let report = json(&a, &["gc", "--json"]);
    let user = report["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["scope"] == "user")
        .unwrap()
        .clone();
    assert_eq!(user["observations"], 1, "{report}");
    assert_eq!(user["tombstones"], 1, "{report}");
    assert_eq!(user["resolved_records"], 1, "{report}");
    assert_eq!(a.env.tree_paths("user").len(), files_before - 3);
    assert!(!a.all_ids().contains(&old), "gone from the index");
    assert!(a.all_ids().contains(&recent), "a recent deletion is kept");
    let out = a.mem().args(["get", &old]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(json(&a, &["conflicts", "list", "--all", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
    // Still in the history, and the repository is sound.
    crate::common::git(
        &a.env.scope_repo("user"),
        &["fsck", "--strict", "--no-dangling"],
    );

    // Nobody brings them back: b (which had the tombstone and record), then
    // c (which had only the observation), then a again.
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    c.ok(&["sync"]);
    a.ok(&["sync"]);
    for d in [&a, &b, &c] {
        let ids = d.all_ids();
        assert!(!ids.contains(&old), "{} brought it back", d.name);
        assert!(ids.contains(&recent), "{}", d.name);
        assert!(
            json(d, &["conflicts", "list", "--all", "--json"])
                .as_array()
                .unwrap()
                .is_empty(),
            "{}",
            d.name
        );
    }
}

#[test]
fn two_edits_of_one_version_on_one_device_are_a_fork_record_sync_agrees_with() {
    let (_tmp, a, b) = pair();
    let base = save(&a, &["the build uses make"]);
    let first = save(&a, &["the build uses cargo", "--supersedes", &base]);
    let out = a
        .mem()
        .args(["save", "the build uses just", "--supersedes", &base])
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("merge record"), "the save says so: {said}");
    let open = open_conflicts(&a);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "fork");
    assert_eq!(open[0]["base"], base.as_str());
    let competitors = open[0]["competitors"].to_string();
    assert!(competitors.contains(&first), "{competitors}");
    // Another device sees the same record, not a second one.
    sync_all(&a, &b);
    let on_b = open_conflicts(&b);
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    assert_eq!(on_b[0]["id"], open[0]["id"]);
    // Superseding the live head is an ordinary edit: no record.
    let head = save(
        &a,
        &["the build uses cargo and just", "--supersedes", &first],
    );
    assert!(!head.is_empty());
    assert_eq!(open_conflicts(&a).len(), 1);
}
