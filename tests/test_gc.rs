//! `mem gc`: repacking a scope with many loose objects loses nothing, and
//! idle session spools become session observations.

use crate::common::{git, TestEnv};

fn count_objects(repo: &std::path::Path) -> (u64, u64) {
    let out = git(repo, &["count-objects", "-v"]);
    let get = |k: &str| -> u64 {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    (get("count"), get("in-pack"))
}

#[test]
fn gc_packs_ten_thousand_loose_objects_and_loses_nothing() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let jsonl = env.cwd.path().join("many.jsonl");
    let lines: Vec<String> = (0..10_000)
        .map(|i| serde_json::json!({"title": format!("note {i}"), "body": format!("observation number {i} about cache shard {}", i * 7919 % 10_007)}).to_string())
        .collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    // No background pack: this test packs by hand.
    env.import_jsonl_with(&[("MEM_GC_AUTO", "0")], &jsonl, "local");
    let repo = env.scope_repo("local");
    // An import writes a pack per batch: turn them into loose objects, as
    // ten thousand saves would have left them.
    let aside = env.cwd.path().join("packs");
    std::fs::create_dir(&aside).unwrap();
    for entry in std::fs::read_dir(repo.join("objects/pack")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::rename(&path, aside.join(path.file_name().unwrap())).unwrap();
    }
    for entry in std::fs::read_dir(&aside).unwrap() {
        let path = entry.unwrap().path();
        if path.extension() == Some("pack".as_ref()) {
            let unpacked = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(&repo)
                .args(["unpack-objects", "-q"])
                .stdin(std::fs::File::open(&path).unwrap())
                .status()
                .unwrap();
            assert!(unpacked.success());
        }
    }
    let (loose, _) = count_objects(&repo);
    assert!(loose >= 10_000, "{loose} loose objects");
    let head = git(&repo, &["rev-parse", "main"]);
    let before = env.ids(&["list", "--scope", "local", "--limit", "20000"]);
    assert_eq!(before.len(), 10_000);

    let report = env.json(&["gc", "--json"]);
    let local = report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "local")
        .unwrap();
    assert_eq!(local["before"]["loose"].as_u64().unwrap(), loose);
    assert!(local["after"]["loose"].as_u64().unwrap() < 100, "{local}");
    assert!(
        local["after"]["bytes"].as_u64().unwrap() < local["before"]["bytes"].as_u64().unwrap(),
        "{local}"
    );

    let (loose_after, packed) = count_objects(&repo);
    assert!(
        loose_after < loose && packed >= 10_000,
        "{loose_after} loose, {packed} packed"
    );
    assert_eq!(git(&repo, &["rev-parse", "main"]), head);
    git(&repo, &["fsck", "--strict", "--no-dangling"]);
    env.ok(&["reindex"]);
    let after = env.ids(&["list", "--scope", "local", "--limit", "20000"]);
    assert_eq!(after, before);
    let human = env.ok(&["gc"]);
    assert!(
        human.contains("freed") && human.contains("local"),
        "{human}"
    );
}

#[test]
fn gc_saves_idle_session_spools_and_leaves_running_ones() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let tool = |session: &str, file: &str| {
        let payload = serde_json::json!({"session_id": session, "cwd": env.cwd.path(), "hook_event_name": "PostToolUse",
            "tool_name": "Edit", "tool_input": {"file_path": env.cwd.path().join(file)}});
        env.mem()
            .args(["hook", "run", "claude-code", "PostToolUse"])
            .write_stdin(payload.to_string())
            .assert()
            .success();
    };
    tool("crashed-1", "src/a.rs");
    tool("running-2", "src/b.rs");
    let sessions = env.home.path().join("sessions");
    // The crashed session's spool was last touched two days ago.
    crate::common::make_older(
        &sessions.join("claude-code-crashed-1.jsonl"),
        std::time::Duration::from_secs(48 * 3600),
    );
    let report = env.json(&["gc", "--json"]);
    assert_eq!(report["sessions"]["sessions_saved"], 1, "{report}");
    assert_eq!(report["sessions"]["spools_removed"], 1, "{report}");
    assert!(!sessions.join("claude-code-crashed-1.jsonl").exists());
    assert!(sessions.join("claude-code-running-2.jsonl").exists());
    let rows = env.json(&["list", "--kind", "session", "--json"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let full = env.json(&["get", rows[0]["id"].as_str().unwrap(), "--json"]);
    assert_eq!(full["files"], serde_json::json!(["src/a.rs"]));
    assert_eq!(full["session"], "crashed-1");
}

/// A `git gc` already running in a scope (its `gc.pid`, as git's own
/// background pack writes it: this process's pid and host) makes a plain
/// `git gc` refuse; `mem gc` waits for it to end, then packs, and saves go
/// on while it waits.
#[test]
fn gc_waits_for_a_background_pack_then_packs() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("packed after the wait", &["--scope", "local"]);
    let repo = env.scope_repo("local");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let pid = repo.join("gc.pid");
    std::fs::write(&pid, format!("{} {}", std::process::id(), host.trim())).unwrap();
    let held = std::time::Duration::from_millis(3000);
    let release = {
        let pid = pid.clone();
        std::thread::spawn(move || {
            std::thread::sleep(held);
            std::fs::remove_file(pid).unwrap();
        })
    };
    let start = std::time::Instant::now();
    let mut gc = env
        .mem_process()
        .args(["gc", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // While mem gc waits, saves go on: it waits before taking the guard
    // that saves' ref updates respect.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let during = env.save("saved while gc waits", &["--scope", "local"]);
    assert!(pid.exists(), "the save waited for the background gc");
    assert!(gc.try_wait().unwrap().is_none(), "mem gc did not wait");
    release.join().unwrap();
    let out = gc.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(start.elapsed() >= held, "mem gc did not wait");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(env.ok(&["get", &during]).contains("saved while gc waits"));
    let local = crate::common::by_scope(&report["scopes"], "local");
    assert!(local.get("error").is_none(), "{local}");
    assert_eq!(local["after"]["loose"], 0, "{local}");
}
