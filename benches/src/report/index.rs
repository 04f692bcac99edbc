//! `results/README.md`: the index of every run folder, newest first, linking the newest.
//! Rebuilt only on request (`pool-bench index`, run by `scripts/bench.sh`), never by a run.

use std::path::Path;

use super::{io_err, read_json, ReportError};

/// Rewrites `<root>/README.md` from the run folders under `root` (those with a
/// `results.json`).
///
/// # Errors
/// [`ReportError::Io`] when the folder cannot be listed or the index written.
pub fn write_index(root: &Path) -> Result<(), ReportError> {
    let mut runs: Vec<String> = std::fs::read_dir(root)
        .map_err(io_err(root))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("results.json").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    runs.sort_unstable_by(|a, b| b.cmp(a));
    let mut md = String::from("# Benchmark runs\n\nEach folder is one run of `pool-bench` (see `FAQ.md` at the repository root for how to read them).\n\n");
    if let Some(newest) = runs.first() {
        md.push_str(&format!("**Newest:** [{newest}]({newest}/summary.md)\n\n"));
    }
    md.push_str("| Run | Scale | Commit | Host | Cells | Not ok |\n|---|---|---|---|---|---|\n");
    for r in &runs {
        let (scale, commit, host, cells, bad) = match read_json(&root.join(r)) {
            Ok(d) => {
                let agg = super::aggregate::cells(&d.samples);
                let bad = agg
                    .iter()
                    .filter(|c| c.status != crate::record::Status::Ok)
                    .count();
                let scale = d
                    .meta
                    .scale
                    .map_or("custom".to_owned(), |s| format!("{s:?}").to_lowercase());
                (scale, d.meta.commit, d.meta.host, agg.len(), bad)
            }
            Err(_) => ("unreadable".into(), String::new(), String::new(), 0, 0),
        };
        md.push_str(&format!(
            "| [{r}]({r}/summary.md) | {scale} | {commit} | {host} | {cells} | {bad} |\n"
        ));
    }
    let path = root.join("README.md");
    std::fs::write(&path, md).map_err(io_err(&path))
}
