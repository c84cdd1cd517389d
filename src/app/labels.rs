//! The office's labels: names encrypted to the office (like a note), put on cases by id.

use super::{blocking, AppError};
use crate::db::{self, casework::Label, casework::Refusal, Store};
use crate::domain::intake::{self, Limits};
use crate::domain::office::{Office, Officer};
use crate::domain::workflow::{self, Direction};

pub async fn list(store: &Store, office: &Office) -> Result<Vec<Label>, AppError> {
    let slug = office.slug.clone();
    Ok(store
        .read(move |c| db::casework::list_labels(c, &slug))
        .await?)
}

/// A refusal about the label acted on: one the office does not have is not there.
fn named(r: Refusal) -> AppError {
    match r {
        Refusal::UnknownLabel(_) => AppError::UnknownLabel,
        r => r.into(),
    }
}

/// Defines a label (`label: None`) or renames / re-encrypts one; its id.
pub async fn put(
    store: &Store,
    officer: &Officer,
    office: &Office,
    label: Option<String>,
    ciphertext: String,
    keyset_version: i32,
    limits: &Limits,
) -> Result<String, AppError> {
    intake::check_keyset(keyset_version, office)?;
    // A label's name is the office's own, like a note.
    let expected = workflow::expected_stanzas(Direction::Note, office.recipients.len());
    let buckets = limits.report;
    let ct =
        blocking(move || intake::check_age_file("ciphertext", &ciphertext, expected, &buckets))
            .await??;
    let (slug, me, created) = (office.slug.clone(), officer.id.clone(), label.is_none());
    store
        .write(move |c| {
            let id = match db::casework::put_label(c, &slug, label.as_deref(), &ct, keyset_version)?
            {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            };
            let action = if created { "label:add" } else { "label:change" };
            db::desk::append_audit(c, &slug, &me, action, Some(&id))?;
            Ok(Ok(id))
        })
        .await?
        .map_err(named)
}

/// Removes a label from the office and from every case.
pub async fn delete(
    store: &Store,
    officer: &Officer,
    office: &Office,
    label: String,
) -> Result<(), AppError> {
    let (slug, me) = (office.slug.clone(), officer.id.clone());
    store
        .write(move |c| {
            if let Err(r) = db::casework::delete_label(c, &slug, &label)? {
                return Ok(Err(r));
            }
            db::desk::append_audit(c, &slug, &me, "label:remove", Some(&label))?;
            Ok(Ok(()))
        })
        .await?
        .map_err(named)
}
