//! Snapshots of generated feeds: any change to the bytes we publish shows up
//! in review. (CRLF is shown as `\r` removed by insta; the CRLF itself is
//! asserted separately.)

use crate::harness::Test;

fn feed(args: &[&str]) -> String {
    let mut all = vec!["feed"];
    all.extend_from_slice(args);
    Test::new().shipped().args(&all).run().success().stdout()
}

#[test]
fn res_cms_154_utc() {
    let body = feed(&["res-cms-154"]);
    assert!(body.split_inclusive('\n').all(|l| l.ends_with("\r\n")));
    insta::assert_snapshot!(body.replace("\r\n", "\n"));
}

#[test]
fn res_cms_154_europe_berlin() {
    let body = feed(&["res-cms-154", "--tz", "Europe/Berlin"]);
    insta::assert_snapshot!(body.replace("\r\n", "\n"));
}

#[test]
fn all_courses_live_events_in_lord_howe() {
    let body = feed(&["--tz", "Australia/Lord_Howe", "--kinds", "live"]);
    insta::assert_snapshot!(body.replace("\r\n", "\n"));
}
