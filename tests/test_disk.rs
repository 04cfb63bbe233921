//! A full disk and a read-only disk under `MEM_HOME`: a small tmpfs the
//! test mounts (it skips, saying why, where mounting is not allowed).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;

/// A tmpfs mounted at `MEM_HOME` for the test's life.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Tmpfs, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| format!("mount cannot run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mounting a tmpfs is not allowed here: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs(at.to_owned()))
    }

    fn remount(&self, options: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {options}");
    }
}

/// Mounting needs privileges a test may not have: say why and pass.
fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_full_disk_loses_no_reported_save_and_reads_go_on() {
    let env = TestEnv::new();
    let _disk = match Tmpfs::mount(env.home.path(), "1200k") {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    env.ok(&["init"]);
    let filler = "x".repeat(1500);
    let (mut saved, mut refused) = (Vec::new(), 0);
    for i in 0..300 {
        let text = format!("note {i} of a disk filling up {filler}{i}");
        let out = env.output(&["save", &text, "--scope", "local", "--json"]);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            saved.push(v["id"].as_str().unwrap().to_owned());
        } else {
            refused += 1;
            let e = stderr(&out);
            assert!(e.contains("full"), "one sentence naming the cause: {e}");
            assert!(!e.contains("panicked"), "{e}");
        }
        if refused >= 5 {
            break;
        }
    }
    assert!(!saved.is_empty() && refused >= 5, "the disk filled up");
    // Every save reported as saved is in the scope's history.
    let tree = env.tree_paths("local");
    for id in &saved {
        assert!(tree.iter().any(|p| p.contains(id.as_str())), "{id} is lost");
    }
    // Reads work on the full disk.
    let out = env.output(&["list", "--scope", "local", "--json", "--limit", "1000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains(&saved[0]), "{listed}");
    let out = env.output(&["search", "disk filling", "--scope", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.output(&["get", &saved[0]]).status.success());

    // With space again, everything saved is found.
    let _ = Command::new("mount")
        .args(["-o", "remount,size=8m"])
        .arg(env.home.path())
        .status();
    let ids = env.ids(&["list", "--scope", "local", "--limit", "1000"]);
    for id in &saved {
        assert!(ids.contains(id), "{id} is not listed");
    }
}

#[test]
fn a_read_only_disk_still_answers_reads_and_doctor_names_the_disk() {
    let env = TestEnv::new();
    let disk = match Tmpfs::mount(env.home.path(), "8m") {
        Ok(d) => d,
        Err(why) => return skip(&why),
    };
    env.ok(&["init"]);
    let id = env.save(
        "written before the disk went read-only",
        &["--scope", "local"],
    );
    env.ok(&["list"]);
    // Another writer's commit the index has not seen yet.
    env.commit_externally(
        "local",
        &[(
            "obs/2026/12/01/0000000000000000000000000000000000000000000000000000000000000001.md",
            "---\nid: 0000000000000000000000000000000000000000000000000000000000000001\nkind: note\ntitle: from elsewhere\ncreated: 2026-12-01T00:00:00Z\n---\nfrom elsewhere\n",
        )],
        &[],
    );
    disk.remount("ro");
    let out = env.output(&["list", "--scope", "local"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id[..12]));
    assert!(
        stderr(&out).contains("results may miss"),
        "{}",
        stderr(&out)
    );
    let out = env.output(&["save", "cannot be written", "--scope", "local"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let out = env.output(&["doctor"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("make writable) the disk holding"),
        "{report}"
    );
    assert!(!report.contains("fix: mem reindex"), "{report}");
    disk.remount("rw");
    // Its fix is right: with the disk writable, the index catches up.
    env.ok(&["doctor"]);
    assert!(env
        .ok(&["list", "--scope", "local"])
        .contains("from elsewhere"));
}
