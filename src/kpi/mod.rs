//! WP5 figures counted from what the service records: events delivered per task against
//! the partnership's targets, participation, mentorship, the guide corpus, searches that
//! found nothing, and monthly series. Targets and deadlines are configuration.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::clock::local_midnight_ms;
use crate::events::Kind;

pub mod digest;
mod report;

pub use digest::{todo, Todo};
pub use report::*;

/// One WP5 task's target.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaskTarget {
    /// "5.1" … "5.4".
    pub task: String,
    /// The event kind that delivers it.
    pub kind: String,
    pub target: i64,
    #[serde(deserialize_with = "toml_date")]
    pub deadline: NaiveDate,
}

/// A date as TOML writes it (`2025-12-31`) or as text (`"2025-12-31"`).
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    let text = match toml::Value::deserialize(d)? {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s,
        other => return Err(D::Error::custom(format!("deadline {other}: write a date such as 2025-12-31"))),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| D::Error::custom(format!("deadline \"{text}\": write a date such as 2025-12-31")))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Targets {
    #[serde(rename = "task")]
    pub tasks: Vec<TaskTarget>,
}

impl Default for Targets {
    /// The partnership's plan: six of each by the end of 2025.
    fn default() -> Targets {
        let deadline = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
        Targets {
            tasks: Kind::ALL
                .iter()
                .map(|k| TaskTarget { task: k.task().into(), kind: k.as_str().into(), target: 6, deadline })
                .collect(),
        }
    }
}

impl Targets {
    /// Reads a TOML file of `[[task]]` tables (task, kind, target, deadline), checked.
    pub fn load(path: &Path) -> anyhow::Result<Targets> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let t: Targets = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        for task in &t.tasks {
            anyhow::ensure!(
                Kind::parse(&task.kind).is_some(),
                "{}: unknown kind \"{}\" for task {}",
                path.display(),
                task.kind,
                task.task
            );
            anyhow::ensure!(task.target >= 0, "{}: negative target for task {}", path.display(), task.task);
        }
        Ok(t)
    }
}

/// Whose figures, over which period (dates are Italian calendar days, inclusive).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Scope {
    pub region: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub task: Option<String>,
}

impl Scope {
    fn start_ms(&self) -> i64 {
        self.from.map(local_midnight_ms).unwrap_or(i64::MIN / 2)
    }

    fn end_ms(&self) -> i64 {
        self.to.and_then(|d| d.succ_opt()).map(local_midnight_ms).unwrap_or(i64::MAX / 2)
    }
}
