//! Validation of an age file without decrypting it. The age crate keeps its header parser
//! private, so the structure is checked by `Decryptor::new_buffered` and the stanzas are
//! listed by an identity that records what it is shown and unwraps nothing.

use std::cell::RefCell;

use age_core::format::{FileKey, Stanza};

/// Stanza tags that wrap the file key for a recipient.
/// Only the natively supported types (`crypto::NATIVE_RECIPIENT_TYPES`) count.
const RECIPIENT_TAGS: &[&str] = &["X25519"];

/// Grease stanzas, which age adds on purpose and which are otherwise ignored, that one file
/// may carry. The Rust crate adds one, the browser package and the Go tool none; a file with
/// more was not made by a client of ours, and thousands would only cost the office's
/// clients time on every read.
pub const MAX_GREASE: usize = 4;

/// Stanzas of any kind one file may carry: an office's key set, the reply recipient and the
/// grease. Counted before the age crate parses the header, whose time grows with the square
/// of the stanza count (2,000 stanzas: seconds of CPU).
pub const MAX_STANZAS: usize = 64;

/// age's random grease stanzas carry tags that end in "-grease".
pub fn is_grease(tag: &str) -> bool {
    tag.ends_with("-grease")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("not an age v1 file")]
    NotAge,
    #[error("a passphrase-encrypted age file is not accepted; encrypt to the office recipients")]
    Passphrase,
    #[error("the file has {found} recipient stanzas; the key set has {expected} recipients")]
    StanzaCount { found: usize, expected: usize },
    #[error("the file has more than {MAX_STANZAS} stanzas")]
    TooManyStanzas,
    #[error("the file has {0} grease stanzas; at most {MAX_GREASE} are accepted")]
    TooMuchGrease(usize),
    #[error("a stanza of type '{0}' is not accepted: the office's files hold X25519 stanzas only (no plugin recipients)")]
    UnsupportedStanza(String),
    #[error("the payload is {0} bytes, which is not the size of a padded bucket")]
    Unpadded(u64),
    #[error(
        "an {0} stanza is malformed (an X25519 stanza has one 32-byte share and a 32-byte body)"
    )]
    MalformedStanza(String),
}

/// What the header says, without any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Recipient stanzas (grease excluded).
    pub recipient_stanzas: usize,
    pub header_len: usize,
    pub payload_len: u64,
}

struct Recorder(RefCell<Vec<Stanza>>);

impl age::Identity for Recorder {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.0.borrow_mut().push(Stanza {
            tag: stanza.tag.clone(),
            args: stanza.args.clone(),
            body: stanza.body.clone(),
        });
        None
    }
}

/// Whether a stanza of a known type has that type's shape, so that a file which would fail
/// to decrypt for an officer is refused at the door (grease is not checked).
fn well_formed(s: &Stanza) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    match s.tag.as_str() {
        "X25519" => {
            s.args.len() == 1
                && s.body.len() == 32
                && b64.decode(&s.args[0]).is_ok_and(|share| share.len() == 32)
        }
        _ => true,
    }
}

/// Parses the header of a binary age file.
pub fn inspect(file: &[u8]) -> Result<HeaderInfo, HeaderError> {
    let stanzas = stanzas(file)?;
    if stanzas.iter().any(|s| s.tag == "scrypt") {
        return Err(HeaderError::Passphrase);
    }
    if let Some(bad) = stanzas.iter().find(|s| !well_formed(s)) {
        return Err(HeaderError::MalformedStanza(bad.tag.clone()));
    }
    // What no office file holds (a plugin's stanza beside the office's, say) is refused, not
    // skipped: an officer's client would try to run that plugin.
    if let Some(other) = stanzas
        .iter()
        .find(|s| !RECIPIENT_TAGS.contains(&s.tag.as_str()) && !is_grease(&s.tag))
    {
        return Err(HeaderError::UnsupportedStanza(
            other.tag.chars().take(40).collect(),
        ));
    }
    let grease = stanzas.iter().filter(|s| is_grease(&s.tag)).count();
    if grease > MAX_GREASE {
        return Err(HeaderError::TooMuchGrease(grease));
    }
    let header_len = header_len(file).ok_or(HeaderError::NotAge)?;
    Ok(HeaderInfo {
        recipient_stanzas: stanzas.len() - grease,
        header_len,
        payload_len: (file.len() - header_len) as u64,
    })
}

/// The tag of every stanza in a binary age file's header, grease included.
pub fn stanza_tags(file: &[u8]) -> Result<Vec<String>, HeaderError> {
    Ok(stanzas(file)?.into_iter().map(|s| s.tag).collect())
}

/// Every stanza in a binary age file's header, grease included (a passphrase file: one
/// stanza tagged `scrypt`, contents not read).
fn stanzas(file: &[u8]) -> Result<Vec<Stanza>, HeaderError> {
    if !file.starts_with(b"age-encryption.org/v1\n") {
        return Err(HeaderError::NotAge);
    }
    let header = &file[..header_len(file).ok_or(HeaderError::NotAge)?];
    if header
        .split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"-> "))
        .nth(MAX_STANZAS)
        .is_some()
    {
        return Err(HeaderError::TooManyStanzas);
    }
    let decryptor = age::Decryptor::new_buffered(file).map_err(|_| HeaderError::NotAge)?;
    if decryptor.is_scrypt() {
        return Ok(vec![Stanza {
            tag: "scrypt".into(),
            args: vec![],
            body: vec![],
        }]);
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

    /// The file with its first X25519 stanza's lines changed by `f` (the MAC no longer
    /// matches, which only a holder of the key can check).
    pub(crate) fn tamper_x25519(ct: &[u8], f: impl Fn(&str) -> String) -> Vec<u8> {
        let hl = header_len(ct).unwrap();
        let header = std::str::from_utf8(&ct[..hl]).unwrap();
        let mut lines: Vec<String> = header.lines().map(str::to_owned).collect();
        let i = lines
            .iter()
            .position(|l| l.starts_with("-> X25519 "))
            .unwrap();
        let changed = f(&format!("{}\n{}", lines[i], lines[i + 1]));
        lines.splice(i..i + 2, changed.lines().map(str::to_owned));
        let mut out = (lines.join("\n") + "\n").into_bytes();
        out.extend_from_slice(&ct[hl..]);
        out
    }

    /// The file with `stanzas` (stanza lines and bodies, each ending in a newline) inserted
    /// before its first stanza.
    pub(crate) fn with_stanzas(ct: &[u8], stanzas: &str) -> Vec<u8> {
        let first = ct.iter().position(|&b| b == b'\n').unwrap() + 1;
        [&ct[..first], stanzas.as_bytes(), &ct[first..]].concat()
    }

    #[test]
    fn grease_is_capped_and_other_stanza_types_are_refused() {
        let ct = encrypt(&[b' '; 1024], &[keygen().1]).unwrap();
        // The age crate greases its files itself: one stanza, accepted.
        let tags = stanza_tags(&ct).unwrap();
        assert!(tags.iter().any(|t| is_grease(t)), "{tags:?}");
        assert_eq!(inspect(&ct).unwrap().recipient_stanzas, 1);
        let grease = |n: usize| "-> x-grease\n\n".repeat(n);
        assert_eq!(
            inspect(&with_stanzas(&ct, &grease(MAX_GREASE - 1)))
                .unwrap()
                .recipient_stanzas,
            1
        );
        assert_eq!(
            inspect(&with_stanzas(&ct, &grease(MAX_GREASE))),
            Err(HeaderError::TooMuchGrease(MAX_GREASE + 1))
        );
        // Counted before the header is parsed.
        assert_eq!(
            inspect(&with_stanzas(&ct, &grease(2000))),
            Err(HeaderError::TooManyStanzas)
        );
        // A plugin's stanza beside the office's X25519 stanza.
        let plugin = with_stanzas(&ct, "-> piv-p256 abcd\nAAAA\n");
        assert_eq!(
            inspect(&plugin),
            Err(HeaderError::UnsupportedStanza("piv-p256".into()))
        );
    }

    #[test]
    fn malformed_x25519_stanzas_are_refused() {
        let ct = encrypt(&[b' '; 1024], &[keygen().1]).unwrap();
        assert!(inspect(&ct).is_ok());
        let short_body = tamper_x25519(&ct, |s| {
            let (arg, body) = s.split_once('\n').unwrap();
            format!("{arg}\n{}", &body[..body.len() - 3])
        });
        let no_share = tamper_x25519(&ct, |s| {
            let (_, body) = s.split_once('\n').unwrap();
            format!("-> X25519\n{body}")
        });
        let short_share = tamper_x25519(&ct, |s| {
            let (arg, body) = s.split_once('\n').unwrap();
            format!("{}\n{body}", &arg[..arg.len() - 4])
        });
        for bad in [short_body, no_share, short_share] {
            assert_eq!(
                inspect(&bad),
                Err(HeaderError::MalformedStanza("X25519".into())),
                "{}",
                String::from_utf8_lossy(&bad[..200])
            );
        }
    }
}
