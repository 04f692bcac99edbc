//! The two error policies, as pure folds over a group's results.

use super::GroupError;

/// How a [`TaskGroup`](crate::TaskGroup) treats failures and what `wait` returns.
pub trait ErrorPolicy {
    /// What `wait` returns.
    type Output<T, E>;

    /// Whether the first failure cancels the group's tasks that have not started.
    const CANCEL_ON_FAILURE: bool;

    /// Folds the results (in spawn order) given the index of the first task to fail, if any.
    fn fold<T, E>(
        results: Vec<Result<T, GroupError<E>>>,
        first_failure: Option<usize>,
    ) -> Self::Output<T, E>;
}

/// Run every task; `wait` returns every result and every error, in spawn order.
///
/// ```
/// use pool_core::{CollectAll, ErrorPolicy, GroupError};
/// let out = CollectAll::fold(vec![Ok(1), Err(GroupError::Task("x"))], Some(1));
/// assert_eq!(out.len(), 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectAll;

impl ErrorPolicy for CollectAll {
    type Output<T, E> = Vec<Result<T, GroupError<E>>>;
    const CANCEL_ON_FAILURE: bool = false;

    fn fold<T, E>(
        results: Vec<Result<T, GroupError<E>>>,
        _first_failure: Option<usize>,
    ) -> Self::Output<T, E> {
        results
    }
}

/// Stop at the first failure: `wait` returns every value, or the first task's error with
/// the tasks that had not started cancelled.
///
/// ```
/// use pool_core::{ErrorPolicy, FailFast, GroupError};
/// let out = FailFast::fold(vec![Ok(1), Err(GroupError::Task("x"))], Some(1));
/// assert!(matches!(out, Err(GroupError::Task("x"))));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailFast;

impl ErrorPolicy for FailFast {
    type Output<T, E> = Result<Vec<T>, GroupError<E>>;
    const CANCEL_ON_FAILURE: bool = true;

    fn fold<T, E>(
        results: Vec<Result<T, GroupError<E>>>,
        first_failure: Option<usize>,
    ) -> Self::Output<T, E> {
        let mut values = Vec::with_capacity(results.len());
        let mut first_in_order = None;
        let mut recorded = None;
        for (index, result) in results.into_iter().enumerate() {
            match result {
                Ok(value) => values.push(value),
                Err(e) if Some(index) == first_failure => recorded = Some(e),
                Err(e) => {
                    first_in_order.get_or_insert(e);
                }
            }
        }
        // The recorded first failure wins; without one (the token was cancelled by hand),
        // the earliest error in spawn order stands for the group.
        match recorded.or(first_in_order) {
            Some(e) => Err(e),
            None => Ok(values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskError;
    use proptest::prelude::*;

    fn make(kind: u8, x: u32) -> Result<u32, GroupError<u32>> {
        match kind {
            0 => Ok(x),
            1 => Err(GroupError::Task(x)),
            2 => Err(GroupError::Failed(TaskError::cancelled())),
            _ => Err(GroupError::Failed(TaskError::panic(Box::new("p")))),
        }
    }

    fn results() -> impl Strategy<Value = Vec<(u8, u32)>> {
        proptest::collection::vec((0u8..4, any::<u32>()), 0..50)
    }

    fn snapshot(r: &Result<u32, GroupError<u32>>) -> (bool, Option<u32>, bool, bool) {
        match r {
            Ok(v) => (true, Some(*v), false, false),
            Err(GroupError::Task(e)) => (false, Some(*e), false, false),
            Err(e) => (false, None, e.is_cancelled(), e.is_panic()),
        }
    }

    proptest! {
        #[test]
        fn collect_all_keeps_every_result_in_order(raw in results()) {
            let results: Vec<_> = raw.iter().map(|&(k, x)| make(k, x)).collect();
            let expected: Vec<_> = results.iter().map(snapshot).collect();
            let out = CollectAll::fold(results, None);
            prop_assert_eq!(out.iter().map(snapshot).collect::<Vec<_>>(), expected);
        }

        #[test]
        fn fail_fast_is_ok_iff_every_task_succeeded(
            raw in results(),
            pick in any::<prop::sample::Index>(),
        ) {
            let results: Vec<_> = raw.iter().map(|&(k, x)| make(k, x)).collect();
            let failures: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_err()).map(|(i, _)| i).collect();
            let values: Vec<u32> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
            let first = (!failures.is_empty()).then(|| failures[pick.index(failures.len())]);
            let expected_err = first.map(|i| snapshot(&results[i]));
            match FailFast::fold(results, first) {
                Ok(v) => {
                    prop_assert!(failures.is_empty());
                    prop_assert_eq!(v, values);
                }
                Err(e) => prop_assert_eq!(Some(snapshot(&Err(e))), expected_err),
            }
        }

        #[test]
        fn fail_fast_without_a_recorded_failure_reports_the_earliest(
            raw in results(),
        ) {
            let results: Vec<_> = raw.iter().map(|&(k, x)| make(k, x)).collect();
            let earliest = results.iter().position(|r| r.is_err()).map(|i| snapshot(&results[i]));
            let got = FailFast::fold(results, None).err().map(|e| snapshot(&Err(e)));
            prop_assert_eq!(got, earliest);
        }
    }
}
