//! `mem hook install|uninstall --client git-pre-push`: every `git push` in
//! a repository also runs `mem sync --quiet` in the background.

use kioku_mesh::hooks;

use crate::cli::{Ctx, Ui, UsageError};

/// Add (`install`) or remove mem's block in the repository's pre-push hook.
pub fn run(ui: &mut Ui, ctx: &Ctx, install: bool, dry_run: bool) -> anyhow::Result<()> {
    let dir = hooks::hooks_dir(&ctx.cwd).ok_or_else(|| {
        UsageError(
            "not inside a git repository: run this in the repository whose pushes should sync mem"
                .into(),
        )
    })?;
    let path = dir.join("pre-push");
    let current = super::read_optional(&path)?;
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the mem executable: {e}"))?;
    let next = if install {
        hooks::with_block(current.as_deref(), &hooks::pre_push_block(&exe))
    } else {
        current.as_deref().and_then(hooks::without_block)
    };
    let Some(next) = next else {
        ui.line(if install {
            format!("{} already runs mem sync: nothing to do", path.display())
        } else {
            format!("{} has no mem hook: nothing to do", path.display())
        })?;
        return Ok(());
    };
    if dry_run {
        return super::print_diff(ui, &path, current.as_deref().unwrap_or(""), &next);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    if let Some(old) = &current {
        let backup = dir.join("pre-push.mem-backup");
        if !backup.exists() {
            std::fs::write(&backup, old)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", backup.display()))?;
        }
    }
    if next.is_empty() {
        std::fs::remove_file(&path)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", path.display()))?;
        ui.line(format!("removed {}", path.display()))?;
        return Ok(());
    }
    let tmp = dir.join("pre-push.mem-tmp");
    std::fs::write(&tmp, &next)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&tmp, &path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    ui.line(if install {
        format!(
            "installed: every git push here now also runs `mem sync` in the background ({})",
            path.display()
        )
    } else {
        format!("removed mem's hook from {}", path.display())
    })?;
    Ok(())
}
