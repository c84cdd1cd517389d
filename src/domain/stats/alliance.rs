//! The alliance's standard release set for one period.
//!
//! Tables, in this order:
//! 1. by Land, 2. by size class, 3. by incident_type, 4. by racism_form (one-way only, R4),
//! 5. incident_type × Land,
//! 6. per office with at least [`NAME_MIN`] records in the period: its own one-way tables of
//!    every taxonomy field except `racism_form` (an office's own table is a location breakdown,
//!    R4), under the strict threshold. Offices below [`NAME_MIN`] get no tables (R5).
//!
//! The tables overlap: a Land's figures are the sum of its offices', every table has the same
//! grand total. Without noise, R2 therefore runs once over all of them together ("linked"
//! suppression): the lines of each table, plus "Land cell = sum of its offices' cells", "Land
//! total = sum of office totals", "size class = sum of office totals", "the grand totals are
//! equal", with the unpublished small offices as values that are never released and must not be
//! derivable either. So "Land minus the named office" cannot reveal a small office's count.
//! An office's other tables then keep its total exactly as the linked pass left it.
//! "By Land" and "by incident_type" are the margins of incident_type × Land.
//!
//! With noise (R7) the tables are protected one by one: noisy tables do not add up across
//! tables, and the noise is the protection. It is the cell-key method ([`super::cell_key`]):
//! a figure made of the same records (an office's total in its seven tables, a Land in two)
//! has the same noise wherever it appears, so tables cannot be averaged against each other.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cell_key::{record_keys, Secret};
use super::disclosure::{protect, suppress_secondary, Line, Protected, Released, Rules};
use super::intervals::Knowledge;
use super::period::Period;
use super::table::{Dimension, Place, Record, Table, TableSpec, NAME_MIN};
use super::StatsError;

/// R5: a Land or size class is shown only with at least this many contributing offices.
pub const MIN_OFFICES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
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

/// An office with records in the period: where it is, how many it has, and the records
/// themselves with their R7 keys (so that its own tables need not pass over every office's).
struct OfficeInfo<'a> {
    name: &'a str,
    land: &'a str,
    size_class: &'a str,
    count: u64,
    records: Vec<(&'a Record, u64)>,
}

impl OfficeInfo<'_> {
    fn table(&self, spec: TableSpec) -> Result<Table, StatsError> {
        Table::from_keyed_records(self.records.iter().copied(), &spec.for_office(self.name)?)
    }
}

/// Builds the standard release set. `catalog` lists all offices (may be empty).
pub fn alliance_release(
    records: &[Record],
    period: Period,
    catalog: &[Place],
    rules: &Rules,
) -> Result<ReleaseSet, StatsError> {
    // R7's record keys, from a secret that lives only as long as this computation.
    let keys = match (rules.epsilon, rules.seed) {
        (None, _) => vec![0; records.len()],
        (Some(_), Some(seed)) => record_keys(records, &Secret::from_seed(seed)),
        (Some(_), None) => record_keys(records, &Secret::random()),
    };
    let keyed = || records.iter().zip(keys.iter().copied());
    let spec = |dims: &[Dimension]| -> Result<TableSpec, StatsError> {
        Ok(TableSpec::new(period, dims)?.with_catalog(catalog.to_vec()))
    };
    let build = |s: &TableSpec| Table::from_keyed_records(keyed(), s);

    let mut offices: BTreeMap<&str, OfficeInfo> = BTreeMap::new();
    for (r, key) in keyed().filter(|(r, _)| period.contains(r.quarter)) {
        let o = offices.entry(&r.office).or_insert(OfficeInfo {
            name: &r.office,
            land: &r.land,
            size_class: &r.size_class,
            count: 0,
            records: Vec::new(),
        });
        o.count += 1;
        o.records.push((r, key));
    }
    let all_offices: std::collections::BTreeSet<&str> = catalog
        .iter()
        .map(|p| p.office.as_str())
        .chain(offices.keys().copied())
        .collect();
    let named: Vec<&OfficeInfo> = offices.values().filter(|o| o.count >= NAME_MIN).collect();
    let without = all_offices.len() - named.len();

    let cross = build(&spec(&[Dimension::IncidentType, Dimension::Land])?)?;
    let by_size_t = build(&spec(&[Dimension::SizeClass])?)?;
    let by_form_t = build(&spec(&[Dimension::RacismForm])?)?;
    let mut tables;
    if rules.epsilon.is_some() {
        // R5 holds with noise too: a Land or size class of one or two offices is suppressed.
        let mut cross_p = Protected::new_primary(&cross, rules)?;
        let mut size_p = Protected::new_primary(&by_size_t, rules)?;
        too_few_offices(&offices, &cross, &by_size_t, &mut cross_p, &mut size_p);
        cross_p.secondary();
        size_p.secondary();
        let by_form = protect(&by_form_t, rules)?;
        tables = vec![
            cross_p.release_margin(&cross, rules, 1),
            size_p.release_full(&by_size_t, rules),
            cross_p.release_margin(&cross, rules, 0),
            by_form,
            cross_p.release_full(&cross, rules),
        ];
        for o in &named {
            for d in OFFICE_DIMS {
                tables.push(protect(&o.table(spec(&[d])?)?, rules)?);
            }
        }
    } else {
        tables = linked(&offices, [&cross, &by_size_t, &by_form_t], rules, &spec)?;
    }
    Ok(ReleaseSet {
        period,
        tables,
        offices_without_tables: without,
        notes: vec![
            format!(
                "Stellen mit weniger als {NAME_MIN} Meldungen im Zeitraum erhalten keine eigenen Tabellen ({without}). \
                 / Offices with fewer than {NAME_MIN} reports in the period get no tables of their own ({without})."
            ),
            format!(
                "Länder und Größenklassen mit weniger als {MIN_OFFICES} beitragenden Stellen werden nicht gezeigt (x). \
                 / Länder and size classes with fewer than {MIN_OFFICES} contributing offices are not shown (x)."
            ),
        ],
    })
}

/// All entries of several tables in one index space, with the lines that tie them together.
#[derive(Default)]
struct System {
    values: Vec<u64>,
    suppressed: Vec<bool>,
    is_total: Vec<bool>,
    structural: Vec<bool>,
    threshold: Vec<u64>,
    published: Vec<bool>,
    cap: Vec<Option<u64>>,
    floor: Vec<u64>,
    lines: Vec<Line>,
}

impl System {
    /// Adds a table's entries and lines; returns its offset.
    fn add(&mut self, p: &Protected) -> usize {
        let off = self.values.len();
        self.values.extend(&p.values);
        self.suppressed.extend(&p.suppressed);
        self.is_total
            .extend((0..p.values.len()).map(|i| p.is_total(i)));
        self.structural.extend(&p.structural);
        self.threshold.extend(p.values.iter().map(|_| p.threshold));
        self.published.extend(p.values.iter().map(|_| true));
        self.cap.extend(p.values.iter().map(|_| None));
        self.floor.extend(p.values.iter().map(|_| 0));
        self.lines.extend(p.layout.lines.iter().map(|l| Line {
            members: l.members.iter().map(|m| m + off).collect(),
            total: l.total + off,
            additive: l.additive,
        }));
        off
    }

    fn link(&mut self, members: Vec<usize>, total: usize) {
        self.lines.push(Line {
            members,
            total,
            additive: true,
        });
    }

    fn knowledge(&self, rounding_base: u64) -> Knowledge<'_> {
        Knowledge {
            lines: &self.lines,
            values: &self.values,
            suppressed: &self.suppressed,
            structural: &self.structural,
            published: &self.published,
            threshold: &self.threshold,
            cap: &self.cap,
            floor: &self.floor,
            rounding_base,
        }
    }

    /// R2 in full: no suppressed entry follows exactly (suppress_secondary), and none is
    /// confined to "small but not zero" by what a reader can bound (intervals). A leak is
    /// repaired by suppressing one of the released entries that hold it, preferring one whose
    /// suppression frees it at once, then R2's exact pass runs again.
    fn protect(&mut self, rounding_base: u64) -> Result<(), StatsError> {
        let pinned = vec![false; self.values.len()];
        loop {
            suppress_secondary(
                &self.lines,
                &self.values,
                &self.is_total,
                &pinned,
                &self.structural,
                &mut self.suppressed,
            );
            let Some(leak) = self.knowledge(rounding_base).leaks()?.into_iter().next() else {
                return Ok(());
            };
            let mut binding = leak.binding;
            binding.sort_by_key(|&i| (self.values[i], self.is_total[i], i));
            let mut pick = None;
            for &c in &binding {
                let mut s = self.suppressed.clone();
                s[c] = true;
                let still = Knowledge {
                    suppressed: &s,
                    ..self.knowledge(rounding_base)
                }
                .above_zero(leak.entry)?;
                if !still {
                    pick = Some(c);
                    break;
                }
            }
            // Otherwise the smallest released entry that holds it, or, should none be found,
            // the smallest released entry of all: every round hides one more, so it ends.
            let pick = pick.or(binding.first().copied()).or_else(|| {
                (0..self.values.len())
                    .filter(|&i| !self.suppressed[i] && !self.structural[i])
                    .min_by_key(|&i| (self.values[i], self.is_total[i], i))
            });
            match pick {
                Some(c) => self.suppressed[c] = true,
                None => return Err(StatsError::IntervalCheck("nothing left to suppress")),
            }
        }
    }
}

/// R5: a Land or size class is shown only with at least MIN_OFFICES contributing offices; with
/// one or two it would be those offices' figures at the lower Land threshold. Its entries are
/// suppressed from the start, and R2 afterwards keeps them underivable.
fn too_few_offices(
    offices: &BTreeMap<&str, OfficeInfo>,
    cross: &Table,
    by_size_t: &Table,
    cross_p: &mut Protected,
    size_p: &mut Protected,
) {
    let contributing =
        |pick: &dyn Fn(&OfficeInfo) -> bool| offices.values().filter(|o| pick(o)).count();
    let (rows, cols) = (cross.rows.len(), cross.cols.len());
    for (l, land) in cross.cols.iter().enumerate() {
        if (1..MIN_OFFICES).contains(&contributing(&|o: &OfficeInfo| o.land == land)) {
            for t in 0..rows {
                cross_p.suppressed[t * cols + l] = true;
            }
            cross_p.suppressed[rows * cols + rows + l] = true;
        }
    }
    for (i, size) in by_size_t.rows.iter().enumerate() {
        if (1..MIN_OFFICES).contains(&contributing(&|o: &OfficeInfo| o.size_class == size)) {
            size_p.suppressed[i] = true;
        }
    }
}

/// Linked R2 over the Land, size class and racism_form tables, incident_type × Land and the
/// offices' incident_type tables; see the module docs.
fn linked(
    offices: &BTreeMap<&str, OfficeInfo>,
    [cross, by_size_t, by_form_t]: [&Table; 3],
    rules: &Rules,
    spec: &dyn Fn(&[Dimension]) -> Result<TableSpec, StatsError>,
) -> Result<Vec<Released>, StatsError> {
    let mut sys = System::default();
    let mut cross_p = Protected::new_primary(cross, rules)?;
    let mut size_p = Protected::new_primary(by_size_t, rules)?;
    let mut form_p = Protected::new_primary(by_form_t, rules)?;
    too_few_offices(offices, cross, by_size_t, &mut cross_p, &mut size_p);
    let (rows, cols) = (cross.rows.len(), cross.cols.len());
    let c0 = sys.add(&cross_p);
    let s0 = sys.add(&size_p);
    let f0 = sys.add(&form_p);

    // Every office with records: its incident_type table, published or kept hidden.
    let mut office_tables = Vec::new();
    for o in offices.values() {
        let t = o.table(spec(&[Dimension::IncidentType])?)?;
        let mut p = Protected::new_primary(&t, rules)?;
        let published = o.count >= NAME_MIN;
        if !published {
            // Never released, and R2 must keep it underivable.
            p.suppressed.iter_mut().for_each(|s| *s = true);
        }
        let off = sys.add(&p);
        if !published {
            // R5 is public: a reader knows an office without tables has fewer than NAME_MIN.
            let n = p.values.len();
            sys.published[off..off + n]
                .iter_mut()
                .for_each(|x| *x = false);
            sys.cap[off + p.grand()] = Some(NAME_MIN - 1);
        } else {
            // …and one with tables has at least NAME_MIN, whether its total is shown or not.
            sys.floor[off + p.grand()] = NAME_MIN;
        }
        office_tables.push((o, t, p, off, published));
    }

    let cross_cell = |t: usize, l: usize| c0 + t * cols + l;
    let cross_col_total = |l: usize| c0 + rows * cols + rows + l;
    for (l, land) in cross.cols.iter().enumerate() {
        let in_land: Vec<&(&OfficeInfo, Table, Protected, usize, bool)> =
            office_tables.iter().filter(|x| x.0.land == land).collect();
        if in_land.is_empty() {
            continue;
        }
        for t in 0..rows {
            let members = in_land.iter().map(|x| x.3 + t).collect();
            sys.link(members, cross_cell(t, l));
        }
        let totals = in_land.iter().map(|x| x.3 + x.2.grand()).collect();
        sys.link(totals, cross_col_total(l));
    }
    for (s, size) in by_size_t.rows.iter().enumerate() {
        let totals: Vec<usize> = office_tables
            .iter()
            .filter(|x| x.0.size_class == size)
            .map(|x| x.3 + x.2.grand())
            .collect();
        if !totals.is_empty() {
            sys.link(totals, s0 + s);
        }
    }
    sys.link(vec![s0 + size_p.grand()], c0 + cross_p.grand());
    sys.link(vec![f0 + form_p.grand()], c0 + cross_p.grand());

    sys.protect(rules.rounding_base)?;
    let take = |p: &mut Protected, off: usize| {
        let n = p.values.len();
        p.suppressed.copy_from_slice(&sys.suppressed[off..off + n]);
    };
    take(&mut cross_p, c0);
    take(&mut size_p, s0);
    take(&mut form_p, f0);

    let mut tables = vec![
        cross_p.release_margin(cross, rules, 1),
        size_p.release_full(by_size_t, rules),
        cross_p.release_margin(cross, rules, 0),
        form_p.release_full(by_form_t, rules),
        cross_p.release_full(cross, rules),
    ];
    for (o, t, mut p, off, published) in office_tables {
        if !published {
            continue;
        }
        take(&mut p, off);
        let total_suppressed = p.suppressed[p.grand()];
        tables.push(p.release_full(&t, rules));
        // The office's other tables share its total: keep it as the linked pass left it.
        for d in &OFFICE_DIMS[1..] {
            let t = o.table(spec(&[*d])?)?;
            let mut p = Protected::new_primary(&t, rules)?;
            let g = p.grand();
            let mut pinned = vec![false; p.values.len()];
            if total_suppressed {
                p.suppressed[g] = true;
            } else {
                pinned[g] = true;
            }
            let is_total: Vec<bool> = (0..p.values.len()).map(|i| p.is_total(i)).collect();
            let lines = p.layout.lines.clone();
            suppress_secondary(
                &lines,
                &p.values,
                &is_total,
                &pinned,
                &p.structural,
                &mut p.suppressed,
            );
            tables.push(p.release_full(&t, rules));
        }
    }
    Ok(tables)
}
