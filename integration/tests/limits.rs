//! A response larger than the client's limit ends in a typed error, without being read whole.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::TOKEN;
use sendmux_management::{Client, Error, RetryPolicy};

const LIMIT: usize = 1024 * 1024;
/// What the server would send if nobody stopped reading: 64 times the limit.
const ENDLESS: usize = 64 * LIMIT;

/// Streams a chunked body of `ENDLESS` bytes (or declares it in `content-length`), counting what
/// it managed to write before the client hung up.
fn streaming_server(declare_length: bool) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let counter = written.clone();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let head = if declare_length {
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {ENDLESS}\r\n\r\n")
        } else {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
        };
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        while counter.load(Ordering::SeqCst) < ENDLESS {
            let sent = if declare_length {
                stream.write_all(&chunk)
            } else {
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .and_then(|()| stream.write_all(&chunk))
                    .and_then(|()| stream.write_all(b"\r\n"))
            };
            if sent.is_err() {
                return;
            }
            counter.fetch_add(chunk.len(), Ordering::SeqCst);
        }
    });
    (url, written)
}

fn limited_client(url: String) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(url)
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(LIMIT)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_streamed_body_past_the_limit_is_cut_off() {
    let (url, written) = streaming_server(false);
    let error = limited_client(url).get_me().await.expect_err("too large");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                status: 200,
                limit: LIMIT,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    // The client stopped reading near the limit; the server could not send the rest.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(written.load(Ordering::SeqCst) < ENDLESS / 2);
}

#[tokio::test]
async fn a_declared_length_past_the_limit_is_refused_before_reading() {
    let (url, written) = streaming_server(true);
    let error = limited_client(url).get_me().await.expect_err("too large");
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(written.load(Ordering::SeqCst) < ENDLESS / 2);
}
