//! The database: SQLite (embedded default) or PostgreSQL (several instances), chosen by
//! URL, behind one `sqlx::Any` pool so every query is written once. SQL here uses `$1`
//! placeholders, which both backends accept, stores times as Unix milliseconds
//! (`BIGINT`) and flags as `0/1`. Where the backends differ (locking, write transactions)
//! the difference lives in this file.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    options: AnyConnectOptions,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Whether an error means the database is out of reach or cannot take writes (PostgreSQL
/// down, no connection to be had in time, a SQLite file that is full or read-only) rather
/// than a fault in the request or the code: answered 503, retried later.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            // SQLite (numeric codes, extended ones carry the primary in the low byte):
            // 13 full, 8 read-only, 10 I/O error, 5 busy past the busy timeout;
            // PostgreSQL (five-character SQLSTATE): class 08 connection exceptions,
            // 57P01-57P03 shutdown, 53100 disk full, 25006 read-only transaction.
            let sqlite = code.len() < 5 && code.parse::<i32>().is_ok_and(|c| [5, 8, 10, 13].contains(&(c & 0xff)));
            let postgres = code.starts_with("08") || ["57P01", "57P02", "57P03", "53100", "25006"].contains(&code);
            sqlite || postgres
        }
        _ => false,
    }
}

/// The SQLite URL of the database file inside a data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("fondilab.db").display())
}

impl Db {
    /// The pool that requests, jobs and commands share.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres:// (got \"{}\")", redact(url));
        };
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL \"{}\" does not parse", redact(url)))?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        if backend == Backend::Sqlite {
            if let Some(path) = url.strip_prefix("sqlite://").and_then(|p| p.split('?').next()) {
                if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
            }
        }
        let pool = match backend {
            Backend::Sqlite => pool_options(backend, 8, Duration::from_secs(30)),
            // A rush of writes on one event queues for connections for seconds; 3 s here
            // answered 503 to part of such a rush (BENCHMARKS.md, database outage). Requests do
            // not wait that long when the database is down: `Health` answers them first.
            Backend::Postgres => pool_options(backend, 16, Duration::from_secs(10)),
        }
        .connect_with(options.clone())
        .await
        .with_context(|| format!("cannot connect to the database at \"{}\"", redact(url)))?;
        Ok(Db { pool, backend, options })
    }

    /// A pool of its own on the same database, of at most `size` connections opened when
    /// first needed, for work that must not queue behind requests (the delivery worker
    /// recording what the SMTP server accepted).
    pub fn own_pool(&self, size: u32, acquire_timeout: Duration) -> Db {
        let pool = pool_options(self.backend, size, acquire_timeout).connect_lazy_with(self.options.clone());
        Db { pool, backend: self.backend, options: self.options.clone() }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.context("applying database migrations")?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later
    /// fails with SQLITE_BUSY when another writer got in between.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// What a claim's sub-select appends so concurrent workers skip each other's rows:
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite, whose claim runs in a
    /// `BEGIN IMMEDIATE` transaction with the single write lock.
    /// What to append to a `SELECT` that locks the rows it reads until the transaction ends
    /// (SQLite's write transaction already holds the whole database).
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// Serialises the transactions that take the same `key` until they end (on SQLite the
    /// write transaction already does).
    pub async fn lock_key(&self, tx: &mut sqlx::AnyConnection, key: &str) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(key).execute(&mut *tx).await?;
        }
        Ok(())
    }

    pub fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Whether the database answers within a second and a half.
    pub async fn ping(&self) -> bool {
        let answer = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(tokio::time::timeout(PING_TIMEOUT, answer).await, Ok(Ok(_)))
    }

    /// Starts watching whether the database answers: a task asks it `SELECT 1` every half
    /// second on a connection of its own, so a queue of requests for the shared pool never
    /// reads as an outage. It stops when the last `Health` is dropped. SQLite, a file in
    /// this process, is always reachable (a full or read-only file is an error of the write).
    pub fn watch_health(&self) -> Health {
        if self.backend == Backend::Sqlite {
            let (tx, rx) = tokio::sync::watch::channel(true);
            return Health { up: rx, _always: Some(Arc::new(tx)) };
        }
        let probe = self.own_pool(1, PING_TIMEOUT);
        let (tx, rx) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEALTH_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if tx.is_closed() {
                    break;
                }
                let up = probe.ping().await;
                if tx.send_if_modified(|was| std::mem::replace(was, up) != up) {
                    if up {
                        tracing::info!("the database answers again");
                    } else {
                        tracing::warn!("the database does not answer: requests get 503 until it does");
                    }
                }
            }
            probe.close().await;
        });
        Health { up: rx, _always: None }
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// How long a ping waits for an answer (and for a connection to ask on).
const PING_TIMEOUT: Duration = Duration::from_millis(1500);
/// How often the health watch asks.
const HEALTH_PERIOD: Duration = Duration::from_millis(500);

/// Whether the database answered the health watch's last question.
#[derive(Clone, Debug)]
pub struct Health {
    up: tokio::sync::watch::Receiver<bool>,
    /// The sender of a state that never changes, kept so that waits on it stay pending.
    _always: Option<Arc<tokio::sync::watch::Sender<bool>>>,
}

impl Health {
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Resolves when the database is (or goes) down; never, once the watch has stopped.
    pub async fn down(&self) {
        self.until(false).await
    }

    /// Resolves when the database is (or comes) back up.
    pub async fn up(&self) {
        self.until(true).await
    }

    async fn until(&self, up: bool) {
        let mut rx = self.up.clone();
        if rx.wait_for(|now| *now == up).await.is_err() {
            std::future::pending::<()>().await
        }
    }
}

/// Pool settings per backend; every SQLite connection gets WAL, a busy timeout and
/// foreign keys.
fn pool_options(backend: Backend, size: u32, acquire_timeout: Duration) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().max_connections(size).acquire_timeout(acquire_timeout);
    match backend {
        Backend::Postgres => options,
        Backend::Sqlite => options.after_connect(|conn, _| {
            Box::pin(async move {
                // WAL lets readers run beside the single writer; the busy timeout makes a
                // second writer wait instead of failing.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                Ok(())
            })
        }),
    }
}

/// Unix time in milliseconds, the unit every timestamp column uses.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A stored enum value read strictly: a value outside the column's set refuses the row
/// instead of being read as some default.
pub fn decoded<T>(parsed: Option<T>, column: &str, value: &str) -> Result<T, sqlx::Error> {
    parsed.ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unknown value \"{value}\" in {column}").into(),
    })
}

/// The unique rules a person can run into, the same on both databases: PostgreSQL names the
/// constraint or index, SQLite the columns ("UNIQUE constraint failed: users.email").
const UNIQUE_RULES: &[(&str, &str, &str)] = &[
    ("users_email_key", "users.email", "email"),
    ("registrations_live", "registrations.event_id, registrations.user_id", "event"),
];

/// The input field a unique violation is about, when it is one of [`UNIQUE_RULES`].
pub fn unique_violation_field(e: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = e else { return None };
    if !db.is_unique_violation() {
        return None;
    }
    let message = db.message();
    UNIQUE_RULES
        .iter()
        .find(|(constraint, columns, _)| {
            db.constraint() == Some(*constraint) || message.strip_prefix("UNIQUE constraint failed: ") == Some(*columns)
        })
        .map(|(_, _, field)| *field)
}
