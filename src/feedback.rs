//! Readers' word on the guides: "was this guide useful?" (one vote per person, or per browser
//! for 30 days, which a person can change), and reports of an error or outdated text, which
//! coordinators handle with a note mailed to the reporter through the outbox.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::accounts::{self, User};
use crate::db::{self, Db};
use crate::guides::Corpus;
use crate::i18n::Lang;
use crate::notify::{Content, Outbox, ToUser};
use crate::refusal::Refusal;

pub const COMMENT_MAX: usize = 500;
pub const REPORT_MAX: usize = 2_000;
pub const SOURCE_MAX: usize = 500;
pub const NOTE_MAX: usize = 2_000;
/// Anonymous votes a client may cast per rate window (an hour).
pub const ANONYMOUS_VOTES_PER_WINDOW: i64 = 30;
/// How long a browser is remembered as having voted.
pub const BROWSER_DAYS: i64 = 30;

/// Who votes: a signed-in person, or a browser (its token from a cookie) from a client address.
pub enum Voter<'a> {
    Person(&'a User),
    Browser { token: &'a str, client: &'a str },
}

impl Voter<'_> {
    fn key(&self) -> String {
        match self {
            Voter::Person(u) => format!("u:{}", u.id),
            Voter::Browser { token, .. } => format!("b:{}", accounts::session::hash(token)),
        }
    }
}

/// A vote as stored, and whether it replaced an earlier one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Vote {
    pub guide_id: String,
    pub useful: bool,
    pub comment: Option<String>,
    pub changed: bool,
}

fn known_guide<'c>(corpus: &'c Corpus, id: &str) -> Result<&'c crate::guides::Guide, Refusal> {
    corpus.get(id).ok_or(Refusal::NotFound)
}

/// Text of at most `max` characters (trimmed); `None` when empty.
fn bounded(field: &'static str, text: &str, max: usize) -> Result<Option<String>, Refusal> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(Refusal::invalid(
            field,
            format!("al massimo {max} caratteri (ne hai scritti {})", t.chars().count()),
            format!("at most {max} characters ({} written)", t.chars().count()),
        ));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// Records a vote. A person's second vote on a guide replaces the first; a browser votes
/// once per guide, and a client address only so many times an hour.
pub async fn vote(
    db: &Db,
    corpus: &Corpus,
    guide_id: &str,
    voter: Voter<'_>,
    useful: Option<bool>,
    comment: &str,
    now: i64,
) -> Result<Vote, Refusal> {
    known_guide(corpus, guide_id)?;
    let useful = useful.ok_or_else(|| Refusal::invalid("useful", "rispondi sì o no", "answer yes or no"))?;
    let comment = bounded("comment", comment, COMMENT_MAX)?;
    let key = voter.key();
    match voter {
        Voter::Person(user) => {
            let mut conn = db.pool().acquire().await?;
            let changed = stored_vote(&mut conn, guide_id, &key).await?.is_some();
            sqlx::query(
                "INSERT INTO guide_votes (guide_id, voter, user_id, useful, comment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (guide_id, voter) DO UPDATE SET useful = excluded.useful, comment = excluded.comment, \
                 updated_at = excluded.updated_at",
            )
            .bind(guide_id)
            .bind(&key)
            .bind(user.id)
            .bind(i64::from(useful))
            .bind(&comment)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            Ok(Vote { guide_id: guide_id.to_string(), useful, comment, changed })
        }
        Voter::Browser { client, .. } => {
            let mut conn = db.pool().acquire().await?;
            if stored_vote(&mut conn, guide_id, &key).await?.is_some() {
                return Err(already_voted());
            }
            drop(conn);
            let bucket = format!("vote:{client}");
            if !accounts::signin::allow(db, &bucket, ANONYMOUS_VOTES_PER_WINDOW, now).await? {
                return Err(Refusal::TooMany {
                    it: "Troppi voti da questo indirizzo: riprova tra un'ora.".into(),
                    en: "Too many votes from this address: try again in an hour.".into(),
                });
            }
            let inserted = sqlx::query(
                "INSERT INTO guide_votes (guide_id, voter, useful, comment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (guide_id, voter) DO NOTHING",
            )
            .bind(guide_id)
            .bind(&key)
            .bind(i64::from(useful))
            .bind(&comment)
            .bind(now)
            .execute(db.pool())
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(already_voted());
            }
            Ok(Vote { guide_id: guide_id.to_string(), useful, comment, changed: false })
        }
    }
}

fn already_voted() -> Refusal {
    Refusal::Repeated {
        field: "useful",
        it: "Da questo browser hai già risposto per questa guida: accedi per cambiare la risposta.".into(),
        en: "This browser has already answered for this guide: sign in to change the answer.".into(),
    }
}

async fn stored_vote(conn: &mut AnyConnection, guide_id: &str, key: &str) -> Result<Option<Vote>, sqlx::Error> {
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT useful, comment FROM guide_votes WHERE guide_id = $1 AND voter = $2")
            .bind(guide_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(useful, comment)| Vote {
        guide_id: guide_id.to_string(),
        useful: useful != 0,
        comment,
        changed: false,
    }))
}

/// The vote this person or browser gave the guide, if any.
pub async fn vote_of(db: &Db, guide_id: &str, voter: &Voter<'_>) -> Result<Option<Vote>, sqlx::Error> {
    stored_vote(&mut *db.pool().acquire().await?, guide_id, &voter.key()).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Open,
    Handled,
}

impl ReportState {
    pub const ALL: [ReportState; 2] = [ReportState::Open, ReportState::Handled];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Open => "open",
            ReportState::Handled => "handled",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ReportState::Open => lang.t("da gestire", "open"),
            ReportState::Handled => lang.t("gestita", "handled"),
        }
    }
}

/// A report with who sent it and, once handled, the note and who wrote it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuideReport {
    pub id: i64,
    pub guide_id: String,
    /// The step the report is about; absent: the guide as a whole.
    pub step: Option<i64>,
    pub body: String,
    pub source: Option<String>,
    pub reporter_id: i64,
    pub reporter_name: String,
    pub reporter_email: String,
    pub state: ReportState,
    pub note: Option<String>,
    pub handled_by: Option<i64>,
    pub handled_at: Option<i64>,
    pub created_at: i64,
}

#[derive(FromRow)]
struct ReportRow {
    id: i64,
    guide_id: String,
    step: Option<i64>,
    body: String,
    source: Option<String>,
    reporter_id: i64,
    reporter_name: String,
    reporter_email: String,
    state: String,
    note: Option<String>,
    handled_by: Option<i64>,
    handled_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<ReportRow> for GuideReport {
    type Error = sqlx::Error;

    fn try_from(r: ReportRow) -> Result<Self, sqlx::Error> {
        Ok(GuideReport {
            state: db::decoded(ReportState::parse(&r.state), "guide_reports.state", &r.state)?,
            id: r.id,
            guide_id: r.guide_id,
            step: r.step,
            body: r.body,
            source: r.source,
            reporter_id: r.reporter_id,
            reporter_name: r.reporter_name,
            reporter_email: r.reporter_email,
            note: r.note,
            handled_by: r.handled_by,
            handled_at: r.handled_at,
            created_at: r.created_at,
        })
    }
}

const REPORT_SELECT: &str = "SELECT r.id, r.guide_id, r.step, r.body, r.source, r.reporter_id, \
     u.name AS reporter_name, u.email AS reporter_email, r.state, r.note, r.handled_by, r.handled_at, r.created_at \
     FROM guide_reports r JOIN users u ON u.id = r.reporter_id";

/// What a reader sends: the step (its number, empty for the whole guide), what is wrong,
/// an optional source, and the form's one-time key (a second send stores nothing).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[serde(default)]
    pub step: Option<i64>,
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub body: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub form_key: Option<String>,
}

/// Stores a report on a guide from a signed-in reader.
pub async fn report(
    db: &Db,
    corpus: &Corpus,
    guide_id: &str,
    reporter: &User,
    input: &ReportInput,
    now: i64,
) -> Result<GuideReport, Refusal> {
    let guide = known_guide(corpus, guide_id)?;
    if let Some(n) = input.step {
        if n < 1 || n as usize > guide.steps.len() {
            return Err(Refusal::invalid(
                "step",
                format!("la guida ha i passi da 1 a {}", guide.steps.len()),
                format!("the guide has steps 1 to {}", guide.steps.len()),
            ));
        }
    }
    let body = bounded("body", &input.body, REPORT_MAX)?
        .ok_or_else(|| Refusal::invalid("body", "scrivi che cosa è sbagliato", "say what is wrong"))?;
    let source = bounded("source", input.source.as_deref().unwrap_or(""), SOURCE_MAX)?;
    let form_key = input
        .form_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| k.chars().take(100).collect::<String>());
    let mut conn = db.pool().acquire().await?;
    if let Some(id) = report_by_form_key(&mut conn, reporter.id, form_key.as_deref()).await? {
        return one_report(&mut conn, id).await?.ok_or(Refusal::NotFound);
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO guide_reports (guide_id, step, body, source, reporter_id, form_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(guide_id)
    .bind(input.step)
    .bind(&body)
    .bind(&source)
    .bind(reporter.id)
    .bind(&form_key)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // The same form sent twice at once: the first one stored it.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            report_by_form_key(&mut conn, reporter.id, form_key.as_deref()).await?.ok_or(Refusal::NotFound)?
        }
        Err(e) => return Err(e.into()),
    };
    one_report(&mut conn, id).await?.ok_or(Refusal::NotFound)
}

/// The report this reader already sent with this form key, if any.
async fn report_by_form_key(
    conn: &mut AnyConnection,
    reporter: i64,
    form_key: Option<&str>,
) -> Result<Option<i64>, sqlx::Error> {
    let Some(key) = form_key else { return Ok(None) };
    sqlx::query_scalar("SELECT id FROM guide_reports WHERE reporter_id = $1 AND form_key = $2")
        .bind(reporter)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
}

async fn one_report(conn: &mut AnyConnection, id: i64) -> Result<Option<GuideReport>, sqlx::Error> {
    let row: Option<ReportRow> =
        sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.map(GuideReport::try_from).transpose()
}

/// Reports, oldest open first (a queue), or newest handled first; and how many there are.
pub async fn reports(
    db: &Db,
    state: Option<ReportState>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<GuideReport>, i64), sqlx::Error> {
    let (filter, order) = match state {
        Some(ReportState::Open) => ("WHERE r.state = 'open'", "r.created_at, r.id"),
        Some(ReportState::Handled) => ("WHERE r.state = 'handled'", "r.handled_at DESC, r.id DESC"),
        None => ("", "r.state DESC, r.created_at DESC, r.id DESC"),
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<ReportRow> = sqlx::query_as(&format!("{REPORT_SELECT} {filter} ORDER BY {order} LIMIT $1 OFFSET $2"))
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM guide_reports r {filter}")).fetch_one(&mut *conn).await?;
    Ok((rows.into_iter().map(GuideReport::try_from).collect::<Result<_, _>>()?, total))
}

/// A coordinator's answer to a report: which one, the note, who, when.
pub struct Handling<'a> {
    pub id: i64,
    pub note: &'a str,
    pub by: &'a User,
    pub now: i64,
}

/// Marks an open report handled with a note, and mails the note to the reporter.
pub async fn handle(
    db: &Db,
    outbox: &Outbox,
    corpus: &Corpus,
    public_url: &str,
    h: Handling<'_>,
) -> Result<GuideReport, Refusal> {
    let Handling { id, note, by: coordinator, now } = h;
    let note = bounded("note", note, NOTE_MAX)?
        .ok_or_else(|| Refusal::invalid("note", "scrivi che cosa è stato fatto", "say what was done"))?;
    let mut tx = db.begin_write().await?;
    let state: Option<String> =
        sqlx::query_scalar(&format!("SELECT state FROM guide_reports WHERE id = $1{}", db.for_update()))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match state.as_deref() {
        None => return Err(Refusal::NotFound),
        Some("open") => {}
        Some(_) => {
            return Err(Refusal::state("La segnalazione è già stata gestita.", "The report was already handled."))
        }
    }
    sqlx::query(
        "UPDATE guide_reports SET state = 'handled', note = $1, handled_by = $2, handled_at = $3 WHERE id = $4",
    )
    .bind(&note)
    .bind(coordinator.id)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let report = one_report(&mut tx, id).await?.ok_or(Refusal::NotFound)?;
    if let Some(reporter) = accounts::get_in(&mut tx, report.reporter_id).await? {
        let content = handled_mail(reporter.lang, &report, corpus, public_url);
        let message = ToUser::new(format!("guide.report.handled:{id}"), "guide.report.handled", &reporter, content);
        outbox.enqueue_to_user(&mut tx, now, message).await?;
    }
    tx.commit().await?;
    outbox.wake();
    Ok(report)
}

fn handled_mail(lang: Lang, r: &GuideReport, corpus: &Corpus, public_url: &str) -> Content {
    let title = corpus.get(&r.guide_id).map(|g| g.title.clone()).unwrap_or_else(|| r.guide_id.clone());
    let step = r.step.map(|n| format!(" ({} {n})", lang.t("passo", "step"))).unwrap_or_default();
    Content {
        subject: format!("{}: {title}", lang.t("La tua segnalazione è stata gestita", "Your report was handled")),
        paragraphs: vec![
            format!(
                "{} «{title}»{step}:",
                lang.t("Grazie per la segnalazione sulla guida", "Thank you for your report on the guide")
            ),
            format!("> {}", r.body),
            format!(
                "{}: {}",
                lang.t("Nota del coordinamento", "Note from the coordinators"),
                r.note.clone().unwrap_or_default()
            ),
        ],
        action: Some((
            lang.t("Apri la guida", "Open the guide").to_string(),
            format!("{}/guide/{}", public_url.trim_end_matches('/'), r.guide_id),
        )),
    }
}

/// Readers' figures for one guide: votes (all time) and reports still open.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuideFeedback {
    pub id: String,
    pub title: String,
    pub useful_yes: i64,
    pub useful_no: i64,
    pub open_reports: i64,
}

/// The figures of a guide, made on first use; a merged guide's count for the guide that replaced it.
fn entry<'m>(
    by_id: &'m mut std::collections::BTreeMap<String, GuideFeedback>,
    corpus: &Corpus,
    id: &str,
) -> &'m mut GuideFeedback {
    let current = corpus.resolve(id).map(|g| g.id.clone()).unwrap_or_else(|| id.to_string());
    by_id.entry(current.clone()).or_insert_with(|| GuideFeedback {
        title: corpus.get(&current).map(|g| g.title.clone()).unwrap_or_else(|| current.clone()),
        id: current,
        useful_yes: 0,
        useful_no: 0,
        open_reports: 0,
    })
}

/// Every guide with at least one vote or open report, with its figures.
pub async fn figures(conn: &mut AnyConnection, corpus: &Corpus) -> Result<Vec<GuideFeedback>, sqlx::Error> {
    let votes: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT guide_id, CAST(SUM(useful) AS BIGINT), CAST(SUM(1 - useful) AS BIGINT) FROM guide_votes GROUP BY guide_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let open: Vec<(String, i64)> =
        sqlx::query_as("SELECT guide_id, COUNT(*) FROM guide_reports WHERE state = 'open' GROUP BY guide_id")
            .fetch_all(&mut *conn)
            .await?;
    let mut by_id: std::collections::BTreeMap<String, GuideFeedback> = Default::default();
    for (id, yes, no) in votes {
        let f = entry(&mut by_id, corpus, &id);
        f.useful_yes += yes;
        f.useful_no += no;
    }
    for (id, n) in open {
        entry(&mut by_id, corpus, &id).open_reports += n;
    }
    Ok(by_id.into_values().collect())
}
