//! `mem edit`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::store::{short_id, Observation};

use super::output::save_line;
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
    super::editor::edit_file(&path, "saved")?;
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
    new.supersedes.push(row.id.to_string());
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
    ui.line(save_line(&outcome))?;
    Ok(())
}
