//! Offices (tenants) and their officers' keys.

use crate::domain::stats::taxonomy::{LAENDER, SIZE_CLASSES};

/// The recipient of the committed demo identity (keys/). Its secret is public.
pub const DEMO_RECIPIENT: &str = "age1ju3asxh70gqv6x0pyzvs3ghhz6d69hmjmscrxgejyzu50wz38dfsydeu05";
pub const DEMO_SLUG: &str = "demo";

/// The most recipients an office's key set may have: every file for the office carries one
/// stanza each, beside the reply recipient and age's grease, within what intake accepts.
pub const MAX_KEY_SET: usize =
    crate::crypto::header::MAX_STANZAS - 1 - crate::crypto::header::MAX_GREASE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub slug: String,
    pub name: String,
    pub municipality: String,
    pub land: String,
    pub size_class: String,
    pub keyset_version: i32,
    pub retention_years: i32,
    /// The current key set: the recipients of the active officers, then the recovery
    /// recipient if the office has one. Everything for the office is encrypted to all of them.
    pub recipients: Vec<String>,
    /// The office's recovery recipient (kept offline), also the last of `recipients`.
    pub recovery: Option<String>,
}

impl Office {
    /// Active officers: the key set without the recovery recipient.
    pub fn officer_count(&self) -> usize {
        self.recipients.len() - usize::from(self.recovery.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub id: String,
    pub office: String,
    pub display_name: String,
    pub recipient: String,
    pub email: Option<String>,
    pub active: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OfficeError {
    #[error("the slug must be 2 to 40 characters of a-z, 0-9 and '-'")]
    BadSlug,
    #[error("unknown Land '{0}'; use one of {LAENDER:?}")]
    BadLand(String),
    #[error("unknown size class '{0}'; use one of {SIZE_CLASSES:?}")]
    BadSizeClass(String),
    #[error("'{0}' is not a supported age recipient: only X25519 (age1…, from `meldestelle keygen` or age-keygen) is; plugin recipients such as a YubiKey's are refused, because the server never runs an age plugin")]
    BadRecipient(String),
    #[error("the name must not be empty")]
    EmptyName,
    #[error("retention must be between 1 and 30 years")]
    BadRetention,
}

/// A new office as the administrator describes it.
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub slug: String,
    pub name: String,
    pub municipality: String,
    pub land: String,
    pub size_class: String,
    pub retention_years: i32,
}

impl NewOffice {
    pub fn validate(&self) -> Result<(), OfficeError> {
        let slug_ok = (2..=40).contains(&self.slug.len())
            && self
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return Err(OfficeError::BadSlug);
        }
        if self.name.trim().is_empty() || self.municipality.trim().is_empty() {
            return Err(OfficeError::EmptyName);
        }
        if !LAENDER.contains(&self.land.as_str()) {
            return Err(OfficeError::BadLand(self.land.clone()));
        }
        if !SIZE_CLASSES.contains(&self.size_class.as_str()) {
            return Err(OfficeError::BadSizeClass(self.size_class.clone()));
        }
        if !(1..=30).contains(&self.retention_years) {
            return Err(OfficeError::BadRetention);
        }
        Ok(())
    }

    /// The demo office of a fresh clone.
    pub fn demo() -> NewOffice {
        NewOffice {
            slug: DEMO_SLUG.into(),
            name: "Demo-Beschwerdestelle (nur zum Ausprobieren)".into(),
            municipality: "Demostadt".into(),
            land: "BE".into(),
            size_class: "over_100k".into(),
            retention_years: 3,
        }
    }
}

pub fn check_recipient(recipient: &str) -> Result<(), OfficeError> {
    if crate::crypto::is_recipient(recipient) {
        Ok(())
    } else {
        Err(OfficeError::BadRecipient(
            recipient.chars().take(80).collect(),
        ))
    }
}
