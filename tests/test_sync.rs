//! `mem sync` between devices through bare git remotes on file://.

use crate::common::{bare_remote, git, TestEnv};

#[test]
fn three_devices_converge_through_one_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("laptop");
    let b = TestEnv::device("desktop");
    let c = TestEnv::device("server");
    // a starts the remote; b clones it; c had its own history before joining.
    a.ok(&["init", "--remote", &url]);
    a.ok(&["save", "from the laptop"]);
    a.ok(&["sync"]);
    b.ok(&["init", "--remote", &url]);
    assert_eq!(b.all_ids(), a.all_ids(), "a clone sees the remote at once");
    b.ok(&["save", "from the desktop"]);
    c.ok(&["save", "from the server"]);
    c.ok(&["scope", "remote", "user", &url]);
    for d in [&c, &b, &a, &c, &b] {
        d.ok(&["sync"]);
    }
    let want = a.all_ids();
    assert_eq!(want.len(), 3);
    assert_eq!(b.all_ids(), want);
    assert_eq!(c.all_ids(), want);
    // Every device's branch is the remote's, and the remote is sound.
    let tip = git(&remote, &["rev-parse", "main"]);
    for d in [&a, &b, &c] {
        assert_eq!(
            git(&d.env.scope_repo("user"), &["rev-parse", "main"]),
            tip,
            "{}",
            d.name
        );
        git(
            &d.env.scope_repo("user"),
            &["fsck", "--strict", "--no-dangling"],
        );
    }
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
    // Merge commits have both parents and no file holds conflict markers.
    let merges = git(&remote, &["rev-list", "--merges", "main"]);
    assert!(!merges.trim().is_empty());
    for m in merges.lines() {
        assert_eq!(
            git(&remote, &["rev-list", "--parents", "-n1", m])
                .split_whitespace()
                .count(),
            3
        );
    }
    let grep = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&remote)
        .args(["grep", "-l", "<<<<<<<", "main"])
        .output()
        .unwrap();
    assert!(grep.stdout.is_empty());
    // Searching on one device finds what another saved.
    let hits = a.ok(&["search", "server", "--json"]);
    assert!(hits.contains("from the server"), "{hits}");
}

#[test]
fn deletes_and_supersedes_travel() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("a");
    let b = TestEnv::device("b");
    a.ok(&["init", "--remote", &url]);
    let v: serde_json::Value =
        serde_json::from_str(&a.ok(&["save", "v1 of the policy", "--key", "policy", "--json"]))
            .unwrap();
    let v1 = v["id"].as_str().unwrap().to_owned();
    let gone: serde_json::Value =
        serde_json::from_str(&a.ok(&["save", "to be deleted", "--json"])).unwrap();
    a.ok(&["sync"]);
    b.ok(&["init", "--remote", &url]);
    b.ok(&["save", "v2 of the policy", "--key", "policy"]);
    b.ok(&["delete", gone["id"].as_str().unwrap()]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    let live = a.ok(&["list", "--json"]);
    assert!(live.contains("v2 of the policy"), "{live}");
    assert!(
        !live.contains("v1 of the policy") && !live.contains("to be deleted"),
        "{live}"
    );
    assert!(a
        .ok(&["get", &v1, "--json"])
        .contains("\"superseded\": true"));
}

#[test]
fn an_unreachable_remote_is_reported_and_other_scopes_still_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, good) = bare_remote(tmp.path(), "team");
    let a = TestEnv::device("a");
    a.ok(&["init"]);
    a.ok(&["scope", "remote", "user", "file:///nonexistent/remote.git"]);
    a.ok(&["scope", "add", "team/acme", "--remote", &good]);
    a.ok(&["save", "team knowledge", "--scope", "team/acme"]);
    a.ok(&["save", "offline saves still work"]);
    let out = a.mem().args(["sync", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |s: &str| crate::common::sync_result(&v, s);
    assert!(
        by("user")["error"]
            .as_str()
            .unwrap()
            .contains("cannot fetch"),
        "{v}"
    );
    assert_eq!(by("team/acme")["pushed"], true, "{v}");
    let stderr =
        String::from_utf8_lossy(&a.mem().args(["sync"]).output().unwrap().stderr).into_owned();
    assert!(
        stderr.contains("user: cannot fetch") && stderr.contains("1 of 2 scopes did not sync"),
        "{stderr}"
    );
    // A new device joining the team scope gets its observations.
    let b = TestEnv::device("b");
    b.ok(&["scope", "add", "team/acme", "--remote", &good]);
    assert!(b
        .ok(&["search", "knowledge", "--json"])
        .contains("team knowledge"));
}

#[test]
fn a_remote_with_unrelated_history_is_refused_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(tmp.path(), "user");
    let (_, other) = bare_remote(tmp.path(), "other");
    let a = TestEnv::device("a");
    a.ok(&["init", "--remote", &url]);
    a.ok(&["save", "precious"]);
    a.ok(&["sync"]);
    // Another store's history behind a remote this device synced with before.
    let x = TestEnv::device("x");
    x.ok(&["init", "--remote", &other]);
    x.ok(&["save", "a stranger's note"]);
    x.ok(&["sync"]);
    let before = git(&a.env.scope_repo("user"), &["rev-parse", "main"]);
    a.ok(&["scope", "remote", "user", &other]);
    let out = a.mem().args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unrelated"), "{stderr}");
    assert_eq!(
        git(&a.env.scope_repo("user"), &["rev-parse", "main"]),
        before
    );
    assert!(a.ok(&["list", "--json"]).contains("precious"));
}

#[test]
fn a_scope_without_remote_and_bad_names() {
    let a = TestEnv::device("a");
    a.ok(&["init"]);
    let out = a.mem().args(["sync"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scope has a remote"));
    let out = a.mem().args(["sync", "--scope", "user"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no remote"));
    let out = a
        .mem()
        .args(["scope", "add", "team/../x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = a
        .mem()
        .args([
            "scope",
            "add",
            "team/acme",
            "--remote",
            "file:///nonexistent/x.git",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !a.env.home.path().join("scopes/team/acme.git").exists(),
        "a failed clone leaves nothing"
    );
    let list = a.ok(&["scope", "list", "--json"]);
    assert!(!list.contains("team/acme"), "{list}");
}

#[test]
fn a_sync_killed_at_any_point_loses_nothing_and_the_next_one_finishes() {
    for point in ["after-fetch", "after-merge", "before-push", "after-push"] {
        let tmp = tempfile::tempdir().unwrap();
        let (remote, url) = bare_remote(tmp.path(), "user");
        let a = TestEnv::device("a");
        let b = TestEnv::device("b");
        a.ok(&["init", "--remote", &url]);
        a.ok(&["save", "a before the crash"]);
        a.ok(&["sync"]);
        b.ok(&["init", "--remote", &url]);
        b.ok(&["save", "b before the crash"]);
        a.ok(&["save", "a, not yet pushed"]);
        b.ok(&["sync"]);
        // a's sync dies at `point`, like a SIGKILL.
        let out = a
            .mem()
            .env("MEM_FAILPOINT", point)
            .arg("sync")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the failpoint did not fire");
        git(
            &a.env.scope_repo("user"),
            &["fsck", "--strict", "--no-dangling"],
        );
        git(&remote, &["fsck", "--strict", "--no-dangling"]);
        let titles = a.ok(&["list", "--json"]);
        assert!(
            titles.contains("a, not yet pushed") && titles.contains("a before the crash"),
            "{point}: {titles}"
        );
        // Saves still work, and the next syncs finish the job.
        a.ok(&["save", "a after the crash"]);
        a.ok(&["sync"]);
        b.ok(&["sync"]);
        assert_eq!(a.all_ids(), b.all_ids(), "{point}");
        assert_eq!(a.all_ids().len(), 4, "{point}");
    }
}

#[test]
fn two_syncs_at_once_do_not_corrupt_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("a");
    a.ok(&["init", "--remote", &url]);
    for i in 0..5 {
        a.ok(&["save", &format!("note {i}")]);
    }
    let bin = assert_cmd::cargo::cargo_bin("mem");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(&bin)
                .arg("sync")
                .env_clear()
                .envs(a.env.vars())
                .current_dir(a.env.cwd.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            ok += 1;
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("another `mem sync` is running"), "{stderr}");
        }
    }
    assert!(ok >= 1);
    a.ok(&["sync"]);
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(
        git(&remote, &["rev-parse", "main"]),
        git(&a.env.scope_repo("user"), &["rev-parse", "main"])
    );
}

#[test]
fn scope_metadata_lists_merge_as_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(tmp.path(), "user");
    let a = TestEnv::device("a");
    let b = TestEnv::device("b");
    a.ok(&["init", "--remote", &url]);
    a.env
        .commit_externally("user", &[(".kioku/recipients", "age1base # laptop\n")], &[]);
    // Hand edits of the list are what no member authenticated: each sync
    // merges them (as sets) and says it keeps encrypting to the verified
    // list, exit 5 (see test_hostile).
    let sync = |d: &crate::common::Device| {
        let code = d.mem().arg("sync").output().unwrap().status.code();
        assert!(code == Some(0) || code == Some(5), "{code:?}");
    };
    sync(&a);
    b.ok(&["init", "--remote", &url]);
    a.env.commit_externally(
        "user",
        &[(
            ".kioku/recipients",
            "age1base # laptop\nage1phone # phone\n",
        )],
        &[],
    );
    b.env.commit_externally(
        "user",
        &[(
            ".kioku/recipients",
            "age1base # laptop\nage1desk # desktop\n",
        )],
        &[],
    );
    sync(&a);
    sync(&b);
    sync(&a);
    let merged = git(&remote, &["show", "main:.kioku/recipients"]);
    assert_eq!(
        merged,
        "age1base # laptop\nage1desk # desktop\nage1phone # phone\n"
    );
    assert_eq!(
        git(
            &a.env.scope_repo("user"),
            &["show", "main:.kioku/recipients"]
        ),
        merged
    );
}

#[test]
fn a_sync_run_from_inside_another_repositorys_git_hook_syncs_the_scope() {
    // A git hook runs with GIT_DIR (and sometimes GIT_OBJECT_DIRECTORY)
    // naming the project's repository: none of it may reach the scope's git.
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = crate::common::bare_remote(dir.path(), "user");
    let project = dir.path().join("project");
    git(dir.path(), &["init", "-q", project.to_str().unwrap()]);
    let a = TestEnv::device("a");
    a.ok(&["init", "--remote", &url]);
    a.save_id(&["saved from inside a hook"]);
    let out = a
        .mem()
        .env("GIT_DIR", project.join(".git"))
        .env("GIT_OBJECT_DIRECTORY", project.join(".git/objects"))
        .env("GIT_INDEX_FILE", project.join(".git/index"))
        .args(["sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pushed = git(&remote, &["rev-list", "--count", "main"]);
    assert_ne!(pushed.trim(), "0");
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
}
