//! What the run README records about the machine and the build.

use std::path::Path;
use std::process::Command;

use pool_testkit::kernels::SpinCalibration;

use crate::record::Meta;

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn command(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Logical cores available to this process.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The CPU model from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
    read("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Host name (sanitised for use in a folder name).
pub fn host() -> String {
    let raw = read("/proc/sys/kernel/hostname").unwrap_or_else(|| "host".into());
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Short git commit of the workspace this binary was built from (whatever the current
/// directory), with `-dirty` if it has uncommitted changes.
pub fn commit() -> String {
    let Some(hash) = command("git", &["rev-parse", "--short", "HEAD"]) else {
        return "nogit".into();
    };
    let dirty = command("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{hash}-dirty")
    } else {
        hash
    }
}

/// Versions of the compared crates, read from the workspace's `Cargo.lock`.
pub fn crate_versions() -> Vec<(String, String)> {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Vec::new();
    };
    let wanted = [
        "rayon",
        "rayon-core",
        "tokio",
        "threadpool",
        "crossbeam-deque",
        "crossbeam-channel",
        "flume",
    ];
    let mut found = Vec::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if wanted.contains(&n.as_str()) {
                found.push((n, v.trim_matches('"').to_owned()));
            }
        }
    }
    found
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The UTC time now as `(YYYY-MM-DD HH:MM:SS, YYYYMMDD-HHMMSS)`.
pub fn now_utc() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    let (h, mi, s) = (t / 3600, t / 60 % 60, t % 60);
    (
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}"),
    )
}

/// Measures `spin_work`'s speed three times and keeps the fastest: interference from other
/// processes only ever makes a measurement slower, so the minimum is the best estimate.
pub fn calibrate_spin() -> SpinCalibration {
    (0..3)
        .map(|_| SpinCalibration::measure())
        .min_by(|a, b| a.nanos_per_iteration().total_cmp(&b.nanos_per_iteration()))
        .unwrap_or_else(SpinCalibration::measure)
}

/// Host-wide CPU time so far, all CPUs, from the `cpu` line of `/proc/stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostCpu {
    /// Time spent running anything (user, nice, system, irq, softirq), ns.
    pub busy_ns: u64,
    /// Time the hypervisor ran something else while this host wanted to run, ns.
    pub steal_ns: u64,
}

impl HostCpu {
    /// The time from `earlier` to `self`, per field (0 where a counter went backwards).
    pub fn since(self, earlier: HostCpu) -> HostCpu {
        HostCpu {
            busy_ns: self.busy_ns.saturating_sub(earlier.busy_ns),
            steal_ns: self.steal_ns.saturating_sub(earlier.steal_ns),
        }
    }
}

fn clock_tick_ns() -> u64 {
    // SAFETY: `sysconf` only reads a configuration value; `_SC_CLK_TCK` is a valid name.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(hz)
        .ok()
        .filter(|&hz| hz > 0)
        .map_or(10_000_000, |hz| 1_000_000_000 / hz)
}

/// Parses the aggregate `cpu` line of `/proc/stat` text into ns, with `tick_ns` per tick.
fn parse_stat(text: &str, tick_ns: u64) -> Option<HostCpu> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user]
    let field = |i: usize| ticks.get(i).copied().unwrap_or(0);
    let busy = field(0) + field(1) + field(2) + field(5) + field(6);
    Some(HostCpu {
        busy_ns: busy * tick_ns,
        steal_ns: field(7) * tick_ns,
    })
}

/// The host's CPU time so far, or `None` where `/proc/stat` is unavailable.
pub fn host_cpu() -> Option<HostCpu> {
    parse_stat(
        &std::fs::read_to_string("/proc/stat").ok()?,
        clock_tick_ns(),
    )
}

/// What a difference of two [`host_cpu`] readings can resolve, ns: one clock tick per
/// CPU, as each CPU's counter is rounded to whole ticks.
pub fn host_cpu_resolution_ns() -> u64 {
    let cpus = std::fs::read_to_string("/proc/stat").map_or(1, |s| {
        s.lines()
            .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
            .count()
    });
    clock_tick_ns() * cpus.max(1) as u64
}

/// The 1-minute load average, from `/proc/loadavg`.
pub fn load1() -> Option<f64> {
    read("/proc/loadavg")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Fills the machine and build fields of a run's [`Meta`].
pub fn describe(meta: &mut Meta) {
    meta.date = now_utc().0;
    meta.host = host();
    meta.commit = commit();
    meta.rustc = command("rustc", &["-V"]).unwrap_or_else(|| "unknown".into());
    meta.crates = crate_versions();
    meta.crates
        .insert(0, ("pool-bench".into(), env!("CARGO_PKG_VERSION").into()));
    meta.cpu = cpu_model();
    meta.cores = cores();
    meta.mem_kib = read("/proc/meminfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.trim_start_matches("MemTotal:")
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse()
                        .ok()
                })
        })
        .unwrap_or(0);
    meta.kernel = read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into());
    meta.profile = if cfg!(debug_assertions) {
        "debug".into()
    } else {
        "release".into()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_723), (2024, 1, 1));
        assert_eq!(civil(19_782), (2024, 2, 29));
    }

    #[test]
    fn the_cpu_line_of_proc_stat_is_read_in_ns() {
        let text = "cpu  100 5 30 9000 7 2 3 4 50 0\ncpu0 50 5 15 4500 3 1 1 2 25 0\n";
        assert_eq!(
            parse_stat(text, 10),
            Some(HostCpu {
                busy_ns: 1400,
                steal_ns: 40
            })
        );
        assert_eq!(parse_stat("intr 1 2\n", 10), None);
    }

    #[test]
    fn host_cpu_grows_while_this_process_works() {
        let before = host_cpu().expect("/proc/stat");
        let t = std::time::Instant::now();
        let mut x = 0_u64;
        while t.elapsed() < std::time::Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let d = host_cpu().expect("/proc/stat").since(before);
        assert!(d.busy_ns >= 20_000_000, "{d:?}");
        assert!(host_cpu_resolution_ns() >= 1);
        assert!(load1().is_some_and(|l| l >= 0.0));
    }

    #[test]
    fn describe_fills_the_machine() {
        let mut m = Meta::default();
        describe(&mut m);
        assert!(m.cores >= 1);
        assert_eq!(m.date.len(), 19);
        assert!(!m.host.is_empty());
    }
}
