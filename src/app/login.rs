//! Passwordless login, one flow for officers and analysts: a challenge encrypted to the
//! principal's age recipient, redeemed once for a short-lived bearer token. Only hashes of
//! secrets and tokens are stored. A principal is `officer:<id>` or `analyst:<id>`.

use chrono::{Duration, NaiveDateTime, Utc};

use super::{blocking, AppError};
use crate::crypto;
use crate::db::{self, DbConn, DbError, Store};
use crate::domain::auth;

/// A challenge: its id, the age file only the principal's identity opens, and its end.
pub struct Challenge {
    pub id: String,
    pub ciphertext: Vec<u8>,
    pub expires_at: NaiveDateTime,
}

/// A challenge for `who` (the principal and its recipient), or, when the recipient belongs to
/// nobody, one of the same shape that nobody can answer, so the answer does not tell who has
/// an account.
pub async fn challenge(
    store: &Store,
    who: Option<(String, String)>,
    valid_secs: u64,
) -> Result<Challenge, AppError> {
    let secret = auth::random_hex();
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = Utc::now().naive_utc() + Duration::seconds(valid_secs as i64);
    let to = match &who {
        Some((_, recipient)) => recipient.clone(),
        None => crypto::keygen().1,
    };
    let (ciphertext, secret) =
        blocking(move || crypto::encrypt(secret.as_bytes(), &[to]).map(|ct| (ct, secret)))
            .await?
            .map_err(|_| AppError::Internal)?;
    if let Some((principal, _)) = who {
        let (id, hash) = (id.clone(), auth::hash(&secret));
        store
            .write(move |c| db::desk::insert_challenge(c, &id, &principal, &hash, expires_at))
            .await?;
    }
    Ok(Challenge {
        id,
        ciphertext,
        expires_at,
    })
}

/// Redeems a challenge (single use, whatever the answer): the principal it was for.
pub async fn redeem(store: &Store, challenge_id: &str, secret: &str) -> Result<String, AppError> {
    let id = challenge_id.to_owned();
    let taken = store
        .write(move |c| db::desk::take_challenge(c, &id))
        .await?;
    let Some((principal, secret_hash, expires_at)) = taken else {
        return Err(AppError::Unauthorized("invalid-challenge"));
    };
    if Utc::now().naive_utc() > expires_at {
        return Err(AppError::Unauthorized("challenge-expired"));
    }
    if !auth::same(&auth::hash(secret), &secret_hash) {
        return Err(AppError::Unauthorized("invalid-challenge"));
    }
    Ok(principal)
}

/// Creates the session and, in the same commit, whatever `also` records (the audit entry): the
/// token (given out once, stored hashed), its end and what `also` returned.
pub async fn open_session<T: Send + 'static>(
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

/// The active account of kind `prefix` (`officer:`, `analyst:`) behind a bearer token, with
/// whatever `load` reads for it: one storage round trip for the session and the account. An
/// unknown, expired or other kind's token is refused.
pub async fn authenticate<T, F>(
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
pub async fn resolve<T, F>(
    store: &Store,
    principal: &str,
    prefix: &str,
    load: F,
) -> Result<T, AppError>
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
