#![forbid(unsafe_code)]

use clap::Parser;
use std::io::IsTerminal;

// Loading allocates many small strings; mimalloc is markedly faster at it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
