//! Disk and file-system faults while serving and building: permissions
//! taken away, files cut off mid-write, a full disk, a read-only disk. The last good schedule is
//! kept and reported; previous build output is never lost.

use crate::harness::{Server, bin, copy_dir, shipped_schedules};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WITHIN: Duration = Duration::from_secs(5);
const FEED: &str = "/courses/res-cms-154.ics";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        == Some("0")
}

/// A server on a copy of the shipped schedules that permissions apply to:
/// root ignores them, so as root the server runs as `nobody` (setpriv).
fn unprivileged_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let schedules = dir.path().join("schedules");
    copy_dir(&shipped_schedules(), &schedules);
    for entry in walk(&schedules) {
        chmod(&entry, if entry.is_dir() { 0o755 } else { 0o644 });
    }
    let wrapper: &[&str] = if is_root() {
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ]
    } else {
        &[]
    };
    let s = Server::start_wrapped(wrapper, schedules, dir, &[]);
    assert_eq!(s.get(FEED).status, 200, "{}", s.logs());
    s
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn healthz(s: &Server) -> String {
    s.get("/healthz").text()
}

fn wait_for(s: &Server, what: &str, f: impl Fn(&str) -> bool) {
    assert!(
        s.eventually(WITHIN, |s| f(&healthz(s))),
        "{what}: {}",
        healthz(s)
    );
}

#[test]
fn an_unreadable_schedules_directory_keeps_the_last_good_catalog() {
    let s = unprivileged_server();
    let before = s.get(FEED).body;
    chmod(&s.schedules, 0o000);
    wait_for(&s, "unreadable directory reported", |h| {
        h.contains("cannot read the schedules directory") && h.contains("Permission denied")
    });
    assert!(healthz(&s).contains("\"status\":\"degraded\""));
    // Every course is still served, byte for byte.
    assert_eq!(s.get(FEED).body, before);
    assert_eq!(s.get("/courses/res-cms-155.ics").status, 200);
    chmod(&s.schedules, 0o755);
    wait_for(&s, "recovered", |h| h.contains("\"errors\":[]"));
    assert_eq!(s.get(FEED).body, before);
}

#[test]
fn an_unreadable_schedule_file_keeps_its_last_good_version() {
    let s = unprivileged_server();
    let before = s.get(FEED).body;
    let file = s.schedules.join("res-cms-154.yaml");
    // chmod alone changes no mtime or size: the reload must still notice.
    chmod(&file, 0o000);
    wait_for(&s, "unreadable file reported", |h| {
        h.contains("res-cms-154.yaml") && h.contains("Permission denied")
    });
    assert_eq!(s.get(FEED).body, before);
    chmod(&file, 0o644);
    wait_for(&s, "recovered", |h| h.contains("\"errors\":[]"));
    assert_eq!(s.get(FEED).body, before);
}

#[test]
fn a_file_truncated_mid_write_keeps_its_last_good_version() {
    let s = Server::shipped();
    let file = s.schedules.join("res-cms-154.yaml");
    let full = std::fs::read_to_string(&file).unwrap();
    let before = s.get(FEED).text();
    // A non-atomic writer stopped halfway, inside a date.
    let cut = full.find("release: 2017-10-2").unwrap() + "release: 2017-10-2".len() - 3;
    std::fs::write(&file, &full[..cut]).unwrap();
    wait_for(&s, "truncated file reported", |h| {
        h.contains("res-cms-154.yaml") && h.contains("\"status\":\"degraded\"")
    });
    assert_eq!(
        s.get(FEED).text(),
        before,
        "the last good version is served"
    );
    // The writer finishes (with an edit): the new version goes live.
    let edited = full.replace(
        "Unit 4: Working Together",
        "Unit 4: Working Together, Again",
    );
    std::fs::write(&file, &edited).unwrap();
    wait_for(&s, "recovered", |h| h.contains("\"errors\":[]"));
    let after = s.get(FEED).text();
    assert!(
        after.contains("Unit 4: Working Together\\, Again"),
        "{after}"
    );
    // The rename changed the unit's derived id, hence its UID: the history
    // (the journal of this server) keeps the old UID as cancelled, so
    // calendars drop it instead of keeping a stale copy.
    assert_eq!(after.matches("BEGIN:VEVENT").count(), 21);
    assert_eq!(
        after.matches("STATUS:CANCELLED").count(),
        before.matches("STATUS:CANCELLED").count() + 1
    );
}

/// Runs `script` (sh) in a private mount namespace, so it can mount a tmpfs
/// of a given size or read-only without touching the machine's mounts.
fn in_mount_namespace(script: &str, env: &[(&str, &Path)]) -> std::process::Output {
    let mut c = Command::new("unshare");
    if !is_root() {
        c.arg("--map-root-user");
    }
    c.args(["--mount", "sh", "-c", script]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("unshare");
    assert!(
        out.status.success(),
        "namespace script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn build_on_a_full_or_read_only_disk_fails_cleanly_and_keeps_the_previous_output() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let small = w.join("small");
    copy_dir(&shipped_schedules(), &small);
    // The same courses plus a big one: its build cannot fit beside the
    // previous output.
    let big = w.join("big");
    copy_dir(&shipped_schedules(), &big);
    let mut yaml = String::from("course:\n  title: Bulk\n  timezone: UTC\nunits:\n");
    for i in 0..3000 {
        yaml.push_str(&format!(
            "  - name: \"Unit {i}: {}\"\n    release: 2030-01-01\n",
            "padding ".repeat(20)
        ));
    }
    std::fs::write(big.join("bulk.yaml"), yaml).unwrap();
    std::fs::create_dir(w.join("mnt")).unwrap();
    let script = r#"
        set -u
        # Room for one build of the small schedules and a little more.
        mount -t tmpfs -o size=640k tmpfs "$W/mnt" || exit 1
        "$BIN" build --schedules "$W/small" --out "$W/mnt/public" 2>"$W/first.err"; echo $? >"$W/first.rc"
        cp -a "$W/mnt/public" "$W/after-first"
        "$BIN" build --schedules "$W/big" --out "$W/mnt/public" 2>"$W/full.err"; echo $? >"$W/full.rc"
        cp -a "$W/mnt/public" "$W/after-full"
        ls -A "$W/mnt" >"$W/full.ls"
        mount -o remount,ro "$W/mnt" || exit 1
        "$BIN" build --schedules "$W/small" --out "$W/mnt/public" 2>"$W/ro.err"; echo $? >"$W/ro.rc"
        cp -a "$W/mnt/public" "$W/after-ro"
    "#;
    in_mount_namespace(script, &[("W", w), ("BIN", Path::new(bin()))]);
    assert_eq!(
        read(&w.join("first.rc")).trim(),
        "0",
        "{}",
        read(&w.join("first.err"))
    );
    let first = tree(&w.join("after-first"));
    assert!(first.iter().any(|(p, _)| p == "courses/res-cms-154.ics"));

    // Disk full: a clear error naming the file, exit 1, nothing half-done.
    let full_err = read(&w.join("full.err"));
    assert_eq!(read(&w.join("full.rc")).trim(), "1", "{full_err}");
    assert!(full_err.contains("No space left on device"), "{full_err}");
    assert!(
        full_err.contains(&w.join("mnt").display().to_string()),
        "{full_err}"
    );
    assert_eq!(
        tree(&w.join("after-full")),
        first,
        "previous output changed"
    );
    assert_eq!(
        read(&w.join("full.ls")).trim(),
        "public",
        "temp files left behind"
    );

    // Read-only: the same.
    let ro_err = read(&w.join("ro.err"));
    assert_eq!(read(&w.join("ro.rc")).trim(), "1", "{ro_err}");
    assert!(ro_err.contains("Read-only file system"), "{ro_err}");
    assert_eq!(tree(&w.join("after-ro")), first, "previous output changed");
}

#[test]
fn build_never_replaces_a_directory_it_did_not_write() {
    let test = crate::harness::Test::new().shipped();
    let mine = test.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "years of work").unwrap();
    std::fs::write(test.path().join("notes.txt"), "a file").unwrap();
    let root = test.path().to_path_buf();
    let run = |out: &str| {
        Command::new(bin())
            .args(["build", "--out", out])
            .current_dir(&root)
            .output()
            .unwrap()
    };
    let r = run("mine");
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("mine: is not empty and was not written by `coursecal build`"),
        "{err}"
    );
    assert_eq!(read(&mine.join("thesis.tex")), "years of work");
    let r = run("notes.txt");
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("exists and is not a directory"));
    assert_eq!(read(&root.join("notes.txt")), "a file");
    // An empty directory, or one from an earlier build, is fine.
    std::fs::create_dir(root.join("empty")).unwrap();
    assert!(run("empty").status.success());
    assert!(run("empty").status.success());
    assert!(root.join("empty/courses/res-cms-154.ics").is_file());
}

#[test]
fn a_vanished_schedules_directory_keeps_the_last_good_catalog() {
    let s = Server::shipped();
    let within = Duration::from_secs(3);
    let before = s.get("/courses/res-cms-154.ics").text();
    let moved = s.schedules.with_file_name("schedules-away");
    std::fs::rename(&s.schedules, &moved).unwrap();
    assert!(
        s.eventually(within, |s| s
            .get("/healthz")
            .text()
            .contains("cannot read the schedules directory")),
        "{}",
        s.get("/healthz").text()
    );
    // Still serving what was loaded.
    assert_eq!(s.get("/courses/res-cms-154.ics").text(), before);
    std::fs::rename(&moved, &s.schedules).unwrap();
    // Any later change reloads it; touch a file to be explicit.
    std::fs::write(
        s.schedules.join("res-cms-155.yaml"),
        std::fs::read_to_string(s.schedules.join("res-cms-155.yaml")).unwrap(),
    )
    .unwrap();
    assert!(
        s.eventually(within, |s| s
            .get("/healthz")
            .text()
            .contains("\"errors\":[]")),
        "{}",
        s.get("/healthz").text()
    );
}
