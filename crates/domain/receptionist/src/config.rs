//! The receptionist's configuration use cases: strategies and prompt templates.
//!
//! A tenant that has any strategy (or template) always has exactly one
//! default, because that is what a new conversation uses and there must be
//! no "none" case at run time. The rules are split by who can keep them:
//!
//! * the first one a tenant creates is the default, whatever the client
//!   asked, so there is never a tenant with some but no default;
//! * making one the default unsets the old one, and deleting the default
//!   promotes the oldest remaining one: both happen inside the repository,
//!   atomically, so concurrent requests cannot leave zero or two defaults;
//! * simply unsetting the current default is refused with
//!   [`ReceptionistError::DefaultRequired`]: it would leave none, and which
//!   one should take over is the user's choice, so they make another one
//!   the default instead.
//!
//! Previews render a template exactly as the receptionist would, with a
//! chosen strategy or the tenant's default, so a user can check a template
//! before it reaches a lead.

use crate::error::{ReceptionistError, Result};
use crate::ports::{PromptTemplateRepository, StrategyRepository};
use crate::strategy::{NewStrategy, Strategy, StrategyChanges, StrategyId};
use crate::template::{NewPromptTemplate, PromptTemplate, PromptTemplateChanges, PromptTemplateId, RenderContext};
use frontdesk_kernel::{Clock, Page, PageRequest, TenantId};
use frontdesk_leads::Lead;
use std::sync::Arc;

/// How long a stamp lives untouched (a safety net: a lost stamp only means a re-read).
const STAMP_TTL: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Strategy and prompt-template management for the dashboard and API.
#[derive(Clone)]
pub struct ReceptionistConfig {
    strategies: Arc<dyn StrategyRepository>,
    templates: Arc<dyn PromptTemplateRepository>,
    clock: Arc<dyn Clock>,
    stamps: Option<Arc<dyn frontdesk_kernel::Cache>>,
    built: Arc<std::sync::Mutex<Built>>,
}

/// This process's built configurations, each with the stamp it was built under.
type Built = std::collections::HashMap<TenantId, (String, Arc<AgentConfig>)>;

/// What a turn of the receptionist is configured by: the tenant's default
/// strategy and prompt template (either may be missing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentConfig {
    /// The default strategy.
    pub strategy: Option<Strategy>,
    /// The default prompt template.
    pub template: Option<PromptTemplate>,
}

/// The shared-cache key of a tenant's configuration version stamp.
/// What every configuration stamp's cache key starts with (the runtime's
/// near cache keeps a copy of these in each process and drops it when any
/// process stamps a change, so a turn rarely asks the shared cache).
pub const STAMP_PREFIX: &str = "receptionist:config:";

fn stamp_key(tenant: TenantId) -> String {
    format!("{STAMP_PREFIX}{tenant}")
}

impl std::fmt::Debug for ReceptionistConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceptionistConfig").finish_non_exhaustive()
    }
}

impl ReceptionistConfig {
    /// The service over its repositories and clock.
    #[must_use]
    pub fn new(
        strategies: Arc<dyn StrategyRepository>,
        templates: Arc<dyn PromptTemplateRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { strategies, templates, clock, stamps: None, built: Arc::default() }
    }

    /// Caches the built configuration in this process, keyed by a version
    /// stamp kept in `stamps` (Redis in production, shared by every process):
    /// any change to a strategy or template writes a new stamp, so every
    /// process rebuilds on its next turn — no TTL, no stale prompt.
    #[must_use]
    pub fn with_cache(mut self, stamps: Arc<dyn frontdesk_kernel::Cache>) -> Self {
        self.stamps = Some(stamps);
        self
    }

    /// A fresh stamp after a change (best effort: a cache outage is logged,
    /// and then no process trusts its copy, see [`Self::agent_config`]).
    async fn changed(&self, tenant: TenantId) {
        let Some(stamps) = &self.stamps else { return };
        let stamp = uuid::Uuid::now_v7().to_string();
        if let Err(err) = stamps.set(&stamp_key(tenant), stamp.as_bytes(), STAMP_TTL).await {
            tracing::warn!(tenant.id = %tenant, error = %err, "could not stamp a receptionist configuration change");
            if let Err(err) = stamps.delete(&stamp_key(tenant)).await {
                tracing::warn!(tenant.id = %tenant, error = %err, "could not drop the configuration stamp either");
            }
        }
        if let Ok(mut built) = self.built.lock() {
            built.remove(&tenant);
        }
    }

    /// The tenant's default strategy and template, from this process's copy
    /// while the shared stamp is unchanged, else read again (and stamped).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn agent_config(&self, tenant: TenantId) -> Result<Arc<AgentConfig>> {
        let Some(stamps) = &self.stamps else { return Ok(Arc::new(self.load(tenant).await?)) };
        let stamp = match stamps.get(&stamp_key(tenant)).await {
            Ok(Some(bytes)) => String::from_utf8(bytes).ok(),
            Ok(None) => {
                let fresh = uuid::Uuid::now_v7().to_string();
                match stamps.set_if_absent(&stamp_key(tenant), fresh.as_bytes(), STAMP_TTL).await {
                    Ok(true) => Some(fresh),
                    _ => None,
                }
            }
            Err(_) => None,
        };
        let Some(stamp) = stamp else { return Ok(Arc::new(self.load(tenant).await?)) };
        if let Some((seen, config)) = self.built.lock().ok().and_then(|b| b.get(&tenant).cloned())
            && seen == stamp
        {
            return Ok(config);
        }
        let config = Arc::new(self.load(tenant).await?);
        if let Ok(mut built) = self.built.lock() {
            built.insert(tenant, (stamp, Arc::clone(&config)));
        }
        Ok(config)
    }

    async fn load(&self, tenant: TenantId) -> Result<AgentConfig> {
        Ok(AgentConfig {
            strategy: self.strategies.default_for(tenant).await?,
            template: self.templates.default_for(tenant).await?,
        })
    }

    /// Now, to the microsecond: what every backend stores, so an entity
    /// returned by a write equals the same entity read back.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// Creates a strategy; the tenant's first one is the default whatever `input.is_default` says.
    ///
    /// # Errors
    /// `Validation` listing every bad field; `Storage`.
    pub async fn create_strategy(&self, tenant: TenantId, input: NewStrategy) -> Result<Strategy> {
        let mut strategy = Strategy::create(tenant, input, self.now())?;
        if self.strategies.count(tenant).await? == 0 {
            strategy.is_default = true;
        }
        self.strategies.insert(&strategy).await?;
        self.changed(tenant).await;
        Ok(strategy)
    }

    /// The strategy `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    pub async fn get_strategy(&self, tenant: TenantId, id: StrategyId) -> Result<Strategy> {
        self.strategies.get(tenant, id).await
    }

    /// One page of the tenant's strategies, oldest first.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list_strategies(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Strategy>> {
        self.strategies.list(tenant, page).await
    }

    /// Applies `changes` to the strategy `id` of `tenant`; `isDefault: true`
    /// makes it the default (unsetting the old one).
    ///
    /// # Errors
    /// `NotFound`; `Validation` listing every bad field; `DefaultRequired`
    /// when `isDefault: false` targets the current default; `Storage`.
    pub async fn update_strategy(
        &self,
        tenant: TenantId,
        id: StrategyId,
        changes: StrategyChanges,
    ) -> Result<Strategy> {
        let mut strategy = self.strategies.get(tenant, id).await?;
        let unsets_default = strategy.is_default && changes.is_default == Some(false);
        strategy.apply(changes, self.now())?;
        if unsets_default {
            return Err(ReceptionistError::DefaultRequired { entity: "strategy" });
        }
        self.strategies.update(tenant, &strategy).await?;
        self.changed(tenant).await;
        Ok(strategy)
    }

    /// Deletes the strategy `id` of `tenant`; deleting the default promotes
    /// the oldest remaining one, whose id is returned.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn delete_strategy(&self, tenant: TenantId, id: StrategyId) -> Result<Option<StrategyId>> {
        let promoted = self.strategies.delete(tenant, id).await?;
        self.changed(tenant).await;
        Ok(promoted)
    }

    /// The tenant's default strategy; `None` only while it has no strategy.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn default_strategy(&self, tenant: TenantId) -> Result<Option<Strategy>> {
        self.strategies.default_for(tenant).await
    }

    /// Creates a prompt template; the tenant's first one is the default whatever `input.is_default` says.
    ///
    /// # Errors
    /// `Validation` listing every bad field (all unknown variables in one
    /// message); `Storage`.
    pub async fn create_template(&self, tenant: TenantId, input: NewPromptTemplate) -> Result<PromptTemplate> {
        let mut template = PromptTemplate::create(tenant, input, self.now())?;
        if self.templates.count(tenant).await? == 0 {
            template.is_default = true;
        }
        self.templates.insert(&template).await?;
        self.changed(tenant).await;
        Ok(template)
    }

    /// The prompt template `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    pub async fn get_template(&self, tenant: TenantId, id: PromptTemplateId) -> Result<PromptTemplate> {
        self.templates.get(tenant, id).await
    }

    /// One page of the tenant's prompt templates, oldest first.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list_templates(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PromptTemplate>> {
        self.templates.list(tenant, page).await
    }

    /// Applies `changes` to the prompt template `id` of `tenant`; `isDefault:
    /// true` makes it the default (unsetting the old one).
    ///
    /// # Errors
    /// `NotFound`; `Validation` listing every bad field; `DefaultRequired`
    /// when `isDefault: false` targets the current default; `Storage`.
    pub async fn update_template(
        &self,
        tenant: TenantId,
        id: PromptTemplateId,
        changes: PromptTemplateChanges,
    ) -> Result<PromptTemplate> {
        let mut template = self.templates.get(tenant, id).await?;
        let unsets_default = template.is_default && changes.is_default == Some(false);
        template.apply(changes, self.now())?;
        if unsets_default {
            return Err(ReceptionistError::DefaultRequired { entity: "prompt template" });
        }
        self.templates.update(tenant, &template).await?;
        self.changed(tenant).await;
        Ok(template)
    }

    /// Deletes the prompt template `id` of `tenant`; deleting the default
    /// promotes the oldest remaining one, whose id is returned.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn delete_template(&self, tenant: TenantId, id: PromptTemplateId) -> Result<Option<PromptTemplateId>> {
        let promoted = self.templates.delete(tenant, id).await?;
        self.changed(tenant).await;
        Ok(promoted)
    }

    /// The tenant's default prompt template; `None` only while it has no template.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn default_template(&self, tenant: TenantId) -> Result<Option<PromptTemplate>> {
        self.templates.default_for(tenant).await
    }

    /// The template `template_id` rendered with the strategy `strategy` (the
    /// tenant's default when `None`; no strategy at all renders its variables
    /// empty) and `lead` (its variables render empty when `None`).
    ///
    /// # Errors
    /// `NotFound` for a missing template or strategy, or a lead of another
    /// tenant (`entity: "lead"`); `Storage`.
    pub async fn preview_template(
        &self,
        tenant: TenantId,
        template_id: PromptTemplateId,
        strategy: Option<StrategyId>,
        lead: Option<&Lead>,
    ) -> Result<String> {
        if lead.is_some_and(|lead| lead.tenant_id != tenant) {
            return Err(ReceptionistError::NotFound { entity: "lead" });
        }
        let template = self.templates.get(tenant, template_id).await?;
        let strategy = match strategy {
            Some(id) => Some(self.strategies.get(tenant, id).await?),
            None => self.strategies.default_for(tenant).await?,
        };
        Ok(template.render(&RenderContext { strategy: strategy.as_ref(), lead }))
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{InMemoryPromptTemplates, InMemoryStrategies};
    use chrono::{Duration, TimeZone, Utc};
    use frontdesk_kernel::ErrorCode;
    use frontdesk_kernel::testing::ManualClock;
    use frontdesk_leads::NewLead;

    struct Fixture {
        service: ReceptionistConfig,
        clock: Arc<ManualClock>,
        tenant: TenantId,
    }

    fn fixture() -> Fixture {
        let clock = Arc::new(ManualClock::at(Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()));
        let service = ReceptionistConfig::new(
            Arc::new(InMemoryStrategies::default()),
            Arc::new(InMemoryPromptTemplates::default()),
            clock.clone(),
        );
        Fixture { service, clock, tenant: TenantId::new() }
    }

    fn new_strategy(name: &str, is_default: bool) -> NewStrategy {
        NewStrategy {
            name: name.into(),
            persona: format!("You are {name}."),
            goal: "Book a visit.".into(),
            is_default,
            ..NewStrategy::default()
        }
    }

    fn new_template(name: &str, body: &str, is_default: bool) -> NewPromptTemplate {
        NewPromptTemplate { name: name.into(), body: body.into(), variables: None, is_default }
    }

    fn lead(tenant: TenantId) -> Lead {
        let input = NewLead { name: "Ana Lopez".into(), email: Some("ana@example.com".into()), ..NewLead::default() };
        Lead::create(tenant, input, None, Utc::now()).unwrap()
    }

    async fn default_id(f: &Fixture) -> Option<StrategyId> {
        f.service.default_strategy(f.tenant).await.unwrap().map(|s| s.id)
    }

    #[tokio::test]
    async fn the_first_strategy_is_the_default_whatever_it_asked() {
        let f = fixture();
        assert_eq!(default_id(&f).await, None);
        let first = f.service.create_strategy(f.tenant, new_strategy("First", false)).await.unwrap();
        assert!(first.is_default);
        let second = f.service.create_strategy(f.tenant, new_strategy("Second", false)).await.unwrap();
        assert!(!second.is_default);
        assert_eq!(default_id(&f).await, Some(first.id));
        let third = f.service.create_strategy(f.tenant, new_strategy("Third", true)).await.unwrap();
        let listed = f.service.list_strategies(f.tenant, PageRequest::default()).await.unwrap();
        let defaults: Vec<_> = listed.data.iter().filter(|s| s.is_default).map(|s| s.id).collect();
        assert_eq!((defaults, listed.total), (vec![third.id], 3), "exactly one default");
        assert!(f.service.default_strategy(TenantId::new()).await.unwrap().is_none(), "per tenant");
    }

    #[tokio::test]
    async fn a_strategy_is_validated_before_anything_is_stored() {
        let f = fixture();
        let err = f.service.create_strategy(f.tenant, new_strategy(" ", true)).await.unwrap_err();
        assert!(matches!(err, ReceptionistError::Validation(ref e) if e.messages() == ["name: is required"]));
        let first = f.service.create_strategy(f.tenant, new_strategy("First", true)).await.unwrap();
        let bad = StrategyChanges { goal: Some(String::new()), ..StrategyChanges::default() };
        let err = f.service.update_strategy(f.tenant, first.id, bad).await.unwrap_err();
        assert_eq!(err.code().as_str(), "validation_failed");
        assert_eq!(f.service.get_strategy(f.tenant, first.id).await.unwrap(), first);
    }

    #[tokio::test]
    async fn the_default_strategy_cannot_be_unset_only_replaced() {
        let f = fixture();
        let first = f.service.create_strategy(f.tenant, new_strategy("First", false)).await.unwrap();
        let second = f.service.create_strategy(f.tenant, new_strategy("Second", false)).await.unwrap();
        let unset =
            StrategyChanges { is_default: Some(false), name: Some("Renamed".into()), ..StrategyChanges::default() };
        let err = f.service.update_strategy(f.tenant, first.id, unset.clone()).await.unwrap_err();
        assert!(matches!(err, ReceptionistError::DefaultRequired { entity: "strategy" }), "{err:?}");
        assert_eq!(err.code().as_str(), "default_required");
        assert!(err.to_string().contains("make another strategy the default instead"));
        assert_eq!(f.service.get_strategy(f.tenant, first.id).await.unwrap(), first, "nothing changed");

        let unchanged = f.service.update_strategy(f.tenant, second.id, unset).await.unwrap();
        assert_eq!((unchanged.name.as_str(), unchanged.is_default), ("Renamed", false), "a non-default may say false");

        f.clock.advance(Duration::minutes(5));
        let make_default = StrategyChanges { is_default: Some(true), ..StrategyChanges::default() };
        let promoted = f.service.update_strategy(f.tenant, second.id, make_default).await.unwrap();
        assert_eq!((promoted.is_default, promoted.updated_at), (true, f.clock.now()));
        assert_eq!(default_id(&f).await, Some(second.id));
        assert!(!f.service.get_strategy(f.tenant, first.id).await.unwrap().is_default, "the old default is unset");

        let other = TenantId::new();
        let cross = f.service.update_strategy(other, second.id, StrategyChanges::default()).await;
        assert!(matches!(cross, Err(ReceptionistError::NotFound { entity: "strategy" })));
    }

    #[tokio::test]
    async fn deleting_the_default_strategy_promotes_the_oldest() {
        let f = fixture();
        let first = f.service.create_strategy(f.tenant, new_strategy("First", false)).await.unwrap();
        f.clock.advance(Duration::seconds(1));
        let second = f.service.create_strategy(f.tenant, new_strategy("Second", true)).await.unwrap();
        f.clock.advance(Duration::seconds(1));
        let third = f.service.create_strategy(f.tenant, new_strategy("Third", false)).await.unwrap();
        assert_eq!(f.service.delete_strategy(f.tenant, second.id).await.unwrap(), Some(first.id));
        assert_eq!(default_id(&f).await, Some(first.id));
        assert_eq!(f.service.delete_strategy(f.tenant, third.id).await.unwrap(), None);
        assert_eq!(f.service.delete_strategy(f.tenant, first.id).await.unwrap(), None);
        assert_eq!(default_id(&f).await, None);
        let again = f.service.delete_strategy(f.tenant, first.id).await;
        assert!(matches!(again, Err(ReceptionistError::NotFound { .. })));
    }

    #[tokio::test]
    async fn templates_follow_the_same_default_rules() {
        let f = fixture();
        let first =
            f.service.create_template(f.tenant, new_template("First", "Hi {{lead.name}}", false)).await.unwrap();
        assert!(first.is_default);
        let second = f.service.create_template(f.tenant, new_template("Second", "Yo", true)).await.unwrap();
        let current = f.service.default_template(f.tenant).await.unwrap().map(|t| t.id);
        assert_eq!(current, Some(second.id));
        assert!(!f.service.get_template(f.tenant, first.id).await.unwrap().is_default);

        let unset = PromptTemplateChanges { is_default: Some(false), ..PromptTemplateChanges::default() };
        let err = f.service.update_template(f.tenant, second.id, unset).await.unwrap_err();
        assert!(matches!(err, ReceptionistError::DefaultRequired { entity: "prompt template" }), "{err:?}");

        let body = PromptTemplateChanges { body: Some("{{strategy.goal}}".into()), ..PromptTemplateChanges::default() };
        let updated = f.service.update_template(f.tenant, first.id, body).await.unwrap();
        assert_eq!(updated.variables, ["strategy.goal"]);
        let page = f.service.list_templates(f.tenant, PageRequest::default()).await.unwrap();
        assert_eq!(page.data.iter().map(|t| t.id).collect::<Vec<_>>(), [first.id, second.id]);

        assert_eq!(f.service.delete_template(f.tenant, second.id).await.unwrap(), Some(first.id));
        let current = f.service.default_template(f.tenant).await.unwrap().map(|t| t.id);
        assert_eq!(current, Some(first.id));
    }

    #[tokio::test]
    async fn unknown_variables_are_rejected_all_at_once() {
        let f = fixture();
        let input = NewPromptTemplate {
            variables: Some(vec!["lead.nam".into()]),
            ..new_template("Bad", "{{lead.age}} {{lead.name}} {{ foo }} {{lead.age}}", true)
        };
        let err = f.service.create_template(f.tenant, input).await.unwrap_err();
        let ReceptionistError::Validation(errors) = err else { panic!("{err:?}") };
        let messages = errors.messages();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("body: unknown variables: lead.age, foo (known: lead.name, "), "{messages:?}");
        assert!(messages[1].starts_with("variables: unknown variables: lead.nam (known: "), "{messages:?}");
        assert!(f.service.default_template(f.tenant).await.unwrap().is_none(), "nothing stored");

        let ok = f.service.create_template(f.tenant, new_template("Ok", "{{lead.name}}", true)).await.unwrap();
        let bad = PromptTemplateChanges { body: Some("{{lead.x}} {{y.z}}".into()), ..PromptTemplateChanges::default() };
        let err = f.service.update_template(f.tenant, ok.id, bad).await.unwrap_err();
        assert!(err.to_string().starts_with("body: unknown variables: lead.x, y.z (known: "), "{err}");
    }

    #[tokio::test]
    async fn preview_renders_with_the_default_strategy_unless_one_is_given() {
        let f = fixture();
        let body = "{{strategy.name}} greets {{lead.firstName}} <{{lead.email}}>";
        let template = f.service.create_template(f.tenant, new_template("Main", body, true)).await.unwrap();
        let preview = f.service.preview_template(f.tenant, template.id, None, None).await.unwrap();
        assert_eq!(preview, " greets  <>", "no strategy and no lead render empty");

        f.service.create_strategy(f.tenant, new_strategy("Main", true)).await.unwrap();
        let other = f.service.create_strategy(f.tenant, new_strategy("Other", false)).await.unwrap();
        let ana = lead(f.tenant);
        let preview = f.service.preview_template(f.tenant, template.id, None, Some(&ana)).await.unwrap();
        assert_eq!(preview, "Main greets Ana <ana@example.com>");
        let preview = f.service.preview_template(f.tenant, template.id, Some(other.id), Some(&ana)).await.unwrap();
        assert_eq!(preview, "Other greets Ana <ana@example.com>");

        let missing = f.service.preview_template(f.tenant, template.id, Some(StrategyId::new()), None).await;
        assert!(matches!(missing, Err(ReceptionistError::NotFound { entity: "strategy" })));
        let foreign = lead(TenantId::new());
        let err = f.service.preview_template(f.tenant, template.id, None, Some(&foreign)).await;
        assert!(matches!(err, Err(ReceptionistError::NotFound { entity: "lead" })));
        let err = f.service.preview_template(TenantId::new(), template.id, None, None).await;
        assert!(matches!(err, Err(ReceptionistError::NotFound { entity: "prompt template" })));
    }
}
