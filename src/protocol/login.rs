//! Login by age challenge, the same for officers and analysts (`/v1/desk/…` and
//! `/v1/analyst/…`): ask for a challenge, decrypt it, trade it for a bearer token.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ChallengeSecret, OfficerId, Slug, Token};

/// `POST /v1/desk/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerChallengeRequest {
    pub office: Slug,
    pub recipient: String,
}

/// `POST /v1/analyst/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalystChallengeRequest {
    pub recipient: String,
}

/// A login challenge: an age file (standard base64) only the principal's identity opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub challenge_id: String,
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/desk/session` and `/v1/analyst/session`: the decrypted challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub challenge_id: String,
    pub secret: ChallengeSecret,
}

/// An officer as the desk names them after login or enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerView {
    pub id: OfficerId,
    pub display_name: String,
    pub office: Slug,
}

/// An officer's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerSession {
    pub token: Token,
    pub expires_at: DateTime<Utc>,
    pub officer: OfficerView,
    /// The audit log's newest entry as `SEQ:HASH` (this login's own), to compare with a
    /// checkpoint kept outside the server.
    pub audit_head: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalystView {
    pub id: String,
    pub display_name: String,
    /// The offices whose figures the analyst may fetch.
    pub offices: Vec<Slug>,
}

/// An analyst's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalystSession {
    pub token: Token,
    pub expires_at: DateTime<Utc>,
    pub analyst: AnalystView,
}
