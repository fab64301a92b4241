//! When an idle worker looks for new tasks.
//!
//! apalis' own interval strategy (`poll_with_interval`) arms its next tick only when it is polled
//! again after a tick. A worker whose fetch finishes within that same poll (an empty queue on
//! SQLite, often) is not polled again, so it slept until its next heartbeat: a print batch waited
//! up to 2 s to start instead of a quarter of a second. [`EveryTick`] arms the next tick before
//! it reports this one.

use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use tokio::time::{interval, Interval, MissedTickBehavior};

/// Wakes the worker every `period`, whether or not it was polled in between.
pub struct EveryTick(Interval);

impl EveryTick {
    /// Needs a tokio runtime (the workers' own).
    pub fn new(period: Duration) -> Self {
        let mut ticks = interval(period);
        // A worker busy for a while looks once when it is free, not once per missed tick.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        EveryTick(ticks)
    }
}

impl PollStrategy for EveryTick {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let mut ticked = false;
        // Until the next tick is pending: that registers the waker for it.
        while self.0.poll_tick(cx).is_ready() {
            ticked = true;
        }
        if ticked {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A waker that counts its wakes.
    pub(in crate::jobs) struct Count(pub(in crate::jobs) AtomicUsize);
    impl futures::task::ArcWake for Count {
        fn wake_by_ref(me: &Arc<Self>) {
            me.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The worker is polled once per tick and never in between: every tick must still wake it.
    #[tokio::test(start_paused = true)]
    async fn each_tick_wakes_the_worker_without_another_poll() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = futures::task::waker(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut s = EveryTick::new(Duration::from_millis(250));
        let snap = PollSnapshot::default();
        assert_eq!(s.poll_drive(&mut cx, &snap), Poll::Ready(Some(())));
        for n in 1..=3 {
            tokio::time::advance(Duration::from_millis(250)).await;
            tokio::task::yield_now().await;
            assert_eq!(
                count.0.load(Ordering::SeqCst),
                n,
                "tick {n} woke the worker"
            );
            assert_eq!(s.poll_drive(&mut cx, &snap), Poll::Ready(Some(())));
        }
        assert_eq!(s.poll_drive(&mut cx, &snap), Poll::Pending);
    }
}
