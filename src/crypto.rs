//! Encryption of private scopes with age (<https://age-encryption.org/v1>):
//! this device's identity, the recipient lists of `.kioku/recipients`, and
//! whole-file encryption and decryption.
//!
//! An identity is either an age X25519 identity file (`AGE-SECRET-KEY-1…`
//! lines, `#` comments, as `age-keygen` writes it) or an unencrypted OpenSSH
//! ed25519 or RSA private key (age's `ssh` recipient types). Files are age's
//! binary format, encrypted to every recipient of the scope at once; their
//! names in a scope tree are opaque ([`opaque_name`]).

mod scope_key;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use sha2::Digest;

pub use scope_key::{Key, RecipientsMac, ScopeKeys};

/// Errors of identities, recipients and decryption.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// No identity file where one is expected.
    #[error("there is no identity at {}: run `mem key init` to create one (or set `identity:` in config.yaml to an SSH key, or copy the identity of a device that can read)", .0.display())]
    NoIdentity(PathBuf),
    /// `mem key init` would overwrite an identity.
    #[error("an identity exists already at {}: mem never overwrites one (remove it yourself if you really mean to lose it)", .0.display())]
    IdentityExists(PathBuf),
    /// The identity file cannot be parsed or used.
    #[error("{}: {reason}", path.display())]
    BadIdentity {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A recipient string is not one age understands.
    #[error("'{0}' is not an age recipient: give an `age1…` key (from `mem key show`) or an `ssh-ed25519 …`/`ssh-rsa …` public key")]
    BadRecipient(String),
    /// The identity file cannot be read or written.
    #[error("{}: {error}{}", path.display(), crate::store::io_hint(error))]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// Encryption failed (no recipients, or an I/O error of the in-memory writer).
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// This identity cannot open the file (not a recipient, or not age at all).
    #[error("cannot be decrypted with this device's identity ({0})")]
    Decrypt(String),
}

/// The key this device decrypts with.
pub enum Identity {
    /// An age X25519 identity.
    X25519(age::x25519::Identity),
    /// An unencrypted OpenSSH ed25519 or RSA private key, with its public half.
    Ssh(Box<(age::ssh::Identity, age::ssh::Recipient)>),
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({})", self.recipient())
    }
}

impl Identity {
    /// Read the identity at `path`: an age identity file or an OpenSSH
    /// private key. A passphrase-protected SSH key is refused (hooks and
    /// cron cannot answer a prompt).
    ///
    /// # Errors
    /// [`CryptoError::NoIdentity`] when the file is missing,
    /// [`CryptoError::BadIdentity`] when it holds no usable key.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CryptoError::NoIdentity(path.to_owned()))
            }
            Err(error) => {
                return Err(CryptoError::Io {
                    path: path.to_owned(),
                    error,
                })
            }
        };
        let bad = |reason: &str| CryptoError::BadIdentity {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let text = String::from_utf8(bytes).map_err(|_| bad("not a text file"))?;
        if text.contains("-----BEGIN") {
            let identity =
                age::ssh::Identity::from_buffer(text.as_bytes(), Some(path.display().to_string()))
                    .map_err(|e| bad(&format!("not an SSH private key age can use ({e})")))?;
            return match identity {
                age::ssh::Identity::Unencrypted(_) => {
                    let recipient = age::ssh::Recipient::try_from(identity.clone())
                        .map_err(|e| bad(&format!("{e:?}")))?;
                    Ok(Identity::Ssh(Box::new((identity, recipient))))
                }
                age::ssh::Identity::Encrypted(_) => Err(bad(
                    "the SSH key is protected by a passphrase, which hooks and cron cannot type: use a key without one, or `mem key init` for an age identity",
                )),
                age::ssh::Identity::Unsupported(_) => Err(bad(
                    "this kind of SSH key is not supported: use an ed25519 or RSA key",
                )),
            };
        }
        let key = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or_else(|| bad("the file holds no key"))?;
        key.parse::<age::x25519::Identity>()
            .map(Identity::X25519)
            .map_err(|_| bad("not an age identity (AGE-SECRET-KEY-1…) nor an SSH private key"))
    }

    /// Create a new X25519 identity at `path` (mode 0600, parent
    /// directories as needed) in the format of `age-keygen`.
    ///
    /// # Errors
    /// [`CryptoError::IdentityExists`] when the file exists (never
    /// overwritten), [`CryptoError::Io`] when it cannot be written.
    pub fn generate(path: &Path, created: &str) -> Result<Self, CryptoError> {
        let io = |error| CryptoError::Io {
            path: path.to_owned(),
            error,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let key = age::x25519::Identity::generate();
        let text = format!(
            "# created: {created}\n# public key: {}\n{}\n",
            key.to_public(),
            key.to_string().expose_secret()
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CryptoError::IdentityExists(path.to_owned())
            } else {
                io(e)
            }
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io)?;
        Ok(Identity::X25519(key))
    }

    /// The public recipient others encrypt to (`age1…`, or the SSH public
    /// key without its comment).
    pub fn recipient(&self) -> String {
        match self {
            Identity::X25519(k) => k.to_public().to_string(),
            Identity::Ssh(k) => k.1.to_string(),
        }
    }

    /// Decrypt one age file.
    ///
    /// # Errors
    /// [`CryptoError::Decrypt`] when this identity is not among its
    /// recipients or the bytes are not an age file.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let fail = |e: &dyn std::fmt::Display| CryptoError::Decrypt(e.to_string());
        let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|e| fail(&e))?;
        let identity: &dyn age::Identity = match self {
            Identity::X25519(k) => k,
            Identity::Ssh(k) => &k.0,
        };
        let mut reader = decryptor
            .decrypt(std::iter::once(identity))
            .map_err(|e| fail(&e))?;
        let mut out = Vec::with_capacity(ciphertext.len());
        reader.read_to_end(&mut out).map_err(|e| fail(&e))?;
        Ok(out)
    }
}

/// One line of `.kioku/recipients`: a public key and the name it goes by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecipientEntry {
    /// `age1…`, `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…`.
    pub key: String,
    /// Who or which device it is (`# name` on its line); may be empty.
    pub name: String,
}

/// Check a recipient string and return it in canonical form (SSH keys
/// without their trailing comment).
///
/// # Errors
/// [`CryptoError::BadRecipient`].
pub fn parse_recipient(s: &str) -> Result<String, CryptoError> {
    let s = s.trim();
    if s.starts_with("age1") {
        return s
            .parse::<age::x25519::Recipient>()
            .map(|r| r.to_string())
            .map_err(|_| CryptoError::BadRecipient(s.to_owned()));
    }
    // "ssh-ed25519 AAAA… comment": age parses the first two fields.
    let two: Vec<&str> = s.split_whitespace().take(2).collect();
    two.join(" ")
        .parse::<age::ssh::Recipient>()
        .map(|r| r.to_string())
        .map_err(|_| CryptoError::BadRecipient(s.to_owned()))
}

/// The recipient list of an encrypted scope, as kept in
/// `.kioku/recipients`: one recipient per line, `KEY # name`; blank lines
/// and whole-line `#` comments are ignored. One recipient per line keeps
/// the file mergeable as a set of lines (see [`crate::sync`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// The entries, in file order.
    pub entries: Vec<RecipientEntry>,
}

impl Recipients {
    /// Parse the file. Lines that are not recipients are skipped (a broken
    /// line must not lock anyone out of the others).
    pub fn parse(text: &str) -> Self {
        let mut entries: Vec<RecipientEntry> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, name) = match line.split_once(" # ") {
                Some((k, n)) => (k.trim(), n.trim()),
                None => (line, ""),
            };
            if let Ok(key) = parse_recipient(key) {
                if !entries.iter().any(|e| e.key == key) {
                    entries.push(RecipientEntry {
                        key,
                        name: name.to_owned(),
                    });
                }
            }
        }
        Recipients { entries }
    }

    /// The file text, sorted by key so that every device writes the same
    /// bytes for the same set.
    pub fn render(&self) -> String {
        let mut entries = self.entries.clone();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        let mut out = String::from(
            "# age recipients of this scope: one per line, `KEY # name` (see `mem scope recipients`)\n",
        );
        for e in entries {
            if e.name.is_empty() {
                out.push_str(&format!("{}\n", e.key));
            } else {
                out.push_str(&format!("{} # {}\n", e.key, single_line(&e.name)));
            }
        }
        out
    }

    /// Whether `key` (canonical form) is listed.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Encrypt `plaintext` to every recipient.
    ///
    /// # Errors
    /// [`CryptoError::Encrypt`] when the list is empty.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut boxed: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
        for e in &self.entries {
            if e.key.starts_with("age1") {
                if let Ok(r) = e.key.parse::<age::x25519::Recipient>() {
                    boxed.push(Box::new(r));
                }
            } else if let Ok(r) = e.key.parse::<age::ssh::Recipient>() {
                boxed.push(Box::new(r));
            }
        }
        if boxed.is_empty() {
            return Err(CryptoError::Encrypt(
                "the scope has no recipients: add one with `mem scope recipients NAME add KEY`"
                    .into(),
            ));
        }
        let encryptor = age::Encryptor::with_recipients(boxed.iter().map(|r| r.as_ref() as _))
            .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
        let mut out = Vec::with_capacity(plaintext.len() + 200 * boxed.len());
        let mut writer = encryptor
            .wrap_output(&mut out)
            .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
        writer
            .write_all(plaintext)
            .and_then(|()| writer.finish().map(drop))
            .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
        Ok(out)
    }
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The file name of an encrypted file in a scope tree: 32 hex characters
/// of SHA-256 over the *ciphertext* (random per encryption, so the name
/// says nothing about the content, yet is stable for the bytes it names),
/// then `.age`.
pub fn opaque_name(ciphertext: &[u8]) -> String {
    let digest = sha2::Sha256::digest(ciphertext);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.age")
}

/// Whether a scope-tree path names an encrypted file.
pub fn is_encrypted_path(path: &str) -> bool {
    path.ends_with(".age")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_then_decrypt_with_each_recipient_and_not_others() {
        let dir = tempfile::tempdir().unwrap();
        let a = Identity::generate(&dir.path().join("a"), "now").unwrap();
        let b = Identity::generate(&dir.path().join("b"), "now").unwrap();
        let c = Identity::generate(&dir.path().join("c"), "now").unwrap();
        let text = format!(
            "{} # alice\n{} # bob laptop\n",
            a.recipient(),
            b.recipient()
        );
        let list = Recipients::parse(&text);
        assert_eq!(list.entries.len(), 2);
        assert_eq!(list.entries[1].name, "bob laptop");
        let sealed = list.encrypt(b"canary").unwrap();
        assert_eq!(a.decrypt(&sealed).unwrap(), b"canary");
        assert_eq!(b.decrypt(&sealed).unwrap(), b"canary");
        assert!(c.decrypt(&sealed).is_err());
        assert_eq!(Recipients::parse(&list.render()), {
            let mut l = list.clone();
            l.entries.sort_by(|x, y| x.key.cmp(&y.key));
            l
        });
    }

    #[test]
    fn identity_file_is_private_reloadable_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/identity.txt");
        let id = Identity::generate(&path, "now").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(Identity::load(&path).unwrap().recipient(), id.recipient());
        assert!(matches!(
            Identity::generate(&path, "now"),
            Err(CryptoError::IdentityExists(_))
        ));
        assert_eq!(Identity::load(&path).unwrap().recipient(), id.recipient());
    }

    #[test]
    fn names_are_opaque_and_recipients_checked() {
        let n = opaque_name(b"x");
        assert_eq!(n.len(), 36);
        assert!(is_encrypted_path(&format!("obs/2026/11/22/{n}")));
        assert!(parse_recipient("age1nope").is_err());
        assert!(parse_recipient("ssh-ed25519 AAAA").is_err());
    }
}
