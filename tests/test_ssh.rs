//! `mem sync` over ssh to a real sshd on 127.0.0.1 (a throwaway host key,
//! user key and port). Skipped, saying why, where sshd cannot run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use crate::common::{git, TestEnv};

struct Sshd {
    child: Child,
    port: u16,
    key: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ssh-keygen failed");
}

/// Start sshd, or say why it cannot run here.
fn start(dir: &Path) -> Result<Sshd, String> {
    let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or("no sshd installed (apt-get install openssh-server)")?;
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        return Err("no ssh-keygen".into());
    }
    let _ = std::fs::create_dir_all("/run/sshd");
    let host_key = dir.join("host_key");
    let key = dir.join("user_key");
    keygen(&host_key);
    keygen(&key);
    std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\nStrictModes no\nPidFile {}\nLogLevel ERROR\n",
            host_key.display(),
            dir.join("authorized_keys").display(),
            dir.join("sshd.pid").display()
        ),
    )
    .unwrap();
    let child = Command::new(&sshd)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&config)
        .spawn()
        .map_err(|e| format!("cannot start sshd: {e}"))?;
    let mut server = Sshd { child, port, key };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!("sshd exited at once ({status}); it may need root"));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err("sshd did not start listening within 5 s".into())
}

/// sshd on 127.0.0.1 with an empty bare repository `remote.git` in `dir`,
/// and its `ssh://` URL; `None` (having said why) where sshd cannot run.
fn serve(dir: &Path) -> Option<(Sshd, PathBuf, String)> {
    let sshd = match start(dir) {
        Ok(s) => s,
        Err(why) => {
            crate::common::servers::skip(&why);
            return None;
        }
    };
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned();
    let remote = dir.join("remote.git");
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            remote.to_str().unwrap(),
        ],
    );
    let url = format!("ssh://{user}@127.0.0.1:{}{}", sshd.port, remote.display());
    Some((sshd, remote, url))
}

#[test]
fn three_devices_sync_over_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let Some((sshd, remote, url)) = serve(dir.path()) else {
        return;
    };
    let ssh = format!(
        "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
        sshd.key.display()
    );
    let devices: Vec<_> = ["a", "b", "c"].iter().map(|n| TestEnv::device(n)).collect();
    // Devices a and b name ssh in the environment, c in its git config
    // (`core.sshCommand`): fetch and push read both.
    let c_config = devices[2].env.home.path().join("gitconfig");
    std::fs::write(&c_config, format!("[core]\n\tsshCommand = {ssh}\n")).unwrap();
    let run = |d: &crate::common::Device, args: &[&str]| -> String {
        let mut cmd = d.mem();
        if d.name == "c" {
            cmd.env("GIT_CONFIG_GLOBAL", &c_config);
        } else {
            cmd.env("GIT_SSH_COMMAND", &ssh);
        }
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "[{}] mem {args:?}: {}",
            d.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&devices[0], &["init", "--remote", &url]);
    run(&devices[0], &["save", "saved on a, shared over ssh"]);
    run(&devices[0], &["sync"]);
    run(&devices[1], &["init", "--remote", &url]);
    run(&devices[1], &["save", "saved on b"]);
    run(&devices[2], &["save", "saved on c"]);
    run(&devices[2], &["scope", "remote", "user", &url]);
    for i in [2, 1, 0, 2, 1] {
        run(&devices[i], &["sync"]);
    }
    let want = devices[0].all_ids();
    assert_eq!(want.len(), 3);
    for d in &devices {
        assert_eq!(d.all_ids(), want, "{}", d.name);
    }
    assert!(run(&devices[1], &["search", "ssh", "--json"]).contains("shared over ssh"));
    git(&remote, &["fsck", "--strict", "--no-dangling"]);
}

#[test]
fn ssh_failures_name_their_cause_and_other_scopes_still_sync() {
    let dir = tempfile::tempdir().unwrap();
    let Some((sshd, _remote, url)) = serve(dir.path()) else {
        return;
    };
    let d = TestEnv::device("a");
    d.ok(&["init"]);
    let (_ok, ok_url) = crate::common::bare_remote(dir.path(), "ok");
    d.ok(&["scope", "add", "team/ok", "--remote", &ok_url]);
    d.ok(&["scope", "remote", "user", &url]);
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(&known_hosts, "").unwrap();
    let stranger = dir.path().join("stranger_key");
    keygen(&stranger);
    let cases = [
        // The host key is not known (and may not be asked about).
        (
            format!(
                "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={}",
                sshd.key.display(),
                known_hosts.display()
            ),
            "the ssh host key is unknown or has changed",
        ),
        // A key the server does not accept.
        (
            format!(
                "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                stranger.display()
            ),
            "the server refused the credentials",
        ),
    ];
    for (ssh, expect) in cases {
        let out = d
            .mem()
            .env("GIT_SSH_COMMAND", &ssh)
            .write_stdin("")
            .timeout(std::time::Duration::from_secs(60))
            .args(["sync", "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let by = |s: &str| crate::common::sync_result(&v, s);
        assert!(by("team/ok")["error"].is_null(), "{v}");
        let error = by("user")["error"].as_str().unwrap().to_owned();
        assert!(error.contains(expect), "{error}: {v}");
        assert!(
            error.contains(&format!("127.0.0.1:{}", sshd.port)),
            "{error}"
        );
    }
}
