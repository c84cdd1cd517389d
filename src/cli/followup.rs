//! `meldestelle report follow-up`: the reporter comes back with the receipt alone.

use std::io::{BufRead, IsTerminal, Read};
use std::path::PathBuf;

use base64::Engine;
use serde_json::{json, Value};

use super::{check, http, CliError};
use crate::crypto::{self, receipt::Receipt};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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
    let lookup_id = hex::encode(receipt.lookup_id());
    let identity = receipt.reply_identity();
    let base = args.server.trim_end_matches('/');
    let client = http()?;
    let case: Value = check(
        client
            .post(format!("{base}/v1/followup/read"))
            .json(&json!({"lookup_id": lookup_id}))
            .send()?,
    )?
    .json()?;
    let reply_recipient = identity.to_public().to_string();
    let ids: Vec<Box<dyn age::Identity + Send + Sync>> = vec![Box::new(identity)];
    // Everything of the case the receipt opens: the report, the office's replies and the
    // reporter's own messages (those sent before the receipt was a recipient stay closed).
    let open = |b64: &Value| -> Option<Value> {
        let ct = B64.decode(b64.as_str().unwrap_or("")).ok()?;
        let plain = crypto::decrypt(&ct, &ids).ok()?;
        serde_json::from_slice::<Value>(&plain).ok()
    };
    let report = open(&case["report"]);
    let mut replies = vec![];
    for m in case["messages"].as_array().into_iter().flatten() {
        let text = match open(&m["ciphertext"]) {
            Some(doc) => doc["text"].as_str().unwrap_or_default().to_owned(),
            None if m["direction"] == "office" => "(a reply this receipt cannot decrypt)".into(),
            None => "(your message, sent for the office only)".into(),
        };
        replies.push(
            json!({"direction": m["direction"], "created_on": m["created_on"], "text": text}),
        );
    }
    let message = match (&args.send_file, args.send_stdin) {
        (Some(p), _) => Some(std::fs::read_to_string(p)?),
        (None, true) => Some(rest),
        _ => None,
    };
    let mut sent = None;
    if let Some(text) = message.filter(|t| !t.trim().is_empty()) {
        let slug = case["office"].as_str().unwrap_or("");
        let office: Value =
            check(client.get(format!("{base}/v1/offices/{slug}")).send()?)?.json()?;
        let mut recipients: Vec<String> =
            serde_json::from_value(office["recipients"].clone()).unwrap_or_default();
        // And to the receipt, so the reporter can re-read what they sent.
        recipients.push(reply_recipient.clone());
        let ct = super::desk::seal(
            "message",
            &text,
            &recipients,
            office["padding"]["max_plaintext"]
                .as_u64()
                .unwrap_or(1 << 20),
        )?;
        let answer: Value = check(
            client
                .post(format!("{base}/v1/followup/messages"))
                .json(&json!({
                    "lookup_id": lookup_id,
                    "ciphertext": ct,
                    "keyset_version": office["keyset_version"],
                    "pow": super::proof_of_work(&client, base)?,
                }))
                .send()?,
        )?
        .json()?;
        sent = answer["created_on"].as_str().map(str::to_owned);
    }
    if args.json {
        println!(
            "{}",
            json!({"status": case["status"], "received_on": case["received_on"], "report": report, "messages": replies, "sent_on": sent})
        );
        return Ok(());
    }
    println!(
        "Status: {}  (received {}, acknowledgement due {}, feedback due {})",
        case["status"].as_str().unwrap_or("?"),
        case["received_on"].as_str().unwrap_or("?"),
        case["ack_due"].as_str().unwrap_or("?"),
        case["feedback_due"].as_str().unwrap_or("?")
    );
    match &report {
        Some(doc) => println!(
            "\nYour report:\n{}",
            doc["text"].as_str().unwrap_or_default()
        ),
        None => println!("\n(Your report was sent for the office only.)"),
    }
    for r in &replies {
        let who = if r["direction"] == "office" {
            "The office wrote"
        } else {
            "You wrote"
        };
        println!(
            "\n{who} on {}:\n{}",
            r["created_on"].as_str().unwrap_or("?"),
            r["text"].as_str().unwrap_or("")
        );
    }
    if let Some(day) = sent {
        println!("\nYour message was delivered on {day}.");
    }
    Ok(())
}
