//! Tests of full-text search: the two-stage query against the one-stage
//! query it replaced, common terms, and the tag filter's bound (of
//! listings too).

use super::*;
use crate::store::{FileChange, ScopeName, ScopeRepo, Signature};

/// The one-stage query the two-stage search replaced: every match
/// joined to its full row and sorted, then read as `dedup` reads it.
fn one_stage(
    index: &Index,
    expr: &str,
    filter: &Filter,
    limit: usize,
) -> Vec<(String, Vec<String>, f64)> {
    let (conds, values) = filter.conditions();
    let mut where_sql = vec!["fts MATCH ?".to_owned()];
    where_sql.extend(conds.iter().cloned());
    let sql = format!(
        "SELECT {ROW_COLUMNS}, bm25(fts, {WEIGHTS}) AS rank
         FROM fts JOIN obs o ON o.rowid = fts.rowid
         WHERE {}
         ORDER BY rank, o.importance DESC, o.created DESC, (o.project IS ?) DESC, o.id",
        where_sql.join(" AND ")
    );
    let mut params: Vec<Value> = vec![Value::Text(expr.to_owned())];
    params.extend(values);
    params.push(Value::Null);
    let mut stmt = index.conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((row_from(r)?, r.get::<_, f64>(22)?))
        })
        .unwrap();
    super::super::query::dedup(rows, limit)
        .unwrap()
        .into_iter()
        .map(|h| (h.row.id.to_string(), h.also_in, h.rank))
        .collect()
}

/// Two scopes of 400 observations over a small vocabulary (a word in
/// every one, words in some, a rare one), a quarter held by both; tags
/// `team-a` on a third, `on call` on one in fifty and `on-call` (the same
/// tokens) on one in twenty-five.
fn seeded() -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let mut index = Index::open(&dir.path().join("index.sqlite")).unwrap().0;
    let words = ["cache", "deploy", "parser", "shard", "token", "zebra"];
    let signature = Signature {
        name: "t".into(),
        email: "t@t".into(),
        seconds: 0,
    };
    let mut shared = Vec::new();
    for name in ["local", "user"] {
        let scope = ScopeName::parse(name).unwrap();
        let repo = ScopeRepo::init(&scope.repo_path(dir.path())).unwrap();
        let mut changes = Vec::new();
        for i in 0..400u32 {
            let mut obs = crate::store::sample_observation();
            obs.key = None;
            obs.title = format!("{name} note {i} {}", words[(i % 5) as usize]);
            obs.body = format!(
                "common text {} {}",
                words[(i * 7 % 5) as usize],
                if i % 97 == 0 { words[5] } else { "" }
            );
            obs.importance = (i % 5 + 1) as u8;
            // Tags for the tag filter: a third of the files, a few, and
            // decoys holding a tag's tokens without the tag.
            if i % 3 == 0 {
                obs.tags.push("team-a".into());
            }
            if i % 50 == 0 {
                obs.tags.push("on call".into());
            }
            if i % 25 == 1 {
                obs.tags.push("on-call".into());
            }
            if name == "user" && i % 4 == 0 {
                obs = shared.get((i / 4) as usize).cloned().unwrap_or(obs);
            } else if name == "local" && i % 4 == 0 {
                shared.push(obs.clone());
            }
            let id = obs.id();
            changes.push(FileChange::Upsert {
                path: obs.path(&id),
                bytes: obs.render().into_bytes().into(),
            });
        }
        let crate::store::CommitOutcome::Committed(head) =
            repo.commit(None, &changes, "seed", &signature).unwrap()
        else {
            panic!("the seed commit moved");
        };
        index
            .update_scope(&scope, &repo, None, Some(head), None)
            .unwrap();
    }
    (dir, index)
}

/// Every scope and project, live observations, `limit` of them.
fn every(limit: usize) -> Filter {
    Filter {
        scopes: Vec::new(),
        kind: None,
        tag: None,
        project: ProjectFilter::All,
        since: None,
        all: false,
        limit,
    }
}

#[test]
fn two_stages_give_what_one_stage_gave() {
    let (_dir, index) = seeded();
    let every = every(10);
    // One scope: most candidates of the first stage are filtered out,
    // so it is asked again for more.
    let user = Filter {
        scopes: vec!["user".into()],
        ..every.clone()
    };
    // Tags: the first stage is bounded to the tag's files (tagged.rs).
    let tagged = ["team-a", "on call", "nobody"].map(|tag| Filter {
        tag: Some(tag.into()),
        ..every.clone()
    });
    for (filter, expr) in [&every, &user].into_iter().chain(&tagged).flat_map(|f| {
        ["common", "cache", "zebra", "cache OR parser", "nothing"].map(move |e| (f, e))
    }) {
        for limit in [1, 5, 10, 50, 500] {
            let two: Vec<(String, Vec<String>, f64)> = index
                .fts_search(expr, filter, limit)
                .unwrap()
                .into_iter()
                .map(|(h, _)| (h.row.id.to_string(), h.also_in, h.rank))
                .collect();
            let one = one_stage(&index, expr, filter, limit);
            assert_eq!(
                two, one,
                "{expr} --limit {limit} in {:?} tagged {:?}",
                filter.scopes, filter.tag
            );
            if filter.tag.as_deref() == Some("on call") && expr == "common" && limit == 500 {
                // 8 files a scope, 4 of them in both: 12 ids, the
                // `on-call` decoys left out.
                assert_eq!(two.len(), 12);
            }
            if expr == "common" && filter.scopes.is_empty() && filter.tag.is_none() {
                assert_eq!(two.len(), limit.min(700), "{expr} --limit {limit}");
            }
        }
    }
}

#[test]
fn a_listing_by_tag_is_what_checking_every_row_gives() {
    let (_dir, index) = seeded();
    let everything = index.list(&every(usize::MAX)).unwrap();
    for tag in ["team-a", "on call", "on-call", "nobody", "search"] {
        for limit in [1, 10, 500] {
            let filter = Filter {
                tag: Some(tag.into()),
                ..every(limit)
            };
            // Each id with every scope holding it: which of two files of
            // one id and one date is listed first is not defined.
            let scopes = |h: &Hit| {
                let mut all = h.also_in.clone();
                all.push(h.row.scope.clone());
                all.sort();
                (h.row.id.to_string(), all)
            };
            let bounded: Vec<(String, Vec<String>)> =
                index.list(&filter).unwrap().iter().map(scopes).collect();
            let checked: Vec<(String, Vec<String>)> = everything
                .iter()
                .filter(|h| h.row.obs.tags.iter().any(|t| t == tag))
                .take(limit)
                .map(scopes)
                .collect();
            assert_eq!(bounded, checked, "--tag {tag:?} --limit {limit}");
        }
    }
    // The decoys hold the tokens of `on call` but not the tag.
    let on_call = |tag: &str| {
        index
            .list(&Filter {
                tag: Some(tag.into()),
                ..every(500)
            })
            .unwrap()
            .len()
    };
    assert_eq!((on_call("on call"), on_call("on-call")), (12, 28));
}

/// Common terms (`COMMON_MATCHES`), with a small threshold.
mod common {
    use super::*;

    /// The FTS rowids of the files a search returned.
    fn rowids(index: &Index, hits: &[Hit]) -> Vec<i64> {
        hits.iter()
            .map(|h| {
                index
                    .conn
                    .query_row(
                        "SELECT rowid FROM obs WHERE id = ?1 AND scope = ?2",
                        params![h.row.id.as_str(), h.row.scope],
                        |r| r.get(0),
                    )
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_common_term_is_looked_for_among_its_latest_matches_by_column() {
        let (_dir, index) = seeded();
        // "common" is in the body of all 800 files; "cache" in the title
        // of one in five and the body of others.
        let bm25 = index.search_with("common", &every(20), usize::MAX).unwrap();
        let hits = index.search_with("common", &every(20), 100).unwrap();
        assert_eq!(hits.len(), 20);
        let window = index.nth_latest_match("common", 100).unwrap().unwrap();
        for rowid in rowids(&index, &hits) {
            assert!(rowid > window, "file {rowid} is older than the window");
        }
        // bm25 over every match reaches older files: the window changed
        // what was read.
        assert!(rowids(&index, &bm25).iter().any(|r| *r <= window));
        assert!(hits.iter().all(|h| h.coverage == 0.0 && h.rank > -1e-4));

        // A title match ranks above a body match.
        let hits = index.search_with("cache", &every(40), 50).unwrap();
        assert_eq!(hits.len(), 40);
        let titled: Vec<bool> = hits
            .iter()
            .map(|h| h.row.obs.title.contains("cache"))
            .collect();
        let first_body = titled.iter().position(|t| !t).unwrap_or(titled.len());
        assert!(first_body > 0, "{titled:?}");
        assert!(titled[first_body..].iter().all(|t| !t), "{titled:?}");
    }

    #[test]
    fn the_window_widens_until_the_filters_leave_enough() {
        let (_dir, index) = seeded();
        // The 100 latest matches of "common" are all in `user` (indexed
        // second); `local` holds 300 more of its own.
        let local = Filter {
            scopes: vec!["local".into()],
            ..every(20)
        };
        let hits = index.search_with("common", &local, 100).unwrap();
        assert_eq!(hits.len(), 20);
        assert!(hits.iter().all(|h| h.row.scope == "local"));
    }

    #[test]
    fn rare_terms_rank_above_common_ones_and_common_ones_fill() {
        let (_dir, index) = seeded();
        let hits = index.search_with("zebra common", &every(30), 100).unwrap();
        assert_eq!(hits.len(), 30, "the common term fills the limit");
        let zebra = hits
            .iter()
            .take_while(|h| h.row.obs.body.contains("zebra"))
            .count();
        let all_zebra = index.search_with("zebra", &every(30), 100).unwrap().len();
        assert!(all_zebra > 0);
        assert_eq!(zebra, all_zebra, "every zebra file comes first");
        assert!(hits[..zebra]
            .iter()
            .all(|h| h.matched == Some(1) && h.counted == 1));
        assert!(hits[zebra..].iter().all(|h| h.coverage == 0.0));
        // With nothing common, both words rank by bm25 and count.
        let exact = index
            .search_with("zebra common", &every(30), usize::MAX)
            .unwrap();
        assert!(exact.iter().all(|h| h.counted == 2));
    }

    #[test]
    fn a_store_under_the_threshold_ranks_every_term_by_bm25() {
        let (_dir, index) = seeded();
        let a = index.search("common cache", &every(25)).unwrap();
        let b = index
            .search_with("common cache", &every(25), usize::MAX)
            .unwrap();
        let ids = |h: &[Hit]| h.iter().map(|h| h.row.id.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
    }
}
