//! `mem export`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kioku_mesh::config::Flags;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Write observations out: JSON lines (to stdout or a file) or Markdown
/// files (one per observation, into a directory).
///
/// Everything is exported, superseded and deleted observations included
/// (marked in JSON by "superseded" and "deleted"). The JSON-lines output is
/// what `mem import --from jsonl` reads.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// File (jsonl; default stdout) or directory (markdown; required).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Only this scope (repeatable).
    #[arg(long = "scope", short = 's', value_name = "SCOPE")]
    scopes: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Markdown files with front matter: DIR/<scope>/obs/YYYY/MM/DD/<id>.md.
    Markdown,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ExportArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let mut scopes = Vec::new();
    for s in &args.scopes {
        scopes.push(mem.scope(s)?);
    }
    let rows = mem.export_rows(&scopes);
    flush_notices(ui, &mut mem);
    let rows = rows?;
    match args.format {
        Format::Jsonl => {
            let mut sink: Box<dyn Write> = match &args.output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let to_stdout = args.output.is_none();
            let wrap = |e: std::io::Error| -> anyhow::Error {
                if to_stdout {
                    super::ui::StdoutClosed(e).into()
                } else {
                    e.into()
                }
            };
            for row in &rows {
                let rec = kioku_mesh::jsonl::record(
                    &row.obs,
                    &row.id,
                    &row.scope,
                    row.superseded,
                    row.deleted,
                );
                serde_json::to_writer(&mut sink, &rec).map_err(|e| wrap(e.into()))?;
                sink.write_all(b"\n").map_err(wrap)?;
            }
            sink.flush().map_err(wrap)?;
            if let Some(path) = &args.output {
                ui.note(&format!(
                    "exported {} observations to {}",
                    rows.len(),
                    path.display()
                ));
            }
        }
        Format::Markdown => {
            let Some(dir) = &args.output else {
                return Err(UsageError(
                    "--format markdown writes one file per observation: give a directory with --output DIR".into(),
                )
                .into());
            };
            for row in &rows {
                // Encrypted files have opaque names, and a busy day's
                // files sit in prefix folders (src/store/layout.rs): write
                // them out under the flat name their plaintext has.
                let name = if kioku_mesh::crypto::is_encrypted_path(&row.path)
                    || kioku_mesh::store::layout::flat_day_path(&row.path).is_none()
                {
                    row.obs.path(&row.id)
                } else {
                    row.path.clone()
                };
                let path = dir.join(&row.scope).join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
                }
                std::fs::write(&path, row.obs.render())
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            }
            ui.note(&format!(
                "exported {} observations to {}",
                rows.len(),
                dir.display()
            ));
        }
    }
    Ok(())
}
