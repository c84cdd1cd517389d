//! The administrator's command line against a database, on both backends (issue #31).

use crate::helpers::*;

/// `meldestelle analyst add --all-offices` for `recipient`, whatever its exit.
fn add_analyst(db: &TestDb, recipient: &str) -> std::process::Output {
    cli_output(
        &[
            "analyst",
            "add",
            "--database-url",
            &db.url,
            "--name",
            "Analystin",
            "--recipient",
            recipient,
            "--all-offices",
        ],
        None,
    )
}

#[test]
fn analyst_add_refuses_a_recipient_that_is_already_an_active_analyst() {
    for db in backends() {
        cli(&["migrate", "--database-url", &db.url], None);
        let (_, recipient) = meldestelle::crypto::keygen();
        let first = add_analyst(&db, &recipient);
        assert!(first.status.success(), "{}", db.name);
        let second = add_analyst(&db, &recipient);
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(!second.status.success(), "{}: {err}", db.name);
        assert!(
            err.contains("already an active analyst"),
            "{}: {err}",
            db.name
        );
        assert_eq!(db.count("analysts"), 1, "{}", db.name);
        assert_eq!(db.count("analyst_grants"), 0, "{}", db.name);

        // Once removed, the same key may be added again (as with officers).
        let out = String::from_utf8_lossy(&first.stdout);
        let id = out
            .strip_prefix("analyst ")
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("{}: {out}", db.name));
        cli(
            &[
                "analyst",
                "remove",
                "--database-url",
                &db.url,
                "--analyst",
                id,
            ],
            None,
        );
        assert!(add_analyst(&db, &recipient).status.success(), "{}", db.name);
        assert_eq!(db.count("analysts"), 2, "{}", db.name);
    }
}

/// Every command that works on an existing database, with `--database-url` appended.
const EXISTING_DB_COMMANDS: &[&[&str]] = &[
    &["audit", "verify"],
    &["audit", "head"],
    &["office", "list"],
    &[
        "office",
        "add",
        "--slug",
        "neu",
        "--name",
        "Neu",
        "--municipality",
        "Neustadt",
        "--land",
        "BE",
        "--size-class",
        "over_100k",
    ],
    &["analyst", "list"],
    &["stats", "alliance", "--period", "2025"],
    &["jobs", "run", "--job", "retention"],
];

fn run_on(args: &[&str], url: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--database-url", url]);
    cli_output(&all, None)
}

/// A file that is there but holds no database (empty, or something else) is refused, and left
/// as it was: only `serve` and `migrate` create or migrate a database.
#[test]
fn a_file_that_is_no_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [("empty.db", &b""[..]), ("notes.db", b"not a database\n")] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let url = format!("sqlite://{}", path.display());
        for args in EXISTING_DB_COMMANDS {
            let out = run_on(args, &url);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{name} {args:?}: {err}");
            assert!(
                err.contains("not a meldestelle database") && err.contains("meldestelle migrate"),
                "{name} {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{name} {args:?}: {err}");
            assert_eq!(std::fs::read(&path).unwrap(), content, "{name} {args:?}");
        }
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert!(
            left.iter().all(|f| f == "empty.db" || f == "notes.db"),
            "{name}: {left:?}"
        );
    }
}

#[test]
fn an_empty_postgres_database_is_refused_and_left_empty() {
    let Some(db) = backends().into_iter().find(|db| db.name == "postgres") else {
        return;
    };
    let tables = "SELECT table_name AS s FROM information_schema.tables \
                  WHERE table_schema = 'public'";
    for args in EXISTING_DB_COMMANDS {
        let out = run_on(args, &db.url);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("not a meldestelle database"),
            "{args:?}: {err}"
        );
        assert!(db.strings(tables).is_empty(), "{args:?} created tables");
    }
}

/// A database an older version left behind is migrated by `migrate` (or `serve`) only; the
/// other commands say so instead of changing its schema.
#[test]
fn a_database_with_pending_migrations_is_not_migrated_by_other_commands() {
    use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
    const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
    for db in backends() {
        cli(&["migrate", "--database-url", &db.url], None);
        let all = db.count("__diesel_schema_migrations");
        match db.conn() {
            meldestelle::db::DbConn::Sqlite(mut c) => {
                c.revert_last_migration(SQLITE).unwrap();
            }
            meldestelle::db::DbConn::Pg(mut c) => {
                c.revert_last_migration(POSTGRES).unwrap();
            }
        }
        for args in EXISTING_DB_COMMANDS {
            let out = run_on(args, &db.url);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{} {args:?}: {err}", db.name);
            assert!(
                err.contains("meldestelle migrate"),
                "{} {args:?}: {err}",
                db.name
            );
            assert_eq!(
                db.count("__diesel_schema_migrations"),
                all - 1,
                "{} {args:?}",
                db.name
            );
        }
        cli(&["migrate", "--database-url", &db.url], None);
        assert!(run_on(&["audit", "verify"], &db.url).status.success());
    }
}

/// `--database-url` before the command group, between group and command, or after the command.
#[test]
fn the_database_url_is_taken_before_and_after_the_command_group() {
    for db in backends() {
        cli(&["--database-url", &db.url, "migrate"], None);
        add_office(
            &db.url,
            "vorn",
            "Stelle Vorn",
            "Vorndorf",
            "BE",
            "under_20k",
        );
        let before = cli(&["--database-url", &db.url, "office", "list"], None);
        let between = cli(&["office", "--database-url", &db.url, "list"], None);
        let after = cli(&["office", "list", "--database-url", &db.url], None);
        assert!(before.starts_with("vorn\t"), "{}: {before}", db.name);
        assert_eq!(before, between, "{}", db.name);
        assert_eq!(before, after, "{}", db.name);
        for args in [
            &["--database-url", &db.url, "analyst", "list"][..],
            &["--database-url", &db.url, "audit", "verify"],
            &[
                "--database-url",
                &db.url,
                "stats",
                "alliance",
                "--period",
                "2025",
            ],
        ] {
            let out = cli_output(args, None);
            let err = String::from_utf8_lossy(&out.stderr);
            // The alliance page of an unreleased period is refused, by this database.
            assert!(
                out.status.success() || err.contains("2025"),
                "{} {args:?}: {err}",
                db.name
            );
        }
        // The flag wins over the environment for the commands that take serve's settings too.
        let out = std::process::Command::new(BIN)
            .args([
                "--database-url",
                &db.url,
                "jobs",
                "run",
                "--job",
                "retention",
            ])
            .env(
                "MELDESTELLE_DATABASE_URL",
                "sqlite:///nonexistent/meldestelle.db",
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            db.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Listed where it is used, and not by the commands that open no database.
    for args in [
        &["--help"][..],
        &["office", "--help"],
        &["office", "list", "--help"],
    ] {
        assert!(cli(args, None).contains("--database-url"), "{args:?}");
    }
    for args in [
        &["keygen", "--help"][..],
        &["desk", "--help"],
        &["report", "--help"],
    ] {
        assert!(!cli(args, None).contains("--database-url"), "{args:?}");
    }
}

/// `args` with standard output read by a reader that takes one line and closes the pipe
/// (`| head -1`), and standard error read to its end: how the command ended, and its stderr.
fn first_line_only(args: &[&str]) -> (std::process::ExitStatus, String, String) {
    use std::io::{BufRead, Read};
    let mut child = std::process::Command::new(BIN)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the CLI");
    let mut first = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), first, err)
}

/// `meldestelle office list | head -1` with more offices than a pipe holds (64 KiB): the
/// listing stops quietly when the reader has gone.
#[test]
fn office_list_into_a_reader_that_stops_early_ends_quietly() {
    use diesel::Connection;
    use meldestelle::domain::office::NewOffice;
    for db in backends() {
        cli(&["migrate", "--database-url", &db.url], None);
        // 400 lines of some 300 bytes, written in one commit (the CLI would take a minute).
        db.conn()
            .transaction(|c| {
                for i in 0..400 {
                    let office = NewOffice {
                        slug: format!("stelle-{i:03}"),
                        name: format!("Beschwerdestelle {i} {}", "lang ".repeat(50)),
                        municipality: format!("Gemeinde {i}"),
                        land: "BE".into(),
                        size_class: "under_20k".into(),
                        retention_years: 3,
                    };
                    meldestelle::db::offices::insert_office(c, &office, day("2026-01-05"), "test")?;
                }
                Ok::<_, meldestelle::db::DbError>(())
            })
            .unwrap();
        let (status, first, err) = first_line_only(&["office", "list", "--database-url", &db.url]);
        assert!(first.starts_with("stelle-000\t"), "{}: {first}", db.name);
        assert!(!err.contains("panicked"), "{}: {err}", db.name);
        assert!(err.is_empty(), "{}: {err}", db.name);
        assert_eq!(status.code(), Some(0), "{}: {err}", db.name);
    }
}

/// Every command that prints, with its standard output and error closed before it writes
/// (`cmd | true`): it does its work and ends with 0, not with a panic (exit 101).
#[test]
fn every_printing_command_ends_quietly_when_nobody_reads_it() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let dir = tempfile::tempdir().unwrap();
    let (_, recipient) = keygen_file(dir.path(), "officer.key");
    let (_, analyst) = keygen_file(dir.path(), "analyst.key");
    let url = db.url.as_str();
    let office_add = [
        "office",
        "add",
        "--slug",
        "zwei",
        "--name",
        "Zwei",
        "--municipality",
        "Zweistadt",
        "--land",
        "BE",
        "--size-class",
        "over_100k",
    ];
    let desk = [
        "desk",
        "--server",
        &server.base,
        "--identity",
        DEMO_IDENTITY,
    ];
    let commands: Vec<Vec<&str>> = vec![
        vec!["keygen"],
        vec!["--database-url", url, "migrate"],
        vec!["--database-url", url, "office", "list"],
        [&["--database-url", url][..], &office_add].concat(),
        vec![
            "--database-url",
            url,
            "office",
            "add-officer",
            "--office",
            "zwei",
            "--name",
            "O",
            "--recipient",
            &recipient,
        ],
        vec![
            "--database-url",
            url,
            "office",
            "invite",
            "--office",
            "zwei",
            "--name",
            "E",
        ],
        vec![
            "--database-url",
            url,
            "analyst",
            "add",
            "--name",
            "A",
            "--recipient",
            &analyst,
            "--all-offices",
        ],
        vec!["--database-url", url, "analyst", "list"],
        vec!["--database-url", url, "audit", "verify"],
        vec!["--database-url", url, "audit", "head"],
        vec!["--database-url", url, "jobs", "run", "--job", "retention"],
        [&desk[..], &["login"]].concat(),
        [&desk[..], &["inbox"]].concat(),
        [&desk[..], &["officers"]].concat(),
    ];
    for args in &commands {
        let mut child = std::process::Command::new(BIN)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the CLI");
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
    // The work was done all the same.
    assert_eq!(db.count("offices"), 2);
    assert_eq!(db.count("analysts"), 1);
    assert_eq!(db.count("invitations"), 1);
}
