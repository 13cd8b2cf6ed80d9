//! What a change of account must not undo or allow: tokens revoked at deactivation stay
//! revoked, a link changes no stored preference, and coordinators removing one another at
//! the same moment never leave the service without one.

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

/// A new session for an existing user.
async fn signed_in(app: &TestApp, id: i64) -> Visitor {
    let (secret, session) =
        fondilab::accounts::session::create(&app.state.db, id, fondilab::db::now_ms()).await.expect("session");
    Visitor { id, cookie: format!("fondilab_session={secret}"), csrf: session.csrf }
}

async fn me_with(app: &TestApp, token: &str) -> u16 {
    app.client.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

db_test!(tokens_revoked_at_deactivation_stay_revoked_after_reactivation, |app| {
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let mentor = app.user("mentore@example.org", "mentor", None).await;
    let now = fondilab::db::now_ms();
    let (_, token) = fondilab::accounts::tokens::create(&app.state.db, mentor.id, "script", now).await.unwrap();
    assert_eq!(me_with(&app, &token).await, 200);
    let path = |verb: &str| format!("/coordinamento/utenti/{}/{verb}", mentor.id);
    // First a page that says what deactivating does; nothing changes until it is confirmed.
    let r = app.post_form(&coord, &path("disattiva"), &[]).await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sì, disattiva") && page.contains("name=\"conferma\""), "{page}");
    assert_eq!(me_with(&app, &token).await, 200, "still active before the confirmation");
    assert_eq!(app.post_form(&coord, &path("disattiva"), &[("conferma", "1")]).await.status().as_u16(), 303);
    let listed = fondilab::accounts::tokens::list(&app.state.db, mentor.id).await.unwrap();
    assert!(listed.iter().all(|t| t.revoked_at.is_some()), "revoked at deactivation: {listed:?}");
    assert_eq!(app.post_form(&coord, &path("riattiva"), &[]).await.status().as_u16(), 303);
    assert_eq!(me_with(&app, &token).await, 401, "a reactivated person's old token stays revoked");
    // The person makes a new one, which works.
    let (_, fresh) = fondilab::accounts::tokens::create(&app.state.db, mentor.id, "nuovo", now).await.unwrap();
    assert_eq!(me_with(&app, &fresh).await, 200);
    let page = app.get_as(&signed_in(&app, mentor.id).await, "/profilo").await.text().await.unwrap();
    assert!(page.contains("revocato"), "the old token is shown revoked");
});

db_test!(upgrading_revokes_the_tokens_of_people_deactivated_before, |app| {
    let (url, _keep) = crate::identity::own_database(app.backend).await;
    let db = fondilab::db::Db::connect(&url).await.unwrap();
    crate::enum_checks::up_to(&db, app.backend, 9).await;
    for (email, active) in [("attiva@example.org", 1), ("disattivata@example.org", 0)] {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, lang, notify_email, active, erased, created_at, updated_at) \
             VALUES ($1, 'Persona', 'mentor', 'it', 1, $2, 0, 1, 1) RETURNING id",
        )
        .bind(email)
        .bind(active)
        .fetch_one(db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, 't', $2, 'fl_', 1)",
        )
        .bind(user)
        .bind(email)
        .execute(db.pool())
        .await
        .unwrap();
    }
    db.migrate().await.unwrap();
    let revoked: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT revoked_at FROM api_tokens ORDER BY id").fetch_all(db.pool()).await.unwrap();
    assert_eq!(revoked[0], None, "an active person's token stays");
    let when = revoked[1].expect("a deactivated person's token is revoked");
    assert!((when - fondilab::db::now_ms()).abs() < 600_000, "revoked now: {when}");
    db.close().await;
});

async fn stored_lang(app: &TestApp, id: i64) -> String {
    fondilab::accounts::get(&app.state.db, id).await.unwrap().unwrap().lang.code().to_string()
}

fn lang_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fondilab_lang="))
        .map(|c| c.split(';').next().unwrap().to_string())
}

db_test!(the_language_link_sets_the_cookie_and_only_the_form_changes_the_profile, |app| {
    let officer = app.user("erika@example.org", "officer", Some("TOS")).await;
    assert_eq!(stored_lang(&app, officer.id).await, "it");
    // A link (anyone can make a browser follow one) switches the pages, not the profile.
    let r = app.get_as(&officer, "/lingua?l=en&torna=%2Fprofilo").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(lang_cookie(&r).as_deref(), Some("fondilab_lang=en"));
    assert_eq!(stored_lang(&app, officer.id).await, "it", "GET /lingua changes nothing stored");

    // Signed in, the switch is a form with the CSRF token; visitors keep the link.
    let html = app.get_as(&officer, "/eventi").await.text().await.unwrap();
    assert!(html.contains(r#"<form class="lang" method="post" action="/lingua">"#), "{html}");
    assert!(html.contains(&format!(r#"name="csrf" value="{}""#, officer.csrf)));
    assert!(html.contains(r#"<button type="submit" lang="en">English</button>"#), "{html}");
    assert!(!html.contains(r#"href="/lingua?"#));
    let visitor = app.get("/eventi").await.text().await.unwrap();
    assert!(visitor.contains(r#"href="/lingua?l=en&amp;torna=%2Feventi""#), "{visitor}");

    // Without the token the form is refused; with it, the profile and the cookie change.
    let r = app
        .client
        .post(app.url("/lingua"))
        .header("cookie", &officer.cookie)
        .form(&[("l", "en"), ("torna", "/eventi")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(stored_lang(&app, officer.id).await, "it");
    let r = app.post_form(&officer, "/lingua", &[("l", "en"), ("torna", "/eventi")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/eventi");
    assert_eq!(lang_cookie(&r).as_deref(), Some("fondilab_lang=en"));
    assert_eq!(stored_lang(&app, officer.id).await, "en");
    let r = app.post_form(&officer, "/lingua", &[("l", "xx")]).await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(stored_lang(&app, officer.id).await, "en");
    // A visitor's form sets the cookie only.
    let anonymous = app.anonymous().await;
    let r = app.post_form(&anonymous, "/lingua", &[("l", "en"), ("torna", "//altrove.example")]).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/"));
});

async fn active_coordinators(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'coordinator' AND active = 1 AND erased = 0")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// Two active coordinators and nobody else; each signed in afresh.
async fn two_coordinators(app: &TestApp, round: usize) -> (Visitor, Visitor) {
    sqlx::query("UPDATE users SET active = 0 WHERE role = 'coordinator'").execute(app.state.db.pool()).await.unwrap();
    let a = app.user(&format!("a{round}@promis.example"), "coordinator", None).await;
    let b = app.user(&format!("b{round}@promis.example"), "coordinator", None).await;
    assert_eq!(active_coordinators(app).await, 2);
    (a, b)
}

db_test!(coordinators_removing_each_other_at_once_leave_one, |app| {
    for round in 0..6 {
        let (a, b) = two_coordinators(&app, round).await;
        let (path_a, path_b, fields): (String, String, Vec<(&str, &str)>) = match round % 3 {
            // Each deactivates the other.
            0 => (
                format!("/coordinamento/utenti/{}/disattiva", b.id),
                format!("/coordinamento/utenti/{}/disattiva", a.id),
                vec![("conferma", "1")],
            ),
            // Each makes the other a mentor.
            1 => (
                format!("/coordinamento/utenti/{}/ruolo", b.id),
                format!("/coordinamento/utenti/{}/ruolo", a.id),
                vec![("role", "mentor")],
            ),
            // Both erase their own account.
            _ => ("/profilo/cancella".into(), "/profilo/cancella".into(), vec![("conferma", "si")]),
        };
        let (ra, rb) = tokio::join!(app.post_form(&a, &path_a, &fields), app.post_form(&b, &path_b, &fields));
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        assert_eq!(active_coordinators(&app).await, 1, "round {round}: {statuses:?}");
        let done = statuses.iter().filter(|s| matches!(s, 200 | 303)).count();
        assert_eq!(done, 1, "round {round}: exactly one change goes through: {statuses:?}");
        // The other one was refused, or arrived signed out (302) or no longer a coordinator (403).
        assert!(statuses.iter().all(|s| matches!(s, 200 | 302 | 303 | 403 | 409)), "round {round}: {statuses:?}");
    }
    // Alone, the last one is refused every way, with the reason.
    let (a, b) = two_coordinators(&app, 9).await;
    assert_eq!(
        app.post_form(&a, &format!("/coordinamento/utenti/{}/disattiva", b.id), &[("conferma", "1")]).await.status(),
        303
    );
    for (path, fields) in [
        (format!("/coordinamento/utenti/{}/disattiva", a.id), vec![("conferma", "1")]),
        (format!("/coordinamento/utenti/{}/ruolo", a.id), vec![("role", "officer"), ("region", "PUG")]),
        ("/profilo/cancella".to_string(), vec![("conferma", "si")]),
    ] {
        let r = app.post_form(&a, &path, &fields).await;
        assert_eq!(r.status().as_u16(), 409, "{path}");
        let text = r.text().await.unwrap();
        // Deactivating oneself is refused before anything else.
        let why = if path.ends_with("/disattiva") { "te stesso" } else { "coordinatore attivo" };
        assert!(text.contains(why), "{path}");
    }
    assert_eq!(active_coordinators(&app).await, 1);
});
