//! The write gate: the text hygiene every observation passes before any
//! path writes it (save, edit, import from every source, MCP, agent hooks,
//! conflict resolution), on every field — title, summary, body, kind,
//! project, key, tags, files, agent, session, author, device and unknown
//! front-matter fields — so the policy is written once.
//!
//! Invariants after [`clean`]: no `<private>…</private>` span is left in any
//! field (an unclosed tag hides the rest of that field); single-line fields
//! hold no control character and no line break; the body holds none but
//! newline and tab (others are written out as `\x1b`-style text).
//! [`find_secret`] looks at every field a search or an export shows.

use crate::store::Observation;
use crate::text;

/// A single-line field: private spans removed, control characters and
/// runs of whitespace turned into one space, trimmed.
fn line(s: &str) -> String {
    text::strip_private(s)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt_line(s: &mut Option<String>) {
    *s = s.as_deref().map(line).filter(|v| !v.is_empty());
}

fn list(items: &mut Vec<String>) {
    for item in items.iter_mut() {
        *item = line(item);
    }
    items.retain(|i| !i.is_empty());
}

fn clean_yaml(value: &mut serde_yaml::Value) {
    match value {
        serde_yaml::Value::String(s) => {
            *s = text::escape_controls(&text::strip_private(s), &[]).into_owned()
        }
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(clean_yaml),
        serde_yaml::Value::Mapping(map) => map.iter_mut().for_each(|(_, v)| clean_yaml(v)),
        serde_yaml::Value::Tagged(tagged) => clean_yaml(&mut tagged.value),
        _ => {}
    }
}

/// Apply the gate's hygiene to every field of `obs` (see the module
/// docs). Idempotent.
pub fn clean(obs: &mut Observation) {
    obs.kind = line(&obs.kind);
    obs.title = line(&obs.title);
    opt_line(&mut obs.summary);
    opt_line(&mut obs.project);
    opt_line(&mut obs.key);
    opt_line(&mut obs.author);
    opt_line(&mut obs.device);
    opt_line(&mut obs.agent);
    opt_line(&mut obs.session);
    list(&mut obs.tags);
    list(&mut obs.files);
    obs.extra.iter_mut().for_each(|(_, v)| clean_yaml(v));
    obs.body = text::escape_controls(&text::strip_private(&obs.body), &[]).into_owned();
}

/// Every field's text, one per line: what [`find_secret`] looks at.
fn fields(obs: &Observation) -> String {
    let mut all = vec![obs.title.clone(), obs.body.clone()];
    all.extend(
        [
            &obs.summary,
            &obs.project,
            &obs.key,
            &obs.agent,
            &obs.session,
        ]
        .into_iter()
        .flatten()
        .cloned(),
    );
    all.extend(obs.tags.iter().cloned());
    all.extend(obs.files.iter().cloned());
    if !obs.extra.is_empty() {
        all.push(serde_yaml::to_string(&obs.extra).unwrap_or_default());
    }
    all.join("\n")
}

/// The kind of the first secret any field of `obs` holds (cloud keys,
/// tokens, private-key blocks; see [`text::find_secrets`]).
pub fn find_secret(obs: &Observation) -> Option<&'static str> {
    text::find_secrets(&fields(obs)).first().map(|m| m.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A note with `title` and `body` and nothing else set.
    fn note(title: &str, body: &str) -> Observation {
        Observation {
            title: title.into(),
            body: body.into(),
            summary: None,
            key: None,
            tags: Vec::new(),
            files: Vec::new(),
            ..crate::store::sample_observation()
        }
    }

    fn obs() -> Observation {
        let mut o = note("t", "body");
        o.tags = vec!["ok".into(), "<private>hidden</private>".into()];
        o.key = Some("k<private>x</private>".into());
        o.files = vec!["src/<private>secret.rs</private>a.rs".into()];
        o.title = "a\x1b]0;evil\x07title\nsecond".into();
        o.body = "line\x1b[2J\nnext\tcol".into();
        o
    }

    #[test]
    fn every_field_is_cleaned() {
        let mut o = obs();
        clean(&mut o);
        assert_eq!(o.tags, ["ok"]);
        assert_eq!(o.key.as_deref(), Some("k"));
        assert_eq!(o.files, ["src/a.rs"]);
        assert_eq!(o.title, "a ]0;evil title second");
        assert_eq!(o.body, "line\\x1b[2J\nnext\tcol");
        let once = o.clone();
        clean(&mut o);
        assert_eq!(o.title, once.title, "idempotent");
        assert_eq!(o.body, once.body, "idempotent");
    }

    #[test]
    fn secrets_are_found_in_every_field() {
        for field in ["tag", "key", "file", "summary"] {
            let mut o = note("t", "body");
            let secret = "AKIAABCDEFGHIJKLMNOP".to_owned();
            match field {
                "tag" => o.tags = vec![secret],
                "key" => o.key = Some(secret),
                "file" => o.files = vec![secret],
                _ => o.summary = Some(secret),
            }
            assert!(find_secret(&o).is_some(), "{field}");
        }
    }
}
