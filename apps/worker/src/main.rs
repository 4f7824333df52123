//! `frontdesk-worker`: background jobs and periodic tasks, health and
//! metrics on `WORKER_PORT`.
//!
//! * `frontdesk-worker` (or `serve`) runs until SIGTERM.
//! * `frontdesk-worker redrive [--queue NAME] [--limit N]` puts up to N
//!   (default 1000) dead-lettered jobs of the queue (default `JOB_QUEUE`)
//!   back with a fresh attempt budget, prints how many, and exits.
//! * `frontdesk-worker status [--queue NAME]` prints the queue depth
//!   (ready, delayed, running, dead) and exits.

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
        Some("status") => return status(&settings, &args[1..]).await,
        Some(other) => {
            eprintln!(
                "frontdesk-worker: unknown command {other:?}; use serve, redrive [--queue NAME] [--limit N] or status [--queue NAME]"
            );
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
    settings.database.run_migrations = false;
    let stores = frontdesk_runtime::Stores::connect(&settings).await.map_err(|err| {
        eprintln!("frontdesk-worker: {err}");
        ExitCode::FAILURE
    })?;
    Ok(stores.jobs.clone())
}

/// `--queue NAME` and `--limit N`, in any order.
struct Flags {
    queue: Option<String>,
    limit: Option<u64>,
}

fn flags(args: &[String]) -> Result<Flags, String> {
    let mut parsed = Flags { queue: None, limit: None };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--queue" => parsed.queue = Some(value.clone()),
            "--limit" => match value.parse::<u64>() {
                Ok(n) if n > 0 => parsed.limit = Some(n),
                _ => return Err(format!("--limit needs a positive number, got {value:?}")),
            },
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(parsed)
}

/// The settings with `--queue` applied.
fn for_queue(settings: &Settings, queue: Option<String>) -> Settings {
    let mut settings = settings.clone();
    if let Some(queue) = queue {
        settings.jobs.queue = queue;
    }
    settings
}

#[allow(clippy::print_stdout, reason = "a command-line answer")]
async fn redrive(settings: &Settings, args: &[String]) -> ExitCode {
    let flags = match flags(args) {
        Ok(flags) => flags,
        Err(err) => {
            eprintln!("frontdesk-worker redrive: {err}\nusage: frontdesk-worker redrive [--queue NAME] [--limit N]");
            return ExitCode::from(2);
        }
    };
    let limit = flags.limit.unwrap_or(1000);
    let settings = for_queue(settings, flags.queue);
    let jobs = match job_backend(&settings).await {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    match jobs.source.redrive(limit).await {
        Ok(moved) => {
            println!("re-queued {moved} dead job(s) of queue {:?}", settings.jobs.queue);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("frontdesk-worker redrive: {err}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout, reason = "a command-line answer")]
async fn status(settings: &Settings, args: &[String]) -> ExitCode {
    let settings = match flags(args) {
        Ok(flags) => for_queue(settings, flags.queue),
        Err(err) => {
            eprintln!("frontdesk-worker status: {err}\nusage: frontdesk-worker status [--queue NAME]");
            return ExitCode::from(2);
        }
    };
    let settings = &settings;
    let jobs = match job_backend(settings).await {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    match jobs.source.depth().await {
        Ok(d) => {
            println!(
                "queue {:?}: ready {} · delayed {} · running {} · dead {}",
                settings.jobs.queue, d.ready, d.delayed, d.running, d.dead
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("frontdesk-worker status: {err}");
            ExitCode::FAILURE
        }
    }
}
