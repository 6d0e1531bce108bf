//! The `seam-timing` feature's count of the wall time spent inside RSA operations, per
//! thread: [`crate::backend`] times each operation, [`crate::bench_seam`] hands the totals
//! to the benches.

/// Wall time spent inside RSA operations so far, per thread that ran any, as
/// `(thread name, nanoseconds)`. Only with the `seam-timing` feature; empty without.
pub fn rsa_time_by_thread() -> Vec<(String, u64)> {
    #[cfg(feature = "seam-timing")]
    {
        timing::by_thread()
    }
    #[cfg(not(feature = "seam-timing"))]
    {
        Vec::new()
    }
}

/// Starts timing one RSA operation (until the guard drops); nothing without `seam-timing`.
#[inline(always)]
pub(crate) fn timed() -> impl Sized {
    #[cfg(feature = "seam-timing")]
    {
        timing::Guard(std::time::Instant::now())
    }
}

#[cfg(feature = "seam-timing")]
mod timing {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    type Counters = Vec<(String, Arc<AtomicU64>)>;
    static THREADS: Mutex<Counters> = Mutex::new(Vec::new());

    thread_local! {
        static MINE: Arc<AtomicU64> = {
            let counter = Arc::new(AtomicU64::new(0));
            let name = std::thread::current().name().unwrap_or_default().to_owned();
            THREADS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((name, counter.clone()));
            counter
        };
    }

    pub(super) struct Guard(pub(super) std::time::Instant);

    impl Drop for Guard {
        fn drop(&mut self) {
            let ns = u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let _ = MINE.try_with(|c| c.fetch_add(ns, Ordering::Relaxed));
        }
    }

    pub(super) fn by_thread() -> Vec<(String, u64)> {
        THREADS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(name, c)| (name.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }
}
