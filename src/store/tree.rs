//! Reading a scope's trees: one file, every file under some folders (as a
//! list, or one at a time for walks of any size), and what changed between
//! two commits.

use gix::bstr::ByteSlice;
use gix::ObjectId;

use super::repo::{git_err, ScopeRepo, TreeChange};
use super::StoreError;

impl ScopeRepo {
    /// The content of `path` in `commit`'s tree, or `None` when absent.
    ///
    /// # Errors
    /// [`StoreError::Git`] when the commit or a tree on the way cannot be read.
    pub fn read_path(&self, commit: ObjectId, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tree = self.tree_of(commit)?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(|e| git_err(&format!("cannot look up {path}"), e))?;
        match entry {
            Some(e) if e.mode().is_blob() => self.read_blob(e.object_id()).map(Some),
            _ => Ok(None),
        }
    }

    /// Every blob in `commit`'s tree whose path starts with one of `prefixes`
    /// (e.g. `obs/`), as `(path, blob id)` in path order. Only folders on
    /// the way to a prefix are read, so a look at the few messages does not
    /// read every observation's entry. No prefix at all lists nothing but
    /// reads every tree, which proves every tree is there.
    ///
    /// # Errors
    /// [`StoreError::Git`] when a tree cannot be read.
    pub fn files(
        &self,
        commit: ObjectId,
        prefixes: &[&str],
    ) -> Result<Vec<(String, ObjectId)>, StoreError> {
        let mut out = Vec::new();
        if prefixes.is_empty() {
            self.each_file(commit, &[""], |_, _| true)?;
        } else {
            self.each_file(commit, prefixes, |path, blob| {
                out.push((path.to_owned(), blob));
                true
            })?;
        }
        Ok(out)
    }

    /// Call `each` with every blob in `commit`'s tree whose path starts
    /// with one of `prefixes`, one at a time, depth first in tree order (by
    /// path: for `obs/`, by day), so a walk of a million files holds one
    /// path and one tree per level, not a list. `each` returns `false` to
    /// stop the walk early.
    ///
    /// # Errors
    /// [`StoreError::Git`] when a tree cannot be read.
    pub fn each_file(
        &self,
        commit: ObjectId,
        prefixes: &[&str],
        mut each: impl FnMut(&str, ObjectId) -> bool,
    ) -> Result<(), StoreError> {
        let root = self.tree_of(commit)?.id;
        let mut path = String::new();
        self.walk(root, &mut path, prefixes, &mut each).map(drop)
    }

    /// [`ScopeRepo::each_file`] below the tree `id` at `path` (empty, or
    /// ending in `/`). Returns `false` when `each` stopped the walk.
    fn walk(
        &self,
        id: ObjectId,
        path: &mut String,
        prefixes: &[&str],
        each: &mut dyn FnMut(&str, ObjectId) -> bool,
    ) -> Result<bool, StoreError> {
        let tree = self
            .repo
            .find_tree(id)
            .map_err(|e| git_err(&format!("cannot read tree {path}"), e))?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| git_err(&format!("cannot read tree {path}"), e))?;
            let Ok(name) = entry.filename().to_str() else {
                continue;
            };
            let len = path.len();
            path.push_str(name);
            let go_on = if entry.mode().is_tree() {
                path.push('/');
                // Only into folders that lead to, or lie under, a prefix.
                let wanted = prefixes
                    .iter()
                    .any(|p| p.starts_with(path.as_str()) || path.starts_with(p));
                !wanted || self.walk(entry.oid().to_owned(), path, prefixes, each)?
            } else if entry.mode().is_blob() && prefixes.iter().any(|p| path.starts_with(p)) {
                each(path, entry.oid().to_owned())
            } else {
                true
            };
            path.truncate(len);
            if !go_on {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The files that differ between the trees of `from` and `to` (`from` =
    /// `None` means the empty tree). Renames are reported as a removal and an
    /// addition. Only subtrees whose ids differ are read, so the cost follows
    /// the size of the change, not of the scope.
    ///
    /// # Errors
    /// [`StoreError::Git`] when a commit or tree cannot be read.
    pub fn diff(
        &self,
        from: Option<ObjectId>,
        to: ObjectId,
    ) -> Result<Vec<TreeChange>, StoreError> {
        // The plain tree differ: it reads only subtrees whose ids differ.
        // (`Repository::diff_tree_to_tree` also sets up a blob-diff resource
        // cache, which loads an index of the whole head tree: O(scope).)
        let empty = ObjectId::empty_tree(self.repo.object_hash());
        let old = match from {
            Some(c) => self.tree_of(c)?.id,
            None => empty,
        };
        let new = self.tree_of(to)?.id;
        let old_tree = self
            .repo
            .find_tree(old)
            .map_err(|e| git_err("cannot read tree", e))?;
        let new_tree = self
            .repo
            .find_tree(new)
            .map_err(|e| git_err("cannot read tree", e))?;
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&old_tree.data, self.repo.object_hash()),
            gix::objs::TreeRefIter::from_bytes(&new_tree.data, self.repo.object_hash()),
            gix::diff::tree::State::default(),
            &self.repo.objects,
            &mut recorder,
        )
        .map_err(|e| git_err("cannot diff trees", e))?;
        use gix::diff::tree::recorder::Change as C;
        let mut out = Vec::with_capacity(recorder.records.len());
        for change in recorder.records {
            match change {
                C::Addition {
                    entry_mode,
                    oid,
                    path,
                    ..
                }
                | C::Modification {
                    entry_mode,
                    oid,
                    path,
                    ..
                } => {
                    if entry_mode.is_blob() {
                        out.push(TreeChange::Written {
                            path: path.to_string(),
                            blob: oid,
                        });
                    }
                }
                C::Deletion {
                    entry_mode, path, ..
                } => {
                    if entry_mode.is_blob() {
                        out.push(TreeChange::Removed {
                            path: path.to_string(),
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CommitOutcome, FileChange, Signature};

    #[test]
    fn a_walk_finds_the_files_under_its_prefixes_in_path_order_and_can_stop() {
        let dir = tempfile::tempdir().unwrap();
        let repo = ScopeRepo::init(&dir.path().join("s.git")).unwrap();
        let paths = [
            ".kioku/scope.yaml",
            "msg/2026/01/01/m.md",
            "obs/2026/01/02/ab/ab1.md",
            "obs/2026/01/02/z.md",
            "obs/2025/12/31/y.md",
            "obs/2026/01/01/x.md",
            "tomb/t.yaml",
        ];
        let changes: Vec<FileChange> = paths
            .iter()
            .map(|p| FileChange::Upsert {
                path: (*p).to_owned(),
                bytes: p.as_bytes().into(),
            })
            .collect();
        let signature = Signature {
            name: "t".into(),
            email: "t@t".into(),
            seconds: 0,
        };
        let CommitOutcome::Committed(head) =
            repo.commit(None, &changes, "seed", &signature).unwrap()
        else {
            panic!("nothing else writes here");
        };
        let prefixes = ["obs/", "tomb/"];
        let mut walked = Vec::new();
        repo.each_file(head, &prefixes, |path, blob| {
            walked.push((path.to_owned(), blob));
            true
        })
        .unwrap();
        assert_eq!(walked, repo.files(head, &prefixes).unwrap());
        // Every file for the empty prefix; none, every tree read, for none.
        let everything: Vec<String> = repo
            .files(head, &[""])
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let mut sorted = paths.map(str::to_owned).to_vec();
        sorted.sort();
        assert_eq!(everything, sorted);
        assert!(repo.files(head, &[]).unwrap().is_empty());
        assert_eq!(
            walked.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            [
                "obs/2025/12/31/y.md",
                "obs/2026/01/01/x.md",
                "obs/2026/01/02/ab/ab1.md",
                "obs/2026/01/02/z.md",
                "tomb/t.yaml",
            ]
        );
        let mut first_two = Vec::new();
        repo.each_file(head, &prefixes, |path, _| {
            first_two.push(path.to_owned());
            first_two.len() < 2
        })
        .unwrap();
        assert_eq!(first_two, ["obs/2025/12/31/y.md", "obs/2026/01/01/x.md"]);
    }
}
