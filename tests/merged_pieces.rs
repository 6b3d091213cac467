//! Merged feeds after an edit (#24): a feed of several courses is made of
//! per-course pieces that outlive reloads, so editing one course of N
//! renders that course's piece again, not N. Counted by `/metrics`
//! (`coursecal_course_pieces_rendered_total`), not timed; and the bytes
//! assembled after the edit are those a fresh server and `coursecal build`
//! render whole.

use crate::harness::{Server, bin};
use std::time::Duration;

const N: usize = 8;

fn pieces(s: &Server) -> u64 {
    let text = s.get("/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix("coursecal_course_pieces_rendered_total "))
        .map_or(0, |v| v.trim().parse().expect("a counter is a number"))
}

/// A course with timed and all-day items; `edit` changes one name.
fn course(i: usize, edit: &str) -> String {
    format!(
        "course:\n  number: P.{i}\n  title: Course {i}\n  timezone: America/New_York\n  updated: 2026-01-01T00:00:00Z\n\
         units:\n  - name: Unit one{edit}\n    release: 2026-02-0{}\n    assignments:\n      - name: Essay\n        due: 2026-02-1{}T23:59\n\
         live_events:\n  - name: Office hours\n    start: 2026-03-0{}T10:00\n    duration: 1h\n",
        1 + i % 9,
        i % 10,
        1 + i % 9
    )
}

const VARIANTS: &[&str] = &[
    "/calendar.ics",
    "/calendar.ics?tz=Europe/Berlin",
    "/calendar.ics?tz=Europe/Berlin&kinds=due",
    "/calendar.ics?tz=Europe/Berlin&kinds=release,live",
    "/calendar.ics?courses=p-1,p-3",
];

#[test]
fn editing_one_course_of_many_renders_one_piece_per_variant_and_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schedules = dir.path().join("schedules");
    std::fs::create_dir_all(&schedules).expect("mkdir");
    for i in 0..N {
        std::fs::write(schedules.join(format!("p-{i}.yaml")), course(i, "")).expect("write");
    }
    // One history journal for every process here: the edit gives the
    // changed event a SEQUENCE and LAST-MODIFIED of its own, and the
    // fresh server and the build must know it too.
    let state = dir.path().join("state");
    let state_arg = ["--state", state.to_str().expect("a UTF-8 temp path")];
    let s = Server::start_with_args(&schedules, &state_arg);
    let before = pieces(&s);
    for v in VARIANTS {
        assert_eq!(s.get(v).status, 200, "{v}");
    }
    // All courses in UTC and in Berlin (kind filters share the Berlin
    // pieces), then two courses in UTC (their pieces are already made).
    assert_eq!(pieces(&s) - before, 2 * N as u64);

    // Atomically, so that no reload sees half a file.
    let tmp = dir.path().join("p-3.yaml");
    std::fs::write(&tmp, course(3, " (revised)")).expect("write");
    std::fs::rename(&tmp, schedules.join("p-3.yaml")).expect("rename");
    assert!(
        s.eventually(Duration::from_secs(10), |s| s
            .get("/calendar.ics")
            .text()
            .contains("Unit one (revised)")),
        "the edit was never served"
    );
    let after_edit = pieces(&s);
    let mut served = Vec::new();
    for v in VARIANTS {
        let r = s.get(v);
        assert_eq!(r.status, 200, "{v}");
        served.push(r.text());
    }
    // One piece per (course, zone) the edit touched: p-3 in UTC (made by
    // the request that saw the edit) and in Berlin, not 2 × N.
    assert_eq!(
        pieces(&s) - before - 2 * N as u64,
        2,
        "pieces after the edit"
    );
    assert!(pieces(&s) - after_edit <= 2);

    // What a server that never saw the old version renders.
    let fresh = Server::start_with_args(&schedules, &state_arg);
    for (v, body) in VARIANTS.iter().zip(&served) {
        assert!(
            *body == fresh.get(v).text(),
            "{v} differs from a fresh render"
        );
        assert!(body.contains("SEQUENCE:"), "{v}");
        assert!(body.contains("Unit one (revised)") || v.contains("kinds=due"));
    }
    // And the whole render of `coursecal build` (no pieces there).
    let out = dir.path().join("out");
    let status = std::process::Command::new(bin())
        .args(["build", "--feeds-only", "--schedules"])
        .arg(&schedules)
        .arg("--out")
        .arg(&out)
        .args(state_arg)
        .output()
        .expect("run coursecal");
    assert!(status.status.success(), "{status:?}");
    let built = std::fs::read_to_string(out.join("calendar.ics")).expect("calendar.ics");
    assert!(served[0] == built, "/calendar.ics differs from the build's");
}
