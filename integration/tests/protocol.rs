//! An answer that breaks HTTP is a fault of the server, not of the network: sending the request
//! again gets the same answer, so it is reported as such and not retried.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TOKEN;
use sendmux_management::{Client, Error, RetryPolicy, TransportErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Connections accepted and requests read by a server.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    requests: AtomicUsize,
}

/// A loopback server answering every request with `answer`, then closing the connection.
async fn serving(answer: Vec<u8>) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let counts = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let counts = counts.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                counts.requests.fetch_add(1, Ordering::SeqCst);
                // The client may hang up before reading it all; that is its right.
                let _ = stream.write_all(&answer).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, seen)
}

fn client_for(url: String) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .request_timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn huge_header() -> Vec<u8> {
    let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-filler: ".to_vec();
    answer.resize(answer.len() + 1024 * 1024, b'a');
    answer.extend_from_slice(b"\r\n\r\n{}");
    answer
}

fn many_cookies() -> Vec<u8> {
    let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n".to_vec();
    for n in 0..5_000 {
        answer.extend_from_slice(format!("set-cookie: c{n}=v\r\n").as_bytes());
    }
    answer.extend_from_slice(b"\r\n{}");
    answer
}

fn http_0_9() -> Vec<u8> {
    br#"{"ok":true,"data":{}}"#.to_vec()
}

#[tokio::test]
async fn an_answer_that_breaks_http_is_reported_once_and_not_retried() {
    for (name, answer) in [
        ("a 1 MiB header", huge_header()),
        ("5,000 Set-Cookie lines", many_cookies()),
        ("an HTTP/0.9 answer", http_0_9()),
    ] {
        let (url, seen) = serving(answer).await;
        let error = client_for(url).get_me().await.expect_err(name);
        assert!(
            matches!(&error, Error::Transport(t) if t.kind == TransportErrorKind::Protocol),
            "{name}: {error:?}"
        );
        assert!(!error.is_retryable(), "{name}: {error:?}");
        assert_eq!(seen.requests.load(Ordering::SeqCst), 1, "{name}: {error:?}");
        assert_eq!(seen.connections.load(Ordering::SeqCst), 1, "{name}");
    }
}
