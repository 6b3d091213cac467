//! Arbitrary bytes into every `coursecal import` source. The first byte
//! picks the source; the rest is its content. Invariants: no panic, and the
//! YAML written always parses (a compile error may only be about content,
//! never YAML syntax).
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
        ..ImportOptions::default()
    };
    let text = String::from_utf8_lossy(rest);
    let imported = match which & 0x7f {
        0 => coursecal::import_page(&text, &options),
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
