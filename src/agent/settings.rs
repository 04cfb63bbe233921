//! Merging `mem`'s entries into a client's JSON settings file and taking
//! them out again, leaving everything else as it was.
//!
//! The file is parsed with key order preserved and written back with the
//! indentation it had (two spaces when new), so the parts `mem` does not
//! touch come out byte for byte as the clients themselves write them
//! (`JSON.stringify(value, null, indent)`). `mem`'s hook entries are the
//! handlers whose command runs `… hook run <client> <event>`.

use serde_json::{Map, Value};

use super::Client;

/// The name `mem` registers its MCP server under.
pub const MCP_SERVER_NAME: &str = "kioku-mesh";

/// Errors reading a settings file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not JSON at all.
    #[error("is not valid JSON ({0}): fix or move it, then run this again")]
    Json(String),
    /// Not TOML (Codex's `config.toml`).
    #[error("is not valid TOML ({0}): fix or move it, then run this again")]
    Toml(String),
    /// JSON, but a part `mem` must change has another shape.
    #[error("has `{0}` that is not {1}: fix it by hand, then run this again")]
    Shape(String, &'static str),
    /// Another program is registered as the `kioku-mesh` MCP server.
    #[error("already registers another program as the kioku-mesh MCP server ({0}): remove that entry first if mem should replace it")]
    Taken(String),
}

/// A parsed settings file and how it was laid out.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The top-level object.
    pub root: Map<String, Value>,
    indent: String,
    trailing_newline: bool,
}

impl Settings {
    /// Parse `text` (`None` or blank: a new, empty file).
    ///
    /// # Errors
    /// [`SettingsError`] when it is not a JSON object.
    pub fn parse(text: Option<&str>) -> Result<Settings, SettingsError> {
        let text = text.unwrap_or("");
        if text.trim().is_empty() {
            return Ok(Settings {
                root: Map::new(),
                indent: "  ".into(),
                trailing_newline: true,
            });
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| SettingsError::Json(e.to_string()))?;
        let Value::Object(root) = value else {
            return Err(SettingsError::Shape("its top level".into(), "an object"));
        };
        Ok(Settings {
            root,
            indent: detect_indent(text),
            trailing_newline: text.ends_with('\n'),
        })
    }

    /// The file's text with the original indentation and final newline.
    pub fn render(&self) -> String {
        use serde::Serialize;
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(self.indent.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        Value::Object(self.root.clone())
            .serialize(&mut ser)
            .expect("a JSON value always serializes");
        let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
        if self.trailing_newline {
            text.push('\n');
        }
        text
    }

    /// Add `mem`'s hooks for `client`, `command(event)` being the command
    /// line for one event. Stale `mem` entries (another path, another
    /// timeout) are replaced; entries already right are left alone.
    /// Returns whether anything changed.
    ///
    /// # Errors
    /// [`SettingsError::Shape`] when `hooks` or an event's list has another shape.
    pub fn install_hooks(
        &mut self,
        client: Client,
        command: impl Fn(&str) -> String,
    ) -> Result<bool, SettingsError> {
        let hooks = object_at(&mut self.root, "hooks")?;
        let mut changed = false;
        for (event, _, matcher) in client.events() {
            let wanted = hook_group(client, matcher, &command(event));
            let groups = match hooks
                .entry(event.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(groups) => groups,
                _ => return Err(SettingsError::Shape(format!("hooks.{event}"), "a list")),
            };
            let ours: Vec<&Value> = groups.iter().filter(|g| has_mem_handler(g)).collect();
            if ours.len() == 1 && *ours[0] == wanted {
                continue;
            }
            remove_mem_handlers(groups);
            groups.push(wanted);
            changed = true;
        }
        Ok(changed)
    }

    /// Take out every `mem` hook handler, then the groups, event lists and
    /// `hooks` object that this left empty. Returns whether anything changed.
    pub fn uninstall_hooks(&mut self) -> bool {
        let Some(Value::Object(hooks)) = self.root.get_mut("hooks") else {
            return false;
        };
        let mut changed = false;
        let events: Vec<String> = hooks.keys().cloned().collect();
        for event in events {
            let Some(Value::Array(groups)) = hooks.get_mut(&event) else {
                continue;
            };
            if remove_mem_handlers(groups) {
                changed = true;
                if groups.is_empty() {
                    hooks.remove(&event);
                }
            }
        }
        if changed && hooks.is_empty() {
            self.root.remove("hooks");
        }
        changed
    }

    /// Register `mem mcp` as the stdio MCP server [`MCP_SERVER_NAME`] in
    /// `mcpServers`, with `env` the variables it needs (`MEM_HOME`).
    /// Returns whether anything changed.
    ///
    /// # Errors
    /// [`SettingsError::Shape`] when `mcpServers` is not an object,
    /// [`SettingsError::Taken`] when another program has the name.
    pub fn install_mcp(
        &mut self,
        command: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> Result<bool, SettingsError> {
        self.install_mcp_trusted(command, args, env, false)
    }

    /// [`Settings::install_mcp`], with `trust: true` in the entry when
    /// `trust` (Gemini CLI: the server's tools run without asking, and
    /// headless `gemini -p` runs offer them at all).
    ///
    /// # Errors
    /// As [`Settings::install_mcp`].
    pub fn install_mcp_trusted(
        &mut self,
        command: &str,
        args: &[String],
        env: &[(String, String)],
        trust: bool,
    ) -> Result<bool, SettingsError> {
        let servers = object_at(&mut self.root, "mcpServers")?;
        let mut wanted = serde_json::json!({"command": command, "args": args});
        if trust {
            wanted["trust"] = Value::Bool(true);
        }
        if !env.is_empty() {
            let vars: Map<String, Value> = env
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect();
            wanted["env"] = Value::Object(vars);
        }
        if let Some(existing) = servers.get(MCP_SERVER_NAME) {
            if existing == &wanted {
                return Ok(false);
            }
            let cmd = existing
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !is_mem_program(cmd) {
                return Err(SettingsError::Taken(cmd.to_owned()));
            }
        }
        servers.insert(MCP_SERVER_NAME.into(), wanted);
        Ok(true)
    }

    /// Remove the MCP server entry `install_mcp` made (and `mcpServers`
    /// when that leaves it empty). Returns whether anything changed.
    pub fn uninstall_mcp(&mut self) -> bool {
        let Some(Value::Object(servers)) = self.root.get_mut("mcpServers") else {
            return false;
        };
        let ours = servers
            .get(MCP_SERVER_NAME)
            .and_then(|s| s.get("command"))
            .and_then(Value::as_str)
            .is_some_and(is_mem_program);
        if !ours {
            return false;
        }
        servers.remove(MCP_SERVER_NAME);
        if servers.is_empty() {
            self.root.remove("mcpServers");
        }
        true
    }
}

/// Whether a hook command is one `mem hook install` wrote: it runs a
/// program named `mem` with `hook run <client> <event>`.
pub fn is_mem_command(command: &str) -> bool {
    let Some(rest) = command.rsplit_once(" hook run ") else {
        return false;
    };
    let program = rest.0.rsplit(['/', ' ']).next().unwrap_or("");
    let program = program.trim_matches(['\'', '"']);
    let mut args = rest.1.split_whitespace();
    program == "mem"
        && args.next().and_then(Client::parse).is_some()
        && args.next().is_some()
        && args.next().is_none()
}

impl Settings {
    /// `mem`'s hook handlers in these settings: `(event, command)` pairs.
    pub fn mem_hooks(&self) -> Vec<(String, String)> {
        let Some(Value::Object(hooks)) = self.root.get("hooks") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (event, groups) in hooks {
            for group in groups.as_array().into_iter().flatten() {
                for handler in group
                    .get("hooks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(cmd) = handler.get("command").and_then(Value::as_str) {
                        if is_mem_command(cmd) {
                            out.push((event.clone(), cmd.to_owned()));
                        }
                    }
                }
            }
        }
        out
    }
}

/// The program a `mem` hook command runs: the last shell word before
/// ` hook run ` (single quotes as [`is_mem_command`]'s writer uses them).
pub fn hook_program(command: &str) -> Option<String> {
    let (head, _) = command.rsplit_once(" hook run ")?;
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in head.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.pop()
}

/// Whether `program` (a path or a name) is a `mem` executable.
pub fn is_mem_program(program: &str) -> bool {
    std::path::Path::new(program.trim())
        .file_name()
        .is_some_and(|n| n == "mem" || n == "mem.exe")
}

fn object_at<'a>(
    root: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Map<String, Value>, SettingsError> {
    match root
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
    {
        Value::Object(map) => Ok(map),
        _ => Err(SettingsError::Shape(key.into(), "an object")),
    }
}

/// One matcher group holding `mem`'s handler, as the client spells it.
fn hook_group(client: Client, matcher: &Option<&str>, command: &str) -> Value {
    let mut handler = Map::new();
    if client == Client::Gemini {
        handler.insert("name".into(), Value::from(MCP_SERVER_NAME));
    }
    handler.insert("type".into(), Value::from("command"));
    handler.insert("command".into(), Value::from(command));
    handler.insert("timeout".into(), Value::from(client.timeout_value()));
    let mut group = Map::new();
    if let Some(m) = matcher {
        group.insert("matcher".into(), Value::from(*m));
    }
    group.insert("hooks".into(), Value::Array(vec![Value::Object(handler)]));
    Value::Object(group)
}

fn is_mem_handler(handler: &Value) -> bool {
    handler
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_mem_command)
}

fn has_mem_handler(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hs| hs.iter().any(is_mem_handler))
}

/// Remove `mem`'s handlers from the groups, and groups left with none.
fn remove_mem_handlers(groups: &mut Vec<Value>) -> bool {
    let mut changed = false;
    groups.retain_mut(|group| {
        let Some(Value::Array(handlers)) = group.get_mut("hooks") else {
            return true;
        };
        let before = handlers.len();
        handlers.retain(|h| !is_mem_handler(h));
        if handlers.len() == before {
            return true;
        }
        changed = true;
        !handlers.is_empty()
    });
    changed
}

/// The indentation of the first indented line (two spaces when none is).
fn detect_indent(text: &str) -> String {
    text.lines()
        .skip(1)
        .map(|l| &l[..l.len() - l.trim_start().len()])
        .find(|ws| !ws.is_empty())
        .unwrap_or("  ")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "{\n    \"theme\": \"dark\",\n    \"hooks\": {\n        \"Stop\": [\n            {\n                \"hooks\": [\n                    {\n                        \"type\": \"command\",\n                        \"command\": \"notify-send done\"\n                    }\n                ]\n            }\n        ]\n    }\n}\n";

    fn cmd(event: &str) -> String {
        format!("'/opt/bin/mem' hook run claude-code {event}")
    }

    #[test]
    fn install_is_idempotent_and_uninstall_restores_bytes() {
        let mut s = Settings::parse(Some(USER)).unwrap();
        assert!(s.install_hooks(Client::ClaudeCode, cmd).unwrap());
        let once = s.render();
        assert!(once.contains("startup|resume|clear|compact"));
        assert!(once.contains("notify-send done"));
        let mut again = Settings::parse(Some(&once)).unwrap();
        assert!(!again.install_hooks(Client::ClaudeCode, cmd).unwrap());
        assert_eq!(again.render(), once);
        assert!(again.uninstall_hooks());
        assert_eq!(again.render(), USER);
    }

    #[test]
    fn finds_the_program_of_a_hook_command() {
        assert_eq!(
            hook_program("MEM_HOME='/a b' '/opt/my bin/mem' hook run codex Stop").as_deref(),
            Some("/opt/my bin/mem")
        );
        assert_eq!(
            hook_program("mem hook run gemini AfterTool").as_deref(),
            Some("mem")
        );
    }

    #[test]
    fn recognises_only_mem_commands() {
        assert!(is_mem_command("'/x/mem' hook run codex Stop"));
        assert!(is_mem_command(
            "MEM_HOME='/h' mem hook run gemini AfterTool"
        ));
        assert!(!is_mem_command("/x/memo hook run codex Stop"));
        assert!(!is_mem_command("mem hook run vscode Stop"));
        assert!(!is_mem_command("notify-send done"));
    }

    #[test]
    fn gemini_counts_milliseconds_and_names_the_hook() {
        let mut s = Settings::parse(None).unwrap();
        s.install_hooks(Client::Gemini, |e| format!("mem hook run gemini {e}"))
            .unwrap();
        let text = s.render();
        assert!(text.contains("\"timeout\": 10000"));
        assert!(text.contains("\"name\": \"kioku-mesh\""));
        assert!(Settings::parse(Some("[1]")).is_err());
    }
}
