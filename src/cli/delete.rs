//! `mem delete`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::store::short_id;

use super::{flush_notices, Ctx, Ui};

/// Delete an observation by writing a tombstone (who, when, why).
///
/// The observation stays in git history and can be shown with `--all`;
/// search and list hide it. Saving the same text again restores it.
#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Id or unique prefix.
    id: String,
    /// Why it is deleted (kept in the tombstone).
    #[arg(long, short = 'r')]
    reason: Option<String>,
    /// Delete only from this scope (default: every scope holding it).
    #[arg(long, short = 's')]
    scope: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: DeleteArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let result = mem.delete(&args.id, args.scope.as_deref(), args.reason);
    flush_notices(ui, &mut mem);
    let outcome = result?;
    if args.json {
        return ui.json(&outcome);
    }
    let id = short_id(&outcome.id);
    if !outcome.deleted_in.is_empty() {
        ui.line(format!(
            "deleted {id} from {}",
            outcome.deleted_in.join(", ")
        ))?;
    }
    if !outcome.already_deleted_in.is_empty() {
        ui.line(format!(
            "{id} was already deleted from {}",
            outcome.already_deleted_in.join(", ")
        ))?;
    }
    Ok(())
}
