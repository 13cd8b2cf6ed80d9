//! One person at their own browser window: opening pages, clicking and typing. Elements are
//! found by what the markup means (ids, names, form actions), not by their wording, which
//! changes more often. A step that fails saves the window and the page's HTML first.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

use super::driver::{save_page, wait_css};

pub struct Person {
    pub client: Client,
    pub who: &'static str,
    base: String,
    step: std::sync::atomic::AtomicUsize,
}

impl Person {
    pub fn new(client: Client, who: &'static str, base: &str) -> Person {
        Person { client, who, base: base.to_string(), step: Default::default() }
    }

    /// Saves the window and panics with `message`.
    pub async fn fail(&self, message: &str) -> ! {
        let n = self.step.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let shot = save_page(&self.client, &format!("failed-{}-{n}", self.who)).await;
        panic!("{}: {message} (at {path}; screenshot {})", self.who, shot.display());
    }

    /// Types an address into the browser's address bar, as it were.
    pub async fn open(&self, path_or_url: &str) {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        if let Err(e) = self.client.goto(&url).await {
            self.fail(&format!("cannot open {url}: {e}")).await;
        }
    }

    pub async fn el(&self, css: &str) -> Element {
        match wait_css(&self.client, css).await {
            Some(e) => e,
            None => self.fail(&format!("nothing matches `{css}`")).await,
        }
    }

    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Clicks the element, and waits for the page it leads to when it leads to one.
    pub async fn click(&self, css: &str) {
        let e = self.el(css).await;
        if let Err(err) = e.click().await {
            self.fail(&format!("cannot click `{css}`: {err}")).await;
        }
        self.settle().await;
    }

    /// Clicks the link that reads `text` (a title the test itself gave, not the pages' wording).
    pub async fn click_link(&self, text: &str) {
        let e = match self.client.find(Locator::LinkText(text)).await {
            Ok(e) => e,
            Err(_) => self.fail(&format!("no link reads \"{text}\"")).await,
        };
        if let Err(err) = e.click().await {
            self.fail(&format!("cannot click the link \"{text}\": {err}")).await;
        }
        self.settle().await;
    }

    /// Submits the form `form` with its (first) submit button, the way a person clicks it.
    pub async fn press(&self, form: &str) {
        self.click(&format!("{form} button[type=submit]")).await;
    }

    /// Clicks into the field, empties it and types `text`.
    pub async fn type_in(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        if let Err(err) = e.click().await {
            self.fail(&format!("cannot click into `{css}`: {err}")).await;
        }
        let _ = e.clear().await;
        if let Err(err) = e.send_keys(text).await {
            self.fail(&format!("cannot type into `{css}`: {err}")).await;
        }
    }

    /// Types into a date or date-time field: the browser takes the keys segment by segment
    /// (month, day, year, then hours, minutes, AM/PM), and the field's value must then be `value`.
    pub async fn type_date(&self, css: &str, keys: &str, value: &str) {
        let e = self.el(css).await;
        if let Err(err) = e.click().await {
            self.fail(&format!("cannot click into `{css}`: {err}")).await;
        }
        if let Err(err) = e.send_keys(keys).await {
            self.fail(&format!("cannot type into `{css}`: {err}")).await;
        }
        let got = e.prop("value").await.ok().flatten().unwrap_or_default();
        if got != value {
            self.fail(&format!("`{css}` holds \"{got}\" after typing, not \"{value}\"")).await;
        }
    }

    pub async fn choose(&self, select: &str, value: &str) {
        let e = self.el(select).await;
        if let Err(err) = e.select_by_value(value).await {
            self.fail(&format!("cannot choose {value} in `{select}`: {err}")).await;
        }
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| format!("{}{}", u.path(), u.query().map(|q| format!("?{q}")).unwrap_or_default()))
            .unwrap_or_default()
    }

    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the main content shows `text`.
    pub async fn expect_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.text().await.contains(text) {
            if Instant::now() > deadline {
                self.fail(&format!("the page does not say \"{text}\"")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the address is `path` (path and query).
    pub async fn expect_path(&self, wanted: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let p = self.path().await;
            if wanted(&p) {
                return p;
            }
            if Instant::now() > deadline {
                self.fail(&format!("expected to be at {what}, still at {p}")).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the document to finish loading.
    async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.client.execute("return document.readyState", vec![]).await {
                Ok(v) if v == "complete" => return,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Signs in through the link a message carried: the link's page, then its button.
    pub async fn follow_signin_link(&self, link: &str) {
        self.open(link).await;
        let token = link.rsplit('/').next().unwrap_or_default();
        self.press(&format!("form[action='/accedi/{token}']")).await;
        self.expect_path(|p| !p.starts_with("/accedi"), "a page after signing in").await;
    }
}
