//! `mem import --from kioku-mesh`: a store made by the real kioku-mesh 1.2.0
//! (`pip install kioku-mesh`, `kioku-mesh init --mode local`, four saves — one
//! superseding another, one `--visibility user` — and one delete; see
//! `fixtures/kioku-mesh/README.md`), imported twice.

use serde_json::Value;

use crate::common::{fixture, TestEnv};

fn by_title<'a>(rows: &'a [Value], title: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["title"] == title).collect()
}

#[test]
fn a_kioku_mesh_store_imports_once_with_its_fields_mapped() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let store = fixture("kioku-mesh");
    let first = env.json(&[
        "import",
        "--from",
        "kioku-mesh",
        store.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(first["imported"], 4, "{first}");
    assert_eq!(first["failed"], 0);
    assert_eq!(first["deleted"], 1);
    let again = env.json(&[
        "import",
        "--from",
        "kioku-mesh",
        store.join("local/raw.db").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["duplicates"], 4);
    assert_eq!(again["deleted"], 0);

    let all = env.json(&["list", "--all-projects", "--all", "--json"]);
    let rows = all.as_array().unwrap();
    assert_eq!(rows.len(), 4, "{all}");
    let retry = by_title(rows, "retry policy")[0];
    assert_eq!(retry["kind"], "decision");
    assert_eq!(retry["summary"], "3 retries with jitter");
    assert_eq!(retry["importance"], 4);
    assert_eq!(retry["project"], "widgets");
    assert_eq!(retry["tags"], serde_json::json!(["http", "retry"]));
    assert_eq!(retry["scope"], "user", "visibility user");
    let full = env.json(&["get", retry["id"].as_str().unwrap(), "--json"]);
    assert_eq!(full["body"], "Retries use full jitter, three attempts");
    assert_eq!(full["files"], serde_json::json!(["src/net.rs"]));
    assert_eq!(
        full["extra"]["kioku_id"],
        "fd562a7559104be7a3a6672a39a41bda"
    );
    assert_eq!(full["created"], "2026-11-22T18:25:56Z", "kept, to the second");

    // supersedes mapped to the imported observation's id; the tombstone applied.
    let ttl = by_title(rows, "cache ttl");
    let old = ttl
        .iter()
        .find(|r| r["superseded"] == true)
        .expect("the old TTL is superseded");
    let new = ttl.iter().find(|r| r["superseded"] == false).unwrap();
    let new_full = env.json(&["get", new["id"].as_str().unwrap(), "--json"]);
    assert_eq!(new_full["supersedes"], serde_json::json!([old["id"]]));
    assert_eq!(by_title(rows, "temp")[0]["deleted"], true);
    // What a search shows by default: the live ones.
    let live = env.ids(&["search", "cache", "--all-projects"]);
    assert_eq!(live, vec![new["id"].as_str().unwrap().to_owned()]);
}

#[test]
fn unusable_kioku_mesh_rows_are_counted_with_reasons() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let db = env.cwd.path().join("raw.db");
    std::fs::copy(fixture("kioku-mesh/local/raw.db"), &db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO local_obs(observation_id, payload_json, created_at) VALUES ('bad1', '{not json', '2026-11-22T00:00:00Z'), ('bad2', '{\"content\": \"  \"}', '2026-11-22T00:00:01Z')",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env
        .mem()
        .args(["import", "--from", "kioku-mesh", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("imported 4 observations") && stdout.contains("2 failed"),
        "{stdout}"
    );
    assert!(stderr.contains("bad1: its JSON does not parse"), "{stderr}");
    assert!(stderr.contains("bad2: its content is empty"), "{stderr}");

    let err = env.fails(&["import", "--from", "kioku-mesh", "/nonexistent/kioku"], 2);
    assert!(
        err.contains("no kioku-mesh store at /nonexistent/kioku"),
        "{err}"
    );
}
