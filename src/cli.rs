//! The subcommands of the `fondilab` binary.

use std::io::Write;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::app::{self, Application};
use crate::config::{Cli, Command, CommonArgs, Config, GuidesCommand, ServeArgs, TokenCommand, UserCommand};
use crate::guides::{self, Fund, Phase};
use crate::search::SearchEngine;

pub fn run(cli: Cli) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a journal or a log file gets plain lines.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fondilab: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => serve(&cli.common, &ServeArgs::default_from_env()?).await,
            Some(Command::Serve(args)) => serve(&cli.common, &args).await,
            Some(Command::Worker(args)) => {
                let config = Config::new(&cli.common, &args)?;
                app::run_worker(config, shutdown_signal()).await?;
                Ok(ExitCode::SUCCESS)
            }
            Some(Command::Guides { command }) => guides_command(&cli.common, command).await,
            Some(Command::User { command }) => user_command(&cli.common, command).await,
            Some(Command::Token { command }) => token_command(&cli.common, command).await,
            Some(Command::Backup { to }) => {
                let written = crate::backup::backup(&cli.common.resolved_database_url(), &to).await?;
                println!("backup written to {} ({} bytes)", to.display(), written.bytes);
                Ok(ExitCode::SUCCESS)
            }
            Some(Command::Restore { from }) => {
                let kept =
                    crate::backup::restore(&cli.common.data_dir, &cli.common.resolved_database_url(), &from).await?;
                println!("database restored from {}", from.display());
                if let Some(kept) = kept {
                    println!("the database it replaced is kept as {}", kept.display());
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fondilab: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::new(common, args)?;
    let app = Application::build(config).await?;
    app.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn guides_command(common: &CommonArgs, command: GuidesCommand) -> anyhow::Result<ExitCode> {
    let today = chrono::Local::now().date_naive();
    match command {
        GuidesCommand::Check { dir } => {
            let dir = dir.unwrap_or_else(|| common.guides_dir.clone());
            let report = guides::load(&dir, today);
            for d in &report.diagnostics {
                say(d);
            }
            let twins = report.corpus.as_ref().map(guides::missing_twins).unwrap_or_default();
            for d in &twins {
                say(d);
            }
            let errors = report.errors().count() + twins.len();
            let warnings = report.warnings().count();
            match &report.corpus {
                Some(c) if errors == 0 => {
                    let en = c.guides.iter().filter(|g| g.lang == crate::i18n::Lang::En).count();
                    say(format_args!(
                        "{}: {} guides ({} Italian, {} English), {} topics, {} synonym groups; {} warning(s)",
                        dir.display(),
                        c.len(),
                        c.len() - en,
                        en,
                        c.topics.all().len(),
                        c.synonyms.groups.len(),
                        warnings
                    ));
                    Ok(ExitCode::SUCCESS)
                }
                _ => {
                    say(format_args!("{}: {errors} error(s), {warnings} warning(s)", dir.display()));
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        GuidesCommand::Reindex => {
            let config = Config::new(common, &ServeArgs::default_from_env()?)?;
            let corpus = std::sync::Arc::new(app::load_corpus(&config)?);
            let started = std::time::Instant::now();
            let (engine, _) = SearchEngine::open(&config.index_dir, corpus, true)?;
            println!(
                "index rebuilt in {} ms: {} guides ({} documents: heads, steps and sections) in {}",
                started.elapsed().as_millis(),
                engine.corpus().len(),
                engine.num_docs(),
                config.index_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        GuidesCommand::Coverage { dir } => {
            let dir = dir.unwrap_or_else(|| common.guides_dir.clone());
            let report = guides::load(&dir, today);
            let Some(corpus) = report.corpus else {
                for d in report.errors() {
                    say(d);
                }
                return Ok(ExitCode::FAILURE);
            };
            let _ = write!(std::io::stdout().lock(), "{}", coverage_table(&corpus));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A line on standard output; a closed pipe (`fondilab guides check | head`) is not an error.
fn say(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Markdown table of Italian guides per fund and phase (a guide counts under each of its funds).
pub fn coverage_table(corpus: &guides::Corpus) -> String {
    let table = guides::coverage(corpus, Some(crate::i18n::Lang::It));
    let mut out = String::from("| fondo |");
    for p in Phase::ALL {
        out.push_str(&format!(" {} |", p.as_str()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(Phase::ALL.len()));
    out.push('\n');
    for f in Fund::ALL {
        out.push_str(&format!("| {} |", f.as_str()));
        for p in Phase::ALL {
            out.push_str(&format!(" {} |", table.get(&(f, p)).map(Vec::len).unwrap_or(0)));
        }
        out.push('\n');
    }
    out
}

impl ServeArgs {
    /// Serve settings from the environment and defaults, for subcommands that take no flags;
    /// a variable set to a wrong value is an error, not a silent default.
    pub fn default_from_env() -> anyhow::Result<ServeArgs> {
        use clap::Parser;
        #[derive(Parser)]
        #[command(name = "fondilab")]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::try_parse_from(["fondilab"]).map(|o| o.serve).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))
    }
}

/// Where a person on this machine reaches the service with these settings: the public
/// address, or, without one, the listening address, with a wildcard (`0.0.0.0`, `[::]`)
/// read as this machine.
fn reachable(public_url: &str) -> String {
    match url::Url::parse(public_url) {
        Ok(mut u) if u.host_str().is_some_and(|h| h == "0.0.0.0" || h == "[::]") => {
            let local = if u.host_str() == Some("[::]") { "[::1]" } else { "127.0.0.1" };
            if u.set_host(Some(local)).is_ok() {
                return u.as_str().trim_end_matches('/').to_string();
            }
            public_url.to_string()
        }
        _ => public_url.to_string(),
    }
}

async fn user_command(common: &CommonArgs, command: UserCommand) -> anyhow::Result<ExitCode> {
    let config = Config::new(common, &ServeArgs::default_from_env()?)?;
    let db = app::open_database(&config).await?;
    match command {
        UserCommand::Add { email, role, region, name, lang } => {
            let lang = match lang.as_deref() {
                Some(l) => Some(
                    crate::i18n::Lang::parse(l)
                        .ok_or_else(|| anyhow::anyhow!("unknown --lang \"{l}\": use it or en"))?,
                ),
                None => None,
            };
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
            let draft = crate::accounts::NewUser { email, name, role, region_code: region, lang, ..Default::default() };
            let valid = match crate::accounts::validate(&db, &draft).await {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("fondilab: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let mut tx = db.begin_write().await?;
            let id = match crate::accounts::create(&mut tx, crate::db::now_ms(), &valid).await {
                Ok(id) => id,
                Err(e) => {
                    eprintln!("fondilab: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            tx.commit().await?;
            println!(
                "user #{id} created: {} ({}); sign in at {}/accedi",
                valid.email,
                valid.role,
                reachable(&config.public_url)
            );
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn token_command(common: &CommonArgs, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let config = Config::new(common, &ServeArgs::default_from_env()?)?;
    let db = app::open_database(&config).await?;
    match command {
        TokenCommand::Create { email, name } => {
            let Some(user) = crate::accounts::find_by_email(&db, &email).await?.filter(|u| u.active && !u.erased)
            else {
                eprintln!("fondilab: no active user with the address {email}");
                return Ok(ExitCode::FAILURE);
            };
            let (_, secret) = crate::accounts::tokens::create(&db, user.id, &name, crate::db::now_ms()).await?;
            // The token alone on stdout, so scripts can capture it.
            println!("{secret}");
            eprintln!("token for {} ({}): shown only now; revoke it from the profile page", user.email, user.role);
        }
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::reachable;

    #[test]
    fn the_printed_address_is_one_a_browser_can_open() {
        assert_eq!(reachable("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(reachable("http://0.0.0.0:9000"), "http://127.0.0.1:9000");
        assert_eq!(reachable("http://[::]:9000"), "http://[::1]:9000");
        assert_eq!(reachable("https://fondilab.promis.it"), "https://fondilab.promis.it");
    }
}
