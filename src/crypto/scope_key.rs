//! The scope key of an encrypted scope, and the MAC that authenticates its
//! recipient list (README, "Encrypted scopes": what the git host can and
//! cannot do).
//!
//! A scope key is 32 random bytes that only members hold: it is stored in
//! the scope as `.kioku/scope-key.age`, age-encrypted to the recipients, and
//! every change of `.kioku/recipients` carries `.kioku/recipients.mac`, an
//! HMAC-SHA256 made with it over the scope's name, a version counter and the
//! canonical list. The host can encrypt a key of its own to the (public)
//! recipients, so a device trusts a new key only when the encrypted file
//! also holds the key it already trusts: `.kioku/scope-key.age` holds the
//! whole chain of keys, oldest first, and a removal appends a fresh one
//! (which the removed member never sees).

use hmac::Mac;
use sha2::Digest;

use super::{CryptoError, Identity, Recipients};

/// First line of a decrypted `.kioku/scope-key.age`. Changing this format
/// breaks every existing store.
const KEYS_HEADER: &str = "kioku-mesh scope keys 1";

/// Domain of the recipient-list MAC. Changing it breaks every existing store.
const MAC_DOMAIN: &str = "kioku-mesh recipients mac 1";

/// One 32-byte scope key.
pub type Key = [u8; 32];

/// The chain of scope keys, oldest first; the last one is current.
#[derive(Clone, PartialEq, Eq)]
pub struct ScopeKeys {
    keys: Vec<Key>,
}

impl std::fmt::Debug for ScopeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ScopeKeys({} key(s), {})",
            self.keys.len(),
            self.fingerprint()
        )
    }
}

fn random_key() -> Result<Key, CryptoError> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key)
        .map_err(|e| CryptoError::Encrypt(format!("no randomness for a scope key: {e}")))?;
    Ok(key)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Key> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

impl ScopeKeys {
    /// A chain of one fresh random key.
    ///
    /// # Errors
    /// [`CryptoError::Encrypt`] when the system has no randomness to give.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(ScopeKeys {
            keys: vec![random_key()?],
        })
    }

    /// This chain with a fresh key appended (a rekey: what a removed member
    /// knew no longer authenticates anything).
    ///
    /// # Errors
    /// As [`ScopeKeys::generate`].
    pub fn extended(&self) -> Result<Self, CryptoError> {
        let mut keys = self.keys.clone();
        keys.push(random_key()?);
        Ok(ScopeKeys { keys })
    }

    /// Both chains, without repeats, in order, then a fresh key: what a
    /// device writes when it joins two authenticated histories.
    ///
    /// # Errors
    /// As [`ScopeKeys::generate`].
    pub fn joined(&self, other: &ScopeKeys) -> Result<Self, CryptoError> {
        let mut keys = self.keys.clone();
        for k in &other.keys {
            if !keys.contains(k) {
                keys.push(*k);
            }
        }
        keys.push(random_key()?);
        Ok(ScopeKeys { keys })
    }

    /// The current key.
    pub fn current(&self) -> &Key {
        self.keys.last().expect("a chain is never empty")
    }

    /// Whether the chain holds `key` (a device's trusted current key).
    pub fn descends_from(&self, key: &Key) -> bool {
        self.keys.contains(key)
    }

    /// A short public name of the current key, for comparing devices out of
    /// band (`mem scope recipients NAME list`): it says nothing of the key.
    pub fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::new()
            .chain_update(b"kioku-mesh scope key fingerprint\n")
            .chain_update(self.current())
            .finalize();
        to_hex(&digest[..8])
    }

    /// The keys as hex, oldest first (for this device's trust record).
    pub fn to_hex_list(&self) -> Vec<String> {
        self.keys.iter().map(|k| to_hex(k)).collect()
    }

    /// Keys from hex, oldest first; `None` when empty or malformed.
    pub fn from_hex_list(list: &[String]) -> Option<Self> {
        let keys: Option<Vec<Key>> = list.iter().map(|s| from_hex(s)).collect();
        keys.filter(|k| !k.is_empty())
            .map(|keys| ScopeKeys { keys })
    }

    /// `.kioku/scope-key.age`: the chain encrypted to `recipients`.
    ///
    /// # Errors
    /// [`CryptoError::Encrypt`] when the list is empty.
    pub fn seal(&self, recipients: &Recipients) -> Result<Vec<u8>, CryptoError> {
        let mut text = format!("{KEYS_HEADER}\n");
        for k in &self.keys {
            text.push_str(&to_hex(k));
            text.push('\n');
        }
        recipients.encrypt(text.as_bytes())
    }

    /// Decrypt `.kioku/scope-key.age` with this device's identity.
    ///
    /// # Errors
    /// [`CryptoError::Decrypt`] when the identity is not a recipient or the
    /// file is not a key chain.
    pub fn open(identity: &Identity, sealed: &[u8]) -> Result<Self, CryptoError> {
        let plain = identity.decrypt(sealed)?;
        let text = String::from_utf8(plain)
            .map_err(|_| CryptoError::Decrypt("the scope key file is not text".into()))?;
        let mut lines = text.lines();
        if lines.next() != Some(KEYS_HEADER) {
            return Err(CryptoError::Decrypt(
                "the scope key file has an unknown format".into(),
            ));
        }
        let keys: Option<Vec<Key>> = lines.filter(|l| !l.is_empty()).map(from_hex).collect();
        match keys {
            Some(keys) if !keys.is_empty() => Ok(ScopeKeys { keys }),
            _ => Err(CryptoError::Decrypt("the scope key file is broken".into())),
        }
    }

    /// The MAC of `list` as version `version` of scope `scope`'s recipients,
    /// made with the current key.
    pub fn mac(&self, scope: &str, version: u64, list: &Recipients) -> String {
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(self.current())
            .expect("HMAC takes any key length");
        mac.update(mac_input(scope, version, list).as_bytes());
        to_hex(&mac.finalize().into_bytes())
    }

    /// Whether `tag` is the MAC of `list` as version `version` of `scope`
    /// under the current key (compared in constant time).
    pub fn verify(&self, scope: &str, version: u64, list: &Recipients, tag: &str) -> bool {
        let Some(tag) = from_hex(tag) else {
            return false;
        };
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(self.current())
            .expect("HMAC takes any key length");
        mac.update(mac_input(scope, version, list).as_bytes());
        mac.verify_slice(&tag).is_ok()
    }
}

/// What the MAC covers: the domain, the scope's name (so a list copied from
/// another scope fails), the version (so an older list cannot pass as a
/// newer one) and the list in canonical form (sorted by key, names included).
fn mac_input(scope: &str, version: u64, list: &Recipients) -> String {
    format!(
        "{MAC_DOMAIN}\nscope: {scope}\nversion: {version}\n{}",
        list.render()
    )
}

/// `.kioku/recipients.mac`: the version of the list and its MAC. Changing
/// this format breaks every existing store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientsMac {
    /// Grows by one with every change a member makes to the list.
    pub version: u64,
    /// HMAC-SHA256 in hex (see [`ScopeKeys::mac`]).
    pub mac: String,
}

impl RecipientsMac {
    /// Parse the file; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut version = None;
        let mut mac = None;
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("version: ") {
                version = v.trim().parse().ok();
            } else if let Some(m) = line.strip_prefix("mac: ") {
                mac = Some(m.trim().to_owned());
            }
        }
        Some(RecipientsMac {
            version: version?,
            mac: mac?,
        })
    }

    /// The file text.
    pub fn render(&self) -> String {
        format!(
            "# kioku-mesh: authenticates .kioku/recipients with the scope key; do not edit. Changing this format breaks every existing store.\nformat: 1\nversion: {}\nmac: {}\n",
            self.version, self.mac
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(keys: &[&Identity]) -> Recipients {
        Recipients::parse(
            &keys
                .iter()
                .map(|k| format!("{} # x\n", k.recipient()))
                .collect::<String>(),
        )
    }

    #[test]
    fn the_mac_binds_scope_version_and_list() {
        let dir = tempfile::tempdir().unwrap();
        let a = Identity::generate(&dir.path().join("a"), "now").unwrap();
        let b = Identity::generate(&dir.path().join("b"), "now").unwrap();
        let keys = ScopeKeys::generate().unwrap();
        let one = list(&[&a]);
        let two = list(&[&a, &b]);
        let tag = keys.mac("user", 3, &one);
        assert!(keys.verify("user", 3, &one, &tag));
        assert!(!keys.verify("team/x", 3, &one, &tag));
        assert!(!keys.verify("user", 4, &one, &tag));
        assert!(!keys.verify("user", 3, &two, &tag));
        assert!(!ScopeKeys::generate().unwrap().verify("user", 3, &one, &tag));
        assert!(!keys.verify("user", 3, &one, "zz"));
    }

    #[test]
    fn chains_round_trip_and_grow() {
        let dir = tempfile::tempdir().unwrap();
        let a = Identity::generate(&dir.path().join("a"), "now").unwrap();
        let c = Identity::generate(&dir.path().join("c"), "now").unwrap();
        let keys = ScopeKeys::generate().unwrap();
        let next = keys.extended().unwrap();
        assert!(next.descends_from(keys.current()));
        assert!(!keys.descends_from(next.current()));
        assert_ne!(keys.fingerprint(), next.fingerprint());
        let sealed = next.seal(&list(&[&a])).unwrap();
        assert_eq!(ScopeKeys::open(&a, &sealed).unwrap(), next);
        assert!(ScopeKeys::open(&c, &sealed).is_err());
        assert_eq!(
            ScopeKeys::from_hex_list(&next.to_hex_list()),
            Some(next.clone())
        );
        let other = ScopeKeys::generate().unwrap();
        let joined = next.joined(&other).unwrap();
        assert!(joined.descends_from(keys.current()) && joined.descends_from(other.current()));
        let m = RecipientsMac {
            version: 7,
            mac: "ab".into(),
        };
        assert_eq!(RecipientsMac::parse(&m.render()), Some(m));
        assert_eq!(RecipientsMac::parse("nothing"), None);
    }
}
