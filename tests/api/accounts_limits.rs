//! Sign-in link limits: which client a request counts for (the connection's address, or the
//! one a trusted proxy forwarded), and the pruning of old rate-limit events; a link request
//! does the same work whether or not the address has an account.

use std::sync::Arc;

use fondilab::accounts::signin::{PruneRateEvents, PER_CLIENT, PRUNE_EVERY_MS, PRUNE_JOB};
use fondilab::jobs::JobRunner;

use crate::db_test;
use crate::helpers::{Backend, Options, TestApp, Visitor};

/// Asks for a sign-in link with `X-Forwarded-For: forwarded`; returns the status and the page.
async fn ask_link(app: &TestApp, browser: &Visitor, email: &str, forwarded: &str) -> (u16, String) {
    let r = app
        .client
        .post(app.url("/accedi"))
        .header("cookie", &browser.cookie)
        .header("x-forwarded-for", forwarded)
        .form(&[("email", email), ("csrf", &browser.csrf)])
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.text().await.expect("page"))
}

/// The client buckets counted so far, with their events.
async fn client_buckets(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT bucket, COUNT(*) FROM rate_events WHERE bucket LIKE 'signin:client:%' GROUP BY bucket ORDER BY bucket",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
}

db_test!(without_trusted_proxies_forwarded_addresses_do_not_escape_the_limit, |app| {
    let browser = app.anonymous().await;
    // Each request claims another client; none is believed, all count for the connection's address.
    for i in 0..PER_CLIENT {
        let (status, _) = ask_link(&app, &browser, &format!("p{i}@example.org"), &format!("203.0.113.{i}")).await;
        assert_eq!(status, 200, "request {i}");
    }
    let (status, page) = ask_link(&app, &browser, "ultima@example.org", "203.0.113.99").await;
    assert_eq!(status, 429);
    assert!(page.contains("riprova tra 15 minuti"), "{page}");
    assert_eq!(client_buckets(&app).await, vec![("signin:client:127.0.0.1".to_string(), PER_CLIENT)]);
});

db_test!(
    a_trusted_proxy_gives_each_forwarded_client_its_own_limit,
    Options { trusted_proxies: Some("127.0.0.1/32"), ..Default::default() },
    |app| {
        let browser = app.anonymous().await;
        for i in 0..PER_CLIENT + 5 {
            let (status, _) = ask_link(&app, &browser, &format!("p{i}@example.org"), &format!("203.0.113.{i}")).await;
            assert_eq!(status, 200, "request {i}: a client of its own");
        }
        let buckets = client_buckets(&app).await;
        assert_eq!(buckets.len() as i64, PER_CLIENT + 5, "{buckets:?}");
        assert!(buckets.iter().all(|(b, n)| b.starts_with("signin:client:203.0.113.") && *n == 1), "{buckets:?}");
        // A request of the proxy's own (no header) counts for the proxy.
        let r = app.post_form(&browser, "/accedi", &[("email", "diretta@example.org")]).await;
        assert_eq!(r.status().as_u16(), 200);
        assert!(client_buckets(&app).await.contains(&("signin:client:127.0.0.1".to_string(), 1)));
    }
);

db_test!(
    a_spoofed_left_most_forwarded_entry_is_ignored,
    Options { trusted_proxies: Some("127.0.0.1/32,10.0.0.0/8"), ..Default::default() },
    |app| {
        let browser = app.anonymous().await;
        // The client writes a new address of its own each time; the proxies append the one they saw.
        for i in 0..PER_CLIENT {
            let forwarded = format!("6.6.6.{i}, 198.51.100.9, 10.0.0.5");
            let (status, _) = ask_link(&app, &browser, &format!("p{i}@example.org"), &forwarded).await;
            assert_eq!(status, 200, "request {i}");
        }
        let (status, page) = ask_link(&app, &browser, "ultima@example.org", "6.6.6.200, 198.51.100.9, 10.0.0.5").await;
        assert_eq!(status, 429);
        assert!(page.contains("riprova tra 15 minuti"), "{page}");
        assert_eq!(client_buckets(&app).await, vec![("signin:client:198.51.100.9".to_string(), PER_CLIENT)]);
    }
);

/// A full hour on the clock (2026-05-28 21:00 UTC), so the pruning's time is known.
const HOUR: i64 = 1_780_002_000_000;

db_test!(the_pruning_job_deletes_old_events_of_every_bucket, clock = HOUR + 30 * 60_000, |app, clock| {
    let db = app.state.db.clone();
    let run_at: i64 = sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = $1 AND status = 'pending'")
        .bind(PRUNE_JOB)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(run_at, HOUR + PRUNE_EVERY_MS, "scheduled at start for the next full hour");

    let browser = app.anonymous().await;
    assert_eq!(app.post_form(&browser, "/accedi", &[("email", "prima@example.org")]).await.status(), 200);
    // Twenty minutes later another address from the same client: the client's old event goes
    // with that request, the first address's bucket is nobody's to prune.
    clock.advance(20 * 60_000);
    assert_eq!(app.post_form(&browser, "/accedi", &[("email", "seconda@example.org")]).await.status(), 200);
    let bucket = |email: &str| format!("signin:email:{}", fondilab::accounts::session::hash(email));
    let events = || async {
        sqlx::query_as::<_, (String, i64)>("SELECT bucket, at FROM rate_events ORDER BY at, bucket")
            .fetch_all(db.pool())
            .await
            .unwrap()
    };
    let before = events().await;
    assert!(before.iter().any(|(b, _)| *b == bucket("prima@example.org")), "{before:?}");

    clock.set(run_at);
    let mut runner = JobRunner::new(db.clone(), Arc::new(clock.clone()));
    runner.register(Arc::new(PruneRateEvents { clock: Arc::new(clock.clone()) }));
    assert_eq!(runner.run_once("prova").await.unwrap(), 1);
    let fresh = HOUR + 50 * 60_000;
    let mut kept = vec![(bucket("seconda@example.org"), fresh), ("signin:client:127.0.0.1".to_string(), fresh)];
    kept.sort();
    let mut after = events().await;
    after.sort();
    assert_eq!(after, kept, "only the events of the last fifteen minutes stay");

    // It comes back every hour, and keeps no trail of its past runs.
    let pending: i64 = sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = $1 AND status = 'pending'")
        .bind(PRUNE_JOB)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(pending, run_at + PRUNE_EVERY_MS);
    clock.set(pending);
    assert_eq!(runner.run_once("prova").await.unwrap(), 1);
    assert!(events().await.is_empty(), "everything is older than the window now");
    let runs: Vec<(String, String)> =
        sqlx::query_as("SELECT idempotency_key, status FROM jobs WHERE kind = $1 ORDER BY run_at")
            .bind(PRUNE_JOB)
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(
        runs,
        vec![
            (format!("{PRUNE_JOB}:{pending}"), "done".to_string()),
            (format!("{PRUNE_JOB}:{}", pending + PRUNE_EVERY_MS), "pending".to_string())
        ]
    );
});

/// Rows a link request may leave: rate-limit events, tokens, mail; and, on PostgreSQL, the
/// numbers the outbox's identity sequence gave out (a mail row rolled back still takes one).
async fn traces(app: &TestApp) -> [i64; 4] {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(app.state.db.pool()).await.unwrap()
    };
    let numbers = match app.backend {
        Backend::Postgres => {
            count("SELECT COALESCE(last_value, 0) FROM pg_sequences WHERE sequencename = 'outbox_id_seq'").await
        }
        Backend::Sqlite => 0,
    };
    [
        count("SELECT COUNT(*) FROM rate_events").await,
        count("SELECT COUNT(*) FROM signin_tokens").await,
        count("SELECT COUNT(*) FROM outbox").await,
        numbers,
    ]
}

db_test!(a_link_request_does_the_same_work_with_or_without_an_account, |app| {
    app.user("nota@example.org", "mentor", None).await;
    let off = app.user("spenta@example.org", "mentor", None).await;
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1").bind(off.id).execute(app.state.db.pool()).await.unwrap();
    let browser = app.anonymous().await;
    let pg = i64::from(app.backend == Backend::Postgres);
    let mut last = traces(&app).await;
    for (email, kept) in [("nota@example.org", 1), ("nessuno@example.org", 0), ("spenta@example.org", 0)] {
        assert_eq!(app.post_form(&browser, "/accedi", &[("email", email)]).await.status(), 200);
        let now = traces(&app).await;
        let added: Vec<i64> = now.iter().zip(last).map(|(n, l)| n - l).collect();
        // Two rate-limit events (client and address) every time; a token and a mail only for an
        // active account; the mail row written every time (on SQLite a rolled-back row leaves
        // no number behind to see).
        assert_eq!(added, vec![2, kept, kept, pg], "{email}");
        last = now;
    }
});
