//! Why talking to a remote failed, read from the error's cause chain (typed
//! errors and gix's classification), never from message text; and the one
//! sentence that tells the user what to do about it.
//!
//! External programs are the exception: `git push` and `ssh` report
//! failures only as text, so [`Cause::from_program_stderr`] reads the fixed
//! lines they print.

use std::error::Error as StdError;
use std::io::ErrorKind;

use crate::remote::Transport;

/// What went wrong reaching a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The server refused the credentials.
    Authentication,
    /// The server wants credentials and none were found.
    NoCredentials,
    /// No repository at that path (HTTP 404, "does not appear to be a git repository").
    NotFound,
    /// The host name does not resolve.
    HostNotFound,
    /// Nothing listens on that port.
    ConnectionRefused,
    /// The host did not answer in time.
    TimedOut,
    /// The server's TLS certificate is not trusted here.
    Certificate,
    /// The ssh host key is unknown or has changed.
    HostKey,
    /// Authenticated, but not allowed (HTTP 403, read-only access).
    PermissionDenied,
    /// A hook on the server refused the push (its message).
    HookRejected(String),
    /// Plain http is for reading only.
    PushOverHttp,
    /// The server answered with an error line of its own (git daemon's
    /// "access denied or repository not exported", a hosting service's
    /// message).
    ServerSaid(String),
    /// Something else: the underlying message tells.
    Other,
}

impl Cause {
    /// What happened and what to do, for a scope syncing with `url`
    /// (already redacted) — one clause, to follow "cannot reach URL: ".
    pub fn advice(&self, scope: &str) -> String {
        match self {
            Cause::Authentication => format!(
                "the server refused the credentials: fix the user name and password or token in the URL (`mem scope remote {scope} URL`) or in your git credential helper"
            ),
            Cause::NoCredentials => format!(
                "the server wants credentials and none were found: put a token in the URL (`mem scope remote {scope} https://USER:TOKEN@HOST/PATH`) or set up a git credential helper that answers without a prompt"
            ),
            Cause::NotFound => format!(
                "there is no repository at that path: create it on the server, or correct the URL with `mem scope remote {scope} URL`"
            ),
            Cause::HostNotFound => format!(
                "the host name does not resolve: check its spelling (`mem scope remote {scope} URL`) and your network"
            ),
            Cause::ConnectionRefused => {
                "the host refused the connection: check the port and that the server is running".into()
            }
            Cause::TimedOut => "the host did not answer in time: check your network, proxy or VPN and try again".into(),
            Cause::Certificate => {
                "the server's TLS certificate is not trusted: give your CA with `git config --global http.sslCAInfo FILE` (or GIT_SSL_CAINFO)".into()
            }
            Cause::HostKey => {
                "the ssh host key is unknown or has changed: check it, then add it to ~/.ssh/known_hosts (`ssh HOST` once, on a terminal)".into()
            }
            Cause::PermissionDenied => {
                "access was denied (a read-only account, or a key the server does not accept for this repository): ask for write access or use an account that has it".into()
            }
            Cause::HookRejected(why) if why.is_empty() => {
                "a hook on the server refused the push: see the server's rules".into()
            }
            Cause::HookRejected(why) => {
                format!("a hook on the server refused the push ({why}): see the server's rules")
            }
            Cause::PushOverHttp => format!(
                "plain http is for reading only and cannot push: use an https:// or ssh URL (`mem scope remote {scope} URL`)"
            ),
            Cause::ServerSaid(msg) => format!(
                "the server said \"{msg}\": check the repository's path (`mem scope remote {scope} URL`) and your access to it"
            ),
            Cause::Other => "run `mem sync --verbose` for git's own message".into(),
        }
    }

    /// Read the cause of a failed fetch over `transport` from gix's error
    /// tree: typed errors first (the https client's, a server's `ERR` line, I/O
    /// kinds), then gix's classification. Over ssh the only cause is what
    /// the `ssh` program printed (gix turns its stderr into I/O errors with
    /// approximate kinds), read as [`Cause::from_program_stderr`] does.
    pub fn classify(err: &gix::Error, transport: Transport) -> Cause {
        if matches!(transport, Transport::Https | Transport::Http) {
            if let Some(cause) = Self::from_https(err) {
                return cause;
            }
        }
        let mut io_kinds = Vec::new();
        for e in err.iter_errors() {
            if let Some(line) =
                e.downcast_ref::<gix::protocol::transport::packetline::read::Error>()
            {
                return Cause::ServerSaid(line.message.to_string().trim().to_owned());
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if transport == Transport::Ssh {
                    if let Some(inner) = io.get_ref() {
                        let cause = Cause::from_program_stderr(&inner.to_string());
                        if cause != Cause::Other {
                            return cause;
                        }
                    }
                }
                io_kinds.push(io.kind());
            }
        }
        let classes = err.classify();
        if classes.is_unauthenticated() {
            return Cause::Authentication;
        }
        for kind in io_kinds {
            match kind {
                ErrorKind::ConnectionRefused => return Cause::ConnectionRefused,
                ErrorKind::TimedOut => return Cause::TimedOut,
                ErrorKind::PermissionDenied => return Cause::Authentication,
                _ => {}
            }
        }
        if err.classify().is_permission_denied() {
            return Cause::PermissionDenied;
        }
        if err.classify().is_not_found() {
            return Cause::NotFound;
        }
        Cause::Other
    }

    /// The cause of a failed https request, from reqwest's error and the
    /// errors under it (hyper's, rustls's, the socket's), wherever they
    /// are in gix's error tree; `None` when it names none of these.
    fn from_https(err: &gix::Error) -> Option<Cause> {
        for top in err.iter_errors() {
            let mut next: Option<&(dyn std::error::Error + 'static)> = Some(top);
            while let Some(e) = next {
                if let Some(cause) = Self::https_cause(e) {
                    return Some(cause);
                }
                // gix's reqwest backend hands its errors on inside I/O
                // errors, and an I/O error's `source` skips the error it
                // wraps.
                let wrapped = e
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .map(|w| w as &(dyn std::error::Error + 'static));
                next = wrapped.or_else(|| e.source());
            }
        }
        None
    }

    /// What one error in an https failure's chain says, if anything.
    fn https_cause(e: &(dyn std::error::Error + 'static)) -> Option<Cause> {
        if let Some(r) = e.downcast_ref::<reqwest::Error>() {
            // gix 0.90 classifies only HTTP 403, 409 and 501 itself.
            match r.status().map(|s| s.as_u16()) {
                Some(401) => return Some(Cause::Authentication),
                Some(403) => return Some(Cause::PermissionDenied),
                Some(404 | 410) => return Some(Cause::NotFound),
                _ => {}
            }
            if r.is_timeout() {
                return Some(Cause::TimedOut);
            }
            if r.is_dns() {
                return Some(Cause::HostNotFound);
            }
        }
        if let Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented) =
            e.downcast_ref::<rustls::Error>()
        {
            return Some(Cause::Certificate);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused => return Some(Cause::ConnectionRefused),
                ErrorKind::TimedOut => return Some(Cause::TimedOut),
                _ => {}
            }
        }
        // hyper-util's resolver failure reads "dns error: …".
        e.to_string()
            .starts_with("dns error")
            .then_some(Cause::HostNotFound)
    }

    /// Read the cause from what `git push` or `ssh` printed on stderr:
    /// external programs report only text, so this reads the fixed lines
    /// they print (git's `http.c` and `connect.c`, OpenSSH's `ssh`).
    pub fn from_program_stderr(stderr: &str) -> Cause {
        let has = |s: &str| stderr.contains(s);
        if has("Host key verification failed")
            || has("HOST IDENTIFICATION HAS CHANGED")
            || has("No ED25519 host key is known")
        {
            Cause::HostKey
        } else if has("could not read Username") || has("could not read Password") {
            // git wanted to prompt and was not allowed to: nothing offered.
            Cause::NoCredentials
        } else if has("Authentication failed")
            || has("Permission denied (publickey")
            || has("Permission denied, please try")
        {
            Cause::Authentication
        } else if has("returned error: 403") || has("Permission denied") || has("DENIED") {
            Cause::PermissionDenied
        } else if has("returned error: 404")
            || (has("repository") && has("not found"))
            || has("does not appear to be a git repository")
        {
            Cause::NotFound
        } else if has("Could not resolve host") || has("Could not resolve hostname") {
            Cause::HostNotFound
        } else if has("Connection refused") || has("Couldn't connect") {
            Cause::ConnectionRefused
        } else if has("timed out") {
            Cause::TimedOut
        } else if has("SSL certificate problem") || has("server certificate verification failed") {
            Cause::Certificate
        } else {
            Cause::Other
        }
    }
}

/// The underlying message of `err` and its causes, one per line, redacted.
pub fn detail(err: &(dyn StdError + 'static)) -> String {
    let mut lines = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let line = crate::remote::redact_text(&e.to_string());
        if !lines.contains(&line) {
            lines.push(line);
        }
        cur = e.source();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_messages_map_to_causes() {
        for (stderr, cause) in [
            ("Host key verification failed.\nfatal: Could not read from remote repository.", Cause::HostKey),
            ("git@h: Permission denied (publickey).", Cause::Authentication),
            ("fatal: Authentication failed for 'https://h/r/'", Cause::Authentication),
            ("fatal: could not read Username for 'https://h': terminal prompts disabled", Cause::NoCredentials),
            ("Warning: Permanently added the ED25519 host key for IP address '1.2.3.4' to the list of known hosts.\nfatal: could not read from remote", Cause::Other),
            ("fatal: unable to access 'https://h/r/': The requested URL returned error: 403", Cause::PermissionDenied),
            ("FATAL: W any mem alice DENIED by fallthru", Cause::PermissionDenied),
            ("fatal: repository 'https://h/r/' not found", Cause::NotFound),
            ("ssh: Could not resolve hostname h: Name or service not known", Cause::HostNotFound),
            ("ssh: connect to host 127.0.0.1 port 1: Connection refused", Cause::ConnectionRefused),
            ("fatal: unable to access 'https://h/': SSL certificate problem: unable to get local issuer certificate", Cause::Certificate),
            ("something else entirely", Cause::Other),
        ] {
            assert_eq!(Cause::from_program_stderr(stderr), cause, "{stderr}");
        }
    }

    #[test]
    fn every_advice_names_what_to_do() {
        for cause in [
            Cause::Authentication,
            Cause::NoCredentials,
            Cause::NotFound,
            Cause::HostNotFound,
            Cause::ConnectionRefused,
            Cause::TimedOut,
            Cause::Certificate,
            Cause::HostKey,
            Cause::PermissionDenied,
            Cause::HookRejected("pre-receive hook declined".into()),
            Cause::PushOverHttp,
            Cause::ServerSaid("access denied".into()),
            Cause::Other,
        ] {
            let advice = cause.advice("team/x");
            assert!(
                advice.contains(": ") || advice.starts_with("run "),
                "{advice}"
            );
            assert!(!advice.contains('\n'), "{advice}");
        }
    }
}
