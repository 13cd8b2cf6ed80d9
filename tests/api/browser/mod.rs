//! End-to-end tests in a real headless Chromium driven through ChromeDriver: people sign in
//! with the link the service mailed them and click and type their way through the service,
//! and every page they see is checked with axe-core (WCAG 2.1 AA) and for horizontal
//! scrolling at 1366 and 390 px. Without Chromium and ChromeDriver the tests say loudly that
//! they were skipped, and pass, unless `FONDILAB_REQUIRE_BROWSER=1`.

mod audit;
mod driver;
mod journeys;
mod mail;
mod person;
