//! Layered configuration, lowest first: built-in defaults →
//! `config.yaml` (user) → the nearest `.kioku-mesh.yaml` above the cwd
//! (project) → `MEM_*` environment → command-line flags. Each resolved value
//! remembers the layer it came from, for `mem doctor`.
//!
//! A project file is shared through its repository, so it is not trusted: it
//! may set only `default_scope` (and only to a scope that already exists on
//! this device) and `project`; it can never set `user_id` or a remote.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::project;
use crate::store::ScopeName;

/// Name of the per-project config file, looked up from the cwd upwards.
pub const PROJECT_FILE: &str = ".kioku-mesh.yaml";

/// Name of the default identity file, beside `config.yaml`.
pub const IDENTITY_FILE: &str = "identity.txt";

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "layer", content = "detail", rename_all = "kebab-case")]
pub enum Source {
    /// Built into `mem`.
    Default,
    /// Worked out from the machine (user name, host name, git origin).
    Detected(String),
    /// The user config file.
    User(PathBuf),
    /// A project's `.kioku-mesh.yaml`.
    Project(PathBuf),
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::Detected(what) => write!(f, "detected from {what}"),
            Source::User(p) => write!(f, "user config {}", p.display()),
            Source::Project(p) => write!(f, "project config {}", p.display()),
            Source::Env(v) => write!(f, "environment {v}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A value and the layer it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    /// The resolved value.
    pub value: T,
    /// Its layer.
    pub source: Source,
}

impl<T> Sourced<T> {
    fn set(&mut self, value: T, source: Source) {
        self.value = value;
        self.source = source;
    }
}

/// Values given on the command line, the top layer.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--scope` for commands that write.
    pub scope: Option<String>,
    /// `--project P`.
    pub project: Option<String>,
    /// `--global`: no project.
    pub global: bool,
}

/// The resolved configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Recorded as `author` on observations.
    pub user_id: Sourced<String>,
    /// Recorded as `device` on observations.
    pub device: Sourced<String>,
    /// Scope that `mem save` writes to when `--scope` is not given.
    pub default_scope: Sourced<String>,
    /// The current project (normalised origin URL); `None` = global.
    pub project: Sourced<Option<String>>,
    /// Default number of search results.
    pub limit: Sourced<usize>,
    /// This device's identity for encrypted scopes: an age identity file
    /// (the default, `identity.txt` beside `config.yaml`) or an SSH private key.
    pub identity: Sourced<PathBuf>,
    /// Recall at every prompt (`mem hook run … UserPromptSubmit`/`BeforeAgent`):
    /// `true` for every client, `false` for none, or the clients it is on
    /// for, comma-separated (`claude-code, gemini`).
    pub recall: Sourced<String>,
    /// Characters a prompt's recall block may take (0 turns recall off).
    pub recall_budget: Sourced<usize>,
    /// Problems found while loading (ignored keys, unreadable files).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Errors loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file is not valid YAML.
    #[error("{}: {reason}: fix the file or remove it", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A value has the wrong shape.
    #[error("{what} must be {expected} (from {layer})")]
    BadValue {
        /// The setting.
        what: String,
        /// What it should be.
        expected: String,
        /// Where the bad value came from.
        layer: Source,
    },
}

fn load_yaml(path: &Path) -> Result<Option<serde_yaml::Mapping>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                reason: e.to_string(),
            })
        }
    };
    if text.trim().is_empty() {
        return Ok(Some(Default::default()));
    }
    serde_yaml::from_str::<serde_yaml::Mapping>(&text)
        .map(Some)
        .map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

fn string_of(value: &serde_yaml::Value) -> Option<String> {
    match value {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The nearest `.kioku-mesh.yaml` in `cwd` or above.
pub fn find_project_file(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .map(|d| d.join(PROJECT_FILE))
        .find(|p| p.is_file())
}

/// Who saves, when no config says: `$USER`, then `$LOGNAME`, then git's
/// `user.name` (cron and some containers set neither variable), then
/// `unknown`; and where it came from.
fn detect_user() -> (String, &'static str) {
    for var in ["USER", "LOGNAME"] {
        if let Some(u) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) {
            return (u, if var == "USER" { "$USER" } else { "$LOGNAME" });
        }
    }
    let git_name = gix::config::File::from_globals()
        .ok()
        .and_then(|f| f.string("user.name").map(|n| n.to_string()))
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    match git_name {
        Some(n) => (n, "git config user.name"),
        None => ("unknown".into(), "nothing: set user_id in config.yaml"),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

impl Config {
    /// Resolve every layer for a command run in `cwd`.
    ///
    /// `known_scopes` are the scopes on this device; a project file naming
    /// another is ignored with a warning.
    ///
    /// # Errors
    /// [`ConfigError`] when a config file is unreadable YAML or a value has the wrong type.
    pub fn load(
        config_file: &Path,
        cwd: &Path,
        known_scopes: &[ScopeName],
        flags: &Flags,
    ) -> Result<Self, ConfigError> {
        let (user, user_source) = detect_user();
        let mut cfg = Config {
            user_id: Sourced {
                value: user,
                source: Source::Detected(user_source.into()),
            },
            device: Sourced {
                value: hostname(),
                source: Source::Detected("host name".into()),
            },
            default_scope: Sourced {
                value: "user".into(),
                source: Source::Default,
            },
            project: Sourced {
                value: None,
                source: Source::Default,
            },
            limit: Sourced {
                value: 10,
                source: Source::Default,
            },
            identity: Sourced {
                value: config_file
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(IDENTITY_FILE),
                source: Source::Default,
            },
            recall: Sourced {
                value: "true".into(),
                source: Source::Default,
            },
            recall_budget: Sourced {
                value: crate::memory::RECALL_BUDGET,
                source: Source::Default,
            },
            warnings: Vec::new(),
        };
        if let Some(p) = project::detect(cwd) {
            cfg.project
                .set(Some(p), Source::Detected("git remote origin".into()));
        }

        if let Some(map) = load_yaml(config_file)? {
            let src = Source::User(config_file.to_owned());
            for (k, v) in &map {
                let key = k.as_str().unwrap_or_default();
                let val = string_of(v);
                match (key, val) {
                    ("user_id", Some(v)) => cfg.user_id.set(v, src.clone()),
                    ("device", Some(v)) => cfg.device.set(v, src.clone()),
                    ("default_scope", Some(v)) => cfg.default_scope.set(v, src.clone()),
                    ("limit", Some(v)) => cfg.limit.set(parse_limit(&v, &src)?, src.clone()),
                    ("identity", Some(v)) => cfg.identity.set(expand_home(&v), src.clone()),
                    ("recall", Some(v)) => cfg.recall.set(v, src.clone()),
                    ("recall_budget", Some(v)) => {
                        cfg.recall_budget.set(parse_budget(&v, &src)?, src.clone())
                    }
                    _ => cfg.warnings.push(format!(
                        "{}: unknown setting '{key}' is ignored",
                        config_file.display()
                    )),
                }
            }
        }

        if let Some(path) = find_project_file(cwd) {
            // A project file comes with a cloned repository: a broken one
            // is the repository's problem and must not lock the user (or
            // their agents' hooks) out. It is ignored with a warning.
            let project_map = match load_yaml(&path) {
                Ok(map) => map,
                Err(e) => {
                    cfg.warnings.push(format!("{e}; until then it is ignored"));
                    None
                }
            };
            if let Some(map) = project_map {
                let src = Source::Project(path.clone());
                for (k, v) in &map {
                    let key = k.as_str().unwrap_or_default();
                    match (key, string_of(v)) {
                        ("default_scope", Some(v)) => {
                            if known_scopes.iter().any(|s| s.as_str() == v) {
                                cfg.default_scope.set(v, src.clone());
                            } else {
                                cfg.warnings.push(format!(
                                    "{}: default_scope '{v}' is not a scope on this device and is ignored",
                                    path.display()
                                ));
                            }
                        }
                        ("project", Some(v)) => cfg.project.set(Some(v), src.clone()),
                        _ => cfg.warnings.push(format!(
                            "{}: '{key}' cannot be set by a project file and is ignored",
                            path.display()
                        )),
                    }
                }
            }
        }

        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("MEM_USER_ID") {
            cfg.user_id.set(v, Source::Env("MEM_USER_ID".into()));
        }
        if let Some(v) = env("MEM_DEVICE") {
            cfg.device.set(v, Source::Env("MEM_DEVICE".into()));
        }
        if let Some(v) = env("MEM_SCOPE") {
            cfg.default_scope.set(v, Source::Env("MEM_SCOPE".into()));
        }
        if let Some(v) = env("MEM_PROJECT") {
            cfg.project.set(Some(v), Source::Env("MEM_PROJECT".into()));
        }
        if let Some(v) = env("MEM_IDENTITY") {
            cfg.identity
                .set(expand_home(&v), Source::Env("MEM_IDENTITY".into()));
        }
        if let Some(v) = env("MEM_RECALL") {
            cfg.recall.set(v, Source::Env("MEM_RECALL".into()));
        }
        if let Some(v) = env("MEM_RECALL_BUDGET") {
            let src = Source::Env("MEM_RECALL_BUDGET".into());
            cfg.recall_budget.set(parse_budget(&v, &src)?, src);
        }
        if let Some(v) = env("MEM_LIMIT") {
            let src = Source::Env("MEM_LIMIT".into());
            cfg.limit.set(parse_limit(&v, &src)?, src);
        }

        if let Some(v) = &flags.scope {
            cfg.default_scope
                .set(v.clone(), Source::Flag("--scope".into()));
        }
        if flags.global {
            cfg.project.set(None, Source::Flag("--global".into()));
        } else if let Some(p) = &flags.project {
            cfg.project
                .set(Some(p.clone()), Source::Flag("--project".into()));
        }
        Ok(cfg)
    }

    /// Write a fresh user config file with these values (used by `mem init`).
    ///
    /// # Errors
    /// The I/O error when the file cannot be written.
    pub fn write_user_file(&self, path: &Path) -> std::io::Result<()> {
        // No name found anywhere: left out, so a later $USER (or git's
        // user.name) still applies instead of 'unknown' for good.
        let user = if self.user_id.value == "unknown" {
            "# user_id: your-name\n".to_owned()
        } else {
            format!("user_id: {}\n", yaml_scalar(&self.user_id.value))
        };
        let text = format!(
            "# kioku-mesh user configuration (see .kioku-mesh.yaml.example in the source).\n\
             {user}device: {}\ndefault_scope: {}\n",
            yaml_scalar(&self.device.value),
            yaml_scalar(&self.default_scope.value),
        );
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("yaml.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }
}

/// `~/x` → `$HOME/x`; other paths unchanged.
fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

fn yaml_scalar(s: &str) -> String {
    serde_yaml::to_string(s)
        .map(|y| y.trim_end().to_owned())
        .unwrap_or_else(|_| format!("{s:?}"))
}

impl Config {
    /// Whether recall at every prompt is on for the client named `client`
    /// (`claude-code`, `codex`, `gemini`): [`Config::recall`] is `true`, or
    /// lists it, and the budget is above 0.
    pub fn recall_on(&self, client: &str) -> bool {
        let v = self.recall.value.trim().to_ascii_lowercase();
        let on = match v.as_str() {
            "true" | "yes" | "on" => true,
            "false" | "no" | "off" | "" => false,
            list => list.split(',').any(|c| c.trim() == client),
        };
        on && self.recall_budget.value > 0
    }
}

fn parse_budget(v: &str, src: &Source) -> Result<usize, ConfigError> {
    v.parse::<usize>().map_err(|_| ConfigError::BadValue {
        what: format!("recall_budget '{v}'"),
        expected: "a whole number of characters (0 turns recall off)".into(),
        layer: src.clone(),
    })
}

fn parse_limit(v: &str, src: &Source) -> Result<usize, ConfigError> {
    v.parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ConfigError::BadValue {
            what: format!("limit '{v}'"),
            expected: "a whole number above 0".into(),
            layer: src.clone(),
        })
}
