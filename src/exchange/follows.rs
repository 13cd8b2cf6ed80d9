//! Follows and the mail they bring. People follow a question, a topic or a fund; a new answer,
//! an accepted answer and a newly approved practice reach the followers who may see it, by
//! mail at once or gathered in a digest at 08:00 Italian time, as each person chose. Whoever
//! asks a question follows it. Every such mail carries a one-click unsubscribe (RFC 8058): a
//! link signed for the person and the kind of mail, which stops that kind only.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::Exchange;
use crate::accounts::User;
use crate::clock::{local_date, local_midnight_ms};
use crate::db::Db;
use crate::guides::{Fund, Topics};
use crate::i18n::Lang;
use crate::jobs::{self, JobFuture, JobHandler, JobRow, NewJob};
use crate::notify::{Content, Recipient, ToUser};
use crate::refusal::Refusal;

/// The job that sends the daily digests.
pub const DIGEST_JOB: &str = "exchange.digest";
/// The kinds of exchange mail, each stopped on its own.
pub const MAIL_KINDS: [MailKind; 4] = [MailKind::Answer, MailKind::Accepted, MailKind::Practice, MailKind::Digest];
const SIGNATURE: &str = "unsubscribe";

/// What is followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Question(i64),
    Topic(String),
    Fund(Fund),
}

impl Target {
    pub fn parse(kind: &str, key: &str) -> Result<Target, Refusal> {
        let unknown = || {
            Refusal::invalid("target", format!("Non si segue \"{kind}\"."), format!("\"{kind}\" cannot be followed."))
        };
        match kind {
            "question" => key
                .trim()
                .parse()
                .map(Target::Question)
                .map_err(|_| Refusal::invalid("key", "Numero di domanda non valido.", "Invalid question number.")),
            "topic" => Ok(Target::Topic(key.trim().to_string())),
            "fund" => Fund::parse(key).map(Target::Fund).ok_or_else(|| {
                Refusal::invalid("key", format!("Fondo sconosciuto \"{key}\"."), format!("Unknown fund \"{key}\"."))
            }),
            _ => Err(unknown()),
        }
    }

    /// What is followed and its key, as stored and as forms and the API carry them.
    pub fn parts(&self) -> (&'static str, String) {
        match self {
            Target::Question(id) => ("question", id.to_string()),
            Target::Topic(slug) => ("topic", slug.clone()),
            Target::Fund(f) => ("fund", f.as_str().to_string()),
        }
    }
}

/// A follow as its person sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, FromRow)]
#[schema(as = ExchangeFollow)]
pub struct Follow {
    /// question, topic or fund.
    pub target: String,
    /// The question's number, the topic's slug or the fund's name.
    pub key: String,
    pub created_at: i64,
}

/// A kind of exchange mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Answer,
    Accepted,
    Practice,
    Digest,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Answer => "answer",
            MailKind::Accepted => "accepted",
            MailKind::Practice => "practice",
            MailKind::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        MAIL_KINDS.into_iter().find(|k| k.as_str() == s)
    }

    /// The outbox kind of its messages.
    pub fn outbox_kind(self) -> &'static str {
        match self {
            MailKind::Answer => "exchange.answer",
            MailKind::Accepted => "exchange.accepted",
            MailKind::Practice => "exchange.practice",
            MailKind::Digest => DIGEST_JOB,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MailKind::Answer => lang.t("nuove risposte alle domande che segui", "new answers to questions you follow"),
            MailKind::Accepted => lang.t("risposte indicate come risolutive", "answers marked as the solution"),
            MailKind::Practice => lang.t("nuove esperienze delle Regioni", "new practices of the Regions"),
            MailKind::Digest => lang.t("il riepilogo quotidiano", "the daily digest"),
        }
    }
}

/// How a person receives exchange mail, and which kinds they stopped.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExchangeMailSettings)]
pub struct MailSettings {
    /// immediate (each piece of news at once) or digest (one mail a day at 08:00, Italian time).
    pub mode: String,
    /// Kinds stopped: answer, accepted, practice, digest.
    pub stopped: Vec<String>,
}

/// Something followers hear about.
pub struct News<'a> {
    pub kind: MailKind,
    /// The answer's or the practice's id.
    pub item: i64,
    pub title: &'a str,
    /// The path on the site it is read at.
    pub path: String,
    pub question: Option<i64>,
    pub topics: &'a [String],
    pub funds: &'a [String],
    /// Who did it (not told about their own doing).
    pub actor: i64,
    /// A line about it ("Regione Lazio", the answer's author).
    pub detail: String,
}

#[derive(FromRow)]
struct Follower {
    id: i64,
    email: String,
    name: String,
    lang: String,
    exchange_mail: String,
}

impl Exchange {
    /// Follows a question the person can see, a topic of the vocabulary or a fund.
    pub async fn follow(&self, user: &User, target: &Target, vocabulary: &Topics) -> Result<(), Refusal> {
        match target {
            Target::Question(id) => self.question(user, *id).await.map(|_| ())?,
            Target::Topic(slug) if !vocabulary.contains(slug) => {
                return Err(Refusal::invalid(
                    "key",
                    format!("Tema sconosciuto \"{slug}\"."),
                    format!("Unknown topic \"{slug}\"."),
                ))
            }
            _ => {}
        }
        let mut conn = self.db.pool().acquire().await?;
        insert_follow(&mut conn, user.id, target, self.now()).await?;
        Ok(())
    }

    /// Stops following; whoever asked a question keeps following it.
    pub async fn unfollow(&self, user: &User, target: &Target) -> Result<(), Refusal> {
        if let Target::Question(id) = target {
            let q = self.question(user, *id).await?;
            if q.mine {
                return Err(Refusal::state(
                    "Chi ha posto la domanda la segue sempre.",
                    "Whoever asked a question always follows it.",
                ));
            }
        }
        let (kind, key) = target.parts();
        sqlx::query("DELETE FROM exchange_follows WHERE user_id = $1 AND target = $2 AND target_key = $3")
            .bind(user.id)
            .bind(kind)
            .bind(&key)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    pub async fn follows(&self, user: &User) -> Result<Vec<Follow>, Refusal> {
        Ok(sqlx::query_as(
            "SELECT target, target_key AS key, created_at FROM exchange_follows WHERE user_id = $1 ORDER BY target, target_key",
        )
        .bind(user.id)
        .fetch_all(self.db.pool())
        .await?)
    }

    pub async fn is_following(&self, user: &User, target: &Target) -> Result<bool, Refusal> {
        let (kind, key) = target.parts();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM exchange_follows WHERE user_id = $1 AND target = $2 AND target_key = $3",
        )
        .bind(user.id)
        .bind(kind)
        .bind(&key)
        .fetch_one(self.db.pool())
        .await?;
        Ok(n > 0)
    }

    pub async fn mail_settings(&self, user: &User) -> Result<MailSettings, Refusal> {
        let mode: String = sqlx::query_scalar("SELECT exchange_mail FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(self.db.pool())
            .await?;
        let stopped: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM exchange_mail_stops WHERE user_id = $1 ORDER BY kind")
                .bind(user.id)
                .fetch_all(self.db.pool())
                .await?;
        Ok(MailSettings { mode, stopped })
    }

    /// Sets how exchange mail arrives and which kinds are stopped.
    pub async fn set_mail_settings(
        &self,
        user: &User,
        mode: &str,
        stopped: &[String],
    ) -> Result<MailSettings, Refusal> {
        if !matches!(mode, "immediate" | "digest") {
            return Err(Refusal::invalid(
                "mode",
                format!("Modo sconosciuto \"{mode}\": immediate oppure digest."),
                format!("Unknown mode \"{mode}\": immediate or digest."),
            ));
        }
        let mut kinds = Vec::new();
        for s in stopped {
            let k = MailKind::parse(s).ok_or_else(|| {
                Refusal::invalid(
                    "stopped",
                    format!("Tipo di email sconosciuto \"{s}\"."),
                    format!("Unknown kind of mail \"{s}\"."),
                )
            })?;
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE users SET exchange_mail = $1 WHERE id = $2")
            .bind(mode)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM exchange_mail_stops WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?;
        for k in kinds {
            stop(&mut tx, user.id, k, now).await?;
        }
        tx.commit().await?;
        self.mail_settings(user).await
    }

    /// The one-click address that stops `kind` of mail for the person.
    pub fn unsubscribe_url(&self, user_id: i64, kind: MailKind) -> String {
        let message = format!("{user_id}:{}", kind.as_str());
        format!(
            "{}/disiscrizione/{user_id}/{}/{}",
            self.public_url,
            kind.as_str(),
            self.outbox.sign(SIGNATURE, &message)
        )
    }

    /// Checks a one-click link: the person and the kind it stops, if its signature holds.
    pub fn unsubscribe_link(&self, user_id: i64, kind: &str, signature: &str) -> Option<MailKind> {
        let kind = MailKind::parse(kind)?;
        self.outbox.verify(SIGNATURE, &format!("{user_id}:{}", kind.as_str()), signature).then_some(kind)
    }

    /// Stops one kind of mail for a person (the one-click unsubscribe).
    pub async fn stop_mail(&self, user_id: i64, kind: MailKind) -> Result<(), Refusal> {
        let mut conn = self.db.pool().acquire().await?;
        stop(&mut conn, user_id, kind, self.now()).await?;
        Ok(())
    }

    /// Tells the followers who may see it, in the caller's transaction: at once, or kept for
    /// their digest.
    pub(super) async fn tell_followers(&self, conn: &mut AnyConnection, news: &News<'_>) -> Result<(), Refusal> {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        if let Some(q) = news.question {
            binds.push(q.to_string());
            conditions.push(format!("(f.target = 'question' AND f.target_key = ${})", binds.len() + 2));
        }
        for (target, keys) in [("topic", news.topics), ("fund", news.funds)] {
            for k in keys {
                binds.push(k.clone());
                conditions.push(format!("(f.target = '{target}' AND f.target_key = ${})", binds.len() + 2));
            }
        }
        if conditions.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT DISTINCT u.id, u.email, u.name, u.lang, u.exchange_mail FROM exchange_follows f \
             JOIN users u ON u.id = f.user_id WHERE ({}) AND u.id <> $1 AND u.active = 1 AND u.erased = 0 \
             AND NOT EXISTS (SELECT 1 FROM exchange_mail_stops s WHERE s.user_id = u.id AND s.kind = $2) ORDER BY u.id",
            conditions.join(" OR ")
        );
        let mut q = sqlx::query_as::<_, Follower>(&sql).bind(news.actor).bind(news.kind.as_str());
        for b in &binds {
            q = q.bind(b);
        }
        let followers = q.fetch_all(&mut *conn).await?;
        let now = self.now();
        for f in followers {
            if f.exchange_mail == "digest" {
                sqlx::query(
                    "INSERT INTO exchange_news (user_id, kind, item_id, title, path, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (user_id, kind, item_id) DO NOTHING",
                )
                .bind(f.id)
                .bind(news.kind.as_str())
                .bind(news.item)
                .bind(news.title)
                .bind(&news.path)
                .bind(now)
                .execute(&mut *conn)
                .await?;
                continue;
            }
            let lang = Lang::parse(&f.lang).unwrap_or_default();
            let content = self.news_mail(news, lang);
            let to = Recipient { email: f.email, name: f.name, lang, reachable: true };
            let key = format!("{}:{}:{}", news.kind.outbox_kind(), news.item, f.id);
            let m = ToUser::new(key, news.kind.outbox_kind(), to, content)
                .unsubscribe(self.unsubscribe_url(f.id, news.kind));
            self.outbox.enqueue_to_user(&mut *conn, now, m).await.map_err(Refusal::Outbox)?;
        }
        Ok(())
    }

    fn news_mail(&self, news: &News<'_>, lang: Lang) -> Content {
        let (subject, line, button) = match news.kind {
            MailKind::Answer => (
                lang.t("Nuova risposta", "New answer"),
                lang.t(
                    "C'è una nuova risposta a una domanda che segui",
                    "There is a new answer to a question you follow",
                ),
                lang.t("Leggi la risposta", "Read the answer"),
            ),
            MailKind::Accepted => (
                lang.t("Domanda risolta", "Question solved"),
                lang.t(
                    "Una domanda che segui ha ora una risposta risolutiva",
                    "A question you follow now has an accepted answer",
                ),
                lang.t("Leggi la risposta", "Read the answer"),
            ),
            _ => (
                lang.t("Nuova esperienza delle Regioni", "New practice of the Regions"),
                lang.t(
                    "È stata pubblicata un'esperienza su un tema o un fondo che segui",
                    "A practice on a topic or fund you follow was published",
                ),
                lang.t("Leggi l'esperienza", "Read the practice"),
            ),
        };
        Content {
            subject: format!("{subject}: {}", clip(news.title, 150)),
            paragraphs: vec![
                format!("{line}: «{}» ({}).", news.title, news.detail),
                lang.t(
                    "Ricevi queste email perché segui la domanda, il tema o il fondo. Puoi smettere con il link in fondo o dalle impostazioni del profilo.",
                    "You get these emails because you follow the question, topic or fund. You can stop them with the link at the bottom or in your profile settings.",
                )
                .to_string(),
            ],
            action: Some((button.to_string(), format!("{}{}", self.public_url, news.path))),
        }
    }

    /// Sends every pending digest (one mail a person, their news of the day) and schedules
    /// the next run.
    pub async fn send_digests(&self, run_key: &str) -> Result<usize, Refusal> {
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        #[derive(FromRow)]
        struct Row {
            user_id: i64,
            kind: String,
            title: String,
            path: String,
            email: String,
            name: String,
            lang: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT n.user_id, n.kind, n.title, n.path, u.email, u.name, u.lang FROM exchange_news n \
             JOIN users u ON u.id = n.user_id WHERE n.sent_at IS NULL AND u.active = 1 AND u.erased = 0 \
             AND NOT EXISTS (SELECT 1 FROM exchange_mail_stops s WHERE s.user_id = u.id AND s.kind = 'digest') \
             ORDER BY n.user_id, n.created_at, n.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut sent = 0;
        for person in rows.chunk_by(|a, b| a.user_id == b.user_id) {
            let first = &person[0];
            let lang = Lang::parse(&first.lang).unwrap_or_default();
            let mut paragraphs = vec![lang
                .t(
                    "Le novità di ieri sulle domande, i temi e i fondi che segui:",
                    "Yesterday's news on the questions, topics and funds you follow:",
                )
                .to_string()];
            for n in person {
                let what = MailKind::parse(&n.kind).map(|k| k.label(lang)).unwrap_or("");
                paragraphs.push(format!("• {} ({what}): {}{}", n.title, self.public_url, n.path));
            }
            let content = Content {
                subject: format!(
                    "{} {}",
                    lang.t(
                        "fondilab: novità dallo scambio tra Regioni,",
                        "fondilab: news from the exchange between Regions,"
                    ),
                    local_date(now).format("%d/%m/%Y")
                ),
                paragraphs,
                action: Some((
                    lang.t("Apri lo scambio", "Open the exchange").into(),
                    format!("{}/scambio/domande", self.public_url),
                )),
            };
            let to = Recipient { email: first.email.clone(), name: first.name.clone(), lang, reachable: true };
            let m = ToUser::new(format!("{run_key}:{}", first.user_id), DIGEST_JOB, to, content)
                .unsubscribe(self.unsubscribe_url(first.user_id, MailKind::Digest));
            self.outbox.enqueue_to_user(&mut tx, now, m).await.map_err(Refusal::Outbox)?;
            sent += 1;
        }
        sqlx::query("UPDATE exchange_news SET sent_at = $1 WHERE sent_at IS NULL").bind(now).execute(&mut *tx).await?;
        tx.commit().await?;
        self.outbox.wake();
        Ok(sent)
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

pub(super) async fn insert_follow(
    conn: &mut AnyConnection,
    user: i64,
    target: &Target,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (kind, key) = target.parts();
    sqlx::query(
        "INSERT INTO exchange_follows (user_id, target, target_key, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, target, target_key) DO NOTHING",
    )
    .bind(user)
    .bind(kind)
    .bind(&key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn stop(conn: &mut AnyConnection, user: i64, kind: MailKind, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exchange_mail_stops (user_id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, kind) DO NOTHING",
    )
    .bind(user)
    .bind(kind.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// 08:00 Italian time on the day after `now`'s.
fn next_run(now: i64) -> (chrono::NaiveDate, i64) {
    let day = local_date(now) + chrono::Duration::days(1);
    (day, local_midnight_ms(day) + 8 * 3_600_000)
}

/// Schedules the next digest run (idempotent: one job a day).
pub async fn schedule_digest(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    let (day, at) = next_run(now);
    let key = format!("{DIGEST_JOB}:{day}");
    let mut conn = db.pool().acquire().await?;
    jobs::schedule(&mut conn, now, &NewJob { key: &key, kind: DIGEST_JOB, payload: serde_json::json!({}), run_at: at })
        .await?;
    Ok(())
}

/// The daily digest as a job.
pub struct DigestJob {
    pub exchange: Exchange,
}

impl JobHandler for DigestJob {
    fn kind(&self) -> &'static str {
        DIGEST_JOB
    }

    fn run<'a>(&'a self, db: &'a Db, job: &'a JobRow) -> JobFuture<'a> {
        Box::pin(async move {
            self.exchange
                .send_digests(&job.idempotency_key)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::En)))?;
            schedule_digest(db, self.exchange.now()).await?;
            jobs::forget_done(db, DIGEST_JOB, job.id).await?;
            Ok(())
        })
    }
}
