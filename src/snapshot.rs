//! A value worked out at most once per `max_age` and shared by every request of the process
//! (#23): the dashboard's counts over the whole city cost about 260 ms of database time at
//! 1,000,000 enrollments, too much to repeat on every view. One caller refreshes a stale value;
//! the others meanwhile get the previous one (or, before there is one, wait for it).

use std::future::Future;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

pub struct Snapshot<T> {
    current: RwLock<Option<(DateTime<Utc>, Arc<T>)>>,
    refresh: tokio::sync::Mutex<()>,
    max_age: Duration,
}

impl<T> std::fmt::Debug for Snapshot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl<T> Snapshot<T> {
    pub fn new(max_age: Duration) -> Snapshot<T> {
        Snapshot {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            max_age,
        }
    }

    fn held(&self) -> Option<(DateTime<Utc>, Arc<T>)> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The held value if it was worked out within `max_age` before `now` (a clock set back
    /// makes it stale too).
    fn fresh(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Arc<T>)> {
        self.held()
            .filter(|(at, _)| *at <= now && now - *at < self.max_age)
    }

    /// The value and when it was worked out: the held one while fresh, else `make`'s as of
    /// `now`.
    pub async fn get<F, Fut, E>(
        &self,
        now: DateTime<Utc>,
        make: F,
    ) -> Result<(DateTime<Utc>, Arc<T>), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.fresh(now) {
            return Ok(v);
        }
        let _refreshing = match self.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.held() {
                Some(previous) => return Ok(previous),
                None => self.refresh.lock().await,
            },
        };
        if let Some(v) = self.fresh(now) {
            return Ok(v);
        }
        let value = Arc::new(make().await?);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some((now, value.clone()));
        Ok((now, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn worked_out_once_a_minute_and_again_when_the_clock_goes_back() {
        let s = Snapshot::<u32>::new(Duration::minutes(1));
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let made = std::sync::atomic::AtomicU32::new(0);
        let make =
            || async { Ok::<_, ()>(made.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(*s.get(t0, make).await.unwrap().1, 1);
        let (at, v) = s.get(t0 + Duration::seconds(59), make).await.unwrap();
        assert_eq!((at, *v), (t0, 1), "still fresh");
        assert_eq!(*s.get(t0 + Duration::seconds(60), make).await.unwrap().1, 2);
        assert_eq!(*s.get(t0, make).await.unwrap().1, 3, "the clock went back");
        let failing = || async { Err::<u32, &str>("database down") };
        assert_eq!(
            s.get(t0 + Duration::hours(1), failing).await.unwrap_err(),
            "database down"
        );
    }
}
