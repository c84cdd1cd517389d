//! Officers join through the browser desk: invitation links, enrollment with a key made in the
//! browser (optionally wrapped to a passkey), the desk's own pages, and its link in the mails.
//! On both databases.

use std::collections::HashSet;
use std::time::Duration;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::*;
use base64::Engine;
use meldestelle::protocol::enroll::{
    EnrollRequest, Enrolled, Invitation, InvitationRequest, Passkey, Passkeys, PasskeysRequest,
};
use meldestelle::protocol::ids::InvitationToken;
use meldestelle::protocol::login::{AnalystChallengeRequest, OfficerChallengeRequest};
use serde::Serialize;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Makes an invitation with the CLI (shared flags after the subcommand) and returns its token.
fn invite(db_url: &str, desk_url: &str, name: &str) -> String {
    let out = cli(
        &[
            "office",
            "invite",
            "--office",
            "demo",
            "--name",
            name,
            "--email",
            "erika@example.org",
            "--database-url",
            db_url,
            "--desk-url",
            desk_url,
        ],
        None,
    );
    let link = out.trim();
    assert!(link.starts_with(&format!("{desk_url}#invite=")), "{out}");
    link.rsplit_once("#invite=").unwrap().1.to_owned()
}

/// Wraps the file key the way the browser's WebAuthnRecipient does (a fido2prf stanza with a
/// 16-byte nonce); nobody can open it, which is all the server may assume anyway.
struct FakePasskey;

impl age::Recipient for FakePasskey {
    fn wrap_file_key(
        &self,
        _: &age_core::format::FileKey,
    ) -> Result<(Vec<age_core::format::Stanza>, HashSet<String>), age::EncryptError> {
        let stanza = age_core::format::Stanza {
            tag: "age-encryption.org/fido2prf".into(),
            args: vec!["AAAAAAAAAAAAAAAAAAAAAA".into()],
            body: vec![7; 32],
        };
        Ok((vec![stanza], HashSet::new()))
    }
}

fn passkey_wrapped(secret: &str) -> String {
    let enc = age::Encryptor::with_recipients(std::iter::once(&FakePasskey as &dyn age::Recipient))
        .unwrap();
    let mut out = vec![];
    let mut w = enc.wrap_output(&mut out).unwrap();
    std::io::Write::write_all(&mut w, secret.as_bytes()).unwrap();
    w.finish().unwrap();
    B64.encode(out)
}

const CREDENTIAL: &str = "AGE-PLUGIN-FIDO2PRF-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQ9NHDXZ";

fn post<B: Serialize>(server: &Server, path: &str, body: &B) -> Answer {
    server.send("POST", path, path, body, None)
}

fn invitation(token: &str) -> InvitationRequest {
    InvitationRequest {
        token: InvitationToken::new(token),
    }
}

/// An enrollment without a passkey.
fn enrollment(token: &str, recipient: &str) -> EnrollRequest {
    EnrollRequest {
        token: InvitationToken::new(token),
        recipient: recipient.to_owned(),
        passkey: None,
    }
}

fn with_passkey(token: &str, recipient: &str, credential: &str, wrapped: &str) -> EnrollRequest {
    EnrollRequest {
        passkey: Some(Passkey {
            credential: credential.to_owned(),
            wrapped: wrapped.to_owned(),
        }),
        ..enrollment(token, recipient)
    }
}

fn demo_passkeys() -> PasskeysRequest {
    PasskeysRequest {
        office: "demo".into(),
    }
}

fn officers(db: &TestDb) -> i64 {
    db.count("officers")
}

#[test]
fn an_invitation_enrolls_one_officer_once() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let token = invite(&db.url, &server.url("/desk"), "Erika Muster");
        assert_eq!(db.count("invitations"), 1);
        let before = officers(&db);

        // The link says what it is for.
        let a = post(&server, "/v1/desk/invitation", &invitation(&token));
        assert_eq!(a.status, 200, "{}", a.body);
        let v: Invitation = a.parse();
        assert_eq!(
            (v.office.as_str(), v.display_name.as_str()),
            ("demo", "Erika Muster")
        );

        // A wrong or malformed link.
        for bad in ["", "zz", &"0".repeat(64), &format!("{token}00")] {
            let a = post(&server, "/v1/desk/invitation", &invitation(bad));
            assert_eq!(
                (a.status, a.problem().as_str()),
                (404, "invalid-invitation")
            );
        }

        // Bad enrollments are refused and change nothing; the invitation stays usable.
        let (secret, recipient) = meldestelle::crypto::keygen();
        let x25519_file = B64
            .encode(meldestelle::crypto::encrypt(b"x", std::slice::from_ref(&recipient)).unwrap());
        for (body, problem) in [
            (enrollment(&token, "age1notarecipient"), "invalid-request"),
            (enrollment(&token, &plugin_recipient()), "invalid-request"),
            (
                with_passkey(&token, &recipient, "nope", &passkey_wrapped(&secret)),
                "invalid-request",
            ),
            (
                with_passkey(&token, &recipient, CREDENTIAL, &x25519_file),
                "invalid-request",
            ),
            (
                with_passkey(&token, &recipient, CREDENTIAL, "not base64!"),
                "invalid-request",
            ),
            (
                enrollment(&"f".repeat(64), &recipient),
                "invalid-invitation",
            ),
        ] {
            let a = post(&server, "/v1/desk/enroll", &body);
            let shown = (&body.recipient, &body.passkey);
            assert_eq!(a.problem(), problem, "{shown:?}: {}", a.body);
            assert_eq!(officers(&db), before);
            assert_eq!(db.count("passkeys"), 0);
        }

        // The real enrollment: a new officer, a new key-set version, the wrapped key kept.
        let old_version = post(&server, "/v1/desk/passkeys", &demo_passkeys());
        assert_eq!(
            old_version.parse::<Passkeys>().passkeys,
            Vec::<Passkey>::new()
        );
        let wrapped = passkey_wrapped(&secret);
        let a = post(
            &server,
            "/v1/desk/enroll",
            &with_passkey(&token, &recipient, CREDENTIAL, &wrapped),
        );
        assert_eq!(a.status, 201, "{}", a.body);
        let enrolled: Enrolled = a.parse();
        assert_eq!(enrolled.keyset_version, 2);
        assert_eq!(enrolled.officer.display_name, "Erika Muster");
        assert_eq!(officers(&db), before + 1);
        let office = server.office("demo");
        assert!(office.recipients.contains(&recipient));

        // Another browser gets the wrapped key back (and nobody but the passkey opens it).
        let a = post(&server, "/v1/desk/passkeys", &demo_passkeys());
        assert_eq!(
            a.parse::<Passkeys>().passkeys,
            vec![Passkey {
                credential: CREDENTIAL.into(),
                wrapped: wrapped.clone()
            }]
        );
        let a = post(
            &server,
            "/v1/desk/passkeys",
            &PasskeysRequest {
                office: "no-such-office".into(),
            },
        );
        assert_eq!(
            (a.status, a.parse::<Passkeys>().passkeys),
            (200, Vec::<Passkey>::new())
        );

        // The enrolled key logs in like any officer's.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("erika.key");
        std::fs::write(&file, format!("# public key: {recipient}\n{secret}\n")).unwrap();
        let token_b = login(&server, "demo", file.to_str().unwrap());
        assert_eq!(token_b.len(), 64);

        // Once only.
        let (_, other) = meldestelle::crypto::keygen();
        for path in ["/v1/desk/invitation", "/v1/desk/enroll"] {
            let a = if path.ends_with("invitation") {
                post(&server, path, &invitation(&token))
            } else {
                post(&server, path, &enrollment(&token, &other))
            };
            assert_eq!(
                (a.status, a.problem().as_str()),
                (410, "invitation-used"),
                "{path}"
            );
        }
        assert_eq!(officers(&db), before + 1);

        // The enrollment is in the audit log, and the chain holds.
        let audit = cli(&["audit", "verify", "--database-url", &db.url], None);
        assert!(audit.contains("intact"), "{audit}");
        {
            use diesel::prelude::*;
            use meldestelle::db::schema::audit_log;
            let actors: Vec<String> = audit_log::table
                .filter(audit_log::action.eq("enroll"))
                .select(audit_log::actor)
                .load(&mut db.conn())
                .unwrap();
            assert_eq!(actors, vec![enrolled.officer.id.to_string()]);
        }

        // A removed officer's wrapped key is no longer handed out.
        cli(
            &[
                "office",
                "remove-officer",
                "--office",
                "demo",
                "--officer",
                &recipient,
                "--database-url",
                &db.url,
            ],
            None,
        );
        let a = post(&server, "/v1/desk/passkeys", &demo_passkeys());
        assert_eq!(a.parse::<Passkeys>().passkeys, Vec::<Passkey>::new());
        assert!(!server.log_text().contains(&token));

        // Retention forgets used invitations, with the name and address they carried.
        let open = invite(&db.url, &server.url("/desk"), "Noch Offen");
        cli(
            &[
                "jobs",
                "run",
                "--job",
                "retention",
                "--database-url",
                &db.url,
            ],
            None,
        );
        assert_eq!(db.count("invitations"), 1, "only the unused one stays");
        let a = post(&server, "/v1/desk/invitation", &invitation(&open));
        assert_eq!(a.status, 200);
    }
}

#[test]
fn the_desk_page_is_served_with_the_strict_headers() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--desk-idle-secs", "120"]);
    let resp = client().get(server.url("/desk")).send().unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self';"),
        "{csp}"
    );
    assert!(resp.headers().get("set-cookie").is_none());
    let html = resp.text().unwrap();
    assert!(
        html.contains("/assets/desk.js"),
        "the built desk page: {html}"
    );
    let cfg: Value = client()
        .get(server.url("/desk/config.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    // The page's config file as it is, every field: not an API answer with a wire type.
    assert_eq!(cfg, json!({"api": "", "idle_secs": 120}));
}

#[test]
fn only_the_configured_desk_origin_may_call_the_api() {
    let db = TestDb::sqlite();
    let origin = "http://127.0.0.1:8090";
    let server = Server::start(&db, &["--desk-origin", origin]);
    let c = client();
    let pre = c
        .request(reqwest::Method::OPTIONS, server.url("/v1/desk/cases"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], origin);
    assert!(pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));
    let get = c
        .get(server.url("/v1/offices/demo"))
        .header("Origin", origin)
        .send()
        .unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], origin);
    for other in ["http://evil.example", "http://127.0.0.1:8091"] {
        let r = c
            .get(server.url("/v1/offices/demo"))
            .header("Origin", other)
            .send()
            .unwrap();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{other}"
        );
        let r = c
            .request(reqwest::Method::OPTIONS, server.url("/v1/desk/cases"))
            .header("Origin", other)
            .send()
            .unwrap();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{other}"
        );
    }
    // Without --desk-origin nobody gets in.
    let plain = Server::start(&db, &[]);
    let r = c
        .get(plain.url("/v1/offices/demo"))
        .header("Origin", origin)
        .send()
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn desk_ui_serves_the_desk_on_loopback_against_the_remote_api() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(BIN)
        .args([
            "desk",
            "--server",
            &server.base,
            "ui",
            "--bind",
            &bind,
            "--idle-secs",
            "60",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let local = format!("http://{bind}");
    let mut page = None;
    eventually("desk ui answers", Duration::from_secs(20), || {
        page = client().get(format!("{local}/desk")).send().ok();
        page.is_some()
    });
    let page = page.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("connect-src 'self' {};", server.base)),
        "{csp}"
    );
    let cfg: Value = client()
        .get(format!("{local}/desk/config.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    // The page's config file as it is, every field: not an API answer with a wire type.
    assert_eq!(cfg, json!({"api": server.base, "idle_secs": 60}));
    // Only pages: the API is not served here.
    assert_eq!(
        client()
            .get(format!("{local}/v1/offices/demo"))
            .send()
            .unwrap()
            .status(),
        404
    );
    let _ = child.kill();
    let _ = child.wait();

    let out = cli_output(
        &[
            "desk",
            "--server",
            &server.base,
            "ui",
            "--bind",
            "0.0.0.0:8099",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn the_link_in_a_notification_mail_opens_the_desk() {
    let db = TestDb::sqlite();
    let smtp = SmtpServer::start();
    let port = smtp.port.to_string();
    let server = Server::start(
        &db,
        &[
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--smtp-tls",
            "none",
            "--jobs-interval-secs",
            "1",
            "--notify-interval-secs",
            "3600",
        ],
    );
    let (_, recipient) = meldestelle::crypto::keygen();
    add_officer(
        &db.url,
        "demo",
        "Officer A",
        &recipient,
        &["--email", "a@example.org"],
    );
    cli(&["report", "--server", &server.base], Some("Ein Bericht"));
    eventually("the mail arrives", Duration::from_secs(30), || {
        smtp.count_to("a@example.org") == 1
    });
    let mail = smtp.mails().into_iter().next().unwrap();
    let link = mail
        .body()
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap()
        .to_owned();
    assert_eq!(link, server.url("/desk"), "{}", mail.body());
    let resp = client().get(&link).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().unwrap().contains("/assets/desk.js"));
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let token = login(&server, "demo", DEMO_IDENTITY);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = client()
            .get(server.url("/v1/desk/cases"))
            .header("Authorization", format!("{scheme} {token}"))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let r = client()
        .get(server.url("/v1/desk/cases"))
        .header("Authorization", format!("Basic {token}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// A well-formed recipient of the YubiKey plugin: the server must never run a plugin.
fn plugin_recipient() -> String {
    let hrp = bech32::Hrp::parse("age1yubikey").unwrap();
    bech32::encode::<bech32::Bech32>(hrp, &[2u8; 33]).unwrap()
}

#[test]
fn plugin_recipients_are_refused_at_registration_and_login() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let before = db.count("officers");
    let out = cli_output(
        &[
            "office",
            "add-officer",
            "--office",
            "demo",
            "--name",
            "Y",
            "--recipient",
            &plugin_recipient(),
            "--database-url",
            &db.url,
        ],
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("only X25519") && err.contains("plugin"),
        "{err}"
    );
    let out = cli_output(
        &[
            "analyst",
            "add",
            "--name",
            "Y",
            "--recipient",
            &plugin_recipient(),
            "--all-offices",
            "--database-url",
            &db.url,
        ],
        None,
    );
    assert!(!out.status.success());
    assert_eq!(db.count("officers"), before);
    assert_eq!(db.count("analysts"), 0);
    for path in ["/v1/desk/challenge", "/v1/analyst/challenge"] {
        let a = if path.contains("analyst") {
            post(
                &server,
                path,
                &AnalystChallengeRequest {
                    recipient: plugin_recipient(),
                },
            )
        } else {
            post(
                &server,
                path,
                &OfficerChallengeRequest {
                    office: "demo".into(),
                    recipient: plugin_recipient(),
                },
            )
        };
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "invalid-request"),
            "{path}: {}",
            a.body
        );
    }
    assert_eq!(db.count("challenges"), 0);
}

#[test]
fn migrate_says_what_it_did() {
    let db = TestDb::sqlite();
    let first = cli_output(&["migrate", "--database-url", &db.url], None);
    assert!(first.status.success());
    let text = String::from_utf8_lossy(&first.stderr);
    let migrations = std::fs::read_dir("migrations/sqlite").unwrap().count();
    assert!(text.contains(&format!("applied {migrations};")), "{text}");
    let again = cli_output(&["migrate", "--database-url", &db.url], None);
    assert!(String::from_utf8_lossy(&again.stderr).contains("none pending"));
}

/// A mistyped database path is an error, not a new empty database (only `serve` and
/// `migrate` create one).
#[test]
fn a_missing_database_is_refused_by_every_other_command() {
    let dir = tempfile::tempdir().unwrap();
    let typo = format!(
        "sqlite://{}",
        dir.path().join("meldestelle-typo.db").display()
    );
    for args in [
        vec!["audit", "verify"],
        vec!["office", "list"],
        vec!["office", "invite", "--office", "demo", "--name", "X"],
        vec!["analyst", "list"],
        vec!["stats", "alliance", "--period", "2025"],
        vec!["jobs", "run"],
    ] {
        let mut all = args.clone();
        all.extend(["--database-url", &typo]);
        let out = cli_output(&all, None);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no database at"), "{args:?}: {err}");
        assert!(
            !dir.path().join("meldestelle-typo.db").exists(),
            "{args:?} created it"
        );
    }
    cli(&["migrate", "--database-url", &typo], None);
    assert!(cli(&["audit", "verify", "--database-url", &typo], None).contains("intact: 0"));
}

#[test]
fn jobs_run_help_lists_what_the_jobs_read() {
    let help = cli(&["jobs", "run", "--help"], None);
    for shown in [
        "--database-url",
        "--smtp-host",
        "--desk-url",
        "--today",
        "--job",
    ] {
        assert!(help.contains(shown), "{shown}: {help}");
    }
    for hidden in [
        "--bind <",
        "--pow-bits <",
        "--web-dir <",
        "--stats-threshold <",
        "--desk-origin <",
    ] {
        assert!(!help.contains(hidden), "{hidden}: {help}");
    }
}
