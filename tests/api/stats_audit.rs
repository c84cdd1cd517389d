//! An attacker's audit of whole releases by linear programming (issue #17).
//!
//! For a random alliance of offices and records, the release set is built as `stats release`
//! builds it. Then everything a reader of the release knows goes into one linear program:
//! every published cell, margin and total of every table, each within its rounding interval
//! (and at least the threshold, since it was released); every suppressed entry as an unknown
//! of at least 0; the additive lines inside each table; the links between tables (a Land's
//! cells are the sums of its offices' cells, the margins of incident_type × Land are the
//! one-way tables, every grand total is the same, an office's tables share its total); and the
//! offices without tables of their own as unknowns with fewer than NAME_MIN records. For every
//! suppressed entry the LP's minimum and maximum must leave it open: not a single value, and
//! not a range that lies entirely between 1 and the threshold ("small but not zero").
//!
//! The solver is microlp (a maintained pure-Rust simplex, the one good_lp uses); the model here
//! is written from the published tables' meaning, not from the suppression code's own lines.

use std::collections::BTreeMap;

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem, Variable};
use proptest::prelude::*;

use meldestelle::domain::stats::taxonomy::{self, Quarter};
use meldestelle::domain::stats::{
    alliance_release, Period, Place, Record, ReleaseSet, Released, Rules, Value, NAME_MIN,
};

const LAENDER: [&str; 3] = ["BE", "BB", "NW"];

/// One released table's entries as LP variables, in the order of `Released`.
struct Vars {
    cells: Vec<Vec<Variable>>,
    row_totals: Vec<Variable>,
    col_totals: Vec<Variable>,
    total: Variable,
}

/// A linear equality `sum(plus) - sum(minus) = 0`, kept to rebuild the problem per objective.
type Eq = (Vec<Variable>, Vec<Variable>);

struct Model {
    /// Bounds per variable.
    bounds: Vec<(f64, f64)>,
    eqs: Vec<Eq>,
    /// `a <= b`.
    les: Vec<(Variable, Variable)>,
    /// Suppressed published entries: variable, threshold, true value (for a sanity check).
    suppressed: Vec<(Variable, u64, String)>,
    /// Every variable's name, for AUDIT_DEBUG.
    names: std::cell::RefCell<Vec<String>>,
}

impl Model {
    fn var(&mut self, problem: &mut Problem, bounds: (f64, f64)) -> Variable {
        self.bounds.push(bounds);
        let n = self.names.borrow().len();
        self.names.borrow_mut().push(format!("v{n}"));
        problem.add_var(0.0, bounds)
    }

    /// Builds the problem with an objective on one variable.
    fn solve(&self, target: usize, direction: OptimizationDirection) -> f64 {
        let mut p = Problem::new(direction);
        let vars: Vec<Variable> = self
            .bounds
            .iter()
            .enumerate()
            .map(|(i, b)| p.add_var(if i == target { 1.0 } else { 0.0 }, *b))
            .collect();
        for (plus, minus) in &self.eqs {
            let mut coeffs: BTreeMap<usize, (Variable, f64)> = BTreeMap::new();
            for (v, c) in plus
                .iter()
                .map(|v| (v, 1.0))
                .chain(minus.iter().map(|v| (v, -1.0)))
            {
                coeffs.entry(v.idx()).or_insert((*v, 0.0)).1 += c;
            }
            let mut e = LinearExpr::empty();
            for (v, c) in coeffs.into_values().filter(|(_, c)| *c != 0.0) {
                e.add(v, c);
            }
            p.add_constraint(e, ComparisonOp::Eq, 0.0);
        }
        for (a, b) in &self.les {
            p.add_constraint([(*a, 1.0), (*b, -1.0)], ComparisonOp::Le, 0.0);
        }
        match p.solve() {
            Ok(outcome) => {
                let sol = outcome
                    .into_solution()
                    .expect("an LP without integer variables always finishes");
                if std::env::var_os("AUDIT_DEBUG").is_some()
                    && direction == OptimizationDirection::Minimize
                {
                    let names = self.names.borrow();
                    eprintln!("MIN {}", names[target]);
                    for (i, v) in vars.iter().enumerate() {
                        let x = sol.var_value(*v);
                        if x.abs() > 1e-9 {
                            eprintln!(
                                "  {} = {x}",
                                names.get(i).map(String::as_str).unwrap_or("?")
                            );
                        }
                    }
                }
                sol.objective()
            }
            // Nothing bounds it from above: as open as it gets.
            Err(microlp::Error::Unbounded) => f64::INFINITY,
            Err(e) => panic!("the published release is inconsistent with the model: {e}"),
        }
    }
}

fn bounds(v: Value, threshold: u64, base: u64) -> (f64, f64) {
    match v {
        // A released 0 is a structural zero: a category without any office.
        Value::Count(0) => (0.0, 0.0),
        // Rounded to `base`: the true count is within half a base, and at least the threshold.
        Value::Count(n) => {
            let half = (base / 2) as f64;
            (((n as f64) - half).max(threshold as f64), n as f64 + half)
        }
        Value::Suppressed => (0.0, f64::INFINITY),
    }
}

fn add_table(m: &mut Model, p: &mut Problem, r: &Released, rules: &Rules) -> Vars {
    let mut entry = |m: &mut Model, v: Value, what: String| {
        let var = m.var(p, bounds(v, r.threshold, rules.rounding_base));
        m.names.borrow_mut()[var.idx()] = format!("{what} {v:?} {:?}", m.bounds[var.idx()]);
        if v == Value::Suppressed {
            m.suppressed.push((var, r.threshold, what));
        }
        var
    };
    let name = format!("{:?}/{}", r.office, r.dims.join("×"));
    let cells: Vec<Vec<Variable>> = r
        .cells
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, v)| entry(m, *v, format!("{name} cell {i},{j}")))
                .collect()
        })
        .collect();
    let row_totals: Vec<Variable> = r
        .row_totals
        .iter()
        .enumerate()
        .map(|(i, v)| entry(m, *v, format!("{name} row total {i}")))
        .collect();
    let col_totals: Vec<Variable> = r
        .col_totals
        .iter()
        .enumerate()
        .map(|(j, v)| entry(m, *v, format!("{name} col total {j}")))
        .collect();
    let total = entry(m, r.total, format!("{name} total"));
    let multi = |d: &str| d == "consequences";
    if r.is_two_way() {
        for (i, row) in cells.iter().enumerate() {
            if !multi(&r.dims[1]) {
                m.eqs.push((row.clone(), vec![row_totals[i]]));
            }
        }
        for (j, &ct) in col_totals.iter().enumerate() {
            if !multi(&r.dims[0]) {
                m.eqs
                    .push((cells.iter().map(|row| row[j]).collect(), vec![ct]));
            }
        }
        if !multi(&r.dims[0]) {
            m.eqs.push((row_totals.clone(), vec![total]));
        }
        if !multi(&r.dims[1]) {
            m.eqs.push((col_totals.clone(), vec![total]));
        }
    } else if multi(&r.dims[0]) {
        // A report counts in each consequence it names: a cell is at most the total.
        for row in &cells {
            m.les.push((row[0], total));
        }
    } else {
        m.eqs
            .push((cells.iter().map(|row| row[0]).collect(), vec![total]));
    }
    Vars {
        cells,
        row_totals,
        col_totals,
        total,
    }
}

fn find<'a>(
    set: &'a ReleaseSet,
    dims: &[&str],
    office: Option<&str>,
) -> Option<(usize, &'a Released)> {
    set.tables
        .iter()
        .enumerate()
        .find(|(_, t)| t.dims == dims && t.office.as_deref() == office)
}

/// What the audit asks of every suppressed entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Demand {
    /// Its feasible range is more than a single value.
    NotPinned,
    /// …and it is not confined to "small but not zero" (between 1 and the threshold).
    NotSmallButNonzero,
}

/// The audit: `Err` names the first suppressed entry that a reader pins down.
fn audit(
    set: &ReleaseSet,
    catalog: &[Place],
    rules: &Rules,
    demand: Demand,
) -> Result<usize, String> {
    let mut p = Problem::new(OptimizationDirection::Minimize);
    let mut m = Model {
        bounds: vec![],
        eqs: vec![],
        les: vec![],
        suppressed: vec![],
        names: Default::default(),
    };
    let vars: Vec<Vars> = set
        .tables
        .iter()
        .map(|t| add_table(&mut m, &mut p, t, rules))
        .collect();
    let (cross_i, cross) = find(set, &["incident_type", "land"], None).ok_or("no cross table")?;
    let (land_i, _) = find(set, &["land"], None).ok_or("no land table")?;
    let (type_i, _) = find(set, &["incident_type"], None).ok_or("no type table")?;
    let (size_i, size_t) = find(set, &["size_class"], None).ok_or("no size table")?;
    let (form_i, _) = find(set, &["racism_form"], None).ok_or("no form table")?;
    // The one-way tables are the cross table's margins; every grand total is the same.
    for (j, &ct) in vars[cross_i].col_totals.iter().enumerate() {
        m.eqs.push((vec![vars[land_i].cells[j][0]], vec![ct]));
    }
    for (i, &rt) in vars[cross_i].row_totals.iter().enumerate() {
        m.eqs.push((vec![vars[type_i].cells[i][0]], vec![rt]));
    }
    for other in [land_i, type_i, size_i, form_i] {
        m.eqs
            .push((vec![vars[other].total], vec![vars[cross_i].total]));
    }
    // Each office: its incident_type entries, published or unknown.
    let mut office_vars: BTreeMap<&str, (Vec<Variable>, Variable)> = BTreeMap::new();
    for place in catalog {
        let o = place.office.as_str();
        match find(set, &["incident_type"], Some(o)) {
            Some((i, _)) => {
                let v = &vars[i];
                office_vars.insert(o, (v.cells.iter().map(|r| r[0]).collect(), v.total));
                // An office gets tables only from NAME_MIN records on (R5, public).
                m.bounds[v.total.idx()].0 = m.bounds[v.total.idx()].0.max(NAME_MIN as f64);
                // Its other tables share its total.
                for t in set
                    .tables
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.office.as_deref() == Some(o))
                {
                    m.eqs.push((vec![vars[t.0].total], vec![v.total]));
                }
            }
            None => {
                let cells: Vec<Variable> = (0..cross.rows.len())
                    .map(|_| m.var(&mut p, (0.0, f64::INFINITY)))
                    .collect();
                let total = m.var(&mut p, (0.0, (NAME_MIN - 1) as f64));
                m.eqs.push((cells.clone(), vec![total]));
                office_vars.insert(o, (cells, total));
            }
        }
    }
    // A Land's figures are its offices' sums, a size class's total likewise.
    for (j, land) in cross.cols.iter().enumerate() {
        let in_land: Vec<&Place> = catalog.iter().filter(|p| &p.land == land).collect();
        for i in 0..cross.rows.len() {
            let members = in_land
                .iter()
                .map(|p| office_vars[p.office.as_str()].0[i])
                .collect();
            m.eqs.push((members, vec![vars[cross_i].cells[i][j]]));
        }
        let totals = in_land
            .iter()
            .map(|p| office_vars[p.office.as_str()].1)
            .collect();
        m.eqs.push((totals, vec![vars[cross_i].col_totals[j]]));
    }
    for (i, size) in size_t.rows.iter().enumerate() {
        let totals = catalog
            .iter()
            .filter(|p| &p.size_class == size)
            .map(|p| office_vars[p.office.as_str()].1)
            .collect();
        m.eqs.push((totals, vec![vars[size_i].cells[i][0]]));
    }
    drop(p);
    for (var, threshold, what) in &m.suppressed {
        let lo = m.solve(var.idx(), OptimizationDirection::Minimize);
        let hi = m.solve(var.idx(), OptimizationDirection::Maximize);
        // Counts are whole numbers: a range narrower than 1 is a single value, a minimum above 0
        // is at least 1, a maximum below the threshold at most the threshold minus 1.
        const TOL: f64 = 1e-6;
        if hi - lo < 1.0 - TOL {
            return Err(format!("{what} is pinned to {lo}"));
        }
        if demand == Demand::NotSmallButNonzero && lo > TOL && hi < *threshold as f64 - TOL {
            return Err(format!("{what} lies in [{lo}, {hi}]: small but not zero"));
        }
    }
    Ok(m.suppressed.len())
}

fn record(place: &Place, answers: (usize, usize, usize)) -> Record {
    let pick = |field: &str, i: usize| {
        let values = taxonomy::field(field).expect("taxonomy field").values;
        // One in five "no answer".
        (i % 5 != 4).then(|| values[i % values.len()].to_owned())
    };
    Record {
        office: place.office.clone(),
        land: place.land.clone(),
        size_class: place.size_class.clone(),
        municipality: place.municipality.clone(),
        quarter: Quarter {
            year: 2026,
            q: 1 + (answers.2 % 4) as u8,
        },
        incident_type: pick("incident_type", answers.0),
        racism_form: pick("racism_form", answers.1),
        reporter_role: pick("reporter_role", answers.2),
        perpetrator_role: pick("perpetrator_role", answers.0 + answers.1),
        setting: pick("setting", answers.1 + answers.2),
        admin_area: pick("admin_area", answers.0 + answers.2),
        consequences: pick("consequences", answers.1).into_iter().collect(),
        reported_further: pick("reported_further", answers.0 * 3 + answers.1),
    }
}

/// 3–9 offices in up to three Länder with 0–40 records each, skewed towards small counts.
fn alliance() -> impl Strategy<Value = (Vec<Place>, Vec<Record>)> {
    prop::collection::vec(
        (
            0usize..3,
            0usize..3,
            prop::collection::vec((0usize..40, 0usize..40, 0usize..40), 0..40),
        ),
        3..9,
    )
    .prop_map(|offices| {
        let mut catalog = vec![];
        let mut records = vec![];
        for (k, (land, size, recs)) in offices.into_iter().enumerate() {
            let place = Place {
                office: format!("office-{k}"),
                municipality: format!("Gemeinde {k}"),
                land: LAENDER[land].into(),
                size_class: taxonomy::SIZE_CLASSES[size].into(),
            };
            records.extend(recs.into_iter().map(|a| record(&place, a)));
            catalog.push(place);
        }
        (catalog, records)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_suppressed_entry_of_a_release_can_be_pinned_down((catalog, records) in alliance()) {
        let rules = Rules::default();
        let set = alliance_release(&records, Period::Year(2026), &catalog, &rules).unwrap();
        let audited = audit(&set, &catalog, &rules, Demand::NotPinned);
        prop_assert!(audited.is_ok(), "{}", audited.unwrap_err());
    }

    /// A Land shown with one office that has tables of its own and small offices that have
    /// none leaves those small offices' sum in a narrow range (each has fewer than NAME_MIN
    /// records, which is public); a size class made of one of them would then lie between 1
    /// and the threshold. The release's own interval pass (src/domain/stats/intervals.rs) prevents it.
    #[test]
    fn no_suppressed_entry_is_known_to_be_small_but_not_zero((catalog, records) in alliance()) {
        let rules = Rules::default();
        let set = alliance_release(&records, Period::Year(2026), &catalog, &rules).unwrap();
        let audited = audit(&set, &catalog, &rules, Demand::NotSmallButNonzero);
        prop_assert!(audited.is_ok(), "{}", audited.unwrap_err());
    }

    #[test]
    fn a_release_does_not_depend_on_the_order_of_records_or_offices(
        (catalog, records) in alliance(),
        seed in any::<u64>(),
    ) {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let rules = Rules::default();
        let set = alliance_release(&records, Period::Year(2026), &catalog, &rules).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (mut r2, mut c2) = (records.clone(), catalog.clone());
        r2.shuffle(&mut rng);
        c2.shuffle(&mut rng);
        let again = alliance_release(&r2, Period::Year(2026), &c2, &rules).unwrap();
        prop_assert_eq!(set, again);
    }
}
