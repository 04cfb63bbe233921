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
    assert_eq!(
        full["created"], "2026-11-22T18:25:56Z",
        "kept, to the second"
    );

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

/// A claude-mem database with the tables the importer reads, columns as in
/// claude-mem's `src/services/sqlite/schema.sql` (migration 35); claude-mem
/// itself needs its worker and a model to write rows, so the rows are
/// inserted here the way its stores write them (JSON arrays in text
/// columns, epochs in milliseconds).
fn claude_mem_db(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("claude-mem.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE sdk_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, content_session_id TEXT UNIQUE NOT NULL,
           memory_session_id TEXT UNIQUE, project TEXT NOT NULL, platform_source TEXT NOT NULL DEFAULT 'claude',
           user_prompt TEXT, started_at TEXT NOT NULL, started_at_epoch INTEGER NOT NULL, completed_at TEXT,
           completed_at_epoch INTEGER, status TEXT NOT NULL DEFAULT 'active', worker_port INTEGER,
           prompt_counter INTEGER DEFAULT 0, custom_title TEXT);
         CREATE TABLE observations (id INTEGER PRIMARY KEY AUTOINCREMENT, memory_session_id TEXT NOT NULL,
           project TEXT NOT NULL, text TEXT, type TEXT NOT NULL, title TEXT, subtitle TEXT, facts TEXT, narrative TEXT,
           concepts TEXT, files_read TEXT, files_modified TEXT, prompt_number INTEGER, discovery_tokens INTEGER DEFAULT 0,
           content_hash TEXT, agent_type TEXT, agent_id TEXT, merged_into_project TEXT, generated_by_model TEXT,
           metadata TEXT, created_at TEXT NOT NULL, created_at_epoch INTEGER NOT NULL);
         CREATE TABLE session_summaries (id INTEGER PRIMARY KEY AUTOINCREMENT, memory_session_id TEXT NOT NULL,
           project TEXT NOT NULL, request TEXT, investigated TEXT, learned TEXT, completed TEXT, next_steps TEXT,
           files_read TEXT, files_edited TEXT, notes TEXT, prompt_number INTEGER, discovery_tokens INTEGER DEFAULT 0,
           merged_into_project TEXT, created_at TEXT NOT NULL, created_at_epoch INTEGER NOT NULL);
         INSERT INTO sdk_sessions(content_session_id, memory_session_id, project, started_at, started_at_epoch)
           VALUES ('c-1', 'm-1', 'widgets', '2026-11-20T09:00:00.000Z', 1795165200000);
         INSERT INTO observations(memory_session_id, project, type, title, subtitle, facts, narrative, concepts,
             files_read, files_modified, created_at, created_at_epoch)
           VALUES ('m-1', 'widgets', 'bugfix', 'Flaky upload test fixed', 'The retry hid a race on the temp dir',
             '[\"uploads share one temp dir\",\"the fix gives each test its own\"]',
             'The upload test failed one run in ten because two tests wrote the same temp dir.',
             '[\"testing\",\"race-condition\"]', '[\"tests/upload.rs\"]', '[\"src/upload.rs\"]',
             '2026-11-20T09:05:00.000Z', 1795165500000);
         INSERT INTO observations(memory_session_id, project, type, title, subtitle, facts, narrative, concepts,
             files_read, files_modified, created_at, created_at_epoch)
           VALUES ('m-1', 'widgets', 'discovery', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             '2026-11-20T09:06:00.000Z', 1795165560000);
         INSERT INTO session_summaries(memory_session_id, project, request, investigated, learned, completed,
             next_steps, files_read, files_edited, notes, created_at, created_at_epoch)
           VALUES ('m-1', 'widgets', 'Fix the flaky upload test', 'The upload tests and their temp dirs',
             'Tests sharing a temp dir race', 'Each test gets its own temp dir', 'Audit other tests for shared dirs',
             '[\"tests/upload.rs\"]', '[\"src/upload.rs\"]', NULL, '2026-11-20T09:10:00.000Z', 1795165800000);",
    )
    .unwrap();
    path
}

#[test]
fn a_claude_mem_database_imports_observations_and_summaries_once() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    claude_mem_db(env.cwd.path());
    let dir = env.cwd.path().to_str().unwrap().to_owned();
    let out = env
        .mem()
        .args(["import", "--from", "claude-mem", &dir, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["imported"], 2, "{first}");
    assert_eq!(first["failed"], 1, "the empty row");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("observation 2: it has no narrative, text or facts"));
    let again = env.json(&[
        "import",
        "--from",
        "claude-mem",
        &format!("{dir}/claude-mem.db"),
        "--json",
    ]);
    assert_eq!(again["imported"], 0, "{again}");
    assert_eq!(again["duplicates"], 2);

    let rows = env.json(&["list", "--all-projects", "--json"]);
    let rows = rows.as_array().unwrap();
    let bug = by_title(rows, "Flaky upload test fixed")[0];
    assert_eq!(bug["kind"], "bug");
    assert_eq!(bug["summary"], "The retry hid a race on the temp dir");
    assert_eq!(bug["project"], "widgets");
    assert_eq!(
        bug["tags"],
        serde_json::json!(["race-condition", "testing"])
    );
    assert_eq!(bug["created"], "2026-11-20T09:05:00Z");
    let full = env.json(&["get", bug["id"].as_str().unwrap(), "--json"]);
    let body = full["body"].as_str().unwrap();
    assert!(
        body.starts_with("The upload test failed one run in ten"),
        "{body}"
    );
    assert!(body.contains("- uploads share one temp dir"), "{body}");
    assert_eq!(
        full["files"],
        serde_json::json!(["src/upload.rs", "tests/upload.rs"])
    );
    assert_eq!(full["session"], "m-1");

    let summary = by_title(rows, "Session: Fix the flaky upload test")[0];
    assert_eq!(summary["kind"], "session");
    let body = env.json(&["get", summary["id"].as_str().unwrap(), "--json"])["body"].clone();
    let body = body.as_str().unwrap();
    assert!(
        body.contains("## Learned\n\nTests sharing a temp dir race"),
        "{body}"
    );
    assert!(
        body.contains("## Next steps") && !body.contains("## Notes"),
        "{body}"
    );

    let err = env.fails(&["import", "--from", "claude-mem", "/nonexistent"], 2);
    assert!(
        err.contains("no claude-mem database at /nonexistent"),
        "{err}"
    );
}
