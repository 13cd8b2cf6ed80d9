//! One search over guides and the Regions' content: what each person finds (visitors guides
//! only; drafts, practices under review and hidden items never), the type facet, an index that
//! catches up after a restart without a rebuild, and two `fondilab serve` processes on one
//! PostgreSQL that find each other's writes within 3 s.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{repo_guides, TestApp, Visitor};

fn practice(title: &str, word: &str) -> Value {
    json!({"title": title, "summary": format!("Corsi sul {word} per i sanitari"), "funds": ["FSE+"], "phases": ["attuazione"],
           "topics": ["opzioni-semplificate-costi"], "what_done": format!("Abbiamo formato 300 infermieri sul {word}."),
           "contact_name": "Anna", "contact_email": "anna@regione.lazio.example", "submit": true})
}

/// Searches until `found` holds or 5 s pass; answers the last response.
async fn search_until(app: &TestApp, who: &Visitor, query: &str, found: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (s, r) = app.get_json_as(who, &format!("/api/v1/search?{query}")).await;
        assert_eq!(s, 200, "{r}");
        if found(&r) || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn types(r: &Value) -> Vec<String> {
    r["hits"].as_array().unwrap().iter().map(|h| h["type"].as_str().unwrap().to_string()).collect()
}

db_test!(one_search_finds_what_each_person_may_open, |app| {
    let anna = app.user("anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let piero = app.user("piero@regione.puglia.example", "officer", Some("PUG")).await;
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let visitor = app.anonymous().await;
    let (_, published) = app
        .post_json_as(&anna, "/api/v1/exchange/practices", &practice("Telemonitoraggio nel Lazio", "telemonitoraggio"))
        .await;
    let mut draft = practice("Bozza sul telemonitoraggio", "telemonitoraggio");
    draft["submit"] = json!(false);
    app.post_json_as(&anna, "/api/v1/exchange/practices", &draft).await;
    app.post_json_as(
        &piero,
        "/api/v1/exchange/practices",
        &practice("In revisione: telemonitoraggio", "telemonitoraggio"),
    )
    .await;
    app.post_json_as(&coord, &format!("/api/v1/exchange/practices/{}/approve", published["id"]), &json!({})).await;
    let (_, q) = app
        .post_json_as(&piero, "/api/v1/exchange/questions", &json!({"title": "Telemonitoraggio: quali costi?", "body": "Chi l'ha finanziato con il FSE+?", "fund": "FSE+"}))
        .await;

    // Signed in: the published practice and the question, never the draft or the one under review.
    let r = search_until(&app, &piero, "q=telemonitoraggio", |r| r["facets"]["type"]["question"] == 1).await;
    assert_eq!(r["facets"]["type"]["practice"], 1, "{r}");
    let titles: Vec<&str> = r["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"Telemonitoraggio nel Lazio") && titles.contains(&"Telemonitoraggio: quali costi?"),
        "{r}"
    );
    assert!(!titles.iter().any(|t| t.contains("Bozza") || t.contains("In revisione")), "{r}");
    let hit = r["hits"].as_array().unwrap().iter().find(|h| h["type"] == "question").unwrap();
    assert_eq!((hit["region"].as_str(), hit["accepted_answer"].as_bool()), (Some("PUG"), Some(false)));
    assert_eq!(hit["url"], format!("/scambio/domande/{}", q["id"]));
    let only = search_until(&app, &anna, "q=telemonitoraggio&type=practice", |_| true).await;
    assert_eq!(types(&only), ["practice"]);
    // A fund filter applies to the Regions' content too.
    let jtf = search_until(&app, &anna, "q=telemonitoraggio&type=practice&fund=JTF", |_| true).await;
    assert_eq!(jtf["total"], 0, "{jtf}");

    // Visitors: guides only, and no type facet for what they may not open.
    let (s, r) = app.get_json_as(&visitor, "/api/v1/search?q=telemonitoraggio%20costi").await;
    assert_eq!(s, 200);
    assert!(types(&r).iter().all(|t| t == "guide"), "{r}");
    assert!(r["facets"]["type"].get("practice").is_none(), "{r}");
    assert_eq!(app.get_json_as(&visitor, "/api/v1/search?q=x&type=practice").await.0, 403);
    let (s, e) = app.get_json_as(&anna, "/api/v1/search?q=x&type=forum").await;
    assert_eq!((s, e["field"].as_str()), (400, Some("type")));
    // The guide search keeps returning guides only.
    let (_, g) = app.get_json_as(&anna, "/api/v1/guides/search?q=telemonitoraggio").await;
    assert!(g["hits"].as_array().unwrap().iter().all(|h| h.get("type").is_none()), "{g}");

    // The search page: practices and questions under the guides, or alone by type; not for visitors.
    let (_, html) = app.get_text_as(&piero, "/cerca?q=telemonitoraggio").await;
    assert!(html.contains("Dalle Regioni") && html.contains("Telemonitoraggio nel Lazio"), "{html}");
    assert!(html.contains("Domande alle Regioni (1)"), "{html}");
    let (_, html) = app.get_text_as(&piero, "/cerca?q=telemonitoraggio&type=question").await;
    assert!(html.contains("Telemonitoraggio: quali costi?") && !html.contains("Telemonitoraggio nel Lazio"), "{html}");
    let page = app.client.get(app.url("/cerca?q=telemonitoraggio")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Dalle Regioni") && !page.contains("Telemonitoraggio nel Lazio"), "{page}");

    // Hidden: gone from the results.
    app.post_json_as(
        &coord,
        &format!("/api/v1/exchange/practices/{}/hide", published["id"]),
        &json!({"reason": "Da rivedere"}),
    )
    .await;
    let r = search_until(&app, &piero, "q=telemonitoraggio", |r| r["facets"]["type"]["practice"] == 0).await;
    assert_eq!(r["facets"]["type"]["practice"], 0, "{r}");

    // A restarted instance reads its mark from its own index and applies only what came after.
    let dir = tempfile::tempdir().unwrap();
    let mut ex = app.state.exchange.clone();
    ex.index = Arc::new(fondilab::exchange::index::ExchangeIndex::open(dir.path()).unwrap());
    assert!(ex.index.catch_up(&ex).await.unwrap() >= 2);
    let mark = ex.index.applied();
    assert!(mark > 0);
    drop(ex);
    app.post_json_as(
        &anna,
        "/api/v1/exchange/questions",
        &json!({"title": "Dopo il riavvio: teleconsulto", "body": "Chi ha esperienza?"}),
    )
    .await;
    let mut again = app.state.exchange.clone();
    again.index = Arc::new(fondilab::exchange::index::ExchangeIndex::open(dir.path()).unwrap());
    assert_eq!(again.index.applied(), mark, "the mark is kept with the index");
    assert_eq!(again.index.catch_up(&again).await.unwrap(), 1, "only the new question is written");
    let q = fondilab::exchange::index::ExchangeQuery { q: "teleconsulto", limit: 10, ..Default::default() };
    assert_eq!(again.index.search(&q).unwrap().questions, 1);
});

async fn person(db: &fondilab::db::Db, email: &str, role: &str, region: Option<&str>) -> i64 {
    let draft = fondilab::accounts::NewUser {
        email: email.into(),
        name: email.into(),
        role: role.into(),
        region_code: region.map(String::from),
        ..Default::default()
    };
    let valid = fondilab::accounts::validate(db, &draft).await.unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let id = fondilab::accounts::create(&mut tx, 0, &valid).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(database_url: &str, data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fondilab"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("FONDILAB_DATA_DIR", data_dir)
        .env("FONDILAB_GUIDES_DIR", repo_guides())
        .env("FONDILAB_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fondilab serve")
}

async fn ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{base} did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fondilab_postgres_tests),
    ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
)]
async fn two_instances_find_each_others_writes_within_three_seconds() {
    let pg = crate::helpers::PgDatabase::create().await;
    let db = fondilab::db::Db::connect(&pg.url).await.unwrap();
    db.migrate().await.unwrap();
    let officer = person(&db, "anna@regione.lazio.example", "officer", Some("LAZ")).await;
    let coord = person(&db, "coord@promis.example", "coordinator", None).await;
    let (_, officer_token) = fondilab::accounts::tokens::create(&db, officer, "prova", 0).await.unwrap();
    let (_, coord_token) = fondilab::accounts::tokens::create(&db, coord, "prova", 0).await.unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = serve(&pg.url, dir_a.path(), port_a);
    let mut b = serve(&pg.url, dir_b.path(), port_b);
    let client = reqwest::Client::new();
    let (base_a, base_b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    ready(&client, &base_a).await;
    ready(&client, &base_b).await;
    let post = |url: String, token: &str, body: Value| client.post(url).bearer_auth(token).json(&body).send();
    let mut waits = Vec::new();
    for i in 0..5 {
        let word = format!("parolaunica{i}x");
        let r = post(
            format!("{base_a}/api/v1/exchange/practices"),
            &officer_token,
            practice(&format!("Esperienza {i}"), &word),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let r =
            post(format!("{base_a}/api/v1/exchange/practices/{id}/approve"), &coord_token, json!({})).await.unwrap();
        assert_eq!(r.status(), 200);
        let written = Instant::now();
        loop {
            let r: Value = client
                .get(format!("{base_b}/api/v1/search?q={word}&type=practice"))
                .bearer_auth(&officer_token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if r["total"] == 1 {
                break;
            }
            assert!(
                written.elapsed() < Duration::from_secs(3),
                "instance B did not find practice {id} within 3 s: {r}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        waits.push(written.elapsed());
    }
    // B stopped, a write through A, B started again on its own index: it catches up.
    b.kill().unwrap();
    b.wait().unwrap();
    let r = post(
        format!("{base_a}/api/v1/exchange/questions"),
        &officer_token,
        json!({"title": "Domanda durante il fermo", "body": "Riavviozzz?"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let mut b = serve(&pg.url, dir_b.path(), port_b);
    ready(&client, &base_b).await;
    let started = Instant::now();
    loop {
        let r: Value = client
            .get(format!("{base_b}/api/v1/search?q=fermo&type=question"))
            .bearer_auth(&officer_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if r["total"] == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "the restarted instance did not catch up: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("exchange search across instances: waits {waits:?}\n").as_bytes(),
    );
    a.kill().unwrap();
    b.kill().unwrap();
    a.wait().unwrap();
    b.wait().unwrap();
    db.close().await;
}
