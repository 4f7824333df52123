//! Evaluations: a tenant tests its own receptionist before going live.
//!
//! An evaluation is a list of [`Scenario`]s (or a built-in suite) played
//! `trials` times each in a **sandbox** — a copy of the tenant's
//! configuration (strategy, prompt template, schedule, resources,
//! appointment types) in in-memory stores, with made-up leads — through
//! the very [`Receptionist`](crate::receptionist::Receptionist) use case
//! and model that answer real callers. Nothing touches the tenant's real
//! leads, bookings or conversations. Each expectation of each trial gets a
//! verdict with what was found, so a tenant sees *why* a scenario fails;
//! two checks always run: no reply carries the prompt template's wording,
//! and none carries the other (made-up) customer's name or phone.
//!
//! It runs as a job ([`EvaluateJob`], kind `receptionist.evaluate`) because
//! a real model takes seconds per turn; progress is reported per trial.

mod check;
mod sandbox;
pub mod scenario;

pub use check::Verdict;
pub use sandbox::Base;
pub use scenario::{Caller, Expect, Party, Planned, ReplyCheck, Scenario};

use crate::config::ReceptionistConfig;
use crate::model::ChatModel;
use crate::strategy::StrategyId;
use crate::template::PromptTemplateId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_bookings::service::Bookings;
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobId, JobKind, JobQueue, ProgressSink};
use frontdesk_kernel::{Clock, TenantId, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The built-in suites, by name.
pub const SUITES: &[(&str, &str)] = &[("starter", include_str!("suites/starter.json"))];

/// What `POST /api/v1/evaluations` asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluationRequest {
    /// The scenarios to play (this or `suite`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Scenario>,
    /// A built-in suite (`starter`) instead of `scenarios`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// How many times each scenario is played (1–5; models vary, the fallback does not).
    #[serde(default = "one")]
    pub trials: u32,
    /// The strategy to evaluate (the default one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_id: Option<StrategyId>,
    /// The prompt template to evaluate (the default one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_template_id: Option<PromptTemplateId>,
}

const fn one() -> u32 {
    1
}

impl EvaluationRequest {
    /// Every problem with it, each field named (`scenarios[2].turns[0]`).
    #[must_use]
    pub fn problems(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        if !(1..=scenario::MAX_TRIALS).contains(&self.trials) {
            errors.add("trials", format!("must be between 1 and {}", scenario::MAX_TRIALS));
        }
        match (&self.suite, self.scenarios.is_empty()) {
            (Some(_), false) => errors.add("suite", "give either scenarios or a suite, not both"),
            (None, true) => errors.add("scenarios", "give at least one scenario, or a suite"),
            (Some(name), true) if suite(name).is_none() => {
                let known: Vec<&str> = SUITES.iter().map(|(n, _)| *n).collect();
                errors.add("suite", format!("unknown suite; known: {}", known.join(", ")));
            }
            _ => {}
        }
        if self.scenarios.len() > scenario::MAX_SCENARIOS {
            errors.add("scenarios", format!("must hold at most {} scenarios", scenario::MAX_SCENARIOS));
        }
        let turns = |scenarios: &[Scenario]| scenarios.iter().map(|s| s.turns.len()).sum::<usize>();
        let per_trial = match &self.suite {
            Some(name) => suite(name).map_or(0, |s| turns(&s)),
            None => turns(&self.scenarios),
        };
        let total = per_trial * self.trials as usize;
        if total > scenario::MAX_TOTAL_TURNS {
            errors.add(
                "trials",
                format!(
                    "the evaluation would play {total} turns; at most {} (scenarios × turns × trials)",
                    scenario::MAX_TOTAL_TURNS
                ),
            );
        }
        for (i, s) in self.scenarios.iter().enumerate() {
            errors.extend(s.problems(&format!("scenarios[{i}]")));
        }
        errors
    }

    /// The scenarios it names (the suite's, when a suite).
    #[must_use]
    pub fn resolve(&self) -> Vec<Scenario> {
        match &self.suite {
            Some(name) => suite(name).unwrap_or_default(),
            None => self.scenarios.clone(),
        }
    }
}

/// The scenarios of built-in suite `name`.
#[must_use]
pub fn suite(name: &str) -> Option<Vec<Scenario>> {
    let (_, text) = SUITES.iter().find(|(n, _)| *n == name)?;
    serde_json::from_str(text).ok()
}

/// Queues an evaluation of `tenant`'s receptionist (`key`: a retried request gets the same job).
///
/// # Errors
/// `Validation` naming every bad field — a strategy or template that is not
/// the tenant's included — nothing queued; `Storage` when the queue fails.
pub async fn start(
    queue: &dyn JobQueue,
    config: &ReceptionistConfig,
    tenant: TenantId,
    request: &EvaluationRequest,
    key: Option<&str>,
) -> crate::Result<JobId> {
    let mut errors = request.problems();
    if let Some(id) = request.strategy_id
        && let Err(crate::ReceptionistError::NotFound { .. }) = config.get_strategy(tenant, id).await
    {
        errors.add("strategyId", "names no strategy of this sub-account");
    }
    if let Some(id) = request.prompt_template_id
        && let Err(crate::ReceptionistError::NotFound { .. }) = config.get_template(tenant, id).await
    {
        errors.add("promptTemplateId", "names no prompt template of this sub-account");
    }
    errors.into_result()?;
    let mut job = EvaluateJob::new_job(tenant, request).map_err(crate::ReceptionistError::storage)?;
    if let Some(key) = key {
        job = job.with_idempotency_key(format!("{}:{key}", EvaluateJob::KIND));
    }
    let id = queue.enqueue(job).await.map_err(crate::ReceptionistError::storage)?.id();
    tracing::info!(job.id = %id, "evaluation queued");
    Ok(id)
}

/// The verdict of one play of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trial {
    /// Every expectation held.
    pub passed: bool,
    /// The receptionist's replies, turn by turn.
    pub replies: Vec<String>,
    /// How each turn ended (`replied`, `booked`, `handed_off`, `fallback`, `error`).
    pub outcomes: Vec<String>,
    /// One verdict per expectation (and per built-in check).
    pub expectations: Vec<Verdict>,
}

/// A scenario's trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioReport {
    /// Its name.
    pub name: String,
    /// Its category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Trials that passed.
    pub passed_trials: u32,
    /// Every trial.
    pub trials: Vec<Trial>,
}

/// What an evaluation found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationReport {
    /// Every trial of every scenario passed.
    pub passed: bool,
    /// Scenarios whose every trial passed.
    pub passed_scenarios: u32,
    /// Scenarios played.
    pub total_scenarios: u32,
    /// Per scenario.
    pub scenarios: Vec<ScenarioReport>,
}

/// The evaluation job kind.
#[derive(Debug)]
pub struct EvaluateJob;

impl JobKind for EvaluateJob {
    const KIND: &'static str = "receptionist.evaluate";
    type Payload = EvaluationRequest;
    type Output = EvaluationReport;
}

/// Runs evaluations against the live configuration and model, in sandboxes.
pub struct Evaluations {
    config: Arc<ReceptionistConfig>,
    bookings: Arc<Bookings>,
    model: Option<Arc<dyn ChatModel>>,
    clock: Arc<dyn Clock>,
}

impl Evaluations {
    /// Over the tenant-facing configuration and scheduling use cases and the live model (`None`: the fallback).
    #[must_use]
    pub fn new(
        config: Arc<ReceptionistConfig>,
        bookings: Arc<Bookings>,
        model: Option<Arc<dyn ChatModel>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { config, bookings, model, clock }
    }

    /// Plays every scenario of `request` for `tenant`; `progress` hears of each finished trial.
    ///
    /// # Errors
    /// `NotFound` when the named strategy or template is not the tenant's; `Storage`.
    pub async fn evaluate(
        &self,
        tenant: TenantId,
        request: &EvaluationRequest,
        progress: &dyn ProgressSink,
    ) -> crate::Result<EvaluationReport> {
        let base =
            Base::load(&self.config, &self.bookings, tenant, request.strategy_id, request.prompt_template_id).await?;
        let scenarios = request.resolve();
        let total = scenarios.len() as u64 * u64::from(request.trials);
        let mut done = 0;
        let mut reports = Vec::with_capacity(scenarios.len());
        for scenario in &scenarios {
            let mut trials = Vec::new();
            for _ in 0..request.trials {
                trials.push(self.play(&base, scenario, self.clock.now()).await);
                done += 1;
                progress.report(done, total).await;
            }
            let passed_trials = trials.iter().filter(|t| t.passed).count() as u32;
            reports.push(ScenarioReport {
                name: scenario.name.clone(),
                category: scenario.category.clone(),
                passed_trials,
                trials,
            });
        }
        let passed_scenarios = reports.iter().filter(|r| r.passed_trials as usize == r.trials.len()).count() as u32;
        Ok(EvaluationReport {
            passed: passed_scenarios as usize == reports.len(),
            passed_scenarios,
            total_scenarios: reports.len() as u32,
            scenarios: reports,
        })
    }

    /// One play of `scenario` over `base`, starting at `now` unless the scenario says when.
    pub async fn play(&self, base: &Base, scenario: &Scenario, now: DateTime<Utc>) -> Trial {
        let sandbox = match sandbox::Sandbox::build(base, scenario, now, self.model.clone()).await {
            Ok(sandbox) => sandbox,
            Err(problem) => return Trial::broken("starting state", problem),
        };
        let mut replies = Vec::new();
        let mut outcomes = Vec::new();
        for (i, said) in scenario.turns.iter().enumerate() {
            match sandbox.say(scenario, said).await {
                Ok(answer) => {
                    replies.push(answer.reply);
                    outcomes.push(answer.outcome.as_str().to_owned());
                }
                Err(e) => {
                    let mut trial = Trial::broken(&format!("turn {i}"), format!("the turn failed: {e}"));
                    trial.replies = replies;
                    trial.outcomes = outcomes;
                    return trial;
                }
            }
        }
        let expectations = check::verdicts(&sandbox, scenario, &replies, &outcomes).await;
        Trial { passed: expectations.iter().all(|v| v.passed), replies, outcomes, expectations }
    }
}

impl Trial {
    fn broken(expectation: &str, detail: String) -> Self {
        Self {
            passed: false,
            replies: Vec::new(),
            outcomes: Vec::new(),
            expectations: vec![Verdict { expectation: expectation.to_owned(), passed: false, detail }],
        }
    }
}

#[async_trait]
impl JobHandler for Evaluations {
    fn kind(&self) -> &'static str {
        EvaluateJob::KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let request = EvaluateJob::payload(job)?;
        let problems = request.problems();
        if !problems.is_empty() {
            return Err(JobFailure::permanent(problems.to_string()));
        }
        let span = tracing::info_span!("evaluation", tenant_id = %job.tenant_id, job_id = %job.id);
        let _entered = span.enter();
        let report = match self.evaluate(job.tenant_id, &request, progress).await {
            Ok(report) => report,
            Err(crate::ReceptionistError::NotFound { entity }) => {
                return Err(JobFailure::permanent(format!("the {entity} to evaluate no longer exists")));
            }
            Err(e) => return Err(JobFailure::retry(e.to_string())),
        };
        tracing::info!(passed = report.passed_scenarios, total = report.total_scenarios, "evaluation finished");
        EvaluateJob::encode(&report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_names_every_bad_field() {
        let request: EvaluationRequest = serde_json::from_value(json!({
            "trials": 9, "suite": "starter",
            "scenarios": [{"name": "x", "turns": []}]
        }))
        .unwrap();
        let fields: Vec<String> = request.problems().errors().iter().map(|e| e.field.clone()).collect();
        for field in ["trials", "suite", "scenarios[0].turns"] {
            assert!(fields.iter().any(|f| f == field), "{field} missing from {fields:?}");
        }
        let empty: EvaluationRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty.problems().errors()[0].field, "scenarios");
        let unknown: EvaluationRequest = serde_json::from_value(json!({"suite": "nope"})).unwrap();
        assert!(unknown.problems().to_string().contains("starter"));
    }

    #[test]
    fn every_built_in_suite_parses_and_is_valid() {
        for (name, _) in SUITES {
            let scenarios = suite(name).unwrap_or_else(|| panic!("suite {name} does not parse"));
            assert!(!scenarios.is_empty());
            for (i, s) in scenarios.iter().enumerate() {
                let problems = s.problems(&format!("{name}[{i}]"));
                assert!(problems.is_empty(), "{problems}");
            }
        }
    }
}
