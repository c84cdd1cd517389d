//! Identity files, as officers keep them: native X25519 keys or plugin stubs (a YubiKey's
//! `AGE-PLUGIN-YUBIKEY-…`). Reading a plugin stub may run the plugin, with a prompt on the
//! terminal, which is why this lives with the clients: the server never reads an identity file
//! and never runs a plugin (it refuses plugin recipients, `crypto::parse_recipient`).

use crate::crypto::CryptoError;

/// What decrypts for a client.
pub type Identities = Vec<Box<dyn age::Identity + Send + Sync>>;

/// Loads identities from an age identity file.
pub fn identities_from_file(path: &std::path::Path) -> Result<Identities, CryptoError> {
    let file = age::IdentityFile::from_file(path.to_string_lossy().into_owned())
        .map_err(|e| CryptoError::Identity(format!("{}: {e}", path.display())))?
        .with_callbacks(age::cli_common::UiCallbacks);
    file.into_identities()
        .map_err(|e| CryptoError::Identity(e.to_string()))
}

/// The recipient an identity file names: the `# public key:` comment that age-keygen and
/// `meldestelle keygen` write (`#    Recipient:` in a plugin's stub), or else the first native
/// identity's.
pub fn recipient_of(path: &std::path::Path) -> Result<String, CryptoError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CryptoError::Identity(format!("{}: {e}", path.display())))?;
    if let Some(r) = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("# public key: "))
        .or_else(|| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix("#    Recipient: "))
        })
    {
        return Ok(r.trim().to_owned());
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .ok_or_else(|| {
            CryptoError::Identity(
                "no identity and no '# public key:' line in the identity file".into(),
            )
        })?;
    let id: age::x25519::Identity = line
        .parse()
        .map_err(|e: &str| CryptoError::Identity(e.to_owned()))?;
    Ok(id.to_public().to_string())
}

#[cfg(test)]
mod tests {
    /// The age crate's `plugin` and `cli-common` features are on for the clients (a YubiKey
    /// stub in an officer's identity file). This holds them off the server's code path: no
    /// module the server runs reads an identity file, launches a plugin or uses the clients.
    #[test]
    fn the_server_never_reads_identity_files_or_runs_plugins() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![
            src.join("server.rs"),
            src.join("config.rs"),
            src.join("mailer.rs"),
        ];
        for dir in ["api", "app", "crypto", "db", "domain", "protocol"] {
            files.extend(crate::source_files(dir));
        }
        assert!(files.len() > 40, "found only {} files", files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests may build a plugin recipient to see it refused.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for used in [
                "age::plugin",
                "cli_common",
                "IdentityFile",
                "crate::client",
                "crate::cli",
            ] {
                assert!(
                    !code.contains(used),
                    "{} uses {used}: the server must not",
                    path.display()
                );
            }
        }
    }
}
