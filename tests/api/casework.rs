//! Casework on both databases: reports an officer records, assignment, labels, "seen by", and
//! the key set of every item.

use crate::helpers::*;
use meldestelle::crypto;
use meldestelle::domain::workflow::Direction;
use meldestelle::protocol::casework::{
    Assign, CaseLabels, Colleagues, LabelBody, Labels, RecordedReport,
};
use meldestelle::protocol::desk::{Inbox, NewMessage, OpenedCase};
use meldestelle::protocol::document::Document;
use meldestelle::protocol::followup::ReporterMessageRequest;
use meldestelle::protocol::ids::{LabelId, LookupId, OfficerId};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The demo officer's name, as `serve` creates it.
const DEMO_NAME: &str = "Demo officer (public key!)";

/// A reporter's report through the CLI: the new case's id and the receipt.
fn report(server: &Server, db: &TestDb, text: &str) -> (String, String) {
    let before = db.strings("SELECT id AS s FROM reports");
    let out = cli(&["report", "--server", &server.base, "--json"], Some(text));
    let receipt = serde_json::from_str::<Value>(&out).unwrap()["receipt"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = db
        .strings("SELECT id AS s FROM reports")
        .into_iter()
        .find(|id| !before.contains(id))
        .expect("a new case");
    (id, receipt)
}

/// The reporter's side: `report follow-up` with the receipt, sending `text`; its JSON answer.
fn follow_up(server: &Server, receipt: &str, text: &str) -> Value {
    let out = cli(
        &[
            "report",
            "follow-up",
            "--server",
            &server.base,
            "--json",
            "--send-stdin",
        ],
        Some(&format!("{receipt}\n{text}")),
    );
    serde_json::from_str(&out).unwrap()
}

fn get<T: DeserializeOwned>(server: &Server, template: &str, path: &str, token: &str) -> T {
    let a = server.call("GET", template, path, None, Some(token));
    assert_eq!(a.status, 200, "{}", a.body);
    a.parse()
}

fn officer_id(server: &Server, token: &str, name: &str) -> String {
    get::<Colleagues>(server, "/v1/desk/officers", "/v1/desk/officers", token)
        .officers
        .into_iter()
        .find(|o| o.display_name == name)
        .unwrap_or_else(|| panic!("no officer {name}"))
        .id
        .to_string()
}

fn case(server: &Server, token: &str, id: &str) -> OpenedCase {
    get(
        server,
        "/v1/desk/cases/{case}",
        &format!("/v1/desk/cases/{id}"),
        token,
    )
}

fn inbox_ids(server: &Server, token: &str, query: &str) -> Vec<String> {
    get::<Inbox>(
        server,
        "/v1/desk/cases",
        &format!("/v1/desk/cases?{query}"),
        token,
    )
    .cases
    .iter()
    .map(|c| c.id.to_string())
    .collect()
}

/// Officer ids as text, in their order.
fn ids(officers: &[OfficerId]) -> Vec<&str> {
    officers.iter().map(|o| o.as_str()).collect()
}

/// A document sealed for the demo office's current key set (`n` officers' keys are in
/// `recipients`), padded as the server expects.
fn sealed(doc: &Document, recipients: &[String]) -> String {
    meldestelle::client::seal_document(doc, recipients, 1 << 20).unwrap()
}

#[test]
fn an_oral_report_is_recorded_and_followed_up_with_the_handed_over_receipt() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-03-02"]);
        let out = desk_ok(
            &server,
            DEMO_IDENTITY,
            &[
                "record",
                "--channel",
                "phone",
                "--when",
                "Ende Februar",
                "--where",
                "Ausländerbehörde",
                "--stats",
                r#"{"incident_type":"verbal_degradation"}"#,
                "--confirmed",
                "--json",
            ],
            Some("Am Telefon berichtet: ein Kollege machte wiederholt abfällige Bemerkungen."),
        );
        let recorded: Value = serde_json::from_str(&out).unwrap();
        let (id, receipt) = (
            recorded["id"].as_str().unwrap().to_owned(),
            recorded["receipt"].as_str().unwrap().to_owned(),
        );
        // The same legal clocks as any report.
        assert_eq!(recorded["received_on"], "2026-03-02");
        assert_eq!(recorded["ack_due"], "2026-03-09");
        assert_eq!(db.count("reports"), 1, "{}", db.name);

        // The officer sees how it came in and that the record was confirmed.
        let opened = desk_ok(&server, DEMO_IDENTITY, &["open", &id], None);
        for want in [
            "received by: phone",
            "record confirmed by the person: yes",
            "where: Ausländerbehörde",
            "answer incident_type: verbal_degradation",
            "abfällige Bemerkungen",
        ] {
            assert!(opened.contains(want), "{want} missing in:\n{opened}");
        }

        // The person follows up anonymously with the receipt they were handed.
        let fu = follow_up(&server, &receipt, "Ich möchte noch etwas ergänzen.");
        assert_eq!(fu["status"], "received");
        assert!(
            fu["report"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("abfällige Bemerkungen")),
            "{fu}"
        );
        let opened = desk_ok(&server, DEMO_IDENTITY, &["open", &id], None);
        assert!(
            opened.contains("Ich möchte noch etwas ergänzen."),
            "{opened}"
        );

        // A receipt collision (the same lookup id again) is refused and stores nothing.
        let token = login(&server, "demo", DEMO_IDENTITY);
        let office = server.office("demo");
        let recipients = office.recipients.clone();
        let lookup: Value =
            serde_json::from_str(&cli(&["report", "derive"], Some(&receipt))).unwrap();
        let reply_recipient = lookup["reply_recipient"].as_str().unwrap().to_owned();
        let mut to = recipients.clone();
        to.push(reply_recipient.clone());
        let mut letter = Document::report("x");
        letter.channel = Some("letter".into());
        let body = RecordedReport {
            keyset_version: office.keyset_version,
            ciphertext: sealed(&letter, &to),
            reply_recipient,
            lookup_id: LookupId::new(lookup["lookup_id"].as_str().unwrap()),
            attachments: vec![],
        };
        let a = server.send(
            "POST",
            "/v1/desk/reports",
            "/v1/desk/reports",
            &body,
            Some(&token),
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (409, "duplicate-lookup-id")
        );
        // Encrypted without the reply key: the person could not re-read it.
        let other = RecordedReport {
            lookup_id: LookupId::new("ab".repeat(32)),
            ciphertext: sealed(&Document::report("x"), &recipients),
            ..body.clone()
        };
        let a = server.send(
            "POST",
            "/v1/desk/reports",
            "/v1/desk/reports",
            &other,
            Some(&token),
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "wrong-stanza-count")
        );
        // Without a login: refused.
        let a = server.send("POST", "/v1/desk/reports", "/v1/desk/reports", &other, None);
        assert_eq!(a.status, 401);
        assert_eq!(db.count("reports"), 1, "{}", db.name);
        let audit = db.strings("SELECT action AS s FROM audit_log ORDER BY seq");
        assert!(audit.contains(&"record".to_owned()), "{audit:?}");
    }
}

#[test]
fn cases_are_assigned_filtered_and_reassigned_when_an_officer_leaves() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-03-02"]);
        let dir = tempfile::tempdir().unwrap();
        let (berta_file, berta_key) = keygen_file(dir.path(), "berta.txt");
        add_officer(&db.url, "demo", "Berta Beispiel", &berta_key, &[]);
        add_office(
            &db.url,
            "nord",
            "Stelle Nord",
            "Nordstadt",
            "HH",
            "over_100k",
        );
        let (_, carla_key) = keygen_file(dir.path(), "carla.txt");
        add_officer(&db.url, "nord", "Carla", &carla_key, &[]);
        let (first, _) = report(&server, &db, "Erster Fall");
        let (second, _) = report(&server, &db, "Zweiter Fall");

        let demo = login(&server, "demo", DEMO_IDENTITY);
        let berta_token = login(&server, "demo", &berta_file);
        let berta = officer_id(&server, &demo, "Berta Beispiel");
        let demo_id = officer_id(&server, &demo, DEMO_NAME);
        let out = desk_ok(
            &server,
            DEMO_IDENTITY,
            &["assign", &first, "--to", &berta],
            None,
        );
        assert!(out.contains("assigned to Berta Beispiel"), "{out}");

        // The inbox shows the assignee; "mine" keeps each officer's own.
        assert_eq!(
            case(&server, &demo, &first).case.assignee.as_deref(),
            Some(berta.as_str())
        );
        assert_eq!(
            inbox_ids(&server, &berta_token, "mine=true"),
            vec![first.clone()]
        );
        assert!(inbox_ids(&server, &demo, "mine=true").is_empty());
        assert_eq!(inbox_ids(&server, &demo, "filter=open").len(), 2);
        let listing = desk_ok(&server, DEMO_IDENTITY, &["inbox"], None);
        let line = listing.lines().find(|l| l.starts_with(&first)).unwrap();
        assert!(line.contains("Berta Beispiel"), "{listing}");

        // An officer of another office, or no officer at all: refused, nothing changes.
        let nord_officer =
            db.strings("SELECT id AS s FROM officers WHERE office = 'nord'")[0].clone();
        for who in [nord_officer.as_str(), "no-such-officer"] {
            let a = server.send(
                "POST",
                "/v1/desk/cases/{case}/assignee",
                &format!("/v1/desk/cases/{second}/assignee"),
                &Assign {
                    officer: Some(OfficerId::from(who)),
                },
                Some(&demo),
            );
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "unknown-officer"),
                "{}",
                db.name
            );
        }
        assert_eq!(case(&server, &demo, &second).case.assignee, None);

        // A body without `officer` is no request to unassign: refused, nothing changes.
        let before = case(&server, &demo, &first).case.assignee;
        assert!(before.is_some());
        let a = server.call(
            "POST",
            "/v1/desk/cases/{case}/assignee",
            &format!("/v1/desk/cases/{first}/assignee"),
            Some(&serde_json::json!({})),
            Some(&demo),
        );
        assert_eq!(a.status, 400, "{}: {}", db.name, a.body);
        assert_eq!(a.problem(), "invalid-request", "{}", a.body);
        assert_eq!(case(&server, &demo, &first).case.assignee, before);

        // Berta leaves: her cases go to the demo officer in the same step.
        desk_ok(
            &server,
            DEMO_IDENTITY,
            &["assign", &second, "--to", &berta],
            None,
        );
        // The successor by recipient, as `office list` shows it beside the id.
        let out = remove_officer(
            &db.url,
            "demo",
            &berta,
            &["--reassign-to", meldestelle::domain::office::DEMO_RECIPIENT],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = String::from_utf8_lossy(&out.stdout);
        assert!(out.contains("2 case(s) reassigned"), "{out}");
        let listed = cli(&["office", "list", "--database-url", &db.url], None);
        assert!(
            listed.contains(&format!("officer {demo_id}\t{DEMO_NAME}")),
            "{listed}"
        );
        assert!(
            !listed.contains(&berta),
            "a removed officer is not listed: {listed}"
        );
        assert_eq!(
            db.strings("SELECT assignee AS s FROM reports ORDER BY id"),
            vec![demo_id.clone(), demo_id.clone()]
        );
        let mut mine = inbox_ids(&server, &demo, "mine=true");
        mine.sort();
        let mut both = vec![first.clone(), second.clone()];
        both.sort();
        assert_eq!(mine, both);
        // Assigning back to the whole office.
        let out = desk_ok(
            &server,
            DEMO_IDENTITY,
            &["assign", &first, "--to", "office"],
            None,
        );
        assert!(out.contains("whole office"), "{out}");
        // A departure without a successor hands the cases back to the whole office; a
        // successor who is not an active officer of the office is refused, nothing changes.
        let (_, dora_key) = keygen_file(dir.path(), "dora.txt");
        add_officer(&db.url, "demo", "Dora", &dora_key, &[]);
        let refused = remove_officer(&db.url, "demo", &demo_id, &["--reassign-to", &nord_officer]);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("not an active officer"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        assert_eq!(
            db.strings("SELECT assignee AS s FROM reports WHERE assignee IS NOT NULL"),
            vec![demo_id.clone()]
        );
        let out = remove_officer(&db.url, "demo", &demo_id, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(db.count("reports WHERE assignee IS NOT NULL"), 0);
        let audit = db.strings(
            "SELECT action || ' ' || coalesce(subject, '') AS s FROM audit_log ORDER BY seq",
        );
        assert!(
            audit
                .iter()
                .any(|a| a == &format!("assign {second} to {demo_id}")),
            "{audit:?}"
        );
    }
}

#[test]
fn labels_are_encrypted_to_the_office_and_refused_when_unknown() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-03-02"]);
        let (id, _) = report(&server, &db, "Ein Fall mit Vorgesetzten");
        let (other, _) = report(&server, &db, "Ein anderer Fall");
        let out = desk_ok(
            &server,
            DEMO_IDENTITY,
            &["labels", "add", "Vorgesetztenverhalten"],
            None,
        );
        assert!(out.contains("added"), "{out}");
        desk_ok(
            &server,
            DEMO_IDENTITY,
            &["labels", "add", "Bürgerkontakt"],
            None,
        );
        let out = desk_ok(
            &server,
            DEMO_IDENTITY,
            &[
                "labels",
                "set",
                &id,
                "Vorgesetztenverhalten",
                "Bürgerkontakt",
            ],
            None,
        );
        assert!(
            out.contains("Vorgesetztenverhalten") && out.contains("Bürgerkontakt"),
            "{out}"
        );
        let listing = desk_ok(&server, DEMO_IDENTITY, &["inbox"], None);
        let line = listing.lines().find(|l| l.starts_with(&id)).unwrap();
        assert!(line.contains("[Vorgesetztenverhalten]"), "{listing}");

        let token = login(&server, "demo", DEMO_IDENTITY);
        let labels = get::<Labels>(&server, "/v1/desk/labels", "/v1/desk/labels", &token).labels;
        assert_eq!(labels.len(), 2);
        assert_eq!(case(&server, &token, &id).case.labels.len(), 2);

        // An unknown label id, or another office's: refused, the case keeps its labels.
        add_office(
            &db.url,
            "nord",
            "Stelle Nord",
            "Nordstadt",
            "HH",
            "over_100k",
        );
        let dir = tempfile::tempdir().unwrap();
        let (carla_file, carla_key) = keygen_file(dir.path(), "carla.txt");
        add_officer(&db.url, "nord", "Carla", &carla_key, &[]);
        let out = cli_output(
            &[
                "desk",
                "--server",
                &server.base,
                "--office",
                "nord",
                "--identity",
                &carla_file,
                "labels",
                "add",
                "Nord",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let nord_label = db.strings("SELECT id AS s FROM labels WHERE office = 'nord'")[0].clone();
        for bad in ["no-such-label".to_owned(), nord_label.clone()] {
            let a = server.send(
                "PUT",
                "/v1/desk/cases/{case}/labels",
                &format!("/v1/desk/cases/{other}/labels"),
                &CaseLabels {
                    labels: vec![labels[0].id.clone(), LabelId::from(bad.as_str())],
                },
                Some(&token),
            );
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "unknown-label"),
                "{}",
                db.name
            );
            let a = server.call(
                "DELETE",
                "/v1/desk/labels/{label}",
                &format!("/v1/desk/labels/{bad}"),
                None,
                Some(&token),
            );
            assert_eq!((a.status, a.problem().as_str()), (404, "unknown-label"));
        }
        assert_eq!(db.count("case_labels"), 2);
        assert_eq!(db.count("labels"), 3);
        // A label encrypted to the wrong key set, or to too few recipients: refused.
        let office = server.office("demo");
        let recipients = office.recipients.clone();
        let doc = Document::new("label", "Verdeckt");
        let a = server.send(
            "POST",
            "/v1/desk/labels",
            "/v1/desk/labels",
            &LabelBody {
                ciphertext: sealed(&doc, &recipients),
                keyset_version: 99,
            },
            Some(&token),
        );
        assert_eq!((a.status, a.problem().as_str()), (409, "stale-keyset"));
        let mut two = recipients.clone();
        two.push(crypto::keygen().1);
        let a = server.send(
            "POST",
            "/v1/desk/labels",
            "/v1/desk/labels",
            &LabelBody {
                ciphertext: sealed(&doc, &two),
                keyset_version: office.keyset_version,
            },
            Some(&token),
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "wrong-stanza-count")
        );

        // Renamed and removed: gone from the case too.
        desk_ok(
            &server,
            DEMO_IDENTITY,
            &["labels", "rename", "Bürgerkontakt", "Kundschaft"],
            None,
        );
        let names = desk_ok(&server, DEMO_IDENTITY, &["labels", "list"], None);
        assert!(
            names.contains("Kundschaft") && !names.contains("Bürgerkontakt"),
            "{names}"
        );
        desk_ok(
            &server,
            DEMO_IDENTITY,
            &["labels", "remove", "Kundschaft"],
            None,
        );
        assert_eq!(case(&server, &token, &id).case.labels.len(), 1);
        assert_eq!(db.count("case_labels"), 1);

        // Never in plain text in the database.
        let text = db.all_text();
        for word in [
            "Vorgesetztenverhalten",
            "Bürgerkontakt",
            "Kundschaft",
            "Verdeckt",
        ] {
            assert!(!text.contains(word), "{word} in the {} database", db.name);
        }
        let audit = db.strings("SELECT action AS s FROM audit_log ORDER BY seq");
        for action in ["label:add", "labels", "label:change", "label:remove"] {
            assert!(audit.contains(&action.to_owned()), "{action}: {audit:?}");
        }
    }
}

#[test]
fn colleagues_see_who_has_seen_a_new_reporter_message() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-03-02"]);
        let dir = tempfile::tempdir().unwrap();
        let (berta_file, berta_key) = keygen_file(dir.path(), "berta.txt");
        add_officer(&db.url, "demo", "Berta Beispiel", &berta_key, &[]);
        let (id, receipt) = report(&server, &db, "Ein Bericht");
        let demo = login(&server, "demo", DEMO_IDENTITY);
        let berta = login(&server, "demo", &berta_file);
        let (demo_id, berta_id) = (
            officer_id(&server, &demo, DEMO_NAME),
            officer_id(&server, &demo, "Berta Beispiel"),
        );
        // Demo opens the case; Berta then sees that Demo has.
        assert_eq!(
            ids(&case(&server, &demo, &id).report_seen_by),
            [demo_id.as_str()]
        );
        follow_up(&server, &receipt, "Noch eine Nachricht.");
        let seen = case(&server, &berta, &id);
        let mut both = vec![demo_id.clone(), berta_id.clone()];
        both.sort();
        assert_eq!(ids(&seen.report_seen_by), both);
        let msg = &seen.messages[0];
        assert_eq!(msg.direction, Direction::Reporter);
        assert_eq!(
            ids(&msg.seen_by),
            [berta_id.as_str()],
            "demo has not seen the new message"
        );
        // An opening only to re-encrypt marks nothing.
        get::<OpenedCase>(
            &server,
            "/v1/desk/cases/{case}",
            &format!("/v1/desk/cases/{id}?read=false"),
            &demo,
        );
        assert_eq!(
            ids(&case(&server, &berta, &id).messages[0].seen_by),
            [berta_id.as_str()]
        );
        let out = desk_ok(&server, DEMO_IDENTITY, &["open", &id], None);
        assert!(
            out.contains("seen by Berta Beispiel, Demo officer (public key!)")
                || out.contains("seen by Demo officer (public key!), Berta Beispiel"),
            "{out}"
        );
        assert_eq!(ids(&case(&server, &berta, &id).messages[0].seen_by), both);
    }
}

#[test]
fn every_item_records_its_key_set_and_a_stale_one_is_refused() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-03-02"]);
        let (id, receipt) = report(&server, &db, "Bericht");
        desk_ok(&server, DEMO_IDENTITY, &["note", &id], Some("Notiz"));
        desk_ok(&server, DEMO_IDENTITY, &["labels", "add", "Alt"], None);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let v = case(&server, &token, &id);
        assert_eq!(v.messages[0].keyset_version, 1);

        // A new officer: the office moves to key set 2.
        let dir = tempfile::tempdir().unwrap();
        let (_, berta_key) = keygen_file(dir.path(), "berta.txt");
        add_officer(&db.url, "demo", "Berta", &berta_key, &[]);
        // A note that declares the old key set (with the right number of stanzas for it) is
        // refused before anything is stored: the new officer could not read it.
        let old_set = sealed(
            &Document::new("note", "alt"),
            &[meldestelle::domain::office::DEMO_RECIPIENT.to_owned()],
        );
        let a = server.send(
            "POST",
            "/v1/desk/cases/{case}/notes",
            &format!("/v1/desk/cases/{id}/notes"),
            &NewMessage {
                ciphertext: old_set.clone(),
                keyset_version: 1,
            },
            Some(&token),
        );
        assert_eq!((a.status, a.problem().as_str()), (409, "stale-keyset"));
        // The problem's own field, read from the problem+json body.
        assert_eq!(a.json()["current_keyset_version"], 2);
        // The same from the reporter's side.
        let lookup: Value =
            serde_json::from_str(&cli(&["report", "derive"], Some(&receipt))).unwrap();
        let a = server.send(
            "POST",
            "/v1/followup/messages",
            "/v1/followup/messages",
            &ReporterMessageRequest {
                lookup_id: LookupId::new(lookup["lookup_id"].as_str().unwrap()),
                ciphertext: old_set,
                keyset_version: 1,
                pow: None,
            },
            None,
        );
        assert_eq!((a.status, a.problem().as_str()), (409, "stale-keyset"));
        assert_eq!(db.count("messages"), 1);

        // The desk shows what the rotation left behind, item by item.
        let out = desk_ok(&server, DEMO_IDENTITY, &["open", &id], None);
        assert!(out.contains("[key set v1: run `desk rewrap`]"), "{out}");
        follow_up(&server, &receipt, "Neu");
        let v = case(&server, &token, &id);
        let versions: Vec<i32> = v.messages.iter().map(|m| m.keyset_version).collect();
        assert_eq!(
            versions,
            vec![1, 2],
            "the new message is on the new key set"
        );
        assert_eq!(v.case.keyset_version, 1);

        // Rewrap moves every item, and the labels follow.
        desk_ok(&server, DEMO_IDENTITY, &["rewrap", &id], None);
        let out = desk_ok(&server, DEMO_IDENTITY, &["labels", "rewrap"], None);
        assert!(
            out.contains("1 label(s) re-encrypted to key set v2"),
            "{out}"
        );
        let v = case(&server, &token, &id);
        assert_eq!(v.case.keyset_version, 2);
        assert!(v.messages.iter().all(|m| m.keyset_version == 2), "{v:?}");
        let labels: Labels = get(&server, "/v1/desk/labels", "/v1/desk/labels", &token);
        assert_eq!(labels.labels[0].keyset_version, 2);
        let out = desk_ok(&server, DEMO_IDENTITY, &["open", &id], None);
        assert!(!out.contains("run `desk rewrap`"), "{out}");
        assert_eq!(
            db.strings("SELECT CAST(MIN(keyset_version) AS TEXT) AS s FROM messages"),
            vec!["2"]
        );
    }
}

#[test]
fn replies_and_notes_name_their_author_and_the_minute_reporter_messages_only_the_day() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (id, receipt) = report(&server, &db, "Ein Bericht");
        follow_up(&server, &receipt, "Eine Nachricht.");
        let demo = login(&server, "demo", DEMO_IDENTITY);
        let demo_id = officer_id(&server, &demo, DEMO_NAME);
        let office = server.office("demo");
        let reporter_key = case(&server, &demo, &id).reply_recipient;
        for (route, mut to) in [("notes", vec![]), ("replies", vec![reporter_key])] {
            to.extend(office.recipients.iter().cloned());
            let a = server.send(
                "POST",
                &format!("/v1/desk/cases/{{case}}/{route}"),
                &format!("/v1/desk/cases/{id}/{route}"),
                &NewMessage {
                    ciphertext: sealed(&Document::new("message", "Text"), &to),
                    keyset_version: office.keyset_version,
                },
                Some(&demo),
            );
            assert_eq!(a.status, 201, "{route}: {}", a.body);
        }
        let messages = case(&server, &demo, &id).messages;
        assert_eq!(messages.len(), 3, "{}", db.name);
        assert_eq!(messages[0].direction, Direction::Reporter);
        assert_eq!(
            (&messages[0].author, &messages[0].written_at),
            (&None, &None)
        );
        for m in &messages[1..] {
            assert_eq!(
                m.author.as_ref().map(|a| a.as_str()),
                Some(demo_id.as_str())
            );
            let at = m.written_at.expect("a time");
            assert_eq!(chrono::Timelike::second(&at), 0, "to the minute");
            assert_eq!(at.date_naive(), m.created_on);
        }
        // The reporter sees no officer and no time.
        let read = follow_up(&server, &receipt, "Noch eine.");
        assert!(!read.to_string().contains(&demo_id), "{read}");
    }
}

#[test]
fn contents_pages_every_case_with_its_ciphertexts_and_marks_nothing_as_read() {
    use meldestelle::protocol::desk::Contents;
    for db in backends() {
        let server = Server::start(&db, &[]);
        let mut ids = vec![];
        for text in ["Erster Bericht", "Zweiter Bericht", "Dritter Bericht"] {
            let (id, receipt) = report(&server, &db, text);
            follow_up(&server, &receipt, "Eine Nachricht.");
            ids.push(id);
        }
        let demo = login(&server, "demo", DEMO_IDENTITY);
        let page = |offset: u32| -> Contents {
            get(
                &server,
                "/v1/desk/contents",
                &format!("/v1/desk/contents?offset={offset}&limit=2"),
                &demo,
            )
        };
        let (first, second) = (page(0), page(2));
        assert_eq!((first.total, second.total), (3, 3), "{}", db.name);
        assert_eq!((first.cases.len(), second.cases.len()), (2, 1));
        let mut got: Vec<String> = first
            .cases
            .iter()
            .chain(&second.cases)
            .map(|c| c.id.to_string())
            .collect();
        got.sort();
        ids.sort();
        assert_eq!(got, ids);
        for c in first.cases.iter().chain(&second.cases) {
            let report =
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &c.report)
                    .unwrap();
            let doc = Document::parse(&decrypt_demo(&report)).unwrap();
            assert!(doc.text.ends_with("Bericht"), "{}", doc.text);
            assert_eq!(c.messages.len(), 1);
            assert_eq!(c.messages[0].direction, Direction::Reporter);
        }
        // Reading every case to search them is no opening: the messages stay new.
        let inbox = get::<Inbox>(&server, "/v1/desk/cases", "/v1/desk/cases", &demo);
        assert!(inbox
            .cases
            .iter()
            .all(|c| c.messages.unread_from_reporter == 1));
        // Audited once, on the first page.
        assert_eq!(db.count("audit_log WHERE action = 'read-all'"), 1);
        // What changed, by id: only those cases, audited as such; too many ids are refused.
        let two = format!("{},{}", ids[0], ids[2]);
        let only: Contents = get(
            &server,
            "/v1/desk/contents",
            &format!("/v1/desk/contents?ids={two}"),
            &demo,
        );
        let mut got: Vec<String> = only.cases.iter().map(|c| c.id.to_string()).collect();
        got.sort();
        assert_eq!(got, vec![ids[0].clone(), ids[2].clone()]);
        assert_eq!(db.count("audit_log WHERE action = 'read-changed'"), 1);
        assert_eq!(db.count("audit_log WHERE action = 'read-all'"), 1);
        let many = vec![ids[0].as_str(); 101].join(",");
        let a = server.call(
            "GET",
            "/v1/desk/contents",
            &format!("/v1/desk/contents?ids={many}"),
            None,
            Some(&demo),
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "invalid-request"),
            "{}",
            a.body
        );
    }
}
