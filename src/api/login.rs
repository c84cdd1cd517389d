//! Passwordless login shared by officers and analysts, over HTTP: the challenge answer, the
//! session request, and the bearer token of every later request. The flow itself is
//! `app::login`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::{read_json, ApiError};
use crate::app::login::Challenge as Issued;
use crate::protocol::login::{Challenge, SessionRequest};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;

/// The answer to a challenge request.
pub fn challenge_answer(ch: Issued) -> HttpResponse {
    HttpResponse::Created().json(Challenge {
        challenge_id: ch.id,
        challenge: B64.encode(ch.ciphertext),
        expires_at: ch.expires_at,
    })
}

/// The session request: the challenge's id and its decrypted secret.
pub async fn session_request(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<SessionRequest, ApiError> {
    read_json(req, payload, SMALL_BODY).await
}

/// The request's bearer token; a missing one is 401.
pub fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        // Authentication schemes are case-insensitive (RFC 9110 §11.1).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(ApiError::Unauthorized("missing-token"))
}
