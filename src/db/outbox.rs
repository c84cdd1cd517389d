//! Notification state, the mail outbox, retention, and the locks that let several servers
//! share one PostgreSQL database with every job and every mail happening once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::{
    attachments, messages, office_news, officer_notify, officers, outbox, reports,
    retention_extensions,
};
use super::{DbConn, DbError};
use crate::domain::case::Status;
use crate::domain::notify::OfficerState;
use crate::domain::workflow::Clocks;

/// Keys of the PostgreSQL advisory locks, one per periodic job.
pub const LOCK_MAILER: i64 = 0x6d73_6d61_696c; // "msmail"
pub const LOCK_RETENTION: i64 = 0x6d73_7265_7465; // "msrete"

/// Takes a job's lock for the rest of the transaction, or answers false if another server
/// holds it. On SQLite a single server is assumed: always true.
pub fn try_job_lock(conn: &mut DbConn, key: i64) -> Result<bool, DbError> {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        got: bool,
    }
    match conn {
        DbConn::Pg(c) => {
            let g: Got = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS got")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .get_result(c)?;
            Ok(g.got)
        }
        DbConn::Sqlite(_) => Ok(true),
    }
}

/// Notes that the office has news: no case id, no time. Insert-only, so it takes no row
/// lock that another writer could wait for.
pub fn mark_news(conn: &mut DbConn, office: &str) -> Result<(), DbError> {
    diesel::insert_into(office_news::table)
        .values((
            office_news::id.eq(uuid::Uuid::new_v4().to_string()),
            office_news::office.eq(office),
        ))
        .execute(conn)?;
    Ok(())
}

/// The offices with news, whose news rows are removed.
pub fn take_news(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String, String)> = office_news::table
        .select((office_news::id, office_news::office))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    for chunk in ids.chunks(500) {
        diesel::delete(office_news::table.filter(office_news::id.eq_any(chunk))).execute(conn)?;
    }
    let mut offices: Vec<String> = rows.into_iter().map(|r| r.1).collect();
    offices.sort();
    offices.dedup();
    Ok(offices)
}

/// An officer who can be mailed.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub officer_id: String,
    pub office: String,
    pub email: String,
}

pub fn mailable_officers(conn: &mut DbConn) -> Result<Vec<Recipient>, DbError> {
    let rows: Vec<(String, String, Option<String>)> = officers::table
        .filter(officers::active.eq(true))
        .filter(officers::email.is_not_null())
        .order(officers::id)
        .select((officers::id, officers::office, officers::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(officer_id, office, email)| {
            let email = email.filter(|e| !e.trim().is_empty())?;
            Some(Recipient {
                officer_id,
                office,
                email,
            })
        })
        .collect())
}

/// An officer's stored state; `last_mail_at` is never stored (the mailer keeps it in memory).
pub fn officer_state(conn: &mut DbConn, officer_id: &str) -> Result<OfficerState, DbError> {
    type Row = (bool, Option<NaiveDate>, Option<NaiveDate>);
    let row: Option<Row> = officer_notify::table
        .find(officer_id)
        .select((
            officer_notify::news,
            officer_notify::last_reminder_on,
            officer_notify::last_digest_on,
        ))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|r| OfficerState {
            news: r.0,
            last_mail_at: None,
            last_reminder_on: r.1,
            last_digest_on: r.2,
        })
        .unwrap_or_default())
}

/// Writes an officer's state. Only the mailer calls this, under its lock.
pub fn save_officer_state(
    conn: &mut DbConn,
    officer_id: &str,
    s: &OfficerState,
) -> Result<(), DbError> {
    let n = diesel::update(officer_notify::table.find(officer_id))
        .set((
            officer_notify::news.eq(s.news),
            officer_notify::last_reminder_on.eq(s.last_reminder_on),
            officer_notify::last_digest_on.eq(s.last_digest_on),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(officer_notify::table)
            .values((
                officer_notify::officer_id.eq(officer_id),
                officer_notify::news.eq(s.news),
                officer_notify::last_reminder_on.eq(s.last_reminder_on),
                officer_notify::last_digest_on.eq(s.last_digest_on),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The offices that have a case whose deadline wants a reminder today.
pub fn offices_with_reminders(conn: &mut DbConn, today: NaiveDate) -> Result<Vec<String>, DbError> {
    type Row = (String, String, NaiveDate, NaiveDate, NaiveDate);
    let rows: Vec<Row> = reports::table
        .filter(reports::status.ne(Status::Closed.as_str()))
        .filter(reports::status.ne(Status::FeedbackGiven.as_str()))
        .select((
            reports::office,
            reports::status,
            reports::received_on,
            reports::ack_due,
            reports::feedback_due,
        ))
        .load(conn)?;
    let mut out: Vec<String> = rows
        .into_iter()
        .filter(|(_, status, received_on, ack_due, feedback_due)| {
            let Some(status) = Status::parse(status) else {
                return false;
            };
            let c = Clocks {
                received_on: *received_on,
                acknowledged_on: None,
                ack_due: *ack_due,
                feedback_due: *feedback_due,
                closed_on: None,
                delete_after: None,
            };
            crate::domain::notify::reminder_due(status, &c, today)
        })
        .map(|r| r.0)
        .collect();
    out.extend(offices_with_contribution_due(conn, today)?);
    out.sort();
    out.dedup();
    Ok(out)
}

/// Offices that have not sent the quarter before today's (fully) yet, during the first weeks
/// after that quarter ended, unless its release is frozen. Offices without cases too: they
/// confirm their quarter like the others.
fn offices_with_contribution_due(
    conn: &mut DbConn,
    today: NaiveDate,
) -> Result<Vec<String>, DbError> {
    let quarter = crate::domain::stats::taxonomy::Quarter::of(today).previous();
    let ended = quarter.days().1;
    if today > ended + chrono::Days::new(crate::domain::notify::CONTRIBUTION_REMIND_DAYS) {
        return Ok(vec![]);
    }
    if super::stats::is_frozen(conn, quarter)? {
        return Ok(vec![]);
    }
    // Two grouped counts for all offices, not queries per office: this runs with every mail job.
    let counts = super::stats::quarter_counts(conn, quarter)?;
    let offices: Vec<String> = super::schema::offices::table
        .select(super::schema::offices::slug)
        .load(conn)?;
    Ok(offices
        .into_iter()
        .filter(|o| {
            let (cases, given) = counts.get(o).copied().unwrap_or_default();
            given != Some(cases)
        })
        .collect())
}

pub fn enqueue(conn: &mut DbConn, officer_id: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(uuid::Uuid::new_v4().to_string()),
            outbox::officer_id.eq(officer_id),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::claim.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A mail claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub claim: String,
    pub attempts: i32,
    /// None when the officer has gone or has no address any more: the row is dropped.
    pub email: Option<String>,
}

/// Claims up to `limit` due mails until `until`. On PostgreSQL the candidate rows are locked
/// with SKIP LOCKED, so two servers never claim the same row; the claim itself is a
/// compare-and-set on the lease, so a row is never claimed twice while its lease runs.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    let free = outbox::next_attempt_at.le(now).and(
        outbox::claimed_until
            .is_null()
            .or(outbox::claimed_until.lt(now)),
    );
    let candidates: Vec<(String, String, i32)> = match conn {
        DbConn::Pg(c) => outbox::table
            .filter(free)
            .order(outbox::next_attempt_at)
            .limit(limit)
            .select((outbox::id, outbox::officer_id, outbox::attempts))
            .for_update()
            .skip_locked()
            .load(c)?,
        DbConn::Sqlite(c) => outbox::table
            .filter(free)
            .order(outbox::next_attempt_at)
            .limit(limit)
            .select((outbox::id, outbox::officer_id, outbox::attempts))
            .load(c)?,
    };
    let mut out = Vec::new();
    for (id, officer_id, attempts) in candidates {
        let token = uuid::Uuid::new_v4().to_string();
        let n = diesel::update(outbox::table.filter(outbox::id.eq(&id)).filter(free))
            .set((
                outbox::claimed_until.eq(Some(until)),
                outbox::claim.eq(Some(&token)),
            ))
            .execute(conn)?;
        if n != 1 {
            continue;
        }
        let email: Option<Option<String>> = officers::table
            .find(&officer_id)
            .filter(officers::active.eq(true))
            .select(officers::email)
            .first(conn)
            .optional()?;
        out.push(Claimed {
            id,
            claim: token,
            attempts,
            email: email.flatten().filter(|e| !e.trim().is_empty()),
        });
    }
    Ok(out)
}

/// The mail went out (or is not to be sent): the row goes.
pub fn done(conn: &mut DbConn, id: &str, claim: &str) -> Result<(), DbError> {
    diesel::delete(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claim.eq(claim)),
    )
    .execute(conn)?;
    Ok(())
}

/// Sending failed: try again at `next`.
pub fn retry_later(
    conn: &mut DbConn,
    id: &str,
    claim: &str,
    attempts: i32,
    next: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claim.eq(claim)),
    )
    .set((
        outbox::attempts.eq(attempts),
        outbox::next_attempt_at.eq(next),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::claim.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn outbox_len(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(outbox::table.count().get_result(conn)?)
}

// --- retention ---

/// Cases whose delete_after has passed: (id, office).
pub fn expired_cases(
    conn: &mut DbConn,
    today: NaiveDate,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(reports::table
        .filter(reports::delete_after.lt(today))
        .order(reports::id)
        .select((reports::id, reports::office))
        .load(conn)?)
}

/// Deletes a case with everything that hangs on it. Its statistics record, unlinked,
/// stays.
pub fn delete_case(conn: &mut DbConn, id: &str) -> Result<(), DbError> {
    diesel::delete(messages::table.filter(messages::report_id.eq(id))).execute(conn)?;
    diesel::delete(
        super::schema::case_reads::table.filter(super::schema::case_reads::report_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(attachments::table.filter(attachments::report_id.eq(id))).execute(conn)?;
    diesel::delete(
        super::schema::case_labels::table.filter(super::schema::case_labels::report_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(retention_extensions::table.filter(retention_extensions::report_id.eq(id)))
        .execute(conn)?;
    diesel::delete(reports::table.find(id)).execute(conn)?;
    Ok(())
}

/// After deleting: SQLite hands the freed (already zeroed: secure_delete) pages back and
/// empties the WAL, so the bytes leave both files; PostgreSQL vacuums the tables. Must run
/// outside any transaction, on a connection that is not the writer's.
pub fn vacuum_after_delete(conn: &mut DbConn) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?
        }
        // One statement at a time: several in one string would form a transaction block.
        DbConn::Pg(c) => {
            for table in ["reports", "messages", "attachments", "retention_extensions"] {
                c.batch_execute(&format!("VACUUM {table}"))?;
            }
        }
    }
    Ok(())
}

/// Records an officer's extension of a case's retention and moves its delete_after.
pub fn extend_retention(
    conn: &mut DbConn,
    case_id: &str,
    officer_id: &str,
    previous: Option<NaiveDate>,
    until: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<(), DbError> {
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(case_id))
            .filter(reports::delete_after.eq(previous)),
    )
    .set(reports::delete_after.eq(Some(until)))
    .execute(conn)?;
    if n != 1 {
        return Err(DbError::Conflict("the case changed meanwhile".into()));
    }
    diesel::insert_into(retention_extensions::table)
        .values((
            retention_extensions::id.eq(uuid::Uuid::new_v4().to_string()),
            retention_extensions::report_id.eq(case_id),
            retention_extensions::officer_id.eq(officer_id),
            retention_extensions::previous_delete_after.eq(previous),
            retention_extensions::delete_after.eq(until),
            retention_extensions::reason.eq(reason),
            retention_extensions::created_on.eq(today),
        ))
        .execute(conn)?;
    Ok(())
}
