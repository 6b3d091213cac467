//! One integration-test binary; a module per feature. Tests start the real
//! `coursecal` binary through the small [`harness::Test`] builder.

mod harness;

mod architecture;
mod cache_weight;
mod cli;
mod cold_variants;
mod connection_limits;
mod cross_parsers;
mod disk_faults;
mod history;
mod import;
mod import_costs;
mod import_olx;
mod input_limits;
mod input_safety;
mod invalid;
mod merged_pieces;
mod pages;
mod request_limits;
mod self_paced;
mod server;
mod shipped;
mod snapshots;
mod url_codec;
mod vtimezone_props;
