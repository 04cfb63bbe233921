//! `mem hook install --client git-pre-push`: a push syncs mem in the
//! background; the user's own hook script is kept byte for byte.

use crate::common::{bare_remote, git, TestEnv};

#[test]
fn a_git_push_syncs_mem_in_the_background() {
    let tmp = tempfile::tempdir().unwrap();
    let (mem_remote, mem_url) = bare_remote(tmp.path(), "memories");
    let (_, code_url) = bare_remote(tmp.path(), "code");
    let env = TestEnv::new();
    env.ok(&["init", "--remote", &mem_url]);
    env.ok(&["save", "learned while coding"]);
    let repo = env.cwd.path().join("project");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["remote", "add", "origin", &code_url]);
    let hook = repo.join(".git/hooks/pre-push");
    let theirs = "#!/bin/sh\n# the team's own checks\nexit 0\n";
    std::fs::write(&hook, theirs).unwrap();

    let dry = env
        .mem()
        .current_dir(&repo)
        .args(["hook", "install", "--client", "git-pre-push", "--dry-run"])
        .output()
        .unwrap();
    assert!(dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stdout).contains("+# >>> kioku-mesh >>>"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        theirs,
        "--dry-run writes nothing"
    );

    let run = |args: &[&str]| -> String {
        let out = env.mem().current_dir(&repo).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["hook", "install", "--client", "git-pre-push"]).contains("installed"));
    let installed = std::fs::read_to_string(&hook).unwrap();
    assert!(
        installed.starts_with("#!/bin/sh\n# >>> kioku-mesh >>>")
            && installed.contains("sync --quiet"),
        "{installed}"
    );
    assert!(
        installed.ends_with("# the team's own checks\nexit 0\n"),
        "{installed}"
    );
    assert!(run(&["hook", "install", "--client", "git-pre-push"]).contains("nothing to do"));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), installed);
    assert_eq!(
        std::fs::read_to_string(repo.join(".git/hooks/pre-push.mem-backup")).unwrap(),
        theirs
    );

    // A push: mem's remote receives the observation without anyone syncing.
    std::fs::write(repo.join("a.txt"), "x").unwrap();
    git(&repo, &["add", "a.txt"]);
    git(&repo, &["commit", "-q", "-m", "work"]);
    let push = std::process::Command::new("git")
        .args(["push", "-q", "origin", "main"])
        .current_dir(&repo)
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap();
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    let mut synced = false;
    for _ in 0..100 {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(&mem_remote)
            .args(["rev-parse", "--verify", "-q", "main"])
            .output()
            .unwrap();
        if out.status.success() {
            synced = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(synced, "the pre-push hook did not sync mem");

    assert!(run(&["hook", "uninstall", "--client", "git-pre-push"]).contains("removed"));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);
    assert!(run(&["hook", "uninstall", "--client", "git-pre-push"]).contains("nothing to do"));
}

#[test]
fn outside_a_repository_the_hook_is_refused() {
    let env = TestEnv::new();
    let out = env
        .mem()
        .args(["hook", "install", "--client", "git-pre-push"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not inside a git repository"));
}
