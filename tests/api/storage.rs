//! Storage's compare-and-set, on both databases: what a handler checked on one read is
//! checked again in the commit that writes, so a change in between cannot slip through; and
//! the group-commit writer's batches, all or nothing where they must be.

use std::future::Future;
use std::pin::Pin;

use crate::helpers::*;
use meldestelle::db::reports::{NotStored, PendingReport};
use meldestelle::db::{self, DbError, Store};
use meldestelle::domain::intake::{self, Limits, NewReport};
use meldestelle::domain::office::{NewOffice, Office, DEMO_RECIPIENT};
use meldestelle::protocol::document::Document;

/// A store with the demo office and one officer: key set v1.
struct Demo {
    store: Store,
    office: Office,
    today: chrono::NaiveDate,
}

impl Demo {
    fn open(tdb: &TestDb) -> Demo {
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
        Demo {
            store,
            office,
            today,
        }
    }

    /// A report sealed and checked against the office as read when the store was opened.
    fn report(&self, text: &str) -> NewReport {
        let office = &self.office;
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
        let (sub, _) = meldestelle::client::submission(&view, &Document::report(text)).unwrap();
        let limits = Limits {
            report: meldestelle::crypto::padding::Buckets::new(1 << 20),
            attachment: meldestelle::crypto::padding::Buckets::new(1 << 20),
            max_attachments: 3,
        };
        intake::accept(sub, Some(office), &limits, self.today).unwrap()
    }

    /// Adds an officer: the office moves to the next key-set version.
    fn add_officer(&self) {
        let (_, recipient) = meldestelle::crypto::keygen();
        let today = self.today;
        self.store
            .write_now(|c| {
                db::offices::add_officer(c, "demo", "Max", &recipient, None, today, "test")
            })
            .unwrap();
    }
}

fn pending(report: NewReport) -> PendingReport {
    PendingReport {
        report,
        recorded_by: None,
        news: false,
    }
}

/// A report checked against the office's key set v1 is not stored once the office moved to v2
/// before the commit (an officer joined between the intake check and the write): it is refused
/// with the current version, and nothing is written.
#[test]
fn a_report_for_a_key_set_that_changed_since_its_check_is_not_stored() {
    for tdb in backends() {
        let demo = Demo::open(&tdb);
        // Checked against the office as read: key set v1.
        let report = demo.report("Vorfall");
        // Then a second officer joins: the office moves to v2.
        demo.add_officer();
        let stored = demo
            .store
            .write_now(|c| db::reports::insert_reports(c, &[pending(report)]))
            .unwrap();
        assert_eq!(
            stored,
            [Err(NotStored::StaleKeyset(demo.office.keyset_version + 1))],
            "{}",
            tdb.name
        );
        assert_eq!(tdb.count("reports"), 0, "{}", tdb.name);
    }
}

type Answer = Pin<Box<dyn Future<Output = String>>>;

/// Runs `writes` in one batch of the writer: it is held in a batch of its own until all of
/// them are queued behind it. Each write's outcome, as `ok` or `error`, or the reason a
/// report was not stored.
fn one_batch(store: &Store, writes: Vec<Answer>) -> Vec<String> {
    let (inside, held) = std::sync::mpsc::channel();
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let holder = store.clone();
    let holder = std::thread::spawn(move || {
        holder.write_wait(move |_| {
            inside.send(()).unwrap();
            wait.recv().unwrap();
            Ok(())
        })
    });
    held.recv().unwrap();
    let writes = queue(writes);
    release.send(()).unwrap();
    holder.join().unwrap().unwrap();
    answers(writes)
}

/// Polls each write once: queued for the writer, not yet answered.
fn queue(mut writes: Vec<Answer>) -> Vec<Answer> {
    use futures_util::FutureExt;
    for w in &mut writes {
        assert!(w.now_or_never().is_none());
    }
    writes
}

fn answers(writes: Vec<Answer>) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    writes.into_iter().map(|w| rt.block_on(w)).collect()
}

fn write(
    store: &Store,
    f: impl FnOnce(&mut db::DbConn) -> Result<(), DbError> + Send + 'static,
) -> Answer {
    let store = store.clone();
    Box::pin(async move {
        match store.write(f).await {
            Ok(()) => "ok".into(),
            Err(_) => "error".into(),
        }
    })
}

fn add_report(store: &Store, report: NewReport) -> Answer {
    let store = store.clone();
    Box::pin(async move {
        match store.add_report(pending(report)).await {
            Ok(Ok(())) => "ok".into(),
            Ok(Err(why)) => format!("{why:?}"),
            Err(_) => "error".into(),
        }
    })
}

/// The reports of a batch are stored together, without a savepoint each (on PostgreSQL in one
/// statement): a refusal is an answer, not a failure, and the rest of the batch is stored;
/// but if storing them fails, the whole batch is rolled back and every write in it hears so,
/// so that nothing is half written and nobody is told of a write that was rolled back. A
/// failing write in its own savepoint fails alone. The writer goes on after either.
#[test]
fn the_reports_of_a_batch_are_stored_together_or_not_at_all() {
    use diesel::connection::SimpleConnection;
    for tdb in backends() {
        let demo = Demo::open(&tdb);
        let store = &demo.store;
        let office = |slug: &str| {
            let new = NewOffice {
                slug: slug.into(),
                ..NewOffice::demo()
            };
            let today = demo.today;
            move |c: &mut db::DbConn| db::offices::insert_office(c, &new, today, "test")
        };
        let broken = |c: &mut db::DbConn| {
            c.batch_execute("INSERT INTO no_such_table VALUES (1)")
                .map_err(DbError::from)
        };
        let first = demo.report("erster");
        let stored = store
            .write_now(|c| db::reports::insert_reports(c, &[pending(first.clone())]))
            .unwrap();
        assert_eq!(stored, [Ok(())], "{}", tdb.name);

        // A report that cannot be stored (its id is taken, which no check before the writer
        // can see) fails the batch: the good report and the office beside it are not written.
        let clash = NewReport {
            id: first.id.clone(),
            ..demo.report("gleiche id")
        };
        let answers = one_batch(
            store,
            vec![
                write(store, office("eins")),
                add_report(store, demo.report("zweiter")),
                add_report(store, clash),
            ],
        );
        assert_eq!(answers, ["error", "error", "error"], "{}", tdb.name);
        assert_eq!(tdb.count("reports"), 1, "{}", tdb.name);
        assert_eq!(tdb.count("offices"), 1, "{}", tdb.name);

        // Refusals and a write that fails in its own savepoint leave the rest of the batch be.
        let early = demo.report("vor dem Wechsel");
        demo.add_officer();
        let current = |text: &str| NewReport {
            keyset_version: demo.office.keyset_version + 1,
            ..demo.report(text)
        };
        let taken = NewReport {
            lookup_hash: first.lookup_hash,
            ..current("gleiche Abruf-ID")
        };
        let answers = one_batch(
            store,
            vec![
                write(store, office("eins")),
                add_report(store, early),
                add_report(store, taken),
                write(store, broken),
                add_report(store, current("nach dem Wechsel")),
            ],
        );
        assert_eq!(
            answers,
            ["ok", "StaleKeyset(2)", "DuplicateLookupId", "error", "ok"],
            "{}",
            tdb.name
        );
        assert_eq!(tdb.count("reports"), 2, "{}", tdb.name);
        assert_eq!(tdb.count("offices"), 2, "{}", tdb.name);
    }
}

/// A key-set change under way in another process (the CLI's transaction is open) when the
/// writer stores a report for the old key set: the writer waits for it and then refuses the
/// report, instead of storing it beside the change. (Without the office's row held, the
/// writer would see the old version still committed, store the report and commit after the
/// change.)
#[test]
fn a_report_waits_for_a_key_set_change_under_way_and_is_refused() {
    use diesel::connection::SimpleConnection;
    for tdb in backends() {
        let demo = Demo::open(&tdb);
        let report = demo.report("während des Wechsels");
        let mut cli = tdb.conn();
        let begin = match cli {
            db::DbConn::Pg(_) => "BEGIN",
            db::DbConn::Sqlite(_) => "BEGIN IMMEDIATE",
        };
        cli.batch_execute(begin).unwrap();
        cli.batch_execute(
            "UPDATE offices SET keyset_version = keyset_version + 1 WHERE slug = 'demo'",
        )
        .unwrap();
        let store = demo.store.clone();
        let answer = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(add_report(&store, report))
        });
        // Time for the writer to reach the office's row: it must wait there.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!answer.is_finished(), "{}", tdb.name);
        cli.batch_execute("COMMIT").unwrap();
        assert_eq!(answer.join().unwrap(), "StaleKeyset(2)", "{}", tdb.name);
        assert_eq!(tdb.count("reports"), 0, "{}", tdb.name);
    }
}

/// SQLite: the writer leaves checkpoints to a thread of its own (its connection checkpoints
/// only past 10,000 pages, as a backstop), and that thread copies the log back into the
/// database file while reports keep coming. Without it the file would stay as the migrations
/// left it, with every report only in the log.
#[test]
fn sqlite_copies_its_log_back_into_the_database_file_beside_the_writer() {
    let tdb = TestDb::sqlite();
    let demo = Demo::open(&tdb);
    let path = tdb.path().unwrap();
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let before = size(&path);
    // 300 reports of 4 KiB and more: over a megabyte, in batches of up to 50.
    for round in 0..6 {
        let writes = (0..50)
            .map(|i| {
                let text = format!("{round}-{i}-{}", "x".repeat(3000));
                add_report(&demo.store, demo.report(&text))
            })
            .collect();
        let answers = answers(queue(writes));
        assert!(answers.iter().all(|a| a == "ok"), "{answers:?}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size(&path) < before + 1_000_000 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        size(&path) >= before + 1_000_000,
        "database file {} bytes (was {before}), log {} bytes",
        size(&path),
        size(&path.with_extension("db-wal"))
    );
}
