//! The leads store contract on both backends, the tenant directory, and
//! the index the `q` search relies on at scale.

use crate::support::{Fixture, postgres, sqlite};
use chrono::Utc;
use frontdesk_kernel::{Country, Role, TenantId, UserId};
use frontdesk_leads::TenantDirectory;
use frontdesk_leads::testing::contract::{self, Fixtures};
use frontdesk_sea_orm::{SeaOrmLeadRepository, SeaOrmTenantDirectory, SeaOrmTenantRepository, SeaOrmUserRepository};
use frontdesk_tenancy::{Membership, NewTenant, NewUser, PasswordHash, Tenant, TenantRepository, User, UserRepository};
use std::sync::Arc;

async fn tenant(repo: &SeaOrmTenantRepository, country: Option<&str>) -> Tenant {
    let input = NewTenant { name: "Acme".into(), timezone: None, country: country.map(Into::into) };
    let tenant = Tenant::create(input, Utc::now()).unwrap();
    repo.insert(&tenant).await.unwrap();
    tenant
}

async fn user(repo: &SeaOrmUserRepository, email: &str) -> User {
    let sign_up =
        NewUser { email: email.into(), password: "Secret123".into(), name: "Agent".into() }.validate().unwrap();
    let user = User::new_user(&sign_up, PasswordHash::from_stored("$2b$04$x".into()), Utc::now());
    repo.insert(&user).await.unwrap();
    user
}

async fn fixtures(fixture: &Fixture) -> Fixtures {
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let mut ids = Vec::new();
    for _ in 0..18 {
        ids.push(tenant(&tenants, None).await.id);
    }
    let agent = user(&SeaOrmUserRepository::new(fixture.store.clone()), "agent@example.com").await;
    let job = stored_job(fixture, ids[14]).await;
    Fixtures { tenants: ids, user: agent.id, job }
}

/// A row in `jobs` (the import check's effects reference it).
async fn stored_job(fixture: &Fixture, tenant: TenantId) -> frontdesk_kernel::jobs::JobId {
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Query};
    let id = frontdesk_kernel::jobs::JobId::new();
    let now = Utc::now();
    let insert = Query::insert()
        .into_table(Alias::new("jobs"))
        .columns(
            [
                "id",
                "tenant_id",
                "queue",
                "kind",
                "payload",
                "status",
                "attempts",
                "max_attempts",
                "run_at",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.as_uuid().into(),
            tenant.as_uuid().into(),
            "default".into(),
            "leads.import".into(),
            serde_json::json!({}).into(),
            "running".into(),
            1.into(),
            5.into(),
            now.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    fixture.store.connection().execute(&insert).await.unwrap();
    id
}

async fn lead_contract(fixture: Fixture) {
    let fixtures = fixtures(&fixture).await;
    contract::leads(Arc::new(SeaOrmLeadRepository::new(fixture.store.clone())), &fixtures).await;
    let capped = SeaOrmLeadRepository::new(fixture.store.clone()).with_count_cap(3);
    contract::list_counts_and_cursors(&capped, &fixtures).await;
}

#[tokio::test]
async fn postgres_lead_store_meets_the_contract() {
    lead_contract(postgres().await).await;
}

#[tokio::test]
async fn sqlite_lead_store_meets_the_contract() {
    lead_contract(sqlite().await).await;
}

async fn directory_reads_country_and_membership(fixture: Fixture) {
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let users = SeaOrmUserRepository::new(fixture.store.clone());
    let (us, nowhere) = (tenant(&tenants, Some("us")).await, tenant(&tenants, None).await);
    let member = user(&users, "member@example.com").await;
    let membership = Membership { tenant_id: us.id, user_id: member.id, role: Role::Agent, created_at: Utc::now() };
    frontdesk_tenancy::MembershipRepository::insert(
        &frontdesk_sea_orm::SeaOrmMembershipRepository::new(fixture.store.clone()),
        &membership,
    )
    .await
    .unwrap();

    let directory = SeaOrmTenantDirectory::new(fixture.store.clone());
    assert_eq!(directory.default_region(us.id).await.unwrap(), Country::parse("US").ok());
    assert_eq!(directory.default_region(nowhere.id).await.unwrap(), None);
    assert!(directory.default_region(TenantId::new()).await.is_err(), "unknown tenant");
    assert!(directory.is_member(us.id, member.id).await.unwrap());
    assert!(!directory.is_member(nowhere.id, member.id).await.unwrap(), "member of another tenant");
    assert!(!directory.is_member(us.id, UserId::new()).await.unwrap());
}

#[tokio::test]
async fn postgres_directory_reads_country_and_membership() {
    directory_reads_country_and_membership(postgres().await).await;
}

#[tokio::test]
async fn sqlite_directory_reads_country_and_membership() {
    directory_reads_country_and_membership(sqlite().await).await;
}

async fn receptionist_config_contracts(fixture: Fixture) {
    use frontdesk_receptionist::testing::contract as config;
    use frontdesk_sea_orm::{SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository};
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let pair = |a: &Tenant, b: &Tenant| [a.id, b.id];
    let (a, b) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    config::strategies(&SeaOrmStrategyRepository::new(fixture.store.clone()), pair(&a, &b)).await;
    let (c, d) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    config::prompt_templates(&SeaOrmPromptTemplateRepository::new(fixture.store.clone()), pair(&c, &d)).await;
    let (e, f) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    config::conversations(&frontdesk_sea_orm::SeaOrmConversations::new(fixture.store.clone()), pair(&e, &f)).await;
}

async fn channel_contracts(fixture: Fixture) {
    use frontdesk_receptionist::ConversationStore;
    use frontdesk_receptionist::testing::channels_contract as channels;
    use frontdesk_sea_orm::{SeaOrmChannels, SeaOrmConversations, SeaOrmEmailThreads, SeaOrmWidgets};
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let pair = |a: &Tenant, b: &Tenant| [a.id, b.id];
    let (a, b) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    channels::directory(&SeaOrmChannels::new(fixture.store.clone()), pair(&a, &b)).await;
    channels::opt_outs(&SeaOrmChannels::new(fixture.store.clone()), pair(&a, &b)).await;
    channels::widgets(&SeaOrmWidgets::new(fixture.store.clone()), pair(&a, &b)).await;
    let store = SeaOrmConversations::new(fixture.store.clone());
    let mut conversations = Vec::new();
    for _ in 0..2 {
        let started = frontdesk_receptionist::Conversation::start(
            a.id,
            frontdesk_kernel::LeadId::new(),
            frontdesk_receptionist::Channel::Email,
            Utc::now(),
        );
        store.create(&started).await.unwrap();
        conversations.push(started.id);
    }
    let conversations = [conversations[0], conversations[1]];
    channels::email_threads(&SeaOrmEmailThreads::new(fixture.store.clone()), pair(&a, &b), conversations).await;
}

#[tokio::test]
async fn postgres_channel_stores_meet_the_contracts() {
    channel_contracts(postgres().await).await;
}

#[tokio::test]
async fn sqlite_channel_stores_meet_the_contracts() {
    channel_contracts(sqlite().await).await;
}

#[tokio::test]
async fn postgres_strategy_and_template_repositories_meet_the_contract() {
    receptionist_config_contracts(postgres().await).await;
}

#[tokio::test]
async fn sqlite_strategy_and_template_repositories_meet_the_contract() {
    receptionist_config_contracts(sqlite().await).await;
}

/// Eight requests each making a new strategy the default at once: all
/// succeed, and exactly one default is left (the partial unique index plus
/// the repository's retry, not luck).
async fn concurrent_defaults_leave_exactly_one(fixture: Fixture) {
    use frontdesk_receptionist::{NewStrategy, Strategy, StrategyRepository};
    use frontdesk_sea_orm::SeaOrmStrategyRepository;
    let tenant = tenant(&SeaOrmTenantRepository::new(fixture.store.clone()), None).await.id;
    let repo = Arc::new(SeaOrmStrategyRepository::new(fixture.store.clone()));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let repo = Arc::clone(&repo);
            let input = NewStrategy {
                name: format!("S{i}"),
                persona: "You are Sam.".into(),
                goal: "Book.".into(),
                is_default: true,
                ..NewStrategy::default()
            };
            let strategy = Strategy::create(tenant, input, Utc::now()).unwrap();
            tokio::spawn(async move { repo.insert(&strategy).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every insert succeeds");
    }
    let all = repo.list(tenant, frontdesk_kernel::PageRequest::default()).await.unwrap();
    assert_eq!(all.total, 8);
    assert_eq!(all.data.iter().filter(|s| s.is_default).count(), 1, "{:?}", all.data);
}

#[tokio::test]
async fn postgres_concurrent_defaults_leave_exactly_one() {
    concurrent_defaults_leave_exactly_one(postgres().await).await;
}

#[tokio::test]
async fn sqlite_concurrent_defaults_leave_exactly_one() {
    concurrent_defaults_leave_exactly_one(sqlite().await).await;
}

/// SQLite: deleting strategies (a transaction that reads, then writes) while
/// another connection keeps committing writes. A deferred transaction would
/// fail with SQLITE_BUSY whenever a write landed between its read and its
/// write (seen as a 500 on `DELETE /api/v1/strategies/{id}` beside the
/// embedded job worker); transactions that take the write lock first queue.
#[tokio::test]
async fn sqlite_read_then_write_transactions_wait_for_concurrent_writers() {
    use frontdesk_receptionist::{NewStrategy, Strategy, StrategyRepository};
    use frontdesk_sea_orm::SeaOrmStrategyRepository;
    let fixture = sqlite().await;
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let owner = tenant(&tenants, None).await;
    let strategies = Arc::new(SeaOrmStrategyRepository::new(fixture.store.clone()));
    let mut ids = Vec::new();
    for n in 0..24 {
        let input = NewStrategy {
            name: format!("S{n}"),
            persona: "You are the front desk.".into(),
            goal: "Book a visit.".into(),
            ..NewStrategy::default()
        };
        let strategy = Strategy::create(owner.id, input, Utc::now()).unwrap();
        strategies.insert(&strategy).await.unwrap();
        ids.push(strategy.id);
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, tenants) = (Arc::clone(&stop), SeaOrmTenantRepository::new(fixture.store.clone()));
        tokio::spawn(async move {
            let mut written = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tenant(&tenants, None).await;
                written += 1;
            }
            written
        })
    };
    let mut deletes = tokio::task::JoinSet::new();
    for id in ids {
        let strategies = Arc::clone(&strategies);
        deletes.spawn(async move { strategies.delete(owner.id, id).await });
    }
    let mut failures = Vec::new();
    while let Some(outcome) = deletes.join_next().await {
        if let Err(err) = outcome.unwrap() {
            failures.push(format!("{err:?}"));
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0, "premise: another connection wrote meanwhile");
    assert!(failures.is_empty(), "deletes failed beside a concurrent writer: {failures:?}");
    assert_eq!(strategies.list(owner.id, frontdesk_kernel::PageRequest::default()).await.unwrap().total, 0);
}

/// Eight messages appended to one conversation at once: all stored, each at its own position.
async fn parallel_appends_all_land(fixture: Fixture) {
    use frontdesk_receptionist::ports::ConversationStore;
    use frontdesk_receptionist::{Channel, Conversation, Message, MessageRole};
    let tenant = tenant(&SeaOrmTenantRepository::new(fixture.store.clone()), None).await.id;
    let store = Arc::new(frontdesk_sea_orm::SeaOrmConversations::new(fixture.store.clone()));
    let conversation = Conversation::start(tenant, frontdesk_kernel::LeadId::new(), Channel::Chat, Utc::now());
    store.create(&conversation).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let message = Message::new(MessageRole::User, format!("message {n}"), Utc::now()).unwrap();
                store.append(tenant, conversation.id, &message).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every append lands");
    }
    let stored = store.history(tenant, conversation.id, 100).await.unwrap();
    let mut said: Vec<_> = stored.iter().map(|m| m.content.clone()).collect();
    said.sort();
    assert_eq!(said, (0..8).map(|n| format!("message {n}")).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_parallel_appends_all_land() {
    parallel_appends_all_land(postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_parallel_appends_all_land() {
    parallel_appends_all_land(sqlite().await).await;
}

/// A stored turn of `conversation` answering `asked` with `answered` (the fallback's, no tools).
fn turn_record(
    tenant: TenantId,
    conversation: frontdesk_receptionist::ConversationId,
    asked: &frontdesk_receptionist::Message,
    answered: &frontdesk_receptionist::Message,
) -> frontdesk_receptionist::conversation::TurnRecord {
    frontdesk_receptionist::conversation::TurnRecord {
        id: frontdesk_receptionist::conversation::TurnId::new(),
        tenant_id: tenant,
        conversation_id: conversation,
        inbound: asked.content.clone(),
        reply: answered.content.clone(),
        outcome: frontdesk_receptionist::agent::Outcome::Replied,
        model: "fallback".into(),
        strategy_id: None,
        template_id: None,
        prompt_hash: String::new(),
        messages: Vec::new(),
        trace: serde_json::json!({}),
        actions: serde_json::json!([]),
        prompt_tokens: 0,
        completion_tokens: 0,
        duration_ms: 1,
        created_at: Utc::now(),
    }
}

/// Eight turns of one conversation stored at once: every exchange lands
/// whole, its two messages side by side (question, then its answer), and
/// every turn is stored.
async fn parallel_exchanges_stay_whole(fixture: Fixture) {
    use frontdesk_receptionist::ports::ConversationStore;
    use frontdesk_receptionist::{Channel, Conversation, Message, MessageRole};
    let tenant = tenant(&SeaOrmTenantRepository::new(fixture.store.clone()), None).await.id;
    let store = Arc::new(frontdesk_sea_orm::SeaOrmConversations::new(fixture.store.clone()));
    let conversation = Conversation::start(tenant, frontdesk_kernel::LeadId::new(), Channel::Sms, Utc::now());
    store.create(&conversation).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let asked = Message::new(MessageRole::User, format!("question {n}"), Utc::now()).unwrap();
                let answered = Message::new(MessageRole::Assistant, format!("answer {n}"), Utc::now()).unwrap();
                let turn = turn_record(tenant, conversation.id, &asked, &answered);
                store.record_exchange(&turn, [&asked, &answered]).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every exchange lands");
    }
    let stored = store.history(tenant, conversation.id, 100).await.unwrap();
    assert_eq!(stored.len(), 16);
    let mut pairs: Vec<_> = stored
        .chunks(2)
        .map(|pair| {
            let n = pair[0].content.trim_start_matches("question ");
            assert_eq!(pair[1].content, format!("answer {n}"), "an exchange was split: {stored:?}");
            n.to_owned()
        })
        .collect();
    pairs.sort();
    assert_eq!(pairs, (0..8).map(|n| n.to_string()).collect::<Vec<_>>());
    assert_eq!(store.turns(tenant, conversation.id, 100).await.unwrap().len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_parallel_exchanges_stay_whole() {
    parallel_exchanges_stay_whole(postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_parallel_exchanges_stay_whole() {
    parallel_exchanges_stay_whole(sqlite().await).await;
}

/// The integrations repository contract, and the seeded templates compile
/// into a catalog whose every schema accepts a realistic example.
async fn integration_contracts(fixture: Fixture) {
    use frontdesk_integrations::{IntegrationKind, TemplateCatalog, TemplateSource};
    use frontdesk_sea_orm::SeaOrmIntegrations;
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let (a, b) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    let repo = SeaOrmIntegrations::new(fixture.store.clone());
    frontdesk_integrations::testing::contract::integrations(&repo, [a.id, b.id]).await;
    let own =
        frontdesk_integrations::IntegrationRepository::list(&repo, a.id, frontdesk_kernel::PageRequest::default());
    let own: Vec<_> = own.await.unwrap().data.iter().map(|i| i.id).collect();
    frontdesk_integrations::testing::contract::inbound(&repo, &repo, a.id, [own[0], own[1]]).await;
    frontdesk_integrations::testing::contract::appointment_links(&repo, a.id, [own[0], own[1]]).await;

    let templates = repo.templates().await.unwrap();
    let kinds: Vec<_> = templates.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, IntegrationKind::ALL, "one template per kind, in the seed's order");
    let catalog = TemplateCatalog::new(templates).unwrap();
    let examples = [
        (
            IntegrationKind::GoHighLevel,
            serde_json::json!({"locationId": "ve9EPM428h8vShlRW1KT", "privateIntegrationToken": "pit-0123456789abcdef"}),
        ),
        (
            IntegrationKind::GoogleCalendar,
            serde_json::json!({"calendarIds": ["primary"], "credentialType": "oauth", "clientId": "id.apps.googleusercontent.com", "clientSecret": "s", "refreshToken": "1//r"}),
        ),
        (
            IntegrationKind::Twilio,
            serde_json::json!({"accountSid": format!("AC{}", "0".repeat(32)), "authToken": "0123456789abcdef0123"}),
        ),
        (
            IntegrationKind::Postmark,
            serde_json::json!({"serverToken": "00000000-0000", "fromAddress": "desk@example.com"}),
        ),
        (
            IntegrationKind::OpenAi,
            serde_json::json!({"apiKey": "sk-0123456789", "baseUrl": "http://127.0.0.1:11434/v1"}),
        ),
        (IntegrationKind::Webhook, serde_json::json!({"url": "https://hooks.example.com/frontdesk"})),
    ];
    for (kind, example) in examples {
        catalog.validate(kind, &example).unwrap_or_else(|e| panic!("{kind}: {:?}", e.messages()));
    }
    let errors = catalog
        .validate(
            IntegrationKind::GoogleCalendar,
            &serde_json::json!({"calendarIds": [], "credentialType": "service_account"}),
        )
        .unwrap_err();
    let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"settings.calendarIds") && fields.contains(&"settings.serviceAccountKey"), "{fields:?}");
}

#[tokio::test]
async fn postgres_integration_contracts() {
    integration_contracts(postgres().await).await;
}

#[tokio::test]
async fn sqlite_integration_contracts() {
    integration_contracts(sqlite().await).await;
}

/// The event outbox, file records and webhook subscription contracts; lead writes store
/// their events in their own transaction, and a refused write stores none.
async fn outbox_contracts(fixture: Fixture) {
    use frontdesk_kernel::events::EventOutbox;
    use frontdesk_leads::{Lead, LeadChanges, LeadRepository, NewLead};
    use frontdesk_sea_orm::{SeaOrmEventOutbox, SeaOrmSubscriptions};
    let tenants = SeaOrmTenantRepository::new(fixture.store.clone());
    let (a, b) = (tenant(&tenants, None).await, tenant(&tenants, None).await);
    let outbox = SeaOrmEventOutbox::new(fixture.store.clone());
    frontdesk_kernel::testing::event_outbox_contract::event_outbox(&outbox, [a.id, b.id]).await;
    let files = frontdesk_sea_orm::SeaOrmFileRecords::new(fixture.store.clone());
    frontdesk_kernel::testing::file_records_contract::file_records(&files, [a.id, b.id]).await;
    frontdesk_integrations::testing::contract::subscriptions(
        &SeaOrmSubscriptions::new(fixture.store.clone()),
        [a.id, b.id],
    )
    .await;

    let leads = SeaOrmLeadRepository::new(fixture.store.clone());
    let new = |email: &str| NewLead { name: "Ana".into(), email: Some(email.into()), ..NewLead::default() };
    let mut lead = Lead::create(a.id, new("ana@example.com"), None, Utc::now()).unwrap();
    leads.insert(&lead, &[]).await.unwrap();
    let twin = Lead::create(a.id, new("ana@example.com"), None, Utc::now()).unwrap();
    assert!(leads.insert(&twin, &[]).await.is_err(), "a duplicate email is refused");
    let moved =
        lead.apply(LeadChanges { status: Some("contacted".into()), ..LeadChanges::default() }, None, Utc::now());
    let moved = moved.unwrap();
    leads.update(a.id, &lead, moved.as_slice()).await.unwrap();
    let stale = leads.update(a.id, &lead, &[]).await;
    assert!(stale.is_err(), "a stale version is refused");

    let kinds = ["lead.created", "lead.updated", "lead.status_changed"].map(String::from);
    let from = Utc::now() - chrono::Duration::hours(1);
    let events = outbox.between(a.id, &kinds, from, Utc::now() + chrono::Duration::hours(1), 100).await.unwrap();
    let mine: Vec<_> = events.iter().filter(|e| e.data["lead"]["email"] == "ana@example.com").collect();
    let kinds: Vec<_> = mine.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["lead.created", "lead.updated", "lead.status_changed"], "one per write that landed");
    assert!(mine.iter().all(|e| e.data["lead"]["id"] == lead.id.to_string()), "the refused twin left no event");
    assert_eq!(mine[2].data["to"], "contacted");

    // The trash and back: one event each, from the write's transaction; a second delete finds nothing and adds none.
    leads.soft_delete(a.id, lead.id, Utc::now()).await.unwrap();
    assert!(leads.soft_delete(a.id, lead.id, Utc::now()).await.is_err());
    leads.restore(a.id, lead.id, Utc::now() - chrono::Duration::days(1), Utc::now()).await.unwrap();
    let kinds = ["lead.deleted", "lead.restored"].map(String::from);
    let trash = outbox.between(a.id, &kinds, from, Utc::now() + chrono::Duration::hours(1), 100).await.unwrap();
    let trash: Vec<_> =
        trash.iter().filter(|e| e.data["lead"]["id"] == lead.id.to_string()).map(|e| e.kind.as_str()).collect();
    assert_eq!(trash, ["lead.deleted", "lead.restored"]);

    // An import batch announces the leads it inserted, not the duplicates it skipped.
    let fresh = Lead::create(a.id, new("fresh@example.com"), None, Utc::now()).unwrap();
    let dup = Lead::create(a.id, new("ana@example.com"), None, Utc::now()).unwrap();
    let job = stored_job(&fixture, a.id).await;
    let outcome = leads.import_batch(a.id, job, 0, &[fresh.clone(), dup.clone()]).await.unwrap();
    assert_eq!((outcome.inserted, outcome.duplicates), (1, 1));
    leads.import_batch(a.id, job, 0, &[fresh.clone(), dup]).await.unwrap(); // a redelivered batch
    let kinds = ["lead.created".to_owned()];
    let created = outbox.between(a.id, &kinds, from, Utc::now() + chrono::Duration::hours(1), 100).await.unwrap();
    let fresh_events = created.iter().filter(|e| e.data["lead"]["id"] == fresh.id.to_string()).count();
    assert_eq!(fresh_events, 1, "once, however often the batch runs");
}

#[tokio::test]
async fn postgres_outbox_contracts() {
    outbox_contracts(postgres().await).await;
}

#[tokio::test]
async fn sqlite_outbox_contracts() {
    outbox_contracts(sqlite().await).await;
}

/// The unfiltered total is the sum of the tenant's `lead_counts` rows, so
/// counts written under another shard layout (the migration's seed in shard
/// 0, the 16 shards before 64) stay exact as later writes land on other rows.
async fn totals_survive_a_change_of_shard_layout(fixture: Fixture) {
    use frontdesk_kernel::PageRequest;
    use frontdesk_leads::{Lead, LeadFilter, LeadRepository, NewLead};
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

    let tenant = tenant(&SeaOrmTenantRepository::new(fixture.store.clone()), None).await.id;
    let repo = SeaOrmLeadRepository::new(fixture.store.clone());
    let mut leads = Vec::new();
    for n in 0..5 {
        let input =
            NewLead { name: format!("Lead {n}"), email: Some(format!("lead{n}@example.com")), ..NewLead::default() };
        let lead = Lead::create(tenant, input, None, Utc::now()).unwrap();
        repo.insert(&lead, &[]).await.unwrap();
        leads.push(lead);
    }
    // The same five, as an older layout stored them: all in shard 0.
    let (table, tenant_id) = (Alias::new("lead_counts"), Alias::new("tenant_id"));
    let delete = Query::delete()
        .from_table(table.clone())
        .and_where(Expr::col(tenant_id.clone()).eq(tenant.as_uuid()))
        .to_owned();
    let insert = Query::insert()
        .into_table(table)
        .columns([tenant_id, Alias::new("shard"), Alias::new("live")])
        .values_panic([tenant.as_uuid().into(), 0_i16.into(), 5_i64.into()])
        .to_owned();
    fixture.store.connection().execute(&delete).await.unwrap();
    fixture.store.connection().execute(&insert).await.unwrap();
    let total = |repo: SeaOrmLeadRepository| async move {
        let page =
            repo.list(tenant, &LeadFilter::default(), PageRequest::new(Some(1), Some(1)).unwrap()).await.unwrap();
        (page.total, page.total_is_exact)
    };
    assert_eq!(total(repo.clone()).await, (5, true));
    for lead in &leads[..3] {
        repo.soft_delete(tenant, lead.id, Utc::now()).await.unwrap();
    }
    assert_eq!(total(repo.clone()).await, (2, true), "deletes move other rows than the one the count is in");
    repo.restore(tenant, leads[0].id, Utc::now() - chrono::TimeDelta::hours(1), Utc::now()).await.unwrap();
    assert_eq!(total(repo.clone()).await, (3, true));
}

#[tokio::test]
async fn postgres_totals_survive_a_change_of_shard_layout() {
    totals_survive_a_change_of_shard_layout(postgres().await).await;
}

#[tokio::test]
async fn sqlite_totals_survive_a_change_of_shard_layout() {
    totals_survive_a_change_of_shard_layout(sqlite().await).await;
}

/// A turn's exchange and its two timeline entries are one commit: both land
/// with the turn (eight turns at once included), none when the conversation
/// is missing, the turn alone when the lead went to the trash, and entries of
/// more than one lead are left to the caller.
async fn a_turn_and_its_timeline_are_one_commit(fixture: Fixture) {
    use frontdesk_kernel::PageRequest;
    use frontdesk_leads::{Direction, EventKind, Lead, LeadRepository, NewLead, NewTimelineEvent, TimelineEvent};
    use frontdesk_receptionist::ports::ConversationStore;
    use frontdesk_receptionist::{Channel, Conversation, ConversationId, Message, MessageRole};
    let tenant = tenant(&SeaOrmTenantRepository::new(fixture.store.clone()), None).await.id;
    let leads = SeaOrmLeadRepository::new(fixture.store.clone());
    let mut ids = Vec::new();
    for n in 0..2 {
        let input =
            NewLead { name: format!("Caller {n}"), phone: Some(format!("+1415555010{n}")), ..NewLead::default() };
        let lead = Lead::create(tenant, input, None, Utc::now()).unwrap();
        leads.insert(&lead, &[]).await.unwrap();
        ids.push(lead.id);
    }
    let store = Arc::new(frontdesk_sea_orm::SeaOrmConversations::new(fixture.store.clone()));
    let conversation = Conversation::start(tenant, ids[0], Channel::Sms, Utc::now());
    store.create(&conversation).await.unwrap();
    let exchange = move |conversation: ConversationId, lead, n: usize| {
        let asked = Message::new(MessageRole::User, format!("question {n}"), Utc::now()).unwrap();
        let answered = Message::new(MessageRole::Assistant, format!("answer {n}"), Utc::now()).unwrap();
        let turn = turn_record(tenant, conversation, &asked, &answered);
        let entry = |direction, content: &str| {
            let input = NewTimelineEvent {
                kind: EventKind::Sms,
                direction: Some(direction),
                content: content.to_owned(),
                meta: Some(serde_json::json!({"turnId": turn.id.to_string()})),
            };
            TimelineEvent::record(tenant, lead, input, Utc::now()).unwrap()
        };
        let timeline = vec![entry(Direction::Inbound, &asked.content), entry(Direction::Outbound, &answered.content)];
        (turn, [asked, answered], timeline)
    };
    let timeline_of = |lead| {
        let leads = leads.clone();
        async move {
            let page = leads.timeline(tenant, lead, PageRequest::new(Some(1), Some(100)).unwrap()).await.unwrap();
            let mut said: Vec<String> = page.data.iter().map(|e| e.content.clone()).collect();
            said.sort();
            said
        }
    };

    // Eight turns at once (some lose a position and run again): all whole, each with its entries.
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let (store, (turn, [asked, answered], timeline)) =
                (Arc::clone(&store), exchange(conversation.id, ids[0], n));
            tokio::spawn(async move { store.record_exchange_and_timeline(&turn, [&asked, &answered], &timeline).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().expect("every exchange lands"), "the timeline went in the exchange's commit");
    }
    let mut expected: Vec<String> = (0..8).flat_map(|n| [format!("question {n}"), format!("answer {n}")]).collect();
    expected.sort();
    assert_eq!(timeline_of(ids[0]).await, expected);
    assert_eq!(store.turns(tenant, conversation.id, 100).await.unwrap().len(), 8);

    // No conversation: nothing at all, the timeline included.
    let (turn, [asked, answered], timeline) = exchange(ConversationId::new(), ids[1], 9);
    let missing = store.record_exchange_and_timeline(&turn, [&asked, &answered], &timeline).await;
    assert!(matches!(missing, Err(frontdesk_receptionist::ReceptionistError::NotFound { .. })), "{missing:?}");
    assert!(timeline_of(ids[1]).await.is_empty(), "an exchange that was refused left timeline entries");

    // Entries of two leads: the exchange is stored, the entries are the caller's to write.
    let (turn, [asked, answered], mut timeline) = exchange(conversation.id, ids[0], 10);
    timeline[1].lead_id = ids[1];
    assert!(!store.record_exchange_and_timeline(&turn, [&asked, &answered], &timeline).await.unwrap());
    assert_eq!(store.turns(tenant, conversation.id, 100).await.unwrap().len(), 9);
    assert!(timeline_of(ids[1]).await.is_empty());

    // The lead in the trash: the turn stands, its entries are dropped.
    leads.soft_delete(tenant, ids[0], Utc::now()).await.unwrap();
    let (turn, [asked, answered], timeline) = exchange(conversation.id, ids[0], 11);
    assert!(store.record_exchange_and_timeline(&turn, [&asked, &answered], &timeline).await.unwrap());
    assert_eq!(store.turns(tenant, conversation.id, 100).await.unwrap().len(), 10);
    leads.restore(tenant, ids[0], Utc::now() - chrono::Duration::days(1), Utc::now()).await.unwrap();
    assert_eq!(timeline_of(ids[0]).await.len(), 16, "no entries written for a lead in the trash");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_turn_and_its_timeline_are_one_commit() {
    a_turn_and_its_timeline_are_one_commit(postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_turn_and_its_timeline_are_one_commit() {
    a_turn_and_its_timeline_are_one_commit(sqlite().await).await;
}
