//! The alliance's standard release set for one period.
//!
//! Tables, in this order:
//! 1. by Land, 2. by size class, 3. by incident_type, 4. by racism_form (one-way only, R4),
//! 5. incident_type × Land,
//! 6. per office with at least [`NAME_MIN`] records in the period: its own one-way tables of
//!    every taxonomy field except `racism_form` (an office's own table is a location breakdown,
//!    R4), under the strict threshold. Offices below [`NAME_MIN`] get no tables (R5).
//!
//! "By Land" and "by incident_type" are the margins of incident_type × Land, so the three tables
//! share values and suppressions and cannot be played against each other.
//! ε (R7) applies to each table; the set as a whole spends ε times the number of tables.

use std::collections::BTreeMap;

use serde::Serialize;

use super::disclosure::{protect, protect_with_margins, Released, Rules};
use super::period::Period;
use super::table::{Dimension, Place, Record, Table, TableSpec, NAME_MIN};
use super::StatsError;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseSet {
    pub period: Period,
    pub tables: Vec<Released>,
    /// Offices left out for having fewer than `NAME_MIN` records in the period.
    pub offices_without_tables: usize,
    pub notes: Vec<String>,
}

const OFFICE_DIMS: [Dimension; 7] = [
    Dimension::IncidentType,
    Dimension::ReporterRole,
    Dimension::PerpetratorRole,
    Dimension::Setting,
    Dimension::AdminArea,
    Dimension::Consequences,
    Dimension::ReportedFurther,
];

/// Builds the standard release set. `catalog` lists all offices (may be empty).
pub fn alliance_release(
    records: &[Record],
    period: Period,
    catalog: &[Place],
    rules: &Rules,
) -> Result<ReleaseSet, StatsError> {
    // Each table gets its own noise stream; the same seed everywhere would correlate the noise.
    let mut n = 0u64;
    let mut next_rules = || {
        n += 1;
        Rules {
            seed: rules.seed.map(|s| s.wrapping_add(n)),
            ..rules.clone()
        }
    };
    let spec = |dims: &[Dimension]| -> Result<TableSpec, StatsError> {
        Ok(TableSpec::new(period, dims)?.with_catalog(catalog.to_vec()))
    };
    let build = |s: &TableSpec| Table::from_records(records, s);

    let cross = build(&spec(&[Dimension::IncidentType, Dimension::Land])?)?;
    let [cross_r, by_type, by_land] = protect_with_margins(&cross, &next_rules())?;
    let by_size = protect(&build(&spec(&[Dimension::SizeClass])?)?, &next_rules())?;
    let by_form = protect(&build(&spec(&[Dimension::RacismForm])?)?, &next_rules())?;
    let mut tables = vec![by_land, by_size, by_type, by_form, cross_r];

    let mut per_office: BTreeMap<&str, u64> = catalog.iter().map(|p| (&*p.office, 0)).collect();
    for r in records.iter().filter(|r| period.contains(r.quarter)) {
        *per_office.entry(&r.office).or_insert(0) += 1;
    }
    let mut without = 0;
    for (office, &count) in &per_office {
        if count < NAME_MIN {
            without += 1;
            continue;
        }
        for d in OFFICE_DIMS {
            let s = spec(&[d])?.for_office(office)?;
            tables.push(protect(&build(&s)?, &next_rules())?);
        }
    }
    Ok(ReleaseSet {
        period,
        tables,
        offices_without_tables: without,
        notes: vec![format!(
            "Stellen mit weniger als {NAME_MIN} Meldungen im Zeitraum erhalten keine eigenen Tabellen ({without}). \
             / Offices with fewer than {NAME_MIN} reports in the period get no tables of their own ({without})."
        )],
    })
}
