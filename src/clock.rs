//! Time as the service sees it. Scheduled work, retries and leases read the clock through
//! this trait, so tests move time forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::db::now_ms()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at(ms: i64) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// An instant as people in Italy read it: `dd/mm/yyyy hh:mm`, Europe/Rome.
pub fn local_time(ms: i64) -> String {
    use chrono::TimeZone;
    chrono_tz::Europe::Rome
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// The calendar day in Italy at this instant.
pub fn local_date(ms: i64) -> chrono::NaiveDate {
    use chrono::TimeZone;
    chrono_tz::Europe::Rome.timestamp_millis_opt(ms).single().map(|t| t.date_naive()).unwrap_or_default()
}

/// Midnight at the start of `day` in Italy, as Unix ms.
pub fn local_midnight_ms(day: chrono::NaiveDate) -> i64 {
    use chrono::TimeZone;
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    chrono_tz::Europe::Rome.from_local_datetime(&naive).earliest().map(|t| t.timestamp_millis()).unwrap_or_default()
}
