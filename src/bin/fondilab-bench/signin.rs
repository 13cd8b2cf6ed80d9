//! Whether the time `POST /accedi` takes tells if an address has an account. The service runs
//! in this process on loopback (SQLite, or a fresh PostgreSQL database) with 127.0.0.1 as a
//! trusted proxy; every request comes "through the proxy" from a forwarded address of its own,
//! so the per-client limit is never reached, and no known address is asked for more than the
//! per-address limit allows. Requests alternate known and unknown addresses (in pairs whose
//! order flips: K U U K K U …), one at a time, each on its own connection; the figures are
//! the times the client saw.

use std::time::{Duration, Instant};

use anyhow::Context;
use fondilab::accounts::{self, signin, NewUser};
use fondilab::web::proxies::TrustedProxies;

use crate::served::{exchange, Served};

pub struct Run {
    /// Measured requests, half for known addresses.
    pub requests: usize,
    pub accounts: usize,
    /// `postgres://…/postgres`: a fresh database is created there for the run and dropped after.
    pub admin_url: Option<String>,
}

const WARM_UP: usize = 20;

pub async fn run(cfg: Run) -> anyhow::Result<()> {
    let per_address = signin::PER_ADDRESS as usize;
    let known_requests = (cfg.requests + WARM_UP).div_ceil(2);
    anyhow::ensure!(
        cfg.accounts * per_address >= known_requests,
        "{} accounts allow {} requests for known addresses in 15 minutes; {known_requests} are needed: raise --accounts",
        cfg.accounts,
        cfg.accounts * per_address
    );
    let served = Served::start_with("signin", cfg.admin_url.as_deref(), |c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").expect("a valid network");
    })
    .await?;
    let (addr, state, backend) = (served.addr, served.state.clone(), served.backend);

    let now = fondilab::db::now_ms();
    let mut known = Vec::new();
    for i in 0..cfg.accounts {
        let draft = NewUser {
            email: format!("persona{i}@bench.example"),
            name: format!("Persona {i}"),
            role: "mentor".into(),
            ..Default::default()
        };
        let valid = accounts::validate(&state.db, &draft).await?;
        let mut tx = state.db.begin_write().await?;
        accounts::create(&mut tx, now, &valid).await?;
        tx.commit().await?;
        known.push(draft.email);
    }
    // An anonymous browser's CSRF token is whatever 64 characters its cookie holds.
    let csrf = "c".repeat(64);
    let mut sent = 0usize;
    let mut ask = |email: String| {
        sent += 1;
        let forwarded = format!("198.18.{}.{}", sent / 250, sent % 250 + 1);
        let body = format!("email={}&csrf={csrf}", email.replace('@', "%40"));
        let request = format!(
            "POST /accedi HTTP/1.1\r\nHost: {addr}\r\nCookie: fondilab_csrf={csrf}\r\nX-Forwarded-For: {forwarded}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        async move {
            let t = Instant::now();
            let (status, _) = exchange(addr, &request).await?;
            let took = t.elapsed();
            anyhow::ensure!(status == 200, "POST /accedi for {email} answered {status}");
            Ok::<_, anyhow::Error>(took)
        }
    };
    let (mut k, mut u) = (0usize, 0usize);
    let mut next = |is_known: bool| {
        if is_known {
            k += 1;
            known[(k - 1) % known.len()].clone()
        } else {
            u += 1;
            format!("nessuno{u}@bench.example")
        }
    };
    for i in 0..WARM_UP {
        ask(next(i % 2 == 0)).await.context("warm-up")?;
    }
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    for i in 0..cfg.requests {
        // K U U K K U U K …: neither kind always goes first.
        let is_known = (i % 2 == 0) == ((i / 2) % 2 == 0);
        let took = ask(next(is_known)).await?;
        if is_known {
            known_times.push(took);
        } else {
            unknown_times.push(took);
        }
    }
    let mails: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'signin'").fetch_one(state.db.pool()).await?;
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signin_tokens").fetch_one(state.db.pool()).await?;
    served.stop().await?;

    let (km, um) = (median(&mut known_times), median(&mut unknown_times));
    let quartiles = |v: &[Duration]| format!("{} – {}", ms(quantile(v, 0.25)), ms(quantile(v, 0.75)));
    let difference = (km.as_secs_f64() - um.as_secs_f64()) / km.as_secs_f64() * 100.0;
    println!(
        "{backend}: {} accounts; {} requests measured after {WARM_UP} not measured, one at a time, each on its own \
         connection and from its own forwarded address",
        cfg.accounts, cfg.requests
    );
    println!(
        "  known addresses:   {:>3} requests, median {}, middle half {}",
        known_times.len(),
        ms(km),
        quartiles(&known_times)
    );
    println!(
        "  unknown addresses: {:>3} requests, median {}, middle half {}",
        unknown_times.len(),
        ms(um),
        quartiles(&unknown_times)
    );
    println!(
        "  unknown addresses answer {:.1} % {} than known ones ({} difference of the medians); \
         {mails} sign-in mails and {tokens} tokens stored",
        difference.abs(),
        if difference >= 0.0 { "faster" } else { "slower" },
        ms(km.abs_diff(um)),
    );
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    quantile(v, 0.5)
}

/// `v` sorted.
fn quantile(v: &[Duration], p: f64) -> Duration {
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}
