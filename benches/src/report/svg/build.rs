//! A run's cells turned into [`Figure`]s: which value each figure plots, its interval,
//! and which cells failed.

use crate::record::{RunData, Sample, Status, WorkloadInfo};
use crate::stats::Summary;
use crate::workloads::Family;

use super::figure::{AxisSpec, Failure, Figure, Point, Reference, Series};
use super::interval::median_interval;

/// The samples of one cell.
struct Cell<'a> {
    first: &'a Sample,
    status: Status,
    ok: Vec<&'a Sample>,
}

/// The cells of `workload`, in the order they first appear.
fn cells_of<'a>(samples: &'a [Sample], workload: &str) -> Vec<Cell<'a>> {
    super::super::aggregate::groups(samples.iter().filter(|s| s.workload == workload))
        .into_iter()
        .map(|g| Cell {
            first: g[0],
            status: g
                .iter()
                .map(|s| s.status)
                .find(|s| *s != Status::Ok)
                .unwrap_or(Status::Ok),
            ok: g.into_iter().filter(|s| s.status == Status::Ok).collect(),
        })
        .collect()
}

/// Contender names in order of first appearance.
fn contenders(cells: &[Cell<'_>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in cells {
        if !names.contains(&c.first.contender) {
            names.push(c.first.contender.clone());
        }
    }
    names
}

/// The median of `values` with its interval, as a point at `x`.
fn point(x: f64, values: &[f64], oversubscribed: bool) -> Option<Point> {
    let y = Summary::of(values)?.median;
    let (lo, hi) = median_interval(values)?;
    Some(Point {
        x,
        y,
        lo,
        hi,
        oversubscribed,
    })
}

/// How a single-configuration contender is named in the legend.
fn flat_label(name: &str, workers: Option<usize>) -> String {
    match workers {
        None => format!("{name} (unbounded)"),
        Some(1) => format!("{name} (1 thread)"),
        Some(w) => format!("{name} ({w} threads)"),
    }
}

/// One series per contender (a flat one for a contender measured in one configuration)
/// and a failure per failed or timed-out cell. `x` positions a cell; `value` reads one
/// repetition.
fn series_and_failures(
    cells: &[Cell<'_>],
    x: fn(&Sample) -> Option<usize>,
    value: fn(&Sample) -> Option<f64>,
) -> (Vec<Series>, Vec<Failure>) {
    let mut series = Vec::new();
    let mut failures = Vec::new();
    let measured = |c: &&Cell<'_>| c.status != Status::Unsupported;
    let names = contenders(cells);
    // A one-configuration contender is a line across a sweep to compare against; where no
    // contender was swept (smoke runs) it stays a point at its own x.
    let sweep = names.iter().any(|n| {
        cells
            .iter()
            .filter(measured)
            .filter(|c| &c.first.contender == n)
            .count()
            > 1
    });
    for name in names {
        let mine: Vec<&Cell<'_>> = cells
            .iter()
            .filter(measured)
            .filter(|c| c.first.contender == name)
            .collect();
        let mut points = Vec::new();
        for c in &mine {
            let at = x(c.first).map(|v| v as f64);
            if c.status != Status::Ok {
                failures.push(Failure {
                    x: at,
                    label: format!("{name}: {}", c.status.label()),
                });
                continue;
            }
            let values: Vec<f64> = c.ok.iter().filter_map(|s| value(s)).collect();
            if let Some(p) = point(at.unwrap_or(f64::NAN), &values, c.first.oversubscribed) {
                points.push(p);
            }
        }
        let flat = mine.len() == 1 && (sweep || x(mine[0].first).is_none());
        if !flat {
            // A cell with no position (unbounded) cannot sit on a multi-point line.
            points.retain(|p| p.x.is_finite());
        }
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        series.push(Series {
            label: if flat {
                flat_label(&name, mine[0].first.workers)
            } else {
                name.clone()
            },
            contender: name,
            points,
            flat,
        });
    }
    (series, failures)
}

fn throughput(w: &WorkloadInfo, cells: &[Cell<'_>], cores: usize) -> Figure {
    let (series, failures) = series_and_failures(cells, |s| s.workers, |s| s.throughput);
    Figure {
        title: format!("{}: throughput against workers", w.name),
        x: AxisSpec {
            title: "workers (threads)".into(),
            unit: "",
            names: Vec::new(),
            from_zero: false,
        },
        y: AxisSpec {
            title: "throughput (jobs/s), median and 95 % interval".into(),
            unit: "",
            names: Vec::new(),
            from_zero: true,
        },
        series,
        reference: None,
        failures,
        cores: (cores > 0).then_some(cores as f64),
    }
}

fn wall_s(s: &Sample) -> Option<f64> {
    s.wall_ns.map(|n| n as f64 / 1e9)
}

fn io(w: &WorkloadInfo, cells: &[Cell<'_>]) -> Figure {
    let (series, failures) = series_and_failures(cells, |s| s.concurrency, wall_s);
    // The bound of the bounded multi-threaded cells (and sequential's c = 1).
    let mut bound: Vec<(f64, f64)> = cells
        .iter()
        .filter(|c| {
            c.first.workers.is_some() && c.first.concurrency.is_some_and(|c| c > 1)
                || c.first.contender == "sequential"
        })
        .filter_map(|c| {
            let values: Vec<f64> =
                c.ok.iter()
                    .filter_map(|s| s.bound_ns.map(|n| n as f64 / 1e9))
                    .collect();
            Some((c.first.concurrency? as f64, Summary::of(&values)?.median))
        })
        .collect();
    bound.sort_by(|a, b| a.0.total_cmp(&b.0));
    bound.dedup_by(|a, b| a.0 == b.0);
    Figure {
        title: format!("{}: makespan against I/O concurrency", w.name),
        x: AxisSpec {
            title: "I/O concurrency c (jobs in flight)".into(),
            unit: "",
            names: Vec::new(),
            from_zero: false,
        },
        y: AxisSpec {
            title: "makespan (s), median and 95 % interval".into(),
            unit: "s",
            names: Vec::new(),
            from_zero: true,
        },
        series,
        reference: (!bound.is_empty()).then(|| Reference {
            label: "Little's law ceil(N/c)*D".into(),
            points: bound,
        }),
        failures,
        cores: None,
    }
}

/// Reads one recorded value of a repetition.
type Field = fn(&Sample) -> Option<u64>;

/// The percentiles of the latency figure and how each repetition records them.
const PERCENTILES: [(&str, Field); 5] = [
    ("p50", |s| s.p50_ns),
    ("p90", |s| s.p90_ns),
    ("p99", |s| s.p99_ns),
    ("p99.9", |s| s.p999_ns),
    ("max", |s| s.max_ns),
];

fn latency(w: &WorkloadInfo, cells: &[Cell<'_>]) -> Figure {
    let mut series = Vec::new();
    let mut failures = Vec::new();
    for c in cells.iter().filter(|c| c.status != Status::Unsupported) {
        let name = &c.first.contender;
        if c.status != Status::Ok {
            failures.push(Failure {
                x: None,
                label: format!("{name}: {}", c.status.label()),
            });
            continue;
        }
        let points: Vec<Point> = PERCENTILES
            .iter()
            .enumerate()
            .filter_map(|(i, (_, f))| {
                let v: Vec<f64> =
                    c.ok.iter()
                        .filter_map(|s| f(s))
                        .map(|n| n as f64 / 1e9)
                        .collect();
                point(i as f64, &v, false)
            })
            .collect();
        if !points.is_empty() {
            series.push(Series {
                contender: name.clone(),
                label: name.clone(),
                points,
                flat: false,
            });
        }
    }
    Figure {
        title: format!("{}: latency percentiles (open loop)", w.name),
        x: AxisSpec {
            title: "percentile".into(),
            unit: "",
            names: PERCENTILES.iter().map(|(n, _)| (*n).to_owned()).collect(),
            from_zero: false,
        },
        y: AxisSpec {
            title: "latency (s), median and 95 % interval".into(),
            unit: "s",
            names: Vec::new(),
            from_zero: true,
        },
        series,
        reference: None,
        failures,
        cores: None,
    }
}

/// The figures of `data`: `(workload, file name, figure)` for every workload that has one.
pub fn figures(data: &RunData) -> Vec<(String, String, Figure)> {
    data.workloads
        .iter()
        .filter_map(|w| {
            let cells = cells_of(&data.samples, &w.name);
            let (prefix, fig) = match w.family {
                f if f.is_cpu() => ("throughput", throughput(w, &cells, data.meta.cores)),
                f if f.is_io() => ("io", io(w, &cells)),
                Family::Latency => ("latency", latency(w, &cells)),
                _ => return None,
            };
            let shown = !fig.series.is_empty() || !fig.failures.is_empty();
            shown.then(|| (w.name.clone(), format!("{prefix}-{}.svg", w.name), fig))
        })
        .collect()
}
