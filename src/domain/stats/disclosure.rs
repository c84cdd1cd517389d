//! Disclosure control (DESIGN.md R1–R3, R7): from a [`Table`] of true counts to a [`Released`]
//! table that may be published.
//!
//! Order: optional noise (R7) → primary suppression (R1) → secondary suppression (R2) →
//! rounding (R3) → percentages on released values only.

use serde::Serialize;

use super::period::Period;
use super::table::{Dimension, Table};
use super::StatsError;

/// The disclosure rules; `Default` gives the design's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// R1: counts below this are suppressed.
    pub threshold: u64,
    /// R1: the threshold under Land level and for any table using `racism_form`.
    pub threshold_strict: u64,
    /// R3: released counts are rounded to a multiple of this.
    pub rounding_base: u64,
    /// R3: percentages only on a base of at least this.
    pub percent_min_base: u64,
    /// R7: ε of the cell-key noise per table; `None` for no noise.
    pub epsilon: Option<f64>,
    /// R7: a fixed release secret for the record keys, for reproducible releases in tests;
    /// `None` draws one from the OS for each release.
    pub seed: Option<u64>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            threshold: 5,
            threshold_strict: 10,
            rounding_base: 5,
            percent_min_base: 10,
            epsilon: None,
            seed: None,
        }
    }
}

impl Rules {
    fn check(&self) -> Result<(), StatsError> {
        if self.threshold == 0 || self.threshold_strict < self.threshold {
            return Err(StatsError::BadRules(
                "thresholds must be positive and the strict one at least the normal one",
            ));
        }
        if self.rounding_base == 0 {
            return Err(StatsError::BadRules("rounding base must be positive"));
        }
        if let Some(e) = self.epsilon {
            if !(e.is_finite() && e > 0.0) {
                return Err(StatsError::BadRules("epsilon must be a positive number"));
            }
        }
        Ok(())
    }
}

/// A published figure: a rounded count, or a suppression. A suppressed value is labelled as
/// such ("x", as in official statistics), never with a bound: a secondary suppression may hide
/// 40, and "<5" would be false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Count(u64),
    Suppressed,
}

impl Value {
    /// `"15"` or `"x"`.
    pub fn label(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Suppressed => "x".to_owned(),
        }
    }

    pub fn count(&self) -> Option<u64> {
        match self {
            Value::Count(n) => Some(*n),
            Value::Suppressed => None,
        }
    }
}

/// A table that may be published. It holds only rounded counts and suppression markers.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Released {
    pub title: String,
    pub dims: Vec<String>,
    pub period: Period,
    /// The office when this is one office's own table.
    pub office: Option<String>,
    pub rows: Vec<String>,
    /// Empty for a one-way table.
    pub cols: Vec<String>,
    /// `cells[row][col]`; one column for a one-way table.
    pub cells: Vec<Vec<Value>>,
    /// Two-way only.
    pub row_totals: Vec<Value>,
    /// Two-way only.
    pub col_totals: Vec<Value>,
    pub total: Value,
    /// Share of the column total (one-way: of the total) in whole percent, computed from
    /// released rounded counts, and only where the base is at least `percent_min_base`.
    pub percent: Vec<Vec<Option<u32>>>,
    pub threshold: u64,
    /// Suppressed entries (cells and totals), primary and secondary together.
    pub suppressed: usize,
    /// Entries below the threshold. Not serialized: published next to the pattern, the split
    /// into primary and secondary can let a reader pin a value down (a line of one primary and
    /// one secondary summing to exactly the threshold has a zero), so only `suppressed` is.
    #[serde(skip)]
    pub primary_suppressed: usize,
    /// Entries suppressed by R2; not serialized (see `primary_suppressed`).
    #[serde(skip)]
    pub secondary_suppressed: usize,
    pub rules_applied: Vec<String>,
    pub notes: Vec<String>,
}

impl Released {
    pub fn is_two_way(&self) -> bool {
        !self.cols.is_empty()
    }
}

/// Applies R7, R1, R2 and R3 to a table.
pub fn protect(table: &Table, rules: &Rules) -> Result<Released, StatsError> {
    let p = Protected::new(table, rules)?;
    Ok(p.release_full(table, rules))
}

/// For a two-way table: the protected table and its two margins as one-way tables
/// `[table, by first dimension, by second dimension]`. The margins carry exactly the values and
/// suppressions of the table's totals, so publishing all three reveals nothing more than the
/// table (a separately protected one-way table might release what the table had to suppress).
pub fn protect_with_margins(table: &Table, rules: &Rules) -> Result<[Released; 3], StatsError> {
    if !table.is_two_way() {
        return Err(StatsError::NotTwoWay);
    }
    let p = Protected::new(table, rules)?;
    Ok([
        p.release_full(table, rules),
        p.release_margin(table, rules, 0),
        p.release_margin(table, rules, 1),
    ])
}

/// One linear relation of the table: `members` sum to `total`, exactly when `additive`.
/// Lines along the multi-valued `consequences` are not additive (a record counts in several
/// cells); R2 still treats them as lines, which is the safe side.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) members: Vec<usize>,
    pub(crate) total: usize,
    pub(crate) additive: bool,
}

/// Flat index of every entry: cells row-major, then row totals, column totals, grand total.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) two_way: bool,
    pub(crate) lines: Vec<Line>,
}

impl Layout {
    pub(crate) fn new(rows: usize, cols: usize, two_way: bool, multi: [bool; 2]) -> Layout {
        let cell = |r: usize, c: usize| r * cols + c;
        let mut lines = Vec::new();
        if two_way {
            let rt = rows * cols;
            let ct = rt + rows;
            let grand = ct + cols;
            for r in 0..rows {
                lines.push(Line {
                    members: (0..cols).map(|c| cell(r, c)).collect(),
                    total: rt + r,
                    additive: !multi[1],
                });
            }
            for c in 0..cols {
                lines.push(Line {
                    members: (0..rows).map(|r| cell(r, c)).collect(),
                    total: ct + c,
                    additive: !multi[0],
                });
            }
            lines.push(Line {
                members: (0..rows).map(|r| rt + r).collect(),
                total: grand,
                additive: !multi[0],
            });
            lines.push(Line {
                members: (0..cols).map(|c| ct + c).collect(),
                total: grand,
                additive: !multi[1],
            });
        } else {
            lines.push(Line {
                members: (0..rows).collect(),
                total: rows,
                additive: !multi[0],
            });
        }
        Layout {
            rows,
            cols,
            two_way,
            lines,
        }
    }

    pub(crate) fn len(&self) -> usize {
        if self.two_way {
            self.rows * self.cols + self.rows + self.cols + 1
        } else {
            self.rows + 1
        }
    }

    fn is_cell(&self, i: usize) -> bool {
        i < self.rows * self.cols
    }

    fn grand(&self) -> usize {
        self.len() - 1
    }
}

/// Which entries of the table are structural zeros: every cell and total of a row or column
/// whose category cannot occur.
fn structural_entries(table: &Table, layout: &Layout) -> Vec<bool> {
    let spec = &table.spec;
    let rows: Vec<bool> = table.rows.iter().map(|l| spec.structural(0, l)).collect();
    let cols: Vec<bool> = table.cols.iter().map(|l| spec.structural(1, l)).collect();
    let mut out = vec![false; layout.len()];
    if layout.two_way {
        for r in 0..layout.rows {
            for c in 0..layout.cols {
                out[r * layout.cols + c] = rows[r] || cols[c];
            }
            out[layout.rows * layout.cols + r] = rows[r];
        }
        for c in 0..layout.cols {
            out[layout.rows * layout.cols + layout.rows + c] = cols[c];
        }
    } else {
        out[..layout.rows].copy_from_slice(&rows);
    }
    out
}

/// The working state of one protection: values after noise, and the suppression pattern.
pub(crate) struct Protected {
    pub(crate) layout: Layout,
    pub(crate) values: Vec<u64>,
    pub(crate) suppressed: Vec<bool>,
    pub(crate) primary: Vec<bool>,
    /// Structural zeros: published as they are, never chosen for secondary suppression.
    pub(crate) structural: Vec<bool>,
    pub(crate) threshold: u64,
    epsilon_cell: Option<f64>,
}

impl Protected {
    /// Noise, R1 and R2 within this table.
    pub(crate) fn new(table: &Table, rules: &Rules) -> Result<Protected, StatsError> {
        let mut p = Protected::new_primary(table, rules)?;
        p.secondary();
        Ok(p)
    }

    /// Noise and R1 only, for R2 over several linked tables at once.
    pub(crate) fn new_primary(table: &Table, rules: &Rules) -> Result<Protected, StatsError> {
        rules.check()?;
        let dims = &table.spec.dims;
        let multi = [
            dims[0].is_multi(),
            dims.get(1).is_some_and(|d| d.is_multi()),
        ];
        let two_way = table.is_two_way();
        let rows = table.rows.len();
        let cols = if two_way { table.cols.len() } else { 1 };
        let layout = Layout::new(rows, cols, two_way, multi);
        let mut values: Vec<u64> = table.cells.iter().flatten().copied().collect();
        values.extend(&table.row_totals);
        values.extend(&table.col_totals);
        values.push(table.total);

        let epsilon_cell = rules.epsilon.map(|e| e / sensitivity() as f64);
        let exact = values.clone();
        if let Some(eps) = epsilon_cell {
            // Without record keys every entry would get the same noise: a table built for R7
            // comes from `Table::from_keyed_records` (as a release builds them).
            // (A sum of random keys is 0 with probability 2^-64.)
            let keyless = values
                .iter()
                .zip(&table.keys)
                .any(|(&v, &k)| v > 0 && k == 0);
            if table.keys.len() != values.len() || keyless {
                return Err(StatsError::BadRules(
                    "noise (R7) needs records with keys, as a release builds its tables",
                ));
            }
            // R7, cell-key: each entry, totals included, by its own key; an empty entry has no
            // records and stays 0.
            for (v, &key) in values.iter_mut().zip(&table.keys) {
                if *v > 0 {
                    *v = (*v as i64 + super::cell_key::noise(eps, key)).max(0) as u64;
                }
            }
        }

        let threshold = if table.spec.strict() {
            rules.threshold_strict
        } else {
            rules.threshold
        };
        // R1. Zeros are suppressed like any small count: a released 0 next to an "x" would tell
        // "someone reported here" apart from "nobody did", and a structural zero cannot be told
        // from a sampling one without knowledge we do not want to encode.
        // Structural zeros (a size class or Land without any office) are known to everyone:
        // published as 0, never suppressed, so they cannot force suppressions elsewhere.
        let structural = structural_entries(table, &layout);
        // With noise, R1 holds for the true count as well: noise lifting a 1 above the
        // threshold must not publish it (a released figure would then say "someone is here").
        let primary: Vec<bool> = values
            .iter()
            .zip(&exact)
            .zip(&structural)
            .map(|((&v, &e), &s)| (v < threshold || e < threshold) && !s)
            .collect();
        Ok(Protected {
            layout,
            values,
            suppressed: primary.clone(),
            primary,
            structural,
            threshold,
            epsilon_cell,
        })
    }

    pub(crate) fn grand(&self) -> usize {
        self.layout.grand()
    }

    pub(crate) fn is_total(&self, i: usize) -> bool {
        !self.layout.is_cell(i)
    }

    /// R2 within this table.
    pub(crate) fn secondary(&mut self) {
        let is_total: Vec<bool> = (0..self.values.len())
            .map(|i| !self.layout.is_cell(i))
            .collect();
        let pinned = vec![false; self.values.len()];
        suppress_secondary(
            &self.layout.lines,
            &self.values,
            &is_total,
            &pinned,
            &self.structural,
            &mut self.suppressed,
        );
    }

    fn value(&self, i: usize, rules: &Rules) -> Value {
        if self.suppressed[i] {
            Value::Suppressed
        } else {
            Value::Count(round(self.values[i], rules.rounding_base))
        }
    }

    /// Percent of `part` in `base`, from released rounded values, if the base may carry one.
    fn percent(&self, part: usize, base: usize, rules: &Rules) -> Option<u32> {
        if self.suppressed[part] || self.suppressed[base] {
            return None;
        }
        if self.values[base] < rules.percent_min_base {
            return None;
        }
        let (p, b) = (
            round(self.values[part], rules.rounding_base),
            round(self.values[base], rules.rounding_base),
        );
        (b > 0).then(|| ((p * 100 + b / 2) / b) as u32)
    }

    fn count_suppressed(&self, idx: impl Iterator<Item = usize> + Clone) -> (usize, usize) {
        let s = idx.clone().filter(|&i| self.suppressed[i]).count();
        let p = idx.filter(|&i| self.primary[i]).count();
        (p, s - p)
    }

    pub(crate) fn release_full(&self, table: &Table, rules: &Rules) -> Released {
        let l = &self.layout;
        let cols = l.cols;
        let cells = (0..l.rows)
            .map(|r| (0..cols).map(|c| self.value(r * cols + c, rules)).collect())
            .collect();
        let (rt, ct) = (l.rows * cols, l.rows * cols + l.rows);
        let (row_totals, col_totals) = if l.two_way {
            (
                (0..l.rows).map(|r| self.value(rt + r, rules)).collect(),
                (0..cols).map(|c| self.value(ct + c, rules)).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let percent = (0..l.rows)
            .map(|r| {
                (0..cols)
                    .map(|c| {
                        let base = if l.two_way { ct + c } else { l.grand() };
                        self.percent(r * cols + c, base, rules)
                    })
                    .collect()
            })
            .collect();
        let (primary, secondary) = self.count_suppressed(0..l.len());
        let dims: Vec<&str> = table.spec.dims.iter().map(|d| d.name()).collect();
        Released {
            title: dims.join(" × "),
            dims: dims.iter().map(|d| d.to_string()).collect(),
            period: table.spec.period,
            office: table.spec.office.clone(),
            rows: table.rows.clone(),
            cols: table.cols.clone(),
            cells,
            row_totals,
            col_totals,
            total: self.value(l.grand(), rules),
            percent,
            threshold: self.threshold,
            suppressed: primary + secondary,
            primary_suppressed: primary,
            secondary_suppressed: secondary,
            rules_applied: self.rules_lines(table, rules),
            notes: table.notes.clone(),
        }
    }

    /// The margin over dimension `axis` (0: rows, 1: columns) as a one-way table.
    pub(crate) fn release_margin(&self, table: &Table, rules: &Rules, axis: usize) -> Released {
        let l = &self.layout;
        let (start, n, labels) = if axis == 0 {
            (l.rows * l.cols, l.rows, &table.rows)
        } else {
            (l.rows * l.cols + l.rows, l.cols, &table.cols)
        };
        let idx = (start..start + n).chain([l.grand()]);
        let (primary, secondary) = self.count_suppressed(idx);
        let dim = table.spec.dims[axis];
        let mut notes = table.notes.clone();
        notes.push(format!(
            "Randsumme der Tabelle {t}, gleiche Werte und Sperrungen. / Margin of the table {t}, \
             with its values and suppressions.",
            t = table
                .spec
                .dims
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(" × ")
        ));
        Released {
            title: dim.name().to_owned(),
            dims: vec![dim.name().to_owned()],
            period: table.spec.period,
            office: table.spec.office.clone(),
            rows: labels.clone(),
            cols: Vec::new(),
            cells: (start..start + n)
                .map(|i| vec![self.value(i, rules)])
                .collect(),
            row_totals: Vec::new(),
            col_totals: Vec::new(),
            total: self.value(l.grand(), rules),
            percent: (start..start + n)
                .map(|i| vec![self.percent(i, l.grand(), rules)])
                .collect(),
            threshold: self.threshold,
            suppressed: primary + secondary,
            primary_suppressed: primary,
            secondary_suppressed: secondary,
            rules_applied: self.rules_lines(table, rules),
            notes,
        }
    }

    fn rules_lines(&self, table: &Table, rules: &Rules) -> Vec<String> {
        let t = self.threshold;
        let mut out = vec![
            format!("R6: fester Zeitraum {p} / fixed period {p}", p = table.spec.period),
            format!(
                "R1: Werte unter {t} gesperrt und als „x“ gezeigt, auch Nullen und Summen{strict} / \
                 counts below {t} suppressed and shown as \"x\", zeros and totals included{strict_en}",
                strict = if t == rules.threshold_strict && t != rules.threshold {
                    " (strenge Schwelle: unter Landesebene oder racism_form)"
                } else {
                    ""
                },
                strict_en = if t == rules.threshold_strict && t != rules.threshold {
                    " (strict threshold: below Land level or racism_form)"
                } else {
                    ""
                },
            ),
            "R2: Sekundärsperrung: keine Zeile oder Spalte (mit Summe) mit genau einer Sperrung, \
             kein gesperrter Wert aus Summen errechenbar / secondary suppression: no row or column \
             (totals included) with exactly one suppressed value, none derivable from totals"
                .to_owned(),
            format!(
                "R3: Werte auf Vielfache von {b} gerundet, Summen unabhängig von Zellen (Summen können \
                 abweichen); Prozente nur bei Basis ab {m} / counts rounded to multiples of {b}, totals \
                 independently of cells (they need not add up); percentages only on a base of at least {m}",
                b = rules.rounding_base,
                m = rules.percent_min_base
            ),
            "R4: höchstens zweidimensional; racism_form nie mit Ort oder Verwaltungsbereich / at most \
             two-way; racism_form never crossed with location or admin_area"
                .to_owned(),
        ];
        if table.folded > 0
            || table
                .spec
                .dims
                .iter()
                .any(|d| matches!(d, Dimension::Municipality | Dimension::Office))
        {
            out.push(format!(
                "R5: Kommunen und Stellen nur ab {n} Meldungen benannt, sonst Land / Größenklasse / \
                 municipalities and offices named only with at least {n} reports, else folded into \
                 Land / size class",
                n = super::table::NAME_MIN
            ));
        }
        if let (Some(e), Some(ec)) = (rules.epsilon, self.epsilon_cell) {
            out.push(format!(
                "R7: Rauschen nach dem Cell-Key-Verfahren (diskret Laplace), ε = {e} je Tabelle \
                 (ε = {ec:.3} je Wert), vor R1 und R3; derselbe Wert hat in jeder Tabelle dasselbe \
                 Rauschen / cell-key noise (discrete Laplace), ε = {e} per table (ε = {ec:.3} per \
                 entry), before R1 and R3; the same figure has the same noise in every table"
            ));
        }
        out
    }
}

/// R2 over any system of lines (one table, or several linked ones): suppress more entries
/// until no line has exactly one suppressed entry and no suppressed entry is determined by the
/// additive lines. Greedy: the smallest value first, cells before totals. `pinned` entries (shown
/// in another table already) are taken only when nothing else is left; `structural` entries
/// (zeros everyone knows) are never taken: suppressing one hides nothing.
pub(crate) fn suppress_secondary(
    lines: &[Line],
    values: &[u64],
    is_total: &[bool],
    pinned: &[bool],
    structural: &[bool],
    suppressed: &mut [bool],
) {
    let order = |i: usize| (pinned[i], values[i], is_total[i], i);
    let entries = |l: &Line| {
        l.members
            .iter()
            .chain([&l.total])
            .copied()
            .collect::<Vec<_>>()
    };
    loop {
        let lonely = lines
            .iter()
            .find(|l| entries(l).iter().filter(|&&i| suppressed[i]).count() == 1);
        if let Some(line) = lonely {
            let pick = entries(line)
                .into_iter()
                .filter(|&i| !suppressed[i] && !structural[i])
                .min_by_key(|&i| order(i))
                .or_else(|| {
                    (0..values.len())
                        .filter(|&i| !suppressed[i] && !structural[i])
                        .min_by_key(|&i| order(i))
                });
            match pick {
                Some(pick) => suppressed[pick] = true,
                None => break,
            }
            continue;
        }
        let Some(&k) = determined(lines, suppressed).first() else {
            break;
        };
        // Candidates: unsuppressed entries on k's lines; prefer one that frees k at once.
        let mut cands: Vec<usize> = lines
            .iter()
            .filter(|l| l.total == k || l.members.contains(&k))
            .flat_map(entries)
            .filter(|&i| !suppressed[i] && !structural[i])
            .collect();
        if cands.is_empty() {
            cands = (0..values.len())
                .filter(|&i| !suppressed[i] && !structural[i])
                .collect();
        }
        cands.sort_by_key(|&i| order(i));
        cands.dedup();
        let Some(&first) = cands.first() else { break };
        let pick = cands
            .iter()
            .copied()
            .find(|&c| {
                let mut s = suppressed.to_vec();
                s[c] = true;
                !determined(lines, &s).contains(&k)
            })
            .unwrap_or(first);
        suppressed[pick] = true;
    }
}

/// Rounds half up to a multiple of `base`.
pub(crate) fn round(v: u64, base: u64) -> u64 {
    (v + base / 2) / base * base
}

/// How many entries of one table of the release set a record changes at most: in the
/// one-way `consequences` table up to the taxonomy's four cells plus the total; in a two-way
/// table its cell, its row and column totals and the grand total. The cell-key method needs one
/// noise distribution for every table (the same figure must get the same noise everywhere), so
/// ε is divided by the largest of these, and it bounds each table of the release.
fn sensitivity() -> u64 {
    let consequences = super::taxonomy::field("consequences").map_or(4, |f| f.max) as u64;
    (consequences + 1).max(4)
}

/// Suppressed entries whose value follows exactly from the released ones through the additive
/// lines. Gaussian elimination over the unknowns; an unknown is determined exactly when its
/// reduced row has no other non-zero entry.
pub(crate) fn determined(lines: &[Line], suppressed: &[bool]) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..suppressed.len()).filter(|&i| suppressed[i]).collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let col_of = |i: usize| unknowns.binary_search(&i).ok();
    let n = unknowns.len();
    let mut m: Vec<Vec<f64>> = Vec::new();
    for l in lines.iter().filter(|l| l.additive) {
        let mut row = vec![0.0; n];
        let mut any = false;
        for &i in &l.members {
            if let Some(c) = col_of(i) {
                row[c] += 1.0;
                any = true;
            }
        }
        if let Some(c) = col_of(l.total) {
            row[c] -= 1.0;
            any = true;
        }
        if any {
            m.push(row);
        }
    }
    const EPS: f64 = 1e-9;
    let mut pivots = Vec::new();
    let mut r = 0;
    for c in 0..n {
        if r == m.len() {
            break;
        }
        let Some(p) = (r..m.len()).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())) else {
            break;
        };
        if m[p][c].abs() < EPS {
            continue;
        }
        m.swap(r, p);
        let pv = m[r][c];
        for x in &mut m[r] {
            *x /= pv;
        }
        for i in 0..m.len() {
            if i != r && m[i][c].abs() > EPS {
                let f = m[i][c];
                let (src, dst) = if i < r {
                    let (a, b) = m.split_at_mut(r);
                    (&b[0], &mut a[i])
                } else {
                    let (a, b) = m.split_at_mut(i);
                    (&a[r], &mut b[0])
                };
                for (d, s) in dst.iter_mut().zip(src) {
                    *d -= f * s;
                }
            }
        }
        pivots.push((r, c));
        r += 1;
    }
    pivots
        .into_iter()
        .filter(|&(r, c)| (0..n).all(|j| j == c || m[r][j].abs() < EPS))
        .map(|(_, c)| unknowns[c])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::table::{tests::rec, Record, TableSpec};
    use proptest::prelude::*;

    /// A table straight from a matrix of true counts (one column and one dimension: one-way).
    fn matrix_table(cells: Vec<Vec<u64>>, dims: &[Dimension]) -> Table {
        let two_way = dims.len() == 2;
        let rows = cells.len();
        let cols = cells[0].len();
        let total = cells.iter().flatten().sum();
        let (row_totals, col_totals) = if two_way {
            (
                cells.iter().map(|r| r.iter().sum()).collect(),
                (0..cols)
                    .map(|c| cells.iter().map(|r| r[c]).sum())
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        // Distinct, fixed stand-ins for cell keys.
        let entries = rows * cols + if two_way { rows + cols } else { 0 } + 1;
        let keys = (1..=entries as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        Table {
            spec: TableSpec::new(Period::Year(2026), dims).unwrap(),
            rows: (0..rows).map(|r| format!("r{r}")).collect(),
            cols: if two_way {
                (0..cols).map(|c| format!("c{c}")).collect()
            } else {
                Vec::new()
            },
            cells,
            row_totals,
            col_totals,
            total,
            folded: 0,
            notes: Vec::new(),
            keys,
        }
    }

    /// The released table as a grid with its margins: `grid[r][c]`, the last row and column
    /// being the totals (a one-way table is one column plus the total row).
    fn grid(r: &Released) -> Vec<Vec<Value>> {
        let mut g: Vec<Vec<Value>> = r.cells.clone();
        if r.is_two_way() {
            for (row, t) in g.iter_mut().zip(&r.row_totals) {
                row.push(*t);
            }
            let mut last = r.col_totals.clone();
            last.push(r.total);
            g.push(last);
        } else {
            g.push(vec![r.total]);
        }
        g
    }

    fn supp(v: &Value) -> bool {
        matches!(v, Value::Suppressed)
    }

    /// R2 pattern, checked on the published shape only: no row or column of the grid
    /// (totals included, margin lines included) has exactly one suppressed value.
    fn no_lonely_suppression(r: &Released) -> Result<(), String> {
        let g = grid(r);
        let lines_of_rows = if r.is_two_way() { g.len() } else { 0 };
        for (i, row) in g.iter().enumerate().take(lines_of_rows) {
            if row.iter().filter(|v| supp(v)).count() == 1 {
                return Err(format!("row {i} has one suppressed value"));
            }
        }
        for c in 0..g[0].len() {
            if g.iter().filter(|row| supp(&row[c])).count() == 1 {
                return Err(format!("column {c} has one suppressed value"));
            }
        }
        Ok(())
    }

    /// No suppressed value follows from released ones by sums and differences. In a two-way
    /// table with margins every value lies on one row line and one column line, so suppressed
    /// values are edges between line nodes; the exactly determined ones are the bridges of that
    /// graph. (Independent of the elimination used by `protect`.)
    fn nothing_recoverable(r: &Released) -> Result<(), String> {
        let g = grid(r);
        if !r.is_two_way() {
            let n = g.iter().filter(|row| supp(&row[0])).count();
            return if n == 1 {
                Err("one-way: a single suppressed value".into())
            } else {
                Ok(())
            };
        }
        let (nr, nc) = (g.len(), g[0].len());
        let edges: Vec<(usize, usize)> = (0..nr)
            .flat_map(|i| (0..nc).map(move |j| (i, j)))
            .filter(|&(i, j)| supp(&g[i][j]))
            .collect();
        for (k, &(i, j)) in edges.iter().enumerate() {
            // Is column node j reachable from row node i without edge k?
            let mut seen_r = vec![false; nr];
            let mut seen_c = vec![false; nc];
            let mut stack = vec![(true, i)];
            seen_r[i] = true;
            while let Some((is_row, n)) = stack.pop() {
                for (e, &(a, b)) in edges.iter().enumerate() {
                    if e == k {
                        continue;
                    }
                    if is_row && a == n && !seen_c[b] {
                        seen_c[b] = true;
                        stack.push((false, b));
                    } else if !is_row && b == n && !seen_r[a] {
                        seen_r[a] = true;
                        stack.push((true, a));
                    }
                }
            }
            if !seen_c[j] {
                return Err(format!(
                    "value at ({i}, {j}) is recoverable from the totals"
                ));
            }
        }
        Ok(())
    }

    fn check_invariants(p: &Protected, r: &Released, rules: &Rules) -> Result<(), String> {
        for (i, (&v, &s)) in p.values.iter().zip(&p.suppressed).enumerate() {
            if !s && v < p.threshold {
                return Err(format!("entry {i} = {v} released below {}", p.threshold));
            }
        }
        for v in grid(r).iter().flatten() {
            match v {
                Value::Count(n) if n % rules.rounding_base != 0 => {
                    return Err(format!("{n} is not rounded"));
                }
                Value::Count(n) if *n < p.threshold => return Err(format!("{n} shown")),
                _ => {}
            }
        }
        if r.suppressed != p.suppressed.iter().filter(|&&s| s).count() {
            return Err("suppression count".into());
        }
        if !determined(&p.layout.lines, &p.suppressed).is_empty() {
            return Err("elimination finds a determined value".into());
        }
        no_lonely_suppression(r)?;
        nothing_recoverable(r)
    }

    fn small_count() -> impl Strategy<Value = u64> {
        prop_oneof![4 => 0u64..5, 3 => 0u64..15, 1 => 0u64..120]
    }

    fn matrix() -> impl Strategy<Value = Vec<Vec<u64>>> {
        (1usize..=8, 1usize..=8).prop_flat_map(|(r, c)| {
            prop::collection::vec(prop::collection::vec(small_count(), c), r)
        })
    }

    fn run(cells: Vec<Vec<u64>>, dims: &[Dimension], rules: &Rules) -> Result<(), String> {
        let t = matrix_table(cells, dims);
        let p = Protected::new(&t, rules).map_err(|e| e.to_string())?;
        let r = p.release_full(&t, rules);
        check_invariants(&p, &r, rules)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn two_way_tables_keep_the_invariants(cells in matrix(), strict in any::<bool>()) {
            let dims = if strict {
                [Dimension::Municipality, Dimension::Setting]
            } else {
                [Dimension::IncidentType, Dimension::Setting]
            };
            run(cells, &dims, &Rules::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn one_way_tables_keep_the_invariants(col in prop::collection::vec(small_count(), 2..=8)) {
            let cells = col.into_iter().map(|v| vec![v]).collect();
            run(cells, &[Dimension::RacismForm], &Rules::default()).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn noisy_tables_keep_the_invariants(cells in matrix(), seed in any::<u64>(), eps in 0.1f64..2.0) {
            let rules = Rules { epsilon: Some(eps), seed: Some(seed), ..Rules::default() };
            run(cells, &[Dimension::IncidentType, Dimension::Land], &rules)
                .map_err(TestCaseError::fail)?;
        }

        #[test]
        fn consequences_tables_keep_the_pattern(
            answers in prop::collection::vec((0u32..16, 0usize..4), 0..60),
            noise in any::<bool>(),
        ) {
            let vocab = ["psychological_strain", "health_sick_leave", "career_disadvantage", "none"];
            let settings = ["internal_employment", "public_contact", "digital"];
            let records: Vec<Record> = answers.iter().map(|&(mask, s)| {
                let mut r = rec("o", "BE", "over_100k", "Berlin");
                r.consequences = (0..4).filter(|b| mask & (1 << b) != 0).map(|b| vocab[b].to_string()).collect();
                r.setting = settings.get(s).map(|s| s.to_string());
                r
            }).collect();
            let rules = Rules { epsilon: noise.then_some(1.0), seed: Some(7), ..Rules::default() };
            let keys = crate::domain::stats::cell_key::record_keys(&records, &crate::domain::stats::cell_key::Secret::from_seed(7));
            for by in ["consequences", "consequences,setting", "setting,consequences"] {
                let spec = TableSpec::parse("2026", by).unwrap();
                let t = Table::from_keyed_records(records.iter().zip(keys.iter().copied()), &spec).unwrap();
                let p = Protected::new(&t, &rules).unwrap();
                let r = p.release_full(&t, &rules);
                for (i, (&v, &s)) in p.values.iter().zip(&p.suppressed).enumerate() {
                    prop_assert!(s || v >= p.threshold, "entry {} = {} released", i, v);
                }
                no_lonely_suppression(&r).map_err(TestCaseError::fail)?;
            }
        }
    }

    #[test]
    fn noise_needs_record_keys_and_never_publishes_a_small_true_count() {
        let records: Vec<Record> = (0..60)
            .map(|i| {
                let mut r = rec("o", "BE", "over_100k", "Berlin");
                r.setting =
                    Some(["internal_employment", "public_contact"][usize::from(i < 2)].into());
                r
            })
            .collect();
        let spec = TableSpec::parse("2026", "setting").unwrap();
        let rules = |seed| Rules {
            epsilon: Some(0.5),
            seed: Some(seed),
            ..Rules::default()
        };
        // Keyless: every entry would get the same noise.
        let keyless = Table::from_records(&records, &spec).unwrap();
        assert!(matches!(
            Protected::new(&keyless, &rules(1)),
            Err(StatsError::BadRules(_))
        ));
        // Two reports in public_contact: whatever the noise, never released.
        for seed in 0..200 {
            let keys = crate::domain::stats::cell_key::record_keys(
                &records,
                &crate::domain::stats::cell_key::Secret::from_seed(seed),
            );
            let t =
                Table::from_keyed_records(records.iter().zip(keys.iter().copied()), &spec).unwrap();
            let r = protect(&t, &rules(seed)).unwrap();
            let i = r.rows.iter().position(|l| l == "public_contact").unwrap();
            assert_eq!(r.cells[i][0], Value::Suppressed, "seed {seed}");
        }
    }

    #[test]
    fn same_seed_same_noise() {
        let t = matrix_table(
            vec![vec![20, 30], vec![40, 7]],
            &[Dimension::IncidentType, Dimension::Setting],
        );
        let rules = Rules {
            epsilon: Some(0.5),
            seed: Some(42),
            ..Rules::default()
        };
        assert_eq!(protect(&t, &rules).unwrap(), protect(&t, &rules).unwrap());
        assert!(protect(
            &t,
            &Rules {
                epsilon: Some(0.0),
                ..Rules::default()
            }
        )
        .is_err());
    }

    #[test]
    fn a_bridge_between_two_suppressed_cycles_is_found_and_broken() {
        // Two blocks of small cells joined by one small cell: every line has two suppressions,
        // yet the joining cell follows from the totals. R2 must not stop at the pattern rule.
        let big = 50;
        let cells = vec![
            vec![1, 2, big, big],
            vec![3, 4, 1, big],
            vec![big, big, 2, 1],
            vec![big, big, 3, 4],
        ];
        let dims = [Dimension::IncidentType, Dimension::Setting];
        let t = matrix_table(cells.clone(), &dims);
        let layout = Layout::new(4, 4, true, [false, false]);
        let mut primary: Vec<bool> = t.cells.iter().flatten().map(|&v| v < 5).collect();
        primary.resize(layout.len(), false);
        let shown = Protected {
            layout: layout.clone(),
            values: vec![0; layout.len()],
            suppressed: primary.clone(),
            primary: primary.clone(),
            structural: vec![false; layout.len()],
            threshold: 5,
            epsilon_cell: None,
        }
        .release_full(&t, &Rules::default());
        assert!(
            no_lonely_suppression(&shown).is_ok(),
            "the pattern rule alone is satisfied"
        );
        assert!(
            nothing_recoverable(&shown).is_err(),
            "yet the bridge is recoverable"
        );
        assert_eq!(
            determined(&layout.lines, &primary),
            vec![6],
            "cell (1, 2) is determined"
        );
        run(cells, &dims, &Rules::default()).unwrap();
    }

    #[test]
    fn rounding_and_percentages() {
        assert_eq!(round(7, 5), 5);
        assert_eq!(round(8, 5), 10);
        assert_eq!(round(10, 5), 10);
        let t = matrix_table(
            vec![vec![12], vec![33], vec![55]],
            &[Dimension::IncidentType],
        );
        let r = protect(&t, &Rules::default()).unwrap();
        assert_eq!(
            r.cells,
            vec![
                vec![Value::Count(10)],
                vec![Value::Count(35)],
                vec![Value::Count(55)]
            ]
        );
        assert_eq!(r.total, Value::Count(100));
        assert_eq!(
            r.percent,
            vec![vec![Some(10)], vec![Some(35)], vec![Some(55)]]
        );
        assert_eq!(r.suppressed, 0);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("primary"), "the split is not published");
    }
}
