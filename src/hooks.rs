//! Installing `mem`'s block into a git hook script: the block is delimited
//! by marker lines, so installing twice changes nothing and uninstalling
//! removes exactly what was added, leaving the rest of the script alone.

use std::path::{Path, PathBuf};

/// First line of the block `mem` owns in a hook script.
pub const BEGIN: &str = "# >>> kioku-mesh >>>";
/// Last line of the block.
pub const END: &str = "# <<< kioku-mesh <<<";

/// The pre-push block: sync in the background, detached from the push,
/// output discarded, so the push is never slowed or failed by it.
pub fn pre_push_block(mem: &Path) -> String {
    let exe = mem.display().to_string().replace('\'', "'\\''");
    format!(
        "{BEGIN}\n# Sync mem's scopes in the background; never blocks or fails the push.\n( '{exe}' sync --quiet </dev/null >/dev/null 2>&1 & ) || true\n{END}\n"
    )
}

/// `script` with `block` added after its `#!` line (a new script gets
/// `#!/bin/sh`), or `None` when a block is there already.
pub fn with_block(script: Option<&str>, block: &str) -> Option<String> {
    match script {
        Some(s) if s.contains(BEGIN) => None,
        // Right after the `#!` line: a script may end in `exit`, and the
        // block is backgrounded and cannot fail, so running first is safe.
        Some(s) => Some(match s.strip_prefix("#!") {
            Some(_) => {
                let (shebang, rest) = s.split_once('\n').unwrap_or((s, ""));
                format!("{shebang}\n{block}{rest}")
            }
            None => format!("{block}{s}"),
        }),
        None => Some(format!("#!/bin/sh\n{block}")),
    }
}

/// `script` without `mem`'s block, or `None` when there is none. A script
/// left with only its `#!` line is returned empty (the caller removes it).
pub fn without_block(script: &str) -> Option<String> {
    let start = script.find(BEGIN)?;
    let end = script[start..].find(END).map(|i| start + i + END.len())?;
    let end = if script[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    let rest = format!("{}{}", &script[..start], &script[end..]);
    if rest.trim().lines().all(|l| l.starts_with("#!")) {
        return Some(String::new());
    }
    Some(rest)
}

/// The hooks directory of the git repository containing `cwd`: its
/// `core.hooksPath` when set, else `<git dir>/hooks`.
pub fn hooks_dir(cwd: &Path) -> Option<PathBuf> {
    let git_dir = crate::project::find_git_dir(cwd)?;
    let config = gix::config::File::from_path_no_includes(
        git_dir.join("config"),
        gix::config::Source::Local,
    )
    .ok();
    if let Some(path) = config.as_ref().and_then(|c| c.string("core.hooksPath")) {
        let p = PathBuf::from(String::from_utf8_lossy(&path).into_owned());
        let top = git_dir.parent().unwrap_or(&git_dir).to_owned();
        return Some(if p.is_absolute() { p } else { top.join(p) });
    }
    Some(git_dir.join("hooks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_is_idempotent_and_uninstall_restores() {
        let block = pre_push_block(Path::new("/usr/bin/mem"));
        let fresh = with_block(None, &block).unwrap();
        assert!(fresh.starts_with("#!/bin/sh\n") && fresh.contains("sync --quiet"));
        assert_eq!(with_block(Some(&fresh), &block), None);
        assert_eq!(without_block(&fresh), Some(String::new()));
        let theirs = "#!/bin/bash\necho checks\n";
        let both = with_block(Some(theirs), &block).unwrap();
        assert_eq!(without_block(&both).as_deref(), Some(theirs));
        assert_eq!(without_block(theirs), None);
    }
}
