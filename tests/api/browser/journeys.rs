//! The four journeys of issue 18, one after the other on one service, each person at their
//! own browser window; every page they reach is checked by [`Audit`] at 1366 and 390 px.
//!
//! They run on SQLite only: they test pages and what people do with them, the SQL is tested on
//! both backends by the rest of the suite. Event times follow the service's test clock, which
//! the test moves past the webinar before attendance is marked.

use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, Timelike};
use fondilab::clock::{Clock, ManualClock};

use super::audit::Audit;
use super::driver::{Driver, Tools};
use super::mail::Mailbox;
use super::person::Person;
use crate::helpers::{Backend, Options, TestApp};

const PRACTICE: &str = "Telemedicina per gli infermieri delle ASL";
const COORDINATOR: &str = "giulia.conti@promis.it";
const OFFICER: &str = "marco.russo@regione.puglia.it";
const MENTOR: &str = "anna.ferri@example.org";
const WEBINAR: &str = "Rendicontare la formazione FSE+ dei professionisti sanitari";
const OPEN_LAB: &str = "Open Lab: avvisi FESR per la sanità digitale";
/// A long address without spaces: it must wrap rather than widen a phone's page.
const WEBINAR_URL: &str =
    "https://videoconferenza.example.org/fondilab/webinar/rendicontazione-fse-plus-operatori-sanitari?stanza=wp5-regioni-e-province-autonome";

/// What is typed into a date-time field for `at` (month, day, year, then the 12-hour time),
/// and the value the field then holds.
fn datetime_keys(at: chrono::NaiveDateTime) -> (String, String) {
    let (pm, hour) = at.hour12();
    let keys = format!(
        "{:02}{:02}{:04}\u{e004}{:02}{:02}{}",
        at.month(),
        at.day(),
        at.year(),
        hour,
        at.minute(),
        if pm { "PM" } else { "AM" }
    );
    (keys, at.format("%Y-%m-%dT%H:%M").to_string())
}

fn date_keys(day: chrono::NaiveDate) -> (String, String) {
    (format!("{:02}{:02}{:04}", day.month(), day.day(), day.year()), day.format("%Y-%m-%d").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_journeys_pass_axe_and_fit_the_screen() {
    let Some(tools) = Tools::find_or_skip("browser::journeys") else { return };
    let started = Instant::now();
    // This run's screenshots and reports only.
    let _ = std::fs::remove_dir_all(super::driver::artefacts_dir());
    let clock = ManualClock::at(fondilab::db::now_ms());
    let opts = Options { clock: std::sync::Arc::new(clock.clone()), with_worker: true, ..Default::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    let mailbox = Mailbox::new(app._data_dir.path());
    let driver = Driver::start(tools).await;
    let mut audit = Audit::default();

    // The first coordinator, as `fondilab user add` makes them.
    app.user(COORDINATOR, "coordinator", None).await;

    // Tomorrow in Italy, 10:00 to 11:30, and the Open Lab the day after.
    let today = fondilab::clock::local_date(clock.now_ms());
    let tomorrow = today + Days::days(1);
    let at = |day: chrono::NaiveDate, h: u32, m: u32| day.and_hms_opt(h, m, 0).unwrap();

    // ── 1. The coordinator invites people, schedules a webinar and an Open Lab, reads the dashboard.
    let coord = Person::new(driver.session("coordinator").await, "coordinator", &app.address);
    coord.open("/").await;
    audit.scan(&coord.client, "home (visitor)").await;
    coord.click("header a[href^='/accedi']").await;
    audit.scan(&coord.client, "sign-in").await;
    coord.type_in("#email", COORDINATOR).await;
    coord.press("form[action='/accedi']").await;
    audit.scan(&coord.client, "sign-in: link sent").await;
    let link = mailbox.signin_link(COORDINATOR).await;
    coord.open(&link).await;
    audit.scan(&coord.client, "sign-in link").await;
    coord.follow_signin_link(&link).await;

    coord.click("header a[href='/coordinamento/utenti']").await;
    for (email, name, role, region) in
        [(OFFICER, "Marco Russo", "officer", "PUG"), (MENTOR, "Anna Ferri", "mentor", "LAZ")]
    {
        coord.type_in("#email", email).await;
        coord.type_in("#name", name).await;
        coord.choose("#role", role).await;
        coord.choose("#region", region).await;
        coord.type_in("#organisation", "Dipartimento Salute").await;
        coord.press("form.stack[action='/coordinamento/utenti']").await;
        coord.expect_text(email).await;
    }
    audit.scan(&coord.client, "users").await;

    coord.open("/eventi").await;
    coord.click("a[href='/coordinamento/eventi']").await;
    coord.click("a[href='/coordinamento/eventi/nuovo']").await;
    audit.scan(&coord.client, "new event").await;
    let events = [
        ("webinar", WEBINAR, tomorrow, Some(WEBINAR_URL), None),
        ("open_lab", OPEN_LAB, tomorrow + Days::days(1), None, Some("Bari, Fiera del Levante, padiglione 152")),
    ];
    for (i, (kind, title, day, url, venue)) in events.into_iter().enumerate() {
        if i > 0 {
            coord.open("/coordinamento/eventi/nuovo").await;
        }
        coord.choose("#kind", kind).await;
        coord.type_in("#title", title).await;
        coord.type_in("#description", "Casi pratici, domande e risposte con i mentor delle Regioni.").await;
        let (keys, value) = datetime_keys(at(day, 10, 0));
        coord.type_date("#starts_at", &keys, &value).await;
        let (keys, value) = datetime_keys(at(day, 11, 30));
        coord.type_date("#ends_at", &keys, &value).await;
        if let Some(url) = url {
            coord.type_in("#online_url", url).await;
        }
        if let Some(venue) = venue {
            coord.type_in("#venue", venue).await;
        }
        coord.type_in("#capacity", "40").await;
        coord.click(if i == 0 { "input[name=funds][value='FSE+']" } else { "input[name=funds][value='FESR']" }).await;
        coord.click("input[name=topics][value='formazione-operatori-sanitari']").await;
        coord.type_in("#speakers", "Anna Ferri").await;
        coord.click("#publish").await;
        coord.press("form.stack[action='/coordinamento/eventi']").await;
        coord
            .expect_path(|p| p.trim_start_matches("/coordinamento/eventi/").parse::<i64>().is_ok(), "the event's page")
            .await;
        coord.expect_text(title).await;
    }
    audit.scan(&coord.client, "event management (published, nobody registered)").await;
    coord.click("header a[href='/eventi']").await;
    coord.click("a[href='/coordinamento/eventi']").await;
    audit.scan(&coord.client, "events management list").await;
    coord.click("header a[href='/cruscotto']").await;
    coord.expect_text("5.1").await;
    audit.scan(&coord.client, "dashboard").await;

    // ── 2. The officer searches, registers for the webinar, files a mentorship request.
    let officer = Person::new(driver.session("officer").await, "officer", &app.address);
    let link = mailbox.signin_link(OFFICER).await;
    officer.follow_signin_link(&link).await;
    officer.open("/").await;
    audit.scan(&officer.client, "home (signed in)").await;
    officer.type_in("#q", "come rendicontare la formazione del personale sanitario con il FSE+").await;
    officer.press("form.search").await;
    officer.expect_path(|p| p.starts_with("/cerca?"), "the results").await;
    audit.scan(&officer.client, "search results").await;
    officer.click("ol.hits h3 a").await;
    officer.expect_path(|p| p.starts_with("/guide/"), "a guide").await;
    audit.scan(&officer.client, "guide").await;
    // The same pages in English, chosen from the header (the profile's language too).
    officer.press("form.lang").await;
    officer.expect_text("Was this guide useful?").await;
    audit.scan(&officer.client, "guide (English)").await;
    officer.open("/").await;
    officer.type_in("#q", "how to report staff training costs under ESF+").await;
    officer.press("form.search").await;
    officer.expect_path(|p| p.starts_with("/cerca?"), "the results").await;
    audit.scan(&officer.client, "search results (English)").await;
    officer.press("form.lang").await;
    officer.expect_text("Cerca tra le guide").await;

    officer.click("header a[href='/eventi']").await;
    audit.scan(&officer.client, "events").await;
    officer.click("a[href='/eventi?vista=mese']").await;
    audit.scan(&officer.client, "events: month view").await;
    officer.click("header a[href='/eventi']").await;
    officer.click_link(WEBINAR).await;
    officer.press("form[action$='/iscrizione']").await;
    officer.expect_text(WEBINAR_URL).await;
    audit.scan(&officer.client, "event (registered)").await;
    let webinar_path = officer.path().await;

    officer.click("header a[href='/mentorship']").await;
    audit.scan(&officer.client, "mentorship (officer, nothing yet)").await;
    officer.click("a[href='/mentorship/richieste/nuova']").await;
    audit.scan(&officer.client, "new mentorship request").await;
    officer.choose("#fund", "FSE+").await;
    officer.click("input[name=topics][value='formazione-operatori-sanitari']").await;
    officer.choose("#language", "it").await;
    officer.click("input[name=format][value='remote']").await;
    officer
        .type_in(
            "#description",
            "Dobbiamo rendicontare i corsi di formazione digitale per gli infermieri: quali costi sono ammissibili?",
        )
        .await;
    officer.press("form.stack[action='/mentorship/richieste']").await;
    let request_path = officer
        .expect_path(|p| p.trim_start_matches("/mentorship/richieste/").parse::<i64>().is_ok(), "the request's page")
        .await;
    audit.scan(&officer.client, "mentorship request (open)").await;

    // ── 3. The mentor fills the profile, accepts, logs a meeting and closes with feedback.
    let mentor = Person::new(driver.session("mentor").await, "mentor", &app.address);
    let link = mailbox.signin_link(MENTOR).await;
    mentor.follow_signin_link(&link).await;
    mentor.click("header a[href='/mentorship']").await;
    audit.scan(&mentor.client, "mentorship (mentor, no profile)").await;
    mentor.click("main a[href='/mentorship/profilo']").await;
    mentor
        .type_in(
            "#experience",
            "FSE+ | AdG | PR FSE+ Lazio 2021-2027 | LAZ\nFESR | beneficiario | PR FESR Lazio 2021-2027",
        )
        .await;
    mentor.click("input[name=topics][value='formazione-operatori-sanitari']").await;
    mentor.type_in("#capacity", "3").await;
    mentor.choose("#employer_region", "LAZ").await;
    mentor.type_in("#bio", "Dieci anni all'Autorità di gestione del PR FSE+ del Lazio.").await;
    mentor.press("form.stack[action='/mentorship/profilo']").await;
    mentor.expect_text("Profilo salvato.").await;
    audit.scan(&mentor.client, "mentor profile (saved)").await;

    // The assignment run suggests the mentor; the coordinator approves the suggestion.
    coord.open("/coordinamento/mentorship").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !coord.has("form[action='/coordinamento/mentorship/approva'] input[name=id]").await {
        if Instant::now() > deadline {
            coord.fail("no suggestion to approve").await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        coord.open("/coordinamento/mentorship").await;
    }
    audit.scan(&coord.client, "mentorship review").await;
    coord.click("form[action='/coordinamento/mentorship/approva'] input[name=id]").await;
    coord.click("button[name=which][value=selected]").await;

    mentor.click("header a[href='/mentorship']").await;
    mentor.click("main a[href^='/mentorship/abbinamenti/']").await;
    audit.scan(&mentor.client, "proposal").await;
    mentor.press("form[action$='/accetta']").await;
    mentor.expect_text(OFFICER).await;
    let (keys, value) = date_keys(today);
    mentor.type_date("#held_on", &keys, &value).await;
    mentor.type_in("#topic", "Costi ammissibili e opzioni di costo semplificate").await;
    mentor.type_in("#notes", "Inviate le tabelle standard di costo unitario del PR.").await;
    mentor.press("form[action$='/incontri']").await;
    mentor.expect_text("Costi ammissibili").await;
    audit.scan(&mentor.client, "mentorship (active, one meeting)").await;
    mentor.click("input[name=useful][value='5']").await;
    mentor.type_in("#comment", "Richiesta chiara, Regione molto collaborativa.").await;
    mentor.press("form[action$='/concludi']").await;
    mentor.expect_text("5/5").await;
    audit.scan(&mentor.client, "mentorship (completed)").await;
    officer.open(&request_path).await;
    audit.scan(&officer.client, "mentorship request (closed)").await;

    // ── 4. After the webinar: attendance, completion, the certificate.
    let after = fondilab::clock::local_midnight_ms(tomorrow) + 14 * 3_600_000;
    clock.set(after);
    coord.open("/coordinamento/eventi").await;
    coord.click_link(WEBINAR).await;
    coord.click("input[name=attended]").await;
    coord.press("form[action$='/presenze']").await;
    audit.scan(&coord.client, "event management (attendance)").await;
    coord
        .type_in(
            "#c-materials",
            "https://materiali.example.org/fondilab/webinar-rendicontazione-fse-plus/slide-e-registrazione.pdf",
        )
        .await;
    coord.press("form[action$='/concludi']").await;
    coord.expect_text(fondilab::events::EventState::Completed.label(fondilab::i18n::Lang::It)).await;
    audit.scan(&coord.client, "event management (completed)").await;
    coord.click("header a[href='/coordinamento/posta']").await;
    audit.scan(&coord.client, "outbox").await;

    officer.click("header a[href='/eventi']").await;
    officer.click("a[href='/eventi/archivio']").await;
    audit.scan(&officer.client, "events archive").await;
    officer.open(&webinar_path).await;
    let certificate = officer.el("a[href$='/attestato.pdf']").await;
    let href = certificate.attr("href").await.ok().flatten().unwrap_or_default();
    audit.scan(&officer.client, "event (completed, certificate)").await;
    // The browser would save the file; the same request from the page, with its cookies, shows
    // what it saves.
    let got = officer
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type'),
                 new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))])).catch(e => done(String(e)));",
            vec![serde_json::json!(href)],
        )
        .await
        .expect("certificate fetched");
    assert_eq!(got, serde_json::json!([200, "application/pdf", "%PDF-"]), "the certificate at {href}");

    // ── 5. The officer shares a practice of the Region; the coordinator reviews and publishes
    //       it; the officer then turns to the questions between Regions.
    officer.click("header a[href='/scambio/esperienze']").await;
    audit.scan(&officer.client, "practices (none yet)").await;
    officer.click("a[href='/scambio/esperienze/nuova']").await;
    audit.scan(&officer.client, "new practice").await;
    officer.press("form.stack[action='/scambio/esperienze']").await;
    officer.expect_text("Ci sono alcuni problemi").await;
    audit.scan(&officer.client, "new practice (errors)").await;
    officer.type_in("#title", PRACTICE).await;
    officer.type_in("#summary", "Un corso FSE+ di telemedicina per 300 infermieri delle ASL pugliesi.").await;
    officer.click("input[name='funds'][value='FSE+']").await;
    officer.click("input[name='phases'][value='attuazione']").await;
    officer.type_in("#what_done", "Un avviso alle ASL con costi unitari per ora di formazione.").await;
    officer.press("form.stack[action='/scambio/esperienze']").await;
    officer.expect_text("in revisione").await;
    audit.scan(&officer.client, "practice (under review)").await;
    let practice_path = officer.path().await;
    coord.open("/coordinamento/esperienze").await;
    audit.scan(&coord.client, "practices to review").await;
    coord.click_link(PRACTICE).await;
    audit.scan(&coord.client, "practice (review)").await;
    coord.press(&format!("form[action='{practice_path}/approva']")).await;
    coord.expect_text("Esperienza approvata").await;
    officer.open("/scambio/esperienze").await;
    officer.expect_text(PRACTICE).await;
    audit.scan(&officer.client, "practices (one published)").await;
    officer.click("header a[href='/scambio/domande']").await;
    audit.scan(&officer.client, "questions between Regions").await;
    officer.click("a[href='/scambio/domande/nuova']").await;
    audit.scan(&officer.client, "new question").await;

    for p in [coord, officer, mentor] {
        let _ = p.client.close().await;
    }
    drop(driver);
    app.stop().await;
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("browser journeys: {} pages checked in {:.1} s\n", audit.pages, started.elapsed().as_secs_f64())
            .as_bytes(),
    );
    audit.assert_clean();
}
