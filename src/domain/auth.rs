//! Passwordless login by age challenge: the server encrypts a random secret to the
//! officer's recipient; whoever can decrypt it gets a short-lived bearer token. Only
//! hashes of secrets and tokens are stored.

use rand::RngCore;

use crate::crypto::sha256;

pub const SECRET_BYTES: usize = 32;

/// A fresh random value, hex-encoded: a challenge secret or a bearer token.
pub fn random_hex() -> String {
    let mut b = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// What is stored of a secret or a token.
pub fn hash(secret: &str) -> [u8; 32] {
    sha256(secret.trim().as_bytes())
}

/// Compares without leaking, through timing, how much of a guess was right.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
