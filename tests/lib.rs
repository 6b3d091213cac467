//! One integration-test binary; a module per feature. Tests start the real
//! `coursecal` binary through the small [`harness::Test`] builder.

mod harness;
mod hostile;

mod abuse;
mod architecture;
mod attack;
mod cli;
mod cross_parsers;
mod faults;
mod history;
mod import;
mod import_olx;
mod input_hardening;
mod invalid;
mod pages;
mod self_paced;
mod server;
mod shipped;
mod snapshots;
mod vtimezone_props;
