//! Every setting, from command-line flags and `FONDILAB_*` variables, with embedded
//! defaults so `fondilab` runs on a fresh machine with nothing configured.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "fondilab", version, about = "Guide UE, mentoring ed eventi per le Regioni (WP5)")]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every subcommand shares, so `user add` and `serve` see the same database.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Where the database file, the search index and mail files live.
    #[arg(long, env = "FONDILAB_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// sqlite://… or postgres://… (default: sqlite://<data-dir>/fondilab.db)
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The guide corpus.
    #[arg(long, env = "FONDILAB_GUIDES_DIR", default_value = "./guides", global = true)]
    pub guides_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default).
    Serve(ServeArgs),
    /// Run only the mail delivery worker (and scheduled jobs), without the web service.
    Worker(ServeArgs),
    /// Work with the guide corpus.
    Guides {
        #[command(subcommand)]
        command: GuidesCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage personal API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (the first coordinator, typically).
    Add {
        #[arg(long)]
        email: String,
        /// officer, mentor or coordinator
        #[arg(long)]
        role: String,
        /// Region or Autonomous Province code (required for officers), e.g. PUG, PAT
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// it or en
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for a user and print it (shown only once).
    Create {
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuidesCommand {
    /// Check the corpus and print `path:line: message` for every fault.
    Check {
        /// Corpus directory (default: --guides-dir).
        dir: Option<PathBuf>,
    },
    /// Rebuild the search index now, whatever its stamp says.
    Reindex,
    /// Print the funds × phases coverage table (Markdown).
    Coverage {
        /// Corpus directory (default: --guides-dir).
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FONDILAB_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The address users reach the service at (links in mail; https turns on Secure cookies).
    #[arg(long, env = "FONDILAB_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// smtp://host:port, smtps://… (unset: mail is written to <data-dir>/mail as .eml files).
    #[arg(long, env = "FONDILAB_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of every message.
    #[arg(long, env = "FONDILAB_MAIL_FROM", default_value = "fondilab <noreply@fondilab.local>")]
    pub mail_from: String,
    /// Address for /metrics (unset: no metrics endpoint).
    #[arg(long, env = "FONDILAB_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Days a mentor has to answer a mentorship proposal before it expires (default 7).
    #[arg(long, env = "FONDILAB_PROPOSAL_DAYS")]
    pub proposal_days: Option<u32>,
    /// TOML file with the WP5 targets and deadlines (`[[task]]` task, kind, target, deadline);
    /// unset: six of each task by 31/12/2025.
    #[arg(long, env = "FONDILAB_TARGETS")]
    pub targets: Option<PathBuf>,
}

/// The resolved configuration the application runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub guides_dir: PathBuf,
    pub index_dir: PathBuf,
    pub bind: SocketAddr,
    pub public_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub metrics_bind: Option<SocketAddr>,
    pub proposal_days: u32,
    pub targets: crate::kpi::Targets,
}

impl Config {
    pub fn new(common: &CommonArgs, serve: &ServeArgs) -> anyhow::Result<Config> {
        let bind: SocketAddr = serve.bind.parse().map_err(|_| {
            anyhow::anyhow!("FONDILAB_BIND / --bind \"{}\" is not an address like 127.0.0.1:8080", serve.bind)
        })?;
        let metrics_bind = serve
            .metrics_bind
            .as_deref()
            .map(|m| {
                m.parse::<SocketAddr>()
                    .map_err(|_| anyhow::anyhow!("FONDILAB_METRICS_BIND \"{m}\" is not an address like 127.0.0.1:9090"))
            })
            .transpose()?;
        let public_url = match &serve.public_url {
            Some(u) => {
                let parsed =
                    url::Url::parse(u).map_err(|e| anyhow::anyhow!("FONDILAB_PUBLIC_URL \"{u}\" is not a URL: {e}"))?;
                anyhow::ensure!(
                    matches!(parsed.scheme(), "http" | "https"),
                    "FONDILAB_PUBLIC_URL \"{u}\" must start with http:// or https://"
                );
                u.trim_end_matches('/').to_string()
            }
            None => format!("http://{bind}"),
        };
        Ok(Config {
            data_dir: common.data_dir.clone(),
            database_url: common.database_url.clone().unwrap_or_else(|| crate::db::sqlite_url(&common.data_dir)),
            guides_dir: common.guides_dir.clone(),
            index_dir: common.data_dir.join("index"),
            bind,
            public_url,
            smtp_url: serve.smtp_url.clone().filter(|s| !s.trim().is_empty()),
            mail_from: serve.mail_from.clone(),
            metrics_bind,
            targets: match &serve.targets {
                Some(path) => crate::kpi::Targets::load(path)?,
                None => crate::kpi::Targets::default(),
            },
            proposal_days: match serve.proposal_days {
                None => 7,
                Some(d) if (1..=60).contains(&d) => d,
                Some(d) => anyhow::bail!("FONDILAB_PROPOSAL_DAYS {d} is out of range: between 1 and 60 days"),
            },
        })
    }

    /// Defaults for a data directory, as `fondilab serve` with nothing set would use.
    pub fn for_data_dir(data_dir: PathBuf, guides_dir: PathBuf) -> Config {
        let common = CommonArgs { data_dir, database_url: None, guides_dir };
        let serve = ServeArgs {
            bind: "127.0.0.1:0".into(),
            mail_from: "fondilab <noreply@fondilab.local>".into(),
            ..Default::default()
        };
        Config::new(&common, &serve).expect("defaults are valid")
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
