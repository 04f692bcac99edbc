//! Everything a run writes, rendered from [`RunData`] alone so that `pool-bench report DIR`
//! reproduces it from `results.json`:
//!
//! - `README.md`: the exact command, versions, commit, machine ([`markdown::readme`]);
//! - `raw.csv` and `results.json`: every sample, including failed, timed-out and
//!   unsupported cells;
//! - `summary.md`: the answer to the blog post's question ([`answer`]), findings in
//!   words with verdicts on each workload's claim
//!   ([`findings`], [`verdict`]), the "which pool for which workload" table with 95 %
//!   intervals and ties ([`choose`]; a winner must replicate, [`replication`]),
//!   correctness in brief and links;
//! - `family-*.md`: every cell of one family, with intervals and outlier flags ([`pages`]);
//! - `figures/*.svg` ([`svg`]);
//! - `latency.md` and `figures/latency-sweep.svg`: the latency load sweep ([`latency`]);
//! - not the `results/README.md` index of runs: `pool-bench index` rebuilds that
//!   ([`index`]), so a run writes nothing outside its own folder.

pub mod aggregate;
pub mod answer;
pub mod choose;
pub mod downstream;
pub mod findings;
pub mod format;
pub mod held;
pub mod index;
pub mod latency;
pub mod markdown;
pub mod pages;
pub mod replication;
pub mod svg;
pub mod verdict;

use std::path::Path;

use crate::record::RunData;

/// An error writing or reading a run's files.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// `results.json` or `raw.csv` could not be (de)serialised.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn fmt_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes `raw.csv` (one row per sample).
///
/// # Errors
/// [`ReportError`] when the file cannot be written.
pub fn write_csv(dir: &Path, data: &RunData) -> Result<(), ReportError> {
    let path = dir.join("raw.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| fmt_err(&path, e))?;
    for s in &data.samples {
        w.serialize(s).map_err(|e| fmt_err(&path, e))?;
    }
    w.flush().map_err(io_err(&path))
}

/// Writes `results.json`.
///
/// # Errors
/// [`ReportError`] when the file cannot be written.
pub fn write_json(dir: &Path, data: &RunData) -> Result<(), ReportError> {
    let path = dir.join("results.json");
    let text = serde_json::to_string_pretty(data).map_err(|e| fmt_err(&path, e))?;
    std::fs::write(&path, text).map_err(io_err(&path))
}

/// Reads `results.json` back.
///
/// # Errors
/// [`ReportError`] when it is missing or does not parse.
pub fn read_json(dir: &Path) -> Result<RunData, ReportError> {
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    serde_json::from_str(&text).map_err(|e| fmt_err(&path, e))
}

/// Writes every file of a run into `dir` (created if missing), and nothing outside it.
///
/// # Errors
/// [`ReportError`] for the first file that cannot be written.
pub fn write_all(dir: &Path, data: &RunData) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir.join("figures")).map_err(io_err(dir))?;
    write_json(dir, data)?;
    write_csv(dir, data)?;
    let readme = dir.join("README.md");
    std::fs::write(&readme, markdown::readme(data)).map_err(io_err(&readme))?;
    let figures = svg::write_figures(&dir.join("figures"), data)?;
    let summary = dir.join("summary.md");
    std::fs::write(&summary, markdown::summary(data)).map_err(io_err(&summary))?;
    let all = aggregate::cells(&data.samples);
    for f in pages::families(data) {
        let path = dir.join(pages::file_name(f));
        std::fs::write(&path, pages::page(f, data, &all, &figures)).map_err(io_err(&path))?;
    }
    if !latency::points(data).is_empty() {
        latency::write_figure(&dir.join("figures"), data)?;
        let page = dir.join("latency.md");
        std::fs::write(&page, latency::page(data)).map_err(io_err(&page))?;
    }
    Ok(())
}
