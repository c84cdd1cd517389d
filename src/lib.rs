//! meldestelle: anonymous incident reporting and complaint desk.

pub mod crypto;
pub mod stats;
