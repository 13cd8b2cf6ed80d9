use crate::db_test;
use crate::helpers::{Backend, TestApp};

db_test!(migrations_apply_from_empty, |app| {
    let pool = app.state.db.pool();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = $1")
        .bind(true)
        .fetch_one(pool)
        .await
        .expect("migration table");
    assert!(applied >= 1, "no migration recorded on {:?}", app.backend);
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM search_log").fetch_one(pool).await.expect("search_log exists");
    assert_eq!(rows, 0);
    // Applying again is a no-op, as at every restart.
    app.state.db.migrate().await.expect("migrations are idempotent");
});

db_test!(health_and_readiness, |app| {
    let (status, body) = app.get_text("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    assert_eq!(body["index_documents"].as_u64(), Some(app.state.search.expected_docs()));
    assert_eq!(body["guides"].as_u64(), Some(app.state.search.corpus().len() as u64));
});

db_test!(every_search_is_recorded_without_personal_data, |app| {
    let (status, _) = app.get_json("/api/v1/guides/search?q=costi%20unitari&fund=FSE%2B").await;
    assert_eq!(status, 200);
    let (status, _) = app.get_text("/cerca?q=parolachenonesistedavvero").await;
    assert_eq!(status, 200);
    app.state.search_log.flush().await;
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT query, filters, result_count FROM search_log ORDER BY id")
            .fetch_all(app.state.db.pool())
            .await
            .expect("search log");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "costi unitari");
    assert!(rows[0].1.contains("\"fund\":\"FSE+\""), "{}", rows[0].1);
    assert!(rows[0].2 > 0);
    assert_eq!(rows[1], ("parolachenonesistedavvero".into(), rows[1].1.clone(), 0));
    let columns: Vec<String> = match app.backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info('search_log')")
            .fetch_all(app.state.db.pool())
            .await
            .expect("columns"),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'search_log'",
        )
        .fetch_all(app.state.db.pool())
        .await
        .expect("columns"),
    };
    for personal in ["ip", "user_id", "email", "user_agent"] {
        assert!(!columns.iter().any(|c| c == personal), "search_log stores {personal}");
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_is_italian_and_switches_to_english() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"it\">"), "{html}");
    assert!(html.contains("<label for=\"q\">Che cosa devi fare?</label>"));
    assert!(html.contains("Sfoglia per fondo"));
    assert!(html.contains("<main id=\"contenuto\""));

    let r = app.get("/lingua?l=en&torna=%2Fcerca%3Fq%3Dx").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/cerca?q=x");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("fondilab_lang=en;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    let html = app.get_with_cookie("/", "fondilab_lang=en").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Browse by fund"));

    // The switch never sends anyone off the site.
    for away in ["%2F%2Fevil.example", "%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%5Cevil.example"] {
        let r = app.get(&format!("/lingua?l=en&torna={away}")).await;
        assert_eq!(r.headers()["location"], "/", "{away}");
    }
    let r = app.get("/lingua?l=en&torna=%2Feventi%3Fpagina%3D2").await;
    assert_eq!(r.headers()["location"], "/eventi?pagina=2", "a path of the site is kept");
    let r = app.get("/lingua?l=xx").await;
    assert_eq!(r.status().as_u16(), 400);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404_in_the_right_format() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, html) = app.get_text("/non-esiste").await;
    assert_eq!(status, 404);
    assert!(html.contains("Pagina non trovata"), "{html}");
    let (status, json) = app.get_json("/api/v1/non-esiste").await;
    assert_eq!(status, 404);
    assert!(json["error"].as_str().unwrap().contains("openapi"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_is_reused_until_the_corpus_changes() {
    use fondilab::search::{IndexOrigin, SearchEngine};
    let data = tempfile::tempdir().unwrap();
    let guides = tempfile::tempdir().unwrap();
    copy_dir(&crate::helpers::repo_guides(), guides.path());
    let today = chrono::Local::now().date_naive();
    let load = || std::sync::Arc::new(fondilab::guides::load(guides.path(), today).corpus.expect("corpus loads"));
    let dir = data.path().join("index");
    let (_, origin) = SearchEngine::open(&dir, load(), false).unwrap();
    assert_eq!(origin, IndexOrigin::Rebuilt);
    let (engine, origin) = SearchEngine::open(&dir, load(), false).unwrap();
    assert_eq!(origin, IndexOrigin::Reused);
    assert_eq!(engine.num_docs(), engine.expected_docs());
    drop(engine);
    // Editing a guide changes the corpus hash: the next start rebuilds.
    let path = guides.path().join("it/costi-unitari-fse-plus.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\n## 1.", "\nParola nuova zirconio.\n\n## 1.", 1)).unwrap();
    let (engine, origin) = SearchEngine::open(&dir, load(), false).unwrap();
    assert_eq!(origin, IndexOrigin::Rebuilt);
    let hits = engine
        .search(&fondilab::search::SearchRequest { q: "zirconio".into(), page: 1, per_page: 5, ..Default::default() })
        .unwrap();
    assert_eq!(hits.hits[0].id, "costi-unitari-fse-plus");
    // A stamp from another schema or analyzer version is never trusted.
    drop(engine);
    let stamp = dir.join("fondilab-index-stamp");
    let old = std::fs::read_to_string(&stamp).unwrap();
    std::fs::write(&stamp, old.replace("schema=", "schema=0")).unwrap();
    let (_, origin) = SearchEngine::open(&dir, load(), false).unwrap();
    assert_eq!(origin, IndexOrigin::Rebuilt);
    // And reindex forces it.
    let (_, origin) = SearchEngine::open(&dir, load(), true).unwrap();
    assert_eq!(origin, IndexOrigin::Rebuilt);
}

pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
