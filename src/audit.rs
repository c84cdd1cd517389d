//! The audit log of officer actions, hash-chained: each entry's hash covers the previous
//! hash, so removing or altering an entry breaks every hash after it.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// One entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub office: String,
    /// The officer's id (officers are not anonymous; reporters never appear here).
    pub actor: String,
    pub action: String,
    /// The case id, where the action concerns one.
    pub subject: Option<String>,
    pub at: NaiveDateTime,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

pub const GENESIS: [u8; 32] = [0; 32];

/// The hash of an entry's content chained to the previous hash. Fields are length-prefixed
/// so that no two different entries encode alike.
pub fn entry_hash(
    prev: &[u8],
    seq: i64,
    office: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    at: NaiveDateTime,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"meldestelle-audit-v1");
    h.update(prev);
    h.update(seq.to_be_bytes());
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    for field in [
        office,
        actor,
        action,
        subject.unwrap_or("\u{0}none"),
        at.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChainError {
    #[error("entry {seq}: expected sequence number {expected}; an entry is missing")]
    Gap { seq: i64, expected: i64 },
    #[error("entry {0}: does not chain to the entry before it")]
    BrokenLink(i64),
    #[error("entry {0}: its content does not match its hash (altered)")]
    Altered(i64),
}

/// Checks a whole log, in sequence order.
pub fn verify(entries: &[Entry]) -> Result<usize, ChainError> {
    let mut prev = GENESIS.to_vec();
    for (i, e) in entries.iter().enumerate() {
        let expected = i as i64 + 1;
        if e.seq != expected {
            return Err(ChainError::Gap {
                seq: e.seq,
                expected,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainError::BrokenLink(e.seq));
        }
        let h = entry_hash(
            &prev,
            e.seq,
            &e.office,
            &e.actor,
            &e.action,
            e.subject.as_deref(),
            e.at,
        );
        if h.as_slice() != e.hash.as_slice() {
            return Err(ChainError::Altered(e.seq));
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}
