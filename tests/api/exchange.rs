//! Questions between Regions through the API and the pages, on both databases: asking with
//! its limits, answering in Markdown without raw HTML, the accepted answer, editing for 24
//! hours, hiding and reporting with what each role then sees, the draft guide, and an erased
//! account's answers staying as "utente rimosso".

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

/// 2026-05-28 20:26 UTC.
const T0: i64 = 1_780_000_000_000;
const HOUR: i64 = 3_600_000;

fn question(title: &str) -> Value {
    json!({
        "title": title,
        "body": "Abbiamo un avviso FSE+ per corsi e-learning ai sanitari: le ore online si rendicontano a costi standard?",
        "fund": "FSE+",
        "topics": ["opzioni-semplificate-costi"]
    })
}

async fn ask(app: &TestApp, who: &Visitor, body: &Value) -> (u16, Value) {
    app.post_json_as(who, "/api/v1/exchange/questions", body).await
}

async fn thread(app: &TestApp, who: &Visitor, id: i64) -> (u16, Value) {
    app.get_json_as(who, &format!("/api/v1/exchange/questions/{id}")).await
}

db_test!(regions_ask_answer_accept_and_moderate, clock = T0, |app, clock| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;

    // Bad input names its field.
    for (body, field) in [
        (json!({"title": "", "body": "testo"}), "title"),
        (json!({"title": "x".repeat(201), "body": "testo"}), "title"),
        (json!({"title": "Domanda", "body": " "}), "body"),
        (json!({"title": "Domanda", "body": "y".repeat(20_001)}), "body"),
        (json!({"title": "Domanda", "body": "testo", "fund": "FSX"}), "fund"),
        (json!({"title": "Domanda", "body": "testo", "topics": ["non-esiste"]}), "topics"),
    ] {
        let (s, e) = ask(&app, &anna, &body).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (s, q) = ask(&app, &anna, &question("E-learning a costi standard?")).await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    assert_eq!(
        (q["answered"].as_bool(), q["mine"].as_bool(), q["editable"].as_bool()),
        (Some(false), Some(true), Some(true))
    );

    // Everyone answers; Markdown keeps no raw HTML and marks links.
    let mut answers = Vec::new();
    for (who, text) in [
        (&mentor, "Sì, con la [tabella UCS](https://regione.example/ucs) <script>alert(1)</script>"),
        (&piero, "Noi abbiamo usato i costi reali."),
        (&coord, "Vedi anche la guida sulle OSC."),
    ] {
        let (s, a) =
            app.post_json_as(who, &format!("/api/v1/exchange/questions/{qid}/answers"), &json!({"body": text})).await;
        assert_eq!(s, 201, "{a}");
        answers.push(a["id"].as_i64().unwrap());
    }
    let (_, t) = thread(&app, &piero, qid).await;
    let first = &t["answers"][0]["body_html"];
    assert!(!first.as_str().unwrap().contains("<script>"), "{first}");
    assert!(
        first.as_str().unwrap().contains(r#"<a href="https://regione.example/ucs" rel="nofollow noopener">"#),
        "{first}"
    );

    // Only the asker (or a coordinator) accepts; the question is then answered.
    let accept = format!("/api/v1/exchange/questions/{qid}/accept");
    let (s, _) = app.post_json_as(&piero, &accept, &json!({"answer_id": answers[0]})).await;
    assert_eq!(s, 403);
    let (s, e) = app.post_json_as(&anna, &accept, &json!({"answer_id": 999_999})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("answer_id")));
    let (s, q) = app.post_json_as(&anna, &accept, &json!({"answer_id": answers[0]})).await;
    assert_eq!((s, q["answered"].as_bool()), (200, Some(true)), "{q}");
    let (_, list) = app.get_json_as(&piero, "/api/v1/exchange/questions?answered=1").await;
    assert_eq!(list["total"], 1);
    let (_, list) = app.get_json_as(&piero, "/api/v1/exchange/questions?answered=0").await;
    assert_eq!(list["total"], 0);

    // Editing: the author only, within 24 hours, shown as edited.
    let edit = format!("/api/v1/exchange/questions/{qid}");
    let (s, _) = app.post_json_as(&piero, &edit, &question("Cambiata da altri")).await;
    assert_eq!(s, 403);
    let (s, q) = app.post_json_as(&anna, &edit, &question("E-learning a costi standard (UCS)?")).await;
    assert_eq!((s, q["edited_at"].is_i64()), (200, true), "{q}");
    clock.advance(25 * HOUR);
    let (s, _) = app.post_json_as(&anna, &edit, &question("Troppo tardi")).await;
    assert_eq!(s, 409);
    let (s, _) =
        app.post_json_as(&piero, &format!("/api/v1/exchange/answers/{}", answers[1]), &json!({"body": "tardi"})).await;
    assert_eq!(s, 409);

    // A coordinator hides Piero's answer: he sees it with the reason, Anna does not see it at all.
    let hide = format!("/api/v1/exchange/answers/{}/hide", answers[1]);
    let (s, e) = app.post_json_as(&coord, &hide, &json!({"reason": ""})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("reason")));
    let r = app
        .client
        .post(app.url(&hide))
        .header("cookie", &coord.cookie)
        .header("x-csrf-token", &coord.csrf)
        .json(&json!({"reason": "Dati personali di un beneficiario"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, t) = thread(&app, &piero, qid).await;
    let his = t["answers"].as_array().unwrap().iter().find(|a| a["id"] == answers[1]).unwrap();
    assert_eq!(
        (his["state"].as_str(), his["hidden_reason"].as_str()),
        (Some("hidden"), Some("Dati personali di un beneficiario"))
    );
    let (_, t) = thread(&app, &anna, qid).await;
    assert_eq!(t["answers"].as_array().unwrap().len(), 2, "{t}");
    assert_eq!(t["question"]["answers"], 2);

    // A hidden question: gone for others (page, API, list), there for its author with the reason.
    let (_, q2) = ask(&app, &piero, &question("Domanda fuori tema")).await;
    let q2 = q2["id"].as_i64().unwrap();
    let (s, _) = app
        .post_json_as(&coord, &format!("/api/v1/exchange/questions/{q2}/hide"), &json!({"reason": "Fuori tema"}))
        .await;
    assert_eq!(s, 204);
    assert_eq!(thread(&app, &anna, q2).await.0, 404);
    assert_eq!(app.get_as(&anna, &format!("/scambio/domande/{q2}")).await.status(), 404);
    let (_, list) = app.get_json_as(&anna, "/api/v1/exchange/questions").await;
    assert_eq!(list["total"], 1);
    let (s, t) = thread(&app, &piero, q2).await;
    assert_eq!((s, t["question"]["hidden_reason"].as_str()), (200, Some("Fuori tema")));
    let (_, t) = thread(&app, &coord, q2).await;
    assert_eq!(t["question"]["state"], "hidden");
    let (s, _) =
        app.post_json_as(&anna, &format!("/api/v1/exchange/questions/{q2}/answers"), &json!({"body": "x"})).await;
    assert_eq!(s, 404, "not seen, not answered");

    // Reports reach the coordinators' queue and leave it when handled.
    let report = format!("/api/v1/exchange/answers/{}/report", answers[2]);
    let (s, e) = app.post_json_as(&anna, &report, &json!({"reason": "z".repeat(501)})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("reason")));
    let (s, created) = app.post_json_as(&anna, &report, &json!({"reason": "Link a una guida sbagliata"})).await;
    assert_eq!(s, 201);
    let (_, queue) = app.get_json_as(&coord, "/api/v1/exchange/reports").await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!((queue[0]["item"].as_str(), queue[0]["question_id"].as_i64()), (Some("answer"), Some(qid)));
    let (_, page) = app.get_text_as(&coord, "/coordinamento/segnalazioni-scambio").await;
    assert!(page.contains("Link a una guida sbagliata"), "{page}");
    let handle = format!("/coordinamento/segnalazioni-scambio/{}/chiudi", created["id"]);
    assert_eq!(app.post_form(&coord, &handle, &[]).await.status(), 303);
    assert_eq!(app.post_form(&coord, &handle, &[]).await.status(), 404);

    // The accepted answer becomes a draft guide with the corpus's front matter.
    let r = app.get_as(&coord, &format!("/api/v1/exchange/questions/{qid}/guide-draft")).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/markdown"));
    let md = r.text().await.unwrap();
    let front = md.split("+++").nth(1).expect("front matter");
    let meta: toml::Value = toml::from_str(front).unwrap_or_else(|e| panic!("{e}: {front}"));
    assert_eq!(meta["title"].as_str(), Some("E-learning a costi standard (UCS)?"));
    assert_eq!(meta["funds"].as_array().unwrap()[0].as_str(), Some("FSE+"));
    assert!(meta["sources"][0].as_str().unwrap().ends_with(&format!("/scambio/domande/{qid}")));
    assert!(md.contains("tabella UCS"), "{md}");
    let (_, q3) = ask(&app, &anna, &question("Senza risposta")).await;
    let r = app.get_as(&coord, &format!("/api/v1/exchange/questions/{}/guide-draft", q3["id"])).await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.get_as(&anna, &format!("/api/v1/exchange/questions/{qid}/guide-draft")).await.status(), 403);

    // An erased account's answers stay, signed "utente rimosso".
    assert_eq!(app.post_form(&mentor, "/profilo/cancella", &[("conferma", "si")]).await.status(), 200);
    let (_, t) = thread(&app, &anna, qid).await;
    assert_eq!(t["answers"][0]["author_name"], "utente rimosso");
    assert!(t["answers"][0]["accepted"].as_bool().unwrap());
});

db_test!(questions_are_limited_and_the_pages_keep_what_was_typed, |app| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    for i in 0..20 {
        let (s, e) = ask(&app, &anna, &question(&format!("Domanda {i}"))).await;
        assert_eq!(s, 201, "{e}");
    }
    let (s, e) = ask(&app, &anna, &question("La ventunesima")).await;
    assert_eq!(s, 429, "{e}");
    assert!(e["error"].as_str().unwrap().contains("24 ore"), "{e}");

    let bruno = app.user("bruno@regione.lazio.example", "officer", Some("LAZ")).await;
    // A form without a title comes back with the text kept and the error next to the field.
    let r = app.post_form(&bruno, "/scambio/domande", &[("title", ""), ("body", "Il nostro contesto")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Il nostro contesto") && page.contains("aria-describedby=\"title-errore\""), "{page}");
    let r = app
        .post_form(
            &bruno,
            "/scambio/domande",
            &[("title", "Chi ha usato i voucher?"), ("body", "Per i corsi ECM."), ("fund", "FSE+")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let r = app.post_form(&anna, &format!("{to}/risposte"), &[("body", "")]).await;
    assert_eq!(r.status(), 400, "an empty answer is refused on the page");
    assert_eq!(
        app.post_form(&anna, &format!("{to}/risposte"), &[("body", "Noi sì, con un avviso a sportello.")])
            .await
            .status(),
        303
    );
    let (_, page) = app.get_text_as(&bruno, &to).await;
    assert!(page.contains("Noi sì, con un avviso a sportello.") && page.contains("/accetta"), "{page}");
    let (_, list) = app.get_text_as(&anna, "/scambio/domande?mine=1").await;
    assert!(list.contains("Domanda 19") && !list.contains("Chi ha usato i voucher?"), "{list}");

    // A search no guide answers offers to ask the Regions, with the text.
    let (_, page) = app.get_text_as(&bruno, "/cerca?q=zxqv+wprt+blorf").await;
    assert!(page.contains("/scambio/domande/nuova?testo="), "{page}");
});
