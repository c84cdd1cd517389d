//! Casework: who a case is assigned to, and the office's labels. A label's name is an age file
//! the server cannot read; it sees random ids only.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{case_labels, labels, officers, offices, reports};
use super::{DbConn, DbError};

/// Why a casework change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("'{0}' is not an active officer of this office")]
    UnknownOfficer(String),
    #[error("'{0}' is not a label of this office")]
    UnknownLabel(String),
    #[error("an office has at most {MAX_LABELS} labels")]
    TooManyLabels,
    #[error("the office's key set is at version {0}")]
    StaleKeyset(i32),
}

/// The most labels an office can define.
pub const MAX_LABELS: i64 = 200;

/// A label as stored: its name encrypted to the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: String,
    pub ciphertext: Vec<u8>,
    pub keyset_version: i32,
}

fn active_officer(conn: &mut DbConn, office: &str, id: &str) -> Result<bool, DbError> {
    Ok(officers::table
        .filter(officers::id.eq(id))
        .filter(officers::office.eq(office))
        .filter(officers::active.eq(true))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

fn current_keyset(conn: &mut DbConn, office: &str) -> Result<i32, DbError> {
    Ok(offices::table
        .find(office)
        .select(offices::keyset_version)
        .first(conn)?)
}

/// Assigns a case of `office` to an active officer of the same office, or with `None` to the
/// whole office.
pub fn assign(
    conn: &mut DbConn,
    office: &str,
    case_id: &str,
    officer: Option<&str>,
) -> Result<Result<(), Refusal>, DbError> {
    if let Some(o) = officer {
        if !active_officer(conn, office, o)? {
            return Ok(Err(Refusal::UnknownOfficer(o.chars().take(80).collect())));
        }
    }
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(case_id))
            .filter(reports::office.eq(office)),
    )
    .set(reports::assignee.eq(officer))
    .execute(conn)?;
    if n == 1 {
        Ok(Ok(()))
    } else {
        Err(DbError::NotFound)
    }
}

/// Moves every case assigned to `from` to `to` (`None`: the whole office); the ids of the
/// cases moved. `to` must be an active officer of the office.
pub fn reassign_all(
    conn: &mut DbConn,
    office: &str,
    from: &str,
    to: Option<&str>,
) -> Result<Result<Vec<String>, Refusal>, DbError> {
    if let Some(o) = to {
        if o == from || !active_officer(conn, office, o)? {
            return Ok(Err(Refusal::UnknownOfficer(o.chars().take(80).collect())));
        }
    }
    let ids: Vec<String> = reports::table
        .filter(reports::office.eq(office))
        .filter(reports::assignee.eq(from))
        .order(reports::id)
        .select(reports::id)
        .load(conn)?;
    diesel::update(reports::table.filter(reports::id.eq_any(&ids)))
        .set(reports::assignee.eq(to))
        .execute(conn)?;
    Ok(Ok(ids))
}

pub fn list_labels(conn: &mut DbConn, office: &str) -> Result<Vec<Label>, DbError> {
    let rows: Vec<(String, Vec<u8>, i32)> = labels::table
        .filter(labels::office.eq(office))
        .order(labels::id)
        .select((labels::id, labels::ciphertext, labels::keyset_version))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, ciphertext, keyset_version)| Label {
            id,
            ciphertext,
            keyset_version,
        })
        .collect())
}

/// Adds a label (`id: None`) or replaces a label's ciphertext: a new name, or the same name
/// re-encrypted after a key rotation. The key set is compared in the same commit.
pub fn put_label(
    conn: &mut DbConn,
    office: &str,
    id: Option<&str>,
    ciphertext: &[u8],
    keyset_version: i32,
) -> Result<Result<String, Refusal>, DbError> {
    let current = current_keyset(conn, office)?;
    if current != keyset_version {
        return Ok(Err(Refusal::StaleKeyset(current)));
    }
    match id {
        Some(id) => {
            let n = diesel::update(
                labels::table
                    .filter(labels::id.eq(id))
                    .filter(labels::office.eq(office)),
            )
            .set((
                labels::ciphertext.eq(ciphertext),
                labels::keyset_version.eq(keyset_version),
            ))
            .execute(conn)?;
            if n != 1 {
                return Ok(Err(Refusal::UnknownLabel(id.chars().take(80).collect())));
            }
            Ok(Ok(id.to_owned()))
        }
        None => {
            let have: i64 = labels::table
                .filter(labels::office.eq(office))
                .count()
                .get_result(conn)?;
            if have >= MAX_LABELS {
                return Ok(Err(Refusal::TooManyLabels));
            }
            let id = uuid::Uuid::new_v4().to_string();
            diesel::insert_into(labels::table)
                .values((
                    labels::id.eq(&id),
                    labels::office.eq(office),
                    labels::ciphertext.eq(ciphertext),
                    labels::keyset_version.eq(keyset_version),
                ))
                .execute(conn)?;
            Ok(Ok(id))
        }
    }
}

/// Removes a label from the office and from every case that carried it.
pub fn delete_label(
    conn: &mut DbConn,
    office: &str,
    id: &str,
) -> Result<Result<(), Refusal>, DbError> {
    let own = labels::table
        .filter(labels::id.eq(id))
        .filter(labels::office.eq(office))
        .count()
        .get_result::<i64>(conn)?;
    if own == 0 {
        return Ok(Err(Refusal::UnknownLabel(id.chars().take(80).collect())));
    }
    diesel::delete(case_labels::table.filter(case_labels::label_id.eq(id))).execute(conn)?;
    diesel::delete(labels::table.find(id)).execute(conn)?;
    Ok(Ok(()))
}

/// Gives a case of `office` exactly these labels, each one of the office's own.
pub fn set_case_labels(
    conn: &mut DbConn,
    office: &str,
    case_id: &str,
    ids: &[String],
) -> Result<Result<(), Refusal>, DbError> {
    let own: Vec<String> = labels::table
        .filter(labels::office.eq(office))
        .filter(labels::id.eq_any(ids))
        .select(labels::id)
        .load(conn)?;
    if let Some(unknown) = ids.iter().find(|i| !own.contains(i)) {
        return Ok(Err(Refusal::UnknownLabel(
            unknown.chars().take(80).collect(),
        )));
    }
    diesel::delete(case_labels::table.filter(case_labels::report_id.eq(case_id))).execute(conn)?;
    let mut unique = own;
    unique.sort();
    unique.dedup();
    for label in &unique {
        diesel::insert_into(case_labels::table)
            .values((
                case_labels::report_id.eq(case_id),
                case_labels::label_id.eq(label),
            ))
            .execute(conn)?;
    }
    Ok(Ok(()))
}

/// A case's label ids, sorted.
pub fn labels_of(conn: &mut DbConn, case_id: &str) -> Result<Vec<String>, DbError> {
    Ok(case_labels::table
        .filter(case_labels::report_id.eq(case_id))
        .order(case_labels::label_id)
        .select(case_labels::label_id)
        .load(conn)?)
}

/// The label ids of every case of an office that has any, sorted per case.
pub fn labels_by_case(
    conn: &mut DbConn,
    office: &str,
) -> Result<HashMap<String, Vec<String>>, DbError> {
    let rows: Vec<(String, String)> = case_labels::table
        .inner_join(labels::table)
        .filter(labels::office.eq(office))
        .order((case_labels::report_id, case_labels::label_id))
        .select((case_labels::report_id, case_labels::label_id))
        .load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (case, label) in rows {
        out.entry(case).or_default().push(label);
    }
    Ok(out)
}
