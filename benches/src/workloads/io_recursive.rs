//! I/O recursive: jobs that discover more jobs (a crawl over loopback HTTP, a directory
//! walk).
//!
//! **Hypothesis.** Discovery limits parallelism at first (one root), then the frontier
//! widens; bounded pools with `c` workers approach Little's law once the frontier exceeds
//! `c`. Blocking contenders spawn children from inside tasks (`spawn_tree`); async
//! contenders have no such call in the trait, so a driver thread submits each discovered
//! item as a new future, with at most `c` in flight.
//!
//! **Check.** The crawl must fetch every page reachable from page 0 exactly once (the
//! sequential reachability of the same seeded graph); the walk must count the generated
//! tree's directories, files and bytes exactly.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use pool_testkit::fixtures::{http_get, page_path, parse_links, LinkGraph, PageId};

use super::io::{fixture_dir, http_addr, limiter, IoErrors};
use super::{check, Env, Family, InFlight, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, ContenderError, IoMode, Spawner, TreeTask};
use crate::estimate::{cpu_lanes, io_lanes, spawn_cost, times, waves, CONNECTION};
use crate::external::ExternalJob;
use crate::fixtures::http_get_async;
use crate::measure::Clock;
use crate::record::Cell;

/// What visiting one item yields: the items it leads to.
type Visit<T> = Pin<Box<dyn Future<Output = Result<Vec<T>, String>> + Send>>;

/// Explores from `root` on an async contender: each visit is a future; the calling thread
/// submits every discovered item (at most `c` in flight for a bounded contender, see
/// [`limiter`]) until none are pending.
/// Returns the number of visits.
fn drive_async<T: Send + 'static>(
    c: &dyn Contender,
    env: &Env,
    root: T,
    visit: impl Fn(T) -> Visit<T>,
    errors: &Arc<IoErrors>,
) -> Result<u64, WorkloadError> {
    let limiter = limiter(c, env);
    let (tx, rx) = mpsc::channel::<Vec<T>>();
    let submit = |item: T| -> Result<(), ContenderError> {
        let permit = limiter.as_ref().map(InFlight::acquire);
        let (tx, errors, fut) = (tx.clone(), Arc::clone(errors), visit(item));
        c.submit_async(Box::pin(async move {
            let found = match fut.await {
                Ok(found) => found,
                Err(e) => {
                    errors.record(e);
                    Vec::new()
                }
            };
            drop(permit);
            // The driver holds the receiver until every visit has reported.
            let _ = tx.send(found);
        }))
    };
    submit(root)?;
    let (mut pending, mut visits) = (1_u64, 0_u64);
    while pending > 0 {
        let found = rx
            .recv()
            .map_err(|_| ContenderError::Failed("a visit was lost".into()))?;
        pending -= 1;
        visits += 1;
        for item in found {
            submit(item)?;
            pending += 1;
        }
    }
    c.wait()?;
    Ok(visits)
}

/// The two I/O-recursive workloads.
pub fn all(_scale: Scale) -> Vec<Box<dyn Workload>> {
    vec![Box::new(Crawl), Box::new(DirWalk)]
}

/// Crawls the served link graph from page 0.
#[derive(Debug)]
pub struct Crawl;

/// Marks `page` seen; true if this call was the first to see it.
fn first_visit(seen: &[AtomicBool], page: PageId) -> bool {
    seen.get(page as usize)
        .is_some_and(|s| !s.swap(true, Ordering::AcqRel))
}

struct CrawlState {
    addr: std::net::SocketAddr,
    seen: Vec<AtomicBool>,
    fetched: AtomicU64,
    errors: Arc<IoErrors>,
}

fn crawl_task(st: Arc<CrawlState>, page: PageId) -> TreeTask {
    Box::new(move |s: &dyn Spawner| {
        let links =
            http_get(st.addr, &page_path(page)).and_then(|r| r.text().and_then(parse_links));
        st.fetched.fetch_add(1, Ordering::Relaxed);
        match links {
            Ok(links) => {
                for next in links {
                    if first_visit(&st.seen, next) {
                        s.spawn(crawl_task(Arc::clone(&st), next));
                    }
                }
            }
            Err(e) => st.errors.record(e),
        }
    })
}

impl Workload for Crawl {
    fn name(&self) -> &'static str {
        "crawl"
    }
    fn family(&self) -> Family {
        Family::IoRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "a crawl widens from one page: once the frontier exceeds c, concurrency beyond the cores cuts the makespan by >= 2x"
    }
    fn params(&self, env: &Env) -> String {
        let (seed, pages, extra) = env.fixtures.graph;
        format!(
            "link graph seed {seed}, {pages} pages, up to {extra} extra links, service time {}us",
            env.fixtures.service_us
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let addr = http_addr(env)?;
        let pages = env.fixtures.graph.1;
        let expected = reachable(env);
        let errors = Arc::new(IoErrors::default());
        let st = Arc::new(CrawlState {
            addr,
            seen: (0..pages).map(|_| AtomicBool::new(false)).collect(),
            fetched: AtomicU64::new(0),
            errors: Arc::clone(&errors),
        });
        first_visit(&st.seen, 0);
        clock.start();
        let fetched = match c.io_mode() {
            IoMode::Blocking => {
                c.spawn_tree(crawl_task(Arc::clone(&st), 0))?;
                st.fetched.load(Ordering::Relaxed)
            }
            IoMode::Async => {
                let st2 = Arc::clone(&st);
                drive_async(
                    c,
                    env,
                    0,
                    move |page: PageId| -> Visit<PageId> {
                        let st = Arc::clone(&st2);
                        Box::pin(async move {
                            let body = http_get_async(st.addr, &page_path(page))
                                .await
                                .map_err(|e| e.to_string())?;
                            let text = String::from_utf8(body).map_err(|e| e.to_string())?;
                            let links = parse_links(&text).map_err(|e| e.to_string())?;
                            Ok(links
                                .into_iter()
                                .filter(|&p| first_visit(&st.seen, p))
                                .collect())
                        })
                    },
                    &errors,
                )?
            }
        };
        clock.stop();
        errors.check()?;
        let witness = check("pages fetched", expected, fetched)?;
        Ok(Output {
            jobs: fetched,
            witness,
            ..Output::default()
        })
    }
    /// Like `tcp-rr` over the reachable pages, plus one service time per level of the
    /// widening frontier (at most log2(pages) + 1 levels of a random graph, errs long).
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let pages = reachable(env);
        let each = Duration::from_micros(env.fixtures.service_us) + CONNECTION;
        let levels = u64::from(pages.max(1).ilog2() + 1);
        waves(pages, io_lanes(cell, pages), each)
            .max(times(pages, CONNECTION) / cpu_lanes(cell, env.cores))
            + times(levels, each)
            + times(pages, spawn_cost(cell))
    }
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        Some(http_addr(env).map(|addr| ExternalJob::Crawl {
            addr,
            root: 0,
            expected_pages: reachable(env),
        }))
    }
}

/// Pages reachable from page 0 in the served graph: the crawl's expected count.
fn reachable(env: &Env) -> u64 {
    let (seed, pages, extra) = env.fixtures.graph;
    LinkGraph::generate(seed, pages, extra)
        .reachable_from(0)
        .len() as u64
}

/// Walks the generated directory tree, counting directories, files and bytes.
#[derive(Debug)]
pub struct DirWalk;

#[derive(Default)]
struct Totals {
    dirs: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

/// Lists `dir`: counts it and its files, returns its subdirectories.
fn list_dir(dir: &std::path::Path, totals: &Totals) -> std::io::Result<Vec<PathBuf>> {
    totals.dirs.fetch_add(1, Ordering::Relaxed);
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            subdirs.push(entry.path());
        } else {
            totals.files.fetch_add(1, Ordering::Relaxed);
            totals.bytes.fetch_add(meta.len(), Ordering::Relaxed);
        }
    }
    Ok(subdirs)
}

async fn list_dir_async(dir: PathBuf, totals: &Totals) -> std::io::Result<Vec<PathBuf>> {
    totals.dirs.fetch_add(1, Ordering::Relaxed);
    let mut subdirs = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let meta = entry.metadata().await?;
        if meta.is_dir() {
            subdirs.push(entry.path());
        } else {
            totals.files.fetch_add(1, Ordering::Relaxed);
            totals.bytes.fetch_add(meta.len(), Ordering::Relaxed);
        }
    }
    Ok(subdirs)
}

fn walk_task(dir: PathBuf, totals: Arc<Totals>, errors: Arc<IoErrors>) -> TreeTask {
    Box::new(move |s: &dyn Spawner| match list_dir(&dir, &totals) {
        Ok(subdirs) => {
            for sub in subdirs {
                s.spawn(walk_task(sub, Arc::clone(&totals), Arc::clone(&errors)));
            }
        }
        Err(e) => errors.record(e),
    })
}

impl Workload for DirWalk {
    fn name(&self) -> &'static str {
        "dirwalk"
    }
    fn family(&self) -> Family {
        Family::IoRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "a cached directory walk is syscall-bound: concurrency beyond the cores gains < 1.25x"
    }
    fn params(&self, env: &Env) -> String {
        let (dirs, files, bytes) = env.fixtures.tree_expected;
        format!("generated tree: {dirs} dirs, {files} files, {bytes} bytes (async: tokio::fs)")
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let root = fixture_dir(env.fixtures.tree_root.as_deref(), "tree")?;
        let totals = Arc::new(Totals::default());
        let errors = Arc::new(IoErrors::default());
        clock.start();
        match c.io_mode() {
            IoMode::Blocking => {
                c.spawn_tree(walk_task(root, Arc::clone(&totals), Arc::clone(&errors)))?
            }
            IoMode::Async => {
                let t = Arc::clone(&totals);
                drive_async(
                    c,
                    env,
                    root,
                    move |dir: PathBuf| -> Visit<PathBuf> {
                        let t = Arc::clone(&t);
                        Box::pin(
                            async move { list_dir_async(dir, &t).await.map_err(|e| e.to_string()) },
                        )
                    },
                    &errors,
                )?;
            }
        }
        clock.stop();
        errors.check()?;
        let got = (
            totals.dirs.load(Ordering::Relaxed),
            totals.files.load(Ordering::Relaxed),
            totals.bytes.load(Ordering::Relaxed),
        );
        let (d, f, b) = env.fixtures.tree_expected;
        let witness = check(
            "dirs/files/bytes",
            format!("{d}/{f}/{b}"),
            format!("{}/{}/{}", got.0, got.1, got.2),
        )?;
        Ok(Output {
            jobs: got.0,
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let dirs = env.fixtures.tree_expected.0;
        let lanes = io_lanes(cell, dirs).min(env.cores as u64).max(1) as u32;
        let list = match cell.io_mode {
            IoMode::Blocking => DIR_LIST,
            IoMode::Async => DIR_LIST_ASYNC,
        };
        times(dirs, list) / lanes + times(dirs, spawn_cost(cell))
    }
}

/// Listing one generated directory (about 8 files) with its files' metadata, from the
/// cache, with blocking calls (errs long).
const DIR_LIST: Duration = Duration::from_micros(150);

/// The same through `tokio::fs`, where every call is a `spawn_blocking` round trip
/// (about 0.6 ms per directory measured one at a time; errs long).
const DIR_LIST_ASYNC: Duration = Duration::from_micros(800);
