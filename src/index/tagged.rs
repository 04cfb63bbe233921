//! The files a tag filter can keep, found through the FTS index's `tags`
//! column instead of by reading every row's tag list.
//!
//! `obs.tags` is a JSON array with no index of its own (a table of tags cost
//! a tenth of the index), so `mem list --tag T` used to check every row,
//! newest first, until it had enough: at 100,000 observations, 174 ms for a
//! tag nobody uses. The FTS `tags` column holds the same tags as text
//! (`writer.rs`: joined by spaces, CJK runs as bigrams), so the phrase of a
//! tag's own tokens finds every file carrying it, and a few that only hold
//! those tokens in that order (the tag `a b` where the file has `a-b`): a
//! superset, which the exact JSON check then narrows, as before.

use rusqlite::params;

use super::{Index, IndexError};

/// A tag found in more files than this is *common*: its files are not
/// gathered (that would cost a read of each one's rowid and then a sort by
/// date), and the filter is checked row by row as before, which a common
/// tag satisfies within a few of the newest rows.
pub const TAG_CANDIDATES: usize = 10_000;

/// Which files a tag filter can keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tagged {
    /// No tag filter, a common tag ([`TAG_CANDIDATES`]) or one whose
    /// tokens cannot be known for sure: any file, checked row by row.
    Any,
    /// At most these FTS rowids (ascending; empty when no file carries the
    /// tag's tokens, so no file can carry the tag).
    Among(Vec<i64>),
}

impl Tagged {
    /// The rowids as the JSON array `json_each` reads, for `Among`.
    pub(super) fn json(&self) -> Option<String> {
        match self {
            Tagged::Any => None,
            Tagged::Among(rowids) => {
                Some(serde_json::to_string(rowids).expect("integers serialise"))
            }
        }
    }
}

/// The FTS5 query for the files whose `tags` column holds `tag`'s tokens
/// in order: `{tags} : "…"` over the text the writer indexes for one tag
/// (`crate::text::cjk_bigrams`), so FTS5 tokenises both alike. `None` when
/// the tag might have no token at all (no ASCII letter or digit and no CJK
/// letter: CJK punctuation, marks and radicals are separators to FTS5's
/// `unicode61`): an empty phrase matches nothing, which would hide files
/// that do carry such a tag.
fn tag_query(tag: &str) -> Option<String> {
    let tokenised = tag
        .chars()
        .any(|c| c.is_ascii_alphanumeric() || (crate::text::is_cjk(c) && c.is_alphabetic()));
    tokenised.then(|| {
        let text = crate::text::cjk_bigrams(tag).replace('"', "\"\"");
        format!("{{tags}} : \"{text}\"")
    })
}

impl Index {
    /// The files a filter on `tag` can keep (see [`Tagged`]): one read of
    /// the tag's FTS matches, rowids only, stopping past
    /// [`TAG_CANDIDATES`]. Rowids change when a file is indexed again, so
    /// the caller reads them and the rows they name in one read
    /// transaction ([`Index::read_snapshot`]).
    ///
    /// # Errors
    /// [`IndexError::Sql`].
    pub(super) fn tagged(&self, tag: Option<&str>) -> Result<Tagged, IndexError> {
        let Some(query) = tag.and_then(tag_query) else {
            return Ok(Tagged::Any);
        };
        let cap = i64::try_from(TAG_CANDIDATES).unwrap_or(i64::MAX);
        let rowids: Vec<i64> = self
            .conn
            .prepare_cached("SELECT rowid FROM fts WHERE fts MATCH ?1 LIMIT ?2")?
            .query_map(params![query, cap + 1], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(if rowids.len() > TAG_CANDIDATES {
            Tagged::Any
        } else {
            Tagged::Among(rowids)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_query_is_the_phrase_of_its_own_text() {
        assert_eq!(tag_query("growth").unwrap(), r#"{tags} : "growth""#);
        assert_eq!(tag_query("a-b").unwrap(), r#"{tags} : "a-b""#);
        // A quote cannot end the phrase early.
        assert_eq!(tag_query(r#"x"y"#).unwrap(), r#"{tags} : "x""y""#);
        // CJK runs as the writer indexes them: bigrams.
        assert_eq!(tag_query("検索機").unwrap(), r#"{tags} : " 検索 索機 ""#);
        // No token for sure: the filter checks every row instead. CJK
        // punctuation, a sound mark and a radical are no letters.
        assert_eq!(tag_query("+++"), None);
        assert_eq!(tag_query(""), None);
        assert_eq!(tag_query("・"), None);
        assert_eq!(tag_query("゛"), None);
        assert_eq!(tag_query("⼈"), None);
        assert!(tag_query("・検").is_some());
    }
}
