//! Bad input: one clear sentence on stderr, a non-zero exit, nothing written.

use crate::common::{git, TestEnv};

fn head(env: &TestEnv, scope: &str) -> String {
    git(&env.scope_repo(scope), &["rev-parse", "main"])
}

fn one_sentence(stderr: &str) {
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn empty_or_blank_text() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let before = head(&env, "user");
    for text in ["", "   ", "\n\t\n"] {
        let stderr = env.fails(&["save", text], 1);
        one_sentence(&stderr);
        assert!(stderr.contains("nothing to save"), "{stderr}");
    }
    let out = env
        .mem()
        .args(["save", "--stdin"])
        .write_stdin("  \n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(head(&env, "user"), before);
}

#[test]
fn body_over_the_size_limit() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let before = head(&env, "user");
    let big = "x".repeat(1024 * 1024 + 1);
    let out = env
        .mem()
        .args(["save", "--stdin"])
        .write_stdin(big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    one_sentence(&stderr);
    assert!(stderr.contains("over the limit of 1 MiB"), "{stderr}");
    assert_eq!(head(&env, "user"), before);
    // Exactly the limit is fine.
    let out = env
        .mem()
        .args(["save", "--stdin"])
        .write_stdin("y".repeat(1024 * 1024))
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn invalid_utf8_on_stdin() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["save", "--stdin"])
        .write_stdin(vec![b'o', b'k', 0xff, 0xfe])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    one_sentence(&stderr);
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(!env.scope_repo("user").exists());
}

#[test]
fn unknown_or_malformed_scope() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let stderr = env.fails(&["save", "x", "--scope", "team/acme"], 2);
    one_sentence(&stderr);
    assert!(
        stderr.contains("no scope 'team/acme'") && stderr.contains("local, user"),
        "{stderr}"
    );
    let stderr = env.fails(&["save", "x", "--scope", "../etc"], 2);
    one_sentence(&stderr);
    assert!(stderr.contains("not a scope name"), "{stderr}");
    let stderr = env.fails(&["search", "x", "--scope", "nope"], 2);
    one_sentence(&stderr);
    assert!(!env.home.path().join("scopes/team").exists());
}

#[test]
fn an_empty_query_is_a_usage_error() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("something to find", &[]);
    for query in ["", "   "] {
        let stderr = env.fails(&["search", query], 2);
        one_sentence(&stderr);
        assert!(stderr.contains("the query is empty"), "{stderr}");
    }
    // A query of operators only is still searched, as text.
    env.ok(&["search", "*"]);
}

#[test]
fn id_prefixes_that_match_nothing_or_several() {
    let env = TestEnv::new();
    // These two bodies have ids sharing their first 6 hex digits.
    let a = env.save("collide 26730", &[]);
    let b = env.save("collide 24776", &[]);
    assert_eq!(a[..6], b[..6]);
    let stderr = env.fails(&["get", &a[..6]], 1);
    one_sentence(&stderr);
    assert!(
        stderr.contains("matches several")
            && stderr.contains(&a[..12])
            && stderr.contains(&b[..12]),
        "{stderr}"
    );
    assert!(env.ok(&["get", &a[..12]]).contains("collide 26730"));
    let stderr = env.fails(&["get", "abcdef0123"], 4);
    one_sentence(&stderr);
    assert!(
        stderr.contains("no observation has an id starting with 'abcdef0123'"),
        "{stderr}"
    );
    env.fails(&["delete", "abcdef0123"], 4);
    env.fails(&["edit", "abcdef0123"], 4);
    env.fails(&["log", "abcdef0123"], 4);
    let stderr = env.fails(&["get", "abc"], 1);
    assert!(stderr.contains("at least 6 hex"), "{stderr}");
    let stderr = env.fails(&["get", "not-hex-at-all"], 1);
    one_sentence(&stderr);
}

#[test]
fn since_that_is_not_a_date() {
    let env = TestEnv::new();
    for bad in ["yesterday", "2026-13-45", "7x"] {
        let stderr = env.fails(&["search", "x", "--since", bad], 2);
        one_sentence(&stderr);
        assert!(stderr.contains("is not a date"), "{stderr}");
    }
    env.fails(&["list", "--since", "soon"], 2);
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let env = TestEnv::new();
    env.fails(&["save", "x", "--importance", "9"], 2);
    env.fails(&["save"], 2);
    env.fails(&["export", "--format", "pdf"], 2);
    let stderr = env.fails(&["save", "x", "--kind", "banana"], 2);
    one_sentence(&stderr);
    assert!(
        stderr.contains("is not a kind") && stderr.contains("decision"),
        "{stderr}"
    );
    assert!(!env.scope_repo("user").exists() || env.ids(&["list", "--all"]).is_empty());
}

#[test]
fn a_read_only_mem_home() {
    let env = TestEnv::new();
    let id = env.save("written before", &[]);
    let before = head(&env, "user");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .unwrap()
        .stdout
        == b"0\n";
    // Root ignores permission bits, so run mem as an unprivileged user then.
    // The unprivileged user must be able to reach the binary wherever the
    // checkout lives: run a world-readable copy.
    let bin_dir = tempfile::tempdir().unwrap();
    let bin = bin_dir.path().join("mem");
    std::fs::copy(assert_cmd::cargo::cargo_bin("mem"), &bin).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |args: &[&str]| -> std::process::Output {
        let mut cmd = if is_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            c
        } else {
            std::process::Command::new(&bin)
        };
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("MEM_HOME", env.home.path())
            .env("MEM_NOW", crate::common::NOW)
            .env("USER", "tester")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .current_dir("/")
            .output()
            .unwrap()
    };
    // World-readable, writable by nobody but root.
    std::process::Command::new("chmod")
        .args(["-R", "a+rX,go-w", env.home.path().to_str().unwrap()])
        .status()
        .unwrap();
    std::process::Command::new("chmod")
        .args(["-R", "a-w", env.home.path().to_str().unwrap()])
        .status()
        .unwrap();
    let out = run(&["save", "cannot be written"]);
    let _ = std::process::Command::new("chmod")
        .args(["-R", "u+w", env.home.path().to_str().unwrap()])
        .status();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    one_sentence(&stderr);
    assert!(
        stderr.contains("read-only")
            || stderr.contains("ermission denied")
            || stderr.contains("readonly"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    assert_eq!(head(&env, "user"), before);
    assert_eq!(env.ids(&["list"]), vec![id]);
}

#[test]
fn ages_past_the_calendar_are_bad_input_not_a_panic() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    for since in ["99999999d", "9999999w", "9999999999999999999d"] {
        for command in ["list", "search"] {
            let mut args = vec![command];
            if command == "search" {
                args.push("anything");
            }
            args.extend(["--since", since]);
            let stderr = env.fails(&args, 2);
            one_sentence(&stderr);
            assert!(stderr.contains("is not a date"), "{stderr}");
        }
    }
}

#[test]
fn an_unknown_kind_filter_is_a_usage_error() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    for args in [
        vec!["list", "--kind", "nope"],
        vec!["search", "x", "--kind", "nope"],
    ] {
        let stderr = env.fails(&args, 2);
        one_sentence(&stderr);
        assert!(stderr.contains("'nope' is not a kind"), "{stderr}");
    }
}
