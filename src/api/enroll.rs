//! Enrollment of officers from the browser desk: an invitation link (token in the URL's
//! fragment) is shown, then redeemed once with the recipient of an identity the browser
//! generated, and optionally that identity wrapped to a passkey. Logins on another browser
//! fetch the office's wrapped identities back; only a holder of the passkey can open one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::Utc;

use super::{read_json, ApiError, AppState};
use crate::app::enrollment::{self, EnrollError, Refusal};
use crate::crypto::header::{self, is_grease, PASSKEY_TAG};
use crate::domain::auth;
use crate::protocol::enroll::{
    EnrollRequest, Enrolled, Invitation, InvitationRequest, Passkey, Passkeys, PasskeysRequest,
};
use crate::protocol::login::OfficerView;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;
/// A wrapped X25519 identity is a few hundred bytes; this leaves room for grease.
const MAX_WRAPPED: usize = 4 * 1024;
const MAX_CREDENTIAL: usize = 1024;

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        ApiError::Invitation(r)
    }
}

impl From<EnrollError> for ApiError {
    fn from(e: EnrollError) -> ApiError {
        match e {
            EnrollError::App(e) => e.into(),
            EnrollError::Invitation(r) => r.into(),
            EnrollError::OfficerExists(why) => ApiError::Conflict("officer-exists", why),
        }
    }
}

/// The invitation token from a request: 64 hex digits, else it is unknown.
fn token_hash(token: &str) -> Result<[u8; 32], ApiError> {
    let ok = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(Refusal::Unknown.into());
    }
    Ok(auth::hash(&token.to_ascii_lowercase()))
}

/// What an invitation is for, so the page can greet the officer before they enroll.
pub async fn invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: InvitationRequest = read_json(&req, payload, SMALL_BODY).await?;
    let hash = token_hash(r.token.expose())?;
    let (inv, office) = enrollment::invitation(&state.store, hash, Utc::now().naive_utc()).await?;
    Ok(HttpResponse::Ok().json(Invitation {
        office: office.slug.into(),
        office_name: office.name,
        display_name: inv.display_name,
        expires_at: inv.expires_at.and_utc(),
    }))
}

/// Checks what the browser says about its passkey: a credential string of the age plugin
/// format and an age file encrypted to a passkey only (never a passphrase, never a key).
fn check_passkey(p: &Passkey) -> Result<Vec<u8>, ApiError> {
    let bad = |what: &str| ApiError::InvalidRequest(format!("passkey: {what}"));
    let credential_ok = p.credential.len() <= MAX_CREDENTIAL
        && p.credential.starts_with("AGE-PLUGIN-FIDO2PRF-1")
        && p.credential
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !credential_ok {
        return Err(bad(
            "credential: not an AGE-PLUGIN-FIDO2PRF-1… identity string",
        ));
    }
    if p.wrapped.len() > MAX_WRAPPED * 4 / 3 + 4 {
        return Err(bad("wrapped: too large"));
    }
    let wrapped = B64
        .decode(&p.wrapped)
        .map_err(|_| bad("wrapped: not base64"))?;
    let tags = header::stanza_tags(&wrapped).map_err(|_| bad("wrapped: not an age file"))?;
    if tags.is_empty() || !tags.iter().all(|t| t == PASSKEY_TAG || is_grease(t)) {
        return Err(bad("wrapped: must be encrypted to the passkey only"));
    }
    if !tags.iter().any(|t| t == PASSKEY_TAG) {
        return Err(bad("wrapped: not encrypted to a passkey"));
    }
    Ok(wrapped)
}

/// Redeems an invitation: the officer's recipient joins the office's key set.
pub async fn enroll(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: EnrollRequest = read_json(&req, payload, SMALL_BODY).await?;
    let hash = token_hash(r.token.expose())?;
    // Only X25519: the server encrypts login challenges to it and never runs a plugin.
    if r.recipient.parse::<age::x25519::Recipient>().is_err() {
        return Err(ApiError::InvalidRequest(
            "recipient: not an age X25519 recipient (age1…)".into(),
        ));
    }
    let wrapped = r.passkey.as_ref().map(check_passkey).transpose()?;
    let passkey = r.passkey.map(|p| p.credential).zip(wrapped);
    let (now, today) = (Utc::now().naive_utc(), state.config.today());
    let (officer, keyset_version) =
        enrollment::enroll(&state.store, hash, r.recipient, passkey, now, today).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(Enrolled {
        officer: OfficerView {
            id: officer.id.into(),
            display_name: officer.display_name,
            office: officer.office.into(),
        },
        keyset_version,
    }))
}

/// The office's passkey-wrapped identities, for an officer logging in on a new browser.
/// An unknown office answers an empty list, like an office without passkeys.
pub async fn passkeys(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: PasskeysRequest = read_json(&req, payload, SMALL_BODY).await?;
    // Shares the reporters' lookup limit: global, nothing kept per client.
    super::rate_check(state.lookups.check(), state.lookups.clock())?;
    let office = r.office.0;
    let list = enrollment::passkeys(&state.store, office).await?;
    let passkeys = list
        .into_iter()
        .map(|(credential, wrapped)| Passkey {
            credential,
            wrapped: B64.encode(wrapped),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Passkeys { passkeys }))
}
