//! Officers joining the browser desk by invitation, and their passkey-wrapped identities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{InvitationToken, Slug};
use super::login::OfficerView;

/// `POST /v1/desk/invitation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    pub token: InvitationToken,
}

/// What an invitation is for, so the page can greet the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub office: Slug,
    pub office_name: String,
    pub display_name: String,
    pub expires_at: DateTime<Utc>,
}

/// An officer's identity encrypted in their browser to a passkey (`age-encryption.org/fido2prf`
/// stanzas only), with the passkey's credential string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passkey {
    /// `AGE-PLUGIN-FIDO2PRF-1…`
    pub credential: String,
    /// An age file (standard base64).
    pub wrapped: String,
}

/// `POST /v1/desk/enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub token: InvitationToken,
    pub recipient: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<Passkey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub officer: OfficerView,
    /// The office's new key-set version, which the officer's key is part of.
    pub keyset_version: i32,
}

/// `POST /v1/desk/passkeys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeysRequest {
    pub office: Slug,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passkeys {
    pub passkeys: Vec<Passkey>,
}
