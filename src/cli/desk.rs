//! `meldestelle desk …`: the officer's client. Decryption happens here, with the officer's
//! identity file (or hardware key through an age plugin); the server never sees a key.

use std::io::Read;
use std::path::PathBuf;

use base64::Engine;
use clap::Subcommand;
use serde_json::Value;

use super::CliError;
use crate::client::{self, keys, keys::Identities, login, Api};
use crate::crypto;
use crate::domain::case::Status;
use crate::domain::stats::taxonomy::{Answers, Quarter};
use crate::domain::workflow::Direction;
use crate::protocol::casework as wire;
use crate::protocol::desk as wire_desk;
use crate::protocol::document::{
    self, Document, ForwardedAttachment, ForwardedCase, ForwardedMessage, ForwardedReport,
};
use crate::protocol::ids::{OfficerId, Token};
use crate::protocol::reports::OfficeView;
use crate::protocol::stats::{Contributed, Contribution, Contributions};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, clap::Args)]
pub struct DeskArgs {
    #[arg(
        long,
        env = "MELDESTELLE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    #[arg(long, env = "MELDESTELLE_OFFICE", default_value = "demo")]
    pub office: String,
    /// The officer's age identity file (or a plugin identity stub, e.g. a YubiKey's).
    /// Every command but `ui` needs it.
    #[arg(long, env = "MELDESTELLE_IDENTITY")]
    pub identity: Option<PathBuf>,
    /// A token from `desk login`; without it, each command logs in by itself.
    #[arg(long, env = "MELDESTELLE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DeskCommand {
    /// Serve the browser desk from this machine on loopback, against the server's API (the
    /// server must allow this origin: `serve --desk-origin http://127.0.0.1:8090`). Then the
    /// code that holds your key comes from your own copy, not from the server.
    Ui {
        /// Where to serve the desk (loopback only).
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: std::net::SocketAddr,
        /// The built pages (web/dist).
        #[arg(long, env = "MELDESTELLE_WEB_DIR", default_value = "web/dist")]
        web_dir: PathBuf,
        /// Lock the desk after this many idle seconds.
        #[arg(long, default_value_t = 15 * 60)]
        idle_secs: u64,
    },
    /// Log in by age challenge and print a short-lived token (for MELDESTELLE_TOKEN).
    Login,
    /// The office's cases with their deadlines, who they are assigned to and their labels;
    /// never content.
    Inbox {
        /// all, due (overdue or due within 7 days), overdue, open.
        #[arg(long, default_value = "all")]
        filter: String,
        /// Only the cases assigned to you.
        #[arg(long)]
        mine: bool,
    },
    /// The office's active officers, with the ids `assign` takes.
    Officers,
    /// Assign a case to an officer of the office (`--to ID`), or back to the whole office
    /// (`--to office`).
    Assign {
        case: String,
        #[arg(long)]
        to: String,
    },
    /// The office's own labels (their names are encrypted to the office).
    #[command(subcommand)]
    Labels(LabelsCommand),
    /// Record a report received by telephone, in person or by letter (HinSchG §16(3)). It is
    /// encrypted here like a reporter's, becomes a case with the same deadlines, and prints the
    /// receipt to hand over (printed or read out) so the person can follow up anonymously.
    Record {
        /// phone, in_person or letter.
        #[arg(long)]
        channel: String,
        /// The record's text; default: standard input.
        #[arg(long)]
        file: Option<PathBuf>,
        /// When it happened, in the person's words (e.g. "2026-11").
        #[arg(long)]
        when: Option<String>,
        /// Where it happened, in the person's words.
        #[arg(long = "where")]
        place: Option<String>,
        /// The person's answers (taxonomy v1 JSON), e.g. '{"incident_type":"threat"}'.
        #[arg(long)]
        stats: Option<String>,
        /// The person has checked and confirmed the record (HinSchG §11).
        #[arg(long)]
        confirmed: bool,
        /// Print the result as JSON (receipt included).
        #[arg(long)]
        json: bool,
    },
    /// Decrypt and show a case with its messages and notes.
    Open { case: String },
    /// Decrypt the report's attachments into DIR under their own names (padding removed).
    Attachments {
        case: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Add a note for the office (encrypted to the office's recipients only).
    Note {
        case: String,
        /// The text; default: standard input.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Reply to the reporter (encrypted to the reporter and the office).
    Reply {
        case: String,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Move a case on: acknowledged, in_progress, feedback_given, closed.
    Status {
        case: String,
        status: String,
        /// The office's classification (taxonomy v1 JSON, e.g. '{"incident_type":"threat"}'),
        /// kept as an encrypted note of the case; it counts in the statistics through the
        /// quarter's contribution, where it wins over the reporter's answers.
        #[arg(long)]
        classification: Option<String>,
    },
    /// Statistics: contribute a quarter's records (one per case, decrypted and merged here).
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Write the report's raw .age file (decrypts with `age -d -i IDENTITY`).
    Export {
        case: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Forward a case to a competent authority (HinSchG §18 no. 4): decrypts it here and
    /// encrypts the report, the messages with the reporter and the attachments (never internal
    /// notes) to the authority's age recipient, as one `.age` file. The audit log records that
    /// it was forwarded and to which key, never what.
    Forward {
        case: String,
        /// The authority's age recipient (age1…).
        #[arg(long)]
        to: String,
        #[arg(short, long)]
        output: PathBuf,
        /// Leave out the messages exchanged with the reporter.
        #[arg(long)]
        without_messages: bool,
        /// Leave out the attachments.
        #[arg(long)]
        without_attachments: bool,
    },
    /// Re-encrypt a case to the office's current key set, swapped in atomically; with --all,
    /// every case the current key set cannot read yet, a batch at a time.
    Rewrap {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        case: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Keep a closed case longer than its retention period, with a recorded reason.
    Extend {
        case: String,
        /// The new deletion date (YYYY-MM-DD), later than the current one.
        #[arg(long)]
        until: chrono::NaiveDate,
        /// Why the case must be kept longer (stored and audited).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// The labels with their ids.
    List,
    /// Define a new label.
    Add { name: String },
    /// Give a label a new name.
    Rename { label: String, name: String },
    /// Remove a label from the office and from every case.
    Remove { label: String },
    /// Give a case exactly these labels (ids or names; none removes all).
    Set { case: String, labels: Vec<String> },
    /// Re-encrypt labels still encrypted to an older key set.
    Rewrap,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Decrypt every case the office received in QUARTER, merge each reporter's answers with
    /// the office's classification (the office's wins), and send all records in one shuffled
    /// batch. Replaces an earlier batch for the quarter until its release is frozen. For a
    /// quarter without cases this confirms it (so that a missing office tells nothing).
    Contribute {
        /// An ended quarter, e.g. 2026-Q3.
        #[arg(long)]
        quarter: String,
    },
    /// The last four quarters: cases received, records contributed, frozen or not.
    Status,
}

struct Session {
    api: Api,
    identities: Identities,
}

impl Session {
    fn open(args: &DeskArgs) -> Result<Session, CliError> {
        let identity = args.identity.as_deref().ok_or_else(|| {
            CliError::Usage("--identity FILE is required for this command".into())
        })?;
        let identities = keys::identities_from_file(identity)?;
        let api = Api::new(&args.server)?;
        let token = match &args.token {
            Some(t) => Token::new(t.clone()),
            None => {
                let recipient = keys::recipient_of(identity)?;
                login::officer(&api, &args.office, &recipient, &identities)?.token
            }
        };
        Ok(Session {
            api: api.with_token(token),
            identities,
        })
    }

    /// A case of the office with every ciphertext; `read: false` opens it only to work on it
    /// (statistics, re-encryption), so the reporter's messages stay new.
    fn opened(&self, case: &str, read: bool) -> Result<wire_desk::OpenedCase, CliError> {
        let query = if read { "" } else { "?read=false" };
        Ok(self.api.get(&format!("/v1/desk/cases/{case}{query}"))?)
    }

    fn decrypt_b64(&self, b64: &str) -> Result<Vec<u8>, CliError> {
        Ok(crypto::decrypt(&client::from_b64(b64)?, &self.identities)?)
    }

    /// What the server says the office is now: key set and padding.
    fn office(&self, slug: &str) -> Result<OfficeView, CliError> {
        Ok(self.api.office(slug)?)
    }
}

fn read_text(file: &Option<PathBuf>) -> Result<String, CliError> {
    Ok(match file {
        Some(p) => std::fs::read_to_string(p)?,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
    })
}

/// Adds the office's classification of a case as an encrypted note (office only).
fn classify(s: &Session, office_slug: &str, case: &str, json: &str) -> Result<(), CliError> {
    let answers: Answers = serde_json::from_str(json)
        .map_err(|e| CliError::Usage(format!("--classification: {e}")))?;
    answers
        .validate()
        .map_err(|e| CliError::Usage(format!("--classification: {e}")))?;
    let o = s.office(office_slug)?;
    let summary = serde_json::to_string(&answers).unwrap_or_default();
    let doc = Document::new(
        "classification",
        &format!("Einordnung / classification: {summary}"),
    )
    .with_answers(&answers);
    let ct = client::seal_document(&doc, &o.recipients, o.padding.max_plaintext)?;
    let _: wire_desk::MessageCreated = s.api.post(
        &format!("/v1/desk/cases/{case}/notes"),
        &wire_desk::NewMessage {
            ciphertext: ct,
            keyset_version: o.keyset_version,
        },
    )?;
    Ok(())
}

/// The statistics answers of a decrypted document, if it has valid ones.
fn answers_of(plain: &[u8]) -> Option<Answers> {
    Document::parse(plain)?.answers()
}

/// `desk stats contribute`: one record per case of the quarter, merged and sent at once.
fn contribute(s: &Session, quarter: &str) -> Result<(), CliError> {
    let q = Quarter::parse(quarter)
        .ok_or_else(|| CliError::Usage(format!("--quarter: '{quarter}' is not like 2026-Q3")))?;
    let (first, last) = q.days();
    let inbox: wire_desk::Inbox = s.api.get("/v1/desk/cases?filter=all")?;
    let mut records = Vec::new();
    let mut unreadable = 0;
    for c in &inbox.cases {
        if c.received_on < first || c.received_on > last {
            continue;
        }
        // Reading for statistics is not reading the case: no "seen" mark.
        let v = s.opened(&c.id, false)?;
        let reporter = match s.decrypt_b64(&v.ciphertext) {
            Ok(plain) => answers_of(&plain),
            Err(_) => {
                unreadable += 1;
                None
            }
        };
        // The newest classification note wins.
        let officer = v
            .messages
            .iter()
            .rev()
            .filter(|m| m.direction == Direction::Note)
            .filter_map(|m| s.decrypt_b64(&m.ciphertext).ok())
            .filter_map(|plain| Document::parse(&plain))
            .filter(|d| d.kind == "classification")
            .find_map(|d| d.answers());
        records.push(crate::domain::stats::contribution::merge(reporter, officer));
    }
    // The server shuffles again; shuffling here keeps the inbox order off the wire too.
    {
        use rand::seq::SliceRandom;
        records.shuffle(&mut rand::rngs::OsRng);
    }
    let v: Contributed = s.api.post(
        "/v1/desk/stats/contributions",
        &Contribution {
            quarter: q.to_string(),
            records,
        },
    )?;
    if v.records == 0 {
        outln!("confirmed {}: no cases", v.quarter)?;
    } else {
        outln!("contributed {} record(s) for {}", v.records, v.quarter)?;
    }
    if unreadable > 0 {
        outln!(
            "{unreadable} case(s) could not be decrypted with this identity and count without answers; \
             rewrap them and contribute again"
        )?;
    }
    Ok(())
}

/// Pads and encrypts a document of `kind` with `text`.
pub(crate) fn seal(
    kind: &str,
    text: &str,
    recipients: &[String],
    max: u64,
) -> Result<String, CliError> {
    Ok(client::seal_document(
        &Document::new(kind, text),
        recipients,
        max,
    )?)
}

/// Every field a report document can carry, one per line, then its text.
fn report_text(plain: &[u8]) -> String {
    let Some(doc) = Document::parse(plain) else {
        return String::from_utf8_lossy(plain).trim_end().to_owned();
    };
    let mut out = String::new();
    for (value, label) in [
        (&doc.when, "when"),
        (&doc.place, "where"),
        (&doc.lang, "language"),
        (&doc.channel, "recorded by an officer, received by"),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push_str(&format!("{label}: {v}\n"));
        }
    }
    if let Some(c) = doc.confirmed {
        let said = if c { "yes" } else { "not yet" };
        out.push_str(&format!("record confirmed by the person: {said}\n"));
    }
    if let Some(stats) = doc.stats.as_ref().and_then(Value::as_object) {
        for (k, v) in stats {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            out.push_str(&format!("answer {k}: {v}\n"));
        }
    }
    for a in &doc.attachments {
        out.push_str(&format!(
            "attachment {}: {} ({}, {} bytes)\n",
            a.index + 1,
            a.name.as_deref().unwrap_or("?"),
            a.media_type.as_deref().unwrap_or("?"),
            a.size.unwrap_or(0)
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&doc.text);
    out
}

/// The attachment's own name without any directory part, or `attachment-N`.
/// A decrypted attachment with what the report document says about it.
struct Attachment {
    name: String,
    kind: Option<String>,
    bytes: Vec<u8>,
}

/// Every attachment of an opened case (`case`, from `GET /v1/desk/cases/{id}`), decrypted and
/// cut to its size, named from the decrypted report document `doc`.
fn attachments_of(
    s: &Session,
    case: &wire_desk::OpenedCase,
    doc: &Document,
) -> Result<Vec<Attachment>, CliError> {
    let mut out = vec![];
    for (i, a) in case.attachments.iter().enumerate() {
        let meta = doc.attachments.iter().find(|m| m.index == i as u64);
        let mut bytes = s.decrypt_b64(&a.ciphertext)?;
        // The padding is trailing zeros after `size` bytes.
        if let Some(size) = meta.and_then(|m| m.size) {
            bytes.truncate(size as usize);
        }
        out.push(Attachment {
            name: safe_file_name(meta.and_then(|m| m.name.as_deref()), i),
            kind: meta.and_then(|m| m.media_type.clone()),
            bytes,
        });
    }
    Ok(out)
}

fn safe_file_name(name: Option<&str>, index: usize) -> String {
    let base = name
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .trim_start_matches('.')
                .to_owned()
        })
        .filter(|n| !n.is_empty() && n.len() <= 200);
    base.unwrap_or_else(|| format!("attachment-{}", index + 1))
}

/// `dir/name`, or `dir/N-name` when that exists already.
fn unique_path(dir: &std::path::Path, name: &str) -> PathBuf {
    let mut path = dir.join(name);
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{n}-{name}"));
        n += 1;
    }
    path
}

/// The ways an officer receives a report other than the form.
const CHANNELS: [&str; 3] = ["phone", "in_person", "letter"];

/// The office's active officers: id to display name.
fn colleagues(s: &Session) -> Result<std::collections::BTreeMap<String, String>, CliError> {
    let list: wire::Colleagues = s.api.get("/v1/desk/officers")?;
    Ok(list
        .officers
        .into_iter()
        .map(|o| (o.id.0, o.display_name))
        .collect())
}

/// The office's labels, decrypted: id to name (a label this identity cannot read is named so).
fn label_names(s: &Session) -> Result<std::collections::BTreeMap<String, String>, CliError> {
    let list: wire::Labels = s.api.get("/v1/desk/labels")?;
    Ok(list
        .labels
        .into_iter()
        .map(|l| {
            let name = s
                .decrypt_b64(&l.ciphertext)
                .map(|p| text_of(&p))
                .unwrap_or_else(|_| "(cannot be decrypted with this identity)".into());
            (l.id.0, name)
        })
        .collect())
}

/// A label's name sealed for the office, with the key-set version it was sealed to.
fn label_body(s: &Session, office_slug: &str, name: &str) -> Result<wire::LabelBody, CliError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CliError::Usage(
            "a label's name has 1 to 100 characters".into(),
        ));
    }
    let o = s.office(office_slug)?;
    let ciphertext = seal("label", name, &o.recipients, o.padding.max_plaintext)?;
    Ok(wire::LabelBody {
        ciphertext,
        keyset_version: o.keyset_version,
    })
}

/// A label given by id or by its (decrypted) name.
fn label_id(
    names: &std::collections::BTreeMap<String, String>,
    given: &str,
) -> Result<String, CliError> {
    if names.contains_key(given) {
        return Ok(given.to_owned());
    }
    let found: Vec<&String> = names
        .iter()
        .filter(|(_, n)| n.as_str() == given)
        .map(|(id, _)| id)
        .collect();
    match found[..] {
        [id] => Ok(id.clone()),
        [] => Err(CliError::Usage(format!(
            "no label '{given}'; `desk labels list` shows them"
        ))),
        _ => Err(CliError::Usage(format!(
            "several labels are named '{given}'; give its id"
        ))),
    }
}

fn labels(s: &Session, office_slug: &str, cmd: LabelsCommand) -> Result<(), CliError> {
    match cmd {
        LabelsCommand::List => {
            for (id, name) in label_names(s)? {
                outln!("{id}  {name}")?;
            }
        }
        LabelsCommand::Add { name } => {
            let body = label_body(s, office_slug, &name)?;
            let v: wire::LabelSaved = s.api.post("/v1/desk/labels", &body)?;
            outln!("label {} added: {}", v.id, name.trim())?;
        }
        LabelsCommand::Rename { label, name } => {
            let id = label_id(&label_names(s)?, &label)?;
            let body = label_body(s, office_slug, &name)?;
            let _: wire::LabelSaved = s.api.put(&format!("/v1/desk/labels/{id}"), &body)?;
            outln!("label {id} is now named {}", name.trim())?;
        }
        LabelsCommand::Remove { label } => {
            let id = label_id(&label_names(s)?, &label)?;
            s.api.delete(&format!("/v1/desk/labels/{id}"))?;
            outln!("label {id} removed from the office and its cases")?;
        }
        LabelsCommand::Set { case, labels } => {
            let names = label_names(s)?;
            let ids = labels
                .iter()
                .map(|l| label_id(&names, l))
                .collect::<Result<Vec<_>, _>>()?;
            let v: wire_desk::CaseSummary = s.api.put(
                &format!("/v1/desk/cases/{case}/labels"),
                &wire::CaseLabels {
                    labels: ids.into_iter().map(Into::into).collect(),
                },
            )?;
            let now: Vec<&str> = v
                .labels
                .iter()
                .map(|id| names.get(id.as_str()).map_or(id.as_str(), String::as_str))
                .collect();
            outln!("case {case} has the labels: {}", now.join(", "))?;
        }
        LabelsCommand::Rewrap => {
            let o = s.office(office_slug)?;
            let current = i64::from(o.keyset_version);
            let list: wire::Labels = s.api.get("/v1/desk/labels")?;
            let mut n = 0;
            for l in list
                .labels
                .iter()
                .filter(|l| i64::from(l.keyset_version) < current)
            {
                let name = text_of(&s.decrypt_b64(&l.ciphertext)?);
                let body = label_body(s, office_slug, &name)?;
                let _: wire::LabelSaved = s.api.put(&format!("/v1/desk/labels/{}", l.id), &body)?;
                n += 1;
            }
            outln!("{n} label(s) re-encrypted to key set v{current}")?;
        }
    }
    Ok(())
}

fn text_of(plain: &[u8]) -> String {
    Document::parse(plain)
        .map(|d| d.text)
        .unwrap_or_else(|| String::from_utf8_lossy(plain).trim_end().to_owned())
}

pub fn run(args: DeskArgs, command: DeskCommand) -> Result<(), CliError> {
    if let DeskCommand::Ui {
        bind,
        web_dir,
        idle_secs,
    } = command
    {
        return ui(&args.server, bind, web_dir, idle_secs);
    }
    let s = Session::open(&args)?;
    match command {
        DeskCommand::Ui { .. } => unreachable!("handled above"),
        DeskCommand::Login => {
            if let Some(t) = s.api.token() {
                outln!("{}", t.expose())?;
            }
        }
        DeskCommand::Inbox { filter, mine } => {
            let inbox: wire_desk::Inbox = s
                .api
                .get(&format!("/v1/desk/cases?filter={filter}&mine={mine}"))?;
            let names = colleagues(&s)?;
            let labels = label_names(&s)?;
            outln!(
                "{:<36}  {:<14}  {:<10}  {:<10}  {:<10}  msgs  {:<16}  flags",
                "case",
                "status",
                "received",
                "ack due",
                "feedback",
                "assigned to"
            )?;
            for c in &inbox.cases {
                let mut flags: Vec<String> = [
                    (c.ack_overdue, "ACK OVERDUE"),
                    (c.feedback_overdue, "FEEDBACK OVERDUE"),
                    (c.due_soon, "due soon"),
                ]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, label)| label.to_owned())
                .collect();
                for id in &c.labels {
                    flags.push(format!(
                        "[{}]",
                        labels.get(id.as_str()).map_or(id.as_str(), String::as_str)
                    ));
                }
                let assignee = match &c.assignee {
                    Some(id) => names.get(id.as_str()).map_or(id.as_str(), String::as_str),
                    None => "everyone",
                };
                outln!(
                    "{:<36}  {:<14}  {:<10}  {:<10}  {:<10}  {:>4}  {:<16}  {}",
                    c.id,
                    c.status.as_str(),
                    c.received_on,
                    c.ack_due,
                    c.feedback_due,
                    c.messages.from_reporter,
                    assignee,
                    flags.join(", ")
                )?;
            }
        }
        DeskCommand::Open { case } => {
            let v = s.opened(&case, true)?;
            let c = &v.case;
            outln!(
                "case {}  status {}  received {}  ack due {}  feedback due {}",
                c.id,
                c.status.as_str(),
                c.received_on,
                c.ack_due,
                c.feedback_due
            )?;
            let names = colleagues(&s)?;
            let name = |id: &OfficerId| {
                names
                    .get(id.as_str())
                    .map_or_else(|| id.to_string(), String::clone)
            };
            let who = |list: &[OfficerId]| {
                if list.is_empty() {
                    "nobody yet".to_owned()
                } else {
                    list.iter().map(name).collect::<Vec<_>>().join(", ")
                }
            };
            outln!(
                "assigned to {}",
                c.assignee.as_ref().map_or("the whole office".into(), name)
            )?;
            if !c.labels.is_empty() {
                let labels = label_names(&s)?;
                let l: Vec<&str> = c
                    .labels
                    .iter()
                    .map(|id| labels.get(id.as_str()).map_or(id.as_str(), String::as_str))
                    .collect();
                outln!("labels: {}", l.join(", "))?;
            }
            outln!("opened by {}", who(&v.report_seen_by))?;
            let current = s.office(&args.office)?.keyset_version;
            let stale = |k: i32| {
                if k < current {
                    format!(" [key set v{k}: run `desk rewrap`]")
                } else {
                    String::new()
                }
            };
            outln!("key set v{}{}", c.keyset_version, stale(c.keyset_version))?;
            // An item that cannot be decrypted is reported as such and hides nothing else.
            match s.decrypt_b64(&v.ciphertext) {
                Ok(plain) => outln!("\n--- report ---\n{}", report_text(&plain))?,
                Err(e) => {
                    outln!("\n--- report ---\n[cannot be decrypted with this identity: {e}]")?
                }
            }
            if !v.attachments.is_empty() {
                outln!(
                    "({} attachment(s): `desk attachments {case} -o DIR` saves them)",
                    v.attachments.len()
                )?;
            }
            for m in &v.messages {
                let what = match m.direction {
                    Direction::Reporter => "reporter",
                    Direction::Office => "reply from the office",
                    Direction::Note => "note (office only)",
                };
                let text = match s.decrypt_b64(&m.ciphertext) {
                    Ok(body) => text_of(&body),
                    Err(e) => format!("[cannot be decrypted with this identity: {e}]"),
                };
                let seen = if m.direction == Direction::Reporter {
                    format!(", seen by {}", who(&m.seen_by))
                } else {
                    String::new()
                };
                outln!(
                    "\n--- {what}, {}{seen}{} ---\n{text}",
                    m.created_on,
                    stale(m.keyset_version),
                )?;
            }
        }
        DeskCommand::Officers => {
            for (id, name) in colleagues(&s)? {
                outln!("{id}  {name}")?;
            }
        }
        DeskCommand::Assign { case, to } => {
            let officer = (to != "office").then(|| to.into());
            let v: wire_desk::CaseSummary = s.api.post(
                &format!("/v1/desk/cases/{case}/assignee"),
                &wire::Assign { officer },
            )?;
            let names = colleagues(&s)?;
            match &v.assignee {
                Some(id) => outln!(
                    "case {case} is assigned to {}",
                    names.get(id.as_str()).map_or(id.as_str(), String::as_str)
                )?,
                None => outln!("case {case} is assigned to the whole office")?,
            }
        }
        DeskCommand::Labels(cmd) => labels(&s, &args.office, cmd)?,
        DeskCommand::Record {
            channel,
            file,
            when,
            place,
            stats,
            confirmed,
            json: as_json,
        } => {
            if !CHANNELS.contains(&channel.as_str()) {
                return Err(CliError::Usage(format!(
                    "--channel: one of {}",
                    CHANNELS.join(", ")
                )));
            }
            let mut doc = Document {
                channel: Some(channel),
                confirmed: Some(confirmed),
                when,
                place,
                ..Document::report(&read_text(&file)?)
            };
            if let Some(a) = stats {
                let answers: Answers = serde_json::from_str(&a)
                    .map_err(|e| CliError::Usage(format!("--stats: {e}")))?;
                answers
                    .validate()
                    .map_err(|e| CliError::Usage(format!("--stats: {e}")))?;
                doc = doc.with_answers(&answers);
            }
            let o = s.office(&args.office)?;
            let sealed = crate::client::seal_report(&doc, &o)?;
            let body = wire::RecordedReport {
                keyset_version: o.keyset_version,
                ciphertext: sealed.ciphertext,
                reply_recipient: sealed.reply_recipient,
                lookup_id: client::followup::lookup_id(&sealed.receipt),
                attachments: vec![],
            };
            let answer: wire::Recorded = s.api.post("/v1/desk/reports", &body)?;
            if as_json {
                // The receipt beside the server's answer, for a script that prints it.
                let mut out = serde_json::to_value(&answer).unwrap_or_default();
                out["receipt"] = sealed.receipt.to_string().into();
                outln!("{out}")?;
            } else {
                outln!(
                    "Recorded as case {} on {}. Acknowledge by {}, give feedback by {}.\n\n\
                     Hand this receipt to the person (printed or read out); it is shown once and \
                     stored nowhere. With it they follow up anonymously on the follow-up page:\n\n    {}",
                    answer.id, answer.received_on, answer.ack_due, answer.feedback_due, sealed.receipt
                )?;
            }
        }
        DeskCommand::Attachments { case, output } => {
            let v = s.opened(&case, true)?;
            let doc = Document::parse(&s.decrypt_b64(&v.ciphertext)?).unwrap_or_default();
            std::fs::create_dir_all(&output)?;
            for a in attachments_of(&s, &v, &doc)? {
                let (name, bytes) = (a.name, a.bytes);
                let path = unique_path(&output, &name);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                std::io::Write::write_all(&mut opts.open(&path)?, &bytes)?;
                let kind = a.kind.as_deref().unwrap_or("?");
                outln!("{} ({kind}, {} bytes)", path.display(), bytes.len())?;
            }
        }
        DeskCommand::Note { case, file } => {
            let o = s.office(&args.office)?;
            let ct = seal(
                "note",
                &read_text(&file)?,
                &o.recipients,
                o.padding.max_plaintext,
            )?;
            let v: wire_desk::MessageCreated = s.api.post(
                &format!("/v1/desk/cases/{case}/notes"),
                &wire_desk::NewMessage {
                    ciphertext: ct,
                    keyset_version: o.keyset_version,
                },
            )?;
            outln!("note added on {}", v.created_on)?;
        }
        DeskCommand::Reply { case, file } => {
            let o = s.office(&args.office)?;
            let detail = s.opened(&case, true)?;
            let mut to = o.recipients.clone();
            to.push(detail.reply_recipient);
            let ct = seal("message", &read_text(&file)?, &to, o.padding.max_plaintext)?;
            let v: wire_desk::MessageCreated = s.api.post(
                &format!("/v1/desk/cases/{case}/replies"),
                &wire_desk::NewMessage {
                    ciphertext: ct,
                    keyset_version: o.keyset_version,
                },
            )?;
            outln!("reply sent on {}", v.created_on)?;
        }
        DeskCommand::Status {
            case,
            status,
            classification,
        } => {
            if let Some(c) = classification {
                classify(&s, &args.office, &case, &c)?;
            }
            let status = Status::parse(&status).ok_or_else(|| {
                CliError::Usage(format!(
                    "'{status}' is not a status: received, acknowledged, in_progress, \
                     feedback_given or closed"
                ))
            })?;
            let v: wire_desk::CaseSummary = s.api.post(
                &format!("/v1/desk/cases/{case}/status"),
                &wire_desk::StatusChange {
                    status,
                    classification: None,
                },
            )?;
            outln!(
                "case {} is now {}; feedback due {}",
                case,
                v.status.as_str(),
                v.feedback_due
            )?;
        }
        DeskCommand::Stats(StatsCommand::Contribute { quarter }) => contribute(&s, &quarter)?,
        DeskCommand::Stats(StatsCommand::Status) => {
            let v: Contributions = s.api.get("/v1/desk/stats/contributions")?;
            for q in &v.quarters {
                let (cases, given) = (q.cases, q.contributed);
                let sent = q.confirmed && given == cases;
                let state = if q.frozen {
                    "released (frozen)"
                } else if cases == 0 && sent {
                    "confirmed: no cases"
                } else if cases == 0 {
                    "no cases, to confirm: meldestelle desk stats contribute --quarter …"
                } else if sent {
                    "contributed"
                } else {
                    "due: meldestelle desk stats contribute --quarter …"
                };
                outln!("{}  {cases} case(s)  {given} record(s)  {state}", q.quarter)?;
            }
        }
        DeskCommand::Extend {
            case,
            until,
            reason,
        } => {
            let v: wire_desk::CaseSummary = s.api.post(
                &format!("/v1/desk/cases/{case}/retention"),
                &wire_desk::Retention {
                    delete_after: until,
                    reason,
                },
            )?;
            let until = v.delete_after.map(|d| d.to_string()).unwrap_or_default();
            outln!("case {case} is now kept until {until}")?;
        }
        DeskCommand::Export { case, output } => {
            let bytes = s.api.get_bytes(&format!("/v1/desk/cases/{case}/export"))?;
            std::fs::write(&output, &bytes)?;
            note!(
                "wrote {} ({} bytes); decrypt with: age -d -i IDENTITY {}",
                output.display(),
                bytes.len(),
                output.display()
            );
        }
        DeskCommand::Forward {
            case,
            to,
            output,
            without_messages,
            without_attachments,
        } => {
            let to = to.trim().to_owned();
            if !crypto::is_recipient(&to) {
                return Err(CliError::Usage(format!(
                    "--to: '{}' is not an X25519 age recipient (age1…)",
                    to.chars().take(80).collect::<String>()
                )));
            }
            let v = s.opened(&case, true)?;
            let report = Document::parse(&s.decrypt_b64(&v.ciphertext)?)
                .ok_or_else(|| CliError::Usage("the report is not a document".into()))?;
            let mut messages = vec![];
            if !without_messages {
                // Internal notes stay in the office.
                for m in v.messages.iter().filter(|m| m.direction != Direction::Note) {
                    let body = s.decrypt_b64(&m.ciphertext)?;
                    messages.push(ForwardedMessage {
                        from: m.direction,
                        date: m.created_on,
                        text: text_of(&body),
                    });
                }
            }
            let mut attachments = vec![];
            if !without_attachments {
                for a in attachments_of(&s, &v, &report)? {
                    attachments.push(ForwardedAttachment {
                        name: a.name,
                        media_type: a.kind,
                        base64: B64.encode(&a.bytes),
                    });
                }
            }
            let bundle = ForwardedCase {
                v: document::VERSION,
                kind: "forwarded-case".into(),
                received_on: v.case.received_on,
                report: ForwardedReport {
                    text: Some(report.text),
                    when: report.when,
                    place: report.place,
                },
                messages,
                attachments,
            };
            let plain =
                serde_json::to_vec_pretty(&bundle).map_err(|e| CliError::Usage(e.to_string()))?;
            let sealed = crypto::encrypt(&plain, std::slice::from_ref(&to))?;
            // Recorded before the file exists: a forwarding is never unaudited.
            let r: wire_desk::Forwarded = s.api.post(
                &format!("/v1/desk/cases/{case}/forwards"),
                &wire_desk::Forward {
                    recipient: Some(to.clone()),
                    passphrase: false,
                },
            )?;
            std::fs::write(&output, &sealed)?;
            note!(
                "wrote {} for {} (recorded in the audit log as forwarded to {})",
                output.display(),
                to,
                r.fingerprint
            );
        }
        DeskCommand::Rewrap {
            case: Some(case), ..
        } => {
            let o = s.office(&args.office)?;
            let v = client::rewrap::rewrap(&s.api, &case, &o, &s.identities)?;
            outln!("case {case} re-encrypted to key set v{}", v.keyset_version)?;
        }
        DeskCommand::Rewrap { case: None, .. } => {
            let o = s.office(&args.office)?;
            let done = client::rewrap::rewrap_all(&s.api, &o, &s.identities)?;
            outln!(
                "{} cases re-encrypted to key set v{}",
                done.rewrapped,
                o.keyset_version
            )?;
            for id in &done.unreadable {
                note!("case {id} was left: this key cannot open all of it");
            }
        }
    }
    Ok(())
}

/// `desk ui`: the desk's pages from this machine, talking to the remote server's API.
fn ui(
    server: &str,
    bind: std::net::SocketAddr,
    web_dir: PathBuf,
    idle_secs: u64,
) -> Result<(), CliError> {
    use actix_web::{App, HttpServer};
    if !bind.ip().is_loopback() {
        return Err(CliError::Usage(
            "desk ui serves on loopback only (e.g. 127.0.0.1:8090)".into(),
        ));
    }
    let api = reqwest::Url::parse(server)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .map(|u| u.origin().ascii_serialization())
        .ok_or_else(|| CliError::Usage(format!("--server: not an http(s) URL: {server}")))?;
    let desk = crate::api::pages::DeskConfig {
        api: api.clone(),
        idle_secs,
    };
    actix_web::rt::System::new().block_on(async move {
        let connect = api.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(crate::api::error_handlers())
                .wrap(crate::api::security_headers(false, Some(&connect)))
                .configure(|cfg| crate::api::pages::configure(cfg, web_dir.clone(), desk.clone()))
        })
        .workers(1)
        .bind(bind)?;
        for addr in server.addrs() {
            note!("listening on http://{addr}");
            note!(
                "the desk is at http://{addr}/desk (the server must run with --desk-origin http://{addr})"
            );
        }
        server.run().await
    })?;
    Ok(())
}
