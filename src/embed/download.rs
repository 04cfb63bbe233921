//! Fetching a Model2Vec model from its public home: the three files of a
//! Hugging Face model repository (`{base}/{name}/resolve/main/{file}`),
//! over libcurl (already linked for git's https transport).

use std::io::Write;
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
    for (file, required) in FILES {
        let url = format!("{}/{name}/resolve/main/{file}", base.trim_end_matches('/'));
        let fail = |why: String| DownloadError {
            url: url.clone(),
            why,
        };
        let target = dest.join(file);
        let partial = dest.join(format!("{file}.part"));
        let mut out = std::fs::File::create(&partial).map_err(|e| fail(e.to_string()))?;
        let mut easy = curl::easy::Easy::new();
        let setup = (|| {
            easy.url(&url)?;
            easy.follow_location(true)?;
            easy.fail_on_error(true)?;
            easy.progress(true)?;
            easy.connect_timeout(std::time::Duration::from_secs(20))?;
            easy.low_speed_limit(1)?;
            easy.low_speed_time(std::time::Duration::from_secs(60))
        })();
        setup.map_err(|e| fail(e.to_string()))?;
        let mut write_error = None;
        let result = {
            let mut transfer = easy.transfer();
            transfer
                .write_function(|data| {
                    if let Err(e) = out.write_all(data) {
                        write_error = Some(e);
                        return Ok(0);
                    }
                    Ok(data.len())
                })
                .map_err(|e| fail(e.to_string()))?;
            transfer
                .progress_function(|total, done, _, _| {
                    progress(file, done as u64, total as u64);
                    true
                })
                .map_err(|e| fail(e.to_string()))?;
            transfer.perform()
        };
        if let Some(e) = write_error {
            return Err(fail(e.to_string()));
        }
        match result {
            Ok(()) => {
                std::fs::rename(&partial, &target).map_err(|e| fail(e.to_string()))?;
            }
            Err(_) if !required && easy.response_code().unwrap_or(0) == 404 => {
                let _ = std::fs::remove_file(&partial);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                let code = easy.response_code().unwrap_or(0);
                return Err(fail(if code >= 400 {
                    format!("the server answered HTTP {code}")
                } else {
                    e.description().to_lowercase()
                }));
            }
        }
    }
    Ok(dest.to_owned())
}
