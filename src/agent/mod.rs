//! Agents: the session hooks of Claude Code, Codex CLI and Gemini CLI.
//!
//! One adapter per client ([`Client`]): where its settings live, which of its
//! events `mem` listens to and what each means ([`Event`]), the entries
//! `mem hook install` merges into its settings ([`settings`]), and the JSON
//! it expects on stdout ([`Client::output`]). A session's tool events go to a
//! per-session spool ([`spool`]), folded into one `session` observation when
//! the session ends.
//!
//! Sources: Claude Code's hooks reference (code.claude.com/docs/en/hooks),
//! Codex's hooks documentation and its generated schemas
//! (`codex-rs/hooks/schema/generated/*.json` in openai/codex), Gemini CLI's
//! `docs/hooks/reference.md` (google-gemini/gemini-cli).

pub mod codex_toml;
pub mod payload;
pub mod run;
pub mod settings;
pub mod spool;

use std::path::{Path, PathBuf};

pub use payload::Payload;

/// A coding agent whose hooks `mem` can install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// Anthropic's Claude Code: `settings.json`, timeouts in seconds.
    ClaudeCode,
    /// OpenAI's Codex CLI: `hooks.json`, timeouts in seconds, strict output
    /// schemas, hooks inactive until the user trusts them in `/hooks`.
    Codex,
    /// Google's Gemini CLI: `settings.json`, timeouts in milliseconds,
    /// stdout must be JSON only.
    Gemini,
}

/// What a client's event means to `mem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A session started (or resumed, was cleared, compacted): inject context.
    SessionStart,
    /// The user submitted a prompt: spool it.
    Prompt,
    /// A tool ran: spool its name and the files it touched.
    Tool,
    /// The agent finished a turn: spool its last message (and, for a client
    /// without a session-end event, fold the session).
    TurnEnd,
    /// The session ended: fold the spool into a `session` observation.
    SessionEnd,
    /// The conversation is about to be compacted (Claude Code's
    /// `PreCompact`): save the session so far (the spool stays; later folds
    /// replace the record through its topic key). The `SessionStart` with
    /// source `compact` that follows re-injects the context.
    Compact,
}

/// Seconds `mem` asks each client to wait for a hook; `mem hook run` gives
/// up on its own work well before ([`Client::deadline`]).
pub const HOOK_TIMEOUT_SECS: u64 = 10;

impl Client {
    /// Every client, in the order documentation lists them.
    pub const ALL: [Client; 3] = [Client::ClaudeCode, Client::Codex, Client::Gemini];

    /// The name used on the command line (`claude-code`, `codex`, `gemini`).
    pub fn name(self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::Codex => "codex",
            Client::Gemini => "gemini",
        }
    }

    /// Parse a command-line name.
    pub fn parse(name: &str) -> Option<Client> {
        Client::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The client's event names `mem` installs hooks for, each with its
    /// meaning and the matcher to install (`None`: match everything).
    pub fn events(self) -> &'static [(&'static str, Event, Option<&'static str>)] {
        match self {
            Client::ClaudeCode => &[
                (
                    "SessionStart",
                    Event::SessionStart,
                    Some("startup|resume|clear|compact"),
                ),
                ("UserPromptSubmit", Event::Prompt, None),
                ("PostToolUse", Event::Tool, Some("*")),
                ("Stop", Event::TurnEnd, None),
                ("PreCompact", Event::Compact, None),
                ("SessionEnd", Event::SessionEnd, None),
            ],
            Client::Codex => &[
                (
                    "SessionStart",
                    Event::SessionStart,
                    Some("startup|resume|clear"),
                ),
                ("UserPromptSubmit", Event::Prompt, None),
                ("PostToolUse", Event::Tool, None),
                ("Stop", Event::TurnEnd, None),
            ],
            Client::Gemini => &[
                ("SessionStart", Event::SessionStart, None),
                ("BeforeAgent", Event::Prompt, None),
                ("AfterTool", Event::Tool, None),
                ("AfterAgent", Event::TurnEnd, None),
                ("SessionEnd", Event::SessionEnd, None),
            ],
        }
    }

    /// What the client's event `name` means, if `mem` handles it.
    pub fn event(self, name: &str) -> Option<Event> {
        self.events()
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, e, _)| *e)
    }

    /// Whether the client tells hooks when a session ends. Codex does not:
    /// its sessions are folded at every turn's end instead (the session
    /// observation's topic key makes each fold replace the previous one).
    pub fn has_session_end(self) -> bool {
        self != Client::Codex
    }

    /// The settings file hooks go into: user-level under `home`, or
    /// project-level under `project_root`. `CLAUDE_CONFIG_DIR` and
    /// `CODEX_HOME` move the user-level directories as the clients do.
    pub fn hooks_file(self, home: &Path, project_root: Option<&Path>) -> PathBuf {
        match (self, project_root) {
            (Client::ClaudeCode, Some(root)) => root.join(".claude/settings.json"),
            (Client::ClaudeCode, None) => env_dir("CLAUDE_CONFIG_DIR")
                .unwrap_or_else(|| home.join(".claude"))
                .join("settings.json"),
            (Client::Codex, Some(root)) => root.join(".codex/hooks.json"),
            (Client::Codex, None) => codex_home(home).join("hooks.json"),
            (Client::Gemini, Some(root)) => root.join(".gemini/settings.json"),
            (Client::Gemini, None) => home.join(".gemini/settings.json"),
        }
    }

    /// The file MCP servers are registered in: Claude Code's `~/.claude.json`
    /// (`.mcp.json` per project), Codex's `config.toml`, Gemini's
    /// `settings.json`.
    pub fn mcp_file(self, home: &Path, project_root: Option<&Path>) -> PathBuf {
        match (self, project_root) {
            (Client::ClaudeCode, Some(root)) => root.join(".mcp.json"),
            (Client::ClaudeCode, None) => match env_dir("CLAUDE_CONFIG_DIR") {
                Some(dir) => dir.join(".claude.json"),
                None => home.join(".claude.json"),
            },
            (Client::Codex, Some(root)) => root.join(".codex/config.toml"),
            (Client::Codex, None) => codex_home(home).join("config.toml"),
            (Client::Gemini, _) => self.hooks_file(home, project_root),
        }
    }

    /// The hook's timeout as the client's settings spell it (Gemini counts
    /// milliseconds, the others seconds).
    pub fn timeout_value(self) -> u64 {
        match self {
            Client::Gemini => HOOK_TIMEOUT_SECS * 1000,
            _ => HOOK_TIMEOUT_SECS,
        }
    }

    /// How long `mem hook run` works before answering with what it has:
    /// two seconds under the timeout it installs.
    pub fn deadline(self) -> std::time::Duration {
        std::time::Duration::from_secs(HOOK_TIMEOUT_SECS - 2)
    }

    /// The JSON the client expects on stdout after `event_name`. With
    /// `context`, the session-start answer carrying it as
    /// `hookSpecificOutput.additionalContext` (the same shape for all three
    /// clients); otherwise `{}`, which every client's schema accepts as
    /// "nothing to add".
    pub fn output(self, event_name: &str, context: Option<&str>) -> serde_json::Value {
        match context {
            Some(text) if !text.is_empty() => serde_json::json!({
                "hookSpecificOutput": {
                    "hookEventName": event_name,
                    "additionalContext": text,
                }
            }),
            _ => serde_json::json!({}),
        }
    }
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn codex_home(home: &Path) -> PathBuf {
    env_dir("CODEX_HOME").unwrap_or_else(|| home.join(".codex"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_map_per_client() {
        assert_eq!(Client::ClaudeCode.event("Stop"), Some(Event::TurnEnd));
        assert_eq!(Client::Gemini.event("AfterTool"), Some(Event::Tool));
        assert_eq!(Client::Gemini.event("PostToolUse"), None);
        assert_eq!(Client::Codex.event("SessionEnd"), None);
        assert_eq!(Client::parse("gemini"), Some(Client::Gemini));
        assert_eq!(Client::Gemini.timeout_value(), 10_000);
        assert_eq!(Client::Codex.timeout_value(), 10);
    }
}
