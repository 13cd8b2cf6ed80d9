//! Sign-in by link, sessions, CSRF, tokens, profile, erasure and the users page.

use std::sync::Arc;

use fondilab::clock::ManualClock;

use crate::db_test;
use crate::helpers::{Backend, Options, TestApp, Visitor};

/// The sign-in link in the newest message to `email`, as the mail carries it.
async fn link_for(app: &TestApp, email: &str) -> Option<String> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1")
            .bind(email)
            .fetch_optional(app.state.db.pool())
            .await
            .unwrap();
    let text = text?;
    let start = text.find("/accedi/")?;
    let token: String = text[start + "/accedi/".len()..].chars().take_while(char::is_ascii_hexdigit).collect();
    Some(format!("/accedi/{token}"))
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fondilab_session=") && !c.starts_with("fondilab_session=;"))
        .map(String::from)
}

async fn mails_to(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE recipient = $1")
        .bind(email)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

db_test!(signing_in_with_a_link, |app| {
    let officer = app.user("maria@regione.puglia.it", "officer", Some("PUG")).await;
    let browser = app.anonymous().await;
    let r = app.post_form(&browser, "/accedi", &[("email", "Maria@Regione.Puglia.it"), ("torna", "/profilo")]).await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Se l&#39;indirizzo è registrato") || page.contains("Se l'indirizzo è registrato"), "{page}");
    // An unknown address gets the very same page and no mail.
    let r = app.post_form(&browser, "/accedi", &[("email", "nessuno@example.org")]).await;
    assert_eq!(r.text().await.unwrap(), page);
    assert_eq!(mails_to(&app, "nessuno@example.org").await, 0);

    let link = link_for(&app, "maria@regione.puglia.it").await.expect("a sign-in mail");
    let kind: String = sqlx::query_scalar("SELECT kind FROM outbox WHERE recipient = 'maria@regione.puglia.it'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(kind, "signin");
    // Only the hash is stored.
    let token = link.trim_start_matches("/accedi/");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signin_tokens WHERE token_hash = $1")
        .bind(token)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // Opening the link does not use it; the button does.
    let (status, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("action=\"{link}\"")));
    let r = app.post_form(&browser, &link, &[("torna", "/profilo")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/profilo");
    let cookie = session_cookie(&r).expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let me = Visitor { id: officer.id, cookie: cookie.split(';').next().unwrap().to_string(), csrf: String::new() };
    let r = app.get_as(&me, "/profilo").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("maria@regione.puglia.it"));

    // Used once.
    let r = app.post_form(&browser, &link, &[]).await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("già stato usato"));
    // A malformed address is said so, with the form again.
    let r = app.post_form(&browser, "/accedi", &[("email", "maria@")]).await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("indirizzo email valido"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_expire_after_fifteen_minutes() {
    let clock = ManualClock::at(fondilab::db::now_ms());
    let app =
        TestApp::spawn_with(Backend::Sqlite, Options { clock: Arc::new(clock.clone()), ..Options::default() }).await;
    app.user("luca@example.org", "mentor", None).await;
    let browser = app.anonymous().await;
    app.post_form(&browser, "/accedi", &[("email", "luca@example.org")]).await;
    let link = link_for(&app, "luca@example.org").await.unwrap();
    clock.advance(15 * 60 * 1000 + 1);
    let r = app.post_form(&browser, &link, &[]).await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(session_cookie(&r).is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_requests_are_rate_limited_per_address_and_client() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.user("anna@example.org", "mentor", None).await;
    let browser = app.anonymous().await;
    for _ in 0..5 {
        assert_eq!(app.post_form(&browser, "/accedi", &[("email", "anna@example.org")]).await.status().as_u16(), 200);
    }
    let r = app.post_form(&browser, "/accedi", &[("email", "anna@example.org")]).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.text().await.unwrap().contains("riprova tra 15 minuti"));
    assert_eq!(mails_to(&app, "anna@example.org").await, 5);
    // 20 per client in all: 5 used above, 15 more, then refused.
    for i in 0..14 {
        let r = app.post_form(&browser, "/accedi", &[("email", &format!("x{i}@example.org"))]).await;
        assert_eq!(r.status().as_u16(), 200, "request {i}");
    }
    assert_eq!(app.post_form(&browser, "/accedi", &[("email", "ultimo@example.org")]).await.status().as_u16(), 429);
    app.stop().await;
}

db_test!(forms_need_their_csrf_token, |app| {
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let browser = app.anonymous().await;
    // Anonymous form without, or with a forged, token.
    let r = app
        .client
        .post(app.url("/accedi"))
        .header("cookie", &browser.cookie)
        .form(&[("email", "a@b.it")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("ricarica la pagina"));
    let forged = Visitor { csrf: "0".repeat(64), ..browser.clone() };
    assert_eq!(app.post_form(&forged, "/accedi", &[("email", "a@b.it")]).await.status().as_u16(), 403);
    // Signed in: the session's own token, not another one.
    let forged = Visitor { csrf: browser.csrf.clone(), ..coord.clone() };
    assert_eq!(app.post_form(&forged, "/profilo", &[("name", "X"), ("lang", "it")]).await.status().as_u16(), 403);
    assert_eq!(app.post_form(&coord, "/profilo", &[("name", "Carla"), ("lang", "it")]).await.status().as_u16(), 303);
    // Cookie-authenticated JSON needs the header; a bearer token does not.
    let r = app.client.post(app.url("/api/v1/outbox/1/retry")).header("cookie", &coord.cookie).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .post(app.url("/api/v1/outbox/1/retry"))
        .header("cookie", &coord.cookie)
        .header("x-csrf-token", &coord.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "past CSRF: no such message");
    let (_, token) =
        fondilab::accounts::tokens::create(&app.state.db, coord.id, "script", fondilab::db::now_ms()).await.unwrap();
    let r = app.client.post(app.url("/api/v1/outbox/1/retry")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
});

db_test!(sessions_rotate_end_at_sign_out_and_on_deactivation, |app| {
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let other = app.user("coord2@example.org", "coordinator", None).await;
    let officer = app.user("o@example.org", "officer", Some("SIC")).await;
    // Signing in again with a live session replaces it.
    fondilab::accounts::signin::send_link(
        &app.state.db,
        &app.state.outbox,
        "http://x",
        &fondilab::accounts::get(&app.state.db, officer.id).await.unwrap().unwrap(),
        fondilab::db::now_ms(),
        60_000,
        false,
    )
    .await
    .unwrap();
    let link = link_for(&app, "o@example.org").await.unwrap();
    let r = app.post_form(&officer, &link, &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let fresh = session_cookie(&r).unwrap();
    assert_ne!(fresh.split(';').next().unwrap(), officer.cookie);
    assert_eq!(app.get_as(&officer, "/profilo").await.status().as_u16(), 302, "the old session ended");

    // Sign-out ends the session.
    assert_eq!(app.post_form(&other, "/esci", &[]).await.status().as_u16(), 303);
    assert_eq!(app.get_as(&other, "/profilo").await.status().as_u16(), 302);

    // Deactivation ends every session, stops tokens and voids unused sign-in links.
    let victim = app.user("v@example.org", "mentor", None).await;
    let (_, token) =
        fondilab::accounts::tokens::create(&app.state.db, victim.id, "t", fondilab::db::now_ms()).await.unwrap();
    let victim_user = fondilab::accounts::get(&app.state.db, victim.id).await.unwrap().unwrap();
    let now = fondilab::db::now_ms();
    fondilab::accounts::signin::send_link(
        &app.state.db,
        &app.state.outbox,
        "http://x",
        &victim_user,
        now,
        60_000,
        false,
    )
    .await
    .unwrap();
    let unused = link_for(&app, "v@example.org").await.unwrap();
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status().as_u16(), 200);
    let r =
        app.post_form(&coord, &format!("/coordinamento/utenti/{}/disattiva", victim.id), &[("conferma", "1")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.get_as(&victim, "/profilo").await.status().as_u16(), 302);
    assert_eq!(app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status().as_u16(), 401);
    let r = app.post_form(&coord, &format!("/coordinamento/utenti/{}/riattiva", victim.id), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let browser = app.anonymous().await;
    let r = app.post_form(&browser, &unused, &[]).await;
    assert!(session_cookie(&r).is_none(), "a link sent before the deactivation does not sign in");
    assert!(r.status().is_client_error());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_https() {
    let data = tempfile::tempdir().unwrap();
    let mut config = fondilab::config::Config::for_data_dir(data.path().to_path_buf(), crate::helpers::repo_guides());
    config.public_url = "https://fondilab.example.org".into();
    let app = fondilab::app::Application::build_with(config, fondilab::clock::system(), false).await.unwrap();
    let addr = app.local_addr();
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let draft = fondilab::accounts::NewUser {
        email: "s@example.org".into(),
        name: "S".into(),
        role: "mentor".into(),
        ..Default::default()
    };
    let valid = fondilab::accounts::validate(&state.db, &draft).await.unwrap();
    let mut tx = state.db.begin_write().await.unwrap();
    let id = fondilab::accounts::create(&mut tx, fondilab::db::now_ms(), &valid).await.unwrap();
    tx.commit().await.unwrap();
    let user = fondilab::accounts::get(&state.db, id).await.unwrap().unwrap();
    fondilab::accounts::signin::send_link(
        &state.db,
        &state.outbox,
        &state.config.public_url,
        &user,
        fondilab::db::now_ms(),
        60_000,
        false,
    )
    .await
    .unwrap();
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox").fetch_one(state.db.pool()).await.unwrap();
    assert!(body.contains("https://fondilab.example.org/accedi/"), "{body}");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("http://{addr}/accedi")).send().await.unwrap();
    let csrf_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fondilab_csrf="))
        .unwrap()
        .to_string();
    assert!(csrf_cookie.contains("Secure"));
    let csrf = csrf_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let start = body.find("/accedi/").unwrap();
    let token: String = body[start + 8..].chars().take_while(char::is_ascii_hexdigit).collect();
    let r = client
        .post(format!("http://{addr}/accedi/{token}"))
        .header("cookie", format!("fondilab_csrf={csrf}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&r).unwrap().contains("Secure"));
}

db_test!(api_tokens_are_shown_once_stored_hashed_and_revocable, |app| {
    let mentor = app.user("m@example.org", "mentor", None).await;
    let r = app.post_form(&mentor, "/profilo/token", &[("name", "script monitoraggio")]).await;
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    let at = html.find("fl_").expect("the token is shown");
    let token: String = html[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    assert_eq!(token.len(), 43);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1")
        .bind(&token)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "never stored in clear");
    let r = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["email"], "m@example.org");
    assert_eq!(me["role"], "mentor");
    // The profile never shows it again.
    let html = app.get_as(&mentor, "/profilo").await.text().await.unwrap();
    assert!(!html.contains(&token) && html.contains("script monitoraggio"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(app.post_form(&mentor, &format!("/profilo/token/{id}/revoca"), &[]).await.status().as_u16(), 303);
    let r = app.client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().contains("token"));
    assert_eq!(
        app.client.get(app.url("/api/v1/me")).bearer_auth("fl_nonesiste").send().await.unwrap().status().as_u16(),
        401
    );
});

db_test!(coordinators_invite_change_roles_and_deactivate, |app| {
    let coord = app.user("coord@example.org", "coordinator", None).await;
    let r = app
        .post_form(
            &coord,
            "/coordinamento/utenti",
            &[
                ("email", "Giulia.Bianchi@ASL.example.it"),
                ("name", "Giulia Bianchi"),
                ("role", "officer"),
                ("region", "CAL"),
                ("organisation", "ASP Cosenza"),
                ("organisation_kind", "asl"),
                ("lang", "it"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let invited =
        fondilab::accounts::find_by_email(&app.state.db, "giulia.bianchi@asl.example.it").await.unwrap().unwrap();
    assert_eq!((invited.region_code.as_deref(), invited.organisation_kind.as_deref()), (Some("CAL"), Some("asl")));
    let kind: String = sqlx::query_scalar("SELECT kind FROM outbox WHERE recipient = $1")
        .bind("giulia.bianchi@asl.example.it")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(kind, "welcome");
    assert!(link_for(&app, "giulia.bianchi@asl.example.it").await.is_some());

    for (fields, status, message) in [
        (
            vec![("email", "non-valida"), ("name", "X"), ("role", "officer"), ("region", "CAL")],
            400,
            "Indirizzo email non valido",
        ),
        (
            vec![("email", "a@example.org"), ("name", "X"), ("role", "capo"), ("region", "CAL")],
            400,
            "Ruolo sconosciuto",
        ),
        (vec![("email", "a@example.org"), ("name", "X"), ("role", "officer"), ("region", "XYZ")], 400, "sconosciuta"),
        (vec![("email", "a@example.org"), ("name", "X"), ("role", "officer")], 400, "deve appartenere"),
        (vec![("email", "a@example.org"), ("name", "Maria\nRossi"), ("role", "mentor")], 400, "una riga"),
        (vec![("email", "giulia.bianchi@asl.example.it"), ("name", "X"), ("role", "mentor")], 409, "Esiste già"),
    ] {
        let r = app.post_form(&coord, "/coordinamento/utenti", &fields).await;
        assert_eq!(r.status().as_u16(), status, "{fields:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
    }
    // Every wrong field at once, each next to its input.
    let r = app
        .post_form(&coord, "/coordinamento/utenti", &[("email", "non-valida"), ("name", ""), ("role", "officer")])
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    for field in ["email", "name", "region"] {
        assert!(html.contains(&format!(r##"<li><a href="#{field}">"##)), "{field}: {html}");
        assert!(html.contains(&format!(r#"aria-describedby="{field}-errore""#)), "{field}: {html}");
    }
    assert!(html.contains(r#"value="non-valida""#), "what was typed is kept");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(users, 2, "bad input created nobody");

    let r = app
        .post_form(
            &coord,
            &format!("/coordinamento/utenti/{}/ruolo", invited.id),
            &[("role", "mentor"), ("region", "PUG")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let changed = fondilab::accounts::get(&app.state.db, invited.id).await.unwrap().unwrap();
    assert_eq!((changed.role.as_str(), changed.region_code.as_deref()), ("mentor", Some("PUG")));
    // The last active coordinator cannot be demoted or deactivated.
    let r = app.post_form(&coord, &format!("/coordinamento/utenti/{}/disattiva", coord.id), &[("conferma", "1")]).await;
    assert_eq!(r.status().as_u16(), 409);
    let html = app.get_as(&coord, "/coordinamento/utenti").await.text().await.unwrap();
    assert!(html.contains("Giulia Bianchi") && html.contains("Invita un utente"));
    assert!(
        !html.contains(&format!("/coordinamento/utenti/{}/disattiva", coord.id)),
        "no button to deactivate oneself"
    );
    let (status, list) = {
        let r =
            app.client.get(app.url("/api/v1/users?role=mentor")).header("cookie", &coord.cookie).send().await.unwrap();
        (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let r = app.client.get(app.url("/api/v1/users?region=ZZZ")).header("cookie", &coord.cookie).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
});

db_test!(profile_data_download_and_erasure, |app| {
    let officer = app.user("erika@example.org", "officer", Some("TOS")).await;
    let r =
        app.post_form(&officer, "/profilo", &[("name", "Erika Verdi"), ("lang", "en"), ("notify_email", "1")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let html = app.get_as(&officer, "/profilo").await.text().await.unwrap();
    assert!(html.contains("Erika Verdi"));
    let r = app.get_as(&officer, "/profilo/dati.json").await;
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let data: serde_json::Value = r.json().await.unwrap();
    assert_eq!(data["user"]["email"], "erika@example.org");
    assert_eq!(data["user"]["lang"], "en");

    let r = app.post_form(&officer, "/profilo/cancella", &[]).await;
    assert_eq!(r.status().as_u16(), 400, "needs the confirmation");
    let r = app.post_form(&officer, "/profilo/cancella", &[("conferma", "si")]).await;
    assert_eq!(r.status().as_u16(), 200);
    let erased = fondilab::accounts::get(&app.state.db, officer.id).await.unwrap().unwrap();
    assert!(erased.erased && !erased.active);
    assert_eq!(erased.name, "");
    assert!(!erased.email.contains("erika"));
    assert_eq!(erased.region_code.as_deref(), Some("TOS"), "aggregate figures keep the Region");
    assert!(fondilab::accounts::find_by_email(&app.state.db, "erika@example.org").await.unwrap().is_none());
    assert_eq!(app.get_as(&officer, "/profilo").await.status().as_u16(), 302);
});

db_test!(the_regions_registry, |app| {
    let (status, regions) = app.get_json("/api/v1/regions").await;
    assert_eq!(status, 200);
    let list = regions.as_array().unwrap();
    assert_eq!(list.len(), 21);
    assert_eq!(list.iter().filter(|r| r["partnership"] == true).count(), 17);
    assert_eq!(list.iter().filter(|r| r["kind"] == "provincia_autonoma").count(), 2);
    let cat = |code: &str| list.iter().find(|r| r["code"] == code).unwrap()["category"].as_str().unwrap().to_string();
    assert_eq!(cat("PUG"), "less_developed");
    assert_eq!(cat("UMB"), "transition");
    assert_eq!(cat("PAT"), "more_developed");
    assert_eq!(list.iter().filter(|r| r["category"] == "less_developed").count(), 7);
    assert_eq!(list.iter().filter(|r| r["category"] == "transition").count(), 3);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_creates_users_and_tokens() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fondilab"))
            .args(args)
            .env("FONDILAB_DATA_DIR", data.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let out = run(&["user", "add", "--email", "capo@example.org", "--role", "coordinator", "--name", "Capo"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (args, message) in [
        (vec!["user", "add", "--email", "x@example.org", "--role", "boss"], "ruolo sconosciuto"),
        (vec!["user", "add", "--email", "nope", "--role", "mentor"], "email non valido"),
        (vec!["user", "add", "--email", "y@example.org", "--role", "officer", "--region", "ZZ"], "sconosciuta"),
        (vec!["user", "add", "--email", "capo@example.org", "--role", "mentor"], "esiste già"),
        (vec!["token", "create", "--email", "nessuno@example.org"], "no active user"),
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&["token", "create", "--email", "capo@example.org"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("fl_"));
    let config = fondilab::config::Config::for_data_dir(data.path().to_path_buf(), crate::helpers::repo_guides());
    let db = fondilab::app::open_database(&config).await.unwrap();
    let user = fondilab::accounts::tokens::authenticate(&db, &token, fondilab::db::now_ms()).await.unwrap().unwrap();
    assert_eq!(user.email, "capo@example.org");
}

db_test!(simultaneous_link_requests_respect_the_limit, |app| {
    let now = fondilab::db::now_ms();
    let calls = (0..30).map(|_| fondilab::accounts::signin::allow(&app.state.db, "email:maria@example.org", 5, now));
    let allowed = futures_util::future::join_all(calls).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(allowed, 5);
});

db_test!(a_stored_role_outside_the_known_ones_is_an_error_not_an_officer, |app| {
    let v = app.user("strano@regione.it", "coordinator", None).await;
    let update = "UPDATE users SET role = 'superuser' WHERE id = $1";
    let refused = sqlx::query(update).bind(v.id).execute(app.state.db.pool()).await;
    assert!(refused.is_err(), "the database stores an unknown role");
    // Reading stays strict should such a row ever get in: store one past the check.
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    match app.backend {
        Backend::Sqlite => {
            sqlx::query("PRAGMA ignore_check_constraints = ON").execute(&mut *conn).await.unwrap();
            sqlx::query(update).bind(v.id).execute(&mut *conn).await.unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = OFF").execute(&mut *conn).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::query("ALTER TABLE users DROP CONSTRAINT users_role_check").execute(&mut *conn).await.unwrap();
            sqlx::query(update).bind(v.id).execute(&mut *conn).await.unwrap();
        }
    }
    drop(conn);
    let err = fondilab::accounts::get(&app.state.db, v.id).await.unwrap_err();
    assert!(err.to_string().contains("users.role"), "{err}");
    // Their requests fail as an internal error (logged), never served with some other role's rights.
    let status = app.client.get(app.url("/api/v1/users")).header("cookie", &v.cookie).send().await.unwrap().status();
    assert!(status.is_server_error(), "{status}");
});

db_test!(a_broken_unique_rule_is_a_409_naming_its_field_on_both_databases, |app| {
    app.user("primo@regione.it", "coordinator", None).await;
    let b = app.user("secondo@regione.it", "coordinator", None).await;
    let err = sqlx::query("UPDATE users SET email = 'primo@regione.it' WHERE id = $1")
        .bind(b.id)
        .execute(app.state.db.pool())
        .await
        .unwrap_err();
    let e = fondilab::web::error::AppError::from(err);
    assert_eq!(e.status(), axum::http::StatusCode::CONFLICT);
    match e {
        fondilab::web::error::AppError::Taken { field, message } => {
            assert_eq!(field, "email");
            assert!(message.contains("indirizzo email"), "{message}");
        }
        other => panic!("{other:?}"),
    }
});
