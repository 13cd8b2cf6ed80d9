//! Every change to events and registrations, each in one transaction with the mail it
//! causes. Registrations lock the event's row (PostgreSQL) or take the single write lock
//! (SQLite), so seats are given in order of arrival and never beyond capacity, also with
//! several instances on one database.

use sqlx::{Any, AnyConnection, Transaction};

use super::ical::{self, Invite, Method};
use super::store::{self, Event, Registration};
use super::{mail, EResult, EventState, RegState, ValidEvent};
use crate::accounts::{self, Role, User};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::i18n::Lang;
use crate::notify::{Attachment, Outbox, ToUser};
use crate::refusal::Refusal;

mod attendance;
mod feed;
mod feedback;

pub use feedback::{EventFeedback, FeedbackWindow, FEEDBACK_DAYS};

const HOUR_MS: i64 = 3_600_000;

#[derive(Clone)]
pub struct Events {
    pub db: Db,
    outbox: Outbox,
    clock: SharedClock,
    public_url: String,
}

/// What happened to a registration request.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub registration: Registration,
    /// Place on the waiting list (1 = next), when waitlisted.
    pub waitlist_place: Option<i64>,
}

/// Why an attendance list was not imported: every bad row, with its line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub problems: Vec<(usize, String)>,
}

fn state_refusal(e: &Event, lang_it: &str, lang_en: &str) -> Refusal {
    Refusal::state(
        format!("{lang_it} (l'evento è {}).", e.state.label(Lang::It)),
        format!("{lang_en} (the event is {}).", e.state.label(Lang::En)),
    )
}

impl Events {
    pub fn new(db: Db, outbox: Outbox, clock: SharedClock, public_url: String) -> Events {
        Events { db, outbox, clock, public_url }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The event's calendar UID, stored on the event the first time it is needed and the
    /// same in every later invitation, change and cancellation. An event invited before
    /// UIDs were stored keeps the one its invitations carried; any other gets a random one
    /// under this installation's domain.
    pub(crate) async fn uid(&self, conn: &mut AnyConnection, e: &Event) -> EResult<String> {
        if let Some(uid) = &e.uid {
            return Ok(uid.clone());
        }
        let uid = if store::invited_before(conn, e.id).await? {
            e.legacy_uid(self.outbox.from().email.domain())
        } else {
            format!("event-{}@{}", &accounts::session::random_secret()[..32], self.outbox.domain())
        };
        Ok(store::settle_uid(conn, e.id, &uid).await?)
    }

    /// The calendar invitation for one attendee; `uid` comes from [`Events::uid`].
    pub fn invite(&self, e: &Event, uid: &str, who: &User, method: Method) -> Attachment {
        let organizer = self.outbox.organizer();
        let location = e.location();
        let url = mail::event_url(&self.public_url, e.id);
        let cancel = matches!(method, Method::Cancel);
        let text = ical::invite(&Invite {
            uid,
            sequence: e.sequence,
            method,
            summary: &e.title,
            description: &e.description,
            location: location.as_deref(),
            url: Some(&url),
            start_ms: e.starts_at,
            end_ms: e.ends_at,
            dtstamp_ms: self.now(),
            organizer_name: organizer.name.as_deref().unwrap_or("fondilab"),
            organizer_email: organizer.email.as_ref(),
            attendee_name: &who.name,
            attendee_email: &who.email,
        });
        let method = if cancel { "CANCEL" } else { "REQUEST" };
        Attachment {
            filename: if cancel { "annullamento.ics".into() } else { "invito.ics".into() },
            content_type: format!("text/calendar; method={method}; charset=UTF-8"),
            content: text,
        }
    }

    async fn send(&self, conn: &mut AnyConnection, m: ToUser<'_>) -> EResult<()> {
        Ok(self.outbox.enqueue_to_user(conn, self.now(), m).await?)
    }

    fn reminder_keys(reg: i64, sequence: i64) -> [(String, i64); 2] {
        [(format!("event.reminder:{reg}:{sequence}:24h"), 24), (format!("event.reminder:{reg}:{sequence}:1h"), 1)]
    }

    /// Reminders 24 h and 1 h before the start, those still in the future.
    async fn schedule_reminders(&self, conn: &mut AnyConnection, e: &Event, reg: i64, who: &User) -> EResult<()> {
        for (key, hours) in Self::reminder_keys(reg, e.sequence) {
            let at = e.starts_at - hours * HOUR_MS;
            if at > self.now() {
                let content = mail::reminder(e, who.lang, &self.public_url, hours);
                self.send(conn, ToUser::new(key, "event.reminder", who, content).at(at)).await?;
            }
        }
        Ok(())
    }

    async fn cancel_reminders(&self, conn: &mut AnyConnection, reg: i64, sequence: i64) -> EResult<()> {
        for (key, _) in Self::reminder_keys(reg, sequence) {
            self.outbox.cancel(conn, self.now(), &key).await?;
        }
        Ok(())
    }

    async fn commit(&self, tx: Transaction<'static, Any>) -> EResult<()> {
        tx.commit().await?;
        self.outbox.wake();
        Ok(())
    }

    /// The event, locked for this transaction.
    async fn locked(&self, conn: &mut AnyConnection, id: i64) -> EResult<Event> {
        sqlx::query(&format!("SELECT id FROM events WHERE id = $1{}", self.db.for_update()))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        store::event(conn, id).await?.ok_or(Refusal::NotFound)
    }

    /// Whether `user` may see the event: published, cancelled and completed ones are
    /// public; drafts only for coordinators.
    pub fn visible(e: &Event, user: Option<&User>) -> bool {
        e.state != EventState::Draft || user.is_some_and(|u| u.role == Role::Coordinator)
    }

    // ----- coordinators -----

    pub async fn create(&self, coordinator: &User, v: &ValidEvent, publish: bool) -> EResult<i64> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let state = if publish { EventState::Published } else { EventState::Draft };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (kind, title, description, starts_at, ends_at, online_url, venue, capacity, \
             registration_opens_at, registration_closes_at, audience, funds, topics, guides, speakers, materials_url, \
             recording_url, state, sequence, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 0, $19, $20, $20) RETURNING id",
        )
        .bind(v.kind.as_str())
        .bind(v.title.clone())
        .bind(v.description.clone())
        .bind(v.starts_at)
        .bind(v.ends_at)
        .bind(v.online_url.clone())
        .bind(v.venue.clone())
        .bind(v.capacity)
        .bind(v.registration_opens_at)
        .bind(v.registration_closes_at)
        .bind(v.audience.join(","))
        .bind(v.funds.join(","))
        .bind(v.topics.join(","))
        .bind(v.guides.join(","))
        .bind(v.speakers.clone())
        .bind(v.materials_url.clone())
        .bind(v.recording_url.clone())
        .bind(state.as_str())
        .bind(coordinator.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.commit(tx).await?;
        Ok(id)
    }

    /// Saves a change. A new time or place raises the calendar SEQUENCE, sends every
    /// confirmed participant the updated invitation and moves their reminders; more places
    /// take people from the waiting list in order.
    pub async fn update(&self, _coordinator: &User, id: i64, v: &ValidEvent) -> EResult<()> {
        let mut tx = self.db.begin_write().await?;
        let old = self.locked(&mut tx, id).await?;
        if matches!(old.state, EventState::Cancelled | EventState::Completed) {
            return Err(state_refusal(&old, "Non si modifica più", "It can no longer be changed"));
        }
        if v.capacity < old.confirmed {
            return Err(Refusal::invalid(
                "capacity",
                format!(
                    "Ci sono già {} iscritti confermati: i posti non possono scendere sotto questo numero.",
                    old.confirmed
                ),
                format!("There are already {} confirmed participants: places cannot go below that.", old.confirmed),
            ));
        }
        // What a calendar entry shows: a change is sent to the registered people.
        let moved = old.title != v.title
            || old.starts_at != v.starts_at
            || old.ends_at != v.ends_at
            || old.venue != v.venue
            || old.online_url != v.online_url;
        let sequence = if moved && old.state == EventState::Published { old.sequence + 1 } else { old.sequence };
        sqlx::query(
            "UPDATE events SET kind = $1, title = $2, description = $3, starts_at = $4, ends_at = $5, online_url = $6, \
             venue = $7, capacity = $8, registration_opens_at = $9, registration_closes_at = $10, audience = $11, funds = $12, \
             topics = $13, guides = $14, speakers = $15, materials_url = $16, recording_url = $17, sequence = $18, updated_at = $19 \
             WHERE id = $20",
        )
        .bind(v.kind.as_str())
        .bind(v.title.clone())
        .bind(v.description.clone())
        .bind(v.starts_at)
        .bind(v.ends_at)
        .bind(v.online_url.clone())
        .bind(v.venue.clone())
        .bind(v.capacity)
        .bind(v.registration_opens_at)
        .bind(v.registration_closes_at)
        .bind(v.audience.join(","))
        .bind(v.funds.join(","))
        .bind(v.topics.join(","))
        .bind(v.guides.join(","))
        .bind(v.speakers.clone())
        .bind(v.materials_url.clone())
        .bind(v.recording_url.clone())
        .bind(sequence)
        .bind(self.now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let e = store::event(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
        let confirmed: Vec<Registration> =
            store::registrations(&mut tx, id).await?.into_iter().filter(|r| r.state == RegState::Confirmed).collect();
        if sequence != old.sequence && !confirmed.is_empty() {
            let uid = self.uid(&mut tx, &e).await?;
            for r in &confirmed {
                let Some(who) = accounts::get_in(&mut tx, r.user_id).await? else { continue };
                self.cancel_reminders(&mut tx, r.id, old.sequence).await?;
                let invite = self.invite(&e, &uid, &who, Method::Request);
                let content = mail::changed(&old, &e, who.lang, &self.public_url);
                let key = format!("event.change:{}:{sequence}", r.id);
                self.send(&mut tx, ToUser::new(key, "event.change", &who, content).attach(invite)).await?;
                self.schedule_reminders(&mut tx, &e, r.id, &who).await?;
            }
        }
        self.promote_waiting(&mut tx, &e).await?;
        self.commit(tx).await
    }

    pub async fn publish(&self, _coordinator: &User, id: i64) -> EResult<()> {
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, id).await?;
        if e.state != EventState::Draft {
            return Err(state_refusal(&e, "Si pubblica solo una bozza", "Only a draft can be published"));
        }
        sqlx::query("UPDATE events SET state = 'published', updated_at = $1 WHERE id = $2")
            .bind(self.now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit(tx).await
    }

    /// Cancels an event that has not started, for a reason the participants read in their
    /// mail: every participant gets METHOD:CANCEL, reminders are dropped.
    pub async fn cancel(&self, _coordinator: &User, id: i64, reason: Option<&str>) -> EResult<()> {
        let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
            return Err(Refusal::invalid(
                "reason",
                "Scrivi il motivo dell'annullamento: i partecipanti lo leggono nella mail.",
                "Give the reason for cancelling: participants read it in their mail.",
            ));
        };
        let reason = Some(reason);
        let mut tx = self.db.begin_write().await?;
        let old = self.locked(&mut tx, id).await?;
        if !matches!(old.state, EventState::Draft | EventState::Published) {
            return Err(state_refusal(&old, "Non si annulla", "It cannot be cancelled"));
        }
        if old.starts_at <= self.now() {
            return Err(Refusal::state(
                "L'evento è già cominciato: non si può più annullare.",
                "The event has already started: it can no longer be cancelled.",
            ));
        }
        sqlx::query("UPDATE events SET state = 'cancelled', sequence = sequence + 1, updated_at = $1 WHERE id = $2")
            .bind(self.now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let e = store::event(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
        let live: Vec<Registration> =
            store::registrations(&mut tx, id).await?.into_iter().filter(|r| r.state != RegState::Cancelled).collect();
        let uid = match live.iter().any(|r| r.state == RegState::Confirmed) {
            true => Some(self.uid(&mut tx, &e).await?),
            false => None,
        };
        for r in &live {
            let Some(who) = accounts::get_in(&mut tx, r.user_id).await? else { continue };
            self.cancel_reminders(&mut tx, r.id, old.sequence).await?;
            let content = mail::event_cancelled(&e, who.lang, reason);
            let mut m = ToUser::new(format!("event.cancel:{}", r.id), "event.cancel", &who, content);
            if let (RegState::Confirmed, Some(uid)) = (r.state, &uid) {
                m = m.attach(self.invite(&e, uid, &who, Method::Cancel));
            }
            self.send(&mut tx, m).await?;
        }
        self.commit(tx).await
    }

    /// Marks an event that has ended completed, with its materials; the people marked
    /// present are thanked and asked for their feedback.
    pub async fn complete(
        &self,
        _coordinator: &User,
        id: i64,
        materials: Option<String>,
        recording: Option<String>,
    ) -> EResult<()> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, id).await?;
        if e.state != EventState::Published {
            return Err(state_refusal(
                &e,
                "Si conclude solo un evento pubblicato",
                "Only a published event can be completed",
            ));
        }
        if e.ends_at > now {
            return Err(Refusal::state(
                "L'evento non è ancora finito: si segna come concluso dopo la fine.",
                "The event has not ended yet: it is completed after its end.",
            ));
        }
        sqlx::query(
            "UPDATE events SET state = 'completed', completed_at = $1, updated_at = $1, \
             materials_url = COALESCE($2, materials_url), recording_url = COALESCE($3, recording_url) WHERE id = $4",
        )
        .bind(now)
        .bind(materials)
        .bind(recording)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let e = store::event(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
        let links = crate::exchange::event_links::linked(&mut tx, id).await?;
        for r in
            store::registrations(&mut tx, id).await?.iter().filter(|r| r.state == RegState::Confirmed && r.attended)
        {
            let Some(who) = accounts::get_in(&mut tx, r.user_id).await? else { continue };
            let content = mail::thanks(&e, who.lang, &self.public_url, &links);
            self.send(&mut tx, ToUser::new(format!("event.thanks:{}", r.id), "event.thanks", &who, content)).await?;
        }
        self.commit(tx).await
    }

    // ----- participants -----

    /// Registers `user`: a seat while there are free ones, else the waiting list.
    pub async fn register(&self, user: &User, id: i64) -> EResult<Registered> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, id).await?;
        if !Self::visible(&e, Some(user)) {
            return Err(Refusal::NotFound);
        }
        if e.state != EventState::Published {
            return Err(state_refusal(&e, "Le iscrizioni non sono aperte", "Registration is not open"));
        }
        if e.registration_opens_at.is_some_and(|o| now < o) {
            return Err(Refusal::state(
                format!(
                    "Le iscrizioni aprono il {}.",
                    crate::clock::local_time(e.registration_opens_at.unwrap_or_default())
                ),
                format!(
                    "Registration opens on {}.",
                    crate::clock::local_time(e.registration_opens_at.unwrap_or_default())
                ),
            ));
        }
        if now >= e.registration_closes_at.unwrap_or(e.starts_at) {
            return Err(Refusal::state("Le iscrizioni sono chiuse.", "Registration is closed."));
        }
        if !e.audience.is_empty() && !user.region_code.as_ref().is_some_and(|r| e.audience.contains(r)) {
            return Err(Refusal::forbidden(
                format!("L'evento è riservato a: {}.", e.audience.join(", ")),
                format!("The event is reserved for: {}.", e.audience.join(", ")),
            ));
        }
        if let Some(r) = store::live_registration(&mut tx, id, user.id).await? {
            return Err(Refusal::state(
                format!("Sei già iscritto ({}).", r.state.label(Lang::It)),
                format!("You are already registered ({}).", r.state.label(Lang::En)),
            ));
        }
        let position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM registrations WHERE event_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let state = if e.confirmed < e.capacity { RegState::Confirmed } else { RegState::Waitlisted };
        let reg: i64 = sqlx::query_scalar(
            "INSERT INTO registrations (event_id, user_id, state, position, attended, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id",
        )
        .bind(id)
        .bind(user.id)
        .bind(state.as_str())
        .bind(position)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let registration = store::registration(&mut tx, reg).await?.ok_or(Refusal::NotFound)?;
        let place = if state == RegState::Waitlisted {
            Some(store::waitlist_place(&mut tx, &registration).await?)
        } else {
            None
        };
        match place {
            None => {
                let uid = self.uid(&mut tx, &e).await?;
                let invite = self.invite(&e, &uid, user, Method::Request);
                let content = mail::confirmed(&e, user.lang, &self.public_url, false);
                let m = ToUser::new(format!("event.confirm:{reg}"), "event.confirm", user, content).attach(invite);
                self.send(&mut tx, m).await?;
                self.schedule_reminders(&mut tx, &e, reg, user).await?;
            }
            Some(n) => {
                let content = mail::waitlisted(&e, user.lang, &self.public_url, n);
                self.send(&mut tx, ToUser::new(format!("event.waitlist:{reg}"), "event.waitlist", user, content))
                    .await?;
            }
        }
        self.commit(tx).await?;
        Ok(Registered { registration, waitlist_place: place })
    }

    /// Confirms people from the waiting list, first come first served, while seats are free.
    async fn promote_waiting(&self, conn: &mut AnyConnection, e: &Event) -> EResult<()> {
        if e.state != EventState::Published || e.starts_at <= self.now() {
            return Ok(());
        }
        let regs = store::registrations(conn, e.id).await?;
        let confirmed = regs.iter().filter(|r| r.state == RegState::Confirmed).count() as i64;
        let mut free = (e.capacity - confirmed).max(0);
        // Looked up (and stored) at the first promotion, then reused.
        let mut stored_uid: Option<String> = None;
        for r in regs.iter().filter(|r| r.state == RegState::Waitlisted) {
            if free == 0 {
                break;
            }
            let who = accounts::get_in(conn, r.user_id).await?.filter(|u| u.active && !u.erased);
            let Some(who) = who else {
                // Someone who has left the service keeps no place in line.
                self.cancel_registration(conn, e, r).await?;
                continue;
            };
            sqlx::query(
                "UPDATE registrations SET state = 'confirmed', updated_at = $1 WHERE id = $2 AND state = 'waitlisted'",
            )
            .bind(self.now())
            .bind(r.id)
            .execute(&mut *conn)
            .await?;
            free -= 1;
            let uid = match stored_uid.take() {
                Some(uid) => uid,
                None => self.uid(conn, e).await?,
            };
            let invite = self.invite(e, &uid, &who, Method::Request);
            let content = mail::confirmed(e, who.lang, &self.public_url, true);
            let m = ToUser::new(format!("event.promote:{}", r.id), "event.promote", &who, content).attach(invite);
            self.send(conn, m).await?;
            self.schedule_reminders(conn, e, r.id, &who).await?;
            stored_uid = Some(uid);
        }
        Ok(())
    }

    /// Marks a registration cancelled; a confirmed one loses its reminders. Returns whether a
    /// seat was freed (the caller moves the waiting list, under the event's lock).
    async fn cancel_registration(&self, conn: &mut AnyConnection, e: &Event, reg: &Registration) -> EResult<bool> {
        sqlx::query("UPDATE registrations SET state = 'cancelled', updated_at = $1 WHERE id = $2")
            .bind(self.now())
            .bind(reg.id)
            .execute(&mut *conn)
            .await?;
        let freed = reg.state == RegState::Confirmed;
        if freed {
            self.cancel_reminders(conn, reg.id, e.sequence).await?;
        }
        Ok(freed)
    }

    /// Cancels a registration (one's own, or any for coordinators); a freed seat goes to
    /// the first person on the waiting list.
    pub async fn unregister(&self, user: &User, reg_id: i64) -> EResult<Registration> {
        let mut conn = self.db.pool().acquire().await?;
        let reg = store::registration(&mut conn, reg_id).await?.ok_or(Refusal::NotFound)?;
        drop(conn);
        if reg.user_id != user.id && user.role != Role::Coordinator {
            return Err(Refusal::NotFound);
        }
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, reg.event_id).await?;
        let reg = store::registration(&mut tx, reg_id).await?.ok_or(Refusal::NotFound)?;
        if reg.state == RegState::Cancelled {
            return Err(Refusal::state("L'iscrizione è già annullata.", "The registration is already cancelled."));
        }
        if matches!(e.state, EventState::Completed | EventState::Cancelled) || e.ends_at <= self.now() {
            return Err(state_refusal(
                &e,
                "L'evento è passato: l'iscrizione resta agli atti",
                "The event is over: the registration stays on record",
            ));
        }
        let freed = self.cancel_registration(&mut tx, &e, &reg).await?;
        let who = accounts::get_in(&mut tx, reg.user_id).await?.ok_or(Refusal::NotFound)?;
        if freed {
            let uid = self.uid(&mut tx, &e).await?;
            let invite = self.invite(&e, &uid, &who, Method::Cancel);
            let content = mail::registration_cancelled(&e, who.lang, &self.public_url);
            let m = ToUser::new(format!("event.unregister:{reg_id}"), "event.unregister", &who, content).attach(invite);
            self.send(&mut tx, m).await?;
            let e = store::event(&mut tx, e.id).await?.ok_or(Refusal::NotFound)?;
            self.promote_waiting(&mut tx, &e).await?;
        }
        let reg = store::registration(&mut tx, reg_id).await?.ok_or(Refusal::NotFound)?;
        self.commit(tx).await?;
        Ok(reg)
    }

    /// A person whose account is deactivated or erased gives up their seats and places in line
    /// at events still to come; freed seats go to the waiting lists. Returns how many.
    pub async fn withdraw_person(&self, user_id: i64) -> EResult<usize> {
        let mut conn = self.db.pool().acquire().await?;
        let live: Vec<i64> = sqlx::query_scalar(
            "SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id \
             WHERE r.user_id = $1 AND r.state IN ('confirmed', 'waitlisted') AND e.state = 'published' AND e.ends_at > $2",
        )
        .bind(user_id)
        .bind(self.now())
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        for &reg_id in &live {
            let mut tx = self.db.begin_write().await?;
            let event_id = store::registration(&mut tx, reg_id).await?.ok_or(Refusal::NotFound)?.event_id;
            let e = self.locked(&mut tx, event_id).await?;
            let reg = store::registration(&mut tx, reg_id).await?.ok_or(Refusal::NotFound)?;
            if reg.state == RegState::Cancelled {
                continue;
            }
            if self.cancel_registration(&mut tx, &e, &reg).await? {
                self.promote_waiting(&mut tx, &e).await?;
            }
            self.commit(tx).await?;
        }
        Ok(live.len())
    }
}
