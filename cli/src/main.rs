//! `sendmux-mgmt`: every operation of the Sendmux Management API as a command, built at run
//! time from the operations the `sendmux-management` crate describes (feature `dynamic`), so
//! a new operation in the spec is a new command with no code here.

mod auth;
mod body;
mod commands;
mod dry_run;
mod exit;
mod output;
mod run;
mod verbose;
mod verify;

use std::process::ExitCode;

fn main() -> ExitCode {
    let tree = commands::Tree::from_operations();
    let matches = match tree.command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            // Help and version are written to stdout and succeed; usage errors exit with 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(exit::USAGE));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match runtime.block_on(run::run(&tree, &matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
