//! The per-session spool: one JSON line per prompt, tool call and reply,
//! appended by `mem hook run` without touching git or the index, and folded
//! into one `session` observation when the session ends.
//!
//! Spools live in `<data dir>/sessions/<client>-<session>.jsonl` (0600 in a
//! 0700 directory). Text is stripped of `<private>` spans and has secrets
//! redacted before it is written, so nothing the store would refuse ever
//! reaches the disk.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Client;
use crate::memory::{clip, Draft};
use crate::text;

/// Longest text kept from one prompt or reply, in characters.
pub const MAX_ENTRY_CHARS: usize = 2_000;

/// What one spool line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// The user's prompt.
    Prompt,
    /// A tool call.
    Tool,
    /// The agent's last message of a turn.
    Reply,
}

/// One spool line: `{"at":SECONDS,"kind":"tool","tool":"Edit","files":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Unix seconds.
    pub at: i64,
    /// What happened.
    pub kind: EntryKind,
    /// Prompt or reply text (privacy-stripped, secrets redacted, clipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tool name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Files the tool named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The session's working directory (for folding a spool whose session
    /// never said it ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

impl Entry {
    /// A prompt or reply entry, its text cleaned for storage.
    pub fn text(at: i64, kind: EntryKind, raw: &str) -> Entry {
        Entry {
            at,
            kind,
            text: Some(clean(raw, MAX_ENTRY_CHARS)),
            tool: None,
            files: Vec::new(),
            cwd: None,
        }
    }
}

/// Privacy-strip, redact secrets, trim and clip to `max` characters.
fn clean(raw: &str, max: usize) -> String {
    clip(text::redact_secrets(&text::strip_private(raw)).trim(), max)
}

/// The directory of spools under a data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("sessions")
}

/// The spool of one client session. Session ids are used as they are when
/// they are plain (`[A-Za-z0-9._-]`, as all three clients' are), otherwise
/// replaced by their SHA-256.
pub fn path(data_dir: &Path, client: Client, session: &str) -> PathBuf {
    let plain = !session.is_empty()
        && session.len() <= 128
        && !session.starts_with('.')
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let name = if plain {
        session.to_owned()
    } else {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(session.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    dir(data_dir).join(format!("{}-{name}.jsonl", client.name()))
}

/// Append one entry as one line (a single `write` on an `O_APPEND` file, so
/// concurrent hooks of one session do not interleave within a line).
///
/// # Errors
/// The I/O error creating the directory or writing.
pub fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        create_private_dir(parent)?;
    }
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(&line)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Read a spool; lines that do not parse (a write cut short) are skipped.
/// A missing spool is empty.
///
/// # Errors
/// Any other I/O error.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// Prompts listed in a session observation: the first and last few.
const PROMPTS_SHOWN: usize = 10;
/// Longest prompt shown, in characters.
const PROMPT_CHARS: usize = 300;
/// Most files listed.
const FILES_SHOWN: usize = 40;
/// Longest last reply kept, in characters.
const REPLY_CHARS: usize = 1_500;

/// Fold a session's spool into the draft of its `session` observation:
/// the prompts, the files touched, the tools used and the last reply,
/// trimmed. Its topic key `session/<client>/<session>` makes a later fold
/// of the same session replace it. `None` when nothing happened.
pub fn fold(entries: &[Entry], client: Client, session: &str) -> Option<Draft> {
    let prompts: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Prompt)
        .filter_map(|e| e.text.as_deref())
        .filter(|t| !t.is_empty())
        .collect();
    let reply = entries
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::Reply)
        .and_then(|e| e.text.as_deref())
        .filter(|t| !t.is_empty());
    let mut tools: BTreeMap<&str, usize> = BTreeMap::new();
    let mut files: Vec<String> = Vec::new();
    for e in entries.iter().filter(|e| e.kind == EntryKind::Tool) {
        *tools
            .entry(e.tool.as_deref().unwrap_or("tool"))
            .or_default() += 1;
        for f in &e.files {
            if !files.contains(f) {
                files.push(f.clone());
            }
        }
    }
    if prompts.is_empty() && reply.is_none() && tools.is_empty() {
        return None;
    }
    let calls: usize = tools.values().sum();
    let mut body = String::new();
    if !prompts.is_empty() {
        body.push_str("## Prompts\n\n");
        let skipped = prompts.len().saturating_sub(PROMPTS_SHOWN);
        for (i, p) in prompts.iter().enumerate() {
            if skipped > 0 && i == PROMPTS_SHOWN / 2 {
                body.push_str(&format!("- … {skipped} more\n"));
            }
            if skipped > 0 && i >= PROMPTS_SHOWN / 2 && i < PROMPTS_SHOWN / 2 + skipped {
                continue;
            }
            let one_line = p.split_whitespace().collect::<Vec<_>>().join(" ");
            body.push_str(&format!("- {}\n", clip(&one_line, PROMPT_CHARS)));
        }
        body.push('\n');
    }
    if !files.is_empty() {
        body.push_str("## Files touched\n\n");
        for f in files.iter().take(FILES_SHOWN) {
            body.push_str(&format!("- `{f}`\n"));
        }
        if files.len() > FILES_SHOWN {
            body.push_str(&format!("- … {} more\n", files.len() - FILES_SHOWN));
        }
        body.push('\n');
    }
    if !tools.is_empty() {
        let list: Vec<String> = tools.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
        body.push_str(&format!("## Tools\n\n{}\n\n", list.join(", ")));
    }
    if let Some(r) = reply {
        body.push_str(&format!("## Last reply\n\n{}\n", clip(r, REPLY_CHARS)));
    }
    let title = match prompts.first() {
        Some(p) => format!(
            "Session: {}",
            p.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => format!("Session: {calls} tool call(s)"),
    };
    let summary = format!(
        "{} prompt(s), {} file(s) touched, {calls} tool call(s) ({})",
        prompts.len(),
        files.len(),
        client.name()
    );
    Some(Draft {
        body: body.trim_end().to_owned(),
        title: Some(clip(&title, 80)),
        summary: Some(summary),
        kind: Some("session".into()),
        tags: vec![client.name().into()],
        key: Some(format!("session/{}/{session}", client.name())),
        importance: Some(2),
        files: files.into_iter().take(FILES_SHOWN).collect(),
        agent: Some(client.name().into()),
        session: Some(session.to_owned()),
        ..Draft::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_round_trip_and_fold() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), Client::ClaudeCode, "abc-1");
        assert!(p.ends_with("sessions/claude-code-abc-1.jsonl"));
        let prompt = "fix the build <private>hunter2</private> with AKIAIOSFODNN7EXAMPLE";
        append(&p, &Entry::text(1, EntryKind::Prompt, prompt)).unwrap();
        let tool = Entry {
            at: 2,
            kind: EntryKind::Tool,
            text: None,
            tool: Some("Edit".into()),
            files: vec!["src/a.rs".into()],
            cwd: None,
        };
        append(&p, &tool).unwrap();
        append(&p, &tool).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"at\":3,\"ki")
            .unwrap();
        let entries = read(&p).unwrap();
        assert_eq!(entries.len(), 3);
        let text = entries[0].text.as_deref().unwrap();
        assert!(!text.contains("hunter2") && !text.contains("AKIAIOSFODNN7EXAMPLE"));
        let draft = fold(&entries, Client::ClaudeCode, "abc-1").unwrap();
        assert!(draft.body.contains("`src/a.rs`"));
        assert!(draft.body.contains("Edit ×2"));
        assert_eq!(draft.key.as_deref(), Some("session/claude-code/abc-1"));
        assert!(fold(&[], Client::Codex, "x").is_none());
        let odd = path(dir.path(), Client::Codex, "../etc");
        assert!(odd.parent().unwrap().ends_with("sessions"));
    }
}
