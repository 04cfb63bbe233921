//! Encrypted scopes: nothing readable reaches git, devices that are
//! recipients read each other, removed ones stop reading, rekeys are atomic,
//! SSH keys work as identities.

use std::os::unix::fs::PermissionsExt;

use crate::common::{bare_remote, git, Device, TestEnv};

const CANARY: &str = "zebracanary7731";

/// Every byte of every object (loose and packed), every path of every
/// commit, and every commit message of the repository at `repo`.
fn everything_in(repo: &std::path::Path) -> String {
    let objects = git(repo, &["cat-file", "--batch-all-objects", "--batch"]);
    let names = git(repo, &["log", "--all", "--format=%B", "--name-only"]);
    format!("{objects}\n{names}")
}

fn recipient(d: &Device) -> String {
    d.ok(&["key", "show"]).trim().to_owned()
}

fn sync(d: &Device) -> std::process::Output {
    let out = d.mem().args(["sync"]).output().unwrap();
    assert!(
        out.status.success(),
        "[{}] sync: {}",
        d.name,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn titles(d: &Device) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&d.ok(&["list", "--all-projects", "-n", "1000", "--json"])).unwrap();
    let mut t: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

#[test]
fn a_canary_never_reaches_git_in_the_clear() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device("laptop");
    a.ok(&["init", "--remote", &url]);
    let id = a.save_id(&[
        &format!("the {CANARY} lives in the body"),
        "--title",
        &format!("title {CANARY}"),
        "--summary",
        &format!("summary {CANARY}"),
        "--tag",
        CANARY,
        "--key",
        &format!("key/{CANARY}"),
        "--file",
        &format!("src/{CANARY}.rs"),
    ]);
    let id2 = a.save_id(&["another one", "--key", &format!("key/{CANARY}")]);
    a.ok(&["delete", &id2, "--reason", &format!("reason {CANARY}")]);
    sync(&a);
    // It is there for whoever holds the identity...
    assert!(a.ok(&["search", CANARY]).contains(&id[..12]));
    // ...and nowhere in git, packed or loose, locally or on the remote.
    let local = a.env.scope_repo("user");
    git(&local, &["repack", "-a", "-q"]);
    for repo in [&local, &remote] {
        let all = everything_in(repo);
        assert!(!all.contains(CANARY), "canary in {}", repo.display());
        assert!(!all.contains(&id[..12]), "id in {}", repo.display());
        assert!(!all.contains(&id2[..12]), "id in {}", repo.display());
    }
    let messages = git(&remote, &["log", "--format=%s", "main"]);
    assert!(messages.contains("mem: 1 saved"), "{messages}");
    assert!(messages.contains("mem: 1 deleted"), "{messages}");
    for path in git(&remote, &["ls-tree", "-r", "--name-only", "main"]).lines() {
        assert!(
            path.starts_with(".kioku/") || path.ends_with(".age"),
            "{path}"
        );
    }
}

#[test]
fn two_identities_that_are_both_recipients_read_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device_with_own_identity("laptop");
    let b = TestEnv::device_with_own_identity("desktop");
    a.ok(&["init", "--remote", &url]);
    a.save_id(&["written on the laptop"]);
    sync(&a);
    // B joins with an identity of its own: it can read nothing yet, and says so once.
    let joined = b.mem().args(["init", "--remote", &url]).output().unwrap();
    assert!(joined.status.success());
    let stderr = String::from_utf8_lossy(&joined.stderr);
    assert_eq!(stderr.matches("cannot be decrypted").count(), 1, "{stderr}");
    assert!(
        stderr.contains("mem scope recipients user add age1"),
        "{stderr}"
    );
    assert!(titles(&b).is_empty());
    // Every later read still says so, once.
    let again = b.mem().args(["list"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(stderr.matches("cannot be decrypted").count(), 1, "{stderr}");
    let doctor = b.mem().args(["doctor", "--json"]).output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let user = report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "user")
        .unwrap()
        .clone();
    assert_eq!(user["undecryptable_files"], 1);
    assert_eq!(user["readable_here"], false);
    // Nor may it write there: it could not read back what it saved.
    let refused = b.mem().args(["save", "lost to me"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("not a recipient") && stderr.contains(&recipient(&b)),
        "{stderr}"
    );
    // A adds B's recipient: one commit re-encrypts the scope to both.
    let added = a.ok(&[
        "scope",
        "recipients",
        "user",
        "add",
        &recipient(&b),
        "--name",
        "desktop",
    ]);
    assert!(
        added.contains("1 file(s) re-encrypted to 2 recipient(s)"),
        "{added}"
    );
    let listed = a.ok(&["scope", "recipients", "user", "list"]);
    assert!(
        listed.contains(&recipient(&b)) && listed.contains("desktop"),
        "{listed}"
    );
    sync(&a);
    sync(&b);
    assert_eq!(titles(&b), vec!["written on the laptop"]);
    b.save_id(&["written on the desktop"]);
    sync(&b);
    sync(&a);
    assert_eq!(
        titles(&a),
        vec!["written on the desktop", "written on the laptop"]
    );
    b.ok(&["doctor"]);
}

#[test]
fn a_removed_recipient_cannot_read_what_comes_after() {
    let dir = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(dir.path(), "team");
    let a = TestEnv::device_with_own_identity("alice");
    let b = TestEnv::device_with_own_identity("bob");
    a.ok(&["init"]);
    b.ok(&["init"]);
    a.ok(&["scope", "add", "team/core", "--remote", &url, "--encrypt"]);
    a.ok(&[
        "scope",
        "recipients",
        "team/core",
        "add",
        &recipient(&b),
        "--name",
        "bob",
    ]);
    a.save_id(&["before bob left", "--scope", "team/core"]);
    sync(&a);
    b.ok(&["scope", "add", "team/core", "--remote", &url]);
    assert_eq!(titles(&b), vec!["before bob left"]);
    let removed = a.ok(&["scope", "recipients", "team/core", "rm", "bob"]);
    assert!(removed.contains("to 1 recipient(s)"), "{removed}");
    a.save_id(&["after bob left", "--scope", "team/core"]);
    sync(&a);
    // Bob's device cannot tell a member's removal from the host's: it says
    // so, and exits 5 (see test_hostile).
    let out = b.mem().args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot be decrypted") && stderr.contains("no longer holds this device"),
        "{stderr}"
    );
    assert!(!titles(&b).contains(&"after bob left".to_owned()));
    // Removing the last recipient, or this device's own, is refused.
    let own = a
        .mem()
        .args(["scope", "recipients", "team/core", "rm", &recipient(&a)])
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&own.stderr).contains("last recipient"));
}

#[test]
fn missing_or_wrong_identity() {
    let a = TestEnv::device_with_own_identity("laptop");
    a.ok(&["init"]);
    a.save_id(&["kept under lock"]);
    let identity = a.env.home.path().join("identity.txt");
    let original = std::fs::read(&identity).unwrap();
    // Missing: a clear error naming `mem key init`, once the scope must be read.
    std::fs::remove_file(&identity).unwrap();
    let _ = std::fs::remove_file(a.env.home.path().join("index.sqlite"));
    let out = a.mem().args(["search", "lock"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mem key init"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let show = a.mem().args(["key", "show"]).output().unwrap();
    assert_eq!(show.status.code(), Some(1));
    // Wrong: another identity. Search still works, with one warning.
    a.ok(&["key", "init"]);
    let out = a.mem().args(["search", "lock", "--json"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("cannot be decrypted").count(), 1, "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let doctor = a.mem().arg("doctor").output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("1 unreadable"));
    // `key init` never overwrites.
    let again = a.mem().args(["key", "init"]).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
    // A garbage identity is named as such.
    std::fs::write(&identity, "not a key\n").unwrap();
    let bad = a.mem().args(["key", "show"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an age identity"));
    // The right one back: a reindex reads everything again.
    std::fs::write(&identity, original).unwrap();
    a.ok(&["reindex"]);
    assert_eq!(titles(&a), vec!["kept under lock"]);
}

#[test]
fn a_rekey_killed_before_its_commit_leaves_the_scope_as_it_was() {
    let a = TestEnv::device_with_own_identity("laptop");
    let b = TestEnv::device_with_own_identity("other");
    a.ok(&["init"]);
    b.ok(&["init"]);
    for i in 0..5 {
        a.save_id(&[&format!("observation number {i}")]);
    }
    let repo = a.env.scope_repo("user");
    let before = git(&repo, &["rev-parse", "main"]);
    let killed = a
        .mem()
        .env("MEM_FAILPOINT", "rekey-before-commit")
        .args(["scope", "recipients", "user", "add", &recipient(&b)])
        .output()
        .unwrap();
    assert!(!killed.status.success());
    assert_eq!(git(&repo, &["rev-parse", "main"]), before);
    git(&repo, &["fsck", "--no-dangling"]);
    assert_eq!(titles(&a).len(), 5);
    assert!(!a
        .ok(&["scope", "recipients", "user", "list"])
        .contains(&recipient(&b)));
    a.ok(&["scope", "recipients", "user", "add", &recipient(&b)]);
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]).trim(), "7");
    assert_eq!(titles(&a).len(), 5);
}

fn ssh_keygen(dir: &std::path::Path, kind: &str) -> Option<std::path::PathBuf> {
    let key = dir.join(format!("id_{kind}"));
    let mut args = vec!["-q", "-t", kind, "-N", "", "-C", "test", "-f"];
    let key_str = key.to_str().unwrap().to_owned();
    args.push(&key_str);
    if kind == "rsa" {
        args.extend(["-b", "2048"]);
    }
    match std::process::Command::new("ssh-keygen")
        .args(&args)
        .output()
    {
        Ok(o) if o.status.success() => Some(key),
        _ => None,
    }
}

#[test]
fn ssh_keys_serve_as_identities() {
    let keys = tempfile::tempdir().unwrap();
    let (Some(ed), Some(rsa)) = (
        ssh_keygen(keys.path(), "ed25519"),
        ssh_keygen(keys.path(), "rsa"),
    ) else {
        eprintln!("skipped: ssh-keygen is not installed (.ci/run installs openssh-client)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device_with_own_identity("ed");
    let b = TestEnv::device_with_own_identity("rsa");
    std::fs::write(
        a.env.home.path().join("config.yaml"),
        format!("identity: {}\n", ed.display()),
    )
    .unwrap();
    std::fs::write(
        b.env.home.path().join("config.yaml"),
        format!("identity: {}\n", rsa.display()),
    )
    .unwrap();
    a.ok(&["init", "--remote", &url]);
    assert!(!a.env.home.path().join("identity.txt").exists());
    let ed_public = std::fs::read_to_string(ed.with_extension("pub")).unwrap();
    assert!(ed_public.starts_with(&recipient(&a)), "{ed_public}");
    a.save_id(&[&format!("from the ed25519 device {CANARY}")]);
    let rsa_public = std::fs::read_to_string(rsa.with_extension("pub")).unwrap();
    // A public key as `ssh-keygen` writes it, comment and all.
    a.ok(&[
        "scope",
        "recipients",
        "user",
        "add",
        rsa_public.trim(),
        "--name",
        "rsa box",
    ]);
    sync(&a);
    b.ok(&["init", "--remote", &url]);
    assert_eq!(
        titles(&b),
        vec![format!("from the ed25519 device {CANARY}")]
    );
    b.save_id(&["from the rsa device"]);
    sync(&b);
    sync(&a);
    assert_eq!(titles(&a).len(), 2);
    assert!(!everything_in(&remote).contains(CANARY));
}

#[test]
fn concurrent_saves_on_two_devices_merge_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device("laptop");
    let b = TestEnv::device("desktop");
    a.ok(&["init", "--remote", &url]);
    sync(&a);
    b.ok(&["init", "--remote", &url]);
    let bin = assert_cmd::cargo::cargo_bin("mem");
    let spawn = |d: &Device| {
        let script = format!(
            "for i in $(seq 1 15); do \"$MEM\" save \"{} note $i\" >/dev/null || exit 1; done",
            d.name
        );
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .env_clear()
            .envs(d.env.vars())
            .env("MEM_DEVICE", &d.name)
            .env("MEM", &bin)
            .current_dir(d.env.cwd.path());
        cmd.spawn().unwrap()
    };
    let (mut ca, mut cb) = (spawn(&a), spawn(&b));
    assert!(ca.wait().unwrap().success() && cb.wait().unwrap().success());
    sync(&a);
    sync(&b);
    sync(&a);
    assert_eq!(titles(&a).len(), 30);
    assert_eq!(titles(&a), titles(&b));
    let conflicts = a.ok(&["conflicts", "list", "--json"]);
    assert_eq!(conflicts.trim(), "[]");
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(
        git(&remote, &["rev-parse", "main"]),
        git(&a.env.scope_repo("user"), &["rev-parse", "main"])
    );
}

#[test]
fn a_plaintext_user_scope_is_converted_and_can_start_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device("laptop");
    a.ok(&["init", "--remote", &url]);
    // Make it the user scope of a store from before encryption.
    a.env.commit_externally(
        "user",
        &[(
            ".kioku/scope.yaml",
            "format: 1\nscope: user\nencrypted: false\n",
        )],
        &[".kioku/recipients"],
    );
    // ...which has no trust record either: a device that knows the scope as
    // encrypted would never write plaintext into it (see test_hostile).
    std::fs::remove_file(a.env.scope_repo("user").join("mem-trust.yaml")).unwrap();
    let id = a.save_id(&[&format!("old plaintext {CANARY}")]);
    sync(&a);
    assert!(everything_in(&remote).contains(CANARY));
    let doctor = a.mem().arg("doctor").output().unwrap();
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("mem scope rekey user"));
    let out = a.mem().args(["scope", "rekey", "user"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("earlier history still holds the plaintext") && stderr.contains("--fresh"),
        "{stderr}"
    );
    let tree = a.env.tree_paths("user");
    assert!(
        tree.iter()
            .all(|p| p.starts_with(".kioku/") || p.ends_with(".age")),
        "{tree:?}"
    );
    assert!(a.ok(&["get", &id]).contains(CANARY));
    sync(&a);
    // Starting afresh replaces the remote's history: its plaintext is no
    // longer reachable there.
    let fresh = a
        .mem()
        .args(["scope", "rekey", "user", "--fresh", "--json"])
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&fresh.stdout).unwrap();
    assert_eq!(v["pushed"], true);
    assert_eq!(git(&remote, &["rev-list", "--count", "main"]).trim(), "1");
    let history = git(&remote, &["log", "-p", "main"]);
    assert!(!history.contains(CANARY));
    assert!(a.ok(&["get", &id]).contains(CANARY));
    // A device joining now sees the one, encrypted, history.
    let b = TestEnv::device("desktop");
    b.ok(&["init", "--remote", &url]);
    assert_eq!(titles(&b), vec![format!("old plaintext {CANARY}")]);
}

#[test]
fn the_index_and_its_wal_are_private_while_in_use() {
    let env = TestEnv::new();
    env.save("something private", &[]);
    let db = env.home.path().join("index.sqlite");
    // Hold a connection so the WAL and shared-memory files stay in place.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("SELECT count(*) FROM obs", [], |r| r.get::<_, i64>(0))
        .unwrap();
    env.save("something else private", &[]);
    for suffix in ["", "-wal", "-shm"] {
        let p = env.home.path().join(format!("index.sqlite{suffix}"));
        let mode = std::fs::metadata(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{suffix}");
    }
    drop(conn);
}

#[test]
fn a_file_written_to_an_older_list_is_fixed_by_the_rekey_doctor_names() {
    let dir = tempfile::tempdir().unwrap();
    let (_, url) = bare_remote(dir.path(), "user");
    let a = TestEnv::device_with_own_identity("laptop");
    let b = TestEnv::device_with_own_identity("desktop");
    let c = TestEnv::device_with_own_identity("server");
    a.ok(&["init", "--remote", &url]);
    c.ok(&["init", "--remote", &url]);
    a.ok(&["scope", "recipients", "user", "add", &recipient(&c)]);
    sync(&a);
    sync(&c);
    b.ok(&["init", "--remote", &url]);
    a.ok(&["scope", "recipients", "user", "add", &recipient(&b)]);
    sync(&a);
    // c has not heard of b yet: its save is encrypted to a and c only.
    c.save_id(&["written to the older list"]);
    // c merges a's addition of b into its own change and takes it: a
    // member added earlier accepts the next addition (their two lists are
    // joined under a fresh key, not refused as unauthenticated).
    let out = sync(&c);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sync(&b);
    let doctor = b.mem().args(["doctor"]).output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        report.contains("fix: on a device that can read them: mem scope rekey user"),
        "b is a recipient already, so adding it again would change nothing: {report}"
    );
    // The fix, as doctor gives it, clears the problem.
    a.ok(&["sync"]);
    a.ok(&["scope", "rekey", "user"]);
    sync(&a);
    sync(&b);
    let doctor = b.mem().args(["doctor"]).output().unwrap();
    assert!(
        doctor.status.success(),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    assert!(b.ok(&["list"]).contains("written to the older list"));
    // Every member ends on the same version and scope key.
    sync(&c);
    sync(&a);
    let first = |d: &Device| {
        d.ok(&["scope", "recipients", "user", "list"])
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(first(&a), first(&b));
    assert_eq!(first(&a), first(&c));
}
