//! The replication check: a "which pool" winner counts only if the run before it agrees.
//!
//! Interleaved rounds and bootstrap intervals capture the noise within one run, not the
//! drift between runs (another build's code layout, another day's neighbours on the host):
//! between two full runs on the same VM, `sequential` on `fib-join-nocut` moved from about
//! 34.7 ms to 24.1 ms, far outside either run's interval, and the named winner flipped. So
//! each run records, per workload, what the nearest earlier run of the same host, cores and
//! scale in the same results root named ([`EarlierVerdict`]); where that was another
//! contender, [`super::choose::choices`] reports a tie between the two and says why.
//!
//! The verdicts are recorded in `results.json`, so a re-rendered report stays the same
//! even when more runs appear beside it; a run recorded without them (older runs) looks
//! them up when it is re-rendered.

use std::path::Path;

use crate::record::{EarlierVerdict, Meta, RunData};

use super::aggregate::cells;
use super::choose::choices;

/// What `data` (the run in folder `run`) named per workload, as its report does.
pub fn verdicts_of(run: &str, data: &RunData) -> Vec<EarlierVerdict> {
    choices(&data.workloads, &cells(&data.samples), &data.earlier)
        .into_iter()
        .map(|c| EarlierVerdict {
            workload: c.workload.clone(),
            run: run.to_owned(),
            winner: c.winner().map(|w| w.contender.clone()),
        })
        .collect()
}

/// Whether two runs measured on comparable terms: same host, cores and scale.
fn comparable(a: &Meta, b: &Meta) -> bool {
    a.host == b.host && a.cores == b.cores && a.scale == b.scale
}

/// For each workload of `data` (the run in folder `this` under `root`), the verdict of
/// the newest earlier comparable run in `root` that measured it. Run folders sort by
/// their date stamp, so "earlier" is "named lower"; folders without a readable
/// `results.json` are skipped.
pub fn earlier(root: &Path, this: &str, data: &RunData) -> Vec<EarlierVerdict> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.as_str() < this)
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut found: Vec<EarlierVerdict> = Vec::new();
    for name in names {
        if data
            .workloads
            .iter()
            .all(|w| found.iter().any(|f| f.workload == w.name))
        {
            break;
        }
        let Ok(other) = super::read_json(&root.join(&name)) else {
            continue;
        };
        if !comparable(&other.meta, &data.meta) {
            continue;
        }
        for v in verdicts_of(&name, &other) {
            let wanted = data.workloads.iter().any(|w| w.name == v.workload);
            if wanted && !found.iter().any(|f| f.workload == v.workload) {
                found.push(v);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests;
