//! Follows on both databases: the asker follows the question; followers of a question, a
//! topic or a fund hear of new and accepted answers and of newly published practices, at once
//! or in the 08:00 digest; every such mail carries a one-click unsubscribe that works without a
//! session and stops only its kind of mail, and a forged link changes nothing.

use serde_json::json;

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

/// 2026-05-28 20:26 UTC.
const T0: i64 = 1_780_000_000_000;

async fn mail(app: &TestApp, kind: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT recipient, subject, list_unsubscribe FROM outbox WHERE kind = $1 ORDER BY id")
        .bind(kind)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

async fn follow(app: &TestApp, who: &Visitor, target: &str, key: &str) -> u16 {
    app.post_json_as(who, "/api/v1/exchange/follows", &json!({"target": target, "key": key})).await.0
}

db_test!(followers_hear_at_once_or_in_the_digest_and_unsubscribe_in_one_click, clock = T0, |app, clock| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;

    let (s, q) = app
        .post_json_as(
            &anna,
            "/api/v1/exchange/questions",
            &json!({"title": "Costi standard per l'e-learning?", "body": "Come li avete rendicontati?",
                    "fund": "FSE+", "topics": ["opzioni-semplificate-costi"]}),
        )
        .await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    let (_, mine) = app.get_json_as(&anna, "/api/v1/exchange/follows").await;
    assert_eq!(mine, json!([{"target": "question", "key": qid.to_string(), "created_at": T0}]), "the asker follows");
    let (s, e) = app
        .post_json_as(&anna, "/api/v1/exchange/follows/remove", &json!({"target": "question", "key": qid.to_string()}))
        .await;
    assert_eq!(s, 409, "{e}");

    // Bad follows name their field.
    for (target, key, field) in
        [("forum", "1", "target"), ("topic", "non-esiste", "key"), ("fund", "FSX", "key"), ("question", "uno", "key")]
    {
        let (s, e) = app.post_json_as(&piero, "/api/v1/exchange/follows", &json!({"target": target, "key": key})).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{target} {key}: {e}");
    }
    assert_eq!(follow(&app, &piero, "question", "999999").await, 404);
    // Piero follows the topic, in a daily digest; the coordinator follows the fund, at once.
    assert_eq!(follow(&app, &piero, "topic", "opzioni-semplificate-costi").await, 201);
    let (s, set) = app.post_json_as(&piero, "/api/v1/exchange/mail-settings", &json!({"mode": "digest"})).await;
    assert_eq!((s, set["mode"].as_str()), (200, Some("digest")), "{set}");
    let (s, e) = app.post_json_as(&piero, "/api/v1/exchange/mail-settings", &json!({"mode": "weekly"})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("mode")));
    let r = app
        .post_form(&coord, "/scambio/segui", &[("target", "fund"), ("key", "FSE+"), ("torna", "/scambio/esperienze")])
        .await;
    assert_eq!(r.status(), 303);

    // An answer: the asker and the fund's follower get mail at once, the topic's follower a
    // line in tomorrow's digest, the one who answered nothing.
    let (s, a) = app
        .post_json_as(
            &mentor,
            &format!("/api/v1/exchange/questions/{qid}/answers"),
            &json!({"body": "Con le UCS regionali."}),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let answers = mail(&app, "exchange.answer").await;
    let to: Vec<&str> = answers.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(to, ["anna@regione.lazio.example", "coord@promis.example"]);
    assert!(answers[0].1.contains("Costi standard per l'e-learning?"), "{answers:?}");
    let link = answers[0].2.clone().expect("a one-click address");
    let news: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_news WHERE user_id = $1 AND sent_at IS NULL")
        .bind(piero.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(news, 1);
    // The message carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
    let row: fondilab::notify::store::OutboxRow = fondilab::notify::store::list(
        &app.state.db,
        &fondilab::notify::store::Filter { kind: Some("exchange.answer".into()), ..Default::default() },
        1,
        10,
    )
    .await
    .unwrap()
    .0
    .pop()
    .unwrap();
    let raw =
        String::from_utf8(fondilab::notify::transport::build_message(&app.state.outbox, &row).unwrap().formatted())
            .unwrap();
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    assert!(raw.contains("List-Unsubscribe: <http"), "{raw}");

    // The accepted answer reaches the followers too (not the asker, who marked it).
    let (s, _) = app
        .post_json_as(&anna, &format!("/api/v1/exchange/questions/{qid}/accept"), &json!({"answer_id": a["id"]}))
        .await;
    assert_eq!(s, 200);
    let accepted = mail(&app, "exchange.accepted").await;
    assert_eq!(accepted.iter().map(|(r, _, _)| r.as_str()).collect::<Vec<_>>(), ["coord@promis.example"]);

    // The digest at 08:00: one mail with both pieces of news, then nothing left to send.
    let run_at: i64 =
        sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'exchange.digest' AND status = 'pending'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let local = chrono::DateTime::from_timestamp_millis(run_at).unwrap().with_timezone(&chrono_tz::Europe::Rome);
    assert_eq!(local.format("%H:%M").to_string(), "08:00");
    assert_eq!(app.state.exchange.send_digests("exchange.digest:prova").await.unwrap(), 1);
    let digests = mail(&app, "exchange.digest").await;
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].0, "piero@regione.puglia.example");
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'exchange.digest'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(body.matches("Costi standard per l'e-learning?").count(), 2, "{body}");
    assert_eq!(app.state.exchange.send_digests("exchange.digest:prova-2").await.unwrap(), 0);

    // One click, no session, no CSRF token: only that kind of mail stops.
    let path = link.split_once("/disiscrizione/").map(|(_, p)| format!("/disiscrizione/{p}")).unwrap();
    // The last character of the signature changed to another one.
    let forged = format!("{}{}", &path[..path.len() - 1], if path.ends_with('0') { '1' } else { '0' });
    let other_person = path.replacen(&format!("/{}/", anna.id), &format!("/{}/", piero.id), 1);
    for bad in [&forged, &other_person] {
        let r = app.client.post(app.url(bad)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }
    let r = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "the page asks before doing");
    assert_eq!(app.get_json_as(&anna, "/api/v1/exchange/mail-settings").await.1["stopped"], json!([]));
    let r = app.client.post(app.url(&path)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.get_json_as(&anna, "/api/v1/exchange/mail-settings").await.1["stopped"], json!(["answer"]));
    clock.advance(60_000);
    app.post_json_as(&piero, &format!("/api/v1/exchange/questions/{qid}/answers"), &json!({"body": "Anche noi."}))
        .await;
    let answers = mail(&app, "exchange.answer").await;
    assert_eq!(answers.iter().filter(|(r, _, _)| r == "anna@regione.lazio.example").count(), 1, "no more answer mail");

    // A newly published practice reaches the fund's followers, once.
    let (_, p) = app
        .post_json_as(
            &anna,
            "/api/v1/exchange/practices",
            &json!({"title": "UCS per la FAD", "summary": "In breve", "funds": ["FSE+"], "phases": ["attuazione"],
                    "what_done": "Corsi", "contact_name": "Anna", "contact_email": "anna@regione.lazio.example", "submit": true}),
        )
        .await;
    let pid = p["id"].as_i64().unwrap();
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{pid}/approve"), &json!({})).await;
    let to = |m: Vec<(String, String, Option<String>)>| m.into_iter().map(|(r, _, _)| r).collect::<Vec<_>>();
    assert_eq!(to(mail(&app, "exchange.practice").await), ["coord@promis.example"], "the fund's follower");
    assert_eq!(follow(&app, &mentor, "fund", "FSE+").await, 201);
    let body = json!({"title": "UCS per la FAD, seconda edizione", "summary": "In breve", "funds": ["FSE+"], "phases": ["attuazione"],
                      "what_done": "Corsi", "contact_name": "Anna", "contact_email": "anna@regione.lazio.example", "submit": true});
    app.post_json_as(&anna, &format!("/api/v1/exchange/practices/{pid}"), &body).await;
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{pid}/approve"), &json!({})).await;
    assert_eq!(mail(&app, "exchange.practice").await.len(), 1, "a new version is not news");
    let (_, p2) = app
        .post_json_as(
            &piero,
            "/api/v1/exchange/practices",
            &json!({"title": "FESR e FSE+ insieme", "summary": "In breve", "funds": ["FSE+", "FESR"], "phases": ["avviso"],
                    "what_done": "Aule e corsi", "contact_name": "Piero", "contact_email": "piero@regione.puglia.example", "submit": true}),
        )
        .await;
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{}/approve", p2["id"]), &json!({})).await;
    let mut all = to(mail(&app, "exchange.practice").await);
    all.sort();
    assert_eq!(
        all,
        ["coord@promis.example", "coord@promis.example", "mentore@example.org"],
        "the fund's followers, not its author"
    );

    // The profile shows what is followed and the mail settings.
    let (_, html) = app.get_text_as(&coord, "/profilo").await;
    assert!(html.contains("Fondo: FSE+") && html.contains("name=\"mode\""), "{html}");
});

db_test!(the_exchange_counts_in_the_wp5_figures, clock = T0, |app, clock| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let ask = |title: &'static str| json!({"title": title, "body": "Contesto", "fund": "FSE+"});
    let (_, q) = app.post_json_as(&anna, "/api/v1/exchange/questions", &ask("Prima domanda")).await;
    app.post_json_as(&piero, "/api/v1/exchange/questions", &ask("Seconda domanda")).await;
    clock.advance(2 * 3_600_000);
    let (_, a) = app
        .post_json_as(&mentor, &format!("/api/v1/exchange/questions/{}/answers", q["id"]), &json!({"body": "Così."}))
        .await;
    clock.advance(3 * 3_600_000);
    app.post_json_as(&anna, &format!("/api/v1/exchange/questions/{}/accept", q["id"]), &json!({"answer_id": a["id"]}))
        .await;
    app.post_json_as(
        &piero,
        &format!("/api/v1/exchange/answers/{}/report", a["id"]),
        &json!({"reason": "Troppo breve"}),
    )
    .await;
    let (_, p) = app
        .post_json_as(
            &anna,
            "/api/v1/exchange/practices",
            &json!({"title": "UCS per la FAD", "summary": "In breve", "funds": ["FSE+"], "phases": ["attuazione"],
                    "what_done": "Corsi", "contact_name": "Anna", "contact_email": "anna@regione.lazio.example", "submit": true}),
        )
        .await;
    let (_, kpi) = app.get_json_as(&coord, "/api/v1/kpi").await;
    assert_eq!(
        (kpi["todo"]["practices_to_review"].as_i64(), kpi["todo"]["open_exchange_reports"].as_i64()),
        (Some(1), Some(1)),
        "{}",
        kpi["todo"]
    );
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{}/approve", p["id"]), &json!({})).await;

    let (_, kpi) = app.get_json_as(&coord, "/api/v1/kpi").await;
    assert_eq!(
        kpi["exchange"],
        json!({"practices_published": 1, "regions_publishing": ["LAZ"], "questions": 2, "answered_share": 50.0,
               "median_hours_to_first_answer": 2.0, "median_hours_to_accepted_answer": 5.0, "followers": 2}),
    );
    assert_eq!(kpi["todo"]["practices_to_review"], 0);
    let (_, lazio) = app.get_json_as(&coord, "/api/v1/kpi?region=PUG").await;
    assert_eq!(
        (
            lazio["exchange"]["practices_published"].as_i64(),
            lazio["exchange"]["questions"].as_i64(),
            lazio["exchange"]["answered_share"].as_f64()
        ),
        (Some(0), Some(1), Some(0.0))
    );
    // An officer sees their Region's figures; the CSV and the page carry them too.
    let (_, own) = app.get_json_as(&anna, "/api/v1/kpi").await;
    assert_eq!((own["exchange"]["questions"].as_i64(), own["exchange"]["followers"].as_i64()), (Some(1), Some(1)));
    let (_, csv) = app.get_text_as(&coord, "/cruscotto.csv").await;
    assert!(csv.contains("scambio tra Regioni") && csv.contains("esperienze pubblicate"), "{csv}");
    let (_, html) = app.get_text_as(&coord, "/cruscotto").await;
    assert!(html.contains("Scambio tra Regioni") && html.contains("/coordinamento/esperienze"), "{html}");
});

db_test!(a_forum_shows_and_sends_the_questions_and_practices_it_discusses, clock = T0, |app, clock| {
    use crate::events::{create, event_body, register, DAY, HOUR};
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let (_, q) = app
        .post_json_as(&anna, "/api/v1/exchange/questions", &json!({"title": "UCS per la FAD?", "body": "Contesto"}))
        .await;
    let (_, p) = app
        .post_json_as(
            &anna,
            "/api/v1/exchange/practices",
            &json!({"title": "Corsi FAD nel Lazio", "summary": "In breve", "funds": ["FSE+"], "phases": ["attuazione"],
                    "what_done": "Corsi", "contact_name": "Anna", "contact_email": "anna@regione.lazio.example", "submit": true}),
        )
        .await;
    let (qid, pid) = (q["id"].as_i64().unwrap(), p["id"].as_i64().unwrap());
    let mut body = event_body(T0 + DAY, 50);
    body["kind"] = json!("forum");
    let forum = create(&app, &coord, &body).await;
    let webinar = create(&app, &coord, &event_body(T0 + DAY, 50)).await;
    let link = |event: i64, questions: Vec<i64>, practices: Vec<i64>| {
        let (app, coord) = (&app, &coord);
        async move {
            app.post_json_as(
                coord,
                &format!("/api/v1/events/{event}/exchange-links"),
                &json!({"questions": questions, "practices": practices}),
            )
            .await
        }
    };
    assert_eq!(link(webinar, vec![qid], vec![]).await.0, 409, "only forums link the exchange");
    let (s, e) = link(forum, vec![qid], vec![pid]).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("practices")), "an unpublished practice: {e}");
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{pid}/approve"), &json!({})).await;
    assert_eq!(link(forum, vec![qid], vec![pid]).await.0, 200);
    assert_eq!(app.post_json_as(&anna, &format!("/api/v1/events/{forum}/exchange-links"), &json!({})).await.0, 403);

    // The page: titles for the signed in, a sign-in link for visitors; the form for coordinators.
    let (_, html) = app.get_text_as(&anna, &format!("/eventi/{forum}")).await;
    assert!(html.contains("UCS per la FAD?") && html.contains(&format!("/scambio/esperienze/{pid}")), "{html}");
    let visitor = app.client.get(app.url(&format!("/eventi/{forum}"))).send().await.unwrap().text().await.unwrap();
    assert!(!visitor.contains("UCS per la FAD?") && visitor.contains("Dallo scambio tra Regioni"), "{visitor}");
    let r = app
        .post_form(
            &coord,
            &format!("/coordinamento/eventi/{forum}/scambio"),
            &[("questions", "#12x"), ("practices", "")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("id=\"questions-errore\""));
    let (_, html) = app.get_text_as(&coord, &format!("/coordinamento/eventi/{forum}")).await;
    assert!(html.contains(&format!("value=\"{qid}\"")), "{html}");

    // The attendees get them with the materials.
    let (_, reg) = register(&app, &anna, forum).await;
    clock.set(T0 + DAY + HOUR);
    app.post_json_as(
        &coord,
        &format!("/api/v1/events/{forum}/attendance"),
        &json!({"attended": [reg["registration"]["id"]]}),
    )
    .await;
    clock.set(T0 + DAY + 3 * HOUR);
    let (s, e) = app.post_json_as(&coord, &format!("/api/v1/events/{forum}/complete"), &json!({})).await;
    assert_eq!(s, 200, "{e}");
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'event.thanks'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(body.contains("UCS per la FAD?") && body.contains(&format!("/scambio/esperienze/{pid}")), "{body}");
});
