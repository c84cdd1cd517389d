//! R2, second half: what a reader can *bound*, not only what they can compute exactly.
//!
//! [`suppress_secondary`](super::disclosure::suppress_secondary) makes sure no suppressed entry
//! follows exactly from the released ones. A reader also knows inequalities: every released
//! count lies within its rounding interval and is at least its threshold, every count is at least
//! zero, and an office without tables of its own has fewer than `NAME_MIN` records (R5 is
//! public). Together these can confine a suppressed entry to "between 1 and the threshold", which
//! says "someone here reported" as plainly as the number would. This module finds such entries by
//! linear programming over the whole linked system, as an auditor would (DESIGN.md R2; the test
//! `tests/stats_audit.rs` audits independently with its own model).

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem};

use super::disclosure::Line;
use super::StatsError;

/// Everything a reader of a release knows about one linked system of entries.
pub(crate) struct Knowledge<'a> {
    pub(crate) lines: &'a [Line],
    /// True values (after noise, if any): used to pick candidates, never put into the model.
    pub(crate) values: &'a [u64],
    pub(crate) suppressed: &'a [bool],
    pub(crate) structural: &'a [bool],
    /// Whether an entry appears in a published table at all (a hidden office's entries do not).
    pub(crate) published: &'a [bool],
    pub(crate) threshold: &'a [u64],
    /// Public upper bounds beyond the tables, such as `NAME_MIN - 1` for a hidden office.
    pub(crate) cap: &'a [Option<u64>],
    /// Public lower bounds beyond the tables, such as `NAME_MIN` for an office with tables.
    pub(crate) floor: &'a [u64],
    pub(crate) rounding_base: u64,
}

/// A published, suppressed entry that a reader confines to `[lo, hi]` with `lo > 0` and
/// `hi < threshold`, and the released entries that hold it there (at one of their bounds when
/// the entry is at its minimum): suppressing one of them is how the pattern is repaired.
pub(crate) struct Leak {
    pub(crate) entry: usize,
    pub(crate) binding: Vec<usize>,
}

impl Knowledge<'_> {
    fn bounds(&self, i: usize) -> (f64, f64) {
        let cap = self.cap[i].map_or(f64::INFINITY, |c| c as f64);
        let floor = self.floor[i] as f64;
        if self.structural[i] {
            return (0.0, 0.0);
        }
        if self.suppressed[i] || !self.published[i] {
            return (floor, cap);
        }
        // Released: rounded half up to the base, and at least the threshold (R1).
        let base = self.rounding_base;
        let r = super::disclosure::round(self.values[i], base);
        let lo = r.saturating_sub(base / 2).max(self.threshold[i]);
        let hi = r + (base - 1) / 2;
        ((lo as f64).max(floor), (hi as f64).min(cap))
    }

    /// Minimises (or maximises) one entry. `Ok(None)` when nothing bounds it; an error when
    /// the solver fails, which must stop the release rather than let a leak through.
    fn extreme(
        &self,
        target: usize,
        dir: OptimizationDirection,
    ) -> Result<Option<(f64, Vec<f64>)>, StatsError> {
        let mut p = Problem::new(dir);
        let vars: Vec<_> = (0..self.values.len())
            .map(|i| p.add_var(if i == target { 1.0 } else { 0.0 }, self.bounds(i)))
            .collect();
        for l in self.lines {
            if l.additive {
                let mut e = LinearExpr::empty();
                for &m in &l.members {
                    e.add(vars[m], 1.0);
                }
                e.add(vars[l.total], -1.0);
                p.add_constraint(e, ComparisonOp::Eq, 0.0);
            } else {
                for &m in &l.members {
                    p.add_constraint(
                        [(vars[m], 1.0), (vars[l.total], -1.0)],
                        ComparisonOp::Le,
                        0.0,
                    );
                }
            }
        }
        let sol = match p.solve() {
            Ok(outcome) => outcome
                .into_solution()
                .map_err(|_| StatsError::IntervalCheck("the solver stopped early"))?,
            Err(microlp::Error::Unbounded) => return Ok(None),
            // The true counts satisfy the model: infeasible would be a bug, not a release.
            Err(microlp::Error::Infeasible) => {
                return Err(StatsError::IntervalCheck(
                    "the model contradicts the counts",
                ))
            }
            Err(_) => return Err(StatsError::IntervalCheck("the solver failed")),
        };
        let xs = vars.iter().map(|v| sol.var_value(*v)).collect();
        Ok(Some((sol.objective(), xs)))
    }

    /// Every published suppressed entry confined to "small but not zero". Counts are whole
    /// numbers, so any minimum above 0 means at least 1, and any maximum below the threshold
    /// means at most the threshold minus 1; the tolerance only absorbs rounding in the solver.
    pub(crate) fn leaks(&self) -> Result<Vec<Leak>, StatsError> {
        const TOL: f64 = 1e-6;
        let mut out = Vec::new();
        for i in 0..self.values.len() {
            // The true value is always feasible: an entry that is 0 or at least the threshold
            // cannot be confined strictly between them.
            let v = self.values[i];
            if !self.suppressed[i] || !self.published[i] || v == 0 || v >= self.threshold[i] {
                continue;
            }
            let Some((lo, at_min)) = self.extreme(i, OptimizationDirection::Minimize)? else {
                continue;
            };
            if lo <= TOL {
                continue;
            }
            let hi = self
                .extreme(i, OptimizationDirection::Maximize)?
                .map_or(f64::INFINITY, |(hi, _)| hi);
            if hi >= self.threshold[i] as f64 - TOL {
                continue;
            }
            let binding = (0..self.values.len())
                .filter(|&j| !self.suppressed[j] && !self.structural[j] && self.published[j])
                .filter(|&j| {
                    let (lo, hi) = self.bounds(j);
                    at_min[j] >= hi - 1e-6 || at_min[j] <= lo + 1e-6
                })
                .collect();
            out.push(Leak { entry: i, binding });
        }
        Ok(out)
    }

    /// Whether a reader can still show the entry to be above zero.
    pub(crate) fn above_zero(&self, entry: usize) -> Result<bool, StatsError> {
        Ok(self
            .extreme(entry, OptimizationDirection::Minimize)?
            .is_some_and(|(lo, _)| lo > 1e-6))
    }
}
