//! `meldestelle report follow-up`: the reporter comes back with the receipt alone.

use std::io::{BufRead, IsTerminal, Read};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::CliError;
use crate::client::{followup, Api};
use crate::crypto::receipt::Receipt;
use crate::domain::case::Status;
use crate::domain::workflow::Direction;

#[derive(Debug, Clone, clap::Args)]
pub struct FollowUpArgs {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Send this file's text as a message to the office.
    #[arg(long)]
    pub send_file: Option<PathBuf>,
    /// Send the rest of standard input (after the receipt line) as a message.
    #[arg(long)]
    pub send_stdin: bool,
    /// Print JSON instead of prose.
    #[arg(long)]
    pub json: bool,
}

/// What `--json` prints: the case as the receipt opens it.
#[derive(Serialize)]
struct Shown {
    status: Status,
    received_on: NaiveDate,
    /// The reporter's own report document, when the receipt opens it.
    report: Option<crate::protocol::document::Document>,
    messages: Vec<ShownMessage>,
    sent_on: Option<NaiveDate>,
}

#[derive(Serialize)]
struct ShownMessage {
    direction: Direction,
    created_on: NaiveDate,
    text: String,
}

/// The receipt comes from a prompt or from the first line of standard input, never from
/// the command line, where it would end up in the shell's history.
fn read_receipt() -> Result<(Receipt, String), CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let r = rpassword::prompt_password("Receipt: ")?;
        return Ok((r.parse()?, String::new()));
    }
    let mut lock = stdin.lock();
    let mut first = String::new();
    lock.read_line(&mut first)?;
    let mut rest = String::new();
    lock.read_to_string(&mut rest)?;
    Ok((first.trim().parse()?, rest))
}

pub fn run(args: FollowUpArgs) -> Result<(), CliError> {
    let (receipt, rest) = read_receipt()?;
    let api = Api::new(&args.server)?;
    let case = followup::read(&api, &receipt)?;
    // Everything of the case the receipt opens: the report, the office's replies and the
    // reporter's own messages (those sent before the receipt was a recipient stay closed).
    let report = followup::open(&receipt, &case.report);
    let messages = case
        .messages
        .iter()
        .map(|m| ShownMessage {
            direction: m.direction,
            created_on: m.created_on,
            text: match followup::open(&receipt, &m.ciphertext) {
                Some(doc) => doc.text,
                None if m.direction == Direction::Office => {
                    "(a reply this receipt cannot decrypt)".into()
                }
                None => "(your message, sent for the office only)".into(),
            },
        })
        .collect();
    let message = match (&args.send_file, args.send_stdin) {
        (Some(p), _) => Some(std::fs::read_to_string(p)?),
        (None, true) => Some(rest),
        _ => None,
    };
    let sent_on = match message.filter(|t| !t.trim().is_empty()) {
        Some(text) => Some(followup::send_message(&api, &receipt, &case, &text)?),
        None => None,
    };
    let shown = Shown {
        status: case.status,
        received_on: case.received_on,
        report,
        messages,
        sent_on,
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string(&shown).map_err(|e| CliError::Usage(e.to_string()))?
        )?;
        return Ok(());
    }
    outln!(
        "Status: {}  (received {}, acknowledgement due {}, feedback due {})",
        case.status.as_str(),
        case.received_on,
        case.ack_due,
        case.feedback_due
    )?;
    match &shown.report {
        Some(doc) => outln!("\nYour report:\n{}", doc.text)?,
        None => outln!("\n(Your report was sent for the office only.)")?,
    }
    for m in &shown.messages {
        let who = if m.direction == Direction::Office {
            "The office wrote"
        } else {
            "You wrote"
        };
        outln!("\n{who} on {}:\n{}", m.created_on, m.text)?;
    }
    if let Some(day) = shown.sent_on {
        outln!("\nYour message was delivered on {day}.")?;
    }
    Ok(())
}
