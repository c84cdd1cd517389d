//! Statistics on the wire: an office's quarterly contributions and the analysts' releases.
//! Tables themselves are served as the frozen release's bytes and have no type here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::Slug;
use crate::domain::stats::taxonomy::Answers;

/// `POST /v1/desk/stats/contributions`: one record per case the office received in the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    pub quarter: String,
    pub records: Vec<Answers>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributed {
    pub quarter: String,
    pub records: u64,
}

/// One ended quarter as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterState {
    pub quarter: String,
    /// Cases the office received in the quarter.
    pub cases: u64,
    /// Records the office contributed for it (0: none yet, or a quarter without cases).
    pub contributed: u64,
    /// Whether the office sent the quarter: its records, or for a quarter without cases its
    /// confirmation. Until every office has, the release waits for it.
    pub confirmed: bool,
    /// Released: the contribution can no longer change.
    pub frozen: bool,
}

/// `GET /v1/desk/stats/contributions`: the last four ended quarters, newest first, and the
/// quarter running now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributions {
    pub quarters: Vec<QuarterState>,
    pub current: CurrentQuarter,
}

/// The quarter running now: its cases so far, and the first day it can be contributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentQuarter {
    pub quarter: String,
    pub cases: u64,
    pub contribute_from: chrono::NaiveDate,
}

/// `POST /v1/stats/releases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    pub period: String,
}

/// A frozen release as `POST /v1/stats/releases` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Released {
    pub period: String,
    pub released_on: NaiveDate,
    /// The offices counted (those that sent every quarter in full), named only when every
    /// office did: otherwise empty, and `rules.contributing_offices` gives their number.
    pub offices: Vec<Slug>,
    /// The disclosure rules the release was made with.
    pub rules: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseEntry {
    pub period: String,
    pub released_on: NaiveDate,
}

/// `GET /v1/stats/releases`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Releases {
    pub releases: Vec<ReleaseEntry>,
}
