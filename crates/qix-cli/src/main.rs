//! The `qix` binary: parses the command line, runs the command, prints its report and exits with a code
//! scripts can rely on (see `qix --help`).

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = qix_cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qix: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(qix_cli::run(&cli));
    let mut stdout = std::io::stdout().lock();
    match outcome {
        Ok(report) => {
            let _ = stdout.write_all(report.render(cli.json).as_bytes());
            ExitCode::SUCCESS
        }
        Err(f) => {
            if let Some(report) = &f.report {
                let _ = stdout.write_all(report.render(cli.json).as_bytes());
            }
            eprintln!("qix: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
