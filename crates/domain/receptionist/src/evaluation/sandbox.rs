//! The sandbox a scenario is played in: the tenant's configuration copied
//! into in-memory stores (ADR 0012), two made-up customers, the scenario's
//! starting bookings, and a [`Receptionist`] over all of it with the live
//! model. A sandbox lives for one trial and is dropped with everything in
//! it; nothing in it can reach a real lead, booking or conversation,
//! because no real store is in it.

use super::scenario::{Caller, Party, Scenario, local_instant};
use crate::config::ReceptionistConfig;
use crate::conversation::Channel;
use crate::error::{ReceptionistError, Result};
use crate::memory::{InMemoryConversations, InMemoryPromptTemplates, InMemoryStrategies};
use crate::model::ChatModel;
use crate::ports::{PromptTemplateRepository, StrategyRepository};
use crate::receptionist::{Answered, Receptionist};
use crate::strategy::{NewStrategy, Strategy, StrategyId};
use crate::template::{PromptTemplate, PromptTemplateId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk_bookings::NoNotices;
use frontdesk_bookings::appointment_type::AppointmentType;
use frontdesk_bookings::ports::{AppointmentTypeRepository, NoLeadCache, ResourceRepository, ScheduleRepository};
use frontdesk_bookings::resource::Resource;
use frontdesk_bookings::schedule::Schedule;
use frontdesk_bookings::service::{BookingPorts, BookingRequest, Bookings};
use frontdesk_bookings::testing::memory::{InMemoryBookingStore, InMemoryCalendar, SequentialTokens};
use frontdesk_kernel::testing::{ManualClock, MapCache};
use frontdesk_kernel::{JsonObject, LeadId, PageRequest, TenantId};
use frontdesk_leads::testing::{InMemoryDirectory, InMemoryLeadStore};
use frontdesk_leads::{LeadService, NewLead};
use serde_json::Value;
use std::sync::Arc;

/// The caller when a scenario does not say who calls.
pub const CALLER: (&str, &str) = ("Ana Diaz", "+13125550100");
/// The other customer of the business, whose details must never reach the caller.
pub const OTHER: (&str, &str) = ("Bo Li", "+13125550199");

/// What a tenant's sandboxes are copied from, loaded once per evaluation.
#[derive(Clone, Debug)]
pub struct Base {
    tenant: TenantId,
    strategy: Option<Strategy>,
    template: Option<PromptTemplate>,
    schedule: Schedule,
    resources: Vec<Resource>,
    types: Vec<AppointmentType>,
}

impl Base {
    /// Reads `tenant`'s configuration: the given (or default) strategy and template, the schedule, resources and types.
    ///
    /// # Errors
    /// `NotFound` when a named strategy or template is not the tenant's; `Storage`.
    pub async fn load(
        config: &ReceptionistConfig,
        bookings: &Bookings,
        tenant: TenantId,
        strategy: Option<StrategyId>,
        template: Option<PromptTemplateId>,
    ) -> Result<Self> {
        let strategy = match strategy {
            Some(id) => Some(config.get_strategy(tenant, id).await?),
            None => config.default_strategy(tenant).await?,
        };
        let template = match template {
            Some(id) => Some(config.get_template(tenant, id).await?),
            None => config.default_template(tenant).await?,
        };
        let schedule = bookings.schedule(tenant).await.map_err(ReceptionistError::storage)?;
        let mut resources = Vec::new();
        for page_no in 1.. {
            let page = PageRequest::new(Some(page_no), Some(frontdesk_kernel::page::MAX_LIMIT))
                .map_err(ReceptionistError::storage)?;
            let page = bookings.list_resources(tenant, page).await.map_err(ReceptionistError::storage)?;
            let last = page.data.is_empty() || resources.len() + page.data.len() >= page.total as usize;
            resources.extend(page.data);
            if last {
                break;
            }
        }
        let types = bookings.appointment_types(tenant).await.map_err(ReceptionistError::storage)?;
        Ok(Self { tenant, strategy, template, schedule, resources, types })
    }

    /// The prompt template's wording, which no reply may repeat.
    #[must_use]
    pub fn instructions(&self) -> String {
        self.template.as_ref().map(|t| t.body.clone()).unwrap_or_default()
    }

    /// Whose configuration it is.
    #[must_use]
    pub const fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The business's zone.
    #[must_use]
    pub const fn zone(&self) -> Tz {
        self.schedule.time_zone
    }
}

/// One trial's world.
pub(super) struct Sandbox {
    pub desk: Receptionist,
    pub bookings: Arc<Bookings>,
    pub leads: Arc<LeadService>,
    pub tenant: TenantId,
    pub caller: LeadId,
    pub other: LeadId,
    pub zone: Tz,
    pub instructions: String,
}

fn setup<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Sandbox {
    /// Copies `base` into fresh stores at the scenario's `now` (or `now`), adds the customers and starting bookings.
    pub async fn build(
        base: &Base,
        scenario: &Scenario,
        now: DateTime<Utc>,
        model: Option<Arc<dyn ChatModel>>,
    ) -> std::result::Result<Self, String> {
        let (tenant, zone) = (base.tenant, base.zone());
        let now = match &scenario.now {
            Some(local) => local_instant(local, zone).map_err(setup("now"))?,
            None => now,
        };
        let clock = Arc::new(ManualClock::at(now));
        let store = Arc::new(InMemoryBookingStore::new());
        store.add_tenant(tenant, zone);
        store.put(tenant, &base.schedule).await.map_err(setup("schedule"))?;
        for resource in &base.resources {
            if let Some(user) = resource.user_id {
                store.add_member(tenant, user);
            }
            ResourceRepository::insert(store.as_ref(), resource).await.map_err(setup("resource"))?;
        }
        for kind in &base.types {
            AppointmentTypeRepository::insert(store.as_ref(), kind).await.map_err(setup("appointment type"))?;
        }
        let bookings = Arc::new(Bookings::new(
            BookingPorts {
                schedules: store.clone(),
                resources: store.clone(),
                types: store.clone(),
                bookings: store.clone(),
                calendar: Arc::new(InMemoryCalendar::default()),
                tokens: Arc::new(SequentialTokens::default()),
                leads: Arc::new(NoLeadCache),
                notices: Arc::new(NoNotices),
                clock: clock.clone(),
            },
            chrono::Duration::minutes(5),
        ));
        let lead_store = Arc::new(InMemoryLeadStore::default());
        let leads = Arc::new(LeadService::new(
            lead_store.clone(),
            Arc::new(MapCache::default()),
            Arc::new(InMemoryDirectory::default()),
            clock.clone(),
        ));
        let default_caller = Caller { name: Some(CALLER.0.into()), phone: Some(CALLER.1.into()), email: None };
        let given = scenario.caller.clone().unwrap_or_default();
        let caller = Caller {
            name: given.name.or(default_caller.name),
            phone: given.phone.or(if given.email.is_some() { None } else { default_caller.phone }),
            email: given.email,
        };
        let other = Caller { name: Some(OTHER.0.into()), phone: Some(OTHER.1.into()), email: None };
        let mut ids = [LeadId::new(); 2];
        for (slot, who) in ids.iter_mut().zip([&caller, &other]) {
            let input = NewLead {
                name: who.name.clone().unwrap_or_default(),
                phone: who.phone.clone(),
                email: who.email.clone(),
                ..NewLead::default()
            };
            let lead = leads.create(tenant, input).await.map_err(setup("caller"))?;
            store.add_lead(tenant, lead.id);
            *slot = lead.id;
        }
        let [caller, other] = ids;
        for (i, planned) in scenario.existing.iter().enumerate() {
            let request = BookingRequest {
                lead_id: if planned.lead == Party::Caller { caller } else { other },
                starts_at: local_instant(&planned.starts_at, zone).map_err(setup("existing"))?,
                appointment_type_id: None,
                resource_id: None,
                hold_id: None,
                notes: None,
            };
            bookings.book(tenant, request).await.map_err(|e| format!("existing[{i}] cannot be booked: {e}"))?;
        }
        let config = Arc::new(ReceptionistConfig::new(
            Arc::new(strategies(tenant, base.strategy.as_ref(), scenario, now).await?),
            Arc::new(templates(base.template.as_ref()).await?),
            clock.clone(),
        ));
        let desk =
            Receptionist::new(Arc::new(InMemoryConversations::default()), config, lead_store, bookings.clone(), model);
        let desk = desk
            .with_tools(crate::lead_tools::lead_tools(&leads, clock))
            .with_flags(Arc::new(crate::lead_tools::ServiceFlags(leads.clone())));
        Ok(Self { desk, bookings, leads, tenant, caller, other, zone, instructions: base.instructions() })
    }

    /// The caller says `said` on the scenario's channel.
    pub async fn say(&self, scenario: &Scenario, said: &str) -> Result<Answered> {
        self.desk.handle(self.tenant, self.caller, scenario.channel.unwrap_or(Channel::Chat), said).await
    }
}

/// The strategy under test as the sandbox's default, with the scenario's facts laid over its own.
async fn strategies(
    tenant: TenantId,
    live: Option<&Strategy>,
    scenario: &Scenario,
    now: DateTime<Utc>,
) -> std::result::Result<InMemoryStrategies, String> {
    let repo = InMemoryStrategies::default();
    let strategy = match (live, &scenario.facts) {
        (Some(live), None) => Some(live.clone()),
        (Some(live), Some(facts)) => {
            let mut merged = live.business_facts.as_map().clone();
            merged.extend(facts.clone());
            let business_facts = JsonObject::parse(Value::Object(merged)).map_err(setup("facts"))?;
            Some(Strategy { business_facts, ..live.clone() })
        }
        (None, Some(facts)) => {
            let input = NewStrategy {
                name: "Evaluation".into(),
                persona: "You are the receptionist.".into(),
                goal: "Answer questions and book appointments.".into(),
                business_facts: Some(Value::Object(facts.clone())),
                ..NewStrategy::default()
            };
            Some(Strategy::create(tenant, input, now).map_err(setup("facts"))?)
        }
        (None, None) => None,
    };
    if let Some(strategy) = strategy {
        repo.insert(&Strategy { is_default: true, ..strategy }).await.map_err(setup("strategy"))?;
    }
    Ok(repo)
}

async fn templates(live: Option<&PromptTemplate>) -> std::result::Result<InMemoryPromptTemplates, String> {
    let repo = InMemoryPromptTemplates::default();
    if let Some(template) = live {
        repo.insert(&PromptTemplate { is_default: true, ..template.clone() }).await.map_err(setup("template"))?;
    }
    Ok(repo)
}
