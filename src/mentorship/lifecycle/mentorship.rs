//! A mentorship under way: meetings, contact, feedback and closing.

use super::*;

impl Mentorship {
    /// Which side of a mentorship `user` is on, if any.
    pub(super) fn side(user: &User, m: &Match) -> Option<&'static str> {
        match user.role {
            Role::Mentor if m.mentor_id == user.id => Some("mentor"),
            Role::Officer if can_see_region(user, &m.region_code) => Some("officer"),
            _ => None,
        }
    }

    pub async fn log_meeting(&self, user: &User, id: i64, held_on: &str, topic: &str, notes: &str) -> MResult<i64> {
        let now = self.now();
        // Every field is checked, so the form shows all its wrong fields at once.
        let mut c = crate::refusal::Checks::default();
        let day = c.take(crate::mentorship::input::date(Some(held_on), "held_on")).and_then(|d| {
            if d.is_none() {
                c.fail(Refusal::invalid("held_on", "Indica la data dell'incontro.", "Enter the meeting's date."));
            }
            d
        });
        if day.is_some_and(|d| d > local_date(now)) {
            c.fail(Refusal::invalid(
                "held_on",
                "La data è nel futuro: qui si registrano gli incontri già svolti.",
                "The date is in the future: log meetings that have taken place.",
            ));
        }
        let topic = topic.trim();
        if topic.is_empty() || topic.chars().count() > 200 {
            c.fail(Refusal::invalid(
                "topic",
                "Indica l'argomento dell'incontro (al massimo 200 caratteri).",
                "Enter the meeting's topic (at most 200 characters).",
            ));
        }
        if notes.chars().count() > crate::mentorship::MAX_TEXT_CHARS {
            c.fail(Refusal::invalid("notes", "Note troppo lunghe.", "Notes too long."));
        }
        c.done()?;
        let Some(day) = day else {
            return Err(Refusal::invalid("held_on", "Indica la data dell'incontro.", "Enter the meeting's date."));
        };
        let mut tx = self.db.begin_write().await?;
        let m = self.visible_match(&mut tx, user, id).await?;
        if Self::side(user, &m).is_none() {
            return Err(Refusal::forbidden(
                "Gli incontri li registrano il mentor e la Regione.",
                "Meetings are logged by the mentor and the Region.",
            ));
        }
        if m.state != MatchState::Accepted {
            return Err(Refusal::state(
                "Gli incontri si registrano solo durante una mentorship in corso.",
                "Meetings are logged only while the mentorship is under way.",
            ));
        }
        let meeting = store::insert_meeting(&mut tx, id, user.id, day, topic, notes.trim(), now).await?;
        self.commit(tx).await?;
        Ok(meeting)
    }

    /// Closes an active mentorship as completed, with the feedback of the side that closes
    /// it; the other side adds theirs afterwards with the same call.
    pub async fn complete(&self, user: &User, id: i64, useful: Option<i64>, comment: &str) -> MResult<()> {
        let now = self.now();
        if comment.chars().count() > crate::mentorship::MAX_TEXT_CHARS {
            return Err(Refusal::invalid("comment", "Commento troppo lungo.", "Comment too long."));
        }
        let mut tx = self.db.begin_write().await?;
        let m = self.visible_match(&mut tx, user, id).await?;
        let side = Self::side(user, &m);
        if side.is_some() {
            match useful {
                Some(1..=5) => {}
                _ => {
                    return Err(Refusal::invalid(
                        "useful",
                        "Indica quanto è stata utile la mentorship, da 1 (poco) a 5 (molto).",
                        "Rate how useful the mentorship was, from 1 (little) to 5 (very).",
                    ))
                }
            }
        }
        match (m.state, side) {
            (MatchState::Accepted, _) => {
                self.move_match(&mut tx, &m, MatchState::Completed, Actor::User(user), None, now).await?;
                Self::move_request(
                    &mut tx,
                    m.request_id,
                    RequestState::Matched,
                    RequestState::Closed,
                    Actor::User(user),
                    None,
                    now,
                )
                .await?;
            }
            (MatchState::Completed, Some(_)) => {}
            (MatchState::Completed, None) => return Err(state_error(MatchState::Completed, MatchState::Completed)),
            (other, _) => return Err(state_error(other, MatchState::Completed)),
        }
        if let (Some(side), Some(useful)) = (side, useful) {
            if !store::insert_feedback(&mut tx, id, side, user.id, useful, comment.trim(), now).await? {
                return Err(Refusal::state(
                    "La valutazione per la tua parte è già stata data.",
                    "The feedback for your side has already been given.",
                ));
            }
        }
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    pub async fn cancel(&self, user: &User, id: i64, reason: &str) -> MResult<()> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > crate::mentorship::MAX_TEXT_CHARS {
            return Err(Refusal::invalid(
                "reason",
                "Scrivi in breve perché la mentorship si interrompe.",
                "Briefly say why the mentorship stops.",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let m = self.visible_match(&mut tx, user, id).await?;
        if user.role != Role::Coordinator && Self::side(user, &m).is_none() {
            return Err(Refusal::forbidden(
                "Non fai parte di questa mentorship.",
                "You are not part of this mentorship.",
            ));
        }
        self.move_match(&mut tx, &m, MatchState::Cancelled, Actor::User(user), Some(reason), now).await?;
        Self::move_request(
            &mut tx,
            m.request_id,
            RequestState::Matched,
            RequestState::Closed,
            Actor::User(user),
            Some(reason),
            now,
        )
        .await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    /// When the proposal expires, as people read it.
    pub fn expiry_text(m: &Match) -> String {
        m.expires_at.map(local_time).unwrap_or_default()
    }
}
