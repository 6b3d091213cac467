//! Reading one schedule file: bytes → located YAML tree → [`Schedule`] →
//! resolved [`Course`], with every problem as a located [`Diagnostic`].

use super::SourceFile;
use super::node::{Node, attach_raw};
use super::validate::Checker;
use super::{model::Schedule, ocw};
use crate::course::{self, Course};
use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// Largest schedule or metadata file read (bytes). A year-long course is a
/// few kilobytes; this only stops runaway or hostile files.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Deepest YAML nesting accepted; a schedule needs 6 levels.
pub const MAX_DEPTH: usize = 32;

/// A course that compiled, with what it was made from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub course: Course,
    pub warnings: Vec<Diagnostic>,
    /// Every file read (the schedule, then its metadata file if any).
    pub inputs: Vec<PathBuf>,
}

/// The course id a schedule path stands for, if its name is valid.
pub fn course_id(path: &Path) -> Result<String, Diagnostic> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let valid = stem
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid && stem.len() <= 100 {
        return Ok(stem.to_owned());
    }
    let suggestion = crate::ics::uid::slug(stem);
    let mut d = Diagnostic::error(path, format!("invalid course id `{stem}` (the file name)"))
        .label(
            "expected a file name of lowercase letters, digits and `-`, like `res-cms-154.yaml`",
        );
    if !suggestion.is_empty() {
        d = d.help(format!("rename it to `{suggestion}.yaml`"));
    }
    Err(d)
}

/// Read a file as UTF-8 text, within [`MAX_FILE_BYTES`].
pub fn read_source(path: &Path) -> Result<SourceFile, Diagnostic> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| Diagnostic::error(path, format!("cannot read the file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error(path, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            path,
            format!(
                "the file is larger than the limit of {} MiB",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = String::from_utf8_lossy(valid);
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return Err(Diagnostic::error(path, "the file is not valid UTF-8")
                .at(&text, line as u32, column as u32, 1)
                .label("expected UTF-8 text"));
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

/// Parse YAML into a located tree, with resource limits.
pub fn parse_yaml(src: &SourceFile) -> Result<Node, Diagnostic> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
        },
    };
    match serde_saphyr::from_str_with_options::<Node>(&src.text, options) {
        Ok(mut node) => {
            attach_raw(&mut node, &src.text);
            Ok(node)
        }
        Err(e) => Err(yaml_error(src, &e)),
    }
}

fn yaml_error(src: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    let plain = e.without_snippet().to_string();
    // The crate appends " at line L, column C"; we show the location ourselves.
    let message = match plain.rfind(" at line ") {
        Some(i) => plain[..i].to_owned(),
        None => plain,
    };
    let message = format!("invalid YAML: {}", message.trim());
    match e.location() {
        Some(loc) if loc.line() > 0 => Diagnostic::error(&src.path, message).at(
            &src.text,
            u32::try_from(loc.line()).unwrap_or(u32::MAX),
            u32::try_from(loc.column()).unwrap_or(u32::MAX),
            1,
        ),
        _ => Diagnostic::error(&src.path, message),
    }
}

/// Check a parsed file; all shape errors of the file at once.
pub fn check(src: &SourceFile) -> Result<Schedule, Vec<Diagnostic>> {
    let root = parse_yaml(src).map_err(|d| vec![d])?;
    let mut checker = Checker::new(src);
    let schedule = checker.schedule(&root);
    if checker.diags.is_empty() {
        Ok(schedule)
    } else {
        Err(checker.diags)
    }
}

/// Load, validate and resolve one schedule file.
pub fn load_course(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let id = course_id(path).map_err(|d| vec![d])?;
    let src = read_source(path).map_err(|d| vec![d])?;
    let schedule = check(&src)?;
    let mut inputs = vec![path.to_path_buf()];
    let meta = match &schedule.course.metadata {
        Some(rel) => {
            let meta_path = path.parent().unwrap_or(Path::new(".")).join(&rel.value);
            inputs.push(meta_path.clone());
            match ocw::load(&meta_path) {
                Ok(m) => Some(m),
                Err(d) => {
                    let located = src
                        .error(
                            rel.pos,
                            format!("cannot use the metadata file: {}", d.message),
                        )
                        .label(
                            d.label
                                .clone()
                                .unwrap_or_else(|| "expected an OCW metadata file".into()),
                        );
                    return Err(vec![located, d]);
                }
            }
        }
        None => None,
    };
    let (course, warnings) = course::resolve(&id, &src, &schedule, meta.as_ref())?;
    Ok(Loaded {
        course,
        warnings,
        inputs,
    })
}
