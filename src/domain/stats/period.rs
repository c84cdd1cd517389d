//! Release periods (R6): a calendar year or a quarter, never a live or cumulative window.

use std::fmt;

use serde::{Serialize, Serializer};

use super::taxonomy::Quarter;
use super::StatsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    Quarter(Quarter),
}

impl Period {
    /// Parses `2026` or `2026-Q3`. Anything else (ranges, "live", dates) is refused.
    pub fn parse(s: &str) -> Result<Period, StatsError> {
        let s = s.trim();
        if let Some(q) = Quarter::parse(s) {
            return Ok(Period::Quarter(q));
        }
        let year = (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
            .filter(|y| (2000..=2999).contains(y));
        year.map(Period::Year)
            .ok_or_else(|| StatsError::BadPeriod(s.chars().take(32).collect()))
    }

    /// The last day of the period. R6: a period is released only once it has ended.
    pub fn last_day(&self) -> chrono::NaiveDate {
        let (year, month) = match self {
            Period::Year(y) => (*y, 12),
            Period::Quarter(q) => (q.year, u32::from(q.q) * 3),
        };
        let first_of_next = if month == 12 {
            chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
        };
        first_of_next
            .and_then(|d| d.pred_opt())
            .unwrap_or(chrono::NaiveDate::MAX)
    }

    /// The quarters the period is made of, in order.
    pub fn quarters(&self) -> Vec<Quarter> {
        match self {
            Period::Quarter(q) => vec![*q],
            Period::Year(y) => (1..=4).map(|q| Quarter { year: *y, q }).collect(),
        }
    }

    pub fn contains(&self, q: Quarter) -> bool {
        match self {
            Period::Year(y) => q.year == *y,
            Period::Quarter(p) => *p == q,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(q) => write!(f, "{q}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A stored release is read back (a scoped analyst's part of it is rendered from it).
impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_years_and_quarters_only() {
        assert_eq!(Period::parse("2026"), Ok(Period::Year(2026)));
        let q3 = Period::parse("2026-Q3").unwrap();
        assert_eq!(q3.to_string(), "2026-Q3");
        assert!(q3.contains(Quarter { year: 2026, q: 3 }));
        assert!(!q3.contains(Quarter { year: 2026, q: 4 }));
        assert!(Period::Year(2026).contains(Quarter { year: 2026, q: 1 }));
        for bad in ["live", "2026-2027", "26", "+202", "2026-Q5", "", "2026-07"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
