//! Soak test of a running `coursecal serve`: keep-alive clients hammer the
//! feeds, pages and health check while a writer edits the schedules every
//! second (atomic renames, in-place rewrites, invalid versions), and the
//! server's RSS is sampled. Driven by `scripts/soak.sh`.
//!
//!     soak --addr 127.0.0.1:PORT --pid SERVER_PID --schedules DIR
//!          [--secs 600] [--clients 16] [--seed N]
//!
//! Prints one figure per line; the first errors go to stderr. Exits 1 on
//! any error or when the RSS at the end exceeds 1.5 x the RSS after warm-up
//! (a fifth of the run) + 20 MB.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Details of this many errors per client are kept (all are counted).
const KEEP_ERRORS: usize = 10;
/// Slowest requests remembered per client.
const KEEP_SLOWEST: usize = 5;
const IO_TIMEOUT: Duration = Duration::from_secs(30);

const ZONES: &[&str] = &[
    "UTC",
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "Asia/Tokyo",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Asia/Shanghai",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Sao_Paulo",
    "America/Caracas",
    "America/Anchorage",
    "Africa/Johannesburg",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
];
const KINDS: &[&str] = &["release", "due", "live", "milestone"];

struct Args {
    addr: String,
    pid: u32,
    schedules: PathBuf,
    secs: u64,
    clients: usize,
    seed: u64,
}

fn usage(msg: &str) -> ! {
    eprintln!("soak: {msg}");
    eprintln!(
        "usage: soak --addr HOST:PORT --pid SERVER_PID --schedules DIR [--secs 600] [--clients 16] [--seed N]"
    );
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut addr = None;
    let mut pid = None;
    let mut schedules = None;
    let mut secs = 600;
    let mut clients = 16;
    let mut seed = 0x50a6_u64;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let Some(value) = it.next() else {
            usage(&format!("{flag} needs a value"))
        };
        let num = |v: &str| {
            v.parse::<u64>()
                .unwrap_or_else(|_| usage(&format!("{flag}: not a number: {v}")))
        };
        match flag.as_str() {
            "--addr" => addr = Some(value),
            "--pid" => pid = Some(num(&value) as u32),
            "--schedules" => schedules = Some(PathBuf::from(value)),
            "--secs" => secs = num(&value),
            "--clients" => clients = num(&value).max(1) as usize,
            "--seed" => seed = num(&value),
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    Args {
        addr: addr.unwrap_or_else(|| usage("--addr is required")),
        pid: pid.unwrap_or_else(|| usage("--pid is required")),
        schedules: schedules.unwrap_or_else(|| usage("--schedules is required")),
        secs,
        clients,
        seed,
    }
}

/// Deterministic per seed (fastrand's generator, seeded), with the two
/// picks the clients need.
struct Rng(fastrand::Rng);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n.max(1))
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Enc {
    Identity,
    Gzip,
    Br,
}

impl Enc {
    fn header(self) -> Option<&'static str> {
        match self {
            Enc::Identity => None,
            Enc::Gzip => Some("gzip"),
            Enc::Br => Some("br"),
        }
    }
}

/// What a response must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ics,
    Html,
    Health,
}

struct Request {
    head: bool,
    path: String,
    enc: Enc,
    if_none_match: Option<String>,
    expect: Expect,
}

impl Request {
    fn describe(&self) -> String {
        let mut s = format!("{} {}", if self.head { "HEAD" } else { "GET" }, self.path);
        if let Some(e) = self.enc.header() {
            s.push_str(&format!(" [Accept-Encoding: {e}]"));
        }
        if let Some(tag) = &self.if_none_match {
            s.push_str(&format!(" [If-None-Match: {tag}]"));
        }
        s
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request on a connection failed.
enum Failure {
    /// The server closed the connection before answering: on a reused
    /// keep-alive connection this is a reconnect, not an error.
    Closed(String),
    Error(String),
}

#[derive(Debug, Clone)]
struct SoakError {
    at_s: f64,
    client: usize,
    request: String,
    what: String,
}

#[derive(Default)]
struct ClientStats {
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    first_errors: Vec<SoakError>,
    reconnects: u64,
    connects: u64,
    slowest: Vec<(u64, String)>,
    health_degraded: u64,
    max_generation: u64,
}

struct Client {
    id: usize,
    addr: String,
    courses: Arc<Vec<String>>,
    rng: Rng,
    conn: Option<BufReader<TcpStream>>,
    requests_on_conn: u64,
    /// Last ETag per (path, encoding), and the keys in insertion order for
    /// picking one at random.
    etags: HashMap<(String, Enc), String>,
    etag_keys: Vec<(String, Enc)>,
    stats: ClientStats,
    start: Instant,
}

impl Client {
    fn error(&mut self, req: &Request, what: String) {
        self.stats.errors += 1;
        if self.stats.first_errors.len() < KEEP_ERRORS {
            self.stats.first_errors.push(SoakError {
                at_s: self.start.elapsed().as_secs_f64(),
                client: self.id,
                request: req.describe(),
                what,
            });
        }
    }

    fn random_enc(&mut self) -> Enc {
        *self.rng.pick(&[Enc::Identity, Enc::Gzip, Enc::Br])
    }

    fn course(&mut self) -> String {
        let courses = self.courses.clone();
        self.rng.pick(&courses).clone()
    }

    fn feed_path(&mut self) -> String {
        match self.rng.below(4) {
            0 => {
                let c = self.course();
                if self.rng.below(4) == 0 {
                    let z = *self.rng.pick(ZONES);
                    format!("/courses/{c}.ics?tz={z}")
                } else {
                    format!("/courses/{c}.ics")
                }
            }
            1 => {
                let a = self.course();
                let b = self.course();
                if a == b {
                    format!("/calendar.ics?courses={a}")
                } else {
                    format!("/calendar.ics?courses={a},{b}")
                }
            }
            2 => {
                let z = *self.rng.pick(ZONES);
                let mask = 1 + self.rng.below(15);
                let kinds: Vec<&str> = KINDS
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, k)| *k)
                    .collect();
                format!("/calendar.ics?tz={z}&kinds={}", kinds.join(","))
            }
            _ => "/calendar.ics".to_owned(),
        }
    }

    fn next_request(&mut self) -> Request {
        let roll = self.rng.below(100);
        let get = |path: String, enc: Enc, expect: Expect| Request {
            head: false,
            path,
            enc,
            if_none_match: None,
            expect,
        };
        match roll {
            0..=44 => {
                let path = self.feed_path();
                let enc = self.random_enc();
                get(path, enc, Expect::Ics)
            }
            45..=54 => {
                let path = self.feed_path();
                let enc = self.random_enc();
                Request {
                    head: true,
                    ..get(path, enc, Expect::Ics)
                }
            }
            55..=74 if !self.etag_keys.is_empty() => {
                let i = self.rng.below(self.etag_keys.len());
                let key = self.etag_keys[i].clone();
                let tag = self.etags.get(&key).cloned();
                Request {
                    if_none_match: tag,
                    ..get(key.0, key.1, Expect::Ics)
                }
            }
            55..=89 => {
                let c = self.course();
                get(format!("/courses/{c}"), Enc::Identity, Expect::Html)
            }
            _ => get("/healthz".to_owned(), Enc::Identity, Expect::Health),
        }
    }

    fn connect(&mut self) -> Result<(), String> {
        self.conn = None;
        self.requests_on_conn = 0;
        let stream =
            TcpStream::connect(&self.addr).map_err(|e| format!("connect {}: {e}", self.addr))?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| format!("socket options: {e}"))?;
        self.stats.connects += 1;
        self.conn = Some(BufReader::with_capacity(64 * 1024, stream));
        Ok(())
    }

    /// One request: reuse the connection, reconnect once if the server had
    /// closed it.
    fn run(&mut self, req: &Request) -> Result<Response, String> {
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.connect()?;
            }
            let reused = self.requests_on_conn > 0;
            let Some(conn) = self.conn.as_mut() else {
                return Err("no connection".to_owned());
            };
            match exchange(conn, req, &self.addr) {
                Ok((resp, close)) => {
                    self.requests_on_conn += 1;
                    if close {
                        self.conn = None;
                    }
                    return Ok(resp);
                }
                Err(Failure::Closed(why)) if reused && attempt == 0 => {
                    let _ = why;
                    self.stats.reconnects += 1;
                    self.conn = None;
                }
                Err(Failure::Closed(why) | Failure::Error(why)) => {
                    self.conn = None;
                    return Err(why);
                }
            }
        }
        Err("connection closed twice".to_owned())
    }

    fn check(&mut self, req: &Request, resp: &Response) -> Result<(), String> {
        let s = resp.status;
        let ok = match (req.expect, &req.if_none_match) {
            (Expect::Ics, Some(_)) => s == 200 || s == 304,
            _ => s == 200,
        };
        if !ok {
            let snippet = String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)])
                .trim()
                .to_owned();
            return Err(format!("status {s}: {snippet:?}"));
        }
        if let Some(tag) = resp.header("etag")
            && req.expect == Expect::Ics
            && !req.head
        {
            let key = (req.path.clone(), req.enc);
            if self.etags.insert(key.clone(), tag.to_owned()).is_none() {
                self.etag_keys.push(key);
            }
        }
        if req.head || s == 304 {
            return Ok(());
        }
        match req.expect {
            Expect::Ics => {
                let coding = resp.header("content-encoding").unwrap_or("identity");
                let want = req.enc.header().unwrap_or("identity");
                if !coding.eq_ignore_ascii_case(want) {
                    return Err(format!("Content-Encoding {coding}, asked for {want} only"));
                }
                let text = decode(req.enc, &resp.body)?;
                if !text.starts_with(b"BEGIN:VCALENDAR\r\n") {
                    return Err(format!(
                        "body ({} bytes decoded) does not start with BEGIN:VCALENDAR: {:?}",
                        text.len(),
                        String::from_utf8_lossy(&text[..text.len().min(60)])
                    ));
                }
                if !text.ends_with(b"END:VCALENDAR\r\n") {
                    return Err(format!(
                        "body ({} bytes decoded) does not end with END:VCALENDAR: {:?}",
                        text.len(),
                        String::from_utf8_lossy(&text[text.len().saturating_sub(60)..])
                    ));
                }
            }
            Expect::Html => {
                let ct = resp.header("content-type").unwrap_or("");
                if !ct.starts_with("text/html") {
                    return Err(format!("Content-Type {ct:?} for a page"));
                }
                if !resp
                    .body
                    .windows(7)
                    .any(|w| w.eq_ignore_ascii_case(b"</html>"))
                {
                    return Err(format!("page of {} bytes without </html>", resp.body.len()));
                }
            }
            Expect::Health => {
                let v: serde_json::Value = serde_json::from_slice(&resp.body)
                    .map_err(|e| format!("healthz is not JSON: {e}"))?;
                match v.get("status").and_then(|s| s.as_str()) {
                    Some("ok") => {}
                    Some("degraded") => self.stats.health_degraded += 1,
                    other => return Err(format!("healthz status {other:?}")),
                }
                if let Some(g) = v.get("generation").and_then(|g| g.as_u64()) {
                    self.stats.max_generation = self.stats.max_generation.max(g);
                }
            }
        }
        Ok(())
    }

    fn record_latency(&mut self, us: u64, req: &Request) {
        self.stats
            .latencies_us
            .push(us.min(u64::from(u32::MAX)) as u32);
        let slowest = &mut self.stats.slowest;
        if slowest.len() < KEEP_SLOWEST || slowest.last().is_some_and(|(l, _)| us > *l) {
            let at = self.start.elapsed().as_secs_f64();
            slowest.push((us, format!("t={at:.1}s {}", req.describe())));
            slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
            slowest.truncate(KEEP_SLOWEST);
        }
    }

    fn soak(mut self, deadline: Instant, stop: &AtomicBool) -> ClientStats {
        while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
            let req = self.next_request();
            let t = Instant::now();
            let result = self.run(&req);
            let us = t.elapsed().as_micros() as u64;
            match result {
                Ok(resp) => {
                    self.record_latency(us, &req);
                    *self.stats.statuses.entry(resp.status).or_default() += 1;
                    if let Err(what) = self.check(&req, &resp) {
                        self.error(&req, what);
                    }
                }
                Err(what) => {
                    self.error(&req, what);
                    // Do not spin on a dead server.
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        self.stats
    }
}

fn decode(enc: Enc, body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len() * 4);
    match enc {
        Enc::Identity => return Ok(body.to_vec()),
        Enc::Gzip => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .map_err(|e| format!("gzip body ({} bytes) does not decode: {e}", body.len()))?,
        Enc::Br => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .map_err(|e| format!("br body ({} bytes) does not decode: {e}", body.len()))?,
    };
    Ok(out)
}

/// Send one request and read its response. Returns the response and
/// whether the server asked to close the connection.
fn exchange(
    conn: &mut BufReader<TcpStream>,
    req: &Request,
    host: &str,
) -> Result<(Response, bool), Failure> {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: coursecal-soak\r\n",
        if req.head { "HEAD" } else { "GET" },
        req.path
    );
    if let Some(e) = req.enc.header() {
        head.push_str(&format!("Accept-Encoding: {e}\r\n"));
    }
    if let Some(tag) = &req.if_none_match {
        head.push_str(&format!("If-None-Match: {tag}\r\n"));
    }
    head.push_str("\r\n");
    if let Err(e) = conn.get_mut().write_all(head.as_bytes()) {
        // A keep-alive connection the server already closed.
        return Err(Failure::Closed(format!("write: {e}")));
    }

    let mut line = Vec::new();
    match conn.read_until(b'\n', &mut line) {
        Ok(0) => return Err(Failure::Closed("closed before the status line".to_owned())),
        Ok(_) => {}
        Err(e)
            if line.is_empty()
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                ) =>
        {
            return Err(Failure::Closed(format!(
                "reset before the status line: {e}"
            )));
        }
        Err(e) => return Err(Failure::Error(format!("reading the status line: {e}"))),
    }
    let status_line = String::from_utf8_lossy(&line).trim_end().to_owned();
    let status = parse_status(&status_line)
        .ok_or_else(|| Failure::Error(format!("malformed status line {status_line:?}")))?;

    let mut headers = Vec::new();
    loop {
        line.clear();
        match conn.read_until(b'\n', &mut line) {
            Ok(0) => {
                return Err(Failure::Error(format!(
                    "closed in the headers (status {status})"
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(Failure::Error(format!("reading headers: {e}"))),
        }
        if !line.ends_with(b"\r\n") {
            return Err(Failure::Error(format!(
                "header line not ended by CRLF: {:?}",
                String::from_utf8_lossy(&line)
            )));
        }
        if line == b"\r\n" {
            break;
        }
        let text = std::str::from_utf8(&line[..line.len() - 2])
            .map_err(|_| Failure::Error("non-UTF-8 header line".to_owned()))?;
        let Some((name, value)) = text.split_once(':') else {
            return Err(Failure::Error(format!("malformed header line {text:?}")));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        if headers.len() > 100 {
            return Err(Failure::Error("more than 100 headers".to_owned()));
        }
    }
    let mut resp = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if resp.header("transfer-encoding").is_some() {
        return Err(Failure::Error(format!(
            "Transfer-Encoding {:?} instead of Content-Length (status {status})",
            resp.header("transfer-encoding")
        )));
    }
    let lengths: Vec<&str> = resp
        .headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    if lengths.len() > 1 && lengths.iter().any(|l| *l != lengths[0]) {
        return Err(Failure::Error(format!(
            "conflicting Content-Length {lengths:?}"
        )));
    }
    let length = match lengths.first() {
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| Failure::Error(format!("bad Content-Length {l:?}")))?,
        ),
        None => None,
    };
    let bodiless = req.head || status == 304 || status == 204 || (100..200).contains(&status);
    if !bodiless {
        let Some(length) = length else {
            return Err(Failure::Error(format!(
                "status {status} without Content-Length"
            )));
        };
        resp.body = vec![0; length];
        let mut got = 0;
        while got < length {
            match conn.read(&mut resp.body[got..]) {
                Ok(0) => {
                    return Err(Failure::Error(format!(
                        "body shorter than Content-Length: {got} of {length} bytes (status {status})"
                    )));
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Failure::Error(format!(
                        "reading the body ({got} of {length} bytes): {e}"
                    )));
                }
            }
        }
    }
    // Nothing is pipelined: bytes already waiting are more body than
    // Content-Length said.
    if !conn.buffer().is_empty() {
        return Err(Failure::Error(format!(
            "{} bytes after the end of the response (Content-Length {length:?}, status {status})",
            conn.buffer().len()
        )));
    }
    let close = resp
        .header("connection")
        .is_some_and(|c| c.eq_ignore_ascii_case("close"));
    Ok((resp, close))
}

fn parse_status(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("HTTP/1.1 ")?;
    let code = rest.get(..3)?;
    if rest.len() > 3 && !rest[3..].starts_with(' ') {
        return None;
    }
    code.parse().ok().filter(|c| (100..600).contains(c))
}

// --- the writer -----------------------------------------------------------

/// Write `text` to `path` through a temporary file and a rename.
fn write_atomic(dir: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(".tmp-soak");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Truncate and rewrite in place (readers may see it half-written).
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?;
    // Two writes, so a reader can catch the file in between.
    let mid = text.len() / 2;
    let mid = (mid..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    f.write_all(&text.as_bytes()[..mid])?;
    f.flush()?;
    f.write_all(&text.as_bytes()[mid..])
}

/// The schedule with its first quoted event name changed.
fn renamed(original: &str, n: u64) -> String {
    original.replacen("name: \"", &format!("name: \"[soak {n}] "), 1)
}

#[derive(Default)]
struct WriterReport {
    edits: u64,
    invalid: u64,
    failures: Vec<String>,
    /// (seconds since start, what) of every edit.
    log: Vec<(f64, String)>,
}

struct Writer {
    dir: PathBuf,
    originals: Vec<(PathBuf, String)>,
    atomic: Option<PathBuf>,
    in_place: Option<PathBuf>,
    breakable: Option<PathBuf>,
    shipped: Option<PathBuf>,
}

impl Writer {
    fn new(dir: &Path, courses: &[String]) -> Writer {
        let gen_files: Vec<PathBuf> = courses
            .iter()
            .filter(|c| c.starts_with("gen-"))
            .map(|c| dir.join(format!("{c}.yaml")))
            .collect();
        let nth =
            |i: usize| (!gen_files.is_empty()).then(|| gen_files[i % gen_files.len()].clone());
        let shipped = Some(dir.join("res-cms-154.yaml")).filter(|p| p.is_file());
        let mut w = Writer {
            dir: dir.to_path_buf(),
            originals: Vec::new(),
            atomic: nth(0),
            in_place: nth(1),
            breakable: nth(2),
            shipped,
        };
        for p in [&w.atomic, &w.in_place, &w.breakable, &w.shipped]
            .into_iter()
            .flatten()
        {
            if w.originals.iter().any(|(q, _)| q == p) {
                continue;
            }
            let text = std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            w.originals.push((p.clone(), text));
        }
        w
    }

    fn original(&self, p: &Path) -> &str {
        self.originals
            .iter()
            .find(|(q, _)| q == p)
            .map_or("", |(_, t)| t.as_str())
    }

    fn edit(&self, n: u64, report: &mut WriterReport) -> std::io::Result<String> {
        let name = |p: &Path| {
            p.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
        };
        if let Some(p) = &self.breakable {
            if n.is_multiple_of(10) {
                let mut text = renamed(self.original(p), n);
                text.push_str("  - this is: [not valid\n");
                write_atomic(&self.dir, p, &text)?;
                report.invalid += 1;
                return Ok(format!("invalid {} (atomic)", name(p)));
            }
            if n % 10 == 1 && n > 1 {
                write_atomic(&self.dir, p, &renamed(self.original(p), n))?;
                return Ok(format!("restored {} (atomic)", name(p)));
            }
        }
        match (n % 3, &self.atomic, &self.in_place, &self.shipped) {
            (0, Some(p), _, _) => {
                write_atomic(&self.dir, p, &renamed(self.original(p), n))?;
                Ok(format!("renamed event in {} (atomic)", name(p)))
            }
            (1, _, Some(p), _) => {
                write_in_place(p, &renamed(self.original(p), n))?;
                Ok(format!("renamed event in {} (in place)", name(p)))
            }
            (_, _, _, Some(p)) => {
                let text = format!("{}# soak {n}\n", self.original(p));
                write_atomic(&self.dir, p, &text)?;
                Ok(format!("comment in {} (atomic)", name(p)))
            }
            _ => Ok("nothing to edit".to_owned()),
        }
    }

    fn run(&self, start: Instant, deadline: Instant, stop: &AtomicBool) -> WriterReport {
        let mut report = WriterReport::default();
        let mut n = 0;
        let mut next = start + Duration::from_secs(1);
        loop {
            while Instant::now() < next {
                if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    return report;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if next >= deadline {
                return report;
            }
            next += Duration::from_secs(1);
            n += 1;
            let at = start.elapsed().as_secs_f64();
            match self.edit(n, &mut report) {
                Ok(what) => {
                    report.edits += 1;
                    report.log.push((at, what));
                }
                Err(e) => report.failures.push(format!("t={at:.1}s edit {n}: {e}")),
            }
        }
    }

    /// Put every edited file back as it was.
    fn restore(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (p, text) in &self.originals {
            if let Err(e) = write_atomic(&self.dir, p, text) {
                failures.push(format!("restoring {}: {e}", p.display()));
            }
        }
        let _ = std::fs::remove_file(self.dir.join(".tmp-soak"));
        failures
    }
}

// --- sampling and the report ----------------------------------------------

fn rss_kb(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or_else(|| "?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn percentile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

fn schedule_stems(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| usage(&format!("cannot read {}: {e}", dir.display())));
    let mut stems: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".yaml")?;
            (!stem.starts_with('.') && !stem.starts_with('_')).then(|| stem.to_owned())
        })
        .collect();
    stems.sort();
    stems
}

fn main() {
    let args = parse_args();
    let courses = schedule_stems(&args.schedules);
    if courses.is_empty() {
        usage(&format!("no *.yaml in {}", args.schedules.display()));
    }
    eprintln!(
        "soak: {} s, {} clients, {} courses ({}), server pid {} at {}",
        args.secs,
        args.clients,
        courses.len(),
        courses.join(" "),
        args.pid,
        args.addr
    );
    let courses = Arc::new(courses);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(args.secs);
    let stop = Arc::new(AtomicBool::new(false));

    let writer = Arc::new(Writer::new(&args.schedules, &courses));
    let mut clients = Vec::new();
    for id in 0..args.clients {
        let client = Client {
            id,
            addr: args.addr.clone(),
            courses: courses.clone(),
            rng: Rng::new(args.seed ^ (id as u64 + 1).wrapping_mul(0x1234_5678_9abc_def1)),
            conn: None,
            requests_on_conn: 0,
            etags: HashMap::new(),
            etag_keys: Vec::new(),
            stats: ClientStats::default(),
            start,
        };
        let stop = stop.clone();
        clients.push(
            std::thread::Builder::new()
                .name(format!("client-{id}"))
                .spawn(move || client.soak(deadline, &stop))
                .expect("spawn a client thread"),
        );
    }

    let writer_thread = {
        let writer = writer.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("writer".to_owned())
            .spawn(move || writer.run(start, deadline, &stop))
            .expect("spawn the writer thread")
    };

    // RSS: after a 2 s warm-up, then every 10 s.
    let samples = Mutex::new(Vec::<(f64, u64)>::new());
    let sample = |label: &str| -> Option<u64> {
        let kb = rss_kb(args.pid);
        match kb {
            Some(k) => {
                if let Ok(mut s) = samples.lock() {
                    s.push((start.elapsed().as_secs_f64(), k));
                }
                eprintln!(
                    "soak: t={:>5.1}s rss {} MB, fds {} ({label})",
                    start.elapsed().as_secs_f64(),
                    mb(kb),
                    open_fds(args.pid).map_or_else(|| "?".to_owned(), |n| n.to_string())
                );
            }
            None => eprintln!("soak: cannot read the RSS of pid {}", args.pid),
        }
        kb
    };
    let warm = start + Duration::from_secs(2).min(Duration::from_secs(args.secs));
    std::thread::sleep(warm.saturating_duration_since(Instant::now()));
    let rss_start = sample("start");
    let fds_start = open_fds(args.pid);
    let mut next = warm + Duration::from_secs(10);
    while next < deadline {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        sample("sample");
        next += Duration::from_secs(10);
    }

    let mut stats = Vec::new();
    for c in clients {
        match c.join() {
            Ok(s) => stats.push(s),
            Err(_) => {
                eprintln!("soak: a client thread panicked");
                stats.push(ClientStats {
                    errors: 1,
                    ..ClientStats::default()
                });
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let rss_end = sample("end");
    let fds_end = open_fds(args.pid);
    let wrote = writer_thread.join().unwrap_or_else(|_| WriterReport {
        failures: vec!["the writer thread panicked".to_owned()],
        ..WriterReport::default()
    });
    let restore_failures = writer.restore();

    // Merge.
    let mut latencies: Vec<u32> = Vec::new();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut errors = 0;
    let mut first_errors: Vec<SoakError> = Vec::new();
    let mut slowest: Vec<(u64, String)> = Vec::new();
    let (mut connects, mut reconnects, mut degraded, mut generation) = (0, 0, 0, 0);
    for s in stats {
        latencies.extend(s.latencies_us);
        for (k, v) in s.statuses {
            *statuses.entry(k).or_default() += v;
        }
        errors += s.errors;
        first_errors.extend(s.first_errors);
        slowest.extend(s.slowest);
        connects += s.connects;
        reconnects += s.reconnects;
        degraded += s.health_degraded;
        generation = generation.max(s.max_generation);
    }
    latencies.sort_unstable();
    first_errors.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let rss_max = samples
        .lock()
        .ok()
        .and_then(|s| s.iter().map(|(_, k)| *k).max());
    let requests = latencies.len() as u64;

    println!("duration_s {elapsed:.0}");
    println!("clients {}", args.clients);
    println!("requests {requests}");
    println!("requests_per_s {:.0}", requests as f64 / elapsed.max(1e-9));
    println!("errors {errors}");
    for (code, n) in &statuses {
        println!("status_{code} {n}");
    }
    println!("connects {connects} (reconnects {reconnects})");
    println!("edits {} (invalid {})", wrote.edits, wrote.invalid);
    println!("healthz_degraded {degraded}");
    println!("max_generation_seen {generation}");
    for (name, q) in [("p50_ms", 0.5), ("p99_ms", 0.99), ("p999_ms", 0.999)] {
        println!("{name} {:.2}", percentile_ms(&latencies, q));
    }
    println!("max_ms {:.2}", percentile_ms(&latencies, 1.0));
    println!("rss_start_mb {}", mb(rss_start));
    println!("rss_max_mb {}", mb(rss_max));
    println!("rss_end_mb {}", mb(rss_end));
    let fds = |n: Option<usize>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    println!("fds_start {}", fds(fds_start));
    println!("fds_end {}", fds(fds_end));

    for (us, what) in slowest.iter().take(KEEP_SLOWEST) {
        eprintln!("slow: {:.1} ms {what}", *us as f64 / 1000.0);
    }
    for e in first_errors.iter().take(KEEP_ERRORS) {
        let last_edit = wrote
            .log
            .iter()
            .rev()
            .find(|(t, _)| *t <= e.at_s)
            .map_or_else(String::new, |(t, w)| format!(" (last edit t={t:.1}s: {w})"));
        eprintln!(
            "error: t={:.3}s client {} {}: {}{last_edit}",
            e.at_s, e.client, e.request, e.what
        );
    }
    for f in wrote.failures.iter().chain(&restore_failures) {
        eprintln!("writer: {f}");
    }

    let mut failed = Vec::new();
    if errors > 0 {
        failed.push(format!("{errors} request errors"));
    }
    if !wrote.failures.is_empty() || !restore_failures.is_empty() {
        failed.push("the writer could not edit or restore the schedules".to_owned());
    }
    // A leak is growth after the cache has filled (it fills in the first
    // seconds under load, and a faster server fills it sooner): the limit
    // is taken from the first sample after a fifth of the run, or the 2 s
    // sample on short runs.
    let baseline = samples
        .lock()
        .ok()
        .and_then(|s| {
            s.iter()
                .find(|(t, _)| *t >= args.secs as f64 / 5.0 && *t < elapsed - 1.0)
                .map(|&(_, k)| k)
        })
        .or(rss_start);
    println!("rss_baseline_mb {}", mb(baseline));
    match (baseline, rss_end) {
        (Some(s), Some(e)) => {
            let limit = 1.5 * s as f64 + 20.0 * 1024.0;
            if e as f64 > limit {
                failed.push(format!(
                    "RSS grew: {} MB at the end > 1.5 x {} MB (after warm-up) + 20 MB",
                    mb(Some(e)),
                    mb(Some(s))
                ));
            }
        }
        _ => failed.push(format!("could not read the RSS of pid {}", args.pid)),
    }
    if failed.is_empty() {
        println!("result ok");
    } else {
        println!("result FAILED: {}", failed.join("; "));
        std::process::exit(1);
    }
}
