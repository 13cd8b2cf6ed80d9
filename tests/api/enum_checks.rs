//! Columns holding an enum refuse any value outside it, on both databases, and accept every
//! value the Rust code writes; the migration that added the checks (SQLite rebuilds the tables)
//! keeps every row of a database in use exactly as it was.

use std::borrow::Cow;
use std::path::Path;

use fondilab::db::Db;
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use crate::helpers::{Backend, PgDatabase};

/// A database of its own, empty, for each backend: `$run(&db, backend)` runs once on a SQLite
/// file and once on a new PostgreSQL database (reported as ignored without
/// FONDILAB_TEST_POSTGRES_URL). No app is started: these tests look at the schema alone.
macro_rules! on_both {
    ($name:ident, $run:ident) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let db = Db::connect(&fondilab::db::sqlite_url(dir.path())).await.unwrap();
                $run(&db, Backend::Sqlite).await;
                db.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(fondilab_postgres_tests),
                ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
            )]
            async fn postgres() {
                let pg = PgDatabase::create().await;
                let db = Db::connect(&pg.url).await.unwrap();
                $run(&db, Backend::Postgres).await;
                db.close().await;
            }
        }
    };
}

/// Every table, so that rows outside the rebuilt ones are seen to survive too.
const TABLES: [&str; 20] = [
    "search_log",
    "outbox",
    "jobs",
    "regions",
    "users",
    "signin_tokens",
    "sessions",
    "api_tokens",
    "rate_events",
    "mentor_profiles",
    "mentor_experience",
    "mentorship_requests",
    "mentorship_matches",
    "mentorship_transitions",
    "mentorship_meetings",
    "mentorship_feedback",
    "settings",
    "events",
    "registrations",
    "calendar_feeds",
];

/// The tables 0008 rebuilds on SQLite.
const REBUILT: [&str; 12] = [
    "regions",
    "users",
    "outbox",
    "jobs",
    "search_log",
    "mentor_experience",
    "mentorship_requests",
    "mentorship_matches",
    "mentorship_transitions",
    "mentorship_feedback",
    "events",
    "registrations",
];

/// Runs `sql` with `binds`; the first column of the first row, if the statement returns one.
async fn exec(db: &Db, sql: &str, binds: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_optional(db.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}")).unwrap_or(0)
}

/// The ids of the rows [`seed`] made.
struct Seeded {
    officer: i64,
    mentor: i64,
    coordinator: i64,
    request: i64,
    matched: i64,
    event: i64,
}

/// Rows in every table, linked by their foreign keys, with every nullable column both empty and
/// filled somewhere. Written in SQL only, so that it runs on the schema of 0007 as well.
async fn seed(db: &Db) -> Seeded {
    let user =
        "INSERT INTO users (email, name, role, region_code, organisation, organisation_kind, lang, notify_email, \
                active, erased, created_at, updated_at, last_signin_at) VALUES ";
    let officer = exec(
        db,
        &format!("{user} ('funzionaria@asl.example', 'Funzionaria', 'officer', 'PUG', 'ASL Bari', 'asl', 'it', 1, 1, 0, 100, 200, 300) RETURNING id"),
        &[],
    )
    .await;
    let mentor = exec(
        db,
        &format!("{user} ('mentore@example.org', 'Mentore', 'mentor', NULL, NULL, NULL, 'en', 0, 1, 0, 101, 201, NULL) RETURNING id"),
        &[],
    )
    .await;
    let coordinator = exec(
        db,
        &format!("{user} ('coord@promis.example', 'Coordinamento', 'coordinator', NULL, 'ProMIS', 'altro', 'it', 1, 1, 0, 102, 202, 302) RETURNING id"),
        &[],
    )
    .await;
    for sql in [
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, last_seen_at) VALUES ('sessione', $1, 'csrf', 1, 2, 3)",
        "INSERT INTO signin_tokens (token_hash, user_id, created_at, expires_at, used_at) VALUES ('link', $1, 1, 2, NULL)",
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, last_used_at, revoked_at) VALUES ($1, 'cli', 'token', 'fl_ab', 1, 2, NULL)",
        "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, 'feed', 1)",
    ] {
        exec(db, sql, &[officer]).await;
    }
    exec(db, "INSERT INTO rate_events (bucket, at) VALUES ('email:funzionaria@asl.example', 5)", &[]).await;
    exec(db, "UPDATE settings SET value = '1', updated_at = 7 WHERE key = 'mentorship_auto'", &[]).await;
    exec(
        db,
        "INSERT INTO mentor_profiles (user_id, topics, languages, capacity, employer_region, pause_from, pause_until, bio, updated_at) \
         VALUES ($1, 'rendicontazione,costi-semplificati', 'it,en', 2, 'TOS', '2025-01-01', NULL, 'Vent''anni di FSE', 10)",
        &[mentor],
    )
    .await;
    for (fund, role, region) in [("FSE+", "adg", "'TOS'"), ("FESR", "oi", "NULL"), ("JTF", "beneficiario", "NULL")] {
        exec(
            db,
            &format!("INSERT INTO mentor_experience (user_id, fund, role, programme, region_code) VALUES ($1, '{fund}', '{role}', 'PR {fund}', {region})"),
            &[mentor],
        )
        .await;
    }
    let request = exec(
        db,
        "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, period_from, \
         period_until, state, form_key, created_at, updated_at) VALUES ('PUG', $1, 'FSE+', 'rendicontazione', 'it', 'study_visit', \
         'Aiuto sui costi', '2025-02-01', '2025-03-31', 'matched', '1:modulo', 20, 21) RETURNING id",
        &[officer],
    )
    .await;
    exec(
        db,
        "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, period_from, \
         period_until, state, form_key, created_at, updated_at) VALUES ('PUG', $1, 'FESR', '', 'en', 'remote', 'Other', NULL, NULL, \
         'open', NULL, 22, 22) RETURNING id",
        &[officer],
    )
    .await;
    let expired = exec(
        db,
        "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, proposed_at, expires_at, \
         answered_at, closed_at, reason, updated_at) VALUES ($1, $2, 'expired', 40, '[]', 30, 31, 32, NULL, 33, NULL, 33) RETURNING id",
        &[request, mentor],
    )
    .await;
    let matched = exec(
        db,
        "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, proposed_at, expires_at, \
         answered_at, closed_at, reason, updated_at) VALUES ($1, $2, 'accepted', 52, '[{\"points\":40,\"it\":\"AdG\",\"en\":\"MA\"}]', \
         34, 35, 36, 37, NULL, 'ok', 37) RETURNING id",
        &[request, mentor],
    )
    .await;
    exec(
        db,
        "INSERT INTO mentorship_transitions (request_id, match_id, from_state, to_state, actor_id, note, at) VALUES \
         ($1, NULL, NULL, 'open', $2, NULL, 20), ($1, $3, 'proposed', 'expired', NULL, 'scaduta', 32), \
         ($1, $4, NULL, 'suggested', NULL, 'motore', 34), ($1, NULL, 'open', 'matched', $5, NULL, 37)",
        &[request, officer, expired, matched, mentor],
    )
    .await;
    exec(
        db,
        "INSERT INTO mentorship_meetings (match_id, author_id, held_on, topic, notes, created_at) \
         VALUES ($1, $2, '2025-02-10', 'Avvio', 'Note', 40)",
        &[matched, mentor],
    )
    .await;
    exec(
        db,
        "INSERT INTO mentorship_feedback (match_id, side, author_id, useful, comment, created_at) \
         VALUES ($1, 'officer', $2, 4, 'Utile', 41), ($1, 'mentor', $3, 5, '', 42)",
        &[matched, officer, mentor],
    )
    .await;
    let event = "INSERT INTO events (kind, title, description, starts_at, ends_at, online_url, venue, capacity, \
                 registration_opens_at, registration_closes_at, audience, funds, topics, guides, speakers, materials_url, \
                 recording_url, state, sequence, created_by, created_at, updated_at, completed_at) VALUES ";
    let open_lab = exec(
        db,
        &format!("{event} ('open_lab', 'Open Lab', 'Testo', 1000, 2000, NULL, 'Bari', 1, 500, 900, 'PUG,SIC', 'FSE+', \
                  'rendicontazione', 'costi-unitari-fse-plus', 'Relatrice', NULL, NULL, 'published', 2, $1, 50, 51, NULL) RETURNING id"),
        &[coordinator],
    )
    .await;
    let webinar = exec(
        db,
        &format!("{event} ('webinar', 'Webinar', '', 3000, 4000, 'https://meet.example/x', NULL, 100, NULL, NULL, '', '', '', '', \
                  '', 'https://example.org/slides', 'https://example.org/video', 'completed', 0, NULL, 52, 53, 4100) RETURNING id"),
        &[],
    )
    .await;
    let reg =
        "INSERT INTO registrations (event_id, user_id, state, position, attended, created_at, updated_at) VALUES ";
    exec(
        db,
        &format!("{reg} ($1, $2, 'confirmed', 1, 0, 60, 60), ($1, $3, 'waitlisted', 2, 0, 61, 61)"),
        &[open_lab, officer, mentor],
    )
    .await;
    exec(
        db,
        &format!("{reg} ($1, $2, 'cancelled', 1, 0, 62, 63), ($1, $3, 'confirmed', 2, 1, 64, 65)"),
        &[webinar, officer, mentor],
    )
    .await;
    let outbox = "INSERT INTO outbox (idempotency_key, message_id, kind, recipient, recipient_name, lang, subject, body_text, \
                  body_html, attachments, status, attempts, not_before, lease_until, claimed_by, last_error, created_at, sent_at, \
                  updated_at) VALUES ";
    exec(
        db,
        &format!("{outbox} ('event.confirm:1', '<1@fondilab>', 'event.confirm', 'funzionaria@asl.example', 'Funzionaria', 'it', \
                  'Iscrizione', 'Testo', '<p>Testo</p>', '[]', 'sent', 1, 60, NULL, 'w1', NULL, 60, 61, 61), \
                  ('mentorship.proposal:2', '<2@fondilab>', 'mentorship.proposal', 'mentore@example.org', 'Mentore', 'en', \
                  'Proposal', 'Text', '<p>Text</p>', '[{{\"name\":\"x.ics\"}}]', 'pending', 2, 70, 71, 'w2', 'timeout', 35, NULL, 71)"),
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO jobs (idempotency_key, kind, payload, status, attempts, run_at, lease_until, claimed_by, last_error, \
         created_at, done_at, updated_at) VALUES ('mentorship.expire:1', 'mentorship.expire', '{\"match\":1}', 'done', 1, 32, NULL, \
         'w1', NULL, 31, 33, 33), ('kpi.digest:1', 'kpi.digest', '{}', 'pending', 0, 90, NULL, NULL, 'boom', 80, NULL, 80)",
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO search_log (query, filters, result_count, took_us, ui_lang, created_at, answered) VALUES \
         ('costi unitari', '{\"fund\":\"FSE+\"}', 12, 900, 'it', 5, 1), ('zirconio', '{}', 0, 300, 'en', 6, 0)",
        &[],
    )
    .await;
    Seeded { officer, mentor, coordinator, request, matched, event: open_lab }
}

/// Each cell with its column's name and what it decodes as: an integer, a text or a real.
fn cells(row: &AnyRow) -> Vec<String> {
    (0..row.columns().len())
        .map(|i| {
            let name = row.column(i).name();
            if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                format!("{name}=int {v:?}")
            } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                format!("{name}=text {v:?}")
            } else {
                format!("{name}=real {:?}", row.try_get::<Option<f64>, _>(i).unwrap())
            }
        })
        .collect()
}

async fn snapshot(db: &Db) -> Vec<(&'static str, Vec<Vec<String>>)> {
    let mut tables = Vec::new();
    for table in TABLES {
        // Not kept prepared: a later migration may add columns (0010 adds `events.uid`), and a
        // statement prepared before it would read the table as it was.
        let sql = format!("SELECT * FROM {table} ORDER BY 1, 2");
        let rows = sqlx::query(&sql).persistent(false).fetch_all(db.pool()).await.unwrap();
        tables.push((table, rows.iter().map(cells).collect()));
    }
    tables
}

/// The schema as SQLite keeps it, every statement without its whitespace.
async fn sqlite_schema(db: &Db) -> Vec<(String, String, String)> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .fetch_all(db.pool())
            .await
            .unwrap();
    rows.into_iter()
        .map(|(kind, name, sql)| (kind, name, sql.unwrap_or_default().split_whitespace().collect::<String>()))
        .collect()
}

/// `sql` without its named CHECK constraints (`CONSTRAINT x CHECK (...)`).
fn without_checks(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find("CONSTRAINT") {
        out.push_str(&rest[..at]);
        let check = &rest[at..];
        let open = check.find('(').expect("a CHECK has parentheses");
        let mut depth = 0;
        let mut end = open;
        for (i, c) in check[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = open + i;
                break;
            }
        }
        rest = &check[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A database at migration 0007, as a deployment had it before the checks.
async fn at_0007(db: &Db, backend: Backend) {
    up_to(db, backend, 7).await;
}

/// Applies the migrations up to `version`.
pub async fn up_to(db: &Db, backend: Backend, version: i64) {
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
    let mut migrator = sqlx::migrate::Migrator::new(path).await.unwrap();
    let before: Vec<_> = migrator.iter().filter(|m| m.version <= version).cloned().collect();
    assert_eq!(before.len() as i64, version);
    migrator.migrations = Cow::Owned(before);
    migrator.run(db.pool()).await.unwrap();
}

async fn upgrade_keeps_every_row(db: &Db, backend: Backend) {
    at_0007(db, backend).await;
    let seeded = seed(db).await;
    // The newest user goes: its id must not be handed out again after the rebuild.
    let gone = exec(
        db,
        "INSERT INTO users (email, name, role, lang, notify_email, active, erased, created_at, updated_at) \
         VALUES ('passato@example.org', 'Passato', 'mentor', 'it', 1, 1, 0, 1, 1) RETURNING id",
        &[],
    )
    .await;
    exec(db, "DELETE FROM users WHERE id = $1", &[gone]).await;
    let before = snapshot(db).await;
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "{table} has no row to carry over");
    }
    let schema_before = if backend == Backend::Sqlite { sqlite_schema(db).await } else { Vec::new() };

    up_to(db, backend, 8).await;

    assert_eq!(snapshot(db).await, before);
    if backend == Backend::Sqlite {
        let schema_after: Vec<_> =
            sqlite_schema(db).await.into_iter().map(|(kind, name, sql)| (kind, name, without_checks(&sql))).collect();
        let changed: Vec<_> = schema_after.iter().filter(|o| !schema_before.contains(o)).collect();
        let lost: Vec<_> = schema_before.iter().filter(|o| !schema_after.contains(o)).collect();
        assert!(changed.is_empty() && lost.is_empty(), "beyond the CHECKs, now {changed:#?}\nbefore {lost:#?}");
        for table in REBUILT {
            let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(table)
                .fetch_one(db.pool())
                .await
                .unwrap();
            assert!(sql.contains(&format!("CONSTRAINT {table}_")), "{table} has no CHECK: {sql}");
        }
        let broken: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT * FROM pragma_foreign_key_check").fetch_all(db.pool()).await.unwrap();
        assert!(broken.is_empty(), "{broken:?}");
    }
    let next = exec(
        db,
        "INSERT INTO users (email, name, role, lang, notify_email, active, erased, created_at, updated_at) \
         VALUES ('nuova@example.org', 'Nuova', 'officer', 'it', 1, 1, 0, 1, 1) RETURNING id",
        &[],
    )
    .await;
    assert!(next > gone, "id {next} handed out again (the deleted user had {gone})");
    // The upgraded database refuses what a new one refuses.
    let err = sqlx::query("UPDATE users SET role = 'superuser' WHERE id = $1")
        .bind(seeded.officer)
        .execute(db.pool())
        .await
        .unwrap_err();
    assert_check_violation(&err, "users_role_check");
    // And the app reads what it kept.
    let officer = fondilab::accounts::get(db, seeded.officer).await.unwrap().unwrap();
    assert_eq!(
        (officer.role, officer.lang, officer.organisation_kind.as_deref()),
        (fondilab::accounts::Role::Officer, fondilab::i18n::Lang::It, Some("asl"))
    );
    // The migrations after the checks apply on top and keep the rows (read on connections
    // opened after them: a later migration adds columns to tables the ones above have read).
    db.migrate().await.expect("later migrations apply to the upgraded database");
    let fresh = db.own_pool(2, std::time::Duration::from_secs(10));
    assert!(snapshot(&fresh).await.iter().all(|(_, rows)| !rows.is_empty()));
}

on_both!(upgrade_from_0007_keeps_every_row, upgrade_keeps_every_row);

fn assert_check_violation(err: &sqlx::Error, constraint: &str) {
    let sqlx::Error::Database(e) = err else { panic!("not a database error: {err}") };
    assert_eq!(e.kind(), sqlx::error::ErrorKind::CheckViolation, "{err}");
    // PostgreSQL names the constraint; SQLite says "CHECK constraint failed: <name>".
    assert!(e.constraint() == Some(constraint) || e.message().ends_with(&format!(": {constraint}")), "{err}");
}

/// One checked column: the values the code writes, and the seeded row to try them on.
struct Checked {
    table: &'static str,
    column: &'static str,
    allowed: Vec<String>,
    /// Values of the column's type that are still refused (besides an unknown word).
    refused: Vec<String>,
    nullable: bool,
    row: String,
    /// Columns a new row needs besides the defaults of [`insert_row`] for the value to be judged.
    insert_as: &'static [(&'static str, &'static str)],
}

fn strings<T>(values: impl IntoIterator<Item = T>, f: impl Fn(T) -> &'static str) -> Vec<String> {
    values.into_iter().map(|v| f(v).to_string()).collect()
}

fn checked_columns(s: &Seeded) -> Vec<Checked> {
    use fondilab::events::{EventState, Kind, RegState};
    use fondilab::i18n::Lang;
    use fondilab::matching::ExperienceRole;
    use fondilab::mentorship::{Format, MatchState, RequestState};

    let langs = strings(Lang::ALL, Lang::code);
    let funds = strings(fondilab::guides::Fund::ALL, |f| f.as_str());
    let request_states =
        strings([RequestState::Open, RequestState::Matched, RequestState::Closed, RequestState::Withdrawn], |r| {
            r.as_str()
        });
    let match_states = strings(MatchState::ALL, |m| m.as_str());
    let only_request: Vec<String> = request_states.iter().filter(|r| !match_states.contains(r)).cloned().collect();
    let only_match: Vec<String> = match_states.iter().filter(|m| !request_states.contains(m)).cloned().collect();
    let column = |table, column, allowed: Vec<String>, row: String| Checked {
        table,
        column,
        allowed,
        refused: Vec::new(),
        nullable: false,
        row,
        insert_as: &[],
    };
    let user = format!("id = {}", s.officer);
    let request = format!("id = {}", s.request);
    let experience = format!("user_id = {} AND programme = 'PR FESR'", s.mentor);
    let match_transition = format!("request_id = {} AND at = 32", s.request);
    let request_transition = format!("request_id = {} AND at = 37", s.request);
    // A transition without a match is the request's own.
    let of_request: &[(&str, &str)] = &[("match_id", "NULL"), ("from_state", "'open'"), ("to_state", "'withdrawn'")];
    vec![
        column("regions", "kind", vec!["regione".into(), "provincia_autonoma".into()], "code = 'PUG'".into()),
        column(
            "regions",
            "category",
            vec!["less_developed".into(), "transition".into(), "more_developed".into()],
            "code = 'PUG'".into(),
        ),
        column("users", "role", strings(fondilab::accounts::Role::ALL, |r| r.as_str()), user.clone()),
        column("users", "lang", langs.clone(), user.clone()),
        Checked {
            nullable: true,
            ..column(
                "users",
                "organisation_kind",
                fondilab::accounts::ORGANISATION_KINDS.iter().map(|(code, _, _)| code.to_string()).collect(),
                user,
            )
        },
        column(
            "outbox",
            "status",
            strings(fondilab::notify::store::STATUSES, |s| s),
            "idempotency_key = 'event.confirm:1'".into(),
        ),
        column("outbox", "lang", langs.clone(), "idempotency_key = 'event.confirm:1'".into()),
        column(
            "jobs",
            "status",
            vec!["pending".into(), "running".into(), "done".into(), "dead".into(), "cancelled".into()],
            "idempotency_key = 'kpi.digest:1'".into(),
        ),
        column("search_log", "ui_lang", langs.clone(), "query = 'zirconio'".into()),
        column("mentor_experience", "fund", funds.clone(), experience.clone()),
        column(
            "mentor_experience",
            "role",
            [ExperienceRole::Adg, ExperienceRole::Oi, ExperienceRole::Audit, ExperienceRole::Beneficiario]
                .into_iter()
                .map(|r| serde_json::to_value(r).unwrap().as_str().unwrap().to_string())
                .collect(),
            experience,
        ),
        column("mentorship_requests", "fund", funds, request.clone()),
        column("mentorship_requests", "language", langs, request.clone()),
        column("mentorship_requests", "format", strings(Format::ALL, Format::as_str), request.clone()),
        column("mentorship_requests", "state", request_states.clone(), request),
        column("mentorship_matches", "state", match_states.clone(), format!("id = {}", s.matched)),
        Checked {
            refused: only_request.clone(),
            nullable: true,
            ..column("mentorship_transitions", "from_state", match_states.clone(), match_transition.clone())
        },
        Checked {
            refused: only_request,
            ..column("mentorship_transitions", "to_state", match_states, match_transition)
        },
        Checked {
            refused: only_match.clone(),
            nullable: true,
            insert_as: of_request,
            ..column("mentorship_transitions", "from_state", request_states.clone(), request_transition.clone())
        },
        Checked {
            refused: only_match,
            insert_as: of_request,
            ..column("mentorship_transitions", "to_state", request_states, request_transition)
        },
        column(
            "mentorship_feedback",
            "side",
            vec!["officer".into(), "mentor".into()],
            format!("match_id = {} AND author_id = {}", s.matched, s.officer),
        ),
        column("events", "kind", strings(Kind::ALL, Kind::as_str), format!("id = {}", s.event)),
        column(
            "events",
            "state",
            strings([EventState::Draft, EventState::Published, EventState::Cancelled, EventState::Completed], |e| {
                e.as_str()
            }),
            format!("id = {}", s.event),
        ),
        column(
            "registrations",
            "state",
            strings([RegState::Confirmed, RegState::Waitlisted, RegState::Cancelled], RegState::as_str),
            format!("event_id = {} AND user_id = {}", s.event, s.officer),
        ),
    ]
}

/// A new, valid row for `table`, but for the columns `set` (values as SQL; the last for a column
/// counts).
fn insert_row(s: &Seeded, table: &str, set: &[(&str, String)]) -> String {
    let (o, m, c, r, x, e) = (s.officer, s.mentor, s.coordinator, s.request, s.matched, s.event);
    let row: Vec<(&str, String)> = match table {
        "regions" => vec![
            ("code", "'ZZZ'".into()),
            ("name", "'Nuova'".into()),
            ("kind", "'regione'".into()),
            ("category", "'transition'".into()),
            ("partnership", "0".into()),
        ],
        "users" => vec![
            ("email", "'altra@example.org'".into()),
            ("name", "'Altra'".into()),
            ("role", "'officer'".into()),
            ("region_code", "'PUG'".into()),
            ("organisation_kind", "'asl'".into()),
            ("lang", "'it'".into()),
            ("notify_email", "1".into()),
            ("active", "1".into()),
            ("erased", "0".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "outbox" => vec![
            ("idempotency_key", "'nuovo'".into()),
            ("message_id", "'<n@fondilab>'".into()),
            ("kind", "'event.confirm'".into()),
            ("recipient", "'a@example.org'".into()),
            ("recipient_name", "'A'".into()),
            ("lang", "'it'".into()),
            ("subject", "'S'".into()),
            ("body_text", "''".into()),
            ("body_html", "''".into()),
            ("attachments", "'[]'".into()),
            ("status", "'pending'".into()),
            ("not_before", "1".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "jobs" => vec![
            ("idempotency_key", "'nuovo'".into()),
            ("kind", "'kpi.digest'".into()),
            ("payload", "'{}'".into()),
            ("status", "'pending'".into()),
            ("run_at", "1".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "search_log" => vec![
            ("query", "'q'".into()),
            ("filters", "'{}'".into()),
            ("result_count", "0".into()),
            ("took_us", "1".into()),
            ("ui_lang", "'it'".into()),
            ("created_at", "1".into()),
        ],
        "mentor_experience" => vec![
            ("user_id", m.to_string()),
            ("fund", "'FSE+'".into()),
            ("role", "'adg'".into()),
            ("programme", "'PR'".into()),
        ],
        "mentorship_requests" => vec![
            ("region_code", "'PUG'".into()),
            ("officer_id", o.to_string()),
            ("fund", "'FSE+'".into()),
            ("topics", "''".into()),
            ("language", "'it'".into()),
            ("format", "'remote'".into()),
            ("description", "''".into()),
            ("state", "'withdrawn'".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "mentorship_matches" => vec![
            ("request_id", r.to_string()),
            ("mentor_id", m.to_string()),
            ("state", "'declined'".into()),
            ("score", "0".into()),
            ("parts", "'[]'".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "mentorship_transitions" => vec![
            ("request_id", r.to_string()),
            ("match_id", x.to_string()),
            ("from_state", "'accepted'".into()),
            ("to_state", "'completed'".into()),
            ("at", "1".into()),
        ],
        "mentorship_feedback" => vec![
            ("match_id", x.to_string()),
            ("side", "'mentor'".into()),
            ("author_id", c.to_string()),
            ("useful", "3".into()),
            ("comment", "''".into()),
            ("created_at", "1".into()),
        ],
        "events" => vec![
            ("kind", "'forum'".into()),
            ("title", "'T'".into()),
            ("description", "''".into()),
            ("starts_at", "1".into()),
            ("ends_at", "2".into()),
            ("capacity", "1".into()),
            ("audience", "''".into()),
            ("funds", "''".into()),
            ("topics", "''".into()),
            ("guides", "''".into()),
            ("speakers", "''".into()),
            ("state", "'draft'".into()),
            ("sequence", "0".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        "registrations" => vec![
            ("event_id", e.to_string()),
            ("user_id", c.to_string()),
            ("state", "'cancelled'".into()),
            ("position", "9".into()),
            ("attended", "0".into()),
            ("created_at", "1".into()),
            ("updated_at", "1".into()),
        ],
        other => panic!("no row for {other}"),
    };
    for (column, _) in set {
        assert!(row.iter().any(|(name, _)| name == column), "{table}.{column} is not in its row");
    }
    let names: Vec<&str> = row.iter().map(|(name, _)| *name).collect();
    let values: Vec<&str> = row
        .iter()
        .map(|(name, v)| set.iter().rev().find(|(column, _)| column == name).map_or(v.as_str(), |(_, v)| v.as_str()))
        .collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), values.join(", "))
}

async fn refuse_unknown_values(db: &Db, _: Backend) {
    db.migrate().await.unwrap();
    let seeded = seed(db).await;
    // One feedback row, so that its side can take either value.
    exec(db, "DELETE FROM mentorship_feedback WHERE side = 'mentor'", &[]).await;
    for c in checked_columns(&seeded) {
        let constraint = format!("{}_{}_check", c.table, c.column);
        let update = format!("UPDATE {} SET {} = $1 WHERE {}", c.table, c.column, c.row);
        let original: Option<String> =
            sqlx::query_scalar(&format!("SELECT {} FROM {} WHERE {}", c.column, c.table, c.row))
                .fetch_one(db.pool())
                .await
                .unwrap_or_else(|e| panic!("{}.{} row: {e}", c.table, c.column));
        for value in &c.allowed {
            let done = sqlx::query(&update).bind(value).execute(db.pool()).await;
            let done = done.unwrap_or_else(|e| panic!("{}.{} = {value}: {e}", c.table, c.column));
            assert_eq!(done.rows_affected(), 1, "{update}");
        }
        let unknown = ["inconnu".to_string(), String::new(), format!("{} ", c.allowed[0])];
        for value in c.refused.iter().chain(&unknown) {
            let done = sqlx::query(&update).bind(value).execute(db.pool()).await;
            let err = done.expect_err(&format!("{update} with \"{value}\""));
            assert_check_violation(&err, &constraint);
            let mut set: Vec<(&str, String)> = c.insert_as.iter().map(|(k, v)| (*k, v.to_string())).collect();
            set.push((c.column, format!("'{value}'")));
            let insert = insert_row(&seeded, c.table, &set);
            let err = sqlx::query(&insert).execute(db.pool()).await.expect_err(&insert);
            assert_check_violation(&err, &constraint);
        }
        let null = sqlx::query(&format!("UPDATE {} SET {} = NULL WHERE {}", c.table, c.column, c.row))
            .execute(db.pool())
            .await;
        match (c.nullable, null) {
            (true, done) => assert_eq!(done.unwrap().rows_affected(), 1),
            (false, done) => assert!(done.is_err(), "{}.{} took NULL", c.table, c.column),
        }
        sqlx::query(&update).bind(&original).execute(db.pool()).await.unwrap();
    }
    // The rows the refusals were tried on differ from valid ones only by the refused value.
    for table in REBUILT {
        let ok = insert_row(&seeded, table, &[]);
        sqlx::query(&ok).execute(db.pool()).await.unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let ok = insert_row(
        &seeded,
        "mentorship_transitions",
        &[("match_id", "NULL".into()), ("from_state", "'open'".into()), ("to_state", "'withdrawn'".into())],
    );
    sqlx::query(&ok).execute(db.pool()).await.unwrap_or_else(|e| panic!("{ok}: {e}"));
}

on_both!(enum_columns_take_the_codes_values_and_refuse_any_other, refuse_unknown_values);
