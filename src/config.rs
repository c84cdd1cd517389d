//! The server's configuration: one typed struct, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::crypto::padding::Buckets;
use crate::domain::intake::Limits;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on. Port 0 picks a free port (printed at start).
    #[arg(long, env = "MELDESTELLE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// sqlite://PATH (the embedded default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "MELDESTELLE_DATABASE_URL",
        default_value = "sqlite://meldestelle.db"
    )]
    pub database_url: String,

    /// Directory of the built report form (web/dist).
    #[arg(long, env = "MELDESTELLE_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,

    /// Largest request body accepted, in bytes (413 above).
    #[arg(long, env = "MELDESTELLE_MAX_BODY", default_value_t = 24 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest padded plaintext of a report or message, in bytes (rounded down to 64 KiB).
    #[arg(long, env = "MELDESTELLE_MAX_PLAINTEXT", default_value_t = 1024 * 1024)]
    pub max_plaintext: u64,

    /// Largest padded plaintext of one attachment, in bytes (rounded down to 64 KiB).
    #[arg(long, env = "MELDESTELLE_MAX_ATTACHMENT", default_value_t = 5 * 1024 * 1024)]
    pub max_attachment: u64,

    /// How many attachments one report may carry.
    #[arg(long, env = "MELDESTELLE_MAX_ATTACHMENTS", default_value_t = 3)]
    pub max_attachments: usize,

    /// Seconds a client has to send a request's headers; slower ones are dropped.
    #[arg(long, env = "MELDESTELLE_HEADER_SECS", default_value_t = 5)]
    pub header_secs: u64,

    /// Longest pause, in seconds, while a request's body arrives (408 after); also the grace
    /// period before `--body-min-rate` applies.
    #[arg(long, env = "MELDESTELLE_BODY_SECS", default_value_t = 60)]
    pub body_secs: u64,

    /// Slowest a request's body may arrive, in bytes per second on average, counted from
    /// `--body-secs` after the headers (408 after): a body trickled byte by byte, never
    /// pausing long, cannot hold a connection for as long as it likes.
    #[arg(long, env = "MELDESTELLE_BODY_MIN_RATE", default_value_t = 2048)]
    pub body_min_rate: u64,

    /// Open connections per worker thread; more wait until one closes.
    #[arg(long, env = "MELDESTELLE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MELDESTELLE_WORKERS")]
    pub workers: Option<usize>,

    /// Send Strict-Transport-Security (set this when TLS terminates in front of the server).
    #[arg(long, env = "MELDESTELLE_HSTS")]
    pub hsts: bool,

    /// The office the report form opens with when its address names none. Without it, the
    /// form offers the list of offices (or opens the only one).
    #[arg(long, env = "MELDESTELLE_DEFAULT_OFFICE")]
    pub default_office: Option<String>,

    /// Do not create the demo office in an empty database.
    #[arg(long, env = "MELDESTELLE_NO_DEMO")]
    pub no_demo: bool,

    /// Lifetime of an officer's bearer token, in seconds.
    #[arg(long, env = "MELDESTELLE_SESSION_SECS", default_value_t = 30 * 60)]
    pub session_secs: u64,

    /// Lifetime of a login challenge, in seconds.
    #[arg(long, env = "MELDESTELLE_CHALLENGE_SECS", default_value_t = 120)]
    pub challenge_secs: u64,

    /// Reporter follow-up lookups per second, for all reporters together (nothing per client
    /// is kept); bursts of five times as many pass.
    #[arg(long, env = "MELDESTELLE_LOOKUPS_PER_SEC", default_value_t = 20)]
    pub lookups_per_sec: u32,

    #[command(flatten)]
    pub stats: StatsRules,

    /// The statistics key file (created on first start): offices' contributions are sealed to
    /// it. Keep it outside the database's backups; every server of one database needs the same
    /// file. Default: meldestelle-stats.key beside a SQLite file, else in the working directory.
    #[arg(long, env = "MELDESTELLE_STATS_KEY")]
    pub stats_key: Option<PathBuf>,

    /// SMTP server for the officers' content-free notifications. Without it no mail is
    /// sent (and the log says so once); retention runs all the same.
    #[arg(long, env = "MELDESTELLE_SMTP_HOST")]
    pub smtp_host: Option<String>,

    #[arg(long, env = "MELDESTELLE_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// none (loopback and tests only), starttls, or tls (implicit TLS, usually port 465).
    #[arg(
        long,
        env = "MELDESTELLE_SMTP_TLS",
        value_enum,
        default_value = "starttls"
    )]
    pub smtp_tls: SmtpTls,

    #[arg(long, env = "MELDESTELLE_SMTP_USER")]
    pub smtp_user: Option<String>,

    /// Prefer the environment variable: a flag shows in the process list.
    #[arg(long, env = "MELDESTELLE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// The sender of the notifications.
    #[arg(
        long,
        env = "MELDESTELLE_MAIL_FROM",
        default_value = "Meldestelle <meldestelle@localhost>"
    )]
    pub mail_from: String,

    /// The link in every notification (default: this server's own `/desk`, from `--bind`).
    #[arg(long, env = "MELDESTELLE_DESK_URL")]
    pub desk_url: Option<String>,

    /// Allow the browser desk served from this origin (e.g. `http://127.0.0.1:8090` from
    /// `meldestelle desk ui` on an officer's machine) to call the API. Only this one origin.
    #[arg(long, env = "MELDESTELLE_DESK_ORIGIN")]
    pub desk_origin: Option<String>,

    /// Officers are locked out of the browser desk after this many idle seconds.
    #[arg(long, env = "MELDESTELLE_DESK_IDLE_SECS", default_value_t = 15 * 60)]
    pub desk_idle_secs: u64,

    /// At most one mail per officer per this many seconds.
    #[arg(long, env = "MELDESTELLE_NOTIFY_INTERVAL_SECS", default_value_t = 15 * 60)]
    pub notify_interval_secs: u64,

    /// Send each officer exactly one mail a day, whether anything happened or not, and no
    /// other mail: then the sending itself reveals nothing.
    #[arg(long, env = "MELDESTELLE_DIGEST_DAILY")]
    pub digest_daily: bool,

    /// How often the background jobs (mail, retention) run inside `serve`, in seconds.
    #[arg(long, env = "MELDESTELLE_JOBS_INTERVAL_SECS", default_value_t = 60)]
    pub jobs_interval_secs: u64,

    /// First wait before retrying a failed mail, in seconds; it doubles up to an hour.
    #[arg(long, env = "MELDESTELLE_SMTP_RETRY_SECS", default_value_t = 30)]
    pub smtp_retry_secs: u64,

    /// Proof of work for submissions and follow-up messages: leading zero bits of
    /// SHA-256(challenge ‖ nonce). 0 turns it off (then the `pow` field is optional).
    #[arg(long, env = "MELDESTELLE_POW_BITS", default_value_t = 18, value_parser = clap::value_parser!(u8).range(0..=32))]
    pub pow_bits: u8,

    /// Lifetime of a proof-of-work challenge, in seconds.
    #[arg(long, env = "MELDESTELLE_POW_SECS", default_value_t = 300)]
    pub pow_secs: u64,

    /// Submissions in ten seconds from which the proof of work gets one bit harder; two bits
    /// at twice as many, up to four bits at eight times as many.
    #[arg(long, env = "MELDESTELLE_POW_LOAD_STEP", default_value_t = 100)]
    pub pow_load_step: usize,

    /// Reports and follow-up messages per second, for all offices together (bursts of ten
    /// times as many pass). Nothing per client is kept.
    #[arg(long, env = "MELDESTELLE_SUBMISSIONS_PER_SEC", default_value_t = 20)]
    pub submissions_per_sec: u32,

    /// Reports and follow-up messages per second to one office (bursts of ten times as many).
    #[arg(
        long,
        env = "MELDESTELLE_OFFICE_SUBMISSIONS_PER_SEC",
        default_value_t = 5
    )]
    pub office_submissions_per_sec: u32,

    #[command(flatten)]
    pub clock: Clock,
}

/// The date taken as today: the machine's; in a debug build (the tests') `--today` or
/// `MELDESTELLE_TODAY` if given. A release build has no such switch, so no setting can move its
/// clock: a quarter cannot be released before it ended, nor a case deleted before its time.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Clock {
    /// Testing only (debug builds): the date taken as today.
    #[cfg(debug_assertions)]
    #[arg(long, env = "MELDESTELLE_TODAY", hide = true)]
    pub today: Option<NaiveDate>,
}

impl Clock {
    pub fn today(&self) -> NaiveDate {
        #[cfg(debug_assertions)]
        if let Some(day) = self.today {
            return day;
        }
        chrono::Local::now().date_naive()
    }
}

/// The statistics key file: `explicit`, else the default for the database
/// (`db::Target::default_stats_key`).
pub fn stats_key_path(database_url: &str, explicit: Option<&std::path::Path>) -> PathBuf {
    explicit.map_or_else(
        || crate::db::Target::default_stats_key(database_url),
        std::path::Path::to_path_buf,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

impl Config {
    /// Whether notifications are configured at all.
    pub fn mail_enabled(&self) -> bool {
        self.smtp_host.as_deref().is_some_and(|h| !h.is_empty())
    }

    /// Where the notification mails send officers: `--desk-url`, else this server's `/desk`.
    pub fn desk_url(&self) -> String {
        match &self.desk_url {
            Some(url) => url.clone(),
            None => {
                let host = if self.bind.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    self.bind.ip().to_string()
                };
                let host = if self.bind.is_ipv6() && host != "localhost" {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("http://{host}:{}/desk", self.bind.port())
            }
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The statistics key file: `--stats-key`, else the default for the database.
    pub fn stats_key_path(&self) -> PathBuf {
        stats_key_path(&self.database_url, self.stats_key.as_deref())
    }

    /// The body cap of a follow-up message: one padded message of the largest bucket in base64,
    /// with room for the age header and the other fields; never above `max_body_bytes`.
    pub fn message_body_bytes(&self) -> usize {
        let plain = self.limits().report.max_plaintext as usize;
        let age = plain + plain.div_ceil(64 * 1024) * 16 + 16 + 16 * 1024;
        (age.div_ceil(3) * 4 + 4096).min(self.max_body_bytes)
    }

    pub fn limits(&self) -> Limits {
        Limits {
            report: Buckets::new(self.max_plaintext),
            attachment: Buckets::new(self.max_attachment),
            max_attachments: self.max_attachments,
        }
    }
}

/// Disclosure control settings (DESIGN.md R1, R3, R7), with the design's defaults.
#[derive(Debug, Clone, clap::Args)]
pub struct StatsRules {
    /// R1: cells below this are suppressed.
    #[arg(long, env = "MELDESTELLE_STATS_THRESHOLD", default_value_t = 5)]
    pub stats_threshold: u64,
    /// R1: the threshold under Land level and for any table using racism_form.
    #[arg(long, env = "MELDESTELLE_STATS_THRESHOLD_STRICT", default_value_t = 10)]
    pub stats_threshold_strict: u64,
    /// R3: released counts are rounded to this base.
    #[arg(long, env = "MELDESTELLE_STATS_ROUNDING", default_value_t = 5)]
    pub stats_rounding_base: u64,
    /// R7: ε of the cell-key noise per released table (none when absent).
    #[arg(long, env = "MELDESTELLE_STATS_EPSILON")]
    pub stats_epsilon: Option<f64>,
}

impl StatsRules {
    pub fn rules(&self) -> crate::domain::stats::Rules {
        crate::domain::stats::Rules {
            threshold: self.stats_threshold,
            threshold_strict: self.stats_threshold_strict,
            rounding_base: self.stats_rounding_base,
            epsilon: self.stats_epsilon,
            ..Default::default()
        }
    }
}
