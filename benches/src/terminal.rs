//! What the terminal shows at the end of a run, above the run folder's path: how many
//! cells ended ok and not ok, how many repetitions ran on a busy machine, and the first
//! lines of the findings the summary opens with, so the final state of a run is readable
//! without opening a file.

use crate::record::{RunData, Sample, Status};
use crate::report;

/// Lines of the Findings section the terminal shows at the end of a run.
const FINDINGS_LINES: usize = 8;

/// The end-of-run text: cells by status and the run's time, repetitions measured on a
/// busy machine, and the first lines of the `## Findings` section of `summary_md` (the
/// summary just written), if it has one.
pub fn end_of_run(data: &RunData, summary_md: &str) -> String {
    let cells = report::aggregate::cells(&data.samples);
    let ok = cells.iter().filter(|c| c.status == Status::Ok).count();
    let secs = data.meta.elapsed_s;
    let took = if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        format!("{:.1} min", secs / 60.0)
    };
    let mut out = format!("{} cells in {took}: {ok} ok", cells.len());
    for status in [
        Status::WrongAnswer,
        Status::Failed,
        Status::Timeout,
        Status::Unsupported,
    ] {
        let n = cells.iter().filter(|c| c.status == status).count();
        if n > 0 {
            out.push_str(&format!(", {n} {}", status.label()));
        }
    }
    out.push('\n');
    let reps: Vec<&Sample> = data
        .samples
        .iter()
        .filter(|s| s.status == Status::Ok)
        .collect();
    let busy = reps.iter().filter(|s| s.busy().is_some()).count();
    if busy > 0 {
        out.push_str(&format!(
            "{busy} of {} repetitions measured on a busy machine (see FAQ.md, \"How is each figure measured?\")\n",
            reps.len()
        ));
    }
    let findings = findings(summary_md, FINDINGS_LINES);
    if !findings.is_empty() {
        out.push_str("Findings:\n");
        for line in findings {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// Up to `max` non-empty lines after the `## Findings` heading of `summary_md` (which may
/// go on, e.g. `## Findings (from this run)`), up to the next heading of its level or above.
fn findings(summary_md: &str, max: usize) -> Vec<&str> {
    summary_md
        .lines()
        .skip_while(|l| !l.trim_end().starts_with("## Findings"))
        .skip(1)
        .take_while(|l| !(l.starts_with("## ") || l.starts_with("# ")))
        .filter(|l| !l.trim().is_empty())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::{Cell, Meta};
    use crate::workloads::Family;

    fn sample(contender: &str, status: Status, rep: u32) -> Sample {
        let cell = Cell {
            workload: "empty".into(),
            family: Family::CpuFlat,
            contender: contender.into(),
            io_mode: IoMode::Blocking,
            workers: Some(1),
            concurrency: Some(1),
            oversubscribed: false,
        };
        let mut s = Sample::empty(&cell, status, "");
        s.rep = rep;
        if status == Status::Ok {
            s.wall_ns = Some(1_000_000_000);
            s.cpu_user_ns = Some(1_000_000_000);
            s.cpu_sys_ns = Some(0);
        }
        s
    }

    #[test]
    fn the_end_of_a_run_counts_cells_by_status_and_busy_repetitions() {
        let mut busy = sample("rayon", Status::Ok, 2);
        busy.host_busy_ns = Some(1_600_000_000);
        let data = RunData {
            meta: Meta {
                elapsed_s: 150.0,
                ..Meta::default()
            },
            samples: vec![
                sample("rayon", Status::Ok, 1),
                busy,
                sample("tokio", Status::Unsupported, 0),
                sample("threadpool", Status::Ok, 1),
                sample("threadpool", Status::Timeout, 0),
            ],
            ..RunData::default()
        };
        let text = end_of_run(&data, "# Summary\n\nno findings here\n");
        assert_eq!(
            text,
            "3 cells in 2.5 min: 1 ok, 1 timeout, 1 unsupported\n\
             1 of 3 repetitions measured on a busy machine (see FAQ.md, \"How is each figure measured?\")\n"
        );
    }

    #[test]
    fn findings_are_the_first_non_empty_lines_of_their_section() {
        let md = "# Summary\n\n## Findings, by family\n\n- a\n\n- b\n### sub\n- c\n## Next\n- d\n";
        assert_eq!(findings(md, 8), ["- a", "- b", "### sub", "- c"]);
        assert_eq!(findings(md, 2), ["- a", "- b"]);
        assert!(findings("# Summary\n- a\n", 8).is_empty());
        let data = RunData::default();
        assert!(end_of_run(&data, md).ends_with("Findings:\n  - a\n  - b\n  ### sub\n  - c\n"));
    }
}
