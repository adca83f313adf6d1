//! One client shared by two runtimes: with connection reuse off, a request from the second is
//! not held up by a connection that belongs to the first.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{expect, fixture, TOKEN};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{Client, RetryPolicy};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn a_second_runtime_does_not_wait_for_an_idle_first_one() {
    let server = MockServer::start();
    let me = server.mock(|when, then| {
        expect(when, GET, "/me");
        then.status(200).json_body(fixture("get_me"));
    });
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .request_timeout(REQUEST_TIMEOUT)
        .retry_policy(RetryPolicy::none())
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");

    // The first runtime sends a request, then stays alive without running: its thread waits.
    let (answered, first_done) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let first = std::thread::spawn({
        let client = client.clone();
        move || {
            let runtime = current_thread();
            runtime
                .block_on(async { client.get_me().await })
                .expect("first runtime");
            answered.send(()).unwrap();
            let _ = released.recv();
            drop(runtime);
        }
    });
    first_done.recv().expect("the first runtime answered");

    let started = Instant::now();
    let result = current_thread().block_on(async { client.get_me().await });
    let elapsed = started.elapsed();
    release.send(()).unwrap();
    first.join().unwrap();

    result.expect("second runtime");
    assert!(
        elapsed < REQUEST_TIMEOUT / 2,
        "waited {elapsed:?}, as long as a request timeout"
    );
    me.assert_calls(2);
}
