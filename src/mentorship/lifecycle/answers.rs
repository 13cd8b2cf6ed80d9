//! The mentor's answer to a proposal: accepting or declining, and proposals that expire.

use super::*;

impl Mentorship {
    /// A proposal only its mentor answers; others who can see it are told so.
    pub(super) fn own_proposal(user: &User, m: Option<Match>) -> MResult<Match> {
        let m = m.filter(|m| can_see_match(user, m)).ok_or(Refusal::NotFound)?;
        if m.mentor_id != user.id {
            return Err(Refusal::forbidden(
                "Solo il mentor a cui è proposta può rispondere.",
                "Only the mentor it was proposed to can answer.",
            ));
        }
        Ok(m)
    }

    /// Accepting is checked against the mentor's capacity in the same transaction: the
    /// mentor's profile row is locked, so simultaneous accepts are decided one by one.
    pub async fn accept(&self, mentor: &User, id: i64) -> MResult<()> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let capacity = store::lock_capacity(&self.db, &mut tx, mentor.id).await?;
        let m = Self::own_proposal(mentor, store::get_match(&mut tx, id).await?)?;
        let capacity = capacity.ok_or(Refusal::NotFound)?;
        store::lock_request(&self.db, &mut tx, m.request_id).await?;
        if m.state != MatchState::Proposed {
            return Err(state_error(m.state, MatchState::Accepted));
        }
        if m.expires_at.is_some_and(|e| e <= now) {
            return Err(state_error(MatchState::Expired, MatchState::Accepted));
        }
        let active = store::active_count(&mut tx, mentor.id).await?;
        if active >= capacity {
            return Err(Refusal::state(
                format!(
                    "Non puoi accettare: hai già {active} mentorship attive e la tua capacità è {capacity}. \
                     Concludine una o aumenta la capacità nel profilo, poi riprova."
                ),
                format!(
                    "You cannot accept: you already have {active} active mentorships and your capacity is {capacity}. \
                     Complete one or raise your capacity in your profile, then try again."
                ),
            ));
        }
        self.move_match(&mut tx, &m, MatchState::Accepted, Actor::User(mentor), None, now).await?;
        Self::move_request(
            &mut tx,
            m.request_id,
            RequestState::Open,
            RequestState::Matched,
            Actor::User(mentor),
            None,
            now,
        )
        .await?;
        self.settle_proposal(&mut tx, id, now).await?;
        let r = store::request(&mut tx, m.request_id).await?.ok_or(Refusal::NotFound)?;
        let officer = Self::user(&mut tx, r.officer_id).await?;
        let mentor_contact = store::contact(&mut tx, mentor.id).await?;
        let officer_contact = store::contact(&mut tx, officer.id).await?;
        if let Some(c) = mentor_contact {
            let content = mail::accepted_to_officer(officer.lang, &r, &m, &c, &self.public_url);
            let key = format!("mentorship.accepted.officer:{id}");
            self.email(&mut tx, now, ToUser::new(key, "mentorship.accepted", &officer, content)).await?;
        }
        if let Some(c) = officer_contact {
            let content = mail::accepted_to_mentor(mentor.lang, &r, &m, &c, &self.public_url);
            let key = format!("mentorship.accepted.mentor:{id}");
            self.email(&mut tx, now, ToUser::new(key, "mentorship.accepted", mentor, content)).await?;
        }
        self.commit(tx).await
    }

    pub async fn decline(&self, mentor: &User, id: i64, reason: &str) -> MResult<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::invalid(
                "reason",
                "Scrivi in breve il motivo del rifiuto: aiuta il coordinamento a proporre meglio.",
                "Briefly give the reason: it helps the coordinators propose better.",
            ));
        }
        optional_reason(Some(reason))?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let m = Self::own_proposal(mentor, store::get_match(&mut tx, id).await?)?;
        if m.state == MatchState::Proposed && m.expires_at.is_some_and(|e| e <= now) {
            return Err(state_error(MatchState::Expired, MatchState::Declined));
        }
        self.move_match(&mut tx, &m, MatchState::Declined, Actor::User(mentor), Some(reason), now).await?;
        self.settle_proposal(&mut tx, id, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    /// A proposal left unanswered past its time expires (run by the expiry job; safe to
    /// run twice). Returns whether it expired now.
    pub async fn expire(&self, id: i64) -> MResult<bool> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let Some(m) = store::get_match(&mut tx, id).await? else { return Ok(false) };
        if m.state != MatchState::Proposed || m.expires_at.is_none_or(|e| e > now) {
            return Ok(false);
        }
        self.move_match(
            &mut tx,
            &m,
            MatchState::Expired,
            Actor::System,
            Some("nessuna risposta entro il termine"),
            now,
        )
        .await?;
        self.settle_proposal(&mut tx, id, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(true)
    }
}
