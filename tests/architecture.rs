//! The module graph is one-way, and this test keeps it so: every import
//! of `src/` (`use crate::…`, `use super::…`, and paths written inline)
//! goes to a layer at or below its own, as `LAYERS` allows, and no two
//! files import each other, directly or around a loop.
//!
//! Why a test and not a crate split or `cargo-modules`: a workspace of
//! seven crates would turn every `pub(crate)` into `pub` and slow the
//! build; `cargo-modules` would be one more tool to install and its
//! output is not a check. This reads the source the compiler reads, in
//! well under a second, and names the offending file and line.

use crate::harness::repo;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer and the layers it may import (besides itself), bottom to
/// top. The picture in docs/architecture.md and src/lib.rs says the same.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("schedule", &["model"]),
    ("ics", &["model"]),
    ("import", &["schedule", "model"]),
    ("history", &["schedule", "model"]),
    ("catalog", &["history", "schedule", "model"]),
    ("site", &["catalog", "ics", "schedule", "model"]),
    ("server", &["site", "catalog", "ics", "schedule", "model"]),
    (
        "cli",
        &[
            "server", "site", "catalog", "history", "ics", "import", "schedule", "model",
        ],
    ),
];

/// A module path (`server::pages`) for every source file.
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = repo().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            let name = parts.join("::");
            // The crate root and the binary sit above every layer.
            (name != "lib" && name != "main").then_some((name, f))
        })
        .collect()
}

/// Source without comments (doc links name paths without importing them)
/// and without string literals.
fn code_of(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let mut out = String::new();
            let mut in_str = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => in_str = !in_str,
                    '\\' if in_str => {
                        chars.next();
                    }
                    '/' if !in_str && chars.peek() == Some(&'/') => break,
                    _ if !in_str => out.push(c),
                    _ => {}
                }
            }
            (n + 1, out)
        })
        .collect()
}

/// Paths a file names: `use` trees flattened, plus inline `crate::`/`super::`
/// paths, each with the line it is on.
fn paths_of(text: &str) -> Vec<(usize, String)> {
    let code = code_of(text);
    let mut out = Vec::new();
    // `use` statements may span lines and nest braces.
    let mut statement = String::new();
    let mut start = 0;
    for (n, line) in &code {
        let trimmed = line.trim_start();
        let is_use = trimmed.starts_with("use ")
            || trimmed.starts_with("pub use ")
            || trimmed.starts_with("pub(crate) use ");
        if statement.is_empty() && is_use {
            start = *n;
        }
        if !statement.is_empty() || is_use {
            statement.push_str(trimmed);
            if trimmed.ends_with(';') {
                let tree = statement
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ")
                    .trim_start_matches("use ")
                    .trim_end_matches(';')
                    .replace(' ', "");
                for p in flatten(&tree) {
                    out.push((start, p));
                }
                statement.clear();
            }
            continue;
        }
        for prefix in ["crate::", "super::", ""] {
            if prefix.is_empty() {
                // `child::name` in a mod.rs: any `word::` path not preceded
                // by another segment; `target` keeps only real children.
                for (i, _) in line.match_indices("::") {
                    let head: String = line[..i]
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    let before = line[..i - head.len()].chars().next_back();
                    if !head.is_empty() && before != Some(':') {
                        let path: String = line[i - head.len()..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                            .collect();
                        if !path.starts_with("crate::") && !path.starts_with("super::") {
                            out.push((*n, path));
                        }
                    }
                }
                continue;
            }
            let mut rest = line.as_str();
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().next_back();
                let path: String = rest[i..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    out.push((*n, path.clone()));
                }
                rest = &rest[i + prefix.len()..];
            }
        }
    }
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn flatten(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[from..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| flatten(p).into_iter().map(move |s| format!("{prefix}{s}")))
        .collect()
}

/// The module a path imports from, as one of `modules`' names.
fn target(
    path: &str,
    from: &str,
    is_dir_module: bool,
    modules: &BTreeMap<String, PathBuf>,
) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match segs.first()? {
        &"crate" => {
            segs.remove(0);
            Vec::new()
        }
        &"super" => {
            // `super` of `a::b` (a/b.rs) is `a`; of `a` (a/mod.rs) the root.
            let mut here: Vec<String> = from.split("::").map(str::to_owned).collect();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                here.pop();
            }
            here
        }
        // In a `mod.rs`, a path may start at a child module.
        child if is_dir_module && modules.contains_key(&format!("{from}::{child}")) => {
            from.split("::").map(str::to_owned).collect()
        }
        _ => return None,
    };
    // The longest prefix that is a module file (`super::Name` is the
    // parent module itself).
    let mut best = Some(base.join("::")).filter(|n| modules.contains_key(n));
    for s in segs {
        base.push(s.to_owned());
        let name = base.join("::");
        if modules.contains_key(&name) {
            best = Some(name);
        }
    }
    best.or_else(|| {
        let name = base.join("::");
        (!name.is_empty()).then_some(name)
    })
    .filter(|n| modules.contains_key(n))
}

fn layer(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn imports_only_go_down_the_layers_and_never_in_a_circle() {
    let modules = modules();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    for (name, file) in &modules {
        // Unit tests (`#[cfg(test)] mod tests` at the end) may reach anywhere.
        let text = &code_before_tests(file);
        let is_dir = file.ends_with("mod.rs");
        let own = layer(name);
        assert!(
            allowed.contains_key(own),
            "{}: module `{own}` is in no layer of LAYERS",
            file.display()
        );
        for (line, path) in paths_of(text) {
            let Some(to) = target(&path, name, is_dir, &modules) else {
                continue;
            };
            if &to == name {
                continue;
            }
            let theirs = layer(&to);
            if theirs != own && !allowed[own].contains(&theirs) {
                upward.push(format!(
                    "{}:{line}: `{own}` imports `{path}` from layer `{theirs}`",
                    file.display()
                ));
            }
            edges.entry(name.clone()).or_default().insert(to);
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
    // A cycle: a module that can reach itself.
    let mut cycles = Vec::new();
    for start in modules.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    cycles.push(format!("{} -> {start}", trail.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(
        cycles.is_empty(),
        "modules in a circle:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    // Self-test: grouped, nested and inline paths are all found.
    let text = "use super::{a, b::{c, d}};\nfn f() { crate::model::x(); } // crate::site::y\n";
    let paths: Vec<String> = paths_of(text).into_iter().map(|(_, p)| p).collect();
    assert_eq!(
        paths,
        ["super::a", "super::b::c", "super::b::d", "crate::model::x"]
    );
}

/// Whether `name` is public in the module file `parent`: a `pub mod`, a
/// `pub` item, or a `pub use` re-export (`pub(crate)` is not public).
fn is_public_in(parent: &Path, name: &str) -> bool {
    let text = std::fs::read_to_string(parent).unwrap();
    let code = code_of(&text);
    let declared = code.iter().any(|(_, line)| {
        let l = line.trim();
        [
            "mod", "fn", "struct", "enum", "const", "static", "type", "trait",
        ]
        .iter()
        .any(|k| {
            l.strip_prefix(&format!("pub {k} {name}"))
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    });
    // `pub use` statements, which may span lines.
    let mut statement = String::new();
    let mut reexported = false;
    for (_, line) in &code {
        let l = line.trim();
        if statement.is_empty() && !l.starts_with("pub use ") {
            continue;
        }
        statement.push_str(l);
        if l.ends_with(';') {
            let tree = statement["pub use ".len()..]
                .trim_end_matches(';')
                .replace(" as ", "@")
                .replace(' ', "");
            reexported |= flatten(&tree)
                .iter()
                .any(|p| p.rsplit(['@', ':']).next() == Some(name));
            statement.clear();
        }
    }
    declared || reexported
}

/// Whether `crate::…` path `path` (from a CLI file) is library API: a
/// crate-root re-export, or a layer's own `pub` items (each step below the
/// layer `pub`, never `pub(crate)`) — and never inside `ics` or `schedule`.
fn is_public_api(src: &Path, path: &str) -> bool {
    let segs: Vec<&str> = path.split("::").skip(1).filter(|s| !s.is_empty()).collect();
    let Some((layer, rest)) = segs.split_first() else {
        return false;
    };
    if ["ics", "schedule"].contains(layer) {
        return false;
    }
    let lib = src.join("lib.rs");
    let is_module = src.join(layer).is_dir() || src.join(layer).with_extension("rs").exists();
    if !is_module {
        // `crate::feed`, `crate::ServeConfig::new`: a root re-export.
        return is_public_in(&lib, layer);
    }
    let lib_text = std::fs::read_to_string(&lib).unwrap();
    let declared = code_of(&lib_text).iter().any(|(_, l)| {
        let l = l.trim();
        l.ends_with(&format!("mod {layer};"))
    });
    if !declared {
        return false;
    }
    let mut dir = src.join(layer);
    let mut at = if dir.join("mod.rs").exists() {
        dir.join("mod.rs")
    } else {
        dir.with_extension("rs")
    };
    for seg in rest {
        if !is_public_in(&at, seg) {
            return false;
        }
        dir = dir.join(seg);
        at = if dir.join("mod.rs").exists() {
            dir.join("mod.rs")
        } else if dir.with_extension("rs").exists() {
            dir.with_extension("rs")
        } else {
            // An item (function, type, re-export): public where it is named.
            return true;
        };
    }
    true
}

/// The CLI holds no domain logic, checked as: a file of `src/cli/` names
/// only `std`, `clap`, `thiserror`, its sibling files, types in scope, lints,
/// and library API: a crate-root re-export (`crate::feed`), or a layer's own
/// `pub` items (`crate::site::render::large_feed_warnings`: every step below the
/// layer `pub`, never a `pub(crate)` internal), and nothing inside `ics`
/// (rendering) or `schedule` (compiling). No `chrono`, `rayon` or other
/// crate either: a rule the CLI needs must be a library function first.
#[test]
fn the_cli_calls_only_the_public_library_api() {
    let src = repo().join("src");
    let cli: Vec<PathBuf> = std::fs::read_dir(src.join("cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let siblings: BTreeSet<String> = cli
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut bad = Vec::new();
    for file in &cli {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, path) in paths_of(&text) {
            let head = path.split("::").next().unwrap_or_default();
            let ok = match head {
                // A turbofish (`collect::<…>`) names no path.
                _ if path.trim_end_matches(':') == head => true,
                // Lint names.
                "rustdoc" | "clippy" => true,
                "crate" => is_public_api(&src, &path),
                "std" | "clap" | "thiserror" | "super" | "self" => true,
                h => siblings.contains(h) || h.starts_with(char::is_uppercase),
            };
            if !ok {
                bad.push(format!("{}:{n}: `{path}`", file.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the CLI reaches past the public library API (a rule it needs belongs in the library):\n{}",
        bad.join("\n")
    );
    // The rule bites: these would be refused.
    for path in [
        "crate::ics::render_variant",
        "crate::schedule::compile",
        "crate::site::links::normalize_base",
        "crate::site::pages::course",
        "crate::server::cache::Cache",
    ] {
        assert!(!is_public_api(&src, path), "{path}");
    }
    for path in ["crate::feed", "crate::site::render::large_feed_warnings"] {
        assert!(is_public_api(&src, path), "{path}");
    }
}

/// The CLI stays thin: all of `src/cli/` (parsing, printing, exit codes)
/// fits in 400 lines; a command that needs more is doing the library's work.
#[test]
fn the_cli_is_at_most_400_lines() {
    const LIMIT: usize = 400;
    let mut files: Vec<(usize, String)> = std::fs::read_dir(repo().join("src/cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|f| {
            (
                std::fs::read_to_string(&f).unwrap().lines().count(),
                f.display().to_string(),
            )
        })
        .collect();
    files.sort();
    let total: usize = files.iter().map(|(n, _)| n).sum();
    assert!(files.len() > 1, "{files:?}");
    assert!(
        total <= LIMIT,
        "the CLI is {total} lines (limit {LIMIT}): {files:?}"
    );
}

/// The text of `file` before its unit tests (`#[cfg(test)] mod tests`).
fn code_before_tests(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    match text.split_once("#[cfg(test)]\nmod tests") {
        Some((code, _)) => code.to_owned(),
        None => text,
    }
}

/// Lines of a source file before its unit tests (the first line that is
/// `#[cfg(test)]` at the start).
fn non_test_lines(text: &str) -> usize {
    text.lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .count()
}

/// A file of `src/` still over the limit while its split is under way; the
/// test fails once it fits, so an entry cannot outlive its reason.
const OVER_LIMIT_FOR_NOW: &[&str] = &[];

#[test]
fn no_source_file_is_over_700_lines_besides_its_tests() {
    const LIMIT: usize = 700;
    let src = repo().join("src");
    let mut over = Vec::new();
    let mut fits = Vec::new();
    for path in modules().into_values() {
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let n = non_test_lines(&std::fs::read_to_string(&path).unwrap());
        match (n > LIMIT, OVER_LIMIT_FOR_NOW.contains(&rel.as_str())) {
            (true, false) => over.push(format!("src/{rel}: {n} lines")),
            (false, true) => fits.push(format!("src/{rel}: {n} lines")),
            _ => {}
        }
    }
    assert!(over.is_empty(), "over {LIMIT} non-test lines: {over:?}");
    assert!(
        fits.is_empty(),
        "remove from OVER_LIMIT_FOR_NOW, they fit now: {fits:?}"
    );
    assert_eq!(non_test_lines("a\nb\n#[cfg(test)]\nmod tests {}\n"), 2);
}

/// Crate names in the normal (non-dev) dependency tree of the library
/// built with `features`.
fn dependency_names(features: &[&str]) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(repo())
        .args(["tree", "-e", "normal", "--locked", "--offline"])
        .args(["--prefix", "none", "--format", "{p}", "-p", "coursecal"])
        .args(features)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The web stack, which an embedder who only compiles schedules must not pull.
const WEB_STACK: &[&str] = &["tokio", "hyper", "axum", "tower", "brotli"];

fn web_stack_in(names: &BTreeSet<String>) -> Vec<&String> {
    names
        .iter()
        .filter(|n| {
            WEB_STACK
                .iter()
                .any(|w| n.as_str() == *w || n.starts_with(&format!("{w}-")))
        })
        .collect()
}

#[test]
fn the_library_without_default_features_pulls_no_web_stack() {
    let alone = dependency_names(&["--no-default-features"]);
    assert!(alone.contains("chrono-tz"), "{alone:?}");
    assert_eq!(web_stack_in(&alone), Vec::<&String>::new());
    // The same check sees the web stack where it is.
    let full = dependency_names(&[]);
    let web = web_stack_in(&full);
    for name in WEB_STACK {
        assert!(web.iter().any(|n| n == name), "{name} not seen in {web:?}");
    }
}

/// The one home of rendering: outside `ics` itself, only `site::render`
/// calls the feed renderers (`ics::render`, `ics::render_variant`, …); the
/// server's cache, its routes, the static export and the CLI go through
/// it. (The crate root re-exports `render` for embedders; that is no call.)
#[test]
fn feeds_are_rendered_only_in_site_render() {
    const HOME: &str = "site::render";
    let modules = modules();
    let mut elsewhere = Vec::new();
    let mut at_home = 0;
    for (name, file) in &modules {
        if layer(name) == "ics" {
            continue;
        }
        let text = &code_before_tests(file);
        let is_dir = file.ends_with("mod.rs");
        for (line, path) in paths_of(text) {
            let renders = target(&path, name, is_dir, &modules)
                .is_some_and(|to| layer(&to) == "ics")
                && path
                    .rsplit("::")
                    .next()
                    .is_some_and(|f| f.starts_with("render"));
            match (renders, name == HOME) {
                (true, true) => at_home += 1,
                (true, false) => elsewhere.push(format!("{}:{line}: `{path}`", file.display())),
                _ => {}
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "feeds rendered outside src/site/render.rs:\n{}",
        elsewhere.join("\n")
    );
    // The check sees the calls where they are.
    assert!(at_home >= 2, "{at_home} calls found in {HOME}");
}
