//! SVG to PNG through resvg, with the machine's fonts (the charts ask for DejaVu Sans or
//! Liberation Sans, which Debian installs with Chromium and most desktops).

use anyhow::{Context, Result, anyhow};
use resvg::{tiny_skia, usvg};

/// Pixels per SVG unit: 2 gives a sharp picture on a slide or a retina screen.
const SCALE: f32 = 2.0;

pub fn render(svg: &str) -> Result<Vec<u8>> {
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = usvg::Tree::from_str(svg, &options).context("cannot read the chart as SVG")?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * SCALE).ceil() as u32,
        (size.height() * SCALE).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| anyhow!("a {w}×{h} picture is too large to draw"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().context("cannot encode the PNG")
}
