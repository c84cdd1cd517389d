//! The command line: `serve`, `keygen`, `office`, `desk`, `report`, `audit`, `migrate`.

/// `println!` that hands a failed write back instead of panicking: a reader that has seen
/// enough (`meldestelle office list | head -1`) closes the pipe, and the command then ends
/// quietly (`main`, with `CliError::is_closed_stdout`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        writeln!(::std::io::stdout(), $($arg)*).map_err($crate::cli::CliError::Stdout)
    }};
}

/// `eprintln!` that drops what cannot be written: a note nobody reads is no reason to fail.
macro_rules! note {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = writeln!(::std::io::stderr(), $($arg)*);
    }};
}

pub mod desk;
mod followup;

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::crypto::{self, receipt::Receipt};
use crate::db::{self, Store};
use crate::domain::office::{check_recipient, NewOffice};

/// The audit log's actor for what the administrator does with the CLI (it has no login).
const ADMIN: &str = "admin:cli";

#[derive(Debug, Parser)]
#[command(
    name = "meldestelle",
    version,
    about = "Anonymous incident reporting and complaint desk"
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process's arguments (exits on an error or `--help`, as `Cli::parse` does).
    /// The commands that open no database (`keygen`, `desk`, `report`) get a hidden
    /// `--database-url` of their own, which keeps clap from handing the global one down to
    /// them: their help would list a flag that does nothing there.
    pub fn parse_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let mut cmd = Cli::command();
        for name in ["keygen", "desk", "report"] {
            cmd = cmd.mut_subcommand(name, |sc| {
                sc.arg(
                    clap::Arg::new("database_url")
                        .long("database-url")
                        .hide(true),
                )
            });
        }
        Cli::from_arg_matches(&cmd.get_matches()).unwrap_or_else(|e| e.exit())
    }
}

/// The database, for every command that opens one. Global, so that it is taken before the
/// command group as well as after it; `serve` and `jobs run` read the same flag as their
/// `Config::database_url` (clap hands a global's value to a subcommand's argument of that id).
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// sqlite://PATH or postgres://USER@HOST/DB (before or after the command).
    #[arg(
        long,
        global = true,
        env = "MELDESTELLE_DATABASE_URL",
        default_value = "sqlite://meldestelle.db"
    )]
    pub database_url: String,

    /// The statistics key file (see `serve --help`); only the commands that seal or open
    /// statistics batches read it.
    #[arg(long, global = true, env = "MELDESTELLE_STATS_KEY")]
    pub stats_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(Config),
    /// Create an officer identity: the secret key file and its public recipient.
    Keygen {
        /// Write the identity here (mode 0600) instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Manage offices and their officers' keys.
    Office {
        #[command(subcommand)]
        action: OfficeCommand,
    },
    /// The complaint officer's client: log in, read, answer, keep the deadlines.
    Desk {
        #[command(flatten)]
        args: desk::DeskArgs,
        #[command(subcommand)]
        action: desk::DeskCommand,
    },
    /// Submit a report as a reporter would (the reference client), or follow one up.
    Report(ReportArgs),
    /// Release anonymised statistics (disclosure control applied; never single records).
    Stats {
        #[command(flatten)]
        rules: crate::config::StatsRules,
        /// R6 releases only ended periods, by this date (a test's, in debug builds only).
        #[command(flatten)]
        clock: crate::config::Clock,
        #[command(subcommand)]
        action: StatsCommand,
    },
    /// Manage the alliance's analysts (they see released tables only).
    Analyst {
        #[command(subcommand)]
        action: AnalystCommand,
    },
    /// Check the audit log's hash chain.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Background jobs (mail, retention), run once now; `serve` runs them on a schedule.
    Jobs {
        #[command(subcommand)]
        action: JobsCommand,
    },
    /// Run pending database migrations and exit.
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Create an office (tenant).
    Add {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        municipality: String,
        /// ISO 3166-2 code of the Land without "DE-", e.g. BE, NW.
        #[arg(long)]
        land: String,
        /// under_20k, 20k_100k or over_100k.
        #[arg(long)]
        size_class: String,
        #[arg(long, default_value_t = 3)]
        retention_years: i32,
    },
    /// List offices with their key sets.
    List,
    /// Add an officer's age recipient; the office moves to a new key-set version.
    AddOfficer {
        #[arg(long)]
        office: String,
        #[arg(long)]
        name: String,
        /// The officer's age recipient (age1…), e.g. from `meldestelle keygen`.
        #[arg(long)]
        recipient: String,
        /// Where content-free notifications go.
        #[arg(long)]
        email: Option<String>,
    },
    /// Invite an officer to the browser desk: prints a one-time link (valid 7 days by default).
    /// The officer's browser makes their key; the office moves to a new key-set version when
    /// they enroll.
    Invite {
        #[arg(long)]
        office: String,
        /// The officer's name as colleagues see it.
        #[arg(long)]
        name: String,
        /// Where content-free notifications go.
        #[arg(long)]
        email: Option<String>,
        /// How long the link works, in days.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
        valid_days: u32,
        /// The desk's address as officers reach it (the link is this with `#invite=…`).
        #[arg(
            long,
            env = "MELDESTELLE_DESK_URL",
            default_value = "http://127.0.0.1:8080/desk"
        )]
        desk_url: String,
    },
    /// Add a recovery recipient, an age key kept offline, to every key set of the office, so
    /// that cases stay readable when every officer has lost their key (README, "Key handling").
    /// The office moves to a new key-set version; `--clear` removes it.
    SetRecovery {
        #[arg(long)]
        office: String,
        /// The recovery key's age recipient (age1…), from `age-keygen` or `meldestelle keygen`
        /// on an offline machine.
        #[arg(long, required_unless_present = "clear", conflicts_with = "clear")]
        recipient: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Deactivate an officer (by id or recipient); the office moves to a new key-set version.
    /// Their cases go to `--reassign-to` in the same step, or back to the whole office.
    RemoveOfficer {
        #[arg(long)]
        office: String,
        #[arg(long)]
        officer: String,
        /// The colleague (officer id or recipient, see `office list`) who takes over the
        /// leaving officer's cases.
        #[arg(long)]
        reassign_to: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: Option<ReportCommand>,
    #[command(flatten)]
    pub submit: SubmitArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SubmitArgs {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    #[arg(long, default_value = "demo")]
    pub office: String,
    /// The report text (UTF-8). Default: standard input.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Optional statistics answers as JSON (taxonomy v1), e.g. '{"incident_type":"threat"}'.
    #[arg(long)]
    pub stats: Option<String>,
    /// Print the result as JSON (receipt included) instead of prose.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Compute and freeze a period's whole release set (the alliance's tables and each office's
    /// own) from the offices' contributions. Done once per period; every later export serves
    /// the stored result. A series is either quarterly or yearly.
    Release {
        #[arg(long)]
        period: String,
    },
    /// One table of a frozen release: `--period 2026|2026-Q3 --by FIELD[,FIELD] --format csv|json`.
    Export {
        #[arg(long)]
        period: String,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "csv")]
        format: String,
        /// One office's own table (default: the alliance's).
        #[arg(long)]
        office: Option<String>,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// A frozen release as published: by Land, size class, incident type, racism form,
    /// incident type × Land, and per office (`--format html|json|csv`).
    Alliance {
        #[arg(long)]
        period: String,
        #[arg(long, default_value = "html")]
        format: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalystCommand {
    /// Add an analyst by age recipient, granted some offices or all.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        recipient: String,
        /// An office the analyst may see (repeat for several).
        #[arg(long = "office")]
        offices: Vec<String>,
        /// Every office of the instance, including later ones (the alliance view).
        #[arg(long)]
        all_offices: bool,
    },
    List,
    /// Deactivate an analyst.
    Remove {
        #[arg(long)]
        analyst: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run the jobs once, with the same settings as `serve` (database, SMTP).
    // Only what the jobs read is listed in `--help`; serve's other settings are accepted
    // (so one environment serves both) but hidden; a debug build shows its test clock.
    #[command(mut_arg("bind", |a| a.hide(true)))]
    #[command(mut_arg("web_dir", |a| a.hide(true)))]
    #[command(mut_arg("max_body_bytes", |a| a.hide(true)))]
    #[command(mut_arg("max_plaintext", |a| a.hide(true)))]
    #[command(mut_arg("max_attachment", |a| a.hide(true)))]
    #[command(mut_arg("max_attachments", |a| a.hide(true)))]
    #[command(mut_arg("header_secs", |a| a.hide(true)))]
    #[command(mut_arg("body_secs", |a| a.hide(true)))]
    #[command(mut_arg("body_min_rate", |a| a.hide(true)))]
    #[command(mut_arg("max_connections", |a| a.hide(true)))]
    #[command(mut_arg("workers", |a| a.hide(true)))]
    #[command(mut_arg("hsts", |a| a.hide(true)))]
    #[command(mut_arg("no_demo", |a| a.hide(true)))]
    #[command(mut_arg("session_secs", |a| a.hide(true)))]
    #[command(mut_arg("challenge_secs", |a| a.hide(true)))]
    #[command(mut_arg("lookups_per_sec", |a| a.hide(true)))]
    #[command(mut_arg("stats_threshold", |a| a.hide(true)))]
    #[command(mut_arg("stats_threshold_strict", |a| a.hide(true)))]
    #[command(mut_arg("stats_rounding_base", |a| a.hide(true)))]
    #[command(mut_arg("stats_epsilon", |a| a.hide(true)))]
    #[command(mut_arg("jobs_interval_secs", |a| a.hide(true)))]
    #[command(mut_arg("pow_bits", |a| a.hide(true)))]
    #[command(mut_arg("pow_secs", |a| a.hide(true)))]
    #[command(mut_arg("pow_load_step", |a| a.hide(true)))]
    #[command(mut_arg("submissions_per_sec", |a| a.hide(true)))]
    #[command(mut_arg("office_submissions_per_sec", |a| a.hide(true)))]
    #[command(mut_arg("desk_origin", |a| a.hide(true)))]
    #[command(mut_arg("desk_idle_secs", |a| a.hide(true)))]
    #[cfg_attr(debug_assertions, command(mut_arg("today", |a| a.hide(false).help("The date taken as today (debug builds: testing)"))))]
    Run {
        /// Which job to run.
        #[arg(long, value_enum, default_value = "all")]
        job: crate::app::jobs::Which,
        #[command(flatten)]
        config: Config,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the chain; fails if an entry was removed or altered. With `--since`, also
    /// fails if the log was truncated or rewritten after that checkpoint.
    Verify {
        /// A checkpoint `SEQ:HASH` from `audit head` (or the desk's login), kept elsewhere.
        #[arg(long)]
        since: Option<String>,
    },
    /// Print the newest entry as a checkpoint `SEQ:HASH`; keep it outside the database.
    Head,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Read the status and replies with your receipt (asked for, never an argument), and
    /// optionally send a message.
    FollowUp(followup::FollowUpArgs),
    /// Testing aid: read a receipt on stdin, print the derived lookup id and reply recipient.
    #[command(hide = true)]
    Derive,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
    #[error(transparent)]
    Office(#[from] crate::domain::office::OfficeError),
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    #[error(transparent)]
    Jobs(#[from] crate::app::jobs::JobError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Publish(#[from] crate::app::publish::PublishError),
    #[error(transparent)]
    Stats(#[from] crate::domain::stats::StatsError),
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    #[error(transparent)]
    App(#[from] crate::app::AppError),
}

impl CliError {
    /// Whoever read the output has closed it (`| head -1`): nothing is wrong, and nobody is
    /// left to tell.
    pub fn is_closed_stdout(&self) -> bool {
        matches!(self, CliError::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    let url = &cli.db.database_url;
    let stats_key = crate::config::stats_key_path(url, cli.db.stats_key.as_deref());
    match cli.command {
        Command::Serve(config) => {
            actix_web::rt::System::new().block_on(crate::server::run(config))?;
            Ok(())
        }
        Command::Keygen { output } => keygen(output),
        Command::Office { action } => office(&Store::open_existing(url)?, action),
        Command::Desk { args, action } => desk::run(args, action),
        Command::Stats {
            rules,
            clock,
            action,
        } => stats(
            &Store::open_existing(url)?,
            &stats_key,
            &rules.rules(),
            clock.today(),
            action,
        ),
        Command::Analyst { action } => analyst(&Store::open_existing(url)?, action),
        Command::Audit { action } => {
            let entries = Store::open_existing(url)?.read_now(db::desk::audit_entries)?;
            let broken = |e: crate::domain::audit::ChainError| {
                CliError::Usage(format!("audit log BROKEN: {e}"))
            };
            match action {
                AuditCommand::Verify { since: None } => {
                    let n = crate::domain::audit::verify(&entries).map_err(broken)?;
                    outln!("audit log intact: {n} entries")?;
                }
                AuditCommand::Verify { since: Some(cp) } => {
                    let cp: crate::domain::audit::Checkpoint = cp
                        .parse()
                        .map_err(|e| CliError::Usage(format!("--since: {e}")))?;
                    let n = crate::domain::audit::verify_since(&entries, &cp).map_err(broken)?;
                    outln!("audit log intact: {n} entries, checkpoint {} holds", cp.seq)?;
                }
                AuditCommand::Head => match crate::domain::audit::head(&entries) {
                    Some(cp) => outln!("{cp}")?,
                    None => return Err(CliError::Usage("the audit log is empty".into())),
                },
            }
            Ok(())
        }
        Command::Jobs {
            action: JobsCommand::Run { job, config },
        } => {
            let store = Store::open_existing(&config.database_url)?;
            let jobs = crate::app::jobs::Jobs::new(store, std::sync::Arc::new(config))?;
            if !jobs.mail_enabled() && job != crate::app::jobs::Which::Retention {
                note!("notifications: off (no --smtp-host); no mail jobs run");
            }
            let o = jobs.run(job)?;
            outln!(
                "queued {} mail(s), sent {}, failed {}; deleted {} case(s)",
                o.queued,
                o.sent,
                o.failed,
                o.deleted
            )?;
            Ok(())
        }
        Command::Migrate => {
            let (store, ran) = Store::open_counting(url)?;
            match ran {
                0 => note!("migrations: none pending, the database is up to date"),
                n => note!("migrations: applied {n}; the database is up to date"),
            }
            // Plain statistics records of an earlier version are sealed now, with the key.
            if !store.read_now(db::stats::legacy_records)?.is_empty() {
                crate::app::contributions::open_stats_key(&store, &stats_key)?;
                note!(
                    "statistics: earlier records sealed to {}",
                    stats_key.display()
                );
            }
            Ok(())
        }
        Command::Report(args) => match args.action {
            Some(ReportCommand::Derive) => derive(),
            Some(ReportCommand::FollowUp(a)) => followup::run(a),
            None => submit(args.submit),
        },
    }
}

fn keygen(output: Option<PathBuf>) -> Result<(), CliError> {
    let (secret, recipient) = crypto::keygen();
    let today = chrono::Local::now().date_naive();
    let text = format!("# created: {today}\n# public key: {recipient}\n{secret}\n");
    match output {
        Some(path) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            opts.open(&path)?.write_all(text.as_bytes())?;
            note!("identity written to {}", path.display());
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(CliError::Stdout)?,
    }
    note!("Public key: {recipient}");
    Ok(())
}

fn office(store: &Store, action: OfficeCommand) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    match action {
        OfficeCommand::Add {
            slug,
            name,
            municipality,
            land,
            size_class,
            retention_years,
        } => {
            let new = NewOffice {
                slug,
                name,
                municipality,
                land,
                size_class,
                retention_years,
            };
            new.validate()?;
            store.write_now(|c| db::offices::insert_office(c, &new, today, ADMIN))?;
            outln!(
                "office '{}' created; add officers with `meldestelle office add-officer`",
                new.slug
            )?;
        }
        OfficeCommand::List => {
            for o in store.read_now(db::offices::list_offices)? {
                outln!(
                    "{}\t{}\t{} ({}, {})\tkey set v{}\t{} officer(s){}",
                    o.slug,
                    o.name,
                    o.municipality,
                    o.land,
                    o.size_class,
                    o.keyset_version,
                    o.officer_count(),
                    if o.recovery.is_some() {
                        " + recovery key"
                    } else {
                        ""
                    }
                )?;
                if o.recipients.is_empty() {
                    outln!(
                        "\tno officer and no recovery key: the office takes no reports until \
                         one joins (office invite, office add-officer)"
                    )?;
                }
                // Reports taken while the key set was empty (before refusing them): no
                // officer's key, however new, opens them.
                let unreadable = store
                    .read_now(|c| db::reports::report_headers(c, &o.slug))?
                    .iter()
                    .filter(|h| crate::domain::intake::unreadable_for_office(h))
                    .count();
                if unreadable > 0 {
                    outln!(
                        "\t{unreadable} case(s) nobody in the office can read: received while it had \
                         no officer, encrypted only to the reporter's own code; no officer will ever open \
                         them, but a reply from the office still reaches the reporter (to ask \
                         them to report again once an officer has joined)"
                    )?;
                }
                // The ids `remove-officer --officer/--reassign-to` take.
                for officer in store.read_now(|c| db::offices::list_officers(c, &o.slug))? {
                    if officer.active {
                        outln!(
                            "\tofficer {}\t{}\t{}",
                            officer.id,
                            officer.display_name,
                            officer.recipient
                        )?;
                    }
                }
            }
        }
        OfficeCommand::AddOfficer {
            office,
            name,
            recipient,
            email,
        } => {
            check_recipient(&recipient)?;
            let (officer, version) = store.write_now(|c| {
                db::offices::add_officer(
                    c,
                    &office,
                    &name,
                    &recipient,
                    email.as_deref(),
                    today,
                    ADMIN,
                )
            })?;
            outln!(
                "officer {} added; office '{office}' is now at key set v{version}",
                officer.id
            )?;
        }
        OfficeCommand::Invite {
            office,
            name,
            email,
            valid_days,
            desk_url,
        } => {
            if name.trim().is_empty() {
                return Err(crate::domain::office::OfficeError::EmptyName.into());
            }
            let token = crate::domain::auth::random_hex();
            let expires_at =
                chrono::Utc::now().naive_utc() + chrono::Duration::days(i64::from(valid_days));
            store
                .write_now(|c| {
                    db::invitations::insert_invitation(
                        c,
                        &db::invitations::NewInvitation {
                            token_hash: crate::domain::auth::hash(&token),
                            office: &office,
                            display_name: name.trim(),
                            email: email.as_deref(),
                            expires_at,
                        },
                        ADMIN,
                    )
                })
                .map_err(|e| match e {
                    db::DbError::NotFound => CliError::Usage(format!("no office '{office}'")),
                    e => e.into(),
                })?;
            note!(
                "Invitation for {} at '{office}', valid until {} (UTC). Send this link to them \
                 only, over a channel you trust; it works once:",
                name.trim(),
                expires_at.format("%Y-%m-%d %H:%M")
            );
            // The token goes in the fragment, which browsers never send to a server.
            outln!("{}#invite={token}", desk_url.trim_end_matches('#'))?;
        }
        OfficeCommand::SetRecovery {
            office,
            recipient,
            clear,
        } => {
            // Bech32 is case-insensitive: one spelling, so comparisons with officers' keys hold.
            let recipient = if clear {
                None
            } else {
                recipient.map(|r| r.trim().to_ascii_lowercase())
            };
            if let Some(r) = &recipient {
                check_recipient(r)?;
            }
            let version = store
                .write_now(|c| db::offices::set_recovery(c, &office, recipient.as_deref(), ADMIN))
                .map_err(|e| match e {
                    db::DbError::NotFound => CliError::Usage(format!("no office '{office}'")),
                    e => e.into(),
                })?;
            match recipient {
                Some(_) => outln!(
                    "recovery recipient set; office '{office}' is now at key set v{version}. \
                     Older cases reach it once an officer rewraps them (desk: Update keys)"
                )?,
                None => outln!(
                    "recovery recipient removed; office '{office}' is now at key set v{version}"
                )?,
            }
        }
        OfficeCommand::RemoveOfficer {
            office,
            officer,
            reassign_to,
        } => {
            let (version, moved) = store
                .write_now(|c| {
                    db::offices::remove_officer(c, &office, &officer, reassign_to.as_deref(), ADMIN)
                })
                .map_err(|e| match e {
                    db::DbError::NotFound => CliError::Usage(format!(
                        "no active officer '{officer}' in office '{office}'"
                    )),
                    db::DbError::Conflict(m) => CliError::Usage(m),
                    e => e.into(),
                })?;
            let to = reassign_to.as_deref().unwrap_or("the whole office");
            outln!(
                "officer removed; office '{office}' is now at key set v{version}; \
                 {moved} case(s) reassigned to {to}"
            )?;
        }
    }
    Ok(())
}

fn write_out(output: Option<PathBuf>, bytes: &[u8]) -> Result<(), CliError> {
    match output {
        Some(p) => std::fs::write(p, bytes)?,
        None => {
            // Flushed here: an error at the flush on exit would go unnoticed.
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(CliError::Stdout)?;
        }
    }
    Ok(())
}

fn stats(
    store: &Store,
    stats_key: &std::path::Path,
    rules: &crate::domain::stats::Rules,
    today: chrono::NaiveDate,
    action: StatsCommand,
) -> Result<(), CliError> {
    use crate::app::publish;
    use crate::domain::stats::render::Format;
    let offices = store.read_now(db::offices::list_offices)?;
    match action {
        StatsCommand::Release { period } => {
            let key = crate::app::contributions::open_stats_key(store, stats_key)?;
            let r = store.write_now(|c| {
                let out = publish::freeze(c, &key, &period, &offices, rules, today);
                if let Ok(r) = &out {
                    db::desk::append_audit(c, "*", ADMIN, "stats:release", Some(&r.period))?;
                }
                Ok(out)
            })??;
            let n = serde_json::from_str::<serde_json::Value>(&r.rules)
                .ok()
                .and_then(|v| v["contributing_offices"].as_u64())
                .unwrap_or(0);
            outln!(
                "released {} on {}: {n} contributing office(s); frozen from now on",
                r.period,
                r.released_on
            )?;
            Ok(())
        }
        StatsCommand::Export {
            period,
            by,
            format,
            office,
            output,
        } => {
            let format = Format::parse(&format)?;
            let req = publish::TableRequest { period, by, office };
            let body = store.read_now(|c| publish::frozen_table(c, &req, format))?;
            write_out(output, &body)
        }
        StatsCommand::Alliance {
            period,
            format,
            output,
        } => {
            let format = Format::parse(&format)?;
            let body = store.read_now(|c| publish::frozen(c, &period, format))?;
            write_out(output, &body)
        }
    }
}

fn analyst(store: &Store, action: AnalystCommand) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    match action {
        AnalystCommand::Add {
            name,
            recipient,
            offices,
            all_offices,
        } => {
            check_recipient(&recipient)?;
            if offices.is_empty() && !all_offices {
                return Err(CliError::Usage(
                    "grant at least one --office, or --all-offices".into(),
                ));
            }
            let id = store.write_now(|c| {
                db::stats::add_analyst(c, &name, &recipient, &offices, all_offices, today, ADMIN)
            })?;
            outln!("analyst {id} added")?;
        }
        AnalystCommand::List => {
            for a in store.read_now(db::stats::list_analysts)? {
                let scope = if a.all_offices {
                    "all offices".to_owned()
                } else {
                    a.offices.join(",")
                };
                outln!(
                    "{}\t{}\t{}\t{}",
                    a.id,
                    a.display_name,
                    if a.active { "active" } else { "inactive" },
                    scope
                )?;
            }
        }
        AnalystCommand::Remove { analyst } => {
            store.write_now(|c| db::stats::remove_analyst(c, &analyst, ADMIN))?;
            outln!("analyst {analyst} deactivated")?;
        }
    }
    Ok(())
}

fn derive() -> Result<(), CliError> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let receipt: Receipt = input.trim().parse()?;
    /// What a receipt derives (PROTOCOL.md §2), for a reporter's own client.
    #[derive(serde::Serialize)]
    struct Derived {
        lookup_id: crate::protocol::ids::LookupId,
        reply_recipient: String,
    }
    let derived = Derived {
        lookup_id: crate::client::followup::lookup_id(&receipt),
        reply_recipient: receipt.reply_identity().to_public().to_string(),
    };
    outln!(
        "{}",
        serde_json::to_string(&derived).map_err(|e| CliError::Usage(e.to_string()))?
    )?;
    Ok(())
}

fn submit(args: SubmitArgs) -> Result<(), CliError> {
    let text = match &args.file {
        Some(path) => std::fs::read_to_string(path)?,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
    };
    // Checked against the taxonomy before anything is sent, as the server checks the office's
    // contribution: an answer outside it would only be dropped there.
    let answers = match &args.stats {
        Some(s) => {
            let answers: crate::domain::stats::taxonomy::Answers =
                serde_json::from_str(s).map_err(|e| CliError::Usage(format!("--stats: {e}")))?;
            answers
                .validate()
                .map_err(|e| CliError::Usage(format!("--stats: {e}")))?;
            Some(answers)
        }
        None => None,
    };
    let api = crate::client::Api::new(&args.server)?;
    let office = api.office(&args.office)?;
    // The answers travel inside the ciphertext: only the office reads them, and they reach the
    // statistics through its quarterly contribution, unlinked from this report.
    let mut document = crate::protocol::document::Document::report(&text);
    if let Some(a) = &answers {
        document = document.with_answers(a);
    }
    // To the office and to the receipt's reply key: the receipt alone re-reads the report.
    let (mut body, receipt) = crate::client::submission(&office, &document)?;
    body.pow = Some(api.proof_of_work()?);
    let answer: crate::protocol::reports::Received = api.post("/v1/reports", &body)?;
    if args.json {
        // The receipt beside the server's answer, for a script that keeps it.
        let mut out = serde_json::to_value(&answer).unwrap_or_default();
        out["receipt"] = receipt.to_string().into();
        outln!("{out}")?;
    } else {
        outln!(
            "Your report was received on {}.\n\nYour receipt (write it down; nobody can recover it):\n\n    {}\n\n\
             With it you can read replies and add messages: meldestelle report follow-up\n\
             The office must acknowledge it by {} and give feedback by {}.",
            answer.received_on, receipt, answer.ack_due, answer.feedback_due,
        )?;
    }
    Ok(())
}
