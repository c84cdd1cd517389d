//! Statistics end to end: records in the database, analysts over HTTP, the CLI, and what a
//! naive export would leak, on both databases.

mod common;

use common::*;
use serde_json::{json, Value};

fn login_analyst(server: &Server, identity_file: &str) -> String {
    let request = json!({"recipient": recipient_of(identity_file)});
    login_as(server, "analyst", request, identity_file)
}

fn insert_record(
    db: &TestDb,
    office: &str,
    quarter: &str,
    incident: &str,
    form: Option<&str>,
    area: Option<&str>,
) {
    let q = |v: Option<&str>| v.map(|v| format!("'{v}'")).unwrap_or_else(|| "NULL".into());
    db.exec(&format!(
        "INSERT INTO stats_records (id, office, taxonomy_version, source, quarter, incident_type, racism_form, admin_area) \
         VALUES ('{}', '{office}', 1, 'reporter', '{quarter}', '{incident}', {}, {})",
        uuid::Uuid::new_v4(), q(form), q(area)
    ));
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

#[test]
fn analysts_get_released_tables_only_and_nothing_leaks() {
    for db in backends() {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(&db, &["--today", "2027-01-15"]);
        let (all_key, small_key) = setup(&db, dir.path());
        let token = login_analyst(&server, &all_key);

        // One report in a small municipality: folded into Land × size class, suppressed,
        // and the town is named nowhere.
        for format in ["csv", "json", "svg", "html"] {
            let a = table(
                &server,
                &token,
                &format!("period=2026&by=municipality&format={format}"),
            );
            assert_eq!(a.status, 200, "{}", a.body);
            assert!(!a.body.contains("Kleinstadt"), "{format}: {}", a.body);
            if format == "html" {
                assert!(!a.body.contains("<script") && !a.body.contains("http"));
            }
        }
        let by_muni = table(&server, &token, "period=2026&by=municipality").json();
        assert_eq!(
            labels(&by_muni, "BB / under_20k (folded)"),
            json!({"suppressed": {"below": 10}})
        );
        assert_eq!(labels(&by_muni, "Berlin (BE)"), json!({"count": 40}));

        // One report of a rare racism form: suppressed, and the total does not give it away.
        let forms = table(&server, &token, "period=2026&by=racism_form").json();
        assert_eq!(
            labels(&forms, "antigypsyist"),
            json!({"suppressed": {"below": 10}})
        );
        assert!(
            forms["suppressed"].as_u64().unwrap() >= 2,
            "secondary suppression: {forms}"
        );
        // Never crossed with a department or a location (R4).
        for by in [
            "admin_area,racism_form",
            "racism_form,land",
            "municipality,racism_form",
        ] {
            let a = table(&server, &token, &format!("period=2026&by={by}"));
            assert_eq!(
                (a.status, a.problem().as_str()),
                (400, "forbidden-crossing"),
                "{by}"
            );
        }
        // Fixed periods that have ended (R6).
        let a = table(&server, &token, "period=2027&by=land");
        assert_eq!((a.status, a.problem().as_str()), (400, "period-not-ended"));
        let a = table(&server, &token, "period=last-30-days&by=land");
        assert_eq!((a.status, a.problem().as_str()), (400, "bad-period"));

        // An analyst sees only the offices granted.
        let small = login_analyst(&server, &small_key);
        let a = table(
            &server,
            &small,
            "period=2026&by=incident_type&office=berlin-mitte",
        );
        assert_eq!((a.status, a.problem().as_str()), (403, "not-granted"));
        let own = table(&server, &small, "period=2026&by=incident_type").json();
        assert_eq!(
            own["total"],
            json!({"suppressed": {"below": 5}}),
            "only Kleinstadt's one record: {own}"
        );

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

        // The alliance page.
        let page = server.call(
            "GET",
            "/v1/stats/alliance",
            "/v1/stats/alliance?period=2026",
            None,
            Some(&token),
        );
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("<svg")
                && !page.body.contains("<script")
                && !page.body.contains("Kleinstadt")
        );

        // The CLI releases the same way.
        let csv = cli(
            &[
                "stats",
                "--today",
                "2027-01-15",
                "--database-url",
                &db.url,
                "export",
                "--period",
                "2026",
                "--by",
                "incident_type,land",
                "--format",
                "csv",
            ],
            None,
        );
        assert!(csv.starts_with("period,incident_type \\ land"), "{csv}");
        for line in csv.lines().skip(1) {
            for cell in line.split(',').skip(2) {
                assert!(
                    cell.starts_with('<') || cell.parse::<u64>().is_ok_and(|n| n % 5 == 0),
                    "{cell} in {line}"
                );
            }
        }
        let out = cli_output(
            &[
                "stats",
                "--today",
                "2027-01-15",
                "--database-url",
                &db.url,
                "export",
                "--period",
                "2026",
                "--by",
                "admin_area,racism_form",
            ],
            None,
        );
        assert!(!out.status.success());
        let html = cli(
            &[
                "stats",
                "--today",
                "2027-01-15",
                "--database-url",
                &db.url,
                "alliance",
                "--period",
                "2026",
            ],
            None,
        );
        assert!(html.contains("<svg") && !html.contains("Kleinstadt"));
    }
}

#[test]
fn reporter_answers_and_officer_classification_reach_the_statistics() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-05-02"]);
        let stats = r#"{"incident_type":"threat","reporter_role":"witness","quarter":"2026-Q1"}"#;
        let out = cli(
            &[
                "report",
                "--server",
                &server.base,
                "--json",
                "--stats",
                stats,
            ],
            Some("mit Angaben"),
        );
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap()["status"],
            "received"
        );
        assert_eq!(db.count("stats_records"), 1);
        // The officer closes the case with a classification: a second record, unlinked.
        let id = {
            use diesel::prelude::*;
            use meldestelle::db::schema::reports;
            reports::table
                .select(reports::id)
                .first::<String>(&mut db.conn())
                .unwrap()
        };
        let desk = |args: &[&str]| {
            let mut all = vec![
                "desk",
                "--server",
                &server.base,
                "--office",
                "demo",
                "--identity",
                DEMO_IDENTITY,
            ];
            all.extend_from_slice(args);
            cli(&all, None)
        };
        desk(&["status", &id, "acknowledged"]);
        desk(&["status", &id, "feedback_given"]);
        let bad = cli_output(
            &[
                "desk",
                "--server",
                &server.base,
                "--identity",
                DEMO_IDENTITY,
                "status",
                &id,
                "closed",
                "--classification",
                r#"{"racism_form":"invented"}"#,
            ],
            None,
        );
        assert!(!bad.status.success());
        assert_eq!(db.count("stats_records"), 1);
        desk(&[
            "status",
            &id,
            "closed",
            "--classification",
            r#"{"racism_form":"anti_black","setting":"public_contact"}"#,
        ]);
        assert_eq!(db.count("stats_records"), 2);
        use diesel::prelude::*;
        use meldestelle::db::schema::stats_records as s;
        let rows: Vec<(String, String)> = s::table
            .select((s::source, s::quarter))
            .order(s::source)
            .load(&mut db.conn())
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("officer".into(), "2026-Q2".into()),
                ("reporter".into(), "2026-Q1".into())
            ]
        );
    }
}

#[test]
fn deleting_a_case_after_retention_leaves_the_statistics_unchanged() {
    for db in backends() {
        let server = Server::start(&db, &["--today", "2026-02-10"]);
        for i in 0..12 {
            let stats = format!(
                r#"{{"incident_type":"{}","quarter":"2026-Q1"}}"#,
                ["threat", "other"][i % 2]
            );
            cli(
                &[
                    "report",
                    "--server",
                    &server.base,
                    "--json",
                    "--stats",
                    &stats,
                ],
                Some("Bericht"),
            );
        }
        let id = {
            use diesel::prelude::*;
            use meldestelle::db::schema::reports;
            reports::table
                .select(reports::id)
                .first::<String>(&mut db.conn())
                .unwrap()
        };
        for to in ["acknowledged", "feedback_given", "closed"] {
            cli(
                &[
                    "desk",
                    "--server",
                    &server.base,
                    "--identity",
                    DEMO_IDENTITY,
                    "status",
                    &id,
                    to,
                ],
                None,
            );
        }
        drop(server);
        let export = || {
            cli(
                &[
                    "stats",
                    "--today",
                    "2030-01-01",
                    "--database-url",
                    &db.url,
                    "export",
                    "--period",
                    "2026-Q1",
                    "--by",
                    "incident_type",
                    "--format",
                    "json",
                ],
                None,
            )
        };
        let before = export();
        assert!(before.contains("\"count\": 5"), "{before}");
        // Three years after closing, the retention job deletes the case.
        let out = cli(
            &[
                "jobs",
                "run",
                "--job",
                "retention",
                "--database-url",
                &db.url,
                "--today",
                "2029-02-11",
            ],
            None,
        );
        assert_eq!(db.count("reports"), 11, "{out}");
        assert_eq!(db.count("stats_records"), 12);
        assert_eq!(export(), before);
    }
}
