//! Clients that never finish their headers are cut off after the header deadline, and the
//! connection cap makes further clients wait instead of failing, so normal requests go on.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, Options, TestApp};

fn addr(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off_and_the_connection_cap_queues_the_rest() {
    let opts =
        Options { header_timeout: Some(Duration::from_millis(800)), max_connections: Some(16), ..Default::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, opts).await;
    // Sixteen clients take every slot, each with headers begun and never finished.
    let mut slow = Vec::new();
    for _ in 0..16 {
        let mut s = TcpStream::connect(addr(&app)).await.unwrap();
        s.write_all(b"GET /cerca HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n").await.unwrap();
        slow.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A normal request waits for a slot, and gets one once the deadline frees them.
    let started = Instant::now();
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let waited = started.elapsed();
    assert!(waited > Duration::from_millis(400), "the cap held the request back: waited {waited:?}");
    assert!(waited < Duration::from_secs(5), "the deadline freed the slots: waited {waited:?}");
    // Each slow client was answered 408 or closed, not kept open.
    for mut s in slow {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "a slow client is still connected");
        let text = String::from_utf8_lossy(&buf);
        assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    // Complete requests on kept-alive connections are not affected by the deadline.
    for _ in 0..3 {
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    app.stop().await;
}
