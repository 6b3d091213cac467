#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    let args = coursecal::cli::Args::parse();
    if let Err(e) = coursecal::cli::run(args) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
