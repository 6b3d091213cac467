//! Micro-benchmarks of the real paths: load+validate one course, render one
//! course (UTC and Europe/Berlin, VTIMEZONE included), fold/escape
//! throughput, and the merged feed of many courses.
//!
//!     cargo bench --bench feeds

use coursecal::Catalog;
use coursecal::testing::Writer;
use coursecal::{Courses, FeedRequest, KindSet, Variant, Zone};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

/// Generate `courses` × 100-item schedules once per benchmark run.
fn generated(courses: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-gen-{courses}"));
    if !dir.join(format!("gen-{:05}.yaml", courses - 1)).exists() {
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "-q", "--example", "gen_schedules", "--"])
            .arg(&dir)
            .arg(courses.to_string())
            .arg("100")
            .status()
            .expect("run the generator");
        assert!(status.success());
    }
    dir
}

fn bench(c: &mut Criterion) {
    let one = generated(1);
    let path = one.join("gen-00000.yaml");
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("load+validate 100-item course", |b| {
        b.iter(|| coursecal::compile_file(black_box(&path)).is_ok())
    });
    g.finish();

    let report = Catalog::load_dir(&one);
    let catalog = report.catalog;
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(100));
    for (name, zone) in [
        ("UTC", Zone::Utc),
        ("Europe/Berlin", Zone::Named(chrono_tz::Europe::Berlin)),
    ] {
        let req = FeedRequest::new(
            Courses::Some(vec!["gen-00000".into()]),
            Variant {
                zone: Some(zone),
                kinds: KindSet::ALL,
                ..Variant::default()
            },
        );
        g.bench_with_input(
            BenchmarkId::new("100-event course", name),
            &req,
            |b, req| b.iter(|| coursecal::feed(&catalog, black_box(req)).map(|f| f.body.len())),
        );
    }
    g.finish();

    let text: String = "Überblick über Zeitzonen, Kalender; und 日本語 — ".repeat(2000);
    let mut g = c.benchmark_group("writer");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("escape+fold 100 KB TEXT", |b| {
        b.iter(|| {
            let mut w = Writer::with_capacity(text.len() * 2);
            w.text("DESCRIPTION", black_box(&text));
            w.finish().len()
        })
    });
    g.finish();

    let many = generated(1000);
    let report = Catalog::load_dir(&many);
    let catalog = report.catalog;
    let mut g = c.benchmark_group("merged");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("1,000 courses x 100 events, UTC", |b| {
        b.iter(|| coursecal::feed(&catalog, &FeedRequest::default()).map(|f| f.body.len()))
    });
    g.finish();

    let mut g = c.benchmark_group("load-dir");
    g.sample_size(10);
    g.bench_function("load 1,000 courses", |b| {
        b.iter(|| Catalog::load_dir(black_box(&many)).catalog.courses.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
