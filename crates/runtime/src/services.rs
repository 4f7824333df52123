//! Use cases wired to the stores, for every binary that runs them (the api
//! serves them, the worker runs their maintenance), so both build them the
//! same way.

use crate::stores::Stores;
use frontdesk_kernel::SystemClock;
use frontdesk_leads::LeadService;
use frontdesk_receptionist::ReceptionistConfig;
use frontdesk_sea_orm::{
    SeaOrmLeadRepository, SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository, SeaOrmTenantDirectory,
};
use std::sync::Arc;

/// The leads use cases: SQL store, the configured cache (Redis or in-process), the tenant directory.
#[must_use]
pub fn lead_service(stores: &Stores) -> LeadService {
    LeadService::new(
        Arc::new(SeaOrmLeadRepository::new(stores.sql.clone())),
        Arc::clone(&stores.cache),
        Arc::new(SeaOrmTenantDirectory::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
}

/// The receptionist's configuration use cases (strategies, prompt templates).
#[must_use]
pub fn receptionist_config(stores: &Stores) -> ReceptionistConfig {
    ReceptionistConfig::new(
        Arc::new(SeaOrmStrategyRepository::new(stores.sql.clone())),
        Arc::new(SeaOrmPromptTemplateRepository::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
}

/// Every job handler this build knows, wired to the stores.
#[must_use]
pub fn job_handlers(stores: &Stores) -> crate::jobs::Handlers {
    use frontdesk_leads::{ExportLeads, ImportLeads};
    let repo = Arc::new(SeaOrmLeadRepository::new(stores.sql.clone()));
    let directory = Arc::new(SeaOrmTenantDirectory::new(stores.sql.clone()));
    let codec = Arc::clone(&stores.codec);
    crate::jobs::Handlers::new()
        .with(Arc::new(crate::jobs::NoopHandler))
        .with(Arc::new(ImportLeads::new(
            repo.clone(),
            directory,
            Arc::clone(&stores.files),
            codec.clone(),
            Arc::new(SystemClock),
        )))
        .with(Arc::new(ExportLeads::new(repo, Arc::clone(&stores.files), codec)))
}

/// The worker loop's settings from the process settings.
#[must_use]
pub fn worker_config(settings: &crate::Settings, role: &str) -> crate::jobs::WorkerConfig {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    crate::jobs::WorkerConfig {
        concurrency: settings.jobs.worker_concurrency,
        consumer: format!("{role}-{host}-{}", std::process::id()),
        wait: std::time::Duration::from_secs(1),
        grace: settings.http.shutdown_timeout,
        // Three beats per lease: one late or failed renewal does not lose it.
        heartbeat: (settings.jobs.visibility_timeout / 3).max(std::time::Duration::from_millis(100)),
        reconcile: settings.jobs.reconcile_interval,
    }
}

/// Starts the worker loop (and the queue-depth gauge) as background tasks;
/// flip `shutdown` to stop them, then await the returned set.
#[must_use]
pub fn spawn_workers(
    stores: &Stores,
    config: crate::jobs::WorkerConfig,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinSet<()> {
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(crate::jobs::reconcile_periodically(
        Arc::clone(&stores.jobs.source),
        config.reconcile,
        shutdown.clone(),
    ));
    tasks.spawn(crate::jobs::run_workers(
        Arc::clone(&stores.jobs.source),
        Arc::clone(&stores.jobs.store),
        job_handlers(stores),
        config,
        shutdown.clone(),
    ));
    tasks.spawn(crate::jobs::report_depth(
        Arc::clone(&stores.jobs.source),
        std::time::Duration::from_secs(5),
        shutdown.clone(),
    ));
    tasks
}

/// Erases a deleted sub-account's files (uploads, exports) and lead cache
/// entries: the [`TenantEraser`](frontdesk_tenancy::TenantEraser) the api
/// gives its sub-account use cases.
#[derive(Clone)]
pub struct TenantLeftovers {
    files: Arc<dyn frontdesk_kernel::files::FileStorage>,
    cache: Arc<dyn frontdesk_kernel::Cache>,
}

impl TenantLeftovers {
    /// Over the stores' files and cache.
    #[must_use]
    pub fn new(stores: &Stores) -> Self {
        Self { files: Arc::clone(&stores.files), cache: Arc::clone(&stores.cache) }
    }
}

#[async_trait::async_trait]
impl frontdesk_tenancy::TenantEraser for TenantLeftovers {
    async fn erase(&self, tenant: frontdesk_kernel::TenantId) -> frontdesk_tenancy::Result<()> {
        use frontdesk_leads::transfer::{export_folder, upload_folder};
        use frontdesk_tenancy::TenancyError;
        let mut files = 0;
        for folder in [upload_folder(tenant), export_folder(tenant)] {
            files += self.files.delete_prefix(&folder).await.map_err(TenancyError::storage)?;
        }
        let prefix = frontdesk_leads::service::tenant_cache_prefix(tenant);
        let keys = self.cache.delete_prefix(&prefix).await.map_err(TenancyError::storage)?;
        tracing::info!(tenant.id = %tenant, files, cache_keys = keys, "erased a deleted sub-account's files and cache entries");
        Ok(())
    }
}
