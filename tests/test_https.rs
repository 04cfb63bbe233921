//! `mem sync` over https to a real Apache running `git http-backend` with
//! TLS (a throwaway CA) and basic auth, started on 127.0.0.1 by the test;
//! and over `git://` to a real `git daemon`. Skipped, saying why, where the
//! server cannot start. Every run has stdin closed and a deadline: no
//! prompt may ever wait.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::common::servers::{Apache, GitDaemon, READER, WRITER};
use crate::common::{bare_remote, git, Device, TestEnv};

fn apache() -> Option<Apache> {
    match Apache::start() {
        Ok(a) => Some(a),
        Err(why) => {
            crate::common::servers::skip(&why);
            None
        }
    }
}

/// A device whose global git config is `gitconfig` (its own file).
fn device_with_config(name: &str, gitconfig: &str) -> (Device, PathBuf) {
    let d = TestEnv::device(name);
    let path = d.env.home.path().join("gitconfig");
    std::fs::write(&path, gitconfig).unwrap();
    (d, path)
}

/// Run `mem args…` on `d` with `gitconfig` as its global git config, stdin
/// closed, and at most 60 s.
fn run(d: &Device, gitconfig: &Path, args: &[&str]) -> Output {
    d.mem()
        .env("GIT_CONFIG_GLOBAL", gitconfig)
        .write_stdin("")
        .timeout(Duration::from_secs(60))
        .args(args)
        .output()
        .unwrap()
}

fn ok(d: &Device, gitconfig: &Path, args: &[&str]) -> String {
    let out = run(d, gitconfig, args);
    assert!(
        out.status.success(),
        "[{}] mem {args:?} failed ({:?}):\n{}\n{}",
        d.name,
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ca_config(server: &Apache) -> String {
    format!("[http]\n\tsslCAInfo = {}\n", server.ca().display())
}

#[test]
fn two_devices_converge_over_https_with_url_and_helper_credentials() {
    let Some(server) = apache() else { return };
    let remote = server.create_repo("mem");
    // Device a: the password in the URL, the CA from its git config, for
    // this server only (`http.<url>.sslCAInfo`: gix reads only plain keys,
    // mem resolves the URL-scoped ones for it).
    let (a, a_cfg) = device_with_config(
        "a",
        &format!(
            "[http \"https://127.0.0.1:{}\"]\n\tsslCAInfo = {}\n",
            server.port,
            server.ca().display()
        ),
    );
    // Device b: no password in the URL; git's `store` helper has it.
    let creds = tempfile::tempdir().unwrap();
    let store = creds.path().join("git-credentials");
    std::fs::write(
        &store,
        format!(
            "https://{}:{}@127.0.0.1:{}\n",
            WRITER.0, WRITER.1, server.port
        ),
    )
    .unwrap();
    // … and reaches the server through `url.<base>.insteadOf`.
    let (b, b_cfg) = device_with_config(
        "b",
        &format!(
            "{}[credential]\n\thelper = store --file={}\n[url \"https://127.0.0.1:{}/git/\"]\n\tinsteadOf = memhost:\n",
            ca_config(&server),
            store.display(),
            server.port
        ),
    );
    let with_password = server.url(Some(WRITER), "mem");
    let plain = server.url(None, "mem");

    // First push into an empty repository.
    ok(&a, &a_cfg, &["init", "--remote", &with_password]);
    a.save_id(&["saved on a, over https"]);
    let synced = ok(&a, &a_cfg, &["sync"]);
    assert!(synced.contains("pushed"), "{synced}");
    assert_ne!(git(&remote, &["rev-list", "--count", "main"]).trim(), "0");

    // The second device clones, then both save before syncing.
    ok(&b, &b_cfg, &["init", "--remote", "memhost:mem.git"]);
    assert_eq!(b.all_ids(), a.all_ids(), "b cloned what a pushed");
    for (n, (d, cfg)) in [(&a, &a_cfg), (&b, &b_cfg)].into_iter().enumerate() {
        for i in 0..3 {
            ok(d, cfg, &["save", &format!("note {i} from device {n}")]);
        }
    }
    for (d, cfg) in [(&a, &a_cfg), (&b, &b_cfg), (&a, &a_cfg)] {
        ok(d, cfg, &["sync"]);
    }
    let want = a.all_ids();
    assert_eq!(want.len(), 7);
    assert_eq!(b.all_ids(), want);
    git(&remote, &["fsck", "--strict", "--no-dangling"]);

    // Without any credentials a sync fails at once: no prompt, no wait.
    let (c, c_cfg) = device_with_config("c", &ca_config(&server));
    ok(&c, &c_cfg, &["init"]);
    ok(&c, &c_cfg, &["scope", "remote", "user", &plain]);
    let started = std::time::Instant::now();
    let out = run(&c, &c_cfg, &["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the server wants credentials and none were found"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// A forward proxy on 127.0.0.1 that tunnels `CONNECT host:port` (RFC 9110
/// §9.3.6), as corporate proxies do for https, and records each target.
struct ConnectProxy {
    port: u16,
    targets: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start() -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&targets);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = std::sync::Arc::clone(&seen);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let mut request = String::new();
                    reader.read_line(&mut request).unwrap();
                    // The rest of the head, up to the blank line.
                    let mut line = String::new();
                    while reader.read_line(&mut line).unwrap_or(0) > 2 {
                        line.clear();
                    }
                    let Some(target) = request
                        .strip_prefix("CONNECT ")
                        .and_then(|r| r.split_whitespace().next())
                        .map(str::to_owned)
                    else {
                        let _ = (&client).write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                        return;
                    };
                    seen.lock().unwrap().push(target.clone());
                    let upstream = std::net::TcpStream::connect(&target).unwrap();
                    (&client)
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .unwrap();
                    let (mut up_read, mut up_write) = (upstream.try_clone().unwrap(), upstream);
                    let mut down_write = client;
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut up_read, &mut down_write);
                        let _ = down_write.shutdown(std::net::Shutdown::Both);
                    });
                    let _ = std::io::copy(&mut reader, &mut up_write);
                    let _ = up_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        ConnectProxy { port, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

#[test]
fn fetch_goes_through_the_configured_http_proxy() {
    let Some(server) = apache() else { return };
    server.create_repo("mem");
    let url = server.url(Some(WRITER), "mem");
    // The first device pushes directly.
    let (a, a_cfg) = device_with_config("a", &ca_config(&server));
    ok(&a, &a_cfg, &["init", "--remote", &url]);
    a.save_id(&["reached through a proxy"]);
    ok(&a, &a_cfg, &["sync"]);
    // The second one clones (a fetch only: gix, not `git`) through the
    // proxy its git config names.
    let proxy = ConnectProxy::start();
    let (b, b_cfg) = device_with_config(
        "b",
        &format!(
            // A bare host:port, as git takes it: http:// is implied.
            "{}\tproxy = 127.0.0.1:{}\n",
            ca_config(&server),
            proxy.port
        ),
    );
    ok(&b, &b_cfg, &["init", "--remote", &url]);
    assert_eq!(b.all_ids(), a.all_ids());
    let target = format!("127.0.0.1:{}", server.port);
    assert!(
        !proxy.targets().is_empty() && proxy.targets().iter().all(|t| *t == target),
        "{:?}",
        proxy.targets()
    );
    // A proxy that is not there fails the fetch: the setting is not
    // silently passed over for a direct connection.
    let gone = crate::common::servers::free_port();
    let (c, c_cfg) = device_with_config(
        "c",
        &format!("{}\tproxy = http://127.0.0.1:{gone}\n", ca_config(&server)),
    );
    let out = run(&c, &c_cfg, &["init", "--remote", &url]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mem sync` of a device whose `user` scope points at `url` and whose
/// `team/ok` scope syncs with a working file:// remote: `user` fails with
/// a sentence holding `expect`, `team/ok` still syncs, exit 1.
fn fails_alone(d: &Device, cfg: &Path, url: &str, expect: &str) -> String {
    ok(d, cfg, &["scope", "remote", "user", url]);
    let out = run(d, cfg, &["sync", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{url}: {stdout}");
    let results: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let by_scope = |s: &str| crate::common::sync_result(&results, s);
    assert!(by_scope("team/ok")["error"].is_null(), "{stdout}");
    let error = by_scope("user")["error"].as_str().unwrap().to_owned();
    assert!(error.contains(expect), "{url}: {error}");
    assert!(!error.contains('\n'), "one sentence: {error}");
    // The human form says the same on stderr, prefixed with the scope.
    let out = run(d, cfg, &["sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("user: {error}")), "{stderr}");
    // And `mem doctor` names it as a problem until a sync works.
    let out = run(d, cfg, &["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doctor: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = doctor["problems"].to_string();
    assert!(
        problems.contains("the last sync of scope 'user' failed"),
        "{problems}"
    );
    assert!(problems.contains(expect), "{problems}");
    error
}

#[test]
fn each_https_failure_has_its_sentence_and_other_scopes_still_sync() {
    let Some(server) = apache() else { return };
    server.create_repo("mem");
    let (d, cfg) = device_with_config("a", &ca_config(&server));
    let dir = tempfile::tempdir().unwrap();
    let (_ok_remote, ok_url) = bare_remote(dir.path(), "ok");
    ok(&d, &cfg, &["init"]);
    ok(&d, &cfg, &["scope", "add", "team/ok", "--remote", &ok_url]);
    d.save_id(&["something to push", "--scope", "user"]);

    let port = server.port;
    let wrong = format!(
        "https://{}:not-the-password@127.0.0.1:{port}/git/mem.git",
        WRITER.0
    );
    fails_alone(&d, &cfg, &wrong, "the server refused the credentials");
    // … also when a credential helper holds the right one: a password in
    // the URL is used as it is, by fetch and push alike.
    let store = d.env.home.path().join("git-credentials");
    std::fs::write(
        &store,
        format!("https://{}:{}@127.0.0.1:{port}\n", WRITER.0, WRITER.1),
    )
    .unwrap();
    let helper_cfg = d.env.home.path().join("helper-gitconfig");
    std::fs::write(
        &helper_cfg,
        format!(
            "{}[credential]\n\thelper = store --file={}\n",
            ca_config(&server),
            store.display()
        ),
    )
    .unwrap();
    fails_alone(
        &d,
        &helper_cfg,
        &wrong,
        "the server refused the credentials",
    );
    let missing = server.url(Some(WRITER), "no-such-repo");
    fails_alone(&d, &cfg, &missing, "there is no repository at that path");
    fails_alone(
        &d,
        &cfg,
        "https://no-such-host.invalid/mem.git",
        "the host name does not resolve",
    );
    let closed = crate::common::servers::free_port();
    fails_alone(
        &d,
        &cfg,
        &format!("https://127.0.0.1:{closed}/git/mem.git"),
        "the host refused the connection",
    );
    // A read-only account fetches, then its push is refused with 403.
    let read_only = server.url(Some(READER), "mem");
    let e = fails_alone(&d, &cfg, &read_only, "access was denied");
    assert!(e.starts_with("cannot push to"), "{e}");
    // Without the CA the certificate is not trusted.
    let bare_cfg = d.env.home.path().join("no-ca-gitconfig");
    std::fs::write(&bare_cfg, "").unwrap();
    fails_alone(
        &d,
        &bare_cfg,
        &server.url(Some(WRITER), "mem"),
        "TLS certificate is not trusted",
    );
    // A server that accepts the connection and then says nothing: the
    // connection times out (2 s here; 30 s unless the user sets
    // `gitoxide.http.connectTimeout`).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let slow_cfg = d.env.home.path().join("slow-gitconfig");
    std::fs::write(
        &slow_cfg,
        format!(
            "{}[gitoxide \"http\"]\n\tconnectTimeout = 2000\n",
            ca_config(&server)
        ),
    )
    .unwrap();
    fails_alone(
        &d,
        &slow_cfg,
        &format!("https://127.0.0.1:{silent_port}/git/mem.git"),
        "the host did not answer in time",
    );
    drop(silent);
    // A hook on the server refuses the push.
    let hooked = server.create_repo("hooked");
    let hook = hooked.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'memories are read-only today' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = fails_alone(
        &d,
        &cfg,
        &server.url(Some(WRITER), "hooked"),
        "a hook on the server refused the push",
    );
    assert!(e.starts_with("cannot push to"), "{e}");
    let out = run(&d, &cfg, &["sync", "--verbose"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("memories are read-only today"), "{stderr}");
    // A password over plain http is refused before anything is sent.
    let out = run(
        &d,
        &cfg,
        &[
            "scope",
            "remote",
            "user",
            &format!("http://u:pw@127.0.0.1:{port}/x.git"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("over plain http"));
    // And the working URL syncs again afterwards; doctor is content.
    ok(
        &d,
        &cfg,
        &["scope", "remote", "user", &server.url(Some(WRITER), "mem")],
    );
    ok(&d, &cfg, &["sync"]);
    let doctor = String::from_utf8(run(&d, &cfg, &["doctor", "--json"]).stdout).unwrap();
    assert!(!doctor.contains("the last sync of scope"), "{doctor}");

    // A clone that fails leaves no password behind and says to run the
    // command again (there is no scope yet to point elsewhere).
    let (fresh, fresh_cfg) = device_with_config("fresh", &ca_config(&server));
    let out = run(&fresh, &fresh_cfg, &["init", "--remote", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(stderr.contains("run the command again"), "{stderr}");
    assert!(!fresh.env.home.path().join("credentials.yaml").exists());
    ok(
        &fresh,
        &fresh_cfg,
        &["init", "--remote", &server.url(Some(WRITER), "mem")],
    );
    assert!(fresh.env.home.path().join("credentials.yaml").exists());
}

#[test]
fn a_password_in_a_url_never_appears_in_output_logs_or_repositories() {
    let Some(server) = apache() else { return };
    server.create_repo("mem");
    let (d, cfg) = device_with_config("a", &ca_config(&server));
    let secret = WRITER.1;
    let url = server.url(Some(WRITER), "mem");
    let mut seen = String::new();
    let mut record = |out: Output| {
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    };
    record(run(&d, &cfg, &["init", "--remote", &url]));
    d.save_id(&["a memory to push"]);
    for args in [
        &["sync"][..],
        &["sync", "--json"],
        &["sync", "--verbose"],
        &["scope", "list"],
        &["scope", "list", "--json"],
        &["doctor"],
        &["doctor", "--json"],
        &["scope", "remote", "user", &url],
        &[
            "scope",
            "add",
            "team/x",
            "--remote",
            &url.replace("/mem.git", "/nope.git"),
        ],
    ] {
        record(run(&d, &cfg, args));
    }
    // Failures, with their underlying messages.
    let wrong = url.replace("/mem.git", "/missing.git");
    record(run(&d, &cfg, &["scope", "remote", "user", &wrong]));
    record(run(&d, &cfg, &["sync", "--verbose"]));
    record(run(&d, &cfg, &["sync", "--json", "--verbose"]));
    let no_ca = d.env.home.path().join("empty-gitconfig");
    std::fs::write(&no_ca, "").unwrap();
    record(run(&d, &no_ca, &["scope", "remote", "user", &url]));
    record(run(&d, &no_ca, &["sync", "--verbose"]));
    assert!(
        seen.contains("https://127.0.0.1:"),
        "the URL is shown: {seen}"
    );
    assert!(!seen.contains(secret), "password printed:\n{seen}");

    // Nothing on disk holds it but the 0600 credentials file.
    let mut holders = Vec::new();
    for entry in walk(d.env.home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
            holders.push(entry);
        }
    }
    let creds = d.env.home.path().join("credentials.yaml");
    assert_eq!(holders, vec![creds.clone()]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Nor does the server's copy of the history.
    let remote = server.dir.path().join("repos/mem.git");
    for entry in walk(&remote) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{entry:?}"
        );
    }
    let log = git(&remote, &["log", "--format=%B%an%ae", "main"]);
    assert!(!log.contains(secret));

    // A password an older mem wrote into the scope's config moves out of
    // it at the next sync.
    std::fs::remove_file(&creds).unwrap();
    let repo = d.env.scope_repo("user");
    git(&repo, &["config", "remote.origin.url", &url]);
    let out = run(&d, &cfg, &["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = std::fs::read_to_string(repo.join("config")).unwrap();
    assert!(!config.contains(secret), "{config}");
    assert!(std::fs::read_to_string(&creds).unwrap().contains(secret));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn git_daemon_syncs_two_devices_and_names_its_failures() {
    let daemon = match GitDaemon::start() {
        Ok(d) => d,
        Err(why) => {
            crate::common::servers::skip(&why);
            return;
        }
    };
    let url = daemon.create_repo("mem");
    let (a, a_cfg) = device_with_config("a", "");
    let (b, b_cfg) = device_with_config("b", "");
    ok(&a, &a_cfg, &["init", "--remote", &url]);
    a.save_id(&["saved on a, over git://"]);
    ok(&a, &a_cfg, &["sync"]);
    ok(&b, &b_cfg, &["init", "--remote", &url]);
    b.save_id(&["saved on b"]);
    ok(&b, &b_cfg, &["sync"]);
    ok(&a, &a_cfg, &["sync"]);
    assert_eq!(a.all_ids().len(), 2);
    assert_eq!(a.all_ids(), b.all_ids());

    let dir = tempfile::tempdir().unwrap();
    let (_r, ok_url) = bare_remote(dir.path(), "ok");
    ok(
        &a,
        &a_cfg,
        &["scope", "add", "team/ok", "--remote", &ok_url],
    );
    fails_alone(
        &a,
        &a_cfg,
        &daemon.url("missing"),
        "repository not exported",
    );
    let closed = crate::common::servers::free_port();
    fails_alone(
        &a,
        &a_cfg,
        &format!("git://127.0.0.1:{closed}/mem.git"),
        "the host refused the connection",
    );
}
