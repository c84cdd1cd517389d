//! Names and secrets on the wire as their own types, so a case id cannot be passed where an
//! office's slug is meant, and a secret never reaches a log through `Debug` (it has no
//! `Display` at all: using one is spelled `expose()`). All of them are plain strings in JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An identifier: printed as it is.
macro_rules! name {
    ($(#[$doc:meta])* $t:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $t(pub String);

        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl From<String> for $t {
            fn from(s: String) -> $t {
                $t(s)
            }
        }

        impl From<&str> for $t {
            fn from(s: &str) -> $t {
                $t(s.to_owned())
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

/// A value that proves or finds something: never printed, compared in the open only by tests.
macro_rules! secret {
    ($(#[$doc:meta])* $t:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $t(String);

        impl $t {
            pub fn new(s: impl Into<String>) -> $t {
                $t(s.into())
            }

            /// The value itself, for the one place that must send or hash it.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(…)"))
            }
        }
    };
}

name!(
    /// An office's slug, e.g. `demo`.
    Slug
);
name!(
    /// A case's random id.
    CaseId
);
name!(
    /// An officer's random id.
    OfficerId
);
name!(
    /// One of an office's labels (a random id; the name is ciphertext).
    LabelId
);
name!(
    /// A message's or an attachment's random id.
    ItemId
);

secret!(
    /// A bearer token of an officer's or an analyst's session.
    Token
);
secret!(
    /// The hex lookup id a receipt derives (PROTOCOL.md §2): whoever has it reads the case.
    LookupId
);
secret!(
    /// A desk invitation's one-time token (64 hex digits).
    InvitationToken
);
secret!(
    /// A decrypted login challenge.
    ChallengeSecret
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_printed_and_are_plain_strings_on_the_wire() {
        let t = Token::new("s3cr3t");
        assert_eq!(format!("{t:?}"), "Token(…)");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"s3cr3t\"");
        let back: LookupId = serde_json::from_str("\"ab\"").unwrap();
        assert_eq!(back.expose(), "ab");
        assert!(!format!("{back:?}").contains("ab"));
    }

    #[test]
    fn names_are_printed_as_they_are() {
        let s = Slug::from("demo");
        assert_eq!(s.to_string(), "demo");
        assert_eq!(serde_json::to_value(&s).unwrap(), "demo");
        assert_eq!(s, "demo");
    }
}
