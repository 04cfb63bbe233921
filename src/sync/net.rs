//! The network settings of one sync, built in one place for both
//! directions: fetch (gix) and push (the `git` CLI).
//!
//! A scope's repository is opened isolated (see `ScopeRepo::open`): the
//! user's git config must not change how scopes are read or written. Only
//! the settings that say how to reach a remote are taken from the user's
//! and the system's git config (and `GIT_CONFIG_COUNT`-style variables):
//! the `credential`, `http` and `url` sections, `core.sshCommand`,
//! `core.askPass` and `ssh.variant` — git-config(1). Fetch gets them as gix
//! configuration overrides, push as `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`
//! variables (not visible in the process list, unlike `-c`) with the
//! user's and system's files switched off, so both directions authenticate
//! the same way and nothing else leaks in (a global `core.hooksPath`
//! would otherwise run the user's hooks on every push).
//!
//! Without a terminal (cron, hooks, `mem watch`) nothing may prompt: the
//! terminal prompt is switched off for both, and ssh runs in batch mode
//! unless the user chose their own ssh command.

use std::io::IsTerminal;
use std::process::Command;

use crate::remote::{Account, RemoteUrl};

/// Sections whose every key concerns reaching a remote.
const SECTIONS: [&str; 3] = ["credential", "http", "url"];
/// Single keys outside those sections (section, key), lower case.
const KEYS: [(&str, &str); 3] = [
    ("core", "sshcommand"),
    ("core", "askpass"),
    ("ssh", "variant"),
];

/// The settings for reaching remotes, read once per sync.
#[derive(Clone, Default)]
pub struct Network {
    /// `(key, value)` in the order git would apply them, e.g.
    /// `("credential.https://host.helper", "store")`.
    settings: Vec<(String, String)>,
    /// Whether a person can answer a prompt (stdin and stderr are terminals
    /// and `GIT_TERMINAL_PROMPT` is not `0`).
    interactive: bool,
}

impl std::fmt::Debug for Network {
    // Values may hold secrets (an `http.extraHeader` bearer token, a
    // proxy password): only the keys are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field(
                "keys",
                &self.settings.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("interactive", &self.interactive)
            .finish()
    }
}

impl Network {
    /// Read the user's and the system's git config (includes followed, as
    /// `GIT_CONFIG_GLOBAL`, `GIT_CONFIG_NOSYSTEM` and `GIT_CONFIG_SYSTEM`
    /// say) and the `GIT_CONFIG_COUNT` variables. A config file git could
    /// not read either is skipped: the network settings then default.
    pub fn from_environment() -> Self {
        let mut settings = Vec::new();
        let files = [
            global_files(),
            gix::config::File::from_environment_overrides().ok(),
        ];
        for file in files.iter().flatten() {
            collect(file, &mut settings);
        }
        let mut network = Network {
            settings,
            interactive: Self::may_prompt(),
        };
        network.batch_ssh();
        network.bounded_waits();
        network
    }

    /// A server that accepts the connection and then says nothing must not
    /// hold a sync (or cron, or a hook) for ever: unless the user chose
    /// otherwise, a connection (TCP and TLS) gets 30 s, and a transfer that
    /// moves less than 1 byte/s for 60 s is given up (git's
    /// `http.lowSpeedLimit`/`lowSpeedTime`, honoured by git and gix).
    fn bounded_waits(&mut self) {
        let has = |k: &str| {
            self.settings
                .iter()
                .any(|(key, _)| key.eq_ignore_ascii_case(k))
                || std::env::var_os(match k {
                    "http.lowSpeedLimit" => "GIT_HTTP_LOW_SPEED_LIMIT",
                    "http.lowSpeedTime" => "GIT_HTTP_LOW_SPEED_TIME",
                    _ => "MEM_UNSET",
                })
                .is_some()
        };
        let mut defaults = Vec::new();
        if !has("http.lowSpeedLimit") && !has("http.lowSpeedTime") {
            defaults.push(("http.lowSpeedLimit", "1"));
            defaults.push(("http.lowSpeedTime", "60"));
        }
        if !has("gitoxide.http.connectTimeout") {
            defaults.push(("gitoxide.http.connectTimeout", "30000"));
        }
        // Defaults go first: whatever the user set later wins anyway.
        let defaults = defaults
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        self.settings.splice(0..0, defaults);
    }

    /// Whether a person may be asked for a password: stdin and stderr are
    /// terminals and `GIT_TERMINAL_PROMPT` does not forbid it. The rule
    /// for both directions of a sync, and for whatever would draw over a
    /// prompt (a spinner).
    pub fn may_prompt() -> bool {
        let allowed = std::env::var("GIT_TERMINAL_PROMPT")
            .map(|v| !matches!(v.trim(), "0" | "false" | "no" | "off"))
            .unwrap_or(true);
        allowed && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    /// Without a terminal, ssh must fail rather than ask for a passphrase
    /// or a host key confirmation: `ssh -o BatchMode=yes`, unless the user
    /// runs ssh their own way (`GIT_SSH_COMMAND`, `GIT_SSH`,
    /// `core.sshCommand`), which git and gix then use as it is.
    fn batch_ssh(&mut self) {
        let own_ssh = ["GIT_SSH_COMMAND", "GIT_SSH"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
            || self
                .settings
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("core.sshcommand"));
        if !self.interactive && !own_ssh {
            self.settings
                .push((
                    "core.sshCommand".into(),
                    "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4"
                        .into(),
                ));
        }
    }

    /// The settings as `key=value` overrides for `gix::open::Options`.
    fn overrides(&self, url: &str) -> Vec<String> {
        let mut out: Vec<String> = self.effective().map(|(k, v)| format!("{k}={v}")).collect();
        // gix 0.90 reads only the plain `http.*` keys: the URL-scoped ones
        // (`[http "https://corp"] sslCAInfo`) that match this remote are
        // resolved here, as git does, and given after the plain ones.
        for (k, v) in http_for_url(&self.settings, url) {
            out.push(format!("{k}={v}"));
        }
        if !self.interactive {
            out.push("gitoxide.credentials.terminalPrompt=false".into());
        }
        out
    }

    /// The settings to apply: without a terminal, no askpass program (it
    /// would open a window nobody answers).
    fn effective(&self) -> impl Iterator<Item = &(String, String)> {
        self.settings
            .iter()
            .filter(|(k, _)| self.interactive || !k.eq_ignore_ascii_case("core.askpass"))
    }

    /// Open the repository at `git_dir` for a fetch: isolated like every
    /// scope, plus these network settings and the variables git reads for
    /// the network (`GIT_SSL_CAINFO`, `https_proxy`, `GIT_SSH_COMMAND`, …).
    ///
    /// # Errors
    /// gix's, when the repository cannot be opened.
    pub fn open_for_fetch(
        &self,
        git_dir: &std::path::Path,
        url: &str,
    ) -> gix::Result<gix::Repository> {
        use gix::sec::Permission::Allow;
        let mut permissions = gix::open::Permissions::isolated();
        permissions.env.http_transport = Allow;
        permissions.env.ssh_prefix = Allow;
        permissions.env.git_prefix = Allow;
        permissions.env.home = Allow;
        permissions.env.xdg_config_home = Allow;
        let options = gix::open::Options::isolated()
            .permissions(permissions)
            .cli_overrides(self.overrides(url));
        gix::open_opts(git_dir, options)
    }

    /// `git --git-dir GIT_DIR` set up with these network settings and
    /// nothing else of the user's config, and with no prompt unless
    /// [`Network::may_prompt`]. With the `account` of the remote's URL,
    /// that account is git's only credential helper (as in
    /// [`Network::credentials`]), read from the git process's environment
    /// so the password never appears in a command line.
    pub fn git(&self, git_dir: &std::path::Path, account: Option<&Account>) -> Command {
        let mut cmd = crate::gitcli::git();
        cmd.arg("--git-dir").arg(git_dir);
        cmd.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_CONFIG_SYSTEM")
            .env_remove("GIT_CONFIG_PARAMETERS");
        // Replace whatever GIT_CONFIG_* the caller had: those were read
        // into `settings` already.
        for (name, _) in std::env::vars_os() {
            let n = name.to_string_lossy();
            if n.starts_with("GIT_CONFIG_KEY_") || n.starts_with("GIT_CONFIG_VALUE_") {
                cmd.env_remove(&name);
            }
        }
        let mut settings: Vec<(String, String)> = self.effective().cloned().collect();
        if !self.interactive {
            // git asks GIT_ASKPASS, core.askPass and SSH_ASKPASS before it
            // looks at GIT_TERMINAL_PROMPT: none may open a window here.
            cmd.env_remove("GIT_ASKPASS")
                .env_remove("SSH_ASKPASS")
                .env("SSH_ASKPASS_REQUIRE", "never");
            settings.push(("credential.interactive".into(), "false".into()));
        }
        if let Some(account) = account {
            // An empty helper clears the list; then ours answers `get` only.
            settings.push(("credential.helper".into(), String::new()));
            settings.push((
                "credential.helper".into(),
                "!f() { test \"$1\" = get && printf 'username=%s\\npassword=%s\\n' \"$MEM_REMOTE_USERNAME\" \"$MEM_REMOTE_PASSWORD\"; }; f".into(),
            ));
            cmd.env("MEM_REMOTE_USERNAME", &account.username)
                .env("MEM_REMOTE_PASSWORD", &account.password);
        }
        cmd.env("GIT_CONFIG_COUNT", settings.len().to_string());
        for (i, (k, v)) in settings.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{i}"), k)
                .env(format!("GIT_CONFIG_VALUE_{i}"), v);
        }
        if !self.interactive {
            cmd.env("GIT_TERMINAL_PROMPT", "0");
        }
        cmd
    }

    /// The credentials function for a gix connection to `url`: a user name
    /// and password written into the URL are used as they are (a wrong one
    /// fails; no helper is asked in its stead, as with `git push`);
    /// otherwise `configured` (the credential helpers, then a prompt when
    /// interactive) answers.
    ///
    /// `offered` is set when any credentials were handed to the server, so
    /// a refusal can tell "wrong credentials" from "none found".
    pub fn credentials<'a>(
        url: &RemoteUrl,
        mut configured: impl FnMut(
                gix::credentials::helper::Action,
            ) -> gix::Result<Option<gix::credentials::protocol::Outcome>>
            + 'a,
        offered: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> impl FnMut(
        gix::credentials::helper::Action,
    ) -> gix::Result<Option<gix::credentials::protocol::Outcome>>
           + 'a {
        use std::sync::atomic::Ordering;
        let embedded = url.account().cloned();
        move |action| match (&embedded, action) {
            (Some(account), gix::credentials::helper::Action::Get(ctx)) => {
                offered.store(true, Ordering::Relaxed);
                Ok(Some(gix::credentials::protocol::Outcome {
                    identity: gix::sec::identity::Account {
                        username: account.username.clone(),
                        password: account.password.clone(),
                        oauth_refresh_token: None,
                    },
                    next: ctx.into(),
                }))
            }
            // Nothing to store or erase for credentials the URL carries.
            (Some(_), _) => Ok(None),
            (None, action) => {
                let is_get = matches!(action, gix::credentials::helper::Action::Get(_));
                let outcome = configured(action);
                if is_get && matches!(outcome, Ok(Some(_))) {
                    offered.store(true, Ordering::Relaxed);
                }
                outcome
            }
        }
    }
}

/// The `http.<url>.<key>` settings whose `<url>` matches `url`, as plain
/// `http.<key>` settings, least specific first (git-config(1),
/// `http.<url>.*`: scheme, host — `*.` matching one label — port, path
/// prefix at a `/`, and user name must match; the longest path wins).
fn http_for_url(settings: &[(String, String)], url: &str) -> Vec<(String, String)> {
    let Ok(target) = gix::url::parse(gix::bstr::BStr::new(url)) else {
        return Vec::new();
    };
    let mut matched: Vec<(usize, String, String)> = Vec::new();
    for (key, value) in settings {
        let Some(rest) = key
            .strip_prefix("http.")
            .or_else(|| key.strip_prefix("HTTP."))
        else {
            continue;
        };
        let Some((pattern, name)) = rest.rsplit_once('.') else {
            continue;
        };
        let Ok(pattern) = gix::url::parse(gix::bstr::BStr::new(pattern)) else {
            continue;
        };
        let host_matches = match (pattern.host(), target.host()) {
            (Some(p), Some(t)) => {
                let (p, t) = (p.to_ascii_lowercase(), t.to_ascii_lowercase());
                p == t
                    || p.strip_prefix("*.").is_some_and(|suffix| {
                        t.split_once('.').is_some_and(|(_, rest)| rest == suffix)
                    })
            }
            _ => false,
        };
        let path = pattern.path.to_string();
        let path = path.trim_end_matches('/');
        let target_path = target.path.to_string();
        let path_matches =
            path.is_empty() || target_path == path || target_path.starts_with(&format!("{path}/"));
        let user_matches = pattern.user().is_none() || pattern.user() == target.user();
        if pattern.scheme == target.scheme
            && host_matches
            && pattern.port_or_default() == target.port_or_default()
            && path_matches
            && user_matches
        {
            matched.push((path.len(), format!("http.{name}"), value.clone()));
        }
    }
    matched.sort_by_key(|(specificity, _, _)| *specificity);
    matched.into_iter().map(|(_, k, v)| (k, v)).collect()
}

/// The system's and the user's git config files, each read once (with
/// `GIT_CONFIG_GLOBAL` set, git's two user-level sources name the same
/// file; reading it twice would double every multi-valued key), includes
/// followed as `gix::config::File::from_globals` does.
fn global_files() -> Option<gix::config::File> {
    use gix::config::source::Kind;
    let mut seen = Vec::new();
    let metas = [Kind::GitInstallation, Kind::System, Kind::Global]
        .iter()
        .flat_map(|kind| kind.sources())
        .filter_map(|source| {
            let path = source
                .storage_location(&mut gix::path::env::var)
                .filter(|p| p.is_file())?;
            if seen.contains(&path) {
                return None;
            }
            seen.push(path.clone());
            Some(gix::config::file::Metadata {
                path: Some(path),
                source: *source,
                level: 0,
                trust: gix::sec::Trust::Full,
            })
        });
    let home = gix::path::env::home_dir();
    let options = gix::config::file::init::Options {
        includes: gix::config::file::includes::Options::follow_without_conditional(home.as_deref()),
        ..Default::default()
    };
    gix::config::File::from_paths_metadata(metas, options)
        .ok()
        .flatten()
}

/// Append the network settings of `file` to `out`, in file order.
fn collect(file: &gix::config::File, out: &mut Vec<(String, String)>) {
    for section in file.sections() {
        let header = section.header();
        let name = header.name().to_string().to_ascii_lowercase();
        let whole = SECTIONS.contains(&name.as_str());
        let prefix = match header.subsection_name() {
            Some(sub) => format!("{name}.{sub}"),
            None => name.clone(),
        };
        // gitoxide's own http settings (`gitoxide.http.connectTimeout`)
        // concern the network too.
        let whole = whole
            || (name == "gitoxide"
                && header
                    .subsection_name()
                    .is_some_and(|s| s.eq_ignore_ascii_case(b"http")));
        let body = section.body();
        let mut seen = Vec::<String>::new();
        for key in body.value_names() {
            let lower = key.to_ascii_lowercase();
            if seen.contains(&lower) {
                continue;
            }
            let wanted = whole
                || (header.subsection_name().is_none()
                    && KEYS.contains(&(name.as_str(), lower.as_str())));
            if !wanted {
                continue;
            }
            // `[http] sslVerify` alone means true, where an empty value
            // (`sslVerify =`) means false: keep the difference.
            let implicit = matches!(body.value_implicit(&key), Some(None));
            let values = body.values(&key);
            if values.is_empty() && implicit {
                out.push((format!("{prefix}.{key}"), "true".into()));
            }
            for v in values {
                let v = if v.is_empty() && implicit {
                    "true".to_owned()
                } else {
                    v.to_string()
                };
                out.push((format!("{prefix}.{key}"), v));
            }
            seen.push(lower);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scoped_http_settings_resolve_like_git() {
        let settings: Vec<(String, String)> = [
            ("http.sslCAInfo", "/plain.pem"),
            ("http.https://corp.example.sslCAInfo", "/corp.pem"),
            ("http.https://corp.example/team.sslCAInfo", "/team.pem"),
            ("http.https://*.example.proxy", "http://proxy:3128"),
            ("http.https://other.example.sslCAInfo", "/other.pem"),
            ("http.https://corp.example:8443.sslVerify", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let got = http_for_url(&settings, "https://corp.example/team/mem.git");
        let got: Vec<String> = got.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            got,
            [
                "http.sslCAInfo=/corp.pem",
                "http.proxy=http://proxy:3128",
                "http.sslCAInfo=/team.pem"
            ]
        );
        assert!(http_for_url(&settings, "https://corp.example/teamx/m.git")
            .iter()
            .all(|(_, v)| v != "/team.pem"));
    }

    #[test]
    fn only_network_keys_are_taken_in_order() {
        let text = "[core]\n\thooksPath = /evil\n\tsshCommand = ssh -i k\n[credential]\n\thelper = cache\n\thelper =\n\thelper = store\n[credential \"https://h\"]\n\tusername = bob\n[http]\n\tsslCAInfo = /ca.pem\n\tsslVerify\n[url \"git@h:\"]\n\tinsteadOf = https://h/\n[user]\n\tname = x\n";
        let file: gix::config::File = text.parse().unwrap();
        let mut out = Vec::new();
        collect(&file, &mut out);
        let got: Vec<String> = out.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            got,
            [
                "core.sshCommand=ssh -i k",
                "credential.helper=cache",
                "credential.helper=",
                "credential.helper=store",
                "credential.https://h.username=bob",
                "http.sslCAInfo=/ca.pem",
                "http.sslVerify=true",
                "url.git@h:.insteadOf=https://h/",
            ]
        );
    }
}
