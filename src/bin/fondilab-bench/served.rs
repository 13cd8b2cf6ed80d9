//! The whole service on a loopback port, for the benchmarks that go through HTTP: on a SQLite
//! file in a scratch folder, or on a PostgreSQL database created for the run and dropped after.

use std::net::SocketAddr;
use std::path::PathBuf;

use fondilab::app::{AppState, Application};
use fondilab::config::Config;
use fondilab::db::Db;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Served {
    pub addr: SocketAddr,
    pub state: AppState,
    pub backend: &'static str,
    stop: oneshot::Sender<()>,
    server: JoinHandle<anyhow::Result<()>>,
    dir: PathBuf,
    /// (server's administrative address, database created for the run)
    scratch_pg: Option<(String, String)>,
}

impl Served {
    /// `name` tells concurrent runs' folders and databases apart; `admin_url` selects PostgreSQL.
    pub async fn start(name: &str, admin_url: Option<&str>) -> anyhow::Result<Served> {
        Self::start_with(name, admin_url, |_| {}).await
    }

    /// As [`Served::start`], with settings changed by `configure` first.
    pub async fn start_with(
        name: &str,
        admin_url: Option<&str>,
        configure: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Served> {
        let dir = std::env::temp_dir().join(format!("fondilab-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut config = Config::for_data_dir(dir.clone(), PathBuf::from("guides"));
        configure(&mut config);
        let mut scratch_pg = None;
        if let Some(admin) = admin_url {
            let database = format!("fondilab_bench_{name}_{}", std::process::id());
            let db = Db::connect(admin).await?;
            sqlx::query(&format!("CREATE DATABASE {database}")).execute(db.pool()).await?;
            db.close().await;
            let mut url = url::Url::parse(admin)?;
            url.set_path(&database);
            config.database_url = url.to_string();
            scratch_pg = Some((admin.to_string(), database));
        }
        let backend = if scratch_pg.is_some() { "PostgreSQL" } else { "SQLite" };
        let app = Application::build_with(config, fondilab::clock::system(), false).await?;
        let addr = app.local_addr();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Ok(Served { addr, state, backend, stop, server, dir, scratch_pg })
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await??;
        self.state.db.close().await;
        if let Some((admin, database)) = self.scratch_pg {
            let db = Db::connect(&admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).execute(db.pool()).await?;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

/// Sends one raw HTTP/1.1 request (it must say `Connection: close`) and reads the whole answer:
/// (status code, bytes received).
pub async fn exchange(addr: SocketAddr, request: &str) -> anyhow::Result<(u16, usize)> {
    let (status, answer) = exchange_answer(addr, request).await?;
    Ok((status, answer.len()))
}

/// As [`exchange`], with the whole answer (head and body).
pub async fn exchange_answer(addr: SocketAddr, request: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    s.write_all(request.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let head = String::from_utf8_lossy(&buf[..buf.len().min(16)]).to_string();
    Ok((head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), buf))
}

/// A signed-in person made for a bench: (user id, session cookie header, CSRF token).
pub type Person = (i64, String, String);

/// A coordinator (first) and `officers` officers of `region`, each with a live session, and a
/// published webinar a week ahead with `seats` seats: (people, event id).
pub async fn seed_webinar(
    state: &AppState,
    officers: usize,
    region: &str,
    seats: i64,
) -> anyhow::Result<(Vec<Person>, i64)> {
    use fondilab::accounts::{self, session, NewUser};
    use fondilab::events::{EventInput, Kind};
    let now = fondilab::db::now_ms();
    let mut people = Vec::new();
    for i in 0..=officers {
        let draft = NewUser {
            email: format!("p{i}@bench.example"),
            name: format!("Persona {i}"),
            role: if i == 0 { "coordinator" } else { "officer" }.into(),
            region_code: (i > 0).then(|| region.to_string()),
            ..Default::default()
        };
        let valid = accounts::validate(&state.db, &draft).await?;
        let mut tx = state.db.begin_write().await?;
        let id = accounts::create(&mut tx, now, &valid).await?;
        tx.commit().await?;
        let (secret, s) = session::create(&state.db, id, now).await?;
        people.push((id, format!("fondilab_session={secret}"), s.csrf));
    }
    let coordinator = accounts::get(&state.db, people[0].0).await?.expect("coordinator");
    let input = EventInput {
        kind: Kind::Webinar.as_str().into(),
        title: "Webinar di prova".into(),
        starts_at: fondilab::events::local_input(now + 7 * 86_400_000),
        ends_at: fondilab::events::local_input(now + 7 * 86_400_000 + 7_200_000),
        online_url: Some("https://meet.example.org/x".into()),
        capacity: Some(seats),
        ..Default::default()
    };
    let regions = accounts::regions(&state.db).await?;
    let topics = &state.search.corpus().topics;
    let valid = fondilab::events::validate(&input, now, true, topics, &regions, |g| Some(g.to_string()))
        .map_err(|e| anyhow::anyhow!(e.message(fondilab::i18n::Lang::En)))?;
    let event = state
        .events
        .create(&coordinator, &valid, true)
        .await
        .map_err(|e| anyhow::anyhow!(e.message(fondilab::i18n::Lang::En)))?;
    Ok((people, event))
}
