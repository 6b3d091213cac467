//! The floor under `coursecal build`: read every schedule in a directory and
//! run the YAML parser alone over it (serde-saphyr, the options `coursecal`
//! uses, into `serde::de::IgnoredAny`), on every core as the loader does.
//! No tree is kept, nothing is validated or rendered.
//!
//!     cargo run --release --example yaml_alone -- DIR [--serial]
//!
//! Time it as a whole process (`/usr/bin/time`) next to `coursecal build
//! --feeds-only --schedules DIR`: the difference is what coursecal adds on
//! top of parsing.

use rayon::prelude::*;
use std::path::PathBuf;

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_nodes: 1_000_000,
            max_events: 2_000_000,
            max_aliases: 20_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: 8 * 1024 * 1024,
            max_recorded_anchor_events: 100_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
            max_replay_stack_depth: 32,
        },
    };
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options
}

fn parse(path: &PathBuf) -> usize {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return 0;
        }
    };
    match serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(&text, options()) {
        Ok(_) => text.len(),
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            0
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: yaml_alone DIR [--serial]");
        std::process::exit(2);
    };
    let serial = args.next().as_deref() == Some("--serial");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    files.sort();
    let bytes: usize = if serial {
        files.iter().map(parse).sum()
    } else {
        files.par_iter().map(parse).sum()
    };
    eprintln!("parsed {} file(s), {bytes} bytes", files.len());
}
