//! Day folders in both layouts (docs/format.md): flat `obs/YYYY/MM/DD/<id>.md`
//! and, once a day holds `MEM_DAY_FANOUT` direct files, id-prefix folders
//! `obs/YYYY/MM/DD/<id[0..2]>/<id>.md` — read, written and synced alike.

use std::process::Command as StdCommand;

use crate::common::{assert_fsck_clean, bare_remote, busy_day_jsonl, git, Device, TestEnv};

const SCOPE: &str = "team/core";

/// `mem args…` on `d` with the day fan-out bound `fanout` (`0`: never, the
/// layout of versions before it).
fn run(d: &Device, fanout: &str, args: &[&str]) -> String {
    let out = d
        .mem()
        .env("MEM_DAY_FANOUT", fanout)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "[{}] mem {args:?} failed:\n{}",
        d.name,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn jsonl(d: &Device, name: &str, bodies: &[String]) -> String {
    let path = d.env.home.path().join(name);
    let lines: Vec<String> = bodies
        .iter()
        .map(|b| serde_json::json!({ "body": b }).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

fn obs_paths(d: &Device) -> Vec<String> {
    d.env
        .tree_paths(SCOPE)
        .into_iter()
        .filter(|p| p.starts_with("obs/"))
        .collect()
}

/// The id a file name holds (`<id>.md`).
fn id_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap().trim_end_matches(".md")
}

fn is_fanned(path: &str) -> bool {
    path.split('/').count() == 6
}

/// How many hits for `query` name `id`.
fn hits(d: &Device, fanout: &str, query: &str, id: &str) -> usize {
    let out = run(d, fanout, &["search", query, "--scope", SCOPE, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|h| h["id"] == id)
        .count()
}

#[test]
fn an_old_layout_device_and_a_new_layout_device_share_a_day_in_both_layouts() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(tmp.path(), "team");
    let old = TestEnv::device("old");
    let new = TestEnv::device("new");
    const OLD: &str = "0";
    const NEW: &str = "8";
    run(&old, OLD, &["init"]);
    run(&old, OLD, &["scope", "add", SCOPE, "--remote", &url]);
    // Undated records all land on one day: a big flat day on the old device.
    let first: Vec<String> = (0..40).map(|i| format!("flatword record {i}")).collect();
    let file = jsonl(&old, "first.jsonl", &first);
    run(
        &old,
        OLD,
        &["import", "--from", "jsonl", &file, "--scope", SCOPE],
    );
    run(&old, OLD, &["sync"]);
    run(&new, NEW, &["init"]);
    run(&new, NEW, &["scope", "add", SCOPE, "--remote", &url]);
    // The same import on both devices before they meet: the old device
    // puts it in the flat day, the new one in prefix folders.
    let both: Vec<String> = (0..12).map(|i| format!("twiceword record {i}")).collect();
    run(
        &old,
        OLD,
        &[
            "import",
            "--from",
            "jsonl",
            &jsonl(&old, "both.jsonl", &both),
            "--scope",
            SCOPE,
        ],
    );
    run(
        &new,
        NEW,
        &[
            "import",
            "--from",
            "jsonl",
            &jsonl(&new, "both.jsonl", &both),
            "--scope",
            SCOPE,
        ],
    );
    let fanned = run(
        &new,
        NEW,
        &["save", "fanword note", "--scope", SCOPE, "--json"],
    );
    let fanned: serde_json::Value = serde_json::from_str(&fanned).unwrap();
    let fanned_id = fanned["id"].as_str().unwrap().to_owned();
    assert!(is_fanned(fanned["path"].as_str().unwrap()), "{fanned}");
    let flat_only = run(
        &old,
        OLD,
        &["save", "oldword note", "--scope", SCOPE, "--json"],
    );
    let flat_only: serde_json::Value = serde_json::from_str(&flat_only).unwrap();
    let flat_id = flat_only["id"].as_str().unwrap().to_owned();
    assert!(!is_fanned(flat_only["path"].as_str().unwrap()));
    for (d, f) in [(&new, NEW), (&old, OLD), (&new, NEW)] {
        run(d, f, &["sync"]);
    }
    // Both layouts in one day, and the shared import at two paths each.
    let paths = obs_paths(&new);
    assert_eq!(paths, obs_paths(&old));
    let twice: Vec<&String> = paths
        .iter()
        .filter(|p| paths.iter().filter(|q| id_of(q) == id_of(p)).count() == 2)
        .collect();
    assert_eq!(twice.len(), 2 * both.len(), "{paths:#?}");
    assert!(paths.iter().any(|p| is_fanned(p)) && paths.iter().any(|p| !is_fanned(p)));
    let ids = new.list_ids(&[]);
    assert_eq!(ids.len(), first.len() + both.len() + 2, "each id once");
    assert_eq!(old.list_ids(&[]), ids);
    // Search, get: each observation once, the same path on both devices
    // (of two, the byte-wise smallest: the prefix folder's).
    let twice_id = id_of(twice[0]).to_owned();
    for (d, f) in [(&old, OLD), (&new, NEW)] {
        assert_eq!(hits(d, f, "fanword", &fanned_id), 1);
        assert_eq!(hits(d, f, "oldword", &flat_id), 1);
        assert_eq!(hits(d, f, "twiceword", &twice_id), 1);
        let got: serde_json::Value =
            serde_json::from_str(&run(d, f, &["get", &twice_id, "--json"])).unwrap();
        let path = got["path"].as_str().unwrap();
        assert!(
            is_fanned(path) && path.ends_with(&format!("{twice_id}.md")),
            "{got}"
        );
    }
    // Delete and supersede across layouts, from either device.
    let flat_first = paths
        .iter()
        .filter(|p| !is_fanned(p) && id_of(p) != flat_id)
        .map(|p| id_of(p).to_owned())
        .find(|id| paths.iter().filter(|q| id_of(q) == id).count() == 1)
        .unwrap();
    run(&old, OLD, &["delete", &fanned_id]);
    run(&new, NEW, &["delete", &twice_id]);
    run(
        &new,
        NEW,
        &[
            "save",
            "replaces the old note",
            "--scope",
            SCOPE,
            "--supersedes",
            &flat_id,
        ],
    );
    run(
        &old,
        OLD,
        &[
            "save",
            "replaces a flat record",
            "--scope",
            SCOPE,
            "--supersedes",
            &flat_first,
        ],
    );
    for (d, f) in [(&old, OLD), (&new, NEW), (&old, OLD)] {
        run(d, f, &["sync"]);
    }
    let live = new.list_ids(&[]);
    assert_eq!(old.list_ids(&[]), live);
    assert_eq!(old.all_ids(), new.all_ids());
    for gone in [&fanned_id, &twice_id, &flat_id, &flat_first] {
        assert!(!live.contains(gone), "{gone} is hidden");
    }
    assert_eq!(live.len(), ids.len() - 4 + 2);
    assert_eq!(hits(&old, OLD, "twiceword", &twice_id), 0);
    let tip = git(&remote, &["rev-parse", "main"]);
    for d in [&old, &new] {
        assert_eq!(git(&d.env.scope_repo(SCOPE), &["rev-parse", "main"]), tip);
        assert_fsck_clean(&d.env.scope_repo(SCOPE));
    }
    assert_fsck_clean(&remote);
}

#[test]
fn a_save_into_a_day_of_twenty_thousand_writes_only_small_trees() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let file = busy_day_jsonl(&env, 20_000);
    // No background pack: the scope keeps its 20,000+ loose objects.
    env.import_jsonl_with(&[("MEM_GC_AUTO", "0")], &file, "local");
    let mut save = env.mem();
    save.env("MEM_GC_AUTO", "0")
        .args(["save", "one more on the same day", "--scope", "local"]);
    assert!(save.output().unwrap().status.success());
    let repo = env.scope_repo("local");
    // The trees the save wrote: those of main that main^ does not have.
    let new_objects = git(&repo, &["rev-list", "--objects", "main", "--not", "main^"]);
    let ids: String = new_objects
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned() + "\n")
        .collect();
    let mut check = StdCommand::new("git")
        .arg("--git-dir")
        .arg(&repo)
        .args(["cat-file", "--batch-check=%(objecttype) %(objectsize)"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    check
        .stdin
        .take()
        .unwrap()
        .write_all(ids.as_bytes())
        .unwrap();
    let out = String::from_utf8(check.wait_with_output().unwrap().stdout).unwrap();
    let trees: Vec<u64> = out
        .lines()
        .filter_map(|l| l.strip_prefix("tree "))
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(trees.len() >= 5, "{out}");
    // A flat day of 20,000 is a 1.9 MB tree, rewritten whole by each save.
    // Fanned out: the day's 128 direct files and 256 prefix folders
    // (about 20 KB) and one prefix folder of some 80 entries.
    let largest = trees.iter().max().unwrap();
    let total: u64 = trees.iter().sum();
    assert!(*largest < 40_000, "a {largest}-byte tree for one save");
    assert!(total < 60_000, "{total} bytes of trees for one save");
    // No per-object work either (a `stat` per entry of the trees written,
    // or per loose object): the save costs about what any save costs
    // (some 280 file-status calls here), not the 20,000 loose objects.
    let calls = match crate::test_scale::stat_calls_with(
        &env,
        &[("MEM_GC_AUTO", "0")],
        &["save", "and one more, counted", "--scope", "local"],
    ) {
        Ok(n) => n,
        Err(why) => return crate::common::servers::skip(&why),
    };
    assert!(calls < 500, "{calls} file-status calls for one save");
    let found = env.ok(&["search", "one more on the same day", "--scope", "local"]);
    assert!(found.contains("one more on the same day"), "{found}");
    assert_fsck_clean(&repo);
}

#[test]
fn an_encrypted_day_fans_out_by_opaque_name_and_a_rekey_keeps_the_folders_matching() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let save = |text: &str| -> (String, String) {
        let out = env
            .mem()
            .env("MEM_DAY_FANOUT", "2")
            .args(["save", text, "--scope", "user", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["id"].as_str().unwrap().into(),
            v["path"].as_str().unwrap().into(),
        )
    };
    let saved: Vec<(String, String)> = (0..6).map(|i| save(&format!("sealed note {i}"))).collect();
    let check = || {
        let paths: Vec<String> = env
            .tree_paths("user")
            .into_iter()
            .filter(|p| p.starts_with("obs/"))
            .collect();
        assert_eq!(paths.len(), 6);
        assert_eq!(
            paths.iter().filter(|p| is_fanned(p)).count(),
            4,
            "{paths:#?}"
        );
        for p in paths.iter().filter(|p| is_fanned(p)) {
            let parts: Vec<&str> = p.split('/').collect();
            // The folder is the opaque name's prefix: nothing of the id.
            assert!(
                parts[5].starts_with(parts[4]) && parts[5].ends_with(".age"),
                "{p}"
            );
        }
        for (id, _) in &saved {
            assert!(env.ok(&["get", id]).contains("sealed note"));
        }
        paths
    };
    let before = check();
    assert!(
        saved.iter().all(|(_, path)| before.contains(path)),
        "save reports the real path"
    );
    env.ok(&["scope", "rekey", "user"]);
    let after = check();
    assert!(
        before.iter().all(|p| !after.contains(p)),
        "new names after a rekey"
    );
    assert_fsck_clean(&env.scope_repo("user"));
}
