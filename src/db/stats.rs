//! The offices' quarterly statistics contributions, the frozen releases made from them, and the
//! analysts who may see those releases.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::schema::{
    analyst_grants, analysts, reports, stats_contributions, stats_release_tables, stats_releases,
};
use super::{DbConn, DbError};
use crate::domain::office::Office;
use crate::domain::stats::taxonomy::{self, Quarter};
use crate::domain::stats::{Dimension, Period, Place, Record};

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

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    office: String,
    #[diesel(sql_type = Text)]
    quarter: String,
    #[diesel(sql_type = Nullable<Text>)]
    incident_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    racism_form: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    reporter_role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    perpetrator_role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    setting: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    admin_area: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    consequences: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    reported_further: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts of statistics records in the period, grouped by office, quarter and the taxonomy
/// fields among `dims` (locations follow from the office). Only the offices in `offices`
/// count. The column names come from the fixed taxonomy, never from input.
pub fn counts(
    conn: &mut DbConn,
    period: Period,
    dims: &[Dimension],
    offices: &[Office],
) -> Result<Vec<(Record, u64)>, DbError> {
    let wanted: Vec<&str> = dims
        .iter()
        .map(|d| d.name())
        .filter(|n| taxonomy::field(n).is_some())
        .collect();
    let select: Vec<String> = taxonomy::FIELDS
        .iter()
        .map(|f| {
            if wanted.contains(&f.name) {
                f.name.to_owned()
            } else {
                format!("CAST(NULL AS TEXT) AS {}", f.name)
            }
        })
        .collect();
    // In key order: SQLite then groups rows that arrive nearly sorted.
    let mut group = vec!["quarter", "office"];
    group.extend(wanted.iter().copied());
    let sql = format!(
        "SELECT office, quarter, {}, COUNT(*) AS n FROM stats_contributions \
         WHERE quarter IN ({}) GROUP BY {}",
        select.join(", "),
        quarter_list(period),
        group.join(", ")
    );
    load_records(conn, sql, offices)
}

fn quarter_list(period: Period) -> String {
    period
        .quarters()
        .iter()
        .map(|q| format!("'{q}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs a query of `Row`s and keeps those of `offices`.
fn load_records(
    conn: &mut DbConn,
    sql: String,
    offices: &[Office],
) -> Result<Vec<(Record, u64)>, DbError> {
    let rows: Vec<Row> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        DbConn::Pg(c) => diesel::sql_query(sql).load(c)?,
    };
    let by_slug: std::collections::HashMap<&str, &Office> =
        offices.iter().map(|o| (o.slug.as_str(), o)).collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let o = by_slug.get(r.office.as_str())?;
            let n = r.n.max(0) as u64;
            Some((to_record(o, r), n))
        })
        .collect())
}

fn to_record(o: &Office, r: Row) -> Record {
    Record {
        office: o.slug.clone(),
        land: o.land.clone(),
        size_class: o.size_class.clone(),
        municipality: o.municipality.clone(),
        quarter: Quarter::parse(&r.quarter).unwrap_or(Quarter { year: 2000, q: 1 }),
        incident_type: r.incident_type,
        racism_form: r.racism_form,
        reporter_role: r.reporter_role,
        perpetrator_role: r.perpetrator_role,
        setting: r.setting,
        admin_area: r.admin_area,
        consequences: r
            .consequences
            .map(|c| c.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        reported_further: r.reported_further,
    }
}

/// Every record of the period with all fields (for the alliance release set).
pub fn records(
    conn: &mut DbConn,
    period: Period,
    offices: &[Office],
) -> Result<Vec<Record>, DbError> {
    // Row by row: grouping by every field would sort a million nearly distinct rows only to
    // expand the groups again.
    let fields: Vec<&str> = taxonomy::FIELDS.iter().map(|f| f.name).collect();
    let sql = format!(
        "SELECT office, quarter, {}, CAST(1 AS BIGINT) AS n FROM stats_contributions \
         WHERE quarter IN ({})",
        fields.join(", "),
        quarter_list(period)
    );
    let mut records: Vec<Record> = load_records(conn, sql, offices)?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    // One office's records side by side: the release passes over them office by office.
    records.sort_unstable_by(|a, b| (&a.office, a.quarter).cmp(&(&b.office, b.quarter)));
    Ok(records)
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

/// Per office: the cases received in the quarter and the records contributed for it, in two
/// grouped queries (a release checks every office of every quarter).
pub fn quarter_counts(
    conn: &mut DbConn,
    quarter: Quarter,
) -> Result<std::collections::HashMap<String, (u64, u64)>, DbError> {
    let (first, last) = quarter.days();
    let cases: Vec<(String, i64)> = reports::table
        .filter(reports::received_on.between(first, last))
        .group_by(reports::office)
        .select((reports::office, diesel::dsl::count_star()))
        .load(conn)?;
    let given: Vec<(String, i64)> = stats_contributions::table
        .filter(stats_contributions::quarter.eq(quarter.to_string()))
        .group_by(stats_contributions::office)
        .select((stats_contributions::office, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for (o, n) in cases {
        out.entry(o).or_default().0 = n.max(0) as u64;
    }
    for (o, n) in given {
        out.entry(o).or_default().1 = n.max(0) as u64;
    }
    Ok(out)
}

/// Records the office already contributed for the quarter.
pub fn contributed(conn: &mut DbConn, office: &str, quarter: Quarter) -> Result<u64, DbError> {
    let n: i64 = stats_contributions::table
        .filter(stats_contributions::office.eq(office))
        .filter(stats_contributions::quarter.eq(quarter.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n.max(0) as u64)
}

/// Replaces the office's batch for the quarter with `records` (already shuffled, with fresh
/// random ids), in the caller's transaction. Refused, with nothing written, when the period is
/// frozen or the batch does not hold exactly one record per case received in the quarter.
pub fn contribute(
    conn: &mut DbConn,
    office: &str,
    quarter: Quarter,
    records: &[(String, taxonomy::Answers)],
) -> Result<Result<(), Refusal>, DbError> {
    lock_releases(conn)?;
    if let Some(period) = frozen_period(conn, quarter)? {
        return Ok(Err(Refusal::Frozen(period)));
    }
    let expected = cases_received(conn, office, quarter)?;
    if expected != records.len() as u64 {
        return Ok(Err(Refusal::Count {
            quarter,
            expected,
            got: records.len(),
        }));
    }
    let q = quarter.to_string();
    diesel::delete(
        stats_contributions::table
            .filter(stats_contributions::office.eq(office))
            .filter(stats_contributions::quarter.eq(&q)),
    )
    .execute(conn)?;
    for (id, a) in records {
        diesel::insert_into(stats_contributions::table)
            .values((
                stats_contributions::quarter.eq(&q),
                stats_contributions::office.eq(office),
                stats_contributions::id.eq(id),
                stats_contributions::taxonomy_version.eq(taxonomy::VERSION),
                stats_contributions::incident_type.eq(&a.incident_type),
                stats_contributions::racism_form.eq(&a.racism_form),
                stats_contributions::reporter_role.eq(&a.reporter_role),
                stats_contributions::perpetrator_role.eq(&a.perpetrator_role),
                stats_contributions::setting.eq(&a.setting),
                stats_contributions::admin_area.eq(&a.admin_area),
                stats_contributions::consequences.eq(a.consequences_joined()),
                stats_contributions::reported_further.eq(&a.reported_further),
            ))
            .execute(conn)?;
    }
    Ok(Ok(()))
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
