//! `mem edit`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::memory::SaveStatus;
use kioku_mesh::store::{short_id, Observation};

use super::{flush_notices, Ctx, Ui};

/// Edit an observation in $VISUAL or $EDITOR; the result is saved as a new
/// observation that supersedes the old one.
///
/// Observations are immutable: the old version stays in history and is
/// shown by `mem log ID` and with `--all`. Leaving the file unchanged saves
/// nothing.
#[derive(Args, Debug)]
pub struct EditArgs {
    /// Id or unique prefix.
    id: String,
    /// Save even if the text looks like it contains a secret.
    #[arg(long)]
    allow_secrets: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: EditArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let rows = mem.resolve(&args.id);
    flush_notices(ui, &mut mem);
    let rows = rows?;
    let row = rows.iter().find(|r| r.is_live()).unwrap_or(&rows[0]);
    let old = row.obs.clone();
    let original = old.render();

    let dir = tempfile::Builder::new().prefix("mem-edit-").tempdir()?;
    let path = dir.path().join(format!("{}.md", short_id(&row.id)));
    std::fs::write(&path, &original)?;
    let editor = editor();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|e| anyhow::anyhow!("cannot start the editor '{editor}': {e}"))?;
    if !status.success() {
        anyhow::bail!("the editor '{editor}' failed ({status}): nothing was saved");
    }
    let edited = std::fs::read(&path)?;
    if edited == original.as_bytes() {
        ui.note("no changes: nothing saved");
        return Ok(());
    }
    let keep = |reason: String| -> anyhow::Error {
        let kept = dir.path().to_owned();
        let _ = std::mem::ManuallyDrop::new(dir);
        anyhow::anyhow!(
            "{reason}; nothing was saved and your text is kept at {}",
            kept.join(format!("{}.md", short_id(&row.id))).display()
        )
    };
    let mut new = match Observation::parse(&edited) {
        Ok(o) => o,
        Err(e) => return Err(keep(format!("the edited file cannot be read: {e}"))),
    };
    if new.id() == old.id() {
        ui.note("no changes to the content: nothing saved");
        return Ok(());
    }
    new.created = kioku_mesh::time::now();
    new.author = Some(mem.config().user_id.value.clone());
    new.device = Some(mem.config().device.value.clone());
    new.supersedes.push(row.id.clone());
    let scope = mem.scope(&row.scope)?;
    let result = mem.save_observation(&scope, new, args.allow_secrets);
    flush_notices(ui, &mut mem);
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return Err(keep(e.to_string())),
    };
    if args.json {
        return ui.json(&outcome);
    }
    let verb = match outcome.status {
        SaveStatus::Saved => "saved",
        SaveStatus::Unchanged => "already saved",
        SaveStatus::Restored => "restored",
    };
    ui.line(format!(
        "{verb} {} in {} (supersedes {})",
        short_id(&outcome.id),
        outcome.scope,
        outcome
            .supersedes
            .iter()
            .map(|s| short_id(s))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    Ok(())
}
