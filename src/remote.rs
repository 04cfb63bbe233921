//! A scope's remote URL: which transports `mem` can use, and the one
//! redaction every displayed URL goes through.
//!
//! Invariant: a credential in a URL (`https://user:token@host/…`, the way CI
//! hands out tokens) never reaches anything `mem` writes. [`RemoteUrl`]'s
//! `Display`, `Debug` and `Serialize` all show [`redact`]ed text; only
//! [`RemoteUrl::expose`] gives the URL, without its password, for gix and
//! `git`; the password travels apart (see `sync::Network`) and is stored in
//! [`Credentials`], never in a scope's repository.

use std::fmt;

/// The transport a remote URL names (git-clone(1), "GIT URLS").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `file://…` or a local path.
    File,
    /// `ssh://…` or scp-style `user@host:path`.
    Ssh,
    /// `git://…` (git daemon; no authentication, no encryption).
    Git,
    /// `http://…`: for reading only.
    Http,
    /// `https://…`.
    Https,
}

impl Transport {
    /// The scheme's name as users write it.
    pub fn name(self) -> &'static str {
        match self {
            Transport::File => "file",
            Transport::Ssh => "ssh",
            Transport::Git => "git",
            Transport::Http => "http",
            Transport::Https => "https",
        }
    }
}

/// Why a URL cannot be a scope's remote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Empty.
    #[error("the remote URL is empty: give one such as https://host/owner/memories.git or git@host:owner/memories.git")]
    Empty,
    /// A scheme git has no transport for.
    #[error("the remote URL {url} uses the scheme '{scheme}', which mem cannot use: use https://, ssh://, git@host:path, git://, file:// or a path")]
    Scheme {
        /// The URL, redacted.
        url: String,
        /// The scheme as written.
        scheme: String,
    },
    /// No host where one is needed.
    #[error("the remote URL {url} names no host: write it as {scheme}://HOST/PATH")]
    NoHost {
        /// The URL, redacted.
        url: String,
        /// The scheme.
        scheme: &'static str,
    },
    /// A password over plain http would travel in the clear.
    #[error("the remote URL {url} carries a password over plain http, which would send it unencrypted: use https:// instead")]
    PasswordOverHttp {
        /// The URL, redacted.
        url: String,
    },
    /// A local path that holds no git repository.
    #[error("there is no git repository at {path}: create one with `git init --bare {path}`, or give a URL such as https://host/owner/memories.git")]
    NoLocalRepository {
        /// The path, made absolute.
        path: String,
    },
    /// Anything else gix's URL parser refused.
    #[error("the remote URL {url} is not a git URL ({reason}): use https://, ssh://, git@host:path, git://, file:// or a path")]
    Malformed {
        /// The URL, redacted.
        url: String,
        /// What the parser said.
        reason: String,
    },
}

/// A user name and password for a remote, from its URL or from
/// [`Credentials`].
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The user name (for a token, often anything but empty).
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Account({}, ***)", self.username)
    }
}

/// A scope's remote: the URL without its password, and the account that
/// was written into it. Shown (Display, Debug, JSON) without credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// The URL with no password in it (and for http(s) with an account,
    /// no user part either).
    url: String,
    account: Option<Account>,
}

impl RemoteUrl {
    /// Check that `url` names a transport `mem` can use: `file://` or a
    /// path, `ssh://` or scp-style `[user@]host:path`, `git://`, `http://`
    /// (without a password) or `https://`; a `user:password@` part is
    /// taken out of the URL into [`RemoteUrl::account`].
    ///
    /// # Errors
    /// [`UrlError`] saying which part is wrong.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        if check(url)? == Transport::File
            && !url.starts_with("file://")
            && !std::path::Path::new(url).is_absolute()
        {
            // A relative path is kept absolute (cron and hooks run
            // elsewhere), and must name a repository already: free text
            // (a mistyped URL) would otherwise pass as a path. An absolute
            // path may be missing for now (a drive not mounted): sync
            // reports it then.
            let path = std::path::absolute(url).unwrap_or_else(|_| url.into());
            if !path.join("HEAD").exists() && !path.join(".git").exists() {
                return Err(UrlError::NoLocalRepository {
                    path: path.display().to_string(),
                });
            }
            return Ok(Self::from_config(&path.display().to_string()));
        }
        Ok(Self::from_config(url))
    }

    /// The URL as a scope's config holds it, unchecked (it may predate
    /// [`RemoteUrl::parse`]; [`RemoteUrl::transport`] checks it). A
    /// password in it (written by an older version) is taken out as in
    /// [`RemoteUrl::parse`].
    pub fn from_config(url: &str) -> Self {
        let account = gix::url::parse(gix::bstr::BStr::new(url))
            .ok()
            .and_then(|p| {
                Some(Account {
                    username: p.user()?.to_owned(),
                    password: p.password()?.to_owned(),
                })
            });
        // Without its password: for http(s) the whole user part goes,
        // elsewhere only the password (what `redact` shows).
        let url = match &account {
            Some(_) => redact(url),
            None => url.to_owned(),
        };
        RemoteUrl { url, account }
    }

    /// This URL with `account` (from [`Credentials`]) when the URL itself
    /// carries none.
    pub fn with_account(mut self, account: Option<Account>) -> Self {
        if self.account.is_none() {
            self.account = account;
        }
        self
    }

    /// The transport this URL uses.
    ///
    /// # Errors
    /// [`UrlError`] when it names none `mem` can use.
    pub fn transport(&self) -> Result<Transport, UrlError> {
        check(&self.url)
    }

    /// The URL without its password, for gix, `git` and the scope's
    /// config: the password travels apart (see `sync::Network`).
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The account written into the URL (or stored for it).
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// The account, when the transport can use it (https; http refuses
    /// one): ssh and git:// never see a password.
    pub fn http_account(&self) -> Option<&Account> {
        self.account
            .as_ref()
            .filter(|_| matches!(self.transport(), Ok(Transport::Https | Transport::Http)))
    }
}

/// Passwords of remote URLs, kept out of the scopes' repositories (whose
/// `config` holds the URL without them): `credentials.yaml` beside
/// `config.yaml`, mode 0600, one entry per scope. Never synced.
///
/// Format (changing it loses every stored password):
/// `{format: 1, scopes: {<scope>: {username, password}}}`.
#[derive(Debug)]
pub struct Credentials {
    path: std::path::PathBuf,
    file: CredentialsFile,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct CredentialsFile {
    format: u32,
    #[serde(default)]
    scopes: std::collections::BTreeMap<String, StoredAccount>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAccount {
    username: String,
    password: String,
}

impl fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredAccount({}, ***)", self.username)
    }
}

/// Errors reading or writing [`Credentials`].
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The file could not be read or written.
    #[error("cannot {action} {path}: {source}; check its permissions")]
    Io {
        /// read or write.
        action: &'static str,
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not what mem wrote.
    #[error("{path} is malformed ({reason}): remove it and set the scopes' remotes again with `mem scope remote`")]
    Malformed {
        /// The file.
        path: String,
        /// Parser message (no values).
        reason: String,
    },
}

impl Credentials {
    /// Read the store at `path`; a missing file is an empty store.
    ///
    /// # Errors
    /// [`CredentialsError`] when it cannot be read or parsed.
    pub fn load(path: &std::path::Path) -> Result<Self, CredentialsError> {
        let file = match std::fs::read(path) {
            Ok(bytes) => serde_yaml::from_slice(&bytes).map_err(|e| {
                CredentialsError::Malformed {
                    path: path.display().to_string(),
                    // The location only: a message could quote a password.
                    reason: e
                        .location()
                        .map_or_else(|| "not YAML".to_owned(), |l| format!("line {}", l.line())),
                }
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CredentialsFile::default(),
            Err(source) => {
                return Err(CredentialsError::Io {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Ok(Credentials {
            path: path.to_owned(),
            file,
        })
    }

    /// The account stored for `scope`.
    pub fn get(&self, scope: &str) -> Option<Account> {
        self.file.scopes.get(scope).map(|a| Account {
            username: a.username.clone(),
            password: a.password.clone(),
        })
    }

    /// Store `account` for `scope` (or forget it with `None`) and write the
    /// file (0600, replaced atomically).
    ///
    /// # Errors
    /// [`CredentialsError::Io`] when it cannot be written.
    pub fn set(&mut self, scope: &str, account: Option<&Account>) -> Result<(), CredentialsError> {
        let changed = match account {
            Some(a) => {
                let new = StoredAccount {
                    username: a.username.clone(),
                    password: a.password.clone(),
                };
                let old = self.file.scopes.insert(scope.to_owned(), new);
                old.is_none_or(|o| o.username != a.username || o.password != a.password)
            }
            None => self.file.scopes.remove(scope).is_some(),
        };
        if !changed {
            return Ok(());
        }
        self.file.format = 1;
        let io = |source| CredentialsError::Io {
            action: "write",
            path: self.path.display().to_string(),
            source,
        };
        let text = serde_yaml::to_string(&self.file).map_err(|e| io(std::io::Error::other(e)))?;
        let dir = self.path.parent().unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(
            &mut tmp,
            format!("# kioku-mesh: passwords of scope remotes (never synced)\n{text}").as_bytes(),
        )
        .map_err(io)?;
        // NamedTempFile is created 0600.
        tmp.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// The transport of `url`, or what is wrong with it.
fn check(url: &str) -> Result<Transport, UrlError> {
    if url.is_empty() {
        return Err(UrlError::Empty);
    }
    if let Some((scheme, _)) = url.split_once("://") {
        let known = ["file", "ssh", "git", "http", "https", "git+ssh", "ssh+git"];
        if !known.contains(&scheme.to_ascii_lowercase().as_str()) {
            return Err(UrlError::Scheme {
                url: redact(url),
                scheme: scheme.to_owned(),
            });
        }
    }
    // gix's message quotes the input: only its first clause is kept, and
    // the input shown is redacted.
    let parsed = gix::url::parse(gix::bstr::BStr::new(url)).map_err(|e| UrlError::Malformed {
        url: redact(url),
        reason: e
            .to_string()
            .split([',', ':'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })?;
    let transport = match parsed.scheme {
        gix::url::Scheme::File => Transport::File,
        gix::url::Scheme::Ssh => Transport::Ssh,
        gix::url::Scheme::Git => Transport::Git,
        gix::url::Scheme::Http => Transport::Http,
        gix::url::Scheme::Https => Transport::Https,
        gix::url::Scheme::Ext | gix::url::Scheme::Helper(_) | gix::url::Scheme::HelperUrl(_) => {
            return Err(UrlError::Scheme {
                url: redact(url),
                scheme: url.split_once("://").map_or("", |(s, _)| s).to_owned(),
            })
        }
    };
    if transport != Transport::File && parsed.host().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost {
            url: redact(url),
            scheme: transport.name(),
        });
    }
    if transport == Transport::Http && parsed.password().is_some() {
        return Err(UrlError::PasswordOverHttp { url: redact(url) });
    }
    Ok(transport)
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemoteUrl({})", redact(&self.url))
    }
}

impl serde::Serialize for RemoteUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&redact(&self.url))
    }
}

/// `url` without its credentials, as git shows it: for `http(s)` the whole
/// user part goes (a token may stand where the user name does:
/// `https://TOKEN@github.com/…`); for other schemes only a password.
/// Text that is not a URL with a user part comes back unchanged.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@').or_else(|| {
        // A password written with a raw '/' (base64 tokens have them):
        // `user:ab/cd@host/…`. Better to hide too much than too little.
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        authority
            .contains(':')
            .then(|| rest[..end].find('@'))
            .flatten()
    });
    let Some(at) = at else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    let host = match rest[at + 1..].find('/') {
        Some(slash) => &rest[at + 1..at + 1 + slash],
        None => &rest[at + 1..],
    };
    let authority_end = at + 1 + host.len();
    let scheme_lower = scheme.to_ascii_lowercase();
    let kept = if scheme_lower == "http" || scheme_lower == "https" {
        String::new()
    } else {
        match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}@"),
            None => format!("{userinfo}@"),
        }
    };
    format!("{scheme}://{kept}{host}{}", &rest[authority_end..])
}

/// `text` with every URL in it [`redact`]ed: for messages from gix, `git`
/// or a server, which may quote the URL they were given.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        // The scheme runs back over letters, digits, '+', '-' and '.'.
        let start = rest[..pos]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .map_or(0, |i| i + 1);
        let end = rest[pos..]
            .find(|c: char| c.is_whitespace() || "'\"<>`".contains(c))
            .map_or(rest.len(), |i| pos + i);
        out.push_str(&rest[..start]);
        out.push_str(&redact(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_http_user_parts_and_other_passwords() {
        assert_eq!(
            redact("https://alice:s3cret@host:8443/git/mem.git"),
            "https://host:8443/git/mem.git"
        );
        assert_eq!(
            redact("https://ghp_TOKEN@github.com/a/b"),
            "https://github.com/a/b"
        );
        assert_eq!(redact("ssh://git:pw@host/x"), "ssh://git@host/x");
        assert_eq!(redact("https://u:ab/cd@h/r"), "https://h/r");
        assert_eq!(redact("https://h:8443/r.git"), "https://h:8443/r.git");
        assert_eq!(redact("https://h/path@x"), "https://h/path@x");
        assert_eq!(redact("ssh://git@host/x"), "ssh://git@host/x");
        assert_eq!(redact("git@host:x.git"), "git@host:x.git");
        assert_eq!(redact("/srv/x.git"), "/srv/x.git");
        assert_eq!(
            redact_text("fatal: unable to access 'https://u:p@h/r/': 403"),
            "fatal: unable to access 'https://h/r/': 403"
        );
        assert_eq!(
            redact_text("a https://u:p@h/ and http://x:y@z"),
            "a https://h/ and http://z"
        );
    }

    #[test]
    fn only_usable_transports_are_accepted() {
        for (url, transport) in [
            ("https://h/r.git", Transport::Https),
            ("http://h/r.git", Transport::Http),
            ("ssh://u@h:22/r.git", Transport::Ssh),
            ("git@github.com:me/mem.git", Transport::Ssh),
            ("git://127.0.0.1:9418/r.git", Transport::Git),
        ] {
            assert_eq!(
                RemoteUrl::parse(url).unwrap().transport().unwrap(),
                transport,
                "{url}"
            );
        }
        assert!(matches!(
            RemoteUrl::parse("htps://h/r"),
            Err(UrlError::Scheme { .. })
        ));
        assert!(matches!(
            RemoteUrl::parse("ftp://h/r"),
            Err(UrlError::Scheme { .. })
        ));
        assert!(matches!(RemoteUrl::parse("  "), Err(UrlError::Empty)));
        let e = RemoteUrl::parse("http://u:pw@h/r").unwrap_err();
        assert!(matches!(e, UrlError::PasswordOverHttp { .. }));
        assert!(!e.to_string().contains("pw"), "{e}");
        assert!(RemoteUrl::parse("http://u@h/r").is_ok());
        assert!(RemoteUrl::parse("/not/mounted/now.git").is_ok());
        match RemoteUrl::parse("https://u:s3cr/et@h/r") {
            Err(e) => assert!(!e.to_string().contains("s3cr"), "{e}"),
            Ok(url) => assert!(!format!("{url} {url:?} {}", url.expose()).contains("s3cr")),
        }
        assert!(matches!(
            RemoteUrl::parse("not a url"),
            Err(UrlError::NoLocalRepository { .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("HEAD"), "ref: refs/heads/main\n").unwrap();
        let local = RemoteUrl::parse(dir.path().to_str().unwrap()).unwrap();
        assert_eq!(local.transport(), Ok(Transport::File));
        let file = format!("file://{}", dir.path().display());
        assert_eq!(RemoteUrl::parse(&file).unwrap().expose(), file);
    }

    #[test]
    fn display_debug_and_json_are_redacted() {
        let url = RemoteUrl::parse("https://bob:hunter2@h/r.git").unwrap();
        assert_eq!(url.to_string(), "https://h/r.git");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&url).unwrap().contains("hunter2"));
        assert_eq!(url.expose(), "https://h/r.git");
        let account = url.account().unwrap();
        assert_eq!(
            (account.username.as_str(), account.password.as_str()),
            ("bob", "hunter2")
        );
        let ssh = RemoteUrl::parse("ssh://git:pw@h/r.git").unwrap();
        assert_eq!(ssh.expose(), "ssh://git@h/r.git");
        let plain = RemoteUrl::parse("https://bob@h/r.git").unwrap();
        assert_eq!(plain.expose(), "https://bob@h/r.git");
        assert!(plain.account().is_none());
    }
}
