//! `POST /api/v1/evaluations`: a tenant tests its receptionist on scenarios
//! (or a built-in suite) in a sandbox copy of its configuration; the job's
//! result at `GET /api/v1/jobs/{id}` holds a verdict per expectation and
//! trial. This module reads HTTP only: every scenario is parsed on its own
//! so each bad one is named (`scenarios[2]`), then the use case
//! ([`frontdesk_receptionist::evaluation::start`]) checks every rule and queues it.

use crate::error::ApiError;
use crate::extract::tenant::ManagerScope;
use crate::routes::jobs::{AcceptedBody, JobsContext};
use actix_web::{HttpRequest, HttpResponse, post, web};
use frontdesk_kernel::ValidationErrors;
use frontdesk_receptionist::ReceptionistConfig;
use frontdesk_receptionist::evaluation::{self, EvaluationRequest, Scenario};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// An evaluation: scenarios (or a built-in suite) and how many trials of each.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluationBody {
    /// The scenarios to play (1–50), or none with `suite`.
    #[schema(value_type = Option<Vec<ScenarioSchema>>)]
    scenarios: Option<Vec<Value>>,
    /// A built-in suite instead of `scenarios`: `starter` (booking, hours, a person, prompt injection, another customer, opt-out, goodbye).
    suite: Option<String>,
    /// Plays of each scenario, 1–5 (default 1): a model varies between plays, the fallback does not.
    trials: Option<u32>,
    /// The strategy to evaluate, one of this sub-account (its default when absent).
    strategy_id: Option<String>,
    /// The prompt template to evaluate, one of this sub-account (its default when absent).
    prompt_template_id: Option<String>,
}

/// A scenario: who calls and when, what was booked before, what they say, what must hold after.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents a scenario for the OpenAPI document")]
pub struct ScenarioSchema {
    /// What it tests.
    name: String,
    /// A label for grouping.
    category: Option<String>,
    /// `voice`, `sms`, `email` or `chat` (default `chat`; replies are fitted to it).
    channel: Option<String>,
    /// The business's local time when the caller starts, `YYYY-MM-DDTHH:MM` (now when absent).
    now: Option<String>,
    /// The caller (a made-up `Ana Diaz`, `+13125550100` when absent); phone international, or email.
    caller: Option<CallerSchema>,
    /// Bookings made before the caller starts (at most 20), in the business's local time.
    existing: Option<Vec<PlannedSchema>>,
    /// Business facts laid over the strategy's for this scenario.
    #[schema(value_type = Option<Object>)]
    facts: Option<Value>,
    /// What the caller says, turn by turn (1–20).
    turns: Vec<String>,
    /// What must hold afterwards; absent parts are not checked.
    expect: Option<ExpectSchema>,
}

/// A caller's details.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents a scenario for the OpenAPI document")]
pub struct CallerSchema {
    /// Name.
    name: Option<String>,
    /// International phone number (`+1 312 555 0100`), valid for its numbering plan.
    phone: Option<String>,
    /// Email address.
    email: Option<String>,
}

/// A booking at a local time: the caller's or another (made-up) customer's.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents a scenario for the OpenAPI document")]
pub struct PlannedSchema {
    /// `caller` or `other`.
    lead: String,
    /// Local start, `YYYY-MM-DDTHH:MM`, a real date and a time that exists in the business's zone.
    starts_at: String,
}

/// Expectations, each checked on what was stored or said.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents a scenario for the OpenAPI document")]
pub struct ExpectSchema {
    /// The exact set of confirmed bookings afterwards, the starting ones included.
    bookings: Option<Vec<PlannedSchema>>,
    /// How many confirmed bookings the caller has afterwards.
    caller_bookings: Option<u32>,
    /// Text a reply must contain (case-insensitive).
    replies: Option<Vec<ReplyCheckSchema>>,
    /// Text no reply may contain (case-insensitive).
    forbidden: Option<Vec<String>>,
    /// Whether a person was asked to take over.
    handoff: Option<bool>,
    /// Whether the caller was flagged as abusive (insults, slurs, threats get a polite close and a flag).
    abuse_flagged: Option<bool>,
    /// The caller's record afterwards.
    lead: Option<CallerSchema>,
    /// Qualification values recorded (`{"budget": "5000", "decisionMaker": true}`).
    #[schema(value_type = Option<Object>)]
    qualification: Option<Value>,
}

/// A reply that must carry some text.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents a scenario for the OpenAPI document")]
pub struct ReplyCheckSchema {
    /// Which reply (0 = the answer to the first turn); must be a turn of the scenario.
    turn: u32,
    /// What it must contain.
    contains: String,
}

/// Removes members set to `null` (absent, as everywhere in this api), except inside `facts` and `qualification`.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (key, v) in map.iter_mut() {
                if key != "facts" && key != "qualification" {
                    drop_nulls(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Plays scenarios against this sub-account's receptionist in a sandbox (owners and managers).
///
/// The sandbox is a copy of the sub-account's strategy, prompt template,
/// schedule, resources and appointment types, with two made-up customers;
/// the live model answers (the fallback when none is configured). Nothing
/// touches real leads, bookings or conversations. Poll `GET /api/v1/jobs/{jobId}`:
/// its `result` holds, per scenario and trial, the replies and a verdict
/// per expectation (`{expectation, passed, detail}`); every trial also checks
/// that no reply repeats the prompt template or names the other customer.
/// `Idempotency-Key` makes a retried request return the same job.
#[utoipa::path(tag = "receptionist", request_body(content = EvaluationBody), security(("bearer" = [])),
    responses((status = 202, body = AcceptedBody),
        (status = 400, description = "every bad field, scenarios named by index", body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
#[post("/api/v1/evaluations")]
pub(super) async fn evaluate(
    jobs: web::Data<JobsContext>,
    config: web::Data<ReceptionistConfig>,
    scope: ManagerScope,
    req: HttpRequest,
    body: web::Json<EvaluationBody>,
) -> Result<HttpResponse, ApiError> {
    let key = crate::routes::idempotency_key(&req)?;
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let mut parsed = Vec::new();
    for (i, mut raw) in body.scenarios.unwrap_or_default().into_iter().enumerate() {
        drop_nulls(&mut raw);
        match serde_json::from_value::<Scenario>(raw) {
            Ok(scenario) => parsed.push((i, scenario)),
            Err(e) => errors.add(format!("scenarios[{i}]"), e.to_string()),
        }
    }
    if !errors.is_empty() {
        // The use case checks the rules of every scenario, but is not reached
        // when one is unreadable: name the readable ones' problems here, so one
        // answer lists what is wrong with all of them.
        for (i, scenario) in &parsed {
            errors.extend(scenario.problems(&format!("scenarios[{i}]")));
        }
    }
    let scenarios: Vec<Scenario> = parsed.into_iter().map(|(_, scenario)| scenario).collect();
    let strategy_id = crate::routes::field_id(&mut errors, "strategyId", body.strategy_id.as_deref());
    let prompt_template_id =
        crate::routes::field_id(&mut errors, "promptTemplateId", body.prompt_template_id.as_deref());
    errors.into_result()?;
    let suite = body.suite.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let request =
        EvaluationRequest { scenarios, suite, trials: body.trials.unwrap_or(1), strategy_id, prompt_template_id };
    let job = evaluation::start(jobs.queue.as_ref(), &config, scope.tenant, &request, key.as_deref()).await?;
    Ok(HttpResponse::Accepted().json(AcceptedBody { job_id: job.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_absent_except_inside_facts() {
        let mut raw = serde_json::json!({"name": "x", "caller": null, "expect": {"handoff": null},
            "facts": {"parking": null}});
        drop_nulls(&mut raw);
        assert_eq!(raw, serde_json::json!({"name": "x", "expect": {}, "facts": {"parking": null}}));
    }
}
