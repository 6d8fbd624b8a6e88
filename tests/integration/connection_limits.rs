//! Slow and idle clients over raw sockets: headers that trickle in, bodies that never finish,
//! kept-alive connections left open, and more connections than the server takes at once.

use std::time::{Duration, Instant};

use fora::config::HttpLimits;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::support::{Backend, Options, TestApp};

const SHORT: Duration = Duration::from_secs(1);
const LONG: Duration = Duration::from_secs(60);

async fn app(limits: HttpLimits) -> TestApp {
    TestApp::start(
        Backend::Sqlite,
        Options {
            http: limits,
            ..Options::default()
        },
    )
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Reads until the server closes the connection, giving up after `limit`: the bytes received
/// and when the connection closed, or `None` while it is still open.
async fn read_until_closed(
    reader: &mut (impl AsyncReadExt + Unpin),
    limit: Duration,
) -> Option<(Duration, String)> {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, reader.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((
                    started.elapsed(),
                    String::from_utf8_lossy(&received).into_owned(),
                ));
            }
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one whole answer to `GET /healthz` (body `ok`) from a connection left open.
async fn read_health_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !received.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(n > 0, "closed before answering");
        received.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&received).into_owned()
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: fora.test\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_slowly_are_cut_off() {
    let app = app(HttpLimits {
        header_timeout: SHORT,
        idle_timeout: LONG,
        body_timeout: LONG,
        ..HttpLimits::default()
    })
    .await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: fora.test\r\n")
        .await
        .expect("write");
    // A header line every 200 ms: bytes keep moving, but the headers never end.
    let drip = tokio::spawn(async move {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                return;
            }
        }
    });
    let (after, answer) = read_until_closed(&mut reader, Duration::from_secs(5))
        .await
        .expect("a client that never finishes its headers is disconnected");
    drip.abort();
    assert!(
        after >= Duration::from_millis(900),
        "closed after {after:?}"
    );
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_is_cut_off() {
    let app = app(HttpLimits {
        body_timeout: SHORT,
        header_timeout: LONG,
        idle_timeout: LONG,
        ..HttpLimits::default()
    })
    .await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    writer
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: fora.test\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=",
        )
        .await
        .expect("write");
    // One byte every 200 ms: never silent long, but the body would take 200 s to arrive.
    let drip = tokio::spawn(async move {
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    let (after, answer) = read_until_closed(&mut reader, Duration::from_secs(5))
        .await
        .expect("a body that never finishes is cut off");
    drip.abort();
    assert!(
        after >= Duration::from_millis(900),
        "closed after {after:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let app = app(HttpLimits {
        idle_timeout: SHORT,
        header_timeout: LONG,
        body_timeout: LONG,
        ..HttpLimits::default()
    })
    .await;
    // Kept alive between requests that come in time ...
    let mut kept = connect(&app).await;
    for _ in 0..3 {
        kept.write_all(HEALTH).await.expect("write");
        assert!(
            read_health_answer(&mut kept)
                .await
                .starts_with("HTTP/1.1 200")
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    // ... and closed once nothing comes.
    let (after, rest) = read_until_closed(&mut kept, Duration::from_secs(4))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(
        after >= Duration::from_millis(500),
        "closed after {after:?}"
    );
    assert_eq!(rest, "");

    // A connection that never sends anything is closed too.
    let mut silent = connect(&app).await;
    let (after, _) = read_until_closed(&mut silent, Duration::from_secs(4))
        .await
        .expect("a silent connection is closed");
    assert!(
        after >= Duration::from_millis(900),
        "closed after {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let app = app(HttpLimits {
        max_connections: 2,
        header_timeout: LONG,
        idle_timeout: LONG,
        body_timeout: LONG,
    })
    .await;
    let first = connect(&app).await;
    let _second = connect(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect(&app).await;
    third.write_all(HEALTH).await.expect("write");
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection is not served while two are open: {early:?}"
    );
    drop(first);
    let answer = read_health_answer(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
