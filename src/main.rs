#![forbid(unsafe_code)]

use clap::Parser;
use std::io::IsTerminal;

// The system allocator: mimalloc was up to 15 % faster at loading and
// serving but kept 5–6× the memory under a flood of distinct variants
// (freed pages stay with idle threads); see docs/performance.md.

fn main() {
    let args = coursecal::cli::Args::parse();
    // Logs go to stderr; `RUST_LOG` overrides the default level.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .init();
    if let Err(e) = coursecal::cli::run(args) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
