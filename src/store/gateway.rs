//! When a call to an HBase gateway may be sent again: the idempotency and
//! retry rules every gateway store shares (Thrift1 now, Thrift2 later), so
//! that they are decided in one place.
//!
//! A failed attempt is first placed in an [`Outcome`] (how far it got),
//! then [`may_retry`] weighs that against the call's [`Retry`] class.

use std::time::Duration;

/// Whether a call gives the same result when the server runs it twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads, and writes whose every cell or marker has an explicit
    /// timestamp: running them again changes nothing.
    Safe,
    /// Increments, check-and-put, admin calls, and any put or delete at the
    /// server's clock: a second run can change what the first did (a
    /// repeated delete at "now" can delete a put another writer made in
    /// between).
    Never,
}

impl Retry {
    /// The class of a batch of puts and deletes sent with `timestamp` (the
    /// one timestamp all its mutations carry; `None`: the server's clock).
    pub(crate) fn for_write(timestamp: Option<i64>) -> Retry {
        if timestamp.is_some() {
            Retry::Safe
        } else {
            Retry::Never
        }
    }
}

/// How far a failed attempt got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing reached the server: no connection, a refused one, or a
    /// handshake that failed before the call was written.
    NotStarted,
    /// The connection broke after the call was sent (reset, closed): the
    /// server may or may not have applied it, and is no longer running it.
    Interrupted,
    /// No reply within the call timeout: the server may still be running
    /// it (a gateway worker stuck in its own retries, say).
    Stalled,
    /// The server answered that the call failed and may be repeated.
    ServerSaysRetry,
    /// Anything else: repeating would fail the same way.
    Final,
}

/// Whether an attempt that ended in `outcome` may be repeated, given the
/// call's class and the attempts already made (`attempt` counts from 0)
/// and allowed (`retries`).
///
/// A stalled call is never repeated: sending it again would only leave a
/// second worker waiting on the same server, and the first may still apply
/// the call after the second.
pub(crate) fn may_retry(retry: Retry, outcome: Outcome, attempt: u32, retries: u32) -> bool {
    if attempt >= retries {
        return false;
    }
    match outcome {
        Outcome::NotStarted => true,
        Outcome::Interrupted | Outcome::ServerSaysRetry => retry == Retry::Safe,
        Outcome::Stalled | Outcome::Final => false,
    }
}

/// The delay before retry number `attempt` (from 0): `base`, doubled each
/// time, at most 10 s.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.min(10))
        .min(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_explicit_timestamps_make_writes_repeatable() {
        assert_eq!(Retry::for_write(Some(5)), Retry::Safe);
        // A delete (or put) at the server's clock is not idempotent.
        assert_eq!(Retry::for_write(None), Retry::Never);
    }

    #[test]
    fn retry_rules() {
        use Outcome::*;
        for retry in [Retry::Safe, Retry::Never] {
            assert!(may_retry(retry, NotStarted, 0, 3));
            assert!(!may_retry(retry, NotStarted, 3, 3));
            assert!(!may_retry(retry, Stalled, 0, 3));
            assert!(!may_retry(retry, Final, 0, 3));
        }
        assert!(may_retry(Retry::Safe, Interrupted, 0, 3));
        assert!(!may_retry(Retry::Never, Interrupted, 0, 3));
        assert!(may_retry(Retry::Safe, ServerSaysRetry, 2, 3));
        assert!(!may_retry(Retry::Never, ServerSaysRetry, 0, 3));
        assert_eq!(
            backoff(Duration::from_millis(100), 2),
            Duration::from_millis(400)
        );
        assert_eq!(backoff(Duration::from_secs(1), 30), Duration::from_secs(10));
    }
}
