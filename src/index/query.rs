//! Read queries over the index: full-text search, listing, id lookup,
//! version chains and statistics.
//!
//! Superseded and deleted are derived at query time (an `edges` row naming
//! the id; a tombstone in the same scope), so an incremental update never has
//! to revisit other rows.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension};
use serde::Serialize;

use super::tagged::Tagged;
use super::{Index, IndexError};
use crate::store::{ConflictId, Observation, ObservationId};

/// Which projects a query covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectFilter {
    /// This project (if any) plus project-less observations.
    Current(Option<String>),
    /// Every project.
    All,
}

/// Filters shared by search and list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Only these scopes (empty = all).
    pub scopes: Vec<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only observations carrying this tag.
    pub tag: Option<String>,
    /// Project coverage.
    pub project: ProjectFilter,
    /// Only observations created at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Include superseded, deleted and expired observations.
    pub all: bool,
    /// At most this many distinct observations.
    pub limit: usize,
}

/// One indexed observation file, with its derived state.
#[derive(Debug, Clone)]
pub struct ObsRow {
    /// Full id (64 hex).
    pub id: ObservationId,
    /// Scope holding the file.
    pub scope: String,
    /// Path of the file in the scope tree.
    pub path: String,
    /// The observation as parsed from the file.
    pub obs: Observation,
    /// Another observation supersedes this one.
    pub superseded: bool,
    /// A tombstone in the same scope deletes this one.
    pub deleted: bool,
    /// The unresolved merge record it competes in, if any.
    pub conflict: Option<String>,
}

impl ObsRow {
    /// Whether the observation is neither superseded nor deleted.
    pub fn is_live(&self) -> bool {
        !self.superseded && !self.deleted
    }
}

/// A search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The observation.
    pub row: ObsRow,
    /// bm25 score as FTS5 reports it (negative, lower is better), scaled by
    /// the share of the query's terms the observation holds; `0` for a
    /// literal scan.
    pub rank: f64,
    /// The other scopes holding the same id.
    pub also_in: Vec<String>,
    /// For a full-text search: the share (0 to 1) of the query's ranking
    /// terms the observation holds, among the terms some indexed
    /// observation holds; `1` when the query has one term or none, or for a
    /// literal scan or a listing; `0` when every term is common (found in
    /// more than [`crate::index::COMMON_MATCHES`] files).
    pub coverage: f64,
    /// How many of the query's ranking terms the observation holds, when
    /// that was counted (a search of two terms or more); `None` otherwise.
    /// Terms found in more than [`crate::index::COMMON_MATCHES`] files are
    /// not counted: they tell observations apart no better than stopwords.
    pub matched: Option<usize>,
    /// How many of the query's ranking terms were counted for `matched`
    /// (0 when `matched` is `None`).
    pub counted: usize,
}

/// A semantic conflict found in the index (see [`Index::detect_conflicts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The kind.
    pub kind: crate::store::ConflictKind,
    /// The competing ids, sorted.
    pub competitors: Vec<ObservationId>,
    /// The superseded or deleted observation they compete over.
    pub base: Option<ObservationId>,
    /// The shared key.
    pub key: Option<String>,
}

/// A merge record as indexed.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    /// The scope holding it.
    pub scope: String,
    /// Its path.
    pub path: String,
    /// The conflict id.
    pub id: ConflictId,
    /// `fork`, `key` or `delete-edit`.
    pub kind: String,
    /// The superseded or deleted observation.
    pub base: Option<ObservationId>,
    /// The shared key.
    pub key: Option<String>,
    /// Whether it was resolved.
    pub resolved: bool,
    /// The competing ids.
    pub competitors: Vec<ObservationId>,
}

/// Who deleted an observation, when and why.
#[derive(Debug, Clone, Serialize)]
pub struct TombInfo {
    /// When (RFC 3339).
    pub deleted: String,
    /// Who.
    pub author: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// Result of resolving an id prefix.
#[derive(Debug, Clone)]
pub enum IdMatch {
    /// No id starts with the prefix.
    None,
    /// Exactly one id; every file holding it (several scopes or files).
    One(Vec<ObsRow>),
    /// Several ids start with the prefix (up to 10 of them).
    Many(Vec<String>),
}

/// Counts for `mem stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Per scope: live, superseded, deleted and expired counts.
    pub scopes: Vec<ScopeStats>,
    /// Per kind: (kind, live count; expired ones are not live).
    pub kinds: Vec<(String, i64)>,
    /// Per project: (project or "(global)", live count), largest first, at most 20.
    pub projects: Vec<(String, i64)>,
}

/// Counts of one scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopeStats {
    /// Scope name.
    pub scope: String,
    /// Distinct live observations.
    pub live: i64,
    /// Distinct superseded observations.
    pub superseded: i64,
    /// Distinct deleted observations.
    pub deleted: i64,
    /// Distinct observations past their expiry (`expires_at`), neither
    /// superseded nor deleted; not counted as live.
    pub expired: i64,
    /// Tombstones.
    pub tombstones: i64,
}

pub(super) const ROW_COLUMNS: &str = "o.id, o.scope, o.path, o.kind, o.title, o.summary, o.project, o.key,
    o.tags, o.importance, o.files, o.supersedes, o.created, o.author, o.device, o.agent,
    o.session, o.extra, o.body,
    EXISTS(SELECT 1 FROM edges e JOIN obs s ON s.rowid = e.obs WHERE e.target = o.id
           AND NOT EXISTS(SELECT 1 FROM tombs d WHERE d.target = s.id AND d.scope = s.scope)) AS superseded,
    EXISTS(SELECT 1 FROM tombs t WHERE t.target = o.id AND t.scope = o.scope) AS deleted,
    (SELECT c.id FROM conflict_members m JOIN conflicts c ON c.scope = m.scope AND c.path = m.path
     WHERE m.obs = o.id AND m.scope = o.scope AND c.resolved = 0 ORDER BY c.id LIMIT 1) AS conflict";

/// Live: not deleted in its scope, and not superseded by an observation
/// that is itself still there (deleting an edit brings the original back).
pub(super) const LIVE: &str =
    "NOT EXISTS(SELECT 1 FROM edges e JOIN obs s ON s.rowid = e.obs WHERE e.target = o.id
        AND NOT EXISTS(SELECT 1 FROM tombs d WHERE d.target = s.id AND d.scope = s.scope))
    AND NOT EXISTS(SELECT 1 FROM tombs t WHERE t.target = o.id AND t.scope = o.scope)";

pub(super) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<ObsRow> {
    let list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let s: String = r.get(i)?;
        Ok(serde_json::from_str(&s).unwrap_or_default())
    };
    let extra: Option<String> = r.get(17)?;
    let obs = Observation {
        kind: r.get(3)?,
        title: r.get(4)?,
        summary: r.get(5)?,
        project: r.get(6)?,
        key: r.get(7)?,
        tags: list(8)?,
        importance: r.get(9)?,
        files: list(10)?,
        supersedes: list(11)?,
        created: jiff::Timestamp::from_second(r.get(12)?).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        author: r.get(13)?,
        device: r.get(14)?,
        agent: r.get(15)?,
        session: r.get(16)?,
        extra: extra
            .as_deref()
            .and_then(|y| serde_yaml::from_str(y).ok())
            .unwrap_or_default(),
        body: super::packed::body_from(r.get_ref(18)?),
    };
    Ok(ObsRow {
        id: r.get(0)?,
        scope: r.get(1)?,
        path: r.get(2)?,
        obs,
        superseded: r.get(19)?,
        deleted: r.get(20)?,
        conflict: r.get(21)?,
    })
}

impl Filter {
    /// SQL conditions (joined with AND) and their parameters.
    pub(super) fn conditions(&self) -> (Vec<String>, Vec<Value>) {
        let mut sql = Vec::new();
        let mut values = Vec::new();
        if !self.scopes.is_empty() {
            let marks = vec!["?"; self.scopes.len()].join(", ");
            sql.push(format!("o.scope IN ({marks})"));
            values.extend(self.scopes.iter().cloned().map(Value::Text));
        }
        if let Some(kind) = &self.kind {
            sql.push("o.kind = ?".into());
            values.push(Value::Text(kind.clone()));
        }
        if let Some(tag) = &self.tag {
            // `o.tags` is a JSON array of strings (writer.rs): no table of
            // its own, which cost a tenth of the index.
            sql.push("EXISTS(SELECT 1 FROM json_each(o.tags) g WHERE g.value = ?)".into());
            values.push(Value::Text(tag.clone()));
        }
        match &self.project {
            ProjectFilter::All => {}
            ProjectFilter::Current(None) => sql.push("o.project IS NULL".into()),
            ProjectFilter::Current(Some(p)) => {
                sql.push("(o.project IS NULL OR o.project = ?)".into());
                values.push(Value::Text(p.clone()));
            }
        }
        if let Some(since) = self.since {
            sql.push("o.created >= ?".into());
            values.push(Value::Integer(since));
        }
        if !self.all {
            sql.push(LIVE.into());
            // Expired (`expires_at` passed) is hidden like superseded.
            sql.push("(o.expires IS NULL OR o.expires > ?)".into());
            values.push(Value::Integer(crate::time::now().as_second()));
        }
        (sql, values)
    }
}

impl Filter {
    /// [`Filter::conditions`] joined into one `WHERE` expression (`1` when
    /// there is none), with its parameters.
    pub(super) fn where_clause(&self) -> (String, Vec<Value>) {
        let (conds, values) = self.conditions();
        let sql = if conds.is_empty() {
            "1".to_owned()
        } else {
            conds.join(" AND ")
        };
        (sql, values)
    }
}

/// Keep the first row of each id, remembering the other scopes it is in.
pub(super) fn dedup(
    hits: impl Iterator<Item = rusqlite::Result<(ObsRow, f64)>>,
    limit: usize,
) -> rusqlite::Result<Vec<Hit>> {
    let mut out: Vec<Hit> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for hit in hits {
        let (row, rank) = hit?;
        if let Some(&i) = seen.get(&row.id) {
            let h: &mut Hit = &mut out[i];
            if h.row.scope != row.scope && !h.also_in.contains(&row.scope) {
                h.also_in.push(row.scope);
            }
            continue;
        }
        if out.len() == limit {
            break;
        }
        seen.insert(row.id.clone(), out.len());
        out.push(Hit {
            row,
            rank,
            also_in: Vec::new(),
            coverage: 1.0,
            matched: None,
            counted: 0,
        });
    }
    Ok(out)
}

impl Index {
    /// Observations matching `filter`, newest first.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn list(&self, filter: &Filter) -> Result<Vec<Hit>, IndexError> {
        let (mut where_sql, mut values) = filter.where_clause();
        let _snapshot = self.read_snapshot()?;
        // A tag few files carry: their rows, found through the FTS index,
        // instead of every row checked newest first (tagged.rs).
        match self.tagged(filter.tag.as_deref())? {
            Tagged::Among(rowids) if rowids.is_empty() => return Ok(Vec::new()),
            among @ Tagged::Among(_) => {
                where_sql = format!("o.rowid IN (SELECT value FROM json_each(?)) AND {where_sql}");
                values.insert(0, Value::Text(among.json().expect("a rowid set")));
            }
            Tagged::Any => {}
        }
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM obs o WHERE {where_sql} ORDER BY o.created DESC, o.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| Ok((row_from(r)?, 0.0)))?;
        Ok(dedup(rows, filter.limit)?)
    }

    /// Every indexed observation file, ordered by scope, creation time and id
    /// (for export: the same order on every device, whatever the file names).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn all_rows(&self, scopes: &[String]) -> Result<Vec<ObsRow>, IndexError> {
        let filter = Filter {
            scopes: scopes.to_vec(),
            kind: None,
            tag: None,
            project: ProjectFilter::All,
            since: None,
            all: true,
            limit: usize::MAX,
        };
        let (where_sql, values) = filter.where_clause();
        let sql =
            format!("SELECT {ROW_COLUMNS} FROM obs o WHERE {where_sql} ORDER BY o.scope, o.created, o.id, o.path");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), row_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Resolve an id or id prefix (hex, any length ≥ 1; callers enforce the minimum).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn resolve(&self, prefix: &str) -> Result<IdMatch, IndexError> {
        let prefix = prefix.to_ascii_lowercase();
        let upper = format!("{prefix}g");
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT id FROM obs WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 10",
            )?
            .query_map(params![prefix, upper], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.len() {
            0 => Ok(IdMatch::None),
            1 => Ok(IdMatch::One(self.rows_of(&ids[0])?)),
            _ => Ok(IdMatch::Many(ids)),
        }
    }

    /// Every file holding `id`, live ones first.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn rows_of(&self, id: &str) -> Result<Vec<ObsRow>, IndexError> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM obs o WHERE o.id = ?1 ORDER BY deleted, o.scope, o.path"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![id], row_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether `scope` holds a file with `id`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn contains(&self, scope: &str, id: &str) -> Result<bool, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM obs WHERE scope = ?1 AND id = ?2 LIMIT 1")?
            .query_row(params![scope, id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Paths of the tombstones for `id` in `scope`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn tombstones(&self, scope: &str, id: &str) -> Result<Vec<String>, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT path FROM tombs WHERE scope = ?1 AND target = ?2")?
            .query_map(params![scope, id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// The observation ids the files at `paths` in `scope` hold: an
    /// observation's own id, or a tombstone's target.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn ids_at(
        &self,
        scope: &str,
        paths: &std::collections::BTreeSet<String>,
    ) -> Result<std::collections::BTreeSet<ObservationId>, IndexError> {
        let mut out = std::collections::BTreeSet::new();
        let mut obs = self
            .conn
            .prepare_cached(&format!("SELECT id FROM obs WHERE {}", super::AT_PATH))?;
        let mut tomb = self
            .conn
            .prepare_cached("SELECT target FROM tombs WHERE scope = ?1 AND path = ?2")?;
        for path in paths {
            if let Some(id) = obs
                .query_row(params![scope, path], |r| r.get::<_, ObservationId>(0))
                .optional()?
            {
                out.insert(id);
            }
            if let Some(id) = tomb
                .query_row(params![scope, path], |r| r.get::<_, ObservationId>(0))
                .optional()?
            {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// The tombstone for `id` in `scope`, if it is deleted there.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn tombstone_info(&self, scope: &str, id: &str) -> Result<Option<TombInfo>, IndexError> {
        Ok(self
            .conn
            .prepare_cached("SELECT deleted, author, reason FROM tombs WHERE scope = ?1 AND target = ?2 LIMIT 1")?
            .query_row(params![scope, id], |r| {
                Ok(TombInfo {
                    deleted: r.get(0)?,
                    author: r.get(1)?,
                    reason: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Ids of the live observations in `scope` with topic `key`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn live_with_key(&self, scope: &str, key: &str) -> Result<Vec<ObservationId>, IndexError> {
        let sql = format!("SELECT DISTINCT o.id FROM obs o WHERE o.scope = ?1 AND o.key = ?2 AND {LIVE} ORDER BY o.id");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(params![scope, key], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Ids of the observations that supersede `id`.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn superseded_by(&self, id: &str) -> Result<Vec<ObservationId>, IndexError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT DISTINCT o.id FROM edges e JOIN obs o ON o.rowid = e.obs WHERE e.target = ?1 ORDER BY o.created, o.id",
            )?
            .query_map(params![id], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Counts per scope, kind and project.
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub fn stats(&self) -> Result<Stats, IndexError> {
        let mut stats = Stats::default();
        let now = crate::time::now().as_second();
        let sql = "SELECT o.scope,
                COUNT(DISTINCT CASE WHEN NOT s AND NOT d AND NOT x THEN o.id END),
                COUNT(DISTINCT CASE WHEN s AND NOT d THEN o.id END),
                COUNT(DISTINCT CASE WHEN d THEN o.id END),
                COUNT(DISTINCT CASE WHEN x AND NOT s AND NOT d THEN o.id END)
            FROM (SELECT o.*, EXISTS(SELECT 1 FROM edges e WHERE e.target = o.id) AS s,
                         EXISTS(SELECT 1 FROM tombs t WHERE t.target = o.id AND t.scope = o.scope) AS d,
                         (o.expires IS NOT NULL AND o.expires <= ?1) AS x
                  FROM obs o) o
            GROUP BY o.scope ORDER BY o.scope";
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([now], |r| {
            Ok(ScopeStats {
                scope: r.get(0)?,
                live: r.get(1)?,
                superseded: r.get(2)?,
                deleted: r.get(3)?,
                expired: r.get(4)?,
                tombstones: 0,
            })
        })?;
        stats.scopes = rows.collect::<Result<_, _>>()?;
        for s in &mut stats.scopes {
            s.tombstones = self.conn.query_row(
                "SELECT count(*) FROM tombs WHERE scope = ?1",
                params![s.scope],
                |r| r.get(0),
            )?;
        }
        let live_ids = format!(
            "SELECT DISTINCT o.id, o.kind, o.project FROM obs o
             WHERE {LIVE} AND (o.expires IS NULL OR o.expires > ?1)"
        );
        let kinds = format!(
            "SELECT kind, count(*) FROM ({live_ids}) GROUP BY kind ORDER BY count(*) DESC, kind"
        );
        stats.kinds = self
            .conn
            .prepare(&kinds)?
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let projects = format!(
            "SELECT COALESCE(project, '(global)'), count(*) FROM ({live_ids}) GROUP BY project ORDER BY count(*) DESC, project LIMIT 20"
        );
        stats.projects = self
            .conn
            .prepare(&projects)?
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(stats)
    }
}
