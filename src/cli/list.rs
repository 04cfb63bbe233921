//! `mem list`.

use clap::Args;

use super::filter::FilterArgs;
use super::output::{human_line, Summary};
use super::{flush_notices, Ctx, Ui};

/// List observations, newest first.
///
/// Takes the same filters as `mem search`. By default: live observations of
/// the current project and project-less ones.
#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Print results as a JSON array.
    #[arg(long)]
    json: bool,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &args.filter.flags())?;
    let filter = args.filter.filter(&mem)?;
    let result = mem.list(&filter);
    flush_notices(ui, &mut mem);
    let hits = result?;
    if args.json {
        let out: Vec<Summary> = hits.iter().map(Summary::of_hit).collect();
        return ui.json(&out);
    }
    for hit in &hits {
        let line = human_line(ui, &hit.row);
        ui.line(line)?;
    }
    Ok(())
}
