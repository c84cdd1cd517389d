//! Passwordless login, one flow for officers and analysts: a challenge encrypted to the
//! principal's age recipient, redeemed once for a short-lived bearer token. Challenges are
//! stateless (`domain::auth::ChallengeKey`): asking for one writes nothing, so a flood of
//! requests costs the server an encryption each and no storage; only a redeemed challenge is
//! recorded, to refuse it a second time. Only hashes of tokens are stored. A principal is
//! `officer:<id>` or `analyst:<id>`.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::{blocking, AppError};
use crate::crypto;
use crate::db::{self, DbConn, DbError, Store};
use crate::domain::audit::Checkpoint;
use crate::domain::auth::{self, ChallengeKey, ChallengeRefusal};
use crate::domain::office::{Office, Officer};

pub use crate::db::stats::Analyst;

const OFFICER: &str = "officer:";
const ANALYST: &str = "analyst:";

/// The audit scope of what analysts do (they belong to no office).
pub const ANALYST_SCOPE: &str = crate::app::publish::AUDIT_SCOPE;

/// A challenge: its id, the age file only the principal's identity opens, and its end.
pub struct Challenge {
    pub id: String,
    pub ciphertext: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// A challenge for the active officer of `office` with `recipient`, or, when there is none,
/// one of the same shape that nobody can answer, so the answer does not tell who has an
/// account.
pub async fn officer_challenge(
    store: &Store,
    key: &ChallengeKey,
    office: &str,
    recipient: &str,
    valid_secs: u64,
) -> Result<Challenge, AppError> {
    let (office, recipient) = (office.to_owned(), recipient.to_owned());
    let officer = store
        .read(move |c| {
            Ok(db::offices::list_officers(c, &office)?
                .into_iter()
                .find(|o| o.active && o.recipient == recipient))
        })
        .await?;
    challenge(
        key,
        OFFICER,
        officer.map(|o| (o.id, o.recipient)),
        valid_secs,
    )
    .await
}

/// A challenge for the active analyst with `recipient`, or one nobody can answer.
pub async fn analyst_challenge(
    store: &Store,
    key: &ChallengeKey,
    recipient: &str,
    valid_secs: u64,
) -> Result<Challenge, AppError> {
    let recipient = recipient.to_owned();
    let analyst = store
        .read(move |c| db::stats::analyst_by_recipient(c, &recipient))
        .await?;
    challenge(
        key,
        ANALYST,
        analyst.map(|a| (a.id, a.recipient)),
        valid_secs,
    )
    .await
}

/// `who` is the account's id and recipient; for nobody, a random id of the same shape and a
/// fresh key that is thrown away.
async fn challenge(
    key: &ChallengeKey,
    kind: &str,
    who: Option<(String, String)>,
    valid_secs: u64,
) -> Result<Challenge, AppError> {
    let expires_at = Utc::now() + Duration::seconds(valid_secs as i64);
    let (id, to) = who.unwrap_or_else(|| (uuid::Uuid::new_v4().to_string(), crypto::keygen().1));
    let (id, secret) = key.issue(&format!("{kind}{id}"), expires_at.timestamp());
    let ciphertext = blocking(move || crypto::encrypt(secret.as_bytes(), &[to]))
        .await?
        .map_err(|_| AppError::Internal)?;
    Ok(Challenge {
        id,
        ciphertext,
        expires_at,
    })
}

/// Redeems a challenge once: the principal it was for. A second answer, even a right one, is
/// refused.
async fn redeem(
    store: &Store,
    key: &ChallengeKey,
    challenge_id: &str,
    secret: &str,
) -> Result<String, AppError> {
    let r = key
        .redeem(challenge_id, secret, Utc::now().timestamp())
        .map_err(|e| match e {
            ChallengeRefusal::Invalid => AppError::Unauthorized("invalid-challenge"),
            ChallengeRefusal::Expired => AppError::Unauthorized("challenge-expired"),
        })?;
    let until = DateTime::from_timestamp(r.expires_at, 0)
        .ok_or(AppError::Unauthorized("invalid-challenge"))?
        .naive_utc();
    let principal = r.principal.clone();
    let fresh = store
        .write(move |c| db::desk::spend_challenge(c, &r.nonce, &r.principal, until))
        .await?;
    if !fresh {
        return Err(AppError::Unauthorized("invalid-challenge"));
    }
    Ok(principal)
}

/// A login: the bearer token (given out once, stored hashed) and its end.
pub struct Session<T> {
    pub token: String,
    pub expires_at: NaiveDateTime,
    pub who: T,
}

/// An officer's login, with the audit log's head after it (this login's own entry).
pub struct OfficerLogin {
    pub officer: Officer,
    pub audit_head: Option<Checkpoint>,
}

/// Trades an answered challenge for an officer's session, audited in the same commit.
pub async fn officer_session(
    store: &Store,
    key: &ChallengeKey,
    challenge_id: &str,
    secret: &str,
    valid_secs: u64,
) -> Result<Session<OfficerLogin>, AppError> {
    let principal = redeem(store, key, challenge_id, secret).await?;
    let officer = resolve(store, &principal, OFFICER, |c, id| {
        Ok(db::offices::get_officer(c, id)?.filter(|o| o.active))
    })
    .await?;
    let o = officer.clone();
    let (token, expires_at, audit_head) = open_session(store, principal, valid_secs, move |c| {
        db::desk::append_audit(c, &o.office, &o.id, "login", None)?;
        db::desk::audit_head(c)
    })
    .await?;
    Ok(Session {
        token,
        expires_at,
        who: OfficerLogin {
            officer,
            audit_head,
        },
    })
}

/// Trades an answered challenge for an analyst's session, audited in the same commit.
pub async fn analyst_session(
    store: &Store,
    key: &ChallengeKey,
    challenge_id: &str,
    secret: &str,
    valid_secs: u64,
) -> Result<Session<Analyst>, AppError> {
    let principal = redeem(store, key, challenge_id, secret).await?;
    let analyst = resolve(store, &principal, ANALYST, |c, id| {
        Ok(db::stats::get_analyst(c, id)?.filter(|a| a.active))
    })
    .await?;
    let id = analyst.id.clone();
    let (token, expires_at, ()) = open_session(store, principal, valid_secs, move |c| {
        db::desk::append_audit(c, ANALYST_SCOPE, &id, "login", None)
    })
    .await?;
    Ok(Session {
        token,
        expires_at,
        who: analyst,
    })
}

/// Creates the session and, in the same commit, whatever `also` records (the audit entry): the
/// token (given out once, stored hashed), its end and what `also` returned.
async fn open_session<T: Send + 'static>(
    store: &Store,
    principal: String,
    valid_secs: u64,
    also: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
) -> Result<(String, NaiveDateTime, T), AppError> {
    let token = auth::random_hex();
    let token_hash = auth::hash(&token);
    let expires_at = Utc::now().naive_utc() + Duration::seconds(valid_secs as i64);
    let also = store
        .write(move |c| {
            db::desk::insert_session(c, &token_hash, &principal, expires_at)?;
            also(c)
        })
        .await?;
    Ok((token, expires_at, also))
}

/// The active officer behind a bearer token, with their office: one storage round trip.
pub async fn officer_by_token(store: &Store, token: &str) -> Result<(Officer, Office), AppError> {
    authenticate(store, token, OFFICER, |c, id| {
        let Some(officer) = db::offices::get_officer(c, id)?.filter(|o| o.active) else {
            return Ok(None);
        };
        Ok(db::offices::get_office(c, &officer.office)?.map(|office| (officer, office)))
    })
    .await
}

/// The active analyst behind a bearer token.
pub async fn analyst_by_token(store: &Store, token: &str) -> Result<Analyst, AppError> {
    authenticate(store, token, ANALYST, |c, id| {
        Ok(db::stats::get_analyst(c, id)?.filter(|a| a.active))
    })
    .await
}

/// The active account of kind `prefix` (`officer:`, `analyst:`) behind a bearer token, with
/// whatever `load` reads for it. An unknown, expired or other kind's token is refused.
async fn authenticate<T, F>(
    store: &Store,
    token: &str,
    prefix: &'static str,
    load: F,
) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &str) -> Result<Option<T>, DbError> + Send + 'static,
{
    let hash = auth::hash(token);
    store
        .read(move |c| {
            let Some((principal, expires_at)) = db::desk::session(c, &hash)? else {
                return Ok(Err("invalid-token"));
            };
            if Utc::now().naive_utc() > expires_at {
                return Ok(Err("token-expired"));
            }
            let Some(id) = principal.strip_prefix(prefix) else {
                return Ok(Err("invalid-token"));
            };
            Ok(load(c, id)?.ok_or("invalid-token"))
        })
        .await?
        .map_err(AppError::Unauthorized)
}

/// The active account behind a principal of the expected kind; anything else is an invalid
/// token.
async fn resolve<T, F>(store: &Store, principal: &str, prefix: &str, load: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &str) -> Result<Option<T>, DbError> + Send + 'static,
{
    let id = principal
        .strip_prefix(prefix)
        .ok_or(AppError::Unauthorized("invalid-token"))?
        .to_owned();
    store
        .read(move |c| load(c, &id))
        .await?
        .ok_or(AppError::Unauthorized("invalid-token"))
}
