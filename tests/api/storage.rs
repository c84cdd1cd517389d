//! Storage's compare-and-set, on both databases: what a handler checked on one read is
//! checked again in the commit that writes, so a change in between cannot slip through.

use crate::helpers::*;
use meldestelle::db::{self, Store};
use meldestelle::domain::intake::{self, Limits};
use meldestelle::domain::office::{NewOffice, DEMO_RECIPIENT};
use meldestelle::protocol::document::Document;

/// A report checked against the office's key set v1 is not stored once the office moved to v2
/// before the commit (an officer joined between the intake check and the write): it is refused
/// with the current version, and nothing is written.
#[test]
fn a_report_for_a_key_set_that_changed_since_its_check_is_not_stored() {
    for tdb in backends() {
        let store = Store::open(&tdb.url).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let office = store
            .write_now(|c| {
                db::offices::insert_office(c, &NewOffice::demo(), today, "test")?;
                db::offices::add_officer(c, "demo", "Erika", DEMO_RECIPIENT, None, today, "test")?;
                db::offices::get_office(c, "demo")
            })
            .unwrap()
            .unwrap();
        let view = meldestelle::protocol::reports::OfficeView {
            slug: office.slug.clone().into(),
            name: office.name.clone(),
            municipality: office.municipality.clone(),
            land: office.land.clone(),
            size_class: office.size_class.clone(),
            keyset_version: office.keyset_version,
            recipients: office.recipients.clone(),
            padding: meldestelle::protocol::reports::Padding {
                buckets: vec![1024],
                step: 65536,
                max_plaintext: 1 << 20,
                max_attachment: 1 << 20,
                max_attachments: 3,
                max_body: 1 << 22,
                max_message_body: 1 << 21,
            },
            taxonomy_version: 1,
        };
        let (sub, _) =
            meldestelle::client::submission(&view, &Document::report("Vorfall")).unwrap();
        let limits = Limits {
            report: meldestelle::crypto::padding::Buckets::new(1 << 20),
            attachment: meldestelle::crypto::padding::Buckets::new(1 << 20),
            max_attachments: 3,
        };
        // Checked against the office as read: key set v1.
        let report = intake::accept(sub, Some(&office), &limits, today).unwrap();
        // Then a second officer joins: the office moves to v2.
        let (_, recipient) = meldestelle::crypto::keygen();
        store
            .write_now(|c| {
                db::offices::add_officer(c, "demo", "Max", &recipient, None, today, "test")
            })
            .unwrap();
        let stored = store
            .write_now(|c| db::reports::insert_report(c, &report))
            .unwrap();
        assert_eq!(stored, Err(office.keyset_version + 1), "{}", tdb.name);
        assert_eq!(tdb.count("reports"), 0, "{}", tdb.name);
    }
}
