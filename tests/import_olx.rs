//! `coursecal import` of Open edX course exports (OLX): the fixture export
//! (`tests/fixtures/import/olx-course/`, laid out like the public Open edX
//! demo course, with dates of its own in XML attributes and in
//! `policy.json`) imports to its ground truth, as a directory and as a
//! Studio `.tar.gz` built from it at test time (deterministic: sorted
//! paths, fixed times and modes), to the same YAML; skips and unread dates
//! are reported with file and line; hostile archives and directories are
//! clear errors or unread files, never a panic.

use crate::harness::{Test, repo};
use coursecal::{ImportOptions, import_olx_archive};
use proptest::prelude::*;
use std::path::Path;

fn fixture(case: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/import").join(case)
}

/// The regular files under `dir`, sorted, as (path inside it, bytes).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A `.tar.gz` of `entries`, each under `prefix` (Studio's is `course/`),
/// byte-identical on every run.
fn tar_gz(prefix: &str, entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, format!("{prefix}{path}"), data.as_slice())
            .unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

/// The YAML without its first line (which names the source file).
fn body(yaml: &str) -> &str {
    yaml.split_once('\n').map_or("", |(_, b)| b)
}

fn ground_truth(case: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture(case).join("expected.tsv")).unwrap();
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    rows.sort();
    rows
}

fn rows_of(yaml: &str) -> Vec<String> {
    let course = coursecal::compile("fixture-course", "fixture-course.yaml", yaml)
        .unwrap_or_else(|d| panic!("the import does not compile: {d:?}\n{yaml}"))
        .course;
    crate::import::rows(&course)
}

#[test]
fn an_olx_export_imports_to_its_ground_truth_as_directory_and_archive() {
    let dir = fixture("olx-course");
    let ran = Test::new()
        .args(&["import", dir.to_str().unwrap(), "--id", "fixture-course"])
        .run();
    let stderr = ran.stderr().replace(&format!("{}/", dir.display()), "");
    assert_eq!(ran.code(), Some(0), "{stderr}");
    let yaml = ran.stdout();
    insta::assert_snapshot!("import_olx_course", yaml);
    assert_eq!(rows_of(&yaml), ground_truth("olx-course"), "{yaml}");
    // Every deliberate skip, with the file inside the export and its line.
    for skip in [
        "sequential/w2_draft.xml:1: skipped: the subsection's start: a placeholder date (year 2970",
        "policies/2025_Fall/policy.json:16: skipped: visible to staff only (with everything in it): chapter \"Staff notes\"",
        "policies/2025_Fall/policy.json:13: skipped: the chapter's start: a placeholder date (year 1970",
        "sequential/answers.xml:1: skipped: visible to staff only: sequential \"Answer key\"",
    ] {
        assert!(stderr.contains(skip), "{skip}\n{stderr}");
    }
    assert!(
        stderr.contains("imported 13 item(s)") && stderr.contains("4 skipped on purpose"),
        "{stderr}"
    );
    // Ids from url_name: a chapter and a subsection both "Conclusion".
    assert!(yaml.contains("id: \"conclusion\"") && yaml.contains("id: \"due-conclusion\""));

    // `coursecal check` accepts what was written.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("schedules")).unwrap();
    std::fs::write(tmp.path().join("schedules/fixture-course.yaml"), &yaml).unwrap();
    let schedules = tmp.path().join("schedules");
    Test::new()
        .args(&["check", "--schedules", schedules.to_str().unwrap()])
        .run()
        .success();

    // Studio's archive of it, under `course/`: the same schedule.
    let archive = tmp.path().join("olx-course.tar.gz");
    let bytes = tar_gz("course/", &files(&dir));
    assert_eq!(bytes, tar_gz("course/", &files(&dir)), "deterministic");
    std::fs::write(&archive, &bytes).unwrap();
    let ran = Test::new()
        .args(&[
            "import",
            archive.to_str().unwrap(),
            "--id",
            "fixture-course",
        ])
        .run();
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_eq!(body(&ran.stdout()), body(&yaml));
    assert!(
        ran.stdout()
            .starts_with("# Imported by `coursecal import` from olx-course.tar.gz")
    );
    // `./course/` (GNU tar run inside the parent folder), in memory.
    let options = ImportOptions {
        source: "olx-course.tar.gz".to_owned(),
        ..ImportOptions::default()
    };
    let dotted = import_olx_archive(&tar_gz("./course/", &files(&dir)), &options).unwrap();
    assert_eq!(body(&dotted.yaml), body(&yaml));
    assert_eq!(
        (dotted.items, dotted.unread.len(), dotted.skipped.len()),
        (13, 0, 4)
    );
}

#[test]
fn import_help_lists_the_olx_sources() {
    let ran = Test::new().args(&["import", "--help"]).run().success();
    assert!(
        ran.stdout()
            .contains("a directory with course.xml, *.tar.gz, *.tgz"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn unreadable_olx_dates_make_the_import_partial_with_file_and_line() {
    let dir = fixture("olx-unreadable");
    let ran = Test::new()
        .args(&["import", dir.to_str().unwrap(), "--id", "fixture-course"])
        .run();
    let stderr = ran.stderr().replace(&format!("{}/", dir.display()), "");
    assert_eq!(ran.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("course.xml:3: the subsection's due: a date this import cannot read: due=\"next Tuesday\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("course.xml:6: chapter/week_2.xml is missing: its dates could not be read"),
        "{stderr}"
    );
    // The YAML is still written, with what could be read.
    assert_eq!(rows_of(&ran.stdout()), ground_truth("olx-unreadable"));
}

fn import(bytes: &[u8]) -> Result<coursecal::Imported, String> {
    import_olx_archive(bytes, &ImportOptions::default()).map_err(|e| e.to_string())
}

#[test]
fn hostile_archives_are_clear_errors() {
    let course = |p: &str| (p.to_owned(), b"<course display_name=\"X\"/>".to_vec());
    let two_tops = tar_gz("", &[course("a/course.xml"), course("b/course.xml")]);
    let err = import(&two_tops).unwrap_err();
    assert!(err.contains("more than one top folder (a, b)"), "{err}");
    assert!(
        import(b"plain text")
            .unwrap_err()
            .contains("not a readable .tar.gz")
    );
    let no_course = tar_gz("course/", &[("about/x.xml".to_owned(), b"<a/>".to_vec())]);
    assert!(import(&no_course).unwrap_err().contains("no course.xml"));
    // A symlink where a chapter should be: not followed, reported.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_entry_type(tar::EntryType::Symlink);
    b.append_link(&mut h, "course/chapter/c.xml", "/etc/passwd")
        .unwrap();
    let xml = b"<course display_name=\"X\" start=\"2025-01-06T00:00:00Z\"><chapter url_name=\"c\"/></course>";
    let mut h = tar::Header::new_gnu();
    h.set_size(xml.len() as u64);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, "course/course.xml", &xml[..])
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &b.into_inner().unwrap()).unwrap();
    let imported = import(&gz.finish().unwrap()).unwrap();
    assert_eq!(imported.unread.len(), 1, "{:?}", imported.unread);
    assert!(imported.unread[0].why.contains("a link or special file"));
    // A DTD (and so any entity expansion) is refused.
    let bomb = b"<!DOCTYPE c [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><course display_name=\"&b;\"/>";
    let err = import(&tar_gz(
        "course/",
        &[("course.xml".to_owned(), bomb.to_vec())],
    ))
    .unwrap_err();
    assert!(err.contains("course.xml:1: not well-formed XML"), "{err}");
}

#[cfg(unix)]
#[test]
fn an_export_directory_follows_no_link_out_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("course");
    std::fs::create_dir_all(export.join("chapter")).unwrap();
    std::fs::write(
        tmp.path().join("secret.xml"),
        "<chapter start=\"2025-01-06T00:00:00Z\"/>",
    )
    .unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.xml"), export.join("chapter/c.xml"))
        .unwrap();
    std::fs::write(
        export.join("course.xml"),
        "<course display_name=\"X\"><chapter url_name=\"c\"/></course>",
    )
    .unwrap();
    let ran = Test::new()
        .args(&["import", export.to_str().unwrap()])
        .run();
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "course.xml:1: chapter/c.xml could not be read: a symbolic link: not followed"
        ),
        "{}",
        ran.stderr()
    );
    assert!(!ran.stdout().contains("units:"));
}

/// XML-ish text: tags, attributes and date values an export could hold.
fn xmlish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<course display_name=\"C\" start=\"2025-01-06T00:00:00Z\">".to_owned()),
            Just("<chapter url_name=\"w1\"/>".to_owned()),
            Just("<chapter url_name=\"a:b\"/>".to_owned()),
            Just("<chapter display_name=\"x\">".to_owned()),
            Just("</chapter>".to_owned()),
            Just("</course>".to_owned()),
            "<sequential url_name=\"[a-z_.:]{0,8}\" due=\"[0-9T:Z+-]{0,25}\"/>",
            "<(chapter|sequential|course) (start|due|end|visible_to_staff_only)=\"(null|true|&quot;[0-9T:Z+-]{0,25}&quot;|2970-01-01|1970-01-01T00:00)\">",
            "\\PC{0,20}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Import `bytes`; when that gives YAML, it parses (a compile error may
/// only be about content, never YAML syntax).
fn yaml_parses(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(imported) = import(bytes) else {
        return Ok(());
    };
    if let Err(diags) = coursecal::compile("prop-101", "prop-101.yaml", &imported.yaml) {
        for d in &diags {
            prop_assert!(
                !d.message.contains("invalid YAML"),
                "{}\n{}",
                d.render(),
                imported.yaml
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Arbitrary bytes: an error or a schedule, never a panic.
    #[test]
    fn olx_import_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = import(&bytes);
    }

    /// The fixture's archive with bytes changed, cut or inserted: never a
    /// panic; YAML, when written, always parses.
    #[test]
    fn olx_import_never_panics_on_a_mutated_archive(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        raw_tar in any::<bool>(),
    ) {
        let entries = files(&fixture("olx-course"));
        let mut bytes = tar_gz("course/", &entries);
        if raw_tar {
            // Mutate inside the gzip: the tar itself then arrives damaged.
            let mut tar = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut tar).unwrap();
            for (at, byte, _) in &edits {
                let i = at.index(tar.len());
                tar[i] = *byte;
            }
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut gz, &tar).unwrap();
            bytes = gz.finish().unwrap();
        } else {
            for (at, byte, op) in &edits {
                let i = at.index(bytes.len());
                match op {
                    0 => bytes[i] = *byte,
                    1 => { bytes.truncate(i); }
                    _ => bytes.insert(i, *byte),
                }
                if bytes.is_empty() { break; }
            }
        }
        yaml_parses(&bytes)?;
    }

    /// Arbitrary XML in course.xml and a chapter file: never a panic; the
    /// YAML always parses.
    #[test]
    fn olx_import_never_panics_on_arbitrary_xml(course in xmlish(), chapter in xmlish()) {
        let bytes = tar_gz("course/", &[
            ("chapter/w1.xml".to_owned(), chapter.into_bytes()),
            ("course.xml".to_owned(), course.into_bytes()),
        ]);
        yaml_parses(&bytes)?;
    }
}
