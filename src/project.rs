//! Project identity: the normalised `origin` URL of the git repository the
//! command runs in, so `git@github.com:acme/api.git`,
//! `ssh://git@github.com:22/acme/api` and `https://github.com/acme/api` are
//! all `github.com/acme/api`.

use std::path::{Path, PathBuf};

/// Normalise a git remote URL to `host/path`: scheme, user, port, a trailing
/// `.git` and slashes are dropped and the host is lower-cased. Local paths
/// (`/srv/git/api.git`, `file:///srv/git/api`) become `local/srv/git/api`.
/// Returns `None` for an empty URL.
pub fn normalize_remote_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            ("local".to_owned(), rest.to_owned())
        } else {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let host = strip_port(host);
            (host.to_ascii_lowercase(), path.to_owned())
        }
    } else if url.starts_with('/') || url.starts_with('.') {
        ("local".to_owned(), url.to_owned())
    } else if let Some((authority, path)) = url.split_once(':') {
        // scp-like syntax: [user@]host:path
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        (host.to_ascii_lowercase(), path.to_owned())
    } else {
        ("local".to_owned(), url.to_owned())
    };
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if host.is_empty() && path.is_empty() {
        return None;
    }
    Some(if path.is_empty() {
        host
    } else {
        format!("{host}/{path}")
    })
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The git directory of the work tree containing `start`, following a
/// `.git` file (worktrees, submodules) to its `commondir` when there is one.
pub fn find_git_dir(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Some(dot_git);
        }
        if dot_git.is_file() {
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            let git_dir = dir.join(target);
            if let Ok(common) = std::fs::read_to_string(git_dir.join("commondir")) {
                return Some(git_dir.join(common.trim()));
            }
            return Some(git_dir);
        }
    }
    None
}

/// The project identity of the repository containing `cwd`: its normalised
/// `remote.origin.url`, or `None` outside a repository or without an origin.
pub fn detect(cwd: &Path) -> Option<String> {
    let git_dir = find_git_dir(cwd)?;
    let config = gix::config::File::from_path_no_includes(
        git_dir.join("config"),
        gix::config::Source::Local,
    )
    .ok()?;
    let url = config.string("remote.origin.url")?;
    normalize_remote_url(&String::from_utf8_lossy(&url))
}

#[cfg(test)]
mod tests {
    use super::normalize_remote_url as n;

    #[test]
    fn remote_urls_normalise_to_host_and_path() {
        let want = Some("github.com/acme/api".to_owned());
        for url in [
            "git@github.com:acme/api.git",
            "https://github.com/acme/api",
            "https://github.com/acme/api.git/",
            "ssh://git@github.com:22/acme/api.git",
            "ssh://git@GitHub.com/acme/api",
            "git://github.com/acme/api.git",
            "https://user:token@github.com/acme/api",
        ] {
            assert_eq!(n(url), want, "{url}");
        }
        assert_eq!(n("/srv/git/api.git").as_deref(), Some("local/srv/git/api"));
        assert_eq!(
            n("file:///srv/git/api").as_deref(),
            Some("local/srv/git/api")
        );
        assert_eq!(n(""), None);
    }
}
