//! Statistics end to end, on both databases: answers inside the ciphertext, the office's
//! quarterly contribution, frozen releases for analysts over HTTP and the CLI, and the leaks
//! a naive export had.

use crate::helpers::*;
use meldestelle::domain::case::Status;
use meldestelle::domain::stats::taxonomy::Answers;
use meldestelle::protocol::desk::StatusChange;
use meldestelle::protocol::stats::{
    Contribution, Contributions, QuarterState, ReleaseRequest, Released, Releases,
};
use serde::Serialize;
use serde_json::{json, Value};

/// A case the office received in `quarter` and its contributed record: the fixture of a
/// complete contribution (the case itself is never read).
fn insert_record(
    db: &TestDb,
    office: &str,
    quarter: &str,
    incident: &str,
    form: Option<&str>,
    area: Option<&str>,
) {
    insert_case(db, office, quarter);
    add_to_batch(
        db,
        office,
        quarter,
        Some(Answers {
            incident_type: Some(incident.into()),
            racism_form: form.map(str::to_owned),
            admin_area: area.map(str::to_owned),
            ..Answers::default()
        }),
    );
}

/// Adds a record to the office's sealed batch for the quarter, as a contribution would have
/// stored it (sealed to the test database's statistics key); with `None` only makes sure the
/// batch exists: an office's confirmation of a quarter without cases.
fn add_to_batch(db: &TestDb, office: &str, quarter: &str, record: Option<Answers>) {
    use meldestelle::crypto::stats_key::StatsKey;
    use meldestelle::domain::stats::contribution::Batch;
    let key = StatsKey::create(&db.stats_key()).expect("the statistics key");
    let pg = db.name == "postgres";
    let hex = sealed_hex(db);
    let blob = |h: &str| {
        if pg {
            format!("decode('{h}', 'hex')")
        } else {
            format!("X'{h}'")
        }
    };
    let mut records: Vec<Answers> = db
        .strings(&format!(
            "SELECT {hex} AS s FROM stats_batches WHERE office = '{office}' AND quarter = '{quarter}'"
        ))
        .first()
        .map(|h| {
            let plain = key.open(&hex::decode(h).unwrap()).unwrap();
            serde_json::from_slice::<Batch>(&plain).unwrap().records
        })
        .unwrap_or_default();
    records.extend(record);
    let batch = Batch {
        office: office.into(),
        quarter: quarter.into(),
        taxonomy_version: 1,
        records,
    };
    let sealed = key.seal(&serde_json::to_vec(&batch).unwrap()).unwrap();
    db.exec(&format!(
        "DELETE FROM stats_batches WHERE office = '{office}' AND quarter = '{quarter}'"
    ));
    db.exec(&format!(
        "INSERT INTO stats_batches (quarter, office, records, sealed) VALUES ('{quarter}', \
         '{office}', {}, {})",
        batch.records.len(),
        blob(&hex::encode(sealed))
    ));
}

/// Every office of the database confirms each quarter of `year` it has not sent yet (those
/// without cases).
fn confirm_the_rest(db: &TestDb, year: i32) {
    for office in db.strings("SELECT slug AS s FROM offices") {
        for q in 1..=4 {
            add_to_batch(db, &office, &format!("{year}-Q{q}"), None);
        }
    }
}

/// A case row only (its ciphertext is never read here).
fn insert_case(db: &TestDb, office: &str, quarter: &str) {
    let (y, n) = quarter.split_once("-Q").unwrap();
    let day = format!("{y}-{:02}-01", n.parse::<u32>().unwrap() * 3 - 2);
    let bytes = |hex: &str| {
        if db.name == "postgres" {
            format!("decode('{hex}', 'hex')")
        } else {
            format!("X'{hex}'")
        }
    };
    db.exec(&format!(
        "INSERT INTO reports (id, office, keyset_version, ciphertext, reply_recipient, lookup_hash, \
         status, received_on, ack_due, feedback_due) VALUES ('{}', '{office}', 1, {}, 'age1x', {}, \
         'received', '{day}', '{day}', '{day}')",
        uuid::Uuid::new_v4(),
        bytes("00"),
        bytes(&uuid::Uuid::new_v4().simple().to_string()),
    ));
}

/// The SQL that reads a batch's sealed bytes as hex on this backend.
fn sealed_hex(db: &TestDb) -> &'static str {
    if db.name == "postgres" {
        "encode(sealed, 'hex')"
    } else {
        "hex(sealed)"
    }
}

/// Every stored batch, opened with the test database's statistics key: (office, quarter,
/// records).
fn sealed_batches(db: &TestDb) -> Vec<(String, String, Vec<Answers>)> {
    use meldestelle::crypto::stats_key::StatsKey;
    use meldestelle::domain::stats::contribution::Batch;
    let key = StatsKey::load(&db.stats_key())
        .expect("read the statistics key")
        .expect("the statistics key exists");
    let hex = sealed_hex(db);
    db.strings(&format!(
        "SELECT {hex} AS s FROM stats_batches ORDER BY office, quarter"
    ))
    .into_iter()
    .map(|h| {
        let plain = key.open(&hex::decode(h).unwrap()).expect("open a batch");
        let b: Batch = serde_json::from_slice(&plain).unwrap();
        (b.office, b.quarter, b.records)
    })
    .collect()
}

fn table(server: &Server, token: &str, query: &str) -> Answer {
    server.call(
        "GET",
        "/v1/stats/tables",
        &format!("/v1/stats/tables?{query}"),
        None,
        Some(token),
    )
}

/// One office in a city with 40 reports, one in a small town with a single report of a rare
/// racism form: what a naive export would give away.
fn setup(db: &TestDb, dir: &std::path::Path) -> (String, String) {
    for (slug, name, muni, land, size) in [
        (
            "berlin-mitte",
            "Beschwerdestelle Mitte",
            "Berlin",
            "BE",
            "over_100k",
        ),
        (
            "kleinstadt",
            "Beschwerdestelle Kleinstadt",
            "Kleinstadt",
            "BB",
            "under_20k",
        ),
    ] {
        add_office(&db.url, slug, name, muni, land, size);
    }
    for i in 0..40 {
        let incident = ["verbal_degradation", "unequal_treatment", "threat", "other"][i % 4];
        let form = ["anti_black", "anti_muslim", "antisemitic"][i % 3];
        insert_record(
            db,
            "berlin-mitte",
            "2026-Q2",
            incident,
            Some(form),
            Some("citizen_services_public_order"),
        );
    }
    insert_record(
        db,
        "kleinstadt",
        "2026-Q3",
        "threat",
        Some("antigypsyist"),
        Some("social_youth_migration"),
    );
    // Each quarter without cases confirmed, as every office does.
    confirm_the_rest(db, 2026);
    let (all_key, all_rcpt) = keygen_file(dir, "alliance.key");
    let (small_key, small_rcpt) = keygen_file(dir, "small.key");
    cli(
        &[
            "analyst",
            "--database-url",
            &db.url,
            "add",
            "--name",
            "Allianz",
            "--recipient",
            &all_rcpt,
            "--all-offices",
        ],
        None,
    );
    cli(
        &[
            "analyst",
            "--database-url",
            &db.url,
            "add",
            "--name",
            "Nur Kleinstadt",
            "--recipient",
            &small_rcpt,
            "--office",
            "kleinstadt",
        ],
        None,
    );
    (all_key, small_key)
}

fn labels(v: &Value, row: &str) -> Value {
    let rows = v["rows"].as_array().unwrap();
    let i = rows
        .iter()
        .position(|r| r == row)
        .unwrap_or_else(|| panic!("no row {row} in {v}"));
    v["cells"][i][0].clone()
}

fn post<B: Serialize>(server: &Server, route: &str, body: &B, token: &str) -> Answer {
    server.send("POST", route, route, body, Some(token))
}

fn release(server: &Server, token: &str, period: &str) -> Answer {
    post(
        server,
        "/v1/stats/releases",
        &ReleaseRequest {
            period: period.to_owned(),
        },
        token,
    )
}

/// A contribution for `quarter` of these records.
fn contribution(quarter: &str, records: Vec<Answers>) -> Contribution {
    Contribution {
        quarter: quarter.to_owned(),
        records,
    }
}

fn stats_cli(db: &TestDb, today: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["stats", "--today", today, "--database-url", &db.url];
    all.extend_from_slice(args);
    cli_output(&all, None)
}

#[test]
fn analysts_get_frozen_releases_only_and_nothing_leaks() {
    for db in backends() {
        let dir = tempfile::tempdir().unwrap();
        // Noise on (R7): a frozen release still answers the same bytes every time.
        let server = Server::start(&db, &["--today", "2027-01-15", "--stats-epsilon", "1.0"]);
        let (all_key, small_key) = setup(&db, dir.path());
        let token = login_analyst(&server, &all_key);
        let small = login_analyst(&server, &small_key);

        // Nothing is computed on request: before a release there is nothing to fetch.
        let a = table(&server, &token, "period=2026&by=incident_type");
        assert_eq!((a.status, a.problem().as_str()), (404, "not-released"));
        // Only an analyst of the whole alliance releases; only an ended period (R6).
        let a = release(&server, &small, "2026");
        assert_eq!((a.status, a.problem().as_str()), (403, "not-granted"));
        let a = release(&server, &token, "2027");
        assert_eq!((a.status, a.problem().as_str()), (400, "period-not-ended"));
        let a = release(&server, &token, "last-30-days");
        assert_eq!((a.status, a.problem().as_str()), (400, "bad-period"));
        assert_eq!(db.count("stats_releases"), 0);

        let a = release(&server, &token, "2026");
        assert_eq!(a.status, 201, "{}", a.body);
        let released: Released = a.parse();
        // Every office contributed in full, the one without cases included.
        assert_eq!(released.offices, ["berlin-mitte", "demo", "kleinstadt"]);
        assert_eq!(released.rules["offices_not_contributed"], 0);
        assert_eq!(released.rules["threshold"], 5);
        // A release is made once, and a series is quarterly or yearly, never both (R6).
        let a = release(&server, &token, "2026");
        assert_eq!((a.status, a.problem().as_str()), (409, "already-released"));
        let a = release(&server, &token, "2026-Q3");
        assert_eq!((a.status, a.problem().as_str()), (409, "other-series"));

        // The single report of a rare racism form: suppressed, and the total does not give it
        // away.
        let forms = table(&server, &token, "period=2026&by=racism_form").json();
        assert_eq!(labels(&forms, "antigypsyist"), "suppressed");
        assert!(forms["suppressed"].as_u64().unwrap() >= 2, "{forms}");
        // An empty size class: no office is of middle size, which everyone knows. It is
        // published as 0 (a structural zero, not suppressed, so it forces nothing), and the
        // size classes with offices are hidden only because fewer than 3 offices are in each.
        // (A table is the release's stored JSON, read as it is: it has no wire type.)
        let sizes = table(&server, &token, "period=2026&by=size_class").json();
        assert_eq!(labels(&sizes, "20k_100k"), json!({"count": 0}), "{sizes}");
        assert_eq!(labels(&sizes, "over_100k"), "suppressed");
        assert_eq!(labels(&sizes, "under_20k"), "suppressed");
        // Averaging noise over many requests: every request gets the stored bytes.
        let first = table(
            &server,
            &token,
            "period=2026&by=incident_type,land&format=csv",
        )
        .body;
        for _ in 0..20 {
            let again = table(
                &server,
                &token,
                "period=2026&by=incident_type,land&format=csv",
            );
            assert_eq!(again.body, first);
        }
        // Axis order: the same stored table, whichever order the request names.
        let swapped = table(
            &server,
            &token,
            "period=2026&by=land,incident_type&format=csv",
        );
        assert_eq!(swapped.body, first);
        // Ad-hoc tables outside the release do not exist, so none can be subtracted from one
        // that does: the lone municipality, one office's figures with and without a filter.
        for q in [
            "period=2026&by=municipality",
            "period=2026&by=admin_area,setting",
            "period=2026&by=incident_type&office=kleinstadt",
        ] {
            let a = table(&server, &token, q);
            assert_eq!(
                (a.status, a.problem().as_str()),
                (404, "not-in-release"),
                "{q}"
            );
        }
        // Never crossed with a department or a location (R4).
        for by in ["admin_area,racism_form", "racism_form,land"] {
            let a = table(&server, &token, &format!("period=2026&by={by}"));
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "forbidden-crossing")
            );
        }
        // A scoped analyst gets exactly what everyone gets: no weaker rules for one office.
        let scoped = table(
            &server,
            &small,
            "period=2026&by=incident_type,land&format=csv",
        );
        assert_eq!(scoped.body, first);
        let a = table(
            &server,
            &small,
            "period=2026&by=incident_type&office=berlin-mitte",
        );
        assert_eq!((a.status, a.problem().as_str()), (403, "not-granted"));
        // On the whole-release routes as well, in every format: the alliance's tables and the
        // granted office's own, never another office's.
        let set = |token: &str, path: &str, route: &str| {
            let a = server.call("GET", route, path, None, Some(token));
            assert_eq!(a.status, 200, "{path}: {}", a.body);
            a.body
        };
        for (route, base) in [
            ("/v1/stats/releases/{period}", "/v1/stats/releases/2026?"),
            ("/v1/stats/alliance", "/v1/stats/alliance?period=2026&"),
        ] {
            let whole: Value =
                serde_json::from_str(&set(&token, &format!("{base}format=json"), route)).unwrap();
            let part: Value =
                serde_json::from_str(&set(&small, &format!("{base}format=json"), route)).unwrap();
            let offices = |v: &Value| -> Vec<Option<String>> {
                v["tables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["office"].as_str().map(str::to_owned))
                    .collect()
            };
            assert!(
                offices(&whole).contains(&Some("berlin-mitte".into())),
                "{whole}"
            );
            assert!(offices(&part)
                .iter()
                .all(|o| o.as_deref().is_none_or(|o| o == "kleinstadt")));
            let n = offices(&part).len();
            assert!(n > 0 && n < offices(&whole).len());
            let csv = set(&small, &format!("{base}format=csv"), route);
            assert_eq!(
                csv.lines().filter(|l| l.starts_with("# ")).count(),
                n,
                "{csv}"
            );
            let html = set(&small, &format!("{base}format=html"), route);
            assert_eq!(html.matches("<table").count(), n);
            let whole_html = set(&token, &format!("{base}format=html"), route);
            assert_eq!(whole_html.matches("<table").count(), offices(&whole).len());
            // The rules every table shares are printed once, and each table links to them.
            assert_eq!(whole_html.matches("R2: Sekundärsperrung").count(), 1);
            assert_eq!(whole_html.matches("id=\"regeln\"").count(), 1);
            assert_eq!(
                whole_html.matches("href=\"#regeln\"").count(),
                offices(&whole).len()
            );
            // An office's own table says whose it is in the CSV too.
            let whole_csv = set(&token, &format!("{base}format=csv"), route);
            assert!(
                whole_csv.contains("\n# Beschwerdestelle Mitte (berlin-mitte): incident_type\n"),
                "{whole_csv}"
            );
        }
        // The town is named nowhere in the whole release.
        for format in ["csv", "json", "html"] {
            let a = server.call(
                "GET",
                "/v1/stats/releases/{period}",
                &format!("/v1/stats/releases/2026?format={format}"),
                None,
                Some(&token),
            );
            assert_eq!(a.status, 200, "{}", a.body);
            // The list of contributing offices names every member, with or without cases;
            // no table does.
            let tables = a.body.split("Contributing offices").last().unwrap();
            let tables = tables.split_once("</section>").map_or(tables, |(_, t)| t);
            assert!(!tables.contains("Kleinstadt"), "{format}");
        }
        let page = server.call(
            "GET",
            "/v1/stats/alliance",
            "/v1/stats/alliance?period=2026",
            None,
            Some(&token),
        );
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<svg") && !page.body.contains("<script"));
        // The page renders under the server's own policy: its one <style> is allowed by hash,
        // and nothing else is.
        let raw = reqwest::blocking::Client::new()
            .get(server.url("/v1/stats/releases/2026?format=html"))
            .bearer_auth(&token)
            .send()
            .unwrap();
        let csp = raw.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let html = raw.text().unwrap();
        let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
        assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
        assert!(
            csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(!html.contains(" style=\""), "no inline style attributes");
        let list = server.call(
            "GET",
            "/v1/stats/releases",
            "/v1/stats/releases",
            None,
            Some(&small),
        );
        assert_eq!(list.parse::<Releases>().releases[0].period, "2026");

        // Officers' and analysts' tokens do not cross.
        let desk = server.call(
            "GET",
            "/v1/desk/cases",
            "/v1/desk/cases",
            None,
            Some(&token),
        );
        assert_eq!(
            (desk.status, desk.problem().as_str()),
            (401, "invalid-token")
        );

        // The CLI serves the same frozen bytes.
        let out = stats_cli(
            &db,
            "2027-01-15",
            &[
                "export",
                "--period",
                "2026",
                "--by",
                "incident_type,land",
                "--format",
                "csv",
            ],
        );
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), first);
        let out = stats_cli(&db, "2027-01-15", &["alliance", "--period", "2026"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), page.body);
        let out = stats_cli(&db, "2027-01-15", &["release", "--period", "2026"]);
        assert!(!out.status.success(), "released twice");
    }
}

/// Submits a report through the reference client, with answers inside the ciphertext.
fn report_with(server: &Server, stats: Option<&str>) {
    let mut args = vec!["report", "--server", &server.base, "--json"];
    if let Some(s) = stats {
        args.extend(["--stats", s]);
    }
    cli(&args, Some("Ein Bericht"));
}

/// The reference client checks the answers against the taxonomy before it sends anything, as
/// the server checks a contribution: a value or a field outside it is refused, in words.
#[test]
fn the_reference_client_refuses_answers_outside_the_taxonomy_and_sends_nothing() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    for (stats, says) in [
        (
            r#"{"incident_type":"made_up"}"#,
            "'made_up' is not a value of 'incident_type'",
        ),
        (r#"{"colour":"blue"}"#, "unknown field `colour`"),
        (
            r#"{"taxonomy_version":99}"#,
            "taxonomy version 99 is not known",
        ),
    ] {
        let out = cli_output(
            &["report", "--server", &server.base, "--stats", stats],
            Some("Ein Bericht"),
        );
        assert!(!out.status.success(), "{stats}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--stats") && err.contains(says),
            "{stats}: {err}"
        );
    }
    assert_eq!(db.count("reports"), 0);
}

#[test]
fn answers_travel_encrypted_and_reach_the_statistics_only_per_quarter() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-05-02"]);
        report_with(
            &server,
            Some(r#"{"incident_type":"threat","reporter_role":"witness"}"#),
        );
        report_with(&server, Some(r#"{"setting":"public_contact"}"#));
        report_with(&server, None);
        // The answers are inside the ciphertext: no record, and no answer in plain text.
        assert_eq!(db.count("stats_batches"), 0);
        let text = db.all_text();
        for word in ["witness", "public_contact", "77697474657373" /* hex */] {
            assert!(!text.contains(word), "{word} in the database");
        }
        // The officer's classification is case content too: an encrypted note.
        let first = db.strings("SELECT id AS s FROM reports ORDER BY id")[0].clone();
        let out = desk_as(
            &server,
            DEMO_IDENTITY,
            &[
                "status",
                &first,
                "acknowledged",
                "--classification",
                r#"{"incident_type":"verbal_degradation","racism_form":"anti_black"}"#,
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!db.all_text().contains("anti_black"));
        // Old clients that send a classification in plain text fail loudly.
        let bad = server.send(
            "POST",
            "/v1/desk/cases/{case}/status",
            &format!("/v1/desk/cases/{first}/status"),
            &StatusChange {
                status: Status::InProgress,
                classification: Some(json!({"incident_type": "threat"})),
            },
            Some(&login(&server, "demo", DEMO_IDENTITY)),
        );
        assert_eq!(
            (bad.status, bad.problem().as_str()),
            (400, "stats-in-plaintext")
        );
        // Not before the quarter has ended.
        let out = desk_as(
            &server,
            DEMO_IDENTITY,
            &["stats", "contribute", "--quarter", "2026-Q2"],
            None,
        );
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("not ended"));
        drop(server);

        let server = Server::start(&db, &["--today", "2026-07-02"]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let status = server.call(
            "GET",
            "/v1/desk/stats/contributions",
            "/v1/desk/stats/contributions",
            None,
            Some(&token),
        );
        let listed = status.parse::<Contributions>();
        assert_eq!(
            listed.quarters[0],
            QuarterState {
                quarter: "2026-Q2".into(),
                cases: 3,
                contributed: 0,
                confirmed: false,
                frozen: false
            }
        );
        // The quarter running now is shown too, with its cases so far and when it can go.
        assert_eq!(
            (listed.current.quarter.as_str(), listed.current.cases),
            ("2026-Q3", 0)
        );
        assert_eq!(listed.current.contribute_from.to_string(), "2026-10-01");
        // A batch that is not exactly one record per case is refused, and changes nothing.
        for n in [2, 4] {
            let a = post(
                &server,
                "/v1/desk/stats/contributions",
                &contribution("2026-Q2", vec![Answers::default(); n]),
                &token,
            );
            assert_eq!(
                (a.status, a.problem().as_str()),
                (409, "contribution-count")
            );
            // The problem's own field, read from the problem+json body.
            assert_eq!(a.json()["expected"], 3);
        }
        let invented = Answers {
            incident_type: Some("invented".into()),
            ..Answers::default()
        };
        let a = post(
            &server,
            "/v1/desk/stats/contributions",
            &contribution(
                "2026-Q2",
                vec![invented, Answers::default(), Answers::default()],
            ),
            &token,
        );
        assert_eq!(
            (a.status, a.problem().as_str()),
            (400, "unknown-taxonomy-value")
        );
        assert_eq!(db.count("stats_batches"), 0);

        // The office's client decrypts, merges and sends the quarter; a second run replaces it.
        for _ in 0..2 {
            assert!(contribute(&server, "2026-Q2").contains("contributed 3 record(s)"));
        }
        assert_eq!(db.count("stats_batches"), 1);
        // One record per case; the officer's classification wins over the reporter's answer.
        let batches = sealed_batches(&db);
        assert_eq!(batches.len(), 1);
        let (office, quarter, records) = &batches[0];
        assert_eq!((office.as_str(), quarter.as_str()), ("demo", "2026-Q2"));
        let mut rows: Vec<String> = records
            .iter()
            .map(|a| {
                let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                format!(
                    "{}/{}/{}/{}/{quarter}",
                    f(&a.incident_type),
                    f(&a.racism_form),
                    f(&a.reporter_role),
                    f(&a.setting)
                )
            })
            .collect();
        rows.sort();
        let first_had_threat = rows
            .iter()
            .any(|r| r.starts_with("verbal_degradation/anti_black/witness"));
        assert!(
            first_had_threat
                || rows
                    .iter()
                    .any(|r| r.starts_with("verbal_degradation/anti_black/-")),
            "{rows:?}"
        );
        assert!(rows.iter().all(|r| r.ends_with("/2026-Q2")), "{rows:?}");
        assert!(
            rows.iter().any(|r| r.contains("public_contact")),
            "{rows:?}"
        );
        // Nothing pairs the batch with a case: on PostgreSQL no shared transaction id.
        if db.name == "postgres" {
            let cases = db.strings(
                "SELECT xmin::text AS s FROM reports UNION SELECT xmin::text FROM messages",
            );
            for x in db.strings("SELECT xmin::text AS s FROM stats_batches") {
                assert!(!cases.contains(&x), "xmin {x} shared with a case");
            }
        }
        let status = server.call(
            "GET",
            "/v1/desk/stats/contributions",
            "/v1/desk/stats/contributions",
            None,
            Some(&token),
        );
        assert_eq!(status.parse::<Contributions>().quarters[0].contributed, 3);

        // Once the period is released, it is frozen: a late contribution changes nothing.
        drop(server);
        let out = stats_cli(&db, "2026-07-02", &["release", "--period", "2026-Q2"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = Server::start(&db, &["--today", "2026-07-03"]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let a = post(
            &server,
            "/v1/desk/stats/contributions",
            &contribution("2026-Q2", vec![Answers::default(); 3]),
            &token,
        );
        assert_eq!((a.status, a.problem().as_str()), (409, "period-frozen"));
        assert_eq!(sealed_batches(&db)[0].2.len(), 3);
    }
}

/// The attack of #28: an office contributes a quarter, classifies one more case and contributes
/// again; a copy of the database taken afterwards (SQLite: the running server's file and -wal;
/// PostgreSQL: the table files, dead tuples included) must not hold the earlier batch's records,
/// or the one record that differs names that reporter's answers. Sealed to the statistics key,
/// which is not in the database, neither batch is readable there.
#[test]
fn a_replaced_batch_leaves_nothing_readable_in_a_copy_of_the_database() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-05-02"]);
        report_with(&server, Some(r#"{"incident_type":"physical_attack"}"#));
        report_with(&server, None);
        drop(server);
        let server = Server::start(&db, &["--today", "2026-07-02"]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let record = |incident: &str, setting: &str| Answers {
            incident_type: Some(incident.into()),
            setting: Some(setting.into()),
            ..Answers::default()
        };
        let first = vec![
            record("physical_attack", "public_contact"),
            Answers::default(),
        ];
        let second = vec![
            record("physical_attack", "public_contact"),
            record("property_damage", "digital"),
        ];
        for batch in [first, second.clone()] {
            let a = post(
                &server,
                "/v1/desk/stats/contributions",
                &contribution("2026-Q2", batch),
                &token,
            );
            assert_eq!(a.status, 201, "{}", a.body);
        }
        let copy = db.file_bytes();
        assert!(!copy.is_empty());
        for value in [
            "physical_attack",
            "property_damage",
            "public_contact",
            "digital",
        ] {
            assert!(
                !copy.windows(value.len()).any(|w| w == value.as_bytes()),
                "{}: '{value}' is readable in a copy of the database",
                db.name
            );
        }
        // The office's current batch is what counts, opened with the key outside the database.
        let mut stored = sealed_batches(&db).remove(0).2;
        let mut expected = second;
        let order = |a: &Answers| format!("{a:?}");
        stored.sort_by_key(order);
        expected.sort_by_key(order);
        assert_eq!(stored, expected);
        // Without the key file the server does not start, rather than making a new key the
        // stored batches cannot be opened with.
        drop(server);
        std::fs::rename(db.stats_key(), db.stats_key().with_extension("moved")).unwrap();
        let out = cli_output(
            &[
                "stats",
                "--database-url",
                &db.url,
                "--stats-key",
                db.stats_key().to_str().unwrap(),
                "release",
                "--period",
                "2026-Q2",
            ],
            None,
        );
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is missing"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!db.stats_key().exists(), "no new key was made");
        std::fs::rename(db.stats_key().with_extension("moved"), db.stats_key()).unwrap();
    }
}

/// An office without cases confirms its quarter like any other, in one step of the CLI (the
/// desk sends the same empty batch); until it has, the quarter waits for it.
#[test]
fn an_office_without_cases_confirms_its_quarter_in_one_step() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-07-02"]);
        let token = login(&server, "demo", DEMO_IDENTITY);
        let state = |server: &Server| {
            server
                .call(
                    "GET",
                    "/v1/desk/stats/contributions",
                    "/v1/desk/stats/contributions",
                    None,
                    Some(&token),
                )
                .parse::<Contributions>()
                .quarters[0]
                .clone()
        };
        assert_eq!(
            state(&server),
            QuarterState {
                quarter: "2026-Q2".into(),
                cases: 0,
                contributed: 0,
                confirmed: false,
                frozen: false
            }
        );
        let status = desk_as(&server, DEMO_IDENTITY, &["stats", "status"], None);
        let text = String::from_utf8_lossy(&status.stdout);
        assert!(
            text.contains("2026-Q2  0 case(s)  0 record(s)  no cases, to confirm"),
            "{text}"
        );
        let out = contribute(&server, "2026-Q2");
        assert!(out.contains("confirmed 2026-Q2: no cases"), "{out}");
        assert!(state(&server).confirmed);
        let status = desk_as(&server, DEMO_IDENTITY, &["stats", "status"], None);
        assert!(String::from_utf8_lossy(&status.stdout)
            .contains("2026-Q2  0 case(s)  0 record(s)  confirmed: no cases"));
        assert_eq!(
            sealed_batches(&db),
            [("demo".into(), "2026-Q2".into(), vec![])]
        );
        let audit =
            db.strings("SELECT action AS s FROM audit_log WHERE action = 'stats:contribute'");
        assert_eq!(audit.len(), 1);
    }
}

#[test]
fn deleting_a_case_after_retention_leaves_a_frozen_release_byte_identical() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-02-10"]);
        for i in 0..22 {
            let stats = format!(r#"{{"incident_type":"{}"}}"#, ["threat", "other"][i % 2]);
            report_with(&server, Some(&stats));
        }
        let id = db.strings("SELECT id AS s FROM reports ORDER BY id")[0].clone();
        for to in ["acknowledged", "feedback_given", "closed"] {
            assert!(desk_as(&server, DEMO_IDENTITY, &["status", &id, to], None)
                .status
                .success());
        }
        drop(server);
        let server = Server::start(&db, &["--today", "2026-04-02"]);
        contribute(&server, "2026-Q1");
        drop(server);
        assert!(
            stats_cli(&db, "2026-04-02", &["release", "--period", "2026-Q1"])
                .status
                .success()
        );
        let export = |format: &str| {
            let a = stats_cli(
                &db,
                "2030-01-01",
                &[
                    "export",
                    "--period",
                    "2026-Q1",
                    "--by",
                    "incident_type",
                    "--format",
                    format,
                ],
            );
            let b = stats_cli(
                &db,
                "2030-01-01",
                &["alliance", "--period", "2026-Q1", "--format", "html"],
            );
            (a.stdout, b.stdout)
        };
        let before = export("json");
        // One office alone in its Land and size class: R5 shows neither, so the alliance's
        // figures are suppressed; the frozen bytes must stay the same all the same.
        // The stored table as it is (tables have no wire type).
        let table: Value = serde_json::from_slice(&before.0).expect("the stored table");
        assert_eq!(table["dims"], json!(["incident_type"]));
        assert!(String::from_utf8_lossy(&before.1).contains("<svg"));
        // Three years after closing, the retention job deletes the case.
        let out = retention_run(&db, "2029-02-11");
        assert_eq!(db.count("reports"), 21, "{out}");
        assert_eq!(sealed_batches(&db)[0].2.len(), 22);
        assert_eq!(export("json"), before);
    }
}

#[test]
fn the_migration_carries_old_records_over_sealed_in_batches() {
    use diesel::connection::SimpleConnection;
    use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
    use meldestelle::db::DbConn;
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    const OLD: &str = "INSERT INTO stats_records (quarter, office, id, taxonomy_version, source, \
                       incident_type) VALUES ('2026-Q1', 'demo', 'old-1', 1, 'reporter', 'threat'), \
                       ('2026-Q1', 'demo', 'old-2', 1, 'officer', 'other'), \
                       ('2026-Q2', 'demo', 'old-3', 1, 'reporter', NULL)";
    for db in backends() {
        // The database as the previous version left it, with three statistics records.
        match db.conn() {
            DbConn::Sqlite(mut c) => {
                c.run_pending_migrations(SQLITE).unwrap();
                // Back to before the statistics contributions (the recovery key, casework,
                // message authors and sealed batches came after).
                for _ in 0..5 {
                    c.revert_last_migration(SQLITE).unwrap();
                }
                c.batch_execute(OLD).unwrap();
            }
            DbConn::Pg(mut c) => {
                c.run_pending_migrations(POSTGRES).unwrap();
                // Back to before the statistics contributions (the recovery key, casework,
                // message authors and sealed batches came after).
                for _ in 0..5 {
                    c.revert_last_migration(POSTGRES).unwrap();
                }
                c.batch_execute(OLD).unwrap();
            }
        }
        let out = cli_output(&["migrate", "--database-url", &db.url], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Sealed into one batch per office and quarter; nothing plain is left.
        let mut rows: Vec<String> = sealed_batches(&db)
            .into_iter()
            .flat_map(|(office, quarter, records)| {
                records.into_iter().map(move |a| {
                    format!(
                        "{quarter}/{office}/{}",
                        a.incident_type.unwrap_or_else(|| "-".into())
                    )
                })
            })
            .collect();
        rows.sort();
        assert_eq!(
            rows,
            [
                "2026-Q1/demo/other",
                "2026-Q1/demo/threat",
                "2026-Q2/demo/-"
            ]
        );
        assert_eq!(db.count("stats_contributions"), 0);
        assert_eq!(
            db.strings("SELECT CAST(records AS TEXT) AS s FROM stats_batches ORDER BY quarter"),
            ["2", "1"]
        );
        let tables = if db.name == "postgres" {
            "SELECT table_name AS s FROM information_schema.tables WHERE table_name = 'stats_records'"
        } else {
            "SELECT name AS s FROM sqlite_master WHERE name = 'stats_records'"
        };
        assert!(db.strings(tables).is_empty(), "the old table is gone");
    }
}

#[test]
fn a_period_is_released_only_once_every_office_could_contribute_and_names_no_missing_one() {
    for db in backends() {
        cli(&["migrate", "--database-url", &db.url], None);
        for (slug, name) in [
            ("frueh", "Stelle Früh"),
            ("spaet", "Stelle Spät"),
            ("leer", "Stelle Leer"),
            ("still", "Stelle Still"),
        ] {
            add_office(&db.url, slug, name, "Stadt", "BE", "over_100k");
        }
        // frueh contributed its case; spaet has one and has not; leer and still had none, and
        // only still confirmed its quarters.
        insert_record(&db, "frueh", "2026-Q4", "threat", None, None);
        insert_case(&db, "spaet", "2026-Q4");
        for office in ["frueh", "still"] {
            for q in 1..=4 {
                add_to_batch(&db, office, &format!("2026-Q{q}"), None);
            }
        }
        let out = stats_cli(&db, "2027-01-15", &["release", "--period", "2026"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("2 office(s) have not contributed"), "{err}");
        assert_eq!(db.count("stats_releases"), 0);
        // After the contribution period the release goes ahead without the late offices. An
        // office without cases that did not confirm is missing like one with cases: nothing
        // tells them apart, and no office is named, so the public office list names no missing
        // one either.
        let out = stats_cli(&db, "2027-01-29", &["release", "--period", "2026"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("2 contributing office(s)"));
        let rules: Value =
            serde_json::from_str(&db.strings("SELECT rules AS s FROM stats_releases")[0]).unwrap();
        assert_eq!(
            (
                &rules["contributing_offices"],
                &rules["offices_not_contributed"]
            ),
            (&json!(2), &json!(2))
        );
        assert_eq!(db.strings("SELECT offices AS s FROM stats_releases"), [""]);
        let html = stats_cli(
            &db,
            "2027-01-29",
            &["alliance", "--period", "2026", "--format", "html"],
        );
        let html = String::from_utf8_lossy(&html.stdout);
        assert!(html.contains("Beitragende Stellen (2)"), "{html}");
        assert!(html.contains("2 weitere Stelle(n)"));
        for name in ["Stelle Früh", "Stelle Spät", "Stelle Leer", "Stelle Still"] {
            assert!(!html.contains(name), "{name} is named");
        }
    }
}
