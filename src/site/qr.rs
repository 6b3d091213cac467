//! QR codes of feed URLs, for phones (SVG, no script needed).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG image of `data`, or `None` when it is too long for a QR code.
pub fn svg(data: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000"))
            .light_color(svg::Color("#fff"))
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_svg() {
        let s = super::svg("https://cal.example.edu/courses/a.ics").unwrap();
        assert!(s.contains("<svg") && s.contains("<path"));
        assert!(super::svg(&"x".repeat(10_000)).is_none());
    }
}
