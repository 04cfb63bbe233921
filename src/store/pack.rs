//! Commits whose new objects go into one pack, for writes of thousands of
//! files at once (`mem import`).
//!
//! A commit through [`ScopeRepo::commit`] writes every new object as a loose
//! file. For a save that is seven files; for an import of a million
//! observations it is over two million, and creating that many files was
//! most of the import's time (`perf record`: ext4 inode allocation). Here
//! each object goes into a pack file as soon as it is made: the folders
//! that change are written one at a time in path order, each folder's
//! files and then its tree, so what a batch holds besides its files is the
//! folders on the path being written — not its objects, nor every day
//! folder it touches. A pack's header gives its object count, known only at
//! the end: [`PackStream`] writes the header again then, and the checksum
//! over the finished file, as the pack format (git's
//! `Documentation/gitformat-pack.txt`) requires. The pack is then indexed
//! (`gix_pack`'s indexer, the job of git's `index-pack`), and only then does
//! `refs/heads/main` move: a reader sees every object of the commit or not
//! the commit. The pack is held by a `.keep` file from before it appears
//! until the ref has moved, so a concurrent `git gc` cannot drop its
//! objects in between.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::objs::tree::EntryKind;
use gix::objs::WriteTo;
use gix::ObjectId;
use gix_pack as pack;

use super::repo::{commit_object, git_err, CommitOutcome, FileChange, ScopeRepo, Signature};
use super::StoreError;

/// A change with its path split into folder and file names.
type Split<'a> = (Vec<&'a str>, &'a FileChange);

impl ScopeRepo {
    /// [`ScopeRepo::commit`], with the new objects (blobs, trees and the
    /// commit) written as one pack in `objects/pack` instead of as loose
    /// files. Besides `changes`, it holds one tree per folder level of the
    /// path being written, and the ids of the objects written so far.
    ///
    /// # Errors
    /// As [`ScopeRepo::commit`]; [`StoreError::Git`] also when the pack or
    /// its index cannot be written (a full disk). Nothing is referenced
    /// then; a pack already in place, or one left `.keep` by a process
    /// killed before the ref moved, goes at the next `mem gc`
    /// ([`sweep_interrupted_packs`] drops the stale `.keep` and temporary
    /// files, and git drops what no ref reaches once its grace is over).
    pub fn commit_packed(
        &self,
        parent: Option<ObjectId>,
        changes: &[FileChange],
        message: &str,
        signature: &Signature,
    ) -> Result<CommitOutcome, StoreError> {
        let dir = self.path.join("objects/pack");
        let mut pack = PackStream::create(&dir, self.repo.object_hash())?;
        let base = parent.map(|p| self.tree_of(p).map(|t| t.id)).transpose()?;
        let mut split: Vec<Split<'_>> = changes
            .iter()
            .map(|c| (c.path().split('/').collect(), c))
            .collect();
        // By names, not by bytes, so each folder's changes are adjacent;
        // stable, so of two writes to one path the later one stays.
        split.sort_by(|a, b| a.0.cmp(&b.0));
        let tree = match self.write_folder(base, &split, 0, &mut pack)? {
            Some(tree) => tree,
            None => pack.write(gix::objs::Kind::Tree, &[])?,
        };
        drop(split);
        let parents: Vec<ObjectId> = parent.into_iter().collect();
        let commit = commit_object(tree, &parents, message, signature);
        let id = pack.write_object(&commit)?;
        let keep = index_pack(pack.finish()?, &dir, self.repo.object_hash())?;
        let moved = self.move_main(&(id, commit), parent, message);
        // Referenced now, or never: either way the pack needs no keeping.
        if let Some(keep) = keep {
            let _ = std::fs::remove_file(keep);
        }
        moved
    }

    /// Write the folder `base` (a tree; `None` for a new folder) with
    /// `changes` applied into `pack`, and return its new tree, or `None`
    /// when it is left empty (git keeps no empty folder: its parent drops
    /// the entry). `changes` are sorted by path, and their first `depth`
    /// names are this folder's path. Each subfolder that changes is
    /// written whole, through this function, before the next is read, so
    /// only the folders on the path being written are held at once. A name
    /// changed both as a file and as a folder is an error
    /// ([`StoreError::Git`]).
    fn write_folder(
        &self,
        base: Option<ObjectId>,
        changes: &[Split<'_>],
        depth: usize,
        pack: &mut PackStream,
    ) -> Result<Option<ObjectId>, StoreError> {
        let tree: gix::objs::Tree = match base {
            Some(id) => self
                .repo
                .find_tree(id)
                .map_err(|e| git_err("cannot read tree", e))?
                .decode()
                .map_err(|e| git_err("cannot read tree", e))?
                .into(),
            None => gix::objs::Tree::empty(),
        };
        // This folder's new entries (a removal is `None`), in path order.
        let mut edits: Vec<(&str, Option<(EntryKind, ObjectId)>)> = Vec::new();
        let mut rest = changes;
        while let Some((names, change)) = rest.first() {
            let name = names[depth];
            if names.len() == depth + 1 {
                let entry = match change {
                    FileChange::Upsert { bytes, .. } => {
                        Some((EntryKind::Blob, pack.write(gix::objs::Kind::Blob, bytes)?))
                    }
                    FileChange::Remove { .. } => None,
                };
                edits.push((name, entry));
                rest = &rest[1..];
                continue;
            }
            let inside = rest
                .iter()
                .take_while(|(n, _)| n.len() > depth + 1 && n[depth] == name)
                .count();
            let (folder, after) = rest.split_at(inside);
            let current = tree
                .entries
                .iter()
                .find(|e| e.mode.is_tree() && e.filename == name)
                .map(|e| e.oid);
            // Whether a file and a folder of one name both change: the
            // whole-tree editor would keep whichever came last, an order
            // the sort above has lost. No layout of a scope has that.
            if edits.last().is_some_and(|(n, _)| *n == name) {
                let path = names[..=depth].join("/");
                return Err(git_err(
                    &format!("cannot write '{path}' both as a file and as a folder in one commit"),
                    std::io::Error::other("a file and a folder of one name"),
                ));
            }
            match (
                self.write_folder(current, folder, depth + 1, pack)?,
                current,
            ) {
                (Some(id), _) => edits.push((name, Some((EntryKind::Tree, id)))),
                (None, Some(_)) => edits.push((name, None)),
                // Nothing there, or a file (a removal under a file removes
                // nothing, as in the whole-tree editor): left as it is.
                (None, None) => {}
            }
            rest = after;
        }
        let hash = self.repo.object_hash();
        // One name at a time: the editor never reads a subfolder itself.
        let mut editor = gix::objs::tree::Editor::new(tree, &gix::objs::find::Never, hash);
        for (name, entry) in edits {
            match entry {
                Some((kind, id)) => editor.upsert([name], kind, id),
                None => editor.remove([name]),
            }
            .map_err(|e| git_err(&format!("cannot change {name}"), e))?;
        }
        let id = editor.write(|tree| {
            if tree.entries.is_empty() {
                Ok(ObjectId::empty_tree(hash))
            } else {
                pack.write_object(tree)
            }
        })?;
        Ok((!id.is_empty_tree()).then_some(id))
    }
}

/// A pack file in the making, in a temporary file: objects are compressed
/// and appended one at a time (each id once), then [`PackStream::finish`]
/// puts the count in the header and the checksum at the end. Entries are
/// whole objects, never deltas (a later `git gc` finds those).
struct PackStream {
    out: BufWriter<File>,
    hash: gix::hash::Kind,
    count: u32,
    written: HashSet<ObjectId>,
}

impl PackStream {
    /// A new pack in a temporary file in `dir` (removed if never finished).
    fn create(dir: &Path, hash: gix::hash::Kind) -> Result<Self, StoreError> {
        let file = tempfile::tempfile_in(dir).map_err(io_failed)?;
        let mut out = BufWriter::new(file);
        // The count is not known yet; `finish` writes it.
        out.write_all(&pack::data::header::encode(pack::data::Version::V2, 0))
            .map_err(io_failed)?;
        Ok(PackStream {
            out,
            hash,
            count: 0,
            written: HashSet::new(),
        })
    }

    /// Serialise `object` and append it; its id.
    fn write_object(&mut self, object: &impl WriteTo) -> Result<ObjectId, StoreError> {
        let mut data = Vec::with_capacity(object.size() as usize);
        object
            .write_to(&mut data)
            .map_err(|e| git_err("cannot serialise an object", e))?;
        self.write(object.kind(), &data)
    }

    /// Append the object of `kind` with `data` (an object already in this
    /// pack is not written again); its id.
    fn write(&mut self, kind: gix::objs::Kind, data: &[u8]) -> Result<ObjectId, StoreError> {
        let id = gix::objs::compute_hash(self.hash, kind, data)
            .map_err(|e| git_err("cannot hash an object", e))?;
        if !self.written.insert(id) {
            return Ok(id);
        }
        self.count = self
            .count
            .checked_add(1)
            .ok_or_else(|| io_failed(std::io::Error::other("more than 2^32 - 1 objects")))?;
        let entry = pack::data::output::Entry::from_data(
            &pack::data::output::Count::from_data(id, None),
            &gix::objs::Data::new(data, kind, self.hash),
            gix::zlib::Compression::DEFAULT,
        )
        .map_err(|e| git_err("cannot compress an object", e))?;
        let header = match kind {
            gix::objs::Kind::Commit => pack::data::entry::Header::Commit,
            gix::objs::Kind::Tree => pack::data::entry::Header::Tree,
            gix::objs::Kind::Blob => pack::data::entry::Header::Blob,
            gix::objs::Kind::Tag => pack::data::entry::Header::Tag,
        };
        header
            .write_to(data.len() as u64, &mut self.out)
            .and_then(|_| self.out.write_all(&entry.compressed_data))
            .map_err(io_failed)?;
        Ok(id)
    }

    /// Write the object count into the header and the checksum (of every
    /// byte before it) after the last object; the finished pack, read from
    /// its start.
    fn finish(self) -> Result<File, StoreError> {
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io_failed(e.into_error()))?;
        let header = pack::data::header::encode(pack::data::Version::V2, self.count);
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&header))
            .and_then(|()| file.rewind())
            .map_err(io_failed)?;
        let mut hasher = gix::hash::hasher(self.hash);
        let mut buf = vec![0; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(io_failed)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let checksum = hasher
            .try_finalize()
            .map_err(|e| git_err("cannot hash a pack", e))?;
        // The reads above left the file at its end.
        file.write_all(checksum.as_slice())
            .and_then(|()| file.rewind())
            .map_err(io_failed)?;
        Ok(file)
    }
}

fn io_failed(e: std::io::Error) -> StoreError {
    git_err("cannot write a pack", e)
}

/// Index the finished pack `file` (objects hashed with `hash`) and move it and its index into `dir`
/// (`objects/pack`). Returns the pack's `.keep` file, which the caller
/// removes once the objects are referenced (`None` when an identical pack
/// was already there).
fn index_pack(
    file: File,
    dir: &Path,
    hash: gix::hash::Kind,
) -> Result<Option<PathBuf>, StoreError> {
    let outcome = pack::Bundle::write_to_directory(
        &mut BufReader::new(file),
        Some(dir),
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        None::<gix::objs::find::Never>,
        hash,
        pack::bundle::write::Options {
            thread_limit: Some(1),
            ..Default::default()
        },
    )
    .map_err(|e| git_err("cannot index a pack", e))?;
    Ok(outcome.keep_path)
}

/// How old a `.keep` or temporary file in `objects/pack` must be before
/// [`sweep_interrupted_packs`] takes it for a dead writer's: no import
/// batch takes an hour between writing its pack and moving the ref.
pub const STALE_PACK_FILE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Remove from the bare repository `git_dir` what a [`ScopeRepo::commit_packed`]
/// killed midway leaves in `objects/pack`: `.keep` files (which would stop
/// git from ever repacking or pruning their pack) and gix's temporary
/// `.tmp*` files, older than `age`. Returns how many were removed; a file
/// that cannot be removed is left for the next time.
pub fn sweep_interrupted_packs(git_dir: &std::path::Path, age: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(git_dir.join("objects/pack")) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".keep") || name.starts_with(".tmp")
        })
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|old| old >= age))
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(path: &str, text: &str) -> FileChange {
        FileChange::Upsert {
            path: path.to_owned(),
            bytes: text.as_bytes().into(),
        }
    }

    fn remove(path: &str) -> FileChange {
        FileChange::Remove {
            path: path.to_owned(),
        }
    }

    fn committed(outcome: CommitOutcome) -> ObjectId {
        match outcome {
            CommitOutcome::Committed(id) => id,
            CommitOutcome::Moved => panic!("nothing else writes here"),
        }
    }

    /// The same changes, committed as loose objects in one repository and
    /// as a pack in another, give the same trees, and git finds the packed
    /// repository whole: folders written one at a time come out as the
    /// editor of the whole tree makes them, emptied folders included.
    #[test]
    fn a_packed_commit_has_the_tree_a_loose_one_has() {
        let dir = tempfile::tempdir().unwrap();
        let loose = ScopeRepo::init(&dir.path().join("loose.git")).unwrap();
        let packed = ScopeRepo::init(&dir.path().join("packed.git")).unwrap();
        let signature = Signature {
            name: "t".into(),
            email: "t@t".into(),
            seconds: 0,
        };
        let steps = [
            vec![
                upsert(".kioku/scope.yaml", "format: 1"),
                upsert("obs/2026/01/02/b.md", "b"),
                upsert("obs/2026/01/02/a.md", "a"),
                upsert("obs/2025/12/31/y.md", "y"),
                upsert("obs/2026/01/02/ab/ab1.md", "fanned"),
                upsert("obs/2026/01/02.md", "a file beside a folder"),
                upsert("tomb/t.yaml", "t"),
            ],
            vec![
                // Empties 2025 and the whole year with it.
                remove("obs/2025/12/31/y.md"),
                upsert("obs/2026/01/02/a.md", "a, first"),
                upsert("obs/2026/01/02/a.md", "a, overwritten in the same commit"),
                upsert("obs/2026/01/03/c.md", "c"),
                remove("obs/2026/01/02/absent.md"),
                remove("tomb/t.yaml"),
                // A file becomes a folder; a removal under a file is none.
                upsert("obs/2026/01/02.md/inner.md", "inner"),
                remove(".kioku/scope.yaml/x"),
            ],
            vec![
                remove(".kioku/scope.yaml"),
                remove("obs/2026/01/02/a.md"),
                remove("obs/2026/01/02/b.md"),
                remove("obs/2026/01/02/ab/ab1.md"),
                remove("obs/2026/01/02.md"),
                remove("obs/2026/01/03/c.md"),
            ],
        ];
        let (mut loose_head, mut packed_head) = (None, None);
        for changes in steps {
            let l = committed(loose.commit(loose_head, &changes, "m", &signature).unwrap());
            let p = committed(
                packed
                    .commit_packed(packed_head, &changes, "m", &signature)
                    .unwrap(),
            );
            assert_eq!(loose.tree_of(l).unwrap().id, packed.tree_of(p).unwrap().id);
            // Same tree, same parent, same signature: the same commit.
            assert_eq!(l, p);
            (loose_head, packed_head) = (Some(l), Some(p));
            let fsck = std::process::Command::new("git")
                .arg("--git-dir")
                .arg(packed.path())
                .args(["fsck", "--strict", "--no-dangling"])
                .output()
                .unwrap();
            assert!(fsck.status.success(), "{fsck:?}");
        }
        // A name changed as a file and as a folder at once: refused,
        // nothing written, `main` where it was.
        let both = [upsert("a", "file"), upsert("a/b", "in a folder")];
        let err = packed
            .commit_packed(packed_head, &both, "m", &signature)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("'a' both as a file and as a folder"),
            "{err}"
        );
        assert_eq!(packed.head().unwrap(), packed_head);
        // The last commit removed everything: the empty tree, in the pack.
        let empty = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        assert_eq!(packed.tree_of(packed_head.unwrap()).unwrap().id, empty);
        let loose_objects = std::fs::read_dir(packed.path().join("objects"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().len() == 2)
            .count();
        assert_eq!(loose_objects, 0, "every object went into a pack");
    }

    #[test]
    fn only_old_keep_and_temporary_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("objects/pack");
        std::fs::create_dir_all(&pack).unwrap();
        let old =
            std::time::SystemTime::now() - STALE_PACK_FILE - std::time::Duration::from_secs(1);
        for name in [
            "pack-a.keep",
            ".tmp-x",
            "pack-a.pack",
            "pack-a.idx",
            "pack-b.keep",
        ] {
            let file = std::fs::File::create(pack.join(name)).unwrap();
            if name != "pack-b.keep" {
                file.set_modified(old).unwrap();
            }
        }
        assert_eq!(sweep_interrupted_packs(dir.path(), STALE_PACK_FILE), 2);
        let mut left: Vec<String> = std::fs::read_dir(&pack)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        // A fresh .keep may be a running import's.
        assert_eq!(left, ["pack-a.idx", "pack-a.pack", "pack-b.keep"]);
    }
}
