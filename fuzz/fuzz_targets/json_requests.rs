//! The JSON request types of every route: parsing arbitrary bytes never panics, and what
//! parses as a submission goes through the intake checks without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meldestelle::api::{desk, followup, login, stats};
use meldestelle::crypto::padding::Buckets;
use meldestelle::domain::intake::{self, Limits, Submission};
use meldestelle::protocol::casework;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<followup::ReadRequest>(data);
    let _ = serde_json::from_slice::<followup::MessageRequest>(data);
    let _ = serde_json::from_slice::<desk::ChallengeRequest>(data);
    let _ = serde_json::from_slice::<login::SessionRequest>(data);
    let _ = serde_json::from_slice::<stats::ChallengeRequest>(data);
    let _ = serde_json::from_slice::<desk::StatusRequest>(data);
    let _ = serde_json::from_slice::<meldestelle::protocol::desk::NewMessage>(data);
    let _ = serde_json::from_slice::<meldestelle::protocol::desk::Rewrap>(data);
    let _ = serde_json::from_slice::<desk::RetentionRequest>(data);
    let _ = serde_json::from_slice::<desk::ForwardRequest>(data);
    let _ = serde_json::from_slice::<meldestelle::domain::pow::PowToken>(data);
    let _ = serde_json::from_slice::<casework::Assign>(data);
    let _ = serde_json::from_slice::<casework::LabelBody>(data);
    let _ = serde_json::from_slice::<casework::CaseLabels>(data);
    let _ = serde_json::from_slice::<casework::RecordedReport>(data);
    if let Ok(sub) = serde_json::from_slice::<Submission>(data) {
        let office = meldestelle::domain::office::Office {
            slug: "demo".into(),
            name: "Demo".into(),
            municipality: "Demo".into(),
            land: "BE".into(),
            size_class: "over_100k".into(),
            keyset_version: 1,
            retention_years: 3,
            recipients: vec![meldestelle::domain::office::DEMO_RECIPIENT.into()],
            recovery: None,
        };
        let limits = Limits {
            report: Buckets::new(1024 * 1024),
            attachment: Buckets::new(1024 * 1024),
            max_attachments: 3,
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("a valid date");
        let _ = intake::accept(sub, Some(&office), &limits, today);
    }
});
