//! Validation of an age file without decrypting it. The age crate keeps its header parser
//! private, so the structure is checked by `Decryptor::new_buffered` and the stanzas are
//! listed by an identity that records what it is shown and unwraps nothing.

use std::cell::RefCell;

use age_core::format::{FileKey, Stanza};

/// Stanza tags that wrap the file key for a recipient. Anything else is grease, which age
/// adds on purpose and which must be ignored.
const RECIPIENT_TAGS: &[&str] = &[
    "X25519",
    "piv-p256",
    "p256tag",
    "mlkem768p256tag",
    "mlkem768x25519",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("not an age v1 file")]
    NotAge,
    #[error("a passphrase-encrypted age file is not accepted; encrypt to the office recipients")]
    Passphrase,
    #[error("the file has {found} recipient stanzas; the key set has {expected} recipients")]
    StanzaCount { found: usize, expected: usize },
    #[error("the payload is {0} bytes, which is not the size of a padded bucket")]
    Unpadded(u64),
}

/// What the header says, without any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Recipient stanzas (grease excluded).
    pub recipient_stanzas: usize,
    pub header_len: usize,
    pub payload_len: u64,
}

struct Recorder(RefCell<Vec<String>>);

impl age::Identity for Recorder {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.0.borrow_mut().push(stanza.tag.clone());
        None
    }
}

/// Parses the header of a binary age file.
pub fn inspect(file: &[u8]) -> Result<HeaderInfo, HeaderError> {
    let tags = stanza_tags(file)?;
    if tags.iter().any(|t| t == "scrypt") {
        return Err(HeaderError::Passphrase);
    }
    let header_len = header_len(file).ok_or(HeaderError::NotAge)?;
    Ok(HeaderInfo {
        recipient_stanzas: tags
            .iter()
            .filter(|t| RECIPIENT_TAGS.contains(&t.as_str()))
            .count(),
        header_len,
        payload_len: (file.len() - header_len) as u64,
    })
}

/// The tag of every stanza in a binary age file's header, grease included.
pub fn stanza_tags(file: &[u8]) -> Result<Vec<String>, HeaderError> {
    if !file.starts_with(b"age-encryption.org/v1\n") {
        return Err(HeaderError::NotAge);
    }
    let decryptor = age::Decryptor::new_buffered(file).map_err(|_| HeaderError::NotAge)?;
    if decryptor.is_scrypt() {
        return Ok(vec!["scrypt".into()]);
    }
    let recorder = Recorder(RefCell::new(Vec::new()));
    match decryptor.decrypt(std::iter::once(&recorder as &dyn age::Identity)) {
        Err(age::DecryptError::NoMatchingKeys) => {}
        // Anything else means the header was not what it claimed to be.
        _ => return Err(HeaderError::NotAge),
    }
    Ok(recorder.0.into_inner())
}

/// The stanza tag of a file encrypted to a passkey or security key through WebAuthn PRF
/// (the browser package's `WebAuthnRecipient`, compatible with age-plugin-fido2prf).
pub const PASSKEY_TAG: &str = "age-encryption.org/fido2prf";

/// The header ends with the MAC line `--- <mac>\n`. Stanza lines start with `-> ` and
/// bodies are unpadded standard base64, so the first line starting with `---` is the MAC.
fn header_len(file: &[u8]) -> Option<usize> {
    let mac_start = file.windows(4).position(|w| w == b"\n---")? + 1;
    let newline = file[mac_start..].iter().position(|&b| b == b'\n')?;
    Some(mac_start + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{encrypt, keygen, padding};

    #[test]
    fn counts_recipient_stanzas_and_ignores_grease() {
        let recipients: Vec<String> = (0..3).map(|_| keygen().1).collect();
        let ct = encrypt(&[b' '; 1024], &recipients).unwrap();
        let info = inspect(&ct).unwrap();
        assert_eq!(info.recipient_stanzas, 3);
        assert_eq!(info.payload_len, padding::age_payload_len(1024));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(inspect(b""), Err(HeaderError::NotAge));
        assert_eq!(
            inspect(b"age-encryption.org/v1\n"),
            Err(HeaderError::NotAge)
        );
        assert_eq!(
            inspect(b"age-encryption.org/v1\n-> X25519 abc\n\n--- xyz\n"),
            Err(HeaderError::NotAge)
        );
        let ct = encrypt(b"x", &[keygen().1]).unwrap();
        for cut in 0..ct.len() {
            let _ = inspect(&ct[..cut]);
        }
    }
}
