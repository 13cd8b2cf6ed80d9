//! What a change of account must not undo or allow: tokens revoked at deactivation stay
//! revoked.

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
    assert_eq!(app.post_form(&coord, &path("disattiva"), &[]).await.status().as_u16(), 303);
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
