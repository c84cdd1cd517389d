//! Reports and their attachments.

use diesel::prelude::*;

use super::schema::{attachments, offices, reports};
use super::{DbConn, DbError};
use crate::domain::intake::NewReport;

/// Stores a report with its attachments, if its office is still at the key-set version the
/// report is encrypted to (else `Ok(Err(current))`, nothing written): compared in the commit
/// that stores it, so a rotation between the intake check and the commit cannot let a report
/// for the old key set in. Nothing of the statistics: those arrive later, per quarter, from
/// the office (`db::stats::contribute`).
pub fn insert_report(conn: &mut DbConn, report: &NewReport) -> Result<Result<(), i32>, DbError> {
    // Look first: on PostgreSQL a unique violation would put the lookup hash into the
    // server's log (the constraint remains, for two servers racing). One round trip for the
    // office's key set and the lookup id both.
    let (current, taken): (i32, Option<i64>) = offices::table
        .filter(offices::slug.eq(&report.office))
        .select((
            offices::keyset_version,
            reports::table
                .filter(reports::lookup_hash.eq(&report.lookup_hash[..]))
                .count()
                .single_value(),
        ))
        .first(conn)?;
    if taken.unwrap_or(0) > 0 {
        return Err(DbError::Conflict("duplicate lookup id".into()));
    }
    if current != report.keyset_version {
        return Ok(Err(current));
    }
    diesel::insert_into(reports::table)
        .values((
            reports::id.eq(&report.id),
            reports::office.eq(&report.office),
            reports::keyset_version.eq(report.keyset_version),
            reports::ciphertext.eq(&report.ciphertext),
            reports::reply_recipient.eq(&report.reply_recipient),
            reports::lookup_hash.eq(&report.lookup_hash[..]),
            reports::status.eq(report.status.as_str()),
            reports::received_on.eq(report.received_on),
            reports::ack_due.eq(report.ack_due),
            reports::feedback_due.eq(report.feedback_due),
        ))
        .execute(conn)?;
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
    Ok(Ok(()))
}
