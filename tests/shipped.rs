//! The shipped schedules reproduce the RES.CMS-154 course page exactly:
//! every dated item, on the right date or instant, and nothing else. The
//! expected list below is transcribed independently from the page
//! (`../shared/seeds/002_*.txt`), not from the YAML.

use crate::cross_parsers::{Parser, parse_with};
use crate::harness::Test;
use serde_json::Value;

/// (kind, summary as a learner sees it, start, end)
const PAGE: &[(&str, &str, &str, &str)] = &[
    (
        "release",
        "Available: Unit 0: Welcome",
        "2017-09-19",
        "2017-09-20",
    ),
    (
        "release",
        "Available: Unit 1: Launching Innovation in Schools",
        "2017-09-28",
        "2017-09-29",
    ),
    (
        "due",
        "Due: Assignment 1.1: Description of a Powerful Learning Environment",
        "2017-10-11",
        "2017-10-12",
    ),
    (
        "due",
        "Due: Assignment 1.2: Defining a Problem of Practice",
        "2017-10-11",
        "2017-10-12",
    ),
    (
        "live",
        "Welcome Live Event with Course Staff",
        "2017-09-29T18:00:00Z",
        "2017-09-29T19:00:00Z",
    ),
    (
        "release",
        "Available: Unit 2: Bringing People Together Around Ideas They Care About",
        "2017-10-12",
        "2017-10-13",
    ),
    (
        "due",
        "Due: Assignment 2: Asset Map & Reflection",
        "2017-10-18",
        "2017-10-19",
    ),
    (
        "live",
        "Live Event: Unhangout",
        "2017-10-17T15:00:00Z",
        "2017-10-17T16:00:00Z",
    ),
    // "Unit 3a: … & Unit 3b: … (October 19, 2017)": two units on one line.
    (
        "release",
        "Available: Unit 3a: Refining a Vision",
        "2017-10-19",
        "2017-10-20",
    ),
    (
        "release",
        "Available: Unit 3b: Getting to Work",
        "2017-10-19",
        "2017-10-20",
    ),
    (
        "due",
        "Due: Initial Action Plan Parts 1 and 2",
        "2017-11-01",
        "2017-11-02",
    ),
    // "(October 26, 2017" — the page forgets the closing parenthesis.
    (
        "release",
        "Available: Unit 4: Working Together Through Ups and Downs",
        "2017-10-26",
        "2017-10-27",
    ),
    (
        "release",
        "Available: Unit 5: Measuring Progress & Adjusting",
        "2017-11-02",
        "2017-11-03",
    ),
    (
        "due",
        "Due: Assignment 5: Initial Action Plan Part 3",
        "2017-11-08",
        "2017-11-09",
    ),
    (
        "live",
        "Live Event featuring XQ",
        "2017-11-06T18:00:00Z",
        "2017-11-06T19:00:00Z",
    ),
    (
        "release",
        "Available: Unit 6: Sustaining Innovation in Schools",
        "2017-11-09",
        "2017-11-10",
    ),
    // "(suggested due date: November 13, 2017\n)": ")" on its own line.
    (
        "due",
        "Due: Assignment 6: Final Deliverable",
        "2017-11-13",
        "2017-11-14",
    ),
    (
        "live",
        "Wrap Up & Share Live Event",
        "2017-11-14T14:00:00Z",
        "2017-11-14T15:00:00Z",
    ),
    ("milestone", "Course concludes", "2017-11-16", "2017-11-17"),
    // "Certificates generated around November 24, 2017."
    (
        "milestone",
        "Certificates generated",
        "2017-11-24",
        "2017-11-25",
    ),
];

fn when(v: &Value) -> String {
    v.get("date")
        .or_else(|| v.get("utc"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn res_cms_154_feed_has_every_dated_item_of_the_course_page_and_nothing_else() {
    if !crate::cross_parsers::external_parsers(
        "res_cms_154_feed_has_every_dated_item_of_the_course_page_and_nothing_else",
    ) {
        return;
    }
    let ran = Test::new()
        .shipped()
        .args(&["build", "--out", "public"])
        .run()
        .success();
    let feed = ran.dir.join("public/courses/res-cms-154.ics");
    let parsed = parse_with(Parser::Js, &[feed]);
    let mut got: Vec<(String, String, String, String)> = parsed[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["categories"][0].as_str().unwrap().to_owned(),
                e["summary"].as_str().unwrap().to_owned(),
                when(&e["start"]),
                when(&e["end"]),
            )
        })
        .collect();
    let mut want: Vec<(String, String, String, String)> = PAGE
        .iter()
        .map(|(k, s, a, b)| (k.to_string(), s.to_string(), a.to_string(), b.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        parsed[0]["calendar"]["name"],
        "Launching Innovation in Schools"
    );
}

#[test]
fn res_cms_155_has_no_dates_and_still_gives_a_valid_empty_feed() {
    if !crate::cross_parsers::external_parsers(
        "res_cms_155_has_no_dates_and_still_gives_a_valid_empty_feed",
    ) {
        return;
    }
    let ran = Test::new()
        .shipped()
        .args(&["feed", "res-cms-155"])
        .run()
        .success();
    let body = ran.stdout();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    assert!(!body.contains("BEGIN:VEVENT"));
    assert!(body.contains("NAME:Design Thinking for Leading and Learning\r\n"));
    let path = ran.dir.join("empty.ics");
    std::fs::write(&path, &body).unwrap();
    for parser in [Parser::Python, Parser::Js] {
        let parsed = parse_with(parser, std::slice::from_ref(&path));
        assert_eq!(parsed[0]["events"], serde_json::json!([]), "{parser:?}");
    }
}

#[test]
fn metadata_fills_number_title_url_and_description() {
    let ran = Test::new()
        .shipped()
        .args(&["feed", "res-cms-154"])
        .run()
        .success();
    let body = coursecal::testing::ics_read::unfold(&ran.stdout());
    assert!(body.contains("\r\nURL:https://ocw.mit.edu/courses/res-cms-154-launching-innovation-in-schools-spring-2019/\r\n"));
    assert!(body.contains("(RES.CMS-154)"));
    assert!(body.contains("\r\nDESCRIPTION:Every great teacher"));
}

/// SHA-256 of the seed files (`../shared/seeds/00{1,0}_*.txt`), which CI
/// does not have: the shipped copies must stay byte-identical to them.
const SEED_DIGESTS: &[(&str, &str)] = &[
    (
        "res-cms-154.md",
        "72dadba5fe0026af231e763b24ce685450b08dd096e1a345509b0e362e1c8bfc",
    ),
    (
        "res-cms-155.md",
        "1fdf20ae94b6d371002b8d69d38e1e436d765b85baf917db1215c726bf013e43",
    ),
];

#[test]
fn shipped_metadata_files_are_the_seeds_verbatim() {
    use sha2::{Digest, Sha256};
    let root = crate::harness::repo();
    for (file, digest) in SEED_DIGESTS {
        let bytes = std::fs::read(root.join("schedules/ocw").join(file)).unwrap();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&hex, digest, "{file} differs from its seed");
    }
}
