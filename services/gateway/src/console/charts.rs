//! The dashboard's charts as inline SVG drawn here (no script, no library): columns over time
//! and horizontal bars. Only presentation attributes are used, so the pages' CSP (no inline
//! style) holds; every label is escaped.
use std::fmt::Write as _;

const WIDTH: f64 = 480.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Columns of `points` (label, value) left to right, the first and last labels under them and
/// the largest value at the top.
pub fn columns(id: &str, points: &[(String, f64)], unit: &str) -> String {
    let height = 180.0;
    let plot = height - 30.0;
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let step = WIDTH / points.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg id="{id}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}">"#,
        escape(&format!("{} points, largest {unit}{max:.2}", points.len()))
    );
    for (i, (label, value)) in points.iter().enumerate() {
        let h = if max > 0.0 {
            value / max * (plot - 15.0)
        } else {
            0.0
        };
        let x = i as f64 * step;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0b5cad"><title>{}: {unit}{value:.2}</title></rect>"##,
            plot - h,
            (step - 1.0).max(1.0),
            escape(label)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            r#"<text x="0" y="{}">{}</text><text x="{WIDTH}" y="{}" text-anchor="end">{}</text><text x="0" y="11">{unit}{max:.2}</text>"#,
            height - 8.0,
            escape(&first.0),
            height - 8.0,
            escape(&last.0)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One horizontal bar per row (label, value), longest for the largest value.
pub fn bars(id: &str, rows: &[(String, f64)]) -> String {
    let row = 24.0;
    let height = row * rows.len().max(1) as f64;
    let label_width = 130.0;
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let mut svg = format!(r#"<svg id="{id}" viewBox="0 0 {WIDTH} {height}" role="img">"#);
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * row;
        let w = if max > 0.0 {
            value / max * (WIDTH - label_width - 60.0)
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r##"<text x="0" y="{:.1}">{}</text><rect x="{label_width}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="#1e8e3e"></rect><text x="{:.1}" y="{:.1}">{value}</text>"##,
            y + 16.0,
            escape(label),
            y + 4.0,
            row - 8.0,
            label_width + w + 4.0,
            y + 16.0
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest() {
        let svg = bars("b", &[("<b>".into(), 10.0), ("half".into(), 5.0)]);
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(
            svg.contains(r#"width="290.0""#) && svg.contains(r#"width="145.0""#),
            "{svg}"
        );
        let svg = columns("c", &[("2026-12-01".into(), 0.0)], "$");
        assert!(svg.starts_with(r#"<svg id="c""#) && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"height="0.0""#),
            "nothing to draw draws nothing: {svg}"
        );
    }
}
