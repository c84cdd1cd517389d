//! Reports, their attachments, and the unlinked statistics records.

use diesel::prelude::*;

use super::schema::{attachments, reports, stats_records};
use super::{DbConn, DbError};
use crate::intake::{NewReport, StatsEntry};

/// Stores a report with its attachments. The statistics record goes in the same commit but
/// carries nothing that links it to the report.
pub fn insert_report(
    conn: &mut DbConn,
    report: &NewReport,
    stats: Option<&StatsEntry>,
) -> Result<(), DbError> {
    // Look first: on PostgreSQL a unique violation would put the lookup hash into the
    // server's log (the constraint remains, for two servers racing).
    let taken = reports::table
        .filter(reports::lookup_hash.eq(&report.lookup_hash[..]))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(DbError::Conflict("duplicate lookup id".into()));
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
            ))
            .execute(conn)?;
    }
    if let Some(entry) = stats {
        insert_stats(conn, entry)?;
    }
    Ok(())
}

pub fn insert_stats(conn: &mut DbConn, e: &StatsEntry) -> Result<(), DbError> {
    let a = &e.answers;
    diesel::insert_into(stats_records::table)
        .values((
            stats_records::id.eq(&e.id),
            stats_records::office.eq(&e.office),
            stats_records::taxonomy_version.eq(e.taxonomy_version),
            stats_records::source.eq(e.source),
            stats_records::quarter.eq(e.quarter.to_string()),
            stats_records::incident_type.eq(&a.incident_type),
            stats_records::racism_form.eq(&a.racism_form),
            stats_records::reporter_role.eq(&a.reporter_role),
            stats_records::perpetrator_role.eq(&a.perpetrator_role),
            stats_records::setting.eq(&a.setting),
            stats_records::admin_area.eq(&a.admin_area),
            stats_records::consequences.eq(a.consequences_joined()),
            stats_records::reported_further.eq(&a.reported_further),
        ))
        .execute(conn)?;
    Ok(())
}
