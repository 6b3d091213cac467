//! HTML to the lines a reader sees: tags dropped, entities decoded (by the
//! `html5gum` tokenizer), block elements and `<br>` as line breaks, table
//! cells side by side and rows one per line; scripts and styles dropped.

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// Elements that start and end a line of their own.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "title",
    "caption",
];

/// Whether `text` is HTML rather than plain text: it has tags a page has.
pub fn is_html(text: &str) -> bool {
    let lower = text
        .get(..text.len().min(64 * 1024))
        .unwrap_or(text)
        .to_ascii_lowercase();
    [
        "<html", "<body", "<p>", "<p ", "<li", "<br", "<table", "<div", "<ul", "<h1", "<h2", "<td",
    ]
    .iter()
    .any(|t| lower.contains(t))
}

/// The text of `html`, one line per block, whitespace collapsed inside.
pub fn to_text(html: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut skip = 0usize; // inside <script>/<style>
    let flush = |line: &mut String, lines: &mut Vec<String>| {
        let text = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.trim_end_matches(" |").trim();
        if !text.is_empty() {
            lines.push(text.to_owned());
        }
        line.clear();
    };
    // Script and style bodies are raw text: the tokenizer must switch state
    // after their start tags, or `if (a<b)` would read as a tag.
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => match tag_name(&tag.name).as_str() {
                "script" | "style" | "template" => skip += 1,
                "br" => flush(&mut line, &mut lines),
                n if BLOCKS.contains(&n) => flush(&mut line, &mut lines),
                _ => {}
            },
            Token::EndTag(tag) => match tag_name(&tag.name).as_str() {
                "script" | "style" | "template" => skip = skip.saturating_sub(1),
                // Cells of a row side by side.
                "td" | "th" => line.push_str(" | "),
                n if BLOCKS.contains(&n) => flush(&mut line, &mut lines),
                _ => {}
            },
            Token::String(s) if skip == 0 => line.push_str(&String::from_utf8_lossy(&s)),
            _ => {}
        }
    }
    flush(&mut line, &mut lines);
    lines.join("\n")
}

/// The page's own heading: its first `<h1>`, else its `<title>`
/// (whitespace collapsed; empty ones skipped).
pub fn heading(html: &str) -> Option<String> {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let (mut h1, mut title) = (None::<String>, None::<String>);
    // Which of the two is open, and its text so far.
    let mut open: Option<(&str, String)> = None;
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => match tag_name(&tag.name).as_str() {
                "h1" if h1.is_none() => open = Some(("h1", String::new())),
                "title" if title.is_none() => open = Some(("title", String::new())),
                _ => {}
            },
            Token::EndTag(tag) => {
                let name = tag_name(&tag.name);
                if let Some((which, text)) = open.take_if(|(w, _)| *w == name) {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !text.is_empty() {
                        if which == "h1" {
                            h1 = Some(text);
                            break;
                        }
                        title = Some(text);
                    }
                }
            }
            Token::String(s) => {
                if let Some((_, text)) = &mut open {
                    text.push_str(&String::from_utf8_lossy(&s));
                }
            }
            _ => {}
        }
    }
    h1.or(title)
}

fn tag_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_breaks_and_tables_become_lines() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <h1>Course &amp; dates</h1><ul><li>Unit 1 (<b>Sept.</b> 5, 2018)</li>\
            <li>Unit 2<br>(October 1, 2018)</li></ul>\
            <table><tr><th>Date</th><th>Item</th></tr><tr><td>2018-09-05</td><td>Quiz&nbsp;1</td></tr></table>\
            <script>if (a<b) {}</script><p>Ends   here.</p></body></html>";
        assert!(is_html(html));
        assert_eq!(
            to_text(html),
            "T\nCourse & dates\nUnit 1 (Sept. 5, 2018)\nUnit 2\n(October 1, 2018)\nDate | Item\n2018-09-05 | Quiz 1\nEnds here."
        );
        assert!(!is_html("Unit 1 (September 28, 2017)\n"));
    }
}
