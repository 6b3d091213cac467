//! Versions without git: a journal of the versions `serve` and `build`
//! loaded, in an SQLite file in the state directory
//! (`<state>/history.sqlite3`). SQLite because a write is one transaction
//! in a write-ahead log: a crash or a kill mid-write leaves the journal as
//! it was before that write, never torn. The journal keeps each version's
//! source texts (schedule and metadata), not its compiled form, so a newer
//! coursecal re-reads them with its own rules.
//!
//! A journal that cannot be opened, read or written is an error for the
//! caller to report; it is never deleted or recreated here: what was
//! recorded is not silently reset.

use super::fold::Version;
use crate::model::{Course, CourseId};
use crate::schedule::load::compile_version;
use crate::schedule::read::MAX_FILE_BYTES;

/// One row as read: rowid, `at_ms`, schedule and metadata text (`None`
/// where the row holds something else).
type Row = (i64, Option<i64>, Option<String>, Option<String>);

/// The live loader's size limit, for SQL (4 MiB: no wrap).
const MAX_ROW_BYTES: i64 = MAX_FILE_BYTES as i64;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use sha2::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The journal's file name in the state directory.
pub const FILE: &str = "history.sqlite3";

#[derive(Debug, Default)]
struct CourseLog {
    /// The last row read.
    last_row: i64,
    versions: Vec<Version>,
    /// Compiled texts by digest (`None`: did not compile).
    compiled: HashMap<String, Option<Arc<Course>>>,
}

/// The journal of one schedules directory.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// The schedules directory as recorded (canonical): one state directory
    /// may serve several.
    dir_key: String,
    conn: Option<Connection>,
    logs: HashMap<CourseId, CourseLog>,
    /// A transaction is open for this load's records (one fsync per load,
    /// not one per course: a first start with 1,000 courses would
    /// otherwise wait for 1,000 of them).
    batch: bool,
}

fn err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("history journal {}: {e}", path.display())
}

fn digest(schedule: &str, metadata: Option<&str>) -> String {
    let mut h = sha2::Sha256::new();
    h.update(schedule.as_bytes());
    h.update([0]);
    if let Some(m) = metadata {
        h.update(m.as_bytes());
    }
    crate::model::ids::hex(&h.finalize())
}

impl Journal {
    /// The journal in `state` for the schedules directory `schedules`;
    /// nothing is opened yet.
    pub fn new(state: &Path, schedules: &Path) -> Journal {
        let dir_key = std::fs::canonicalize(schedules)
            .unwrap_or_else(|_| schedules.to_path_buf())
            .to_string_lossy()
            .into_owned();
        Journal {
            path: state.join(FILE),
            dir_key,
            conn: None,
            logs: HashMap::new(),
            batch: false,
        }
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&mut self) -> Result<&Connection, String> {
        if self.conn.is_none() {
            if let Some(parent) = self.path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| err(&self.path, e))?;
            }
            let conn = Connection::open(&self.path).map_err(|e| err(&self.path, e))?;
            // WAL: a write is one appended transaction, a kill mid-write
            // loses only that write; FULL: it is on disk once committed.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| err(&self.path, e))?;
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(|e| err(&self.path, e))?;
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(|e| err(&self.path, e))?;
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS versions (
                    dir TEXT NOT NULL,
                    course TEXT NOT NULL,
                    at_ms INTEGER NOT NULL,
                    schedule TEXT NOT NULL,
                    metadata TEXT
                );
                CREATE INDEX IF NOT EXISTS versions_course ON versions (dir, course);",
            )
            .map_err(|e| err(&self.path, e))?;
            self.conn = Some(conn);
        }
        self.conn
            .as_ref()
            .ok_or_else(|| err(&self.path, "not open"))
    }

    /// Before a load: open one transaction for what it records.
    pub fn begin(&mut self) -> Result<(), String> {
        let path = self.path.clone();
        if !self.batch {
            self.conn()?
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| err(&path, e))?;
            self.batch = true;
        }
        Ok(())
    }

    /// After a load: commit what it recorded. If that fails, nothing of
    /// this load was recorded, and what was read is read again next time
    /// (the rows it counted on are gone).
    pub fn finish(&mut self) -> Result<(), String> {
        if !std::mem::take(&mut self.batch) {
            return Ok(());
        }
        let path = self.path.clone();
        let result = self.conn()?.execute_batch("COMMIT");
        if let Err(e) = result {
            self.logs.clear();
            if let Some(conn) = &self.conn {
                // Already rolled back by most errors; harmless otherwise.
                let _ = conn.execute_batch("ROLLBACK");
            }
            return Err(err(&path, e));
        }
        Ok(())
    }

    /// Record `current` (just compiled from `inputs`: the schedule file,
    /// then the metadata file it names) if it differs from the last
    /// recorded version, stamped `now`; then the versions of the course,
    /// oldest first. Only new rows are read and compiled.
    pub fn record_and_load(
        &mut self,
        id: &CourseId,
        current: &Arc<Course>,
        inputs: &[PathBuf],
        now: DateTime<Utc>,
    ) -> Result<Vec<Version>, String> {
        self.load(id)?;
        let last_is_current = self
            .logs
            .get(id)
            .and_then(|l| l.versions.last())
            .is_some_and(|v| *v.course == **current);
        if !last_is_current && let Some(texts) = read_texts(id, current, inputs) {
            let path = self.path.clone();
            let dir = self.dir_key.clone();
            let conn = self.conn()?;
            conn.execute(
                "INSERT INTO versions (dir, course, at_ms, schedule, metadata) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![dir, id.as_str(), now.timestamp_millis(), texts.0, texts.1],
            )
            .map_err(|e| err(&path, e))?;
            self.load(id)?;
        }
        let mut versions = self
            .logs
            .get(id)
            .map(|l| l.versions.clone())
            .unwrap_or_default();
        // Not recorded (the file changed again while it was re-read): the
        // course served is still the one loaded, never an older row.
        if versions.last().is_none_or(|v| *v.course != **current) {
            versions.push(Version {
                at: now,
                course: current.clone(),
            });
        }
        Ok(versions)
    }

    /// Read rows of `id` not read yet.
    fn load(&mut self, id: &CourseId) -> Result<(), String> {
        let path = self.path.clone();
        let dir = self.dir_key.clone();
        let last_row = self.logs.get(id).map_or(0, |l| l.last_row);
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT rowid, at_ms,
                   octet_length(schedule) <= ?4
                     AND coalesce(octet_length(metadata), 0) <= ?4,
                   schedule, metadata
                 FROM versions
                 WHERE dir = ?1 AND course = ?2 AND rowid > ?3 ORDER BY rowid",
            )
            .map_err(|e| err(&path, e))?;
        // A row that is not what coursecal writes (a wrong type, text that
        // is not UTF-8, over the live loader's size limit) is no version;
        // it is read past, never an error that stops every later row.
        let rows: Vec<Row> = stmt
            .query_map(params![dir, id.as_str(), last_row, MAX_ROW_BYTES], |r| {
                let text = |i: usize| {
                    r.get_ref(i)
                        .ok()
                        .and_then(|v| v.as_str().ok().map(str::to_owned))
                };
                // Texts are fetched only when they fit: a huge row is
                // never copied out of SQLite.
                let fits = r.get_ref(2).ok().and_then(|v| v.as_i64().ok()) == Some(1);
                // No metadata is NULL; metadata of another type makes the
                // row unreadable (schedule `None`), not metadata-free.
                let (schedule, metadata) = match (fits, r.get_ref(4).ok()) {
                    (false, _) | (true, None) => (None, None),
                    (true, Some(rusqlite::types::ValueRef::Null)) => (text(3), None),
                    (true, Some(_)) => match text(4) {
                        Some(m) => (text(3), Some(m)),
                        None => (None, None),
                    },
                };
                Ok((
                    r.get(0)?,
                    r.get_ref(1).ok().and_then(|v| v.as_i64().ok()),
                    schedule,
                    metadata,
                ))
            })
            .map_err(|e| err(&path, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| err(&path, e))?;
        drop(stmt);
        let log = self.logs.entry(id.clone()).or_default();
        let name = PathBuf::from(format!("{id}.yaml"));
        for (row, at_ms, schedule, metadata) in rows {
            log.last_row = row;
            let (Some(at_ms), Some(schedule)) = (at_ms, schedule) else {
                continue;
            };
            let key = digest(&schedule, metadata.as_deref());
            let course = log
                .compiled
                .entry(key)
                .or_insert_with(|| {
                    let mut meta = |_: &str| metadata.clone();
                    compile_version(id, &name, schedule, &mut meta)
                        .ok()
                        .map(Arc::new)
                })
                .clone();
            let (Some(course), Some(at)) = (course, DateTime::<Utc>::from_timestamp_millis(at_ms))
            else {
                continue;
            };
            if log.versions.last().is_some_and(|v| *v.course == *course) {
                continue;
            }
            log.versions.push(Version { at, course });
        }
        Ok(())
    }
}

/// The texts `current` was compiled from, read again and checked to
/// compile to the very same course (a write racing the load is recorded at
/// the next reload instead).
fn read_texts(
    id: &CourseId,
    current: &Course,
    inputs: &[PathBuf],
) -> Option<(String, Option<String>)> {
    let (schedule_path, rest) = inputs.split_first()?;
    let schedule = std::fs::read_to_string(schedule_path).ok()?;
    let metadata = match rest.first() {
        Some(p) => Some(std::fs::read_to_string(p).ok()?),
        None => None,
    };
    let name = PathBuf::from(format!("{id}.yaml"));
    let mut meta = |_: &str| metadata.clone();
    let again = compile_version(id, &name, schedule.clone(), &mut meta).ok()?;
    (again == *current).then_some((schedule, metadata))
}
