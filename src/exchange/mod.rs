//! Exchange between Regions (WP5 Task 5.4): what one Region learned stays findable for the
//! next. Questions between Regions: any signed-in person asks, officers, mentors and
//! coordinators answer, the asker or a coordinator accepts the answer that solved it;
//! coordinators hide what does not belong (the author reads why), anyone reports it.
//! Practices: an officer describes what their Region did, with attachments; a coordinator
//! reviews every version before signed-in users see it.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::db::Db;
use crate::notify::Outbox;
use crate::refusal::{Checks, Refusal};

pub mod event_links;
pub mod files;
pub mod follows;
pub mod index;
pub mod markdown;
pub mod practices;
pub mod questions;

pub use follows::{Follow, MailKind, MailSettings, Target};
pub use practices::{Attachment, Practice, PracticeFilter, PracticeInput, Summary, Version};
pub use questions::{Answer, Item, Question, QuestionFilter, QuestionInput, Report};

/// Longest title of a question.
pub const TITLE_MAX: usize = 200;
/// Longest text of a question or an answer.
pub const TEXT_MAX: usize = 20_000;
/// Longest reason of a report or of hiding.
pub const REASON_MAX: usize = 500;
/// Questions one person may ask in 24 hours.
pub const QUESTIONS_PER_DAY: i64 = 20;
/// For how long after writing a question or an answer its author may edit it.
pub const EDIT_WINDOW_MS: i64 = 24 * 3_600_000;

/// Checked text: trimmed, within `max` characters, present when `required`; a wrong one is
/// recorded in `checks`, so a form reports it with its other wrong fields.
pub(crate) fn text(
    checks: &mut Checks,
    field: &'static str,
    value: &str,
    max: usize,
    required: Option<(&str, &str)>,
) -> String {
    let t = value.trim();
    if t.is_empty() {
        if let Some((it, en)) = required {
            checks.fail(Refusal::invalid(field, it, en));
        }
        return String::new();
    }
    let n = t.chars().count();
    if n > max {
        checks.fail(Refusal::invalid(
            field,
            format!("Al massimo {max} caratteri (ne hai scritti {n})."),
            format!("At most {max} characters ({n} written)."),
        ));
    }
    t.to_string()
}

#[derive(Clone)]
pub struct Exchange {
    pub db: Db,
    clock: SharedClock,
    outbox: Outbox,
    /// The service's address, for links in mail.
    public_url: String,
    /// This instance's search index of the Regions' content.
    pub index: Arc<index::ExchangeIndex>,
}

impl Exchange {
    pub fn new(
        db: Db,
        clock: SharedClock,
        outbox: Outbox,
        public_url: String,
        index: Arc<index::ExchangeIndex>,
    ) -> Exchange {
        Exchange { db, clock, outbox, public_url, index }
    }

    /// Applies the recorded changes to this instance's index every `every`, until `stop`.
    pub async fn follow_changes(self, every: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.index.catch_up(&self).await {
                tracing::warn!(error = format!("{e:#}"), "exchange index: changes not applied yet");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
