//! Report intake, black-box over HTTP on loopback, on SQLite and PostgreSQL.

use crate::helpers::*;
use base64::Engine;
use meldestelle::crypto::{self, padding, receipt::Receipt};
use meldestelle::protocol::desk::{Inbox, OpenedCase};
use meldestelle::protocol::document::Document;
use meldestelle::protocol::reports::{OfficeList, Submission};
use serde::Serialize;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A valid submission built the way the reference client builds it.
fn submission(server: &Server, text: &str) -> (Submission, Receipt) {
    meldestelle::client::submission(&server.office("demo"), &Document::report(text)).unwrap()
}

/// The file with its first X25519 stanza's body cut from 32 to 30 bytes.
fn short_x25519_body(ct: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(ct).into_owned();
    let at = text.find("-> X25519 ").unwrap();
    let body_start = at + text[at..].find('\n').unwrap() + 1;
    let body_end = body_start + text[body_start..].find('\n').unwrap();
    assert_eq!(body_end - body_start, 43, "one line of 32 bytes");
    let mut out = ct[..body_end - 3].to_vec();
    out.extend_from_slice(&ct[body_end..]);
    out
}

fn post_report<B: Serialize>(server: &Server, body: &B) -> Answer {
    server.send("POST", "/v1/reports", "/v1/reports", body, None)
}

#[test]
fn reference_client_report_decrypts_with_the_office_key_on_both_backends() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let text = format!(
            "Im Bürgeramt wurde ich wegen meines Namens herabgesetzt ({}).",
            db.name
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.txt");
        std::fs::write(&file, &text).unwrap();
        let out = cli(
            &[
                "report",
                "--server",
                &server.base,
                "--office",
                "demo",
                "--file",
                file.to_str().unwrap(),
                "--json",
            ],
            None,
        );
        let answer: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(answer["status"], "received");
        let receipt: Receipt = answer["receipt"].as_str().unwrap().parse().unwrap();

        let stored = db.ciphertexts();
        assert_eq!(stored.len(), 1, "{}", db.name);
        // Only ciphertext is stored: the text is nowhere in the row.
        assert!(!stored[0]
            .windows(10)
            .any(|w| text.as_bytes().starts_with(w)));
        let plain = decrypt_demo(&stored[0]);
        assert_eq!(plain.len() % 1024, 0, "padded to a bucket");
        let doc = Document::parse(&plain).expect("padded JSON still parses");
        assert_eq!(doc.text, text);

        // The server keeps only the hash of the lookup id, and the reply recipient.
        use diesel::prelude::*;
        use meldestelle::db::schema::reports;
        let (hash, reply, received, ack, fb): (
            Vec<u8>,
            String,
            chrono::NaiveDate,
            chrono::NaiveDate,
            chrono::NaiveDate,
        ) = reports::table
            .select((
                reports::lookup_hash,
                reports::reply_recipient,
                reports::received_on,
                reports::ack_due,
                reports::feedback_due,
            ))
            .first(&mut db.conn())
            .unwrap();
        assert_eq!(hash, crypto::sha256(&receipt.lookup_id()).to_vec());
        assert_eq!(reply, receipt.reply_identity().to_public().to_string());
        assert_eq!(answer["received_on"], received.to_string());
        assert_eq!(ack, received + chrono::Days::new(7));
        assert_eq!(fb, ack.checked_add_months(chrono::Months::new(3)).unwrap());
        assert!(!server.log_text().contains(&text));
        assert!(!server
            .log_text()
            .contains(&hex::encode(receipt.lookup_id())));
    }
}

#[test]
fn statistics_answers_beside_the_ciphertext_are_refused() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-08-14"]);
        // An old client that still sends its answers in plain text fails loudly, whatever the
        // answers are, and nothing is stored.
        for stats in [
            json!({"incident_type": "verbal_degradation", "consequences": ["none"]}),
            json!({}),
            json!("anything"),
        ] {
            let (mut body, _) = submission(&server, "mit Statistik");
            body.stats = Some(stats);
            let a = post_report(&server, &body);
            assert_eq!(a.status, 400, "{}", a.body);
            assert_eq!(a.problem(), "stats-in-plaintext");
        }
        assert_eq!(db.count("reports"), 0);
        assert_eq!(db.count("stats_batches"), 0);
        // A report whose answers are inside the ciphertext is taken, and adds no record.
        let (body, _) = submission(&server, "ohne Statistik daneben");
        assert_eq!(post_report(&server, &body).status, 201);
        assert_eq!(db.count("stats_batches"), 0);
    }
}

#[test]
fn bad_inputs_get_their_problem_and_store_nothing() {
    for db in backends() {
        let server = Server::start(&db, &["--max-body-bytes", "200000"]);
        // A second officer, so that the key set has two recipients.
        let second = crypto::keygen().1;
        add_officer(&db.url, "demo", "Zweite", &second, &[]);
        let (good, _) = submission(&server, "gut");
        let o = server.office("demo");
        let version = o.keyset_version;
        assert_eq!(version, 2);
        let other = crypto::keygen().1;
        let demo = o.recipients[0].clone();
        let both = o.recipients.clone();
        // What a report itself is encrypted to: the office and the receipt's reply key.
        let mut all = both.clone();
        all.push(good.reply_recipient.clone());
        let enc =
            |plain: &[u8], rcpts: &[String]| B64.encode(crypto::encrypt(plain, rcpts).unwrap());
        // A well-formed submission with something wrong in it, as the client would send it.
        let typed = |s: Submission| serde_json::to_value(s).unwrap();
        let with_ciphertext = |ciphertext: String| {
            typed(Submission {
                ciphertext,
                ..good.clone()
            })
        };
        // The good submission's JSON, changed in a way no wire type can express.
        let raw = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut b = serde_json::to_value(&good).unwrap();
            change(b.as_object_mut().unwrap());
            b
        };
        let passphrase = {
            use std::io::Write;
            let e = age::Encryptor::with_user_passphrase(age::secrecy::SecretString::from(
                "pw".to_owned(),
            ));
            let mut out = vec![];
            let mut w = e.wrap_output(&mut out).unwrap();
            w.write_all(&[b' '; 1024]).unwrap();
            w.finish().unwrap();
            B64.encode(out)
        };
        let cases: Vec<(&str, Value, u16, &str)> = vec![
            (
                "unknown office",
                typed(Submission {
                    office: "nowhere".into(),
                    ..good.clone()
                }),
                404,
                "unknown-office",
            ),
            (
                "stale key set",
                typed(Submission {
                    keyset_version: version - 1,
                    ..good.clone()
                }),
                409,
                "stale-keyset",
            ),
            (
                "not base64",
                with_ciphertext("%%%".into()),
                400,
                "invalid-field",
            ),
            (
                "not age",
                with_ciphertext(B64.encode([b'x'; 1100])),
                400,
                "not-age",
            ),
            (
                "passphrase",
                with_ciphertext(passphrase),
                400,
                "passphrase-encrypted",
            ),
            (
                "too few stanzas",
                with_ciphertext(enc(&[b' '; 1024], std::slice::from_ref(&demo))),
                400,
                "wrong-stanza-count",
            ),
            (
                "too many stanzas",
                with_ciphertext(enc(
                    &[b' '; 1024],
                    &[all.clone(), vec![other.clone()]].concat(),
                )),
                400,
                "wrong-stanza-count",
            ),
            (
                "unpadded",
                with_ciphertext(enc(&[b' '; 1000], &all)),
                400,
                "unpadded-size",
            ),
            (
                // It would parse, count and store, then fail to decrypt for every officer.
                "malformed X25519 stanza",
                with_ciphertext(B64.encode(short_x25519_body(
                    &crypto::encrypt(&[b' '; 1024], &both).unwrap(),
                ))),
                400,
                "malformed-stanza",
            ),
            (
                "unpadded attachment",
                typed(Submission {
                    attachments: vec![enc(&[0; 999], &both)],
                    ..good.clone()
                }),
                400,
                "unpadded-size",
            ),
            (
                "bad lookup id",
                typed(Submission {
                    lookup_id: meldestelle::protocol::ids::LookupId::new("abc"),
                    ..good.clone()
                }),
                400,
                "invalid-field",
            ),
            (
                "bad reply recipient",
                typed(Submission {
                    reply_recipient: "age1nope".into(),
                    ..good.clone()
                }),
                400,
                "invalid-field",
            ),
            (
                "answers in plain text",
                typed(Submission {
                    stats: Some(json!({"racism_form": "made_up"})),
                    ..good.clone()
                }),
                400,
                "stats-in-plaintext",
            ),
            (
                "missing field",
                raw(&|b| {
                    b.remove("lookup_id");
                }),
                400,
                "invalid-request",
            ),
            (
                "unknown field",
                raw(&|b| {
                    b.insert("ip".into(), json!("1.2.3.4"));
                }),
                400,
                "invalid-request",
            ),
            (
                "body too large",
                typed(Submission {
                    attachments: vec![B64.encode(vec![0u8; 300_000])],
                    ..good.clone()
                }),
                413,
                "body-too-large",
            ),
        ];
        for (what, body, status, kind) in cases {
            let a = post_report(&server, &body);
            assert_eq!(
                (a.status, a.problem().as_str()),
                (status, kind),
                "{what} on {}: {}",
                db.name,
                a.body
            );
        }
        // Raw bodies: malformed JSON, wrong content type, deep nesting, invalid UTF-8.
        let c = client();
        let raw = |ct: &str, body: Vec<u8>| {
            let r = c
                .post(server.url("/v1/reports"))
                .header("content-type", ct)
                .body(body)
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let ctype = r.headers()["content-type"].to_str().unwrap().to_owned();
            let text = r.text().unwrap();
            assert_contract("POST", "/v1/reports", status, &ctype, &text);
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        };
        assert_eq!(
            raw("application/json", b"{\"office\":".to_vec()),
            (400, "malformed-json".into())
        );
        assert_eq!(
            raw("text/plain", serde_json::to_vec(&good).unwrap()),
            (415, "unsupported-media-type".into())
        );
        // Typed parsing rejects nesting at the first level it does not expect.
        assert_eq!(
            raw("application/json", "[".repeat(100_000).into_bytes()),
            (400, "invalid-request".into())
        );
        assert_eq!(
            raw("application/json", b"{\"office\":\"\xff\xfe\"}".to_vec()),
            (400, "malformed-json".into())
        );
        assert_eq!(
            raw("application/json", b"{\"office\":\"de\\u0000mo\"}".to_vec()).0,
            400
        );

        for table in ["reports", "attachments", "stats_batches", "messages"] {
            assert_eq!(db.count(table), 0, "{table} on {}", db.name);
        }
        // The same good report is then accepted, and a replay of it is refused.
        assert_eq!(post_report(&server, &good).status, 201);
        let again = post_report(&server, &good);
        assert_eq!(
            (again.status, again.problem().as_str()),
            (409, "duplicate-lookup-id")
        );
        assert_eq!(db.count("reports"), 1);
    }
}

#[test]
fn attachments_are_stored_beside_the_report_in_their_order() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (mut body, _) = submission(&server, "mit Anhang");
        let demo = server.office("demo").recipients[0].clone();
        // The report document names attachments by index: the desk must get them in order.
        let files: Vec<Vec<u8>> = (0..3u8)
            .map(|i| {
                let mut f = b"\x89PNG fake image ".to_vec();
                f.push(b'0' + i);
                padding::pad(f, &padding::Buckets::new(1 << 20), 0).unwrap()
            })
            .collect();
        body.attachments = files
            .iter()
            .map(|f| B64.encode(crypto::encrypt(f, std::slice::from_ref(&demo)).unwrap()))
            .collect();
        assert_eq!(post_report(&server, &body).status, 201);
        assert_eq!(db.count("attachments"), 3);

        let token = login(&server, "demo", DEMO_IDENTITY);
        let cases = server.call(
            "GET",
            "/v1/desk/cases",
            "/v1/desk/cases",
            None,
            Some(&token),
        );
        let id = cases.parse::<Inbox>().cases[0].id.clone();
        let path = format!("/v1/desk/cases/{id}");
        let case = server.call("GET", "/v1/desk/cases/{case}", &path, None, Some(&token));
        let got: Vec<Vec<u8>> = case
            .parse::<OpenedCase>()
            .attachments
            .iter()
            .map(|a| decrypt_demo(&B64.decode(&a.ciphertext).unwrap()))
            .collect();
        assert_eq!(got, files);
    }
}

/// A key set changed by another process (the CLI) while the server runs: a report encrypted to
/// the old key set is refused and nothing is stored, also when the server has just used it.
#[test]
fn a_key_set_changed_by_the_cli_is_noticed_by_the_running_server() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (first, _) = submission(&server, "vorher");
        assert_eq!(post_report(&server, &first).status, 201, "{}", db.name);
        // Encrypted to the key set the server has just used, but sent after it changed.
        let (old, _) = submission(&server, "zum alten Schlüsselsatz");
        let second = crypto::keygen().1;
        add_officer(&db.url, "demo", "Zweite", &second, &[]);
        let a = post_report(&server, &old);
        assert_eq!(a.status, 409, "{}: {}", db.name, a.body);
        assert_eq!(a.problem(), "stale-keyset");
        assert_eq!(a.json()["current_keyset_version"], 2);
        assert_eq!(db.count("reports"), 1, "{}", db.name);
        // A client that reads the office again gets the new key set, and the server with it.
        let (fresh, _) = submission(&server, "nachher");
        assert_eq!(fresh.keyset_version, 2);
        assert_eq!(post_report(&server, &fresh).status, 201, "{}", db.name);
        assert_eq!(db.count("reports"), 2, "{}", db.name);
        // Removing an officer: a report the removed officer could still read is refused.
        let (for_both, _) = submission(&server, "an beide");
        cli(
            &[
                "office",
                "--database-url",
                &db.url,
                "remove-officer",
                "--office",
                "demo",
                "--officer",
                &second,
            ],
            None,
        );
        let a = post_report(&server, &for_both);
        assert_eq!(a.status, 409, "{}: {}", db.name, a.body);
        assert_eq!(a.json()["current_keyset_version"], 3);
        assert_eq!(db.count("reports"), 2, "{}", db.name);
    }
}

#[test]
fn acknowledged_reports_survive_a_restart() {
    for db in backends() {
        let mut server = Server::start(&db, &[]);
        let mut receipts = vec![];
        for i in 0..20 {
            let (body, r) = submission(&server, &format!("Bericht {i}"));
            assert_eq!(post_report(&server, &body).status, 201);
            receipts.push(r);
        }
        server.restart();
        assert_eq!(db.count("reports"), 20, "{}", db.name);
        let texts: Vec<String> = db
            .ciphertexts()
            .iter()
            .map(|c| Document::parse(&decrypt_demo(c)).unwrap().text)
            .collect();
        for i in 0..20 {
            assert!(texts.contains(&format!("Bericht {i}")));
        }
        // And the restarted server takes new reports.
        let (body, _) = submission(&server, "danach");
        assert_eq!(post_report(&server, &body).status, 201);
    }
}

#[test]
fn office_description_and_taxonomy_are_served() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let o = server.office("demo");
    assert_eq!(o.keyset_version, 1);
    assert_eq!(o.padding.buckets, [1024, 4096, 16384, 65536]);
    // Every limit the server enforces, so that clients check against the real ones.
    assert_eq!(o.padding.max_body, 24 * 1024 * 1024);
    assert!(o.padding.max_message_body > 1024 * 1024);
    let small = Server::start(&db, &["--max-body-bytes", "1000000"]);
    assert_eq!(small.office("demo").padding.max_body, 1_000_000);
    let t = server.call("GET", "/v1/taxonomy", "/v1/taxonomy", None, None);
    assert_eq!(t.json()["fields"].as_array().unwrap().len(), 8);
    let missing = server.call(
        "GET",
        "/v1/offices/{office}",
        "/v1/offices/nowhere",
        None,
        None,
    );
    assert_eq!(
        (missing.status, missing.problem().as_str()),
        (404, "unknown-office")
    );
    let h = server.call("GET", "/healthz", "/healthz", None, None);
    assert_eq!(h.status, 200);
}

/// NUL characters (in JSON or in a path) get the same answer on both databases without
/// reaching either; a duplicate lookup id is refused without PostgreSQL logging its hash.
#[test]
fn nul_characters_and_duplicates_leave_no_trace_in_the_database_log() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (good, _) = submission(&server, "erster Bericht");
        assert_eq!(post_report(&server, &good).status, 201);
        let again = post_report(&server, &good);
        assert_eq!(
            (again.status, again.problem().as_str()),
            (409, "duplicate-lookup-id")
        );

        let mut nul_office = serde_json::to_value(&good).unwrap();
        nul_office["office"] = json!("de\u{0}mo");
        let a = post_report(&server, &nul_office);
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "invalid-request"),
            "{}",
            db.name
        );
        // A backslash before a NUL is still a NUL; a backslash before the text "u0000" is not
        // one, and the office is looked up as any other.
        nul_office["office"] = json!("de\\\u{0}mo");
        let a = post_report(&server, &nul_office);
        assert_eq!((a.status, a.problem().as_str()), (400, "invalid-request"));
        nul_office["office"] = json!("de\\u0000mo");
        let a = post_report(&server, &nul_office);
        assert_eq!((a.status, a.problem().as_str()), (404, "unknown-office"));
        for (path, template, body) in [
            (
                "/v1/desk/challenge",
                "/v1/desk/challenge",
                json!({"office": "de\u{0}mo", "recipient": meldestelle::domain::office::DEMO_RECIPIENT}),
            ),
            (
                "/v1/desk/session",
                "/v1/desk/session",
                json!({"challenge_id": "a\u{0}b", "secret": "x"}),
            ),
            (
                "/v1/desk/passkeys",
                "/v1/desk/passkeys",
                json!({"office": "\u{0}"}),
            ),
        ] {
            let a = server.call("POST", template, path, Some(&body), None);
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "invalid-request"),
                "{path} {}",
                db.name
            );
        }
        let token = login(&server, "demo", DEMO_IDENTITY);
        for path in ["/v1/desk/cases/a%00b", "/v1/offices/de%00mo"] {
            let r = client()
                .get(server.url(path))
                .bearer_auth(&token)
                .send()
                .unwrap();
            assert_eq!(r.status(), 404, "{path} {}", db.name);
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
        assert_eq!(db.count("reports"), 1);

        if let Some(log) = db.pg_log() {
            let lookup = good.lookup_id.expose();
            let hash = hex::encode(crypto::sha256(&hex::decode(lookup).unwrap()));
            assert!(!log.contains(&hash) && !log.contains(lookup), "{log}");
            assert!(!log.contains("ERROR"), "PostgreSQL logged an error: {log}");
        }
    }
}

#[test]
fn the_office_list_names_the_default_and_only_offices_with_officers() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--default-office", "demo"]);
    add_office(
        &db.url,
        "leeres-amt",
        "Leeres Amt",
        "Nirgendwo",
        "BE",
        "under_20k",
    );
    let a = server.call("GET", "/v1/offices", "/v1/offices", None, None);
    assert_eq!(a.status, 200, "{}", a.body);
    let v: OfficeList = a.parse();
    assert_eq!(v.default.as_deref(), Some("demo"));
    let slugs: Vec<&str> = v.offices.iter().map(|o| o.slug.as_str()).collect();
    assert_eq!(slugs, ["demo"], "an office nobody can read is not offered");
    // An unknown default is no default.
    let other = Server::start(&db, &["--default-office", "nowhere"]);
    let v: OfficeList = other
        .call("GET", "/v1/offices", "/v1/offices", None, None)
        .parse();
    assert_eq!(v.default, None);
}

/// What the form and the CLI would send to an office without a key set: a report encrypted to
/// the reporter's own reply key only (nobody in the office could ever read it).
fn orphan_submission(office: &meldestelle::protocol::reports::OfficeView) -> Submission {
    let receipt = Receipt::generate();
    let reply = receipt.reply_identity().to_public().to_string();
    let ciphertext = meldestelle::client::seal_document(
        &Document::report("Niemand kann das lesen."),
        std::slice::from_ref(&reply),
        office.padding.max_plaintext,
    )
    .unwrap();
    Submission {
        office: office.slug.clone(),
        keyset_version: office.keyset_version,
        ciphertext,
        reply_recipient: reply,
        lookup_id: meldestelle::protocol::ids::LookupId::new(hex::encode(receipt.lookup_id())),
        attachments: vec![],
        stats: None,
        pow: None,
    }
}

#[test]
fn an_office_without_officers_takes_no_report_and_no_message_on_both_backends() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        add_office(
            &db.url,
            "leer",
            "Leeres Amt",
            "Nirgendwo",
            "BE",
            "under_20k",
        );
        let office = server.office("leer");
        assert!(office.recipients.is_empty(), "{office:?}");

        // The server refuses what nobody could read, and stores nothing.
        let a = post_report(&server, &orphan_submission(&office));
        assert_eq!(a.status, 409, "{}: {}", db.name, a.body);
        assert_eq!(a.problem(), "office-not-ready", "{}", a.body);
        assert_eq!(db.count("reports"), 0, "{}", db.name);
        let listed = cli(&["office", "list", "--database-url", &db.url], None);
        assert!(
            listed.contains("the office takes no reports until"),
            "{listed}"
        );

        // A report stored before intake refused them (as by an older version) is shown to the
        // administrator for what it is.
        let sub = orphan_submission(&office);
        let today = day("2026-03-02");
        let report = meldestelle::domain::intake::NewReport {
            id: uuid::Uuid::new_v4().to_string(),
            office: "leer".into(),
            keyset_version: office.keyset_version,
            ciphertext: B64.decode(&sub.ciphertext).unwrap(),
            reply_recipient: sub.reply_recipient.clone(),
            lookup_hash: crypto::sha256(&hex::decode(sub.lookup_id.expose()).unwrap()),
            status: meldestelle::domain::case::Status::Received,
            received_on: today,
            ack_due: today,
            feedback_due: today,
            attachments: vec![],
        };
        let stored = meldestelle::db::reports::insert_reports(
            &mut db.conn(),
            &[meldestelle::db::reports::PendingReport {
                report,
                recorded_by: None,
                news: false,
            }],
        )
        .unwrap();
        assert_eq!(stored, [Ok(())]);
        let listed = cli(&["office", "list", "--database-url", &db.url], None);
        assert!(
            listed.contains("1 case(s) nobody in the office can read"),
            "{listed}"
        );
        let demo = listed
            .lines()
            .position(|l| l.starts_with("demo\t"))
            .unwrap();
        assert!(
            !listed
                .lines()
                .nth(demo + 1)
                .unwrap_or("")
                .contains("nobody"),
            "{listed}"
        );

        // The CLI says so before it encrypts or sends anything.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.txt");
        std::fs::write(&file, "Niemand kann das lesen.").unwrap();
        let out = cli_output(
            &[
                "report",
                "--server",
                &server.base,
                "--office",
                "leer",
                "--file",
                file.to_str().unwrap(),
            ],
            None,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}", db.name);
        assert!(err.contains("cannot receive reports yet"), "{err}");
        assert_eq!(db.count("reports"), 1, "{}", db.name);

        // A case whose office lost its last officer takes no follow-up message either.
        let dir = tempfile::tempdir().unwrap();
        let (_, officer) = keygen_file(dir.path(), "officer.txt");
        add_officer(&db.url, "leer", "Erste", &officer, &[]);
        let (sub, receipt) = meldestelle::client::submission(
            &server.office("leer"),
            &Document::report("Eine lesbare Meldung."),
        )
        .unwrap();
        assert_eq!(post_report(&server, &sub).status, 201);
        let out = remove_officer(&db.url, "leer", &officer, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let office = server.office("leer");
        assert!(office.recipients.is_empty(), "{office:?}");
        let messages = db.count("messages");
        let reply = receipt.reply_identity().to_public().to_string();
        let message = meldestelle::protocol::followup::ReporterMessageRequest {
            lookup_id: meldestelle::protocol::ids::LookupId::new(hex::encode(receipt.lookup_id())),
            ciphertext: meldestelle::client::seal_document(
                &Document::new("message", "Noch etwas."),
                &[reply],
                office.padding.max_plaintext,
            )
            .unwrap(),
            keyset_version: office.keyset_version,
            pow: None,
        };
        let a = server.send(
            "POST",
            "/v1/followup/messages",
            "/v1/followup/messages",
            &message,
            None,
        );
        assert_eq!(a.status, 409, "{}: {}", db.name, a.body);
        assert_eq!(a.problem(), "office-not-ready", "{}", a.body);
        assert_eq!(db.count("messages"), messages, "{}", db.name);
    }
}

#[test]
fn grease_beyond_a_few_stanzas_and_plugin_stanzas_are_refused_on_both_backends() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (good, _) = submission(&server, "Eine Meldung.");
        let with = |stanzas: &str| {
            let ct = B64.decode(&good.ciphertext).unwrap();
            let first = ct.iter().position(|&b| b == b'\n').unwrap() + 1;
            let mut sub = good.clone();
            sub.ciphertext = B64.encode([&ct[..first], stanzas.as_bytes(), &ct[first..]].concat());
            sub
        };
        for (stanzas, problem) in [
            ("-> x-grease\n\n".repeat(2000), "too-many-stanzas"),
            ("-> x-grease\n\n".repeat(5), "too-many-stanzas"),
            ("-> piv-p256 abcd\nAAAA\n".to_owned(), "unsupported-stanza"),
        ] {
            let a = post_report(&server, &with(&stanzas));
            assert_eq!(a.status, 400, "{}: {}", db.name, a.body);
            assert_eq!(a.problem(), problem, "{}", a.body);
        }
        assert_eq!(db.count("reports"), 0, "{}", db.name);
        // The reference client's own grease passes.
        assert_eq!(post_report(&server, &good).status, 201);
    }
}
