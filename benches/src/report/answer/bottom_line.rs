//! The answer in words: one sentence per claim (throughput, memory, a downstream's
//! capacity), each derived from the figures the other modules found, so a run that
//! measures otherwise says otherwise.

use crate::fixtures::DOWNSTREAM_CAPACITY;
use crate::report::choose::Ratio;
use crate::report::format::ratio;

use super::downstream::{self, unbounded_cost, Bound};
use super::held::{self, Held, Model};
use super::io::{self, Outcome, Sweep};
use super::{missing, Lang};

/// The unbounded models that are cheap tasks rather than OS threads: the post's case.
const CHEAP: [&str; 2] = ["tokio-unbounded", "go-per-task"];

/// The sentences, joined.
pub(super) fn words(sweeps: &[Sweep], held: &[Held], bounds: &[Bound]) -> String {
    format!(
        "{} {} {}",
        throughput(sweeps),
        memory(held),
        downstream(bounds)
    )
}

/// `` `tcp-rr` saturates at c = 128, `sleep` not saturated by c = 1024 (...) ``: where
/// each language's best pool stops gaining.
fn saturation(sweeps: &[Sweep]) -> String {
    let mut out = Vec::new();
    for w in sweeps {
        for s in &w.sides {
            let Ok(p) = &s.pool else { continue };
            let lang = if w.sides.len() > 1 {
                format!(" ({})", s.lang.label())
            } else {
                String::new()
            };
            out.push(format!(
                "`{}`{lang} {}",
                w.workload,
                io::saturation_words(p)
            ));
        }
    }
    if out.is_empty() {
        "no bounded pool has an `ok` cell".into()
    } else {
        out.join(", ")
    }
}

/// The I/O sentence: where the pools saturate, how each unbounded model compares, and
/// whether a pool buys throughput over cheap tasks.
fn throughput(sweeps: &[Sweep]) -> String {
    if sweeps.is_empty() {
        return format!("Throughput on I/O: {}.", missing(&io::WORKLOADS));
    }
    let compared: Vec<(&str, &str, Ratio)> = sweeps
        .iter()
        .flat_map(|w| {
            w.sides.iter().flat_map(move |s| {
                s.versus
                    .iter()
                    .filter_map(move |v| Some((w.workload, v.model, *v.ratio.as_ref().ok()?)))
            })
        })
        .collect();
    let mut clauses = Vec::new();
    for (outcome, verb) in [
        (Outcome::PoolFaster, "beats"),
        (Outcome::Tie, "ties with"),
        (Outcome::UnboundedFaster, "loses to"),
        (Outcome::Undecided, "cannot be told apart (n < 3) from"),
    ] {
        let mut models: Vec<String> = Vec::new();
        for &model in [Lang::Rust, Lang::Go].iter().flat_map(|l| l.unbounded()) {
            let mine: Vec<&(&str, &str, Ratio)> = compared
                .iter()
                .filter(|(_, m, r)| *m == model && Outcome::of(*r) == outcome)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let on: Vec<String> = mine.iter().map(|(w, _, _)| format!("`{w}`")).collect();
            let most = mine
                .iter()
                .map(|(_, _, r)| *r)
                .max_by(|a, b| a.value.total_cmp(&b.value))
                .filter(|_| outcome == Outcome::PoolFaster)
                .map(|r| format!(" (up to {})", ratio(r)))
                .unwrap_or_default();
            models.push(format!("{model} on {}{most}", on.join(", ")));
        }
        if !models.is_empty() {
            clauses.push(format!("{verb} {}", models.join(" and ")));
        }
    }
    let cheap: Vec<Outcome> = compared
        .iter()
        .filter(|(_, m, _)| CHEAP.contains(m))
        .map(|(_, _, r)| Outcome::of(*r))
        .collect();
    let helps = cheap.iter().filter(|o| **o == Outcome::PoolFaster).count();
    let verdict = match (cheap.len(), helps) {
        (0, _) => "cheap unbounded tasks (tokio-unbounded, go-per-task) were not measured, so the post's goroutine case stays open here".to_owned(),
        (n, 0) => format!("so against cheap tasks a pool bought no I/O throughput (none of {n} comparisons)"),
        (n, k) if k == n => format!("so a pool bought I/O throughput even against cheap tasks ({k} of {n} comparisons)"),
        (n, k) => format!("so against cheap tasks a pool bought I/O throughput in {k} of {n} comparisons only"),
    };
    let against = if clauses.is_empty() {
        "no unbounded model was measured against it".to_owned()
    } else {
        format!(
            "against unbounded tasks the best pool {}",
            clauses.join("; ")
        )
    };
    format!(
        "Throughput (saturation: the smallest c within the noise of the best pool's makespan): {}; {against}; {verdict}.",
        saturation(sweeps)
    )
}

/// The memory sentence: what a pending task holds per model, and what the fd limit did.
fn memory(held: &[Held]) -> String {
    let Some(h) = held.first() else {
        return format!("Memory per pending task: {}.", missing(&held::WORKLOADS));
    };
    let cell = |m: Model| {
        h.models
            .iter()
            .find(|(x, _)| *x == m)
            .and_then(|(_, c)| c.as_ref().ok().copied())
    };
    let parts: Vec<String> = h
        .models
        .iter()
        .map(|(m, c)| match c {
            Ok(c) => format!(
                "{} as {}",
                crate::report::choose::format_figure(
                    crate::workloads::Family::Held,
                    c.figure().unwrap_or(f64::NAN)
                ),
                m.words()
            ),
            Err(why) => format!("{} {why}", m.words()),
        })
        .collect();
    let thread_over_task = cell(Model::Thread)
        .zip(cell(Model::TokioTask))
        .and_then(|(t, k)| Ratio::of(t, k))
        .map(|r| format!(" (thread / tokio task {})", ratio(r)))
        .unwrap_or_default();
    let fds = held
        .iter()
        .find_map(|h| Some((h.workload, h.fds?)))
        .map_or_else(String::new, |(w, f)| match (f.bounded, f.unbounded) {
            (0, u) if u > 0 => format!(
                "; only a bound kept `{w}` under the fd limit of {} ({u} fd errors without one, 0 with)",
                f.limit
            ),
            (_, 0) => format!("; no cell of `{w}` hit the fd limit of {}", f.limit),
            (b, u) => format!(
                "; at the fd limit of {} `{w}` got {b} fd errors bounded, {u} unbounded",
                f.limit
            ),
        });
    format!(
        "Memory: a pending task on `{}` holds {}{thread_over_task}{fds}.",
        h.workload,
        parts.join(", ")
    )
}

/// The downstream sentence: the bound that cost the service nothing, against what the
/// unbounded tasks cost it.
fn downstream(bounds: &[Bound]) -> String {
    let k = DOWNSTREAM_CAPACITY;
    if bounds.is_empty() {
        return format!(
            "A downstream of capacity K = {k}: {}.",
            missing(&downstream::WORKLOADS)
        );
    }
    let sides: Vec<(&str, &downstream::Side)> = bounds
        .iter()
        .flat_map(|b| b.sides.iter().map(move |s| (b.workload, s)))
        .collect();
    let safe: Vec<usize> = sides
        .iter()
        .filter_map(|(_, s)| s.safe?.first.concurrency)
        .collect();
    let safe_words = match (safe.iter().min(), safe.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => format!("pools bounded at c <= {lo} cost it nothing"),
        (Some(lo), Some(hi)) => {
            format!("pools bounded at c <= {lo} cost it nothing (some up to c = {hi})")
        }
        _ => "no bounded cell spared it".to_owned(),
    };
    let all_sides: Vec<&downstream::Side> = sides.iter().map(|(_, s)| *s).collect();
    let measured = sides
        .iter()
        .flat_map(|(_, s)| s.unbounded.iter())
        .any(|(_, c)| c.is_ok());
    let (refused, queue) = unbounded_cost(&all_sides);
    let go = sides.iter().any(|(_, s)| s.lang == Lang::Go);
    let who = if go {
        "unbounded tasks (Rust and Go)"
    } else {
        "unbounded tasks"
    };
    let unbounded = if !measured {
        format!("{who} were not measured")
    } else if refused > 0.0 || queue > 0.0 {
        format!("{who} cost it up to {refused:.0} 503s and a queue of {queue:.0}")
    } else {
        format!("{who} cost it nothing either")
    };
    let protects = !safe.is_empty() && (refused > 0.0 || queue > 0.0);
    let lead = if protects {
        format!("A bound protects a downstream of capacity K = {k}")
    } else {
        format!("A downstream of capacity K = {k}")
    };
    format!("{lead}: {safe_words}, {unbounded}.")
}
