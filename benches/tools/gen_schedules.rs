//! Deterministic generator of synthetic schedules for benchmarks.
//!
//!     cargo run --release --example gen_schedules -- OUT_DIR [COURSES] [ITEMS] [JSON_OUT]
//!
//! Writes COURSES files (default 1,000) of ITEMS dated items each (default
//! 100): all-day releases and due dates, timed live events in a handful of
//! zones, ~40-character names with some non-ASCII, ~200-character
//! descriptions. With JSON_OUT, also writes the same events as JSON for the
//! anchor scripts (Python icalendar, Node ical-generator).

use std::fmt::Write as _;
use std::io::Write as _;

const WORDS: &[&str] = &[
    "design",
    "thinking",
    "schools",
    "innovation",
    "leadership",
    "équipe",
    "learning",
    "vision",
    "progress",
    "Überblick",
    "practice",
    "community",
    "measure",
    "日本語",
    "growth",
    "systems",
    "change",
    "data",
    "research",
    "café",
    "project",
    "reflection",
    "assets",
    "strategy",
];
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
];

fn phrase(rng: &mut fastrand::Rng, target: usize) -> String {
    let mut s = String::new();
    while s.chars().count() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[rng.usize(..WORDS.len())]);
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: gen_schedules OUT_DIR [COURSES] [ITEMS] [JSON_OUT]");
        std::process::exit(2);
    };
    let courses: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let items: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let json_out = args.get(3);
    std::fs::create_dir_all(out)?;
    // fastrand is seeded: the same files on every machine and run.
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut json = String::from("[");
    for c in 0..courses {
        let id = format!("gen-{c:05}");
        let zone = ZONES[c % ZONES.len()];
        let title = phrase(&mut rng, 30);
        let mut y = format!(
            "course:\n  number: GEN.{c:05}\n  title: {}\n  url: https://example.edu/{id}/\n  timezone: {zone}\n  updated: 2025-01-01T00:00:00Z\n",
            yaml_str(&title)
        );
        let (mut units, mut live) = (String::new(), String::new());
        let mut events_json = Vec::new();
        let per_unit = 3;
        let mut n = 0;
        let mut unit = 0;
        while n < items {
            let day = 1 + (unit * 7) % 300;
            // A valid date for day-of-year `d` (28-day months keep it simple).
            let date = |d: usize| {
                let month = 1 + (d / 28).min(11);
                let dom = 1 + d % 28;
                format!("2025-{month:02}-{dom:02}")
            };
            let name = format!("Unit {unit}: {}", phrase(&mut rng, 32));
            let desc = phrase(&mut rng, 200);
            let _ = write!(
                units,
                "  - name: {}\n    release: {}\n    description: {}\n",
                yaml_str(&name),
                date(day),
                yaml_str(&desc)
            );
            events_json.push(format!("{{\"kind\":\"release\",\"uid\":\"{id}.release.{unit}\",\"name\":{},\"description\":{},\"date\":\"{}\"}}", json_str(&name), json_str(&desc), date(day)));
            n += 1;
            let mut first = true;
            for a in 0..per_unit - 1 {
                if n >= items {
                    break;
                }
                if a == 1 {
                    // A timed live event every unit, in the course zone.
                    let lname = format!("Live {unit}: {}", phrase(&mut rng, 34));
                    let ldesc = phrase(&mut rng, 200);
                    let hour = 8 + rng.u64(..10);
                    let _ = write!(
                        live,
                        "  - name: {}\n    start: {}T{hour:02}:30\n    duration: 90m\n    description: {}\n",
                        yaml_str(&lname),
                        date(day + 2),
                        yaml_str(&ldesc)
                    );
                    let start_utc = utc_of(&format!("{}T{hour:02}:30:00", date(day + 2)), zone);
                    events_json.push(format!("{{\"kind\":\"live\",\"uid\":\"{id}.live.{unit}\",\"name\":{},\"description\":{},\"start_utc\":\"{start_utc}\",\"minutes\":90}}", json_str(&lname), json_str(&ldesc)));
                } else {
                    if first {
                        units.push_str("    assignments:\n");
                        first = false;
                    }
                    let aname = format!("Assignment {unit}.{a}: {}", phrase(&mut rng, 26));
                    let adesc = phrase(&mut rng, 200);
                    let _ = write!(
                        units,
                        "      - name: {}\n        due: {}\n        description: {}\n",
                        yaml_str(&aname),
                        date(day + 5),
                        yaml_str(&adesc)
                    );
                    events_json.push(format!("{{\"kind\":\"due\",\"uid\":\"{id}.due.{unit}-{a}\",\"name\":{},\"description\":{},\"date\":\"{}\"}}", json_str(&aname), json_str(&adesc), date(day + 5)));
                }
                n += 1;
            }
            unit += 1;
        }
        y.push_str("units:\n");
        y.push_str(&units);
        if !live.is_empty() {
            y.push_str("live_events:\n");
            y.push_str(&live);
        }
        std::fs::File::create(format!("{out}/{id}.yaml"))?.write_all(y.as_bytes())?;
        if json_out.is_some() {
            if c > 0 {
                json.push(',');
            }
            let _ = write!(
                json,
                "{{\"id\":\"{id}\",\"title\":{},\"events\":[{}]}}",
                json_str(&title),
                events_json.join(",")
            );
        }
    }
    json.push(']');
    if let Some(path) = json_out {
        std::fs::write(path, json)?;
    }
    eprintln!("wrote {courses} courses x {items} items to {out}");
    Ok(())
}

/// The UTC instant (`…Z`) of a wall time in `zone`, for the anchors (which
/// then need no time-zone database of their own).
fn utc_of(local: &str, zone: &str) -> String {
    use chrono::TimeZone;
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_default()
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
