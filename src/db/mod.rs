//! Storage, behind one connection type that is SQLite or PostgreSQL by URL.
//!
//! Reads use a small pool on the blocking thread pool. Every write goes through one writer
//! thread that commits whatever is waiting in a single transaction (group commit): one
//! fsync serves many submissions, and each caller hears back only after its rows are
//! durably committed. On SQLite this also makes the writer the only writer, so there are
//! no lock conflicts between requests.

pub mod casework;
pub mod desk;
pub mod invitations;
pub mod offices;
pub mod outbox;
pub mod reports;
pub mod schema;
pub mod stats;

use std::sync::mpsc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::oneshot;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How many writes one commit may carry. Larger batches add latency for the first writer
/// without much gain in throughput.
const MAX_BATCH: usize = 512;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("the commit failed: {0}")]
    Commit(String),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("unsupported database URL (use sqlite://PATH or postgres://…)")]
    BadUrl,
    #[error("no database at {0}: check --database-url (only `meldestelle serve` and `meldestelle migrate` create one)")]
    Missing(String),
    #[error("not a meldestelle database: {what} ({why}); check --database-url, or run `meldestelle migrate` first")]
    NotOurs { what: String, why: &'static str },
    #[error("the database {what} needs {pending} migration(s) of this version: run `meldestelle migrate` first")]
    Outdated { what: String, pending: usize },
}

impl DbError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, parsed from the URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub backend: Backend,
    /// A PostgreSQL URL, or the SQLite file path.
    location: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target {
                backend: Backend::Postgres,
                location: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(DbError::BadUrl);
        }
        Ok(Target {
            backend: Backend::Sqlite,
            location: path.to_owned(),
        })
    }

    /// Where the statistics key is kept by default: beside a SQLite database file, else in the
    /// working directory. Beside, not inside: a copy of the database holds no key.
    pub fn default_stats_key(url: &str) -> std::path::PathBuf {
        const NAME: &str = "meldestelle-stats.key";
        Target::parse(url)
            .ok()
            .and_then(|t| {
                t.sqlite_file()
                    .and_then(|f| f.parent())
                    .map(|dir| dir.join(NAME))
            })
            .unwrap_or_else(|| NAME.into())
    }

    /// The SQLite database file, if there is one (not PostgreSQL, not `:memory:`).
    fn sqlite_file(&self) -> Option<&std::path::Path> {
        (self.backend == Backend::Sqlite && self.location != ":memory:")
            .then(|| std::path::Path::new(&self.location))
    }

    /// The database as an error message may name it: the SQLite path, or PostgreSQL's host and
    /// database without the user, password or parameters the URL may carry.
    fn describe(&self) -> String {
        match self.backend {
            Backend::Sqlite => self.location.clone(),
            Backend::Postgres => {
                let rest = self.location.split_once("://").map_or("", |(_, r)| r);
                let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
                let rest = rest.split('?').next().unwrap_or(rest);
                format!("postgres://{rest}")
            }
        }
    }

    pub fn connect(&self) -> Result<DbConn, DbError> {
        let mut conn = self.establish()?;
        self.configure(&mut conn)?;
        Ok(conn)
    }

    fn establish(&self) -> Result<DbConn, DbError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.location).map(DbConn::Pg),
            Backend::Sqlite => SqliteConnection::establish(&self.location).map(DbConn::Sqlite),
        }
        .map_err(|e| DbError::Connect(e.to_string()))
    }

    /// The connection's settings. On SQLite, `journal_mode = WAL` is written into the file.
    fn configure(&self, conn: &mut DbConn) -> Result<(), DbError> {
        if self.backend == Backend::Sqlite {
            // FULL makes every WAL commit durable (NORMAL would not survive power loss);
            // secure_delete overwrites deleted content instead of leaving it in free pages.
            // threads lets a large GROUP BY (a statistics export) sort on helper threads.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA secure_delete = ON; PRAGMA threads = {};",
                sorter_threads()
            ))?;
        }
        Ok(())
    }

    /// Refuses a SQLite file that is missing, or that is not an SQLite database, before SQLite
    /// opens it: SQLite takes an empty file for an empty database and would write to it.
    fn check_sqlite_file(&self) -> Result<(), DbError> {
        let Some(path) = self.sqlite_file() else {
            return Ok(());
        };
        let not_ours = |why| DbError::NotOurs {
            what: self.describe(),
            why,
        };
        let mut header = [0u8; SQLITE_HEADER.len()];
        let read = std::fs::File::open(path).and_then(|mut f| {
            use std::io::Read;
            f.read(&mut header)
        });
        match read {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(DbError::Missing(self.location.clone()))
            }
            Err(e) => Err(DbError::Connect(format!("{}: {e}", self.location))),
            Ok(0) => Err(not_ours("an empty file")),
            // A short read of a real database file is not possible: its header is 100 bytes.
            Ok(_) if header != *SQLITE_HEADER => Err(not_ours("not an SQLite file")),
            Ok(_) => Ok(()),
        }
    }

    /// Refuses a database without this version's migrations, reading only: diesel's own
    /// pending-migration check creates its bookkeeping table where there is none.
    fn check_migrated(&self, conn: &mut DbConn) -> Result<(), DbError> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        #[derive(QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        const APPLIED: &str = "SELECT version FROM __diesel_schema_migrations";
        // None where diesel's table is missing: nothing was ever migrated there.
        let (applied, wanted): (Option<Vec<Version>>, _) = match conn {
            DbConn::Sqlite(c) => {
                let found: Count = diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM sqlite_master \
                     WHERE type = 'table' AND name = '__diesel_schema_migrations'",
                )
                .get_result(c)?;
                let applied = match found.n {
                    0 => None,
                    _ => Some(diesel::sql_query(APPLIED).load(c)?),
                };
                (
                    applied,
                    versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
                )
            }
            DbConn::Pg(c) => {
                let found: Count = diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM pg_catalog.pg_tables \
                     WHERE tablename = '__diesel_schema_migrations' \
                     AND schemaname = ANY (current_schemas(false))",
                )
                .get_result(c)?;
                let applied = match found.n {
                    0 => None,
                    _ => Some(diesel::sql_query(APPLIED).load(c)?),
                };
                (applied, versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?)
            }
        };
        let Some(applied) = applied else {
            return Err(DbError::NotOurs {
                what: self.describe(),
                why: "no meldestelle tables",
            });
        };
        let applied: std::collections::HashSet<String> =
            applied.into_iter().map(|v| v.version).collect();
        let pending = wanted.iter().filter(|v| !applied.contains(*v)).count();
        match pending {
            0 => Ok(()),
            pending => Err(DbError::Outdated {
                what: self.describe(),
                pending,
            }),
        }
    }
}

/// The first bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The versions of the migrations built into this binary, as diesel records them.
fn versions<DB: diesel::backend::Backend>(
    source: &impl diesel::migration::MigrationSource<DB>,
) -> Result<Vec<String>, DbError> {
    Ok(source
        .migrations()
        .map_err(|e| DbError::Migration(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// Helper threads SQLite may start for one sort. One per core, at least two, at most four.
/// With two cores, two helpers measured faster than one: the calling thread mostly waits.
fn sorter_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

struct Manager(Target);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

type Finish = Box<dyn FnOnce(Result<(), DbError>) + Send>;
type Stored = Result<Result<(), reports::NotStored>, DbError>;

enum Job {
    /// A write of its own, in its own savepoint.
    Write(Box<dyn FnOnce(&mut DbConn) -> Finish + Send>),
    /// A report: the reports of a batch are stored together (`reports::insert_reports`).
    Report(reports::PendingReport, oneshot::Sender<Stored>),
}

/// The writer thread and the way to it. When the last `Store` goes, the channel closes, the
/// writer finishes what it has and closes its connection, and this waits for it: a process
/// that exits while that thread is still closing a TLS connection to PostgreSQL can crash in
/// OpenSSL's exit-time cleanup (seen as a short CLI command dying without a word).
struct Writer {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            // A job that held the last Store would otherwise wait for itself.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

/// The storage handle the rest of the program holds.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
    writer: std::sync::Arc<Writer>,
    pub backend: Backend,
}

impl Store {
    /// Connects, runs pending migrations and starts the writer thread.
    pub fn open(url: &str) -> Result<Store, DbError> {
        Store::open_counting(url).map(|(store, _)| store)
    }

    /// Opens a database that `serve` or `migrate` made and migrated, and changes nothing
    /// before the caller writes: a mistyped path must not quietly become a new, empty database,
    /// nor an unrelated file or an older schema be migrated by a command that only reads.
    pub fn open_existing(url: &str) -> Result<Store, DbError> {
        let target = Target::parse(url)?;
        target.check_sqlite_file()?;
        let mut conn = target.establish()?;
        target.check_migrated(&mut conn)?;
        target.configure(&mut conn)?;
        Store::start(target, conn)
    }

    /// Like `open`, and says how many migrations it ran.
    pub fn open_counting(url: &str) -> Result<(Store, usize), DbError> {
        let target = Target::parse(url)?;
        let mut conn = target.connect()?;
        let migrated = migrate(&mut conn)?;
        Ok((Store::start(target, conn)?, migrated))
    }

    /// The pool and the writer thread, on `conn` as the writer's connection.
    fn start(target: Target, conn: DbConn) -> Result<Store, DbError> {
        let pool = Pool::builder()
            .max_size(8)
            // Open connections only when a caller waits for one. A pool that keeps idle
            // connections topped up does so in background threads, and a process that exits
            // while such a thread is in a TLS handshake with PostgreSQL crashes in OpenSSL's
            // exit-time cleanup (seen as a segfault of short CLI commands).
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager(target.clone()))?;
        let (tx, rx) = mpsc::channel::<Job>();
        let writer_target = target.clone();
        let thread = std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || writer_loop(writer_target, conn, rx))
            .map_err(|e| DbError::Connect(e.to_string()))?;
        Ok(Store {
            pool,
            writer: std::sync::Arc::new(Writer {
                tx: Some(tx),
                thread: Some(thread),
            }),
            backend: target.backend,
        })
    }

    fn conn(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs a read on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|_| DbError::WriterGone)?
    }

    /// Hands a write to the writer thread: it runs in its own savepoint inside the next group
    /// commit, and the receiver gets its result only after that commit.
    fn enqueue<T, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T, DbError>>, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Write(Box::new(move |conn| {
            let result = conn.transaction(f);
            Box::new(move |commit: Result<(), DbError>| {
                let _ = tx.send(commit.and(result));
            })
        })))?;
        Ok(rx)
    }

    fn send(&self, job: Job) -> Result<(), DbError> {
        self.writer
            .tx
            .as_ref()
            .ok_or(DbError::WriterGone)?
            .send(job)
            .map_err(|_| DbError::WriterGone)
    }

    /// Stores a report in the next group commit, or says why not; the answer arrives only
    /// after the commit. All reports of a commit are stored by one statement (see
    /// `reports::insert_reports`), not each in a savepoint of its own: should that fail, the
    /// whole commit is rolled back and every write in it gets the error, so that nothing is
    /// half written.
    pub async fn add_report(
        &self,
        pending: reports::PendingReport,
    ) -> Result<Result<(), reports::NotStored>, DbError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Report(pending, tx))?;
        rx.await.map_err(|_| DbError::WriterGone)?
    }

    /// Runs a write inside the next group commit. It runs in its own savepoint: if it fails,
    /// nothing of it is written and the other writes of the batch are unaffected. The result
    /// arrives only after the commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        self.enqueue(f)?.await.map_err(|_| DbError::WriterGone)?
    }

    /// Like `write`, for a thread outside the async runtime (the background jobs): goes
    /// through the same group-commit writer, and blocks until the commit.
    pub fn write_wait<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    {
        self.enqueue(f)?
            .blocking_recv()
            .map_err(|_| DbError::WriterGone)?
    }

    /// Runs statements that must not be inside a transaction (VACUUM, checkpoints) on a
    /// connection of the pool, not on the writer's.
    pub fn maintenance(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        f(&mut *self.conn()?)
    }

    /// A read for the command line, outside any async runtime.
    pub fn read_now<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E> {
        f(&mut *self.conn()?)
    }

    /// A write for the command line, outside any async runtime: one transaction.
    pub fn write_now<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut conn = self.conn()?;
        (*conn).transaction(f)
    }
}

/// Runs pending migrations; how many ran.
fn migrate(conn: &mut DbConn) -> Result<usize, DbError> {
    let done = match conn {
        DbConn::Sqlite(c) => {
            // Must precede the first table to take effect; lets retention hand space back.
            c.batch_execute("PRAGMA auto_vacuum = INCREMENTAL;")?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
        }
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    done.map_err(|e| DbError::Migration(e.to_string()))
}

/// Copies SQLite's write-ahead log back into the database file (a checkpoint) on a thread and
/// connection of its own, when the writer nudges it after a commit, at most every 50 ms.
/// SQLite would otherwise do it all inside the writer's commit whenever the log passes 1,000
/// pages: under load that was four tenths of the writer's time, while the other core waited
/// (BENCHMARKS.md). A passive checkpoint blocks no writer; commits stay as durable as before
/// (the log is synced at each).
struct Checkpointer {
    nudge: mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Checkpointer {
    fn start(target: &Target) -> Option<Checkpointer> {
        target.sqlite_file()?;
        // One nudge waiting is enough: a checkpoint copies whatever has been committed.
        let (nudge, nudged) = mpsc::sync_channel::<()>(1);
        let target = target.clone();
        let thread = std::thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || {
                let mut conn = None;
                while nudged.recv().is_ok() {
                    if conn.is_none() {
                        conn = target.connect().ok();
                    }
                    let Some(c) = conn.as_mut() else { continue };
                    if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "checkpoint failed");
                        conn = None;
                    }
                    // Fewer, larger checkpoints: each one syncs the database file.
                    std::thread::sleep(CHECKPOINT_PAUSE);
                }
            })
            .ok()?;
        Some(Checkpointer { nudge, thread })
    }

    /// The writer's connection leaves checkpoints to this thread, but for a backstop (if the
    /// thread has not started, SQLite's own checkpoints stay as they are).
    fn take_over(&self, conn: &mut DbConn) -> Result<(), DbError> {
        Ok(conn.batch_execute(&format!(
            "PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}"
        ))?)
    }
}

const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);

/// The writer's own checkpoints, a backstop: past this many pages (4 KiB each) in the log, the
/// writer copies what the checkpoint thread has not yet copied. A passive checkpoint beside a
/// writer that keeps committing never reaches the log's end, and only a complete one lets the
/// next commit write the log from its start again; the writer's is complete. So the log stays
/// near this size under any load (the thread alone let it grow to 850 MB in a long run).
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

fn writer_loop(target: Target, conn: DbConn, rx: mpsc::Receiver<Job>) {
    let checkpointer = Checkpointer::start(&target);
    let mut conn = Some(conn);
    if let (Some(cp), Some(c)) = (&checkpointer, conn.as_mut()) {
        if cp.take_over(c).is_err() {
            // Connected anew (and taken over) before the first batch.
            conn = None;
        }
    }
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if conn.is_none() {
            let connected = target.connect().and_then(|mut c| {
                if let Some(cp) = &checkpointer {
                    cp.take_over(&mut c)?;
                }
                Ok(c)
            });
            match connected {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    // Dropping the jobs tells their callers the write did not happen.
                    tracing::error!(error = %e, "database writer cannot reconnect");
                    drop(jobs);
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let (mut pending, mut answers, mut writes) = (vec![], vec![], vec![]);
        for job in jobs {
            match job {
                Job::Write(w) => writes.push(w),
                Job::Report(p, tx) => {
                    pending.push(p);
                    answers.push(tx);
                }
            }
        }
        let mut stored = vec![];
        let mut finishes: Vec<Finish> = Vec::with_capacity(writes.len());
        let committed = c.transaction::<_, DbError, _>(|c| {
            let reports = match pending.is_empty() {
                true => Ok(vec![]),
                false => reports::insert_reports(c, &pending),
            };
            // Run even after a failure, so that each write has its answer.
            for write in writes {
                finishes.push(write(c));
            }
            stored = reports?;
            Ok(())
        });
        let outcome = committed.map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "group commit failed");
            // The connection may be broken; start from a fresh one.
            conn = None;
        }
        for finish in finishes {
            finish(outcome.clone().map_err(DbError::Commit));
        }
        if let (Ok(()), Some(cp)) = (&outcome, &checkpointer) {
            let _ = cp.nudge.try_send(());
        }
        let mut stored = stored.into_iter();
        for tx in answers {
            let _ = tx.send(match &outcome {
                Ok(()) => stored.next().ok_or(DbError::WriterGone),
                Err(e) => Err(DbError::Commit(e.clone())),
            });
        }
    }
    if let Some(cp) = checkpointer {
        drop(cp.nudge);
        let _ = cp.thread.join();
    }
}

impl Store {
    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|c| c.batch_execute("SELECT 1").map_err(DbError::from))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_a_postgres_database_without_its_credentials() {
        let t =
            Target::parse("postgres://ms:geheim@db.example:5432/meldestelle?password=x").unwrap();
        assert_eq!(t.describe(), "postgres://db.example:5432/meldestelle");
        let t = Target::parse("postgresql://localhost/test").unwrap();
        assert_eq!(t.describe(), "postgres://localhost/test");
        assert_eq!(
            Target::parse("sqlite://a/b.db").unwrap().describe(),
            "a/b.db"
        );
    }
}
