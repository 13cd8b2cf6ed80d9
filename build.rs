// The PostgreSQL half of the test suite runs only when FONDILAB_TEST_POSTGRES_URL is set;
// without it those tests are reported as ignored, with the reason, by the test runner.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fondilab_postgres_tests)");
    println!("cargo::rerun-if-env-changed=FONDILAB_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var("FONDILAB_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo::rustc-cfg=fondilab_postgres_tests");
    }
}
