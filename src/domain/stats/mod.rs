//! Anonymised statistics: the taxonomy, tables over opt-in records, disclosure control (rules
//! R1–R7 of DESIGN.md) and the renderers for publication.
//!
//! The flow is always the same and has no web or database types in it:
//!
//! ```text
//! records or GROUP BY counts ──Table::from_records / from_counts──▶ Table (true counts, never published)
//!                             ──protect(&table, &Rules)──────────▶ Released (rounded or "x" only)
//!                             ──render::{csv, json, svg, html}───▶ bytes to publish
//! ```
//!
//! Only a [`Released`] is ever rendered; a [`Table`] has no renderer, and no function here
//! exports single records.
//!
//! Decisions beyond the letter of R1–R7:
//! - **Zeros** are suppressed like any count below the threshold. A released 0 beside an `x`
//!   would separate "nobody" from "somebody", and the one-report case is what we protect.
//! - **Totals** are suppressed (R1) and take part in R2 like cells; they are rounded (R3)
//!   independently of the cells, so rounded cells need not add up to the rounded total.
//! - **R2** suppresses until no line (row, column, and both margin lines) has exactly one
//!   suppression *and* no suppressed value is exactly determined by the additive lines (checked
//!   by elimination; the pattern rule alone misses "bridges" between two suppressed blocks).
//!   Greedy: smallest value first, cells before totals.
//! - **consequences** is multi-valued: a report counts once in each consequence it names, and
//!   totals along it count reports (every report, "no answer" included), not the sum of cells.
//!   Those lines are not additive; R2 still applies its pattern rule to them.
//! - **R5 fold labels**: `Berlin (BE)` when named, `BE / 20k_100k (folded)` otherwise. Offices
//!   are folded by the same rule, and the alliance set gives no own tables to offices under
//!   [`NAME_MIN`]. Where a Land × size class holds a single municipality (the city states) the
//!   fold label still points at it; R1 still hides its small counts.
//! - **Stable categories**: taxonomy values, all size classes, and all Länder (or those of the
//!   catalog) are always listed, so the presence of a row reveals nothing.
//! - **Primary vs secondary counts** are kept in [`Released`] but not serialized: together with
//!   the pattern they can narrow a value down.
//! - **R7**: ε is per table; per-cell ε is divided by how many entries one report can move
//!   (1, or 5 with consequences). The R5 naming decision uses true counts.
//! - **Across tables**: [`protect`] guarantees R2 within one table. The alliance set
//!   ([`alliance_release`]) runs R2 over its overlapping tables together (Land = sum of its
//!   offices, equal grand totals, unpublished small offices kept underivable), so one table
//!   cannot be subtracted from another. Separate ad-hoc exports of overlapping tables are not
//!   linked: publish through the release set, or rely on R3 rounding for those.

pub mod alliance;
pub mod cell_key;
pub mod contribution;
pub mod disclosure;
mod intervals;
pub mod labels;
pub mod period;
pub mod render;
pub mod table;
pub mod taxonomy;

pub use alliance::{alliance_release, ReleaseSet};
pub use disclosure::{protect, protect_with_margins, Released, Rules, Value};
pub use period::Period;
pub use table::{Dimension, Place, Record, Table, TableSpec, NAME_MIN, NO_ANSWER};

/// The export path in one call, as `meldestelle stats export --period 2026-Q3 --by land`:
/// tabulate `records` (one counting pass; records outside the period are skipped) and protect
/// the table. Render the result with [`render::render`].
pub fn release<I>(
    records: I,
    period: &str,
    by: &str,
    catalog: &[Place],
    rules: &Rules,
) -> Result<Released, StatsError>
where
    I: IntoIterator,
    I::Item: std::borrow::Borrow<Record>,
{
    let spec = TableSpec::parse(period, by)?.with_catalog(catalog.to_vec());
    protect(&Table::from_records(records, &spec)?, rules)
}

/// As [`release`], from `GROUP BY` counts (see [`Table::from_counts`]).
pub fn release_counts<I, R>(
    counts: I,
    period: &str,
    by: &str,
    catalog: &[Place],
    rules: &Rules,
) -> Result<Released, StatsError>
where
    I: IntoIterator<Item = (R, u64)>,
    R: std::borrow::Borrow<Record>,
{
    let spec = TableSpec::parse(period, by)?.with_catalog(catalog.to_vec());
    protect(&Table::from_counts(counts, &spec)?, rules)
}

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
    #[error("the release's interval check could not finish ({0}); nothing was released")]
    IntervalCheck(&'static str),
    #[error("'{0}' is not an output format; use csv, json, svg or html")]
    UnknownFormat(String),
}
