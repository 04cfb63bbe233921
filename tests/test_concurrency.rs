//! Many processes saving into one scope at once: compare-and-swap on the
//! branch ref must lose nothing and duplicate nothing.

use std::collections::HashSet;

use crate::common::{git, TestEnv};

#[test]
fn sixteen_processes_saving_fifty_each() {
    let env = TestEnv::new();
    env.ok(&["init"]);
    let bin = assert_cmd::cargo::cargo_bin("mem");
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let script = format!(
                "for i in $(seq 1 50); do \"$MEM\" save \"worker {w} observation $i\" --tag w{w} >/dev/null 2>>\"$ERRS\" || exit 1; done"
            );
            let mut cmd = std::process::Command::new("sh");
            cmd.arg("-c").arg(script);
            cmd.env_clear().envs(env.vars()).env("ERRS", env.home.path().join(format!("worker-{w}.err"))).env("MEM", &bin);
            cmd.env_remove("MEM_NOW").current_dir(env.cwd.path());
            cmd.spawn().unwrap()
        })
        .collect();
    for (w, mut child) in workers.into_iter().enumerate() {
        let ok = child.wait().unwrap().success();
        let errs = std::fs::read_to_string(env.home.path().join(format!("worker-{w}.err")))
            .unwrap_or_default();
        assert!(ok, "worker {w} failed: {errs}");
    }
    let repo = env.scope_repo("user");
    let files: Vec<String> = git(&repo, &["ls-tree", "-r", "--name-only", "main"])
        .lines()
        .filter(|l| l.starts_with("obs/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(files.len(), 800);
    assert_eq!(files.iter().collect::<HashSet<_>>().len(), 800);
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]).trim(), "801");
    git(&repo, &["fsck", "--strict", "--no-dangling"]);
    let listed = env.json(&["list", "-n", "2000", "--json"]);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 800);
    let bodies: HashSet<String> = listed
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_owned())
        .collect();
    for w in 0..16 {
        for i in 1..=50 {
            assert!(
                bodies.contains(&format!("worker {w} observation {i}")),
                "lost worker {w} #{i}"
            );
        }
    }
    // The index agrees with a rebuild.
    env.ok(&["reindex"]);
    assert_eq!(
        env.json(&["list", "-n", "2000", "--json"])
            .as_array()
            .unwrap()
            .len(),
        800
    );
}
