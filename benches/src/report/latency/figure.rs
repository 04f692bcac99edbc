//! `figures/latency-sweep.svg`: p50 and p99 against load, one colour and marker shape per
//! contender (Okabe-Ito palette, safe for colour-blind readers), p99 a thick line with
//! filled markers and p50 a thin line with hollow ones, log latency axis with SI ticks,
//! the legend beside the plot. Cells without `ok` repetitions are drawn as a red cross
//! at the top of the axis, not left out.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{points, several_workers, Point};
use crate::record::RunData;
use crate::report::ReportError;

/// Okabe-Ito colours, black last, yellow left out (too faint on white).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// Marker shapes, cycled independently of the colours so every pair differs.
const SHAPES: usize = 4;

fn err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A latency tick in seconds with an SI prefix (`100µs`, `2ms`, `1s`).
fn tick(ns: f64) -> String {
    let (x, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let s = format!("{x:.1}");
    format!("{}{unit}", s.trim_end_matches('0').trim_end_matches('.'))
}

struct Curve {
    label: String,
    p50: Vec<(f64, f64)>,
    p99: Vec<(f64, f64)>,
    failed: Vec<f64>,
}

fn curves(points: &[Point]) -> Vec<Curve> {
    let with_workers = several_workers(points);
    let mut out: Vec<Curve> = Vec::new();
    for p in points {
        let label = p.label(with_workers);
        let i = match out.iter().position(|c| c.label == label) {
            Some(i) => i,
            None => {
                out.push(Curve {
                    label,
                    p50: Vec::new(),
                    p99: Vec::new(),
                    failed: Vec::new(),
                });
                out.len() - 1
            }
        };
        let x = f64::from(p.load);
        match (p.p50(), p.p99()) {
            (Some(a), Some(b)) => {
                out[i].p50.push((x, a as f64));
                out[i].p99.push((x, b as f64));
            }
            _ => out[i].failed.push(x),
        }
    }
    out
}

/// The outline of marker `shape` (triangle or diamond) around the origin, in pixels.
fn outline(shape: usize) -> Vec<(i32, i32)> {
    if shape % SHAPES == 1 {
        vec![(0, -5), (5, 4), (-5, 4), (0, -5)]
    } else {
        vec![(0, -5), (5, 0), (0, 5), (-5, 0), (0, -5)]
    }
}

/// Draws marker number `shape` at each of `pts`, filled or as an outline.
fn markers<DB: DrawingBackend>(
    ctx: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, LogCoord<f64>>,
    >,
    shape: usize,
    pts: &[(f64, f64)],
    colour: RGBColor,
    filled: bool,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let style = if filled {
        colour.filled()
    } else {
        colour.stroke_width(1)
    };
    match (shape % SHAPES, filled) {
        (0, _) => ctx
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, style)))
            .map(|_| ())
            .map_err(e),
        (2, _) => ctx
            .draw_series(
                pts.iter()
                    .map(|&p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], style)),
            )
            .map(|_| ())
            .map_err(e),
        (_, true) => ctx
            .draw_series(
                pts.iter()
                    .map(|&p| EmptyElement::at(p) + Polygon::new(outline(shape), style)),
            )
            .map(|_| ())
            .map_err(e),
        (_, false) => ctx
            .draw_series(
                pts.iter()
                    .map(|&p| EmptyElement::at(p) + PathElement::new(outline(shape), style)),
            )
            .map(|_| ())
            .map_err(e),
    }
}

fn draw(root: &DrawingArea<SVGBackend<'_>, Shift>, curves: &[Curve]) -> Result<bool, String> {
    let ys = curves
        .iter()
        .flat_map(|c| c.p50.iter().chain(&c.p99).map(|p| p.1));
    let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    if lo > hi || lo <= 0.0 {
        return Ok(false);
    }
    let (y0, y1) = (lo / 1.5, hi * 1.5);
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (plot, legend) = root.split_horizontally(640);
    let mut ctx = ChartBuilder::on(&plot)
        .caption(
            "Latency against load (open loop): p99 thick, p50 thin",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..100.0, (y0..y1).log_scale())
        .map_err(|e| e.to_string())?;
    ctx.configure_mesh()
        .x_desc("load, % of capacity")
        .y_desc("latency (log scale)")
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .y_label_formatter(&|y| tick(*y))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, c) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let shape = i % SHAPES + i / PALETTE.len();
        ctx.draw_series(LineSeries::new(c.p99.clone(), colour.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        ctx.draw_series(LineSeries::new(c.p50.clone(), colour.stroke_width(1)))
            .map_err(|e| e.to_string())?;
        markers(&mut ctx, shape, &c.p99, colour, true)?;
        markers(&mut ctx, shape, &c.p50, colour, false)?;
        let failed: Vec<(f64, f64)> = c.failed.iter().map(|&x| (x, y1 / 1.2)).collect();
        ctx.draw_series(
            failed
                .iter()
                .map(|&p| Cross::new(p, 6, RED.stroke_width(2))),
        )
        .map_err(|e| e.to_string())?;
    }
    let text = ("sans-serif", 14).into_font();
    for (i, c) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let shape = i % SHAPES + i / PALETTE.len();
        let y = 60 + 22 * i as i32;
        legend
            .draw(&PathElement::new(
                vec![(8, y), (38, y)],
                colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        let style = colour.filled();
        let at = (23, y);
        let drawn = match shape % SHAPES {
            0 => legend.draw(&Circle::new(at, 4, style)),
            2 => legend.draw(&Rectangle::new([(19, y - 4), (27, y + 4)], style)),
            _ => legend.draw(&Polygon::new(
                outline(shape)
                    .into_iter()
                    .map(|(dx, dy)| (23 + dx, y + dy))
                    .collect::<Vec<_>>(),
                style,
            )),
        };
        drawn.map_err(|e| e.to_string())?;
        legend
            .draw(&Text::new(c.label.clone(), (46, y - 7), text.clone()))
            .map_err(|e| e.to_string())?;
    }
    let y = 60 + 22 * curves.len() as i32 + 10;
    for (k, line) in [
        "filled, thick: p99",
        "hollow, thin: p50",
        "red x: no ok repetition",
    ]
    .into_iter()
    .enumerate()
    {
        legend
            .draw(&Text::new(line, (8, y + 20 * k as i32), text.clone()))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(true)
}

/// Writes `latency-sweep.svg` into `dir` when the run has latency-sweep cells with data,
/// returning its path.
///
/// # Errors
/// [`ReportError::Format`] when plotters cannot draw or write the file.
pub fn write_figure(dir: &Path, data: &RunData) -> Result<Option<PathBuf>, ReportError> {
    let curves = curves(&points(data));
    if curves.is_empty() {
        return Ok(None);
    }
    let path = dir.join("latency-sweep.svg");
    let root = SVGBackend::new(&path, (900, 540)).into_drawing_area();
    let drawn = draw(&root, &curves);
    drop(root);
    Ok(drawn.map_err(|e| err(&path, e))?.then_some(path))
}
