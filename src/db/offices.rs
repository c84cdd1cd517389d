//! Offices and officers.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{officers, offices};
use super::{DbConn, DbError};
use crate::domain::office::{NewOffice, Office, Officer, MAX_KEY_SET};

#[derive(Queryable, Selectable)]
#[diesel(table_name = offices)]
struct OfficeRow {
    slug: String,
    name: String,
    municipality: String,
    land: String,
    size_class: String,
    keyset_version: i32,
    retention_years: i32,
    recovery_recipient: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = officers)]
struct OfficerRow {
    id: String,
    office: String,
    display_name: String,
    recipient: String,
    email: Option<String>,
    active: bool,
}

impl From<OfficerRow> for Officer {
    fn from(r: OfficerRow) -> Officer {
        Officer {
            id: r.id,
            office: r.office,
            display_name: r.display_name,
            recipient: r.recipient,
            email: r.email,
            active: r.active,
        }
    }
}

/// Account and key-set changes are audited in the same commit; `actor` is who made them
/// (`admin:cli`, `system:demo`, or an officer's id).
pub fn insert_office(
    conn: &mut DbConn,
    new: &NewOffice,
    today: NaiveDate,
    actor: &str,
) -> Result<(), DbError> {
    diesel::insert_into(offices::table)
        .values((
            offices::slug.eq(&new.slug),
            offices::name.eq(&new.name),
            offices::municipality.eq(&new.municipality),
            offices::land.eq(&new.land),
            offices::size_class.eq(&new.size_class),
            offices::keyset_version.eq(0),
            offices::retention_years.eq(new.retention_years),
            offices::created_on.eq(today),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => DbError::Conflict(format!("an office '{}' exists already", new.slug)),
            e => e.into(),
        })?;
    super::desk::append_audit(conn, &new.slug, actor, "office:add", Some(&new.slug))
}

/// An office from its row and its active officers' recipients (ordered by officer id): the
/// key set, with the recovery recipient last.
fn office_from(row: OfficeRow, mut recipients: Vec<String>) -> Office {
    recipients.extend(row.recovery_recipient.clone());
    Office {
        slug: row.slug,
        name: row.name,
        municipality: row.municipality,
        land: row.land,
        size_class: row.size_class,
        keyset_version: row.keyset_version,
        retention_years: row.retention_years,
        recipients,
        recovery: row.recovery_recipient,
    }
}

/// The office with its current key set, if it exists.
pub fn get_office(conn: &mut DbConn, slug: &str) -> Result<Option<Office>, DbError> {
    let Some(row) = offices::table
        .find(slug)
        .select(OfficeRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let recipients = officers::table
        .filter(officers::office.eq(slug))
        .filter(officers::active.eq(true))
        .order(officers::id)
        .select(officers::recipient)
        .load::<String>(conn)?;
    Ok(Some(office_from(row, recipients)))
}

/// Every office with its key set, by slug: two queries, whatever the number of offices.
pub fn list_offices(conn: &mut DbConn) -> Result<Vec<Office>, DbError> {
    let rows = offices::table
        .order(offices::slug)
        .select(OfficeRow::as_select())
        .load::<OfficeRow>(conn)?;
    let mut keys: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (office, recipient) in officers::table
        .filter(officers::active.eq(true))
        .order((officers::office, officers::id))
        .select((officers::office, officers::recipient))
        .load::<(String, String)>(conn)?
    {
        keys.entry(office).or_default().push(recipient);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let recipients = keys.remove(&row.slug).unwrap_or_default();
            office_from(row, recipients)
        })
        .collect())
}

/// Every office's slug, sorted.
pub fn office_slugs(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    Ok(offices::table
        .order(offices::slug)
        .select(offices::slug)
        .load(conn)?)
}

pub fn list_officers(conn: &mut DbConn, office: &str) -> Result<Vec<Officer>, DbError> {
    Ok(officers::table
        .filter(officers::office.eq(office))
        .order((officers::active.desc(), officers::display_name))
        .select(OfficerRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Officer::from)
        .collect())
}

pub fn get_officer(conn: &mut DbConn, id: &str) -> Result<Option<Officer>, DbError> {
    Ok(officers::table
        .find(id)
        .select(OfficerRow::as_select())
        .first(conn)
        .optional()?
        .map(Officer::from))
}

fn bump_keyset(conn: &mut DbConn, office: &str) -> Result<i32, DbError> {
    diesel::update(offices::table.find(office))
        .set(offices::keyset_version.eq(offices::keyset_version + 1))
        .execute(conn)?;
    Ok(offices::table
        .find(office)
        .select(offices::keyset_version)
        .first(conn)?)
}

/// Adds an officer and moves the office to a new key-set version.
pub fn add_officer(
    conn: &mut DbConn,
    office: &str,
    display_name: &str,
    recipient: &str,
    email: Option<&str>,
    today: NaiveDate,
    actor: &str,
) -> Result<(Officer, i32), DbError> {
    let Some(current) = get_office(conn, office)? else {
        return Err(DbError::NotFound);
    };
    // The recovery key stays offline; as an officer's key it would be in use every day.
    if current.recovery.as_deref() == Some(recipient.trim()) {
        return Err(DbError::Conflict(
            "this is the office's recovery key; clear it first (office set-recovery --clear)"
                .into(),
        ));
    }
    if current.recipients.len() >= MAX_KEY_SET {
        return Err(DbError::Conflict(format!(
            "the office's key set has {} keys, the most it may have; remove an officer first",
            current.recipients.len()
        )));
    }
    let active_same = officers::table
        .filter(officers::office.eq(office))
        .filter(officers::recipient.eq(recipient))
        .filter(officers::active.eq(true))
        .count()
        .get_result::<i64>(conn)?;
    if active_same > 0 {
        return Err(DbError::Conflict(
            "this recipient is already an active officer of the office".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(officers::table)
        .values((
            officers::id.eq(&id),
            officers::office.eq(office),
            officers::display_name.eq(display_name),
            officers::recipient.eq(recipient),
            officers::email.eq(email),
            officers::active.eq(true),
            officers::added_on.eq(today),
        ))
        .execute(conn)?;
    let version = bump_keyset(conn, office)?;
    let officer = get_officer(conn, &id)?.ok_or(DbError::NotFound)?;
    super::desk::append_audit(conn, office, actor, "officer:add", Some(&id))?;
    Ok((officer, version))
}

/// Deactivates an officer (by id or recipient) and moves the office to a new key-set
/// version. The row stays so that the audit log keeps naming who did what. Their cases go,
/// in the same commit, to `reassign_to` (an active colleague, by id or recipient) or back to
/// the whole office.
/// Returns the new version and how many cases were reassigned.
pub fn remove_officer(
    conn: &mut DbConn,
    office: &str,
    who: &str,
    reassign_to: Option<&str>,
    actor: &str,
) -> Result<(i32, usize), DbError> {
    let ids: Vec<String> = officers::table
        .filter(officers::office.eq(office))
        .filter(officers::active.eq(true))
        .filter(officers::id.eq(who).or(officers::recipient.eq(who)))
        .select(officers::id)
        .load(conn)?;
    if ids.is_empty() {
        return Err(DbError::NotFound);
    }
    // The successor by id or recipient, as the leaving officer is named.
    let successor: Option<String> = match reassign_to {
        Some(to) => Some(
            officers::table
                .filter(officers::office.eq(office))
                .filter(officers::active.eq(true))
                .filter(officers::id.eq(to).or(officers::recipient.eq(to)))
                .select(officers::id)
                .first(conn)
                .optional()?
                .unwrap_or_else(|| to.to_owned()),
        ),
        None => None,
    };
    let reassign_to = successor.as_deref();
    let mut moved = 0;
    for id in &ids {
        let cases = super::casework::reassign_all(conn, office, id, reassign_to)?
            .map_err(|r| DbError::Conflict(format!("--reassign-to: {r}")))?;
        for case in &cases {
            let subject = format!("{case} to {}", reassign_to.unwrap_or("office"));
            super::desk::append_audit(conn, office, actor, "assign", Some(&subject))?;
        }
        moved += cases.len();
    }
    diesel::update(officers::table.filter(officers::id.eq_any(&ids)))
        .set(officers::active.eq(false))
        .execute(conn)?;
    for id in &ids {
        super::desk::append_audit(conn, office, actor, "officer:remove", Some(id))?;
    }
    Ok((bump_keyset(conn, office)?, moved))
}

/// Sets (or with `None` removes) the office's recovery recipient and moves the office to a new
/// key-set version, audited with the recipient (a public key) in the same commit.
pub fn set_recovery(
    conn: &mut DbConn,
    office: &str,
    recipient: Option<&str>,
    actor: &str,
) -> Result<i32, DbError> {
    if let Some(r) = recipient {
        let officer_key = officers::table
            .filter(officers::office.eq(office))
            .filter(officers::active.eq(true))
            .filter(officers::recipient.eq(r))
            .count()
            .get_result::<i64>(conn)?;
        if officer_key > 0 {
            return Err(DbError::Conflict(
                "this is an officer's key; a recovery key is a separate key kept offline".into(),
            ));
        }
        let current = get_office(conn, office)?.ok_or(DbError::NotFound)?;
        if current.recovery.is_none() && current.recipients.len() >= MAX_KEY_SET {
            return Err(DbError::Conflict(format!(
                "the office's key set has {} keys, the most it may have; remove an officer first",
                current.recipients.len()
            )));
        }
    }
    let n = diesel::update(offices::table.find(office))
        .set(offices::recovery_recipient.eq(recipient))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    match recipient {
        Some(r) => super::desk::append_audit(conn, office, actor, "office:set-recovery", Some(r))?,
        None => super::desk::append_audit(conn, office, actor, "office:clear-recovery", None)?,
    }
    bump_keyset(conn, office)
}

/// Whether any active officer anywhere still uses the published demo key.
pub fn demo_key_in_use(conn: &mut DbConn) -> Result<bool, DbError> {
    let n = officers::table
        .filter(officers::recipient.eq(crate::domain::office::DEMO_RECIPIENT))
        .filter(officers::active.eq(true))
        .count()
        .get_result::<i64>(conn)?;
    Ok(n > 0)
}

pub fn count_offices(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(offices::table.count().get_result(conn)?)
}
