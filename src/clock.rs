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
/// A length of time in hours and minutes, as people read it: "2 ore", "45 minuti",
/// "1 ora e 30 minuti" ("2 hours", "45 minutes", "1 hour 30 minutes").
pub fn duration_text(minutes: i64, lang: crate::i18n::Lang) -> String {
    use crate::i18n::Lang;
    let (h, m) = (minutes.max(0) / 60, minutes.max(0) % 60);
    let hours = match (h, lang) {
        (1, Lang::It) => "1 ora".to_string(),
        (1, Lang::En) => "1 hour".to_string(),
        (h, Lang::It) => format!("{h} ore"),
        (h, Lang::En) => format!("{h} hours"),
    };
    let mins = match (m, lang) {
        (1, Lang::It) => "1 minuto".to_string(),
        (1, Lang::En) => "1 minute".to_string(),
        (m, Lang::It) => format!("{m} minuti"),
        (m, Lang::En) => format!("{m} minutes"),
    };
    match (h, m) {
        (0, _) => mins,
        (_, 0) => hours,
        _ => format!("{hours}{}{mins}", lang.t(" e ", " ")),
    }
}

/// A stored calendar day (`2026-05-28`) as people read it (`28/05/2026`); anything else as it is.
pub fn day_text(stored: &str) -> String {
    chrono::NaiveDate::parse_from_str(stored.trim(), "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| stored.to_string())
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn durations_in_hours_and_minutes() {
        assert_eq!(duration_text(45, Lang::It), "45 minuti");
        assert_eq!(duration_text(120, Lang::It), "2 ore");
        assert_eq!(duration_text(60, Lang::It), "1 ora");
        assert_eq!(duration_text(90, Lang::It), "1 ora e 30 minuti");
        assert_eq!(duration_text(61, Lang::En), "1 hour 1 minute");
        assert_eq!(duration_text(45, Lang::En), "45 minutes");
    }

    #[test]
    fn stored_days_read_the_italian_way() {
        assert_eq!(day_text("2026-05-28"), "28/05/2026");
        assert_eq!(day_text("presto"), "presto");
    }
}
