//! `mem watch`: the index follows a ref moved from outside, one watcher per
//! MEM_HOME, SIGTERM stops it cleanly, and --sync-after is debounced and
//! survives an unreachable remote.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{bare_remote, git, TestEnv};

struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(env: &TestEnv, args: &[&str]) -> Watch {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mem"))
            .arg("watch")
            .args(args)
            .env_clear()
            .envs(env.vars())
            .current_dir(env.cwd.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let w = Watch { child, lines: rx };
        w.expect("watching", Duration::from_secs(20));
        w
    }

    /// Wait for a line containing `needle`; returns it.
    fn expect(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("mem watch printed no line with {needle:?} within {within:?}"),
            }
        }
    }

    /// Lines printed so far.
    fn drain(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "mem watch did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn indexed_commit(env: &TestEnv, scope: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(env.home.path().join("index.sqlite")).unwrap();
    conn.query_row(
        "SELECT commit_id FROM scopes WHERE name = ?1",
        [scope],
        |r| r.get(0),
    )
    .ok()
}

#[test]
fn the_index_follows_a_ref_moved_from_outside_and_sigterm_stops_it() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.save("first", &["--scope", "local"]);
    let watch = Watch::start(&env, &[]);
    env.commit_externally(
        "local",
        &[("obs/2026/11/21/hand.md", "---\nkind: note\ntitle: Hand edit\ncreated: 2026-11-21T09:00:00Z\n---\nadded with plain git\n")],
        &[],
    );
    let head = git(&env.scope_repo("local"), &["rev-parse", "main"])
        .trim()
        .to_owned();
    let line = watch.expect(
        &format!("local: indexed at {}", &head[..12]),
        Duration::from_secs(20),
    );
    assert!(line.starts_with("local:"), "{line}");
    // The index itself (read directly: any mem command would update it).
    assert_eq!(
        indexed_commit(&env, "local").as_deref(),
        Some(head.as_str())
    );

    // One watcher per MEM_HOME.
    let err = env.fails(&["watch"], 1);
    assert!(
        err.contains("another mem watch is already running") && err.contains("pid"),
        "{err}"
    );

    let status = watch.terminate();
    assert!(status.success(), "{status:?}");
    // The lock went with it.
    let again = Watch::start(&env, &[]);
    assert!(again.terminate().success());
}

#[test]
fn sync_after_waits_for_quiet_and_an_unreachable_remote_is_not_fatal() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let (remote, url) = bare_remote(env.cwd.path(), "local");
    env.ok(&["scope", "remote", "local", &url]);
    let watch = Watch::start(&env, &["--sync-after", "2"]);
    let remote_head = || {
        std::process::Command::new("git")
            .args([
                "--git-dir",
                remote.to_str().unwrap(),
                "rev-parse",
                "--verify",
                "-q",
                "main",
            ])
            .output()
            .unwrap()
            .stdout
    };
    let started = Instant::now();
    env.save("first change", &["--scope", "local"]);
    std::thread::sleep(Duration::from_millis(1000));
    env.save("second change restarts the wait", &["--scope", "local"]);
    // 2.5 s after the first save: without the restart it would have synced.
    std::thread::sleep(Duration::from_millis(2500).saturating_sub(started.elapsed()));
    assert!(
        remote_head().is_empty(),
        "synced before the changes settled"
    );
    watch.expect("local: synced", Duration::from_secs(20));
    let local = git(&env.scope_repo("local"), &["rev-parse", "main"]);
    assert_eq!(String::from_utf8(remote_head()).unwrap(), local);
    // Its own sync does not start another.
    std::thread::sleep(Duration::from_millis(3000));
    assert!(!watch.drain().iter().any(|l| l.contains("synced")));

    // Offline: reported, and the watcher goes on.
    env.ok(&["scope", "remote", "local", "file:///nonexistent/remote.git"]);
    env.save("made offline", &["--scope", "local"]);
    watch.expect("local: not synced", Duration::from_secs(20));
    env.save("still watching", &["--scope", "local"]);
    watch.expect("local: indexed at", Duration::from_secs(20));
    assert!(watch.terminate().success());
}
