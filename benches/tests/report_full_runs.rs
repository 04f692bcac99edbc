//! The reports of the committed full runs (`results/*` at scale `full`): `summary.md`
//! stays short, opens with the answer to the blog post's question and then the Findings,
//! keeps the which-pool heading and names every contender, and every family gets its own
//! page.

use std::path::PathBuf;

use pool_bench::record::RunData;
use pool_bench::report::answer::HEADING;
use pool_bench::report::{markdown, pages, read_json, write_all};
use pool_bench::workloads::Scale;

fn full_runs() -> Vec<RunData> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../results");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("results folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("results.json").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| read_json(d).expect("committed results.json loads"))
        .filter(|d| d.meta.scale == Some(Scale::Full))
        .collect()
}

#[test]
fn the_summary_of_a_full_run_is_short_and_opens_with_the_answer_then_findings() {
    let runs = full_runs();
    assert!(!runs.is_empty(), "no committed full run to check");
    for data in runs {
        let s = markdown::summary(&data);
        let lines = s.lines().count();
        assert!(lines <= 250, "{}: {lines} lines", data.meta.commit);
        let headings: Vec<&str> = s.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(
            headings.get(..2),
            Some(
                &[
                    "## Does a worker pool help when tasks are heavy in file or network I/O?",
                    "## Findings"
                ][..]
            )
        );
        assert_eq!(headings[0], HEADING);
        let answer = &s[s.find(HEADING).expect("answer")..s.find("## Findings").expect("findings")];
        assert!(
            answer.contains("*An Exploration of the Worker Pool Pattern in Go*"),
            "the answer names the post"
        );
        // Short: the heading, the post's question, and one line per claim and workload.
        let n = answer.lines().count();
        assert!(n < 25, "the answer section: {n} lines");
        assert!(headings.contains(&"## Which pool for which workload"));
        let findings = &s[s.find("## Findings").expect("findings")
            ..s.find("## Which pool").expect("which pool")];
        // One screen of a tall terminal: a full run has ~25 workloads in ~11 families, and
        // the workloads that decide nothing share one line per family.
        let n = findings.lines().count();
        assert!(n <= 50, "Findings fit one screen: {n} lines");
        for w in &data.workloads {
            assert!(findings.contains(&format!("`{}`", w.name)), "{}", w.name);
        }
        for c in &data.samples {
            assert!(s.contains(&c.contender), "{} missing", c.contender);
        }
    }
}

#[test]
fn every_family_gets_a_page_linked_from_the_summary() {
    let data = full_runs().pop().expect("a committed full run");
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    write_all(&dir, &data).expect("write the run");
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    for f in pages::families(&data) {
        let name = pages::file_name(f);
        let page = std::fs::read_to_string(dir.join(&name)).expect("family page");
        assert!(summary.contains(&format!("]({name})")), "{name} not linked");
        for w in data.workloads.iter().filter(|w| w.family == f) {
            assert!(page.contains(&format!("## {}", w.name)), "{}", w.name);
        }
    }
}
