//! The `pool-bench` command line: `run`, `report`, `index`, `list`, and the hidden `cell`
//! used by the runner's child processes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::contenders::{self, Entry, Program};
use crate::external::{go_source_dir, GoProgram};
use crate::fixtures::{FixtureSpec, Fixtures};
use crate::matrix::Plan;
use crate::record::{Cell, Meta, RunData, Sample, Status, WorkloadInfo};
use crate::runner::launch_for;
use crate::runner::rounds::{run_workload, Event, Stopping};
use crate::workloads::{self, held_fd_limit, Env, Family, Scale, Workload};
use crate::{estimate, machine, report, terminal};

/// Compare worker pools: workpools strategies, rayon, tokio, threadpool, thread-per-task
/// and sequential. With no arguments: `run --quick`.
#[derive(Debug, Parser)]
#[command(name = "pool-bench", version, about)]
pub struct Cli {
    /// What to do (default: `run`).
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the comparison matrix and write a results folder.
    Run(RunArgs),
    /// Re-render a results folder (summary, figures, csv, README) from its results.json.
    Report {
        /// The run folder, e.g. results/20261127-010000-host-abc1234.
        dir: PathBuf,
    },
    /// Rebuild the index of run folders, `<ROOT>/README.md` (done when committing a
    /// reference run; `run` never touches it).
    Index {
        /// The folder holding the run folders.
        #[arg(default_value = "results")]
        root: PathBuf,
    },
    /// List the contenders and workloads.
    List,
    /// Serve one cell over stdin and stdout (used by `run` for its child processes):
    /// build and warm up, print `"ready"`, then one `{"sample": ...}` line per `rep` line
    /// read, until `done`.
    #[command(hide = true)]
    Cell {
        /// The cell spec, JSON.
        #[arg(long)]
        spec: String,
    },
}

/// Options of `pool-bench run`.
#[derive(Debug, Default, Clone, Args)]
pub struct RunArgs {
    /// The default: the whole matrix in under ten minutes on two cores.
    #[arg(long, group = "size")]
    pub quick: bool,
    /// Reference sizes and the full sweeps (every contender and workload, workers 1, 2, 4,
    /// 8, concurrency 1 to 1024 in powers of two, 5-15 repetitions): 1226 cells, estimated
    /// at 90 minutes on two cores by `--full --dry-run` (which errs long; subsets ran in
    /// 1/1.3-1/1.5 of it, so expect 60-69 minutes on a quiet machine).
    #[arg(long, group = "size")]
    pub full: bool,
    /// Tiny sizes, every contender and workload, for CI (under a minute).
    #[arg(long, group = "size")]
    pub smoke: bool,
    /// Only these workloads (comma-separated; see `pool-bench list`).
    #[arg(long, value_delimiter = ',')]
    pub workload: Vec<String>,
    /// Only these contenders (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub contender: Vec<String>,
    /// Worker counts for the CPU sweeps (comma-separated, each at least 1).
    #[arg(long, value_delimiter = ',')]
    pub workers: Vec<usize>,
    /// Concurrency levels for the I/O sweeps (comma-separated, each at least 1).
    #[arg(long, value_delimiter = ',')]
    pub concurrency: Vec<usize>,
    /// The results root; the run goes to `<OUT>/<date>-<host>-<commit>/`. Default:
    /// `target/pool-bench` (ignored by git). Reference runs (`scripts/bench.sh`) use
    /// `results`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The contender ratios are computed against.
    #[arg(long)]
    pub baseline: Option<String>,
    /// Seconds (fractions allowed) a cell may take in all (start-up, warm-ups and
    /// repetitions) before it is killed and recorded as a timeout.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// Seed of the shuffled cell order of each round (default: from the clock; the run's
    /// README records it, so `--seed` replays the same orders).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the plan, the cells per workload and an estimate of the run time (which
    /// errs long), then exit without measuring or writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// Where a run goes without `--out`: under cargo's target folder, which git ignores, so
/// the main command leaves the checkout clean.
pub const DEFAULT_OUT: &str = "target/pool-bench";

impl RunArgs {
    /// The scale the flags select (`quick` when none).
    pub fn scale(&self) -> Scale {
        if self.full {
            Scale::Full
        } else if self.smoke {
            Scale::Smoke
        } else {
            Scale::Quick
        }
    }
}

fn pick<T, F: Fn(&T) -> &str>(
    all: Vec<T>,
    wanted: &[String],
    what: &str,
    name: F,
) -> Result<Vec<T>, String> {
    for w in wanted {
        if !all.iter().any(|x| name(x) == w) {
            let known: Vec<&str> = all.iter().map(&name).collect();
            return Err(format!("unknown {what} `{w}`; known: {}", known.join(", ")));
        }
    }
    Ok(all
        .into_iter()
        .filter(|x| wanted.is_empty() || wanted.iter().any(|w| w == name(x)))
        .collect())
}

fn positive(values: &[usize], what: &str) -> Result<(), String> {
    match values.iter().find(|&&v| v == 0) {
        Some(_) => Err(format!("--{what} values must be at least 1")),
        None => Ok(()),
    }
}

/// What a run measures: the plan, the workloads and the contenders.
pub type Selection = (Plan, Vec<Box<dyn Workload>>, Vec<Entry>);

/// The plan, workloads and contenders `args` select.
///
/// # Errors
/// A message naming the bad argument: an unknown workload, contender or baseline, or a
/// zero worker count or concurrency.
pub fn select(args: &RunArgs, cores: usize) -> Result<Selection, String> {
    let scale = args.scale();
    let mut plan = Plan::new(scale, cores);
    positive(&args.workers, "workers")?;
    positive(&args.concurrency, "concurrency")?;
    if !args.workers.is_empty() {
        plan.workers = args.workers.clone();
    }
    if !args.concurrency.is_empty() {
        plan.concurrency = args.concurrency.clone();
    }
    if let Some(t) = args.timeout {
        plan.timeout = Duration::try_from_secs_f64(t)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("--timeout must be a positive number of seconds, got {t}"))?;
    }
    let ws = pick(workloads::all(scale), &args.workload, "workload", |w| {
        w.name()
    })?;
    let cs = pick(contenders::all(), &args.contender, "contender", |e| e.name)?;
    let baseline = args.baseline.as_deref().unwrap_or("sequential");
    if contenders::find(baseline).is_none() {
        return Err(format!("unknown baseline `{baseline}`"));
    }
    Ok((plan, ws, cs))
}

fn progress(len: usize) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed_precise} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

/// Starts the loopback fixtures when an I/O or held-resources workload is selected, sized
/// for the plan's largest concurrency; returns them (alive until dropped) and their spec.
fn start_fixtures(
    plan: &Plan,
    ws: &[Box<dyn Workload>],
) -> Result<(Option<Fixtures>, FixtureSpec), String> {
    let held = ws.iter().any(|w| w.family() == Family::Held);
    if !held && !ws.iter().any(|w| w.family().is_io()) {
        return Ok((None, FixtureSpec::default()));
    }
    let max_conc = plan.concurrency.iter().copied().max().unwrap_or(1);
    // `held-conn` holds up to its fd limit of connections open at once.
    let pending = if held {
        held_fd_limit(plan.scale) as usize
    } else {
        0
    };
    let fixtures = Fixtures::start(plan.scale, max_conc, pending)?;
    let spec = fixtures.spec().clone();
    Ok((Some(fixtures), spec))
}

/// Runs the matrix `args` selects and writes the run folder. Returns whether every
/// answer was right (no `wrong-answer` cell).
///
/// # Errors
/// A message for bad arguments, a fixture that failed to start, or a report that could not
/// be written.
pub fn run(args: &RunArgs, command_line: String) -> Result<bool, String> {
    let started = Instant::now();
    let cores = machine::cores();
    let (plan, ws, cs) = select(args, cores)?;
    if args.dry_run {
        print!("{}", dry_run(&plan, &ws, &cs, cores)?);
        return Ok(true);
    }
    let mut meta = Meta {
        command: command_line,
        scale: Some(plan.scale),
        ..Meta::default()
    };
    machine::describe(&mut meta);
    meta.baseline = args.baseline.clone().unwrap_or_else(|| "sequential".into());
    meta.timeout_s = plan.timeout.as_secs_f64();
    let spin = machine::calibrate_spin();
    meta.spin_ns_per_iter = spin.nanos_per_iteration();
    let (fixtures, spec) = start_fixtures(&plan, &ws)?;
    let env = Env {
        cores,
        concurrency: cores,
        spin,
        fixtures: spec.clone(),
    };
    let infos: Vec<WorkloadInfo> = ws
        .iter()
        .map(|w| WorkloadInfo {
            name: w.name().into(),
            family: w.family(),
            hypothesis: w.hypothesis().into(),
            params: w.params(&env),
        })
        .collect();
    let cells = plan.cells(&ws, &cs, cores);
    let stamp = machine::now_utc().1;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT))
        .join(format!("{stamp}-{}-{}", meta.host, meta.commit));
    meta.seed = args.seed.unwrap_or_else(clock_seed);
    let pb = progress(cells.len());
    let tty = std::io::stderr().is_terminal();
    let total = cells.len();
    let mut done = 0;
    let mut report = |event: Event<'_>| match event {
        Event::Round {
            workload,
            round,
            cells,
        } => {
            let msg = format!("{workload}: round {round}, {cells} cells");
            if !tty {
                eprintln!("{msg}");
            }
            pb.set_message(msg);
        }
        Event::CellEnded { cell, samples } => {
            done += 1;
            if !tty {
                eprintln!(
                    "[{done}/{total}] {}: {} ({} reps; run at {:.1} s)",
                    cell.label(),
                    cell_status(samples).label(),
                    samples.iter().filter(|s| s.status == Status::Ok).count(),
                    started.elapsed().as_secs_f64()
                );
            }
            pb.inc(1);
        }
    };
    let (mut samples, mut rounds, mut conditions) = (Vec::new(), Vec::new(), Vec::new());
    let spin_ns = meta.spin_ns_per_iter;
    let go = build_go(&cells, &cs);
    let make_spec = |cell: &Cell| launch_for(cell, &plan, cores, spin_ns, &spec, go.as_ref());
    for w in &ws {
        let mine: Vec<Cell> = cells
            .iter()
            .filter(|c| c.workload == w.name())
            .cloned()
            .collect();
        let got = run_workload(
            w.name(),
            &mine,
            &make_spec,
            Stopping::from(&plan),
            meta.seed,
            &mut report,
        );
        samples.extend(got.samples);
        rounds.push(got.rounds);
        conditions.push(got.conditions);
    }
    // The bar goes; the end-of-run summary below takes its place.
    pb.finish_and_clear();
    drop(fixtures);
    meta.elapsed_s = started.elapsed().as_secs_f64();
    let mut data = RunData {
        meta,
        workloads: infos,
        samples,
        rounds,
        conditions,
        earlier: Vec::new(),
    };
    data.earlier = earlier_verdicts(&dir, &data);
    report::write_all(&dir, &data).map_err(|e| e.to_string())?;
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap_or_default();
    eprint!("{}", terminal::end_of_run(&data, &summary));
    // The only line on stdout, for scripts: the run folder.
    println!("{}", dir.display());
    Ok(data.samples.iter().all(|s| s.status != Status::WrongAnswer))
}

/// Builds the Go program once, next to this binary (`<target>/<profile>/go/go-cell`),
/// when the plan has Go cells; `None` when it has none.
fn build_go(cells: &[Cell], cs: &[Entry]) -> Option<GoProgram> {
    let go_cell = |c: &Cell| {
        cs.iter()
            .any(|e| e.name == c.contender && e.program == Program::Go)
    };
    if !cells.iter().any(go_cell) {
        return None;
    }
    let out = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("go")))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT).join("go"));
    Some(GoProgram::build("go", &go_source_dir(), &out))
}

/// A run seed from the clock, for runs without `--seed`.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// How a cell ended: its first status other than `ok`, else `ok`.
fn cell_status(samples: &[Sample]) -> Status {
    samples
        .iter()
        .map(|s| s.status)
        .find(|&s| s != Status::Ok)
        .unwrap_or(Status::Ok)
}

/// The `--dry-run` output: the plan and its estimated time (see [`crate::estimate`]).
/// Starts the fixtures (their sizes enter the estimate) but measures nothing.
///
/// # Errors
/// A message when a fixture fails to start.
pub fn dry_run(
    plan: &Plan,
    ws: &[Box<dyn Workload>],
    cs: &[Entry],
    cores: usize,
) -> Result<String, String> {
    let (_fixtures, spec) = start_fixtures(plan, ws)?;
    let spin = machine::calibrate_spin();
    let cells = plan.cells(ws, cs, cores);
    let estimates = estimate::estimate(plan, ws, &cells, |cell| Env {
        cores,
        concurrency: cell.concurrency.unwrap_or(cores),
        spin,
        fixtures: spec.clone(),
    });
    Ok(estimate::render(plan, &estimates))
}

/// Re-renders the run folder `dir` from its `results.json`. A run recorded without the
/// earlier runs' verdicts (made before the replication check) looks them up beside it.
///
/// # Errors
/// A message when `results.json` is missing or unreadable, or a file cannot be written.
pub fn rerender(dir: &Path) -> Result<bool, String> {
    let mut data = report::read_json(dir).map_err(|e| e.to_string())?;
    if data.earlier.is_empty() {
        data.earlier = earlier_verdicts(dir, &data);
    }
    report::write_all(dir, &data).map_err(|e| e.to_string())?;
    Ok(data.samples.iter().all(|s| s.status != Status::WrongAnswer))
}

/// The verdicts of the runs beside `dir` (in its parent folder) that came before it, for
/// the replication check ([`report::replication`]).
fn earlier_verdicts(dir: &Path, data: &RunData) -> Vec<crate::record::EarlierVerdict> {
    let (Some(root), Some(name)) = (dir.parent(), dir.file_name().and_then(|n| n.to_str())) else {
        return Vec::new();
    };
    report::replication::earlier(root, name, data)
}

/// Rebuilds the index `<root>/README.md` of the run folders under `root` and returns
/// its path.
///
/// # Errors
/// A message when `root` cannot be listed or the index written.
pub fn index(root: &Path) -> Result<PathBuf, String> {
    report::index::write_index(root).map_err(|e| e.to_string())?;
    Ok(root.join("README.md"))
}

/// The `list` output: contenders and workloads with their families and hypotheses.
pub fn list() -> String {
    let mut s = String::from("Contenders:\n");
    for e in contenders::all() {
        let kind = e.kind();
        s.push_str(&format!("  {:<16} {kind}, {:?} I/O\n", e.name, e.io_mode));
    }
    s.push_str("Workloads:\n");
    for w in workloads::all(Scale::Quick) {
        s.push_str(&format!(
            "  {:<16} {:<20} {}\n",
            w.name(),
            w.family().label(),
            w.hypothesis()
        ));
    }
    s
}
