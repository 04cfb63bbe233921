//! `mem import`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kioku_mesh::config::Flags;
use kioku_mesh::jsonl::{parse_record, Defaults};
use kioku_mesh::memory::BatchOutcome;
use kioku_mesh::store::Observation;
use kioku_mesh::Mem;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Observations per commit when importing.
const BATCH: usize = 1000;

/// Import observations from another source.
///
/// jsonl: one JSON object per line with the front-matter field names plus
/// "body" (what `mem export` writes); missing fields take their defaults. A
/// record's "scope" is used when that scope exists here, unless --scope is
/// given. Every line is checked before anything is written: one bad line
/// stops the import with nothing imported. Observations already present are
/// skipped, so importing the same file twice adds nothing. Commits are made
/// in batches of 1000.
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

/// Observations read from a source, each with the scope it asks for and a
/// label for messages (`file line N`, `kioku-mesh id`).
struct Read {
    records: Vec<(Observation, Option<String>, String)>,
    /// Ids to delete after importing (the source's tombstones), with reasons.
    tombstones: Vec<(String, Option<String>)>,
    /// One sentence per record that could not be used.
    failed: Vec<String>,
}

fn read_jsonl(args: &ImportArgs, defaults: &Defaults) -> anyhow::Result<Read> {
    let reader: Box<dyn BufRead> = if args.path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(&args.path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", args.path.display())))?,
        ))
    };
    let mut records = Vec::new();
    let mut tombstones = Vec::new();
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
            tombstones.push((obs.id().into(), None));
        }
        records.push((
            obs,
            scope,
            format!("{} line {}", args.path.display(), n + 1),
        ));
    }
    Ok(Read {
        records,
        tombstones,
        failed: Vec::new(),
    })
}

fn read_kioku_mesh(mem: &Mem, args: &ImportArgs, defaults: &Defaults) -> anyhow::Result<Read> {
    let store = kioku_mesh::importers::kioku_mesh::read(
        &args.path,
        defaults.created,
        defaults.author.clone(),
        defaults.device.clone(),
    )
    .map_err(|e| UsageError(e.to_string()))?;
    let teams: Vec<String> = mem
        .scopes()
        .iter()
        .map(ToString::to_string)
        .filter(|s| s.starts_with("team/"))
        .collect();
    let records = store
        .records
        .into_iter()
        .map(|r| {
            // user: this user's machines; team: the team scope when there is
            // one; mesh and unset: the default scope.
            let scope = match r.visibility.as_str() {
                "user" => Some("user".to_owned()),
                "team" if teams.len() == 1 => Some(teams[0].clone()),
                _ => None,
            };
            (r.obs, scope, format!("kioku-mesh {}", r.kioku_id))
        })
        .collect();
    Ok(Read {
        records,
        tombstones: store.tombstones,
        failed: store.failed,
    })
}

fn read_claude_mem(args: &ImportArgs, defaults: &Defaults) -> anyhow::Result<Read> {
    let store = kioku_mesh::importers::claude_mem::read(
        &args.path,
        defaults.created,
        defaults.author.clone(),
        defaults.device.clone(),
    )
    .map_err(|e| UsageError(e.to_string()))?;
    let records = store
        .observations
        .into_iter()
        .map(|o| {
            let label = format!("claude-mem '{}'", o.title);
            (o, None, label)
        })
        .collect();
    Ok(Read {
        records,
        tombstones: Vec::new(),
        failed: store.failed,
    })
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ImportArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    mem.ensure_initialised()?;
    let defaults = Defaults {
        created: kioku_mesh::time::now(),
        author: Some(mem.config().user_id.value.clone()),
        device: Some(mem.config().device.value.clone()),
    };
    let read = match args.from {
        Source::Jsonl => read_jsonl(&args, &defaults)?,
        Source::KiokuMesh => read_kioku_mesh(&mem, &args, &defaults)?,
        Source::ClaudeMem => read_claude_mem(&args, &defaults)?,
    };
    for f in &read.failed {
        ui.warn(&format!("not imported: {f}"));
    }
    let forced = args.scope.as_deref().map(|s| mem.scope(s)).transpose()?;
    let default_scope = mem.scope(&mem.config().default_scope.value.clone())?;
    let mut by_scope: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (mut obs, scope, label) in read.records {
        kioku_mesh::memory::gate::clean(&mut obs);
        let target = match (&forced, scope) {
            (Some(f), _) => f.clone(),
            (None, Some(s)) => mem.scope(&s).unwrap_or_else(|_| default_scope.clone()),
            (None, None) => default_scope.clone(),
        };
        if !args.allow_secrets {
            if let Some(kind) = kioku_mesh::memory::gate::find_secret(&obs) {
                if !mem.scope_meta(&target)?.encrypted {
                    return Err(UsageError(format!(
                        "{label}: the text looks like it contains a secret ({kind}); scope '{target}' is not encrypted, so nothing was imported: remove it or pass --allow-secrets"
                    ))
                    .into());
                }
                ui.warn(&format!(
                    "{label}: the text looks like it contains a secret ({kind}); it is imported encrypted into scope '{target}', readable by every recipient of the scope"
                ));
            }
        }
        by_scope.entry(target.to_string()).or_default().push(obs);
    }
    let total: usize = by_scope.values().map(Vec::len).sum();
    let bar = ui.progress(total as u64, args.json, "importing");
    let mut sum = BatchOutcome::default();
    let mut offset = 0;
    for (scope, observations) in by_scope {
        let scope = mem.scope(&scope)?;
        let n = observations.len();
        let out = mem.import_batch(&scope, observations, BATCH, |done| {
            bar.set_position((offset + done) as u64)
        })?;
        offset += n;
        sum.imported += out.imported;
        sum.duplicates += out.duplicates;
        sum.commits += out.commits;
    }
    bar.finish_and_clear();
    let mut deleted = 0;
    for (id, reason) in read.tombstones {
        let out = mem.delete(&id, None, reason)?;
        deleted += usize::from(!out.deleted_in.is_empty());
    }
    flush_notices(ui, &mut mem);
    if args.json {
        return ui.json(&serde_json::json!({
            "imported": sum.imported,
            "duplicates": sum.duplicates,
            "failed": read.failed.len(),
            "deleted": deleted,
            "commits": sum.commits,
        }));
    }
    ui.line(format!(
        "imported {} observations ({} already present{}{}) in {} commits",
        sum.imported,
        sum.duplicates,
        if read.failed.is_empty() {
            String::new()
        } else {
            format!(", {} failed", read.failed.len())
        },
        if deleted == 0 {
            String::new()
        } else {
            format!(", {deleted} deleted as in the source")
        },
        sum.commits
    ))?;
    Ok(())
}
