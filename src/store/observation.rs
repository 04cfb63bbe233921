//! The observation file: YAML front matter and a Markdown body, and its
//! content-addressed identity.
//!
//! Changing the identity content or its encoding breaks every existing store:
//! ids are SHA-256 over a canonical JSON rendering of the identity fields
//! (the fields the README lists under "What the git host can and cannot
//! do"), prefixed with [`IDENTITY_DOMAIN`].
//!
//! Invariants: `parse(render(o))` yields an observation with the same id and
//! the same fields, unknown front-matter fields included; tags, files and
//! supersedes are kept sorted and without duplicates.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::time;

/// Domain prefix of the identity hash. Changing it changes every id.
pub const IDENTITY_DOMAIN: &str = "kioku-mesh observation v1\n";

/// The optional front-matter field holding an observation's expiry
/// (RFC 3339). An extra field, outside the identity, so files that carry it
/// stay readable by versions that do not know it (they keep it as written);
/// kioku-mesh's name for the same thing.
pub const EXPIRES_FIELD: &str = "expires_at";

/// Largest body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The kinds `mem save --kind` accepts. Files may carry other kinds; those are
/// kept as written.
pub const KINDS: &[&str] = &[
    "note",
    "decision",
    "bug",
    "pattern",
    "config",
    "summary",
    "feature",
    "discovery",
    "reference",
    "session",
    "handoff",
];

/// Errors reading an observation file.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file does not start with a `---` front-matter block.
    #[error("the file does not start with a '---' front-matter block")]
    NoFrontMatter,
    /// The front matter is not valid YAML of the expected shape.
    #[error("broken front matter: {0}")]
    Yaml(String),
    /// A required field is missing or has a bad value.
    #[error("bad field '{field}': {reason}")]
    Field {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file is not UTF-8.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
}

/// One memory. Immutable once saved: an edit is a new observation naming
/// this one in `supersedes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// One of [`KINDS`], or any string a file carries.
    pub kind: String,
    /// One line.
    pub title: String,
    /// Optional one-line summary shown in results.
    pub summary: Option<String>,
    /// Normalised origin URL of the project (`github.com/acme/api`); `None` = global.
    pub project: Option<String>,
    /// Optional topic key: at most one live observation per key and scope.
    pub key: Option<String>,
    /// Sorted, de-duplicated tags.
    pub tags: Vec<String>,
    /// 1..=5.
    pub importance: u8,
    /// Sorted, de-duplicated file paths the memory is about.
    pub files: Vec<String>,
    /// Sorted ids (64 hex) of the observations this one replaces.
    pub supersedes: Vec<String>,
    /// When it was saved (whole seconds, UTC).
    pub created: Timestamp,
    /// Who saved it (the `user_id`).
    pub author: Option<String>,
    /// Which device saved it.
    pub device: Option<String>,
    /// Which agent saved it (`claude-code`, `codex`, …).
    pub agent: Option<String>,
    /// The agent's session id.
    pub session: Option<String>,
    /// Front-matter fields this version does not know, kept in order.
    pub extra: serde_yaml::Mapping,
    /// Markdown body, without trailing whitespace, `\n` line ends.
    pub body: String,
}

/// The front matter as it is serialised. Field order here is file order.
#[derive(Serialize, Deserialize)]
struct FrontMatter {
    kind: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default = "default_importance")]
    importance: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    files: Vec<String>,
    #[serde(default)]
    supersedes: Vec<String>,
    created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    #[serde(flatten)]
    extra: serde_yaml::Mapping,
}

fn default_importance() -> u8 {
    3
}

/// The fields the id is computed from, in canonical order.
#[derive(Serialize)]
struct Identity<'a> {
    kind: &'a str,
    title: &'a str,
    summary: Option<&'a str>,
    body: &'a str,
    project: Option<&'a str>,
    key: Option<&'a str>,
    tags: &'a [String],
    files: &'a [String],
    supersedes: &'a [String],
    importance: u8,
}

/// Sort and de-duplicate a list field, dropping empty entries.
pub fn normalize_list(list: &mut Vec<String>) {
    for item in list.iter_mut() {
        *item = item.trim().to_owned();
    }
    list.retain(|s| !s.is_empty());
    list.sort();
    list.dedup();
}

/// Normalise a body: `\r\n` to `\n`, leading blank lines and trailing
/// whitespace removed.
pub fn normalize_body(body: &str) -> String {
    let body = body.replace("\r\n", "\n");
    let trimmed_start = body.trim_start_matches(['\n', '\r']);
    trimmed_start.trim_end().to_owned()
}

impl Observation {
    /// The id: SHA-256 (64 lower-case hex) of the identity content.
    pub fn id(&self) -> super::ObservationId {
        let identity = Identity {
            kind: &self.kind,
            title: &self.title,
            summary: self.summary.as_deref(),
            body: &self.body,
            project: self.project.as_deref(),
            key: self.key.as_deref(),
            tags: &self.tags,
            files: &self.files,
            supersedes: &self.supersedes,
            importance: self.importance,
        };
        let json = serde_json::to_vec(&identity).expect("plain data serialises");
        let mut hasher = Sha256::new();
        hasher.update(IDENTITY_DOMAIN.as_bytes());
        hasher.update(&json);
        super::ObservationId::from_hex(hex(&hasher.finalize()))
    }

    /// Put list fields and the body into canonical form (see [`normalize_list`]).
    pub fn normalize(&mut self) {
        normalize_list(&mut self.tags);
        normalize_list(&mut self.files);
        normalize_list(&mut self.supersedes);
        self.body = normalize_body(&self.body);
        self.title = self.title.trim().to_owned();
    }

    /// When the observation expires ([`EXPIRES_FIELD`] in the front matter):
    /// from then on it is hidden like a superseded one, and `mem gc` removes
    /// it after the retention. `None` when the field is absent or is not an
    /// RFC 3339 instant (kioku-mesh writes offsets and fractions; both parse).
    pub fn expires(&self) -> Option<Timestamp> {
        let value = self.extra.get(EXPIRES_FIELD)?;
        value.as_str()?.trim().parse::<Timestamp>().ok()
    }

    /// Set (or with `None` remove) the expiry, written as whole seconds UTC.
    /// It is a front-matter field outside the identity: the id stays the same.
    pub fn set_expires(&mut self, expires: Option<Timestamp>) {
        let key = serde_yaml::Value::String(EXPIRES_FIELD.into());
        match expires {
            Some(ts) => {
                self.extra
                    .insert(key, serde_yaml::Value::String(time::format(ts)));
            }
            None => {
                self.extra.remove(&key);
            }
        }
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires().is_some_and(|e| e <= now)
    }

    /// Path of the file in a plaintext scope: `obs/YYYY/MM/DD/<id>.md`, dated by `created` (UTC).
    pub fn path(&self, id: &str) -> String {
        let date = self.created.to_zoned(jiff::tz::TimeZone::UTC).date();
        format!(
            "obs/{:04}/{:02}/{:02}/{id}.md",
            date.year(),
            date.month(),
            date.day()
        )
    }

    /// Render the file: `---\n<yaml>---\n<body>\n`.
    pub fn render(&self) -> String {
        let fm = FrontMatter {
            kind: self.kind.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            project: self.project.clone(),
            key: self.key.clone(),
            tags: self.tags.clone(),
            importance: self.importance,
            files: self.files.clone(),
            supersedes: self.supersedes.clone(),
            created: time::format(self.created),
            author: self.author.clone(),
            device: self.device.clone(),
            agent: self.agent.clone(),
            session: self.session.clone(),
            extra: self.extra.clone(),
        };
        let yaml = serde_yaml::to_string(&fm).expect("plain data serialises");
        format!("---\n{yaml}---\n{}\n", self.body)
    }

    /// Parse a file's bytes.
    ///
    /// # Errors
    /// [`ParseError`] when the bytes are not UTF-8, have no front matter, the
    /// YAML is broken, or `title`, `created` or `importance` are unusable.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let rest = text
            .strip_prefix("---\n")
            .or_else(|| text.strip_prefix("---\r\n"))
            .ok_or(ParseError::NoFrontMatter)?;
        let (yaml, body) = split_front_matter(rest).ok_or(ParseError::NoFrontMatter)?;
        let fm: FrontMatter =
            serde_yaml::from_str(yaml).map_err(|e| ParseError::Yaml(e.to_string()))?;
        let created = fm
            .created
            .parse::<Timestamp>()
            .map_err(|e| ParseError::Field {
                field: "created",
                reason: e.to_string(),
            })?;
        if fm.title.trim().is_empty() {
            return Err(ParseError::Field {
                field: "title",
                reason: "it is empty".into(),
            });
        }
        if !(1..=5).contains(&fm.importance) {
            return Err(ParseError::Field {
                field: "importance",
                reason: format!("{} is not between 1 and 5", fm.importance),
            });
        }
        let mut obs = Observation {
            kind: fm.kind,
            title: fm.title,
            summary: fm.summary,
            project: fm.project,
            key: fm.key,
            tags: fm.tags,
            importance: fm.importance,
            files: fm.files,
            supersedes: fm.supersedes,
            created,
            author: fm.author,
            device: fm.device,
            agent: fm.agent,
            session: fm.session,
            extra: fm.extra,
            body: body.to_owned(),
        };
        obs.normalize();
        Ok(obs)
    }
}

fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    if let Some(body) = rest.strip_prefix("---\n") {
        return Some(("", body));
    }
    let end = rest.find("\n---\n").map(|i| (i, 5)).or_else(|| {
        rest.strip_suffix("\n---")
            .map(|s| (s.len(), 4))
            .or_else(|| rest.find("\n---\r\n").map(|i| (i, 6)))
    })?;
    Some((&rest[..end.0 + 1], &rest[end.0 + end.1..]))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Whether `s` is a full id: 64 lower-case hex digits.
pub fn is_full_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The short form of an id shown to people: its first 12 hex digits.
pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// A tombstone: the record that an observation was deleted. Stored as YAML
/// at `tomb/<id>.yaml`. Changing this format breaks every existing store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The id of the deleted observation.
    pub id: String,
    /// When it was deleted (RFC 3339 UTC).
    pub deleted: String,
    /// Who deleted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// On which device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Why, as given with `--reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Tombstone {
    /// Path of the tombstone in a plaintext scope.
    pub fn path(id: &str) -> String {
        format!("tomb/{id}.yaml")
    }

    /// Parse a tombstone file.
    ///
    /// # Errors
    /// [`ParseError`] when it is not UTF-8 YAML of this shape or the id is not 64 hex.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        let t: Tombstone =
            serde_yaml::from_str(text).map_err(|e| ParseError::Yaml(e.to_string()))?;
        if !is_full_id(&t.id) {
            return Err(ParseError::Field {
                field: "id",
                reason: "it is not a 64-digit hex id".into(),
            });
        }
        Ok(t)
    }

    /// Render as YAML.
    pub fn render(&self) -> String {
        serde_yaml::to_string(self).expect("plain data serialises")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A full observation for tests (the whole crate's).
    pub(crate) fn sample() -> Observation {
        Observation {
            kind: "decision".into(),
            title: "Use FTS5 trigram for CJK search".into(),
            summary: Some("one line".into()),
            project: Some("github.com/acme/api".into()),
            key: Some("search/tokenizer".into()),
            tags: vec!["search".into(), "sqlite".into()],
            importance: 3,
            files: vec!["src/index.rs".into()],
            supersedes: vec![],
            created: "2026-11-22T10:00:00Z".parse().unwrap(),
            author: Some("alice".into()),
            device: Some("laptop".into()),
            agent: Some("claude-code".into()),
            session: None,
            extra: Default::default(),
            body: "Markdown body\n\nwith two paragraphs".into(),
        }
    }

    #[test]
    fn render_parse_round_trip() {
        let obs = sample();
        let text = obs.render();
        let back = Observation::parse(text.as_bytes()).unwrap();
        assert_eq!(back, obs);
        assert_eq!(back.id(), obs.id());
        assert_eq!(
            obs.path(&obs.id()),
            format!("obs/2026/11/22/{}.md", obs.id())
        );
    }

    #[test]
    fn id_ignores_provenance_but_not_content() {
        let a = sample();
        let mut b = sample();
        b.author = Some("bob".into());
        b.created = "2027-01-01T00:00:00Z".parse().unwrap();
        b.session = Some("x".into());
        assert_eq!(a.id(), b.id());
        b.body.push('!');
        assert_ne!(a.id(), b.id());
        assert!(is_full_id(&a.id()));
    }

    #[test]
    fn unknown_fields_round_trip() {
        let text = "---\nkind: weird\ntitle: T\ncreated: 2026-11-22T10:00:00Z\nmood: happy\nnested:\n  a: 1\n---\nbody\n";
        let obs = Observation::parse(text.as_bytes()).unwrap();
        assert_eq!(obs.kind, "weird");
        assert_eq!(obs.extra.len(), 2);
        let again = Observation::parse(obs.render().as_bytes()).unwrap();
        assert_eq!(again, obs);
        assert!(obs.render().contains("mood: happy"));
    }

    #[test]
    fn broken_front_matter_is_an_error() {
        for bad in [
            "no front matter",
            "---\ntitle: [unclosed\n---\nbody",
            "---\nkind: note\ntitle: x\ncreated: not-a-date\n---\nb",
            "---\nkind: note\ntitle: x\ncreated: 2026-11-22T10:00:00Z\nimportance: 9\n---\nb",
        ] {
            assert!(Observation::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn tombstone_round_trip() {
        let t = Tombstone {
            id: sample().id().into(),
            deleted: "2026-11-22T10:00:00Z".into(),
            author: Some("a".into()),
            device: None,
            reason: Some("wrong".into()),
        };
        assert_eq!(Tombstone::parse(t.render().as_bytes()).unwrap(), t);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        // Printable text with newlines, CJK, YAML-significant characters.
        proptest::string::string_regex("[a-zA-Z0-9 :#'\"\\-\\[\\]{}|>*&!%@`,?\\n语言検索]{0,80}")
            .unwrap()
    }

    fn observation() -> impl Strategy<Value = Observation> {
        (
            text(),
            text(),
            proptest::option::of(text()),
            proptest::collection::vec("[a-z/-]{1,12}", 0..4),
            1u8..=5,
            proptest::option::of("[a-z/]{1,20}"),
        )
            .prop_map(|(title, body, summary, tags, importance, key)| {
                let mut o = Observation {
                    kind: "note".into(),
                    title: format!("t{}", title.replace('\n', " ")),
                    summary: summary
                        .map(|s| s.replace('\n', " "))
                        .filter(|s| !s.trim().is_empty()),
                    project: None,
                    key,
                    tags,
                    importance,
                    files: vec![],
                    supersedes: vec![],
                    created: "2026-11-22T10:00:00Z".parse().unwrap(),
                    author: Some("a".into()),
                    device: None,
                    agent: None,
                    session: None,
                    extra: Default::default(),
                    body: format!("b{body}"),
                };
                o.normalize();
                o
            })
    }

    proptest! {
        /// Rendering and parsing back changes neither the fields nor the id,
        /// so a saved observation is found again under the id it was saved as.
        #[test]
        fn render_then_parse_is_identity(obs in observation()) {
            let back = Observation::parse(obs.render().as_bytes()).unwrap();
            prop_assert_eq!(back.id(), obs.id());
            prop_assert_eq!(back, obs);
        }

        /// The id does not depend on the order tags are given in.
        #[test]
        fn id_ignores_tag_order(obs in observation()) {
            let mut reversed = obs.clone();
            reversed.tags.reverse();
            reversed.normalize();
            prop_assert_eq!(reversed.id(), obs.id());
        }
    }
}
