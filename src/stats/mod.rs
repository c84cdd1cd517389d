//! Anonymised statistics: the taxonomy, tables over opt-in records, disclosure control (rules
//! R1–R7 of DESIGN.md) and the renderers for publication.
//!
//! The flow is always the same and has no web or database types in it:
//!
//! ```text
//! records or GROUP BY counts ──Table::from_records / from_counts──▶ Table (true counts, never published)
//!                             ──protect(&table, &Rules)──────────▶ Released (rounded or "<5" only)
//!                             ──render::{csv, json, svg, html}───▶ bytes to publish
//! ```
//!
//! Only a [`Released`] is ever rendered; a [`Table`] has no renderer, and no function here
//! exports single records.

pub mod alliance;
pub mod disclosure;
pub mod period;
pub mod render;
pub mod table;
pub mod taxonomy;

pub use alliance::{alliance_release, ReleaseSet};
pub use disclosure::{protect, protect_with_margins, Released, Rules, Value};
pub use period::Period;
pub use table::{Dimension, Place, Record, Table, TableSpec, NAME_MIN, NO_ANSWER};

/// Everything that can go wrong in the statistics layer.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatsError {
    #[error("'{0}' is not a period; use a year like 2026 or a quarter like 2026-Q3 (R6: fixed periods only)")]
    BadPeriod(String),
    #[error("'{0}' is not a statistics dimension")]
    UnknownDimension(String),
    #[error("a table has one or two dimensions (R4), not {0}")]
    DimensionCount(usize),
    #[error("dimension '{0}' is named twice")]
    RepeatedDimension(&'static str),
    #[error("R4: '{a}' must never be crossed with '{b}'")]
    ForbiddenCross { a: &'static str, b: &'static str },
    #[error("'{value}' is not a value of '{dimension}'")]
    UnknownValue {
        dimension: &'static str,
        value: String,
    },
    #[error("invalid disclosure rules: {0}")]
    BadRules(&'static str),
    #[error("this needs a two-way table")]
    NotTwoWay,
    #[error("'{0}' is not an output format; use csv, json, svg or html")]
    UnknownFormat(String),
}
