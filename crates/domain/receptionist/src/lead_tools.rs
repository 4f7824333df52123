//! The receptionist's lead tools: `update_lead` (name, email, notes the
//! caller gave) and `record_qualification` (what the caller said about
//! budget, timeline, decision, need, objections, and the stage it puts
//! them at), both through the leads use cases for the turn's lead only.
//!
//! Qualification is kept under `metadata.qualification`, one entry per
//! field with its value, the channel, the instant it was said and the
//! conversation and turn (the caller's message) it came from, so a
//! dashboard can show where each answer came from. Nothing about another
//! lead ever comes back: a duplicate email is refused without naming whose.

use crate::agent::{Action, AgentTool, ToolError, ToolOutput, TurnScope};
use crate::model::ToolSpec;
use async_trait::async_trait;
use frontdesk_kernel::Clock;
use frontdesk_leads::{LeadChanges, LeadService, LeadsError};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn refusal(err: LeadsError) -> ToolError {
    match err {
        LeadsError::Validation(errors) => ToolError(errors.to_string()),
        LeadsError::Duplicate { field, .. } => {
            ToolError(format!("that {field} is already on file for another contact; ask the caller to check it"))
        }
        LeadsError::NotFound { .. } => ToolError("this caller's record is gone".into()),
        _ => ToolError("the contact record is unavailable right now".into()),
    }
}

/// Both lead tools over `leads`, qualification stamped by `clock` (as the live receptionist and a sandbox use them).
#[must_use]
pub fn lead_tools(leads: &Arc<LeadService>, clock: Arc<dyn Clock>) -> Vec<Arc<dyn AgentTool>> {
    vec![Arc::new(UpdateLead(Arc::clone(leads))), Arc::new(RecordQualification::new(Arc::clone(leads), clock))]
}

/// Corrects or completes the caller's contact details.
pub struct UpdateLead(pub Arc<LeadService>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateArgs {
    name: Option<String>,
    email: Option<String>,
    notes: Option<String>,
}

#[async_trait]
impl AgentTool for UpdateLead {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "update_lead",
            description: "Saves the caller's name, email or a note about their request, as they gave them.",
            parameters: json!({"type": "object", "additionalProperties": false, "properties": {
                "name": {"type": "string", "maxLength": 200}, "email": {"type": "string", "maxLength": 254},
                "notes": {"type": "string", "maxLength": 5000}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: UpdateArgs =
            serde_json::from_value(arguments).map_err(|e| ToolError(format!("bad arguments: {e}")))?;
        if args.name.is_none() && args.email.is_none() && args.notes.is_none() {
            return Err(ToolError("send name, email or notes".into()));
        }
        let changes = LeadChanges { name: args.name, email: args.email, notes: args.notes, ..LeadChanges::default() };
        let lead = self.0.update(scope.tenant, scope.lead, changes).await.map_err(refusal)?;
        let detail = json!({"name": lead.name.as_str(), "email": lead.email.as_ref().map(|e| e.as_str())});
        Ok(ToolOutput { result: detail.clone(), action: Some(Action { kind: "lead_updated", detail }) })
    }
}

/// Records what the caller said that qualifies them.
pub struct RecordQualification {
    leads: Arc<LeadService>,
    clock: Arc<dyn Clock>,
}

impl RecordQualification {
    /// The tool over `leads`.
    #[must_use]
    pub fn new(leads: Arc<LeadService>, clock: Arc<dyn Clock>) -> Self {
        Self { leads, clock }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QualificationArgs {
    budget: Option<String>,
    timeline: Option<String>,
    decision_maker: Option<bool>,
    need: Option<String>,
    objections: Option<String>,
    stage: Option<String>,
}

/// The qualification stages.
pub const STAGES: &[&str] = &["interested", "qualified", "unqualified", "not_now"];

#[async_trait]
impl AgentTool for RecordQualification {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "record_qualification",
            description: "Records what the caller said about budget, timeline, who decides, their need and objections, and the stage that puts them at.",
            parameters: json!({"type": "object", "additionalProperties": false, "properties": {
                "budget": {"type": "string", "maxLength": 200}, "timeline": {"type": "string", "maxLength": 200},
                "decisionMaker": {"type": "boolean"}, "need": {"type": "string", "maxLength": 500},
                "objections": {"type": "string", "maxLength": 500},
                "stage": {"type": "string", "enum": STAGES}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: QualificationArgs =
            serde_json::from_value(arguments).map_err(|e| ToolError(format!("bad arguments: {e}")))?;
        let mut said: Vec<(&str, Value)> = Vec::new();
        let mut text = |field: &'static str, value: Option<String>, max: usize| -> Result<(), ToolError> {
            if let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                if value.chars().count() > max {
                    return Err(ToolError(format!("{field} must be at most {max} characters")));
                }
                said.push((field, json!(value)));
            }
            Ok(())
        };
        text("budget", args.budget, 200)?;
        text("timeline", args.timeline, 200)?;
        text("need", args.need, 500)?;
        text("objections", args.objections, 500)?;
        if let Some(decides) = args.decision_maker {
            said.push(("decisionMaker", json!(decides)));
        }
        if let Some(stage) = args.stage {
            if !STAGES.contains(&stage.as_str()) {
                return Err(ToolError(format!("stage must be one of {}", STAGES.join(", "))));
            }
            said.push(("stage", json!(stage)));
        }
        if said.is_empty() {
            return Err(ToolError(
                "send at least one of budget, timeline, decisionMaker, need, objections, stage".into(),
            ));
        }
        let lead = self.leads.get(scope.tenant, scope.lead).await.map_err(refusal)?;
        let mut metadata: Map<String, Value> = lead.metadata.as_map().clone();
        let mut qualification = metadata.get("qualification").and_then(Value::as_object).cloned().unwrap_or_default();
        let at = self.clock.now().to_rfc3339();
        for (field, value) in &said {
            qualification.insert(
                (*field).to_owned(),
                json!({"value": value, "channel": scope.channel.as_str(), "at": at,
                    "conversationId": scope.conversation.to_string(), "turnId": scope.turn.to_string()}),
            );
        }
        metadata.insert("qualification".into(), Value::Object(qualification.clone()));
        let changes = LeadChanges { metadata: Some(Value::Object(metadata)), ..LeadChanges::default() };
        self.leads.update(scope.tenant, scope.lead, changes).await.map_err(refusal)?;
        let detail = json!({"qualification": qualification});
        Ok(ToolOutput {
            result: json!({"recorded": said.iter().map(|(f, _)| *f).collect::<Vec<_>>()}),
            action: Some(Action { kind: "qualified", detail }),
        })
    }
}

/// Lead flags kept under `metadata.flags.<name>`, written through the leads use cases.
pub struct ServiceFlags(pub Arc<LeadService>);

#[async_trait]
impl crate::ports::LeadFlags for ServiceFlags {
    async fn flag(
        &self,
        tenant: frontdesk_kernel::TenantId,
        lead: frontdesk_kernel::LeadId,
        name: &str,
        detail: Value,
    ) -> crate::Result<()> {
        let storage = |e: LeadsError| match e {
            LeadsError::NotFound { .. } => crate::ReceptionistError::NotFound { entity: "lead" },
            other => crate::ReceptionistError::storage(other),
        };
        let current = self.0.get(tenant, lead).await.map_err(storage)?;
        let mut metadata: Map<String, Value> = current.metadata.as_map().clone();
        let mut flags = metadata.get("flags").and_then(Value::as_object).cloned().unwrap_or_default();
        flags.insert(name.to_owned(), detail);
        metadata.insert("flags".into(), Value::Object(flags));
        let changes = LeadChanges { metadata: Some(Value::Object(metadata)), ..LeadChanges::default() };
        self.0.update(tenant, lead, changes).await.map_err(storage)?;
        Ok(())
    }
}
