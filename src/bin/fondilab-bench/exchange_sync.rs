//! How soon a write through one instance is found by the search of another. This process is
//! one instance (it publishes practices through the exchange service, as a request would); a
//! `fondilab serve` process on the same database, with a data folder of its own, is the other,
//! and is asked through HTTP until its search finds each practice.

use std::time::{Duration, Instant};

use fondilab::accounts::{self, NewUser};
use fondilab::exchange::PracticeInput;

use crate::crash::{free_port, spawn, wait_ready};
use crate::served::{exchange_answer, Served};

pub async fn run(writes: usize, admin_url: Option<&str>) -> anyhow::Result<()> {
    let served = Served::start("exchange_sync", admin_url).await?;
    let state = served.state.clone();
    let db = &state.db;
    let person = |email: &str, role: &str, region: Option<&str>| NewUser {
        email: email.into(),
        name: email.into(),
        role: role.into(),
        region_code: region.map(String::from),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for u in [
        person("anna@regione.lazio.example", "officer", Some("LAZ")),
        person("coord@promis.example", "coordinator", None),
    ] {
        let valid = accounts::validate(db, &u).await?;
        let mut tx = db.begin_write().await?;
        ids.push(accounts::create(&mut tx, fondilab::db::now_ms(), &valid).await?);
        tx.commit().await?;
    }
    let officer = accounts::get(db, ids[0]).await?.expect("the officer");
    let coordinator = accounts::get(db, ids[1]).await?.expect("the coordinator");
    let (_, token) = accounts::tokens::create(db, officer.id, "bench", fondilab::db::now_ms()).await?;

    let scratch = std::env::temp_dir().join(format!("fondilab-bench-exchange-sync-{}", std::process::id()));
    let port = free_port()?;
    let mut other = spawn("serve", &scratch.join("other"), &state.config.database_url, None, port)?;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
    wait_ready(addr, &mut other).await?;

    let topics = &state.search.corpus().topics;
    let mut waits = Vec::with_capacity(writes);
    for i in 0..writes {
        let word = format!("sincro{i}z{}", std::process::id());
        let input = PracticeInput {
            title: format!("Esperienza {i}"),
            summary: format!("Corsi sul {word}"),
            funds: vec!["FSE+".into()],
            phases: vec!["attuazione".into()],
            what_done: format!("Abbiamo formato 300 infermieri sul {word}."),
            contact_name: "Anna".into(),
            contact_email: "anna@regione.lazio.example".into(),
            ..Default::default()
        };
        let p = state
            .exchange
            .create_practice(&officer, &input, true, topics)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        state.exchange.approve_practice(&coordinator, p.id).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let written = Instant::now();
        let request = format!(
            "GET /api/v1/search?q={word}&type=practice HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        );
        loop {
            let (status, answer) = exchange_answer(addr, &request).await?;
            anyhow::ensure!(status == 200, "search answered {status}");
            if String::from_utf8_lossy(&answer).contains("\"total\":1") {
                break;
            }
            anyhow::ensure!(written.elapsed() < Duration::from_secs(30), "practice {} not found after 30 s", p.id);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        waits.push(written.elapsed());
    }
    other.kill()?;
    other.wait()?;
    waits.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "exchange-sync [{}]: {writes} practices published through one instance, found by the other's search: \
         p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms (poll every 500 ms)",
        served.backend,
        ms(waits[waits.len() / 2]),
        ms(waits[waits.len() * 9 / 10]),
        ms(*waits.last().unwrap_or(&Duration::ZERO)),
    );
    let _ = std::fs::remove_dir_all(&scratch);
    served.stop().await
}
