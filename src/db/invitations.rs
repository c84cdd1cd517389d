//! Enrollment: one-time invitations for new officers, and the passkey-wrapped identities
//! their browsers leave here (ciphertext the server cannot open).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{invitations, officers, passkeys};
use super::{offices, DbConn, DbError};
use crate::domain::office::Officer;

/// An invitation as the administrator makes it; the token itself is never stored.
pub struct NewInvitation<'a> {
    pub token_hash: [u8; 32],
    pub office: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub expires_at: NaiveDateTime,
}

pub fn insert_invitation(
    conn: &mut DbConn,
    new: &NewInvitation,
    actor: &str,
) -> Result<(), DbError> {
    if offices::get_office(conn, new.office)?.is_none() {
        return Err(DbError::NotFound);
    }
    diesel::insert_into(invitations::table)
        .values((
            invitations::token_hash.eq(&new.token_hash[..]),
            invitations::office.eq(new.office),
            invitations::display_name.eq(new.display_name),
            invitations::email.eq(new.email),
            invitations::expires_at.eq(new.expires_at),
            invitations::used.eq(false),
        ))
        .execute(conn)?;
    super::desk::append_audit(conn, new.office, actor, "officer:invite", None)
}

/// A stored invitation, found by the hash of its token.
#[derive(Debug, Clone, Queryable)]
pub struct Invitation {
    pub office: String,
    pub display_name: String,
    pub email: Option<String>,
    pub expires_at: NaiveDateTime,
    pub used: bool,
}

pub fn find_invitation(
    conn: &mut DbConn,
    token_hash: &[u8; 32],
) -> Result<Option<Invitation>, DbError> {
    Ok(invitations::table
        .find(&token_hash[..])
        .select((
            invitations::office,
            invitations::display_name,
            invitations::email,
            invitations::expires_at,
            invitations::used,
        ))
        .first(conn)
        .optional()?)
}

/// Deletes used and expired invitations (their names and addresses with them); how many.
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(
        invitations::table.filter(
            invitations::used
                .eq(true)
                .or(invitations::expires_at.lt(now)),
        ),
    )
    .execute(conn)?)
}

/// Marks an invitation used, if nobody used it first (compare-and-set).
pub fn use_invitation(conn: &mut DbConn, token_hash: &[u8; 32]) -> Result<bool, DbError> {
    let n = diesel::update(
        invitations::table
            .find(&token_hash[..])
            .filter(invitations::used.eq(false)),
    )
    .set(invitations::used.eq(true))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_passkey(
    conn: &mut DbConn,
    officer_id: &str,
    credential: &str,
    wrapped: &[u8],
    today: NaiveDate,
) -> Result<(), DbError> {
    diesel::insert_into(passkeys::table)
        .values((
            passkeys::id.eq(uuid::Uuid::new_v4().to_string()),
            passkeys::officer_id.eq(officer_id),
            passkeys::credential.eq(credential),
            passkeys::wrapped.eq(wrapped),
            passkeys::added_on.eq(today),
        ))
        .execute(conn)?;
    Ok(())
}

/// The passkey-wrapped identities of an office's active officers: (credential, wrapped file).
pub fn office_passkeys(conn: &mut DbConn, office: &str) -> Result<Vec<(String, Vec<u8>)>, DbError> {
    Ok(passkeys::table
        .inner_join(officers::table)
        .filter(officers::office.eq(office))
        .filter(officers::active.eq(true))
        .order(passkeys::id)
        .select((passkeys::credential, passkeys::wrapped))
        .load(conn)?)
}

/// What an enrollment needs from the officer's browser.
pub struct Enrollment<'a> {
    pub token_hash: [u8; 32],
    pub recipient: &'a str,
    /// The passkey's credential string and the identity encrypted to it, if one was set up.
    pub passkey: Option<(&'a str, &'a [u8])>,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
}

/// Why an invitation cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Used,
    Expired,
}

/// The invitation, if it can still be used as of `now`.
pub fn check(inv: Option<Invitation>, now: NaiveDateTime) -> Result<Invitation, Refusal> {
    match inv {
        None => Err(Refusal::Unknown),
        Some(i) if i.used => Err(Refusal::Used),
        Some(i) if now > i.expires_at => Err(Refusal::Expired),
        Some(i) => Ok(i),
    }
}

/// Uses the invitation, adds the officer (a new key-set version) and their passkey, all in the
/// caller's transaction, with an audit entry. Nothing changes when the invitation is refused.
pub fn enroll(
    conn: &mut DbConn,
    e: &Enrollment,
) -> Result<Result<(Officer, i32), Refusal>, DbError> {
    let inv = match check(find_invitation(conn, &e.token_hash)?, e.now) {
        Ok(inv) => inv,
        Err(r) => return Ok(Err(r)),
    };
    if !use_invitation(conn, &e.token_hash)? {
        return Ok(Err(Refusal::Used));
    }
    let (officer, version) = offices::add_officer(
        conn,
        &inv.office,
        &inv.display_name,
        e.recipient,
        inv.email.as_deref(),
        e.today,
        "invitation",
    )?;
    if let Some((credential, wrapped)) = e.passkey {
        insert_passkey(conn, &officer.id, credential, wrapped, e.today)?;
    }
    super::desk::append_audit(conn, &officer.office, &officer.id, "enroll", None)?;
    Ok(Ok((officer, version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn an_invitation_works_until_it_expires_or_is_used() {
        let inv = Invitation {
            office: "demo".into(),
            display_name: "Erika".into(),
            email: None,
            expires_at: at("2026-12-02 12:00:00"),
            used: false,
        };
        // Same assertions as before: usable up to and at its expiry, then expired; used; unknown.
        let office = |r: Result<Invitation, Refusal>| r.map(|i| i.office);
        assert_eq!(
            office(check(Some(inv.clone()), at("2026-12-02 12:00:00"))),
            Ok("demo".to_owned())
        );
        assert_eq!(
            office(check(Some(inv.clone()), at("2026-12-02 12:00:01"))),
            Err(Refusal::Expired)
        );
        let used = Invitation { used: true, ..inv };
        assert_eq!(
            office(check(Some(used), at("2026-11-30 00:00:00"))),
            Err(Refusal::Used)
        );
        assert_eq!(
            office(check(None, at("2026-11-30 00:00:00"))),
            Err(Refusal::Unknown)
        );
    }
}
