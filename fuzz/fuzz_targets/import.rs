//! Arbitrary bytes into every `coursecal import` source. The first byte
//! picks the source (low bits), `--timezone` (0x80) and `--year` (0x40);
//! the rest is its content. Pages are also read under a table header (a
//! `|` table, 4, and a tab table, 5), so the fuzzer reaches the column
//! rules. Invariants: no panic, and the YAML written always parses (a
//! compile error may only be about content, never YAML syntax).
#![no_main]

use coursecal::{ImportOptions, Imported};
use libfuzzer_sys::fuzz_target;

fn yaml_parses(imported: &Imported) {
    if let Err(diags) = coursecal::compile("fuzz-101", "fuzz-101.yaml", &imported.yaml) {
        for d in &diags {
            assert!(
                !d.message.contains("invalid YAML"),
                "{}\n{}",
                d.render(),
                imported.yaml
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let options = ImportOptions {
        timezone: (which & 0x80 != 0).then_some(chrono_tz::Tz::Europe__Berlin),
        year: (which & 0x40 != 0).then_some(2025),
        ..ImportOptions::default()
    };
    let text = String::from_utf8_lossy(rest);
    // The low six bits pick the source: 0x40 (`--year`) and 0x80
    // (`--timezone`) combine with every one.
    let imported = match which & 0x3f {
        0 => coursecal::import_page(&text, &options),
        // A page under a `|` and a tab table header: the column rules.
        4 => coursecal::import_page(&format!("| Item | Release | Due | Event |\n{text}"), &options),
        5 => coursecal::import_page(&format!("Item\tRelease\tDue\tEvent\n{text}"), &options),
        1 => coursecal::import_sheet(&text, &options),
        2 => coursecal::import_calendar(&text, &options),
        // A refused archive is a clear error, which is fine.
        3 => match coursecal::import_olx_archive(rest, &options) {
            Ok(imported) => imported,
            Err(_) => return,
        },
        _ => return,
    };
    yaml_parses(&imported);
});
