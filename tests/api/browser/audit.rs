//! The checks every visited page gets, at a laptop's width (1366 px) and a phone's (390 px):
//! axe-core's WCAG 2.0/2.1 A and AA rules, and no horizontal scrolling of the whole page.
//! Findings are collected, not thrown at once, so one run lists every page's faults; each
//! failing page leaves a screenshot, its HTML and the axe report in `target/browser-tests/`.

use std::collections::HashSet;

use fantoccini::Client;

use super::driver::{artefacts_dir, save_page, set_viewport};

const AXE: &str = include_str!("../../browser-assets/axe-core/axe.min.js");

/// Width × height of the two screens every page is checked on.
pub const SCREENS: [(u32, u32); 2] = [(1366, 900), (390, 844)];

const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
}).then(r => done(JSON.stringify(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({ target: n.target, html: n.html, summary: n.failureSummary })),
}))))).catch(e => done(JSON.stringify({ error: String(e) })));
"#;

const WIDTHS: &str = r#"
const doc = document.documentElement;
const wide = [];
if (doc.scrollWidth > window.innerWidth) {
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 0.5 && r.width > 0) {
            const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
            wide.push(name + ' (right edge ' + Math.round(r.right) + ')');
            if (wide.length >= 8) break;
        }
    }
}
return { scroll: doc.scrollWidth, inner: window.innerWidth, wide };
"#;

#[derive(Default)]
pub struct Audit {
    scanned: HashSet<String>,
    pub faults: Vec<String>,
    pub pages: usize,
}

impl Audit {
    /// Checks the page `client` shows, once per `name` (a page in a given state).
    pub async fn scan(&mut self, client: &Client, name: &str) {
        if !self.scanned.insert(name.to_string()) {
            return;
        }
        self.pages += 1;
        let path = client.current_url().await.map(|u| u.path().to_string()).unwrap_or_default();
        let injected = client.execute(&format!("{AXE}\n;return typeof window.axe;"), vec![]).await;
        assert_eq!(
            injected.ok().and_then(|v| v.as_str().map(String::from)).as_deref(),
            Some("object"),
            "axe-core loads in {path}"
        );
        for (width, height) in SCREENS {
            set_viewport(client, width, height).await;
            let mut faults = Vec::new();
            let report = client.execute_async(RUN_AXE, vec![]).await.expect("axe runs");
            let report: serde_json::Value =
                serde_json::from_str(report.as_str().unwrap_or("null")).unwrap_or(serde_json::Value::Null);
            if let Some(e) = report.get("error") {
                faults.push(format!("axe failed: {e}"));
            }
            for v in report.as_array().into_iter().flatten() {
                let targets: Vec<String> =
                    v["nodes"].as_array().into_iter().flatten().map(|n| n["target"].to_string()).take(6).collect();
                faults.push(format!(
                    "axe {} ({}): {} — {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    targets.join(", ")
                ));
            }
            let w = client.execute(WIDTHS, vec![]).await.expect("widths");
            if w["scroll"].as_f64() > w["inner"].as_f64() {
                faults.push(format!(
                    "page is {} px wide in a {} px viewport; too wide: {}",
                    w["scroll"], w["inner"], w["wide"]
                ));
            }
            if !faults.is_empty() {
                let file = format!("{}-{width}", slug(name));
                save_page(client, &file).await;
                let _ = std::fs::write(
                    artefacts_dir().join(format!("{file}.axe.json")),
                    serde_json::to_string_pretty(&report).unwrap_or_default(),
                );
                for f in faults {
                    self.faults.push(format!("{name} [{path}] at {width} px: {f}"));
                }
            }
        }
        set_viewport(client, SCREENS[0].0, SCREENS[0].1).await;
    }

    /// Fails the test with every fault found, if any.
    pub fn assert_clean(&self) {
        assert!(
            self.faults.is_empty(),
            "{} accessibility or layout faults on {} pages (screenshots and axe reports in {}):\n{}",
            self.faults.len(),
            self.pages,
            artefacts_dir().display(),
            self.faults.join("\n")
        );
    }
}

fn slug(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}
