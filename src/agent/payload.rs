//! The JSON a client writes on a hook's stdin, read leniently: every field
//! is optional and unknown fields are ignored, so a client adding fields (or
//! leaving some out) never breaks a hook.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// The fields `mem` uses from any client's hook payload. Names are the
/// clients' own (all three use snake_case); Gemini's `prompt_response` is
/// its name for Claude's and Codex's `last_assistant_message`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Payload {
    /// The client's session (Codex: thread) id.
    pub session_id: Option<String>,
    /// The session's working directory.
    pub cwd: Option<String>,
    /// The event, as the client names it.
    pub hook_event_name: Option<String>,
    /// Why a session started (`startup`, `resume`, `clear`, `compact`).
    pub source: Option<String>,
    /// The user's prompt (prompt events; Gemini's `AfterAgent` too).
    pub prompt: Option<String>,
    /// The tool that ran.
    pub tool_name: Option<String>,
    /// The tool's arguments.
    pub tool_input: Option<Value>,
    /// The agent's last message of the turn (Claude Code, Codex).
    pub last_assistant_message: Option<String>,
    /// The agent's final text of the turn (Gemini).
    pub prompt_response: Option<String>,
}

/// Payloads larger than this (bytes) are not read further: a tool event can
/// carry a whole file, and `mem` needs only names.
pub const MAX_PAYLOAD_BYTES: usize = 8 << 20;

impl Payload {
    /// Parse a payload. Empty input is an empty payload.
    ///
    /// # Errors
    /// The JSON error when the input is not a JSON object.
    pub fn parse(input: &[u8]) -> Result<Payload, serde_json::Error> {
        if input.iter().all(u8::is_ascii_whitespace) {
            return Ok(Payload::default());
        }
        serde_json::from_slice(input)
    }

    /// The user's prompt as they typed it. Gemini CLI in non-interactive
    /// mode prepends the session-start context to the prompt inside
    /// `<hook_context>…</hook_context>`; that part is `mem`'s own output and
    /// is removed (seen with Gemini CLI 0.61).
    pub fn user_prompt(&self) -> Option<String> {
        static HOOK_CONTEXT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let re = HOOK_CONTEXT.get_or_init(|| {
            regex::Regex::new(r"(?s)<hook_context>.*?</hook_context>\s*").expect("valid regex")
        });
        let prompt = self.prompt.as_deref()?;
        let text = re.replace_all(prompt, "");
        (!text.trim().is_empty()).then(|| text.into_owned())
    }

    /// The agent's last message, whichever client sent it.
    pub fn reply(&self) -> Option<&str> {
        self.last_assistant_message
            .as_deref()
            .or(self.prompt_response.as_deref())
            .filter(|s| !s.trim().is_empty())
    }

    /// The files a tool event names: `file_path`, `notebook_path`,
    /// `absolute_path`, `path` and `file_paths` arguments (Claude Code's and
    /// Gemini's file tools), and the `*** Add/Update/Delete File:` and
    /// `*** Move to:` lines of a Codex `apply_patch`. Paths under `cwd` are
    /// made relative to it; the order is the payload's, without repeats.
    pub fn touched_files(&self) -> Vec<String> {
        let mut found = Vec::new();
        if let Some(input) = &self.tool_input {
            collect_paths(input, &mut found);
        }
        let cwd = self.cwd.as_deref().map(Path::new);
        let mut out: Vec<String> = Vec::new();
        for p in found {
            let rel = match cwd {
                Some(cwd) => Path::new(&p)
                    .strip_prefix(cwd)
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or(p),
                None => p,
            };
            if !rel.is_empty() && !out.contains(&rel) {
                out.push(rel);
            }
        }
        out
    }
}

fn collect_paths(input: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = input else {
        if let Value::String(s) = input {
            patch_paths(s, out);
        }
        return;
    };
    for key in ["file_path", "notebook_path", "absolute_path", "path"] {
        if let Some(Value::String(s)) = map.get(key) {
            out.push(s.clone());
        }
    }
    if let Some(Value::Array(items)) = map.get("file_paths") {
        out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    for key in ["command", "patch", "input"] {
        if let Some(Value::String(s)) = map.get(key) {
            patch_paths(s, out);
        }
    }
}

/// The paths of an `apply_patch` envelope (Codex's patch format).
fn patch_paths(text: &str, out: &mut Vec<String>) {
    if !text.contains("*** Begin Patch") {
        return;
    }
    for line in text.lines() {
        for marker in [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(path) = line.strip_prefix(marker) {
                out.push(path.trim().to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_from_each_clients_tools() {
        let claude = Payload::parse(
            br#"{"cwd":"/w/p","tool_name":"Edit","tool_input":{"file_path":"/w/p/src/a.rs","old_string":"x"}}"#,
        )
        .unwrap();
        assert_eq!(claude.touched_files(), ["src/a.rs"]);
        let codex = Payload::parse(
            br#"{"cwd":"/w","tool_name":"apply_patch","tool_input":{"command":"*** Begin Patch\n*** Update File: b.rs\n@@\n*** Add File: c.rs\n*** End Patch"}}"#,
        )
        .unwrap();
        assert_eq!(codex.touched_files(), ["b.rs", "c.rs"]);
        let gemini = Payload::parse(
            br#"{"tool_name":"read_file","tool_input":{"absolute_path":"/etc/hosts"},"prompt_response":"done"}"#,
        )
        .unwrap();
        assert_eq!(gemini.touched_files(), ["/etc/hosts"]);
        assert_eq!(gemini.reply(), Some("done"));
        assert!(Payload::parse(b"  ").unwrap().session_id.is_none());
        let wrapped = Payload::parse(
            br#"{"prompt":"<hook_context># Memories\n- a\n</hook_context>\n\nFix the build"}"#,
        )
        .unwrap();
        assert_eq!(wrapped.user_prompt().as_deref(), Some("Fix the build"));
        assert!(Payload::parse(b"[1]").is_err());
    }
}
