//! Builds the application state and the HTTP server around it, and nothing else.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

use crate::clock::{self, SharedClock};
use crate::config::Config;
use crate::db::Db;
use crate::events::Events;
use crate::guides::{self, Corpus};
use crate::i18n::Lang;
use crate::jobs::JobRunner;
use crate::mentorship::lifecycle::{MentorshipJob, JOB_EXPIRE, JOB_RUN};
use crate::mentorship::Mentorship;
use crate::notify::transport::Transport;
use crate::notify::worker::{Worker, WorkerConfig};
use crate::notify::{Outbox, Sender};
use crate::search::log::{SearchLog, SearchRecord};
use crate::search::{IndexOrigin, SearchEngine, SearchRequest, SearchResults};

/// Cheap handles shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    /// Whether the database answers (requests are not kept waiting when it does not).
    pub health: crate::db::Health,
    pub search: Arc<SearchEngine>,
    pub search_log: SearchLog,
    pub outbox: Outbox,
    pub clock: SharedClock,
    pub mentorship: Mentorship,
    pub events: Events,
    pub exchange: crate::exchange::Exchange,
}

impl AppState {
    /// Runs a guide search and records it in the search log.
    pub fn search_guides(&self, req: &SearchRequest, ui_lang: Lang) -> anyhow::Result<SearchResults> {
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
            answered: results.answered,
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
    report.corpus.context("the guide corpus could not be loaded")
}

/// Opens the database and applies migrations; every subcommand starts here.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

/// The topic vocabulary alone (the worker needs its labels for mail, not the whole corpus).
fn load_topics(config: &Config) -> guides::Topics {
    let path = config.guides_dir.join("topics.toml");
    match std::fs::read_to_string(&path).map(|t| guides::vocab::parse_topics(&path, &t)) {
        Ok(Ok(topics)) => topics,
        _ => {
            tracing::warn!(path = %path.display(), "topics not readable: mail shows topic slugs");
            guides::Topics::default()
        }
    }
}

/// The database, the outbox and its delivery: what both `serve` and `worker` run on.
pub struct Services {
    pub db: Db,
    pub outbox: Outbox,
    pub transport: Transport,
    pub clock: SharedClock,
    pub jobs: Arc<JobRunner>,
    pub worker_config: WorkerConfig,
    pub mentorship: Mentorship,
    pub events: Events,
    pub exchange: crate::exchange::Exchange,
    /// Held while the process runs, so a restore cannot replace the database under it.
    pub data_dir_lock: Arc<crate::backup::DataDirLock>,
}

impl Services {
    pub async fn start(config: &Config, clock: SharedClock) -> anyhow::Result<Services> {
        // Configuration faults first: they need no database to be reported.
        let transport = Transport::from_config(config.smtp_url.as_deref(), config.data_dir.join("mail"))?;
        let sender = Sender::new(&config.mail_from, config.reply_to.as_deref(), &config.public_url)?;
        let data_dir_lock = Arc::new(crate::backup::hold_data_dir(&config.data_dir)?);
        let db = open_database(config).await?;
        let secret = crate::installation::secret(&db, clock.now_ms()).await.context("the installation's secret")?;
        let outbox = Outbox::new(sender, &secret);
        let mentorship = Mentorship::new(
            db.clone(),
            outbox.clone(),
            clock.clone(),
            config.public_url.clone(),
            Arc::new(load_topics(config)),
            config.proposal_days,
        );
        let mut jobs = JobRunner::new(db.clone(), clock.clone());
        for kind in [JOB_EXPIRE, JOB_RUN] {
            jobs.register(Arc::new(MentorshipJob { kind, mentorship: mentorship.clone() }));
        }
        jobs.register(Arc::new(crate::kpi::digest::Digest {
            outbox: outbox.clone(),
            clock: clock.clone(),
            public_url: config.public_url.clone(),
        }));
        crate::kpi::digest::schedule_next(&db, clock.now_ms()).await?;
        jobs.register(Arc::new(crate::accounts::signin::PruneRateEvents { clock: clock.clone() }));
        crate::accounts::signin::schedule_prune(&db, clock.now_ms()).await?;
        // The search index on disk is the serving process's (see `Application::build_with`);
        // a worker searches nothing.
        let exchange = crate::exchange::Exchange::new(
            db.clone(),
            clock.clone(),
            outbox.clone(),
            config.public_url.clone(),
            Arc::new(crate::exchange::index::ExchangeIndex::in_memory()?),
        );
        jobs.register(Arc::new(crate::exchange::follows::DigestJob { exchange: exchange.clone() }));
        crate::exchange::follows::schedule_digest(&db, clock.now_ms()).await?;
        let jobs = Arc::new(jobs);
        let events = Events::new(db.clone(), outbox.clone(), clock.clone(), config.public_url.clone());
        Ok(Services {
            db,
            outbox,
            transport,
            clock,
            jobs,
            worker_config: config.outbox.clone(),
            mentorship,
            events,
            exchange,
            data_dir_lock,
        })
    }

    /// The delivery worker, on connections of its own: recording that the SMTP server
    /// accepted a message must not queue behind requests, or a crash in between sends it
    /// twice.
    pub fn worker(&self) -> Worker {
        Worker::new(
            self.db.own_pool(WORKER_CONNECTIONS, Duration::from_secs(10)),
            self.outbox.clone(),
            self.transport.clone(),
            self.clock.clone(),
            self.worker_config.clone(),
            self.jobs.clone(),
        )
    }
}

/// Connections of the delivery worker's own pool: claims, lease renewals and outcomes are
/// short statements, so a few serve the SMTP connections in flight.
const WORKER_CONNECTIONS: u32 = 4;
/// How often an instance applies the exchange's recorded changes to its search index.
const EXCHANGE_INDEX_POLL: Duration = Duration::from_millis(500);

/// Runs only the delivery worker (`fondilab worker`) until `shutdown` resolves.
pub async fn run_worker(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let services = Services::start(&config, clock::system()).await?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(services.worker().run(rx));
    shutdown.await;
    let _ = tx.send(true);
    worker.await?;
    Ok(())
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    log_task: tokio::task::JoinHandle<()>,
    worker: Option<Worker>,
    data_dir_lock: Arc<crate::backup::DataDirLock>,
}

impl Application {
    /// Everything the service needs, ready to serve; binds the listener (port 0 picks a free one).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with(config, clock::system(), true).await
    }

    /// As [`Application::build`], with the clock to use and whether this process runs a
    /// delivery worker.
    pub async fn build_with(config: Config, clock: SharedClock, with_worker: bool) -> anyhow::Result<Application> {
        let corpus = Arc::new(load_corpus(&config)?);
        let services = Services::start(&config, clock).await?;
        let db = services.db.clone();
        let started = std::time::Instant::now();
        let index_dir = config.index_dir.clone();
        let corpus_for_index = corpus.clone();
        let (search, origin) =
            tokio::task::spawn_blocking(move || SearchEngine::open(&index_dir, corpus_for_index, false)).await??;
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
        let worker = with_worker.then(|| services.worker());
        let data_dir_lock = services.data_dir_lock.clone();
        let health = db.watch_health();
        let mut exchange = services.exchange.clone();
        exchange.index = Arc::new(
            crate::exchange::index::ExchangeIndex::open(&config.data_dir.join("exchange-index"))
                .context("the exchange search index")?,
        );
        let state = AppState {
            config: Arc::new(config),
            db,
            health,
            search: Arc::new(search),
            search_log,
            outbox: services.outbox,
            clock: services.clock,
            mentorship: services.mentorship,
            events: services.events,
            exchange,
        };
        Ok(Application { listener, state, log_task, worker, data_dir_lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(state: AppState) -> axum::Router {
        let bare_routes = crate::web::routes().with_state(state.clone());
        crate::web::router(state)
            .layer(axum::middleware::from_fn(crate::web::request_log::log))
            .layer(axum::middleware::from_fn(crate::web::body_limit::limit))
            .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
            .layer(axum::middleware::from_fn_with_state(bare_routes, crate::web::only_served_methods))
    }

    /// Serves until `shutdown` resolves, then finishes requests in flight, lets the worker
    /// finish its pass and flushes the search log.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { listener, state, log_task, worker, data_dir_lock } = self;
        tracing::info!(address = %listener.local_addr()?, public_url = %state.config.public_url, "fondilab is serving");
        tracing::info!("{}", state.config.trusted_proxies.describe());
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let worker = worker.map(|w| tokio::spawn(w.run(stop_rx.clone())));
        let exchange_index = tokio::spawn(state.exchange.clone().follow_changes(EXCHANGE_INDEX_POLL, stop_rx.clone()));
        let metrics =
            state.config.metrics_bind.map(|addr| tokio::spawn(serve_metrics(addr, state.db.clone(), stop_rx)));
        let app = Self::router(state.clone());
        let limits = crate::web::listener::Limits::new(state.config.header_timeout, state.config.max_connections);
        tracing::info!(
            max_connections = limits.max_connections,
            header_timeout_ms = limits.header_timeout.as_millis() as u64,
            "connection limits"
        );
        crate::web::listener::serve(listener, app, limits, shutdown).await?;
        let _ = stop_tx.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        if let Some(m) = metrics {
            let _ = m.await;
        }
        let _ = exchange_index.await;
        state.search_log.flush().await;
        drop(state);
        let _ = tokio::time::timeout(Duration::from_secs(5), log_task).await;
        drop(data_dir_lock);
        Ok(())
    }
}

/// `/metrics` on its own listener, so it is never exposed on the public address.
async fn serve_metrics(addr: SocketAddr, db: Db, mut stop: tokio::sync::watch::Receiver<bool>) {
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let db = db.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    crate::notify::metrics::render(&db).await,
                )
            }
        }),
    );
    match TcpListener::bind(addr).await {
        Ok(listener) => {
            tracing::info!(%addr, "metrics on /metrics");
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        }
        Err(e) => tracing::error!(%addr, error = %e, "cannot listen for metrics (FONDILAB_METRICS_BIND)"),
    }
}
