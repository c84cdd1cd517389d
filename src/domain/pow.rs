//! Proof of work for submissions and follow-up messages, without identifying anyone.
//!
//! `GET /v1/pow` hands out a challenge: base64url (no padding) of
//! `expires (u64 BE unix seconds) ‖ difficulty (u8) ‖ puzzles (u8) ‖ 16 random bytes ‖
//! HMAC-SHA256 of those 26 bytes` under a key drawn at process start. The client finds `puzzles`
//! distinct nonces (1–64 ASCII letters or digits each) such that SHA-256 of the ASCII bytes
//! `challenge ‖ nonce` (no separator) starts with `difficulty` zero bits, most significant bit of
//! the first byte first. Several smaller puzzles instead of one large one keep the expected work
//! and make the time to solve predictable: one puzzle's tries are geometric (the slowest of 50
//! solves takes about 8× the median), the sum of 16 varies by about a quarter. Nothing is stored about
//! the client: the challenge is stateless, and the only state is an in-memory set of spent
//! challenges until they expire, which makes each one single-use. A restart draws a new key and
//! so invalidates every outstanding challenge.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const BODY: usize = 8 + 1 + 1 + 16;
/// Puzzles per challenge once the work is large enough to split: 2^4, so each is 4 bits easier.
pub const PUZZLES: u8 = 16;
const PUZZLE_BITS: u8 = 4;
const LEN: usize = BODY + 32;
/// How far the difficulty is raised under load, at most.
pub const MAX_RAISE: u8 = 4;
/// The window over which load is counted.
const WINDOW: Duration = Duration::from_secs(10);
/// Spent challenges kept at most; beyond that the server is under attack and refuses.
const MAX_SPENT: usize = 1_000_000;

/// What a client sends with a submission.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PowToken {
    pub challenge: String,
    /// One per puzzle, all different.
    pub nonces: Vec<String>,
}

/// What `GET /v1/pow` answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub challenge: String,
    /// Zero bits each puzzle needs.
    pub difficulty: u8,
    /// How many distinct nonces to find.
    pub puzzles: u8,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    #[error("this request needs a proof of work: fetch GET /v1/pow and solve it")]
    Required,
    #[error("the proof of work is not valid")]
    Invalid,
    #[error("the proof-of-work challenge has expired (or the server restarted); fetch a new one")]
    Expired,
    #[error("this proof-of-work challenge was used already; fetch a new one")]
    Spent,
    #[error("too many outstanding challenges; try again later")]
    Overloaded,
}

/// The server's side: issues and checks challenges, and raises the difficulty under load.
pub struct Pow {
    key: [u8; 32],
    base_bits: u8,
    ttl: Duration,
    /// Submissions per window from which the difficulty rises by one, doubling per step.
    load_step: usize,
    spent: Mutex<HashMap<[u8; 16], u64>>,
    recent: Mutex<VecDeque<Instant>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Leading zero bits of a digest, most significant bit of byte 0 first.
pub fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut n = 0;
    for &b in digest {
        if b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// SHA-256 of `challenge ‖ nonce` as ASCII bytes.
pub fn digest(challenge: &str, nonce: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(challenge.as_bytes())
        .chain_update(nonce.as_bytes())
        .finalize()
        .into()
}

/// Finds `puzzles` nonces (decimal digits, counting up) for a challenge: what every client does.
pub fn solve(c: &Challenge) -> PowToken {
    let prefix = Sha256::new().chain_update(c.challenge.as_bytes());
    let nonces = (0u64..)
        .map(|n| n.to_string())
        .filter(|nonce| {
            let d = prefix.clone().chain_update(nonce.as_bytes()).finalize();
            leading_zero_bits(&d) >= u32::from(c.difficulty)
        })
        .take(usize::from(c.puzzles))
        .collect();
    PowToken {
        challenge: c.challenge.clone(),
        nonces,
    }
}

fn nonce_ok(nonce: &str) -> bool {
    (1..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Pow {
    /// `base_bits` 0 turns proof of work off.
    /// `base_bits` is the expected work in bits; from 8 bits on it is split into [`PUZZLES`].
    pub fn new(base_bits: u8, ttl: Duration, load_step: usize) -> Pow {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Pow {
            key,
            base_bits: base_bits.min(40),
            ttl,
            load_step: load_step.max(1),
            spent: Mutex::new(HashMap::new()),
            recent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.base_bits > 0
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(body);
        m
    }

    /// Submissions counted in the last window.
    fn load(&self) -> usize {
        let mut r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while r.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            r.pop_front();
        }
        r.len()
    }

    /// Puzzles per challenge: one for tiny work, else [`PUZZLES`].
    fn puzzles(&self) -> u8 {
        if self.base_bits >= 2 * PUZZLE_BITS {
            PUZZLES
        } else {
            1
        }
    }

    /// Each puzzle's difficulty now: the configured bits less the split, plus one at `load_step`
    /// submissions in the last ten seconds, two at twice as many, three at four times, four at
    /// eight times (each step doubles the expected work).
    pub fn difficulty(&self) -> u8 {
        if !self.enabled() {
            return 0;
        }
        let split = if self.puzzles() > 1 { PUZZLE_BITS } else { 0 };
        let load = self.load();
        let mut raise = 0u8;
        let mut threshold = self.load_step;
        while raise < MAX_RAISE && load >= threshold {
            raise += 1;
            threshold = threshold.saturating_mul(2);
        }
        self.base_bits - split + raise
    }

    /// Counts one accepted submission towards the load.
    fn record(&self) {
        let mut r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        // Enough to know the top step; older entries do not change the answer.
        let cap = self.load_step.saturating_mul(1 << MAX_RAISE);
        if r.len() >= cap {
            r.pop_front();
        }
        r.push_back(Instant::now());
    }

    pub fn issue(&self) -> Challenge {
        let expires = now_secs() + self.ttl.as_secs();
        let difficulty = self.difficulty();
        let puzzles = if self.enabled() { self.puzzles() } else { 0 };
        let mut body = [0u8; BODY];
        body[..8].copy_from_slice(&expires.to_be_bytes());
        body[8] = difficulty;
        body[9] = puzzles;
        rand::rngs::OsRng.fill_bytes(&mut body[10..]);
        let tag = self.mac(&body).finalize().into_bytes();
        let mut all = Vec::with_capacity(LEN);
        all.extend_from_slice(&body);
        all.extend_from_slice(&tag);
        let expires_at = chrono::DateTime::from_timestamp(expires as i64, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Challenge {
            challenge: B64.encode(all),
            difficulty,
            puzzles,
            expires_at,
        }
    }

    /// Checks a token and marks its challenge spent. With proof of work off, anything passes.
    pub fn verify(&self, token: Option<&PowToken>) -> Result<(), PowError> {
        if !self.enabled() {
            return Ok(());
        }
        let token = token.ok_or(PowError::Required)?;
        let raw = B64
            .decode(token.challenge.as_bytes())
            .map_err(|_| PowError::Invalid)?;
        if raw.len() != LEN || !token.nonces.iter().all(|n| nonce_ok(n)) {
            return Err(PowError::Invalid);
        }
        let (body, tag) = raw.split_at(BODY);
        self.mac(body)
            .verify_slice(tag)
            .map_err(|_| PowError::Invalid)?;
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&body[..8]);
        let expires = u64::from_be_bytes(exp);
        let now = now_secs();
        if expires < now {
            return Err(PowError::Expired);
        }
        let (bits, puzzles) = (body[8], body[9]);
        let distinct: std::collections::HashSet<&str> =
            token.nonces.iter().map(String::as_str).collect();
        if token.nonces.len() != usize::from(puzzles)
            || distinct.len() != token.nonces.len()
            || token
                .nonces
                .iter()
                .any(|n| leading_zero_bits(&digest(&token.challenge, n)) < u32::from(bits))
        {
            return Err(PowError::Invalid);
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(&body[10..]);
        {
            let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
            if spent.len() >= MAX_SPENT / 2 {
                spent.retain(|_, e| *e >= now);
            }
            if spent.len() >= MAX_SPENT {
                return Err(PowError::Overloaded);
            }
            if spent.insert(id, expires).is_some() {
                return Err(PowError::Spent);
            }
        }
        self.record();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solved_tokens_pass_once() {
        let p = Pow::new(8, Duration::from_secs(60), 1000);
        let c = p.issue();
        // 8 bits of work as 16 puzzles of 4 bits each.
        assert_eq!((c.difficulty, c.puzzles), (4, PUZZLES));
        let t = solve(&c);
        assert_eq!(t.nonces.len(), usize::from(PUZZLES));
        assert_eq!(p.verify(Some(&t)), Ok(()));
        assert_eq!(p.verify(Some(&t)), Err(PowError::Spent));
        assert_eq!(p.verify(None), Err(PowError::Required));
    }

    #[test]
    fn small_work_is_one_puzzle() {
        let c = Pow::new(6, Duration::from_secs(60), 1000).issue();
        assert_eq!((c.difficulty, c.puzzles), (6, 1));
    }

    #[test]
    fn forged_and_expired_tokens_fail() {
        let p = Pow::new(8, Duration::from_secs(60), 1000);
        let c = p.issue();
        // Another server's challenge (another key).
        let other = Pow::new(8, Duration::from_secs(60), 1000).issue();
        assert_eq!(p.verify(Some(&solve(&other))), Err(PowError::Invalid));
        let good = solve(&c);
        let with = |nonces: Vec<String>| PowToken {
            challenge: c.challenge.clone(),
            nonces,
        };
        // A nonce that does not solve it.
        let bad = (0u64..)
            .map(|n| n.to_string())
            .find(|n| leading_zero_bits(&digest(&c.challenge, n)) < 4)
            .unwrap();
        let mut one_bad = good.nonces.clone();
        one_bad[3] = bad;
        assert_eq!(p.verify(Some(&with(one_bad))), Err(PowError::Invalid));
        // One solution sent for every puzzle.
        let same = vec![good.nonces[0].clone(); usize::from(PUZZLES)];
        assert_eq!(p.verify(Some(&with(same))), Err(PowError::Invalid));
        // Too few, and a character outside the alphabet.
        let short = good.nonces[1..].to_vec();
        assert_eq!(p.verify(Some(&with(short))), Err(PowError::Invalid));
        let mut odd = good.nonces.clone();
        odd[0] = "../x".into();
        assert_eq!(p.verify(Some(&with(odd))), Err(PowError::Invalid));
        // Nothing of that spent the challenge.
        assert_eq!(p.verify(Some(&good)), Ok(()));

        let p = Pow::new(1, Duration::from_secs(0), 1000);
        let c = p.issue();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(p.verify(Some(&solve(&c))), Err(PowError::Expired));
    }

    #[test]
    fn difficulty_rises_under_load_by_at_most_four() {
        let p = Pow::new(2, Duration::from_secs(60), 3);
        assert_eq!(p.difficulty(), 2);
        let mut seen = vec![];
        for _ in 0..40 {
            let c = p.issue();
            seen.push(c.difficulty);
            p.verify(Some(&solve(&c))).unwrap();
        }
        assert_eq!(seen[..3], [2, 2, 2]);
        assert_eq!(seen[3], 3);
        assert_eq!(*seen.last().unwrap(), 2 + MAX_RAISE);
    }

    #[test]
    fn leading_zero_bits_count_from_the_top() {
        assert_eq!(leading_zero_bits(&[0x00, 0x80]), 8);
        assert_eq!(leading_zero_bits(&[0x0f]), 4);
        assert_eq!(leading_zero_bits(&[0x00, 0x00]), 16);
    }

    #[test]
    fn off_means_optional() {
        let p = Pow::new(0, Duration::from_secs(60), 10);
        assert_eq!(p.verify(None), Ok(()));
        let c = p.issue();
        assert_eq!((c.difficulty, c.puzzles), (0, 0));
    }
}
