//! Tables of true counts over statistics records, built in one counting pass.
//!
//! A [`Table`] holds true counts and is never published: pass it to
//! [`protect`](super::protect) to get a releasable table.

use std::borrow::Borrow;
use std::collections::HashMap;

use super::period::Period;
use super::taxonomy::{self, Quarter, LAENDER, SIZE_CLASSES};
use super::StatsError;

/// The category of "no answer"; every taxonomy dimension has it, location dimensions do not.
pub const NO_ANSWER: &str = "no_answer";

/// R5: a municipality (and, by the same reasoning, an office) is named only with at least this
/// many records in the period; below that it is folded into its `Land / size class` category.
pub const NAME_MIN: u64 = 10;

/// One opt-in statistics record. Location comes from the office, time is the quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub office: String,
    pub land: String,
    pub size_class: String,
    pub municipality: String,
    pub quarter: Quarter,
    pub incident_type: Option<String>,
    pub racism_form: Option<String>,
    pub reporter_role: Option<String>,
    pub perpetrator_role: Option<String>,
    pub setting: Option<String>,
    pub admin_area: Option<String>,
    /// Multi-valued; empty means "no answer".
    pub consequences: Vec<String>,
    pub reported_further: Option<String>,
}

/// An office and where it is, from the `offices` table. Passing the full list makes the
/// categories of `land`, `municipality` and `office` independent of which of them happen to have
/// records in the period, so that the mere presence of a row reveals nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub office: String,
    pub municipality: String,
    pub land: String,
    pub size_class: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    IncidentType,
    RacismForm,
    ReporterRole,
    PerpetratorRole,
    Setting,
    AdminArea,
    Consequences,
    ReportedFurther,
    Land,
    SizeClass,
    Municipality,
    Office,
}

impl Dimension {
    pub const ALL: [Dimension; 12] = [
        Dimension::IncidentType,
        Dimension::RacismForm,
        Dimension::ReporterRole,
        Dimension::PerpetratorRole,
        Dimension::Setting,
        Dimension::AdminArea,
        Dimension::Consequences,
        Dimension::ReportedFurther,
        Dimension::Land,
        Dimension::SizeClass,
        Dimension::Municipality,
        Dimension::Office,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::IncidentType => "incident_type",
            Dimension::RacismForm => "racism_form",
            Dimension::ReporterRole => "reporter_role",
            Dimension::PerpetratorRole => "perpetrator_role",
            Dimension::Setting => "setting",
            Dimension::AdminArea => "admin_area",
            Dimension::Consequences => "consequences",
            Dimension::ReportedFurther => "reported_further",
            Dimension::Land => "land",
            Dimension::SizeClass => "size_class",
            Dimension::Municipality => "municipality",
            Dimension::Office => "office",
        }
    }

    pub fn parse(s: &str) -> Result<Dimension, StatsError> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.name() == s.trim())
            .ok_or_else(|| StatsError::UnknownDimension(s.chars().take(32).collect()))
    }

    /// Parses the CLI's `--by FIELD[,FIELD]`.
    pub fn parse_list(s: &str) -> Result<Vec<Dimension>, StatsError> {
        s.split(',').map(Dimension::parse).collect()
    }

    pub fn is_location(self) -> bool {
        matches!(
            self,
            Dimension::Land | Dimension::SizeClass | Dimension::Municipality | Dimension::Office
        )
    }

    /// Breakdowns under Land level take the strict threshold (R1).
    pub fn is_below_land(self) -> bool {
        matches!(
            self,
            Dimension::SizeClass | Dimension::Municipality | Dimension::Office
        )
    }

    /// A record may fall into several categories of a multi-valued dimension.
    pub fn is_multi(self) -> bool {
        self == Dimension::Consequences
    }

    fn vocabulary(self) -> Option<&'static [&'static str]> {
        taxonomy::field(self.name()).map(|f| f.values)
    }
}

/// What to tabulate: period, one or two dimensions, optionally one office only.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub period: Period,
    pub dims: Vec<Dimension>,
    /// Restrict to one office's records (the office's own tables).
    pub office: Option<String>,
    /// All offices, for stable location categories; may be empty.
    pub catalog: Vec<Place>,
}

impl TableSpec {
    /// Checks R4: one or two distinct dimensions, and `racism_form` never crossed with a
    /// location or `admin_area`.
    pub fn new(period: Period, dims: &[Dimension]) -> Result<TableSpec, StatsError> {
        let spec = TableSpec {
            period,
            dims: dims.to_vec(),
            office: None,
            catalog: Vec::new(),
        };
        spec.check()?;
        Ok(spec)
    }

    /// `TableSpec::parse("2026-Q3", "incident_type,land")`, as the CLI gets them.
    pub fn parse(period: &str, by: &str) -> Result<TableSpec, StatsError> {
        TableSpec::new(Period::parse(period)?, &Dimension::parse_list(by)?)
    }

    /// One office's own table. A table restricted to one office is a breakdown by location,
    /// so R4 forbids it for `racism_form`.
    pub fn for_office(mut self, office: &str) -> Result<TableSpec, StatsError> {
        self.office = Some(office.to_owned());
        self.check()?;
        Ok(self)
    }

    pub fn with_catalog(mut self, catalog: Vec<Place>) -> TableSpec {
        self.catalog = catalog;
        self
    }

    fn check(&self) -> Result<(), StatsError> {
        let n = self.dims.len();
        if !(1..=2).contains(&n) {
            return Err(StatsError::DimensionCount(n));
        }
        if n == 2 && self.dims[0] == self.dims[1] {
            return Err(StatsError::RepeatedDimension(self.dims[0].name()));
        }
        if self.dims.contains(&Dimension::RacismForm) {
            if let Some(other) = self
                .dims
                .iter()
                .find(|d| d.is_location() || **d == Dimension::AdminArea)
            {
                return Err(StatsError::ForbiddenCross {
                    a: "racism_form",
                    b: other.name(),
                });
            }
            if self.office.is_some() {
                return Err(StatsError::ForbiddenCross {
                    a: "racism_form",
                    b: "office",
                });
            }
        }
        Ok(())
    }

    /// Whether `label`, a category of dimension `dims[axis]`, cannot occur: a size class or
    /// Land in which the catalog has no office at all ("structural zero", never suppressed).
    pub fn structural(&self, axis: usize, label: &str) -> bool {
        if self.catalog.is_empty() {
            return false;
        }
        match self.dims.get(axis) {
            Some(Dimension::SizeClass) => !self.catalog.iter().any(|p| p.size_class == label),
            Some(Dimension::Land) => !self.catalog.iter().any(|p| p.land == label),
            _ => false,
        }
    }

    /// R1: the strict threshold applies under Land level and to anything with `racism_form`.
    pub fn strict(&self) -> bool {
        self.office.is_some()
            || self
                .dims
                .iter()
                .any(|d| d.is_below_land() || *d == Dimension::RacismForm)
    }
}

/// True counts of a one- or two-way table. Never publish this; see [`super::protect`].
///
/// Cells are `cells[row][col]`; a one-way table has one column. Totals count records, so for the
/// multi-valued `consequences` the totals along it are the number of records (each record once),
/// not the sum of the cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub spec: TableSpec,
    pub rows: Vec<String>,
    /// Column labels; empty for a one-way table.
    pub cols: Vec<String>,
    pub cells: Vec<Vec<u64>>,
    /// Two-way only (empty for one-way): records in each row.
    pub row_totals: Vec<u64>,
    /// Two-way only (empty for one-way): records in each column.
    pub col_totals: Vec<u64>,
    /// Records in the table.
    pub total: u64,
    /// Municipalities or offices folded into `Land / size class` (R5).
    pub folded: usize,
    pub notes: Vec<String>,
    /// R7's cell keys, one per entry in the order cells (row-major), row totals, column totals,
    /// grand total: the wrapping sum of the record keys of the entry's records. The same records
    /// give the same key in every table, so the same figure gets the same noise everywhere.
    /// All zero for records without keys.
    pub keys: Vec<u64>,
}

impl Table {
    /// One counting pass over records; records outside the period (or the office) are skipped.
    pub fn from_records<I>(records: I, spec: &TableSpec) -> Result<Table, StatsError>
    where
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        Table::from_counts(records.into_iter().map(|r| (r, 1)), spec)
    }

    /// As [`Table::from_records`], each record with its R7 record key (see [`Table::keys`]).
    pub fn from_keyed_records<'a, I>(records: I, spec: &TableSpec) -> Result<Table, StatsError>
    where
        I: IntoIterator<Item = (&'a Record, u64)>,
    {
        Table::build(records.into_iter().map(|(r, k)| (r, 1, k)), spec)
    }

    /// Pre-aggregated input, e.g. from `SELECT office, quarter, <dims>, count(*) ... GROUP BY`:
    /// each pair is a record standing for `count` identical records (fields not in the table
    /// may be left empty). For `consequences`, group by the stored joined value and split it
    /// into the vector, so that totals still count records.
    pub fn from_counts<I, R>(counts: I, spec: &TableSpec) -> Result<Table, StatsError>
    where
        I: IntoIterator<Item = (R, u64)>,
        R: Borrow<Record>,
    {
        Table::build(counts.into_iter().map(|(r, n)| (r, n, 0)), spec)
    }

    /// The counting pass: each item is a record standing for `n` records whose record keys sum
    /// to `key`.
    fn build<I, R>(counts: I, spec: &TableSpec) -> Result<Table, StatsError>
    where
        I: IntoIterator<Item = (R, u64, u64)>,
        R: Borrow<Record>,
    {
        spec.check()?;
        let mut axes: Vec<Axis> = spec.dims.iter().map(|&d| Axis::new(d)).collect();
        for a in &mut axes {
            a.seed_catalog(&spec.catalog)?;
        }
        let mut raw: HashMap<(u32, u32), (u64, u64)> = HashMap::new();
        for (r, n, key) in counts {
            let r = r.borrow();
            if n == 0 || !spec.period.contains(r.quarter) {
                continue;
            }
            if spec.office.as_deref().is_some_and(|o| o != r.office) {
                continue;
            }
            let k0 = axes[0].key(r)?;
            let k1 = match axes.get_mut(1) {
                Some(a) => a.key(r)?,
                None => 0,
            };
            let e = raw.entry((k0, k1)).or_insert((0, 0));
            e.0 += n;
            e.1 = e.1.wrapping_add(key);
        }

        // R5 needs each municipality's (office's) records in the period before naming it.
        let mut key_totals: Vec<HashMap<u32, u64>> = vec![HashMap::new(); axes.len()];
        for (&(k0, k1), &(n, _)) in &raw {
            *key_totals[0].entry(k0).or_insert(0) += n;
            if axes.len() == 2 {
                *key_totals[1].entry(k1).or_insert(0) += n;
            }
        }
        let mut folded = 0;
        let mut cats: Vec<Categories> = Vec::new();
        for (a, totals) in axes.iter().zip(&key_totals) {
            let c = a.categories(totals, !spec.catalog.is_empty());
            folded += c.folded;
            cats.push(c);
        }

        let two_way = axes.len() == 2;
        let nrows = cats[0].labels.len();
        let ncols = if two_way { cats[1].labels.len() } else { 1 };
        let mut cells = vec![vec![0u64; ncols]; nrows];
        let mut row_totals = vec![0u64; if two_way { nrows } else { 0 }];
        let mut col_totals = vec![0u64; if two_way { ncols } else { 0 }];
        let mut total = 0u64;
        // Keys in the flat entry order; see `Table::keys`.
        let (rt, ct) = (
            nrows * ncols,
            nrows * ncols + if two_way { nrows } else { 0 },
        );
        let grand = ct + if two_way { ncols } else { 0 };
        let mut keys = vec![0u64; grand + 1];
        let mut ca = Vec::new();
        let mut cb = Vec::new();
        for (&(k0, k1), &(n, key)) in &raw {
            ca.clear();
            cb.clear();
            cats[0].of(&axes[0], k0, &mut ca);
            if two_way {
                cats[1].of(&axes[1], k1, &mut cb);
            } else {
                cb.push(0);
            }
            for &a in &ca {
                for &b in &cb {
                    cells[a][b] += n;
                    keys[a * ncols + b] = keys[a * ncols + b].wrapping_add(key);
                }
            }
            // A record counts once in each total it belongs to, so these are record counts
            // even along the multi-valued dimension.
            if two_way {
                for &a in &ca {
                    row_totals[a] += n;
                    keys[rt + a] = keys[rt + a].wrapping_add(key);
                }
                for &b in &cb {
                    col_totals[b] += n;
                    keys[ct + b] = keys[ct + b].wrapping_add(key);
                }
            }
            total += n;
            keys[grand] = keys[grand].wrapping_add(key);
        }

        let mut notes = Vec::new();
        if spec.dims.iter().any(|d| d.is_multi()) {
            notes.push(
                "Mehrfachnennungen bei consequences: ein Bericht zählt in jeder genannten Folge einmal; \
                 Summen zählen Berichte, nicht Zellen. / consequences is multi-valued: a report counts once \
                 in each consequence it names; totals count reports, not the sum of cells."
                    .to_owned(),
            );
        }
        if folded > 0 {
            notes.push(format!(
                "R5: {folded} Kommune(n)/Stelle(n) mit weniger als {NAME_MIN} Meldungen zu Land / Größenklasse \
                 zusammengefasst. / {folded} municipalities or offices with fewer than {NAME_MIN} reports \
                 folded into Land / size class."
            ));
        }
        Ok(Table {
            spec: spec.clone(),
            rows: cats[0].labels.clone(),
            cols: if two_way {
                cats[1].labels.clone()
            } else {
                Vec::new()
            },
            cells,
            row_totals,
            col_totals,
            total,
            folded,
            notes,
            keys,
        })
    }

    pub fn is_two_way(&self) -> bool {
        self.spec.dims.len() == 2
    }
}

/// Interns strings without allocating for ones already seen (the hot path of the counting pass).
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_owned(), i);
        self.names.push(s.to_owned());
        i
    }
}

/// Raw keys of one dimension: a vocabulary index, a consequences bit mask, or an interned
/// place (office or municipality, with its Land and size class for folding).
struct Axis {
    dim: Dimension,
    names: Interner,
    /// For office/municipality keys: (name id, Land index, size class index).
    places: Vec<(u32, usize, usize)>,
    place_ids: HashMap<(u32, usize, usize), u32>,
    lands_seen: Vec<bool>,
}

fn index_of(dim: Dimension, list: &[&str], v: &str) -> Result<usize, StatsError> {
    list.iter()
        .position(|x| *x == v)
        .ok_or_else(|| StatsError::UnknownValue {
            dimension: dim.name(),
            value: v.chars().take(64).collect(),
        })
}

impl Axis {
    fn new(dim: Dimension) -> Axis {
        Axis {
            dim,
            names: Interner::default(),
            places: Vec::new(),
            place_ids: HashMap::new(),
            lands_seen: vec![false; LAENDER.len()],
        }
    }

    fn seed_catalog(&mut self, catalog: &[Place]) -> Result<(), StatsError> {
        for p in catalog {
            self.place_key(&p.office, &p.municipality, &p.land, &p.size_class)?;
        }
        Ok(())
    }

    fn place_key(
        &mut self,
        office: &str,
        municipality: &str,
        land: &str,
        size: &str,
    ) -> Result<u32, StatsError> {
        let l = index_of(Dimension::Land, LAENDER, land)?;
        let s = index_of(Dimension::SizeClass, SIZE_CLASSES, size)?;
        self.lands_seen[l] = true;
        let name = match self.dim {
            Dimension::Office => self.names.id(office),
            Dimension::Municipality => self.names.id(municipality),
            _ => return Ok(0),
        };
        let next = self.places.len() as u32;
        let id = *self.place_ids.entry((name, l, s)).or_insert(next);
        if id == next {
            self.places.push((name, l, s));
        }
        Ok(id)
    }

    fn key(&mut self, r: &Record) -> Result<u32, StatsError> {
        let single = |v: &Option<String>| -> Result<u32, StatsError> {
            let vocab = self.dim.vocabulary().expect("taxonomy dimension");
            match v {
                None => Ok(vocab.len() as u32),
                Some(v) => index_of(self.dim, vocab, v).map(|i| i as u32),
            }
        };
        match self.dim {
            Dimension::IncidentType => single(&r.incident_type),
            Dimension::RacismForm => single(&r.racism_form),
            Dimension::ReporterRole => single(&r.reporter_role),
            Dimension::PerpetratorRole => single(&r.perpetrator_role),
            Dimension::Setting => single(&r.setting),
            Dimension::AdminArea => single(&r.admin_area),
            Dimension::ReportedFurther => single(&r.reported_further),
            Dimension::Consequences => {
                let vocab = self.dim.vocabulary().expect("taxonomy dimension");
                let mut mask = 0u32;
                for v in &r.consequences {
                    mask |= 1 << index_of(self.dim, vocab, v)?;
                }
                Ok(mask)
            }
            Dimension::Land => {
                let l = index_of(self.dim, LAENDER, &r.land)?;
                self.lands_seen[l] = true;
                Ok(l as u32)
            }
            Dimension::SizeClass => {
                index_of(self.dim, SIZE_CLASSES, &r.size_class).map(|i| i as u32)
            }
            Dimension::Municipality | Dimension::Office => {
                self.place_key(&r.office, &r.municipality, &r.land, &r.size_class)
            }
        }
    }

    /// Category labels, folding places under R5; `totals` are the records per raw key.
    fn categories(&self, totals: &HashMap<u32, u64>, have_catalog: bool) -> Categories {
        let fixed = |labels: Vec<String>| Categories {
            labels,
            of_key: Vec::new(),
            folded: 0,
        };
        match self.dim {
            Dimension::Land => {
                // Without a catalog every Land is listed, so an absent row reveals nothing.
                let labels = LAENDER
                    .iter()
                    .zip(&self.lands_seen)
                    .filter(|(_, seen)| **seen || !have_catalog)
                    .map(|(l, _)| l.to_string())
                    .collect();
                fixed(labels)
            }
            Dimension::SizeClass => fixed(SIZE_CLASSES.iter().map(|s| s.to_string()).collect()),
            Dimension::Municipality | Dimension::Office => {
                let label = |&(name, l, s): &(u32, usize, usize), named: bool| {
                    if named {
                        format!("{} ({})", self.names.names[name as usize], LAENDER[l])
                    } else {
                        format!("{} / {} (folded)", LAENDER[l], SIZE_CLASSES[s])
                    }
                };
                let mut key_labels = Vec::with_capacity(self.places.len());
                let mut folded = 0;
                for (id, p) in self.places.iter().enumerate() {
                    let named = totals.get(&(id as u32)).copied().unwrap_or(0) >= NAME_MIN;
                    folded += usize::from(!named);
                    key_labels.push(label(p, named));
                }
                let mut labels = key_labels.clone();
                labels.sort();
                labels.dedup();
                let of_key = key_labels
                    .iter()
                    .map(|k| labels.binary_search(k).expect("label is listed"))
                    .collect();
                Categories {
                    labels,
                    of_key,
                    folded,
                }
            }
            d => {
                let mut labels: Vec<String> = d
                    .vocabulary()
                    .expect("taxonomy dimension")
                    .iter()
                    .map(|v| v.to_string())
                    .collect();
                labels.push(NO_ANSWER.to_owned());
                fixed(labels)
            }
        }
    }
}

struct Categories {
    labels: Vec<String>,
    /// For places: category index of each raw key.
    of_key: Vec<usize>,
    folded: usize,
}

impl Categories {
    /// Category indices of a raw key (several for a multi-valued answer).
    fn of(&self, axis: &Axis, key: u32, out: &mut Vec<usize>) {
        match axis.dim {
            Dimension::Consequences => {
                if key == 0 {
                    out.push(self.labels.len() - 1);
                } else {
                    out.extend((0..32).filter(|b| key & (1 << b) != 0).map(|b| b as usize));
                }
            }
            Dimension::Municipality | Dimension::Office => out.push(self.of_key[key as usize]),
            Dimension::Land => {
                let label = LAENDER[key as usize];
                out.push(
                    self.labels
                        .iter()
                        .position(|l| l == label)
                        .expect("a seen Land is listed"),
                );
            }
            _ => out.push(key as usize),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn rec(office: &str, land: &str, size: &str, muni: &str) -> Record {
        Record {
            office: office.into(),
            land: land.into(),
            size_class: size.into(),
            municipality: muni.into(),
            quarter: Quarter { year: 2026, q: 3 },
            incident_type: None,
            racism_form: None,
            reporter_role: None,
            perpetrator_role: None,
            setting: None,
            admin_area: None,
            consequences: Vec::new(),
            reported_further: None,
        }
    }

    #[test]
    fn r4_refuses_forbidden_crosses() {
        let p = Period::Year(2026);
        use Dimension::*;
        for other in [Land, SizeClass, Municipality, Office, AdminArea] {
            assert!(matches!(
                TableSpec::new(p, &[RacismForm, other]),
                Err(StatsError::ForbiddenCross { .. })
            ));
            assert!(TableSpec::new(p, &[other, RacismForm]).is_err());
        }
        assert!(TableSpec::new(p, &[RacismForm, IncidentType]).is_ok());
        assert!(TableSpec::new(p, &[RacismForm])
            .unwrap()
            .for_office("x")
            .is_err());
        assert_eq!(
            TableSpec::new(p, &[Land, Setting, AdminArea]),
            Err(StatsError::DimensionCount(3))
        );
        assert!(TableSpec::new(p, &[Land, Land]).is_err());
        assert!(TableSpec::parse("2026", "nonsense").is_err());
    }

    #[test]
    fn counts_consequences_per_value_and_totals_per_record() {
        let mut a = rec("o", "BE", "over_100k", "Berlin");
        a.consequences = vec!["none".into(), "psychological_strain".into()];
        a.setting = Some("digital".into());
        let b = rec("o", "BE", "over_100k", "Berlin");
        let spec = TableSpec::parse("2026-Q3", "consequences,setting").unwrap();
        let t = Table::from_records([&a, &b], &spec).unwrap();
        assert_eq!(t.total, 2);
        let row = |l: &str| t.rows.iter().position(|r| r == l).unwrap();
        let col = |l: &str| t.cols.iter().position(|r| r == l).unwrap();
        assert_eq!(t.cells[row("none")][col("digital")], 1);
        assert_eq!(t.cells[row("psychological_strain")][col("digital")], 1);
        assert_eq!(t.cells[row(NO_ANSWER)][col(NO_ANSWER)], 1);
        assert_eq!(t.col_totals[col("digital")], 1, "one record, not two cells");
        assert_eq!(t.row_totals[row("none")], 1);
        assert!(!t.notes.is_empty());
    }

    #[test]
    fn unknown_values_are_errors_and_other_periods_are_skipped() {
        let mut a = rec("o", "BE", "over_100k", "Berlin");
        a.setting = Some("moon".into());
        let spec = TableSpec::parse("2026", "setting").unwrap();
        assert!(Table::from_records([&a], &spec).is_err());
        a.quarter = Quarter { year: 2025, q: 4 };
        let t = Table::from_records([&a], &spec).unwrap();
        assert_eq!(t.total, 0, "outside the period: never looked at");
    }

    #[test]
    fn r5_folds_small_municipalities() {
        let mut rs = Vec::new();
        for _ in 0..12 {
            rs.push(rec("b", "BE", "over_100k", "Berlin"));
        }
        rs.push(rec("k", "BB", "under_20k", "Kleinstadt"));
        let spec = TableSpec::parse("2026", "municipality").unwrap();
        let t = Table::from_records(&rs, &spec).unwrap();
        assert_eq!(t.rows, vec!["BB / under_20k (folded)", "Berlin (BE)"]);
        assert_eq!(t.folded, 1);
    }
}
