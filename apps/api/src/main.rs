//! `frontdesk-api`: serve the HTTP API, or run a maintenance command.
//!
//! ```text
//! frontdesk-api            serve (default)
//! frontdesk-api migrate    apply pending migrations and exit
//! frontdesk-api create-admin --email E [--name N]   create a super_admin; password read from stdin
//! frontdesk-api rotate-encryption-key [--batch N]   re-seal integration credentials under the first ENCRYPTION_KEYS key
//! ```

use frontdesk_api::Application;
use frontdesk_runtime::{Settings, telemetry};
use std::process::ExitCode;

const USAGE: &str = "usage: frontdesk-api [serve | migrate | create-admin --email EMAIL [--name NAME] | rotate-encryption-key [--batch N]]\n\n\
create-admin reads the password from the first line of standard input.\n\
rotate-encryption-key re-seals every integration credential under the first key of ENCRYPTION_KEYS\n\
(keep the old keys listed until it reports 0 failed); safe while the api serves, resumable.\n\
Configuration comes from environment variables; see .env.example.";

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
        "create-admin" => create_admin(settings).await,
        "rotate-encryption-key" => rotate_encryption_key(settings).await,
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
    let outcome = frontdesk_runtime::stores::migrate(settings).await;
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

/// Re-seals every integration credential under the newest key.
async fn rotate_encryption_key(settings: Settings) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let batch = match args.iter().position(|a| a == "--batch").map(|i| args.get(i + 1).map(|b| b.parse::<u32>())) {
        None => 100,
        Some(Some(Ok(batch))) if (1..=10_000).contains(&batch) => batch,
        Some(_) => {
            eprintln!("frontdesk-api: --batch takes a number from 1 to 10000\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = async {
        let stores = frontdesk_runtime::Stores::connect(&settings).await.map_err(|e| e.to_string())?;
        frontdesk_runtime::integrations::rotate_encryption_key(&settings, &stores.sql, batch)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match outcome {
        Ok(report) if report.failed.is_empty() && report.failed_subscriptions.is_empty() && report.complete => {
            tracing::info!(
                resealed = report.resealed,
                skipped = report.skipped,
                "every credential is sealed under the current key"
            );
            ExitCode::SUCCESS
        }
        Ok(report) if !report.failed.is_empty() || !report.failed_subscriptions.is_empty() => {
            tracing::error!(
                resealed = report.resealed,
                failed = report.failed.len() + report.failed_subscriptions.len(),
                "some credentials did not open; add their key back to ENCRYPTION_KEYS and run again"
            );
            ExitCode::FAILURE
        }
        Ok(report) => {
            tracing::error!(
                resealed = report.resealed,
                skipped = report.skipped,
                "credentials kept changing during the rotation; run it again (is every api process on the new key?)"
            );
            ExitCode::FAILURE
        }
        Err(err) => {
            tracing::error!(error = %err, "rotation stopped; run it again to resume");
            ExitCode::FAILURE
        }
    }
}

/// Creates a `super_admin` from the command line (no HTTP, no bootstrap code needed:
/// whoever can run the binary with the production environment already owns the deployment).
async fn create_admin(mut settings: Settings) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let Some(email) = flag("--email") else {
        eprintln!("frontdesk-api create-admin: --email is required\n{USAGE}");
        return ExitCode::from(2);
    };
    let name = flag("--name").unwrap_or_else(|| "Administrator".to_owned());
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() || password.trim_end_matches(['\r', '\n']).is_empty() {
        eprintln!(
            "frontdesk-api create-admin: write the password on standard input (e.g. read -rs P; echo \"$P\" | frontdesk-api create-admin --email ...)"
        );
        return ExitCode::from(2);
    }
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    settings.database.run_migrations = true;
    let outcome = async {
        let stores = frontdesk_runtime::Stores::connect(&settings).await.map_err(|e| e.to_string())?;
        let services =
            frontdesk_runtime::services::Services::build(&settings, &stores).await.map_err(|e| e.to_string())?;
        let auth = services.auth;
        let input = frontdesk_tenancy::NewUser { email, password, name };
        let session = auth
            .register_admin(input, frontdesk_kernel::Role::SuperAdmin, &frontdesk_tenancy::ClientInfo::default())
            .await
            .map_err(|e| match e {
                frontdesk_tenancy::TenancyError::Validation(errors) => errors.to_string(),
                other => other.to_string(),
            })?;
        stores.close().await;
        Ok::<_, String>(session.user.id)
    }
    .await;
    match outcome {
        Ok(id) => {
            eprintln!("created super_admin {id}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("frontdesk-api create-admin: {err}");
            ExitCode::FAILURE
        }
    }
}
