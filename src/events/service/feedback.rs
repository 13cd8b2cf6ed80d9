//! Attendees' word on a completed event: how useful it was (1-5) and an optional comment,
//! one answer per person, which they can change until 14 days after the event.

use serde::Serialize;

use super::Events;
use crate::accounts::User;
use crate::events::store::{self, Event};
use crate::events::{EResult, EventState};
use crate::refusal::{Checks, Refusal};

/// For how long after its end an event takes answers.
pub const FEEDBACK_DAYS: i64 = 14;
/// Longest comment kept.
pub const COMMENT_MAX: usize = 2_000;

/// One person's answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventFeedback {
    pub event_id: i64,
    /// 1 (not useful) to 5 (very useful).
    pub useful: i64,
    pub comment: String,
    pub updated_at: i64,
}

/// Whether a person may answer for an event now, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackWindow {
    /// Open until this instant (ms).
    Open(i64),
    /// The event is not completed, the person did not attend, or the time is over.
    Closed,
}

impl Event {
    /// The last instant an answer on this event is taken.
    pub fn feedback_until(&self) -> i64 {
        self.ends_at + FEEDBACK_DAYS * 86_400_000
    }
}

impl Events {
    /// Whether `user` may answer the survey of event `id` now: the event is completed,
    /// they were marked present, and the 14 days after the event have not passed.
    pub async fn feedback_window(&self, user: &User, id: i64) -> EResult<FeedbackWindow> {
        let mut conn = self.db.pool().acquire().await?;
        let e = store::event(&mut conn, id).await?.ok_or(Refusal::NotFound)?;
        let attended = attended(&mut conn, id, user.id).await?;
        let open = e.state == EventState::Completed && attended && self.now() <= e.feedback_until();
        Ok(if open { FeedbackWindow::Open(e.feedback_until()) } else { FeedbackWindow::Closed })
    }

    /// The answer `user` gave on event `id`, if any.
    pub async fn feedback_of(&self, user: &User, id: i64) -> EResult<Option<EventFeedback>> {
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT useful, comment, updated_at FROM event_feedback WHERE event_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user.id)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.map(|(useful, comment, updated_at)| EventFeedback { event_id: id, useful, comment, updated_at }))
    }

    /// Records (or changes) `user`'s answer on event `id`.
    pub async fn give_feedback(&self, user: &User, id: i64, useful: i64, comment: &str) -> EResult<EventFeedback> {
        let comment = comment.trim();
        let mut checks = Checks::default();
        if !(1..=5).contains(&useful) {
            checks.fail(Refusal::invalid(
                "useful",
                "Indica quanto è stato utile l'evento, da 1 a 5.",
                "Say how useful the event was, from 1 to 5.",
            ));
        }
        if comment.chars().count() > COMMENT_MAX {
            checks.fail(Refusal::invalid(
                "comment",
                format!("Il commento può avere al massimo {COMMENT_MAX} caratteri."),
                format!("The comment can be at most {COMMENT_MAX} characters long."),
            ));
        }
        checks.done()?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, id).await?;
        if e.state != EventState::Completed {
            return Err(Refusal::state(
                "Si risponde al questionario quando l'evento è concluso.",
                "The survey opens once the event is completed.",
            ));
        }
        if !attended(&mut tx, id, user.id).await? {
            return Err(Refusal::forbidden(
                "Al questionario rispondono le persone registrate come presenti all'evento.",
                "The survey is for the people recorded as present at the event.",
            ));
        }
        if now > e.feedback_until() {
            return Err(Refusal::state(
                format!("Il questionario si è chiuso {FEEDBACK_DAYS} giorni dopo l'evento."),
                format!("The survey closed {FEEDBACK_DAYS} days after the event."),
            ));
        }
        sqlx::query(
            "INSERT INTO event_feedback (event_id, user_id, useful, comment, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (event_id, user_id) DO UPDATE SET useful = $3, comment = $4, updated_at = $5",
        )
        .bind(id)
        .bind(user.id)
        .bind(useful)
        .bind(comment)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(EventFeedback { event_id: id, useful, comment: comment.to_string(), updated_at: now })
    }
}

/// Whether the person was recorded as present at the event.
async fn attended(conn: &mut sqlx::AnyConnection, event: i64, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND user_id = $2 AND state = 'confirmed' AND attended = 1",
    )
    .bind(event)
    .bind(user)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
