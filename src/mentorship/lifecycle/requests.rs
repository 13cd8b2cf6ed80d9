//! Officers' requests: filing, editing, withdrawing, and a coordinator's direct assignment.

use super::*;

impl Mentorship {
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
            if let Some(request) = store::request_by_form_key(&mut *tx, Some(key.as_str())).await? {
                return Err(Refusal::Duplicate { request });
            }
        }
        let inserted = store::insert_request(&mut tx, &region, officer.id, r, form_key.as_deref(), now).await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                drop(tx);
                let existing = store::request_by_form_key(self.db.pool(), form_key.as_deref()).await?;
                return Err(Refusal::Duplicate { request: existing.unwrap_or_default() });
            }
            Err(e) => return Err(e.into()),
        };
        store::log_transition(&mut tx, id, None, (None, RequestState::Open.as_str()), Actor::User(officer), None, now)
            .await?;
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
                format!("Stato della richiesta: {}. Non si può più modificare.", current.state.label(Lang::It)),
                format!("State of the request: {}. It can no longer be edited.", current.state.label(Lang::En)),
            ));
        }
        if !store::update_request(&mut tx, id, r, now).await? {
            return Err(Refusal::state(
                "La richiesta è appena cambiata: ricarica la pagina.",
                "The request just changed: reload the page.",
            ));
        }
        store::log_transition(
            &mut tx,
            id,
            None,
            (Some("open"), "open"),
            Actor::User(user),
            Some("richiesta modificata"),
            now,
        )
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
        store::lock_request(&self.db, &mut tx, id).await?;
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
                    "Stato della richiesta: {}. Si ritira solo una richiesta aperta (una mentorship in corso si conclude o si interrompe).",
                    r.state.label(Lang::It)
                ),
                format!(
                    "State of the request: {}. Only an open request can be withdrawn (a mentorship under way is completed or stopped).",
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
                format!("Stato della richiesta: {}. Non si assegna più.", r.state.label(Lang::It)),
                format!("State of the request: {}. It can no longer be assigned.", r.state.label(Lang::En)),
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
}
