//! Expiry (`mem save --ttl/--expires`, MCP's `expires_at`/`ttl_sec`):
//! expired observations leave search, list and the session context like
//! superseded ones (`--all` shows them), `mem gc` removes them after the
//! retention, and devices that sync agree on both.

use serde_json::Value;

use crate::common::{bare_remote, by_scope, Device, TestEnv, NOW};

const HOUR_LATER: &str = "2026-11-22T11:30:00Z";
const WEEK_LATER: &str = "2026-11-29T10:00:00Z";

fn at(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let out = env.mem().env("MEM_NOW", now).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "mem {args:?} at {now}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn dev_at(d: &Device, now: &str, args: &[&str]) -> String {
    let out = d.mem().env("MEM_NOW", now).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "[{}] mem {args:?} at {now}: {}",
        d.name,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ids(out: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn expired_observations_hide_like_superseded_ones_and_gc_removes_them() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let saved = env.json(&[
        "save",
        "Staging is frozen for the release",
        "--ttl",
        "1h",
        "--json",
    ]);
    let id = saved["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["expires_at"], "2026-11-22T11:00:00Z");
    let keep = env.save("The release branch is release/2.0", &[]);
    // The expiry is in the file's front matter; the id does not depend on it.
    let got = env.json(&["get", &id, "--json"]);
    assert_eq!(got["extra"]["expires_at"], "2026-11-22T11:00:00Z");

    // Before it expires: everywhere.
    assert!(ids(&at(&env, NOW, &["list", "--json"])).contains(&id));
    assert!(at(&env, NOW, &["context"]).contains("Staging is frozen"));
    // After: gone from list, search and context; --all and get still show it.
    let list = ids(&at(&env, HOUR_LATER, &["list", "--json"]));
    assert!(!list.contains(&id) && list.contains(&keep), "{list:?}");
    assert!(ids(&at(&env, HOUR_LATER, &["search", "staging", "--json"])).is_empty());
    assert!(!at(&env, HOUR_LATER, &["context"]).contains("Staging is frozen"));
    assert!(ids(&at(&env, HOUR_LATER, &["list", "--all", "--json"])).contains(&id));
    assert!(ids(&at(
        &env,
        HOUR_LATER,
        &["search", "staging", "--all", "--json"]
    ))
    .contains(&id));
    at(&env, HOUR_LATER, &["get", &id]);

    // gc keeps it for the retention after it expired, then removes the file.
    let path = got["path"].as_str().unwrap().to_owned();
    at(&env, HOUR_LATER, &["gc", "--retention-days", "1"]);
    assert!(env.tree_paths("user").contains(&path));
    let report: Value = serde_json::from_str(&at(
        &env,
        WEEK_LATER,
        &["gc", "--retention-days", "1", "--json"],
    ))
    .unwrap();
    let user = report["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["scope"] == "user")
        .unwrap();
    assert_eq!(user["expired"], 1, "{report}");
    assert!(!env.tree_paths("user").contains(&path));
    assert_eq!(
        ids(&at(&env, WEEK_LATER, &["list", "--all", "--json"])),
        [keep]
    );

    // Bad values are usage errors.
    let e = env.fails(&["save", "x", "--ttl", "soon"], 2);
    assert!(e.contains("time to live"), "{e}");
    let e = env.fails(&["save", "x", "--expires", "tomorrow"], 2);
    assert!(e.contains("RFC 3339"), "{e}");
}

#[test]
fn two_synced_devices_agree_on_expiry_and_on_gc_removing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (_remote, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("laptop");
    let b = TestEnv::device("desktop");
    a.ok(&["init", "--remote", &url]);
    let gone = a.save_id(&[
        "Deploys are paused until noon",
        "--expires",
        "2026-11-22T11:00:00Z",
    ]);
    let kept = a.save_id(&["Deploys go through the release train"]);
    a.ok(&["sync"]);
    b.ok(&["init", "--remote", &url]);
    b.ok(&["sync"]);
    // Both see it before it expires, neither after.
    assert!(b.list_ids(&[]).contains(&gone));
    for d in [&a, &b] {
        let live = ids(&dev_at(
            d,
            HOUR_LATER,
            &["list", "--all-projects", "--json"],
        ));
        assert_eq!(live, std::slice::from_ref(&kept), "{}", d.name);
        let all = ids(&dev_at(
            d,
            HOUR_LATER,
            &["list", "--all-projects", "--all", "--json"],
        ));
        assert!(all.contains(&gone), "{}", d.name);
    }
    // The laptop's gc removes it; the desktop takes the removal as a
    // member's (no restore, no warning) and both end without it.
    dev_at(&a, WEEK_LATER, &["gc", "--retention-days", "1"]);
    dev_at(&a, WEEK_LATER, &["sync"]);
    let out = b
        .mem()
        .env("MEM_NOW", WEEK_LATER)
        .args(["sync"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("without a tombstone"), "{stderr}");
    dev_at(&b, WEEK_LATER, &["sync"]);
    dev_at(&a, WEEK_LATER, &["sync"]);
    for d in [&a, &b] {
        let all = ids(&dev_at(
            d,
            WEEK_LATER,
            &["list", "--all-projects", "--all", "--json"],
        ));
        assert_eq!(all, std::slice::from_ref(&kept), "{}", d.name);
    }
}

#[test]
fn list_all_marks_what_has_expired() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["save", "short lived note", "--ttl", "1h"]);
    let later = env
        .mem()
        .env("MEM_NOW", "2026-11-22T12:00:00Z")
        .args(["list", "--all"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&later.stdout);
    assert!(listed.contains("short lived note [expired]"), "{listed}");
    let json = env.output_with(
        &[("MEM_NOW", "2026-11-22T12:00:00Z")],
        &["list", "--all", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["expired"], true, "{v}");
    assert_eq!(v[0]["expires_at"], "2026-11-22T11:00:00Z", "{v}");
}

#[test]
fn stats_count_expired_observations_apart_from_live_ones() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save(
        "Staging is frozen for the release",
        &["--ttl", "1h", "--kind", "config"],
    );
    env.save("The release branch is release/2.0", &["--kind", "config"]);
    let counts = |now: &str| -> (i64, i64, i64) {
        let v: Value = serde_json::from_str(&at(&env, now, &["stats", "--json"])).unwrap();
        let user = by_scope(&v["scopes"], "user");
        let config = v["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "config")
            .map_or(0, |k| k["live"].as_i64().unwrap());
        (
            user["live"].as_i64().unwrap(),
            user["expired"].as_i64().unwrap(),
            config,
        )
    };
    assert_eq!(counts(NOW), (2, 0, 2));
    assert_eq!(counts(HOUR_LATER), (1, 1, 1));
    let human = at(&env, HOUR_LATER, &["stats"]);
    assert!(human.lines().next().unwrap().contains("expired"), "{human}");
}
