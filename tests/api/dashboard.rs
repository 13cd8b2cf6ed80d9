//! The WP5 dashboard against hand-counted expectations on seeded data, on both databases:
//! a cancelled event, an event with nobody present, a mentorship that expired then was
//! matched again, a Region with no activity; scopes, exports and the weekly digest.

use std::sync::Arc;

use fondilab::jobs::JobHandler;
use serde_json::Value;

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn exec(app: &TestApp, sql: &str, binds: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_optional(app.state.db.pool()).await.unwrap().unwrap_or(0)
}

async fn event(app: &TestApp, kind: &str, state: &str, starts: i64) -> i64 {
    exec(
        app,
        &format!(
            "INSERT INTO events (kind, title, description, starts_at, ends_at, venue, capacity, audience, funds, topics, guides, speakers, \
             state, sequence, created_at, updated_at) VALUES ('{kind}', 'Evento {kind} {state}', '', $1, $2, 'Roma', 50, '', '', '', '', '', \
             '{state}', 0, $1, $1) RETURNING id"
        ),
        &[starts, starts + 2 * HOUR],
    )
    .await
}

async fn reg(app: &TestApp, event: i64, who: &Visitor, state: &str, attended: bool, position: i64, at: i64) {
    exec(
        app,
        &format!("INSERT INTO registrations (event_id, user_id, state, position, attended, created_at, updated_at) VALUES ($1, $2, '{state}', $3, $4, $5, $5) RETURNING id"),
        &[event, who.id, position, i64::from(attended), at],
    )
    .await;
}

async fn request(app: &TestApp, region: &str, officer: &Visitor, state: &str, created: i64) -> i64 {
    exec(
        app,
        &format!(
            "INSERT INTO mentorship_requests (region_code, officer_id, fund, topics, language, format, description, state, created_at, updated_at) \
             VALUES ('{region}', $1, 'FSE+', 'rendicontazione', 'it', 'remote', 'Aiuto', '{state}', $2, $2) RETURNING id"
        ),
        &[officer.id, created],
    )
    .await
}

async fn matched(
    app: &TestApp,
    request: i64,
    mentor: &Visitor,
    state: &str,
    proposed: Option<i64>,
    answered: Option<i64>,
) -> i64 {
    exec(
        app,
        &format!(
            "INSERT INTO mentorship_matches (request_id, mentor_id, state, score, parts, created_at, proposed_at, answered_at, updated_at) \
             VALUES ($1, $2, '{state}', 50, '[]', $3, NULLIF($4, 0), NULLIF($5, 0), $3) RETURNING id"
        ),
        &[request, mentor.id, proposed.unwrap_or(1), proposed.unwrap_or(0), answered.unwrap_or(0)],
    )
    .await
}

fn task<'a>(r: &'a Value, t: &str) -> &'a Value {
    r["tasks"].as_array().unwrap().iter().find(|x| x["task"] == t).unwrap()
}

db_test!(dashboard_figures_match_hand_counts, |app| {
    let now = app.state.clock.now_ms();
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let p1 = app.user("p1@asl-bari.example", "officer", Some("PUG")).await;
    let p2 = app.user("p2@asl-lecce.example", "officer", Some("PUG")).await;
    let s1 = app.user("s1@asp-palermo.example", "officer", Some("SIC")).await;
    let v1 = app.user("v1@ulss.example", "officer", Some("VEN")).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;

    let a = event(&app, "webinar", "completed", now - 30 * DAY).await;
    let b = event(&app, "webinar", "completed", now - 20 * DAY).await;
    let c = event(&app, "open_lab", "cancelled", now - 10 * DAY).await;
    let d = event(&app, "forum", "published", now + 10 * DAY).await;
    let e = event(&app, "mentorship_lab", "completed", now - 5 * DAY).await;
    let f = event(&app, "forum", "published", now - 2 * DAY).await;
    reg(&app, a, &p1, "confirmed", true, 1, now - 31 * DAY).await;
    reg(&app, a, &s1, "confirmed", true, 2, now - 31 * DAY).await;
    reg(&app, a, &p2, "confirmed", false, 3, now - 31 * DAY).await;
    reg(&app, a, &coord, "cancelled", false, 4, now - 31 * DAY).await;
    reg(&app, b, &p1, "confirmed", false, 1, now - 21 * DAY).await;
    reg(&app, c, &s1, "confirmed", false, 1, now - 11 * DAY).await;
    reg(&app, d, &s1, "waitlisted", false, 1, now - DAY).await;
    reg(&app, e, &p1, "confirmed", true, 1, now - 6 * DAY).await;

    // Expired, then matched again and accepted; another completed with feedback; one still open.
    let r1 = request(&app, "PUG", &p1, "matched", now - 40 * DAY).await;
    matched(&app, r1, &mentor, "expired", Some(now - 40 * DAY + 2 * HOUR), None).await;
    matched(&app, r1, &mentor, "accepted", Some(now - 40 * DAY + 6 * HOUR), Some(now - 40 * DAY + 10 * HOUR)).await;
    let r3 = request(&app, "PUG", &p2, "closed", now - 60 * DAY).await;
    let m3 =
        matched(&app, r3, &mentor, "completed", Some(now - 60 * DAY + 4 * HOUR), Some(now - 60 * DAY + 8 * HOUR)).await;
    for (side, who, useful) in [("officer", &p2, 4), ("mentor", &mentor, 2)] {
        exec(
            &app,
            &format!("INSERT INTO mentorship_feedback (match_id, side, author_id, useful, comment, created_at) VALUES ($1, '{side}', $2, $3, '', $4) RETURNING match_id"),
            &[m3, who.id, useful, now],
        )
        .await;
    }
    let r2 = request(&app, "SIC", &s1, "open", now - 3 * DAY).await;
    matched(&app, r2, &mentor, "suggested", None, None).await;
    for (q, n, times) in [
        ("Telemedicina", 0, 2),
        ("TELEMEDICINA ", 0, 1),
        ("PERCHÉ", 0, 1),
        ("perché", 0, 1),
        ("PNRR", 0, 1),
        ("costi", 5, 2),
    ] {
        for _ in 0..times {
            sqlx::query("INSERT INTO search_log (query, filters, result_count, took_us, ui_lang, created_at) VALUES ($1, '', $2, 10, 'it', $3)")
                .bind(q)
                .bind(n)
                .bind(now - DAY)
                .execute(app.state.db.pool())
                .await
                .unwrap();
        }
    }

    // Coordinators: every Region.
    let (s, r) = app.get_json_as(&coord, "/api/v1/kpi").await;
    assert_eq!(s, 200, "{r}");
    let delivered: Vec<(i64, i64)> = ["5.1", "5.2", "5.3", "5.4"]
        .iter()
        .map(|t| (task(&r, t)["delivered"].as_i64().unwrap(), task(&r, t)["target"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        delivered,
        vec![(1, 6), (0, 6), (1, 6), (0, 6)],
        "B had nobody, C was cancelled, D and F are not completed"
    );
    assert_eq!(task(&r, "5.1")["events"][0]["id"], a);
    assert_eq!(task(&r, "5.1")["events"][0]["attendees"], 2, "P1 and S1 attended A; P2 did not");
    let p = &r["participation"];
    assert_eq!(
        (p["registrations"].as_i64(), p["confirmed_at_completed"].as_i64(), p["attended"].as_i64()),
        (Some(7), Some(5), Some(3))
    );
    assert_eq!(p["attendance_rate"].as_f64(), Some(60.0));
    assert_eq!(p["people"], 2);
    assert_eq!(p["regions"], serde_json::json!(["PUG", "SIC"]));
    let m = &r["mentorship"];
    assert_eq!(
        (
            m["open_requests"].as_i64(),
            m["active"].as_i64(),
            m["completed"].as_i64(),
            m["expired"].as_i64(),
            m["declined"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1), Some(0))
    );
    assert_eq!(
        (m["median_hours_to_proposal"].as_f64(), m["median_hours_to_acceptance"].as_f64()),
        (Some(3.0), Some(9.0))
    );
    assert_eq!(m["average_feedback"].as_f64(), Some(3.0));
    assert_eq!(r["empty_searches"], serde_json::json!([["telemedicina", 3], ["perché", 2], ["pnrr", 1]]));
    let monthly = r["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 12);
    let sum = |k: &str| monthly.iter().map(|x| x[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(
        (sum("delivered"), sum("registrations"), sum("attended"), sum("requests"), sum("accepted")),
        (2, 7, 3, 3, 2)
    );
    assert_eq!(r["todo"]["suggestions"], 1);
    assert_eq!(r["todo"]["to_complete"][0][0], f);
    assert_eq!((r["todo"]["to_complete_count"].as_i64(), r["todo"]["expiring_count"].as_i64()), (Some(1), Some(0)));
    let corpus = app.state.search.corpus();
    let pairs = corpus.guides.iter().filter(|g| g.translation_of.is_some()).count() / 2;
    assert!(pairs > 0);
    assert_eq!(
        (r["guides"]["total"].as_u64(), r["guides"]["translated"].as_u64()),
        (Some((corpus.guides.len() - pairs) as u64), Some(pairs as u64)),
        "a guide and its translation count once"
    );

    // An officer sees their Region; another Region's figures are not visible.
    let (_, r) = app.get_json_as(&p2, "/api/v1/kpi").await;
    assert_eq!((task(&r, "5.1")["delivered"].as_i64(), task(&r, "5.3")["delivered"].as_i64()), (Some(1), Some(1)));
    assert_eq!(task(&r, "5.1")["events"][0]["attendees"], 1, "of A's attendees, only P1 is from Puglia");
    let p = &r["participation"];
    assert_eq!(
        (
            p["registrations"].as_i64(),
            p["confirmed_at_completed"].as_i64(),
            p["attended"].as_i64(),
            p["people"].as_i64()
        ),
        (Some(4), Some(4), Some(2), Some(1))
    );
    assert_eq!(p["attendance_rate"].as_f64(), Some(50.0));
    assert_eq!(r["mentorship"]["open_requests"], 0);
    assert!(r["todo"].is_null());
    assert_eq!(app.get_json_as(&p2, "/api/v1/kpi?region=SIC").await.0, 404);
    let (_, r) = app.get_json_as(&v1, "/api/v1/kpi").await;
    assert!(r["tasks"].as_array().unwrap().iter().all(|t| t["delivered"] == 0), "a Region with no activity");
    assert_eq!(
        (r["participation"]["registrations"].as_i64(), r["participation"]["attendance_rate"].is_null()),
        (Some(0), true)
    );
    assert_eq!(r["mentorship"]["median_hours_to_proposal"], Value::Null);

    // A period: webinar A (30 days ago) falls outside.
    let from = fondilab::clock::local_date(now - 25 * DAY);
    let (_, r) = app.get_json_as(&coord, &format!("/api/v1/kpi?from={from}")).await;
    assert_eq!((task(&r, "5.1")["delivered"].as_i64(), task(&r, "5.3")["delivered"].as_i64()), (Some(0), Some(1)));
    let (_, r) = app.get_json_as(&coord, "/api/v1/kpi?task=5.3").await;
    assert_eq!(r["tasks"].as_array().unwrap().len(), 1);
    // One task: participation and the event charts count its mentorship lab E only.
    let p = &r["participation"];
    assert_eq!(
        (p["registrations"].as_i64(), p["attended"].as_i64(), p["people"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    let monthly = r["monthly"].as_array().unwrap();
    let sum = |k: &str| monthly.iter().map(|x| x[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("delivered"), sum("registrations"), sum("attended")), (1, 1, 1));

    // Bad input.
    for (q, field) in
        [("from=2026-05-10&to=2026-05-01", "to"), ("region=XYZ", "region"), ("task=9.9", "task"), ("from=ieri", "from")]
    {
        let (s, r) = app.get_json_as(&coord, &format!("/api/v1/kpi?{q}")).await;
        assert_eq!((s, r["field"].as_str()), (400, Some(field)), "{q}: {r}");
    }
    let page = app.get_as(&coord, "/cruscotto?task=5.3").await.text().await.unwrap();
    assert!(page.contains("solo gli eventi dell'attività 5.3"), "the page says what the task filter covers");
    let r = app.get_as(&coord, "/cruscotto?task=9.9").await;
    assert_eq!(r.status(), 400);

    // The page, the CSV and the charts.
    let page = app.get_as(&coord, "/cruscotto").await.text().await.unwrap();
    assert!(
        page.contains("5.1 webinar: 1 / 6") && page.contains("<svg") && page.contains("telemedicina"),
        "dashboard page"
    );
    assert!(page.contains("60,0%") && page.contains("12 mesi fino a"), "Italian decimals, the charts' period");
    assert!(page.contains("<dd>3 ore</dd>") && page.contains("<dd>9 ore</dd>"), "durations in hours and minutes");
    let english = app.user("coord.en@promis.example", "coordinator", None).await;
    exec(&app, "UPDATE users SET lang = 'en' WHERE id = $1 RETURNING id", &[english.id]).await;
    let page_en = app.get_as(&english, "/cruscotto").await.text().await.unwrap();
    assert!(page_en.contains("60.0%"), "English decimals");
    let csv = app.get_as(&coord, "/cruscotto.csv").await.bytes().await.unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.contains("WP5;5.1 webinar (obiettivo 6);1\r\n"), "{text}");
    assert!(text.contains("partecipazione;tasso di presenza %;60,0\r\n"), "{text}");
    // Section names and months as people read them, not codes.
    let month = text.lines().find(|l| l.starts_with("mese per mese;")).expect("monthly rows");
    let label = month.split(';').nth(1).unwrap();
    assert!(label.as_bytes()[2] == b'/' && label[3..7].parse::<u32>().is_ok(), "{month}");
    for code in ["scope;", "participation;", "monthly;", "searches;"] {
        assert!(!text.contains(code), "{code} in {text}");
    }
    assert_eq!(app.get_as(&mentor, "/cruscotto").await.status(), 403);

    // The weekly digest goes to coordinators who did not opt out.
    let quiet = app.user("quiet@promis.example", "coordinator", None).await;
    sqlx::query("UPDATE users SET notify_email = 0 WHERE id = $1")
        .bind(quiet.id)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let digest = fondilab::kpi::digest::Digest {
        outbox: app.state.outbox.clone(),
        clock: app.state.clock.clone(),
        public_url: "http://x".into(),
    };
    let job: fondilab::jobs::JobRow = sqlx::query_as(
        "SELECT id, idempotency_key, kind, payload, status, attempts, run_at, last_error FROM jobs WHERE kind = 'kpi.digest'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    Arc::new(digest).run(&app.state.db, &job).await.unwrap();
    let to: Vec<String> =
        sqlx::query_scalar("SELECT recipient FROM outbox WHERE kind = 'kpi.digest' ORDER BY recipient")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(to, vec!["coord.en@promis.example".to_string(), "coord@promis.example".to_string()]);
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'kpi.digest'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(jobs, 1, "next Monday's is the same job until the week turns");

    // The to-do list shows the first 50 and counts them all.
    for i in 0..51 {
        event(&app, "forum", "published", now - (3 + i) * DAY).await;
    }
    let (_, r) = app.get_json_as(&coord, "/api/v1/kpi").await;
    assert_eq!(
        (r["todo"]["to_complete_count"].as_i64(), r["todo"]["to_complete"].as_array().map(Vec::len)),
        (Some(52), Some(50))
    );
});
