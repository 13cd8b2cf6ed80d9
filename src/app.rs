//! Builds the application state and the HTTP server around it, and nothing else.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;
use crate::guides::{self, Corpus};
use crate::i18n::Lang;
use crate::search::log::{SearchLog, SearchRecord};
use crate::search::{IndexOrigin, SearchEngine, SearchRequest, SearchResults};

/// Cheap handles shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub search: Arc<SearchEngine>,
    pub search_log: SearchLog,
}

impl AppState {
    /// Runs a guide search and records it in the search log.
    pub fn search_guides(
        &self,
        req: &SearchRequest,
        ui_lang: Lang,
    ) -> anyhow::Result<SearchResults> {
        let results = self.search.search(req)?;
        let filters = serde_json::json!({
            "fund": req.fund.map(|f| f.as_str()),
            "phase": req.phase.map(|p| p.as_str()),
            "lang": req.lang.map(|l| l.code()),
            "topic": req.topic,
            "page": req.page,
        });
        self.search_log.record(SearchRecord {
            query: req.q.clone(),
            filters: filters.to_string(),
            result_count: results.total as i64,
            took_us: results.took.as_micros() as i64,
            ui_lang: ui_lang.code(),
            created_at: 0,
        });
        Ok(results)
    }
}

/// Loads the corpus and refuses a broken one, naming every faulty file and line.
pub fn load_corpus(config: &Config) -> anyhow::Result<Corpus> {
    let report = guides::load(&config.guides_dir, chrono::Local::now().date_naive());
    for w in report.warnings() {
        tracing::warn!("{w}");
    }
    if report.has_errors() {
        let lines: Vec<String> = report.errors().map(ToString::to_string).collect();
        anyhow::bail!(
            "the guide corpus in {} has {} error(s); fix them (or run `fondilab guides check`):\n{}",
            config.guides_dir.display(),
            lines.len(),
            lines.join("\n")
        );
    }
    report
        .corpus
        .context("the guide corpus could not be loaded")
}

/// Opens the database and applies migrations; every subcommand starts here.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    log_task: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Everything the service needs, ready to serve; binds the listener (port 0 picks a free one).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let corpus = Arc::new(load_corpus(&config)?);
        let db = open_database(&config).await?;
        let started = std::time::Instant::now();
        let index_dir = config.index_dir.clone();
        let corpus_for_index = corpus.clone();
        let (search, origin) = tokio::task::spawn_blocking(move || {
            SearchEngine::open(&index_dir, corpus_for_index, false)
        })
        .await??;
        tracing::info!(
            guides = corpus.len(),
            index = ?origin,
            ms = started.elapsed().as_millis() as u64,
            "search index {}",
            if origin == IndexOrigin::Rebuilt { "rebuilt" } else { "reused" }
        );
        let (search_log, log_task) = SearchLog::start(db.clone());
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {} (FONDILAB_BIND)", config.bind))?;
        let state = AppState {
            config: Arc::new(config),
            db,
            search: Arc::new(search),
            search_log,
        };
        Ok(Application {
            listener,
            state,
            log_task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(state: AppState) -> axum::Router {
        crate::web::router(state)
            .layer(TraceLayer::new_for_http())
            .layer(RequestBodyLimitLayer::new(1024 * 1024))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(30),
            ))
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight and flushes the search log.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            log_task,
        } = self;
        tracing::info!(address = %listener.local_addr()?, public_url = %state.config.public_url, "fondilab is serving");
        let app = Self::router(state.clone());
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        state.search_log.flush().await;
        drop(state);
        let _ = tokio::time::timeout(Duration::from_secs(5), log_task).await;
        Ok(())
    }
}
