//! `mem import`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kioku_mesh::config::Flags;
use kioku_mesh::jsonl::{Defaults, JsonlFile};
use kioku_mesh::memory::{ImportRecords, ImportSource};

use super::{flush_notices, Ctx, Ui, UsageError};

/// Import observations from another source.
///
/// jsonl: one JSON object per line with the front-matter field names plus
/// "body" (what `mem export` writes); missing fields take their defaults. A
/// record's "scope" is used when that scope exists here, unless --scope is
/// given. Every line is checked before anything is written: one bad line
/// stops the import with nothing imported. Observations already present are
/// skipped, so importing the same file twice adds nothing. Commits are made
/// in batches of a tenth of the import (1,000 to 50,000 observations), each
/// written as one pack; when the scope then holds more than eight packs,
/// git consolidates them in the background once the import ends. The
/// file is read twice — checked whole, then committed batch by batch — so
/// memory holds one batch, not the import; standard input is first copied
/// to a temporary file in the data directory.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Source format.
    #[arg(long = "from", value_enum)]
    from: Source,
    /// File to read ('-' for standard input), or the other tool's store.
    path: PathBuf,
    /// Scope to import into (default: each record's scope, else default_scope).
    #[arg(long, short = 's')]
    scope: Option<String>,
    /// Import even if a record looks like it contains a secret.
    #[arg(long)]
    allow_secrets: bool,
    /// Print the counts as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Source {
    /// JSON lines, as written by `mem export --format jsonl`.
    Jsonl,
    /// A kioku-mesh store (--mode local): its raw.db, or the directory holding local/raw.db.
    KiokuMesh,
    /// claude-mem's database: claude-mem.db, or the directory holding it (~/.claude-mem).
    ClaudeMem,
}

/// Standard input copied to a temporary file in the data directory (removed
/// when dropped), since an import reads its source twice.
fn spool_stdin(dir: &std::path::Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut spool = tempfile::Builder::new()
        .prefix(".import-")
        .suffix(".jsonl")
        .tempfile_in(dir)
        .map_err(|e| anyhow::anyhow!("cannot spool standard input in {}: {e}", dir.display()))?;
    std::io::copy(&mut std::io::stdin().lock(), spool.as_file_mut()).map_err(|e| {
        anyhow::anyhow!(
            "cannot spool standard input in {}: {e}; nothing was imported",
            dir.display()
        )
    })?;
    Ok(spool)
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ImportArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    mem.ensure_initialised()?;
    let defaults = Defaults {
        created: kioku_mesh::time::now(),
        author: Some(mem.config().user_id.value.clone()),
        device: Some(mem.config().device.value.clone()),
    };
    let (created, author, device) = (
        defaults.created,
        defaults.author.clone(),
        defaults.device.clone(),
    );
    let mut spool = None;
    let mut source: Box<dyn ImportSource> = match args.from {
        Source::Jsonl => {
            let name = args.path.display().to_string();
            let path = if args.path.as_os_str() == "-" {
                spool
                    .insert(spool_stdin(mem.paths().data_dir())?)
                    .path()
                    .to_owned()
            } else {
                std::fs::File::open(&args.path)
                    .map_err(|e| UsageError(format!("cannot read {name}: {e}")))?;
                args.path.clone()
            };
            Box::new(JsonlFile::new(path, name, defaults))
        }
        Source::KiokuMesh => {
            let store =
                kioku_mesh::importers::kioku_mesh::read(&args.path, created, author, device)
                    .map_err(|e| UsageError(e.to_string()))?;
            let teams = mem.team_scopes();
            Box::new(ImportRecords::from_kioku_mesh(store, &teams))
        }
        Source::ClaudeMem => {
            let store =
                kioku_mesh::importers::claude_mem::read(&args.path, created, author, device)
                    .map_err(|e| UsageError(e.to_string()))?;
            Box::new(ImportRecords::from_claude_mem(store))
        }
    };
    let bar = ui.progress(0, args.json, "importing");
    let result = mem.import(
        source.as_mut(),
        args.scope.as_deref(),
        args.allow_secrets,
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    );
    bar.finish_and_clear();
    drop(spool);
    flush_notices(ui, &mut mem);
    let report = result?;
    if args.json {
        return ui.json(&report);
    }
    ui.line(format!(
        "imported {} observations ({} already present{}{}) in {} commits",
        report.imported,
        report.duplicates,
        if report.failed == 0 {
            String::new()
        } else {
            format!(", {} failed", report.failed)
        },
        if report.deleted == 0 {
            String::new()
        } else {
            format!(", {} deleted as in the source", report.deleted)
        },
        report.commits
    ))?;
    Ok(())
}
