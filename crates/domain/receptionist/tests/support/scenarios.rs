//! The scenario corpus (`tests/scenarios/*.json`) played against the
//! fallback receptionist through the whole use case — conversation store,
//! history rebuilt from stored turns, the agent loop, the real bookings use
//! cases on in-memory stores — asserting on what was stored: the exact set
//! of confirmed bookings (at the right instant in the business's zone),
//! and that no reply ever carries a forbidden string (the system prompt's
//! marker, another customer's number).

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk_bookings::service::BookingRequest;
use frontdesk_bookings::testing::memory::InMemoryBookingStore;
use frontdesk_bookings::{BookingFilter, BookingStatus};
use frontdesk_kernel::testing::ManualClock;
use frontdesk_kernel::{LeadId, PageRequest, TenantId};
use frontdesk_leads::testing::InMemoryLeadStore;
use frontdesk_leads::{Lead, LeadRepository, NewLead};
use frontdesk_receptionist::receptionist::Receptionist;
use frontdesk_receptionist::strategy::NewStrategy;
use frontdesk_receptionist::template::NewPromptTemplate;
use frontdesk_receptionist::testing::{InMemoryConversations, InMemoryPromptTemplates, InMemoryStrategies};
use frontdesk_receptionist::{Channel, ReceptionistConfig};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const ZONE: Tz = Tz::America__Chicago;
const MARKER: &str = "SECRET-PROMPT-MARKER-7731";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Scenario {
    name: String,
    category: String,
    #[serde(default)]
    existing: Vec<Planned>,
    facts: Option<Value>,
    turns: Vec<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Planned {
    lead: String,
    starts_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Expect {
    bookings: Vec<Planned>,
    #[serde(default)]
    replies: Vec<ReplyCheck>,
    #[serde(default)]
    forbidden: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReplyCheck {
    turn: usize,
    contains: String,
}

fn local(raw: &str) -> chrono::DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").expect("a local wall time like 2026-12-08T15:00");
    ZONE.from_local_datetime(&naive).single().expect("unambiguous").with_timezone(&Utc)
}

/// Plays one scenario; `Err` describes the first broken expectation.
async fn play(scenario: &Scenario) -> Result<(), String> {
    let now = local("2026-12-07T07:00");
    let store = Arc::new(InMemoryBookingStore::new());
    let tenant = TenantId::new();
    store.add_tenant(tenant, ZONE);
    let bookings = super::bookings_over(&store, tenant).await;
    if bookings.now() != now {
        return Err("the shared world's clock moved".into());
    }
    let leads = Arc::new(InMemoryLeadStore::default());
    let mut ids = std::collections::HashMap::new();
    for (key, name, phone) in [("caller", "Ana Diaz", "+13125550100"), ("other", "Bo Li", "+13125550199")] {
        let input = NewLead { name: name.into(), phone: Some(phone.into()), ..NewLead::default() };
        let lead = Lead::create(tenant, input, None, Utc::now()).map_err(|e| e.to_string())?;
        leads.insert(&lead, &[]).await.map_err(|e| e.to_string())?;
        store.add_lead(tenant, lead.id);
        ids.insert(key.to_owned(), lead.id);
    }
    let lead = |key: &str| ids.get(key).copied().ok_or_else(|| format!("unknown lead {key:?}"));
    for planned in &scenario.existing {
        let request = BookingRequest {
            lead_id: lead(&planned.lead)?,
            starts_at: local(&planned.starts_at),
            appointment_type_id: None,
            resource_id: None,
            hold_id: None,
            notes: None,
        };
        bookings.book(tenant, request).await.map_err(|e| format!("existing booking: {e}"))?;
    }
    let config = Arc::new(ReceptionistConfig::new(
        Arc::new(InMemoryStrategies::default()),
        Arc::new(InMemoryPromptTemplates::default()),
        Arc::new(ManualClock::at(Utc::now())),
    ));
    let facts = scenario.facts.clone().unwrap_or_else(|| {
        json!({"name": "Acme Roofing", "hours": "Monday to Friday, 9am to 5pm", "location": "12 Elm St, Springfield",
            "services": "roof repair, gutters, inspections", "pricing": "Inspections are free; repairs are quoted on site"})
    });
    let strategy = NewStrategy {
        name: "Main".into(),
        persona: "You are Sam.".into(),
        goal: "Book inspections.".into(),
        business_facts: Some(facts),
        ..NewStrategy::default()
    };
    config.create_strategy(tenant, strategy).await.map_err(|e| e.to_string())?;
    let template = NewPromptTemplate {
        name: "Main".into(),
        body: format!("You are Sam, the receptionist of {{{{business.name}}}}. {MARKER}"),
        variables: None,
        is_default: true,
    };
    config.create_template(tenant, template).await.map_err(|e| e.to_string())?;
    let desk = Receptionist::new(Arc::new(InMemoryConversations::default()), config, leads, bookings.clone(), None);

    let caller = lead("caller")?;
    let mut replies = Vec::new();
    for said in &scenario.turns {
        let answer =
            desk.handle(tenant, caller, Channel::Sms, said).await.map_err(|e| format!("turn {said:?}: {e}"))?;
        replies.push(answer.reply);
    }
    for (i, reply) in replies.iter().enumerate() {
        for word in scenario.expect.forbidden.iter().map(String::as_str).chain([MARKER]) {
            if reply.contains(word) {
                return Err(format!("reply {i} {reply:?} contains the forbidden {word:?}"));
            }
        }
    }
    for check in &scenario.expect.replies {
        let reply = replies.get(check.turn).ok_or_else(|| format!("no turn {}", check.turn))?;
        if !reply.contains(&check.contains) {
            return Err(format!("reply {} is {reply:?}, expected it to contain {:?}", check.turn, check.contains));
        }
    }
    let stored = bookings
        .list(
            tenant,
            &BookingFilter { status: Some(BookingStatus::Confirmed), ..BookingFilter::default() },
            PageRequest::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let got: BTreeSet<(LeadId, chrono::DateTime<Utc>)> = stored.data.iter().map(|b| (b.lead_id, b.starts_at)).collect();
    let want: BTreeSet<(LeadId, chrono::DateTime<Utc>)> = scenario
        .expect
        .bookings
        .iter()
        .map(|p| Ok((lead(&p.lead)?, local(&p.starts_at))))
        .collect::<Result<_, String>>()?;
    if got != want {
        let show = |set: &BTreeSet<(LeadId, chrono::DateTime<Utc>)>| {
            set.iter()
                .map(|(l, t)| {
                    format!(
                        "{}@{}",
                        if *l == caller { "caller" } else { "other" },
                        t.with_timezone(&ZONE).format("%Y-%m-%dT%H:%M")
                    )
                })
                .collect::<Vec<_>>()
        };
        return Err(format!("bookings {:?}, expected {:?}; replies: {replies:?}", show(&got), show(&want)));
    }
    Ok(())
}

#[tokio::test]
async fn every_scenario_of_the_corpus_holds_against_the_fallback() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("tests/scenarios").map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    assert!(files.len() >= 30, "the corpus has {} scenarios; it needs at least 30", files.len());
    let mut failures = Vec::new();
    let mut categories = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let scenario: Scenario = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        categories.insert(scenario.category.clone());
        if let Err(problem) = play(&scenario).await {
            failures.push(format!("{} ({}): {problem}", file.file_name().unwrap().to_string_lossy(), scenario.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} scenarios failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    for needed in [
        "book-with-time",
        "book-without-time",
        "choose-slot",
        "no-slot-fits",
        "reschedule",
        "cancel",
        "prompt-injection",
        "other-customer",
        "human",
        "opt-out",
        "goodbye",
    ] {
        assert!(categories.contains(needed), "no scenario of category {needed}");
    }
}
