//! Where `mem` keeps its files. With `MEM_HOME` set everything lives under
//! it (`config.yaml`, `scopes/`, `index.sqlite`);
//! otherwise the platform's directories are used (XDG on Linux):
//! `~/.config/kioku-mesh/` for config, `~/.local/share/kioku-mesh/`
//! for scopes and the index.

use std::path::{Path, PathBuf};

/// The resolved directories of one installation.
#[derive(Debug, Clone)]
pub struct Paths {
    config_dir: PathBuf,
    data_dir: PathBuf,
}

/// Neither `MEM_HOME` nor a home directory is known.
#[derive(Debug, thiserror::Error)]
#[error("cannot find a home directory: set MEM_HOME to the directory mem should use")]
pub struct NoHome;

impl Paths {
    /// Resolve from the environment: `MEM_HOME` first, then the platform dirs.
    ///
    /// # Errors
    /// [`NoHome`] when neither is available.
    pub fn from_env() -> Result<Self, NoHome> {
        if let Some(home) = std::env::var_os("MEM_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::under(Path::new(&home)));
        }
        let config = dirs::config_dir().ok_or(NoHome)?;
        let data = dirs::data_dir().ok_or(NoHome)?;
        Ok(Paths {
            config_dir: config.join("kioku-mesh"),
            data_dir: data.join("kioku-mesh"),
        })
    }

    /// Everything under one directory (what `MEM_HOME` does).
    pub fn under(home: &Path) -> Self {
        Paths {
            config_dir: home.to_owned(),
            data_dir: home.to_owned(),
        }
    }

    /// Directory of `config.yaml`.
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    /// Directory of `scopes/` and `index.sqlite`.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The user config file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.yaml")
    }

    /// Passwords of scope remotes (`credentials.yaml`, 0600; see
    /// [`crate::remote::Credentials`]).
    pub fn credentials_file(&self) -> PathBuf {
        self.config_dir.join("credentials.yaml")
    }

    /// The directory holding one bare repository per scope.
    pub fn scopes_dir(&self) -> PathBuf {
        self.data_dir.join("scopes")
    }

    /// The search index.
    pub fn index_file(&self) -> PathBuf {
        self.data_dir.join("index.sqlite")
    }
}
