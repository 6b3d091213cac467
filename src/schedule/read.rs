//! Reading an input file as text, safely: only regular files, never a
//! blocking open, within a size limit, as UTF-8 (with the position of the
//! first bad byte).

use super::source::SourceFile;
use std::path::Path;

/// Largest schedule or metadata file read (bytes). A year-long course is a
/// few kilobytes; this only stops runaway or hostile files.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Deepest YAML nesting accepted; a schedule needs 6 levels.
pub const MAX_DEPTH: usize = 32;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused (missing, permissions, I/O).
    #[error("{0}")]
    Io(std::io::Error),
    /// A directory, FIFO, device or socket: never read (a FIFO would block).
    #[error("not a regular file")]
    NotAFile,
    /// Over [`MAX_FILE_BYTES`].
    #[error("the file is larger than the limit of {} MiB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    /// Not UTF-8: where the first bad byte is (1-based) and its value.
    #[error("not valid UTF-8 (line {line}, column {column})")]
    NotUtf8 {
        line: u32,
        column: u32,
        byte: u8,
        /// The file decoded lossily, for the snippet.
        text: String,
    },
}

impl ReadError {
    /// "save the file as UTF-8 (byte 0xE9 looks like Latin-1/Windows-1252 `é`)".
    pub fn utf8_help(byte: u8) -> String {
        // Latin-1 and Windows-1252 agree from 0xA0 up; below that only a
        // guess at the character would mislead.
        match char::from_u32(u32::from(byte)).filter(|_| byte >= 0xA0) {
            Some(c) => format!(
                "save the file as UTF-8 (byte 0x{byte:02X} looks like Latin-1/Windows-1252 `{c}`)"
            ),
            None => format!(
                "save the file as UTF-8 (byte 0x{byte:02X} looks like Latin-1/Windows-1252)"
            ),
        }
    }
}

/// Open `path` for reading if it is a regular file, without ever blocking:
/// anything else is refused before it is opened (opening a FIFO waits for a
/// writer; a device may never end), the open is non-blocking on Linux (so a
/// FIFO swapped in after the check opens at once), and the opened file is
/// checked again.
fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    open_checked(path, false)
}

/// [`open_regular`], and with `no_symlink` a symbolic link is refused, not
/// followed (checked before the open, and by `O_NOFOLLOW` on Linux).
fn open_checked(path: &Path, no_symlink: bool) -> Result<std::fs::File, ReadError> {
    if no_symlink
        && std::fs::symlink_metadata(path)
            .map_err(ReadError::Io)?
            .file_type()
            .is_symlink()
    {
        return Err(ReadError::NotAFile);
    }
    if !std::fs::metadata(path).map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotAFile);
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
        if no_symlink {
            flags |= OFlags::NOFOLLOW;
        }
        // Flag bits are small positive numbers: the cast is exact.
        options.custom_flags(flags.bits() as i32);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    if !file.metadata().map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotAFile);
    }
    Ok(file)
}

/// Read a regular file's bytes, within `limit` bytes; with `no_symlink` a
/// symbolic link is refused, not followed (files inside a course export).
pub fn read_bytes(path: &Path, limit: u64, no_symlink: bool) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let file = open_checked(path, no_symlink)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// Read a regular file as UTF-8 text, within [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<SourceFile, ReadError> {
    use std::io::Read;
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid_up_to = e.utf8_error().valid_up_to();
            let byte = e.as_bytes().get(valid_up_to).copied().unwrap_or(0);
            let valid =
                String::from_utf8_lossy(e.as_bytes().get(..valid_up_to).unwrap_or_default());
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(ReadError::NotUtf8 {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                byte,
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            });
        }
    };
    // A byte-order mark is harmless; drop it so columns stay right.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    Ok(SourceFile {
        path: path.to_path_buf(),
        text,
    })
}
