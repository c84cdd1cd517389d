//! The rules of the product, with no HTTP, SQL or I/O in them: a case's life and clocks, the
//! workflow of the desk, intake checks, offices and their keys, proof of work, login secrets,
//! the audit chain, what notifications are due, and the statistics with disclosure control.

pub mod audit;
pub mod auth;
pub mod case;
pub mod intake;
pub mod notify;
pub mod office;
pub mod pow;
pub mod stats;
pub mod workflow;
