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

/// Login challenges that cost the server nothing to store: the challenge id names its
/// principal, its end and a random nonce, and the secret encrypted to the principal is the
/// id's HMAC under a key that lives only in this process's memory. Redeeming one needs the
/// secret, so only the holder of the principal's identity can; single use is kept at
/// redemption (see `app::login`), where a row is written per login, not per request. A
/// restart forgets the key, and with it every outstanding challenge (the client asks again).
pub struct ChallengeKey([u8; 32]);

/// A challenge that cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeRefusal {
    Invalid,
    Expired,
}

/// What a redeemed challenge was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub principal: String,
    /// The challenge's nonce (hex), to spend it once.
    pub nonce: String,
    pub expires_at: i64,
}

impl ChallengeKey {
    pub fn random() -> ChallengeKey {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        ChallengeKey(k)
    }

    fn secret_of(&self, id: &str) -> String {
        use hmac::Mac;
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(b"meldestelle login challenge v1\n");
        mac.update(id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new challenge for `principal` that ends at `expires_at` (Unix seconds): its id and
    /// the secret to encrypt to the principal.
    pub fn issue(&self, principal: &str, expires_at: i64) -> (String, String) {
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let id = format!("{}.{expires_at}.{principal}", hex::encode(nonce));
        let secret = self.secret_of(&id);
        (id, secret)
    }

    /// The challenge `id` answered with `secret`, checked at `now` (Unix seconds).
    pub fn redeem(&self, id: &str, secret: &str, now: i64) -> Result<Redeemed, ChallengeRefusal> {
        let mut parts = id.splitn(3, '.');
        let (Some(nonce), Some(expires), Some(principal)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(ChallengeRefusal::Invalid);
        };
        let expires_at: i64 = expires.parse().map_err(|_| ChallengeRefusal::Invalid)?;
        if !same(self.secret_of(id).as_bytes(), secret.trim().as_bytes()) {
            return Err(ChallengeRefusal::Invalid);
        }
        if now > expires_at {
            return Err(ChallengeRefusal::Expired);
        }
        Ok(Redeemed {
            principal: principal.to_owned(),
            nonce: nonce.to_owned(),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_is_redeemed_only_with_its_secret_before_its_end() {
        let key = ChallengeKey::random();
        let (id, secret) = key.issue("officer:abc", 100);
        let r = key.redeem(&id, &secret, 100).unwrap();
        assert_eq!(r.principal, "officer:abc");
        assert_eq!(
            key.redeem(&id, &secret, 101),
            Err(ChallengeRefusal::Expired)
        );
        assert_eq!(
            key.redeem(&id, &"0".repeat(64), 50),
            Err(ChallengeRefusal::Invalid)
        );
        // Another principal or end in the id breaks the secret.
        let forged = id.replace("officer:abc", "officer:xyz");
        assert_eq!(
            key.redeem(&forged, &secret, 50),
            Err(ChallengeRefusal::Invalid)
        );
        let later = id.replace(".100.", ".999.");
        assert_eq!(
            key.redeem(&later, &secret, 50),
            Err(ChallengeRefusal::Invalid)
        );
        // Another process's key.
        assert_eq!(
            ChallengeKey::random().redeem(&id, &secret, 50),
            Err(ChallengeRefusal::Invalid)
        );
        assert_eq!(
            key.redeem("nonsense", &secret, 50),
            Err(ChallengeRefusal::Invalid)
        );
    }
}
