//! The latency sweep's page (`latency.md`), its findings and its figure
//! (`figures/latency-sweep.svg`).
//!
//! Per contender and load the percentiles come from the repetitions' histograms
//! **merged** (so one slow repetition weighs as much as its jobs, no more), beside the
//! spread of the per-repetition p99 and the load generator's lateness. A cell whose
//! per-repetition p99 varies by more than [`UNSTABLE_RATIO`] is flagged `unstable`, with
//! the reason read from the data: the generator was late in the slowest repetition (the
//! machine stalled the submitter too), or it was on time and the pool's tail varied.
//! Runs made before the histograms were recorded fall back to the median of each
//! percentile across repetitions, and say so.

mod figure;

use crate::record::{RunData, Sample, Status};
use crate::workloads::{Family, LatencyHistogram};

pub use figure::write_figure;

/// Per-repetition p99s further apart than this (max over min) flag a cell as unstable.
pub const UNSTABLE_RATIO: f64 = 2.0;

/// A p99 more than this many times its value at the lowest load marks the knee.
pub const KNEE_FACTOR: f64 = 4.0;

/// Contenders within this factor of the best p99 at 50 % load are named in the findings.
const NEAR_BEST: f64 = 2.0;

/// The generator is "late" in a repetition when its p99 lateness exceeds this share of
/// that repetition's p99 latency: it then explains a good part of the tail.
const LATE_SHARE: f64 = 0.25;

/// One contender's cell at one load of the sweep.
#[derive(Clone, Debug)]
pub struct Point {
    /// Contender name.
    pub contender: String,
    /// Its workers (`None`: unbounded).
    pub workers: Option<usize>,
    /// Load, percent of capacity.
    pub load: u32,
    /// `[p50, p90, p99, p99.9, max]`, ns: from the merged histogram, or the median of
    /// each percentile across repetitions for runs without histograms.
    pub percentiles: Option<[u64; 5]>,
    /// Whether `percentiles` come from merged histograms.
    pub merged: bool,
    /// Each `ok` repetition's p99, ns, in repetition order.
    pub rep_p99: Vec<u64>,
    /// Each `ok` repetition's generator lateness `[p50, p99, max]`, ns, when recorded.
    pub rep_lateness: Vec<Option<[u64; 3]>>,
    /// The status of a cell without `ok` repetitions.
    pub failed: Option<Status>,
}

impl Point {
    /// The p99, ns.
    pub fn p99(&self) -> Option<u64> {
        self.percentiles.map(|p| p[2])
    }

    /// The p50, ns.
    pub fn p50(&self) -> Option<u64> {
        self.percentiles.map(|p| p[0])
    }

    /// The per-repetition p99 range `(min, max)`, ns.
    pub fn p99_range(&self) -> Option<(u64, u64)> {
        let min = self.rep_p99.iter().copied().min()?;
        let max = self.rep_p99.iter().copied().max()?;
        Some((min, max))
    }

    /// The generator's lateness over the repetitions: median p50, largest p99, largest max.
    pub fn lateness(&self) -> Option<[u64; 3]> {
        let recorded: Vec<[u64; 3]> = self.rep_lateness.iter().flatten().copied().collect();
        let mut p50: Vec<u64> = recorded.iter().map(|l| l[0]).collect();
        p50.sort_unstable();
        Some([
            *p50.get(p50.len() / 2)?,
            recorded.iter().map(|l| l[1]).max()?,
            recorded.iter().map(|l| l[2]).max()?,
        ])
    }

    /// Why the cell is unstable, or `None` when its per-repetition p99 varies by at
    /// most [`UNSTABLE_RATIO`].
    pub fn unstable(&self) -> Option<String> {
        let (min, max) = self.p99_range()?;
        let ratio = max as f64 / min.max(1) as f64;
        if ratio <= UNSTABLE_RATIO {
            return None;
        }
        let worst = self.rep_p99.iter().position(|&p| p == max)?;
        let spread = format!(
            "p99 {}..{} over {} repetitions ({ratio:.1}x)",
            fmt_ns(min),
            fmt_ns(max),
            self.rep_p99.len()
        );
        let why = match self.rep_lateness.get(worst).copied().flatten() {
            Some(l) if l[1] as f64 > LATE_SHARE * max as f64 => format!(
                "the generator itself was late in the slowest repetition (p99 {}), so the machine stalled the submitter too",
                fmt_ns(l[1])
            ),
            Some(l) => format!(
                "the generator was on time in the slowest repetition (p99 {}), so the pool's tail varied",
                fmt_ns(l[1])
            ),
            None => "no generator lateness recorded".to_owned(),
        };
        Some(format!("{spread}: {why}"))
    }

    /// `contender` or `contender w=N` when the sweep has several worker counts for it.
    fn label(&self, with_workers: bool) -> String {
        match (with_workers, self.workers) {
            (true, Some(w)) => format!("{} w={w}", self.contender),
            (true, None) => format!("{} unbounded", self.contender),
            (false, _) => self.contender.clone(),
        }
    }
}

/// The load of a sweep workload (`latency-50` is 50), or `None` for other names.
pub fn load_of(workload: &str) -> Option<u32> {
    workload.strip_prefix("latency-")?.parse().ok()
}

/// The sweep's cells, by contender (in order of first appearance) and then load.
pub fn points(data: &RunData) -> Vec<Point> {
    let sweep = |s: &&Sample| s.family == Family::Latency && load_of(&s.workload).is_some();
    let mut keys: Vec<(String, Option<usize>, u32)> = Vec::new();
    for s in data.samples.iter().filter(sweep) {
        let key = (
            s.contender.clone(),
            s.workers,
            load_of(&s.workload).unwrap_or(0),
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let order: Vec<(String, Option<usize>)> = keys.iter().fold(Vec::new(), |mut v, k| {
        if !v.contains(&(k.0.clone(), k.1)) {
            v.push((k.0.clone(), k.1));
        }
        v
    });
    keys.sort_by_key(|k| {
        let i = order.iter().position(|o| o.0 == k.0 && o.1 == k.1);
        (i, k.2)
    });
    keys.into_iter()
        .map(|(contender, workers, load)| {
            let cell: Vec<&Sample> = data
                .samples
                .iter()
                .filter(sweep)
                .filter(|s| {
                    s.contender == contender
                        && s.workers == workers
                        && load_of(&s.workload) == Some(load)
                })
                .collect();
            point(contender, workers, load, &cell)
        })
        .collect()
}

fn point(contender: String, workers: Option<usize>, load: u32, cell: &[&Sample]) -> Point {
    let ok: Vec<&Sample> = cell
        .iter()
        .copied()
        .filter(|s| s.status == Status::Ok)
        .collect();
    let mut merged = LatencyHistogram::new();
    for s in &ok {
        if let Ok(h) = LatencyHistogram::decode(&s.latency_hist) {
            merged.merge(&h);
        }
    }
    let from_hist = !merged.is_empty();
    let percentiles = if from_hist {
        let q = |q: f64| merged.quantile(q);
        Some([q(0.5), q(0.9), q(0.99), q(0.999), merged.max()])
    } else {
        median_percentiles(&ok)
    };
    Point {
        contender,
        workers,
        load,
        percentiles,
        merged: from_hist,
        rep_p99: ok.iter().filter_map(|s| s.p99_ns).collect(),
        rep_lateness: ok
            .iter()
            .filter(|s| s.p99_ns.is_some())
            .map(|s| Some([s.lateness_p50_ns?, s.lateness_p99_ns?, s.lateness_max_ns?]))
            .collect(),
        failed: ok
            .is_empty()
            .then(|| cell.first().map(|s| s.status))
            .flatten(),
    }
}

fn median_percentiles(ok: &[&Sample]) -> Option<[u64; 5]> {
    let col = |f: fn(&Sample) -> Option<u64>| {
        let mut v: Vec<u64> = ok.iter().filter_map(|s| f(s)).collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    Some([
        col(|s| s.p50_ns)?,
        col(|s| s.p90_ns)?,
        col(|s| s.p99_ns)?,
        col(|s| s.p999_ns)?,
        col(|s| s.max_ns)?,
    ])
}

/// Whether some contender appears with more than one worker count (labels then say it).
fn several_workers(points: &[Point]) -> bool {
    points.iter().any(|p| {
        points
            .iter()
            .any(|q| q.contender == p.contender && q.workers != p.workers)
    })
}

/// A duration in ns with an SI prefix: `850 ns`, `312 µs`, `4.1 ms`, `1.25 s`.
pub fn fmt_ns(ns: u64) -> String {
    let v = ns as f64;
    let (x, unit) = if v < 1e3 {
        (v, "ns")
    } else if v < 1e6 {
        (v / 1e3, "µs")
    } else if v < 1e9 {
        (v / 1e6, "ms")
    } else {
        (v / 1e9, "s")
    };
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$} {unit}")
}

/// The latency page: what was measured, the figure, and a table per contender.
pub fn page(data: &RunData) -> String {
    let points = points(data);
    let mut s = String::from("# Latency under a load sweep (open loop)\n\n");
    if points.is_empty() {
        s.push_str("This run has no latency-sweep cells.\n");
        return s;
    }
    if let Some(w) = data.workloads.iter().find(|w| load_of(&w.name).is_some()) {
        s.push_str(&format!("Hypothesis: {}\n\n", w.hypothesis));
    }
    s.push_str(
        "Each job's latency is measured from its intended submit time (no coordinated \
         omission). Percentiles come from the histograms of all `ok` repetitions merged; \
         *p99 per rep* is the range of the repetitions' own p99; *generator late* is the \
         load generator's lateness (actual submit minus intended: median p50 / largest \
         p99 / largest max over repetitions), which the latencies include. A cell is \
         `unstable` when its per-repetition p99 varies by more than ",
    );
    s.push_str(&format!("{UNSTABLE_RATIO}x.\n\n"));
    for line in findings(data) {
        s.push_str(&format!("- {line}\n"));
    }
    s.push_str("\n![p50 and p99 against load](figures/latency-sweep.svg)\n\n");
    for w in data.workloads.iter().filter(|w| load_of(&w.name).is_some()) {
        s.push_str(&format!("- `{}`: {}\n", w.name, w.params));
    }
    let with_workers = several_workers(&points);
    let mut current: Option<String> = None;
    let mut notes: Vec<String> = Vec::new();
    for p in &points {
        let label = p.label(with_workers);
        if current.as_deref() != Some(label.as_str()) {
            s.push_str(&format!(
                "\n## {label}\n\n| load | p50 | p90 | p99 | p99.9 | max | p99 per rep | reps | generator late | stable |\n|---:|---:|---:|---:|---:|---:|---|---:|---|---|\n"
            ));
            current = Some(label.clone());
        }
        let row = match (p.failed, p.percentiles) {
            (Some(status), _) => {
                format!("| {} % | {} | | | | | | 0 | | |\n", p.load, status.label())
            }
            (None, Some(q)) => {
                let range = p
                    .p99_range()
                    .map(|(a, b)| format!("{}..{}", fmt_ns(a), fmt_ns(b)))
                    .unwrap_or_default();
                let late = p
                    .lateness()
                    .map(|l| format!("{} / {} / {}", fmt_ns(l[0]), fmt_ns(l[1]), fmt_ns(l[2])))
                    .unwrap_or_else(|| "not recorded".into());
                let stable = match p.unstable() {
                    Some(why) => {
                        notes.push(format!("{label} at {} %: {why}.", p.load));
                        "**unstable**".to_owned()
                    }
                    None => "yes".to_owned(),
                };
                let mark = if p.merged { "" } else { " (median of reps)" };
                format!(
                    "| {} % | {}{mark} | {} | {} | {} | {} | {range} | {} | {late} | {stable} |\n",
                    p.load,
                    fmt_ns(q[0]),
                    fmt_ns(q[1]),
                    fmt_ns(q[2]),
                    fmt_ns(q[3]),
                    fmt_ns(q[4]),
                    p.rep_p99.len()
                )
            }
            (None, None) => format!("| {} % | no data | | | | | | 0 | | |\n", p.load),
        };
        s.push_str(&row);
    }
    if !notes.is_empty() {
        s.push_str("\n## Unstable cells\n\n");
        for n in notes {
            s.push_str(&format!("- {n}\n"));
        }
    }
    s
}

/// One to three sentences on the sweep, from the data: who keeps p99 near the best at
/// 50 % load, where each contender's p99 knee is, and how many cells are unstable.
pub fn findings(data: &RunData) -> Vec<String> {
    let points = points(data);
    let with_workers = several_workers(&points);
    let mut out = Vec::new();
    let at_half: Vec<&Point> = points
        .iter()
        .filter(|p| p.load == 50 && p.p99().is_some())
        .collect();
    if let Some(best) = at_half.iter().filter_map(|p| p.p99()).min() {
        let near: Vec<String> = at_half
            .iter()
            .filter(|p| p.p99().is_some_and(|v| v as f64 <= NEAR_BEST * best as f64))
            .map(|p| {
                format!(
                    "{} ({})",
                    p.label(with_workers),
                    fmt_ns(p.p99().unwrap_or(0))
                )
            })
            .collect();
        let worst = at_half.iter().max_by_key(|p| p.p99());
        let mut line = format!(
            "At 50 % load, p99 within {NEAR_BEST}x of the best ({}) for {}",
            fmt_ns(best),
            near.join(", ")
        );
        if let Some(w) =
            worst.filter(|w| w.p99().is_some_and(|v| v as f64 > NEAR_BEST * best as f64))
        {
            line.push_str(&format!(
                "; the worst is {} ({})",
                w.label(with_workers),
                fmt_ns(w.p99().unwrap_or(0))
            ));
        }
        line.push('.');
        out.push(line);
    }
    let knees: Vec<String> = knee_labels(&points, with_workers);
    if !knees.is_empty() {
        let lowest = points.iter().map(|p| p.load).min().unwrap_or(0);
        out.push(format!(
            "p99 knee (first load where p99 exceeds {KNEE_FACTOR}x its value at {lowest} %): {}.",
            knees.join("; ")
        ));
    }
    let measured: Vec<&Point> = points.iter().filter(|p| p.rep_p99.len() > 1).collect();
    let unstable: Vec<&Point> = measured
        .iter()
        .copied()
        .filter(|p| p.unstable().is_some())
        .collect();
    if !measured.is_empty() {
        let mut line = format!(
            "{} of {} cells are unstable (per-repetition p99 varies more than {UNSTABLE_RATIO}x)",
            unstable.len(),
            measured.len()
        );
        let late = unstable
            .iter()
            .filter(|p| p.unstable().is_some_and(|w| w.contains("generator itself")))
            .count();
        let lateness: Vec<[u64; 3]> = measured.iter().filter_map(|p| p.lateness()).collect();
        if let Some(worst) = lateness.iter().map(|l| l[1]).max() {
            line.push_str(&format!(
                ", {late} of them with the generator late too; the generator's p99 lateness was at most {}",
                fmt_ns(worst)
            ));
        }
        line.push('.');
        out.push(line);
    }
    out
}

/// Each contender's knee, e.g. `finite 70 % (210 µs -> 1.2 ms)` or `rayon none up to 90 %`.
fn knee_labels(points: &[Point], with_workers: bool) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for p in points {
        let label = p.label(with_workers);
        if seen.contains(&label) {
            continue;
        }
        seen.push(label.clone());
        let curve: Vec<(u32, u64)> = points
            .iter()
            .filter(|q| q.label(with_workers) == label)
            .filter_map(|q| Some((q.load, q.p99()?)))
            .collect();
        let Some(&(low, base)) = curve.first() else {
            continue;
        };
        if curve.len() < 2 {
            continue;
        }
        let knee = curve
            .iter()
            .find(|&&(_, v)| v as f64 > KNEE_FACTOR * base as f64);
        let top = curve.last().map_or(low, |c| c.0);
        labels.push(match knee {
            Some(&(load, v)) => format!("{label} {load} % ({} -> {})", fmt_ns(base), fmt_ns(v)),
            None => format!("{label} none up to {top} %"),
        });
    }
    labels
}

#[cfg(test)]
mod tests;
