//! A small fluent builder: a temp schedules dir, a command, expectations.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_coursecal")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn shipped_schedules() -> PathBuf {
    repo().join("schedules")
}

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

pub struct Ran {
    pub output: Output,
    pub dir: PathBuf,
    _keep: tempfile::TempDir,
}

impl Test {
    /// A fresh working dir with an empty `schedules/`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("schedules")).expect("mkdir");
        Test {
            dir,
            args: Vec::new(),
        }
    }

    /// Write `schedules/<name>` (or any relative path) with `content`.
    pub fn file(self, name: &str, content: &str) -> Self {
        let path = self.dir.path().join("schedules").join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
        self
    }

    /// Copy the shipped schedules (and their OCW metadata) in.
    pub fn shipped(self) -> Self {
        copy_dir(&shipped_schedules(), &self.dir.path().join("schedules"));
        self
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(self) -> Ran {
        let output = Command::new(bin())
            .args(&self.args)
            .current_dir(self.dir.path())
            .env_remove("COURSECAL_SCHEDULES")
            .output()
            .expect("run coursecal");
        Ran {
            dir: self.dir.path().to_path_buf(),
            output,
            _keep: self.dir,
        }
    }
}

impl Ran {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn success(self) -> Self {
        assert!(
            self.output.status.success(),
            "expected success, got {:?}\nstderr:\n{}",
            self.code(),
            self.stderr()
        );
        self
    }

    pub fn failure(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            Some(code),
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn stderr_contains(self, needle: &str) -> Self {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr()
        );
        self
    }

    pub fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
