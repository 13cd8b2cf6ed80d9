//! Every setting, from command-line flags and `FONDILAB_*` variables, with embedded
//! defaults so `fondilab` runs on a fresh machine with nothing configured.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::web::proxies::TrustedProxies;

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

impl CommonArgs {
    /// `DATABASE_URL`, or the SQLite file in the data directory.
    pub fn resolved_database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| crate::db::sqlite_url(&self.data_dir))
    }
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
    /// Copy the SQLite database of a running service into a new file (online, consistent).
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup in place of the data directory's SQLite database (the service must be stopped).
    Restore {
        /// A file written by `fondilab backup`.
        #[arg(long)]
        from: PathBuf,
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
    /// Where replies to automatic mail go, also the ORGANIZER of calendar invitations
    /// (unset: the sender address).
    #[arg(long, env = "FONDILAB_REPLY_TO")]
    pub reply_to: Option<String>,
    /// Address for /metrics (unset: no metrics endpoint).
    #[arg(long, env = "FONDILAB_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Days a mentor has to answer a mentorship proposal before it expires (default 7).
    #[arg(long, env = "FONDILAB_PROPOSAL_DAYS")]
    pub proposal_days: Option<u32>,
    /// Connections served at once (default: what the open-files limit allows).
    #[arg(long, env = "FONDILAB_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// TOML file with the WP5 targets and deadlines (`[[task]]` task, kind, target, deadline);
    /// unset: six of each task by 31/12/2025.
    #[arg(long, env = "FONDILAB_TARGETS")]
    pub targets: Option<PathBuf>,
    /// Messages the mail worker claims per pass (default 64).
    #[arg(long, env = "FONDILAB_OUTBOX_BATCH")]
    pub outbox_batch: Option<String>,
    /// Milliseconds after which another worker takes over a claimed message (default 120000).
    #[arg(long, env = "FONDILAB_OUTBOX_LEASE_MS")]
    pub outbox_lease_ms: Option<String>,
    /// Milliseconds between looks for due mail when nothing wakes the worker (default 500).
    #[arg(long, env = "FONDILAB_OUTBOX_POLL_MS")]
    pub outbox_poll_ms: Option<String>,
    /// Milliseconds before the first retry of a failed message (default 5000; it doubles after).
    #[arg(long, env = "FONDILAB_OUTBOX_FIRST_RETRY_MS")]
    pub outbox_first_retry_ms: Option<String>,
    /// Reverse proxies whose X-Forwarded-For names the client, as CIDR networks separated by
    /// commas, e.g. 127.0.0.1/32,10.0.0.0/8,::1/128 (unset: none, the connection's address is
    /// the client).
    #[arg(long, env = "FONDILAB_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
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
    /// Reply-To of every message and ORGANIZER of invitations; `None`: the sender.
    pub reply_to: Option<String>,
    pub metrics_bind: Option<SocketAddr>,
    pub proposal_days: u32,
    /// Connections served at once; `None`: what the open-files limit allows.
    pub max_connections: Option<usize>,
    /// Time a client has to send a request's headers.
    pub header_timeout: std::time::Duration,
    pub targets: crate::kpi::Targets,
    /// The mail delivery worker's settings.
    pub outbox: crate::notify::worker::WorkerConfig,
    /// Peers whose X-Forwarded-For is believed (rate limits count per client address).
    pub trusted_proxies: TrustedProxies,
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
            database_url: common.resolved_database_url(),
            guides_dir: common.guides_dir.clone(),
            index_dir: common.data_dir.join("index"),
            bind,
            public_url,
            smtp_url: serve.smtp_url.clone().filter(|s| !s.trim().is_empty()),
            mail_from: serve.mail_from.clone(),
            reply_to: serve.reply_to.clone().filter(|r| !r.trim().is_empty()),
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
            max_connections: match serve.max_connections {
                None => None,
                Some(n) if (16..=1_000_000).contains(&n) => Some(n),
                Some(n) => anyhow::bail!("FONDILAB_MAX_CONNECTIONS {n} is out of range: between 16 and 1000000"),
            },
            header_timeout: std::time::Duration::from_secs(10),
            outbox: outbox_config(serve)?,
            trusted_proxies: match &serve.trusted_proxies {
                Some(list) => TrustedProxies::parse(list).map_err(|e| {
                    anyhow::anyhow!(
                        "FONDILAB_TRUSTED_PROXIES / --trusted-proxies \"{list}\": {e}; write CIDR networks \
                         separated by commas, e.g. 127.0.0.1/32,10.0.0.0/8,::1/128"
                    )
                })?,
                None => TrustedProxies::default(),
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

fn outbox_config(serve: &ServeArgs) -> anyhow::Result<crate::notify::worker::WorkerConfig> {
    // A whole number within `range`, or a message naming the variable and the flag.
    let number = |value: &Option<String>, var: &str, flag: &str, range: std::ops::RangeInclusive<i64>| {
        value
            .as_deref()
            .map(|v| match v.trim().parse::<i64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(anyhow::anyhow!(
                    "{var} / --{flag} \"{v}\" must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                )),
            })
            .transpose()
    };
    let mut c = crate::notify::worker::WorkerConfig::default();
    if let Some(n) = number(&serve.outbox_batch, "FONDILAB_OUTBOX_BATCH", "outbox-batch", 1..=10_000)? {
        c.batch = n;
    }
    if let Some(n) = number(&serve.outbox_lease_ms, "FONDILAB_OUTBOX_LEASE_MS", "outbox-lease-ms", 100..=86_400_000)? {
        c.lease_ms = n;
    }
    if let Some(n) = number(&serve.outbox_poll_ms, "FONDILAB_OUTBOX_POLL_MS", "outbox-poll-ms", 10..=3_600_000)? {
        c.poll = std::time::Duration::from_millis(n as u64);
    }
    let first_retry = &serve.outbox_first_retry_ms;
    if let Some(n) = number(first_retry, "FONDILAB_OUTBOX_FIRST_RETRY_MS", "outbox-first-retry-ms", 1..=600_000)? {
        c.first_retry_ms = n;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(serve: ServeArgs) -> anyhow::Result<Config> {
        let common = CommonArgs { data_dir: "./data".into(), database_url: None, guides_dir: "./guides".into() };
        Config::new(&common, &ServeArgs { bind: "127.0.0.1:0".into(), ..serve })
    }

    #[test]
    fn outbox_settings_have_defaults_and_take_valid_values() {
        let c = config(ServeArgs::default()).unwrap();
        assert_eq!(c.outbox.batch, 64);
        assert_eq!(c.outbox.poll, std::time::Duration::from_millis(500));
        let c = config(ServeArgs {
            outbox_batch: Some("16".into()),
            outbox_lease_ms: Some(" 1000 ".into()),
            outbox_poll_ms: Some("50".into()),
            outbox_first_retry_ms: Some("200".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((c.outbox.batch, c.outbox.lease_ms, c.outbox.first_retry_ms), (16, 1000, 200));
        assert_eq!(c.outbox.poll, std::time::Duration::from_millis(50));
    }

    #[test]
    fn a_wrong_outbox_setting_is_refused_naming_it() {
        for (serve, name) in [
            (ServeArgs { outbox_batch: Some("0".into()), ..Default::default() }, "FONDILAB_OUTBOX_BATCH"),
            (ServeArgs { outbox_lease_ms: Some("tanti".into()), ..Default::default() }, "FONDILAB_OUTBOX_LEASE_MS"),
            (ServeArgs { outbox_poll_ms: Some("-5".into()), ..Default::default() }, "FONDILAB_OUTBOX_POLL_MS"),
            (
                ServeArgs { outbox_first_retry_ms: Some("9999999".into()), ..Default::default() },
                "FONDILAB_OUTBOX_FIRST_RETRY_MS",
            ),
        ] {
            let message = config(serve).unwrap_err().to_string();
            assert!(message.starts_with(name) && message.contains("whole number from"), "{message}");
        }
    }

    #[test]
    fn trusted_proxies_default_to_none_and_a_bad_one_is_named() {
        assert!(config(ServeArgs::default()).unwrap().trusted_proxies.is_empty());
        let c = config(ServeArgs { trusted_proxies: Some("127.0.0.1/32, ::1/128".into()), ..Default::default() });
        assert_eq!(c.unwrap().trusted_proxies.to_string(), "127.0.0.1/32, ::1/128");
        let message =
            config(ServeArgs { trusted_proxies: Some("127.0.0.1/32,proxy.local".into()), ..Default::default() })
                .unwrap_err()
                .to_string();
        assert!(message.starts_with("FONDILAB_TRUSTED_PROXIES") && message.contains("\"proxy.local\""), "{message}");
    }
}
