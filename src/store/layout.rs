//! Where a new observation file goes inside its day folder.
//!
//! A day folder `obs/YYYY/MM/DD/` holds its files directly until it has
//! [`DAY_FANOUT`] direct file entries. From then on, a *new* file of that
//! day goes one level deeper, into the folder named by the first two
//! characters of its file name: `obs/YYYY/MM/DD/ab/ab12….md` (`.age` names
//! in encrypted scopes, which are opaque, so the folder reveals nothing of
//! the id). A save then rewrites a day tree of at most about
//! `DAY_FANOUT + 256` entries and one small prefix tree, however busy the
//! day, instead of one tree holding the whole day (docs/format.md).
//!
//! Invariants: existing files never move (a file stays at the path it was
//! committed at, flat or fanned out); the choice depends only on the parent
//! tree the commit is built on. Readers do not depend on the rule: every
//! file under `obs/` ending in `.md` or `.age` is an observation, at any
//! depth (`crate::index::is_observation_path`), so both layouts, even mixed
//! in one day, read alike. Because the choice depends on what the writer
//! saw, two devices can commit one observation (one content-addressed id) at
//! two paths; it is one observation (docs/format.md says which path is
//! shown).
//!
//! Changing [`DAY_FANOUT`] or the folder rule changes where new files go,
//! never how existing scopes read: every version reads both layouts.

use std::collections::{HashMap, HashSet};

use gix::ObjectId;

use super::repo::{git_err, ScopeRepo};
use super::{FileChange, StoreError};

/// Direct file entries a day folder holds before new files of that day go
/// into id-prefix folders. Chosen by measurement (docs/format.md, "Day
/// folders"): after `git gc`, the pack space a save into a busy day costs
/// follows the size of the day tree it rewrites; below this bound the 256
/// prefix folders' own entries dominate it and the gain flattens, while
/// ordinary days stay flat.
pub const DAY_FANOUT: usize = 128;

/// The environment variable that overrides [`DAY_FANOUT`] — for tests and
/// benchmarks: `N` fans a day out from `N` direct entries, `0` never does
/// (the layout of versions before day fan-out).
pub const DAY_FANOUT_ENV: &str = "MEM_DAY_FANOUT";

/// The bound in force: [`DAY_FANOUT_ENV`] when set to a number, else
/// [`DAY_FANOUT`]. `None` means new files are never fanned out.
pub fn day_fanout() -> Option<usize> {
    match std::env::var(DAY_FANOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(0) => None,
        Some(n) => Some(n),
        None => Some(DAY_FANOUT),
    }
}

/// The day folder (`obs/YYYY/MM/DD`) and file name of a flat observation
/// path `obs/YYYY/MM/DD/<name>`; `None` for any other path (a fanned-out
/// one included).
pub fn flat_day_path(path: &str) -> Option<(&str, &str)> {
    let (dir, name) = path.rsplit_once('/')?;
    let mut parts = dir.split('/');
    let shaped = parts.next() == Some("obs")
        && parts.by_ref().take(3).filter(|p| !p.is_empty()).count() == 3
        && parts.next().is_none();
    (shaped && crate::index::is_observation_path(path) && name.len() > 2).then_some((dir, name))
}

/// The path of the file `name` in the id-prefix folder of `day`
/// (`obs/YYYY/MM/DD`): `obs/YYYY/MM/DD/<name[0..2]>/<name>`.
pub fn fanned_path(day: &str, name: &str) -> String {
    let prefix: String = name.chars().take(2).collect();
    format!("{day}/{prefix}/{name}")
}

/// The path a file at `path` takes when it is renamed to `name` (a new
/// opaque name after re-encryption): the same folder, or for a file in an
/// id-prefix folder the prefix folder of the new name in the same day, so
/// a folder's name always matches its files' names and never outlives the
/// name it came from (a plaintext id's prefix in a converted scope).
pub fn renamed(path: &str, name: &str) -> String {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or_default();
    match dir.rsplit_once('/') {
        Some((day, prefix))
            if prefix.len() == 2 && flat_day_path(&format!("{day}/{name}")).is_some() =>
        {
            fanned_path(day, name)
        }
        _ => format!("{dir}/{name}"),
    }
}

/// What is known of one day folder of the parent tree while placing files.
struct Day {
    /// Direct file entries, counting the new flat files placed so far.
    direct: usize,
    /// Of the names being placed, those already present directly in the day.
    present: HashSet<String>,
}

impl ScopeRepo {
    /// Place the new observation files of `changes` (upserts to flat paths
    /// `obs/YYYY/MM/DD/<name>`, as writers compute them) by the day fan-out
    /// rule against the tree of `parent`: a file goes into its day's
    /// id-prefix folder when the day already holds `bound` direct files
    /// (counting the ones this change adds before it). A path already in the
    /// parent tree is kept (an overwrite), as is every other change. With
    /// `bound` `None`, nothing changes. Reads one tree per day touched.
    ///
    /// # Errors
    /// [`StoreError::Git`] when a tree of `parent` cannot be read.
    pub fn place_new_files(
        &self,
        parent: Option<ObjectId>,
        changes: Vec<FileChange>,
        bound: Option<usize>,
    ) -> Result<Vec<FileChange>, StoreError> {
        let Some(bound) = bound else {
            return Ok(changes);
        };
        // The names each day receives, so one pass over a day's tree
        // answers both questions: how full it is, which are overwrites.
        let mut wanted: HashMap<&str, HashSet<&str>> = HashMap::new();
        for change in &changes {
            if let FileChange::Upsert { path, .. } = change {
                if let Some((day, name)) = flat_day_path(path) {
                    wanted.entry(day).or_default().insert(name);
                }
            }
        }
        if wanted.is_empty() {
            return Ok(changes);
        }
        let mut days: HashMap<String, Day> = HashMap::new();
        for (day, names) in wanted {
            let state = self.day_state(parent, day, &names)?;
            days.insert(day.to_owned(), state);
        }
        Ok(changes
            .into_iter()
            .map(|change| match change {
                FileChange::Upsert { path, bytes } => {
                    let placed = match flat_day_path(&path) {
                        Some((day, name)) => {
                            let state = days.get_mut(day).expect("every day was read");
                            if state.present.contains(name) {
                                None
                            } else if state.direct < bound {
                                state.direct += 1;
                                // A second upsert of the same name in this
                                // change is an overwrite of this one.
                                state.present.insert(name.to_owned());
                                None
                            } else {
                                Some(fanned_path(day, name))
                            }
                        }
                        None => None,
                    };
                    FileChange::Upsert {
                        path: placed.unwrap_or(path),
                        bytes,
                    }
                }
                other => other,
            })
            .collect())
    }

    /// How many files `day` holds directly in `parent`'s tree, and which of
    /// `names` are among them.
    fn day_state(
        &self,
        parent: Option<ObjectId>,
        day: &str,
        names: &HashSet<&str>,
    ) -> Result<Day, StoreError> {
        let mut state = Day {
            direct: 0,
            present: HashSet::new(),
        };
        let Some(parent) = parent else {
            return Ok(state);
        };
        let root = self.tree_of(parent)?;
        let entry = root
            .lookup_entry_by_path(day)
            .map_err(|e| git_err(&format!("cannot look up {day}"), e))?;
        let Some(entry) = entry.filter(|e| e.mode().is_tree()) else {
            return Ok(state);
        };
        let tree = self
            .gix()
            .find_tree(entry.oid())
            .map_err(|e| git_err(&format!("cannot read tree {day}"), e))?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| git_err(&format!("cannot read tree {day}"), e))?;
            if !entry.mode().is_blob() {
                continue;
            }
            state.direct += 1;
            if let Ok(name) = std::str::from_utf8(entry.filename()) {
                if names.contains(name) {
                    state.present.insert(name.to_owned());
                }
            }
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_paths_are_recognised() {
        assert_eq!(
            flat_day_path("obs/2026/12/01/abcdef.md"),
            Some(("obs/2026/12/01", "abcdef.md"))
        );
        assert_eq!(
            flat_day_path("obs/2026/12/01/0123.age"),
            Some(("obs/2026/12/01", "0123.age"))
        );
        assert_eq!(flat_day_path("obs/2026/12/01/ab/abcdef.md"), None);
        assert_eq!(flat_day_path("obs/2026/12/abcdef.md"), None);
        assert_eq!(flat_day_path("tomb/abcdef.yaml"), None);
        assert_eq!(flat_day_path("obs/2026/12/01/notes.txt"), None);
    }

    #[test]
    fn renaming_keeps_a_flat_file_flat_and_moves_a_fanned_one_to_its_prefix() {
        assert_eq!(
            renamed("obs/2026/12/01/aa11.age", "bb22.age"),
            "obs/2026/12/01/bb22.age"
        );
        assert_eq!(
            renamed("obs/2026/12/01/aa/aa11.md", "bb22.age"),
            "obs/2026/12/01/bb/bb22.age"
        );
        assert_eq!(renamed("tomb/aa11.yaml", "bb22.age"), "tomb/bb22.age");
        assert_eq!(
            renamed("conflicts/aa11.yaml", "bb22.age"),
            "conflicts/bb22.age"
        );
    }

    #[test]
    fn a_full_day_sends_new_files_to_prefix_folders() {
        let dir = tempfile::tempdir().unwrap();
        let repo = ScopeRepo::init(&dir.path().join("s.git")).unwrap();
        let sig = crate::store::Signature {
            name: "t".into(),
            email: "t@t".into(),
            seconds: 0,
        };
        let upsert = |name: &str| FileChange::Upsert {
            path: format!("obs/2026/12/01/{name}.md"),
            bytes: name.as_bytes().into(),
        };
        let first: Vec<FileChange> = ["aa01", "bb02", "cc03"].map(upsert).into();
        let placed = repo.place_new_files(None, first, Some(2)).unwrap();
        let paths: Vec<String> = placed.iter().map(|c| c.path().to_owned()).collect();
        assert_eq!(
            paths,
            [
                "obs/2026/12/01/aa01.md",
                "obs/2026/12/01/bb02.md",
                "obs/2026/12/01/cc/cc03.md"
            ]
        );
        let crate::store::CommitOutcome::Committed(head) =
            repo.commit(None, &placed, "m", &sig).unwrap()
        else {
            panic!("committed")
        };
        // Two direct files: full. An overwrite of one stays where it is.
        let next = vec![upsert("dd04"), upsert("aa01")];
        let placed = repo.place_new_files(Some(head), next, Some(2)).unwrap();
        let paths: Vec<&str> = placed.iter().map(FileChange::path).collect();
        assert_eq!(
            paths,
            ["obs/2026/12/01/dd/dd04.md", "obs/2026/12/01/aa01.md"]
        );
        // No bound: the old layout.
        let placed = repo
            .place_new_files(Some(head), vec![upsert("ee05")], None)
            .unwrap();
        assert!(
            matches!(&placed[0], FileChange::Upsert { path, .. } if path == "obs/2026/12/01/ee05.md")
        );
    }
}
