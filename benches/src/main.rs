//! `pool-bench`: run the worker-pool comparison and write its reports. See `pool-bench --help`.

use std::process::ExitCode;

use clap::Parser;
use pool_bench::app::{self, Cli, Cmd, RunArgs};
use pool_bench::measure::CountingAlloc;
use pool_bench::runner::child::serve;
use pool_bench::runner::CellSpec;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn finish(result: Result<bool, String>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("pool-bench: some contender gave a WRONG ANSWER (see summary.md)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("pool-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let line = std::env::args().collect::<Vec<_>>().join(" ");
    match cli.command {
        None => finish(app::run(&RunArgs::default(), line)),
        Some(Cmd::Run(args)) => finish(app::run(&args, line)),
        Some(Cmd::Report { dir }) => finish(app::rerender(&dir)),
        Some(Cmd::List) => {
            print!("{}", app::list());
            ExitCode::SUCCESS
        }
        Some(Cmd::Index { root }) => match app::index(&root) {
            Ok(path) => {
                println!("{}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => finish(Err(e)),
        },
        Some(Cmd::Cell { spec }) => {
            let spec: CellSpec = match serde_json::from_str(&spec) {
                Ok(s) => s,
                Err(e) => return finish(Err(format!("bad cell spec: {e}"))),
            };
            // `stdout()`, not its lock: a contender thread that prints must not block on it.
            let served = serve(&spec, std::io::stdin().lock(), std::io::stdout());
            // Exit without dropping the contender: a pool left with stuck tasks must not
            // turn a finished measurement into a timeout.
            std::process::exit(i32::from(served.is_err()))
        }
    }
}
