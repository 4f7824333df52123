//! `frontdesk-api`: serve the HTTP API, or run a maintenance command.
//!
//! ```text
//! frontdesk-api            serve (default)
//! frontdesk-api migrate    apply pending migrations and exit
//! ```

use frontdesk_api::Application;
use frontdesk_runtime::{Settings, telemetry};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str =
    "usage: frontdesk-api [serve|migrate]\n\nConfiguration comes from environment variables; see .env.example.";

#[actix_web::main]
async fn main() -> ExitCode {
    frontdesk_runtime::install_crypto_provider();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        eprintln!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("frontdesk-api: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    match command.as_str() {
        "serve" => serve(settings).await,
        "migrate" => migrate(&settings).await,
        other => {
            eprintln!("frontdesk-api: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server error");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(settings: &Settings) -> ExitCode {
    let outcome = async {
        let store = frontdesk_sea_orm::SqlStore::connect(&frontdesk_sea_orm::DbConfig {
            url: settings.database_url().to_owned(),
            max_connections: 2,
            acquire_timeout: Duration::from_secs(5),
        })
        .await?;
        store.wait_until_ready(settings.database_startup_timeout).await?;
        store.migrate_up().await?;
        store.close().await;
        Ok::<_, frontdesk_sea_orm::ConnectError>(())
    }
    .await;
    match outcome {
        Ok(()) => {
            tracing::info!("migrations applied");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!(error = %err, "migrations failed");
            ExitCode::FAILURE
        }
    }
}
