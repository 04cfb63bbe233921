//! Shared test environment: a temporary `MEM_HOME` per "device", the real
//! `mem` binary run with a cleared environment and a fixed clock, and git
//! helpers for inspecting scope repositories.

#![allow(dead_code)]

pub mod servers;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// The fixed clock of every command unless a test sets `MEM_NOW` itself.
pub const NOW: &str = "2026-11-22T10:00:00Z";

/// One device: a `MEM_HOME` and a working directory outside any git repository.
pub struct TestEnv {
    pub home: TempDir,
    pub cwd: TempDir,
}

/// Run `git` with a neutral config, panicking on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl TestEnv {
    pub fn new() -> Self {
        TestEnv {
            home: tempfile::Builder::new()
                .prefix("mem-home-")
                .tempdir()
                .unwrap(),
            cwd: tempfile::Builder::new()
                .prefix("mem-cwd-")
                .tempdir()
                .unwrap(),
        }
    }

    /// The environment every `mem` run gets (nothing else is inherited).
    pub fn vars(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("PATH", std::env::var_os("PATH").unwrap_or_default()),
            ("HOME", self.home.path().into()),
            ("MEM_HOME", self.home.path().into()),
            ("MEM_NOW", NOW.into()),
            ("USER", "tester".into()),
            ("MEM_DEVICE", "testbox".into()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ]
    }

    /// `mem` with a cleared environment, run in `cwd`.
    pub fn mem(&self) -> Command {
        Command::from_std(self.mem_process())
    }

    /// `mem` with a cleared environment, run in `cwd`, as a plain process
    /// to spawn and wait for, kill or leave running ([`TestEnv::mem`] wraps
    /// it for assertions).
    pub fn mem_process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("mem"));
        cmd.env_clear()
            .envs(self.vars())
            .current_dir(self.cwd.path());
        cmd
    }

    /// Run `mem args…`, assert success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(&[], args)
    }

    /// Run `mem args…` with the environment variables `vars` added, assert
    /// success, return stdout.
    pub fn ok_with(&self, vars: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.output_with(vars, args);
        assert!(
            out.status.success(),
            "mem {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `mem import --from jsonl FILE --scope SCOPE`, asserted to succeed;
    /// its stdout.
    pub fn import_jsonl(&self, file: &Path, scope: &str) -> String {
        self.import_jsonl_with(&[], file, scope)
    }

    /// [`TestEnv::import_jsonl`] with the environment variables `vars`
    /// added (`MEM_GC_AUTO=0`: no background pack).
    pub fn import_jsonl_with(&self, vars: &[(&str, &str)], file: &Path, scope: &str) -> String {
        self.ok_with(
            vars,
            &[
                "import",
                "--from",
                "jsonl",
                file.to_str().unwrap(),
                "--scope",
                scope,
            ],
        )
    }

    /// Run `mem args…`, assert failure with `code`, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.mem().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "mem {args:?}: expected exit {code}\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        assert!(!stderr.contains("RUST_BACKTRACE"), "backtrace: {stderr}");
        stderr
    }

    /// Run and return the whole output, whatever the status.
    pub fn output(&self, args: &[&str]) -> Output {
        self.output_with(&[], args)
    }

    /// Run with the environment variables `vars` added and return the whole
    /// output, whatever the status.
    pub fn output_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = self.mem();
        for (key, value) in vars {
            cmd.env(key, value);
        }
        cmd.args(args).output().unwrap()
    }

    /// Parse stdout of a `--json` command.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}\n{out}"))
    }

    /// `mem save TEXT extra… --json` and return the full id.
    pub fn save(&self, text: &str, extra: &[&str]) -> String {
        let mut args = vec!["save", text];
        args.extend_from_slice(extra);
        args.push("--json");
        self.json(&args)["id"].as_str().unwrap().to_owned()
    }

    /// Ids (full) printed by `mem <cmd> … --json` (an array of observations).
    pub fn ids(&self, args: &[&str]) -> Vec<String> {
        let mut args = args.to_vec();
        args.push("--json");
        self.json(&args)
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The bare repository of `scope`.
    pub fn scope_repo(&self, scope: &str) -> PathBuf {
        self.home.path().join("scopes").join(format!("{scope}.git"))
    }

    /// Every path in `scope`'s head tree.
    pub fn tree_paths(&self, scope: &str) -> Vec<String> {
        git(
            &self.scope_repo(scope),
            &["ls-tree", "-r", "--name-only", "main"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// Commit `files` (path, content) into `scope` from outside `mem`, the
    /// way a hand edit pushed from a clone would arrive.
    pub fn commit_externally(&self, scope: &str, files: &[(&str, &str)], remove: &[&str]) {
        let files: Vec<(&str, Vec<u8>)> = files
            .iter()
            .map(|(p, c)| (*p, c.as_bytes().to_vec()))
            .collect();
        commit_with_git(&self.scope_repo(scope), &files, remove, "hand edit");
    }
}

/// The entry for `scope` in the array `mem sync --json` printed.
pub fn sync_result<'a>(results: &'a serde_json::Value, scope: &str) -> &'a serde_json::Value {
    by_scope(results, scope)
}

/// The object of `scope` in a JSON array of per-scope objects (`mem sync
/// --json`, the `scopes` of `mem stats --json`); panics when absent.
pub fn by_scope<'a>(list: &'a serde_json::Value, scope: &str) -> &'a serde_json::Value {
    list.as_array()
        .expect("an array of per-scope objects")
        .iter()
        .find(|r| r["scope"] == scope)
        .unwrap_or_else(|| panic!("no object for scope {scope}: {list}"))
}

/// Path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// A bare git repository to use as a remote, and its `file://` URL.
pub fn bare_remote(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}.git"));
    git(
        dir,
        &["init", "-q", "--bare", "-b", "main", path.to_str().unwrap()],
    );
    let url = format!("file://{}", path.display());
    (path, url)
}

impl TestEnv {
    /// Another device: its own `MEM_HOME`, device name `name`, and the
    /// identity every simulated device shares (copied, as a user copies
    /// theirs to a second machine), so they read each other's `user` scope.
    pub fn device(name: &str) -> Device {
        let d = Self::device_with_own_identity(name);
        std::fs::copy(
            fixture("keys/shared-identity.txt"),
            d.env.home.path().join("identity.txt"),
        )
        .unwrap();
        d
    }

    /// A device whose identity `mem init` creates: it reads nothing
    /// encrypted until a device that can adds its recipient.
    pub fn device_with_own_identity(name: &str) -> Device {
        Device {
            env: TestEnv::new(),
            name: name.to_owned(),
        }
    }
}

/// A device in a multi-device test.
pub struct Device {
    pub env: TestEnv,
    pub name: String,
}

impl Device {
    pub fn mem(&self) -> Command {
        let mut c = self.env.mem();
        c.env("MEM_DEVICE", &self.name);
        c
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.mem().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "[{}] mem {args:?} failed:\n{}\n{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `mem save args… --json` and return the full id.
    pub fn save_id(&self, args: &[&str]) -> String {
        let mut all = vec!["save"];
        all.extend_from_slice(args);
        all.push("--json");
        let v: serde_json::Value = serde_json::from_str(&self.ok(&all)).unwrap();
        v["id"].as_str().unwrap().to_owned()
    }

    /// Sorted ids from `mem list` over every project with `extra` flags.
    pub fn list_ids(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["list", "--all-projects", "-n", "100000", "--json"];
        args.extend_from_slice(extra);
        let v: serde_json::Value = serde_json::from_str(&self.ok(&args)).unwrap();
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }

    /// Sorted ids of every observation, superseded and deleted included.
    pub fn all_ids(&self) -> Vec<String> {
        self.list_ids(&["--all"])
    }
}

/// Someone with an age identity of their own made by `mem key init` in a
/// throwaway `MEM_HOME`: the git host in the hostile-remote tests, or a
/// member-to-be whose key is added and removed.
pub struct Keyholder {
    pub env: TestEnv,
    pub recipient: String,
}

impl Keyholder {
    pub fn new() -> Self {
        let env = TestEnv::new();
        env.ok(&["key", "init"]);
        let recipient = env.ok(&["key", "show"]).trim().to_owned();
        Keyholder { env, recipient }
    }

    /// Whether this identity decrypts `bytes` (an age file).
    pub fn can_read(&self, bytes: &[u8]) -> bool {
        let identity =
            kioku_mesh::crypto::Identity::load(&self.env.home.path().join("identity.txt")).unwrap();
        identity.decrypt(bytes).is_ok()
    }
}

/// The bytes of `path` at `rev` in the repository `repo` (binary-safe).
pub fn blob(repo: &Path, rev: &str, path: &str) -> Vec<u8> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["cat-file", "blob", &format!("{rev}:{path}")])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "no {rev}:{path} in {}",
        repo.display()
    );
    out.stdout
}

/// Paths in the tree of `main` in the bare repository `repo`.
pub fn paths_at(repo: &Path) -> Vec<String> {
    git(repo, &["ls-tree", "-r", "--name-only", "main"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A hostile git host: a commit written straight into the bare `remote`
/// with plain git — clone, write `files`, remove `remove`, commit, push —
/// with no mem involved and none of the members' keys.
pub fn host_commit(remote: &Path, files: &[(&str, Vec<u8>)], remove: &[&str]) {
    commit_with_git(remote, files, remove, "mem: 1 saved");
}

/// Clone the bare `repo`, write `files`, remove `remove`, commit with
/// `message` and push back, all with plain git.
fn commit_with_git(repo: &Path, files: &[(&str, Vec<u8>)], remove: &[&str], message: &str) {
    let work = tempfile::tempdir().unwrap();
    git(work.path(), &["clone", "-q", repo.to_str().unwrap(), "w"]);
    let w = work.path().join("w");
    for (path, content) in files {
        let p = w.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        git(&w, &["add", path]);
    }
    for path in remove {
        git(&w, &["rm", "-q", path]);
    }
    git(&w, &["commit", "-q", "--allow-empty", "-m", message]);
    git(&w, &["push", "-q", "origin", "HEAD:main"]);
}

/// Write `n` JSON lines without dates (`mem import` puts them all on
/// today: one busy day) into the home directory; returns the file.
pub fn busy_day_jsonl(env: &TestEnv, n: usize) -> std::path::PathBuf {
    let file = env.home.path().join("day.jsonl");
    let lines: Vec<String> = (0..n)
        .map(|i| format!("{{\"body\":\"note {i} of a very busy day\"}}"))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    file
}

/// How many `.pack` files the bare repository `repo` holds.
pub fn pack_count(repo: &Path) -> usize {
    std::fs::read_dir(repo.join("objects/pack"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("pack".as_ref()))
        .count()
}

/// Set the modification time of the file at `path` to `age` ago; returns
/// that time.
pub fn make_older(path: &Path, age: std::time::Duration) -> std::time::SystemTime {
    let time = std::time::SystemTime::now() - age;
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
    time
}

/// Whether a background pack holds the bare repository `repo`: git's
/// `gc.pid`, or the lock of mem's job that also writes a multi-pack index
/// (`kioku_mesh::gitcli::background_pack_running`).
pub fn background_pack_running(repo: &Path) -> bool {
    kioku_mesh::gitcli::background_pack_running(repo)
}

/// Assert that `git fsck --strict` finds the bare repository `repo` whole,
/// once a background pack there ([`background_pack_running`]) has
/// finished: fsck reading packs that gc is replacing fails on its own.
pub fn assert_fsck_clean(repo: &Path) {
    let start = std::time::Instant::now();
    while background_pack_running(repo) && start.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let fsck = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["fsck", "--strict"])
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}
