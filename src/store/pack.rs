//! Commits whose new objects go into one pack, for writes of thousands of
//! files at once (`mem import`).
//!
//! A commit through [`ScopeRepo::commit`] writes every new object as a loose
//! file. For a save that is seven files; for an import of a million
//! observations it is over two million, and creating that many files was
//! most of the import's time (`perf record`: ext4 inode allocation). Here
//! the objects are kept in memory through gix's object memory while the
//! trees and the commit are built, then written as one pack with its index
//! (`gix_pack`'s pack writer and indexer, the job of git's `fast-import`
//! and `index-pack`), and only then does `refs/heads/main` move: a reader
//! sees every object of the commit or not the commit. The pack is held by a
//! `.keep` file from before it appears until the ref has moved, so a
//! concurrent `git gc` cannot drop its objects in between.

use std::io::{BufReader, BufWriter, Seek, Write};
use std::sync::atomic::AtomicBool;

use gix::ObjectId;
use gix_pack as pack;

use super::repo::{git_err, CommitOutcome, FileChange, ScopeRepo, Signature};
use super::StoreError;

impl ScopeRepo {
    /// [`ScopeRepo::commit`], with the new objects (blobs, trees and the
    /// commit) written as one pack in `objects/pack` instead of as loose
    /// files. Holds the batch's objects in memory until the pack is
    /// written: about the size of `changes`.
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
        let mut staged = self.repo.clone().with_object_memory();
        let commit = self.write_commit(&staged, parent, changes, message, signature)?;
        let objects = staged
            .objects
            .take_object_memory()
            .map(|mut storage| {
                std::mem::take(&mut *storage)
                    .into_iter()
                    .map(|(id, (kind, data))| (id, kind, data))
                    .collect()
            })
            .unwrap_or_default();
        drop(staged);
        let keep = self.write_pack(objects)?;
        let moved = self.move_main(&commit, parent, message);
        // Referenced now, or never: either way the pack needs no keeping.
        if let Some(keep) = keep {
            let _ = std::fs::remove_file(keep);
        }
        moved
    }

    /// Write `objects` (id, kind, uncompressed data) as one pack and its
    /// index in `objects/pack`, through a temporary file there. Returns
    /// the pack's `.keep` file, which the caller removes once the objects
    /// are referenced (`None` when an identical pack was already there).
    fn write_pack(
        &self,
        mut objects: Vec<(ObjectId, gix::objs::Kind, Vec<u8>)>,
    ) -> Result<Option<std::path::PathBuf>, StoreError> {
        let failed = |what: &str| {
            let what = what.to_owned();
            move |e| git_err(&what, e)
        };
        let io_failed = |e: std::io::Error| git_err("cannot write a pack", e);
        let dir = self.path.join("objects/pack");
        // Commits and trees first, as git orders a pack, so the reads of a
        // later walk stay near the start.
        objects.sort_by_key(|(_, kind, _)| match kind {
            gix::objs::Kind::Commit => 0,
            gix::objs::Kind::Tree => 1,
            _ => 2,
        });
        let count = u32::try_from(objects.len()).map_err(|e| git_err("too many objects", e))?;
        let hash = self.repo.object_hash();
        let mut file = tempfile::tempfile_in(&dir).map_err(io_failed)?;
        {
            let entries = objects.iter().map(|(id, kind, data)| {
                let counted = pack::data::output::Count::from_data(*id, None);
                let object = gix::objs::Data::new(data, *kind, hash);
                pack::data::output::Entry::from_data(
                    &counted,
                    &object,
                    gix::zlib::Compression::DEFAULT,
                )
                .map(|entry| vec![entry])
            });
            let mut writer = pack::data::output::bytes::FromEntriesIter::new(
                entries,
                BufWriter::new(&mut file),
                count,
                pack::data::Version::V2,
                hash,
            );
            for written in &mut writer {
                written.map_err(failed("cannot write a pack"))?;
            }
            writer.into_write().flush().map_err(io_failed)?;
        }
        drop(objects);
        file.rewind().map_err(io_failed)?;
        let outcome = pack::Bundle::write_to_directory(
            &mut BufReader::new(file),
            Some(&dir),
            &mut gix::progress::Discard,
            &AtomicBool::new(false),
            None::<gix::objs::find::Never>,
            hash,
            pack::bundle::write::Options {
                thread_limit: Some(1),
                ..Default::default()
            },
        )
        .map_err(failed("cannot index a pack"))?;
        Ok(outcome.keep_path)
    }
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
