//! `frontdesk-worker`: background jobs and periodic tasks, health and
//! metrics on `WORKER_PORT`.
//!
//! * `frontdesk-worker` (or `serve`) runs until SIGTERM.
//! * `frontdesk-worker redrive [--limit N]` puts up to N (default 1000)
//!   dead-lettered jobs of `JOB_QUEUE` back in the queue with a fresh
//!   attempt budget, prints how many, and exits.
//! * `frontdesk-worker status` prints the queue depth (ready, delayed,
//!   running, dead) and exits.

use frontdesk_runtime::{Settings, telemetry};
use frontdesk_worker::Worker;
use std::process::ExitCode;

#[actix_web::main]
async fn main() -> ExitCode {
    frontdesk_runtime::install_crypto_provider();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("frontdesk-worker: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => {}
        Some("redrive") => return redrive(&settings, &args[1..]).await,
        Some("status") => return status(&settings).await,
        Some(other) => {
            eprintln!("frontdesk-worker: unknown command {other:?}; use serve, redrive [--limit N] or status");
            return ExitCode::from(2);
        }
    }
    let worker = match Worker::build(&settings).await {
        Ok(worker) => worker,
        Err(err) => {
            tracing::error!(error = %err, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    match worker.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "worker failed");
            ExitCode::FAILURE
        }
    }
}

/// Connects only the job backend (never migrates).
async fn job_backend(settings: &Settings) -> Result<frontdesk_runtime::stores::JobBackend, ExitCode> {
    let mut settings = settings.clone();
    settings.run_migrations = false;
    let stores = frontdesk_runtime::Stores::connect(&settings).await.map_err(|err| {
        eprintln!("frontdesk-worker: {err}");
        ExitCode::FAILURE
    })?;
    Ok(stores.jobs.clone())
}

#[allow(clippy::print_stdout, reason = "a command-line answer")]
async fn redrive(settings: &Settings, args: &[String]) -> ExitCode {
    let limit = match args {
        [] => 1000,
        [flag, n] if flag == "--limit" => match n.parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("frontdesk-worker redrive: --limit needs a positive number, got {n:?}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: frontdesk-worker redrive [--limit N]");
            return ExitCode::from(2);
        }
    };
    let jobs = match job_backend(settings).await {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    match jobs.source.redrive(limit).await {
        Ok(moved) => {
            println!("re-queued {moved} dead job(s) of queue {:?}", settings.job_queue);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("frontdesk-worker redrive: {err}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout, reason = "a command-line answer")]
async fn status(settings: &Settings) -> ExitCode {
    let jobs = match job_backend(settings).await {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    match jobs.source.depth().await {
        Ok(d) => {
            println!(
                "queue {:?}: ready {} · delayed {} · running {} · dead {}",
                settings.job_queue, d.ready, d.delayed, d.running, d.dead
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("frontdesk-worker status: {err}");
            ExitCode::FAILURE
        }
    }
}
