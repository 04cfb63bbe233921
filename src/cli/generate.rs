//! `mem generate-docs` (hidden): render man pages and shell completions from
//! the clap definition into `DIR/man` and `DIR/completions`. The checked-in
//! copies are compared with a fresh rendering by the test suite.

use std::path::{Path, PathBuf};

use clap::Args;
use clap_complete::Shell;

use super::Ui;

/// Render man pages and completions.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Directory to write `man/` and `completions/` into.
    #[arg(long)]
    out: PathBuf,
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

fn man_pages(cmd: &clap::Command, prefix: &str, dir: &Path) -> anyhow::Result<()> {
    let name = if prefix.is_empty() {
        cmd.get_name().to_owned()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    };
    let page = cmd
        .clone()
        .name(name.clone())
        .bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    write(&dir.join(format!("{name}.1")), &buf)?;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        man_pages(sub, &name, dir)?;
    }
    Ok(())
}

pub fn run(ui: &mut Ui, args: &GenerateArgs) -> anyhow::Result<()> {
    let mut cmd = super::command();
    cmd.build();
    man_pages(&cmd, "", &args.out.join("man"))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut super::command(), "mem", &mut buf);
        let file = match shell {
            Shell::Bash => "mem.bash",
            Shell::Zsh => "_mem",
            Shell::Fish => "mem.fish",
            Shell::Elvish => "mem.elv",
            Shell::PowerShell => "_mem.ps1",
            _ => unreachable!("only the shells above"),
        };
        write(&args.out.join("completions").join(file), &buf)?;
    }
    ui.line(format!(
        "wrote man/ and completions/ under {}",
        args.out.display()
    ))?;
    Ok(())
}
