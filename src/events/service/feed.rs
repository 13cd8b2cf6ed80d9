//! The personal calendar feed: a secret address per person that calendar programs poll for
//! the events they registered for.

use super::Events;
use crate::accounts::{self, User};
use crate::events::ical;
use crate::events::store;
use crate::events::{mail, EResult, EventState};
use crate::refusal::Refusal;

impl Events {
    /// The calendar entry of `user`'s seat at event `id` ("add to calendar"), with the UID
    /// the event's mail carries, so a calendar keeps one entry whichever way it came.
    pub async fn calendar_entry(&self, user: &User, id: i64) -> EResult<crate::notify::Attachment> {
        let mut tx = self.db.begin_write().await?;
        let e = store::event(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
        let seat = store::live_registration(&mut tx, id, user.id).await?;
        if e.state == EventState::Cancelled || !seat.is_some_and(|r| r.state == crate::events::RegState::Confirmed) {
            return Err(Refusal::NotFound);
        }
        let uid = self.uid(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(self.invite(&e, &uid, user, ical::Method::Request))
    }

    /// A new secret feed address for the user (the previous one stops working).
    pub async fn new_feed(&self, user: &User) -> EResult<String> {
        let secret = accounts::session::random_secret();
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        )
        .bind(user.id)
        .bind(accounts::session::hash(&secret))
        .bind(self.now())
        .execute(self.db.pool())
        .await?;
        Ok(secret)
    }

    pub async fn revoke_feed(&self, user: &User) -> EResult<bool> {
        let r =
            sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user.id).execute(self.db.pool()).await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn has_feed(&self, user: &User) -> EResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(self.db.pool())
            .await?;
        Ok(n > 0)
    }

    /// The feed behind a secret: the owner's registered events (confirmed, and cancelled events they were in).
    pub async fn feed(&self, secret: &str) -> EResult<String> {
        let mut conn = self.db.pool().acquire().await?;
        let user: Option<i64> = sqlx::query_scalar(
            "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1 AND u.active = 1 AND u.erased = 0",
        )
        .bind(accounts::session::hash(secret))
        .fetch_optional(&mut *conn)
        .await?;
        let user = user.ok_or(Refusal::NotFound)?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT r.event_id FROM registrations r WHERE r.user_id = $1 AND r.state = 'confirmed'",
        )
        .bind(user)
        .fetch_all(&mut *conn)
        .await?;
        let mut events = Vec::new();
        for id in ids {
            if let Some(e) = store::event(&mut conn, id).await? {
                events.push(e);
            }
        }
        events.sort_by_key(|e| e.starts_at);
        let mut uids = Vec::with_capacity(events.len());
        for e in &events {
            uids.push(self.uid(&mut conn, e).await?);
        }
        let locations: Vec<Option<String>> = events.iter().map(|e| e.location()).collect();
        let urls: Vec<String> = events.iter().map(|e| mail::event_url(&self.public_url, e.id)).collect();
        let items: Vec<ical::FeedEvent> = events
            .iter()
            .enumerate()
            .map(|(i, e)| ical::FeedEvent {
                uid: &uids[i],
                sequence: e.sequence,
                summary: &e.title,
                description: &e.description,
                location: locations[i].as_deref(),
                url: Some(&urls[i]),
                start_ms: e.starts_at,
                end_ms: e.ends_at,
                cancelled: e.state == EventState::Cancelled,
            })
            .collect();
        Ok(ical::feed("fondilab — WP5", &items, self.now()))
    }
}
