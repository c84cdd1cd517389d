//! The server's statistics key. An office's quarterly batch is sealed to it with age before it
//! is stored and opened only to compute a release. The key lives in a file outside the
//! database: a copy of the database (a dump, a backup, the data directory with its free pages,
//! dead tuples and write-ahead log) then holds no record of any batch, neither the current one
//! nor one it replaced, so two copies cannot be compared to find the one record that changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

#[derive(Debug, thiserror::Error)]
pub enum StatsKeyError {
    #[error("statistics key {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("statistics key {0}: no age identity (AGE-SECRET-KEY-1…) in the file")]
    Malformed(PathBuf),
    #[error("a statistics batch could not be opened with this server's statistics key: {0}")]
    Open(String),
    #[error("a statistics batch could not be sealed: {0}")]
    Seal(String),
}

/// An X25519 identity that seals to itself.
pub struct StatsKey {
    identity: age::x25519::Identity,
    recipient: String,
}

impl std::fmt::Debug for StatsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsKey")
            .field("recipient", &self.recipient)
            .finish_non_exhaustive()
    }
}

impl StatsKey {
    /// The key in `path`, if the file exists.
    pub fn load(path: &Path) -> Result<Option<StatsKey>, StatsKeyError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StatsKeyError::Io(path.to_owned(), e)),
        };
        let identity = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .and_then(|l| age::x25519::Identity::from_str(l).ok())
            .ok_or_else(|| StatsKeyError::Malformed(path.to_owned()))?;
        Ok(Some(StatsKey::from_identity(identity)))
    }

    /// A new key written to `path` (readable by the owner only); the key already there if
    /// another process was first. Written to a temporary file and linked into place, so that
    /// no reader ever sees half a key.
    pub fn create(path: &Path) -> Result<StatsKey, StatsKeyError> {
        let io = |e| StatsKeyError::Io(path.to_owned(), e);
        let identity = age::x25519::Identity::generate();
        let key = StatsKey::from_identity(identity);
        let text = format!(
            "# meldestelle statistics key: the offices' statistics batches are sealed to it.\n\
             # Keep it outside the database and its backups; every server on the same database\n\
             # needs this same file. Without it, contributions not yet released are lost.\n\
             # public key: {}\n{}\n",
            key.recipient,
            key.identity.to_string().expose_secret()
        );
        let tmp = path.with_file_name(format!(
            ".{}.{}",
            path.file_name()
                .map_or("stats-key".into(), |n| n.to_string_lossy()),
            uuid::Uuid::new_v4().simple()
        ));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let written = opts
            .open(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                StatsKey::load(path)?.ok_or_else(|| StatsKeyError::Malformed(path.to_owned()))
            }
            Err(e) => Err(io(e)),
        }
    }

    fn from_identity(identity: age::x25519::Identity) -> StatsKey {
        let recipient = identity.to_public().to_string();
        StatsKey {
            identity,
            recipient,
        }
    }

    /// The public half (`age1…`), as the database records it.
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, StatsKeyError> {
        super::encrypt(plaintext, std::slice::from_ref(&self.recipient))
            .map_err(|e| StatsKeyError::Seal(e.to_string()))
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, StatsKeyError> {
        let identity: Box<dyn age::Identity + Send + Sync> = Box::new(self.identity.clone());
        super::decrypt(sealed, &[identity]).map_err(|e| StatsKeyError::Open(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_loaded_again_and_opens_what_it_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.key");
        assert!(StatsKey::load(&path).unwrap().is_none());
        let key = StatsKey::create(&path).unwrap();
        let again = StatsKey::load(&path).unwrap().unwrap();
        assert_eq!(key.recipient(), again.recipient());
        // A second creator finds the first one's key instead of replacing it.
        assert_eq!(
            StatsKey::create(&path).unwrap().recipient(),
            key.recipient()
        );
        let sealed = key.seal(b"records").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"records"));
        assert_eq!(again.open(&sealed).unwrap(), b"records");
        let other = StatsKey::create(&dir.path().join("other.key")).unwrap();
        assert!(other.open(&sealed).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
