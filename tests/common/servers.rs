//! Real git servers on 127.0.0.1 for the transport tests (and the
//! benchmark, which includes this file): Apache running
//! `git http-backend` over TLS with basic auth (a throwaway CA made with
//! `openssl`), and `git daemon` with receive-pack. Each `start` says why
//! when the server cannot run here; callers print that and skip.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Run `git` in `dir` with a neutral config, panicking on failure.
fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?} failed");
}

/// A test that needs a server it cannot start skips, saying why — unless
/// `MEM_REQUIRE_SERVERS` is set (`.ci/run` sets it), where a skip would
/// hide a broken install: then it fails.
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("MEM_REQUIRE_SERVERS").is_none(),
        "a required server cannot start: {why}"
    );
    eprintln!("skipped: {why}");
}

/// A free TCP port on 127.0.0.1 (free when asked; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16, child: &mut Child, what: &str) -> Result<(), String> {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{what} exited at once ({status})"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("{what} did not listen on port {port} within 10 s"))
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The user who may push, and one who may only read.
pub const WRITER: (&str, &str) = ("alice", "alice-pw-Zq81");
pub const READER: (&str, &str) = ("reader", "reader-pw-Kd27");

/// Apache with `git http-backend` under `/git/`, over https with basic
/// auth: everyone in the password file may fetch, only [`WRITER`] may push
/// (others get 403).
pub struct Apache {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Apache {
    /// Start Apache, or say why it cannot run here.
    pub fn start() -> Result<Apache, String> {
        let apache = ["/usr/sbin/apache2", "/usr/sbin/httpd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .ok_or("no apache2 installed (apt-get install apache2)")?;
        let modules = ["/usr/lib/apache2/modules", "/usr/lib64/httpd/modules"]
            .into_iter()
            .find(|p| Path::new(p).join("mod_cgi.so").exists())
            .ok_or("apache2's mod_cgi is not installed")?;
        // The git on PATH first (the one mem runs), then the distribution's.
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let backend = [
            format!("{exec_path}/git-http-backend"),
            "/usr/lib/git-core/git-http-backend".to_owned(),
            "/usr/libexec/git-core/git-http-backend".to_owned(),
        ]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .ok_or("git-http-backend is not installed (apt-get install git)")?;
        if Command::new("openssl").arg("version").output().is_err() {
            return Err("openssl is not installed".into());
        }
        let dir = tempfile::Builder::new()
            .prefix("mem-https-")
            .tempdir()
            .unwrap();
        let d = dir.path();
        // Apache's workers run as www-data when started by root.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["repos", "run", "logs"] {
            std::fs::create_dir(d.join(sub)).unwrap();
            std::fs::set_permissions(d.join(sub), std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let ssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(d), "openssl");
        ssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mem test CA",
        ])?;
        ssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ])?;
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ])?;
        // Basic-auth passwords in Apache's format (`openssl passwd -apr1`).
        let mut htpasswd = String::new();
        for (user, pw) in [WRITER, READER] {
            let out = Command::new("openssl")
                .args(["passwd", "-apr1", pw])
                .output()
                .map_err(|e| e.to_string())?;
            htpasswd.push_str(&format!("{user}:{}", String::from_utf8_lossy(&out.stdout)));
        }
        std::fs::write(d.join("htpasswd"), htpasswd).unwrap();
        std::fs::write(d.join("gitconfig"), "[safe]\n\tdirectory = *\n").unwrap();
        for f in ["htpasswd", "gitconfig", "server.key", "server.pem"] {
            std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let port = free_port();
        let p = d.display();
        let conf = format!(
            r#"ServerRoot {p}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {p}/run/httpd.pid
ErrorLog {p}/logs/error.log
LogLevel warn
LoadModule mpm_prefork_module {modules}/mod_mpm_prefork.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule authn_file_module {modules}/mod_authn_file.so
LoadModule auth_basic_module {modules}/mod_auth_basic.so
LoadModule authz_user_module {modules}/mod_authz_user.so
LoadModule alias_module {modules}/mod_alias.so
LoadModule env_module {modules}/mod_env.so
LoadModule cgi_module {modules}/mod_cgi.so
LoadModule ssl_module {modules}/mod_ssl.so
StartServers 2
MinSpareServers 1
MaxSpareServers 4
User www-data
Group www-data
Mutex file:{p}/run
DefaultRuntimeDir {p}/run
SSLEngine on
SSLCertificateFile {p}/server.pem
SSLCertificateKeyFile {p}/server.key
SetEnv GIT_PROJECT_ROOT {p}/repos
SetEnv GIT_HTTP_EXPORT_ALL 1
SetEnv GIT_CONFIG_GLOBAL {p}/gitconfig
ScriptAlias /git/ {backend}/
<Location /git/>
  AuthType Basic
  AuthName "git"
  AuthUserFile {p}/htpasswd
  AuthzSendForbiddenOnFailure On
  Require valid-user
  <If "%{{QUERY_STRING}} =~ /service=git-receive-pack/ || %{{REQUEST_URI}} =~ m#/git-receive-pack$#">
    Require user {writer}
  </If>
</Location>
"#,
            writer = WRITER.0
        );
        std::fs::write(d.join("httpd.conf"), conf).unwrap();
        // Its own process group: Apache signals its whole group when it
        // stops, which must not reach the test runner.
        use std::os::unix::process::CommandExt;
        let mut child = Command::new(apache)
            .process_group(0)
            .arg("-f")
            .arg(d.join("httpd.conf"))
            .arg("-DFOREGROUND")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start apache2: {e}"))?;
        if let Err(e) = wait_listening(port, &mut child, "apache2") {
            let log = std::fs::read_to_string(d.join("logs/error.log")).unwrap_or_default();
            let _ = child.kill();
            return Err(format!("{e}: {log}"));
        }
        Ok(Apache { dir, port, child })
    }

    /// The CA certificate that signed the server's.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A new, empty bare repository `name` the server serves.
    pub fn create_repo(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join("repos").join(format!("{name}.git"));
        git(
            self.dir.path(),
            &[
                "init",
                "-q",
                "--bare",
                "--shared=0777",
                "-b",
                "main",
                path.to_str().unwrap(),
            ],
        );
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("a+rwX")
            .arg(&path)
            .status();
        path
    }

    /// `https://[user:password@]127.0.0.1:PORT/git/NAME.git`.
    pub fn url(&self, account: Option<(&str, &str)>, name: &str) -> String {
        let userinfo = account.map_or(String::new(), |(u, p)| format!("{u}:{p}@"));
        format!("https://{userinfo}127.0.0.1:{}/git/{name}.git", self.port)
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        // SIGTERM lets the parent stop its workers; SIGKILL would orphan them.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `git daemon` serving a directory over `git://`, pushes allowed.
pub struct GitDaemon {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl GitDaemon {
    /// Start `git daemon`, or say why it cannot run here.
    pub fn start() -> Result<GitDaemon, String> {
        let dir = tempfile::Builder::new()
            .prefix("mem-gitd-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let mut child = Command::new("git")
            .arg("daemon")
            .arg("--reuseaddr")
            .arg("--export-all")
            .arg("--enable=receive-pack")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", dir.path().display()))
            .arg(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start git daemon: {e}"))?;
        wait_listening(port, &mut child, "git daemon")?;
        Ok(GitDaemon { dir, port, child })
    }

    /// A new, empty bare repository `name` and its `git://` URL.
    pub fn create_repo(&self, name: &str) -> String {
        let path = self.dir.path().join(format!("{name}.git"));
        git(
            self.dir.path(),
            &["init", "-q", "--bare", "-b", "main", path.to_str().unwrap()],
        );
        self.url(name)
    }

    /// `git://127.0.0.1:PORT/NAME.git`.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
