//! Anonymised statistics: the taxonomy and (later) disclosure control.

pub mod taxonomy;
