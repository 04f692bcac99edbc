//! Lowering the process's soft limit on open file descriptors (`RLIMIT_NOFILE`) for the
//! length of a repetition, so that the fd limit is a known value below the tasks' demand.

/// The soft limit in force while this guard lives; the previous limits come back on drop.
#[derive(Debug)]
pub(super) struct FdLimit {
    old: libc::rlimit,
    soft: u64,
}

impl FdLimit {
    /// Lowers the soft limit to `soft` (never above the hard limit).
    ///
    /// # Errors
    /// The OS error of `getrlimit` or `setrlimit`.
    pub(super) fn lower_to(soft: u64) -> std::io::Result<FdLimit> {
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `old` is a valid, writable `rlimit` for the call to fill.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let soft = soft.min(old.rlim_max);
        let new = libc::rlimit {
            rlim_cur: soft,
            rlim_max: old.rlim_max,
        };
        set(&new)?;
        Ok(FdLimit { old, soft })
    }

    /// The soft limit in force.
    pub(super) fn soft(&self) -> u64 {
        self.soft
    }
}

fn set(limit: &libc::rlimit) -> std::io::Result<()> {
    // SAFETY: `limit` points to a valid `rlimit` that the call only reads.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl Drop for FdLimit {
    fn drop(&mut self) {
        // Raising the soft limit back to its old value stays within the unchanged hard
        // limit, so it cannot fail; if it did, the next repetition would set it again.
        let _ = set(&self.old);
    }
}
