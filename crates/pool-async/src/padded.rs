//! Keeping a hot word off the cache lines of its neighbours.

use std::ops::Deref;

/// A value alone on its cache line(s): 128 bytes, since adjacent-line prefetch pairs lines
/// on x86-64. For words every task writes (the admission word, the id counter, a signal's
/// shards), so that those writes do not evict the read-mostly fields next to them from
/// the other cores' caches.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> Deref for Padded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_values_do_not_share_a_line() {
        let pair = [Padded(0u8), Padded(1u8)];
        let gap = std::ptr::from_ref(&pair[1]) as usize - std::ptr::from_ref(&pair[0]) as usize;
        assert_eq!(gap, 128);
        assert_eq!(*pair[1], 1);
    }
}
