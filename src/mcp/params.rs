//! The tools' parameters, as kioku-mesh agents send them, and the JSON
//! schemas advertised for them.
//!
//! Parsing is lenient where clients are: `null` means "not given" for every
//! optional parameter (kioku-mesh's schema types them `T | null`), numbers
//! and booleans are also accepted as strings (`"5"`, `"true"`: the MCP
//! inspector's CLI sends everything as text), and an empty string is "not
//! given". Schemas are plain: one JSON type per property, no `null` unions
//! and no `format`s (Gemini CLI warns about `uint`/`int64` on every run).

use rmcp::schemars::{self, JsonSchema, Schema};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::{Map, Value};

/// `save_observation`'s parameters (kioku-mesh's names; `key` and `budget`
/// style extras are mem's own).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct SaveParams {
    /// Full text of the observation (Markdown).
    pub content: String,
    /// Short topic or symbol name; becomes the title (default: the content's first line).
    #[serde(default, deserialize_with = "text")]
    pub subject: Option<String>,
    /// One-line abstract shown in search results.
    #[serde(default, deserialize_with = "text")]
    pub summary: Option<String>,
    /// Project (default: the repository of the server's working directory).
    #[serde(default, deserialize_with = "text")]
    pub project: Option<String>,
    /// Keyword tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<String>,
    /// note, decision, bug, pattern, config, summary, feature, discovery, reference, session or handoff (default note).
    #[serde(default, deserialize_with = "text")]
    pub memory_type: Option<String>,
    /// 1 (trivial) to 5 (critical), clamped (default 2, as in kioku-mesh).
    #[serde(default, deserialize_with = "integer")]
    pub importance: Option<i64>,
    /// Related file paths.
    #[serde(default, deserialize_with = "list")]
    pub source_files: Vec<String>,
    /// Related PR, issue or external identifiers (kept in the observation's `references` field).
    #[serde(default, deserialize_with = "list")]
    pub references: Vec<String>,
    /// Ids (or unique prefixes) of observations this one replaces.
    #[serde(default, deserialize_with = "list")]
    pub supersedes: Vec<String>,
    /// The scope to save into: local, user, team/<id>, or team when there is one team scope (default: the configured default scope).
    #[serde(default, deserialize_with = "text")]
    pub visibility: Option<String>,
    /// Topic key: the new observation supersedes the live one with the same key.
    #[serde(default, deserialize_with = "text")]
    pub key: Option<String>,
    /// RFC 3339 instant after which the observation is hidden from search, list and recall (and later removed by `mem gc`).
    #[serde(default, deserialize_with = "text")]
    pub expires_at: Option<String>,
    /// Seconds from now until it expires; ignored when expires_at is given (0: never).
    #[serde(default, deserialize_with = "integer")]
    pub ttl_sec: Option<i64>,
}

/// `search_memory`'s parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct SearchParams {
    /// Words to look for (empty: the most recent observations).
    #[serde(default, deserialize_with = "text")]
    pub query: Option<String>,
    /// Only observations saved by this agent (claude-code, codex, gemini, …).
    #[serde(default, deserialize_with = "text")]
    pub agent_family: Option<String>,
    /// Not recorded by mem: any value other than empty is refused.
    #[serde(default, deserialize_with = "text")]
    pub client_id: Option<String>,
    /// Only observations saved on this device (mem's device name).
    #[serde(default, deserialize_with = "text")]
    pub pc_id: Option<String>,
    /// Only observations saved in this agent session.
    #[serde(default, deserialize_with = "text")]
    pub session_id: Option<String>,
    /// Only this project (and project-less observations); default: the server's project.
    #[serde(default, deserialize_with = "text")]
    pub project: Option<String>,
    /// Only observations created at or after this instant (ISO 8601, a date, or an age: 90m, 12h, 7d, 2w).
    #[serde(default, deserialize_with = "text")]
    pub since_iso: Option<String>,
    /// At most this many results (1 to 100, default 50).
    #[serde(default, deserialize_with = "integer")]
    pub limit: Option<i64>,
    /// Also return superseded, deleted and expired observations.
    #[serde(default, deserialize_with = "boolean")]
    pub include_superseded: Option<bool>,
    /// and (default): every word, falling back to any word when nothing has them all; and_or: the same; or: any word.
    #[serde(default, deserialize_with = "text")]
    pub search_mode: Option<String>,
    /// Only this kind.
    #[serde(default, deserialize_with = "text")]
    pub memory_type: Option<String>,
}

/// `get_memory`'s parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct IdParams {
    /// The observation's id or a unique prefix of it (at least 6 hex characters).
    pub observation_id: String,
}

/// `delete_memory`'s parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct DeleteParams {
    /// The observation's id or a unique prefix of it (at least 6 hex characters).
    pub observation_id: String,
    /// Why it is deleted (kept in the tombstone).
    #[serde(default, deserialize_with = "text")]
    pub reason: Option<String>,
}

/// `recall_context`'s parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct RecallParams {
    /// Rank memories matching these words higher (empty: the most relevant recent context).
    #[serde(default, deserialize_with = "text")]
    pub query: Option<String>,
    /// The project (default: the server's project).
    #[serde(default, deserialize_with = "text")]
    pub project: Option<String>,
    /// Only these kinds.
    #[serde(default, deserialize_with = "list")]
    pub memory_types: Vec<String>,
    /// Only observations about one of these files.
    #[serde(default, deserialize_with = "list")]
    pub source_files: Vec<String>,
    /// Only observations carrying one of these references.
    #[serde(default, deserialize_with = "list")]
    pub references: Vec<String>,
    /// Only observations created at or after this instant (ISO 8601, a date, or an age: 7d).
    #[serde(default, deserialize_with = "text")]
    pub since_iso: Option<String>,
    /// At most this many memories (1 to 100, default 20).
    #[serde(default, deserialize_with = "integer")]
    pub limit: Option<i64>,
    /// and, or, and_or (default): how query words rank memories.
    #[serde(default, deserialize_with = "text")]
    pub search_mode: Option<String>,
    /// At most this many characters of Markdown (default 8000, at least 200).
    #[serde(default, deserialize_with = "integer")]
    pub budget: Option<i64>,
}

/// `drain_pending_puts`'s parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct DrainParams {
    /// At most this many puts to replay (at least 1).
    #[serde(default, deserialize_with = "integer")]
    pub limit: Option<i64>,
}

/// `send_message`'s parameters (mem's: kioku-mesh sends from its CLI).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct SendParams {
    /// Who it is for: user:NAME, agent:FAMILY (claude-code, codex, …), device:NAME or session:ID.
    pub to: String,
    /// The message text.
    pub body: String,
    /// One-line subject.
    #[serde(default, deserialize_with = "text")]
    pub subject: Option<String>,
    /// Deliver for this many seconds (default 7 days).
    #[serde(default, deserialize_with = "integer")]
    pub ttl_sec: Option<i64>,
    /// Deliver until this instant (RFC 3339); wins over ttl_sec.
    #[serde(default, deserialize_with = "text")]
    pub expires_at: Option<String>,
    /// Ask the recipient to acknowledge it with ack_message.
    #[serde(default, deserialize_with = "boolean")]
    pub requires_ack: Option<bool>,
    /// The scope to send through: user, local, team (the one team scope) or team/<id> (default: the default scope).
    #[serde(default, deserialize_with = "text")]
    pub visibility: Option<String>,
}

/// `check_messages`'s parameters (kioku-mesh's).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct CheckParams {
    /// At most this many messages (1 to 100, default 20).
    #[serde(default, deserialize_with = "integer")]
    pub limit: Option<i64>,
    /// Only this scope: user, local, team or team/<id> (default: every scope).
    #[serde(default, deserialize_with = "text")]
    pub visibility: Option<String>,
    /// Also acknowledged messages.
    #[serde(default, deserialize_with = "boolean")]
    pub include_acked: Option<bool>,
    /// Also expired messages.
    #[serde(default, deserialize_with = "boolean")]
    pub include_expired: Option<bool>,
    /// Only messages sent at or after this instant (ISO 8601, a date, or an age: 7d).
    #[serde(default, deserialize_with = "text")]
    pub since_iso: Option<String>,
}

/// `ack_message`'s parameters (kioku-mesh's).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = plain)]
pub struct AckParams {
    /// The message id (32 hex) or a unique prefix of it (at least 6 hex characters).
    pub msg_id: String,
    /// The scope holding it (checked when given; the id finds it anyway).
    #[serde(default, deserialize_with = "text")]
    pub visibility: Option<String>,
}

/// Parse a tool's arguments (`None`: the client sent none).
///
/// # Errors
/// One sentence naming the bad parameter.
pub fn parse<T: serde::de::DeserializeOwned>(
    args: Option<Map<String, Value>>,
) -> Result<T, String> {
    let value = Value::Object(args.unwrap_or_default());
    serde_json::from_value(value).map_err(|e| {
        let e = e.to_string();
        // serde_json appends " at line 0 column 0" for values.
        let e = e.split(" at line ").next().unwrap_or(&e);
        format!("bad arguments: {e}")
    })
}

/// A string, or "not given" for `null`, an empty or blank string. Numbers
/// and booleans are taken as their text.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
        Some(other) => {
            return Err(de::Error::custom(format!(
                "expected a string, got {}",
                kind_of(&other)
            )))
        }
    })
}

/// A list of strings: `null` is empty, a single string is a list of one, a
/// JSON array written as a string (`"[\"a\"]"`) is parsed.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    let value = match value {
        Value::String(s) if s.trim_start().starts_with('[') => {
            serde_json::from_str(&s).map_err(|_| de::Error::custom("expected a list of strings"))?
        }
        other => other,
    };
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
                other => Err(de::Error::custom(format!(
                    "expected a list of strings, got {} in it",
                    kind_of(&other)
                ))),
            })
            .collect(),
        other => Err(de::Error::custom(format!(
            "expected a list of strings, got {}",
            kind_of(&other)
        ))),
    }
}

/// An integer: a JSON number with no fraction, or a string holding one
/// (`"5"`); `null` and `""` are "not given".
fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ => Err(de::Error::custom(format!(
                "expected a whole number, got {n}"
            ))),
        },
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a whole number, got '{s}'"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected a whole number, got {}",
            kind_of(&other)
        ))),
    }
}

/// A boolean, or a string `true`/`false`/`1`/`0`; `null` and `""` are "not given".
fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "yes" => Ok(Some(true)),
            "false" | "0" | "no" => Ok(Some(false)),
            _ => Err(de::Error::custom(format!(
                "expected true or false, got '{s}'"
            ))),
        },
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(other) => Err(de::Error::custom(format!(
            "expected true or false, got {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Make a generated schema plain: `["T", "null"]` becomes `"T"`, an
/// `anyOf` with a `null` branch becomes its other branch, `format`s and
/// `default: null` go, and a property that could be null is not required.
/// Used for the input schemas (null is still accepted when parsing) and the
/// output schemas (the reports leave absent values out rather than write
/// `null`).
pub fn plain(schema: &mut Schema) {
    let mut value = Value::Object(std::mem::take(schema.ensure_object()));
    plain_value(&mut value);
    if let Value::Object(map) = value {
        *schema.ensure_object() = map;
    }
}

/// [`plain`] on a JSON value; returns whether the schema allowed `null`.
fn plain_value(value: &mut Value) -> bool {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for item in items {
                plain_value(item);
            }
        }
        return false;
    };
    let mut nullable = false;
    if let Some(Value::Array(types)) = map.get_mut("type") {
        let before = types.len();
        types.retain(|t| t != "null");
        nullable = types.len() != before;
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        let before = branches.len();
        branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
        nullable |= branches.len() != before;
        if branches.len() == 1 {
            if let Value::Object(only) = branches.remove(0) {
                map.remove("anyOf");
                for (k, v) in only {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
    map.remove("format");
    if map.get("default").is_some_and(Value::is_null) {
        map.remove("default");
    }
    let mut optional = Vec::new();
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if plain_value(prop) {
                optional.push(name.clone());
            }
        }
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| r.as_str().is_none_or(|r| !optional.iter().any(|o| o == r)));
    }
    for (key, sub) in map.iter_mut() {
        if key != "properties" {
            plain_value(sub);
        }
    }
    nullable
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Option<Map<String, Value>> {
        v.as_object().cloned()
    }

    #[test]
    fn nulls_numeric_strings_and_single_strings_are_accepted() {
        let p: SaveParams = parse(args(json!({
            "content": "x", "tags": null, "importance": "4", "source_files": "a.rs",
            "references": ["#1", null], "expires_at": "", "ttl_sec": 60.0,
        })))
        .unwrap();
        assert!(p.tags.is_empty());
        assert_eq!(p.importance, Some(4));
        assert_eq!(p.source_files, ["a.rs"]);
        assert_eq!(p.references, ["#1"]);
        assert_eq!(p.expires_at, None);
        assert_eq!(p.ttl_sec, Some(60));
        let s: SearchParams =
            parse(args(json!({"limit": "5", "include_superseded": "true"}))).unwrap();
        assert_eq!((s.limit, s.include_superseded), (Some(5), Some(true)));
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let e = parse::<SearchParams>(args(json!({"limit": "five"}))).unwrap_err();
        assert!(e.contains("whole number") && e.contains("five"), "{e}");
        let e = parse::<SaveParams>(args(json!({"tags": "x"}))).unwrap_err();
        assert!(e.contains("content"), "{e}");
    }

    #[test]
    fn schemas_are_plain() {
        let schema = serde_json::to_value(schemars::schema_for!(SearchParams)).unwrap();
        let text = schema.to_string();
        assert!(!text.contains("null") && !text.contains("format"), "{text}");
        assert_eq!(schema["properties"]["limit"]["type"], "integer");
        assert_eq!(schema["properties"]["query"]["type"], "string");
        let save = serde_json::to_value(schemars::schema_for!(SaveParams)).unwrap();
        assert_eq!(save["required"], json!(["content"]));
        assert_eq!(save["properties"]["tags"]["type"], "array");
    }
}
