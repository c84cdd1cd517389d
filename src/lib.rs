//! meldestelle: anonymous incident reporting and complaint desk.
//!
//! The layers: `domain` holds the rules (no I/O), `app` the services that do I/O over them,
//! `protocol` the wire types every client and the server share, `client` what clients do
//! (seal, log in, follow up), and the adapters `api` (HTTP), `db` (storage), `mailer` (SMTP)
//! and `cli`. `config` and `server` put them together.

#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod mailer;
pub mod protocol;
pub mod server;

/// The Rust files below `src/<dir>`, for the tests that hold the layers apart.
#[cfg(test)]
pub(crate) fn source_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

#[cfg(test)]
mod layers {
    /// Whether `code` names the module `crate::<module>`, alone or in a `use crate::{…}` group.
    fn names(code: &str, module: &str) -> bool {
        let direct = format!("crate::{module}");
        code.match_indices(&direct).any(|(at, _)| {
            // `crate::dbx` is another module.
            !code[at + direct.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        }) || code.match_indices("crate::{").any(|(at, _)| {
            let group = &code[at + 8..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            group
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|item| item == module)
        })
    }

    #[test]
    fn names_sees_paths_and_groups() {
        assert!(names("use crate::db::Store;", "db"));
        assert!(names("use crate::{app, db};", "db"));
        assert!(names("x: crate::db::DbError", "db"));
        assert!(!names("use crate::dbx;", "db"));
        assert!(!names("use crate::{app, domain};", "db"));
    }

    /// Handlers parse, call a use case and answer: no storage call, so no name of `db`; and
    /// the domain knows nothing of the wire (nor of storage and HTTP).
    #[test]
    fn handlers_never_name_storage_and_the_domain_imports_nothing_above_it() {
        let rules: [(&str, &[&str]); 2] = [
            ("api", &["db"]),
            ("domain", &["protocol", "db", "api", "app", "client", "cli"]),
        ];
        for (dir, forbidden) in rules {
            let files = super::source_files(dir);
            assert!(
                files.len() > 5,
                "found only {} files in src/{dir}",
                files.len()
            );
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap();
                for module in forbidden {
                    assert!(
                        !names(&text, module),
                        "{} names crate::{module}: src/{dir} must not",
                        path.display()
                    );
                }
            }
        }
    }
}
