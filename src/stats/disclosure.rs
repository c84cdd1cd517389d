//! Disclosure control (DESIGN.md R1–R3, R7): from a [`Table`] of true counts to a [`Released`]
//! table that may be published.
//!
//! Order: optional noise (R7) → primary suppression (R1) → secondary suppression (R2) →
//! rounding (R3) → percentages on released values only.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
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
    /// R7: ε of discrete Laplace noise per release; `None` for no noise.
    pub epsilon: Option<f64>,
    /// R7: seed for reproducible noise in tests; `None` draws from the OS.
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

/// A published figure: a rounded count, or a suppression shown as `<threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Count(u64),
    Suppressed { below: u64 },
}

impl Value {
    /// `"15"` or `"<5"`.
    pub fn label(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Suppressed { below } => format!("<{below}"),
        }
    }

    pub fn count(&self) -> Option<u64> {
        match self {
            Value::Count(n) => Some(*n),
            Value::Suppressed { .. } => None,
        }
    }
}

/// A table that may be published. It holds only rounded counts and suppression markers.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The working state of one protection: values after noise, and the suppression pattern.
pub(crate) struct Protected {
    pub(crate) layout: Layout,
    pub(crate) values: Vec<u64>,
    pub(crate) suppressed: Vec<bool>,
    pub(crate) primary: Vec<bool>,
    pub(crate) threshold: u64,
    epsilon_cell: Option<f64>,
}

impl Protected {
    pub(crate) fn new(table: &Table, rules: &Rules) -> Result<Protected, StatsError> {
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

        let epsilon_cell = rules.epsilon.map(|e| e / sensitivity(dims) as f64);
        if let Some(eps) = epsilon_cell {
            let mut rng = match rules.seed {
                Some(s) => ChaCha20Rng::seed_from_u64(s),
                None => ChaCha20Rng::from_entropy(),
            };
            values = noisy(&layout, &values, multi, eps, &mut rng);
        }

        let threshold = if table.spec.strict() {
            rules.threshold_strict
        } else {
            rules.threshold
        };
        // R1. Zeros are suppressed like any small count: a released 0 next to a "<5" would tell
        // "someone reported here" apart from "nobody did", and a structural zero cannot be told
        // from a sampling one without knowledge we do not want to encode.
        let primary: Vec<bool> = values.iter().map(|&v| v < threshold).collect();
        let mut p = Protected {
            layout,
            values,
            suppressed: primary.clone(),
            primary,
            threshold,
            epsilon_cell,
        };
        p.secondary();
        Ok(p)
    }

    /// R2: suppress more entries until no line has exactly one suppressed entry and no
    /// suppressed entry is determined by the additive lines. Greedy: the smallest value first,
    /// cells before totals.
    fn secondary(&mut self) {
        let order = |p: &Protected, i: usize| (p.values[i], !p.layout.is_cell(i), i);
        loop {
            let lonely = self.layout.lines.iter().find(|l| {
                l.members
                    .iter()
                    .chain([&l.total])
                    .filter(|&&i| self.suppressed[i])
                    .count()
                    == 1
            });
            if let Some(line) = lonely {
                let pick = line
                    .members
                    .iter()
                    .chain([&line.total])
                    .copied()
                    .filter(|&i| !self.suppressed[i])
                    .min_by_key(|&i| order(self, i))
                    .expect("a line with one suppressed entry has others");
                self.suppressed[pick] = true;
                continue;
            }
            let Some(&k) = determined(&self.layout, &self.suppressed).first() else {
                break;
            };
            // Candidates: unsuppressed entries on k's lines; prefer one that frees k at once.
            let mut cands: Vec<usize> = self
                .layout
                .lines
                .iter()
                .filter(|l| l.total == k || l.members.contains(&k))
                .flat_map(|l| l.members.iter().chain([&l.total]).copied())
                .filter(|&i| !self.suppressed[i])
                .collect();
            if cands.is_empty() {
                cands = (0..self.values.len())
                    .filter(|&i| !self.suppressed[i])
                    .collect();
            }
            cands.sort_by_key(|&i| order(self, i));
            cands.dedup();
            let Some(&first) = cands.first() else { break };
            let pick = cands
                .iter()
                .copied()
                .find(|&c| {
                    let mut s = self.suppressed.clone();
                    s[c] = true;
                    !determined(&self.layout, &s).contains(&k)
                })
                .unwrap_or(first);
            self.suppressed[pick] = true;
        }
    }

    fn value(&self, i: usize, rules: &Rules) -> Value {
        if self.suppressed[i] {
            Value::Suppressed {
                below: self.threshold,
            }
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

    fn release_full(&self, table: &Table, rules: &Rules) -> Released {
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
    fn release_margin(&self, table: &Table, rules: &Rules, axis: usize) -> Released {
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
                "R1: Werte unter {t} gesperrt und als „<{t}“ gezeigt, auch Nullen und Summen{strict} / \
                 counts below {t} suppressed as \"<{t}\", zeros and totals included{strict_en}",
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
                "R7: diskretes Laplace-Rauschen, ε = {e} für diese Veröffentlichung (ε = {ec:.3} je \
                 Zelle), vor R1 und R3 / discrete Laplace noise, ε = {e} for this release \
                 (ε = {ec:.3} per cell), before R1 and R3"
            ));
        }
        out
    }
}

/// Rounds half up to a multiple of `base`.
pub(crate) fn round(v: u64, base: u64) -> u64 {
    (v + base / 2) / base * base
}

/// How many released entries one record can change with independent noise: one cell for
/// single-valued tables (totals are sums of noisy cells); up to the taxonomy's four
/// consequences plus the one record-count total noised on its own.
fn sensitivity(dims: &[Dimension]) -> u64 {
    if dims.iter().any(|d| d.is_multi()) {
        let max = super::taxonomy::field("consequences").map_or(4, |f| f.max) as u64;
        max + 1
    } else {
        1
    }
}

/// R7: noise on every cell, clamped at 0; additive totals are recomputed from the noisy cells
/// (so R2's lines still hold), totals that count records along `consequences` get their own noise.
fn noisy(
    layout: &Layout,
    values: &[u64],
    multi: [bool; 2],
    eps: f64,
    rng: &mut impl Rng,
) -> Vec<u64> {
    let mut noise = |v: u64| (v as i64 + discrete_laplace(eps, rng)).max(0) as u64;
    let (rows, cols) = (layout.rows, layout.cols);
    let mut out = values.to_vec();
    for v in &mut out[..rows * cols] {
        *v = noise(*v);
    }
    let cell_sum =
        |out: &[u64], idx: &mut dyn Iterator<Item = usize>| -> u64 { idx.map(|i| out[i]).sum() };
    let grand = layout.grand();
    if layout.two_way {
        let (rt, ct) = (rows * cols, rows * cols + rows);
        for r in 0..rows {
            out[rt + r] = if multi[1] {
                noise(values[rt + r])
            } else {
                cell_sum(&out, &mut (0..cols).map(|c| r * cols + c))
            };
        }
        for c in 0..cols {
            out[ct + c] = if multi[0] {
                noise(values[ct + c])
            } else {
                cell_sum(&out, &mut (0..rows).map(|r| r * cols + c))
            };
        }
        // At most one dimension is multi-valued, so one side always adds up.
        out[grand] = if multi[0] {
            cell_sum(&out, &mut (ct..ct + cols))
        } else {
            cell_sum(&out, &mut (rt..rt + rows))
        };
    } else {
        out[grand] = if multi[0] {
            noise(values[grand])
        } else {
            cell_sum(&out, &mut (0..rows))
        };
    }
    out
}

/// Discrete Laplace (two-sided geometric) noise: P(k) ∝ exp(-ε|k|), as the difference of two
/// geometric draws.
fn discrete_laplace(eps: f64, rng: &mut impl Rng) -> i64 {
    geometric(eps, rng) as i64 - geometric(eps, rng) as i64
}

/// P(G = k) = (1 - q) q^k with q = exp(-ε), by inversion: G = floor(ln U / ln q), U in (0, 1].
fn geometric(eps: f64, rng: &mut impl Rng) -> u64 {
    let u = 1.0 - rng.gen::<f64>();
    let g = (u.ln() / -eps).floor();
    // Guards the astronomically unlikely tail; a huge count would be suppressed by nothing.
    g.min(1e12) as u64
}

/// Suppressed entries whose value follows exactly from the released ones through the additive
/// lines. Gaussian elimination over the unknowns; an unknown is determined exactly when its
/// reduced row has no other non-zero entry.
pub(crate) fn determined(layout: &Layout, suppressed: &[bool]) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..suppressed.len()).filter(|&i| suppressed[i]).collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let col_of = |i: usize| unknowns.binary_search(&i).ok();
    let n = unknowns.len();
    let mut m: Vec<Vec<f64>> = Vec::new();
    for l in layout.lines.iter().filter(|l| l.additive) {
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
