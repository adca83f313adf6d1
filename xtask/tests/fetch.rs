//! Fetching the vendor's document over HTTP, against servers on the loopback interface: one
//! that answers, none at all, one too slow to answer, and one that answers something else than
//! a document. On every failure the refresh stops with a clear error and leaves the spec alone.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use xtask::refresh::{run, Options, Source};
use xtask::Error;

/// Serves one connection with `answer` after waiting `delay`; returns the URL and the thread.
fn serve_once(answer: &'static str, delay: Duration) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!(
        "http://{}/api/v1/openapi.json",
        listener.local_addr().expect("address")
    );
    let handle = std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        read_request(&mut stream);
        std::thread::sleep(delay);
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        );
        let _ = stream.write_all(response.as_bytes());
    });
    (url, handle)
}

fn read_request(stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-fetch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SPEC: &str = "openapi: 3.0.3\ninfo:\n  title: T\n  version: '1'\npaths: {}\n";

/// Runs a refresh (not `--check`: it would write) from `url`; returns the error and asserts the
/// spec was left as it was.
fn refresh_fails(name: &str, url: String) -> Error {
    let scratch = Scratch::new(name);
    let spec = scratch.file("openapi.yaml", SPEC);
    let options = Options {
        source: Source::Url(url),
        spec: spec.clone(),
        differences: scratch.file("differences.txt", ""),
        check: false,
    };
    let error = run(&options, &mut Vec::new()).expect_err("the refresh must fail");
    assert_eq!(
        std::fs::read_to_string(&spec).expect("spec"),
        SPEC,
        "the spec is untouched"
    );
    error
}

#[test]
fn a_document_is_fetched() {
    let (url, server) = serve_once(r#"{"openapi": "3.1.0"}"#, Duration::ZERO);
    let text = Source::Url(url)
        .read_within(Duration::from_secs(10))
        .expect("fetched");
    assert_eq!(text, r#"{"openapi": "3.1.0"}"#);
    server.join().expect("server");
}

#[test]
fn a_server_that_is_down_is_a_fetch_error() {
    let url = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        format!(
            "http://{}/openapi.json",
            listener.local_addr().expect("address")
        )
    };
    let error = refresh_fails("down", url.clone());
    assert!(
        matches!(&error, Error::Fetch { url: u, .. } if *u == url),
        "{error}"
    );
}

#[test]
fn a_slow_server_times_out_with_a_clear_error() {
    let (url, server) = serve_once("{}", Duration::from_secs(3));
    let started = Instant::now();
    let error = Source::Url(url)
        .read_within(Duration::from_millis(300))
        .expect_err("too slow");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "gave up after {:?}",
        started.elapsed()
    );
    let text = error.to_string();
    assert!(text.contains("no complete answer within 0.3 s"), "{text}");
    server.join().expect("server");
}

#[test]
fn an_answer_that_is_not_a_document_is_refused() {
    let (url, server) = serve_once("<html>maintenance</html>", Duration::ZERO);
    let error = refresh_fails("not-json", url);
    assert!(matches!(error, Error::Parse { .. }), "{error}");
    server.join().expect("server");
}
