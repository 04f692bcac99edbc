//! How numbers, intervals and tables are written in the reports.

use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::Table;

use crate::stats::Interval;
use crate::workloads::Family;

use super::choose::{format_figure, Ratio};

/// Seconds, with a unit that keeps three significant figures.
pub fn secs(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.2} s")
    } else if v >= 1e-3 {
        format!("{:.2} ms", v * 1e3)
    } else {
        format!("{:.2} us", v * 1e6)
    }
}

/// Jobs per second.
pub fn rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M/s", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k/s", v / 1e3)
    } else {
        format!("{v:.1} /s")
    }
}

/// KiB as MiB.
pub fn kib(v: u64) -> String {
    format!("{:.1} MiB", v as f64 / 1024.0)
}

/// `f(v)`, or `-` when there is no value.
pub fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
}

/// A Markdown table with `header`.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(ASCII_MARKDOWN).set_header(header.to_vec());
    t
}

/// What is written where an interval cannot be computed.
pub const NO_CI: &str = "(no CI, n < 3)";

/// A figure's interval: `[lo, hi]` in the family's unit.
pub fn interval(family: Family, ci: Option<Interval>) -> String {
    ci.map_or_else(
        || NO_CI.into(),
        |ci| {
            format!(
                "[{}, {}]",
                format_figure(family, ci.lo),
                format_figure(family, ci.hi)
            )
        },
    )
}

fn factor(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}x")
    } else if v >= 10.0 {
        format!("{v:.1}x")
    } else {
        format!("{v:.2}x")
    }
}

/// A ratio with its interval: `13.3x [12.1x, 14.0x]`.
pub fn ratio(r: Ratio) -> String {
    match r.ci {
        Some(ci) => format!("{} [{}, {}]", factor(r.value), factor(ci.lo), factor(ci.hi)),
        None => format!("{} {NO_CI}", factor(r.value)),
    }
}
