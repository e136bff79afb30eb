//! "A duplicate waits for the first caller": a request that finds its work claimed by another
//! caller (the same idempotency key, the same payment attempt or refund) looks again until that
//! caller's outcome is there or its claim is given up, for as long as its patience lasts, rather
//! than acting twice. The order service's idempotency keys and the payment service's leases
//! wait with this one loop; each says how to look and what a duplicate hears when it gives up.
use std::future::Future;
use std::time::Duration;

use vici_kit::{Error, Result};

/// What a duplicate sees when it looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Poll<T> {
    /// The first caller's outcome.
    Done(T),
    /// Still in flight under the first caller's claim.
    Busy,
    /// Nobody holds the claim any more: the duplicate may take it.
    Free,
}

/// How long a duplicate waits for the first caller, and how often it looks meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patience {
    pub total: Duration,
    pub every: Duration,
}

/// Looks with `poll` (the first time at once) until the first caller's outcome is there
/// (`Some`) or its claim is free to take (`None`). A claim still busy after `patience.total`
/// is the error `timed_out` makes; an error of `poll` ends the wait as it is.
pub async fn wait_for_first<T, F, Fut>(
    patience: Patience,
    mut poll: F,
    timed_out: impl FnOnce() -> Error,
) -> Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let deadline = tokio::time::Instant::now() + patience.total;
    loop {
        match poll().await? {
            Poll::Done(outcome) => return Ok(Some(outcome)),
            Poll::Free => return Ok(None),
            Poll::Busy if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(patience.every).await
            }
            Poll::Busy => return Err(timed_out()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use vici_kit::ErrorCode;

    use super::*;

    const PATIENCE: Patience = Patience {
        total: Duration::from_secs(1),
        every: Duration::from_millis(100),
    };

    /// Waits on a claim that answers `seen` in turn, then `last` for ever; the result and how
    /// many looks it took.
    async fn wait(seen: Vec<Poll<u8>>, last: Poll<u8>) -> (Result<Option<u8>>, usize) {
        let looks = Cell::new(0);
        let result = wait_for_first(
            PATIENCE,
            || {
                let n = looks.get();
                looks.set(n + 1);
                let answer = seen.get(n).cloned().unwrap_or(last.clone());
                async move { Ok(answer) }
            },
            || Error::unavailable("still busy"),
        )
        .await;
        (result, looks.get())
    }

    #[tokio::test(start_paused = true)]
    async fn a_duplicate_gets_the_outcome_or_the_claim() {
        let (found, looks) = wait(vec![Poll::Busy, Poll::Busy], Poll::Done(7)).await;
        assert_eq!((found.unwrap(), looks), (Some(7), 3));
        let (found, looks) = wait(vec![Poll::Busy], Poll::Free).await;
        assert_eq!((found.unwrap(), looks), (None, 2));
        let (found, looks) = wait(vec![], Poll::Done(1)).await;
        assert_eq!(
            (found.unwrap(), looks),
            (Some(1), 1),
            "the first look is at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn patience_runs_out_on_a_claim_that_stays_busy() {
        let (found, looks) = wait(vec![], Poll::Busy).await;
        assert_eq!(found.unwrap_err().code, ErrorCode::Unavailable);
        // A look at once, then one every 100 ms until a look after the whole second.
        assert_eq!(looks, 11);
    }

    #[tokio::test]
    async fn a_failed_look_ends_the_wait() {
        let found = wait_for_first(
            PATIENCE,
            || async { Err::<Poll<u8>, _>(Error::conflict("another request")) },
            || Error::unavailable("still busy"),
        )
        .await;
        assert_eq!(found.unwrap_err().code, ErrorCode::Conflict);
    }
}
