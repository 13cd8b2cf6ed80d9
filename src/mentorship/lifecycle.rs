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
#[derive(Debug, Clone, Default, serde::Serialize)]
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
            "Hai già accettato questa proposta: la mentorship è attiva.",
            "You already accepted this proposal: the mentorship is active.",
        ),
        (Accepted, _) => (
            "La proposta è già stata accettata: la mentorship è attiva.",
            "The proposal was already accepted: the mentorship is active.",
        ),
        (Declined, _) => ("Questa proposta è già stata rifiutata.", "This proposal was already declined."),
        (Completed, _) => ("La mentorship è già conclusa.", "The mentorship is already completed."),
        (Cancelled, _) => ("La mentorship è stata annullata.", "The mentorship was cancelled."),
        (Discarded, _) => ("Questo suggerimento è stato scartato.", "This suggestion was discarded."),
        (Suggested, _) => (
            "Il suggerimento non è ancora stato approvato dal coordinamento.",
            "The suggestion has not been approved by the coordinators yet.",
        ),
        (Proposed, Completed | Cancelled) => (
            "La mentorship non è ancora attiva: il mentor non ha ancora accettato.",
            "The mentorship is not active yet: the mentor has not accepted.",
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

    async fn log(
        conn: &mut AnyConnection,
        request_id: i64,
        match_id: Option<i64>,
        (from, to): (Option<&str>, &str),
        actor: Actor<'_>,
        note: Option<&str>,
        now: i64,
    ) -> MResult<()> {
        sqlx::query(
            "INSERT INTO mentorship_transitions (request_id, match_id, from_state, to_state, actor_id, note, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(request_id)
        .bind(match_id)
        .bind(from)
        .bind(to)
        .bind(actor.id())
        .bind(note)
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }

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
        let stamp = match to {
            MatchState::Proposed => "proposed_at = $1, expires_at = $5",
            MatchState::Accepted | MatchState::Declined => "answered_at = $1, expires_at = COALESCE($5, expires_at)",
            _ => "closed_at = $1, expires_at = COALESCE($5, expires_at)",
        };
        let expires = (to == MatchState::Proposed).then_some(now + self.proposal_ttl_ms);
        let done = sqlx::query(&format!(
            "UPDATE mentorship_matches SET state = $2, {stamp}, reason = COALESCE($6, reason), updated_at = $1 \
             WHERE id = $3 AND state = $4"
        ))
        .bind(now)
        .bind(to.as_str())
        .bind(m.id)
        .bind(m.state.as_str())
        .bind(expires)
        .bind(reason)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            let current = store::get_match(conn, m.id).await?.map(|m| m.state).unwrap_or(MatchState::Cancelled);
            return Err(state_error(current, to));
        }
        Self::log(conn, m.request_id, Some(m.id), (Some(m.state.as_str()), to.as_str()), actor, reason, now).await
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
        let done =
            sqlx::query("UPDATE mentorship_requests SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
                .bind(to.as_str())
                .bind(now)
                .bind(id)
                .bind(from.as_str())
                .execute(&mut *conn)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::log(conn, id, None, (Some(from.as_str()), to.as_str()), actor, note, now).await?;
        Ok(true)
    }

    async fn insert_match(
        conn: &mut AnyConnection,
        c: &Candidate,
        actor: Actor<'_>,
        note: &str,
        now: i64,
    ) -> MResult<i64> {
        let parts = serde_json::to_string(&c.parts).unwrap_or_else(|_| "[]".into());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, updated_at) \
             VALUES ($1, $2, 'suggested', $3, $4, $5, $5) RETURNING id",
        )
        .bind(c.request)
        .bind(c.mentor)
        .bind(c.score)
        .bind(parts)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Refusal::state(
                "La richiesta ha già un mentor suggerito, proposto o attivo.",
                "The request already has a suggested, proposed or active mentor.",
            ),
            _ => e.into(),
        })?;
        Self::log(conn, c.request, Some(id), (None, MatchState::Suggested.as_str()), actor, Some(note), now).await?;
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
                let parts = serde_json::to_string(&c.parts).unwrap_or_else(|_| "[]".into());
                sqlx::query("UPDATE mentorship_matches SET score = $1, parts = $2, updated_at = $3 WHERE id = $4")
                    .bind(c.score)
                    .bind(parts)
                    .bind(now)
                    .bind(m.id)
                    .execute(&mut *conn)
                    .await?;
                Ok(true)
            }
            None => {
                let why = "il mentor non risponde più ai requisiti della richiesta";
                self.take_off(conn, m, actor, Some(why), now).await?;
                Ok(false)
            }
        }
    }

    // ----- the engine's input -----

    async fn engine_input(
        &self,
        conn: &mut AnyConnection,
        only_request: Option<i64>,
        today: chrono::NaiveDate,
    ) -> MResult<(Vec<matching::Request>, Vec<matching::Mentor>)> {
        let sql = match only_request {
            Some(_) => {
                "SELECT r.id, r.region_code, g.category, r.fund, r.topics, r.language FROM mentorship_requests r \
                        JOIN regions g ON g.code = r.region_code WHERE r.id = $1"
                    .to_string()
            }
            // Requests of people who have left the service are not matched.
            None => "SELECT r.id, r.region_code, g.category, r.fund, r.topics, r.language FROM mentorship_requests r \
                     JOIN regions g ON g.code = r.region_code JOIN users u ON u.id = r.officer_id \
                     WHERE r.state = 'open' AND u.active = 1 AND u.erased = 0 AND r.id > $1 AND NOT EXISTS \
                     (SELECT 1 FROM mentorship_matches m WHERE m.request_id = r.id \
                      AND m.state IN ('suggested', 'proposed', 'accepted')) ORDER BY r.id"
                .to_string(),
        };
        let rows: Vec<(i64, String, String, String, String, String)> =
            sqlx::query_as(&sql).bind(only_request.unwrap_or(0)).fetch_all(&mut *conn).await?;
        let excluded: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT m.request_id, m.mentor_id FROM mentorship_matches m JOIN mentorship_requests r ON r.id = m.request_id \
             WHERE r.state = 'open' AND m.state IN ('declined', 'withdrawn', 'expired', 'discarded')",
        )
        .fetch_all(&mut *conn)
        .await?;
        let requests = rows
            .into_iter()
            .filter_map(|(id, region, category, fund, topics, language)| {
                Some(matching::Request {
                    id,
                    region,
                    region_category: category,
                    fund: Fund::parse(&fund)?,
                    topics: store::split_list(&topics),
                    language: Lang::parse(&language).unwrap_or_default(),
                    excluded: excluded.iter().filter(|(r, _)| *r == id).map(|(_, m)| *m).collect(),
                })
            })
            .collect();
        let regions = accounts::regions_in(conn).await?;
        let category = |code: &Option<String>| {
            code.as_deref().and_then(|c| regions.iter().find(|r| r.code == c)).map(|r| r.category.clone())
        };
        let mentors = store::active_mentor_profiles(conn)
            .await?
            .into_iter()
            .map(|p| matching::Mentor {
                id: p.user_id,
                experience: p
                    .experience
                    .iter()
                    .filter_map(|e| {
                        Some(Experience {
                            fund: Fund::parse(&e.fund)?,
                            role: ExperienceRole::parse(&e.role)?,
                            programme: e.programme.clone(),
                            category: category(&e.region_code),
                        })
                    })
                    .collect(),
                topics: p.topics.clone(),
                languages: p.languages.iter().filter_map(|l| Lang::parse(l)).collect(),
                capacity: p.capacity.max(0) as u32,
                active: p.active.max(0) as u32,
                pending: p.pending.max(0) as u32,
                employer_region: p.employer_region.clone(),
                paused: paused_on(today, p.pause_from.as_deref(), p.pause_until.as_deref()),
            })
            .collect();
        Ok((requests, mentors))
    }

    /// The settings row is the lock of everything that hands out mentors' places (runs,
    /// approvals, a coordinator's choice): one at a time across instances. Returns whether
    /// automatic mode is on.
    async fn lock_assignments(&self, tx: &mut AnyConnection) -> MResult<bool> {
        let auto: Option<String> = sqlx::query_scalar(&format!(
            "SELECT value FROM settings WHERE key = 'mentorship_auto'{}",
            self.db.for_update()
        ))
        .fetch_optional(&mut *tx)
        .await?;
        Ok(auto.as_deref() == Some("1"))
    }

    /// One assignment run: the open requests without a live match get the best mentors
    /// under capacity (exact, across all of them), as suggestions for coordinators to
    /// review, or as proposals at once in automatic mode.
    #[tracing::instrument(name = "assignment_run", skip_all)]
    pub async fn run(&self) -> MResult<RunReport> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let auto = self.lock_assignments(&mut tx).await?;
        let (requests, mentors) = self.engine_input(&mut tx, None, local_date(now)).await?;
        let mut report = RunReport { open_requests: requests.len(), mentors: mentors.len(), ..Default::default() };
        if requests.is_empty() || mentors.is_empty() {
            return Ok(report);
        }
        let keep = (requests.len() * mentors.len() > 100_000).then_some(10);
        let assignment = matching::assign(&requests, &mentors, keep);
        for c in &assignment.pairs {
            let id = Self::insert_match(&mut tx, c, Actor::System, "assegnazione automatica", now).await?;
            report.suggested += 1;
            if auto {
                let m = store::get_match(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
                self.propose(&mut tx, &m, Actor::System, Some("modalità automatica"), now).await?;
                report.proposed += 1;
            }
        }
        self.commit(tx).await?;
        if report.suggested > 0 {
            tracing::info!(suggested = report.suggested, proposed = report.proposed, "assignment run");
        }
        Ok(report)
    }

    // ----- mentor profile -----

    pub async fn save_profile(&self, mentor: &User, p: &ValidProfile) -> MResult<()> {
        if mentor.role != Role::Mentor {
            return Err(Refusal::forbidden(
                "Solo i mentor hanno un profilo di mentorship.",
                "Only mentors have a mentorship profile.",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let list = |v: &[String]| v.join(",");
        let langs: Vec<String> = p.languages.iter().map(|l| l.code().to_string()).collect();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        sqlx::query(
            "INSERT INTO mentor_profiles (user_id, topics, languages, capacity, employer_region, pause_from, pause_until, bio, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET topics = excluded.topics, \
             languages = excluded.languages, capacity = excluded.capacity, employer_region = excluded.employer_region, \
             pause_from = excluded.pause_from, pause_until = excluded.pause_until, bio = excluded.bio, updated_at = excluded.updated_at",
        )
        .bind(mentor.id)
        .bind(list(&p.topics))
        .bind(langs.join(","))
        .bind(p.capacity)
        .bind(p.employer_region.clone())
        .bind(day(p.pause_from))
        .bind(day(p.pause_until))
        .bind(p.bio.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mentor_experience WHERE user_id = $1").bind(mentor.id).execute(&mut *tx).await?;
        for e in &p.experience {
            sqlx::query("INSERT INTO mentor_experience (user_id, fund, role, programme, region_code) VALUES ($1, $2, $3, $4, $5)")
                .bind(mentor.id)
                .bind(e.fund.as_str())
                .bind(serde_json::to_value(e.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
                .bind(e.programme.clone())
                .bind(e.region.clone())
                .execute(&mut *tx)
                .await?;
        }
        // A pause that ends later frees the mentor then: run again the day after.
        if let Some(until) = p.pause_until.filter(|u| *u >= local_date(now)) {
            if let Some(next) = until.succ_opt() {
                let key = format!("{JOB_RUN}:pause:{}:{next}", mentor.id);
                let job = NewJob {
                    key: &key,
                    kind: JOB_RUN,
                    payload: serde_json::json!({}),
                    run_at: local_midnight_ms(next),
                };
                jobs::schedule(&mut tx, now, &job).await?;
            }
        }
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    // ----- requests -----

    pub async fn file_request(&self, officer: &User, r: &ValidRequest) -> MResult<i64> {
        let region = match (officer.role, officer.region_code.as_deref()) {
            (Role::Officer, Some(region)) => region.to_string(),
            _ => {
                return Err(Refusal::forbidden(
                    "Le richieste di mentorship le presentano i funzionari di una Regione o PA.",
                    "Mentorship requests are filed by officers of a Region or AP.",
                ))
            }
        };
        let now = self.now();
        // A form key is the sender's own: two people (or API clients) may pick the same one.
        let form_key = r.form_key.as_ref().map(|k| format!("{}:{k}", officer.id));
        let mut tx = self.db.begin_write().await?;
        if let Some(key) = &form_key {
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM mentorship_requests WHERE form_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(request) = existing {
                return Err(Refusal::Duplicate { request });
            }
        }
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, \
             period_from, period_until, state, form_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $11) RETURNING id",
        )
        .bind(region)
        .bind(officer.id)
        .bind(r.fund.as_str())
        .bind(r.topics.join(","))
        .bind(r.language.code())
        .bind(r.format.as_str())
        .bind(r.description.clone())
        .bind(day(r.period_from))
        .bind(day(r.period_until))
        .bind(form_key.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                drop(tx);
                let existing: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM mentorship_requests WHERE form_key = $1")
                        .bind(form_key.clone())
                        .fetch_optional(self.db.pool())
                        .await?;
                return Err(Refusal::Duplicate { request: existing.unwrap_or_default() });
            }
            Err(e) => return Err(e.into()),
        };
        Self::log(&mut tx, id, None, (None, RequestState::Open.as_str()), Actor::User(officer), None, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(id)
    }

    /// Officers of the Region (and coordinators) may change a request until a mentor accepts.
    pub async fn edit_request(&self, user: &User, id: i64, r: &ValidRequest) -> MResult<()> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let current = self.editable_request(&mut tx, user, id).await?;
        if current.state != RequestState::Open {
            return Err(Refusal::state(
                format!("La richiesta è {}: non si può più modificare.", current.state.label(Lang::It)),
                format!("The request is {}: it can no longer be edited.", current.state.label(Lang::En)),
            ));
        }
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let done = sqlx::query(
            "UPDATE mentorship_requests SET fund = $1, topics = $2, language = $3, format = $4, description = $5, \
             period_from = $6, period_until = $7, updated_at = $8 WHERE id = $9 AND state = 'open'",
        )
        .bind(r.fund.as_str())
        .bind(r.topics.join(","))
        .bind(r.language.code())
        .bind(r.format.as_str())
        .bind(r.description.clone())
        .bind(day(r.period_from))
        .bind(day(r.period_until))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Refusal::state(
                "La richiesta è appena cambiata: ricarica la pagina.",
                "The request just changed: reload the page.",
            ));
        }
        Self::log(&mut tx, id, None, (Some("open"), "open"), Actor::User(user), Some("richiesta modificata"), now)
            .await?;
        if let Some(m) = Self::live_match(&mut tx, id).await?.filter(|m| m.state != MatchState::Accepted) {
            self.recheck(&mut tx, &m, Actor::User(user), now).await?;
        }
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    pub async fn withdraw_request(&self, user: &User, id: i64, reason: Option<&str>) -> MResult<()> {
        optional_reason(reason)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        sqlx::query(&format!("SELECT id FROM mentorship_requests WHERE id = $1{}", self.db.for_update()))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let r = self.visible_request(&mut tx, user, id).await?;
        if user.role == Role::Mentor {
            return Err(Refusal::forbidden(
                "Solo la Regione ritira la richiesta.",
                "Only the Region withdraws the request.",
            ));
        }
        if r.state != RequestState::Open {
            return Err(Refusal::state(
                format!(
                    "La richiesta è {}: si ritira solo una richiesta aperta (una mentorship attiva si conclude o si annulla).",
                    r.state.label(Lang::It)
                ),
                format!(
                    "The request is {}: only an open request can be withdrawn (an active mentorship is completed or cancelled).",
                    r.state.label(Lang::En)
                ),
            ));
        }
        if let Some(m) = Self::live_match(&mut tx, id).await? {
            let why = reason.or(Some("richiesta ritirata dalla Regione"));
            self.take_off(&mut tx, &m, Actor::User(user), why, now).await?;
        }
        Self::move_request(&mut tx, id, RequestState::Open, RequestState::Withdrawn, Actor::User(user), reason, now)
            .await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    /// A coordinator's choice of mentor for a request: any live suggestion or proposal is
    /// replaced, and the chosen mentor (who must pass the hard rules) gets the proposal.
    pub async fn assign(&self, coordinator: &User, request_id: i64, mentor_id: i64) -> MResult<i64> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        self.lock_assignments(&mut tx).await?;
        let r = self.visible_request(&mut tx, coordinator, request_id).await?;
        if r.state != RequestState::Open {
            return Err(Refusal::state(
                format!("La richiesta è {}: non si assegna più.", r.state.label(Lang::It)),
                format!("The request is {}: it can no longer be assigned.", r.state.label(Lang::En)),
            ));
        }
        if let Some(m) = Self::live_match(&mut tx, request_id).await? {
            if m.mentor_id == mentor_id {
                return Err(Refusal::invalid(
                    "mentor",
                    "Questo mentor è già quello suggerito o proposto.",
                    "This mentor is already the one suggested or proposed.",
                ));
            }
            self.take_off(&mut tx, &m, Actor::User(coordinator), Some("riassegnata dal coordinamento"), now).await?;
        }
        let (requests, mentors) = self.engine_input(&mut tx, Some(request_id), local_date(now)).await?;
        let (Some(req), Some(mentor)) = (requests.first(), mentors.iter().find(|m| m.id == mentor_id)) else {
            return Err(Refusal::invalid(
                "mentor",
                "Mentor sconosciuto, disattivato o senza profilo.",
                "Unknown or deactivated mentor, or one without a profile.",
            ));
        };
        if let Err(why) = matching::eligible(req, mentor) {
            return Err(ineligible_error(why));
        }
        let c = matching::score(req, mentor).ok_or_else(|| ineligible_error(Ineligible::Fund))?;
        let id = Self::insert_match(&mut tx, &c, Actor::User(coordinator), "scelta del coordinamento", now).await?;
        let m = store::get_match(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
        self.propose(&mut tx, &m, Actor::User(coordinator), None, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(id)
    }

    // ----- coordinators' review -----

    /// Suggestions → proposals. With `ids` empty, every suggestion awaiting review.
    pub async fn approve(&self, coordinator: &User, ids: &[i64]) -> MResult<usize> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        self.lock_assignments(&mut tx).await?;
        let list = if ids.is_empty() {
            let f = store::MatchFilter { states: vec![MatchState::Suggested], ..Default::default() };
            store::matches(&mut tx, &f, 100_000).await?
        } else {
            let mut list = Vec::new();
            for &id in ids {
                list.push(store::get_match(&mut tx, id).await?.ok_or(Refusal::NotFound)?);
            }
            list
        };
        // A suggestion may have waited days: the mentor may have paused, filled up or left since.
        let mut proposed = 0;
        for m in &list {
            if m.state == MatchState::Suggested && !self.recheck(&mut tx, m, Actor::User(coordinator), now).await? {
                continue;
            }
            let m = store::get_match(&mut tx, m.id).await?.ok_or(Refusal::NotFound)?;
            self.propose(&mut tx, &m, Actor::User(coordinator), None, now).await?;
            proposed += 1;
        }
        self.commit(tx).await?;
        if proposed < list.len() {
            self.rerun().await;
        }
        Ok(proposed)
    }

    /// A coordinator takes a suggestion or proposal back; the request gets a new run.
    pub async fn withdraw_match(&self, coordinator: &User, id: i64, reason: Option<&str>) -> MResult<()> {
        optional_reason(reason)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let m = self.visible_match(&mut tx, coordinator, id).await?;
        self.take_off(&mut tx, &m, Actor::User(coordinator), reason, now).await?;
        self.commit(tx).await?;
        self.rerun().await;
        Ok(())
    }

    pub async fn set_auto(&self, coordinator: &User, on: bool) -> MResult<()> {
        let now = self.now();
        sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = 'mentorship_auto'")
            .bind(if on { "1" } else { "0" })
            .bind(now)
            .execute(self.db.pool())
            .await?;
        tracing::info!(by = coordinator.id, on, "mentorship automatic mode");
        if on {
            // Automatic from now on: the suggestions already waiting go out too.
            self.approve(coordinator, &[]).await?;
        }
        Ok(())
    }

    // ----- the mentor's answer -----

    /// A proposal only its mentor answers; others who can see it are told so.
    fn own_proposal(user: &User, m: Option<Match>) -> MResult<Match> {
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
        let capacity: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT capacity FROM mentor_profiles WHERE user_id = $1{}",
            self.db.for_update()
        ))
        .bind(mentor.id)
        .fetch_optional(&mut *tx)
        .await?;
        let m = Self::own_proposal(mentor, store::get_match(&mut tx, id).await?)?;
        let capacity = capacity.ok_or(Refusal::NotFound)?;
        sqlx::query(&format!("SELECT id FROM mentorship_requests WHERE id = $1{}", self.db.for_update()))
            .bind(m.request_id)
            .fetch_optional(&mut *tx)
            .await?;
        if m.state != MatchState::Proposed {
            return Err(state_error(m.state, MatchState::Accepted));
        }
        if m.expires_at.is_some_and(|e| e <= now) {
            return Err(state_error(MatchState::Expired, MatchState::Accepted));
        }
        let active: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mentorship_matches WHERE mentor_id = $1 AND state = 'accepted'")
                .bind(mentor.id)
                .fetch_one(&mut *tx)
                .await?;
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

    // ----- the mentorship itself -----

    /// Which side of a mentorship `user` is on, if any.
    fn side(user: &User, m: &Match) -> Option<&'static str> {
        match user.role {
            Role::Mentor if m.mentor_id == user.id => Some("mentor"),
            Role::Officer if can_see_region(user, &m.region_code) => Some("officer"),
            _ => None,
        }
    }

    pub async fn log_meeting(&self, user: &User, id: i64, held_on: &str, topic: &str, notes: &str) -> MResult<i64> {
        let now = self.now();
        let day = super::input::date(Some(held_on), "held_on")?
            .ok_or_else(|| Refusal::invalid("held_on", "Indica la data dell'incontro.", "Enter the meeting's date."))?;
        if day > local_date(now) {
            return Err(Refusal::invalid(
                "held_on",
                "La data è nel futuro: qui si registrano gli incontri già svolti.",
                "The date is in the future: log meetings that have taken place.",
            ));
        }
        let topic = topic.trim();
        if topic.is_empty() || topic.chars().count() > 200 {
            return Err(Refusal::invalid(
                "topic",
                "Indica l'argomento dell'incontro (al massimo 200 caratteri).",
                "Enter the meeting's topic (at most 200 characters).",
            ));
        }
        if notes.chars().count() > super::MAX_TEXT_CHARS {
            return Err(Refusal::invalid("notes", "Note troppo lunghe.", "Notes too long."));
        }
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
                "Gli incontri si registrano solo durante una mentorship attiva.",
                "Meetings are logged only while the mentorship is active.",
            ));
        }
        let meeting: i64 = sqlx::query_scalar(
            "INSERT INTO mentorship_meetings (match_id, author_id, held_on, topic, notes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(user.id)
        .bind(day.format("%Y-%m-%d").to_string())
        .bind(topic)
        .bind(notes.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(meeting)
    }

    /// Closes an active mentorship as completed, with the feedback of the side that closes
    /// it; the other side adds theirs afterwards with the same call.
    pub async fn complete(&self, user: &User, id: i64, useful: Option<i64>, comment: &str) -> MResult<()> {
        let now = self.now();
        if comment.chars().count() > super::MAX_TEXT_CHARS {
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
            let stored = sqlx::query(
                "INSERT INTO mentorship_feedback (match_id, side, author_id, useful, comment, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (match_id, side) DO NOTHING",
            )
            .bind(id)
            .bind(side)
            .bind(user.id)
            .bind(useful)
            .bind(comment.trim())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if stored.rows_affected() == 0 {
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
        if reason.is_empty() || reason.chars().count() > super::MAX_TEXT_CHARS {
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
