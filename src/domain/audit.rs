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
    #[error("entry {0} of the checkpoint is gone: the log was truncated")]
    Truncated(i64),
    #[error("entry {0} no longer has the checkpoint's hash: the log was rewritten")]
    Rewritten(i64),
    #[error("not a checkpoint (SEQ:HASH): {0}")]
    BadCheckpoint(String),
}

/// A point of the chain kept outside the database (printed by `audit head`, shown to
/// officers at login): `SEQ:HASH` in hex. A log that no longer holds this entry with this
/// hash was truncated or rewritten, even if its chain was recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: Vec<u8>,
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, hex::encode(&self.hash))
    }
}

impl std::str::FromStr for Checkpoint {
    type Err = ChainError;
    fn from_str(s: &str) -> Result<Checkpoint, ChainError> {
        let bad = || ChainError::BadCheckpoint(s.chars().take(80).collect());
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq = seq.parse::<i64>().map_err(|_| bad())?;
        let hash = hex::decode(hash).map_err(|_| bad())?;
        if seq < 1 || hash.len() != 32 {
            return Err(bad());
        }
        Ok(Checkpoint { seq, hash })
    }
}

/// The newest entry as a checkpoint.
pub fn head(entries: &[Entry]) -> Option<Checkpoint> {
    entries.last().map(|e| Checkpoint {
        seq: e.seq,
        hash: e.hash.clone(),
    })
}

/// Checks the whole log and that it still holds the checkpoint's entry unchanged.
pub fn verify_since(entries: &[Entry], cp: &Checkpoint) -> Result<usize, ChainError> {
    let n = verify(entries)?;
    match entries.iter().find(|e| e.seq == cp.seq) {
        None => Err(ChainError::Truncated(cp.seq)),
        Some(e) if e.hash != cp.hash => Err(ChainError::Rewritten(cp.seq)),
        Some(_) => Ok(n),
    }
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
