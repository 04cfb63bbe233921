//! The JSON-lines interchange format of `mem export --format jsonl` and
//! `mem import --from jsonl`: one object per line with the front-matter
//! field names plus `body`. Export adds `id`, `scope`, `superseded` and
//! `deleted`; import ignores `id` (ids are recomputed), `superseded` and
//! `deleted`, and treats every other unknown field as an unknown
//! front-matter field, so a round trip keeps everything.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::memory::{EachRecord, ImportRecord, ImportSource, MemError};
use crate::store::{normalize_body, Observation};

/// Fields that export writes and import does not turn into front matter.
const EXPORT_ONLY: &[&str] = &["id", "short_id", "scope", "superseded", "deleted", "path"];

/// The JSON object for one observation.
pub fn record(
    obs: &Observation,
    id: &str,
    scope: &str,
    superseded: bool,
    deleted: bool,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), id.into());
    m.insert("scope".into(), scope.into());
    m.insert("kind".into(), obs.kind.clone().into());
    m.insert("title".into(), obs.title.clone().into());
    let opt = |m: &mut Map<String, Value>, k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), v.clone().into());
        }
    };
    opt(&mut m, "summary", &obs.summary);
    opt(&mut m, "project", &obs.project);
    opt(&mut m, "key", &obs.key);
    m.insert("tags".into(), obs.tags.clone().into());
    m.insert("importance".into(), obs.importance.into());
    m.insert("files".into(), obs.files.clone().into());
    m.insert("supersedes".into(), obs.supersedes.clone().into());
    m.insert("created".into(), crate::time::format(obs.created).into());
    // Written even when absent (as null): on import an absent author or
    // device takes the importer's, a null one stays empty.
    m.insert("author".into(), obs.author.clone().into());
    m.insert("device".into(), obs.device.clone().into());
    opt(&mut m, "agent", &obs.agent);
    opt(&mut m, "session", &obs.session);
    for (k, v) in &obs.extra {
        if let (Some(k), Ok(v)) = (k.as_str(), serde_json::to_value(v)) {
            m.entry(k.to_owned()).or_insert(v);
        }
    }
    m.insert("body".into(), obs.body.clone().into());
    m.insert("superseded".into(), superseded.into());
    m.insert("deleted".into(), deleted.into());
    m
}

/// Defaults for fields a record leaves out.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// `created` when absent.
    pub created: jiff::Timestamp,
    /// `author` when absent.
    pub author: Option<String>,
    /// `device` when absent.
    pub device: Option<String>,
}

fn string_list(v: &Value, field: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(format!("'{field}' must be a list of strings")),
            })
            .collect(),
        _ => Err(format!("'{field}' must be a list of strings")),
    }
}

fn opt_string(v: Option<&Value>, field: &str) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.trim().is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("'{field}' must be a string")),
    }
}

/// Parse one line of JSON into an observation and the scope it names (if any).
///
/// # Errors
/// A sentence saying what is wrong with the record.
pub fn parse_record(
    line: &str,
    defaults: &Defaults,
) -> Result<(Observation, Option<String>), String> {
    parse_line(line, defaults).map(|(obs, scope, _)| (obs, scope))
}

/// [`parse_record`], plus whether the record is marked `"deleted": true`
/// (what `mem export` writes for a deleted observation).
///
/// # Errors
/// As [`parse_record`].
pub fn parse_line(
    line: &str,
    defaults: &Defaults,
) -> Result<(Observation, Option<String>, bool), String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(mut m) = value else {
        return Err("not a JSON object".into());
    };
    let body = match m.remove("body") {
        Some(Value::String(b)) => b,
        Some(_) => return Err("'body' must be a string".into()),
        None => return Err("'body' is missing".into()),
    };
    let body = normalize_body(&body);
    if body.is_empty() {
        return Err("'body' is empty".into());
    }
    let kind = opt_string(m.remove("kind").as_ref(), "kind")?.unwrap_or_else(|| "note".into());
    let title = opt_string(m.remove("title").as_ref(), "title")?
        .unwrap_or_else(|| crate::memory::default_title(&body));
    let importance = match m.remove("importance") {
        None | Some(Value::Null) => 3,
        Some(Value::Number(n)) => {
            n.as_u64()
                .filter(|n| (1..=5).contains(n))
                .ok_or("'importance' must be a whole number from 1 to 5")? as u8
        }
        Some(_) => return Err("'importance' must be a whole number from 1 to 5".into()),
    };
    let created = match opt_string(m.remove("created").as_ref(), "created")? {
        Some(c) => c
            .parse::<jiff::Timestamp>()
            .map_err(|_| format!("'created' is not an RFC 3339 timestamp: {c}"))?,
        None => defaults.created,
    };
    let take_list = |m: &mut Map<String, Value>, k: &str| -> Result<Vec<String>, String> {
        m.remove(k).map_or(Ok(Vec::new()), |v| string_list(&v, k))
    };
    let tags = take_list(&mut m, "tags")?;
    let files = take_list(&mut m, "files")?;
    let supersedes = take_list(&mut m, "supersedes")?;
    if let Some(bad) = supersedes.iter().find(|s| !crate::store::is_full_id(s)) {
        return Err(format!(
            "'supersedes' holds '{bad}', which is not a 64-digit id"
        ));
    }
    let summary = opt_string(m.remove("summary").as_ref(), "summary")?;
    let project = opt_string(m.remove("project").as_ref(), "project")?;
    let key = opt_string(m.remove("key").as_ref(), "key")?;
    let author = match m.remove("author") {
        None => defaults.author.clone(),
        v => opt_string(v.as_ref(), "author")?,
    };
    let device = match m.remove("device") {
        None => defaults.device.clone(),
        v => opt_string(v.as_ref(), "device")?,
    };
    let agent = opt_string(m.remove("agent").as_ref(), "agent")?;
    let session = opt_string(m.remove("session").as_ref(), "session")?;
    let scope = opt_string(m.get("scope"), "scope")?;
    let deleted = m.get("deleted") == Some(&Value::Bool(true));
    for k in EXPORT_ONLY {
        m.remove(*k);
    }
    let mut extra = serde_yaml::Mapping::new();
    for (k, v) in m {
        let v = serde_yaml::to_value(&v).map_err(|e| format!("field '{k}': {e}"))?;
        extra.insert(serde_yaml::Value::String(k), v);
    }
    let mut obs = Observation {
        kind,
        title,
        summary,
        project,
        key,
        tags,
        importance,
        files,
        supersedes,
        created,
        author,
        device,
        agent,
        session,
        extra,
        body,
    };
    obs.normalize();
    Ok((obs, scope, deleted))
}

/// A JSON-lines file as an import source ([`ImportSource`]): read line by
/// line on each pass, so memory does not grow with the file. The file's
/// size and modification time are taken on the first pass; a later pass
/// over a file that changed stops before its first record.
pub struct JsonlFile {
    path: PathBuf,
    name: String,
    defaults: Defaults,
    seen: Option<(u64, Option<std::time::SystemTime>)>,
}

impl JsonlFile {
    /// The file at `path`, called `name` in messages (`-` for what was
    /// standard input), its records completed from `defaults`.
    pub fn new(path: PathBuf, name: String, defaults: Defaults) -> Self {
        JsonlFile {
            path,
            name,
            defaults,
            seen: None,
        }
    }

    fn bad(&self, line: usize, why: impl std::fmt::Display) -> MemError {
        MemError::BadRecord(format!("{} line {line}: {why}", self.name))
    }
}

impl ImportSource for JsonlFile {
    fn read(&mut self, each: &mut EachRecord<'_>) -> Result<(), MemError> {
        let cannot =
            |e: std::io::Error| MemError::BadRecord(format!("cannot read {}: {e}", self.name));
        let file = std::fs::File::open(&self.path).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        let stamp = (meta.len(), meta.modified().ok());
        match self.seen {
            None => self.seen = Some(stamp),
            Some(seen) if seen != stamp => {
                return Err(MemError::BadRecord(format!(
                    "{} changed after it was checked",
                    self.name
                )))
            }
            Some(_) => {}
        }
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut line = String::new();
        let mut n = 0;
        loop {
            line.clear();
            n += 1;
            match reader.read_line(&mut line) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(self.bad(n, e)),
            }
            let text = line.strip_suffix('\n').unwrap_or(&line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            if text.trim().is_empty() {
                continue;
            }
            let (obs, scope, deleted) =
                parse_line(text, &self.defaults).map_err(|e| self.bad(n, e))?;
            each(ImportRecord {
                obs,
                scope,
                label: format!("{} line {n}", self.name),
                deleted,
            })?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            created: "2026-11-22T10:00:00Z".parse().unwrap(),
            author: Some("me".into()),
            device: Some("box".into()),
        }
    }

    #[test]
    fn minimal_record_takes_defaults() {
        let (obs, scope) = parse_record(r#"{"body":"hello\nworld"}"#, &defaults()).unwrap();
        assert_eq!(obs.kind, "note");
        assert_eq!(obs.title, "hello");
        assert_eq!(obs.importance, 3);
        assert_eq!(obs.author.as_deref(), Some("me"));
        assert_eq!(scope, None);
    }

    #[test]
    fn record_round_trip_keeps_unknown_fields() {
        let line =
            r#"{"body":"b","title":"t","mood":"ok","tags":["z","a"],"scope":"user","id":"x"}"#;
        let (obs, scope) = parse_record(line, &defaults()).unwrap();
        assert_eq!(scope.as_deref(), Some("user"));
        assert_eq!(obs.tags, vec!["a", "z"]);
        let rec = record(&obs, &obs.id(), "user", false, false);
        let again = serde_json::to_string(&Value::Object(rec)).unwrap();
        let (back, _) = parse_record(&again, &defaults()).unwrap();
        assert_eq!(back, obs);
    }

    #[test]
    fn bad_records_say_why() {
        for (line, want) in [
            ("nope", "not valid JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"title":"x"}"#, "'body' is missing"),
            (r#"{"body":"  "}"#, "'body' is empty"),
            (r#"{"body":"b","importance":9}"#, "importance"),
            (r#"{"body":"b","created":"yesterday"}"#, "created"),
        ] {
            let err = parse_record(line, &defaults()).unwrap_err();
            assert!(err.contains(want), "{line}: {err}");
        }
    }
}
