//! One workload's cells, measured in rounds: every cell's process is started (and warmed
//! up) one after another, then each round asks every cell still going for one repetition,
//! in an order shuffled afresh each round with a seeded RNG. Drift of a shared machine
//! (another tenant, a throttled host) then lands on all contenders alike instead of on
//! whichever runs last.
//!
//! A cell stops after `max_reps` repetitions, or after at least `min_reps` once the
//! interquartile range of its makespans is under 5 % of the median or its own time budget
//! (the sum of its repetitions' times) is spent. A repetition that does not end `ok` ends
//! its cell, and so does the timeout: it bounds a cell's whole time (start-up, warm-ups
//! and repetitions, as when a cell ran alone), each request waiting only for what is left
//! of it.
//! its cell. A contender found `unsupported` is unsupported at every worker count, so the
//! other cells of that (workload, contender) are recorded as such without measuring.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::process::CellProcess;
use super::Launch;
use crate::machine;
use crate::matrix::Plan;
use crate::record::{Cell, Sample, Status, WorkloadConditions, WorkloadRounds};
use crate::stats::relative_iqr;

/// What one workload's rounds produced.
#[derive(Debug)]
pub struct WorkloadRun {
    /// Every cell's samples, cells in the order given, repetitions in order.
    pub samples: Vec<Sample>,
    /// The order each round ran in.
    pub rounds: WorkloadRounds,
    /// The machine's load before and after.
    pub conditions: WorkloadConditions,
}

/// What [`run_workload`] reports as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A round starts.
    Round {
        /// The workload.
        workload: &'a str,
        /// Its number, from 1.
        round: usize,
        /// The cells it asks for a repetition.
        cells: usize,
    },
    /// A cell has ended, with these samples.
    CellEnded {
        /// The cell.
        cell: &'a Cell,
        /// Its samples.
        samples: &'a [Sample],
    },
}

/// The seed of `workload`'s orders: the run seed mixed with an FNV-1a hash of the name, so
/// each workload draws its own orders and adding one does not change the others'.
pub fn workload_seed(run_seed: u64, workload: &str) -> u64 {
    let hash = workload.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    run_seed ^ hash
}

/// The repetition settings of a run, from its plan.
#[derive(Clone, Copy, Debug)]
pub struct Stopping {
    /// At least this many repetitions per cell.
    pub min_reps: u32,
    /// At most this many.
    pub max_reps: u32,
    /// Time after which a cell adds no repetitions beyond `min_reps`.
    pub budget: Duration,
    /// A cell's whole allowance (start-up, warm-ups, repetitions); the request running
    /// when it is used up is killed and the cell recorded as `timeout`.
    pub timeout: Duration,
}

impl From<&Plan> for Stopping {
    fn from(plan: &Plan) -> Stopping {
        Stopping {
            min_reps: plan.min_reps,
            max_reps: plan.max_reps.max(1),
            budget: plan.budget,
            timeout: plan.timeout,
        }
    }
}

impl Stopping {
    /// Whether a cell with these makespans (seconds), having spent `spent`, is done.
    pub fn done(&self, walls: &[f64], spent: Duration) -> bool {
        let n = walls.len() as u32;
        n >= self.max_reps
            || (n >= self.min_reps && (relative_iqr(walls) < 0.05 || spent > self.budget))
    }
}

/// One cell's state across rounds.
struct Slot {
    cell: Cell,
    process: Option<CellProcess>,
    samples: Vec<Sample>,
    walls: Vec<f64>,
    spent: Duration,
    /// Time used so far against the timeout: start-up plus repetitions.
    used: Duration,
}

impl Slot {
    fn end(&mut self, report: &mut dyn FnMut(Event<'_>)) {
        if let Some(p) = self.process.take() {
            p.finish();
        }
        // `VmHWM` only grows: the last repetition's figure is the cell's peak.
        let peak = self.samples.iter().filter_map(|s| s.peak_rss_kib).max();
        for s in &mut self.samples {
            if s.status == Status::Ok {
                s.peak_rss_kib = peak;
            }
        }
        report(Event::CellEnded {
            cell: &self.cell,
            samples: &self.samples,
        });
    }
}

/// Measures one workload's `cells` (all of the same workload) in rounds.
/// `spec` says how to start each cell; `report` hears of each round and of each cell's end
/// (between repetitions, never while one runs).
pub fn run_workload(
    workload: &str,
    cells: &[Cell],
    spec: &dyn Fn(&Cell) -> Launch,
    stopping: Stopping,
    run_seed: u64,
    report: &mut dyn FnMut(Event<'_>),
) -> WorkloadRun {
    let started = Instant::now();
    let mut conditions = WorkloadConditions {
        workload: workload.to_owned(),
        load1_before: machine::load1(),
        steal_before_ns: machine::host_cpu().map(|h| h.steal_ns),
        ..WorkloadConditions::default()
    };
    let mut slots: Vec<Slot> = cells
        .iter()
        .map(|c| Slot {
            cell: c.clone(),
            process: None,
            samples: Vec::new(),
            walls: Vec::new(),
            spent: Duration::ZERO,
            used: Duration::ZERO,
        })
        .collect();
    let mut unsupported: Vec<(String, String)> = Vec::new();
    // Start-up one at a time, so every warm-up runs on an otherwise quiet machine.
    for slot in &mut slots {
        if let Some(why) = known(&unsupported, &slot.cell) {
            slot.samples
                .push(Sample::empty(&slot.cell, Status::Unsupported, why));
            slot.end(report);
            continue;
        }
        let t = Instant::now();
        let process = CellProcess::launch(&spec(&slot.cell), stopping.timeout);
        slot.used = t.elapsed();
        match process {
            Ok(p) => slot.process = Some(p),
            Err(mut s) => {
                timed(&mut s, slot.used);
                note(&mut unsupported, &s);
                slot.samples.push(*s);
                slot.end(report);
            }
        }
    }
    let seed = workload_seed(run_seed, workload);
    let mut orders = Vec::new();
    loop {
        // Every round shuffles all the workload's cells with its own seed, then drops the
        // ended ones: a round's order then does not depend on which cells ended earlier
        // (which depends on measurements), so the same seed gives the same orders.
        let mut rng = SmallRng::seed_from_u64(
            seed ^ (orders.len() as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let mut order: Vec<usize> = (0..slots.len()).collect();
        order.shuffle(&mut rng);
        order.retain(|&i| slots[i].process.is_some());
        if order.is_empty() {
            break;
        }
        report(Event::Round {
            workload,
            round: orders.len() + 1,
            cells: order.len(),
        });
        let mut ran = Vec::new();
        for i in order {
            let slot = &mut slots[i];
            let Some(process) = slot.process.as_mut() else {
                continue; // ended earlier in this round (unsupported elsewhere)
            };
            ran.push(slot.cell.label());
            let t = Instant::now();
            let mut s = process.rep(stopping.timeout.saturating_sub(slot.used));
            let took = t.elapsed();
            // The budget counts measured time only: the round trip also holds the child's
            // settling, which would charge a pool that spins before sleeping for it.
            slot.spent += s.wall_ns.map_or(took, Duration::from_nanos);
            slot.used += took;
            timed(&mut s, slot.used);
            let ok = s.status == Status::Ok;
            if let (true, Some(wall)) = (ok, s.wall_ns) {
                slot.walls.push(wall as f64 / 1e9);
            }
            let refused = note(&mut unsupported, &s);
            slot.samples.push(s);
            if !ok || stopping.done(&slot.walls, slot.spent) {
                slot.end(report);
            }
            if let Some(why) = refused {
                let contender = slots[i].cell.contender.clone();
                end_unmeasured(&mut slots, &contender, &why, report);
            }
        }
        orders.push(ran);
    }
    conditions.load1_after = machine::load1();
    conditions.steal_after_ns = machine::host_cpu().map(|h| h.steal_ns);
    conditions.elapsed_s = started.elapsed().as_secs_f64();
    WorkloadRun {
        samples: slots.into_iter().flat_map(|s| s.samples).collect(),
        rounds: WorkloadRounds {
            workload: workload.to_owned(),
            seed,
            orders,
        },
        conditions,
    }
}

/// Adds the cell's time so far to a `timeout` record.
fn timed(s: &mut Sample, used: Duration) {
    if s.status == Status::Timeout {
        s.error = format!("{} ({:.1} s into the cell)", s.error, used.as_secs_f64());
    }
}

/// The reason the workload's `cell.contender` is already known unsupported.
fn known(unsupported: &[(String, String)], cell: &Cell) -> Option<String> {
    unsupported
        .iter()
        .find(|(c, _)| *c == cell.contender)
        .map(|(_, why)| why.clone())
}

/// Remembers the contender of an `unsupported` sample; returns the reason if it was one.
fn note(unsupported: &mut Vec<(String, String)>, s: &Sample) -> Option<String> {
    (s.status == Status::Unsupported).then(|| {
        unsupported.push((s.contender.clone(), s.error.clone()));
        s.error.clone()
    })
}

/// Ends `contender`'s other live cells that have measured nothing yet, as unsupported.
fn end_unmeasured(
    slots: &mut [Slot],
    contender: &str,
    why: &str,
    report: &mut dyn FnMut(Event<'_>),
) {
    for slot in slots.iter_mut() {
        if slot.cell.contender == contender && slot.process.is_some() && slot.samples.is_empty() {
            slot.samples
                .push(Sample::empty(&slot.cell, Status::Unsupported, why));
            slot.end(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopping() -> Stopping {
        Stopping {
            min_reps: 3,
            max_reps: 5,
            budget: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn a_cell_stops_at_min_reps_once_the_spread_is_small() {
        let s = stopping();
        let short = Duration::from_millis(10);
        assert!(!s.done(&[1.0, 1.0], short), "below min_reps");
        assert!(s.done(&[1.0, 1.0, 1.01], short));
        assert!(!s.done(&[1.0, 2.0, 3.0], short), "spread 67 %");
        assert!(
            s.done(&[1.0, 2.0, 3.0], Duration::from_secs(2)),
            "budget spent"
        );
        assert!(s.done(&[1.0, 2.0, 3.0, 4.0, 5.0], short), "max_reps");
    }

    #[test]
    fn each_workload_has_its_own_seed_and_a_run_seed_replays_it() {
        assert_eq!(workload_seed(7, "empty"), workload_seed(7, "empty"));
        assert_ne!(workload_seed(7, "empty"), workload_seed(7, "sleep"));
        assert_ne!(workload_seed(7, "empty"), workload_seed(8, "empty"));
    }
}
