//! An office's quarterly statistics contributions: one record per case received in an ended
//! quarter, sealed to the server's statistics key, replacing an earlier batch until the
//! period's release is frozen. An office without cases confirms its quarter the same way, with
//! an empty batch.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::AppError;
use crate::db::{self, DbError, Store};

use crate::crypto::stats_key::StatsKey;
pub use crate::db::stats::Refusal;
use crate::domain::office::{Office, Officer};
use crate::domain::stats::contribution::{self, Batch};
use crate::domain::stats::taxonomy::{self, Answers, Quarter};

/// The statistics key in `path`, checked against the one the database's batches are sealed
/// to; created (and registered) by the first server of a new database. Plain records an
/// earlier version stored are sealed with it here.
pub fn open_stats_key(store: &Store, path: &Path) -> Result<Arc<StatsKey>, AppError> {
    let registered = store.read_now(db::stats::key_recipient)?;
    let key = match (StatsKey::load(path)?, registered) {
        (Some(key), _) => key,
        (None, Some(_)) => return Err(AppError::StatsKeyMissing(path.to_owned())),
        (None, None) => StatsKey::create(path)?,
    };
    let recipient = key.recipient().to_owned();
    let registered = store.write_now(move |c| db::stats::register_key(c, &recipient))?;
    if registered != key.recipient() {
        return Err(AppError::StatsKeyMismatch(path.to_owned()));
    }
    let key = Arc::new(key);
    seal_legacy(store, &key)?;
    Ok(key)
}

/// Seals the plain records of an earlier version into batches, one transaction for all.
fn seal_legacy(store: &Store, key: &Arc<StatsKey>) -> Result<(), AppError> {
    let legacy = store.read_now(db::stats::legacy_records)?;
    if legacy.is_empty() {
        return Ok(());
    }
    let mut sealed = Vec::with_capacity(legacy.len());
    for ((office, quarter), records) in legacy {
        let n = records.len() as u64;
        let bytes = seal(key, &office, &quarter, records)?;
        sealed.push((office, quarter, n, bytes));
    }
    store.write_now(move |c| {
        for (office, quarter, n, bytes) in &sealed {
            db::stats::replace_legacy(c, office, quarter, *n, bytes)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn seal(
    key: &StatsKey,
    office: &str,
    quarter: &str,
    records: Vec<Answers>,
) -> Result<Vec<u8>, AppError> {
    let batch = Batch {
        office: office.to_owned(),
        quarter: quarter.to_owned(),
        taxonomy_version: taxonomy::VERSION,
        records,
    };
    let json = serde_json::to_vec(&batch).map_err(|_| AppError::Internal)?;
    Ok(key.seal(&json)?)
}

/// Stores a quarter's batch, sealed (audited); the quarter and the number of records. An empty
/// batch confirms a quarter without cases.
pub async fn contribute(
    store: &Store,
    key: &Arc<StatsKey>,
    officer: &Officer,
    office: &Office,
    quarter: &str,
    records: Vec<Answers>,
    today: NaiveDate,
) -> Result<(Quarter, usize), AppError> {
    let (quarter, records) = contribution::prepare(quarter, records, today)?;
    let n = records.len();
    let (slug, id) = (office.slug.clone(), officer.id.clone());
    let key = key.clone();
    let q = quarter.to_string();
    let s2 = slug.clone();
    let sealed = super::blocking(move || seal(&key, &s2, &q, records)).await??;
    store
        .write(move |c| {
            let done = db::stats::contribute(c, &slug, quarter, n as u64, &sealed)?;
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
    /// Records the office contributed for it (`None`: nothing yet; `Some(0)`: it confirmed a
    /// quarter without cases).
    pub contributed: Option<u64>,
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
