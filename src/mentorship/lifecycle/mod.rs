//! Every change to mentorship records: checked (who, from which state), recorded with
//! actor and time in `mentorship_transitions`, and done in one transaction with the mail
//! and scheduled jobs it causes. After each change that frees a request or a mentor's
//! place, an assignment run proposes mentors for the open requests.

use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};

use super::input::{ValidProfile, ValidRequest};
use super::store::{self, Match, Request};
use super::{mail, Actor, MResult, MatchState, Refusal, RequestState};
use crate::accounts::policy::can_see_region;
use crate::accounts::{self, Role, User};
use crate::clock::{local_date, local_midnight_ms, local_time, SharedClock};
use crate::db::Db;
use crate::guides::{Fund, Topics};
use crate::i18n::Lang;
use crate::jobs::{self, JobFuture, JobHandler, JobRow, NewJob};
use crate::matching::{self, Candidate, Experience, ExperienceRole, Ineligible};
use crate::notify::{Outbox, ToUser};

mod answers;
mod assignment;
mod mentorship;
mod profile;
mod requests;
mod review;

const DAY_MS: i64 = 86_400_000;
pub const JOB_EXPIRE: &str = "mentorship.expire";
pub const JOB_RUN: &str = "mentorship.run";

/// The mentorship service: cheap to clone, shared by the web layer and the job worker.
#[derive(Clone)]
pub struct Mentorship {
    pub db: Db,
    outbox: Outbox,
    clock: SharedClock,
    public_url: String,
    topics: Arc<Topics>,
    /// How long a mentor has to answer a proposal.
    pub proposal_ttl_ms: i64,
}

/// What an assignment run did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct RunReport {
    pub open_requests: usize,
    pub mentors: usize,
    pub suggested: usize,
    pub proposed: usize,
}

fn state_error(current: MatchState, wanted: MatchState) -> Refusal {
    use MatchState::*;
    let (it, en): (&str, &str) = match (current, wanted) {
        (Expired, _) => (
            "Questa proposta è scaduta: non si può più rispondere.",
            "This proposal has expired: it can no longer be answered.",
        ),
        (Withdrawn, _) => ("Questa proposta è stata ritirata.", "This proposal has been withdrawn."),
        (Accepted, Accepted) => (
            "Hai già accettato questa proposta: la mentorship è in corso.",
            "You already accepted this proposal: the mentorship is under way.",
        ),
        (Accepted, _) => (
            "La proposta è già stata accettata: la mentorship è in corso.",
            "The proposal was already accepted: the mentorship is under way.",
        ),
        (Declined, _) => ("Questa proposta è già stata rifiutata.", "This proposal was already declined."),
        (Completed, _) => ("La mentorship è già conclusa.", "The mentorship is already completed."),
        (Cancelled, _) => ("La mentorship è stata interrotta.", "The mentorship was stopped."),
        (Discarded, _) => ("Questo suggerimento è stato scartato.", "This suggestion was discarded."),
        (Suggested, _) => (
            "Il suggerimento non è ancora stato approvato dal coordinamento.",
            "The suggestion has not been approved by the coordinators yet.",
        ),
        (Proposed, Completed | Cancelled) => (
            "La mentorship non è ancora in corso: il mentor non ha ancora accettato.",
            "The mentorship is not under way yet: the mentor has not accepted.",
        ),
        (Proposed, _) => {
            ("La proposta è già stata inviata al mentor.", "The proposal has already been sent to the mentor.")
        }
    };
    Refusal::state(it, en)
}

/// A reason given with a decline or withdrawal goes into mail: at most MAX_TEXT_CHARS.
fn optional_reason(reason: Option<&str>) -> MResult<()> {
    if reason.is_some_and(|r| r.chars().count() > super::MAX_TEXT_CHARS) {
        return Err(Refusal::invalid(
            "reason",
            format!("Motivo troppo lungo: al massimo {} caratteri.", super::MAX_TEXT_CHARS),
            format!("Reason too long: at most {} characters.", super::MAX_TEXT_CHARS),
        ));
    }
    Ok(())
}

fn ineligible_error(why: Ineligible) -> Refusal {
    let (it, en) = match why {
        Ineligible::Fund => (
            "Il mentor non ha esperienza con il fondo della richiesta.",
            "The mentor has no experience with the request's fund.",
        ),
        Ineligible::Language => (
            "Il mentor non parla la lingua preferita della richiesta.",
            "The mentor does not speak the request's preferred language.",
        ),
        Ineligible::NoCapacity => ("Il mentor non ha posti liberi.", "The mentor has no free places."),
        Ineligible::Paused => ("Il mentor è in pausa.", "The mentor is on a pause."),
        Ineligible::ConflictOfInterest => (
            "Il mentor lavora per la Regione richiedente (conflitto di interessi).",
            "The mentor works for the requesting Region (conflict of interest).",
        ),
        Ineligible::Excluded => (
            "Il mentor ha già rifiutato questa richiesta o ne è stato ritirato.",
            "The mentor already declined this request or was withdrawn from it.",
        ),
    };
    Refusal::invalid("mentor", it, en)
}

fn reminder_key(id: i64) -> String {
    format!("mentorship.reminder:{id}")
}

fn expire_key(id: i64) -> String {
    format!("{JOB_EXPIRE}:{id}")
}

/// Whether a mentor on this pause is away on `today`.
pub fn paused_on(today: chrono::NaiveDate, from: Option<&str>, until: Option<&str>) -> bool {
    let day = |s: Option<&str>| s.and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    match (day(from), day(until)) {
        (None, None) => false,
        (f, u) => f.is_none_or(|f| f <= today) && u.is_none_or(|u| today <= u),
    }
}

fn can_see_match(user: &User, m: &Match) -> bool {
    match user.role {
        Role::Coordinator | Role::Officer => can_see_region(user, &m.region_code),
        Role::Mentor => m.mentor_id == user.id && m.state.shown_to_mentor(),
    }
}

impl Mentorship {
    pub fn new(
        db: Db,
        outbox: Outbox,
        clock: SharedClock,
        public_url: String,
        topics: Arc<Topics>,
        proposal_days: u32,
    ) -> Mentorship {
        Mentorship { db, outbox, clock, public_url, topics, proposal_ttl_ms: i64::from(proposal_days.max(1)) * DAY_MS }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// The reminder goes two days before expiry (half-way for shorter periods).
    fn reminder_at(&self, proposed_at: i64) -> i64 {
        proposed_at + self.proposal_ttl_ms - (2 * DAY_MS).min(self.proposal_ttl_ms / 2)
    }

    // ----- reading, with visibility -----

    /// The request, if `user` may see it: coordinators all, officers their Region's,
    /// mentors those they have been proposed for. Otherwise "not found".
    pub async fn visible_request(&self, conn: &mut AnyConnection, user: &User, id: i64) -> MResult<Request> {
        let r = store::request(conn, id).await?.ok_or(Refusal::NotFound)?;
        let ok = match user.role {
            Role::Coordinator | Role::Officer => can_see_region(user, &r.region_code),
            Role::Mentor => {
                let f = store::MatchFilter { request: Some(id), mentor: Some(user.id), ..Default::default() };
                store::matches(conn, &f, 50).await?.iter().any(|m| m.state.shown_to_mentor())
            }
        };
        if ok {
            Ok(r)
        } else {
            Err(Refusal::NotFound)
        }
    }

    /// The request, if `user` may change it: the Region's officers and coordinators.
    pub async fn editable_request(&self, conn: &mut AnyConnection, user: &User, id: i64) -> MResult<Request> {
        let r = self.visible_request(conn, user, id).await?;
        if user.role == Role::Mentor {
            return Err(Refusal::forbidden(
                "Solo la Regione e il coordinamento modificano la richiesta.",
                "Only the Region and the coordinators edit the request.",
            ));
        }
        Ok(r)
    }

    /// The match, if `user` may see it: coordinators all, officers their Region's,
    /// a mentor their own once proposed.
    pub async fn visible_match(&self, conn: &mut AnyConnection, user: &User, id: i64) -> MResult<Match> {
        let m = store::get_match(conn, id).await?.ok_or(Refusal::NotFound)?;
        if can_see_match(user, &m) {
            Ok(m)
        } else {
            Err(Refusal::NotFound)
        }
    }

    // ----- shared steps inside a transaction -----

    /// Moves a match to `to` if the lifecycle allows it and nobody moved it meanwhile.
    async fn move_match(
        &self,
        conn: &mut AnyConnection,
        m: &Match,
        to: MatchState,
        actor: Actor<'_>,
        reason: Option<&str>,
        now: i64,
    ) -> MResult<()> {
        if !m.state.can_become(to) {
            return Err(state_error(m.state, to));
        }
        let expires = (to == MatchState::Proposed).then_some(now + self.proposal_ttl_ms);
        if !store::set_match_state(conn, m.id, m.state, to, expires, reason, now).await? {
            let current = store::get_match(conn, m.id).await?.map(|m| m.state).unwrap_or(MatchState::Cancelled);
            return Err(state_error(current, to));
        }
        let states = (Some(m.state.as_str()), to.as_str());
        store::log_transition(conn, m.request_id, Some(m.id), states, actor, reason, now).await?;
        Ok(())
    }

    async fn move_request(
        conn: &mut AnyConnection,
        id: i64,
        from: RequestState,
        to: RequestState,
        actor: Actor<'_>,
        note: Option<&str>,
        now: i64,
    ) -> MResult<bool> {
        if !store::set_request_state(conn, id, from, to, now).await? {
            return Ok(false);
        }
        store::log_transition(conn, id, None, (Some(from.as_str()), to.as_str()), actor, note, now).await?;
        Ok(true)
    }

    async fn insert_match(
        conn: &mut AnyConnection,
        c: &Candidate,
        actor: Actor<'_>,
        note: &str,
        now: i64,
    ) -> MResult<i64> {
        let id = store::insert_match(conn, c, now).await.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Refusal::state(
                "La richiesta ha già un mentor suggerito, proposto o attivo.",
                "The request already has a suggested, proposed or active mentor.",
            ),
            _ => e.into(),
        })?;
        store::log_transition(
            conn,
            c.request,
            Some(id),
            (None, MatchState::Suggested.as_str()),
            actor,
            Some(note),
            now,
        )
        .await?;
        Ok(id)
    }

    async fn email(&self, conn: &mut AnyConnection, now: i64, m: ToUser<'_>) -> MResult<()> {
        Ok(self.outbox.enqueue_to_user(conn, now, m).await?)
    }

    /// Never a second pool connection while a transaction holds one: under load that
    /// waits for a connection held by someone waiting for this transaction's lock.
    async fn user(conn: &mut AnyConnection, id: i64) -> MResult<User> {
        accounts::get_in(conn, id).await?.ok_or(Refusal::NotFound)
    }

    /// Suggested → proposed: the mentor is told, a reminder and the expiry are scheduled.
    async fn propose(
        &self,
        conn: &mut AnyConnection,
        m: &Match,
        actor: Actor<'_>,
        note: Option<&str>,
        now: i64,
    ) -> MResult<()> {
        self.move_match(conn, m, MatchState::Proposed, actor, note, now).await?;
        let m = store::get_match(conn, m.id).await?.ok_or(Refusal::NotFound)?;
        let r = store::request(conn, m.request_id).await?.ok_or(Refusal::NotFound)?;
        let mentor = Self::user(conn, m.mentor_id).await?;
        let content = mail::proposal(mentor.lang, &r, &m, &self.topics, &self.public_url);
        let key = format!("mentorship.proposal:{}", m.id);
        self.email(conn, now, ToUser::new(key, "mentorship.proposal", &mentor, content)).await?;
        let content = mail::reminder(mentor.lang, &r, &m, &self.topics, &self.public_url);
        let at = self.reminder_at(now);
        self.email(conn, now, ToUser::new(reminder_key(m.id), "mentorship.reminder", &mentor, content).at(at)).await?;
        let expires_at = m.expires_at.unwrap_or(now + self.proposal_ttl_ms);
        let key = expire_key(m.id);
        let job =
            NewJob { key: &key, kind: JOB_EXPIRE, payload: serde_json::json!({ "match": m.id }), run_at: expires_at };
        jobs::schedule(conn, now, &job).await?;
        Ok(())
    }

    /// The proposal is answered or gone: no reminder, no expiry.
    async fn settle_proposal(&self, conn: &mut AnyConnection, id: i64, now: i64) -> MResult<()> {
        self.outbox.cancel(conn, now, &reminder_key(id)).await?;
        jobs::cancel(conn, now, &expire_key(id)).await?;
        Ok(())
    }

    /// Takes a live suggestion or proposal off a request (proposal: the mentor is told).
    async fn take_off(
        &self,
        conn: &mut AnyConnection,
        m: &Match,
        actor: Actor<'_>,
        reason: Option<&str>,
        now: i64,
    ) -> MResult<()> {
        match m.state {
            MatchState::Suggested => self.move_match(conn, m, MatchState::Discarded, actor, reason, now).await,
            MatchState::Proposed => {
                self.move_match(conn, m, MatchState::Withdrawn, actor, reason, now).await?;
                self.settle_proposal(conn, m.id, now).await?;
                let r = store::request(conn, m.request_id).await?.ok_or(Refusal::NotFound)?;
                let mentor = Self::user(conn, m.mentor_id).await?;
                let content = mail::withdrawn(mentor.lang, &r, reason);
                let key = format!("mentorship.withdrawn:{}", m.id);
                self.email(conn, now, ToUser::new(key, "mentorship.withdrawn", &mentor, content)).await
            }
            other => Err(state_error(other, MatchState::Withdrawn)),
        }
    }

    async fn live_match(conn: &mut AnyConnection, request_id: i64) -> MResult<Option<Match>> {
        let f = store::MatchFilter {
            request: Some(request_id),
            states: vec![MatchState::Suggested, MatchState::Proposed, MatchState::Accepted],
            ..Default::default()
        };
        Ok(store::matches(conn, &f, 1).await?.pop())
    }

    async fn commit(&self, tx: Transaction<'static, Any>) -> MResult<()> {
        tx.commit().await?;
        self.outbox.wake();
        Ok(())
    }

    /// Runs the assignment after a change; a failure is retried by a job rather than
    /// failing the change that was already saved.
    pub async fn rerun(&self) {
        if let Err(e) = self.run().await {
            tracing::warn!(error = %e, "assignment run failed; retrying shortly");
            let now = self.now();
            let key = format!("{JOB_RUN}:retry:{now}");
            let job = NewJob { key: &key, kind: JOB_RUN, payload: serde_json::json!({}), run_at: now + 5_000 };
            if let Ok(mut conn) = self.db.pool().acquire().await {
                let _ = jobs::schedule(&mut conn, now, &job).await;
            }
        }
    }

    /// A live suggestion or proposal scored again against the request and the mentor as they
    /// are now; `None` when a hard rule no longer holds (the fund or language changed, the mentor
    /// paused, is full or left).
    async fn still_fits(&self, conn: &mut AnyConnection, m: &Match, now: i64) -> MResult<Option<Candidate>> {
        let (requests, mentors) = self.engine_input(conn, Some(m.request_id), local_date(now)).await?;
        let (Some(req), Some(mentor)) = (requests.first(), mentors.iter().find(|x| x.id == m.mentor_id)) else {
            return Ok(None);
        };
        // This very match is one of the mentor's pending places.
        let mentor = matching::Mentor { pending: mentor.pending.saturating_sub(1), ..mentor.clone() };
        Ok(matching::score(req, &mentor))
    }

    /// Re-examines the live suggestion or proposal of a request: a new score and explanation if
    /// the mentor still fits, taken off (the mentor is told of a proposal) if not.
    async fn recheck(&self, conn: &mut AnyConnection, m: &Match, actor: Actor<'_>, now: i64) -> MResult<bool> {
        match self.still_fits(conn, m, now).await? {
            Some(c) => {
                store::rescore_match(conn, m.id, &c, now).await?;
                Ok(true)
            }
            None => {
                let why = "il mentor non risponde più ai requisiti della richiesta";
                self.take_off(conn, m, actor, Some(why), now).await?;
                Ok(false)
            }
        }
    }
}

/// The mentorship's scheduled work: proposal expiry and assignment runs.
pub struct MentorshipJob {
    pub kind: &'static str,
    pub mentorship: Mentorship,
}

impl JobHandler for MentorshipJob {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, _db: &'a Db, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            if self.kind == JOB_EXPIRE {
                let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
                let id = payload["match"].as_i64().ok_or_else(|| anyhow::anyhow!("payload without match id"))?;
                self.mentorship.expire(id).await.map_err(|e| anyhow::anyhow!("{}", e.message(Lang::En)))?;
            } else {
                self.mentorship.run().await.map_err(|e| anyhow::anyhow!("{}", e.message(Lang::En)))?;
            }
            Ok(())
        })
    }
}
