//! Notifications through a real SMTP server on loopback, the persisted outbox, several
//! servers on one PostgreSQL database, and retention with an injected clock.

use std::time::Duration;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::*;
use meldestelle::domain::case::Status;
use meldestelle::protocol::desk::{CaseSummary, Inbox, Retention, StatusChange};
use serde_json::Value;

const DESK_URL: &str = "https://desk.example/meldestelle";

fn mail_flags(smtp: &SmtpServer, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp.port.to_string(),
        "--smtp-tls",
        "none",
        "--mail-from",
        "Meldestelle <meldestelle@example.org>",
        "--desk-url",
        DESK_URL,
        "--jobs-interval-secs",
        "1",
        "--smtp-retry-secs",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn start(db_url: &str, flags: &[String]) -> Server {
    let f: Vec<&str> = flags.iter().map(String::as_str).collect();
    Server::start_url(db_url, &f)
}

/// Adds an officer with a notification address to the demo office.
fn add_mailed_officer(db_url: &str, name: &str, email: &str) {
    let (_, recipient) = meldestelle::crypto::keygen();
    add_officer(db_url, "demo", name, &recipient, &["--email", email]);
}

fn submit(server: &Server, text: &str, stats: Option<&str>) -> Value {
    let mut args = vec!["report", "--server", &server.base, "--json"];
    if let Some(s) = stats {
        args.extend(["--stats", s]);
    }
    serde_json::from_str(&cli(&args, Some(text))).unwrap()
}

fn report_ids(db: &TestDb) -> Vec<String> {
    use diesel::prelude::*;
    use meldestelle::db::schema::reports;
    reports::table
        .order(reports::id)
        .select(reports::id)
        .load::<String>(&mut db.conn())
        .unwrap()
}

fn assert_content_free(mail: &crate::helpers::smtp::Mail, forbidden: &[&str]) {
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Meldestelle: Bitte sehen Sie nach / Please check the desk"),
        "{}",
        mail.data
    );
    let id = mail.header("Message-ID").unwrap_or_default();
    assert!(
        id.starts_with('<') && id.ends_with("@example.org>"),
        "a Message-ID at the sender's domain: {}",
        mail.data
    );
    let body = mail.body();
    assert!(body.contains(DESK_URL), "{body}");
    assert!(
        body.contains("please check the reporting desk\r\n"),
        "{body}"
    );
    // No count, no date, no number of any kind in the text.
    assert!(!body.chars().any(|c| c.is_ascii_digit()), "{body}");
    for f in forbidden {
        assert!(
            !mail.data.contains(f),
            "the mail contains {f:?}: {}",
            mail.data
        );
    }
}

#[test]
fn a_new_report_brings_one_content_free_mail() {
    for db in backends() {
        let smtp = SmtpServer::start();
        let server = start(
            &db.url,
            &mail_flags(&smtp, &["--notify-interval-secs", "3600"]),
        );
        add_mailed_officer(&db.url, "Officer A", "a@example.org");
        add_mailed_officer(&db.url, "Officer B", "b@example.org");

        let text = "Unverwechselbar: Kollege X am Schalter 7 sagte etwas Rassistisches.";
        let receipt = submit(&server, text, None)["receipt"]
            .as_str()
            .unwrap()
            .to_owned();
        eventually("two mails", Duration::from_secs(30), || {
            smtp.mails().len() == 2
        });
        let case_id = report_ids(&db).remove(0);
        for m in smtp.mails() {
            assert_content_free(&m, &[&case_id, text, "Schalter", &receipt]);
        }
        assert_eq!(smtp.count_to("a@example.org"), 1);
        assert_eq!(smtp.count_to("b@example.org"), 1);
        let bodies: Vec<String> = smtp.mails().iter().map(|m| m.body().to_owned()).collect();
        assert_eq!(bodies[0], bodies[1], "every mail is the same text");

        // More news within the interval: batched, no further mail yet.
        submit(&server, "Noch ein Bericht.", None);
        cli(
            &[
                "report",
                "follow-up",
                "--server",
                &server.base,
                "--json",
                "--send-stdin",
            ],
            Some(&format!("{receipt}\nEine Nachricht der meldenden Person.")),
        );
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(
            smtp.mails().len(),
            2,
            "{}: at most one per interval",
            db.name
        );
        assert_eq!(db.count("outbox"), 0);
        // Once sent, nothing in the database dates the report finer than its day: the
        // officers' state keeps dates only, the outbox row is gone.
        {
            use diesel::prelude::*;
            let mut c = db.conn();
            assert!(
                diesel::sql_query("SELECT last_mail_at FROM officer_notify")
                    .execute(&mut c)
                    .is_err(),
                "no time of the last mail is stored"
            );
            assert_eq!(db.count("officer_notify"), 2);
        }

        // Neither addresses nor case ids in the server's log.
        let log = server.log_text();
        assert!(
            !log.contains("a@example.org") && !log.contains(&case_id),
            "{log}"
        );
    }
}

#[test]
fn smtp_down_loses_nothing_and_the_queue_survives_a_restart() {
    for db in backends() {
        let mut smtp = SmtpServer::start();
        smtp.stop();
        let mut server = start(
            &db.url,
            &mail_flags(&smtp, &["--notify-interval-secs", "3600"]),
        );
        add_mailed_officer(&db.url, "Officer A", "a@example.org");

        // Reports are accepted while mail cannot go out.
        for i in 0..3 {
            let r = submit(
                &server,
                &format!("Bericht {i} bei ausgefallenem Mailserver"),
                None,
            );
            assert!(r["receipt"].is_string());
        }
        eventually("a failed attempt", Duration::from_secs(30), || {
            db.count("outbox WHERE attempts > 0") == 1
        });
        assert!(server.log_text().contains("will retry"));

        // The server dies; the queue is in the database.
        server.restart();
        smtp.restart();
        eventually("the queued mail", Duration::from_secs(30), || {
            smtp.mails().len() == 1
        });
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(
            smtp.count_to("a@example.org"),
            1,
            "{}: exactly once",
            db.name
        );
        assert_eq!(db.count("outbox"), 0);
        assert_eq!(report_ids(&db).len(), 3);
    }
}

#[test]
fn two_servers_on_one_postgres_send_every_mail_once() {
    let Ok(admin) = std::env::var(PG_ENV) else {
        eprintln!("skipped: {PG_ENV} is not set");
        return;
    };
    if admin.is_empty() {
        return;
    }
    let db = TestDb::postgres(&admin);
    let smtp = SmtpServer::start();
    let flags = mail_flags(&smtp, &["--notify-interval-secs", "3600"]);
    let a = start(&db.url, &flags);
    let officers = ["a@example.org", "b@example.org", "c@example.org"];
    for (i, e) in officers.iter().enumerate() {
        add_mailed_officer(&db.url, &format!("Officer {i}"), e);
    }
    let b = start(&db.url, &flags);

    // A burst of reports through both servers at once.
    std::thread::scope(|s| {
        for i in 0..8 {
            let server = if i % 2 == 0 { &a } else { &b };
            s.spawn(move || submit(server, &format!("Bericht Nummer {i} im Ansturm"), None));
        }
    });
    assert_eq!(report_ids(&db).len(), 8);
    eventually("one mail per officer", Duration::from_secs(30), || {
        smtp.mails().len() >= officers.len()
    });
    std::thread::sleep(Duration::from_secs(4));
    for o in officers {
        assert_eq!(smtp.count_to(o), 1, "{o}: {:?}", smtp.mails());
    }

    // Many queued mails, both senders racing for them: each goes out once.
    let ids: Vec<String> = {
        use diesel::prelude::*;
        use meldestelle::db::schema::officers;
        officers::table
            .filter(officers::email.is_not_null())
            .select(officers::id)
            .load(&mut db.conn())
            .unwrap()
    };
    let mut sql = String::new();
    for id in &ids {
        for _ in 0..30 {
            sql.push_str(&format!(
                "INSERT INTO outbox (id, officer_id, attempts, next_attempt_at) \
                 VALUES ('{}', '{id}', 0, now() AT TIME ZONE 'UTC');",
                uuid::Uuid::new_v4()
            ));
        }
    }
    db.exec(&sql);
    eventually("the queue drains", Duration::from_secs(60), || {
        db.count("outbox") == 0
    });
    std::thread::sleep(Duration::from_secs(3));
    for o in officers {
        assert_eq!(smtp.count_to(o), 31, "{o}");
    }
    drop((a, b));
}

fn close(server: &Server, token: &str, case: &str) {
    for to in [Status::Acknowledged, Status::FeedbackGiven, Status::Closed] {
        let st = server.send(
            "POST",
            "/v1/desk/cases/{case}/status",
            &format!("/v1/desk/cases/{case}/status"),
            &StatusChange {
                status: to,
                classification: None,
            },
            Some(token),
        );
        assert_eq!(st.status, 200, "{to:?}: {}", st.body);
    }
}

/// `POST /v1/desk/cases/{case}/retention`.
fn extend(server: &Server, token: &str, case: &str, until: &str, reason: &str) -> Answer {
    server.send(
        "POST",
        "/v1/desk/cases/{case}/retention",
        &format!("/v1/desk/cases/{case}/retention"),
        &Retention {
            delete_after: day(until),
            reason: reason.to_owned(),
        },
        Some(token),
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn retention_deletes_the_case_and_its_bytes_keeps_statistics_and_audits() {
    for db in backends() {
        let mut server = Server::start(&db, &["--today", "2026-01-05"]);
        submit(
            &server,
            "Dieser Fall wird nach drei Jahren gelöscht.",
            Some(r#"{"incident_type":"threat","racism_form":"anti_black"}"#),
        );
        submit(&server, "Dieser Fall wird verlängert aufbewahrt.", None);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let cases = server.call(
            "GET",
            "/v1/desk/cases",
            "/v1/desk/cases",
            None,
            Some(&token),
        );
        let ids: Vec<String> = cases
            .parse::<Inbox>()
            .cases
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        // Which case is which: the reply goes to both, the extension to the second.
        let (gone, kept) = (ids[0].clone(), ids[1].clone());
        for id in &ids {
            cli(
                &[
                    "desk",
                    "--server",
                    &server.base,
                    "--office",
                    "demo",
                    "--identity",
                    DEMO_IDENTITY,
                    "reply",
                    id,
                ],
                Some("Danke, wir kümmern uns."),
            );
        }

        // Retention cannot be extended before closing, nor to an earlier date.
        let early = extend(&server, &token, &kept, "2031-01-01", "Verfahren läuft");
        assert_eq!(
            (early.status, early.problem()),
            (409, "case-not-closed".into())
        );
        close(&server, &token, &gone);
        close(&server, &token, &kept);
        let back = extend(&server, &token, &kept, "2028-01-01", "zu früh");
        assert_eq!(
            (back.status, back.problem()),
            (400, "invalid-request".into())
        );
        let out = cli(
            &[
                "desk",
                "--server",
                &server.base,
                "--office",
                "demo",
                "--identity",
                DEMO_IDENTITY,
                "extend",
                &kept,
                "--until",
                "2031-01-01",
                "--reason",
                "Arbeitsgerichtliches Verfahren anhängig",
            ],
            None,
        );
        assert!(out.contains("2031-01-01"), "{out}");
        // Later again, over HTTP: the answer is the case after the change, counts included.
        let again = extend(&server, &token, &kept, "2032-01-01", "Berufung");
        assert_eq!(again.status, 200, "{}", again.body);
        let again: CaseSummary = again.parse();
        assert_eq!(again.delete_after, Some(day("2032-01-01")));
        assert_eq!(again.messages.from_office, 1);
        server.kill();

        // A distinctive slice of the ciphertexts of the case to be deleted.
        let (report_ct, message_ct): (Vec<u8>, Vec<u8>) = {
            use diesel::prelude::*;
            use meldestelle::db::schema::{messages, reports};
            let mut c = db.conn();
            (
                reports::table
                    .find(&gone)
                    .select(reports::ciphertext)
                    .first(&mut c)
                    .unwrap(),
                messages::table
                    .filter(messages::report_id.eq(&gone))
                    .select(messages::ciphertext)
                    .first(&mut c)
                    .unwrap(),
            )
        };
        let slices = [&report_ct[300..332], &message_ct[300..332]];
        let files = || -> Vec<u8> {
            let mut all = Vec::new();
            if let Some(p) = db.path() {
                for f in [p.clone(), p.with_extension("db-wal")] {
                    all.extend(std::fs::read(&f).unwrap_or_default());
                }
            }
            all
        };
        if db.path().is_some() {
            assert!(
                slices.iter().all(|s| contains(&files(), s)),
                "test is sound"
            );
        }
        // A contributed batch (statistics arrive per quarter, not with the report).
        let blob = if db.name == "postgres" {
            "decode('00', 'hex')"
        } else {
            "X'00'"
        };
        db.exec(&format!(
            "INSERT INTO stats_batches (quarter, office, records, sealed) \
             VALUES ('2026-Q1', 'demo', 1, {blob})"
        ));
        let stats_before = db.count("stats_batches");
        assert_eq!(stats_before, 1);

        // On delete_after itself nothing goes; the day after, the closed case does.
        assert!(retention_run(&db, "2029-01-05").contains("deleted 0 case(s)"));
        assert_eq!(db.count("reports"), 2);
        assert!(retention_run(&db, "2029-01-06").contains("deleted 1 case(s)"));

        assert_eq!(report_ids(&db), vec![kept.clone()], "{}", db.name);
        assert_eq!(db.count(&format!("messages WHERE report_id = '{gone}'")), 0);
        assert_eq!(db.count(&format!("messages WHERE report_id = '{kept}'")), 1);
        assert_eq!(db.count("stats_batches"), stats_before, "statistics stay");
        assert_eq!(db.count("retention_extensions"), 2);
        if db.path().is_some() {
            let bytes = files();
            for s in slices {
                assert!(
                    !contains(&bytes, s),
                    "ciphertext bytes left in the SQLite files"
                );
            }
        }

        // The audit log records the deletion and the extension, and the chain holds.
        let entries = meldestelle::db::desk::audit_entries(&mut db.conn()).unwrap();
        assert!(entries.iter().any(|e| e.actor == "system:retention"
            && e.action == "delete"
            && e.subject.as_deref() == Some(gone.as_str())));
        assert!(
            entries
                .iter()
                .any(|e| e.action == "retention:extend"
                    && e.subject.as_deref() == Some(kept.as_str()))
        );
        let verify = cli(&["audit", "--database-url", &db.url, "verify"], None);
        assert!(verify.contains("intact"), "{verify}");

        // The extended case goes after its new date.
        assert!(retention_run(&db, "2032-01-01").contains("deleted 0 case(s)"));
        assert!(retention_run(&db, "2032-01-02").contains("deleted 1 case(s)"));
        assert_eq!(db.count("reports"), 0);
        assert_eq!(db.count("retention_extensions"), 0);
        assert_eq!(db.count("stats_batches"), stats_before);
    }
}

#[test]
fn an_office_is_reminded_when_a_quarter_waits_for_its_statistics() {
    for db in backends() {
        let smtp = SmtpServer::start();
        let flags = |today: &str| mail_flags(&smtp, &["--today", today]);
        let server = start(&db.url, &flags("2026-05-02"));
        add_mailed_officer(&db.url, "Officer A", "a@example.org");
        submit(&server, "Ein Bericht im zweiten Quartal.", None);
        eventually("the news mail", Duration::from_secs(30), || {
            smtp.mails().len() == 1
        });
        // Feedback given: no deadline reminder can be the reason for a later mail.
        let case = report_ids(&db).remove(0);
        for to in ["acknowledged", "feedback_given"] {
            let out = desk_as(&server, DEMO_IDENTITY, &["status", &case, to], None);
            assert!(out.status.success());
        }
        drop(server);

        // The quarter has ended and is not contributed: one content-free reminder.
        let server = start(&db.url, &flags("2026-07-03"));
        eventually("the reminder", Duration::from_secs(30), || {
            smtp.mails().len() == 2
        });
        assert_content_free(&smtp.mails()[1], &[&case, "Quartal"]);
        contribute(&server, "2026-Q2");
        drop(server);

        // Contributed: the next day brings no reminder.
        let server = start(&db.url, &flags("2026-07-04"));
        std::thread::sleep(Duration::from_secs(4));
        assert_eq!(
            smtp.mails().len(),
            2,
            "{}: no reminder once contributed",
            db.name
        );
        drop(server);

        // A quarter without cases waits for the office's confirmation too: one reminder, and
        // none once it confirmed.
        let server = start(&db.url, &flags("2026-10-03"));
        eventually(
            "the reminder for a quarter without cases",
            Duration::from_secs(30),
            || smtp.mails().len() == 3,
        );
        assert!(contribute(&server, "2026-Q3").contains("no cases"));
        drop(server);
        let server = start(&db.url, &flags("2026-10-04"));
        std::thread::sleep(Duration::from_secs(4));
        assert_eq!(
            smtp.mails().len(),
            3,
            "{}: no reminder once confirmed",
            db.name
        );
        drop(server);
    }
}
