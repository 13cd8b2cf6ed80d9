//! The WP5 report: delivered events per task against targets, participation, mentorship,
//! the guide corpus, searches, and monthly series, for a scope (Region, period, task).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sqlx::AnyConnection;

use super::{Scope, Targets};
use crate::clock::{local_date, local_midnight_ms};
use crate::db::Db;
use crate::events::Kind;
use crate::guides::{Corpus, Fund, Phase};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveredEvent {
    pub id: i64,
    pub title: String,
    pub starts_at: i64,
    pub attendees: i64,
    pub feedback: EventFeedbackFigures,
}

/// Attendees' answers to the one-question survey after an event ("how useful", 1-5).
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct EventFeedbackFigures {
    pub answers: i64,
    /// Mean of the answers, one decimal; none without answers.
    pub mean: Option<f64>,
    #[serde(skip)]
    sum: i64,
}

impl EventFeedbackFigures {
    fn new(answers: i64, sum: i64) -> Self {
        let mean = (answers > 0).then(|| (sum as f64 / answers as f64 * 10.0).round() / 10.0);
        EventFeedbackFigures { answers, mean, sum }
    }

    fn total<'a>(all: impl Iterator<Item = &'a EventFeedbackFigures>) -> Self {
        let (answers, sum) = all.fold((0, 0), |(a, s), f| (a + f.answers, s + f.sum));
        Self::new(answers, sum)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskFigure {
    pub task: String,
    pub kind: String,
    pub target: i64,
    pub deadline: NaiveDate,
    /// Completed events of the task's kind with at least one attendee (of the Region, when scoped).
    pub delivered: i64,
    pub events: Vec<DeliveredEvent>,
    /// The survey answers of those events, together.
    pub feedback: EventFeedbackFigures,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Participation {
    /// Registrations not cancelled (confirmed and waiting).
    pub registrations: i64,
    /// Confirmed registrations at completed events, and how many of them attended.
    pub confirmed_at_completed: i64,
    pub attended: i64,
    pub attendance_rate: Option<f64>,
    /// Distinct people who attended at least one event.
    pub people: i64,
    /// Regions/APs reached: attendees' Regions and Regions that asked for mentorship.
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MentorshipFigures {
    pub open_requests: i64,
    pub median_hours_to_proposal: Option<f64>,
    pub median_hours_to_acceptance: Option<f64>,
    pub active: i64,
    pub completed: i64,
    pub average_feedback: Option<f64>,
    pub declined: i64,
    pub expired: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuideFigures {
    /// Guides, each counted once whatever the number of its languages.
    pub total: usize,
    /// Of those, guides that also exist in the other language.
    pub translated: usize,
    /// (fund, phase, guides).
    pub by_fund_phase: Vec<(String, String, usize)>,
    /// (id, title, reviewed) of guides past their review date.
    pub past_review: Vec<(String, String, NaiveDate)>,
    /// Readers' figures per guide (votes of all time, reports open now): every guide with
    /// at least one vote or open report.
    pub readers: Vec<crate::feedback::GuideFeedback>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Month {
    /// "2026-03".
    pub month: String,
    pub delivered: i64,
    pub registrations: i64,
    pub attended: i64,
    pub requests: i64,
    pub accepted: i64,
}

/// What the Regions shared between events (WP5 Task 5.4), in the period and Region.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ExchangeFigures {
    /// Practices first published in the period (and not hidden), of the Region when scoped.
    pub practices_published: i64,
    /// Regions that published them.
    pub regions_publishing: Vec<String>,
    /// Questions asked in the period (not hidden), by people of the Region when scoped.
    pub questions: i64,
    /// Percentage of those questions with an accepted answer.
    pub answered_share: Option<f64>,
    pub median_hours_to_first_answer: Option<f64>,
    pub median_hours_to_accepted_answer: Option<f64>,
    /// People following a question, a topic or a fund at the end of the period.
    pub followers: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub scope: Scope,
    pub tasks: Vec<TaskFigure>,
    pub participation: Participation,
    pub mentorship: MentorshipFigures,
    pub guides: GuideFigures,
    pub exchange: ExchangeFigures,
    /// Most frequent searches with no results: (query, times).
    pub empty_searches: Vec<(String, i64)>,
    /// Searches no guide really answered (the ones with no results included), grouped the same way.
    pub unanswered_searches: Vec<(String, i64)>,
    pub monthly: Vec<Month>,
}

/// A completed event in the period, with its attendees in scope.
#[derive(sqlx::FromRow)]
struct DeliveredRow {
    id: i64,
    kind: String,
    title: String,
    starts_at: i64,
    attendees: i64,
    answers: i64,
    useful_sum: i64,
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    let m = if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 };
    Some((m / 3_600_000.0 * 10.0).round() / 10.0)
}

/// `AND u.region_code = $1` when scoped to a Region (the Region is always bound as `$1`).
fn region_clause(scope: &Scope, column: &str) -> String {
    if scope.region.is_some() {
        format!(" AND {column} = $1")
    } else {
        " AND ($1 = $1)".to_string()
    }
}

/// The twelve months ending with the one containing `last`, as (label, start ms, end ms).
fn months(last: NaiveDate) -> Vec<(String, i64, i64)> {
    let first_of_last = last.with_day(1).unwrap_or(last);
    (0..12)
        .rev()
        .filter_map(|back| {
            let start = first_of_last.checked_sub_months(chrono::Months::new(back))?;
            let end = start.checked_add_months(chrono::Months::new(1))?;
            Some((start.format("%Y-%m").to_string(), local_midnight_ms(start), local_midnight_ms(end)))
        })
        .collect()
}

/// Counts per month of `column` over `from_where` in one scan: `SUM(CASE …)` per month.
async fn per_month(
    conn: &mut AnyConnection,
    scope: &Scope,
    column: &str,
    from_where: &str,
    months: &[(String, i64, i64)],
) -> Result<Vec<i64>, sqlx::Error> {
    let sums: Vec<String> = months
        .iter()
        .map(|(_, a, b)| format!("COALESCE(SUM(CASE WHEN {column} >= {a} AND {column} < {b} THEN 1 ELSE 0 END), 0)"))
        .collect();
    let sql = format!("SELECT {} {from_where}", sums.join(", "));
    let row = sqlx::query(&sql).bind(scope.region.clone().unwrap_or_default()).fetch_one(conn).await?;
    use sqlx::Row;
    (0..months.len()).map(|i| row.try_get::<i64, _>(i)).collect()
}

async fn exchange_figures(conn: &mut AnyConnection, scope: &Scope) -> Result<ExchangeFigures, sqlx::Error> {
    let region = scope.region.clone().unwrap_or_default();
    let (from, to) = (scope.start_ms(), scope.end_ms());
    let mut regions: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT p.region_code FROM exchange_practices p WHERE p.hidden_reason IS NULL AND p.published_at >= {from} \
         AND p.published_at < {to}{}",
        region_clause(scope, "p.region_code")
    ))
    .bind(&region)
    .fetch_all(&mut *conn)
    .await?;
    let practices_published = regions.len() as i64;
    regions.sort();
    regions.dedup();
    let asked: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT q.created_at, \
         (SELECT MIN(a.created_at) FROM exchange_answers a WHERE a.question_id = q.id AND a.state = 'visible'), \
         CASE WHEN q.accepted_answer_id IS NULL THEN NULL ELSE q.accepted_at END \
         FROM exchange_questions q JOIN users u ON u.id = q.author_id \
         WHERE q.state = 'visible' AND q.created_at >= {from} AND q.created_at < {to}{}",
        region_clause(scope, "u.region_code")
    ))
    .bind(&region)
    .fetch_all(&mut *conn)
    .await?;
    let questions = asked.len() as i64;
    let answered = asked.iter().filter(|q| q.2.is_some()).count() as f64;
    let followers: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(DISTINCT f.user_id) FROM exchange_follows f JOIN users u ON u.id = f.user_id \
         WHERE u.erased = 0 AND f.created_at < {to}{}",
        region_clause(scope, "u.region_code")
    ))
    .bind(&region)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ExchangeFigures {
        practices_published,
        regions_publishing: regions,
        questions,
        answered_share: (questions > 0).then(|| (answered / questions as f64 * 1000.0).round() / 10.0),
        median_hours_to_first_answer: median(asked.iter().filter_map(|q| q.1.map(|a| a - q.0)).collect()),
        median_hours_to_accepted_answer: median(asked.iter().filter_map(|q| q.2.map(|a| a - q.0)).collect()),
        followers,
    })
}

pub async fn report(
    db: &Db,
    scope: &Scope,
    targets: &Targets,
    corpus: &Corpus,
    now: i64,
) -> Result<Report, sqlx::Error> {
    let region = scope.region.clone().unwrap_or_default();
    let (from, to) = (scope.start_ms(), scope.end_ms());
    let in_region = region_clause(scope, "u.region_code");
    let in_req_region = region_clause(scope, "q.region_code");
    let today = local_date(now);
    let last = scope.to.unwrap_or(today).min(today.max(scope.from.unwrap_or(today)));
    let ms = months(last);
    // People's Regions are read only when the figures are for one Region.
    let people_join = if scope.region.is_some() { " JOIN users u ON u.id = r.user_id" } else { "" };
    // One task: the event figures count that task's kind of event only (a fixed word, not input).
    let kind = scope
        .task
        .as_ref()
        .and_then(|task| targets.tasks.iter().find(|t| t.task == *task))
        .and_then(|t| Kind::parse(&t.kind));
    let of_kind = kind.map(|k| format!(" AND e.kind = '{}'", k.as_str())).unwrap_or_default();
    let of_kind = &of_kind;

    // Four independent groups of queries, each on its own connection, at the same time.
    let (ms, in_req_region, in_region, people_join, region) = (&ms, &in_req_region, &in_region, people_join, &region);
    let (
        (tasks, participation),
        (mentorship, (empty_searches, unanswered_searches)),
        (delivered_m, regs_m, att_m),
        (req_m, acc_m),
    ) = tokio::try_join!(
        async {
            let mut pooled = db.pool().acquire().await?;
            let conn: &mut AnyConnection = &mut pooled;
            // Delivered events per task; attendees per event from one grouped pass (a subquery per
            // event makes PostgreSQL, once it has statistics, scan the people once per event).
            let delivered: Vec<DeliveredRow> = sqlx::query_as(&format!(
                "SELECT e.id, e.kind, e.title, e.starts_at, COALESCE(a.n, 0) AS attendees, \
             COALESCE(f.n, 0) AS answers, COALESCE(f.total, 0) AS useful_sum \
             FROM events e LEFT JOIN (SELECT r.event_id, COUNT(*) AS n FROM registrations r{people_join} \
              WHERE r.state = 'confirmed' AND r.attended = 1{in_region} GROUP BY r.event_id) a ON a.event_id = e.id \
             LEFT JOIN (SELECT r.event_id, COUNT(*) AS n, CAST(SUM(r.useful) AS BIGINT) AS total FROM event_feedback r{people_join} \
              WHERE 1 = 1{in_region} GROUP BY r.event_id) f ON f.event_id = e.id \
             WHERE e.state = 'completed' AND e.starts_at >= {from} AND e.starts_at < {to} ORDER BY e.starts_at"
            ))
            .bind(region)
            .fetch_all(&mut *conn)
            .await?;
            let tasks = targets
                .tasks
                .iter()
                .filter(|t| scope.task.as_ref().is_none_or(|x| *x == t.task))
                .map(|t| {
                    let events: Vec<DeliveredEvent> = delivered
                        .iter()
                        .filter(|d| d.kind == t.kind && d.attendees > 0)
                        .map(|d| DeliveredEvent {
                            id: d.id,
                            title: d.title.clone(),
                            starts_at: d.starts_at,
                            attendees: d.attendees,
                            feedback: EventFeedbackFigures::new(d.answers, d.useful_sum),
                        })
                        .collect();
                    TaskFigure {
                        task: t.task.clone(),
                        kind: t.kind.clone(),
                        target: t.target,
                        deadline: t.deadline,
                        delivered: events.len() as i64,
                        feedback: EventFeedbackFigures::total(events.iter().map(|e| &e.feedback)),
                        events,
                    }
                })
                .collect();

            // Participation.
            let (registrations, confirmed_at_completed, attended, people): (i64, i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN r.state = 'confirmed' AND e.state = 'completed' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN r.state = 'confirmed' AND e.state = 'completed' AND r.attended = 1 THEN 1 ELSE 0 END), 0), \
             COUNT(DISTINCT CASE WHEN r.state = 'confirmed' AND e.state = 'completed' AND r.attended = 1 THEN r.user_id END) \
             FROM registrations r{people_join} JOIN events e ON e.id = r.event_id \
             WHERE r.state <> 'cancelled' AND e.starts_at >= {from} AND e.starts_at < {to}{in_region}{of_kind}"
        ))
        .bind(region)
        .fetch_one(&mut *conn)
        .await?;
            let mut regions: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT u.region_code FROM registrations r JOIN users u ON u.id = r.user_id JOIN events e ON e.id = r.event_id \
             WHERE r.state = 'confirmed' AND r.attended = 1 AND e.state = 'completed' AND u.region_code IS NOT NULL \
             AND e.starts_at >= {from} AND e.starts_at < {to}{in_region}{of_kind} \
             UNION SELECT DISTINCT q.region_code FROM mentorship_requests q WHERE q.created_at >= {from} AND q.created_at < {to}{in_req_region}"
        ))
        .bind(region)
        .fetch_all(&mut *conn)
        .await?;
            regions.sort();
            regions.dedup();
            let participation = Participation {
                registrations,
                confirmed_at_completed,
                attended,
                attendance_rate: (confirmed_at_completed > 0)
                    .then(|| (attended as f64 / confirmed_at_completed as f64 * 1000.0).round() / 10.0),
                people,
                regions,
            };
            Ok::<_, sqlx::Error>((tasks, participation))
        },
        async {
            let mut pooled = db.pool().acquire().await?;
            let conn: &mut AnyConnection = &mut pooled;
            // Mentorship.
            let req_range = format!("q.created_at >= {from} AND q.created_at < {to}{in_req_region}");
            let open: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM mentorship_requests q WHERE q.state = 'open' AND {req_range}"
            ))
            .bind(region)
            .fetch_one(&mut *conn)
            .await?;
            let waits: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT q.created_at, \
             (SELECT MIN(m.proposed_at) FROM mentorship_matches m WHERE m.request_id = q.id), \
             (SELECT MIN(m.answered_at) FROM mentorship_matches m WHERE m.request_id = q.id AND m.state IN ('accepted', 'completed', 'cancelled')) \
             FROM mentorship_requests q WHERE {req_range}"
        ))
        .bind(region)
        .fetch_all(&mut *conn)
        .await?;
            let states: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT m.state, COUNT(*) FROM mentorship_matches m JOIN mentorship_requests q ON q.id = m.request_id WHERE {req_range} GROUP BY m.state"
        ))
        .bind(region)
        .fetch_all(&mut *conn)
        .await?;
            let state = |s: &str| states.iter().find(|(x, _)| x == s).map(|(_, n)| *n).unwrap_or(0);
            let feedback: Option<f64> = sqlx::query_scalar(&format!(
            "SELECT AVG(CAST(f.useful AS DOUBLE PRECISION)) FROM mentorship_feedback f JOIN mentorship_matches m ON m.id = f.match_id \
             JOIN mentorship_requests q ON q.id = m.request_id WHERE {req_range}"
        ))
        .bind(region)
        .fetch_one(&mut *conn)
        .await?;
            let mentorship = MentorshipFigures {
                open_requests: open,
                median_hours_to_proposal: median(waits.iter().filter_map(|w| w.1.map(|p| p - w.0)).collect()),
                median_hours_to_acceptance: median(waits.iter().filter_map(|w| w.2.map(|p| p - w.0)).collect()),
                active: state("accepted"),
                completed: state("completed"),
                average_feedback: feedback.map(|f| (f * 10.0).round() / 10.0),
                declined: state("declined"),
                expired: state("expired"),
            };

            let empty_searches = grouped_searches(conn, "result_count = 0", from, to).await?;
            let unanswered_searches = grouped_searches(conn, "answered = 0", from, to).await?;
            Ok::<_, sqlx::Error>((mentorship, (empty_searches, unanswered_searches)))
        },
        async {
            let mut pooled = db.pool().acquire().await?;
            let conn: &mut AnyConnection = &mut pooled;
            let completed_from =
            format!("FROM events e WHERE e.state = 'completed'{of_kind} AND EXISTS (SELECT 1 FROM registrations r{people_join} WHERE r.event_id = e.id AND r.state = 'confirmed' AND r.attended = 1{in_region})");
            let delivered_m = per_month(&mut *conn, scope, "e.starts_at", &completed_from, ms).await?;
            let events_join = if kind.is_some() { " JOIN events e ON e.id = r.event_id" } else { "" };
            let regs_from = format!(
                "FROM registrations r{people_join}{events_join} WHERE r.state <> 'cancelled'{in_region}{of_kind}"
            );
            let regs_m = per_month(&mut *conn, scope, "r.created_at", &regs_from, ms).await?;
            let att_from = format!(
            "FROM registrations r{people_join} JOIN events e ON e.id = r.event_id WHERE r.state = 'confirmed' AND r.attended = 1 AND e.state = 'completed'{in_region}{of_kind}"
        );
            let att_m = per_month(&mut *conn, scope, "e.starts_at", &att_from, ms).await?;
            Ok::<_, sqlx::Error>((delivered_m, regs_m, att_m))
        },
        async {
            let mut pooled = db.pool().acquire().await?;
            let conn: &mut AnyConnection = &mut pooled;
            let req_from = format!("FROM mentorship_requests q WHERE 1 = 1{in_req_region}");
            let req_m = per_month(&mut *conn, scope, "q.created_at", &req_from, ms).await?;
            let acc_from = format!(
            "FROM mentorship_matches m JOIN mentorship_requests q ON q.id = m.request_id WHERE m.state IN ('accepted', 'completed', 'cancelled') AND m.answered_at IS NOT NULL{in_req_region}"
        );
            let acc_m = per_month(&mut *conn, scope, "m.answered_at", &acc_from, ms).await?;
            Ok::<_, sqlx::Error>((req_m, acc_m))
        }
    )?;

    // The corpus.
    // A guide and its translation (linked both ways) count once, under the Italian one.
    let originals = || corpus.guides.iter().filter(|g| g.lang == crate::i18n::Lang::It || g.translation_of.is_none());
    let mut by_fund_phase = Vec::new();
    for f in Fund::ALL {
        for p in Phase::ALL {
            let n = originals().filter(|g| g.funds.contains(&f) && g.phase == p).count();
            by_fund_phase.push((f.as_str().to_string(), p.as_str().to_string(), n));
        }
    }
    let past_review = corpus
        .guides
        .iter()
        .filter(|g| Corpus::is_stale(g, today))
        .map(|g| (g.id.clone(), g.title.clone(), g.reviewed))
        .collect();
    let translated = originals().filter(|g| g.translation_of.is_some()).count();
    let readers = crate::feedback::figures(&mut *db.pool().acquire().await?, corpus).await?;
    let guides = GuideFigures { total: originals().count(), translated, by_fund_phase, past_review, readers };
    let exchange = exchange_figures(&mut *db.pool().acquire().await?, scope).await?;

    let monthly = ms
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| Month {
            month: label.clone(),
            delivered: delivered_m[i],
            registrations: regs_m[i],
            attended: att_m[i],
            requests: req_m[i],
            accepted: acc_m[i],
        })
        .collect();

    Ok(Report {
        scope: scope.clone(),
        tasks,
        participation,
        mentorship,
        guides,
        exchange,
        empty_searches,
        unanswered_searches,
        monthly,
    })
}

/// The most frequent searches meeting `condition` in the period, grouped without regard to
/// case or spacing (in Rust: SQLite's LOWER knows only ASCII, "PERCHÉ" ≠ "perché").
async fn grouped_searches(
    conn: &mut sqlx::AnyConnection,
    condition: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let texts: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT query, COUNT(*) FROM search_log WHERE {condition} AND query <> '' \
         AND created_at >= {from} AND created_at < {to} GROUP BY query"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut grouped: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (text, n) in texts {
        let key = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if !key.is_empty() {
            *grouped.entry(key).or_default() += n;
        }
    }
    let mut out: Vec<(String, i64)> = grouped.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(15);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_in_hours() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3_600_000]), Some(1.0));
        assert_eq!(median(vec![3_600_000, 7_200_000, 36_000_000]), Some(2.0));
        assert_eq!(median(vec![3_600_000, 7_200_000]), Some(1.5));
    }

    #[test]
    fn twelve_months_end_with_the_given_one() {
        let m = months(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        assert_eq!(m.len(), 12);
        assert_eq!(m[0].0, "2025-04");
        assert_eq!(m[11].0, "2026-03");
        assert!(m.windows(2).all(|w| w[0].2 == w[1].1), "contiguous");
    }

    #[test]
    fn targets_file_takes_toml_dates_and_quoted_dates() {
        let dir = std::env::temp_dir().join(format!("fondilab-targets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("targets.toml");
        std::fs::write(
            &path,
            "[[task]]\ntask = \"5.1\"\nkind = \"webinar\"\ntarget = 8\ndeadline = 2026-06-30\n\n\
             [[task]]\ntask = \"5.2\"\nkind = \"open_lab\"\ntarget = 4\ndeadline = \"2026-12-31\"\n",
        )
        .unwrap();
        let t = Targets::load(&path).unwrap();
        assert_eq!(
            t.tasks.iter().map(|t| (t.task.as_str(), t.target, t.deadline.to_string())).collect::<Vec<_>>(),
            vec![("5.1", 8, "2026-06-30".to_string()), ("5.2", 4, "2026-12-31".to_string())]
        );
        std::fs::write(&path, "[[task]]\ntask = \"5.1\"\nkind = \"webinar\"\ntarget = 8\ndeadline = \"30/06/2026\"\n")
            .unwrap();
        let e = Targets::load(&path).unwrap_err().to_string();
        assert!(e.contains("targets.toml") && e.contains("30/06/2026") && e.contains("2025-12-31"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn default_targets_are_six_of_each_by_2025() {
        let t = Targets::default();
        assert_eq!(
            t.tasks.iter().map(|t| (t.task.as_str(), t.target)).collect::<Vec<_>>(),
            vec![("5.1", 6), ("5.2", 6), ("5.3", 6), ("5.4", 6)]
        );
    }
}
