//! Compile one schedule from a string and print its feed in Berlin time.
//!
//!     cargo run --example compile
//!
//! The library's smallest use: no files, no server. Errors come back as
//! located diagnostics, printed the way `coursecal check` prints them.

use coursecal::{Courses, FeedRequest, KindSet, Variant};

const SCHEDULE: &str = "\
course:
  title: Demo course
  number: DEMO-101
  timezone: America/New_York
  updated: 2026-11-01T00:00:00Z
units:
  - name: \"Unit 1: Getting started\"
    release: 2026-12-01
    assignments:
      - name: \"Assignment 1.1\"
        due: 2026-12-08T23:59
live_events:
  - name: Welcome session
    start: 2026-12-02T18:00:00Z
    duration: 1h
";

fn main() {
    let compiled = match coursecal::compile("demo-101", "demo-101.yaml", SCHEDULE) {
        Ok(c) => c,
        Err(diagnostics) => {
            for d in diagnostics {
                eprintln!("{}", d.render());
            }
            std::process::exit(1);
        }
    };
    let course = compiled.course;
    eprintln!("{}: {} events", course.label(), course.events.len());
    // A catalog of one course, and one feed variant of it.
    let mut catalog = coursecal::Catalog::default();
    catalog
        .courses
        .insert(course.id.clone(), std::sync::Arc::new(course));
    let request = FeedRequest::new(
        Courses::All,
        Variant {
            zone: Some(coursecal::parse_zone("Europe/Berlin").expect("a tz name")),
            kinds: KindSet::ALL,
            ..Variant::default()
        },
    );
    match coursecal::feed(&catalog, &request) {
        Ok(feed) => print!("{}", feed.body),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
