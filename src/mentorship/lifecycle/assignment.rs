//! The assignment run: the engine's input read from the database, and its proposals or
//! suggestions written back.

use super::*;

impl Mentorship {
    pub(super) async fn engine_input(
        &self,
        conn: &mut AnyConnection,
        only_request: Option<i64>,
        today: chrono::NaiveDate,
    ) -> MResult<(Vec<matching::Request>, Vec<matching::Mentor>)> {
        let rows = store::engine_requests(conn, only_request).await?;
        let excluded = store::excluded_pairs(conn).await?;
        let requests = rows
            .into_iter()
            .filter_map(|r| {
                Some(matching::Request {
                    id: r.id,
                    region: r.region_code,
                    region_category: r.category,
                    fund: Fund::parse(&r.fund)?,
                    topics: store::split_list(&r.topics),
                    language: Lang::parse(&r.language).unwrap_or_default(),
                    excluded: excluded.iter().filter(|(q, _)| *q == r.id).map(|(_, m)| *m).collect(),
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
    pub(super) async fn lock_assignments(&self, tx: &mut AnyConnection) -> MResult<bool> {
        Ok(store::lock_auto_mode(&self.db, tx).await?)
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
}
