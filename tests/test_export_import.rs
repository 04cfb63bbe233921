use crate::common::{assert_fsck_clean, git, TestEnv};

#[test]
fn export_jsonl_to_stdout_and_file() {
    let env = TestEnv::new();
    let a = env.save(
        "export me",
        &[
            "--tag",
            "t",
            "--key",
            "k",
            "--summary",
            "s",
            "--file",
            "f.rs",
        ],
    );
    env.save("and me", &["--scope", "local"]);
    let out = env.ok(&["export"]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let rec = lines.iter().find(|r| r["id"] == a.as_str()).unwrap();
    assert_eq!(rec["scope"], "user");
    assert_eq!(rec["body"], "export me");
    assert_eq!(rec["tags"], serde_json::json!(["t"]));
    assert_eq!(rec["key"], "k");
    assert_eq!(rec["created"], "2026-11-22T10:00:00Z");
    let file = env.home.path().join("out.jsonl");
    env.ok(&[
        "export",
        "--format",
        "jsonl",
        "--output",
        file.to_str().unwrap(),
        "--scope",
        "local",
    ]);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
}

#[test]
fn export_markdown_writes_one_file_per_observation() {
    let env = TestEnv::new();
    let a = env.save("markdown export", &["--scope", "local"]);
    let b = env.save("encrypted markdown export", &[]);
    let dir = env.home.path().join("md");
    env.ok(&[
        "export",
        "--format",
        "markdown",
        "--output",
        dir.to_str().unwrap(),
    ]);
    let path = dir.join(format!("local/obs/2026/11/22/{a}.md"));
    let written = std::fs::read_to_string(&path).unwrap();
    let stored = git(
        &env.scope_repo("local"),
        &["show", &format!("main:obs/2026/11/22/{a}.md")],
    );
    assert_eq!(written, stored);
    // The encrypted user scope is written out decrypted, under the name
    // its plaintext would have had.
    let decrypted =
        std::fs::read_to_string(dir.join(format!("user/obs/2026/11/22/{b}.md"))).unwrap();
    assert!(
        decrypted.starts_with("---\n") && decrypted.contains("encrypted markdown export"),
        "{decrypted}"
    );
    let stderr = env.fails(&["export", "--format", "markdown"], 2);
    assert!(stderr.contains("--output DIR"), "{stderr}");
}

#[test]
fn import_is_batched_idempotent_and_round_trips() {
    let src = TestEnv::new();
    let a = src.save(
        "first record",
        &[
            "--tag",
            "x",
            "--importance",
            "4",
            "--project",
            "github.com/acme/api",
        ],
    );
    let b = src.save(
        "second record",
        &["--kind", "bug", "--scope", "local", "--agent", "codex"],
    );
    let c = src.save("third record", &["--supersedes", &a]);
    let gone = src.save("fourth record, deleted", &[]);
    src.ok(&["delete", &gone, "--reason", "obsolete"]);
    src.commit_externally("user", &[("obs/2026/11/20/hand.md", "---\nkind: note\ntitle: With extras\ncreated: 2026-11-20T08:00:00Z\nmood: calm\n---\nextra fields\n")], &[]);
    let dump = src.home.path().join("dump.jsonl");
    src.ok(&["export", "--output", dump.to_str().unwrap()]);

    let dst = TestEnv::new();
    let v = dst.json(&[
        "import",
        "--from",
        "jsonl",
        dump.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["imported"], 5);
    assert_eq!(v["deleted"], 1);
    assert_eq!(v["duplicates"], 0);
    assert_eq!(v["commits"], 2, "one commit per scope batch");
    let again = dst.json(&[
        "import",
        "--from",
        "jsonl",
        dump.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["duplicates"], 5);
    assert_eq!(again["deleted"], 0);
    assert_eq!(again["commits"], 0);
    // Same ids, same scopes, same fields, superseded state included.
    let redump = dst.ok(&["export"]);
    assert_eq!(redump, std::fs::read_to_string(&dump).unwrap());
    for id in [&a, &b, &c] {
        assert_eq!(dst.json(&["get", id, "--json"])["id"], id.as_str());
    }
    assert_eq!(dst.json(&["get", &b, "--json"])["scope"], "local");
    assert_eq!(dst.json(&["get", &a, "--json"])["superseded"], true);
    assert_eq!(dst.json(&["get", &gone, "--json"])["deleted"], true);
}

#[test]
fn import_of_many_records_uses_few_commits() {
    let env = TestEnv::new();
    let mut lines = String::new();
    for i in 0..2500 {
        lines.push_str(
            &serde_json::json!({"body": format!("bulk record {i}"), "tags": ["bulk"]}).to_string(),
        );
        lines.push('\n');
    }
    let file = env.home.path().join("bulk.jsonl");
    std::fs::write(&file, lines).unwrap();
    env.ok(&["init"]);
    let out = env.import_jsonl(&file, "local");
    assert!(
        out.contains("imported 2500 observations (0 already present) in 3 commits"),
        "{out}"
    );
    assert_eq!(
        git(&env.scope_repo("local"), &["rev-list", "--count", "main"]).trim(),
        "4"
    );
    assert_eq!(
        env.ids(&["list", "--tag", "bulk", "-n", "5000"]).len(),
        2500
    );
    // Each batch went into one pack (src/store/pack.rs), not a loose file
    // per object: the loose ones are the first commit's, from `mem init`.
    let repo = env.scope_repo("local");
    let counts = git(&repo, &["count-objects", "-v"]);
    let count = |key: &str| -> u64 {
        counts
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {counts}"))
    };
    assert!(count("count:") < 10, "{counts}");
    assert!(count("in-pack:") > 2500, "{counts}");
    assert_eq!(count("packs:"), 3, "{counts}");
    // Nothing keeps the packs from a later `git gc` once main refers to
    // them, and git reads them whole.
    let kept = std::fs::read_dir(repo.join("objects/pack"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("keep".as_ref()))
        .count();
    assert_eq!(kept, 0);
    assert_fsck_clean(&repo);
}

#[test]
fn a_bad_line_imports_nothing() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let file = env.home.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"body\":\"fine\"}\n{\"body\": \n{\"body\":\"also fine\"}\n",
    )
    .unwrap();
    let stderr = env.fails(&["import", "--from", "jsonl", file.to_str().unwrap()], 2);
    assert!(
        stderr.contains("line 2") && stderr.contains("nothing was imported"),
        "{stderr}"
    );
    std::fs::write(&file, "{\"body\":\"fine\"}\n{\"title\":\"no body\"}\n").unwrap();
    let stderr = env.fails(&["import", "--from", "jsonl", file.to_str().unwrap()], 2);
    assert!(stderr.contains("'body' is missing"), "{stderr}");
    std::fs::write(&file, "{\"body\":\"key AKIAIOSFODNN7EXAMPLE\"}\n").unwrap();
    let stderr = env.fails(
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
    assert!(stderr.contains("secret"), "{stderr}");
    assert!(env.ids(&["list", "--all"]).is_empty());
    let stderr = env.fails(&["import", "--from", "jsonl", "/nonexistent/file.jsonl"], 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn import_from_stdin() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["import", "--from", "jsonl", "-"])
        .write_stdin("{\"body\":\"piped in\",\"kind\":\"decision\"}\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = env.json(&["search", "piped", "--json"]);
    assert_eq!(hits[0]["kind"], "decision");
    assert_eq!(hits[0]["author"], "tester");
}

/// An import into a scope of many packs writes more packs than gix's
/// handle had room for when it opened the repository (its index slots:
/// 1.1 × the packs then on disk, at least 32); each batch reads its parent
/// out of the last batch's pack, so each batch opens the repository anew.
/// (The background pack is off: it would consolidate the packs.)
#[test]
fn an_import_adds_more_packs_than_the_scope_had_room_for() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let file = env.home.path().join("records.jsonl");
    for i in 0..30 {
        std::fs::write(&file, format!("{{\"body\": \"pack {i}\"}}\n")).unwrap();
        env.import_jsonl_with(&[("MEM_GC_AUTO", "0")], &file, "local");
    }
    let lines: Vec<String> = (0..6000)
        .map(|i| serde_json::json!({"body": format!("record {i}")}).to_string())
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = env.import_jsonl_with(&[("MEM_GC_AUTO", "0")], &file, "local");
    assert!(
        out.contains("imported 6000 observations (0 already present) in 6 commits"),
        "{out}"
    );
    assert_eq!(crate::common::pack_count(&env.scope_repo("local")), 36);
    assert_fsck_clean(&env.scope_repo("local"));
}

/// Each import writes a pack; past eight (`gc.autoPackLimit`), the last
/// import starts git in the background, which consolidates them into one:
/// nothing lost, `git fsck --strict` clean. One import of several batches
/// checks once, after its last batch.
#[test]
fn imports_past_the_pack_limit_are_consolidated_in_the_background() {
    consolidate_past_the_pack_limit(&[]);
}

/// In a large scope (here any scope: `MEM_MIDX_OBJECTS=1`) the background
/// job also writes a multi-pack index with a bitmap, which git verifies,
/// and gix reads objects through it.
#[test]
fn a_large_scope_gets_a_multi_pack_index_after_its_background_pack() {
    let env = consolidate_past_the_pack_limit(&[("MEM_MIDX_OBJECTS", "1")]);
    let repo = env.scope_repo("local");
    let pack = repo.join("objects/pack");
    assert!(pack.join("multi-pack-index").is_file());
    assert!(
        !crate::common::background_pack_running(&repo),
        "the job has let go of its lock"
    );
    let assert_midx_whole = || {
        let bitmaps = std::fs::read_dir(&pack)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with("multi-pack-index-") && name.ends_with(".bitmap")
            })
            .count();
        assert_eq!(bitmaps, 1);
        let verify = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(&repo)
            .args(["multi-pack-index", "verify"])
            .output()
            .unwrap();
        assert!(verify.status.success(), "{verify:?}");
    };
    assert_midx_whole();
    // mem gc writes one again (here the one there is goes first), after
    // waiting for a job that holds the lock (`flock(1)`, as a job's
    // processes hold it).
    let mut job = std::process::Command::new("flock")
        .arg(repo.join("mem-pack.lock"))
        .args(["sleep", "1.5"])
        .spawn()
        .unwrap();
    while !crate::common::background_pack_running(&repo) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for entry in std::fs::read_dir(&pack).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("multi-pack-index") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let started = std::time::Instant::now();
    env.ok_with(&[("MEM_MIDX_OBJECTS", "1")], &["gc"]);
    assert!(
        job.try_wait().unwrap().is_some(),
        "mem gc waited for the job"
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(500));
    assert!(pack.join("multi-pack-index").is_file());
    assert_midx_whole();
    assert_fsck_clean(&repo);
    assert_eq!(
        env.ids(&["list", "--scope", "local", "--limit", "50"])
            .len(),
        10
    );
    // git pushes from it (with the multi-pack bitmap) everything there is.
    let (remote, url) = crate::common::bare_remote(env.home.path(), "local");
    env.ok(&["scope", "remote", "local", &url]);
    env.ok(&["sync"]);
    let fsck = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&remote)
        .args(["fsck", "--strict", "--connectivity-only"])
        .output()
        .unwrap();
    assert!(fsck.status.success(), "{fsck:?}");
    assert_eq!(
        crate::common::paths_at(&remote).len(),
        crate::common::paths_at(&repo).len()
    );
}

/// Nine one-record imports into a fresh store with `vars` set: the ninth
/// starts the background pack. Waits for it, checks that nothing was lost
/// and that a save and a search work after it.
fn consolidate_past_the_pack_limit(vars: &[(&str, &str)]) -> TestEnv {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let repo = env.scope_repo("local");
    let file = env.home.path().join("records.jsonl");
    let limit = 8;
    for i in 0..limit {
        std::fs::write(&file, format!("{{\"body\": \"pack {i}\"}}\n")).unwrap();
        env.import_jsonl_with(vars, &file, "local");
    }
    // At the limit, nothing starts.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(crate::common::pack_count(&repo), limit);
    std::fs::write(&file, "{\"body\": \"one pack too many\"}\n").unwrap();
    env.import_jsonl_with(vars, &file, "local");
    let started = std::time::Instant::now();
    while (crate::common::pack_count(&repo) > 1 || crate::common::background_pack_running(&repo))
        && started.elapsed().as_secs() < 60
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(crate::common::pack_count(&repo), 1, "packs consolidated");
    let listed = env.ids(&["list", "--scope", "local", "--limit", "50"]);
    assert_eq!(listed.len(), limit + 1);
    assert_fsck_clean(&repo);
    let saved = env.save("after the consolidation", &["--scope", "local"]);
    assert_eq!(env.ids(&["search", "consolidation"]), vec![saved]);
    env
}

/// In a large scope the background job keeps what a failed `git gc` said
/// in `gc.log`, as git's own detached gc does, and writes no multi-pack
/// index after it; while that log is fresh, later imports start no other
/// job (git would refuse one for a day).
#[test]
fn a_failed_background_pack_leaves_gc_log_and_no_multi_pack_index() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let repo = env.scope_repo("local");
    // A `git` that refuses to gc and runs every other command as git does.
    let path = fake_git(
        &env,
        "[ \"$a\" = gc ] && { echo 'fatal: gc refused by the test' >&2; exit 128; }",
    );
    let vars = [("MEM_MIDX_OBJECTS", "1"), ("PATH", path.as_str())];
    let file = env.cwd.path().join("one.jsonl");
    for i in 0..9 {
        std::fs::write(&file, format!("{{\"body\": \"pack {i}\"}}\n")).unwrap();
        env.import_jsonl_with(&vars, &file, "local");
    }
    let started = std::time::Instant::now();
    while !repo.join("gc.log").exists() && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    while crate::common::background_pack_running(&repo) && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(repo.join("gc.log")).unwrap();
    assert!(log.contains("gc refused by the test"), "{log}");
    assert!(!repo.join("objects/pack/multi-pack-index").exists());
    assert_eq!(crate::common::pack_count(&repo), 9);
    // No job starts while the log is fresh: one would have failed again
    // and written the log anew.
    let hour_ago =
        crate::common::make_older(&repo.join("gc.log"), std::time::Duration::from_secs(3600));
    std::fs::write(&file, "{\"body\": \"pack 9\"}\n").unwrap();
    env.import_jsonl_with(&vars, &file, "local");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let modified = std::fs::metadata(repo.join("gc.log"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(modified, hour_ago);
    assert_eq!(crate::common::pack_count(&repo), 10);
    assert_eq!(
        env.ids(&["list", "--scope", "local", "--limit", "50"])
            .len(),
        10
    );
}

/// A directory holding a `git` that runs `intercept` (shell, with `$a` set)
/// for each of its arguments, then the real git with them; returns a
/// `PATH` that puts it first.
fn fake_git(env: &TestEnv, intercept: &str) -> String {
    let real_git = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let real_git = String::from_utf8(real_git.stdout).unwrap();
    let bin = env.home.path().join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("git");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do {intercept}; done\nexec {} \"$@\"\n",
            real_git.trim()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&fake, perms).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A `git gc` that starts while the background job writes its multi-pack
/// index (here: `gc.pid` appears as git starts writing it) may delete
/// packs the index names, so the job removes the index it wrote.
#[test]
fn a_multi_pack_index_written_while_a_gc_started_is_removed() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let repo = env.scope_repo("local");
    let gc_pid = repo.join("gc.pid");
    let path = fake_git(
        &env,
        &format!(
            "[ \"$a\" = multi-pack-index ] && echo \"1 elsewhere\" > '{}'",
            gc_pid.display()
        ),
    );
    let vars = [("MEM_MIDX_OBJECTS", "1"), ("PATH", path.as_str())];
    let file = env.cwd.path().join("one.jsonl");
    for i in 0..9 {
        std::fs::write(&file, format!("{{\"body\": \"pack {i}\"}}\n")).unwrap();
        env.import_jsonl_with(&vars, &file, "local");
    }
    // The job has run once gc.pid is there and it has let go of its lock.
    let lock = repo.join("mem-pack.lock");
    let started = std::time::Instant::now();
    let job_done = || {
        gc_pid.exists()
            && std::process::Command::new("flock")
                .args(["-n", "-s"])
                .arg(&lock)
                .arg("true")
                .status()
                .unwrap()
                .success()
    };
    while !job_done() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(job_done(), "the background job ran");
    assert_eq!(crate::common::pack_count(&repo), 1, "git consolidated");
    let left: Vec<String> = std::fs::read_dir(repo.join("objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("multi-pack-index"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_file(&gc_pid).unwrap();
    assert_fsck_clean(&repo);
    assert_eq!(
        env.ids(&["list", "--scope", "local", "--limit", "50"])
            .len(),
        9
    );
}
