//! The bookings contract suite on PostgreSQL (the exclusion constraint on
//! `slot_claims`) and SQLite (the serialized check-then-insert): the same
//! checks the in-memory fake passes, including parallel claims of one slot;
//! and the outbox contract (idempotent sends, newest-first tenant listing).

use crate::support::{Fixture, postgres, sqlite};
use chrono::Utc;
use chrono_tz::Tz;
use frontdesk_bookings::testing::contract::{self, Fixtures, Stores};
use frontdesk_kernel::Role;
use frontdesk_leads::{Lead, LeadRepository, NewLead};
use frontdesk_sea_orm::{
    SeaOrmAppointmentTypes, SeaOrmBookings, SeaOrmLeadRepository, SeaOrmMembershipRepository, SeaOrmOutbox,
    SeaOrmResources, SeaOrmSchedules, SeaOrmTenantRepository, SeaOrmUserRepository, SeaOrmWording,
};
use frontdesk_tenancy::{
    Membership, MembershipRepository, NewTenant, NewUser, PasswordHash, Tenant, TenantRepository, User, UserRepository,
};
use std::sync::Arc;

const ZONE: Tz = Tz::America__Chicago;

async fn fixtures(fixture: &Fixture) -> Fixtures {
    let store = &fixture.store;
    let tenants_repo = SeaOrmTenantRepository::new(store.clone());
    let leads_repo = SeaOrmLeadRepository::new(store.clone());
    let (mut tenants, mut leads) = (Vec::new(), Vec::new());
    for n in 0..10 {
        let input = NewTenant { name: format!("Shop {n}"), timezone: Some(ZONE.name().into()), country: None };
        let tenant = Tenant::create(input, Utc::now()).unwrap();
        tenants_repo.insert(&tenant).await.unwrap();
        let lead = Lead::create(
            tenant.id,
            NewLead { name: format!("Lead {n}"), email: Some(format!("lead{n}@example.com")), ..NewLead::default() },
            None,
            Utc::now(),
        )
        .unwrap();
        leads_repo.insert(&lead, &[]).await.unwrap();
        tenants.push(tenant.id);
        leads.push(lead.id);
    }
    let sign_up = NewUser { email: "staff@example.com".into(), password: "Secret123".into(), name: "Staff".into() }
        .validate()
        .unwrap();
    let member = User::new_user(&sign_up, PasswordHash::from_stored("$2b$04$x".into()), Utc::now());
    SeaOrmUserRepository::new(store.clone()).insert(&member).await.unwrap();
    let membership =
        Membership { tenant_id: tenants[2], user_id: member.id, role: Role::Agent, created_at: Utc::now() };
    SeaOrmMembershipRepository::new(store.clone()).insert(&membership).await.unwrap();
    Fixtures { tenants, leads, member: member.id, zone: ZONE }
}

async fn bookings_contract(fixture: Fixture) {
    let fixtures = fixtures(&fixture).await;
    let sql = fixture.store.clone();
    let stores = Stores {
        schedules: Arc::new(SeaOrmSchedules::new(sql.clone())),
        resources: Arc::new(SeaOrmResources::new(sql.clone())),
        types: Arc::new(SeaOrmAppointmentTypes::new(sql.clone())),
        bookings: Arc::new(SeaOrmBookings::new(sql.clone())),
        wording: Arc::new(SeaOrmWording::new(sql)),
    };
    contract::bookings(&stores, &fixtures).await;
    let outbox = SeaOrmOutbox::new(fixture.store.clone());
    frontdesk_kernel::testing::outbox_contract::outbox(&outbox, &outbox, [fixtures.tenants[0], fixtures.tenants[1]])
        .await;
    frontdesk_kernel::testing::outbox_contract::ledger(Arc::new(outbox), [fixtures.tenants[0], fixtures.tenants[1]])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_bookings_store_meets_the_contract() {
    bookings_contract(postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_bookings_store_meets_the_contract() {
    bookings_contract(sqlite().await).await;
}
