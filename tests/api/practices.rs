//! Practices of the Regions through the API and the pages, on both databases: publishing and
//! review with what each role sees at every step, versions of a published practice, hiding,
//! attachments checked by content (a pretend PDF, a macro-enabled document, an 11 MB file, a
//! sixth file) and served only where the practice may be seen, by another instance too, the
//! links between guides and practices, and an erased author's drafts.

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Options, TestApp, Visitor};

fn practice(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "Corsi di sanità digitale per 1.200 infermieri, finanziati dal FSE+ a costi unitari.",
        "funds": ["FSE+"],
        "phases": ["avviso", "rendicontazione"],
        "topics": ["opzioni-semplificate-costi"],
        "cost_options": ["unit_costs"],
        "what_done": "Un avviso per le aziende sanitarie con **costi unitari** per ora di formazione.",
        "act_reference": "DGR n. 100 del 10/03/2025",
        "act_url": "https://www.regione.lazio.example/dgr-100",
        "budget_eur": 1_500_000,
        "people_trained": 1200,
        "results": "1.200 professionisti formati in 14 mesi.",
        "lessons": "Coinvolgere prima gli uffici formazione delle aziende.",
        "contact_name": "Anna Bianchi",
        "contact_email": "anna@regione.lazio.example"
    })
}

fn attachment(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/attachments/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn upload(app: &TestApp, who: &Visitor, id: i64, name: &str, data: Vec<u8>) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/exchange/practices/{id}/attachments?name={name}")))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header("content-type", "application/octet-stream")
        .body(data)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn page_upload(app: &TestApp, who: &Visitor, id: i64, name: &str, data: Vec<u8>) -> reqwest::Response {
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(data).file_name(name.to_string()));
    app.client
        .post(app.url(&format!("/scambio/esperienze/{id}/allegati?csrf={}", who.csrf)))
        .header("cookie", &who.cookie)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn create(app: &TestApp, who: &Visitor, body: Value) -> (u16, Value) {
    app.post_json_as(who, "/api/v1/exchange/practices", &body).await
}

async fn get(app: &TestApp, who: &Visitor, id: i64) -> (u16, Value) {
    app.get_json_as(who, &format!("/api/v1/exchange/practices/{id}")).await
}

async fn act(app: &TestApp, who: &Visitor, id: i64, verb: &str, body: Value) -> (u16, Value) {
    app.post_json_as(who, &format!("/api/v1/exchange/practices/{id}/{verb}"), &body).await
}

db_test!(practices_are_reviewed_before_other_regions_see_them, |app| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;

    // Bad input names its field; only officers publish, for their own Region.
    for (key, value, field) in [
        ("title", json!(""), "title"),
        ("title", json!("x".repeat(201)), "title"),
        ("what_done", json!("y".repeat(20_001)), "what_done"),
        ("funds", json!([]), "funds"),
        ("funds", json!(["FSX"]), "funds"),
        ("phases", json!(["ovunque"]), "phases"),
        ("topics", json!(["non-esiste"]), "topics"),
        ("cost_options", json!(["gratis"]), "cost_options"),
        ("act_url", json!("javascript:alert(1)"), "act_url"),
        ("budget_eur", json!(-5), "budget_eur"),
        ("contact_email", json!("anna@"), "contact_email"),
    ] {
        let mut body = practice("Formazione digitale");
        body[key] = value;
        let (s, e) = create(&app, &anna, body).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{key}: {e}");
    }
    let (s, _) = create(&app, &mentor, practice("Da un mentor")).await;
    assert_eq!(s, 403);

    // A draft: only its author and coordinators see it.
    let (s, p) = create(&app, &anna, practice("Costi unitari per la formazione digitale")).await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!((p["status"].as_str(), p["region_code"].as_str()), (Some("draft"), Some("LAZ")));
    assert_eq!(get(&app, &piero, id).await.0, 404);
    assert_eq!(get(&app, &coord, id).await.0, 200);
    let (_, list) = app.get_json_as(&piero, "/api/v1/exchange/practices").await;
    assert_eq!(list["total"], 0, "{list}");
    let (_, mine) = app.get_json_as(&anna, "/api/v1/exchange/practices?mine=1").await;
    assert_eq!((mine["total"].as_i64(), mine["items"][0]["status"].as_str()), (Some(1), Some("draft")));
    assert_eq!(act(&app, &coord, id, "approve", json!({})).await.0, 409, "a draft is not under review");

    // Sent for review, sent back with a comment, corrected, approved.
    let (s, p) = act(&app, &anna, id, "submit", json!({})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("pending")), "{p}");
    assert_eq!(act(&app, &anna, id, "submit", json!({})).await.0, 409, "already under review");
    assert_eq!(get(&app, &piero, id).await.0, 404);
    let (s, e) = act(&app, &coord, id, "return", json!({"comment": " "})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("comment")));
    assert_eq!(act(&app, &anna, id, "approve", json!({})).await.0, 403, "authors do not approve");
    let (s, p) =
        act(&app, &coord, id, "return", json!({"comment": "Indicate l'atto di approvazione dei costi unitari."})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("returned")));
    let (_, p) = get(&app, &anna, id).await;
    assert_eq!(p["version"]["review_comment"], "Indicate l'atto di approvazione dei costi unitari.");
    let mut corrected = practice("Costi unitari per la formazione digitale");
    corrected["act_reference"] = json!("DGR n. 100 del 10/03/2025, allegato B");
    corrected["submit"] = json!(true);
    let (s, p) = app.post_json_as(&anna, &format!("/api/v1/exchange/practices/{id}"), &corrected).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("pending")), "{p}");
    let (_, queue) = app.get_json_as(&coord, "/api/v1/exchange/practice-reviews").await;
    assert_eq!(queue.as_array().map(Vec::len), Some(1));
    let (s, p) = act(&app, &coord, id, "approve", json!({})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("published")));

    // Published: every signed-in person sees it, and the filters find it.
    let (s, seen) = get(&app, &piero, id).await;
    assert_eq!((s, seen["version"]["title"].as_str()), (200, Some("Costi unitari per la formazione digitale")));
    assert!(seen["version"]["what_done_html"].as_str().unwrap().contains("<strong>costi unitari</strong>"));
    assert_eq!(get(&app, &mentor, id).await.0, 200);
    for (query, found) in
        [("fund=FSE%2B", 1), ("fund=FESR", 0), ("phase=avviso", 1), ("region=LAZ", 1), ("region=PUG", 0)]
    {
        let (_, list) = app.get_json_as(&piero, &format!("/api/v1/exchange/practices?{query}")).await;
        assert_eq!(list["total"].as_i64(), Some(found), "{query}: {list}");
    }
    let (s, e) = app.get_json_as(&piero, "/api/v1/exchange/practices?phase=ovunque").await;
    assert_eq!((s, e["field"].as_str()), (400, Some("phase")));

    // Edited after publication: the published version stays until the new one is approved.
    let mut changed = practice("Costi unitari e FAD per la formazione digitale");
    changed["submit"] = json!(true);
    assert_eq!(app.post_json_as(&piero, &format!("/api/v1/exchange/practices/{id}"), &changed).await.0, 403);
    let (s, p) = app.post_json_as(&anna, &format!("/api/v1/exchange/practices/{id}"), &changed).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["status"].as_str(), p["revision"]["state"].as_str()), (Some("published"), Some("pending")));
    let (_, seen) = get(&app, &piero, id).await;
    assert_eq!(seen["version"]["title"], "Costi unitari per la formazione digitale");
    assert!(seen["revision"].is_null(), "others see only the published version: {seen}");
    let (s, _) = app.get_json_as(&piero, &format!("/api/v1/exchange/practices/{id}/versions")).await;
    assert_eq!(s, 403);
    act(&app, &coord, id, "approve", json!({})).await;
    let (_, seen) = get(&app, &piero, id).await;
    assert_eq!(seen["version"]["title"], "Costi unitari e FAD per la formazione digitale");
    let (_, versions) = app.get_json_as(&anna, &format!("/api/v1/exchange/practices/{id}/versions")).await;
    let states: Vec<&str> = versions.as_array().unwrap().iter().map(|v| v["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["approved", "superseded"]);

    // The pages: the list, the practice, the review queue, the form with every error at once.
    let (s, html) = app.get_text_as(&piero, "/scambio/esperienze").await;
    assert!(s == 200 && html.contains("Costi unitari e FAD per la formazione digitale"), "{html}");
    let (s, html) = app.get_text_as(&piero, &format!("/scambio/esperienze/{id}")).await;
    assert!(s == 200 && html.contains("Tabelle standard di costi unitari") && html.contains("1.500.000 €"), "{html}");
    assert!(!html.contains("/approva"), "no review controls for officers");
    let (_, html) = app.get_text_as(&coord, "/coordinamento/esperienze").await;
    assert!(html.contains("Nessuna esperienza in attesa di revisione"), "{html}");
    let r = app
        .post_form(&anna, "/scambio/esperienze", &[("title", ""), ("what_done", "Corsi"), ("budget_eur", "tanti")])
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    for field in ["title", "summary", "funds", "phases", "budget_eur", "contact_name"] {
        assert!(html.contains(&format!("id=\"{field}-errore\"")), "{field}: {html}");
    }
    assert!(html.contains(">Corsi</textarea>"), "what was typed stays");
    let r = app
        .post_form(
            &anna,
            "/scambio/esperienze",
            &[
                ("title", "Bozza dal modulo"),
                ("summary", "In breve"),
                ("funds", "FESR"),
                ("phases", "attuazione"),
                ("what_done", "Aule attrezzate"),
                ("contact_name", "Anna"),
                ("contact_email", "anna@regione.lazio.example"),
                ("azione", "bozza"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, mine) = app.get_json_as(&anna, "/api/v1/exchange/practices?mine=1&fund=FESR").await;
    assert_eq!(mine["items"][0]["status"], "draft", "{mine}");

    // Hidden: gone for others; its author reads why and can no longer change it.
    let (s, e) = act(&app, &coord, id, "hide", json!({"reason": ""})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("reason")));
    let (s, p) = act(&app, &coord, id, "hide", json!({"reason": "Dati di contatto da verificare."})).await;
    assert_eq!((s, p["status"].as_str()), (200, Some("hidden")));
    assert_eq!(get(&app, &piero, id).await.0, 404);
    let (_, p) = get(&app, &anna, id).await;
    assert_eq!(
        (p["hidden_reason"].as_str(), p["editable"].as_bool()),
        (Some("Dati di contatto da verificare."), Some(false))
    );
    assert_eq!(app.post_json_as(&anna, &format!("/api/v1/exchange/practices/{id}"), &changed).await.0, 409);
});

db_test!(attachments_are_checked_by_content_and_seen_where_the_practice_is, |app| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let (_, p) = app.post_json_as(&anna, "/api/v1/exchange/practices", &practice("Allegati")).await;
    let id = p["id"].as_i64().unwrap();

    let (s, pdf) = upload(&app, &anna, id, "Relazione finale.pdf", attachment("relazione.pdf")).await;
    assert_eq!(
        (s, pdf["kind"].as_str(), pdf["name"].as_str()),
        (201, Some("pdf"), Some("Relazione finale.pdf")),
        "{pdf}"
    );
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(11 * 1024 * 1024 - 6, b' ');
    big.extend_from_slice(b"%%EOF\n");
    for (name, data, says) in [
        ("relazione.pdf", attachment("finto.pdf"), "non ammesso"),
        ("troncato.pdf", attachment("troncato.pdf"), "PDF"),
        ("piano.docx", attachment("macro-rinominato.docx"), "macro"),
        ("macro.docm", attachment("macro.docm"), "macro"),
        ("scheda.odt", attachment("macro.odt"), "macro"),
        ("archivio.zip", attachment("archivio.zip"), "non ammesso"),
        ("grande.pdf", big, "10 MB"),
        ("vuoto.pdf", Vec::new(), "file"),
    ] {
        let (s, e) = upload(&app, &anna, id, name, data).await;
        assert_eq!((s, e["field"].as_str()), (400, Some("file")), "{name}: {e}");
        assert!(e["error"].as_str().unwrap().contains(says), "{name}: {e}");
    }
    for name in ["piano.docx", "budget.xlsx", "scheda.odt", "costi.ods"] {
        let (s, a) = upload(&app, &anna, id, name, attachment(name)).await;
        assert_eq!(s, 201, "{name}: {a}");
    }
    let (s, e) = upload(&app, &anna, id, "sesto.pdf", attachment("relazione.pdf")).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("file")), "a sixth file: {e}");
    assert_eq!(upload(&app, &piero, id, "altrui.pdf", attachment("relazione.pdf")).await.0, 404, "a draft of others");

    // Before publication only its author and coordinators download it.
    let url = format!("/api/v1/exchange/attachments/{}", pdf["id"]);
    let page_url = format!("/scambio/allegati/{}", pdf["id"]);
    assert_eq!(app.get_as(&piero, &url).await.status(), 404);
    assert_eq!(app.get_as(&piero, &page_url).await.status(), 404);
    let r = app.get_as(&coord, &page_url).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"Relazione finale.pdf\""));
    assert_eq!(r.bytes().await.unwrap().to_vec(), attachment("relazione.pdf"));

    // Published: every signed-in person downloads it, also from another instance.
    act(&app, &anna, id, "submit", json!({})).await;
    act(&app, &coord, id, "approve", json!({})).await;
    assert_eq!(app.get_as(&piero, &url).await.status(), 200);
    let other =
        TestApp::spawn_with(app.backend, Options { database_url: Some(app.database_url()), ..Default::default() })
            .await;
    let r = other.get_as(&piero, &url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), attachment("relazione.pdf"));
    let (s, _) = other.get_json_as(&piero, &format!("/api/v1/exchange/attachments/{}", i64::MAX)).await;
    assert_eq!(s, 404);

    // Removing one from a published practice starts a new version; the published one keeps it.
    let (_, p) = get(&app, &anna, id).await;
    let docx = p["version"]["attachments"][1]["id"].as_i64().unwrap();
    let r = app.post_form(&anna, &format!("/scambio/allegati/{docx}/rimuovi"), &[]).await;
    assert_eq!(r.status(), 303);
    let (_, p) = get(&app, &anna, id).await;
    assert_eq!(p["version"]["attachments"].as_array().unwrap().len(), 5);
    assert_eq!(p["revision"]["attachments"].as_array().unwrap().len(), 4);
    assert_eq!(p["revision"]["state"], "draft");
    // The page's upload form: a refused file re-renders the page with the message by the field.
    let r = page_upload(&app, &anna, id, "relazione.pdf", attachment("finto.pdf")).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"file-errore\"") && html.contains("non ammesso"), "{html}");
    let r = page_upload(&app, &anna, id, "nuova-scheda.odt", attachment("scheda.odt")).await;
    assert_eq!(r.status(), 303);
    let (_, p) = get(&app, &anna, id).await;
    assert_eq!(p["revision"]["attachments"][4]["name"], "nuova-scheda.odt");
    let draft_file = p["revision"]["attachments"][4]["id"].as_i64().unwrap();
    assert_eq!(app.get_as(&piero, &format!("/api/v1/exchange/attachments/{draft_file}")).await.status(), 404);
    assert_eq!(app.get_as(&anna, &format!("/api/v1/exchange/attachments/{draft_file}")).await.status(), 200);
    other.stop().await;
});

db_test!(guides_and_practices_point_at_each_other_and_drafts_go_with_their_author, |app| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let (_, p) = app.post_json_as(&anna, "/api/v1/exchange/practices", &practice("Costi unitari nel Lazio")).await;
    let id = p["id"].as_i64().unwrap();
    act(&app, &anna, id, "submit", json!({})).await;
    act(&app, &coord, id, "approve", json!({})).await;

    // A guide of the same fund with the practice's topic shows it to signed-in people only.
    let corpus = app.state.search.corpus();
    let guide = corpus
        .guides
        .iter()
        .find(|g| {
            g.lang == fondilab::i18n::Lang::It
                && g.funds.iter().any(|f| f.as_str() == "FSE+")
                && g.topics.iter().any(|t| t == "opzioni-semplificate-costi")
        })
        .expect("a guide on simplified costs");
    let (_, html) = app.get_text_as(&piero, &guide.url()).await;
    assert!(html.contains("Come l'hanno fatto le Regioni") && html.contains("Costi unitari nel Lazio"), "{html}");
    let visitor = app.client.get(app.url(&guide.url())).send().await.unwrap().text().await.unwrap();
    assert!(!visitor.contains("Costi unitari nel Lazio"), "visitors do not see practices");
    // The practice links back to guides sharing its fund and topics.
    let (_, html) = app.get_text_as(&piero, &format!("/scambio/esperienze/{id}")).await;
    assert!(html.contains("Le guide collegate") && html.contains(&format!("href=\"{}\"", guide.url())), "{html}");

    // Erasing the author: what was sent stays, signed "utente rimosso"; drafts go.
    let (_, draft) = app.post_json_as(&anna, "/api/v1/exchange/practices", &practice("Solo una bozza")).await;
    let draft_id = draft["id"].as_i64().unwrap();
    upload(&app, &anna, draft_id, "bozza.pdf", attachment("relazione.pdf")).await;
    let r = app.post_form(&anna, "/profilo/cancella", &[("conferma", "si")]).await;
    assert!(r.status().is_redirection() || r.status() == 200, "{}", r.status());
    let (s, p) = get(&app, &piero, id).await;
    assert_eq!((s, p["author_name"].as_str()), (200, Some("utente rimosso")));
    assert_eq!(get(&app, &coord, draft_id).await.0, 404, "the draft is gone");
    let files: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exchange_files").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(files, 0, "the draft's file is gone too");
});
