//! Passwordless login shared by officers and analysts, over HTTP: the challenge and session
//! answers, and the bearer token of every later request. The flow itself is `app::login`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::NaiveDateTime;

use super::{read_json, ApiError, AppState};
use crate::app::login as flow;
use crate::db::{DbConn, DbError};
use crate::protocol::login::{Challenge, SessionRequest};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;

/// Answers a challenge request. `who` is the principal and its recipient, or `None` when the
/// recipient belongs to nobody (who then gets a challenge nobody can answer).
pub async fn issue(
    state: &AppState,
    who: Option<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let ch = flow::challenge(&state.store, who, state.config.challenge_secs).await?;
    Ok(HttpResponse::Created().json(Challenge {
        challenge_id: ch.id,
        challenge: B64.encode(ch.ciphertext),
        expires_at: ch.expires_at.and_utc(),
    }))
}

/// Redeems the challenge a session request answers: the principal it was for.
pub async fn redeem(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<String, ApiError> {
    let r: SessionRequest = read_json(req, payload, SMALL_BODY).await?;
    Ok(flow::redeem(&state.store, &r.challenge_id, r.secret.expose()).await?)
}

/// Creates the session and, in the same commit, whatever `also` records (the audit entry).
pub async fn open_session<T: Send + 'static>(
    state: &AppState,
    principal: String,
    also: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
) -> Result<(String, NaiveDateTime, T), ApiError> {
    Ok(flow::open_session(&state.store, principal, state.config.session_secs, also).await?)
}

/// The active account of kind `prefix` (`officer:`, `analyst:`) behind the request's bearer
/// token, with whatever `load` reads for it. A missing, unknown, expired or other kind's
/// token is 401.
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
    Ok(flow::authenticate(&state.store, token, prefix, load).await?)
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
    Ok(flow::resolve(&state.store, principal, prefix, load).await?)
}
