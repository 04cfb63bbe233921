//! Fetching a Model2Vec model from its public home: the three files of a
//! Hugging Face model repository (`{base}/{name}/resolve/main/{file}`),
//! over the https client git's transport uses (reqwest, rustls).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where models are fetched from unless told otherwise.
pub const DEFAULT_BASE: &str = "https://huggingface.co";

/// The model `mem model download` fetches when no name is given: 256
/// dimensions, 30k-token English WordPiece vocabulary, about 30 MB.
pub const DEFAULT_MODEL: &str = "minishlab/potion-base-8M";

/// The files of a Model2Vec model; `config.json` may be missing.
const FILES: [(&str, bool); 3] = [
    ("tokenizer.json", true),
    ("model.safetensors", true),
    ("config.json", false),
];

/// A download that failed.
#[derive(Debug, thiserror::Error)]
#[error("could not download {url}: {why} (check the model name, or fetch the files yourself and run `mem model set DIR`)")]
pub struct DownloadError {
    /// The URL.
    pub url: String,
    /// What went wrong.
    pub why: String,
}

/// Download model `name` from `base` into `dest` (created);
/// `progress(file, done, total)` as bytes arrive (total 0 when unknown).
///
/// # Errors
/// [`DownloadError`] naming the URL and the failure.
pub fn download(
    base: &str,
    name: &str,
    dest: &Path,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<PathBuf, DownloadError> {
    std::fs::create_dir_all(dest).map_err(|e| DownloadError {
        url: dest.display().to_string(),
        why: e.to_string(),
    })?;
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        // No total limit (a model is tens of MB): a read that waits
        // 60 s for any byte fails, as git's low-speed limit.
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| DownloadError {
            url: base.to_owned(),
            why: e.to_string(),
        })?;
    for (file, required) in FILES {
        let url = format!("{}/{name}/resolve/main/{file}", base.trim_end_matches('/'));
        let fail = |why: String| DownloadError {
            url: url.clone(),
            why,
        };
        let response = client.get(&url).send().map_err(|e| fail(why(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND && !required {
            continue;
        }
        if !status.is_success() {
            return Err(fail(format!(
                "the server answered HTTP {}",
                status.as_u16()
            )));
        }
        let target = dest.join(file);
        let partial = dest.join(format!("{file}.part"));
        let result = save(response, &partial, &mut |done, total| {
            progress(file, done, total)
        })
        .and_then(|()| std::fs::rename(&partial, &target));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&partial);
            return Err(fail(e.to_string()));
        }
    }
    Ok(dest.to_owned())
}

/// Copy `response`'s body into a new file at `path`, reporting
/// `progress(done, total)` in bytes (total 0 when the length is unknown).
fn save(
    mut response: reqwest::blocking::Response,
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> std::io::Result<()> {
    let total = response.content_length().unwrap_or(0);
    let mut out = std::fs::File::create(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut done = 0u64;
    loop {
        let n = response.read(&mut buf)?;
        if n == 0 {
            break;
        }
        out.write_all(&buf[..n])?;
        done += n as u64;
        progress(done, total);
    }
    out.sync_all()
}

/// reqwest's error in one lower-case phrase with its innermost cause
/// ("error sending request: connection refused").
fn why(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(last) = last {
        text = format!("{text}: {last}");
    }
    text
}
