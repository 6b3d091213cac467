//! A Studio export (`.tar.gz`) read into memory, never onto disk: the
//! regular `.xml` and `.json` files under its one top folder, by their
//! path inside the export.
//!
//! An archive is untrusted. What is decompressed, how many entries and
//! how large a kept file may be are bounded ([`Limits`]); absolute paths,
//! `..` components, links, devices and FIFOs are ignored (a pointer to one
//! then finds no file); more than one top folder is an error.

use std::collections::BTreeMap;
use std::io::Read;

/// Bounds on what an archive may make this import do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Bytes of the archive itself.
    pub archive: u64,
    /// Bytes decompressed in all (a decompression bomb stops here).
    pub unpacked: u64,
    /// Entries of any kind.
    pub entries: usize,
    /// Bytes of one kept file.
    pub file: u64,
    /// Bytes of all kept files.
    pub kept: u64,
}

impl Limits {
    /// The limits `coursecal import` uses: a course export with its
    /// static files (videos excluded) fits; a bomb does not.
    pub(crate) const DEFAULT: Limits = Limits {
        archive: 128 * 1024 * 1024,
        unpacked: 512 * 1024 * 1024,
        entries: 50_000,
        file: crate::schedule::read::MAX_FILE_BYTES,
        kept: 64 * 1024 * 1024,
    };
}

/// Why an archive could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not gzip, not tar, or cut short.
    #[error("not a readable .tar.gz: {0}")]
    Unreadable(String),
    /// Over [`Limits::archive`] as a file.
    #[error("larger than the limit of {} MiB", .0 / 1024 / 1024)]
    FileTooLarge(u64),
    /// Over [`Limits::unpacked`] once decompressed.
    #[error("more than {} MiB once decompressed (a decompression bomb?)", .0 / 1024 / 1024)]
    TooLarge(u64),
    /// Over [`Limits::entries`].
    #[error("more than {0} entries")]
    TooManyEntries(usize),
    /// Over [`Limits::kept`] in `.xml` and `.json` files.
    #[error("more than {} MiB of .xml and .json files", .0 / 1024 / 1024)]
    TooMuchXml(u64),
    /// An export has one top folder (Studio's is `course/`).
    #[error("more than one top folder ({0}): an export has one, with course.xml in it")]
    TopFolders(String),
    /// No `course.xml` at the top or in the top folder.
    #[error("no course.xml in the archive's top folder: not an Open edX course export")]
    NoCourse,
}

/// A kept file: its bytes, or why they were not kept.
pub(crate) type Entry = Result<Vec<u8>, String>;

/// A reader that fails once more than `left` bytes came through.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(ArchiveError::TooLarge(self.limit))),
            };
        }
        let room = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let buf = buf.get_mut(..room).unwrap_or_default();
        let n = self.inner.read(buf)?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

/// A path inside the archive, normalised (`./course/x.xml` → `course/x.xml`);
/// `None` for an absolute path, a `..` component or one that is not UTF-8.
fn normalised(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    if text.starts_with('/') || text.contains('\\') || text.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn unreadable(e: std::io::Error) -> ArchiveError {
    match e.get_ref().and_then(|i| i.downcast_ref::<ArchiveError>()) {
        Some(a) => a.clone(),
        None => ArchiveError::Unreadable(e.to_string()),
    }
}

/// The export's `.xml` and `.json` files by path inside it (`course.xml`,
/// `chapter/x.xml`).
pub(crate) fn unpack(
    bytes: &[u8],
    limits: Limits,
) -> Result<BTreeMap<String, Entry>, ArchiveError> {
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut tar = tar::Archive::new(Bounded {
        inner: gz,
        left: limits.unpacked,
        limit: limits.unpacked,
    });
    let mut files = BTreeMap::new();
    let mut tops = std::collections::BTreeSet::new();
    let (mut count, mut kept) = (0usize, 0u64);
    for entry in tar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        count += 1;
        if count > limits.entries {
            return Err(ArchiveError::TooManyEntries(limits.entries));
        }
        let Some(path) = normalised(&entry.path_bytes()) else {
            continue;
        };
        let kind = entry.header().entry_type();
        let top = path.split('/').next().unwrap_or_default().to_owned();
        let nested = path.contains('/');
        // macOS adds `._name` and `__MACOSX/`: not part of the export.
        if top == "__MACOSX" || path.rsplit('/').next().is_some_and(|n| n.starts_with("._")) {
            continue;
        }
        if nested || kind.is_dir() {
            tops.insert(top);
        }
        let wanted = path.ends_with(".xml") || path.ends_with(".json");
        if !wanted || kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            files.insert(
                path,
                Err("a link or special file in the archive: not read".to_owned()),
            );
            continue;
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.file {
            files.insert(
                path,
                Err(format!(
                    "larger than the limit of {} MiB",
                    limits.file / 1024 / 1024
                )),
            );
            continue;
        }
        kept = kept.saturating_add(size);
        if kept > limits.kept {
            return Err(ArchiveError::TooMuchXml(limits.kept));
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(limits.file)
            .read_to_end(&mut data)
            .map_err(unreadable)?;
        files.insert(path, Ok(data));
    }
    // The export is the top folder holding course.xml (or the archive's
    // root, when course.xml is there).
    if files.contains_key("course.xml") {
        return Ok(files);
    }
    if tops.len() > 1 {
        let names: Vec<String> = tops.into_iter().take(5).collect();
        return Err(ArchiveError::TopFolders(names.join(", ")));
    }
    let top = tops.into_iter().next().ok_or(ArchiveError::NoCourse)?;
    let prefix = format!("{top}/");
    let inside: BTreeMap<String, Entry> = files
        .into_iter()
        .filter_map(|(p, e)| p.strip_prefix(&prefix).map(|p| (p.to_owned(), e)))
        .collect();
    if !inside.contains_key("course.xml") {
        return Err(ArchiveError::NoCourse);
    }
    Ok(inside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // Written raw: `set_path` refuses `..`, which is what is tested.
            let name = &mut h.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn paths_are_normalised_and_escapes_ignored() {
        let files = unpack(
            &tar_gz(&[
                ("./course/course.xml", b"<course/>"),
                ("course/../../etc/passwd.xml", b"x"),
                ("/abs/x.xml", b"x"),
                ("course/static/big.bin", b"x"),
            ]),
            Limits::DEFAULT,
        )
        .unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), ["course.xml"]);
    }

    #[test]
    fn a_bomb_and_too_many_entries_stop_early() {
        let zeros = vec![0u8; 200_000];
        let small = Limits {
            unpacked: 100_000,
            ..Limits::DEFAULT
        };
        let bomb = tar_gz(&[
            ("course/course.xml", b"<course/>"),
            ("course/z.bin", &zeros),
        ]);
        assert_eq!(unpack(&bomb, small), Err(ArchiveError::TooLarge(100_000)));
        let few = Limits {
            entries: 1,
            ..Limits::DEFAULT
        };
        assert_eq!(unpack(&bomb, few), Err(ArchiveError::TooManyEntries(1)));
    }

    #[test]
    fn one_top_folder_with_course_xml() {
        let two = tar_gz(&[
            ("a/course.xml", b"<course/>"),
            ("b/course.xml", b"<course/>"),
        ]);
        assert!(matches!(
            unpack(&two, Limits::DEFAULT),
            Err(ArchiveError::TopFolders(_))
        ));
        let none = tar_gz(&[("a/b.xml", b"<course/>")]);
        assert_eq!(unpack(&none, Limits::DEFAULT), Err(ArchiveError::NoCourse));
        assert!(matches!(
            unpack(b"not gzip", Limits::DEFAULT),
            Err(ArchiveError::Unreadable(_))
        ));
    }
}
