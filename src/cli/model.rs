//! `mem model`: show, set, download or turn off the embedding model of
//! hybrid search (library side: `src/embed/` and `src/memory/hybrid.rs`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kioku_mesh::config::Flags;
use kioku_mesh::embed::download;

use super::{flush_notices, Ctx, Ui, UsageError};

/// Show or change the embedding model of hybrid search.
///
/// Without a model, search ranks by words (bm25). With a Model2Vec static
/// model (tokenizer.json + model.safetensors, e.g. minishlab/potion-base-8M)
/// it also ranks by meaning, so a question finds a memory that says the
/// same thing in other words. The model is read once into a compact cache
/// in the data directory; every observation's vector is computed into the
/// index (never into git). Without a subcommand: the current mode.
#[derive(Args, Debug)]
pub struct ModelArgs {
    #[command(subcommand)]
    command: Option<ModelCommand>,
    /// Print the result as JSON.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum ModelCommand {
    /// Show the search mode and the model in use.
    Show,
    /// Use the Model2Vec model in a local directory and compute every
    /// observation's vector with it.
    Set {
        /// A directory holding tokenizer.json and model.safetensors (and config.json).
        dir: PathBuf,
    },
    /// Download a Model2Vec model from Hugging Face and use it.
    Download {
        /// The model's Hugging Face name.
        #[arg(default_value = download::DEFAULT_MODEL)]
        name: String,
        /// Fetch from this base URL instead of https://huggingface.co
        /// (files at URL/NAME/resolve/main/FILE).
        #[arg(long, value_name = "URL", env = "MEM_MODEL_URL")]
        from: Option<String>,
    },
    /// Stop using the model: search by words only.
    Off,
}

pub fn run(ui: &mut Ui, ctx: &Ctx, args: ModelArgs) -> anyhow::Result<()> {
    let mut mem = ctx.mem(ui, &Flags::default())?;
    let json = args.json;
    match args.command.unwrap_or(ModelCommand::Show) {
        ModelCommand::Show => {}
        ModelCommand::Set { dir } => {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| dir.display().to_string());
            set(ui, &mut mem, &dir, &name, json)?;
        }
        ModelCommand::Download { name, from } => {
            if name.split('/').count() != 2 || name.contains("..") {
                return Err(UsageError(format!(
                    "'{name}' is not a Hugging Face model name: give OWNER/NAME, e.g. {}",
                    download::DEFAULT_MODEL
                ))
                .into());
            }
            let base = from.unwrap_or_else(|| download::DEFAULT_BASE.to_owned());
            let dest = kioku_mesh::embed::model_dir(mem.paths().data_dir())
                .join("downloads")
                .join(name.replace('/', "--"));
            let bar = ui.progress(0, json, "downloading");
            let dir = download::download(&base, &name, &dest, &mut |file, done, total| {
                bar.set_message(format!("{name}: {file}"));
                bar.set_length(total.max(done));
                bar.set_position(done);
            });
            bar.finish_and_clear();
            set(ui, &mut mem, &dir?, &name, json)?;
        }
        ModelCommand::Off => {
            let was = mem.model_off()?;
            flush_notices(ui, &mut mem);
            if !json {
                ui.line(if was {
                    "model off: search ranks by words only"
                } else {
                    "no model was set: search ranks by words only"
                })?;
                return Ok(());
            }
        }
    }
    let mode = mem.search_mode();
    flush_notices(ui, &mut mem);
    if json {
        return ui.json(&mode);
    }
    match (&mode.model, &mode.error) {
        (_, Some(e)) => ui.line(format!("search: lexical ({e})"))?,
        (Some(m), None) => ui.line(format!(
            "search: hybrid (bm25 + {}: {} tokenizer, {} tokens, {} dimensions; {} vectors in the index, {} bytes each; from {})",
            m.name,
            m.tokenizer,
            m.vocab,
            m.dim,
            mode.vectors,
            mode.vector_bytes / mode.vectors.max(1),
            m.source
        ))?,
        (None, None) => ui.line(
            "search: lexical (no embedding model; `mem model download` or `mem model set DIR` adds one)",
        )?,
    }
    Ok(())
}

fn set(
    ui: &mut Ui,
    mem: &mut kioku_mesh::Mem,
    dir: &std::path::Path,
    name: &str,
    json: bool,
) -> anyhow::Result<()> {
    let bar = ui.progress(0, json, "computing vectors");
    mem.set_model(dir, name, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    Ok(())
}
