//! Readers' feedback on guides: votes (once per person, changeable; once per browser, rate
//! limited), reports handled by coordinators with a note mailed through the outbox, the
//! figures on the dashboard and in `/api/v1/kpi`, and refusals that name their field.

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

const GUIDE: &str = "costi-unitari-fse-plus";

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.state.db.pool()).await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

async fn readers_of(app: &TestApp, coordinator: &Visitor) -> serde_json::Value {
    let (s, kpi) = app.get_json_as(coordinator, "/api/v1/kpi").await;
    assert_eq!(s, 200, "{kpi}");
    kpi["guides"]["readers"].as_array().unwrap().iter().find(|g| g["id"] == GUIDE).cloned().unwrap_or_default()
}

db_test!(a_person_counts_once_per_guide_and_can_change_the_answer, |app| {
    let officer = app.user("officer@example.org", "officer", Some("PUG")).await;
    let coordinator = app.user("coord@example.org", "coordinator", None).await;
    let path = format!("/guide/{GUIDE}/utile");
    let r = app.post_form(&officer, &path, &[("useful", "si"), ("comment", "Chiara")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/guide/{GUIDE}?grazie=1#parere"));
    let (_, page) = app.get_text_as(&officer, &format!("/guide/{GUIDE}?grazie=1")).await;
    assert!(page.contains("la tua risposta è stata registrata"), "thanks shown");
    assert!(page.contains("Hai risposto: <strong>sì</strong>"), "the answer is shown back");
    assert_eq!(readers_of(&app, &coordinator).await["useful_yes"], 1);
    // Changing the answer replaces it; the API says so.
    let (s, v) = app
        .post_json_as(&officer, &format!("/api/v1/guides/{GUIDE}/votes"), &serde_json::json!({"useful": false}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!((v["useful"].as_bool(), v["changed"].as_bool()), (Some(false), Some(true)));
    let figures = readers_of(&app, &coordinator).await;
    assert_eq!((figures["useful_yes"].as_i64(), figures["useful_no"].as_i64()), (Some(0), Some(1)));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_votes").await, 1, "one row per person and guide");
    // The dashboard lists it among the least useful.
    let (_, dash) = app.get_text_as(&coordinator, "/cruscotto").await;
    let least = &dash[dash.find("id=\"meno-utili\"").expect("least useful list")..];
    assert!(least.contains(&format!("href=\"/guide/{GUIDE}\"")), "{least}");
});

db_test!(a_browser_votes_once_and_a_client_only_so_often, |app| {
    let anonymous = app.anonymous().await;
    let path = format!("/guide/{GUIDE}/utile");
    let r = app.post_form(&anonymous, &path, &[("useful", "no")]).await;
    assert_eq!(r.status(), 303);
    let voter = set_cookie(&r, "fondilab_voter").expect("the browser gets its voter cookie");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| v.to_str().ok().filter(|c| c.starts_with("fondilab_voter=")).map(str::to_string))
        .unwrap();
    assert!(cookie.contains("Max-Age=2592000") && cookie.contains("HttpOnly"), "{cookie}");
    let browser = Visitor { cookie: format!("{}; {voter}", anonymous.cookie), ..anonymous.clone() };
    // The same browser again: refused, naming the field, the page shown with the message.
    let again = app.post_form(&browser, &path, &[("useful", "si")]).await;
    assert_eq!(again.status(), 409);
    let html = again.text().await.unwrap();
    assert!(html.contains("hai già risposto per questa guida"), "{html}");
    let (s, e) = app
        .post_json_as(&browser, &format!("/api/v1/guides/{GUIDE}/votes"), &serde_json::json!({"useful": true}))
        .await;
    assert_eq!((s, e["field"].as_str()), (409, Some("useful")), "{e}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_votes").await, 1);
    // Other browsers from the same address: 30 votes an hour in all, then 429.
    for i in 1..30 {
        let r = app.post_form(&anonymous, &path, &[("useful", "si")]).await;
        assert_eq!(r.status(), 303, "vote {i}");
    }
    let r = app.post_form(&anonymous, &path, &[("useful", "si")]).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Troppi voti"), "the limit is explained");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_votes").await, 30);
});

db_test!(bad_feedback_is_refused_naming_the_field_and_nothing_is_stored, |app| {
    let officer = app.user("officer@example.org", "officer", Some("PUG")).await;
    let vote = format!("/guide/{GUIDE}/utile");
    let long = "x".repeat(501);
    let r = app.post_form(&officer, &vote, &[("useful", "si"), ("comment", &long)]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"comment-errore\"") && html.contains("al massimo 500 caratteri"), "field error shown");
    assert!(html.contains(&long), "what was typed is kept");
    let r = app.post_form(&officer, &vote, &[("comment", "senza risposta")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("id=\"useful-errore\""));
    let r = app.post_form(&officer, "/guide/non-esiste/utile", &[("useful", "si")]).await;
    assert_eq!(r.status(), 404);
    let report = format!("/api/v1/guides/{GUIDE}/reports");
    let cases = [
        (serde_json::json!({"body": "  "}), "body"),
        (serde_json::json!({"body": "y".repeat(2001)}), "body"),
        (serde_json::json!({"body": "Il passo cita un articolo sbagliato", "step": 99}), "step"),
        (serde_json::json!({"body": "ok", "source": "z".repeat(501)}), "source"),
    ];
    for (body, field) in cases {
        let (s, e) = app.post_json_as(&officer, &report, &body).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (s, _) =
        app.post_json_as(&officer, "/api/v1/guides/non-esiste/reports", &serde_json::json!({"body": "x"})).await;
    assert_eq!(s, 404);
    let r = app.post_form(&officer, &format!("/guide/{GUIDE}/segnala"), &[("step", "1"), ("body", "")]).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"body-errore\"") && html.contains("<details open"),
        "the report form is open with its error"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_votes").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_reports").await, 0);
});

db_test!(a_report_reaches_coordinators_and_the_note_reaches_the_reporter, |app| {
    let officer = app.user("officer@example.org", "officer", Some("PUG")).await;
    let coordinator = app.user("coord@example.org", "coordinator", None).await;
    let fields = [
        ("step", "2"),
        ("body", "La soglia indicata è superata"),
        ("source", "Reg. (UE) 2021/1060, art. 53"),
        ("form_key", "k-1"),
    ];
    let path = format!("/guide/{GUIDE}/segnala");
    let r = app.post_form(&officer, &path, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/guide/{GUIDE}?segnalato=1#segnala"));
    // The same form sent twice stores one report.
    assert_eq!(app.post_form(&officer, &path, &fields).await.status(), 303);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM guide_reports").await, 1);
    assert_eq!(readers_of(&app, &coordinator).await["open_reports"], 1);
    let (_, dash) = app.get_text_as(&coordinator, "/cruscotto").await;
    let open = &dash[dash.find("id=\"segnalazioni-aperte\"").unwrap()..dash.find("id=\"meno-utili\"").unwrap()];
    assert!(open.contains(&format!("href=\"/guide/{GUIDE}\"")), "{open}");
    // The queue, as a page and as JSON.
    let (s, queue) = app.get_text_as(&coordinator, "/coordinamento/segnalazioni").await;
    assert_eq!(s, 200);
    assert!(queue.contains("La soglia indicata è superata") && queue.contains("officer@example.org"), "{queue}");
    let (s, list) = app.get_json_as(&coordinator, "/api/v1/guide-reports").await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)), "{list}");
    let item = &list["items"][0];
    assert_eq!(
        (item["guide_id"].as_str(), item["step"].as_i64(), item["state"].as_str()),
        (Some(GUIDE), Some(2), Some("open"))
    );
    let id = item["id"].as_i64().unwrap();
    // Handling needs a note; then the reporter is mailed through the outbox.
    let handle = format!("/coordinamento/segnalazioni/{id}/gestisci");
    let r = app.post_form(&coordinator, &handle, &[("note", " ")]).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains(&format!("id=\"nota-{id}-errore\"")));
    let r = app.post_form(&coordinator, &handle, &[("note", "Corretto il passo 2 con la soglia in vigore.")]).await;
    assert_eq!(r.status(), 303);
    let (body, kind): (String, String) =
        sqlx::query_as("SELECT body_text, kind FROM outbox WHERE recipient = 'officer@example.org'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(kind, "guide.report.handled");
    assert!(
        body.contains("Corretto il passo 2 con la soglia in vigore.") && body.contains(&format!("/guide/{GUIDE}")),
        "{body}"
    );
    let (s, e) = app
        .post_json_as(
            &coordinator,
            &format!("/api/v1/guide-reports/{id}/handle"),
            &serde_json::json!({"note": "di nuovo"}),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE kind = 'guide.report.handled'").await, 1, "mailed once");
    assert_eq!(readers_of(&app, &coordinator).await["open_reports"].as_i64().unwrap_or(0), 0);
    let (_, handled) = app.get_json_as(&coordinator, "/api/v1/guide-reports?state=handled").await;
    assert_eq!(handled["items"][0]["note"], "Corretto il passo 2 con la soglia in vigore.");
    let (s, e) = app.get_json_as(&coordinator, "/api/v1/guide-reports?state=boh").await;
    assert_eq!((s, e["field"].as_str()), (400, Some("state")));
});

db_test!(a_guide_page_offers_both_forms_to_the_signed_in_and_the_vote_to_everyone, |app| {
    let (_, page) = app.get_text(&format!("/guide/{GUIDE}")).await;
    assert!(
        page.contains("Questa guida ti è stata utile?") && page.contains(&format!("action=\"/guide/{GUIDE}/utile\""))
    );
    assert!(!page.contains(&format!("action=\"/guide/{GUIDE}/segnala\"")), "no report form without an account");
    assert!(page.contains("/accedi?torna="), "a way to sign in to report");
    let officer = app.user("officer@example.org", "officer", Some("PUG")).await;
    let (_, page) = app.get_text_as(&officer, &format!("/guide/{GUIDE}")).await;
    assert!(page.contains(&format!("action=\"/guide/{GUIDE}/segnala\"")) && page.contains("name=\"form_key\""));
});
