//! An office's quarterly statistics contributions: one record per case received in an ended
//! quarter, replacing an earlier batch until the period's release is frozen.

use chrono::NaiveDate;

use super::AppError;
use crate::db::{self, DbError, Store};

pub use crate::db::stats::Refusal;
use crate::domain::office::{Office, Officer};
use crate::domain::stats::contribution;
use crate::domain::stats::taxonomy::{Answers, Quarter};

/// Stores a quarter's batch (audited); the quarter and the number of records.
pub async fn contribute(
    store: &Store,
    officer: &Officer,
    office: &Office,
    quarter: &str,
    records: Vec<Answers>,
    today: NaiveDate,
) -> Result<(Quarter, usize), AppError> {
    let (quarter, records) = contribution::prepare(quarter, records, today)?;
    let n = records.len();
    let (slug, id) = (office.slug.clone(), officer.id.clone());
    store
        .write(move |c| {
            let done = db::stats::contribute(c, &slug, quarter, &records)?;
            if done.is_ok() {
                let q = quarter.to_string();
                db::desk::append_audit(c, &slug, &id, "stats:contribute", Some(&q))?;
            }
            Ok(done)
        })
        .await??;
    Ok((quarter, n))
}

/// A quarter as the desk shows it.
pub struct QuarterState {
    pub quarter: Quarter,
    /// Cases the office received in the quarter.
    pub cases: u64,
    /// Records the office contributed for it (0: not yet).
    pub contributed: u64,
    /// Released: the contribution can no longer change.
    pub frozen: bool,
}

/// The quarter running on `today`: its cases so far, and the day after it ends (the first day
/// it can be contributed).
pub async fn current_quarter(
    store: &Store,
    office: &Office,
    today: NaiveDate,
) -> Result<(Quarter, u64, NaiveDate), AppError> {
    let q = Quarter::of(today);
    let slug = office.slug.clone();
    let cases = store
        .read(move |c| db::stats::cases_received(c, &slug, q))
        .await?;
    let from = q.days().1 + chrono::Days::new(1);
    Ok((q, cases, from))
}

/// The last four ended quarters, newest first.
pub async fn last_quarters(
    store: &Store,
    office: &Office,
    today: NaiveDate,
) -> Result<Vec<QuarterState>, AppError> {
    let mut q = Quarter::of(today).previous();
    let mut quarters = vec![];
    for _ in 0..4 {
        quarters.push(q);
        q = q.previous();
    }
    let slug = office.slug.clone();
    Ok(store
        .read(move |c| {
            quarters
                .into_iter()
                .map(|q| {
                    Ok(QuarterState {
                        quarter: q,
                        cases: db::stats::cases_received(c, &slug, q)?,
                        contributed: db::stats::contributed(c, &slug, q)?,
                        frozen: db::stats::is_frozen(c, q)?,
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()
        })
        .await?)
}
