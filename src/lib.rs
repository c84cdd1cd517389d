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
