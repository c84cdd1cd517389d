//! The complaint desk and the reporter's follow-up, end to end on both databases.

use crate::helpers::*;
use base64::Engine;
use meldestelle::domain::case::Status;
use meldestelle::protocol::desk::{CaseSummary, Forward, Inbox, MessageCounts, NewMessage};
use meldestelle::protocol::document::{AttachmentMeta, Document, ForwardedCase};
use meldestelle::protocol::followup::ReadRequest;
use meldestelle::protocol::ids::{ChallengeSecret, LookupId};
use meldestelle::protocol::login::{
    Challenge, OfficerChallengeRequest, OfficerSession, SessionRequest,
};
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn submit(server: &Server, text: &str) -> (String, Value) {
    let out = cli(&["report", "--server", &server.base, "--json"], Some(text));
    let v: Value = serde_json::from_str(&out).unwrap();
    (v["receipt"].as_str().unwrap().to_owned(), v)
}

/// `meldestelle desk` as the demo officer; fails the test on a non-zero exit.
fn desk(server: &Server, args: &[&str], stdin: Option<&str>) -> String {
    desk_ok(server, DEMO_IDENTITY, args, stdin)
}

/// The id of the oldest case of the demo office.
fn first_case(server: &Server) -> String {
    inbox(server, &login(server, "demo", DEMO_IDENTITY), "all")[0]
        .id
        .to_string()
}

/// `GET /v1/desk/cases?filter=…` as it came, for a test of its raw shape.
fn inbox_answer(server: &Server, token: &str, filter: &str) -> Answer {
    let a = server.call(
        "GET",
        "/v1/desk/cases",
        &format!("/v1/desk/cases?filter={filter}"),
        None,
        Some(token),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    a
}

fn inbox(server: &Server, token: &str, filter: &str) -> Vec<CaseSummary> {
    inbox_answer(server, token, filter).parse::<Inbox>().cases
}

/// `POST /v1/desk/cases/{case}/status`.
fn set_status(server: &Server, token: &str, case: &str, status: Status) -> Answer {
    server.send(
        "POST",
        "/v1/desk/cases/{case}/status",
        &format!("/v1/desk/cases/{case}/status"),
        &meldestelle::protocol::desk::StatusChange {
            status,
            classification: None,
        },
        Some(token),
    )
}

/// `POST /v1/desk/challenge` for the demo office, answered.
fn desk_challenge(server: &Server, recipient: &str) -> Answer {
    server.send(
        "POST",
        "/v1/desk/challenge",
        "/v1/desk/challenge",
        &OfficerChallengeRequest {
            office: "demo".into(),
            recipient: recipient.to_owned(),
        },
        None,
    )
}

/// `POST /v1/desk/session` with a challenge's id and a secret.
fn desk_session(server: &Server, challenge: &Challenge, secret: &str) -> Answer {
    server.send(
        "POST",
        "/v1/desk/session",
        "/v1/desk/session",
        &SessionRequest {
            challenge_id: challenge.challenge_id.clone(),
            secret: ChallengeSecret::new(secret),
        },
        None,
    )
}

#[test]
fn the_whole_story_with_legal_clocks_on_both_databases() {
    for db in backends() {
        let mut server = Server::start(&db, &["--today", "2026-01-05"]);
        let (receipt, answer) = submit(
            &server,
            "Meine Vorgesetzte sagte, Leute wie ich gehören nicht hierher.",
        );
        assert_eq!(answer["ack_due"], "2026-01-12");

        // The officer logs in and sees the case in the inbox, without content.
        let token = login(&server, "demo", DEMO_IDENTITY);
        let listed = inbox_answer(&server, &token, "all");
        let cases = listed.parse::<Inbox>().cases;
        assert_eq!(cases.len(), 1);
        let case_id = cases[0].id.to_string();
        assert_eq!(cases[0].status, Status::Received);
        assert!(!cases[0].ack_overdue);
        // The raw answer: no content at all, not even a field for it.
        assert!(listed.json()["cases"][0].get("ciphertext").is_none());

        // A day after the acknowledgement deadline, the inbox says so.
        server = {
            drop(server);
            Server::start(&db, &["--today", "2026-01-13"])
        };
        let token = login(&server, "demo", DEMO_IDENTITY);
        let overdue = inbox(&server, &token, "overdue");
        assert_eq!(overdue.len(), 1);
        assert!(overdue[0].ack_overdue);

        // The officer decrypts it on their machine.
        let opened = desk(&server, &["open", &case_id], None);
        assert!(opened.contains("gehören nicht hierher"), "{opened}");

        // Acknowledges: feedback is now due three months after the acknowledgement.
        let st = set_status(&server, &token, &case_id, Status::Acknowledged);
        assert_eq!(st.status, 200, "{}", st.body);
        let acknowledged: CaseSummary = st.parse();
        assert_eq!(acknowledged.feedback_due, day("2026-04-13"));
        assert_eq!(acknowledged.acknowledged_on, Some(day("2026-01-13")));
        assert!(inbox(&server, &token, "overdue").is_empty());

        // Replies.
        desk(
            &server,
            &["reply", &case_id],
            Some("Danke für Ihre Meldung. Wir nehmen uns Zeit dafür."),
        );
        desk(
            &server,
            &["note", &case_id],
            Some("Interne Notiz: Gespräch mit Amtsleitung planen."),
        );

        // The reporter reads the reply with the receipt alone, and answers.
        let fu = cli(
            &[
                "report",
                "follow-up",
                "--server",
                &server.base,
                "--json",
                "--send-stdin",
            ],
            Some(&format!("{receipt}\nIch bin bereit für ein Gespräch.")),
        );
        let fu: Value = serde_json::from_str(&fu).unwrap();
        assert_eq!(fu["status"], "acknowledged");
        let msgs = fu["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 1, "notes never reach the reporter: {fu}");
        assert_eq!(
            msgs[0]["text"],
            "Danke für Ihre Meldung. Wir nehmen uns Zeit dafür."
        );
        assert_eq!(fu["sent_on"], "2026-01-13");
        // The receipt alone opens the reporter's own report, and (read again) their message.
        assert!(
            fu["report"]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{fu}"
        );
        let again: Value = serde_json::from_str(&cli(
            &["report", "follow-up", "--server", &server.base, "--json"],
            Some(&receipt),
        ))
        .unwrap();
        let own: Vec<&str> = again["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "reporter")
            .filter_map(|m| m["text"].as_str())
            .collect();
        assert_eq!(own, ["Ich bin bereit für ein Gespräch."]);

        // The answer is new to the officer until they open the case.
        let cases = inbox(&server, &token, "all");
        assert_eq!(cases[0].messages.unread_from_reporter, 1);

        // The officer decrypts the answer.
        let opened = desk(&server, &["open", &case_id], None);
        assert!(
            opened.contains("Ich bin bereit für ein Gespräch."),
            "{opened}"
        );
        assert!(opened.contains("Interne Notiz"));
        // All three were written on one day: they come back in the order they were written.
        let at = |t: &str| opened.find(t).unwrap_or_else(|| panic!("{t}: {opened}"));
        assert!(
            at("Danke für Ihre Meldung") < at("Interne Notiz")
                && at("Interne Notiz") < at("Ich bin bereit"),
            "{opened}"
        );
        let counts = MessageCounts {
            from_reporter: 1,
            from_office: 1,
            notes: 1,
            unread_from_reporter: 0,
        };
        let cases = inbox(&server, &token, "all");
        assert_eq!(cases[0].messages, counts);

        // Feedback overdue after three months without it.
        server = {
            drop(server);
            Server::start(&db, &["--today", "2026-04-14"])
        };
        let token = login(&server, "demo", DEMO_IDENTITY);
        let overdue = inbox(&server, &token, "overdue");
        assert_eq!((overdue.len(), overdue[0].feedback_overdue), (1, true));
        for to in [Status::InProgress, Status::FeedbackGiven, Status::Closed] {
            let st = set_status(&server, &token, &case_id, to);
            assert_eq!(st.status, 200, "{to:?}: {}", st.body);
            // The answer is the case after the change, with its real message counts.
            assert_eq!(st.parse::<CaseSummary>().messages, counts, "{to:?}");
        }
        let closed = &inbox(&server, &token, "all")[0];
        assert_eq!(closed.closed_on, Some(day("2026-04-14")));
        assert_eq!(closed.delete_after, Some(day("2029-04-14")));
        assert!(inbox(&server, &token, "open").is_empty());

        // Nothing readable in the server's log.
        let log = server.log_text();
        assert!(!log.contains("gehören") && !log.contains(&receipt) && !log.contains(&token));

        // The audit log holds the history, and its chain verifies.
        let out = cli(&["audit", "--database-url", &db.url, "verify"], None);
        assert!(out.contains("audit log intact"), "{out}");
    }
}

#[test]
fn refusals_change_nothing() {
    for db in backends() {
        // Sessions of 5 s: long enough for the steps below on a loaded machine, short enough
        // to wait out for the expired-token check.
        let server = Server::start(&db, &["--session-secs", "5"]);
        let (receipt, _) = submit(&server, "Bericht");
        // A second office with its own officer and case.
        let dir = tempfile::tempdir().unwrap();
        let (other_key, other_rcpt) = keygen_file(dir.path(), "other.key");
        add_office(
            &db.url,
            "anderes-amt",
            "Anderes Amt",
            "Kleinstadt",
            "NW",
            "under_20k",
        );
        add_officer(&db.url, "anderes-amt", "O", &other_rcpt, &[]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let other_token = login(&server, "anderes-amt", &other_key);
        let case_id = inbox(&server, &token, "all")[0].id.to_string();
        let audit_before = db.count("audit_log");

        // Another office's case answers exactly like a case that does not exist.
        let theirs = server.call(
            "GET",
            "/v1/desk/cases/{case}",
            &format!("/v1/desk/cases/{case_id}"),
            None,
            Some(&other_token),
        );
        let missing = server.call(
            "GET",
            "/v1/desk/cases/{case}",
            "/v1/desk/cases/6f1c8d2e-0000-4000-8000-000000000000",
            None,
            Some(&other_token),
        );
        assert_eq!(
            (theirs.status, theirs.problem().as_str()),
            (404, "unknown-case")
        );
        assert_eq!(theirs.body, missing.body);
        assert!(inbox(&server, &other_token, "all").is_empty());
        let st = set_status(&server, &other_token, &case_id, Status::Acknowledged);
        assert_eq!(st.status, 404);

        // Illegal transition.
        let st = set_status(&server, &token, &case_id, Status::Closed);
        assert_eq!(
            (st.status, st.problem().as_str()),
            (409, "illegal-transition")
        );
        assert_eq!(inbox(&server, &token, "all")[0].status, Status::Received);

        // A replayed challenge answer.
        let rcpt = "age1ju3asxh70gqv6x0pyzvs3ghhz6d69hmjmscrxgejyzu50wz38dfsydeu05";
        let ch: Challenge = desk_challenge(&server, rcpt).parse();
        let secret = String::from_utf8(decrypt_demo(&B64.decode(&ch.challenge).unwrap())).unwrap();
        assert_eq!(desk_session(&server, &ch, &secret).status, 201);
        let replay = desk_session(&server, &ch, &secret);
        assert_eq!(
            (replay.status, replay.problem().as_str()),
            (401, "invalid-challenge")
        );
        // A wrong answer is refused.
        let ch: Challenge = desk_challenge(&server, rcpt).parse();
        let wrong = desk_session(&server, &ch, "00");
        assert_eq!(
            (wrong.status, wrong.problem().as_str()),
            (401, "invalid-challenge")
        );
        // Someone who is not an officer gets a challenge nobody can answer.
        let stranger = desk_challenge(&server, &other_rcpt);
        assert_eq!(stranger.status, 201);
        assert!(meldestelle::crypto::decrypt(
            &B64.decode(stranger.parse::<Challenge>().challenge).unwrap(),
            &demo_identities()
        )
        .is_err());

        // Wrong receipt: the same answer as a malformed one.
        let read = |lookup_id: String| {
            server.send(
                "POST",
                "/v1/followup/read",
                "/v1/followup/read",
                &ReadRequest {
                    lookup_id: LookupId::new(lookup_id),
                },
                None,
            )
        };
        let wrong = read("ab".repeat(32));
        let malformed = read("nope".into());
        assert_eq!(
            (wrong.status, wrong.problem().as_str()),
            (404, "unknown-receipt")
        );
        assert_eq!(wrong.body, malformed.body);
        let out = cli_output(
            &["report", "follow-up", "--server", &server.base],
            Some("0000-0000-0000-0000-0000-0000-0000\n"),
        );
        assert!(!out.status.success());
        // The right receipt works.
        let fu = cli(
            &["report", "follow-up", "--server", &server.base, "--json"],
            Some(&receipt),
        );
        assert_eq!(
            serde_json::from_str::<Value>(&fu).unwrap()["status"],
            "received"
        );

        // An expired token.
        std::thread::sleep(std::time::Duration::from_millis(5500));
        let expired = server.call(
            "GET",
            "/v1/desk/cases",
            "/v1/desk/cases",
            None,
            Some(&token),
        );
        assert_eq!(
            (expired.status, expired.problem().as_str()),
            (401, "token-expired")
        );
        let none = server.call("GET", "/v1/desk/cases", "/v1/desk/cases", None, None);
        assert_eq!(
            (none.status, none.problem().as_str()),
            (401, "missing-token")
        );

        // Nothing changed: no messages, the case as it was, only the logins audited.
        assert_eq!(db.count("messages"), 0);
        assert_eq!(
            db.count("audit_log"),
            audit_before + 1,
            "one more successful login"
        );
    }
}

#[test]
fn audit_verify_detects_altered_and_removed_entries() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        submit(&server, "x");
        let token = login(&server, "demo", DEMO_IDENTITY);
        let id = inbox(&server, &token, "all")[0].id.to_string();
        for _ in 0..2 {
            server.call(
                "GET",
                "/v1/desk/cases/{case}",
                &format!("/v1/desk/cases/{id}"),
                None,
                Some(&token),
            );
        }
        let ok = cli(&["audit", "--database-url", &db.url, "verify"], None);
        // The demo office and its officer (2), the login, two openings.
        assert!(ok.contains("intact: 5 entries"), "{ok}");
        db.exec("UPDATE audit_log SET action = 'export' WHERE seq = 4");
        let out = cli_output(&["audit", "--database-url", &db.url, "verify"], None);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("entry 4"),
            "{out:?}"
        );
        db.exec("UPDATE audit_log SET action = 'open' WHERE seq = 4");
        assert!(
            cli_output(&["audit", "--database-url", &db.url, "verify"], None)
                .status
                .success()
        );
        db.exec("DELETE FROM audit_log WHERE seq = 4");
        assert!(
            !cli_output(&["audit", "--database-url", &db.url, "verify"], None)
                .status
                .success()
        );
    }
}

#[test]
fn exported_report_decrypts_with_the_age_tool() {
    require_age();
    for db in backends() {
        let server = Server::start(&db, &[]);
        submit(&server, "Export bitte");
        let token = login(&server, "demo", DEMO_IDENTITY);
        let id = inbox(&server, &token, "all")[0].id.to_string();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("case.age");
        desk(
            &server,
            &["export", &id, "-o", file.to_str().unwrap()],
            None,
        );
        let out = age_decrypt(DEMO_IDENTITY, &file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = Document::parse(&out.stdout).expect("a document");
        assert_eq!(doc.text, "Export bitte");
    }
}

/// Issue #14: forwarding to a competent authority. The officer's client encrypts the case,
/// without internal notes, to the authority's key; the server records only that and to whom.
#[test]
fn a_case_is_forwarded_encrypted_to_an_authority_and_only_that_is_audited() {
    require_age();
    for db in backends() {
        let server = Server::start(&db, &[]);
        submit(&server, "Bitte an die Aufsicht weitergeben");
        let id = first_case(&server);
        desk(&server, &["reply", &id], Some("Wir geben den Fall weiter."));
        desk(
            &server,
            &["note", &id],
            Some("Interne Einschätzung: heikel"),
        );
        let dir = tempfile::tempdir().unwrap();
        let (authority_key, authority) = keygen_file(dir.path(), "authority.key");
        let audited =
            || db.strings("SELECT action || ' ' || COALESCE(subject, '') AS s FROM audit_log");
        let before = audited();

        // Refused, and nothing recorded: not a recipient, a plugin recipient, an unknown case.
        let token = login(&server, "demo", DEMO_IDENTITY);
        let after_login = audited();
        for (recipient, case, status, problem) in [
            ("kein Schlüssel", id.as_str(), 400, "bad-recipient"),
            (
                "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t",
                id.as_str(),
                400,
                "bad-recipient",
            ),
            (
                authority.as_str(),
                "00000000-0000-0000-0000-000000000000",
                404,
                "unknown-case",
            ),
        ] {
            let a = server.send(
                "POST",
                "/v1/desk/cases/{case}/forwards",
                &format!("/v1/desk/cases/{case}/forwards"),
                &Forward {
                    recipient: Some(recipient.to_owned()),
                    passphrase: false,
                },
                Some(&token),
            );
            assert_eq!(
                (a.status, a.problem().as_str()),
                (status, problem),
                "{recipient}"
            );
        }
        assert_eq!(audited(), after_login);
        // A recipient and a passphrase, or neither: refused, nothing recorded.
        for body in [
            serde_json::json!({}),
            serde_json::json!({ "recipient": authority, "passphrase": true }),
            serde_json::json!({ "passphrase": false }),
        ] {
            let a = server.call(
                "POST",
                "/v1/desk/cases/{case}/forwards",
                &format!("/v1/desk/cases/{id}/forwards"),
                Some(&body),
                Some(&token),
            );
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "invalid-request"),
                "{body}"
            );
        }
        assert_eq!(audited(), after_login);
        // With a passphrase (which the server never sees): recorded as such.
        let a = server.send(
            "POST",
            "/v1/desk/cases/{case}/forwards",
            &format!("/v1/desk/cases/{id}/forwards"),
            &Forward {
                recipient: None,
                passphrase: true,
            },
            Some(&token),
        );
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.json()["fingerprint"], "passphrase");
        assert!(audited().contains(&format!("forward {id} by passphrase")));
        let file = dir.path().join("weiterleitung.age");
        let bad = desk_as(
            &server,
            DEMO_IDENTITY,
            &[
                "forward",
                &id,
                "--to",
                "ssh-ed25519 AAAA",
                "-o",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(!bad.status.success() && !file.exists());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("not an X25519 age recipient"));

        desk(
            &server,
            &[
                "forward",
                &id,
                "--to",
                &authority,
                "-o",
                file.to_str().unwrap(),
            ],
            None,
        );
        let out = age_decrypt(&authority_key, &file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bundle: ForwardedCase = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            bundle.report.text.as_deref(),
            Some("Bitte an die Aufsicht weitergeben")
        );
        assert_eq!(bundle.messages[0].text, "Wir geben den Fall weiter.");
        let plain = String::from_utf8_lossy(&out.stdout);
        assert!(!plain.contains("heikel"), "an internal note was forwarded");
        // The officer's own key cannot open it: it is for the authority only.
        let own = age_decrypt(DEMO_IDENTITY, &file);
        assert!(!own.status.success());

        let fingerprint = meldestelle::crypto::fingerprint(&authority);
        let now = audited();
        let new: Vec<&String> = now.iter().filter(|e| !before.contains(e)).collect();
        assert!(
            new.iter()
                .any(|e| **e == format!("forward {id} to {fingerprint}")),
            "{new:?}"
        );
        // Never what: no content and not even the recipient itself in the log.
        assert!(now
            .iter()
            .all(|e| !e.contains("Aufsicht") && !e.contains(&authority)));
    }
}

/// Issue #14: an office's recovery key, kept offline, reads every case encrypted after it was
/// set, and older ones once they are rewrapped; the reference `age` tool is its client.
#[test]
fn a_recovery_recipient_reads_cases_when_every_officer_key_is_lost() {
    require_age();
    for db in backends() {
        let server = Server::start(&db, &[]);
        submit(&server, "Vor dem Wiederherstellungsschlüssel");
        let old = first_case(&server);
        let dir = tempfile::tempdir().unwrap();
        let (recovery_key, recovery) = keygen_file(dir.path(), "recovery.key");
        let before = server.office("demo");
        let set_recovery = |args: &[&str]| {
            let mut all = vec!["office", "--database-url", &db.url, "set-recovery"];
            all.extend_from_slice(args);
            cli_output(&all, None)
        };
        // Refused, and nothing changed: a plugin recipient, something that is no recipient,
        // an office that does not exist.
        for (args, says) in [
            (
                vec![
                    "--office",
                    "demo",
                    "--recipient",
                    "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t",
                ],
                "not a supported age recipient",
            ),
            (
                vec!["--office", "demo", "--recipient", "ssh-ed25519 AAAA"],
                "not a supported age recipient",
            ),
            (
                vec!["--office", "nirgendwo", "--recipient", &recovery],
                "no office 'nirgendwo'",
            ),
            (
                vec![
                    "--office",
                    "demo",
                    "--recipient",
                    meldestelle::domain::office::DEMO_RECIPIENT,
                ],
                "an officer's key",
            ),
        ] {
            let out = set_recovery(&args);
            assert!(!out.status.success(), "{args:?}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains(says),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(server.office("demo"), before);

        let out = set_recovery(&["--office", "demo", "--recipient", &recovery]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let after = server.office("demo");
        assert_eq!(after.keyset_version, before.keyset_version + 1);
        let recipients = &after.recipients;
        assert_eq!(recipients.last().unwrap(), &recovery);
        assert_eq!(recipients.len(), before.recipients.len() + 1);
        assert!(db
            .strings("SELECT subject AS s FROM audit_log WHERE action = 'office:set-recovery'")
            .contains(&recovery));
        let listed = cli(&["office", "--database-url", &db.url, "list"], None);
        assert!(listed.contains("1 officer(s) + recovery key"), "{listed}");
        // Nor does it become an officer's key while it is the recovery key.
        let out = cli_output(
            &[
                "office",
                "--database-url",
                &db.url,
                "add-officer",
                "--office",
                "demo",
                "--name",
                "Tresor",
                "--recipient",
                &recovery,
            ],
            None,
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("recovery key"));
        assert_eq!(server.office("demo"), after);

        // A new report reaches the recovery key; the reference age tool decrypts the export.
        submit(&server, "Nach dem Wiederherstellungsschlüssel");
        let token = login(&server, "demo", DEMO_IDENTITY);
        let read_with_recovery = |id: &str| -> Option<Document> {
            let file = dir.path().join(format!("{id}.age"));
            desk(&server, &["export", id, "-o", file.to_str().unwrap()], None);
            let out = age_decrypt(&recovery_key, &file);
            out.status
                .success()
                .then(|| Document::parse(&out.stdout).expect("a document"))
        };
        let new = inbox(&server, &token, "all")
            .iter()
            .map(|c| c.id.to_string())
            .find(|id| *id != old)
            .unwrap();
        assert_eq!(
            read_with_recovery(&new).unwrap().text,
            "Nach dem Wiederherstellungsschlüssel"
        );
        // An older case reaches it once rewrapped to the new key set.
        assert!(read_with_recovery(&old).is_none());
        desk(&server, &["rewrap", &old], None);
        assert_eq!(
            read_with_recovery(&old).unwrap().text,
            "Vor dem Wiederherstellungsschlüssel"
        );

        // Removed again: a new key-set version without it.
        let out = set_recovery(&["--office", "demo", "--clear"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cleared = server.office("demo");
        assert_eq!(cleared.recipients, before.recipients);
        assert_eq!(cleared.keyset_version, before.keyset_version + 2);
    }
}

#[test]
fn rewrap_moves_a_case_to_the_new_key_set() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (receipt, _) = submit(&server, "Alt verschlüsselt");
        let id = first_case(&server);
        desk(
            &server,
            &["reply", &id],
            Some("Antwort vor dem Schlüsselwechsel"),
        );
        // A new officer joins: the key set moves on; old cases are still on the old set.
        let dir = tempfile::tempdir().unwrap();
        let (new_key, rcpt) = keygen_file(dir.path(), "new.key");
        add_officer(&db.url, "demo", "Neu", &rcpt, &[]);
        let new_key = new_key.as_str();
        let new_desk = |args: &[&str]| desk_as(&server, new_key, args, None);
        let before = new_desk(&["open", &id]);
        assert!(
            String::from_utf8_lossy(&before.stdout).contains("cannot be decrypted")
                && !String::from_utf8_lossy(&before.stdout).contains("Alt verschlüsselt"),
            "the new key cannot read the old case yet: {before:?}"
        );
        // The old officer re-encrypts the case client-side.
        desk(&server, &["rewrap", &id], None);
        let opened = new_desk(&["open", &id]);
        assert!(
            opened.status.success(),
            "{}",
            String::from_utf8_lossy(&opened.stderr)
        );
        let text = String::from_utf8_lossy(&opened.stdout);
        assert!(
            text.contains("Alt verschlüsselt") && text.contains("Antwort vor dem Schlüsselwechsel"),
            "{text}"
        );
        // The reporter can still read the reply.
        let fu: Value = serde_json::from_str(&cli(
            &["report", "follow-up", "--server", &server.base, "--json"],
            Some(&receipt),
        ))
        .unwrap();
        assert_eq!(
            fu["messages"][0]["text"],
            "Antwort vor dem Schlüsselwechsel"
        );
    }
}

/// A message that arrives between the officer's read and the swap must not stay on the old
/// key set: the swap compares the case's items in the same commit and refuses.
#[test]
fn rewrap_refuses_when_the_case_changed_in_between() {
    use meldestelle::db::desk::{rewrap, Rewrap};
    use meldestelle::db::DbError;
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (receipt, _) = submit(&server, "Fall");
        let id = first_case(&server);
        let ct = || {
            meldestelle::crypto::encrypt(
                &[b' '; 1024],
                &[meldestelle::domain::office::DEMO_RECIPIENT.to_owned()],
            )
            .unwrap()
        };
        // What the officer's client saw: the report and no message.
        let seen = Rewrap {
            report: ct(),
            keyset_version: 1,
            attachments: vec![],
            messages: vec![],
        };
        // Meanwhile the reporter writes.
        cli(
            &[
                "report",
                "follow-up",
                "--server",
                &server.base,
                "--send-stdin",
            ],
            Some(&format!("{receipt}\nNoch etwas")),
        );
        // Opening the case only to re-encrypt it leaves the message new to the officer.
        let token = login(&server, "demo", DEMO_IDENTITY);
        let path = format!("/v1/desk/cases/{id}?read=false");
        let a = server.call("GET", "/v1/desk/cases/{case}", &path, None, Some(&token));
        assert_eq!(a.status, 200);
        assert_eq!(
            inbox(&server, &token, "all")[0]
                .messages
                .unread_from_reporter,
            1
        );
        // Over HTTP, the stale set of items is a changed case: reload and try again.
        let rewrap_path = format!("/v1/desk/cases/{id}/rewrap");
        let a = server.send(
            "POST",
            "/v1/desk/cases/{case}/rewrap",
            &rewrap_path,
            &meldestelle::protocol::desk::Rewrap {
                keyset_version: 1,
                ciphertext: B64.encode(ct()),
                attachments: vec![],
                messages: vec![],
            },
            Some(&token),
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (409, "case-changed"),
            "{}",
            a.body
        );
        let before = db.ciphertexts();
        let r = rewrap(&mut db.conn(), &id, &seen);
        assert!(matches!(r, Err(DbError::Conflict(_))), "{r:?}");
        // A stale key-set version is refused the same way.
        let stale = Rewrap {
            keyset_version: 0,
            ..seen
        };
        assert!(matches!(
            rewrap(&mut db.conn(), &id, &stale),
            Err(DbError::Conflict(_))
        ));
        assert_eq!(db.ciphertexts(), before, "nothing was swapped");
    }
}

/// The desk polls its inbox: an answer as it was is 304 without a body, and any change (a new
/// case, a reporter's message, an opening) changes the tag. `opened` says whether the asking
/// officer has opened a case; opening only to re-encrypt does not count.
#[test]
fn the_inbox_answers_304_when_nothing_changed_and_says_which_cases_are_new_to_the_officer() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (receipt, _) = submit(&server, "Erster Fall");
        let token = login(&server, "demo", DEMO_IDENTITY);
        let get = |tag: Option<&str>| {
            let mut req = client()
                .get(server.url("/v1/desk/cases?filter=all"))
                .bearer_auth(&token);
            if let Some(t) = tag {
                req = req.header("If-None-Match", t);
            }
            let resp = req.send().unwrap();
            let status = resp.status().as_u16();
            let tag = resp
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (status, tag, resp.text().unwrap())
        };
        let (status, tag, body) = get(None);
        assert_eq!(status, 200);
        let tag = tag.expect("an ETag");
        let first: Inbox = serde_json::from_str(&body).unwrap();
        assert!(!first.cases[0].opened, "a case nobody opened is new");
        let id = first.cases[0].id.to_string();
        let (status, again, body) = get(Some(&tag));
        assert_eq!(
            (status, again.as_deref(), body.as_str()),
            (304, Some(tag.as_str()), "")
        );
        // Opening only to re-encrypt leaves it new, and the answer as it was.
        let path = format!("/v1/desk/cases/{id}?read=false");
        assert_eq!(
            server
                .call("GET", "/v1/desk/cases/{case}", &path, None, Some(&token))
                .status,
            200
        );
        assert_eq!(get(Some(&tag)).0, 304);
        // A reporter's message changes it; so does opening the case.
        cli(
            &[
                "report",
                "follow-up",
                "--server",
                &server.base,
                "--send-stdin",
            ],
            Some(&format!("{receipt}\nNoch etwas")),
        );
        let (status, tag2, body) = get(Some(&tag));
        assert_eq!(status, 200);
        let tag2 = tag2.unwrap();
        assert_ne!(tag2, tag);
        let changed: Inbox = serde_json::from_str(&body).unwrap();
        assert_eq!(changed.cases[0].messages.unread_from_reporter, 1);
        let path = format!("/v1/desk/cases/{id}");
        assert_eq!(
            server
                .call("GET", "/v1/desk/cases/{case}", &path, None, Some(&token))
                .status,
            200
        );
        let (status, _, body) = get(Some(&tag2));
        assert_eq!(status, 200);
        let now: Inbox = serde_json::from_str(&body).unwrap();
        assert!(now.cases[0].opened);
        assert_eq!(now.cases[0].messages.unread_from_reporter, 0);
        // Another officer's view is their own: for them the case is still new.
        let dir = tempfile::tempdir().unwrap();
        let (other_key, rcpt) = keygen_file(dir.path(), "other.key");
        add_officer(&db.url, "demo", "Andere", &rcpt, &[]);
        let other = login(&server, "demo", other_key.as_str());
        assert!(!inbox(&server, &other, "all")[0].opened);
    }
}

/// After an officer joins, `desk rewrap --all` moves every case to the new key set a batch at a
/// time. The batch route refuses bad input whole and stores nothing; a case that changed since
/// it was read is left and named, while the others of the batch are swapped in.
#[test]
fn rewrap_all_moves_every_case_in_batches() {
    use meldestelle::protocol::desk::{CaseRewrap, RewrapBatch, RewrapBatchDone, RewrapPending};
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (receipt, _) = submit(&server, "Fall A");
        submit(&server, "Fall B");
        submit(&server, "Fall C");
        cli(
            &[
                "report",
                "follow-up",
                "--server",
                &server.base,
                "--send-stdin",
            ],
            Some(&format!("{receipt}\nNachtrag zu A")),
        );
        let dir = tempfile::tempdir().unwrap();
        let (new_key, rcpt) = keygen_file(dir.path(), "new.key");
        add_officer(&db.url, "demo", "Neu", &rcpt, &[]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let pending = |after: &str| -> RewrapPending {
            let a = server.call(
                "GET",
                "/v1/desk/rewrap",
                &format!("/v1/desk/rewrap?after={after}"),
                None,
                Some(&token),
            );
            assert_eq!(a.status, 200, "{}", a.body);
            a.parse()
        };
        let page = pending("");
        assert_eq!(
            (page.keyset_version, page.remaining, page.cases.len()),
            (2, 3, 3)
        );
        let a = page.cases.iter().find(|c| !c.messages.is_empty()).unwrap();
        let b = page.cases.iter().find(|c| c.messages.is_empty()).unwrap();
        let office = server.office("demo");
        let sealed = |reply: &str| {
            let mut to = office.recipients.clone();
            to.push(reply.to_owned());
            B64.encode(meldestelle::crypto::encrypt(&[b' '; 1024], &to).unwrap())
        };
        let case =
            |c: &meldestelle::protocol::desk::PendingRewrap, ciphertext: String| CaseRewrap {
                id: c.id.clone(),
                ciphertext,
                attachments: vec![],
                messages: vec![],
            };
        let post = |batch: &RewrapBatch| {
            server.send(
                "POST",
                "/v1/desk/rewrap",
                "/v1/desk/rewrap",
                batch,
                Some(&token),
            )
        };
        let before = db.ciphertexts();
        // A case of no office, a malformed ciphertext, a stale key set, no case: refused whole.
        let mut unknown = case(b, sealed(&b.reply_recipient));
        unknown.id = "0".repeat(32).into();
        for (batch, status, problem) in [
            (
                vec![case(b, sealed(&b.reply_recipient)), unknown],
                404,
                "unknown-case",
            ),
            (
                vec![
                    case(b, sealed(&b.reply_recipient)),
                    case(a, B64.encode(b"not age")),
                ],
                400,
                "not-age",
            ),
            (vec![], 400, "invalid-request"),
        ] {
            let r = post(&RewrapBatch {
                keyset_version: 2,
                cases: batch,
            });
            assert_eq!(
                (r.status, r.problem().as_str()),
                (status, problem),
                "{}",
                r.body
            );
        }
        let r = post(&RewrapBatch {
            keyset_version: 1,
            cases: vec![case(b, sealed(&b.reply_recipient))],
        });
        assert_eq!(
            (r.status, r.problem().as_str()),
            (409, "stale-keyset"),
            "{}",
            r.body
        );
        assert_eq!(db.ciphertexts(), before, "a refused batch stores nothing");
        // Case A is sent without its message (as if it arrived after the read): A is left and
        // named, B is swapped in.
        let r = post(&RewrapBatch {
            keyset_version: 2,
            cases: vec![
                case(a, sealed(&a.reply_recipient)),
                case(b, sealed(&b.reply_recipient)),
            ],
        });
        assert_eq!(r.status, 200, "{}", r.body);
        let done: RewrapBatchDone = r.parse();
        assert_eq!(
            (done.rewrapped, done.changed),
            (vec![b.id.clone()], vec![a.id.clone()])
        );
        assert_eq!(pending("").remaining, 2);
        // The CLI does the rest, and the new officer reads every case.
        let out = desk(&server, &["rewrap", "--all"], None);
        assert!(out.contains("2 cases re-encrypted to key set v2"), "{out}");
        assert_eq!(pending("").remaining, 0);
        let opened = desk_as(&server, new_key.as_str(), &["open", a.id.as_str()], None);
        let text = String::from_utf8_lossy(&opened.stdout);
        assert!(
            text.contains("Fall A") && text.contains("Nachtrag zu A"),
            "{text}"
        );
    }
}

/// `desk open` shows every field of the report and every item it can decrypt, marking the
/// ones it cannot; `desk attachments` saves the attachments under their names, unpadded.
#[test]
fn desk_open_shows_everything_and_saves_attachments() {
    use meldestelle::crypto::{self, padding};
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let office = server.office("demo");
    let rcpts = office.recipients.clone();
    let photo = b"\x89PNG not really a picture".to_vec();
    let pdf = b"%PDF-1.4 a letter".to_vec();
    let mut doc = Document::report("Der Vorfall");
    doc.lang = Some("de".into());
    doc.when = Some("Anfang November".into());
    doc.place = Some("Bürgeramt Mitte".into());
    doc.attachments = vec![
        AttachmentMeta {
            index: 0,
            name: Some("../../foto.png".into()),
            media_type: Some("image/png".into()),
            size: Some(photo.len() as u64),
        },
        AttachmentMeta {
            index: 1,
            name: Some("brief.pdf".into()),
            media_type: Some("application/pdf".into()),
            size: Some(pdf.len() as u64),
        },
    ];
    // The attachments are their own age files, padded with zero bytes, for the office only.
    let seal = |bytes: Vec<u8>, to: &[String]| {
        let padded = padding::pad(bytes, &padding::Buckets::new(1 << 20), 0).unwrap();
        B64.encode(crypto::encrypt(&padded, to).unwrap())
    };
    let (mut body, _receipt) = meldestelle::client::submission(&office, &doc).unwrap();
    body.attachments = vec![seal(photo.clone(), &rcpts), seal(pdf.clone(), &rcpts)];
    assert_eq!(
        server
            .send("POST", "/v1/reports", "/v1/reports", &body, None)
            .status,
        201
    );
    let token = login(&server, "demo", DEMO_IDENTITY);
    let id = inbox(&server, &token, "all")[0].id.to_string();
    // A note encrypted to someone else's key: the right shape, but the office cannot read it.
    let stranger = crypto::keygen().1;
    let notes = format!("/v1/desk/cases/{id}/notes");
    let a = server.send(
        "POST",
        "/v1/desk/cases/{case}/notes",
        &notes,
        &NewMessage {
            ciphertext: meldestelle::client::seal_document(
                &Document::new("note", "?"),
                &[stranger],
                office.padding.max_plaintext,
            )
            .unwrap(),
            keyset_version: 1,
        },
        Some(&token),
    );
    assert_eq!(a.status, 201);
    desk(&server, &["note", &id], Some("Lesbare Notiz danach"));

    let opened = desk(&server, &["open", &id], None);
    for want in [
        "when: Anfang November",
        "where: Bürgeramt Mitte",
        "language: de",
        "Der Vorfall",
        "attachment 1: ../../foto.png (image/png",
        "cannot be decrypted",
        "Lesbare Notiz danach",
    ] {
        assert!(opened.contains(want), "{want}: {opened}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = desk(
        &server,
        &["attachments", &id, "-o", dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(
        std::fs::read(dir.path().join("foto.png")).unwrap(),
        photo,
        "{out}"
    );
    assert_eq!(std::fs::read(dir.path().join("brief.pdf")).unwrap(), pdf);
    assert!(!dir.path().parent().unwrap().join("foto.png").exists());
}

/// Account and key-set changes are in the audit log; a checkpoint kept outside the database
/// (shown at login, printed by `audit head`) detects a truncated or recomputed log.
#[test]
fn audit_records_account_changes_and_a_checkpoint_detects_truncation_and_rewriting() {
    use meldestelle::domain::audit;
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (_, rcpt) = meldestelle::crypto::keygen();
        add_officer(&db.url, "demo", "Zweite", &rcpt, &[]);
        cli(
            &[
                "office",
                "remove-officer",
                "--office",
                "demo",
                "--officer",
                &rcpt,
                "--database-url",
                &db.url,
            ],
            None,
        );
        cli(
            &[
                "analyst",
                "add",
                "--name",
                "A",
                "--recipient",
                &rcpt,
                "--all-offices",
                "--database-url",
                &db.url,
            ],
            None,
        );
        let actions: Vec<(String, String)> = meldestelle::db::desk::audit_entries(&mut db.conn())
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action))
            .collect();
        let want = [
            ("system:demo", "office:add"),
            ("system:demo", "officer:add"),
            ("admin:cli", "officer:add"),
            ("admin:cli", "officer:remove"),
            ("admin:cli", "analyst:add"),
        ];
        assert_eq!(
            actions,
            want.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>(),
            "{}",
            db.name
        );

        // The login shows the head; it equals what `audit head` prints.
        let ch: Challenge =
            desk_challenge(&server, meldestelle::domain::office::DEMO_RECIPIENT).parse();
        let secret =
            meldestelle::crypto::decrypt(&B64.decode(&ch.challenge).unwrap(), &demo_identities())
                .unwrap();
        let s = desk_session(&server, &ch, &String::from_utf8(secret).unwrap());
        let shown = s.parse::<OfficerSession>().audit_head.unwrap();
        let head = cli(&["audit", "head", "--database-url", &db.url], None)
            .trim()
            .to_owned();
        assert_eq!(shown, head);
        assert!(head.starts_with("6:"), "{head}");
        let verify = |since: &str| {
            cli_output(
                &[
                    "audit",
                    "verify",
                    "--since",
                    since,
                    "--database-url",
                    &db.url,
                ],
                None,
            )
        };
        assert!(verify(&head).status.success());

        // Truncation: the newest entry removed. The chain alone still verifies.
        let entries = meldestelle::db::desk::audit_entries(&mut db.conn()).unwrap();
        db.exec("DELETE FROM audit_log WHERE seq = 6");
        assert!(
            cli_output(&["audit", "verify", "--database-url", &db.url], None)
                .status
                .success()
        );
        let out = verify(&head);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("truncated"),
            "{out:?}"
        );

        // Rewriting: entry 3 changed and every hash after it recomputed.
        let cp3 = audit::Checkpoint {
            seq: 3,
            hash: entries[2].hash.clone(),
        };
        let mut prev = entries[1].hash.clone();
        for e in &entries[2..5] {
            let action = if e.seq == 3 {
                "officer:remove"
            } else {
                e.action.as_str()
            };
            let h = audit::entry_hash(
                &prev,
                e.seq,
                &e.office,
                &e.actor,
                action,
                e.subject.as_deref(),
                e.at,
            );
            db.exec(&format!(
                "UPDATE audit_log SET action = '{action}', prev_hash = {}, hash = {} WHERE seq = {}",
                sql_bytes(&db, &prev), sql_bytes(&db, &h), e.seq
            ));
            prev = h.to_vec();
        }
        assert!(
            cli_output(&["audit", "verify", "--database-url", &db.url], None)
                .status
                .success(),
            "recomputed chain"
        );
        let out = verify(&cp3.to_string());
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("rewritten"),
            "{out:?}"
        );
    }
}

fn sql_bytes(db: &TestDb, b: &[u8]) -> String {
    if db.name == "postgres" {
        format!("'\\x{}'::bytea", hex::encode(b))
    } else {
        format!("X'{}'", hex::encode(b))
    }
}

/// The CLI says in words why something failed and for which office and officer.
#[test]
fn cli_errors_are_plain_words() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let dir = tempfile::tempdir().unwrap();
    let (stranger, rcpt) = keygen_file(dir.path(), "s.key");
    let out = desk_as(&server, &stranger, &["inbox"], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("office 'demo'")
            && err.contains(&rcpt)
            && err.contains("not an active officer"),
        "{err}"
    );
    assert!(!err.contains("No matching keys"), "{err}");
    let out = desk_as(
        &server,
        DEMO_IDENTITY,
        &["open", "6f1c8d2e-0000-4000-8000-000000000000"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("404 unknown-case") && err.contains("No such case"),
        "{err}"
    );
    assert!(
        !err.contains("urn:meldestelle") && !err.contains('{'),
        "{err}"
    );
}
