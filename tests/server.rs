//! `coursecal serve`, black-box: the real binary on a free loopback port,
//! spoken to over HTTP. This file is the public contract of the routes.

use crate::harness::{App, Server, http};
use std::io::Read;
use std::time::Duration;

const FEED_TYPE: &str = "text/calendar; charset=utf-8";

#[test]
fn course_feed_is_served_with_caching_headers() {
    let s = App::shipped();
    let r = s.get("/courses/res-cms-154.ics");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(FEED_TYPE));
    let etag = r.header("etag").unwrap();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "{etag}"
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    // Last-Modified is when this server loaded this version (an edit need
    // not move `course.updated`): about now, not the schedule's date.
    let lm = httpdate::parse_http_date(r.header("last-modified").unwrap()).unwrap();
    let now = std::time::SystemTime::now();
    assert!(lm <= now + std::time::Duration::from_secs(2));
    assert!(lm + std::time::Duration::from_secs(120) > now);
    assert!(r.header("content-disposition").is_none());
    let body = r.text();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 20);
}

#[test]
fn served_bytes_equal_the_cli_feed() {
    let s = App::shipped();
    let cli = crate::harness::Test::new()
        .shipped()
        .args(&["feed", "res-cms-154", "--tz", "Europe/Berlin"])
        .run()
        .success()
        .stdout();
    assert_eq!(
        s.get("/courses/res-cms-154.ics?tz=Europe/Berlin").text(),
        cli
    );
}

#[test]
fn merged_feed_filters_by_course_zone_and_kind() {
    let s = App::shipped();
    let all = s.get("/calendar.ics");
    assert_eq!(all.status, 200);
    assert_eq!(all.text().matches("BEGIN:VEVENT").count(), 20);
    let some = s
        .get("/calendar.ics?courses=res-cms-155,res-cms-154&kinds=live,milestone&tz=Asia/Calcutta");
    assert_eq!(some.status, 200);
    let body = some.text();
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 6);
    // Chromium reports India as Asia/Calcutta; the alias works.
    assert!(
        body.contains("DTSTART;TZID=Asia/Calcutta:20170929T233000\r\n"),
        "{body}"
    );
    assert!(body.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Calcutta\r\n"));
    // Zone names are matched case-insensitively.
    let lower = s
        .get("/calendar.ics?courses=res-cms-154,res-cms-155&kinds=milestone,live&tz=asia/calcutta");
    assert_eq!(lower.text(), body);
}

#[test]
fn download_adds_an_attachment_header() {
    let s = App::shipped();
    let r = s.get("/courses/res-cms-154.ics?download=1");
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"res-cms-154.ics\"")
    );
    let r = s.get("/calendar.ics?download=1");
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"calendar.ics\"")
    );
}

#[test]
fn bad_requests_get_clear_4xx_answers() {
    let s = App::shipped();
    let r = s.get("/courses/res-cms-154.ics?tz=Europe/Berln");
    assert_eq!(r.status, 400);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert!(
        r.text().contains("unknown time zone `Europe/Berln`"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("`Europe/Berlin`"), "{}", r.text());
    let r = s.get("/calendar.ics?kinds=release,deadlines");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown kind `deadlines`"));
    assert_eq!(s.get("/courses/nope.ics").status, 404);
    // `/courses/<id>` is the agenda page; other names without `.ics` are not.
    assert_eq!(s.get("/courses/res-cms-154.txt").status, 404);
    let r = s.get("/calendar.ics?courses=res-cms-154,res-cms-999");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("res-cms-999"));
    assert_eq!(s.get("/nothing-here").status, 404);
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = s.request(method, "/calendar.ics", &[("content-length", "0")]);
        assert_eq!(r.status, 405, "{method}");
    }
}

#[test]
fn conditional_get_and_head() {
    let s = App::shipped();
    let first = s.get("/courses/res-cms-154.ics");
    let etag = first.header("etag").unwrap().to_owned();
    let r = s.request(
        "GET",
        "/courses/res-cms-154.ics",
        &[("if-none-match", &etag)],
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = s.request(
        "GET",
        "/courses/res-cms-154.ics",
        &[("if-none-match", "\"other\"")],
    );
    assert_eq!(r.status, 200);
    let lm = first.header("last-modified").unwrap().to_owned();
    let r = s.request(
        "GET",
        "/courses/res-cms-154.ics",
        &[("if-modified-since", &lm)],
    );
    assert_eq!(r.status, 304);
    let r = s.request(
        "GET",
        "/courses/res-cms-154.ics",
        &[("if-modified-since", "Thu, 31 Aug 2017 00:00:00 GMT")],
    );
    assert_eq!(r.status, 200);
    let head = s.request("HEAD", "/courses/res-cms-154.ics", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert_eq!(
        head.header("content-length"),
        Some(first.body.len().to_string().as_str())
    );
}

#[test]
fn gzip_and_brotli_bodies_decode_to_the_same_feed() {
    let s = App::shipped();
    let plain = s.get("/calendar.ics?tz=America/New_York");
    let gz = s.request(
        "GET",
        "/calendar.ics?tz=America/New_York",
        &[("accept-encoding", "gzip")],
    );
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain.body);
    let br = s.request(
        "GET",
        "/calendar.ics?tz=America/New_York",
        &[("accept-encoding", "gzip, deflate, br")],
    );
    assert_eq!(br.header("content-encoding"), Some("br"));
    let mut out = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plain.body);
    // Each encoding has its own strong ETag; any of them revalidates.
    assert_ne!(gz.header("etag"), plain.header("etag"));
    let r = s.request(
        "GET",
        "/calendar.ics?tz=America/New_York",
        &[
            ("accept-encoding", "gzip"),
            ("if-none-match", plain.header("etag").unwrap()),
        ],
    );
    assert_eq!(r.status, 304);
}

#[test]
fn feeds_are_readable_from_any_origin() {
    let s = App::shipped();
    let r = s.request(
        "GET",
        "/courses/res-cms-154.ics",
        &[("origin", "https://ocw.mit.edu")],
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let pre = s.request(
        "OPTIONS",
        "/courses/res-cms-154.ics",
        &[
            ("origin", "https://ocw.mit.edu"),
            ("access-control-request-method", "GET"),
        ],
    );
    assert!(pre.status == 200 || pre.status == 204, "{}", pre.status);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn healthz_and_metrics() {
    let s = App::shipped();
    let _ = s.get("/courses/res-cms-154.ics");
    let _ = s.get("/courses/res-cms-154.ics");
    let h = s.get("/healthz");
    assert_eq!(h.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&h.body).unwrap();
    assert_eq!(v["status"], "ok");
    let ids: Vec<&str> = v["courses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["res-cms-154", "res-cms-155"]);
    assert_eq!(v["errors"], serde_json::json!([]));
    let m = s.get("/metrics").text();
    assert!(
        m.contains("coursecal_http_requests_total{route=\"/courses/{file}\",status=\"200\"} 2"),
        "{m}"
    );
    assert!(m.contains("coursecal_http_request_duration_seconds_bucket"));
    assert!(m.contains("coursecal_feed_cache_hits_total 1"), "{m}");
    assert!(m.contains("coursecal_feed_cache_misses_total 1"), "{m}");
    assert!(m.contains("coursecal_reloads_total"));
    assert!(m.contains("coursecal_load_errors 0"));
}

#[test]
fn two_servers_on_the_same_schedules_give_identical_etags_and_bytes() {
    let a = Server::shipped();
    let b = Server::shipped();
    for target in [
        "/calendar.ics",
        "/courses/res-cms-154.ics?tz=Australia/Lord_Howe&kinds=live",
    ] {
        for enc in ["identity", "gzip", "br"] {
            let ra = a.request("GET", target, &[("accept-encoding", enc)]);
            let rb = b.request("GET", target, &[("accept-encoding", enc)]);
            assert_eq!(ra.header("etag"), rb.header("etag"), "{target} {enc}");
            assert_eq!(ra.body, rb.body, "{target} {enc}");
        }
    }
}

#[test]
fn sigterm_lets_in_flight_requests_finish_and_exits_0() {
    use std::io::Write;
    let s = Server::shipped();
    // A request whose headers are half sent when the signal arrives.
    let mut conn = std::net::TcpStream::connect(&s.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    conn.write_all(b"GET /courses/res-cms-154.ics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(200));
    conn.write_all(b"Connection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw);
    let r = crate::harness::parse_response(&raw, false);
    assert_eq!(r.status, 200);
    assert!(r.text().ends_with("END:VCALENDAR\r\n"));
    let status = s.terminate();
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
}

fn write(s: &Server, name: &str, body: &str) {
    std::fs::write(s.schedules.join(name), body).unwrap();
}

const NEW: &str = "course:\n  title: New Course\n  updated: 2024-01-01T00:00:00Z\nmilestones:\n  - name: Start\n    date: 2024-02-01\n";

#[test]
fn reload_add_edit_corrupt_fix_delete_and_atomic_rename() {
    let s = Server::shipped();
    let within = Duration::from_secs(2);
    assert_eq!(s.get("/courses/new-101.ics").status, 404);

    // Add.
    write(&s, "new-101.yaml", NEW);
    assert!(
        s.eventually(within, |s| s.get("/courses/new-101.ics").status == 200),
        "add"
    );

    // Edit.
    write(&s, "new-101.yaml", &NEW.replace("2024-02-01", "2024-03-01"));
    assert!(
        s.eventually(within, |s| s
            .get("/courses/new-101.ics")
            .text()
            .contains("DTSTART;VALUE=DATE:20240301")),
        "edit"
    );

    // Corrupt: the last good version stays, /healthz says what is wrong.
    write(&s, "new-101.yaml", "course:\n  title: [unclosed\n");
    assert!(
        s.eventually(within, |s| !s
            .get("/healthz")
            .text()
            .contains("\"errors\":[]")),
        "corrupt"
    );
    assert!(
        s.get("/courses/new-101.ics")
            .text()
            .contains("DTSTART;VALUE=DATE:20240301")
    );
    let h: serde_json::Value = serde_json::from_slice(&s.get("/healthz").body).unwrap();
    assert_eq!(h["status"], "degraded");
    assert!(
        h["errors"][0].as_str().unwrap().contains("new-101.yaml:"),
        "{h}"
    );

    // Fix.
    write(&s, "new-101.yaml", &NEW.replace("2024-02-01", "2024-04-01"));
    assert!(
        s.eventually(within, |s| s
            .get("/courses/new-101.ics")
            .text()
            .contains("DTSTART;VALUE=DATE:20240401")),
        "fix"
    );
    assert!(s.get("/healthz").text().contains("\"errors\":[]"));

    // An editor's atomic save: write a temp file, rename over.
    let tmp = s.schedules.join(".new-101.yaml.tmp");
    std::fs::write(&tmp, NEW.replace("2024-02-01", "2024-05-01")).unwrap();
    std::fs::rename(&tmp, s.schedules.join("new-101.yaml")).unwrap();
    assert!(
        s.eventually(within, |s| s
            .get("/courses/new-101.ics")
            .text()
            .contains("DTSTART;VALUE=DATE:20240501")),
        "rename"
    );

    // Metadata edits reload the course that uses them.
    let meta = s.schedules.join("ocw/res-cms-155.md");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace(
            "course_title: Design Thinking for Leading and Learning",
            "course_title: Design Thinking (edited)",
        ),
    )
    .unwrap();
    assert!(
        s.eventually(within, |s| s
            .get("/courses/res-cms-155.ics")
            .text()
            .contains("NAME:Design Thinking (edited)")),
        "metadata"
    );

    // Delete.
    std::fs::remove_file(s.schedules.join("new-101.yaml")).unwrap();
    assert!(
        s.eventually(within, |s| s.get("/courses/new-101.ics").status == 404),
        "delete"
    );
}

#[test]
fn load_test_64_clients_while_schedules_are_rewritten() {
    let s = Server::shipped();
    let addr = s.addr.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let dir = s.schedules.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let original = std::fs::read_to_string(dir.join("res-cms-154.yaml")).unwrap();
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Alternate valid edits, atomic saves and a broken version.
                let body = match i % 3 {
                    0 => original.replace(
                        "2017-09-01T00:00:00Z",
                        &format!("2017-09-01T00:{:02}:00Z", i % 60),
                    ),
                    1 => "course: [broken\n".to_owned(),
                    _ => original.clone(),
                };
                let tmp = dir.join(format!(".tmp-{i}"));
                std::fs::write(&tmp, body).unwrap();
                std::fs::rename(&tmp, dir.join("res-cms-154.yaml")).unwrap();
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            i
        })
    };
    let targets = [
        "/courses/res-cms-154.ics",
        "/calendar.ics?tz=Europe/Berlin",
        "/courses/res-cms-155.ics",
        "/calendar.ics?kinds=live&tz=Asia/Kolkata",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let clients: Vec<_> = (0..64)
        .map(|c| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let (mut ok, mut bad) = (0u32, Vec::new());
                let mut i = c;
                while std::time::Instant::now() < deadline {
                    let r = http(
                        &addr,
                        "GET",
                        targets[i % targets.len()],
                        &[("accept-encoding", "identity")],
                    );
                    let body = r.text();
                    if r.status == 200
                        && body.starts_with("BEGIN:VCALENDAR\r\n")
                        && body.ends_with("END:VCALENDAR\r\n")
                    {
                        ok += 1;
                    } else {
                        bad.push(r.status);
                    }
                    i += 1;
                }
                (ok, bad)
            })
        })
        .collect();
    let mut total = 0;
    let mut failures = Vec::new();
    for c in clients {
        let (ok, bad) = c.join().unwrap();
        total += ok;
        failures.extend(bad);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let edits = writer.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed requests: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(total > 500, "only {total} requests");
    assert!(edits >= 20, "only {edits} edits");
    eprintln!("load test: {total} requests, 0 errors, {edits} schedule rewrites");
}

fn metric(s: &Server, name: &str) -> u64 {
    let text = s.get("/metrics").text();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

fn healthz_json(s: &Server) -> serde_json::Value {
    serde_json::from_slice(&s.get("/healthz").body).unwrap()
}

#[test]
fn a_broken_file_does_not_make_the_server_reload_in_a_loop() {
    let s = Server::shipped_with(&[("broken.yaml", "course: [unclosed\n")], &[]);
    // Reading the broken file is itself a file event; it must not cause
    // another reload (and another, each emptying the cache).
    std::thread::sleep(Duration::from_millis(1500));
    let reloads = metric(&s, "coursecal_reloads_total");
    assert_eq!(s.get("/courses/res-cms-154.ics").status, 200);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        metric(&s, "coursecal_reloads_total"),
        reloads,
        "reloads while idle"
    );
    let h = healthz_json(&s);
    assert_eq!(h["cached_variants"], 1, "{h}");
    assert!(
        h["errors"][0].as_str().unwrap().contains("broken.yaml"),
        "{h}"
    );
}

#[test]
fn editing_one_course_keeps_the_other_feeds_cached() {
    let s = Server::shipped_with(&[("new-101.yaml", NEW)], &[]);
    let targets = [
        "/courses/res-cms-154.ics",
        "/courses/res-cms-155.ics?tz=Asia/Kolkata",
        "/calendar.ics?courses=res-cms-154,res-cms-155",
        "/courses/new-101.ics",
        "/calendar.ics",
    ];
    let before: Vec<String> = targets.iter().map(|t| s.get(t).text()).collect();
    let misses = metric(&s, "coursecal_feed_cache_misses_total");
    assert_eq!(misses, targets.len() as u64);
    write(&s, "new-101.yaml", &NEW.replace("2024-02-01", "2024-03-01"));
    assert!(
        s.eventually(Duration::from_secs(3), |s| s
            .get("/courses/new-101.ics")
            .text()
            .contains("DTSTART;VALUE=DATE:20240301")),
        "edit"
    );
    // The feeds without new-101 were served from the cache...
    for (t, b) in targets.iter().zip(&before).take(3) {
        assert_eq!(&s.get(t).text(), b, "{t}");
    }
    // ...the two with it were rendered again (and changed).
    assert_ne!(s.get("/calendar.ics").text(), before[4]);
    assert_eq!(
        metric(&s, "coursecal_feed_cache_misses_total"),
        misses + 2,
        "only the edited course's feeds are re-rendered"
    );
}

#[test]
fn a_metadata_file_created_later_fixes_the_course_that_names_it() {
    let s = Server::shipped_with(
        &[(
            "late.yaml",
            "course:\n  metadata: ocw/late.md\n  updated: 2024-01-01T00:00:00Z\nmilestones:\n  - name: Start\n    date: 2024-02-01\n",
        )],
        &[],
    );
    let h = healthz_json(&s);
    assert!(
        h["errors"][0].as_str().unwrap().contains("late.yaml"),
        "{h}"
    );
    assert_eq!(s.get("/courses/late.ics").status, 404);
    // Only the metadata file appears; the schedule is not touched.
    std::fs::write(
        s.schedules.join("ocw/late.md"),
        "---\ncourse_title: Arrived Late\n---\n",
    )
    .unwrap();
    assert!(
        s.eventually(Duration::from_secs(3), |s| s
            .get("/courses/late.ics")
            .text()
            .contains("NAME:Arrived Late")),
        "{}",
        s.get("/healthz").text()
    );
}

#[test]
fn no_directory_is_ever_listed() {
    let s = App::shipped();
    for target in [
        "/courses/",
        "/courses",
        "/assets/",
        "/assets",
        "/courses/res-cms-154/events/",
        "/schedules/",
        "/schedules/ocw/",
        "/ocw/",
    ] {
        let r = s.get(target);
        assert_eq!(r.status, 404, "{target}");
        let body = r.text();
        assert!(
            !body.contains("res-cms-155") && !body.contains(".yaml") && !body.contains(".css"),
            "{target}: {body}"
        );
    }
}
