//! Running what the command line selected.

use std::path::PathBuf;

use clap::ArgMatches;
use futures::StreamExt;
use sendmux_management::dynamic::{AnswerKind, OperationInfo, Request};
use sendmux_management::testing::MockApi;
use sendmux_management::Client;

use crate::auth::Settings;
use crate::commands::{global, Selected, Tree};
use crate::exit::Failure;
use crate::output::{self, Format, Progress};

pub async fn run(tree: &Tree, matches: &ArgMatches) -> Result<(), Failure> {
    match tree.select(matches) {
        Some(Selected::Operation(op, leaf)) => operation(op, leaf).await,
        Some(Selected::Verify(leaf)) => crate::verify::run(leaf),
        Some(Selected::Completions(leaf)) => {
            let shell = leaf
                .get_one::<clap_complete::Shell>("shell")
                .copied()
                .ok_or_else(|| Failure::usage("name a shell"))?;
            let mut command = tree.command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command, "sendmux-mgmt", &mut out);
            output::print(&String::from_utf8_lossy(&out))
        }
        Some(Selected::Operations) => {
            let mut out = String::new();
            for (words, op) in tree.entries() {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    words.join(" "),
                    op.method,
                    op.path,
                    op.id
                ));
            }
            output::print(&out)
        }
        None => Err(Failure::usage("no such command; see --help")),
    }
}

async fn operation(op: &'static OperationInfo, matches: &ArgMatches) -> Result<(), Failure> {
    let format = Format::parse(
        matches
            .get_one::<String>(global::OUTPUT)
            .map_or("json", String::as_str),
    );
    let max_items = matches.get_one::<u64>(global::MAX_ITEMS).copied();
    let all = matches.get_flag(global::ALL) || max_items.is_some();
    let verbose = matches.get_flag(global::VERBOSE);
    if all
        && !matches!(
            op.answer,
            AnswerKind::Json {
                cursor_list: true,
                ..
            }
        )
    {
        return Err(Failure::usage(
            "--all and --max-items apply to cursor-paginated lists, which this operation is not",
        ));
    }
    let (arguments, body) = crate::body::arguments(op, matches)?;

    // Kept alive while the command runs; the mock stops when it is dropped.
    let mut mock = None;
    let client: Client = if matches.get_flag(global::MOCK) {
        let api = MockApi::start().await;
        api.answer_with_examples().await;
        let client = api.client();
        mock = Some(api);
        client
    } else {
        let settings = Settings::load(
            matches
                .get_one::<PathBuf>(global::API_KEY_FILE)
                .map(PathBuf::as_path),
            matches
                .get_one::<String>(global::PROFILE)
                .map(String::as_str),
            matches
                .get_one::<String>(global::BASE_URL)
                .map(String::as_str),
        )?;
        if matches.get_flag(global::DRY_RUN) {
            settings.client_for_display()?
        } else {
            settings.client(matches.get_one::<u32>(global::MAX_ATTEMPTS).copied())?
        }
    };
    let request = Request::new(&client, op.id, arguments)?;

    if matches.get_flag(global::DRY_RUN) {
        let text = crate::dry_run::render(op, matches, client.base_url(), body.as_ref())?;
        return output::print(&text);
    }
    if verbose {
        crate::verbose::install();
    }

    if all {
        let mut items = request.items(max_items)?;
        let progress = Progress::new();
        let mut collected = Vec::new();
        let mut count = 0u64;
        while let Some(item) = items.next().await {
            let item = match item {
                Ok(item) => item,
                Err(error) => {
                    progress.finish();
                    return Err(error.into());
                }
            };
            count += 1;
            if count % 50 == 1 {
                progress.update(count);
            }
            match format {
                Format::Json => output::print(&output::line(&item))?,
                Format::Table => collected.push(item),
            }
        }
        progress.finish();
        if format == Format::Table {
            output::print(&output::table(&collected))?;
        }
        if verbose {
            eprintln!("items: {count}");
            crate::verbose::report(None, None, client.rate_limit());
        }
    } else {
        let response = request.send().await?;
        output::print(&output::answer(&response.data, format))?;
        if verbose {
            crate::verbose::report(
                Some(response.http_status),
                response.request_id.as_deref(),
                response.rate_limit,
            );
        }
    }
    drop(mock);
    Ok(())
}
