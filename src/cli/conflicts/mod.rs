//! `mem conflicts`: list, show and resolve merge records.

use std::io::Write;

use clap::{Args, Subcommand};
use kioku_mesh::config::Flags;
use kioku_mesh::index::{ConflictRow, ObsRow};
use kioku_mesh::memory::Resolve;
use kioku_mesh::store::{short_id, Observation};
use kioku_mesh::Mem;

use super::{flush_notices, ConflictsPending, Ctx, Ui, UsageError};

/// List, show and resolve merge records: concurrent edits that `mem sync`
/// found (two edits of one observation, two observations with one key, an
/// edit of a deleted observation). Exits 3 while any is unresolved.
#[derive(Args, Debug)]
pub struct ConflictsArgs {
    #[command(subcommand)]
    command: Option<ConflictsCommand>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum ConflictsCommand {
    /// List merge records (unresolved ones unless --all).
    List {
        /// Resolved records too.
        #[arg(long)]
        all: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a record: every competing version and a diff of the first two.
    Show {
        /// Conflict id or unique prefix.
        id: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Resolve a record with one commit, which syncs like any other.
    Resolve(ResolveArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("how").required(true).args(["keep", "keep_all", "edit", "merge_command"])))]
struct ResolveArgs {
    /// Conflict id or unique prefix.
    id: String,
    /// Keep this competitor; the others are deleted (tombstones).
    #[arg(long, value_name = "OBS")]
    keep: Option<String>,
    /// Keep every competitor.
    #[arg(long)]
    keep_all: bool,
    /// Edit a merge of all versions in $VISUAL/$EDITOR; the result supersedes them all.
    #[arg(long)]
    edit: bool,
    /// Pipe all versions to CMD (run with sh -c); its output, as Markdown,
    /// is saved superseding them all.
    #[arg(long, value_name = "CMD")]
    merge_command: Option<String>,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ConflictsArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    match args.command {
        None => list(ui, &mut mem, false, args.json),
        Some(ConflictsCommand::List { all, json }) => list(ui, &mut mem, all, json || args.json),
        Some(ConflictsCommand::Show { id, json }) => show(ui, &mut mem, &id, json || args.json),
        Some(ConflictsCommand::Resolve(r)) => resolve(ui, &mut mem, r, args.json),
    }
}

fn list(ui: &mut Ui, mem: &mut Mem, all: bool, json: bool) -> anyhow::Result<()> {
    let rows = mem.conflicts(all);
    flush_notices(ui, mem);
    let rows = rows?;
    if json {
        ui.json(&rows)?;
    } else if rows.is_empty() {
        ui.note("no unresolved conflicts");
    }
    if !json {
        for c in &rows {
            let titles: Vec<String> = c.competitors.iter().map(|id| title_of(mem, id)).collect();
            ui.line(format!(
                "{}  {:<11} {:<8} {}{}",
                short_id(&c.id),
                c.kind,
                c.scope,
                titles.join("  |  "),
                if c.resolved { "  [resolved]" } else { "" }
            ))?;
        }
    }
    let open = rows.iter().filter(|c| !c.resolved).count();
    if open > 0 {
        return Err(ConflictsPending(format!(
            "{open} unresolved conflict(s): see `mem conflicts show ID`, then `mem conflicts resolve ID --keep OBS | --keep-all | --edit | --merge-command CMD`"
        ))
        .into());
    }
    Ok(())
}

fn title_of(mem: &mut Mem, id: &str) -> String {
    let title = mem
        .rows_of(id)
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .map(|r| r.obs.title)
        .unwrap_or_else(|| "(not here)".into());
    format!("{} {title}", short_id(id))
}

fn versions(mem: &mut Mem, c: &ConflictRow) -> anyhow::Result<Vec<ObsRow>> {
    let mut out = Vec::new();
    for id in &c.competitors {
        if let Some(row) = mem.rows_of(id)?.into_iter().find(|r| r.scope == c.scope) {
            out.push(row);
        }
    }
    Ok(out)
}

fn show(ui: &mut Ui, mem: &mut Mem, id: &str, json: bool) -> anyhow::Result<()> {
    let c = mem.conflict(id);
    flush_notices(ui, mem);
    let c = c?;
    let versions = versions(mem, &c)?;
    if json {
        let v: Vec<_> = versions
            .iter()
            .map(|r| super::get::full(r, &[], Vec::new()))
            .collect();
        return ui.json(&serde_json::json!({"conflict": c, "versions": v}));
    }
    ui.line(format!(
        "conflict {} ({}) in {}{}{}",
        short_id(&c.id),
        c.kind,
        c.scope,
        c.base
            .as_deref()
            .map(|b| format!(", over {}", short_id(b)))
            .unwrap_or_default(),
        c.key
            .as_deref()
            .map(|k| format!(", key {k}"))
            .unwrap_or_default()
    ))?;
    for r in &versions {
        ui.line(format!(
            "\n== {}  {} on {} at {}{}",
            short_id(&r.id),
            r.obs.author.as_deref().unwrap_or("?"),
            r.obs.device.as_deref().unwrap_or("?"),
            kioku_mesh::time::format(r.obs.created),
            if r.deleted { "  [deleted]" } else { "" }
        ))?;
        ui.line(r.obs.render().trim_end())?;
    }
    if let [a, b, ..] = versions.as_slice() {
        let (ta, tb) = (a.obs.render(), b.obs.render());
        let diff = similar::TextDiff::from_lines(&ta, &tb);
        ui.line(format!(
            "\n== diff {} → {}",
            short_id(&a.id),
            short_id(&b.id)
        ))?;
        ui.line(
            diff.unified_diff()
                .context_radius(3)
                .header(short_id(&a.id), short_id(&b.id))
                .to_string()
                .trim_end(),
        )?;
    }
    Ok(())
}

/// The text offered for `--edit` and piped to `--merge-command`: every
/// version, newest first, each behind a Markdown comment naming it.
fn merged_text(versions: &[ObsRow]) -> String {
    let mut out = String::new();
    for r in versions.iter().rev() {
        out.push_str(&format!(
            "<!-- version {} ({} on {}) -->\n",
            short_id(&r.id),
            r.obs.author.as_deref().unwrap_or("?"),
            r.obs.device.as_deref().unwrap_or("?")
        ));
        out.push_str(&r.obs.body);
        out.push_str("\n\n");
    }
    out
}

fn new_observation(
    mem: &Mem,
    versions: &[ObsRow],
    body: String,
) -> anyhow::Result<Box<Observation>> {
    let newest = versions
        .iter()
        .max_by_key(|r| r.obs.created)
        .ok_or_else(|| anyhow::anyhow!("no version of this conflict is indexed here"))?;
    let mut obs = newest.obs.clone();
    for r in versions {
        obs.tags.extend(r.obs.tags.iter().cloned());
        obs.files.extend(r.obs.files.iter().cloned());
    }
    // What the editor or the merge command left of the markers
    // `merged_text` wrote is not memory: version comments and separator
    // lines go, and the title comes from the first line with words.
    obs.body = body
        .lines()
        .filter(|l| !(l.trim_start().starts_with("<!-- version ") && l.trim_end().ends_with("-->")))
        .collect::<Vec<_>>()
        .join("\n");
    let titled: Vec<&str> = obs
        .body
        .lines()
        .skip_while(|l| !l.chars().any(char::is_alphanumeric))
        .collect();
    obs.title = kioku_mesh::memory::default_title(&titled.join("\n"));
    obs.summary = None;
    obs.supersedes.clear();
    obs.created = kioku_mesh::time::now();
    obs.author = Some(mem.config().user_id.value.clone());
    obs.device = Some(mem.config().device.value.clone());
    obs.normalize();
    if obs.body.is_empty() {
        anyhow::bail!("the merged text is empty: nothing was resolved");
    }
    Ok(Box::new(obs))
}

fn resolve(ui: &mut Ui, mem: &mut Mem, args: ResolveArgs, json: bool) -> anyhow::Result<()> {
    let c = mem.conflict(&args.id);
    flush_notices(ui, mem);
    let c = c?;
    let how = if let Some(k) = args.keep {
        Resolve::Keep(k)
    } else if args.keep_all {
        Resolve::KeepAll
    } else {
        let versions = versions(mem, &c)?;
        let input = merged_text(&versions);
        let body = if args.edit {
            let dir = tempfile::Builder::new().prefix("mem-merge-").tempdir()?;
            let path = dir.path().join(format!("{}.md", short_id(&c.id)));
            std::fs::write(&path, &input)?;
            super::editor::edit_file(&path, "resolved")?;
            std::fs::read_to_string(&path)?
        } else {
            let cmd = args
                .merge_command
                .expect("clap requires one way to resolve");
            let mut child = std::process::Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| UsageError(format!("cannot run '{cmd}': {e}")))?;
            // A command that does not read its input closes the pipe early:
            // that is its business, not an error.
            if let Err(e) = child
                .stdin
                .take()
                .expect("piped")
                .write_all(input.as_bytes())
            {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
            }
            let out = child.wait_with_output()?;
            if !out.status.success() {
                anyhow::bail!("'{cmd}' failed ({}): nothing was resolved", out.status);
            }
            String::from_utf8(out.stdout).map_err(|_| {
                anyhow::anyhow!("'{cmd}' printed text that is not UTF-8: nothing was resolved")
            })?
        };
        Resolve::Replace(new_observation(mem, &versions, body)?)
    };
    let new_id = mem.resolve_conflict(&c.id, how)?;
    flush_notices(ui, mem);
    if json {
        return ui.json(&serde_json::json!({"conflict": c.id, "saved": new_id}));
    }
    match new_id {
        Some(id) => ui.line(format!(
            "resolved {}: saved {} superseding every version",
            short_id(&c.id),
            short_id(&id)
        ))?,
        None => ui.line(format!("resolved {}", short_id(&c.id)))?,
    }
    Ok(())
}
