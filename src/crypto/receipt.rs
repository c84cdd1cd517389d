//! The reporter's receipt: 128 random bits, shown once as a grouped, checksummed Crockford
//! base32 code. Everything a reporter needs later is derived from it (docs/PROTOCOL.md).

use std::fmt;
use std::str::FromStr;

use hkdf::Hkdf;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::CryptoError;

const SALT: &[u8] = b"meldestelle-receipt-v1";
const CHECK_CONTEXT: &[u8] = b"meldestelle-receipt-check-v1";
const ALPHABET: base32::Alphabet = base32::Alphabet::Crockford;
const CODE_CHARS: usize = 26;
const CHECK_CHARS: usize = 2;

#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Receipt([u8; 16]);

impl Receipt {
    pub fn generate() -> Receipt {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Receipt(bytes)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Receipt {
        Receipt(bytes)
    }

    fn derive(&self, info: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(Some(SALT), &self.0)
            .expand(info, &mut out)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }

    /// The id the server knows this report by (it stores only its hash).
    pub fn lookup_id(&self) -> [u8; 32] {
        self.derive(b"lookup-id")
    }

    /// The age identity replies are encrypted to.
    pub fn reply_identity(&self) -> age::x25519::Identity {
        let mut secret = self.derive(b"reply-identity");
        let hrp = bech32::Hrp::parse("AGE-SECRET-KEY-").expect("valid HRP");
        let mut encoded = bech32::encode_upper::<bech32::Bech32>(hrp, &secret)
            .expect("a 32-byte key fits the Bech32 length limit");
        secret.zeroize();
        let identity = encoded
            .parse()
            .expect("an encoded 32-byte secret is a valid age identity");
        encoded.zeroize();
        identity
    }
}

fn check_chars(bytes: &[u8; 16]) -> String {
    let hash = Sha256::new()
        .chain_update(CHECK_CONTEXT)
        .chain_update(bytes)
        .finalize();
    base32::encode(ALPHABET, &hash[..2])[..CHECK_CHARS].to_owned()
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut all = base32::encode(ALPHABET, &self.0);
        all.push_str(&check_chars(&self.0));
        for (i, chunk) in all.as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(chunk).map_err(|_| fmt::Error)?)?;
        }
        all.zeroize();
        Ok(())
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(…)")
    }
}

impl FromStr for Receipt {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Receipt, CryptoError> {
        let mut clean: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        if clean.len() != CODE_CHARS + CHECK_CHARS || !clean.is_ascii() {
            clean.zeroize();
            return Err(CryptoError::BadReceipt("it must have 28 characters"));
        }
        let (code, check) = clean.split_at(CODE_CHARS);
        let decoded = base32::decode(ALPHABET, code);
        let result = match decoded.as_deref().map(<[u8; 16]>::try_from) {
            Some(Ok(bytes)) if base32::encode(ALPHABET, &bytes) == code => {
                if check_chars(&bytes) == check {
                    Ok(Receipt(bytes))
                } else {
                    Err(CryptoError::BadReceipt("a character is mistyped"))
                }
            }
            _ => Err(CryptoError::BadReceipt(
                "it contains characters a receipt never has",
            )),
        };
        if let Some(mut d) = decoded {
            d.zeroize();
        }
        clean.zeroize();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerant_parsing() {
        let r = Receipt::generate();
        let shown = r.to_string();
        assert_eq!(shown.len(), 28 + 6);
        assert_eq!(shown.parse::<Receipt>().unwrap(), r);
        let sloppy = shown.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(sloppy.parse::<Receipt>().unwrap(), r);
    }

    #[test]
    fn a_typo_is_caught() {
        let shown = Receipt::from_bytes([7; 16]).to_string();
        let mut chars: Vec<char> = shown.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert!(typo.parse::<Receipt>().is_err());
        assert!("".parse::<Receipt>().is_err());
        assert!("UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU"
            .parse::<Receipt>()
            .is_err());
    }

    /// The vector other clients (the browser form) must reproduce.
    #[test]
    fn derivation_vector() {
        let r = Receipt::from_bytes(*b"0123456789abcdef");
        let lookup = hex::encode(r.lookup_id());
        let recipient = r.reply_identity().to_public().to_string();
        assert_eq!(lookup.len(), 64);
        assert!(recipient.starts_with("age1"));
        // Pinned so that a change of the derivation cannot go unnoticed.
        assert_eq!(
            r.to_string(),
            include_str!("../../tests/vectors/receipt.txt")
                .lines()
                .next()
                .unwrap()
        );
        assert_eq!(
            lookup,
            include_str!("../../tests/vectors/receipt.txt")
                .lines()
                .nth(1)
                .unwrap()
        );
        assert_eq!(
            recipient,
            include_str!("../../tests/vectors/receipt.txt")
                .lines()
                .nth(2)
                .unwrap()
        );
    }
}
