//! The JSON request types of every route: parsing arbitrary bytes never panics, and what
//! parses as a submission goes through the intake checks without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meldestelle::crypto::padding::Buckets;
use meldestelle::domain::intake::{self, Limits};
use meldestelle::protocol::reports::Submission;
use meldestelle::protocol::{casework, desk, enroll, followup, login, stats};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<followup::ReadRequest>(data);
    let _ = serde_json::from_slice::<followup::ReporterMessageRequest>(data);
    let _ = serde_json::from_slice::<login::OfficerChallengeRequest>(data);
    let _ = serde_json::from_slice::<login::AnalystChallengeRequest>(data);
    let _ = serde_json::from_slice::<login::SessionRequest>(data);
    let _ = serde_json::from_slice::<enroll::InvitationRequest>(data);
    let _ = serde_json::from_slice::<enroll::EnrollRequest>(data);
    let _ = serde_json::from_slice::<enroll::PasskeysRequest>(data);
    let _ = serde_json::from_slice::<desk::StatusChange>(data);
    let _ = serde_json::from_slice::<desk::NewMessage>(data);
    let _ = serde_json::from_slice::<desk::Rewrap>(data);
    let _ = serde_json::from_slice::<desk::Retention>(data);
    let _ = serde_json::from_slice::<desk::Forward>(data);
    let _ = serde_json::from_slice::<stats::Contribution>(data);
    let _ = serde_json::from_slice::<stats::ReleaseRequest>(data);
    let _ = serde_json::from_slice::<meldestelle::domain::pow::PowToken>(data);
    let _ = serde_json::from_slice::<casework::Assign>(data);
    let _ = serde_json::from_slice::<casework::LabelBody>(data);
    let _ = serde_json::from_slice::<casework::CaseLabels>(data);
    let _ = serde_json::from_slice::<casework::RecordedReport>(data);
    let _ = meldestelle::protocol::document::Document::parse(data);
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
