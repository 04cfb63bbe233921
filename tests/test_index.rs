use std::os::unix::fs::PermissionsExt;

use crate::common::{git, TestEnv};

fn index_path(env: &TestEnv) -> std::path::PathBuf {
    env.home.path().join("index.sqlite")
}

const HAND: &str =
    "---\nkind: note\ntitle: Hand edit\ncreated: 2026-11-21T09:00:00Z\n---\nadded with plain git\n";

#[test]
fn index_follows_commits_made_outside_mem() {
    let env = TestEnv::new();
    env.save("made by mem", &[]);
    env.ok(&["search", "mem"]);
    env.commit_externally("user", &[("obs/2026/11/21/hand.md", HAND)], &[]);
    let hits = env.json(&["search", "plain", "git", "--json"]);
    assert_eq!(hits[0]["title"], "Hand edit");
    // The indexed commit is the scope's head.
    let conn = rusqlite::Connection::open(index_path(&env)).unwrap();
    let indexed: String = conn
        .query_row("SELECT commit_id FROM scopes WHERE name='user'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        indexed,
        git(&env.scope_repo("user"), &["rev-parse", "main"]).trim()
    );
    env.commit_externally("user", &[], &["obs/2026/11/21/hand.md"]);
    assert!(env.ids(&["search", "plain"]).is_empty());
    assert_eq!(env.ids(&["search", "made"]).len(), 1);
}

#[test]
fn reindex_rebuilds_from_the_scopes() {
    let env = TestEnv::new();
    for i in 0..5 {
        env.save(&format!("observation number {i}"), &[]);
    }
    let out = env.ok(&["reindex"]);
    assert!(out.contains("indexed 5 files from 2 scopes"), "{out}");
    let v = env.json(&["reindex", "--json"]);
    assert_eq!(v["indexed"], 5);
    assert_eq!(env.ids(&["search", "observation", "-n", "50"]).len(), 5);
}

/// `mem reindex` builds the new index beside the live one and renames it
/// over it; the WAL stays behind, so what the rebuild wrote must be in the
/// database file itself (`Index::close_folded`).
#[test]
fn a_reindex_leaves_every_row_in_the_database_file() {
    let env = TestEnv::new();
    for i in 0..3 {
        env.save(&format!("rebuilt row {i}"), &[]);
    }
    env.ok(&["reindex"]);
    // `immutable`: the database file alone, without its WAL.
    let conn = rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", index_path(&env).display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM obs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3);
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM scopes", [], |r| r.get(0))
        .unwrap();
    assert!(indexed >= 1);
}

#[test]
fn a_missing_index_is_rebuilt() {
    let env = TestEnv::new();
    let id = env.save("survives index loss", &[]);
    std::fs::remove_file(index_path(&env)).unwrap();
    let _ = std::fs::remove_file(env.home.path().join("index.sqlite-wal"));
    let _ = std::fs::remove_file(env.home.path().join("index.sqlite-shm"));
    assert_eq!(env.ids(&["search", "survives"]), vec![id]);
}

/// A process closes the index without a checkpoint, so its last writes
/// may be in `index.sqlite-wal` alone. Deleting the database but not that
/// file (the README calls the index disposable) must still give a whole
/// index, never one built from another database's pages.
#[test]
fn an_index_deleted_without_its_wal_is_rebuilt_whole() {
    let env = TestEnv::new();
    let wal = env.home.path().join("index.sqlite-wal");
    let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let mut ids = Vec::new();
    // The first saves write the schema, which folds the WAL in once.
    while ids.len() < 3 || wal_len() == 0 {
        assert!(ids.len() < 20, "the WAL stays empty");
        ids.push(env.save(&format!("kept through the loss {}", ids.len()), &[]));
    }
    std::fs::remove_file(index_path(&env)).unwrap();
    let mut found = env.ids(&["search", "kept", "loss", "-n", "30"]);
    found.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(found, want);
    let out = env.output(&["doctor"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(env
        .ok(&["get", &ids[0]])
        .contains("kept through the loss 0"));
}

#[test]
fn a_corrupt_index_is_rebuilt_with_a_notice() {
    let env = TestEnv::new();
    let id = env.save("survives corruption", &[]);
    let _ = std::fs::remove_file(env.home.path().join("index.sqlite-wal"));
    let _ = std::fs::remove_file(env.home.path().join("index.sqlite-shm"));
    std::fs::write(
        index_path(&env),
        b"this is not a database at all, just garbage bytes".repeat(200),
    )
    .unwrap();
    let out = env.output(&["search", "survives", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was corrupt; rebuilding"), "{stderr}");
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], id.as_str());
}

#[test]
fn an_index_of_an_older_schema_is_rebuilt() {
    let env = TestEnv::new();
    let id = env.save("survives upgrades", &[]);
    {
        let conn = rusqlite::Connection::open(index_path(&env)).unwrap();
        conn.execute("UPDATE meta SET value='0' WHERE key='schema'", [])
            .unwrap();
        conn.execute("DELETE FROM obs", []).unwrap();
    }
    let out = env.output(&["search", "upgrades", "--json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("older version"));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], id.as_str());
}

#[test]
fn broken_front_matter_is_skipped_warned_and_reported() {
    let env = TestEnv::new();
    let good = env.save("a good observation", &["--scope", "local"]);
    let broken = "---\nkind: note\ntitle: [unclosed\ncreated: 2026-11-21T09:00:00Z\n---\nbody\n";
    env.commit_externally("local", &[("obs/2026/11/21/broken.md", broken)], &[]);
    let out = env.output(&["search", "good", "--json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped local:obs/2026/11/21/broken.md"),
        "{stderr}"
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["id"], good.as_str());
    let reindex = env.output(&["reindex"]);
    assert!(reindex.status.success());
    assert!(String::from_utf8_lossy(&reindex.stderr).contains("broken.md"));
    let doctor = env.output(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    assert_eq!(
        report["broken_files"][0]["path"],
        "obs/2026/11/21/broken.md"
    );
    assert!(report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["fix"].as_str().unwrap().contains("front matter")));
    // Fixing the file clears the report.
    env.commit_externally("local", &[("obs/2026/11/21/broken.md", HAND)], &[]);
    let doctor = env.output(&["doctor"]);
    assert_eq!(
        doctor.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
}

#[test]
fn the_index_is_private() {
    let env = TestEnv::new();
    env.save("secret-ish text", &[]);
    let mode = std::fs::metadata(index_path(&env))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    for suffix in ["-wal", "-shm"] {
        let p = env.home.path().join(format!("index.sqlite{suffix}"));
        if p.exists() {
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o077,
                0,
                "{suffix}"
            );
        }
    }
    std::fs::set_permissions(index_path(&env), std::fs::Permissions::from_mode(0o644)).unwrap();
    let doctor = env.output(&["doctor"]);
    assert_eq!(doctor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("chmod 600"));
}
