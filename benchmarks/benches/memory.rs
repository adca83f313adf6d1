//! Memory while streaming: the peak heap of a walk over 10,000 and over 100,000 items (pages of
//! 100) should be the same, since at most the current page and the next are held. Peaks are
//! measured with a counting allocator and printed; criterion times the walks.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::TryStreamExt;
use sendmux_management::Client;

/// Counts live heap bytes and remembers the highest count since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const PER_PAGE: usize = 100;

async fn walk(client: &Client) -> usize {
    client
        .list_email_logs()
        .limit(PER_PAGE as u64)
        .items()
        .try_fold(0usize, |n, item| async move {
            std::hint::black_box(item);
            Ok(n + 1)
        })
        .await
        .expect("walk")
}

fn memory(c: &mut Criterion) {
    let multi_thread = tokio::runtime::Runtime::new().expect("runtime");
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("stream_items_memory");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    // Both flavours: on a current-thread runtime the next page is requested before the current
    // one is decoded, so two pages' worth of data may briefly coexist.
    let runtimes = [
        ("multi_thread", &multi_thread),
        ("current_thread", &current_thread),
    ];
    for ((flavour, runtime), items) in runtimes
        .into_iter()
        .flat_map(|runtime| [(runtime, 10_000usize), (runtime, 100_000)])
    {
        let pages = items / PER_PAGE;
        let url = support::start(pages, PER_PAGE, Duration::ZERO);
        let client = Client::builder()
            .api_key("smx_root_bench")
            .base_url(url)
            .build()
            .expect("client");
        // Warm the connection pool and runtime, then measure one walk's peak above the baseline.
        runtime.block_on(walk(&client));
        let baseline = LIVE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let count = runtime.block_on(walk(&client));
        assert_eq!(count, items);
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        println!(
            "peak heap above baseline while streaming {items} items ({flavour} runtime): {} KiB",
            peak / 1024
        );
        group.bench_function(format!("{flavour}/{items}_items"), |b| {
            b.to_async(runtime).iter(|| walk(&client))
        });
    }
    group.finish();
}

criterion_group!(benches, memory);
criterion_main!(benches);
