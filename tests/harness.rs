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
            // The history journal of this run, not the user's.
            .env("COURSECAL_STATE", self.dir.path().join("state"))
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

    /// Where `rel` is in the test's directory.
    pub fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.join(rel)
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

/// A running `coursecal serve` on a free loopback port; killed on drop.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
    pub schedules: PathBuf,
    stderr_log: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Serve a copy of the shipped schedules from a temp dir.
    pub fn shipped() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let schedules = dir.path().join("schedules");
        copy_dir(&shipped_schedules(), &schedules);
        Server::start_in(schedules, Some(dir))
    }

    pub fn start(schedules: &Path) -> Server {
        Server::start_in(schedules.to_path_buf(), None)
    }

    /// Serve `schedules` in place with extra command-line arguments.
    pub fn start_with_args(schedules: &Path, args: &[&str]) -> Server {
        Server::start_args(schedules.to_path_buf(), None, args)
    }

    /// Serve a copy of the shipped schedules plus `extra` files, with
    /// extra command-line arguments.
    pub fn shipped_with(extra: &[(&str, &str)], args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let schedules = dir.path().join("schedules");
        copy_dir(&shipped_schedules(), &schedules);
        for (name, text) in extra {
            std::fs::write(schedules.join(name), text).expect("write");
        }
        Server::start_args(schedules, Some(dir), args)
    }

    fn start_in(schedules: PathBuf, dir: Option<tempfile::TempDir>) -> Server {
        Server::start_args(schedules, dir, &[])
    }

    /// Serve a copy of the shipped schedules with extra arguments.
    pub fn shipped_args(args: &[&str]) -> Server {
        Server::shipped_with(&[], args)
    }

    /// Serve `schedules` (a fresh temp dir's `schedules/`) with `wrapper`
    /// (e.g. `setpriv …`) in front of the binary.
    pub fn start_wrapped(
        wrapper: &[&str],
        schedules: PathBuf,
        dir: tempfile::TempDir,
        args: &[&str],
    ) -> Server {
        Server::launch(wrapper, schedules, Some(dir), args)
    }

    fn start_args(schedules: PathBuf, dir: Option<tempfile::TempDir>, args: &[&str]) -> Server {
        Server::launch(&[], schedules, dir, args)
    }

    fn launch(
        wrapper: &[&str],
        schedules: PathBuf,
        dir: Option<tempfile::TempDir>,
        args: &[&str],
    ) -> Server {
        use std::io::BufRead;
        let log_dir = tempfile::tempdir().expect("tempdir").keep();
        let stderr_log = log_dir.join("stderr.log");
        let mut command = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin());
                c
            }
            None => Command::new(bin()),
        };
        let mut child = command
            .args(["serve", "--addr", "127.0.0.1:0", "--schedules"])
            .arg(&schedules)
            .args(args)
            .env("RUST_LOG", "info")
            // The history journal of this server, not the user's (an
            // explicit `--state` wins).
            .env("COURSECAL_STATE", log_dir.join("state"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr_log).expect("log"))
            .spawn()
            .expect("start coursecal serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Server {
            child,
            addr,
            schedules,
            stderr_log,
            _dir: dir,
        }
    }

    pub fn get(&self, target: &str) -> HttpResponse {
        self.request("GET", target, &[])
    }

    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> HttpResponse {
        http(&self.addr, method, target, headers)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// A keep-alive connection to the server.
    pub fn conn(&self) -> Conn {
        Conn::open(&self.addr).expect("connect")
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Send SIGTERM and wait for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait");
        std::mem::forget(self);
        status
    }

    /// Poll `f` until it returns true or `timeout` passes.
    pub fn eventually(
        &self,
        timeout: std::time::Duration,
        mut f: impl FnMut(&Server) -> bool,
    ) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if f(self) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A minimal HTTP/1.1 client (one request per connection), so tests can
/// send exactly the bytes they mean — odd paths, huge URIs, any method.
pub fn http(addr: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> HttpResponse {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw, method == "HEAD")
}

/// Send `head` (a whole request head, CRLFs included) as written and read
/// the answer until the server closes.
pub fn raw(addr: &str, head: &str) -> HttpResponse {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(head.as_bytes()).expect("send");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    parse_response(&out, head.starts_with("HEAD "))
}

pub fn parse_response(raw: &[u8], head: bool) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head_text = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let resp = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if !head
        && let Some(len) = resp
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
    {
        assert_eq!(body.len(), len, "truncated body");
        body.truncate(len);
    }
    HttpResponse { body, ..resp }
}

/// A keep-alive HTTP/1.1 connection: many requests, one after another.
pub struct Conn {
    addr: String,
    reader: std::io::BufReader<std::net::TcpStream>,
}

impl Conn {
    pub fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
        Ok(Conn {
            addr: addr.to_owned(),
            reader: std::io::BufReader::new(stream),
        })
    }

    /// Send one request and read its response (body by Content-Length;
    /// none for HEAD, 204 and 304).
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> std::io::Result<HttpResponse> {
        use std::io::{BufRead, Read, Write};
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        self.reader.get_mut().write_all(req.as_bytes())?;
        let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(bad("connection closed before the status line".into()));
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("connection closed in the headers".into()));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut resp = HttpResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if method != "HEAD" && status != 204 && status != 304 {
            let len: usize = resp
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("no content-length".into()))?;
            resp.body = vec![0; len];
            self.reader.read_exact(&mut resp.body)?;
        }
        Ok(resp)
    }
}

/// Address-space limit for one `coursecal check` of hostile input: a run
/// that tries to use more fails (and the test with it).
pub const MEMORY_LIMIT_KB: u64 = 1024 * 1024;

/// A `Command` that runs `coursecal <args>` under `sh` with the address
/// space capped at [`MEMORY_LIMIT_KB`], and writes the CPU time it used
/// (user + system) to `times`. CPU time, unlike wall time, does not depend
/// on what else the machine is doing.
pub fn bounded_command(args: &[&std::ffi::OsStr], times: &Path) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KB}; \"$@\"; rc=$?; times >\"$TIMES_FILE\"; exit $rc"
        ))
        .arg("sh")
        .arg(bin())
        .args(args)
        .env("TIMES_FILE", times);
    c
}

/// Children's user + system time from the output of `times`.
pub fn children_cpu(times: &Path) -> std::time::Duration {
    let text = std::fs::read_to_string(times).expect("times output");
    let secs = |field: &str| -> f64 {
        let (m, s) = field
            .trim_end_matches('s')
            .split_once('m')
            .unwrap_or(("0", field));
        m.parse::<f64>().unwrap_or(0.0) * 60.0 + s.parse::<f64>().unwrap_or(0.0)
    };
    let children = text.lines().nth(1).expect("children line");
    std::time::Duration::from_secs_f64(children.split_whitespace().map(secs).sum())
}

/// The real router in-process, with no socket: `tower`'s `oneshot` on the
/// same `Router` `serve` runs. For route and header tests; sockets,
/// signals, timeouts and reload need [`Server`].
pub struct App {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    /// The `Host` every request carries (links built from it use it).
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl App {
    /// The shipped schedules (copied to a temp dir).
    pub fn shipped() -> App {
        App::shipped_with(&[])
    }

    /// The shipped schedules plus `extra` files.
    pub fn shipped_with(extra: &[(&str, &str)]) -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let schedules = dir.path().join("schedules");
        copy_dir(&shipped_schedules(), &schedules);
        for (name, text) in extra {
            std::fs::write(schedules.join(name), text).expect("write");
        }
        let config =
            coursecal::ServeConfig::new(schedules, "127.0.0.1:0".parse().expect("address"));
        let state = coursecal::testing::AppState::load(&config);
        App {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime"),
            router: coursecal::testing::router(state, &config),
            addr: "app.test".into(),
            _dir: dir,
        }
    }

    pub fn get(&self, target: &str) -> HttpResponse {
        self.request("GET", target, &[])
    }

    pub fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> HttpResponse {
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(target)
            .header("host", &self.addr);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(axum::body::Body::empty()).expect("request");
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let resp = router.oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("body")
                .to_vec();
            // hyper drops a HEAD body on the wire; in-process we do.
            let body = if method == "HEAD" { Vec::new() } else { body };
            HttpResponse {
                status,
                headers,
                body,
            }
        })
    }
}
