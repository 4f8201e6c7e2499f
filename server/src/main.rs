//! `sync-server` binary: parses the command line and serves until Ctrl-C.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use sync_server::cli::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One readable line, not anyhow's Debug dump with a backtrace.
            eprintln!("sync-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let opts = Cli::parse().into_options();
    let (addr, server) = sync_server::serve(opts).await?;
    // Scripts wait for exactly this line before they start.
    println!("sync-server listening on http://{addr}");
    std::io::stdout().flush()?;
    tokio::select! {
        r = server => r?,
        r = tokio::signal::ctrl_c() => r?,
    }
    Ok(())
}
