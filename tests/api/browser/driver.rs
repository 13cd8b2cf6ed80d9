//! Chromium through ChromeDriver: finding both programs (or saying loudly that the browser
//! tests are skipped), one ChromeDriver per test on a free loopback port, and one browser
//! session per person, so each has their own cookies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{free_port, KillOnDrop};

/// Set to `1` (CI does) to make a missing browser a failure instead of a skip.
pub const REQUIRE_ENV: &str = "FONDILAB_REQUIRE_BROWSER";

pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |dir| dir.join(n))).find(|p| p.is_file())
}

fn from_env_or_path(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        _ => on_path(names),
    }
}

impl Tools {
    /// Chromium and ChromeDriver (`FONDILAB_CHROMIUM` and `FONDILAB_CHROMEDRIVER` name other
    /// programs). `None` means "skip": said on stderr past the test harness's capture, so
    /// `cargo test` shows it; with `FONDILAB_REQUIRE_BROWSER=1` a missing browser panics.
    pub fn find_or_skip(test: &str) -> Option<Tools> {
        let chromium =
            from_env_or_path("FONDILAB_CHROMIUM", &["chromium", "chromium-browser", "google-chrome", "chrome"]);
        let chromedriver = from_env_or_path("FONDILAB_CHROMEDRIVER", &["chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(Tools { chromium, chromedriver }),
            (chromium, chromedriver) => {
                let missing = [("chromium", chromium.is_none()), ("chromedriver", chromedriver.is_none())]
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(" and ");
                if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
                    panic!("{missing} not found, and {REQUIRE_ENV}=1: the browser tests must run");
                }
                // Written to the process's stderr, not through eprintln!, which the harness
                // swallows for passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n**********\nBROWSER TESTS SKIPPED: {missing} not found ({test} did not run). \
                     Install Debian's `chromium chromium-driver` to run them; {REQUIRE_ENV}=1 makes this a failure.\n**********\n"
                );
                None
            }
        }
    }
}

/// A running ChromeDriver, stopped when dropped.
pub struct Driver {
    tools: Tools,
    url: String,
    _process: KillOnDrop,
    /// Chromium profiles, one per session, removed at the end.
    profiles: tempfile::TempDir,
    /// Sessions to end when the test ends, also in a panic: ChromeDriver killed alone would
    /// leave its browsers running.
    sessions: std::sync::Mutex<Vec<String>>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::Read;
        let addr = self.url.trim_start_matches("http://").to_string();
        for id in self.sessions.lock().map(|s| s.clone()).unwrap_or_default() {
            let Ok(mut stream) = std::net::TcpStream::connect(&addr) else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{id} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
    }
}

impl Driver {
    pub async fn start(tools: Tools) -> Driver {
        let port = free_port();
        let child = std::process::Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            // Date and time fields take what is typed in the order of this locale
            // (month/day/year, 12-hour clock): fixed here so that typing is the same everywhere.
            .env("LANG", "en_US.UTF-8")
            .env("LANGUAGE", "en_US")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let process = KillOnDrop(child);
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match client.get(format!("{url}/status")).send().await {
                Ok(r) => r.json::<serde_json::Value>().await.ok().and_then(|v| v["value"]["ready"].as_bool()),
                Err(_) => None,
            };
            if ready == Some(true) {
                break;
            }
            assert!(Instant::now() < deadline, "ChromeDriver did not answer on port {port} within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Driver {
            tools,
            url,
            _process: process,
            profiles: tempfile::tempdir().expect("temp dir"),
            sessions: Default::default(),
        }
    }

    /// A new headless browser window with its own profile (cookies).
    pub async fn session(&self, who: &str) -> Client {
        let profile = self.profiles.path().join(who);
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.tools.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--lang=en-US", "--window-size=1366,900", "--no-first-run", "--disable-extensions",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let serde_json::Value::Object(caps) = caps else { unreachable!() };
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let client = builder.connect(&self.url).await.unwrap_or_else(|e| panic!("a browser session for {who}: {e}"));
        if let Ok(Some(id)) = client.session_id().await {
            self.sessions.lock().unwrap().push(id);
        }
        client
    }
}

/// A Chrome DevTools command through ChromeDriver (`goog/cdp/execute`): what WebDriver has
/// no command for, such as a viewport narrower than a headless window can be.
#[derive(Debug)]
pub struct Cdp {
    pub cmd: &'static str,
    pub params: serde_json::Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Makes the page `width` CSS pixels wide (and `height` high), as a window of that size would.
pub async fn set_viewport(client: &Client, width: u32, height: u32) {
    let params = serde_json::json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false });
    client
        .issue_cmd(Cdp { cmd: "Emulation.setDeviceMetricsOverride", params })
        .await
        .unwrap_or_else(|e| panic!("viewport {width}×{height}: {e}"));
}

/// Where failures leave their screenshots, page sources and axe reports.
pub fn artefacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("browser-tests");
    std::fs::create_dir_all(&dir).expect("target/browser-tests");
    dir
}

/// Saves what the window shows and its HTML as `<name>.png` and `<name>.html`.
pub async fn save_page(client: &Client, name: &str) -> PathBuf {
    let dir = artefacts_dir();
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
    if let Ok(html) = client.source().await {
        let _ = std::fs::write(dir.join(format!("{name}.html")), html);
    }
    dir.join(format!("{name}.png"))
}

/// The first element `css` finds, waiting up to 10 s for it to appear.
pub async fn wait_css(client: &Client, css: &str) -> Option<fantoccini::elements::Element> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(e) = client.find(Locator::Css(css)).await {
            return Some(e);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
