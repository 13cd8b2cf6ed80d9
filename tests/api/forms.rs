//! What people read after sending a form, through HTTP on both databases: the confirmation
//! shown once after the redirect of every action that changes something, and a refused form
//! shown again with all its problems, each next to its field, what was typed kept.

use serde_json::json;

use crate::db_test;
use crate::helpers::{TestApp, Visitor};
use crate::mentorship::{file, mentor};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The `fondilab_fatto` cookie a response sets: its value and whether it is being cleared.
fn done_cookie(r: &reqwest::Response) -> Option<(String, bool)> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fondilab_fatto="))
        .map(|c| {
            let value = c.split(';').next().unwrap().trim_start_matches("fondilab_fatto=").to_string();
            (value, c.contains("Max-Age=0"))
        })
}

/// The confirmations (`role="status"` notices of the layout) a page shows.
fn confirmations(page: &str) -> Vec<String> {
    page.split(r#"<p class="notice done" role="status">"#)
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap().to_string())
        .collect()
}

/// Follows the redirect of a form that changed something, as a browser does: the page it
/// leads to shows `expected` once and clears the cookie; loaded again, it shows nothing.
async fn confirmed(app: &TestApp, who: &Visitor, r: reqwest::Response, expected: &str) -> String {
    assert_eq!(r.status(), 303, "{:?}", r.headers());
    let to = location(&r);
    let (code, cleared) = done_cookie(&r).unwrap_or_else(|| panic!("no confirmation on the redirect to {to}"));
    assert!(!cleared && !code.is_empty());
    let page = app.get_with_cookie(&to, &format!("{}; fondilab_fatto={code}", who.cookie)).await;
    assert_eq!(page.status(), 200, "{to}");
    assert_eq!(done_cookie(&page), Some((String::new(), true)), "the page that shows it clears it");
    let text = page.text().await.unwrap();
    assert_eq!(confirmations(&text), vec![expected.to_string()], "{to}");
    // The browser has dropped the cookie: reloading says nothing.
    let (_, again) = app.get_text_as(who, &to).await;
    assert!(confirmations(&again).is_empty(), "{to}");
    to
}

fn local(ms: i64) -> String {
    fondilab::events::local_input(ms)
}

fn event_form(start: i64) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "webinar".into()),
        ("title", "Rendicontare i costi unitari".into()),
        ("description", "Casi reali.".into()),
        ("starts_at", local(start)),
        ("ends_at", local(start + 2 * HOUR)),
        ("online_url", "https://meet.example.org/fse".into()),
        ("capacity", "50".into()),
    ]
}

async fn post(app: &TestApp, who: &Visitor, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(who, path, &fields).await
}

db_test!(users_and_profiles_are_confirmed_once, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let r = app
        .post_form(
            &coord,
            "/coordinamento/utenti",
            &[("email", "nuova@regione.example"), ("name", "Nuova Persona"), ("role", "mentor"), ("lang", "it")],
        )
        .await;
    confirmed(&app, &coord, r, "Invito inviato.").await;

    // English pages say it in English; a code the service does not know shows nothing.
    let r = app.post_form(&coord, "/profilo", &[("name", "Coordinatrice"), ("lang", "en")]).await;
    let page = confirmed(&app, &coord, r, "Profile saved.").await;
    assert_eq!(page, "/profilo");
    let (_, text) = app.get_text_as(&coord, "/profilo").await;
    assert!(confirmations(&text).is_empty());
    let r = app.get_with_cookie("/profilo", &format!("{}; fondilab_fatto=%3Cscript%3E", coord.cookie)).await;
    assert_eq!(done_cookie(&r), None);
    assert!(confirmations(&r.text().await.unwrap()).is_empty());
});

db_test!(event_actions_are_confirmed_and_refusals_sit_next_to_their_form, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionaria@regione.puglia.example", "officer", Some("PUG")).await;
    let start = fondilab::db::now_ms() + 10 * DAY;
    let r = post(&app, &coord, "/coordinamento/eventi", &event_form(start)).await;
    let to = confirmed(&app, &coord, r, "Evento creato.").await;
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();

    let r = app.post_form(&coord, &format!("/coordinamento/eventi/{id}/pubblica"), &[]).await;
    confirmed(&app, &coord, r, "Evento pubblicato: ora è visibile a tutti.").await;

    let r = app.post_form(&officer, &format!("/eventi/{id}/iscrizione"), &[]).await;
    confirmed(&app, &officer, r, "Iscrizione confermata.").await;

    let mut changed = event_form(start);
    changed[1].1 = "Rendicontare i costi unitari (seconda edizione)".into();
    let r = post(&app, &coord, &format!("/coordinamento/eventi/{id}"), &changed).await;
    confirmed(&app, &coord, r, "Modifiche salvate.").await;

    // Attendance before the event is refused next to the attendance table, not under "Modifica".
    let reg: i64 = sqlx::query_scalar("SELECT id FROM registrations WHERE event_id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let r =
        app.post_form(&coord, &format!("/coordinamento/eventi/{id}/presenze"), &[("attended", &reg.to_string())]).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert_eq!(page.matches(r#"class="error-summary""#).count(), 1, "{page}");
    let summary = page.find(r#"class="error-summary""#).unwrap();
    // Before the start the table has no attendance boxes.
    let table = page.find(r#"class="table-scroll""#).unwrap();
    let heading = page.find("<h2>Iscritti").unwrap();
    assert!(heading < summary && summary < table, "the message sits between the heading and the table: {page}");
    assert!(page[summary..table].contains("Le presenze si registrano dopo l'inizio dell'evento"), "{page}");
    assert!(!page.contains("Richiesta non valida"));

    // The change mail names the event and says what changed.
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'event.change'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(body.contains("L'evento \"Rendicontare i costi unitari\""), "{body}");
    assert!(
        body.contains("Titolo: Rendicontare i costi unitari → Rendicontare i costi unitari (seconda edizione)"),
        "{body}"
    );
    assert!(!body.contains("pulsante"), "{body}");
    assert!(body.trim_end().ends_with("/profilo"), "the footer links to the notification settings: {body}");
    let (_, page) = app.get_text_as(&coord, &format!("/eventi/{id}")).await;
    assert!(page.contains("<dd>in programma</dd>") && !page.contains(">pubblicato<"), "{page}");

    let r = app
        .post_form(
            &coord,
            &format!("/coordinamento/eventi/{id}/annulla"),
            &[("reason", "Relatrice malata"), ("conferma", "1")],
        )
        .await;
    confirmed(&app, &coord, r, "Evento annullato: gli iscritti ricevono una email.").await;

    // The outbox page names kinds of mail in words.
    let (_, page) = app.get_text_as(&coord, "/coordinamento/posta").await;
    assert!(page.contains("<td>Evento: annullamento</td>"), "{page}");
    assert!(!page.contains("<td>event.cancel</td>"), "{page}");
});

db_test!(a_refused_event_form_shows_every_problem_next_to_its_field, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let start = fondilab::db::now_ms() + 10 * DAY;
    let mut form = event_form(start);
    form[1].1 = String::new(); // no title
    form[4].1 = local(start - HOUR); // ends before it starts
    form[6].1 = "0".into(); // no places
    form.push(("venue", "Sala Verdi, Bari".into()));
    let r = post(&app, &coord, "/coordinamento/eventi", &form).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    // One summary above the form, focused when the page opens, linking to each field.
    assert_eq!(page.matches(r#"class="error-summary""#).count(), 1, "{page}");
    assert!(page.contains(r#"<div class="error-summary" role="alert" tabindex="-1" autofocus"#), "{page}");
    assert!(page.contains("Ci sono alcuni problemi (3)"), "{page}");
    for (field, message) in [
        ("title", "Il titolo è obbligatorio."),
        ("ends_at", "La fine deve venire dopo l'inizio."),
        ("capacity", "I posti devono essere tra 1 e 5000 (hai scritto 0)."),
    ] {
        assert!(page.contains(&format!(r##"<a href="#{field}">{message}</a>"##)), "{field}: {page}");
        assert!(page.contains(&format!(r#"aria-invalid="true" aria-describedby="{field}-errore""#)), "{field}: {page}");
        assert!(page.contains(&format!(r#"<p class="field-error" id="{field}-errore">{message}</p>"#)), "{field}");
    }
    // What was typed is still there.
    assert!(page.contains(r#"value="Sala Verdi, Bari""#));
    assert!(page.contains(&format!(r#"value="{}""#, local(start - HOUR))));
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events").fetch_one(app.state.db.pool()).await.unwrap(),
        0
    );
    // The API names the first field and says everything.
    let (status, body) = app
        .post_json_as(
            &coord,
            "/api/v1/events",
            &json!({"kind": "webinar", "title": "", "starts_at": local(start), "ends_at": local(start + HOUR), "capacity": 0, "online_url": "https://x.example"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["field"], "title");
    assert!(body["error"].as_str().unwrap().contains("Il titolo è obbligatorio. I posti"), "{body}");
});

db_test!(mentorship_actions_are_confirmed_and_refusals_keep_what_was_typed, |app| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let officer = app.user("funzionaria@regione.puglia.example", "officer", Some("PUG")).await;
    let expert = mentor(
        &app,
        "esperta@example.org",
        json!({
            "experience": [{"fund": "FSE+", "role": "audit", "programme": "PR FSE+ Calabria 2014-2020", "region": "CAL"}],
            "topics": ["rendicontazione"],
            "languages": ["it"],
            "capacity": 3,
            "bio": ""
        }),
    )
    .await;

    // The mentor's profile form: two wrong fields, both said at once, what was typed kept.
    let r = app
        .post_form(
            &expert,
            "/mentorship/profilo",
            &[("experience", "FSE+ audit Calabria"), ("topics", "rendicontazione"), ("capacity", "tre")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Ci sono alcuni problemi (2)"), "{page}");
    assert!(page.contains(r##"<a href="#experience">"##) && page.contains(r##"<a href="#capacity">"##), "{page}");
    assert!(page.contains(">FSE+ audit Calabria</textarea>") && page.contains(r#"value="tre""#), "{page}");
    let r = app
        .post_form(
            &expert,
            "/mentorship/profilo",
            &[
                ("experience", "FSE+ | audit | PR FSE+ Calabria 2014-2020 | CAL"),
                ("topics", "rendicontazione"),
                ("languages", "it"),
                ("capacity", "3"),
            ],
        )
        .await;
    confirmed(&app, &expert, r, "Profilo salvato.").await;

    // A request form with two problems shows both, and keeps the description.
    let r = app
        .post_form(
            &officer,
            "/mentorship/richieste",
            &[
                ("fund", "FSE+"),
                ("language", "it"),
                ("description", "Costi unitari per gli infermieri."),
                ("form_key", "k1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains(r##"<a href="#topics">Scegli almeno un tema.</a>"##), "{page}");
    assert!(page.contains(r##"<a href="#format">"##), "{page}");
    assert!(page.contains(r#"<fieldset class="field" id="topics" aria-describedby="topics-errore">"#), "{page}");
    assert!(page.contains("Costi unitari per gli infermieri."));

    let form = [
        ("fund", "FSE+"),
        ("topics", "rendicontazione"),
        ("language", "it"),
        ("format", "remote"),
        ("description", "Costi unitari per gli infermieri."),
        ("form_key", "k2"),
    ];
    let r = app.post_form(&officer, "/mentorship/richieste", &form).await;
    let to = confirmed(&app, &officer, r, "Richiesta inviata.").await;
    let request: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let r = app.post_form(&officer, &format!("/mentorship/richieste/{request}/modifica"), &form[..5]).await;
    confirmed(&app, &officer, r, "Richiesta modificata.").await;

    // "Approva i selezionati" with nothing selected: the review page again, with the message.
    let r = app.post_form(&coord, "/coordinamento/mentorship/approva", &[("which", "selected")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(!page.contains("Richiesta non valida"), "{page}");
    assert!(page.contains("Suggerimenti da approvare"), "{page}");
    assert!(page.contains(r##"<a href="#id">Seleziona almeno un suggerimento"##), "{page}");

    let r = app.post_form(&coord, "/coordinamento/mentorship/approva", &[("which", "all")]).await;
    confirmed(&app, &coord, r, "Suggerimenti approvati: le proposte sono state inviate ai mentor.").await;
    let mid: i64 = sqlx::query_scalar("SELECT id FROM mentorship_matches WHERE request_id = $1")
        .bind(request)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let r = app.post_form(&expert, &format!("/mentorship/abbinamenti/{mid}/accetta"), &[]).await;
    confirmed(&app, &expert, r, "Proposta accettata: ora vedete i contatti l'uno dell'altro.").await;

    // A meeting with no date keeps its topic and notes.
    let at = format!("/mentorship/abbinamenti/{mid}/incontri");
    let r =
        app.post_form(&officer, &at, &[("held_on", ""), ("topic", "Piano dei costi"), ("notes", "Da rivedere")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"value="Piano dei costi""#) && page.contains(">Da rivedere</textarea>"), "{page}");
    assert!(page.contains(r#"id="held_on" type="date" name="held_on" value="" aria-invalid="true""#), "{page}");
    let r = app.post_form(&officer, &at, &[("held_on", "2026-01-15"), ("topic", "Piano dei costi")]).await;
    confirmed(&app, &officer, r, "Incontro registrato.").await;

    // A missing rating does not erase the comment.
    let r = app
        .post_form(&officer, &format!("/mentorship/abbinamenti/{mid}/concludi"), &[("comment", "Molto concreta")])
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains(">Molto concreta</textarea>"), "{page}");
    assert!(page.contains(r##"<a href="#useful">"##), "{page}");

    // The history and the meetings in words and Italian dates.
    let (_, page) = app.get_text_as(&officer, &format!("/mentorship/richieste/{request}")).await;
    assert!(page.contains("aperta, in cerca di un mentor → mentorship in corso"), "{page}");
    assert!(page.contains("suggerimento da approvare → proposta in attesa di risposta"), "{page}");
    assert!(!page.contains("open → ") && !page.contains("suggested →"), "{page}");
    let (_, page) = app.get_text_as(&officer, &format!("/mentorship/abbinamenti/{mid}")).await;
    assert!(page.contains("<td>15/01/2026</td>"), "{page}");

    let r = app.post_form(&officer, &format!("/mentorship/richieste/{request}/ritira"), &[("conferma", "1")]).await;
    assert_eq!(r.status(), 409, "an accepted request is not withdrawn");
    let other = file(&app, &officer, "Un'altra richiesta sui costi.").await;
    let r = app.post_form(&officer, &format!("/mentorship/richieste/{other}/ritira"), &[("conferma", "1")]).await;
    confirmed(&app, &officer, r, "Richiesta ritirata.").await;
});
