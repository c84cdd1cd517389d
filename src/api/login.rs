//! Passwordless login shared by officers and analysts: a challenge encrypted to the
//! principal's age recipient, redeemed once for a short-lived bearer token (stored hashed).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{Duration, NaiveDateTime, Utc};

use super::{read_json, ApiError, AppState};
use crate::crypto;
use crate::db::{self, DbConn, DbError};
use crate::domain::auth;
use crate::protocol::login::{Challenge, SessionRequest};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;

/// Answers a challenge request. `who` is the principal and its recipient, or `None` when the
/// recipient belongs to nobody: that one gets a challenge of the same shape that nobody can
/// answer, so the answer does not tell who has an account.
pub async fn issue(
    state: &AppState,
    who: Option<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let secret = auth::random_hex();
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = Utc::now().naive_utc() + Duration::seconds(state.config.challenge_secs as i64);
    let to = match &who {
        Some((_, recipient)) => recipient.clone(),
        None => crypto::keygen().1,
    };
    let (ciphertext, secret) =
        web::block(move || crypto::encrypt(secret.as_bytes(), &[to]).map(|ct| (ct, secret)))
            .await
            .map_err(|_| ApiError::Internal)?
            .map_err(|_| ApiError::Internal)?;
    if let Some((principal, _)) = who {
        let (id, hash) = (id.clone(), auth::hash(&secret));
        state
            .store
            .write(move |c| db::desk::insert_challenge(c, &id, &principal, &hash, expires_at))
            .await?;
    }
    Ok(HttpResponse::Created().json(Challenge {
        challenge_id: id,
        challenge: B64.encode(ciphertext),
        expires_at: expires_at.and_utc(),
    }))
}

/// Redeems a challenge (single use, whatever the answer): the principal it was for.
pub async fn redeem(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<String, ApiError> {
    let r: SessionRequest = read_json(req, payload, SMALL_BODY).await?;
    let id = r.challenge_id.clone();
    let taken = state
        .store
        .write(move |c| db::desk::take_challenge(c, &id))
        .await?;
    let Some((principal, secret_hash, expires_at)) = taken else {
        return Err(ApiError::Unauthorized("invalid-challenge"));
    };
    if Utc::now().naive_utc() > expires_at {
        return Err(ApiError::Unauthorized("challenge-expired"));
    }
    if !auth::same(&auth::hash(r.secret.expose()), &secret_hash) {
        return Err(ApiError::Unauthorized("invalid-challenge"));
    }
    Ok(principal)
}

/// Creates the session and, in the same commit, whatever `also` records (the audit entry).
pub async fn open_session<T: Send + 'static>(
    state: &AppState,
    principal: String,
    also: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
) -> Result<(String, NaiveDateTime, T), ApiError> {
    let token = auth::random_hex();
    let token_hash = auth::hash(&token);
    let expires_at = Utc::now().naive_utc() + Duration::seconds(state.config.session_secs as i64);
    let also = state
        .store
        .write(move |c| {
            db::desk::insert_session(c, &token_hash, &principal, expires_at)?;
            also(c)
        })
        .await?;
    Ok((token, expires_at, also))
}

/// The active account of kind `prefix` (`officer:`, `analyst:`) behind the request's bearer
/// token, with whatever `load` reads for it: one storage round trip for the session and the
/// account. A missing, unknown, expired or other kind's token is 401.
pub async fn authenticate<T, F>(
    state: &AppState,
    req: &HttpRequest,
    prefix: &'static str,
    load: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &str) -> Result<Option<T>, DbError> + Send + 'static,
{
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // Authentication schemes are case-insensitive (RFC 9110 §11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(ApiError::Unauthorized("missing-token"))?;
    let hash = auth::hash(token);
    state
        .store
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
        .map_err(ApiError::Unauthorized)
}

/// The active account behind a principal (`officer:<id>`, `analyst:<id>`) of the expected
/// kind; anything else is an invalid token.
pub async fn resolve<T, F>(
    state: &AppState,
    principal: &str,
    prefix: &str,
    load: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &str) -> Result<Option<T>, DbError> + Send + 'static,
{
    let id = principal
        .strip_prefix(prefix)
        .ok_or(ApiError::Unauthorized("invalid-token"))?
        .to_owned();
    state
        .store
        .read(move |c| load(c, &id))
        .await?
        .ok_or(ApiError::Unauthorized("invalid-token"))
}
