//! Faults stay where they happen and heal: a writer killed mid-save does
//! not jam its scope.

use std::time::{Duration, Instant};

use crate::common::TestEnv;

#[test]
fn a_ref_lock_left_by_a_dead_writer_does_not_block_the_next_save() {
    let env = TestEnv::new();
    env.save("first", &["--scope", "local"]);
    // What a writer killed between taking the lock and renaming it leaves.
    let lock = env.scope_repo("local").join("refs/heads/main.lock");
    std::fs::write(&lock, "0000000000000000000000000000000000000000\n").unwrap();
    let aged = std::process::Command::new("touch")
        .args(["-d", "10 seconds ago"])
        .arg(&lock)
        .status()
        .unwrap();
    assert!(aged.success());
    let out = env.output(&["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("main.lock has been there"),
        "doctor names it: {report}"
    );
    let started = Instant::now();
    env.save("second, after the crash", &["--scope", "local"]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(!lock.exists());
    assert_eq!(env.ids(&["list", "--scope", "local"]).len(), 2);
    // Doctor's fix (the next save) cleared it.
    env.ok(&["doctor"]);
}

#[test]
fn saves_killed_at_random_points_never_jam_the_scope() {
    let env = TestEnv::new();
    env.save("before the kills", &["--scope", "local"]);
    let mut saved_after = 0;
    for i in 0..25u64 {
        let mut child = env
            .mem_process()
            .args(["save", &format!("killed save {i}"), "--scope", "local"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over a save's whole run (a few milliseconds).
        std::thread::sleep(Duration::from_micros((i * 7919) % 12_000));
        let _ = child.kill();
        let _ = child.wait();
        let started = Instant::now();
        env.save(&format!("the save after kill {i}"), &["--scope", "local"]);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "save after kill {i} took {:?}",
            started.elapsed()
        );
        saved_after += 1;
    }
    let live = env.ids(&["list", "--scope", "local", "-n", "1000"]);
    assert!(live.len() > saved_after, "{}", live.len());
}

#[test]
fn control_characters_in_a_synced_memory_never_reach_the_terminal_raw() {
    let env = TestEnv::new();
    env.save("an ordinary memory", &["--scope", "local"]);
    // A teammate's memory arriving by sync: YAML escapes put ESC, BEL, BS,
    // NUL and CR into its fields.
    let evil = "---\nkind: \"note\\e[31m\"\ntitle: \"wave \\e]0;pwned\\a\\e[2J hello \\0 \\b\\r bye\"\ntags: [\"t\\e[1m\"]\ncreated: 2026-11-20T08:00:00Z\nauthor: \"mallory\\e[8m\"\n---\nbody \u{1b}[5mblink\u{7} wave\n";
    env.commit_externally("local", &[("obs/2026/11/20/evil.md", evil)], &[]);
    let id = env
        .json(&["search", "wave", "--all-projects", "--json"])
        .as_array()
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        vec!["list", "--all-projects"],
        vec!["search", "wave", "--all-projects"],
        vec!["get", &id],
        vec!["log", &id],
    ] {
        let out = env.output(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let raw: Vec<u8> = bytes
                .iter()
                .copied()
                .filter(|b| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f)
                .collect();
            assert!(raw.is_empty(), "{args:?} {stream} wrote {raw:?}");
        }
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("wave"), "{args:?}: {text}");
    }
    let shown = String::from_utf8(env.output(&["get", &id]).stdout).unwrap();
    assert!(shown.contains("body \\x1b[5mblink\\x07 wave"), "{shown}");
}

#[test]
fn privacy_rules_hold_for_every_field_and_every_path() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // `<private>` spans leave tags, key and files too.
    let id = env.save(
        "a body",
        &[
            "--scope",
            "local",
            "--tag",
            "ok<private>hidden-tag</private>",
            "--key",
            "topic<private>hidden-key</private>",
            "--file",
            "src/<private>hidden</private>main.rs",
        ],
    );
    let got = env.ok(&["get", &id]);
    assert!(
        !got.contains("hidden") && !got.contains("<private>"),
        "{got}"
    );
    // A secret in any field is refused for a plaintext scope.
    let aws = "AKIAABCDEFGHIJKLMNOP";
    for flag in ["--tag", "--key", "--file", "--title"] {
        let err = env.fails(&["save", "a body", "--scope", "local", flag, aws], 1);
        assert!(err.contains("secret"), "{flag}: {err}");
    }
    // The same rules on import, for every field.
    let ghp = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    for line in [
        serde_json::json!({"body": "b", "title": format!("title {aws}")}),
        serde_json::json!({"body": "b", "summary": format!("summary {ghp}")}),
        serde_json::json!({"body": "b", "tags": [aws]}),
    ] {
        let file = env.home.path().join("in.jsonl");
        std::fs::write(&file, format!("{line}\n")).unwrap();
        let err = env.fails(
            &[
                "import",
                "--from",
                "jsonl",
                file.to_str().unwrap(),
                "--scope",
                "local",
            ],
            2,
        );
        assert!(err.contains("secret"), "{line}: {err}");
    }
    let file = env.home.path().join("private.jsonl");
    std::fs::write(
        &file,
        "{\"body\": \"b\", \"title\": \"t <private>x1</private>\", \"tags\": [\"<private>x2</private>t\"], \"key\": \"k<private>x3</private>\"}\n",
    )
    .unwrap();
    env.ok(&[
        "import",
        "--from",
        "jsonl",
        file.to_str().unwrap(),
        "--scope",
        "local",
    ]);
    let all = env.ok(&["export", "--format", "jsonl"]);
    for hidden in ["x1", "x2", "x3", "<private>"] {
        assert!(!all.contains(hidden), "{hidden}: {all}");
    }
}

/// The loose object file of `oid` in the bare repository `repo`.
fn loose(repo: &std::path::Path, oid: &str) -> std::path::PathBuf {
    repo.join("objects").join(&oid[..2]).join(&oid[2..])
}

#[test]
fn a_missing_object_or_bad_ref_in_one_scope_leaves_the_others_usable() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("kept in user scope", &["--scope", "user"]);
    let victim = env.save("lost blob in local scope", &["--scope", "local"]);
    env.save("another local note", &["--scope", "local"]);
    // A second device state: the index is rebuilt from nothing, so every
    // blob is read again.
    std::fs::remove_file(env.home.path().join("index.sqlite")).unwrap();
    let repo = env.scope_repo("local");
    let path = crate::common::git(&repo, &["ls-tree", "-r", "--name-only", "main"])
        .lines()
        .find(|p| p.contains(&victim[..12]) || p.ends_with(&format!("{victim}.md")))
        .map(str::to_owned)
        .expect("the victim's file");
    let blob = crate::common::git(&repo, &["rev-parse", &format!("main:{path}")]);
    std::fs::remove_file(loose(&repo, blob.trim())).unwrap();
    for args in [
        vec!["list", "--all-projects", "--json"],
        vec!["search", "note", "--all-projects", "--json"],
        vec!["stats", "--json"],
    ] {
        let out = env.output(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listed = env.ok(&["list", "--all-projects"]);
    assert!(
        listed.contains("kept in user scope") && listed.contains("another local note"),
        "{listed}"
    );
    let doctor = env.output(&["doctor", "--json"]);
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(report.contains(&path), "doctor names the file: {report}");

    // A branch pointing at a commit that is not there: that scope is
    // reported, the other works.
    std::fs::write(
        repo.join("refs/heads/main"),
        "1111111111111111111111111111111111111111\n",
    )
    .unwrap();
    let out = env.output(&["list", "--all-projects"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kept in user scope"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scope 'local' cannot be read"));
    let saved = env.output(&["save", "still saving elsewhere", "--scope", "user"]);
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
}

/// Imports killed at several points (each batch is a pack held by a
/// `.keep` until `main` moves): the next import completes, and once the
/// `.keep` files of dead imports are an hour old, `mem gc` removes them so
/// git can repack those packs.
#[test]
fn imports_killed_midway_leave_nothing_gc_cannot_clear() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let lines: Vec<String> = (0..5000)
        .map(|i| serde_json::json!({"body": format!("killed import record {i}")}).to_string())
        .collect();
    let file = env.home.path().join("records.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    for millis in [150u64, 500, 900, 1400, 2000] {
        let mut child = env
            .mem_process()
            .args([
                "import",
                "--from",
                "jsonl",
                file.to_str().unwrap(),
                "--scope",
                "local",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(millis));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = env.import_jsonl(&file, "local");
    assert!(out.contains("imported "), "{out}");
    assert_eq!(
        env.ids(&["list", "--scope", "local", "-n", "6000"]).len(),
        5000
    );
    let repo = env.scope_repo("local");
    let pack_dir = repo.join("objects/pack");
    // What a kill between a batch's pack and its ref leaves, whether or
    // not one of the kills above landed there: a `.keep` beside a pack.
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some("pack".as_ref()))
        .expect("the imports wrote packs");
    std::fs::write(pack.with_extension("keep"), b"").unwrap();
    let leftovers = |ext: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&pack_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension() == Some(ext.as_ref()))
            .collect()
    };
    for keep in leftovers("keep") {
        let aged = std::process::Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(&keep)
            .status()
            .unwrap();
        assert!(aged.success());
    }
    env.ok(&["gc"]);
    assert!(leftovers("keep").is_empty(), "{:?}", leftovers("keep"));
    assert_eq!(crate::common::pack_count(&repo), 1);
    crate::common::assert_fsck_clean(&repo);
    assert_eq!(
        env.ids(&["list", "--scope", "local", "-n", "6000"]).len(),
        5000
    );
}

#[test]
fn a_reindex_that_fails_keeps_the_index_that_worked() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("kept in user scope", &["--scope", "user"]);
    env.save("a local note", &["--scope", "local"]);
    let json = env.ok(&["reindex", "--json"]);
    assert!(json.contains("\"indexed\""), "{json}");
    // Break one scope beyond reading: the rebuild cannot be whole.
    let repo = env.scope_repo("local");
    std::fs::write(
        repo.join("refs/heads/main"),
        "2222222222222222222222222222222222222222\n",
    )
    .unwrap();
    env.fails(&["reindex"], 1);
    assert!(!env.home.path().join("index.sqlite.rebuilding").exists());
    // Nothing was destroyed: both scopes' memories are still found.
    let listed = String::from_utf8(env.output(&["list", "--all-projects"]).stdout).unwrap();
    assert!(
        listed.contains("kept in user scope") && listed.contains("a local note"),
        "{listed}"
    );
}

/// Every loose object of `repo` that `rev` reaches, as files.
fn loose_objects_of(repo: &std::path::Path, rev: &str) -> Vec<std::path::PathBuf> {
    crate::common::git(repo, &["rev-list", "--objects", rev])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|oid| loose(repo, oid))
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn doctor_fix_fetches_what_a_scope_lost_from_its_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let (_remote, url) = crate::common::bare_remote(tmp.path(), "local");
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["scope", "remote", "local", &url]);
    // A remote that never synced is a problem doctor names, and its fix
    // clears it.
    let doctor = env.output(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1));
    let problems = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        problems.contains("has a remote but has never synced"),
        "{problems}"
    );
    env.ok(&["sync", "--scope", "local"]);
    env.save("a memory worth keeping", &["--scope", "local"]);
    env.save("kept in user scope", &["--scope", "user"]);
    env.ok(&["sync", "--scope", "local"]);
    env.ok(&["doctor"]);

    // Lose every loose object of the scope, the head commit included.
    let repo = env.scope_repo("local");
    let lost = loose_objects_of(&repo, "main");
    assert!(!lost.is_empty(), "the saves left loose objects");
    for file in &lost {
        std::fs::remove_file(file).unwrap();
    }
    std::fs::remove_file(env.home.path().join("index.sqlite")).unwrap();
    // The other scope still works; doctor names the broken one and says
    // how to fix it.
    assert!(env
        .ok(&["list", "--scope", "user"])
        .contains("kept in user scope"));
    let out = env.output(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("scope 'local' cannot be read"), "{report}");
    assert!(report.contains("fix: mem doctor --fix"), "{report}");

    let out = env.output(&["doctor", "--fix"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no problems found"));
    assert!(env
        .ok(&["list", "--scope", "local"])
        .contains("a memory worth keeping"));
    crate::common::assert_fsck_clean(&repo);
}

#[test]
fn doctor_fix_puts_main_back_when_its_commit_is_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (_remote, url) = crate::common::bare_remote(tmp.path(), "local");
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["scope", "remote", "local", &url]);
    env.save("synced before the damage", &["--scope", "local"]);
    env.ok(&["sync", "--scope", "local"]);
    env.ok(&["list"]);
    let repo = env.scope_repo("local");
    std::fs::write(
        repo.join("refs/heads/main"),
        "3333333333333333333333333333333333333333\n",
    )
    .unwrap();
    let report = String::from_utf8(env.output(&["doctor"]).stdout).unwrap();
    assert!(report.contains("scope 'local' cannot be read"), "{report}");
    let out = env.output(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("main is back at"), "{stderr}");
    assert!(env
        .ok(&["list", "--scope", "local"])
        .contains("synced before the damage"));
    env.save("saving again", &["--scope", "local"]);
}

#[test]
fn doctor_without_a_remote_says_to_restore_and_fix_changes_nothing() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("only copy", &["--scope", "local"]);
    let repo = env.scope_repo("local");
    for file in loose_objects_of(&repo, "main") {
        std::fs::remove_file(file).unwrap();
    }
    let out = env.output(&["doctor", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("no remote to fetch a copy from"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing doctor can repair by itself"));
}

#[test]
fn a_broken_scope_does_not_stop_the_others_from_syncing() {
    let tmp = tempfile::tempdir().unwrap();
    let (_local_remote, local_url) = crate::common::bare_remote(tmp.path(), "local");
    let (user_remote, user_url) = crate::common::bare_remote(tmp.path(), "user");
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["scope", "remote", "local", &local_url]);
    env.ok(&["scope", "remote", "user", &user_url]);
    env.save("a local note", &["--scope", "local"]);
    env.ok(&["sync"]);
    let repo = env.scope_repo("local");
    for file in loose_objects_of(&repo, "main") {
        std::fs::remove_file(file).unwrap();
    }
    env.save("saved after local broke", &["--scope", "user"]);
    let stderr = env.fails(&["save", "into the broken one", "--scope", "local"], 1);
    assert!(
        stderr.contains("scope 'local' cannot be written until it is repaired (run `mem doctor`)"),
        "{stderr}"
    );
    let out = env.output(&["sync", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let local = crate::common::sync_result(&results, "local");
    assert!(
        local["error"].as_str().unwrap().contains("mem doctor"),
        "{local}"
    );
    let user = crate::common::sync_result(&results, "user");
    assert!(user["error"].is_null(), "{user}");
    // The healthy scope's new commit reached its remote.
    let ours = crate::common::git(&env.scope_repo("user"), &["rev-parse", "main"]);
    let theirs = crate::common::git(&user_remote, &["rev-parse", "main"]);
    assert_eq!(ours, theirs);
}

#[test]
fn a_broken_scope_does_not_hide_the_messages_of_the_others() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("a local note", &["--scope", "local"]);
    env.ok(&[
        "send",
        "--to",
        "user:tester",
        "--scope",
        "user",
        "handoff: finish the parser",
    ]);
    let repo = env.scope_repo("local");
    for file in loose_objects_of(&repo, "main") {
        std::fs::remove_file(file).unwrap();
    }
    let out = env.output(&["inbox"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("finish the parser"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scope 'local'"));
    let context = env.ok(&["context"]);
    assert!(context.contains("finish the parser"), "{context}");
    let id: serde_json::Value = serde_json::from_str(&env.ok(&["inbox", "--json"])).unwrap();
    let id = id[0]["id"].as_str().unwrap().to_owned();
    env.ok(&["ack", &id]);
    // gc packs what it can and names the scope it cannot.
    let out = env.output(&["gc"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scope 'local' could not be packed"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("user") && stdout.contains("packed"),
        "{stdout}"
    );
}

#[test]
fn doctor_fix_falls_back_to_the_remote_when_the_index_had_the_lost_commit_too() {
    let tmp = tempfile::tempdir().unwrap();
    let (_remote, url) = crate::common::bare_remote(tmp.path(), "local");
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["scope", "remote", "local", &url]);
    env.save("synced", &["--scope", "local"]);
    env.ok(&["sync", "--scope", "local"]);
    env.save("never pushed", &["--scope", "local"]);
    let repo = env.scope_repo("local");
    // Lose what only this device had: the last save's objects.
    for file in loose_objects_of(&repo, "main") {
        let oid = file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string()
            + &file.file_name().unwrap().to_string_lossy();
        let on_remote = std::process::Command::new("git")
            .args([
                "--git-dir",
                _remote.to_str().unwrap(),
                "cat-file",
                "-e",
                &oid,
            ])
            .status()
            .unwrap()
            .success();
        if !on_remote {
            std::fs::remove_file(file).unwrap();
        }
    }
    let out = env.output(&["doctor", "--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("main is back at"), "{stderr}");
    assert!(env.ok(&["list", "--scope", "local"]).contains("synced"));
}
