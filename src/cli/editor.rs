//! Running the user's editor ($VISUAL, then $EDITOR, else vi) on a file, as
//! git does: through `sh -c`, so an editor given with arguments works.

use std::path::Path;

/// Open `path` in the user's editor and wait for it. `undone` names what is
/// not done when the editor fails (e.g. "saved").
pub fn edit_file(path: &Path, undone: &str) -> anyhow::Result<()> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|e| anyhow::anyhow!("cannot start the editor '{editor}': {e}"))?;
    if !status.success() {
        anyhow::bail!("the editor '{editor}' failed ({status}): nothing was {undone}");
    }
    Ok(())
}
