//! `figures/*.svg` with plotters' SVG backend (no system fonts needed):
//!
//! - `throughput-<workload>.svg`: jobs/s against workers, one line per contender, for CPU
//!   workloads (unbounded and single-threaded contenders as flat reference lines);
//! - `latency-<workload>.svg`: p50/p90/p99/p99.9/max per contender, log scale;
//! - `io-<workload>.svg`: makespan against concurrency, log-log, one line per contender,
//!   with the Little's-law bound `ceil(N / c) * D` as a black line.

use std::path::Path;

use plotters::prelude::*;

use crate::record::RunData;
use crate::workloads::Family;

use super::aggregate::{cells, CellStats};
use super::ReportError;

type Series = Vec<(String, Vec<(f64, f64)>)>;

fn plot_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn contenders(rows: &[&CellStats]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in rows {
        if !names.contains(&c.first.contender) {
            names.push(c.first.contender.clone());
        }
    }
    names
}

fn bounds(series: &Series, extra: &[(f64, f64)]) -> Option<(f64, f64, f64, f64)> {
    let pts = series
        .iter()
        .flat_map(|(_, p)| p.iter())
        .chain(extra.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    (x0 <= x1 && y0 <= y1 && y0 > 0.0).then_some((x0, x1, y0, y1))
}

struct Chart<'a> {
    path: &'a Path,
    title: String,
    x_desc: &'a str,
    y_desc: &'a str,
    log_x: bool,
    log_y: bool,
    /// Names for the integer x positions (categorical axes), if any.
    x_names: Option<&'a [&'a str]>,
}

/// An axis label: integers without a fraction, others with three significant figures.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn draw(
    chart: &Chart<'_>,
    series: &Series,
    reference: Option<(&str, Vec<(f64, f64)>)>,
) -> Result<bool, ReportError> {
    let extra = reference
        .as_ref()
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let Some((x0, x1, y0, y1)) = bounds(series, &extra) else {
        return Ok(false);
    };
    let (x0, x1) = if chart.log_x {
        (x0 / 1.5, x1 * 1.5)
    } else {
        (x0 - 0.5, x1 + 0.5)
    };
    let (y0, y1) = if chart.log_y {
        (y0 / 2.0, y1 * 2.0)
    } else {
        (0.0, y1 * 1.15)
    };
    let root = SVGBackend::new(chart.path, (900, 560)).into_drawing_area();
    let e = |e: &dyn std::fmt::Display| plot_err(chart.path, e);
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(&chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    macro_rules! body {
        ($ctx:expr) => {{
            let mut ctx = $ctx.map_err(|x| e(&x))?;
            let x_fmt = |x: &f64| match chart.x_names {
                Some(names) if (x - x.round()).abs() < 1e-9 && *x >= 0.0 => names
                    .get(x.round() as usize)
                    .map_or(String::new(), |n| (*n).to_owned()),
                Some(_) => String::new(),
                None => number(*x),
            };
            let y_fmt = |y: &f64| number(*y);
            ctx.configure_mesh()
                .x_desc(chart.x_desc)
                .y_desc(chart.y_desc)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .draw()
                .map_err(|x| e(&x))?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                ctx.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                    .map_err(|x| e(&x))?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                ctx.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(|x| e(&x))?;
            }
            if let Some((name, pts)) = &reference {
                ctx.draw_series(LineSeries::new(pts.clone(), BLACK.stroke_width(1)))
                    .map_err(|x| e(&x))?
                    .label(*name)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK));
            }
            ctx.configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|x| e(&x))?;
        }};
    }
    match (chart.log_x, chart.log_y) {
        (true, true) => {
            body!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale()))
        }
        (true, false) => body!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)),
        (false, true) => body!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())),
        (false, false) => body!(builder.build_cartesian_2d(x0..x1, y0..y1)),
    }
    root.present().map_err(|x| e(&x))?;
    Ok(true)
}

fn throughput_series(rows: &[&CellStats], max_workers: f64) -> Series {
    contenders(rows)
        .into_iter()
        .filter_map(|name| {
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|c| c.first.contender == name && c.makespan().is_some())
                .filter_map(|c| {
                    Some((
                        c.first.workers.map_or(f64::NAN, |w| w as f64),
                        c.throughput?,
                    ))
                })
                .collect();
            if pts.len() == 1 {
                let y = pts[0].1;
                let label = if pts[0].0.is_nan() {
                    "unbounded"
                } else {
                    "1 thread"
                };
                return Some((
                    format!("{name} ({label})"),
                    vec![(1.0, y), (max_workers, y)],
                ));
            }
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!pts.is_empty()).then_some((name, pts))
        })
        .collect()
}

fn io_series(rows: &[&CellStats], max_conc: f64) -> (Series, Vec<(f64, f64)>) {
    let mut bound: Vec<(f64, f64)> = rows
        .iter()
        .filter(|c| {
            c.first.workers.is_some() && c.first.concurrency.is_some_and(|c| c > 1)
                || c.first.contender == "sequential"
        })
        .filter_map(|c| Some((c.first.concurrency? as f64, c.bound?)))
        .collect();
    bound.sort_by(|a, b| a.0.total_cmp(&b.0));
    bound.dedup_by(|a, b| a.0 == b.0);
    let series = contenders(rows)
        .into_iter()
        .filter_map(|name| {
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|c| c.first.contender == name)
                .filter_map(|c| {
                    Some((
                        c.first.concurrency.map_or(f64::NAN, |x| x as f64),
                        c.makespan()?,
                    ))
                })
                .collect();
            if pts.len() == 1 && pts[0].0.is_nan() {
                let y = pts[0].1;
                return Some((format!("{name} (unbounded)"), vec![(1.0, y), (max_conc, y)]));
            }
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!pts.is_empty()).then_some((name, pts))
        })
        .collect();
    (series, bound)
}

fn latency_series(rows: &[&CellStats]) -> Series {
    rows.iter()
        .filter_map(|c| {
            let l = c.latency?;
            let pts = l
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v / 1e3))
                .collect();
            Some((c.first.contender.clone(), pts))
        })
        .collect()
}

/// Writes every figure of `data` into `dir`; returns `(workload, file name)` pairs.
///
/// # Errors
/// [`ReportError`] when plotting or writing fails.
pub fn write_figures(dir: &Path, data: &RunData) -> Result<Vec<(String, String)>, ReportError> {
    let all = cells(&data.samples);
    let mut out = Vec::new();
    for w in &data.workloads {
        let rows: Vec<&CellStats> = all.iter().filter(|c| c.first.workload == w.name).collect();
        let max_of = |f: fn(&CellStats) -> Option<usize>| {
            rows.iter().filter_map(|c| f(c)).max().unwrap_or(1).max(2) as f64
        };
        let (kind, drawn) = match w.family {
            f if f.is_cpu() => {
                let file = format!("throughput-{}.svg", w.name);
                let chart = Chart {
                    path: &dir.join(&file),
                    title: format!("{}: throughput against workers", w.name),
                    x_desc: "workers (log scale; beyond the cores = oversubscribed)",
                    y_desc: "jobs per second",
                    log_x: true,
                    log_y: false,
                    x_names: None,
                };
                (
                    file,
                    draw(
                        &chart,
                        &throughput_series(&rows, max_of(|c| c.first.workers)),
                        None,
                    )?,
                )
            }
            f if f.is_io() => {
                let file = format!("io-{}.svg", w.name);
                let (series, bound) = io_series(&rows, max_of(|c| c.first.concurrency));
                let chart = Chart {
                    path: &dir.join(&file),
                    title: format!("{}: makespan against I/O concurrency", w.name),
                    x_desc: "concurrency c (log scale)",
                    y_desc: "makespan, s (log scale)",
                    log_x: true,
                    log_y: true,
                    x_names: None,
                };
                let reference = (!bound.is_empty()).then_some(("Little's law ceil(N/c)*D", bound));
                (file, draw(&chart, &series, reference)?)
            }
            Family::Latency => {
                let file = format!("latency-{}.svg", w.name);
                let chart = Chart {
                    path: &dir.join(&file),
                    title: format!("{}: latency percentiles (open loop)", w.name),
                    x_desc: "percentile",
                    y_desc: "latency, us (log scale)",
                    log_x: false,
                    log_y: true,
                    x_names: Some(&["p50", "p90", "p99", "p99.9", "max"]),
                };
                (file, draw(&chart, &latency_series(&rows), None)?)
            }
            _ => continue,
        };
        if drawn {
            out.push((w.name.clone(), kind));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(number(8.0), "8");
        assert_eq!(number(0.01), "0.01");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(2.5), "2.5");
    }
}
