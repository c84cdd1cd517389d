//! Publication of statistics: what the CLI's `stats release`/`stats export` and the analysts'
//! API share. Counts come from the offices' quarterly contributions, disclosure control from
//! `stats`. A period is released once ("frozen", R6): the whole release set is computed, rendered
//! and stored, and every later request gets those stored bytes. Nothing else is released.

use chrono::NaiveDate;

use crate::crypto::stats_key::{StatsKey, StatsKeyError};
use crate::db::stats::{SealedBatch, StoredRelease, StoredTable};
use crate::db::{self, DbConn, DbError};
use crate::domain::office::Office;
use crate::domain::stats::contribution::Batch;
use crate::domain::stats::render::{self, Format};
use crate::domain::stats::{self, Period, ReleaseSet, Rules, StatsError, TableSpec};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Stats(#[from] StatsError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("period {0} has not ended yet (R6: releases are per fixed, past period)")]
    PeriodNotEnded(Period),
    #[error("no access to office '{0}'")]
    NotGranted(String),
    #[error("{0} has been released already; a release is never recomputed")]
    AlreadyReleased(String),
    #[error("the release series is {0}ly; {1} does not belong to it (R6: quarters or years, never both)")]
    OtherSeries(String, String),
    #[error("{0} has no frozen release yet; an analyst of the whole alliance releases it first")]
    NotReleased(String),
    #[error(
        "this table is not part of the release for {0}; ad-hoc exports come only from a release"
    )]
    NotInRelease(String),
    #[error("{1} office(s) have not contributed {0} in full; it can be released once they have, or after {2}")]
    ContributionsOpen(String, usize, NaiveDate),
    #[error("{0}")]
    Stored(String),
    #[error(transparent)]
    StatsKey(#[from] StatsKeyError),
    #[error("the sealed batch of {0} for {1} does not hold what its row says; nothing released")]
    BatchMismatch(String, String),
}

/// What to tabulate.
#[derive(Debug, Clone)]
pub struct TableRequest {
    pub period: String,
    pub by: String,
    /// One office's own table; otherwise every office in `offices`.
    pub office: Option<String>,
}

fn ended(period: &str, today: NaiveDate) -> Result<Period, PublishError> {
    let p = Period::parse(period)?;
    if p.last_day() >= today {
        return Err(PublishError::PeriodNotEnded(p));
    }
    Ok(p)
}

/// A release set as one JSON document.
fn set_json(set: &ReleaseSet) -> Result<Vec<u8>, StatsError> {
    serde_json::to_vec_pretty(set).map_err(|_| StatsError::UnknownFormat("json".into()))
}

/// A stored table's scope: the alliance's, or `office:<slug>` (a slug may be any word).
fn scope(office: Option<&str>) -> String {
    office.map_or_else(|| "alliance".to_owned(), |o| format!("office:{o}"))
}

fn series_of(p: Period) -> &'static str {
    match p {
        Period::Quarter(_) => "quarter",
        Period::Year(_) => "year",
    }
}

/// The rules and parameters of a release, as stored beside it.
fn rules_json(rules: &Rules, offices: &[String], missing: usize) -> String {
    serde_json::json!({
        "taxonomy_version": stats::taxonomy::VERSION,
        "threshold": rules.threshold,
        "threshold_strict": rules.threshold_strict,
        "rounding_base": rules.rounding_base,
        "percent_min_base": rules.percent_min_base,
        "noise_epsilon": rules.epsilon,
        "name_min": stats::NAME_MIN,
        "min_offices_per_land_or_size_class": stats::alliance::MIN_OFFICES,
        "contributing_offices": offices.len(),
        "offices_not_contributed": missing,
    })
    .to_string()
}

/// Analysts belong to the alliance, not to an office; their audit entries say so.
pub const AUDIT_SCOPE: &str = "alliance";

/// Freezes a period's release set as analyst `by`, audited in the same commit.
pub async fn release(
    store: &db::Store,
    key: &std::sync::Arc<StatsKey>,
    by: &str,
    period: String,
    offices: Vec<Office>,
    rules: Rules,
    today: NaiveDate,
) -> Result<StoredRelease, PublishError> {
    let by = by.to_owned();
    let key = key.clone();
    store
        .write(move |c| {
            let out = freeze(c, &key, &period, &offices, &rules, today);
            if let Ok(s) = &out {
                db::desk::append_audit(c, AUDIT_SCOPE, &by, "stats:release", Some(&s.period))?;
            }
            Ok(out)
        })
        .await?
}

/// Computes the period's whole release set once and stores it, rendered, with its tables, the
/// contributing offices and the rules. Runs in the caller's transaction; a second call for the
/// same period is refused, and so is a period of the other series.
pub fn freeze(
    conn: &mut DbConn,
    stats_key: &StatsKey,
    period: &str,
    offices: &[Office],
    rules: &Rules,
    today: NaiveDate,
) -> Result<StoredRelease, PublishError> {
    let p = ended(period, today)?;
    let key = p.to_string();
    // Contributions and releases are serialised across servers and the CLI (PostgreSQL).
    db::stats::lock_releases(conn)?;
    if db::stats::is_released(conn, &key)? {
        return Err(PublishError::AlreadyReleased(key));
    }
    if let Some(series) = db::stats::release_series(conn)? {
        if series != series_of(p) {
            return Err(PublishError::OtherSeries(series, key));
        }
    }
    // An office took part when it sent every quarter of the period in full; an office without
    // cases confirms its quarter with an empty batch, so that a missing office says nothing
    // about whether it had cases. Only those offices' records are counted: a partial office
    // could count a case twice or not at all.
    let counts = p
        .quarters()
        .iter()
        .map(|q| db::stats::quarter_counts(conn, *q))
        .collect::<Result<Vec<_>, _>>()?;
    let mut contributing = Vec::new();
    let mut missing = 0;
    for o in offices {
        let complete = counts.iter().all(|c| {
            let (cases, given) = c.get(&o.slug).copied().unwrap_or_default();
            given == Some(cases)
        });
        if complete {
            contributing.push(o.slug.clone());
        } else {
            missing += 1;
        }
    }
    // Offices get time to contribute: until every one is complete, or the reminder period
    // after the period's end has passed. A release freezes the period for good.
    let open_until =
        p.last_day() + chrono::Days::new(crate::domain::notify::CONTRIBUTION_REMIND_DAYS);
    if missing > 0 && today <= open_until {
        return Err(PublishError::ContributionsOpen(key, missing, open_until));
    }
    let complete: Vec<Office> = offices
        .iter()
        .filter(|o| contributing.contains(&o.slug))
        .cloned()
        .collect();
    let batches = db::stats::batches(conn, p, &contributing)?;
    let records = open_batches(stats_key, &batches, &complete)?;
    let set = stats::alliance_release(&records, p, &db::stats::catalog(offices), rules)?;
    let tables: Vec<StoredTable> = set
        .tables
        .iter()
        .map(|t| StoredTable {
            scope: scope(t.office.as_deref()),
            dims: t.dims.join(","),
            csv: render::render(t, Format::Csv),
            json: render::render(t, Format::Json),
        })
        .collect();
    let names = offices
        .iter()
        .map(|o| (o.slug.clone(), o.name.clone()))
        .collect();
    // The contributing offices are named only when none is missing: with the public office
    // list, naming them would name the missing ones.
    let named: &[String] = if missing == 0 { &contributing } else { &[] };
    let Rendered { csv, json, html } =
        render_set(&set, named, contributing.len(), missing, &names, today)?;
    let release = StoredRelease {
        period: key,
        series: series_of(p).into(),
        released_on: today,
        offices: named.join(","),
        rules: rules_json(rules, &contributing, missing),
        csv,
        json,
        html,
    };
    db::stats::store_release(conn, &release, &tables)?;
    Ok(release)
}

/// The records of the batches, opened with the statistics key, each with its office's place.
/// A batch whose content does not match its row (moved, or its count changed) stops the
/// release: it would count cases of another office or quarter.
fn open_batches(
    key: &StatsKey,
    batches: &[SealedBatch],
    offices: &[Office],
) -> Result<Vec<stats::Record>, PublishError> {
    let by_slug: std::collections::HashMap<&str, &Office> =
        offices.iter().map(|o| (o.slug.as_str(), o)).collect();
    let mut records = Vec::new();
    for b in batches {
        let mismatch = || PublishError::BatchMismatch(b.office.clone(), b.quarter.to_string());
        let Some(o) = by_slug.get(b.office.as_str()) else {
            continue;
        };
        let plain = key.open(&b.sealed)?;
        let batch: Batch = serde_json::from_slice(&plain).map_err(|_| mismatch())?;
        if batch.office != b.office
            || batch.quarter != b.quarter.to_string()
            || batch.records.len() as u64 != b.records
        {
            return Err(mismatch());
        }
        records.extend(batch.records.into_iter().map(|a| stats::Record {
            office: o.slug.clone(),
            land: o.land.clone(),
            size_class: o.size_class.clone(),
            municipality: o.municipality.clone(),
            quarter: b.quarter,
            incident_type: a.incident_type,
            racism_form: a.racism_form,
            reporter_role: a.reporter_role,
            perpetrator_role: a.perpetrator_role,
            setting: a.setting,
            admin_area: a.admin_area,
            consequences: a.consequences.unwrap_or_default(),
            reported_further: a.reported_further,
        }));
    }
    Ok(records)
}

/// A release set in its three published forms.
struct Rendered {
    /// Every table under its title.
    csv: Vec<u8>,
    json: Vec<u8>,
    /// The publication page.
    html: Vec<u8>,
}

fn render_set(
    set: &ReleaseSet,
    contributing: &[String],
    contributed: usize,
    missing: usize,
    names: &std::collections::BTreeMap<String, String>,
    released_on: NaiveDate,
) -> Result<Rendered, PublishError> {
    // An office's own table is headed with the office, as in the page and the JSON.
    let heading = |t: &stats::Released| match &t.office {
        Some(o) => format!(
            "{} ({o}): {}",
            names.get(o).map_or(o.as_str(), String::as_str),
            t.title
        ),
        None => t.title.clone(),
    };
    let csv = set
        .tables
        .iter()
        .map(|t| format!("# {}\n{}", heading(t), render::csv(t)))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    let html = render::publication(
        &set.period.to_string(),
        &set.tables,
        contributing,
        contributed,
        missing,
        names,
        Some(released_on),
    )
    .into_bytes();
    Ok(Rendered {
        csv,
        json: set_json(set)?,
        html,
    })
}

/// The part of a frozen release an analyst scoped to some offices may see: the alliance's
/// tables and those of the `granted` offices, rendered from the stored set in the asked format.
/// (The stored bytes, every office's tables included, are for analysts of the whole alliance.)
pub async fn scoped_set(
    store: &db::Store,
    period: String,
    format: Format,
    granted: Vec<String>,
) -> Result<Vec<u8>, PublishError> {
    store
        .read(move |c| Ok(scoped(c, &period, format, &granted)))
        .await?
}

fn scoped(
    conn: &mut DbConn,
    period: &str,
    format: Format,
    granted: &[String],
) -> Result<Vec<u8>, PublishError> {
    let key = Period::parse(period)?.to_string();
    if format == Format::Svg {
        return Err(StatsError::UnknownFormat("svg".into()).into());
    }
    let stored = db::stats::release_record(conn, &key)?.ok_or(PublishError::NotReleased(key))?;
    let mut set: ReleaseSet = serde_json::from_slice(&stored.json)
        .map_err(|e| PublishError::Stored(format!("the stored release does not read back: {e}")))?;
    set.tables
        .retain(|t| t.office.as_ref().is_none_or(|o| granted.contains(o)));
    let contributing: Vec<String> = stored
        .offices
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let rules = serde_json::from_str::<serde_json::Value>(&stored.rules).unwrap_or_default();
    let count = |field: &str| {
        rules[field]
            .as_u64()
            .map_or(0, |n| usize::try_from(n).unwrap_or(0))
    };
    let (contributed, missing) = (
        count("contributing_offices"),
        count("offices_not_contributed"),
    );
    let names = db::offices::list_offices(conn)?
        .into_iter()
        .map(|o| (o.slug, o.name))
        .collect();
    let r = render_set(
        &set,
        &contributing,
        contributed,
        missing,
        &names,
        stored.released_on,
    )?;
    Ok(match format {
        Format::Csv => r.csv,
        Format::Json => r.json,
        _ => r.html,
    })
}

/// Frozen releases never change (R6), so the bytes read once are kept in memory and shared:
/// a request for a release does not read megabytes from the database again. Holds the most
/// recently used few; the database stays the only record.
pub struct FrozenCache {
    entries: std::sync::Mutex<std::collections::VecDeque<((String, Format), bytes::Bytes)>>,
    capacity: usize,
}

impl Default for FrozenCache {
    fn default() -> FrozenCache {
        // Three formats of the latest few periods; a release of 200 offices is ~6 MB of HTML.
        FrozenCache::with_capacity(12)
    }
}

impl FrozenCache {
    pub fn with_capacity(capacity: usize) -> FrozenCache {
        FrozenCache {
            entries: Default::default(),
            capacity: capacity.max(1),
        }
    }

    /// The release's bytes if they are in memory. A period that does not parse is a miss, so
    /// the caller's database path gives its error.
    pub fn get(&self, period: &str, format: Format) -> Option<bytes::Bytes> {
        let key = (Period::parse(period).ok()?.to_string(), format);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let at = entries.iter().position(|(k, _)| *k == key)?;
        let hit = entries.remove(at)?;
        let bytes = hit.1.clone();
        entries.push_front(hit);
        Some(bytes)
    }

    /// Reads the release from the database and keeps it.
    pub fn load(
        &self,
        conn: &mut DbConn,
        period: &str,
        format: Format,
    ) -> Result<bytes::Bytes, PublishError> {
        let bytes = bytes::Bytes::from(frozen(conn, period, format)?);
        self.keep(Period::parse(period)?, format, bytes.clone());
        Ok(bytes)
    }

    fn keep(&self, period: Period, format: Format, bytes: bytes::Bytes) {
        let key = (period.to_string(), format);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|(k, _)| *k != key);
        entries.push_front((key, bytes));
        entries.truncate(self.capacity);
    }
}

/// The offices an analyst may see, with their key sets: only a release needs them.
pub async fn granted_offices(
    store: &db::Store,
    analyst: &db::stats::Analyst,
) -> Result<Vec<Office>, PublishError> {
    let granted = analyst.offices.clone();
    Ok(store
        .read(move |c| {
            Ok(db::offices::list_offices(c)?
                .into_iter()
                .filter(|o| granted.contains(&o.slug))
                .collect::<Vec<_>>())
        })
        .await?)
}

/// Every release or table an analyst fetches is audited.
pub async fn audit_export(store: &db::Store, analyst: &str) -> Result<(), PublishError> {
    let id = analyst.to_owned();
    Ok(store
        .write(move |c| db::desk::append_audit(c, AUDIT_SCOPE, &id, "stats-export", None))
        .await?)
}

/// The periods released so far, newest first, with their days.
pub async fn releases(store: &db::Store) -> Result<Vec<(String, NaiveDate)>, PublishError> {
    Ok(store.read(db::stats::releases).await?)
}

/// A frozen release set's bytes, from the cache or the store.
pub async fn frozen_set(
    store: &db::Store,
    cache: &std::sync::Arc<FrozenCache>,
    period: String,
    format: Format,
) -> Result<bytes::Bytes, PublishError> {
    if let Some(hit) = cache.get(&period, format) {
        return Ok(hit);
    }
    let cache = cache.clone();
    store
        .read(move |c| Ok(cache.load(c, &period, format)))
        .await?
}

/// One table of a frozen release (see `frozen_table`).
pub async fn table(
    store: &db::Store,
    request: TableRequest,
    format: Format,
) -> Result<Vec<u8>, PublishError> {
    store
        .read(move |c| Ok(frozen_table(c, &request, format)))
        .await?
}

/// A frozen release's bytes in the asked format.
pub fn frozen(conn: &mut DbConn, period: &str, format: Format) -> Result<Vec<u8>, PublishError> {
    let key = Period::parse(period)?.to_string();
    let column = match format {
        Format::Csv => "csv",
        Format::Json => "json",
        Format::Html => "html",
        Format::Svg => return Err(StatsError::UnknownFormat("svg".into()).into()),
    };
    db::stats::release_bytes(conn, &key, column)?.ok_or(PublishError::NotReleased(key))
}

/// One table of a frozen release: the alliance's, or one office's own (`office`, which the
/// caller has checked the asker may see).
pub fn frozen_table(
    conn: &mut DbConn,
    req: &TableRequest,
    format: Format,
) -> Result<Vec<u8>, PublishError> {
    let spec = TableSpec::parse(&req.period, &req.by)?;
    let key = spec.period.to_string();
    if !db::stats::is_released(conn, &key)? {
        return Err(PublishError::NotReleased(key));
    }
    let dims: Vec<&str> = spec.dims.iter().map(|d| d.name()).collect();
    let t = db::stats::release_table(conn, &key, &scope(req.office.as_deref()), &dims)?
        .ok_or_else(|| PublishError::NotInRelease(key.clone()))?;
    Ok(match format {
        Format::Csv => t.csv,
        Format::Json => t.json,
        other => {
            return Err(StatsError::UnknownFormat(format!(
                "{other:?}: a single table comes as csv or json"
            ))
            .into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(cache: &FrozenCache, period: &str, format: Format, body: &'static [u8]) {
        let period = Period::parse(period).unwrap();
        cache.keep(period, format, bytes::Bytes::from_static(body));
    }

    #[test]
    fn the_cache_answers_by_period_and_format_and_forgets_the_least_recently_used() {
        let cache = FrozenCache::with_capacity(2);
        with(&cache, "2025", Format::Html, b"html 2025");
        with(&cache, "2025", Format::Csv, b"csv 2025");
        assert_eq!(cache.get("2025", Format::Html).unwrap(), &b"html 2025"[..]);
        assert!(cache.get("2025", Format::Json).is_none());
        assert!(cache.get("not a period", Format::Html).is_none());
        // html 2025 was used last: csv 2025 goes.
        with(&cache, "2026", Format::Html, b"html 2026");
        assert!(cache.get("2025", Format::Csv).is_none());
        assert_eq!(cache.get("2025", Format::Html).unwrap(), &b"html 2025"[..]);
        assert_eq!(cache.get("2026", Format::Html).unwrap(), &b"html 2026"[..]);
    }
}
