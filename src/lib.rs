//! meldestelle: anonymous incident reporting and complaint desk.

#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod case;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod db;
pub mod desk;
pub mod intake;
pub mod jobs;
pub mod mailer;
pub mod notify;
pub mod office;
pub mod pow;
pub mod protocol;
pub mod publish;
pub mod server;
pub mod stats;
