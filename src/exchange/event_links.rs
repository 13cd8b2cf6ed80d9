//! A forum's links to the exchange: questions between Regions and practices of the Regions
//! that a coordinator attaches to a forum event, shown on its page and sent to attendees with
//! the materials. Only what every signed-in person may open is linked and shown: visible
//! questions and published practices.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::Exchange;
use crate::accounts::User;
use crate::refusal::{self, Refusal};

/// A question or a practice linked to an event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, FromRow)]
#[schema(as = ExchangeLink)]
pub struct Linked {
    /// question or practice.
    pub item: String,
    pub id: i64,
    pub title: String,
}

impl Linked {
    /// Its page on the site.
    pub fn path(&self) -> String {
        match self.item.as_str() {
            "question" => format!("/scambio/domande/{}", self.id),
            _ => format!("/scambio/esperienze/{}", self.id),
        }
    }
}

/// The event's links that may be opened now, in the order they were given.
pub async fn linked(conn: &mut AnyConnection, event: i64) -> Result<Vec<Linked>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.item, l.item_id AS id, COALESCE(q.title, v.title) AS title FROM event_exchange_links l \
         LEFT JOIN exchange_questions q ON l.item = 'question' AND q.id = l.item_id AND q.state = 'visible' \
         LEFT JOIN exchange_practices p ON l.item = 'practice' AND p.id = l.item_id AND p.hidden_reason IS NULL \
         LEFT JOIN exchange_practice_versions v ON v.id = p.published_version_id \
         WHERE l.event_id = $1 AND (q.id IS NOT NULL OR v.id IS NOT NULL) ORDER BY l.position",
    )
    .bind(event)
    .fetch_all(conn)
    .await
}

impl Exchange {
    /// Replaces a forum's links (coordinators): visible questions and published practices.
    pub async fn link_event(
        &self,
        coordinator: &User,
        event: i64,
        questions: &[i64],
        practices: &[i64],
    ) -> Result<Vec<Linked>, Refusal> {
        refusal::at_most("questions", questions)?;
        refusal::at_most("practices", practices)?;
        let mut tx = self.db.begin_write().await?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM events WHERE id = $1").bind(event).fetch_optional(&mut *tx).await?;
        match kind.as_deref() {
            None => return Err(Refusal::NotFound),
            Some("forum") => {}
            Some(_) => {
                return Err(Refusal::state(
                    "Si collegano domande ed esperienze ai forum di scambio (attività 5.4).",
                    "Questions and practices are linked to exchange forums (task 5.4).",
                ))
            }
        }
        sqlx::query("DELETE FROM event_exchange_links WHERE event_id = $1").bind(event).execute(&mut *tx).await?;
        let mut position = 0;
        for (item, field, ids) in [("question", "questions", questions), ("practice", "practices", practices)] {
            for &id in ids {
                let open = match item {
                    "question" => self.question(coordinator, id).await.map(|q| q.state == "visible").unwrap_or(false),
                    _ => self.practice(coordinator, id).await.map(|p| p.status == "published").unwrap_or(false),
                };
                if !open {
                    return Err(Refusal::invalid(
                        field,
                        format!("N. {id}: si collegano solo domande visibili ed esperienze pubblicate."),
                        format!("No. {id}: only visible questions and published practices can be linked."),
                    ));
                }
                position += 1;
                sqlx::query(
                    "INSERT INTO event_exchange_links (event_id, item, item_id, position) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (event_id, item, item_id) DO NOTHING",
                )
                .bind(event)
                .bind(item)
                .bind(id)
                .bind(position)
                .execute(&mut *tx)
                .await?;
            }
        }
        let out = linked(&mut tx, event).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn event_links(&self, event: i64) -> Result<Vec<Linked>, Refusal> {
        Ok(linked(&mut *self.db.pool().acquire().await?, event).await?)
    }
}
