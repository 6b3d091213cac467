//! `import --out`: the schedule written where a course team asked, safely
//! whatever is at that path. The file appears whole or not at all (a
//! temporary file in the same directory, then a rename); a symbolic link,
//! FIFO, device or directory at the path is refused, never followed or
//! opened (a FIFO would block forever, a link would overwrite its
//! target); an existing file is replaced only when asked (`--force`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Why the schedule was not written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A file is there already.
    #[error("{0}: exists (give --force to replace it)")]
    Exists(String),
    /// Something that is not a regular file is there.
    #[error("{0}: {1}, not a regular file: not written")]
    NotAFile(String, &'static str),
    /// Writing failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

fn kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("something else")
}

/// Write `bytes` to `path`: atomically, never through a link, never over
/// an existing file unless `replace`.
pub fn save(path: &Path, bytes: &[u8], replace: bool) -> Result<(), SaveError> {
    let shown = super::text::one_line(&path.display().to_string());
    let io = |e| SaveError::Io(shown.clone(), e);
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            if let Some(what) = kind(&meta) {
                return Err(SaveError::NotAFile(shown, what));
            }
            if !replace {
                return Err(SaveError::Exists(shown));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp, mut file) = temp_file(&dir, &name).map_err(io)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if replace {
                std::fs::rename(&temp, path)
            } else {
                // A hard link fails if the path appeared meanwhile: no
                // race between the check above and the write.
                std::fs::hard_link(&temp, path).or_else(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        Err(e)
                    } else {
                        // A file system without hard links.
                        std::fs::rename(&temp, path)
                    }
                })
            }
        });
    let _ = std::fs::remove_file(&temp);
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(SaveError::Exists(shown)),
        Err(e) => Err(io(e)),
    }
}

/// A new file next to the target, created exclusively (never an existing
/// file or link).
fn temp_file(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for n in 0..100u32 {
        let temp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file")))
}
