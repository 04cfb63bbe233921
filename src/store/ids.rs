//! Identifiers as types: an observation's id and a merge record's id are
//! both 64 lowercase hex characters (SHA-256 digests, see `observation.rs`
//! and `record.rs` for what each hashes), but they name different things
//! and must not be mixed up. Both read as `&str` (`Deref`), print and
//! serialize as the bare hex, and are stored in SQLite as text.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::is_full_id;

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id `s` names, when it is a full id (64 lowercase hex).
            pub fn parse(s: &str) -> Option<Self> {
                is_full_id(s).then(|| Self(s.to_owned()))
            }

            /// An id from hex the caller made from a digest (or read from
            /// a file or the index, where it is not checked again).
            pub fn from_hex(hex: String) -> Self {
                Self(hex)
            }

            /// The hex.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The first 12 characters, as shown to users.
            pub fn short(&self) -> &str {
                super::short_id(&self.0)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map(Self)
            }
        }
    };
}

hex_id!(
    /// An observation's id: the SHA-256 of its identity fields.
    ObservationId
);

hex_id!(
    /// A merge record's id: the SHA-256 of its kind and sorted competitors.
    ConflictId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_lowercase_hex_parses() {
        let hex = "a".repeat(64);
        assert_eq!(ObservationId::parse(&hex).unwrap().as_str(), hex);
        assert!(ObservationId::parse(&"A".repeat(64)).is_none());
        assert!(ObservationId::parse("abc").is_none());
        assert_eq!(ObservationId::parse(&hex).unwrap().short(), &hex[..12]);
    }
}
