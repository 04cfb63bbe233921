//! `mem get`.

use clap::Args;
use kioku_mesh::config::Flags;
use kioku_mesh::index::ObsRow;
use kioku_mesh::store::short_id;
use serde::Serialize;

use super::output::Summary;
use super::{flush_notices, Ctx, Ui};

/// Show one observation in full, by id or unique prefix (6+ hex characters).
///
/// Prints the observation file: YAML front matter and Markdown body.
#[derive(Args, Debug)]
pub struct GetArgs {
    /// Id or unique prefix.
    id: String,
    /// Print as a JSON object.
    #[arg(long)]
    json: bool,
}

/// The whole observation (`mem get --json`).
#[derive(Serialize)]
pub struct Full<'a> {
    #[serde(flatten)]
    pub summary: Summary<'a>,
    pub path: &'a str,
    pub files: &'a [String],
    pub supersedes: &'a [String],
    pub superseded_by: Vec<kioku_mesh::store::ObservationId>,
    pub session: Option<&'a str>,
    pub extra: serde_json::Value,
    pub body: &'a str,
}

pub fn full<'a>(
    row: &'a ObsRow,
    also_in: &'a [String],
    superseded_by: Vec<kioku_mesh::store::ObservationId>,
) -> Full<'a> {
    let extra = &row.obs.extra;
    Full {
        summary: Summary::of(row, also_in),
        path: &row.path,
        files: &row.obs.files,
        supersedes: &row.obs.supersedes,
        superseded_by,
        session: row.obs.session.as_deref(),
        extra: serde_json::to_value(extra).unwrap_or(serde_json::Value::Null),
        body: &row.obs.body,
    }
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: GetArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let result = mem.get(&args.id);
    flush_notices(ui, &mut mem);
    let kioku_mesh::memory::Fetched {
        row,
        also_in,
        superseded_by,
    } = result?;
    let row = &row;
    if args.json {
        return ui.json(&full(row, &also_in, superseded_by));
    }
    if row.deleted {
        ui.note(&format!(
            "{} is deleted from {}",
            short_id(&row.id),
            row.scope
        ));
    }
    if let Some(c) = &row.conflict {
        ui.warn(&format!(
            "{} competes in unresolved conflict {}: see `mem conflicts show {}`",
            short_id(&row.id),
            short_id(c),
            short_id(c)
        ));
    }
    if !superseded_by.is_empty() {
        let ids: Vec<&str> = superseded_by.iter().map(|s| short_id(s)).collect();
        ui.note(&format!(
            "{} is superseded by {}",
            short_id(&row.id),
            ids.join(", ")
        ));
    }
    let text = row.obs.render();
    ui.line(text.trim_end())?;
    Ok(())
}
