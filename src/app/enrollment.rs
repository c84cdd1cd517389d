//! Officers enrolling from the browser desk: an invitation shown, then redeemed once with the
//! recipient of an identity the browser generated (and optionally that identity wrapped to a
//! passkey); and the wrapped identities a new browser fetches back.

use chrono::{NaiveDate, NaiveDateTime};

use super::AppError;
use crate::db::invitations::{self, Enrollment};
use crate::db::{self, DbError, Store};
use crate::domain::office::{Office, Officer};

pub use crate::db::invitations::{Invitation, Refusal};

/// Why an enrollment did not happen.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("invitation refused: {0:?}")]
    Invitation(Refusal),
    /// The key is an officer's already, or the key set is full: the storage's words.
    #[error("{0}")]
    OfficerExists(String),
}

impl From<Refusal> for EnrollError {
    fn from(r: Refusal) -> EnrollError {
        EnrollError::Invitation(r)
    }
}

/// The usable invitation whose token hashes to `token_hash`, with its office.
pub async fn invitation(
    store: &Store,
    token_hash: [u8; 32],
    now: NaiveDateTime,
) -> Result<(Invitation, Office), EnrollError> {
    let (inv, office) = store
        .read(move |c| {
            let inv = invitations::find_invitation(c, &token_hash)?;
            let office = match &inv {
                Some(i) => db::offices::get_office(c, &i.office)?,
                None => None,
            };
            Ok((inv, office))
        })
        .await
        .map_err(AppError::from)?;
    let inv = invitations::check(inv, now)?;
    // An invitation's office always exists (foreign key); a missing one is as unknown.
    let office = office.ok_or(Refusal::Unknown)?;
    Ok((inv, office))
}

/// Redeems the invitation: `recipient` joins the office's key set. The officer and the
/// office's new key-set version.
pub async fn enroll(
    store: &Store,
    token_hash: [u8; 32],
    recipient: String,
    passkey: Option<(String, Vec<u8>)>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<(Officer, i32), EnrollError> {
    let outcome = store
        .write(move |c| {
            invitations::enroll(
                c,
                &Enrollment {
                    token_hash,
                    recipient: &recipient,
                    passkey: passkey.as_ref().map(|(c, w)| (c.as_str(), w.as_slice())),
                    now,
                    today,
                },
            )
        })
        .await
        .map_err(|e| match e {
            DbError::Conflict(why) => EnrollError::OfficerExists(why),
            e => AppError::from(e).into(),
        })?;
    Ok(outcome?)
}

/// The office's passkey credentials with the identities wrapped to them.
pub async fn passkeys(store: &Store, office: String) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    Ok(store
        .read(move |c| invitations::office_passkeys(c, &office))
        .await?)
}
