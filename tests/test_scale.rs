//! Costs that must follow the size of a change, not of the store: counted
//! in file-system calls (`strace`), never timed.

use std::process::Command;

use crate::common::servers::skip;
use crate::common::{busy_day_jsonl, TestEnv};

/// The file-status calls (`statx`, `stat`, `lstat`, `newfstatat`) one run
/// of `mem args…` makes, counted by `strace -c`.
fn stat_calls(env: &TestEnv, args: &[&str]) -> Result<u64, String> {
    stat_calls_with(env, &[], args)
}

/// As [`stat_calls`], with `vars` added to the environment.
pub(crate) fn stat_calls_with(
    env: &TestEnv,
    vars: &[(&str, &str)],
    args: &[&str],
) -> Result<u64, String> {
    let text = strace(
        env,
        vars,
        &["-c", "-e", "trace=statx,stat,lstat,newfstatat"],
        args,
    )?;
    // The "total" line: "100.00 seconds usecs calls errors total".
    let total = text
        .lines()
        .find(|l| l.trim_end().ends_with("total"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(0);
    Ok(total)
}

/// What `strace -f <options>` writes about one run of `mem args…` (its
/// children included) with `vars` added to the environment; `Err` when
/// strace cannot run.
fn strace(
    env: &TestEnv,
    vars: &[(&str, &str)],
    options: &[&str],
    args: &[&str],
) -> Result<String, String> {
    let log = env.home.path().join("strace.txt");
    let out = Command::new("strace")
        .args(["-f", "-o"])
        .arg(&log)
        .args(options)
        .arg(assert_cmd::cargo::cargo_bin("mem"))
        .args(args)
        .env_clear()
        .envs(env.vars())
        .envs(vars.iter().copied())
        .current_dir(env.cwd.path())
        .output()
        .map_err(|e| format!("strace cannot run ({e}): apt-get install strace"))?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&log).map_err(|e| e.to_string())
}

/// A save opens its scope's repository once (each open reads its
/// `config`, and loading the pack indexes costs O(objects)), and never
/// reads back an object it wrote: the index takes the new file from the
/// bytes in hand.
#[test]
fn a_save_opens_its_scope_once_and_reads_back_none_of_its_objects() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    env.ok(&["save", "the first note of the day", "--scope", "local"]);
    // No background pack: its git processes would read objects too.
    let trace = match strace(
        &env,
        &[("MEM_GC_AUTO", "0")],
        &["-e", "trace=openat,rename,renameat,renameat2"],
        &["save", "a second note of the day", "--scope", "local"],
    ) {
        Ok(t) => t,
        Err(why) => return skip(&why),
    };
    let repo = env.scope_repo("local");
    let config = format!("\"{}\"", repo.join("config").display());
    let opens = trace
        .lines()
        .filter(|l| l.contains("openat(") && l.contains(&config))
        .count();
    assert_eq!(opens, 1, "{trace}");
    // The loose objects the save wrote: each is renamed into place.
    let objects = format!("{}/", repo.join("objects").display());
    let written: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("rename"))
        .filter_map(|l| l.split('"').nth(3))
        .filter(|to| to.starts_with(&objects) && !to.contains("/pack/"))
        .collect();
    assert!(written.len() >= 3, "{trace}");
    for object in written {
        let quoted = format!("\"{object}\"");
        assert!(
            !trace
                .lines()
                .any(|l| l.contains("openat(") && l.contains(&quoted)),
            "{object} was read back: {trace}"
        );
    }
    let found = env.ok(&["search", "second note", "--scope", "local"]);
    assert!(found.contains("a second note of the day"), "{found}");
}

#[test]
fn a_save_into_a_day_of_ten_thousand_does_no_per_entry_work() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    // Records without dates all land on one day. The import's ten packs
    // stay as they are: git consolidating them meanwhile is not the point.
    let file = busy_day_jsonl(&env, 10_000);
    env.import_jsonl_with(&[("MEM_GC_AUTO", "0")], &file, "local");
    let calls = match stat_calls(
        &env,
        &["save", "one more on the same day", "--scope", "local"],
    ) {
        Ok(n) => n,
        Err(why) => return skip(&why),
    };
    // Before: one `stat` per entry of the day's tree (10,000+); the cost
    // of a save is now that of its own few objects and the process start.
    assert!(calls < 1_000, "{calls} file-status calls for one save");
    let found = env.ok(&["search", "one more on the same day", "--scope", "local"]);
    assert!(found.contains("one more on the same day"), "{found}");
    crate::common::assert_fsck_clean(&env.scope_repo("local"));
}

#[test]
fn loose_objects_are_packed_in_the_background_while_eight_processes_save() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let repo = env.scope_repo("local");
    let mut children = Vec::new();
    for p in 0..8 {
        let mut cmd = std::process::Command::new("sh");
        let mem = assert_cmd::cargo::cargo_bin("mem");
        cmd.arg("-c")
            .arg(format!(
                "for i in $(seq 1 15); do \"{}\" save \"process {p} note $i\" --scope local >/dev/null || exit 1; done",
                mem.display()
            ))
            .env_clear()
            .envs(env.vars())
            // A low threshold, so the saves themselves start packs.
            .env("MEM_GC_AUTO", "20")
            .current_dir(env.cwd.path());
        children.push(cmd.spawn().unwrap());
    }
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a save failed");
    }
    // Wait for the last background pack to finish.
    let started = std::time::Instant::now();
    while crate::common::background_pack_running(&repo) && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let packs = std::fs::read_dir(repo.join("objects/pack"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
        .count();
    assert!(packs > 0, "the threshold started a pack");
    // Nothing lost, nothing broken.
    let listed = env.ids(&["list", "--scope", "local", "--limit", "500"]);
    assert_eq!(listed.len(), 8 * 15);
    crate::common::assert_fsck_clean(&repo);
}
