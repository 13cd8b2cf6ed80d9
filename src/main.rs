use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fondilab::config::Cli::parse();
    fondilab::cli::run(cli)
}
