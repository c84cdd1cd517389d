//! The offices' quarterly statistics contributions, the frozen releases made from them, and the
//! analysts who may see those releases.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{
    analyst_grants, analysts, reports, stats_batches, stats_contributions, stats_key,
    stats_release_tables, stats_releases,
};
use super::{DbConn, DbError};
use crate::domain::office::Office;
use crate::domain::stats::taxonomy::{self, Quarter};
use crate::domain::stats::{Period, Place};

/// An analyst of the alliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyst {
    pub id: String,
    pub display_name: String,
    pub recipient: String,
    pub all_offices: bool,
    pub active: bool,
    /// The offices granted (all offices of the instance when `all_offices`).
    pub offices: Vec<String>,
}

/// The office list as the statistics see it.
pub fn catalog(offices: &[Office]) -> Vec<Place> {
    offices
        .iter()
        .map(|o| Place {
            office: o.slug.clone(),
            municipality: o.municipality.clone(),
            land: o.land.clone(),
            size_class: o.size_class.clone(),
        })
        .collect()
}

/// An office's batch for a quarter, still sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBatch {
    pub office: String,
    pub quarter: Quarter,
    pub records: u64,
    pub sealed: Vec<u8>,
}

/// The batches of the period's quarters of the offices named, ordered by office and quarter
/// (the release passes over them office by office).
pub fn batches(
    conn: &mut DbConn,
    period: Period,
    offices: &[String],
) -> Result<Vec<SealedBatch>, DbError> {
    let quarters: Vec<String> = period.quarters().iter().map(|q| q.to_string()).collect();
    let rows: Vec<(String, String, i64, Vec<u8>)> = stats_batches::table
        .filter(stats_batches::quarter.eq_any(&quarters))
        .filter(stats_batches::office.eq_any(offices))
        .select((
            stats_batches::office,
            stats_batches::quarter,
            stats_batches::records,
            stats_batches::sealed,
        ))
        .load(conn)?;
    let mut out: Vec<SealedBatch> = rows
        .into_iter()
        .filter_map(|(office, quarter, records, sealed)| {
            Some(SealedBatch {
                office,
                quarter: Quarter::parse(&quarter)?,
                records: records.max(0) as u64,
                sealed,
            })
        })
        .collect();
    // Sorted here, not by the database: the two backends collate text differently.
    out.sort_unstable_by(|a, b| (&a.office, a.quarter).cmp(&(&b.office, b.quarter)));
    Ok(out)
}

// --- the statistics key ---

/// The recipient of the statistics key the batches are sealed to; the first server to ask
/// registers its own. Every later server must hold the same key.
pub fn register_key(conn: &mut DbConn, recipient: &str) -> Result<String, DbError> {
    lock_releases(conn)?;
    let known: Option<String> = stats_key::table
        .select(stats_key::recipient)
        .first(conn)
        .optional()?;
    if let Some(known) = known {
        return Ok(known);
    }
    diesel::insert_into(stats_key::table)
        .values((stats_key::id.eq(1), stats_key::recipient.eq(recipient)))
        .execute(conn)?;
    Ok(recipient.to_owned())
}

/// The registered statistics key's recipient, if a server registered one.
pub fn key_recipient(conn: &mut DbConn) -> Result<Option<String>, DbError> {
    Ok(stats_key::table
        .select(stats_key::recipient)
        .first(conn)
        .optional()?)
}

// --- plain records of earlier versions ---

type LegacyRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The plain records earlier versions stored, by office and quarter, to be sealed into batches.
pub fn legacy_records(
    conn: &mut DbConn,
) -> Result<std::collections::BTreeMap<(String, String), Vec<taxonomy::Answers>>, DbError> {
    use stats_contributions as c;
    let rows: Vec<LegacyRow> = c::table
        .select((
            c::office,
            c::quarter,
            c::incident_type,
            c::racism_form,
            c::reporter_role,
            c::perpetrator_role,
            c::setting,
            c::admin_area,
            c::consequences,
            c::reported_further,
        ))
        .load(conn)?;
    let mut out: std::collections::BTreeMap<_, Vec<taxonomy::Answers>> = Default::default();
    for (office, quarter, it, rf, rr, pr, st, aa, cs, rfu) in rows {
        out.entry((office, quarter))
            .or_default()
            .push(taxonomy::Answers {
                incident_type: it,
                racism_form: rf,
                reporter_role: rr,
                perpetrator_role: pr,
                setting: st,
                admin_area: aa,
                consequences: cs.map(|c| c.split(',').map(str::to_owned).collect()),
                reported_further: rfu,
                ..Default::default()
            });
    }
    Ok(out)
}

/// Stores a sealed legacy batch unless the office contributed the quarter anew, and deletes the
/// plain records it came from.
pub fn replace_legacy(
    conn: &mut DbConn,
    office: &str,
    quarter: &str,
    records: u64,
    sealed: &[u8],
) -> Result<(), DbError> {
    let exists: i64 = stats_batches::table
        .filter(stats_batches::office.eq(office))
        .filter(stats_batches::quarter.eq(quarter))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        insert_batch(conn, office, quarter, records, sealed)?;
    }
    diesel::delete(
        stats_contributions::table
            .filter(stats_contributions::office.eq(office))
            .filter(stats_contributions::quarter.eq(quarter)),
    )
    .execute(conn)?;
    Ok(())
}

// --- contributions ---

/// Why a quarter's batch is not taken; nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the release for {0} is frozen; its contributions cannot change any more")]
    Frozen(String),
    #[error("the office received {expected} cases in {quarter}, the batch has {got} records; send exactly one per case")]
    Count {
        quarter: Quarter,
        expected: u64,
        got: usize,
    },
}

/// The release that covers `quarter`, if one is frozen (a quarterly or a yearly one).
fn frozen_period(conn: &mut DbConn, quarter: Quarter) -> Result<Option<String>, DbError> {
    let candidates = [quarter.to_string(), quarter.year.to_string()];
    Ok(stats_releases::table
        .filter(stats_releases::period.eq_any(&candidates))
        .select(stats_releases::period)
        .first(conn)
        .optional()?)
}

/// Serialises contributions and releases: on PostgreSQL a table lock that conflicts with
/// itself, held to the end of the transaction, so that two servers (or a server and the CLI)
/// cannot interleave a batch replacement with another or with a freeze. SQLite has one writer.
pub fn lock_releases(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("LOCK TABLE stats_releases IN SHARE ROW EXCLUSIVE MODE")?;
    }
    Ok(())
}

/// Whether the quarter's statistics are released and so can no longer change.
pub fn is_frozen(conn: &mut DbConn, quarter: Quarter) -> Result<bool, DbError> {
    Ok(frozen_period(conn, quarter)?.is_some())
}

/// Cases the office received in the quarter (deleted ones no longer count).
pub fn cases_received(conn: &mut DbConn, office: &str, quarter: Quarter) -> Result<u64, DbError> {
    let (first, last) = quarter.days();
    let n: i64 = reports::table
        .filter(reports::office.eq(office))
        .filter(reports::received_on.between(first, last))
        .count()
        .get_result(conn)?;
    Ok(n.max(0) as u64)
}

/// Per office: the cases received in the quarter and the records of its batch for it (`None`:
/// no batch; `Some(0)`: the office confirmed a quarter without cases), in two grouped queries
/// (a release checks every office of every quarter).
pub fn quarter_counts(
    conn: &mut DbConn,
    quarter: Quarter,
) -> Result<std::collections::HashMap<String, (u64, Option<u64>)>, DbError> {
    let (first, last) = quarter.days();
    let cases: Vec<(String, i64)> = reports::table
        .filter(reports::received_on.between(first, last))
        .group_by(reports::office)
        .select((reports::office, diesel::dsl::count_star()))
        .load(conn)?;
    let given: Vec<(String, i64)> = stats_batches::table
        .filter(stats_batches::quarter.eq(quarter.to_string()))
        .select((stats_batches::office, stats_batches::records))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, (u64, Option<u64>)> = Default::default();
    for (o, n) in cases {
        out.entry(o).or_default().0 = n.max(0) as u64;
    }
    for (o, n) in given {
        out.entry(o).or_default().1 = Some(n.max(0) as u64);
    }
    Ok(out)
}

/// The size of the office's batch for the quarter, if it sent one (0: it confirmed a quarter
/// without cases).
pub fn contributed(
    conn: &mut DbConn,
    office: &str,
    quarter: Quarter,
) -> Result<Option<u64>, DbError> {
    let n: Option<i64> = stats_batches::table
        .filter(stats_batches::office.eq(office))
        .filter(stats_batches::quarter.eq(quarter.to_string()))
        .select(stats_batches::records)
        .first(conn)
        .optional()?;
    Ok(n.map(|n| n.max(0) as u64))
}

/// Replaces the office's batch for the quarter with a sealed one of `records` records, in the
/// caller's transaction. Refused, with nothing written, when the period is frozen or the batch
/// does not hold exactly one record per case received in the quarter.
pub fn contribute(
    conn: &mut DbConn,
    office: &str,
    quarter: Quarter,
    records: u64,
    sealed: &[u8],
) -> Result<Result<(), Refusal>, DbError> {
    lock_releases(conn)?;
    if let Some(period) = frozen_period(conn, quarter)? {
        return Ok(Err(Refusal::Frozen(period)));
    }
    let expected = cases_received(conn, office, quarter)?;
    if expected != records {
        return Ok(Err(Refusal::Count {
            quarter,
            expected,
            got: records as usize,
        }));
    }
    let q = quarter.to_string();
    diesel::delete(
        stats_batches::table
            .filter(stats_batches::office.eq(office))
            .filter(stats_batches::quarter.eq(&q)),
    )
    .execute(conn)?;
    insert_batch(conn, office, &q, records, sealed)?;
    Ok(Ok(()))
}

fn insert_batch(
    conn: &mut DbConn,
    office: &str,
    quarter: &str,
    records: u64,
    sealed: &[u8],
) -> Result<(), DbError> {
    diesel::insert_into(stats_batches::table)
        .values((
            stats_batches::quarter.eq(quarter),
            stats_batches::office.eq(office),
            stats_batches::records.eq(records as i64),
            stats_batches::sealed.eq(sealed),
        ))
        .execute(conn)?;
    Ok(())
}

// --- frozen releases ---

/// A frozen release as stored: immutable once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRelease {
    pub period: String,
    /// `quarter` or `year`.
    pub series: String,
    pub released_on: NaiveDate,
    /// The contributing offices' slugs, comma-separated.
    pub offices: String,
    /// The rules and parameters used, as JSON.
    pub rules: String,
    pub csv: Vec<u8>,
    pub json: Vec<u8>,
    pub html: Vec<u8>,
}

/// One table of a release, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTable {
    /// `alliance` or an office's slug.
    pub scope: String,
    /// The dimensions, comma-separated, in the release's order.
    pub dims: String,
    pub csv: Vec<u8>,
    pub json: Vec<u8>,
}

/// The series releases so far belong to (`quarter` or `year`), if any.
pub fn release_series(conn: &mut DbConn) -> Result<Option<String>, DbError> {
    Ok(stats_releases::table
        .select(stats_releases::series)
        .first(conn)
        .optional()?)
}

/// Whether the period has a frozen release (reads the key only, never the stored bytes).
pub fn is_released(conn: &mut DbConn, period: &str) -> Result<bool, DbError> {
    let n: i64 = stats_releases::table
        .filter(stats_releases::period.eq(period))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// One rendering of a frozen release (`csv`, `json` or `html`), reading nothing else.
pub fn release_bytes(
    conn: &mut DbConn,
    period: &str,
    format: &str,
) -> Result<Option<Vec<u8>>, DbError> {
    let q = stats_releases::table.find(period);
    Ok(match format {
        "csv" => q.select(stats_releases::csv).first(conn).optional()?,
        "json" => q.select(stats_releases::json).first(conn).optional()?,
        _ => q.select(stats_releases::html).first(conn).optional()?,
    })
}

/// A frozen release's JSON with what its publication page names beside it.
pub struct ReleaseRecord {
    pub json: Vec<u8>,
    /// The contributing offices' slugs, comma-separated.
    pub offices: String,
    /// The rules and parameters used, as JSON.
    pub rules: String,
    pub released_on: NaiveDate,
}

pub fn release_record(conn: &mut DbConn, period: &str) -> Result<Option<ReleaseRecord>, DbError> {
    let row: Option<(Vec<u8>, String, String, NaiveDate)> = stats_releases::table
        .find(period)
        .select((
            stats_releases::json,
            stats_releases::offices,
            stats_releases::rules,
            stats_releases::released_on,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(json, offices, rules, released_on)| ReleaseRecord {
            json,
            offices,
            rules,
            released_on,
        }),
    )
}

/// The periods released so far, newest first.
pub fn releases(conn: &mut DbConn) -> Result<Vec<(String, NaiveDate)>, DbError> {
    Ok(stats_releases::table
        .select((stats_releases::period, stats_releases::released_on))
        .order(stats_releases::period.desc())
        .load(conn)?)
}

/// Stores a release and its tables, in the caller's transaction. A second release of the same
/// period fails on the primary key: a release is written once.
pub fn store_release(
    conn: &mut DbConn,
    r: &StoredRelease,
    tables: &[StoredTable],
) -> Result<(), DbError> {
    diesel::insert_into(stats_releases::table)
        .values((
            stats_releases::period.eq(&r.period),
            stats_releases::series.eq(&r.series),
            stats_releases::released_on.eq(r.released_on),
            stats_releases::offices.eq(&r.offices),
            stats_releases::rules.eq(&r.rules),
            stats_releases::csv.eq(&r.csv),
            stats_releases::json.eq(&r.json),
            stats_releases::html.eq(&r.html),
        ))
        .execute(conn)?;
    for t in tables {
        diesel::insert_into(stats_release_tables::table)
            .values((
                stats_release_tables::period.eq(&r.period),
                stats_release_tables::scope.eq(&t.scope),
                stats_release_tables::dims.eq(&t.dims),
                stats_release_tables::csv.eq(&t.csv),
                stats_release_tables::json.eq(&t.json),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One table of a frozen release, by scope and dimensions (in either order).
pub fn release_table(
    conn: &mut DbConn,
    period: &str,
    scope: &str,
    dims: &[&str],
) -> Result<Option<StoredTable>, DbError> {
    let mut orders = vec![dims.join(",")];
    if dims.len() == 2 {
        orders.push(format!("{},{}", dims[1], dims[0]));
    }
    let row: Option<(String, String, Vec<u8>, Vec<u8>)> = stats_release_tables::table
        .filter(stats_release_tables::period.eq(period))
        .filter(stats_release_tables::scope.eq(scope))
        .filter(stats_release_tables::dims.eq_any(&orders))
        .select((
            stats_release_tables::scope,
            stats_release_tables::dims,
            stats_release_tables::csv,
            stats_release_tables::json,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(scope, dims, csv, json)| StoredTable {
        scope,
        dims,
        csv,
        json,
    }))
}

// --- analysts ---

pub fn add_analyst(
    conn: &mut DbConn,
    display_name: &str,
    recipient: &str,
    offices: &[String],
    all_offices: bool,
    today: NaiveDate,
    actor: &str,
) -> Result<String, DbError> {
    for o in offices {
        if super::offices::get_office(conn, o)?.is_none() {
            return Err(DbError::Conflict(format!("no office '{o}'")));
        }
    }
    // One active row per key: a login by recipient finds one analyst, and removing
    // "the" analyst must not leave a second grant behind. A removed analyst may be added again.
    let active_same = analysts::table
        .filter(analysts::recipient.eq(recipient))
        .filter(analysts::active.eq(true))
        .count()
        .get_result::<i64>(conn)?;
    if active_same > 0 {
        return Err(DbError::Conflict(
            "this recipient is already an active analyst (see `meldestelle analyst list`)".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(analysts::table)
        .values((
            analysts::id.eq(&id),
            analysts::display_name.eq(display_name),
            analysts::recipient.eq(recipient),
            analysts::all_offices.eq(all_offices),
            analysts::active.eq(true),
            analysts::added_on.eq(today),
        ))
        .execute(conn)?;
    for o in offices {
        diesel::insert_into(analyst_grants::table)
            .values((
                analyst_grants::analyst_id.eq(&id),
                analyst_grants::office.eq(o),
            ))
            .execute(conn)?;
    }
    // Analysts belong to the alliance, not one office.
    super::desk::append_audit(conn, "*", actor, "analyst:add", Some(&id))?;
    Ok(id)
}

pub fn remove_analyst(conn: &mut DbConn, id: &str, actor: &str) -> Result<(), DbError> {
    let n = diesel::update(analysts::table.find(id))
        .set(analysts::active.eq(false))
        .execute(conn)?;
    if n == 1 {
        super::desk::append_audit(conn, "*", actor, "analyst:remove", Some(id))
    } else {
        Err(DbError::NotFound)
    }
}

type AnalystRow = (String, String, String, bool, bool);

fn with_offices(conn: &mut DbConn, r: AnalystRow) -> Result<Analyst, DbError> {
    let offices = if r.3 {
        super::offices::office_slugs(conn)?
    } else {
        analyst_grants::table
            .filter(analyst_grants::analyst_id.eq(&r.0))
            .order(analyst_grants::office)
            .select(analyst_grants::office)
            .load(conn)?
    };
    Ok(Analyst {
        id: r.0,
        display_name: r.1,
        recipient: r.2,
        all_offices: r.3,
        active: r.4,
        offices,
    })
}

const ANALYST_COLUMNS: (
    analysts::id,
    analysts::display_name,
    analysts::recipient,
    analysts::all_offices,
    analysts::active,
) = (
    analysts::id,
    analysts::display_name,
    analysts::recipient,
    analysts::all_offices,
    analysts::active,
);

pub fn get_analyst(conn: &mut DbConn, id: &str) -> Result<Option<Analyst>, DbError> {
    let row: Option<AnalystRow> = analysts::table
        .find(id)
        .select(ANALYST_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(|r| with_offices(conn, r)).transpose()
}

pub fn analyst_by_recipient(
    conn: &mut DbConn,
    recipient: &str,
) -> Result<Option<Analyst>, DbError> {
    let row: Option<AnalystRow> = analysts::table
        .filter(analysts::recipient.eq(recipient))
        .filter(analysts::active.eq(true))
        .select(ANALYST_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(|r| with_offices(conn, r)).transpose()
}

pub fn list_analysts(conn: &mut DbConn) -> Result<Vec<Analyst>, DbError> {
    let rows: Vec<AnalystRow> = analysts::table
        .order(analysts::display_name)
        .select(ANALYST_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(|r| with_offices(conn, r)).collect()
}
