//! Reports and their attachments.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::prelude::*;

use super::schema::{attachments, offices, reports};
use super::{DbConn, DbError};
use crate::domain::intake::NewReport;

/// A report on its way to the writer, with what is stored beside it.
pub struct PendingReport {
    pub report: NewReport,
    /// The officer who recorded it (a report taken by telephone, in person or by letter): an
    /// audit entry in the same commit.
    pub recorded_by: Option<String>,
    /// Whether to note that the office has news (no case id, no time).
    pub news: bool,
}

/// Why a report was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStored {
    /// The office is at another key-set version now: this one.
    StaleKeyset(i32),
    /// A report with this lookup id exists.
    DuplicateLookupId,
    UnknownOffice,
}

/// Stores the reports of one commit with their attachments, each if its office is still at
/// the key-set version it is encrypted to and no report has its lookup id; for each, stored
/// or why not. Both conditions are decided by the `INSERT` that stores the rows (it joins the
/// office's row at that version and does nothing on a taken lookup id), so a rotation between
/// the intake check and the commit cannot let a report for the old key set in. A refusal is
/// no error, and PostgreSQL logs no lookup hash of a unique violation. On PostgreSQL all rows
/// go in one statement, one round trip for the whole commit. Nothing of the statistics: those
/// arrive later, per quarter, from the office (`db::stats::contribute`).
pub fn insert_reports(
    conn: &mut DbConn,
    pending: &[PendingReport],
) -> Result<Vec<Result<(), NotStored>>, DbError> {
    let stored: HashSet<String> = match conn {
        DbConn::Pg(c) => insert_rows_pg(c, pending)?,
        DbConn::Sqlite(c) => {
            let mut stored = HashSet::new();
            for p in pending {
                if insert_row_sqlite(c, &p.report)? {
                    stored.insert(p.report.id.clone());
                }
            }
            stored
        }
    };
    // Why not: one more read, only if something was refused.
    let refused: Vec<&str> = pending
        .iter()
        .filter(|p| !stored.contains(&p.report.id))
        .map(|p| p.report.office.as_str())
        .collect();
    let current: HashMap<String, i32> = if refused.is_empty() {
        HashMap::new()
    } else {
        offices::table
            .filter(offices::slug.eq_any(&refused))
            .select((offices::slug, offices::keyset_version))
            .load(conn)?
            .into_iter()
            .collect()
    };
    let mut news = BTreeSet::new();
    let mut outcome = Vec::with_capacity(pending.len());
    for p in pending {
        let r = &p.report;
        if !stored.contains(&r.id) {
            outcome.push(Err(match current.get(&r.office) {
                None => NotStored::UnknownOffice,
                Some(&v) if v != r.keyset_version => NotStored::StaleKeyset(v),
                Some(_) => NotStored::DuplicateLookupId,
            }));
            continue;
        }
        insert_attachments(conn, r)?;
        if let Some(officer) = &p.recorded_by {
            super::desk::append_audit(conn, &r.office, officer, "record", Some(&r.id))?;
        }
        if p.news {
            news.insert(r.office.as_str());
        }
        outcome.push(Ok(()));
    }
    for office in news {
        super::outbox::mark_news(conn, office)?;
    }
    Ok(outcome)
}

/// All rows in one statement from arrays, so that it is prepared the same for any number of
/// rows. `FOR SHARE` holds the office's row until the commit: a key-set change waits for it,
/// or, if it came first, the join sees its new version and stores nothing for the old one.
const INSERT_ROWS_PG: &str = "\
INSERT INTO reports (id, office, keyset_version, ciphertext, reply_recipient, lookup_hash,
                     status, received_on, ack_due, feedback_due)
SELECT r.id, r.office, r.keyset_version, r.ciphertext, r.reply_recipient, r.lookup_hash,
       r.status, r.received_on, r.ack_due, r.feedback_due
FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     AS r (id, office, keyset_version, ciphertext, reply_recipient, lookup_hash,
           status, received_on, ack_due, feedback_due)
JOIN offices o ON o.slug = r.office AND o.keyset_version = r.keyset_version
FOR SHARE OF o
ON CONFLICT (lookup_hash) DO NOTHING
RETURNING id";

fn insert_rows_pg(
    c: &mut PgConnection,
    pending: &[PendingReport],
) -> Result<HashSet<String>, DbError> {
    use diesel::sql_types::{Array, Binary, Date, Integer, Text};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let rows: Vec<&NewReport> = pending.iter().map(|p| &p.report).collect();
    let column = |f: fn(&NewReport) -> &str| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
    let stored: Vec<Id> = diesel::sql_query(INSERT_ROWS_PG)
        .bind::<Array<Text>, _>(column(|r| &r.id))
        .bind::<Array<Text>, _>(column(|r| &r.office))
        .bind::<Array<Integer>, _>(rows.iter().map(|r| r.keyset_version).collect::<Vec<_>>())
        .bind::<Array<Binary>, _>(rows.iter().map(|r| &r.ciphertext[..]).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(column(|r| &r.reply_recipient))
        .bind::<Array<Binary>, _>(rows.iter().map(|r| &r.lookup_hash[..]).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(column(|r| r.status.as_str()))
        .bind::<Array<Date>, _>(rows.iter().map(|r| r.received_on).collect::<Vec<_>>())
        .bind::<Array<Date>, _>(rows.iter().map(|r| r.ack_due).collect::<Vec<_>>())
        .bind::<Array<Date>, _>(rows.iter().map(|r| r.feedback_due).collect::<Vec<_>>())
        .load(c)?;
    Ok(stored.into_iter().map(|s| s.id).collect())
}

/// One row in one statement, stored or not: SQLite has no round trips to save, and from its
/// first row on the writer's transaction holds the database's one write lock, so no key-set
/// change can come in before the commit.
fn insert_row_sqlite(c: &mut SqliteConnection, r: &NewReport) -> Result<bool, DbError> {
    use diesel::sql_types::{Binary, Date, Text};
    let row = offices::table
        .filter(offices::slug.eq(&r.office))
        .filter(offices::keyset_version.eq(r.keyset_version))
        .select((
            r.id.as_str().into_sql::<Text>(),
            offices::slug,
            offices::keyset_version,
            r.ciphertext.as_slice().into_sql::<Binary>(),
            r.reply_recipient.as_str().into_sql::<Text>(),
            (&r.lookup_hash[..]).into_sql::<Binary>(),
            r.status.as_str().into_sql::<Text>(),
            r.received_on.into_sql::<Date>(),
            r.ack_due.into_sql::<Date>(),
            r.feedback_due.into_sql::<Date>(),
        ));
    let stored = diesel::insert_into(reports::table)
        .values(row)
        .into_columns((
            reports::id,
            reports::office,
            reports::keyset_version,
            reports::ciphertext,
            reports::reply_recipient,
            reports::lookup_hash,
            reports::status,
            reports::received_on,
            reports::ack_due,
            reports::feedback_due,
        ))
        .on_conflict(reports::lookup_hash)
        .do_nothing()
        .execute(c)?;
    Ok(stored == 1)
}

fn insert_attachments(conn: &mut DbConn, report: &NewReport) -> Result<(), DbError> {
    for (position, bytes) in (0..).zip(&report.attachments) {
        diesel::insert_into(attachments::table)
            .values((
                attachments::id.eq(uuid::Uuid::new_v4().to_string()),
                attachments::report_id.eq(&report.id),
                attachments::ciphertext.eq(bytes),
                attachments::created_on.eq(report.received_on),
                // The report document lists attachments by this index.
                attachments::position.eq(position),
                attachments::keyset_version.eq(report.keyset_version),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The first 4 KiB of each of the office's report ciphertexts: the whole age header of a file
/// with a few stanzas (one for the reporter alone, say), without reading whole files; a larger
/// header is cut and does not parse.
pub fn report_headers(conn: &mut DbConn, office: &str) -> Result<Vec<Vec<u8>>, DbError> {
    // `substr` takes bytes of a BLOB on SQLite and of a bytea on PostgreSQL.
    Ok(reports::table
        .filter(reports::office.eq(office))
        .select(diesel::dsl::sql::<diesel::sql_types::Binary>(
            "substr(ciphertext, 1, 4096)",
        ))
        .load(conn)?)
}
