//! The whole application on a random loopback port, against a fresh database:
//! a SQLite file in a temporary directory, or a new PostgreSQL database that is
//! dropped when the test ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use fondilab::app::{AppState, Application};
use fondilab::config::Config;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    /// Removed when the app is dropped.
    pub _data_dir: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _pg: Option<PgDatabase>,
}

pub fn repo_guides() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guides")
}

/// One search index of the repository's guides, built once per test process and opened by
/// every app that serves those guides (each test still gets its own database and data dir).
fn shared_repo_index() -> PathBuf {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let report = fondilab::guides::load(&repo_guides(), chrono::Local::now().date_naive());
        let corpus = report.corpus.expect("the repository's guides load");
        fondilab::search::SearchEngine::open(&dir.path().join("index"), std::sync::Arc::new(corpus), false)
            .expect("index of the repository's guides");
        dir
    });
    dir.path().join("index")
}

/// A fresh PostgreSQL database for one test, dropped afterwards.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin_url = std::env::var("FONDILAB_TEST_POSTGRES_URL")
            .expect("FONDILAB_TEST_POSTGRES_URL must be set for PostgreSQL tests");
        let name = format!(
            "fondilab_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        let db = fondilab::db::Db::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at FONDILAB_TEST_POSTGRES_URL is not reachable: {e:#}"));
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(db.pool()).await.expect("create test database");
        db.close().await;
        let mut url = url::Url::parse(&admin_url).expect("FONDILAB_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        PgDatabase { admin_url, url: url.to_string(), name }
    }
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // A runtime of its own: the test's runtime may be shutting down.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(db) = fondilab::db::Db::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(db.pool()).await;
                    db.close().await;
                }
            });
        })
        .join();
    }
}

pub struct Options {
    pub guides_dir: PathBuf,
    /// Whether the app runs its own delivery worker; tests of delivery drive one themselves.
    pub with_worker: bool,
    pub clock: fondilab::clock::SharedClock,
    pub smtp_url: Option<String>,
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// Share this database (a second instance of the same deployment) instead of a new one.
    pub database_url: Option<String>,
    /// `FONDILAB_REPLY_TO`.
    pub reply_to: Option<String>,
    /// `FONDILAB_PUBLIC_URL` (default: the loopback address the app listens on).
    pub public_url: Option<String>,
    /// Connection limits other than the defaults.
    pub header_timeout: Option<std::time::Duration>,
    pub max_connections: Option<usize>,
    /// `FONDILAB_TRUSTED_PROXIES` (unset: none).
    pub trusted_proxies: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            guides_dir: repo_guides(),
            with_worker: false,
            clock: fondilab::clock::system(),
            smtp_url: None,
            metrics_bind: None,
            database_url: None,
            reply_to: None,
            public_url: None,
            header_timeout: None,
            max_connections: None,
            trusted_proxies: None,
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, opts: Options) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        }
        let data_dir = tempfile::tempdir().expect("temp dir");
        let shares_index = opts.guides_dir == repo_guides();
        let mut config = Config::for_data_dir(data_dir.path().to_path_buf(), opts.guides_dir);
        if shares_index {
            config.index_dir = shared_repo_index();
        }
        config.smtp_url = opts.smtp_url;
        config.metrics_bind = opts.metrics_bind;
        if let Some(t) = opts.header_timeout {
            config.header_timeout = t;
        }
        config.max_connections = opts.max_connections;
        config.reply_to = opts.reply_to;
        if let Some(url) = opts.public_url {
            config.public_url = url;
        }
        if let Some(list) = opts.trusted_proxies {
            config.trusted_proxies =
                fondilab::web::proxies::TrustedProxies::parse(list).expect("a valid list of trusted proxies");
        }
        let pg = match (backend, opts.database_url) {
            (_, Some(url)) => {
                config.database_url = url;
                None
            }
            (Backend::Sqlite, None) => None,
            (Backend::Postgres, None) => {
                let pg = PgDatabase::create().await;
                config.database_url = pg.url.clone();
                Some(pg)
            }
        };
        let app = Application::build_with(config, opts.clock, opts.with_worker).await.expect("application builds");
        let address = format!("http://{}", app.local_addr());
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until(async move {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client");
        TestApp {
            address,
            client,
            state,
            backend,
            _data_dir: data_dir,
            shutdown: Some(tx),
            server: Some(server),
            _pg: pg,
        }
    }

    /// The database this app runs on.
    pub fn database_url(&self) -> String {
        self.state.config.database_url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("cookie", cookie).send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        let body = r.json().await.expect("JSON body");
        (status, body)
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("text body"))
    }

    /// A user with a live session, made directly in the database.
    pub async fn user(&self, email: &str, role: &str, region: Option<&str>) -> Visitor {
        let draft = fondilab::accounts::NewUser {
            email: email.into(),
            name: format!("Utente {email}"),
            role: role.into(),
            region_code: region.map(String::from),
            ..Default::default()
        };
        let valid = fondilab::accounts::validate(&self.state.db, &draft).await.expect("valid user");
        let mut tx = self.state.db.begin_write().await.unwrap();
        let id = fondilab::accounts::create(&mut tx, fondilab::db::now_ms(), &valid).await.expect("user created");
        tx.commit().await.unwrap();
        let (secret, session) =
            fondilab::accounts::session::create(&self.state.db, id, fondilab::db::now_ms()).await.expect("session");
        Visitor { id, cookie: format!("fondilab_session={secret}"), csrf: session.csrf }
    }

    /// A browser with no session: its CSRF cookie, as the sign-in page sets it.
    pub async fn anonymous(&self) -> Visitor {
        let r = self.get("/accedi").await;
        let set = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("fondilab_csrf="));
        let csrf = set
            .and_then(|c| c.split(';').next())
            .and_then(|kv| kv.split_once('='))
            .map(|(_, v)| v.to_string())
            .expect("csrf cookie");
        Visitor { id: 0, cookie: format!("fondilab_csrf={csrf}"), csrf }
    }

    pub async fn get_as(&self, who: &Visitor, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("cookie", &who.cookie).send().await.expect("request")
    }

    pub async fn get_text_as(&self, who: &Visitor, path: &str) -> (u16, String) {
        let r = self.get_as(who, path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("text body"))
    }

    pub async fn get_json_as(&self, who: &Visitor, path: &str) -> (u16, serde_json::Value) {
        let r = self.get_as(who, path).await;
        let status = r.status().as_u16();
        (status, r.json().await.expect("JSON body"))
    }

    /// A JSON-API post as `who` with the session's CSRF header.
    pub async fn post_api_as(&self, who: &Visitor, path: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .send()
            .await
            .expect("request")
    }

    /// A JSON-API post as `who` with a JSON body.
    pub async fn post_json_as(&self, who: &Visitor, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A form post as `who`, with the CSRF field added.
    pub async fn post_form(&self, who: &Visitor, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &who.csrf));
        self.client.post(self.url(path)).header("cookie", &who.cookie).form(&all).send().await.expect("request")
    }

    /// Stops the server and waits for it to finish (flushing what it buffers).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// Runs `$body` once on SQLite and once on PostgreSQL, with `$app` bound to a running
/// `TestApp` for the whole body. Without FONDILAB_TEST_POSTGRES_URL the PostgreSQL run is
/// reported as ignored.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::db_test!($name, $crate::helpers::Options::default(), |$app| $body);
    };
    ($name:ident, clock = $t0:expr, |$app:ident, $clock:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $clock = fondilab::clock::ManualClock::at($t0);
                let opts = $crate::helpers::Options { clock: std::sync::Arc::new($clock.clone()), ..Default::default() };
                let $app = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, opts).await;
                $body;
                $app.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(fondilab_postgres_tests),
                ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
            )]
            async fn postgres() {
                let $clock = fondilab::clock::ManualClock::at($t0);
                let opts = $crate::helpers::Options { clock: std::sync::Arc::new($clock.clone()), ..Default::default() };
                let $app = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Postgres, opts).await;
                $body;
                $app.stop().await;
            }
        }
    };
    ($name:ident, $opts:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, $opts).await;
                $body;
                $app.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(fondilab_postgres_tests),
                ignore = "PostgreSQL tests SKIPPED: set FONDILAB_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run them"
            )]
            async fn postgres() {
                let $app = $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Postgres, $opts).await;
                $body;
                $app.stop().await;
            }
        }
    };
}

/// Someone using the app: their cookie header and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub id: i64,
    pub cookie: String,
    pub csrf: String,
}

/// A child process that is killed when the test ends, also when it ends in a panic.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
