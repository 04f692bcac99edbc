//! `figures/*.svg` with plotters' SVG backend (text is left to the viewer's fonts, so no
//! system fonts are needed to render):
//!
//! - `throughput-<workload>.svg`: jobs/s against workers, one line per contender, for CPU
//!   workloads (unbounded and single-threaded contenders as dashed lines with a band),
//!   with a dashed line where the workers outnumber the cores;
//! - `io-<workload>.svg`: makespan against concurrency, one line per contender, with the
//!   Little's-law bound `ceil(N / c) * D` as a black line;
//! - `latency-<workload>.svg`: p50/p90/p99/p99.9/max per contender.
//!
//! Every figure: the legend in a column beside the plot; each point the median of the
//! cell's repetitions with a 95 % interval ([`interval`]); an axis logarithmic only where
//! its values span more than 100x ([`axis`]); SI-prefixed ticks; one colour and marker per
//! contender throughout the run ([`style`]); failed and timed-out cells as red X marks.
//!
//! Another figure is a [`figure::Figure`] filled from the run and passed, with the run's
//! [`style::Styles`], to [`draw::render`].

pub mod axis;
mod build;
pub mod draw;
pub mod figure;
pub mod interval;
pub mod style;

use std::path::Path;

use crate::record::RunData;

use super::ReportError;

/// Writes every figure of `data` into `dir`; returns `(workload, file name)` pairs.
///
/// # Errors
/// [`ReportError`] when plotting or writing fails.
pub fn write_figures(dir: &Path, data: &RunData) -> Result<Vec<(String, String)>, ReportError> {
    let styles = style::Styles::for_names(data.samples.iter().map(|s| s.contender.as_str()));
    let mut out = Vec::new();
    for (workload, file, fig) in build::figures(data) {
        draw::render(&dir.join(&file), &fig, &styles)?;
        out.push((workload, file));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
