//! Renders a [`Figure`] with plotters' SVG backend, in pixel coordinates of our own
//! [`Axis`] mapping (plotters' mesh cannot label custom ticks with SI prefixes).
//!
//! Layout: caption on top, plot area on the left, legend in a column on the right, so
//! the legend never covers data.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::ReportError;
use super::axis::{si, Axis};
use super::figure::{AxisSpec, Figure, Point};
use super::style::{Shape, Style, Styles, FAILED};

const WIDTH: u32 = 980;
const HEIGHT: u32 = 560;
const LEFT: i32 = 86;
const TOP: i32 = 56;
/// Where the plot area ends and the legend column begins.
const RIGHT: i32 = 730;
const BOTTOM: i32 = HEIGHT as i32 - 62;
const MARKER: i32 = 5;
/// Horizontal pixels between series at the same x.
const DODGE: i32 = 3;
const FONT: &str = "sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Px = (i32, i32);

fn plot_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A figure's two axes, mapping data to pixels.
struct Frame {
    x: Axis,
    y: Axis,
}

impl Frame {
    fn px(&self, x: f64, y: f64) -> Px {
        (self.px_x(x), self.px_y(y))
    }
    fn px_x(&self, x: f64) -> i32 {
        LEFT + (self.x.fraction(x) * f64::from(RIGHT - LEFT)).round() as i32
    }
    fn px_y(&self, y: f64) -> i32 {
        BOTTOM - (self.y.fraction(y) * f64::from(BOTTOM - TOP)).round() as i32
    }
}

fn line(color: RGBColor, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: color.to_rgba(),
        filled: false,
        stroke_width: width,
    }
}

fn text(size: u32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// The dashes of the segment `a`-`b`: `on` pixels drawn, `off` skipped.
fn dashes(a: Px, b: Px, on: f64, off: f64) -> Vec<Vec<Px>> {
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let len = dx.hypot(dy);
    let at = |t: f64| {
        let t = (t / len.max(1.0)).min(1.0);
        (a.0 + (dx * t).round() as i32, a.1 + (dy * t).round() as i32)
    };
    let mut out = Vec::new();
    let mut t = 0.0;
    while t < len {
        out.push(vec![at(t), at(t + on)]);
        t += on + off;
    }
    out
}

fn polyline(area: &Area<'_>, pts: &[Px], style: ShapeStyle, dashed: bool) -> DrawResult {
    if dashed {
        for w in pts.windows(2) {
            for d in dashes(w[0], w[1], 7.0, 4.0) {
                area.draw(&PathElement::new(d, style))?;
            }
        }
        Ok(())
    } else {
        area.draw(&PathElement::new(pts.to_vec(), style))
    }
}

type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The vertices of a polygon marker of radius `r` around the origin.
fn outline(shape: Shape, r: f64) -> Vec<(f64, f64)> {
    let regular = |n: usize, r: f64, start_deg: f64| -> Vec<(f64, f64)> {
        (0..n)
            .map(|k| {
                let a = (start_deg + 360.0 * k as f64 / n as f64).to_radians();
                (r * a.cos(), r * a.sin())
            })
            .collect()
    };
    match shape {
        Shape::Square => regular(4, r * 1.2, 45.0),
        Shape::Diamond => regular(4, r * 1.3, 90.0),
        Shape::TriangleUp => regular(3, r * 1.3, -90.0),
        Shape::TriangleDown => regular(3, r * 1.3, 90.0),
        Shape::Pentagon => regular(5, r * 1.15, -90.0),
        Shape::Plus => regular(4, r * 1.3, 0.0),
        Shape::Star => regular(6, r * 1.3, 90.0),
        Shape::Circle => regular(16, r, 0.0),
    }
}

/// Draws `style`'s marker at `c`; hollow (white inside) when not `filled`.
fn marker(area: &Area<'_>, style: Style, c: Px, filled: bool) -> DrawResult {
    let color = style.color;
    let off = |(x, y): (f64, f64)| (c.0 + x.round() as i32, c.1 + y.round() as i32);
    let pts: Vec<Px> = outline(style.shape, f64::from(MARKER))
        .into_iter()
        .map(off)
        .collect();
    if style.shape.is_stroke() {
        // Spokes: opposite vertices joined through the centre.
        let half = pts.len() / 2;
        for k in 0..half {
            area.draw(&PathElement::new(
                vec![pts[k], pts[k + half]],
                line(color, 2),
            ))?;
        }
        return Ok(());
    }
    if style.shape == Shape::Circle {
        let fill = if filled { color } else { WHITE };
        area.draw(&Circle::new(c, MARKER, fill.filled()))?;
        return area.draw(&Circle::new(c, MARKER, line(color, 2)));
    }
    let fill = if filled { color } else { WHITE };
    area.draw(&Polygon::new(pts.clone(), fill.filled()))?;
    let mut closed = pts.clone();
    closed.push(pts[0]);
    area.draw(&PathElement::new(closed, line(color, 2)))
}

/// The failed-cell marker: a red X.
fn cross(area: &Area<'_>, c: Px) -> DrawResult {
    let r = MARKER + 1;
    let style = line(FAILED, 2);
    area.draw(&PathElement::new(
        vec![(c.0 - r, c.1 - r), (c.0 + r, c.1 + r)],
        style,
    ))?;
    area.draw(&PathElement::new(
        vec![(c.0 - r, c.1 + r), (c.0 + r, c.1 - r)],
        style,
    ))
}

/// An error bar from `lo` to `hi` with short caps.
fn error_bar(area: &Area<'_>, color: RGBColor, x: i32, lo: i32, hi: i32) -> DrawResult {
    let style = line(color, 1);
    area.draw(&PathElement::new(vec![(x, lo), (x, hi)], style))?;
    for y in [lo, hi] {
        area.draw(&PathElement::new(vec![(x - 4, y), (x + 4, y)], style))?;
    }
    Ok(())
}

fn tick_label(spec: &AxisSpec, v: f64) -> String {
    if spec.names.is_empty() {
        return si(v, spec.unit);
    }
    let i = v.round();
    if (v - i).abs() < 1e-9 && i >= 0.0 {
        spec.names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn axes(area: &Area<'_>, fig: &Figure, f: &Frame) -> DrawResult {
    let light = line(RGBColor(0xEE, 0xEE, 0xEE), 1);
    let grid = line(RGBColor(0xD0, 0xD0, 0xD0), 1);
    for &x in &f.x.minor {
        let p = f.px_x(x);
        area.draw(&PathElement::new(vec![(p, TOP), (p, BOTTOM)], light))?;
    }
    for &y in &f.y.minor {
        let p = f.px_y(y);
        area.draw(&PathElement::new(vec![(LEFT, p), (RIGHT, p)], light))?;
    }
    let label = text(14, BLACK, HPos::Center, VPos::Top);
    for &x in &f.x.ticks {
        let p = f.px_x(x);
        area.draw(&PathElement::new(vec![(p, TOP), (p, BOTTOM)], grid))?;
        area.draw(&PathElement::new(
            vec![(p, BOTTOM), (p, BOTTOM + 5)],
            line(BLACK, 1),
        ))?;
        area.draw(&Text::new(
            tick_label(&fig.x, x),
            (p, BOTTOM + 8),
            label.clone(),
        ))?;
    }
    let label = text(14, BLACK, HPos::Right, VPos::Center);
    for &y in &f.y.ticks {
        let p = f.px_y(y);
        area.draw(&PathElement::new(vec![(LEFT, p), (RIGHT, p)], grid))?;
        area.draw(&PathElement::new(
            vec![(LEFT - 5, p), (LEFT, p)],
            line(BLACK, 1),
        ))?;
        area.draw(&Text::new(
            tick_label(&fig.y, y),
            (LEFT - 8, p),
            label.clone(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(LEFT, TOP), (RIGHT, BOTTOM)],
        line(BLACK, 1),
    ))?;
    let scale = |a: &Axis| if a.log { ", log scale" } else { "" };
    area.draw(&Text::new(
        format!("{}{}", fig.x.title, scale(&f.x)),
        ((LEFT + RIGHT) / 2, BOTTOM + 30),
        text(15, BLACK, HPos::Center, VPos::Top),
    ))?;
    let y_title = text(15, BLACK, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
    area.draw(&Text::new(
        format!("{}{}", fig.y.title, scale(&f.y)),
        (10, (TOP + BOTTOM) / 2),
        y_title,
    ))?;
    area.draw(&Text::new(
        fig.title.clone(),
        (i32::try_from(WIDTH / 2).unwrap_or(0), 10),
        text(21, BLACK, HPos::Center, VPos::Top),
    ))
}

fn cores_line(area: &Area<'_>, f: &Frame, cores: f64) -> DrawResult {
    if cores < f.x.lo || cores > f.x.hi {
        return Ok(());
    }
    let p = f.px_x(cores);
    let grey = RGBColor(0x55, 0x55, 0x55);
    polyline(area, &[(p, TOP), (p, BOTTOM)], line(grey, 1), true)?;
    // Above the plot area, where it cannot cover data, and not past its ends (the width
    // is estimated: the SVG leaves fonts to the viewer).
    let label = format!("<- {cores} cores | oversubscribed ->");
    let half = (label.len() as i32 * 7) / 2;
    let centre = p.clamp(LEFT + half, (RIGHT - half).max(LEFT + half));
    area.draw(&Text::new(
        label,
        (centre, TOP - 3),
        text(13, grey, HPos::Center, VPos::Bottom),
    ))
}

fn series(area: &Area<'_>, fig: &Figure, styles: &Styles, f: &Frame) -> DrawResult {
    for (i, s) in fig.series.iter().enumerate() {
        let st = styles.of(&s.contender);
        if s.flat {
            let Some(p) = s.points.first() else { continue };
            let (l, r) = (LEFT + 1, RIGHT - 1);
            let band = st.color.mix(0.12).filled();
            area.draw(&Rectangle::new(
                [(l, f.px_y(p.hi)), (r, f.px_y(p.lo))],
                band,
            ))?;
            let y = f.px_y(p.y);
            polyline(area, &[(l, y), (r, y)], line(st.color, 2), true)?;
            for x in [l + 14, r - 14] {
                marker(area, st, (x, y), st.filled)?;
            }
            continue;
        }
        // Series side by side at a shared x, a few pixels apart, so that equal values
        // and their bars stay visible.
        let dodge = (2 * i as i32 + 1 - fig.series.len() as i32) * DODGE / 2;
        let at = |p: &Point| {
            let (x, y) = f.px(p.x, p.y);
            (x + dodge, y)
        };
        let pts: Vec<Px> = s.points.iter().map(at).collect();
        polyline(area, &pts, line(st.color, 2), false)?;
        for p in &s.points {
            point(area, st, f, p, at(p))?;
        }
    }
    Ok(())
}

fn point(area: &Area<'_>, st: Style, f: &Frame, p: &Point, (x, y): Px) -> DrawResult {
    if p.hi > p.lo {
        error_bar(area, st.color, x, f.px_y(p.lo), f.px_y(p.hi))?;
    }
    marker(area, st, (x, y), st.filled && !p.oversubscribed)
}

fn failures(area: &Area<'_>, fig: &Figure, f: &Frame) -> DrawResult {
    let mut used: Vec<(i32, i32)> = Vec::new();
    for fail in &fig.failures {
        let x = fail.x.map_or(LEFT + 14, |x| f.px_x(x));
        // Stack failures at the same x downwards, one line each.
        let row = used.iter().filter(|(ux, _)| (ux - x).abs() < 8).count() as i32;
        used.push((x, row));
        let c = (x, TOP + 12 + 16 * row);
        cross(area, c)?;
        let right_half = x > (LEFT + RIGHT) / 2;
        let (h, tx) = if right_half {
            (HPos::Right, x - 10)
        } else {
            (HPos::Left, x + 10)
        };
        area.draw(&Text::new(
            fail.label.clone(),
            (tx, c.1),
            text(13, FAILED, h, VPos::Center),
        ))?;
    }
    Ok(())
}

fn legend(area: &Area<'_>, fig: &Figure, styles: &Styles) -> DrawResult {
    let x = RIGHT + 16;
    let mut y = TOP + 6;
    let label = text(14, BLACK, HPos::Left, VPos::Center);
    let mut entry =
        |area: &Area<'_>, s: String| -> Result<i32, DrawingAreaErrorKind<std::io::Error>> {
            area.draw(&Text::new(s, (x + 34, y), label.clone()))?;
            y += 20;
            Ok(y - 20)
        };
    for s in &fig.series {
        let st = styles.of(&s.contender);
        let row = entry(area, s.label.clone())?;
        polyline(area, &[(x, row), (x + 26, row)], line(st.color, 2), s.flat)?;
        marker(area, st, (x + 13, row), st.filled)?;
    }
    if let Some(r) = &fig.reference {
        let row = entry(area, r.label.clone())?;
        area.draw(&PathElement::new(
            vec![(x, row), (x + 26, row)],
            line(BLACK, 1),
        ))?;
    }
    let grey = RGBColor(0x55, 0x55, 0x55);
    if !fig.series.is_empty() {
        let row = entry(area, "95 % interval of the median".into())?;
        error_bar(area, grey, x + 13, row + 7, row - 7)?;
    }
    let over = fig
        .series
        .iter()
        .flat_map(|s| &s.points)
        .any(|p| p.oversubscribed);
    if over {
        let text = match fig.cores {
            Some(cores) => format!("hollow: workers > {cores} cores"),
            None => "hollow: workers > cores".to_owned(),
        };
        let row = entry(area, text)?;
        let hollow = Style {
            color: grey,
            shape: Shape::Circle,
            filled: false,
        };
        marker(area, hollow, (x + 13, row), false)?;
    }
    if !fig.failures.is_empty() {
        let row = entry(area, "failed/timeout".into())?;
        cross(area, (x + 13, row))?;
    }
    Ok(())
}

/// Writes `fig` as an SVG file at `path`.
///
/// # Errors
/// [`ReportError::Format`] when drawing or writing fails.
pub fn render(path: &Path, fig: &Figure, styles: &Styles) -> Result<(), ReportError> {
    let e = |x: DrawingAreaErrorKind<std::io::Error>| plot_err(path, x);
    let ys = fig.y_values();
    let x_axis = if fig.x.names.is_empty() {
        Axis::fit(&fig.x_values(), 0.05, 0.0, false)
    } else {
        Some(Axis::linear(-0.3, fig.x.names.len() as f64 - 0.7))
    };
    let frame = Frame {
        x: x_axis.unwrap_or_else(|| Axis::linear(0.0, 1.0)),
        // Headroom at the top for the failed-cell markers.
        y: Axis::fit(&ys, 0.04, 0.1, fig.y.from_zero).unwrap_or_else(|| Axis::linear(0.0, 1.0)),
    };
    let frame = Frame {
        x: if fig.x.names.is_empty() {
            let xs = fig.x_values();
            frame.x.ticks_at(&xs)
        } else {
            let n = fig.x.names.len();
            Axis {
                ticks: (0..n).map(|i| i as f64).collect(),
                ..frame.x
            }
        },
        y: frame.y,
    };
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    axes(&root, fig, &frame).map_err(e)?;
    if let Some(c) = fig.cores {
        cores_line(&root, &frame, c).map_err(e)?;
    }
    if let Some(r) = &fig.reference {
        let pts: Vec<Px> = r.points.iter().map(|&(x, y)| frame.px(x, y)).collect();
        polyline(&root, &pts, line(BLACK, 1), false).map_err(e)?;
    }
    series(&root, fig, styles, &frame).map_err(e)?;
    failures(&root, fig, &frame).map_err(e)?;
    legend(&root, fig, styles).map_err(e)?;
    root.present().map_err(e)
}
