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
    /// its index cannot be written (a full disk: nothing is referenced,
    /// and the next `git gc` removes what was written).
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
