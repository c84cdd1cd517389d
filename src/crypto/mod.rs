//! Everything cryptographic, all of it from libraries: age for encryption, RustCrypto for
//! HKDF and SHA-2. Of the reporters' and officers' ciphertext the server only ever uses
//! `header` (validation without decrypting) and `sha256`; it decrypts nothing but the offices'
//! statistics batches, sealed to its own `stats_key`. The clients in this crate (CLI) use the
//! rest.

pub mod header;
pub mod padding;
pub mod receipt;
pub mod stats_key;

use std::io::{Read, Write};
use std::str::FromStr;

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("'{0}' is not a supported age recipient: only X25519 (age1…) is, because the server never runs an age plugin")]
    BadRecipient(String),
    #[error("no recipients given")]
    NoRecipients,
    #[error("could not read identities: {0}")]
    Identity(String),
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("decryption failed: {0}")]
    Decrypt(String),
    #[error("this is not a valid receipt: {0}")]
    BadReceipt(&'static str),
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The recipient types the server, the CLI and the browser can all encrypt to natively. The
/// server never launches a plugin, so plugin recipients (`age1yubikey1…`, …) are refused
/// wherever a recipient is registered or encrypted to. `header` counts stanzas of the same
/// types.
pub const NATIVE_RECIPIENT_TYPES: &str = "X25519 (age1…)";

/// Parses one recipient string: native X25519 only (see `NATIVE_RECIPIENT_TYPES`).
pub fn parse_recipient(s: &str) -> Result<Box<dyn age::Recipient + Send>, CryptoError> {
    let s = s.trim();
    age::x25519::Recipient::from_str(s)
        .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
        .map_err(|_| CryptoError::BadRecipient(s.chars().take(80).collect()))
}

/// Whether a string is a recipient of a natively supported type.
pub fn is_recipient(s: &str) -> bool {
    age::x25519::Recipient::from_str(s).is_ok()
}

/// A short, stable name for a recipient in the audit log: `SHA256:` and the first 16 bytes of
/// the hash of its canonical text, in hex. The desk shows the server's answer; it does not
/// compute it itself.
pub fn fingerprint(recipient: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(recipient.trim().to_ascii_lowercase().as_bytes());
    format!("SHA256:{}", hex::encode(&hash[..16]))
}

/// Reads a recipients file: one recipient a line, `#` comments and blank lines ignored.
pub fn recipients_from_text(text: &str) -> Result<Vec<String>, CryptoError> {
    let list: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    for r in &list {
        if !is_recipient(r) {
            return Err(CryptoError::BadRecipient(r.chars().take(80).collect()));
        }
    }
    Ok(list)
}

/// Encrypts to every recipient, binary age format.
pub fn encrypt(plaintext: &[u8], recipients: &[String]) -> Result<Vec<u8>, CryptoError> {
    if recipients.is_empty() {
        return Err(CryptoError::NoRecipients);
    }
    let parsed = recipients
        .iter()
        .map(|r| parse_recipient(r))
        .collect::<Result<Vec<_>, _>>()?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r.as_ref() as &dyn age::Recipient))
            .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    writer
        .write_all(plaintext)
        .and_then(|_| writer.finish().map(|_| ()))
        .map_err(|e| CryptoError::Encrypt(e.to_string()))?;
    Ok(out)
}

/// Decrypts with any of the identities.
pub fn decrypt(
    ciphertext: &[u8],
    identities: &[Box<dyn age::Identity + Send + Sync>],
) -> Result<Vec<u8>, CryptoError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext)
        .map_err(|e| CryptoError::Decrypt(e.to_string()))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| CryptoError::Decrypt(e.to_string()))?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|e| CryptoError::Decrypt(e.to_string()))?;
    Ok(out)
}

/// Generates a fresh X25519 identity: (secret key line, recipient).
pub fn keygen() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_owned(),
        id.to_public().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_then_decrypt() {
        let (secret, recipient) = keygen();
        let ct = encrypt(b"hello", &[recipient]).unwrap();
        let id: Box<dyn age::Identity + Send + Sync> =
            Box::new(age::x25519::Identity::from_str(&secret).unwrap());
        assert_eq!(decrypt(&ct, &[id]).unwrap(), b"hello");
    }

    #[test]
    fn recipients_file_rejects_garbage() {
        assert!(recipients_from_text(
            "# c\n\nage1ju3asxh70gqv6x0pyzvs3ghhz6d69hmjmscrxgejyzu50wz38dfsydeu05\n"
        )
        .is_ok());
        assert!(recipients_from_text("hello\n").is_err());
    }

    #[test]
    fn plugin_recipients_are_refused_without_running_anything() {
        let hrp = bech32::Hrp::parse("age1yubikey").unwrap();
        let yubikey = &bech32::encode::<bech32::Bech32>(hrp, &[2u8; 33]).unwrap();
        // A well-formed plugin recipient, which age would hand to `age-plugin-yubikey`.
        assert!(age::plugin::Recipient::from_str(yubikey).is_ok());
        assert!(!is_recipient(yubikey));
        assert!(matches!(
            encrypt(b"x", &[yubikey.to_owned()]),
            Err(CryptoError::BadRecipient(_))
        ));
        assert!(recipients_from_text(yubikey).is_err());
    }
}
