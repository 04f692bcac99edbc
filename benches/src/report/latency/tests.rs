use super::*;
use crate::contender::IoMode;
use crate::record::Cell;

/// A sample of `contender` at `load` % whose jobs took `latencies` (ns), with the
/// generator `late` ns late at p99.
fn sample(contender: &str, load: u32, rep: u32, latencies: &[u64], late: u64) -> Sample {
    let cell = Cell {
        workload: format!("latency-{load}"),
        family: Family::Latency,
        contender: contender.into(),
        io_mode: IoMode::Blocking,
        workers: Some(2),
        concurrency: Some(2),
        oversubscribed: false,
    };
    let mut s = Sample::empty(&cell, Status::Ok, "");
    s.rep = rep;
    let mut h = LatencyHistogram::new();
    latencies.iter().for_each(|&l| h.record(l));
    s.latency_hist = h.encode();
    [s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns] = [
        h.quantile(0.5),
        h.quantile(0.9),
        h.quantile(0.99),
        h.quantile(0.999),
        h.max(),
    ]
    .map(Some);
    [s.lateness_p50_ns, s.lateness_p99_ns, s.lateness_max_ns] = [late / 2, late, late].map(Some);
    s
}

fn repeat(v: u64, n: usize) -> Vec<u64> {
    vec![v; n]
}

/// `finite` steady (p99 ~200 us up to 50 %, 5 ms at 90 %); `rayon` with one bad
/// repetition at 50 % (the generator on time), so its merged p99 reflects that
/// repetition's share of jobs.
fn run() -> RunData {
    let mut samples = Vec::new();
    for rep in 1..=3 {
        for (load, p) in [(10, 150_000), (50, 200_000), (90, 5_000_000)] {
            let mut l = repeat(100_000, 98);
            l.extend(repeat(p, 2));
            samples.push(sample("finite", load, rep, &l, 20_000));
        }
        let mut half = repeat(100_000, 98);
        half.extend(repeat(if rep == 2 { 3_000_000 } else { 250_000 }, 2));
        samples.push(sample("rayon", 10, rep, &repeat(110_000, 100), 20_000));
        samples.push(sample("rayon", 50, rep, &half, 20_000));
    }
    RunData {
        samples,
        ..RunData::default()
    }
}

#[test]
fn percentiles_come_from_the_merged_histogram() {
    let pts = points(&run());
    let rayon = pts
        .iter()
        .find(|p| p.contender == "rayon" && p.load == 50)
        .expect("rayon at 50");
    assert!(rayon.merged);
    assert_eq!(rayon.rep_p99.len(), 3);
    // 2 of 300 jobs at 3 ms: the merged p99 is 250 us, while the bad repetition's own
    // p99 is 3 ms.
    let p99 = rayon.p99().expect("p99");
    assert!((245_000..=255_000).contains(&p99), "{p99}");
    assert!(rayon.p99_range().expect("range").1 >= 3_000_000);
    assert_eq!(rayon.percentiles.expect("q")[4] / 100_000, 30);
}

#[test]
fn a_varying_p99_is_flagged_with_its_reason() {
    let pts = points(&run());
    let at = |c: &str, l: u32| {
        pts.iter()
            .find(|p| p.contender == c && p.load == l)
            .expect("cell")
    };
    let why = at("rayon", 50).unstable().expect("unstable");
    assert!(
        why.contains("on time") && why.contains("3 repetitions"),
        "{why}"
    );
    assert!(at("finite", 50).unstable().is_none());
    let mut late = at("rayon", 50).clone();
    late.rep_lateness[1] = Some([1, 2_000_000, 2_500_000]);
    assert!(late
        .unstable()
        .expect("unstable")
        .contains("generator itself"));
}

#[test]
fn findings_name_the_near_best_and_the_knees_with_numbers() {
    let data = run();
    let f = findings(&data);
    let p99 = |c: &str| {
        points(&data)
            .iter()
            .find(|p| p.contender == c && p.load == 50)
            .and_then(Point::p99)
            .map(fmt_ns)
            .expect("p99")
    };
    assert_eq!(f.len(), 3, "{f:?}");
    let named = format!("finite ({}), rayon ({})", p99("finite"), p99("rayon"));
    assert!(
        f[0].starts_with("At 50 % load") && f[0].contains(&named),
        "{f:?}"
    );
    assert!(
        f[1].contains("finite 90 %") && f[1].contains("rayon none up to 50 %"),
        "{f:?}"
    );
    assert!(f[2].starts_with("1 of 5 cells are unstable"), "{f:?}");
    assert!(
        f[2].contains("0 of them with the generator late too"),
        "{f:?}"
    );
    assert!(
        f[2].ends_with(&format!("at most {}.", fmt_ns(20_000))),
        "{f:?}"
    );
}

#[test]
fn the_page_has_a_table_per_contender_and_lists_unstable_cells() {
    let data = run();
    let page = page(&data);
    let p50 = points(&data)[1].p50().map(fmt_ns).expect("p50");
    assert!(page.contains("## finite") && page.contains("## rayon"));
    assert!(page.contains(&format!("| 50 % | {p50} |")), "{page}");
    assert!(
        page.contains("## Unstable cells\n\n- rayon at 50 %"),
        "{page}"
    );
    assert!(page.contains("figures/latency-sweep.svg"));
}

#[test]
fn runs_without_histograms_fall_back_to_medians_and_say_so() {
    let mut data = run();
    data.samples.iter_mut().for_each(|s| s.latency_hist.clear());
    let pts = points(&data);
    assert!(pts.iter().all(|p| !p.merged && p.percentiles.is_some()));
    assert!(page(&data).contains("(median of reps)"));
    assert!(page(&RunData::default()).contains("no latency-sweep cells"));
}

#[test]
fn failed_cells_are_shown_and_the_figure_is_written() {
    let mut data = run();
    let cell = Cell {
        workload: "latency-90".into(),
        family: Family::Latency,
        contender: "rayon".into(),
        io_mode: IoMode::Blocking,
        workers: Some(2),
        concurrency: Some(2),
        oversubscribed: false,
    };
    data.samples
        .push(Sample::empty(&cell, Status::Timeout, "killed"));
    assert!(page(&data).contains("| 90 % | timeout |"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_figure(dir.path(), &data)
        .expect("drawn")
        .expect("has data");
    let svg = std::fs::read_to_string(path).expect("svg");
    assert!(svg.contains("finite") && svg.contains("no ok repetition"));
}

#[test]
fn raw_csv_takes_sweep_and_other_samples_together() {
    let mut data = run();
    let other = Cell {
        workload: "empty".into(),
        family: Family::CpuFlat,
        contender: "finite".into(),
        io_mode: IoMode::Blocking,
        workers: Some(1),
        concurrency: Some(1),
        oversubscribed: false,
    };
    data.samples
        .insert(0, Sample::empty(&other, Status::Ok, ""));
    let dir = tempfile::tempdir().expect("tempdir");
    crate::report::write_csv(dir.path(), &data).expect("csv");
    let csv = std::fs::read_to_string(dir.path().join("raw.csv")).expect("read");
    assert_eq!(csv.lines().count(), data.samples.len() + 1);
}

#[test]
fn durations_read_with_si_prefixes() {
    assert_eq!(fmt_ns(850), "850 ns");
    assert_eq!(fmt_ns(312_400), "312 µs");
    assert_eq!(fmt_ns(4_120_000), "4.12 ms");
    assert_eq!(fmt_ns(12_500_000_000), "12.5 s");
    assert_eq!(load_of("latency-70"), Some(70));
    assert_eq!(load_of("idle"), None);
}
