//! Login by age challenge, one flow for officers and analysts: ask for a challenge encrypted
//! to the principal's recipient, decrypt it with the identity, trade it for a bearer token.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::keys::Identities;
use super::{from_b64, Api, ClientError};
use crate::crypto;
use crate::protocol::ids::{ChallengeSecret, Slug};
use crate::protocol::login::{
    AnalystChallengeRequest, AnalystSession, Challenge, OfficerChallengeRequest, OfficerSession,
    SessionRequest,
};

/// The flow under `/v1/{kind}/challenge` and `/v1/{kind}/session`; `None` when the
/// challenge does not open with these identities (not this principal's, or no principal).
fn login<R: Serialize, S: DeserializeOwned>(
    api: &Api,
    kind: &str,
    request: &R,
    identities: &Identities,
) -> Result<Option<S>, ClientError> {
    let ch: Challenge = api.post(&format!("/v1/{kind}/challenge"), request)?;
    let Ok(secret) = crypto::decrypt(&from_b64(&ch.challenge)?, identities) else {
        return Ok(None);
    };
    let secret = String::from_utf8(secret)
        .map_err(|_| ClientError::Malformed("a challenge that is not text"))?;
    let answer = SessionRequest {
        challenge_id: ch.challenge_id,
        secret: ChallengeSecret::new(secret),
    };
    api.post(&format!("/v1/{kind}/session"), &answer).map(Some)
}

/// An officer's session with the office.
pub fn officer(
    api: &Api,
    office: &str,
    recipient: &str,
    identities: &Identities,
) -> Result<OfficerSession, ClientError> {
    let request = OfficerChallengeRequest {
        office: Slug::from(office),
        recipient: recipient.to_owned(),
    };
    login(api, "desk", &request, identities)?.ok_or_else(|| ClientError::NotAnOfficer {
        office: office.to_owned(),
        recipient: recipient.to_owned(),
    })
}

/// An analyst's session.
pub fn analyst(
    api: &Api,
    recipient: &str,
    identities: &Identities,
) -> Result<AnalystSession, ClientError> {
    let request = AnalystChallengeRequest {
        recipient: recipient.to_owned(),
    };
    login(api, "analyst", &request, identities)?.ok_or_else(|| ClientError::NotAnAnalyst {
        recipient: recipient.to_owned(),
    })
}
