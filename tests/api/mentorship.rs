//! Mentorship through HTTP on both databases: profiles, requests, suggestions reviewed by
//! coordinators, proposals answered by mentors, expiry and re-matching, meetings and
//! feedback, bad input, and simultaneous accepts decided by the database.

use std::sync::Arc;

use fondilab::clock::ManualClock;
use fondilab::jobs::JobRunner;
use fondilab::mentorship::lifecycle::{MentorshipJob, JOB_EXPIRE, JOB_RUN};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

const DAY: i64 = 86_400_000;
/// 2026-05-28 20:26 UTC.
const T0: i64 = 1_780_000_000_000;

fn profile(experience: Value, topics: &[&str], capacity: i64, employer: Option<&str>) -> Value {
    json!({
        "experience": experience,
        "topics": topics,
        "languages": ["it", "en"],
        "capacity": capacity,
        "employer_region": employer,
        "bio": "Ha gestito programmi FSE e FESR."
    })
}

pub async fn mentor(app: &TestApp, email: &str, body: Value) -> Visitor {
    let v = app.user(email, "mentor", None).await;
    let (status, reply) = app.post_json_as(&v, "/api/v1/mentorship/profile", &body).await;
    assert_eq!(status, 200, "profile of {email}: {reply}");
    v
}

pub fn request_body(description: &str) -> Value {
    json!({
        "fund": "FSE+",
        "topics": ["rendicontazione", "opzioni-semplificate-costi"],
        "language": "it",
        "format": "remote",
        "description": description
    })
}

/// Files a request through the API and returns its id.
pub async fn file(app: &TestApp, officer: &Visitor, description: &str) -> i64 {
    let (status, reply) = app.post_json_as(officer, "/api/v1/mentorship/requests", &request_body(description)).await;
    assert_eq!(status, 201, "{reply}");
    reply["request"]["id"].as_i64().unwrap()
}

async fn detail(app: &TestApp, who: &Visitor, request: i64) -> Value {
    let (status, body) = app.get_json_as(who, &format!("/api/v1/mentorship/requests/{request}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The live (last) match of a request as the coordinator sees it.
async fn live(app: &TestApp, coord: &Visitor, request: i64) -> Value {
    let d = detail(app, coord, request).await;
    d["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| ["suggested", "proposed", "accepted"].contains(&m["state"].as_str().unwrap()))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn mails(app: &TestApp, kind: &str, to: &str) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT status, not_before FROM outbox WHERE kind = $1 AND recipient = $2 ORDER BY id")
        .bind(kind)
        .bind(to)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.state.db.pool()).await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

db_test!(a_request_goes_from_suggestion_to_completed_mentorship, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionaria@regione.puglia.example", "officer", Some("PUG")).await;
    let other = app.user("funzionario@regione.sicilia.example", "officer", Some("SIC")).await;
    // Strongest on paper, but employed by the requesting Region: never proposed to it.
    let insider = mentor(
        &app,
        "interno@regione.puglia.example",
        profile(
            json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Puglia 2021-2027", "region": "PUG"}]),
            &["rendicontazione", "opzioni-semplificate-costi"],
            3,
            Some("PUG"),
        ),
    )
    .await;
    let expert = mentor(
        &app,
        "esperta@example.org",
        profile(
            json!([{"fund": "FSE+", "role": "audit", "programme": "PR FSE+ Calabria 2014-2020", "region": "CAL"}]),
            &["rendicontazione"],
            2,
            None,
        ),
    )
    .await;
    let _fesr_only = mentor(
        &app,
        "fesr@example.org",
        profile(json!([{"fund": "FESR", "role": "adg", "programme": "PR FESR Lazio"}]), &["rendicontazione"], 2, None),
    )
    .await;

    // The officer files a request with the page's form.
    let form = [
        ("fund", "FSE+"),
        ("topics", "rendicontazione"),
        ("topics", "opzioni-semplificate-costi"),
        ("language", "it"),
        ("format", "remote"),
        ("description", "Dobbiamo impostare i costi unitari per la formazione degli infermieri."),
        ("form_key", "chiave-modulo-1"),
    ];
    let r = app.post_form(&officer, "/mentorship/richieste", &form).await;
    assert_eq!(r.status(), 303);
    let id: i64 = location(&r).rsplit('/').next().unwrap().parse().unwrap();

    // The engine suggested the only eligible mentor, with its reasons.
    let m = live(&app, &coord, id).await;
    assert_eq!(m["state"], "suggested");
    assert_eq!(m["mentor_id"], expert.id);
    let reasons: Vec<&str> = m["parts"].as_array().unwrap().iter().map(|p| p["it"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"FSE+: audit PR FSE+ Calabria 2014-2020"), "{reasons:?}");
    assert!(reasons.contains(&"ha già lavorato con una Regione meno sviluppata"), "{reasons:?}");
    assert!(reasons.contains(&"1 di 2 temi in comune"), "{reasons:?}");
    assert!(reasons.contains(&"2 posti liberi su 2"), "{reasons:?}");
    let mid = m["id"].as_i64().unwrap();
    assert_ne!(m["mentor_id"], insider.id);

    // The same form sent twice files one request.
    let again = app.post_form(&officer, "/mentorship/richieste", &form).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("già stato inviato"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mentorship_requests").await, 1);

    // Suggestions are for coordinators: the mentor does not see it yet; another Region never.
    assert_eq!(app.get_as(&expert, &format!("/mentorship/abbinamenti/{mid}")).await.status(), 404);
    assert_eq!(app.get_as(&other, &format!("/mentorship/richieste/{id}")).await.status(), 404);
    assert_eq!(app.get_json_as(&other, &format!("/api/v1/mentorship/requests/{id}")).await.0, 404);
    let (_, list) = app.get_json_as(&other, "/api/v1/mentorship/requests").await;
    assert_eq!(list["total"], 0);
    let (_, list) = app.get_json_as(&officer, "/api/v1/mentorship/requests").await;
    assert_eq!(list["total"], 1);

    // The coordinator approves all: the mentor gets the proposal, a reminder is scheduled.
    let review = app.get_as(&coord, "/coordinamento/mentorship").await.text().await.unwrap();
    assert!(review.contains("Suggerimenti da approvare") && review.contains(&format!("value=\"{mid}\"")));
    let r = app.post_form(&coord, "/coordinamento/mentorship/approva", &[("which", "all")]).await;
    assert_eq!(r.status(), 303);
    let m = live(&app, &coord, id).await;
    assert_eq!(m["state"], "proposed");
    let proposed_at = m["proposed_at"].as_i64().unwrap();
    assert_eq!(m["expires_at"].as_i64().unwrap(), proposed_at + 7 * DAY);
    assert_eq!(mails(&app, "mentorship.proposal", "esperta@example.org").await.len(), 1);
    let reminder = mails(&app, "mentorship.reminder", "esperta@example.org").await;
    assert_eq!(reminder, vec![("pending".to_string(), proposed_at + 5 * DAY)]);

    // Another mentor can neither see nor answer it.
    assert_eq!(app.get_as(&insider, &format!("/mentorship/abbinamenti/{mid}")).await.status(), 404);
    assert_eq!(app.post_form(&insider, &format!("/mentorship/abbinamenti/{mid}/accetta"), &[]).await.status(), 404);
    let (s, _) = app.post_json_as(&insider, &format!("/api/v1/mentorship/matches/{mid}/accept"), &json!({})).await;
    assert_eq!(s, 404);

    // The mentor sees why, but not the officer's contact until accepting.
    let page = app.get_as(&expert, &format!("/mentorship/abbinamenti/{mid}")).await.text().await.unwrap();
    assert!(page.contains("1 di 2 temi in comune"));
    assert!(!page.contains("funzionaria@regione.puglia.example"));
    let (_, d) = app.get_json_as(&officer, &format!("/api/v1/mentorship/matches/{mid}")).await;
    assert!(d["contacts"].is_null());
    // Nor, through the API, who filed the request.
    let (_, d) = app.get_json_as(&expert, &format!("/api/v1/mentorship/matches/{mid}")).await;
    assert_eq!((d["request"]["officer_name"].as_str(), d["request"]["officer_id"].as_i64()), (Some(""), Some(0)));
    let (_, d) = app.get_json_as(&expert, &format!("/api/v1/mentorship/requests/{id}")).await;
    assert_eq!(d["request"]["officer_name"], "");
    let (_, list) = app.get_json_as(&expert, "/api/v1/mentorship/requests").await;
    assert_eq!(list["items"][0]["officer_name"], "", "{list}");

    let r = app.post_form(&expert, &format!("/mentorship/abbinamenti/{mid}/accetta"), &[]).await;
    assert_eq!(r.status(), 303);
    let page = app.get_as(&expert, &format!("/mentorship/abbinamenti/{mid}")).await.text().await.unwrap();
    assert!(page.contains("funzionaria@regione.puglia.example"));
    let (_, d) = app.get_json_as(&officer, &format!("/api/v1/mentorship/matches/{mid}")).await;
    assert_eq!(d["contacts"]["mentor"]["email"], "esperta@example.org");
    let (_, d) = app.get_json_as(&expert, &format!("/api/v1/mentorship/matches/{mid}")).await;
    assert_eq!(d["request"]["officer_id"], officer.id, "known once accepted");
    let (_, list) = app.get_json_as(&expert, "/api/v1/mentorship/requests").await;
    assert_eq!(list["items"][0]["officer_id"], officer.id);
    assert_eq!(detail(&app, &officer, id).await["request"]["state"], "matched");
    assert_eq!(mails(&app, "mentorship.accepted", "funzionaria@regione.puglia.example").await.len(), 1);
    assert_eq!(mails(&app, "mentorship.accepted", "esperta@example.org").await.len(), 1);
    assert_eq!(mails(&app, "mentorship.reminder", "esperta@example.org").await[0].0, "cancelled");
    let r = app.post_form(&expert, &format!("/mentorship/abbinamenti/{mid}/accetta"), &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("Hai già accettato"));

    // An accepted request can no longer be edited or withdrawn.
    let (s, body) =
        app.post_json_as(&officer, &format!("/api/v1/mentorship/requests/{id}"), &request_body("Altro testo")).await;
    assert_eq!(s, 409, "{body}");
    let (s, _) = app.post_json_as(&officer, &format!("/api/v1/mentorship/requests/{id}/withdraw"), &json!({})).await;
    assert_eq!(s, 409);

    // Meetings: dated in the past, with a topic.
    let meetings = format!("/mentorship/abbinamenti/{mid}/incontri");
    let r = app.post_form(&officer, &meetings, &[("held_on", "2099-01-01"), ("topic", "Avvio")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("nel futuro"));
    let r = app.post_form(&officer, &meetings, &[("held_on", "2026-01-15"), ("topic", " ")]).await;
    assert_eq!(r.status(), 400);
    let r =
        app.post_form(&officer, &meetings, &[("held_on", "2026-01-15"), ("topic", "Avvio e metodo di calcolo")]).await;
    assert_eq!(r.status(), 303);
    let (s, d) = app
        .post_json_as(
            &expert,
            &format!("/api/v1/mentorship/matches/{mid}/meetings"),
            &json!({"held_on": "2026-02-01", "topic": "Verifica", "notes": "Tabella dei costi pronta"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["meetings"].as_array().unwrap().len(), 2);

    // The officer completes it with feedback; the mentor adds theirs once.
    let done = format!("/mentorship/abbinamenti/{mid}/concludi");
    assert_eq!(app.post_form(&officer, &done, &[("comment", "Utile")]).await.status(), 400);
    assert_eq!(app.post_form(&officer, &done, &[("useful", "4"), ("comment", "Molto concreta")]).await.status(), 303);
    assert_eq!(detail(&app, &officer, id).await["request"]["state"], "closed");
    let page = format!("/mentorship/abbinamenti/{mid}");
    let (_, html) = app.get_text_as(&officer, &page).await;
    assert!(!html.contains(&done), "the officer has rated: no form any more");
    let (_, html) = app.get_text_as(&expert, &page).await;
    assert!(html.contains(&done), "the mentor has not rated yet");
    assert_eq!(app.post_form(&expert, &done, &[("useful", "6")]).await.status(), 400);
    assert_eq!(app.post_form(&expert, &done, &[("useful", "5")]).await.status(), 303);
    assert_eq!(app.post_form(&expert, &done, &[("useful", "5")]).await.status(), 409);
    let (_, html) = app.get_text_as(&expert, &page).await;
    assert!(!html.contains(&done), "rated once");
    let (_, d) = app.get_json_as(&coord, &format!("/api/v1/mentorship/matches/{mid}")).await;
    assert_eq!(d["match"]["state"], "completed");
    let useful: Vec<i64> = d["feedback"].as_array().unwrap().iter().map(|f| f["useful"].as_i64().unwrap()).collect();
    assert_eq!(useful, vec![5, 4], "mentor then officer");

    // Every step is in the history, with who did it.
    let history = detail(&app, &coord, id).await["history"].clone();
    let steps: Vec<String> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}→{} by {}",
                t["from_state"].as_str().unwrap_or("-"),
                t["to_state"].as_str().unwrap(),
                t["actor_id"].as_i64().map(|a| a.to_string()).unwrap_or("system".into())
            )
        })
        .collect();
    let expected = [
        format!("-→open by {}", officer.id),
        "-→suggested by system".to_string(),
        format!("suggested→proposed by {}", coord.id),
        format!("proposed→accepted by {}", expert.id),
        format!("open→matched by {}", expert.id),
        format!("accepted→completed by {}", officer.id),
        format!("matched→closed by {}", officer.id),
    ];
    assert_eq!(steps, expected);
    // The mentor sees their own matches only; pages answer for each role.
    let (_, mine) = app.get_json_as(&insider, "/api/v1/mentorship/matches").await;
    assert_eq!(mine.as_array().unwrap().len(), 0);
    for who in [&officer, &expert, &coord] {
        assert_eq!(app.get_as(who, "/mentorship").await.status(), 200);
    }
});

db_test!(bad_input_is_refused_and_changes_nothing, |app| {
    let officer = app.user("funzionaria@regione.umbria.example", "officer", Some("UMB")).await;
    let m = app.user("mentore@example.org", "mentor", None).await;
    let cases = [
        (
            json!({"fund": "FSE", "topics": ["rendicontazione"], "language": "it", "format": "remote", "description": "x"}),
            "fund",
            "Fondo sconosciuto",
        ),
        (
            json!({"fund": "FSE+", "topics": ["astrologia"], "language": "it", "format": "remote", "description": "x"}),
            "topics",
            "Tema sconosciuto",
        ),
        (
            json!({"fund": "FSE+", "topics": ["rendicontazione"], "language": "it", "format": "remote", "description": "   "}),
            "description",
            "Descrivi",
        ),
        (
            json!({"fund": "FSE+", "topics": ["rendicontazione"], "language": "it", "format": "remote", "description": "x", "period_from": "2027-03-01", "period_until": "2027-02-01"}),
            "period_until",
            "prima di cominciare",
        ),
        (
            json!({"fund": "JTF", "topics": ["rendicontazione"], "language": "de", "format": "remote", "description": "x"}),
            "language",
            "lingua",
        ),
    ];
    for (body, field, text) in cases {
        let (s, reply) = app.post_json_as(&officer, "/api/v1/mentorship/requests", &body).await;
        assert_eq!(s, 400, "{body}: {reply}");
        assert_eq!(reply["field"], field, "{reply}");
        assert!(reply["error"].as_str().unwrap().contains(text), "{reply}");
    }
    let (s, reply) = app
        .client
        .post(app.url("/api/v1/mentorship/requests"))
        .header("cookie", &officer.cookie)
        .header("x-csrf-token", &officer.csrf)
        .header("content-type", "application/json")
        .body("{non json")
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(s, 400);
    assert!(reply.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("JSON"));
    // The page re-renders the form with what was typed and the field's message.
    let r = app
        .post_form(
            &officer,
            "/mentorship/richieste",
            &[("fund", "FSE+"), ("language", "it"), ("format", "remote"), ("description", "Serve aiuto sugli avvisi")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Scegli almeno un tema") && page.contains("Serve aiuto sugli avvisi"));
    // Mentors file no requests.
    let (s, _) = app.post_json_as(&m, "/api/v1/mentorship/requests", &request_body("Richiesta")).await;
    assert_eq!(s, 403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mentorship_requests").await, 0);

    let exp = json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Umbria"}]);
    for (capacity, text) in [(0, "tra 1 e 20"), (-2, "tra 1 e 20")] {
        let (s, reply) =
            app.post_json_as(&m, "/api/v1/mentorship/profile", &profile(exp.clone(), &[], capacity, None)).await;
        assert_eq!((s, reply["field"].as_str()), (400, Some("capacity")), "{reply}");
        assert!(reply["error"].as_str().unwrap().contains(text));
    }
    let mut paused = profile(exp.clone(), &[], 2, None);
    paused["pause_from"] = json!("2026-12-20");
    paused["pause_until"] = json!("2026-12-01");
    let (s, reply) = app.post_json_as(&m, "/api/v1/mentorship/profile", &paused).await;
    assert_eq!((s, reply["field"].as_str()), (400, Some("pause_until")), "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("prima di cominciare"));
    let (s, reply) = app
        .post_json_as(
            &m,
            "/api/v1/mentorship/profile",
            &profile(json!([{"fund": "FSE+", "role": "capo", "programme": "PR"}]), &[], 2, None),
        )
        .await;
    assert_eq!(s, 400);
    assert!(reply["error"].as_str().unwrap().contains("ruolo sconosciuto"), "{reply}");
    // The profile form names the bad line.
    let r = app
        .post_form(
            &m,
            "/mentorship/profilo",
            &[("experience", "FSE+ | AdG | PR FSE+ Umbria\nsolo una cella"), ("languages", "it"), ("capacity", "2")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Riga 2"));
    assert_eq!(app.get_json_as(&m, "/api/v1/mentorship/profile").await.0, 404, "nothing was saved");
    let r = app
        .post_form(
            &m,
            "/mentorship/profilo",
            &[
                ("experience", "FSE+ | AdG | PR FSE+ Umbria | UMB"),
                ("languages", "it"),
                ("topics", "audit"),
                ("capacity", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, p) = app.get_json_as(&m, "/api/v1/mentorship/profile").await;
    assert_eq!((p["capacity"].as_i64(), p["experience"][0]["role"].as_str()), (Some(2), Some("adg")));
});

async fn run_due_jobs(app: &TestApp, clock: &ManualClock) -> usize {
    let mut runner = JobRunner::new(app.state.db.clone(), Arc::new(clock.clone()));
    for kind in [JOB_EXPIRE, JOB_RUN] {
        runner.register(Arc::new(MentorshipJob { kind, mentorship: app.state.mentorship.clone() }));
    }
    runner.run_once("prova").await.unwrap()
}

db_test!(unanswered_proposals_expire_and_the_request_is_matched_again, clock = T0, |app, clock| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionaria@regione.marche.example", "officer", Some("MAR")).await;
    let (s, _) = app.post_json_as(&coord, "/api/v1/mentorship/settings", &json!({"auto": true})).await;
    assert_eq!(s, 200);
    let first = mentor(
        &app,
        "prima@example.org",
        profile(
            json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Umbria", "region": "UMB"}]),
            &["rendicontazione", "opzioni-semplificate-costi"],
            2,
            None,
        ),
    )
    .await;
    let second = mentor(
        &app,
        "seconda@example.org",
        profile(
            json!([{"fund": "FSE+", "role": "beneficiario", "programme": "Progetto ASL"}]),
            &["rendicontazione"],
            2,
            None,
        ),
    )
    .await;
    let id = file(&app, &officer, "Aiuto per la prima domanda di pagamento.").await;

    // Automatic mode: the best mentor has the proposal at once.
    let m1 = live(&app, &coord, id).await;
    assert_eq!((m1["state"].as_str(), m1["mentor_id"].as_i64()), (Some("proposed"), Some(first.id)));
    let m1 = m1["id"].as_i64().unwrap();
    assert_eq!(run_due_jobs(&app, &clock).await, 0, "nothing is due yet");

    // Seven days later the proposal expires and the next mentor gets it.
    clock.advance(7 * DAY + 1_000);
    let r = app.post_form(&first, &format!("/mentorship/abbinamenti/{m1}/accetta"), &[]).await;
    assert_eq!(r.status(), 409, "past its time, even before the job ran");
    run_due_jobs(&app, &clock).await;
    let expired = count(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'mentorship.expire' AND status = 'done'").await;
    assert_eq!(expired, 1);
    let (_, d) = app.get_json_as(&coord, &format!("/api/v1/mentorship/matches/{m1}")).await;
    assert_eq!(d["match"]["state"], "expired");
    let m2 = live(&app, &coord, id).await;
    assert_eq!((m2["state"].as_str(), m2["mentor_id"].as_i64()), (Some("proposed"), Some(second.id)));
    let m2 = m2["id"].as_i64().unwrap();
    let r = app.post_form(&first, &format!("/mentorship/abbinamenti/{m1}/accetta"), &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("scaduta"));
    assert_eq!(run_due_jobs(&app, &clock).await, 0, "the expiry ran once");

    // A decline needs a reason; then nobody eligible is left and the request waits.
    let decline = format!("/mentorship/abbinamenti/{m2}/rifiuta");
    assert_eq!(app.post_form(&second, &decline, &[("reason", "")]).await.status(), 400);
    assert_eq!(app.post_form(&second, &decline, &[("reason", "Non seguo domande di pagamento")]).await.status(), 303);
    assert!(live(&app, &coord, id).await.is_null());
    let review = app.get_as(&coord, "/coordinamento/mentorship").await.text().await.unwrap();
    assert!(review.contains(&format!("/mentorship/richieste/{id}\"")), "listed among requests without a mentor");

    // A new mentor with room is proposed at once; the coordinator withdraws that proposal.
    let third = mentor(
        &app,
        "terza@example.org",
        profile(json!([{"fund": "FSE+", "role": "oi", "programme": "PR FSE+ Lazio", "region": "LAZ"}]), &[], 1, None),
    )
    .await;
    let m3 = live(&app, &coord, id).await;
    assert_eq!(m3["mentor_id"], third.id);
    let m3 = m3["id"].as_i64().unwrap();
    let (s, _) = app.post_json_as(&officer, &format!("/api/v1/mentorship/matches/{m3}/withdraw"), &json!({})).await;
    assert_eq!(s, 403, "only coordinators withdraw a proposal");
    let (s, _) = app
        .post_json_as(
            &coord,
            &format!("/api/v1/mentorship/matches/{m3}/withdraw"),
            &json!({"reason": "Richiesta da riformulare"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(mails(&app, "mentorship.withdrawn", "terza@example.org").await.len(), 1);
    let r = app.post_form(&third, &format!("/mentorship/abbinamenti/{m3}/accetta"), &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("ritirata"));
    // Those who declined, expired or were withdrawn are not assigned again.
    let (s, reply) = app
        .post_json_as(&coord, &format!("/api/v1/mentorship/requests/{id}/assign"), &json!({"mentor_id": second.id}))
        .await;
    assert_eq!(s, 400, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("già rifiutato"));
    assert!(live(&app, &coord, id).await.is_null());
    // The officer withdraws the request (a reason of any length is not taken).
    let long = json!({"reason": "x".repeat(2_001)});
    let (s, r) = app.post_json_as(&officer, &format!("/api/v1/mentorship/requests/{id}/withdraw"), &long).await;
    assert_eq!((s, r["field"].as_str()), (400, Some("reason")), "{r}");
    assert!(r["error"].as_str().unwrap().contains("2000"));
    assert_eq!(
        app.post_form(&officer, &format!("/mentorship/richieste/{id}/ritira"), &[("conferma", "1")]).await.status(),
        303
    );
    assert_eq!(detail(&app, &officer, id).await["request"]["state"], "withdrawn");
    let expired_by_system =
        count(&app, "SELECT COUNT(*) FROM mentorship_transitions WHERE to_state = 'expired' AND actor_id IS NULL")
            .await;
    assert_eq!(expired_by_system, 1);

    // The request of an officer who has left is not matched again.
    let gone = app.user("andato@regione.marche.example", "officer", Some("MAR")).await;
    let id2 = file(&app, &gone, "Una seconda richiesta sulla rendicontazione.").await;
    let m = live(&app, &coord, id2).await["id"].as_i64().unwrap();
    let r = app.post_form(&coord, &format!("/coordinamento/utenti/{}/disattiva", gone.id), &[("conferma", "1")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let withdraw = format!("/api/v1/mentorship/matches/{m}/withdraw");
    let (s, _) = app.post_json_as(&coord, &withdraw, &json!({"reason": "Funzionario non più in servizio"})).await;
    assert_eq!(s, 200);
    assert!(live(&app, &coord, id2).await.is_null(), "no mentor is proposed for someone who left");
});

db_test!(simultaneous_accepts_never_exceed_capacity, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionario@regione.sardegna.example", "officer", Some("SAR")).await;
    let (s, _) = app.post_json_as(&coord, "/api/v1/mentorship/settings", &json!({"auto": true})).await;
    assert_eq!(s, 200);
    let exp = json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Toscana", "region": "TOS"}]);

    // The same proposal accepted 20 times at once: one mentorship.
    let single = mentor(&app, "unico@example.org", profile(exp.clone(), &["rendicontazione"], 1, None)).await;
    let id = file(&app, &officer, "Richiesta per un solo mentor").await;
    let m = live(&app, &coord, id).await;
    assert_eq!((m["state"].as_str(), m["mentor_id"].as_i64()), (Some("proposed"), Some(single.id)));
    let first = m["id"].as_i64().unwrap();
    let tries = (0..20).map(|_| {
        let app = &app;
        let single = &single;
        async move {
            app.post_form(single, &format!("/mentorship/abbinamenti/{first}/accetta"), &[]).await.status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    let one = count(
        &app,
        &format!("SELECT COUNT(*) FROM mentorship_matches WHERE mentor_id = {} AND state = 'accepted'", single.id),
    )
    .await;
    assert_eq!(one, 1);

    // Four proposals out, capacity lowered to 2, all four accepted at once: two mentorships, two refusals.
    let busy = mentor(&app, "mentore@example.org", profile(exp.clone(), &["rendicontazione"], 4, None)).await;
    let mut proposals = Vec::new();
    for i in 0..4 {
        let id = file(&app, &officer, &format!("Richiesta numero {i}")).await;
        let m = live(&app, &coord, id).await;
        assert_eq!((m["state"].as_str(), m["mentor_id"].as_i64()), (Some("proposed"), Some(busy.id)));
        proposals.push(m["id"].as_i64().unwrap());
    }
    let (s, _) = app
        .post_json_as(&busy, "/api/v1/mentorship/profile", &profile(exp.clone(), &["rendicontazione"], 2, None))
        .await;
    assert_eq!(s, 200);
    let accepts = proposals.iter().map(|id| {
        let app = &app;
        let busy = &busy;
        async move {
            let (s, body) =
                app.post_json_as(busy, &format!("/api/v1/mentorship/matches/{id}/accept"), &json!({})).await;
            (s, body["error"].as_str().unwrap_or("").to_string())
        }
    });
    let results = futures_util::future::join_all(accepts).await;
    let accepted = results.iter().filter(|(s, _)| *s == 200).count();
    let refused: Vec<&String> = results.iter().filter(|(s, _)| *s == 409).map(|(_, e)| e).collect();
    assert_eq!((accepted, refused.len()), (2, 2), "{results:?}");
    assert!(refused.iter().all(|e| e.contains("capacità è 2")), "{refused:?}");
    let active = count(
        &app,
        &format!("SELECT COUNT(*) FROM mentorship_matches WHERE mentor_id = {} AND state = 'accepted'", busy.id),
    )
    .await;
    assert_eq!(active, 2);
    let matched = count(&app, "SELECT COUNT(*) FROM mentorship_requests WHERE state = 'matched'").await;
    assert_eq!(matched, 3);
});

db_test!(edited_requests_and_waiting_suggestions_are_checked_again, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionaria@regione.puglia.example", "officer", Some("PUG")).await;
    let fse_body =
        profile(json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Umbria"}]), &["rendicontazione"], 2, None);
    let fse = mentor(&app, "fse@example.org", fse_body).await;
    let fesr_body = profile(json!([{"fund": "FESR", "role": "oi", "programme": "PR FESR Lazio"}]), &[], 2, None);
    let fesr = mentor(&app, "fesr@example.org", fesr_body.clone()).await;
    let id = file(&app, &officer, "Come si imposta la rendicontazione?").await;
    let first = live(&app, &coord, id).await;
    assert_eq!((first["state"].as_str(), first["mentor_id"].as_i64()), (Some("suggested"), Some(fse.id)));

    // Fewer topics, same fund: the same suggestion, explained again.
    let mut edited = request_body("Come si imposta la rendicontazione?");
    edited["topics"] = json!(["rendicontazione"]);
    let (s, r) = app.post_json_as(&officer, &format!("/api/v1/mentorship/requests/{id}"), &edited).await;
    assert_eq!(s, 200, "{r}");
    let again = live(&app, &coord, id).await;
    assert_eq!(again["id"], first["id"]);
    let reasons: Vec<&str> = again["parts"].as_array().unwrap().iter().map(|p| p["it"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"1 di 1 temi in comune"), "{reasons:?}");

    // Another fund: the FSE+ mentor no longer fits; the FESR one is suggested.
    edited["fund"] = json!("FESR");
    let (s, r) = app.post_json_as(&officer, &format!("/api/v1/mentorship/requests/{id}"), &edited).await;
    assert_eq!(s, 200, "{r}");
    let (_, d) = app.get_json_as(&coord, &format!("/api/v1/mentorship/matches/{}", first["id"])).await;
    assert_eq!(d["match"]["state"], "discarded");
    let second = live(&app, &coord, id).await;
    assert_eq!((second["state"].as_str(), second["mentor_id"].as_i64()), (Some("suggested"), Some(fesr.id)));

    // The FESR mentor pauses before the coordinator gets to it: approving sends nothing.
    let mut paused = fesr_body;
    paused["pause_from"] = json!(fondilab::clock::local_date(fondilab::db::now_ms()).to_string());
    let (s, r) = app.post_json_as(&fesr, "/api/v1/mentorship/profile", &paused).await;
    assert_eq!(s, 200, "{r}");
    let r = app.post_form(&coord, "/coordinamento/mentorship/approva", &[("which", "all")]).await;
    assert_eq!(r.status(), 303);
    assert!(mails(&app, "mentorship.proposal", "fesr@example.org").await.is_empty());
    assert!(live(&app, &coord, id).await.is_null(), "nobody else fits: the request waits");

    // A suggestion waiting when automatic mode is turned on goes out at once.
    let other = app.user("funzionario@regione.puglia.example", "officer", Some("PUG")).await;
    let id2 = file(&app, &other, "Serve aiuto sui costi unitari.").await;
    assert_eq!(live(&app, &coord, id2).await["state"], "suggested");
    let (s, _) = app.post_json_as(&coord, "/api/v1/mentorship/settings", &json!({"auto": true})).await;
    assert_eq!(s, 200);
    assert_eq!(live(&app, &coord, id2).await["state"], "proposed");
    assert_eq!(mails(&app, "mentorship.proposal", "fse@example.org").await.len(), 1);

    // A form key is each sender's own: the same key from two people files two requests.
    let mut keyed = request_body("Richiesta con chiave scelta dal programma.");
    keyed["form_key"] = json!("1");
    for who in [&officer, &other] {
        let (s, r) = app.post_json_as(who, "/api/v1/mentorship/requests", &keyed).await;
        assert_eq!(s, 201, "{r}");
    }
    let (s, _) = app.post_json_as(&other, "/api/v1/mentorship/requests", &keyed).await;
    assert_eq!(s, 409, "sent twice by the same person");
});
