//! meldestelle: anonymous incident reporting and complaint desk.

pub mod stats;
