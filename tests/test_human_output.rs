//! What users read: the human output of the main commands as `insta`
//! snapshots (`tests/snapshots/`), so a change to it shows in review.
//! Run with `INSTA_UPDATE=always` to accept a deliberate change.
//! Temporary paths, the identity and git's version are filtered out; the
//! clock is fixed (`MEM_NOW`), so observation ids and dates are stable;
//! commit ids are filtered too (encryption makes them differ per run).

use crate::common::{bare_remote, TestEnv};

/// Snapshot settings that replace what differs between runs.
fn settings(env: &TestEnv, extra: &[&std::path::Path]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(
        &regex::escape(&env.home.path().display().to_string()),
        "[HOME]",
    );
    s.add_filter(
        &regex::escape(&env.cwd.path().display().to_string()),
        "[CWD]",
    );
    for p in extra {
        s.add_filter(&regex::escape(&p.display().to_string()), "[TMP]");
    }
    s.add_filter(r"age1[0-9a-z]{58}", "[RECIPIENT]");
    s.add_filter(r"git version [0-9][^\n]*", "git version [VERSION]");
    s.add_filter(r"(?m)^(\S+ +\d+ +\d+ +\d+ +\d+) +\d+$", "$1 [BYTES]");
    s.add_filter(r"index: \d+ bytes", "index: [BYTES] bytes");
    // Commits of an encrypted scope hold fresh ciphertext on every run.
    s.add_filter(r"head [0-9a-f]{12}", "head [COMMIT]");
    s.add_filter(r"(?m)^(\S+ +\S+ +)[0-9a-f]{10}(  mem: )", "$1[COMMIT]$2");
    s.add_filter(r"(?m)^(\S+ +)[0-9a-f]{12}( \()", "$1[COMMIT]$2");
    s
}

fn stderr_of(env: &TestEnv, args: &[&str]) -> String {
    let out = env.output(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn saving_editing_searching_and_history() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    settings(&env, &[]).bind(|| {
        let saved = env.ok(&[
            "save",
            "The release build needs LTO off on arm64",
            "--title",
            "arm64 release build",
            "--kind",
            "bug",
            "--tag",
            "build",
        ]);
        insta::assert_snapshot!("save", saved);
        let id = env.ids(&["list"])[0].clone();
        insta::assert_snapshot!(
            "save_again",
            env.ok(&[
                "save",
                "The release build needs LTO off on arm64",
                "--title",
                "arm64 release build",
                "--kind",
                "bug",
                "--tag",
                "build"
            ])
        );
        insta::assert_snapshot!(
            "edit",
            env.ok(&[
                "save",
                "The release build needs LTO off on arm64 and x86",
                "--supersedes",
                &id,
                "--title",
                "release build"
            ])
        );
        env.save(
            "Deploys go through the staging cluster first",
            &["--kind", "decision"],
        );
        insta::assert_snapshot!("search", env.ok(&["search", "release build"]));
        insta::assert_snapshot!("search_nothing", env.ok(&["search", "kubernetes"]));
        insta::assert_snapshot!("list_all", env.ok(&["list", "--all"]));
        insta::assert_snapshot!("log_versions", env.ok(&["log", &id]));
        insta::assert_snapshot!(
            "delete",
            env.ok(&["delete", &id[..8], "--reason", "obsolete"])
        );
        insta::assert_snapshot!("log", env.ok(&["log", "--limit", "5"]));
        insta::assert_snapshot!("stats", env.ok(&["stats"]));
        insta::assert_snapshot!("scope_list", env.ok(&["scope", "list"]));
    });
}

#[test]
fn conflicts_as_users_read_them() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let base = env.save("the cache TTL is 60s", &["--title", "cache TTL"]);
    env.save(
        "the cache TTL is 5m",
        &["--supersedes", &base, "--title", "cache TTL"],
    );
    settings(&env, &[]).bind(|| {
        insta::assert_snapshot!(
            "save_fork",
            env.ok(&[
                "save",
                "the cache TTL is 10m",
                "--supersedes",
                &base,
                "--title",
                "cache TTL"
            ])
        );
        let list = env.output(&["conflicts", "list"]);
        insta::assert_snapshot!("conflicts_list", String::from_utf8_lossy(&list.stdout));
        let listed = env.output(&["conflicts", "list", "--json"]);
        let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
        let id = listed[0]["id"].as_str().unwrap().to_owned();
        let show = env.output(&["conflicts", "show", &id]);
        insta::assert_snapshot!("conflicts_show", String::from_utf8_lossy(&show.stdout));
    });
}

#[test]
fn sync_and_doctor_as_users_read_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (_remote, url) = bare_remote(tmp.path(), "user");
    let env = TestEnv::new();
    env.ok(&["init", "--remote", &url]);
    env.save("synced memory", &[]);
    settings(&env, &[tmp.path()]).bind(|| {
        insta::assert_snapshot!("sync", env.ok(&["sync"]));
        insta::assert_snapshot!("doctor", env.ok(&["doctor"]));
    });
}

#[test]
fn errors_as_users_read_them() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    settings(&env, &[]).bind(|| {
        insta::assert_snapshot!("error_no_such_id", stderr_of(&env, &["get", "abcdef12"]));
        insta::assert_snapshot!("error_bad_id", stderr_of(&env, &["get", "xyz"]));
        insta::assert_snapshot!(
            "error_bad_kind",
            stderr_of(&env, &["save", "x", "--kind", "nope"])
        );
        insta::assert_snapshot!(
            "error_bad_scope",
            stderr_of(&env, &["save", "x", "--scope", "team/"])
        );
        insta::assert_snapshot!(
            "error_empty",
            stderr_of(&env, &["save", "<private>only this</private>"])
        );
        insta::assert_snapshot!(
            "error_secret",
            stderr_of(
                &env,
                &["save", "key AKIAIOSFODNN7EXAMPLE here", "--scope", "local"]
            )
        );
        insta::assert_snapshot!(
            "error_no_conflict",
            stderr_of(&env, &["conflicts", "show", "abcdef12"])
        );
    });
}
