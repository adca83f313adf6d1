//! Maintenance tasks for the repository, run as `cargo xtask <task>`.

fn main() {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        None | Some("help") | Some("--help") => {
            println!("usage: cargo xtask <task>\n\nNo tasks are available yet.");
        }
        Some(other) => {
            eprintln!("unknown task: {other}");
            std::process::exit(2);
        }
    }
}
