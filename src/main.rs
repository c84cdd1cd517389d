#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};

fn main() -> std::process::ExitCode {
    // Logs never carry request bodies, addresses, user agents, receipts or tokens:
    // nothing in the request path logs them, and there is no access log.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MELDESTELLE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match meldestelle::cli::run(meldestelle::cli::Cli::parse_args()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader took what it wanted and left (`| head`), as `cat` lets it.
        Err(e) if e.is_closed_stdout() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Not eprintln!: it panics where standard error is closed as well.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
