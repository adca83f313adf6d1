//! A loopback HTTP server for benchmarks: serves pages of `/emails/logs` after a fixed delay.
//!
//! The latency is injected with [`wait`], which sleeps most of the time and spins the rest: the
//! kernel's timer slack alone would add a tenth of a millisecond to each 5 ms, and that belongs
//! to neither the client nor the floor.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// How much of a wait is spun rather than slept: more than a sleep overshoots here.
const SPIN: Duration = Duration::from_micros(400);

/// Waits `duration` precisely: a plain sleep to just short of the deadline, then spinning.
pub fn wait(duration: Duration) {
    let deadline = Instant::now() + duration;
    if let Some(sleep) = duration.checked_sub(SPIN) {
        std::thread::sleep(sleep);
    }
    while Instant::now() < deadline {
        std::hint::spin_loop();
    }
}

/// The body of page `index` (0-based) out of `pages`, each with `per_page` items.
pub fn page_body(index: usize, pages: usize, per_page: usize) -> String {
    let item = r#"{"id":"dlog_ID","provider_id":"dprov_cm7h2k9","provider_name":"Primary SMTP","message_id":"<m1@notify.example.com>","from_email":"billing@notify.example.com","sent_from_email":"billing@notify.example.com","to_email":"ada@example.org","subject":"Your invoice","status":"sent","status_reason":null,"attempts":1,"sent_at":"2026-11-02T09:30:00Z","size_bytes":18234,"created_at":"2026-11-02T09:29:58Z","recipient_count":1,"accepted_recipient_count":1,"rejected_recipient_count":0}"#;
    let items: Vec<String> = (0..per_page)
        .map(|i| item.replace("ID", &format!("{index}_{i}")))
        .collect();
    let pagination = if index + 1 < pages {
        format!(r#"{{"has_more":true,"next_cursor":"p{}"}}"#, index + 1)
    } else {
        r#"{"has_more":false}"#.to_owned()
    };
    format!(
        r#"{{"ok":true,"data":[{}],"pagination":{pagination},"meta":{{"request_id":"req_bench"}}}}"#,
        items.join(",")
    )
}

/// Starts the server; returns its base URL. It lives until the process ends.
pub fn start(pages: usize, per_page: usize, latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new((0..pages).map(|i| page_body(i, pages, per_page)).collect());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let bodies = bodies.clone();
            std::thread::spawn(move || serve(stream, &bodies, latency));
        }
    });
    url
}

fn serve(stream: std::net::TcpStream, bodies: &[String], latency: Duration) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
        }
        let index = request_line
            .split("cursor=p")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        wait(latency);
        let body = &bodies[index.min(bodies.len() - 1)];
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: req_bench\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// Starts a server answering `GET /me` that allows `limit` requests per wall-clock second and
/// answers 429 beyond that, with the `X-RateLimit-*` headers; returns its base URL and the count
/// of refused requests.
pub fn start_limited(limit: u32) -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{SystemTime, UNIX_EPOCH};

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let refused = Arc::new(AtomicU32::new(0));
    let window = Arc::new(Mutex::new((0u64, 0u32)));
    let counter = refused.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (window, refused) = (window.clone(), counter.clone());
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut writer = stream.try_clone().expect("clone stream");
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    while line != "\r\n" {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                    }
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap()
                        .as_secs();
                    let (allowed, remaining) = {
                        let mut w = window.lock().unwrap();
                        if w.0 != now {
                            *w = (now, 0);
                        }
                        let allowed = w.1 < limit;
                        if allowed {
                            w.1 += 1;
                        }
                        (allowed, limit - w.1)
                    };
                    let (status, body) = if allowed {
                        ("200 OK", ME)
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                        ("429 Too Many Requests", "{}")
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-ratelimit-limit: {limit}\r\nx-ratelimit-remaining: {remaining}\r\nx-ratelimit-reset: {}\r\n\r\n",
                        body.len(),
                        now + 1
                    );
                    if writer.write_all(head.as_bytes()).is_err()
                        || writer.write_all(body.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, refused)
}

const ME: &str = r#"{"ok":true,"data":{"team":{"id":"team_1","name":"Acme"},"credential":{"id":"key_1","type":"api_key","name":null},"label":"bench","permissions":["root:full"],"mailboxes":[]},"meta":{"request_id":"req_bench"}}"#;
