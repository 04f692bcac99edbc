//! Throughput against concurrency on the I/O workloads the post names (timer waits,
//! network request/response, file reads, a crawl): per language, the best bounded pool,
//! the Little's-law line at its concurrency, where its throughput stops growing, and each
//! unbounded model's makespan over it.

use crate::record::RunData;
use crate::report::aggregate::{config_label, CellStats};
use crate::report::choose::{best_pool, format_figure, of_workload, pick, surely_tied, Ratio};
use crate::report::format::{interval, rate, ratio, secs};
use crate::workloads::Family;

use super::{measured, missing, per_lang, GoCells, Lang, PerLang};

/// The I/O workloads of the post's claim: waits on a timer, on a loopback server, on the
/// page cache, and a crawl whose pages discover more pages.
pub(super) const WORKLOADS: [&str; 4] = ["sleep", "tcp-rr", "files", "crawl"];

/// How an unbounded model's makespan compares with the best pool's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The ratio's interval lies above 1.
    PoolFaster,
    /// The interval reaches 1.
    Tie,
    /// The interval lies below 1.
    UnboundedFaster,
    /// No interval (fewer than 3 repetitions): nothing can be told apart.
    Undecided,
}

impl Outcome {
    /// The outcome of unbounded / pool.
    pub(super) fn of(r: Ratio) -> Outcome {
        match r.ci {
            None => Outcome::Undecided,
            Some(ci) if ci.lo > 1.0 => Outcome::PoolFaster,
            Some(ci) if ci.hi < 1.0 => Outcome::UnboundedFaster,
            Some(_) => Outcome::Tie,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Outcome::PoolFaster => "the pool is faster",
            Outcome::Tie => "a tie",
            Outcome::UnboundedFaster => "the unbounded model is faster",
            Outcome::Undecided => "cannot tell",
        }
    }
}

/// A language's best bounded pool on one workload.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pool<'a> {
    /// Its fastest cell.
    pub(super) best: &'a CellStats,
    /// The smallest concurrency whose makespan is within the noise of `best`'s (an
    /// interval of their ratio that reaches 1): where throughput stops growing.
    pub(super) saturation: &'a CellStats,
    /// The smallest concurrency it was measured at.
    pub(super) smallest: usize,
    /// The largest.
    pub(super) largest: usize,
}

/// One unbounded model against the pool, or why it cannot be compared.
#[derive(Clone, Debug)]
pub(super) struct Versus {
    /// The contender.
    pub(super) model: &'static str,
    /// Its makespan over the pool's best.
    pub(super) ratio: Result<Ratio, String>,
}

/// One language on one workload.
#[derive(Clone, Debug)]
pub(super) struct Side<'a> {
    /// The language.
    pub(super) lang: Lang,
    /// Its best pool, or why there is none.
    pub(super) pool: Result<Pool<'a>, String>,
    /// Its unbounded models against that pool.
    pub(super) versus: Vec<Versus>,
}

/// One I/O workload of the run.
pub(super) type Sweep<'a> = PerLang<Side<'a>>;

/// The sweeps of the I/O workloads the run has.
pub(super) fn sweeps<'a>(data: &RunData, all: &'a [CellStats], go: &GoCells) -> Vec<Sweep<'a>> {
    per_lang(data, &WORKLOADS, go, |workload, lang| {
        side(all, workload, lang)
    })
}

fn side<'a>(all: &'a [CellStats], workload: &str, lang: Lang) -> Side<'a> {
    let mine: Vec<&CellStats> = of_workload(all, workload)
        .into_iter()
        .filter(|c| Lang::of(&c.first.contender) == lang)
        .collect();
    let pool = best_pool(&mine)
        .and_then(|p| pool_of(&mine, &p.first.contender))
        .ok_or_else(|| "no `ok` cell of a bounded multi-worker pool".to_owned());
    let versus = lang
        .unbounded()
        .iter()
        .map(|&model| Versus {
            model,
            ratio: match &pool {
                Err(_) => Err("no pool to compare with".into()),
                Ok(p) => measured(all, workload, model).and_then(|cells| {
                    pick(cells.iter().copied())
                        .and_then(|u| Ratio::of(u, p.best))
                        .ok_or_else(|| "no figure".to_owned())
                }),
            },
        })
        .collect();
    Side { lang, pool, versus }
}

/// `contender`'s fastest cell among `cells`, and its saturation point.
fn pool_of<'a>(cells: &[&'a CellStats], contender: &str) -> Option<Pool<'a>> {
    let mine: Vec<&CellStats> = cells
        .iter()
        .copied()
        .filter(|c| c.first.contender == contender && c.figure().is_some())
        .collect();
    let best = mine.iter().copied().min_by(|a, b| {
        a.figure()
            .unwrap_or(f64::MAX)
            .total_cmp(&b.figure().unwrap_or(f64::MAX))
    })?;
    let saturation = mine
        .iter()
        .copied()
        .filter(|c| std::ptr::eq(*c, best) || surely_tied(best, c))
        .min_by_key(|c| c.first.concurrency.unwrap_or(usize::MAX))?;
    Some(Pool {
        best,
        saturation,
        smallest: mine.iter().filter_map(|c| c.first.concurrency).min()?,
        largest: mine.iter().filter_map(|c| c.first.concurrency).max()?,
    })
}

/// The concurrency of a cell, `?` when not recorded.
pub(super) fn conc(c: &CellStats) -> String {
    c.first
        .concurrency
        .map_or_else(|| "?".into(), |k| k.to_string())
}

/// Where the pool's throughput stops growing: `saturates at c = 64`, `not saturated by
/// c = 1024 (still gaining there)` when the largest c measured is the fastest, or
/// `measured at c = 64 only (no saturation point)`.
pub(super) fn saturation_words(p: &Pool) -> String {
    if p.smallest == p.largest {
        format!("measured at c = {} only (no saturation point)", p.largest)
    } else if p.saturation.first.concurrency == Some(p.largest) {
        format!("not saturated by c = {} (still gaining there)", p.largest)
    } else {
        format!("saturates at c = {}", conc(p.saturation))
    }
}

fn pool_words(p: &Pool) -> String {
    let b = p.best;
    let fig = b.figure().unwrap_or(f64::NAN);
    let little = b
        .bound
        .map(|l| format!("; Little's law ceil(N/c)*D: {}", secs(l)))
        .unwrap_or_default();
    let through = b
        .throughput
        .map(|t| format!(", {}", rate(t)))
        .unwrap_or_default();
    let saturation = saturation_words(p);
    format!(
        "best pool {} {} {} at {}{through}{little}; {saturation}",
        b.first.contender,
        format_figure(Family::IoFlat, fig),
        interval(Family::IoFlat, b.figure_ci),
        config_label(b),
    )
}

fn versus_words(v: &Versus) -> String {
    match &v.ratio {
        Ok(r) => format!(
            "{} / pool {}: {}",
            v.model,
            ratio(*r),
            Outcome::of(*r).words()
        ),
        Err(why) => format!("{} {why}", v.model),
    }
}

fn side_words(s: &Side) -> String {
    let mut parts = vec![match &s.pool {
        Ok(p) => pool_words(p),
        Err(why) => why.clone(),
    }];
    if s.pool.is_ok() {
        parts.extend(s.versus.iter().map(versus_words));
    }
    format!("{}: {}", s.lang.label(), parts.join("; "))
}

/// One sub-item per workload, or the workloads the run lacks.
pub(super) fn words(sweeps: &[Sweep]) -> String {
    if sweeps.is_empty() {
        return format!(" {}.", missing(&WORKLOADS));
    }
    sweeps
        .iter()
        .map(|w| {
            let sides: Vec<String> = w.sides.iter().map(side_words).collect();
            format!("\n  - `{}`: {}.", w.workload, sides.join(". "))
        })
        .collect()
}
