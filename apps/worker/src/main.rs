//! `frontdesk-worker`: background tasks, health and metrics on `WORKER_PORT`.

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
