//! The weekly digest for coordinators: the to-do list, by email, Monday 08:00 Italian time,
//! to those who did not opt out of optional mail in their profile.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::accounts::{self, Role, UserFilter};
use crate::clock::{local_date, local_midnight_ms, SharedClock};
use crate::db::Db;
use crate::jobs::{self, JobFuture, JobHandler, JobRow, NewJob};
use crate::notify::{Content, Outbox, ToUser};

pub const JOB: &str = "kpi.digest";

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Todo {
    pub suggestions: i64,
    /// Proposals expiring within two days, and (match id, expires at) of the first 50.
    pub expiring_count: i64,
    pub expiring: Vec<(i64, i64)>,
    pub dead_mail: i64,
    /// Published events that are over and not yet marked completed, and (event id, title) of
    /// the first 50.
    pub to_complete_count: i64,
    pub to_complete: Vec<(i64, String)>,
    /// Practices of the Regions awaiting review.
    pub practices_to_review: i64,
    /// Reports on questions and answers between Regions not yet handled.
    pub open_exchange_reports: i64,
}

/// A row of a to-do list, with how many rows there were before the limit.
#[derive(sqlx::FromRow)]
struct Listed<T> {
    id: i64,
    #[sqlx(flatten)]
    detail: T,
    total: i64,
}

#[derive(sqlx::FromRow)]
struct ExpiresAt {
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct Title {
    title: String,
}

/// What needs a coordinator's hand now.
pub async fn todo(conn: &mut AnyConnection, now: i64) -> Result<Todo, sqlx::Error> {
    let suggestions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mentorship_matches WHERE state = 'suggested'")
        .fetch_one(&mut *conn)
        .await?;
    let expiring: Vec<Listed<ExpiresAt>> = sqlx::query_as(
        "SELECT id, expires_at, COUNT(*) OVER () AS total FROM mentorship_matches \
         WHERE state = 'proposed' AND expires_at < $1 ORDER BY expires_at LIMIT 50",
    )
    .bind(now + 2 * 86_400_000)
    .fetch_all(&mut *conn)
    .await?;
    let dead_mail: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'dead'").fetch_one(&mut *conn).await?;
    let to_complete: Vec<Listed<Title>> = sqlx::query_as(
        "SELECT id, title, COUNT(*) OVER () AS total FROM events WHERE state = 'published' AND ends_at < $1 \
         ORDER BY ends_at LIMIT 50",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let practices_to_review: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exchange_practice_versions v WHERE v.state = 'pending' \
         AND v.number = (SELECT MAX(x.number) FROM exchange_practice_versions x WHERE x.practice_id = v.practice_id)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let open_exchange_reports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exchange_reports WHERE state = 'open'").fetch_one(&mut *conn).await?;
    Ok(Todo {
        practices_to_review,
        open_exchange_reports,
        suggestions,
        expiring_count: expiring.first().map_or(0, |x| x.total),
        expiring: expiring.into_iter().map(|x| (x.id, x.detail.expires_at)).collect(),
        dead_mail,
        to_complete_count: to_complete.first().map_or(0, |x| x.total),
        to_complete: to_complete.into_iter().map(|x| (x.id, x.detail.title)).collect(),
    })
}

/// The Monday after `today` (a week later when today is Monday).
pub fn next_monday(today: NaiveDate) -> NaiveDate {
    today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
}

fn run_at(day: NaiveDate) -> i64 {
    local_midnight_ms(day) + 8 * 3_600_000
}

/// Schedules the next digest (idempotent: one job per Monday).
pub async fn schedule_next(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    let day = next_monday(local_date(now));
    let key = format!("{JOB}:{day}");
    let mut conn = db.pool().acquire().await?;
    jobs::schedule(
        &mut conn,
        now,
        &NewJob { key: &key, kind: JOB, payload: serde_json::json!({}), run_at: run_at(day) },
    )
    .await?;
    Ok(())
}

pub struct Digest {
    pub outbox: Outbox,
    pub clock: SharedClock,
    pub public_url: String,
}

impl JobHandler for Digest {
    fn kind(&self) -> &'static str {
        JOB
    }

    fn run<'a>(&'a self, db: &'a Db, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            let mut conn = db.pool().acquire().await?;
            let t = todo(&mut conn, now).await?;
            let coordinators = accounts::list(
                db,
                &UserFilter { role: Some(Role::Coordinator), active: Some(true), ..Default::default() },
            )
            .await?;
            for c in coordinators.iter().filter(|c| c.notify_email) {
                let lang = c.lang;
                let content = Content {
                    subject: format!(
                        "{} {}",
                        lang.t("fondilab: cose da fare della settimana del", "fondilab: this week's to-do,"),
                        local_date(now).format("%d/%m/%Y")
                    ),
                    paragraphs: vec![
                        format!(
                            "{}: {}",
                            lang.t("Suggerimenti di mentorship da approvare", "Mentorship suggestions to review"),
                            t.suggestions
                        ),
                        format!(
                            "{}: {}",
                            lang.t("Proposte che scadono entro due giorni", "Proposals expiring within two days"),
                            t.expiring_count
                        ),
                        format!("{}: {}", lang.t("Messaggi non consegnati", "Undelivered messages"), t.dead_mail),
                        format!(
                            "{}: {}",
                            lang.t("Eventi passati da segnare come conclusi", "Past events to mark completed"),
                            t.to_complete_count
                        ),
                        format!(
                            "{}: {}",
                            lang.t("Esperienze delle Regioni da rivedere", "Practices of the Regions to review"),
                            t.practices_to_review
                        ),
                        format!(
                            "{}: {}",
                            lang.t("Segnalazioni dello scambio da gestire", "Exchange reports to handle"),
                            t.open_exchange_reports
                        ),
                        lang.t(
                            "Puoi non ricevere più questo riepilogo dal tuo profilo.",
                            "You can stop this digest in your profile.",
                        )
                        .to_string(),
                    ],
                    action: Some((
                        lang.t("Apri il cruscotto", "Open the dashboard").into(),
                        format!("{}/cruscotto", self.public_url),
                    )),
                };
                let m = ToUser::new(format!("{}:{}", job.idempotency_key, c.id), JOB, c, content);
                self.outbox.enqueue_to_user(&mut conn, now, m).await?;
            }
            drop(conn);
            schedule_next(db, now).await?;
            self.outbox.wake();
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_goes_on_mondays() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(super::next_monday(d("2026-11-26")), d("2026-11-30"));
        assert_eq!(super::next_monday(d("2026-11-30")), d("2026-12-07"));
        assert_eq!(super::next_monday(d("2026-11-29")), d("2026-11-30"));
    }
}
