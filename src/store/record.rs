//! Merge records: `conflicts/<id>.yaml`, the explicit trace of a semantic
//! conflict found after a merge (README, "Merge records"). The id is
//! derived from the kind and the sorted competing ids only, so two devices
//! detecting the same conflict write the same path. Changing this format
//! breaks every existing store.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{hex, is_full_id, ConflictId, ObservationId, ParseError};

/// What kind of conflict a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictKind {
    /// Two or more live observations supersede the same observation.
    Fork,
    /// Two or more live observations share a key in one scope.
    Key,
    /// An observation was deleted on one side and superseded on the other.
    DeleteEdit,
}

impl ConflictKind {
    /// The kind's name as written in records.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Fork => "fork",
            ConflictKind::Key => "key",
            ConflictKind::DeleteEdit => "delete-edit",
        }
    }
}

/// How a conflict was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// `keep`, `keep-all`, `edit` or `merge-command`.
    pub how: String,
    /// The observations that stay live (for `edit`/`merge-command`: the new one).
    pub kept: Vec<ObservationId>,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub by: String,
}

/// A merge record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRecord {
    /// Format version (1).
    pub format: u32,
    /// The conflict id (64 hex), see [`conflict_id`].
    pub id: ConflictId,
    /// The kind.
    pub kind: ConflictKind,
    /// The competing observation ids, sorted.
    pub competitors: Vec<ObservationId>,
    /// The common base: the superseded (fork, delete-edit) observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<ObservationId>,
    /// The shared key (key conflicts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// When it was detected (RFC 3339).
    pub detected: String,
    /// On which device.
    pub device: String,
    /// Set once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolution>,
}

/// The id of a conflict: SHA-256 over the kind and the sorted competitor ids.
pub fn conflict_id(kind: ConflictKind, competitors: &[ObservationId]) -> ConflictId {
    let mut sorted = competitors.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut h = Sha256::new();
    h.update(b"kioku-mesh conflict v1\n");
    h.update(kind.as_str().as_bytes());
    for c in &sorted {
        h.update(b"\n");
        h.update(c.as_bytes());
    }
    ConflictId::from_hex(hex(&h.finalize()))
}

impl MergeRecord {
    /// Path of the record in a plaintext scope.
    pub fn path(id: &str) -> String {
        format!("conflicts/{id}.yaml")
    }

    /// Render as YAML with a header comment.
    pub fn render(&self) -> String {
        format!(
            "# kioku-mesh merge record: resolve with `mem conflicts resolve {}`.\n{}",
            &self.id[..12],
            serde_yaml::to_string(self).expect("plain data serialises")
        )
    }

    /// Parse a record file.
    ///
    /// # Errors
    /// [`ParseError`] when it is not a record of format 1 with valid ids.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
        let r: MergeRecord =
            serde_yaml::from_str(text).map_err(|e| ParseError::Yaml(e.to_string()))?;
        if r.format != 1 {
            return Err(ParseError::Field {
                field: "format",
                reason: format!("format {} is not known to this version of mem", r.format),
            });
        }
        if !is_full_id(&r.id)
            || r.competitors.len() < 2
            || !r.competitors.iter().all(|c| is_full_id(c))
        {
            return Err(ParseError::Field {
                field: "competitors",
                reason: "a record needs an id and at least two 64-digit competitor ids".into(),
            });
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ignore_order_and_records_round_trip() {
        let a = ObservationId::parse(&"a".repeat(64)).unwrap();
        let b = ObservationId::parse(&"b".repeat(64)).unwrap();
        assert_eq!(
            conflict_id(ConflictKind::Fork, &[a.clone(), b.clone()]),
            conflict_id(ConflictKind::Fork, &[b.clone(), a.clone()])
        );
        assert_ne!(
            conflict_id(ConflictKind::Fork, &[a.clone(), b.clone()]),
            conflict_id(ConflictKind::Key, &[a.clone(), b.clone()])
        );
        let r = MergeRecord {
            format: 1,
            id: conflict_id(ConflictKind::Key, &[a.clone(), b.clone()]),
            kind: ConflictKind::Key,
            competitors: vec![a, b],
            base: None,
            key: Some("k".into()),
            detected: "2026-11-22T10:00:00Z".into(),
            device: "d".into(),
            resolved: None,
        };
        assert_eq!(MergeRecord::parse(r.render().as_bytes()).unwrap(), r);
    }
}
