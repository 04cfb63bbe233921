//! `mem import`.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kioku_mesh::config::Flags;
use kioku_mesh::jsonl::{parse_record, Defaults};
use kioku_mesh::memory::ImportSource;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Import observations from another source.
///
/// jsonl: one JSON object per line with the front-matter field names plus
/// "body" (what `mem export` writes); missing fields take their defaults. A
/// record's "scope" is used when that scope exists here, unless --scope is
/// given. Every line is checked before anything is written: one bad line
/// stops the import with nothing imported. Observations already present are
/// skipped, so importing the same file twice adds nothing. Commits are made
/// in batches of a tenth of the import (1,000 to 50,000 observations).
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

fn read_jsonl(args: &ImportArgs, defaults: &Defaults) -> anyhow::Result<ImportSource> {
    let reader: Box<dyn BufRead> = if args.path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(&args.path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", args.path.display())))?,
        ))
    };
    let mut source = ImportSource::default();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| {
            anyhow::anyhow!(
                "{} line {}: {e}; nothing was imported",
                args.path.display(),
                n + 1
            )
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let (obs, scope) = parse_record(&line, defaults).map_err(|e| {
            UsageError(format!(
                "{} line {}: {e}; nothing was imported",
                args.path.display(),
                n + 1
            ))
        })?;
        // What `mem export` marks deleted is deleted here too.
        let deleted = serde_json::from_str::<serde_json::Value>(&line)
            .is_ok_and(|v| v["deleted"] == serde_json::Value::Bool(true));
        if deleted {
            source.tombstones.push((obs.id().into(), None));
        }
        source.records.push((
            obs,
            scope,
            format!("{} line {}", args.path.display(), n + 1),
        ));
    }
    Ok(source)
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
    let source = match args.from {
        Source::Jsonl => read_jsonl(&args, &defaults)?,
        Source::KiokuMesh => {
            let store =
                kioku_mesh::importers::kioku_mesh::read(&args.path, created, author, device)
                    .map_err(|e| UsageError(e.to_string()))?;
            let teams = mem.team_scopes();
            ImportSource::from_kioku_mesh(store, &teams)
        }
        Source::ClaudeMem => {
            let store =
                kioku_mesh::importers::claude_mem::read(&args.path, created, author, device)
                    .map_err(|e| UsageError(e.to_string()))?;
            ImportSource::from_claude_mem(store)
        }
    };
    let bar = ui.progress(source.records.len() as u64, args.json, "importing");
    let result = mem.import(
        source,
        args.scope.as_deref(),
        args.allow_secrets,
        |done, _| bar.set_position(done as u64),
    );
    bar.finish_and_clear();
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
