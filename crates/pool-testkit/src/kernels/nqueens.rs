//! N-queens solution counting (BOTS `nqueens`; sizes 11-13 are the usual benchmark).
//!
//! A [`Board`] is a partial placement of queens in the first rows, kept as three bitmasks
//! (columns and both diagonals), so it is a small `Copy` value. A parallel version either
//! splits with [`Board::children`] at every level or takes the [`subproblems`] obtained by
//! placing the first rows and counts each with [`Board::count`].
//! Known counts: 8 -> 92, 10 -> 724, 11 -> 2,680, 12 -> 14,200, 13 -> 73,712.

/// Largest supported board side (the masks are `u32`).
pub const MAX_N: u32 = 32;

/// Queens placed in the first `row` rows of an `n x n` board, none attacking another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Board {
    n: u32,
    row: u32,
    cols: u32,
    diag_left: u32,
    diag_right: u32,
}

impl Board {
    /// The empty `n x n` board.
    ///
    /// # Panics
    ///
    /// Panics if `n > 32` ([`MAX_N`]).
    ///
    /// ```
    /// use pool_testkit::kernels::Board;
    /// assert_eq!(Board::empty(8).count(), 92);
    /// ```
    #[must_use]
    pub fn empty(n: u32) -> Self {
        assert!(n <= MAX_N, "nqueens supports n <= {MAX_N}, got {n}");
        Self {
            n,
            row: 0,
            cols: 0,
            diag_left: 0,
            diag_right: 0,
        }
    }

    /// Rows filled so far.
    #[must_use]
    pub fn row(&self) -> u32 {
        self.row
    }

    /// Whether every row holds a queen (a solution).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.row == self.n
    }

    fn full(&self) -> u32 {
        if self.n == 32 {
            u32::MAX
        } else {
            (1 << self.n) - 1
        }
    }

    /// The boards with one more queen, in the next row, in column order.
    ///
    /// ```
    /// use pool_testkit::kernels::Board;
    /// assert_eq!(Board::empty(4).children().count(), 4);
    /// ```
    pub fn children(&self) -> impl Iterator<Item = Board> {
        let board = *self;
        let mut free = if board.is_complete() {
            0
        } else {
            board.full() & !(board.cols | board.diag_left | board.diag_right)
        };
        std::iter::from_fn(move || {
            (free != 0).then(|| {
                let bit = free & free.wrapping_neg();
                free &= free - 1;
                Board {
                    n: board.n,
                    row: board.row + 1,
                    cols: board.cols | bit,
                    diag_left: ((board.diag_left | bit) << 1) & board.full(),
                    diag_right: (board.diag_right | bit) >> 1,
                }
            })
        })
    }

    /// Sequentially count the solutions that extend this board.
    ///
    /// ```
    /// use pool_testkit::kernels::Board;
    /// let total: u64 = Board::empty(6).children().map(|b| b.count()).sum();
    /// assert_eq!(total, 4);
    /// ```
    #[must_use]
    pub fn count(&self) -> u64 {
        if self.is_complete() {
            1
        } else {
            self.children().map(|b| b.count()).sum()
        }
    }
}

/// Sequential reference: the number of ways to place `n` non-attacking queens on an
/// `n x n` board (1 for `n = 0`).
///
/// # Panics
///
/// Panics if `n > 32` ([`MAX_N`]).
///
/// ```
/// use pool_testkit::kernels::nqueens;
/// assert_eq!(nqueens(8), 92);
/// ```
#[must_use]
pub fn nqueens(n: u32) -> u64 {
    Board::empty(n).count()
}

/// All valid boards with the first `rows` rows filled (fewer if `rows > n`: the complete
/// boards): independent subproblems whose [`Board::count`]s sum to [`nqueens`]`(n)`.
///
/// # Panics
///
/// Panics if `n > 32` ([`MAX_N`]).
///
/// ```
/// use pool_testkit::kernels::{nqueens, subproblems};
/// let parts = subproblems(10, 2);
/// assert!(parts.iter().all(|b| b.row() == 2));
/// assert_eq!(parts.iter().map(|b| b.count()).sum::<u64>(), nqueens(10));
/// ```
#[must_use]
pub fn subproblems(n: u32, rows: u32) -> Vec<Board> {
    let mut level = vec![Board::empty(n)];
    for _ in 0..rows.min(n) {
        level = level.iter().flat_map(Board::children).collect();
    }
    level
}
