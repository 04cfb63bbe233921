//! The merge planner: how two histories of a scope combine, file by file.
//!
//! Observations are immutable, content-addressed files, so merging is a
//! union; a removal (only `mem gc` removes files) applies three-way against
//! the merge base: a file present in the base and removed on one side is
//! removed, unless the other side changed it. Two different versions of one
//! path (a hand edit on each side) resolve to the same winner on every
//! device: the larger blob id. The planner is pure and symmetric:
//! `merge(b, x, y) == merge(b, y, x)`.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;

/// Path → blob id of every file in a tree.
pub type Files = BTreeMap<String, ObjectId>;

/// The merged file set and the paths both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The files of the merge result.
    pub files: Files,
    /// Paths changed differently on both sides (resolved by the larger blob id).
    pub clashes: Vec<String>,
}

/// Merge `ours` and `theirs` against their merge `base` (empty when the
/// histories share no commit).
pub fn merge(base: &Files, ours: &Files, theirs: &Files) -> Merged {
    let paths: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let mut files = Files::new();
    let mut clashes = Vec::new();
    for path in paths {
        let b = base.get(path);
        let chosen = match (ours.get(path), theirs.get(path)) {
            (Some(o), Some(t)) if o == t => Some(*o),
            (Some(o), Some(t)) => {
                if b == Some(o) {
                    Some(*t)
                } else if b == Some(t) {
                    Some(*o)
                } else {
                    clashes.push(path.clone());
                    Some(*o.max(t))
                }
            }
            // Removed on their side: honour it unless we changed the file.
            (Some(o), None) => match b {
                Some(b) if b == o => None,
                _ => Some(*o),
            },
            (None, Some(t)) => match b {
                Some(b) if b == t => None,
                _ => Some(*t),
            },
            (None, None) => None,
        };
        if let Some(id) = chosen {
            files.insert(path.clone(), id);
        }
    }
    Merged { files, clashes }
}

/// Files merged line by line as sets rather than picked whole: each line is
/// an element (a recipient with its `# name`).
pub const SET_MERGED: &[&str] = &[".kioku/recipients"];

/// Three-way merge of two line sets against their base: a line stays when
/// both sides have it or one side added it; a line one side removed from
/// the base is removed. Sorted, without blank lines, so the result is the
/// same whichever side is "ours".
pub fn merge_lines(base: Option<&str>, ours: &str, theirs: &str) -> String {
    let set = |s: &str| -> BTreeSet<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (b, o, t) = (set(base.unwrap_or_default()), set(ours), set(theirs));
    let keep: BTreeSet<&String> = o
        .union(&t)
        .filter(|l| (o.contains(*l) && t.contains(*l)) || !b.contains(*l))
        .collect();
    keep.into_iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn files(entries: &[(&str, u8)]) -> Files {
        entries
            .iter()
            .map(|(p, n)| (p.to_string(), id(*n)))
            .collect()
    }

    #[test]
    fn union_of_additions() {
        let m = merge(
            &files(&[("a", 1)]),
            &files(&[("a", 1), ("b", 2)]),
            &files(&[("a", 1), ("c", 3)]),
        );
        assert_eq!(m.files, files(&[("a", 1), ("b", 2), ("c", 3)]));
        assert!(m.clashes.is_empty());
    }

    #[test]
    fn removals_apply_three_way() {
        // Removed by them, untouched by us: removed.
        let m = merge(
            &files(&[("a", 1), ("b", 2)]),
            &files(&[("a", 1), ("b", 2)]),
            &files(&[("a", 1)]),
        );
        assert_eq!(m.files, files(&[("a", 1)]));
        // Removed by them, changed by us: kept.
        let m = merge(&files(&[("a", 1)]), &files(&[("a", 9)]), &files(&[]));
        assert_eq!(m.files, files(&[("a", 9)]));
        // Never in the base: an addition, kept.
        let m = merge(&files(&[]), &files(&[("n", 4)]), &files(&[]));
        assert_eq!(m.files, files(&[("n", 4)]));
    }

    #[test]
    fn one_sided_changes_win_and_clashes_are_deterministic() {
        let m = merge(
            &files(&[("a", 1)]),
            &files(&[("a", 1)]),
            &files(&[("a", 5)]),
        );
        assert_eq!(m.files, files(&[("a", 5)]));
        let m = merge(
            &files(&[("a", 1)]),
            &files(&[("a", 3)]),
            &files(&[("a", 5)]),
        );
        assert_eq!(m.files, files(&[("a", 5)]));
        assert_eq!(m.clashes, vec!["a".to_owned()]);
    }

    #[test]
    fn recipient_lists_merge_as_sets() {
        let base = "age1a # laptop\nage1b # desktop\n";
        let ours = "age1a # laptop\nage1b # desktop\nage1c # phone\n";
        let theirs = "age1a # laptop\n";
        // We added c, they removed b: both changes survive.
        assert_eq!(
            merge_lines(Some(base), ours, theirs),
            "age1a # laptop\nage1c # phone\n"
        );
        assert_eq!(
            merge_lines(Some(base), theirs, ours),
            merge_lines(Some(base), ours, theirs)
        );
        assert_eq!(merge_lines(None, "x\n", "y\n"), "x\ny\n");
    }

    fn file_set() -> impl Strategy<Value = Files> {
        proptest::collection::btree_map("[a-e]", (0u8..4).prop_map(id), 0..5)
    }

    proptest! {
        #[test]
        fn merge_is_symmetric(b in file_set(), x in file_set(), y in file_set()) {
            prop_assert_eq!(merge(&b, &x, &y).files, merge(&b, &y, &x).files);
        }

        #[test]
        fn merging_with_self_or_base_changes_nothing(b in file_set(), x in file_set()) {
            prop_assert_eq!(merge(&b, &x, &x).files, x.clone());
            prop_assert_eq!(merge(&b, &x, &b).files, x.clone());
        }

        #[test]
        fn additions_are_never_lost(b in file_set(), x in file_set(), y in file_set()) {
            let m = merge(&b, &x, &y).files;
            for (p, _) in x.iter().chain(y.iter()) {
                if !b.contains_key(p) {
                    prop_assert!(m.contains_key(p), "lost {}", p);
                }
            }
        }
    }
}
