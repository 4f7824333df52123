//! Prompt templates: the tenant's own wording of the receptionist's prompt.
//!
//! A template is text with `{{ variable }}` placeholders that are filled
//! from the lead being talked to, the strategy in use and the business
//! facts of that strategy. Only the names in [`KNOWN_VARIABLES`] exist: a
//! typo such as `{{lead.fristName}}` would otherwise render as an empty
//! string on every conversation without anyone noticing, so unknown names
//! are rejected when the template is saved, all of them in one message.
//! The variables a body uses are computed on save and stored with it, so a
//! dashboard can show them without parsing the body.
//!
//! Placeholders are `{{`, optional whitespace, a dotted identifier
//! (`lead.firstName`), optional whitespace, `}}`. Syntax errors name the
//! character offset (counted from 0) of the offending `{{`, so an editor
//! can point at it.
//!
//! Rendering is a single pass over the body: a value is inserted as is and
//! never scanned again, so a lead who types `{{strategy.persona}}` as their
//! name, or a business fact holding braces, cannot expand anything the
//! template did not ask for.

use crate::strategy::{Strategy, bounded};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id};
use frontdesk_leads::Lead;
use serde_json::Value;
use std::borrow::Cow;

define_id!(
    /// A prompt template.
    PromptTemplateId,
    "prompt template id"
);

/// Every variable a template may use, grouped by where its value comes from.
///
/// `lead.*` come from the lead, `strategy.*` from the strategy, and
/// `business.*` from the strategy's business facts under the same key
/// (`business.hours` is `businessFacts.hours`).
pub const KNOWN_VARIABLES: &[&str] = &[
    "lead.name",
    "lead.firstName",
    "lead.phone",
    "lead.email",
    "lead.status",
    "lead.source",
    "strategy.name",
    "strategy.persona",
    "strategy.tone",
    "strategy.goal",
    "strategy.qualificationQuestions",
    "strategy.handoffPhone",
    "business.name",
    "business.services",
    "business.hours",
    "business.location",
    "business.pricing",
    "business.website",
    "business.phone",
    "business.area",
];

/// A validated prompt template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptTemplate {
    /// Its id.
    pub id: PromptTemplateId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Shown in the dashboard, 1–120 characters, trimmed.
    pub name: String,
    /// The text with `{{ variable }}` placeholders, 1–20000 characters, stored as given.
    pub body: String,
    /// The distinct variables the body uses, in order of first appearance;
    /// computed from the body on every save.
    pub variables: Vec<String>,
    /// Whether the receptionist uses this template.
    pub is_default: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw template input, as a client sent it.
#[derive(Clone, Debug, Default)]
pub struct NewPromptTemplate {
    /// Name.
    pub name: String,
    /// Body.
    pub body: String,
    /// The variables the client thinks the body uses; each must be known,
    /// but the stored list is always the one computed from the body.
    pub variables: Option<Vec<String>>,
    /// Make it the tenant's default.
    pub is_default: bool,
}

/// A partial update, as a client sent it. `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct PromptTemplateChanges {
    /// New name.
    pub name: Option<String>,
    /// New body; the stored variables are recomputed from it.
    pub body: Option<String>,
    /// Checked as for [`NewPromptTemplate::variables`], never stored as is.
    pub variables: Option<Vec<String>>,
    /// Make it the default (`true`) or not (`false`); the service refuses to
    /// unset the current default, since a tenant always has one.
    pub is_default: Option<bool>,
}

/// What a template is rendered with; a missing part renders its variables empty.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderContext<'a> {
    /// Fills `strategy.*` and `business.*`.
    pub strategy: Option<&'a Strategy>,
    /// Fills `lead.*`.
    pub lead: Option<&'a Lead>,
}

impl<'a> RenderContext<'a> {
    /// The value of the variable `name`; empty when unknown or when its source is missing.
    fn value(&self, name: &str) -> Cow<'a, str> {
        if let Some(field) = name.strip_prefix("lead.") {
            self.lead.map_or(Cow::Borrowed(""), |lead| lead_value(lead, field))
        } else if let Some(field) = name.strip_prefix("strategy.") {
            self.strategy.map_or(Cow::Borrowed(""), |strategy| strategy_value(strategy, field))
        } else if let Some(key) = name.strip_prefix("business.") {
            self.strategy.and_then(|s| s.business_facts.get(key)).map_or(Cow::Borrowed(""), fact_text)
        } else {
            Cow::Borrowed("")
        }
    }
}

fn lead_value<'a>(lead: &'a Lead, field: &str) -> Cow<'a, str> {
    Cow::Borrowed(match field {
        "name" => lead.name.as_str(),
        "firstName" => lead.name.as_str().split_whitespace().next().unwrap_or(""),
        "phone" => lead.phone.as_ref().map_or("", |p| p.as_str()),
        "email" => lead.email.as_ref().map_or("", |e| e.as_str()),
        "status" => lead.status.as_str(),
        "source" => lead.source.as_str(),
        _ => "",
    })
}

fn strategy_value<'a>(strategy: &'a Strategy, field: &str) -> Cow<'a, str> {
    match field {
        "name" => Cow::Borrowed(&strategy.name),
        "persona" => Cow::Borrowed(&strategy.persona),
        "tone" => Cow::Borrowed(&strategy.tone),
        "goal" => Cow::Borrowed(&strategy.goal),
        "qualificationQuestions" => Cow::Owned(
            strategy
                .qualification_questions
                .iter()
                .enumerate()
                .map(|(i, question)| format!("{}. {question}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        "handoffPhone" => Cow::Borrowed(strategy.handoff_phone.as_ref().map_or("", |p| p.as_str())),
        _ => Cow::Borrowed(""),
    }
}

/// A business fact as text: strings as they are, lists joined with `, `,
/// numbers and booleans printed, objects as compact JSON, null as nothing.
fn fact_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::String(text) => Cow::Borrowed(text),
        Value::Array(items) => {
            Cow::Owned(items.iter().filter(|item| !item.is_null()).map(fact_text).collect::<Vec<_>>().join(", "))
        }
        Value::Bool(_) | Value::Number(_) | Value::Object(_) => Cow::Owned(value.to_string()),
    }
}

/// `unknown variables: a, b (known: …)` for the distinct `names` not in
/// [`KNOWN_VARIABLES`], in the order given; `Ok` when all are known.
fn reject_unknown<'n>(names: impl IntoIterator<Item = &'n str>) -> Result<(), String> {
    let mut unknown: Vec<&str> = Vec::new();
    for name in names {
        if !KNOWN_VARIABLES.contains(&name) && !unknown.contains(&name) {
            unknown.push(name);
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<_> = unknown.iter().map(|name| if name.is_empty() { "\"\"" } else { name }).collect();
    Err(format!("unknown variables: {} (known: {})", listed.join(", "), KNOWN_VARIABLES.join(", ")))
}

/// Checks a body and computes its distinct variables in first-appearance
/// order. The first syntax error wins; otherwise every unknown name is listed.
fn parse_body(raw: &str) -> Result<(String, Vec<String>), String> {
    if raw.trim().is_empty() {
        return Err("is required".into());
    }
    if raw.chars().count() > PromptTemplate::MAX_BODY_CHARS {
        return Err(format!("must be at most {} characters", PromptTemplate::MAX_BODY_CHARS));
    }
    let variables = frontdesk_kernel::template::variables(raw)?;
    reject_unknown(variables.iter().copied())?;
    Ok((raw.to_owned(), variables.into_iter().map(str::to_owned).collect()))
}

/// Checks a client-supplied variables list: every entry (trimmed) must be known.
fn check_variables(raw: &[String]) -> Result<(), String> {
    reject_unknown(raw.iter().map(|name| name.trim()))
}

impl PromptTemplate {
    /// Longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 120;
    /// Longest body, in characters.
    pub const MAX_BODY_CHARS: usize = 20_000;

    /// Validates `input` and builds a template of `tenant_id` created at `now`.
    ///
    /// # Errors
    /// Every invalid field: `name`; `body` (blank, too long, the first
    /// malformed placeholder with its offset, or one message listing every
    /// unknown variable); `variables` (one message listing every unknown entry).
    pub fn create(tenant_id: TenantId, input: NewPromptTemplate, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", bounded(&input.name, Self::MAX_NAME_CHARS));
        let body = errors.check("body", parse_body(&input.body));
        if let Some(variables) = &input.variables {
            errors.check("variables", check_variables(variables));
        }
        match (name, body) {
            (Some(name), Some((body, variables))) if errors.is_empty() => Ok(Self {
                id: PromptTemplateId::new(),
                tenant_id,
                name,
                body,
                variables,
                is_default: input.is_default,
                created_at: now,
                updated_at: now,
            }),
            _ => Err(errors),
        }
    }

    /// Applies a partial update at `now`; changes nothing unless every given
    /// field is valid. Fields are checked exactly as by [`Self::create`].
    ///
    /// # Errors
    /// Every invalid field, named as for [`Self::create`].
    pub fn apply(&mut self, changes: PromptTemplateChanges, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = changes.name.map(|raw| errors.check("name", bounded(&raw, Self::MAX_NAME_CHARS)));
        let body = changes.body.map(|raw| errors.check("body", parse_body(&raw)));
        if let Some(variables) = &changes.variables {
            errors.check("variables", check_variables(variables));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if let Some(Some(name)) = name {
            self.name = name;
        }
        if let Some(Some((body, variables))) = body {
            self.body = body;
            self.variables = variables;
        }
        if let Some(is_default) = changes.is_default {
            self.is_default = is_default;
        }
        self.updated_at = now;
        Ok(())
    }

    /// The body with every placeholder replaced by its value in `ctx`, in
    /// one pass: inserted values are never expanded again. Unknown or
    /// unavailable variables render empty; malformed placeholder text (only
    /// possible in a body that bypassed validation) is kept as written.
    #[must_use]
    pub fn render(&self, ctx: &RenderContext<'_>) -> String {
        frontdesk_kernel::template::render(&self.body, |name| ctx.value(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::NewStrategy;
    use frontdesk_leads::NewLead;
    use serde_json::json;

    fn new(body: &str) -> NewPromptTemplate {
        NewPromptTemplate { name: " Main ".into(), body: body.into(), variables: None, is_default: false }
    }

    fn create(body: &str) -> Result<PromptTemplate, ValidationErrors> {
        PromptTemplate::create(TenantId::new(), new(body), Utc::now())
    }

    fn template(body: &str) -> PromptTemplate {
        create(body).unwrap()
    }

    fn body_error(body: &str) -> String {
        let errors = create(body).unwrap_err();
        assert_eq!(errors.errors().len(), 1, "{errors}");
        errors.messages().remove(0)
    }

    fn strategy() -> Strategy {
        let input = NewStrategy {
            name: "Roofing".into(),
            persona: "You are Sam.".into(),
            tone: Some("warm".into()),
            goal: "Book an inspection.".into(),
            qualification_questions: vec!["Where is the house?".into(), "When did it start?".into()],
            business_facts: Some(json!({
                "name": "Acme Roofing",
                "services": ["repairs", "new roofs", null, 3],
                "hours": "Mon-Fri 8-6",
                "pricing": {"inspection": 0},
                "area": 25,
                "phone": true,
                "website": null,
            })),
            handoff_phone: Some("+1 415 555 2671".into()),
            is_default: true,
        };
        Strategy::create(TenantId::new(), input, Utc::now()).unwrap()
    }

    fn lead(name: &str) -> Lead {
        let input = NewLead {
            name: name.into(),
            phone: Some("+1 (415) 555-2672".into()),
            email: Some(" Ana@Example.com ".into()),
            source: Some("sms".into()),
            ..NewLead::default()
        };
        Lead::create(TenantId::new(), input, None, Utc::now()).unwrap()
    }

    #[test]
    fn the_known_variables_are_distinct_dotted_identifiers() {
        assert_eq!(KNOWN_VARIABLES.len(), 20);
        for (i, name) in KNOWN_VARIABLES.iter().enumerate() {
            assert!(
                frontdesk_kernel::template::is_dotted_identifier(name) && !KNOWN_VARIABLES[..i].contains(name),
                "{name}"
            );
        }
    }

    #[test]
    fn creates_a_trimmed_template_keeping_the_body_as_given() {
        let now = Utc::now();
        let created = PromptTemplate::create(TenantId::new(), new(" Hi {{lead.name}}\n"), now).unwrap();
        assert_eq!((created.name.as_str(), created.body.as_str()), ("Main", " Hi {{lead.name}}\n"));
        assert_eq!(
            (created.variables, created.created_at, created.updated_at),
            (vec!["lead.name".to_owned()], now, now)
        );
        assert!(template("No placeholders at all.").variables.is_empty());
    }

    #[test]
    fn placeholders_may_have_whitespace_inside_the_braces() {
        let parsed = template("{{lead.name}} {{ lead.firstName }} {{   strategy.goal\t}}");
        assert_eq!(parsed.variables, ["lead.name", "lead.firstName", "strategy.goal"]);
    }

    #[test]
    fn adjacent_placeholders_are_separate_variables() {
        let parsed = template("{{lead.firstName}}{{lead.phone}}{{ lead.email }}!");
        assert_eq!(parsed.variables, ["lead.firstName", "lead.phone", "lead.email"]);
        let lead = lead("Ana Lopez");
        let ctx = RenderContext { lead: Some(&lead), strategy: None };
        assert_eq!(parsed.render(&ctx), "Ana+14155552672ana@example.com!");
    }

    #[test]
    fn variables_are_distinct_in_order_of_first_appearance_whatever_the_client_sent() {
        let body = "{{strategy.goal}} {{lead.name}} {{ strategy.goal }} {{business.hours}} {{lead.name}}";
        let input = NewPromptTemplate { variables: Some(vec!["lead.email".into()]), ..new(body) };
        let parsed = PromptTemplate::create(TenantId::new(), input, Utc::now()).unwrap();
        assert_eq!(parsed.variables, ["strategy.goal", "lead.name", "business.hours"]);
    }

    #[test]
    fn an_unclosed_placeholder_is_reported_with_its_character_offset() {
        assert_eq!(body_error("Hello {{lead.name"), "body: has an unclosed {{ at character offset 6");
        assert_eq!(body_error("¡Hé {{lead.name {{lead.phone}}"), "body: has an unclosed {{ at character offset 4");
        assert_eq!(body_error("{{lead.name}} and {{"), "body: has an unclosed {{ at character offset 18");
    }

    #[test]
    fn empty_and_malformed_placeholders_are_reported_with_their_offsets() {
        assert_eq!(body_error("a{{}}"), "body: has an empty placeholder at character offset 1");
        assert_eq!(body_error("ab {{   }}"), "body: has an empty placeholder at character offset 3");
        for bad in ["{{lead name}}", "{{lead..name}}", "{{1lead}}", "{{lead.}}", "{{{lead.name}}}", "{{lead-name}}"] {
            let message = body_error(&format!("x{bad}"));
            assert!(
                message.starts_with("body: has an invalid placeholder {{") && message.contains("at character offset 1"),
                "{bad}: {message}"
            );
        }
        let long = format!("{{{{{}}}}}", "x ".repeat(100));
        assert!(body_error(&long).contains('…'), "long placeholders are quoted truncated");
    }

    #[test]
    fn single_braces_are_plain_text() {
        let parsed = template("{ \"json\": true } }} {lead.name} {{lead.name}}}");
        assert_eq!(parsed.variables, ["lead.name"]);
        assert_eq!(parsed.render(&RenderContext::default()), "{ \"json\": true } }} {lead.name} }");
    }

    #[test]
    fn every_unknown_variable_is_listed_once_with_every_other_bad_field() {
        let input = NewPromptTemplate {
            name: "  ".into(),
            body: "{{lead.age}} {{ foo }} {{lead.name}} {{lead.age}} {{business.name}}".into(),
            variables: Some(vec!["lead.name".into(), " nope ".into(), String::new(), "nope".into()]),
            is_default: true,
        };
        let errors = PromptTemplate::create(TenantId::new(), input, Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "body", "variables"]);
        let known = KNOWN_VARIABLES.join(", ");
        assert_eq!(errors.messages()[1], format!("body: unknown variables: lead.age, foo (known: {known})"));
        assert_eq!(errors.messages()[2], format!("variables: unknown variables: nope, \"\" (known: {known})"));
    }

    #[test]
    fn the_body_is_bounded() {
        assert_eq!(body_error(" \n "), "body: is required");
        assert!(create(&"é".repeat(20_000)).is_ok());
        assert_eq!(body_error(&"é".repeat(20_001)), "body: must be at most 20000 characters");
        let errors = PromptTemplate::create(
            TenantId::new(),
            NewPromptTemplate { name: "n".repeat(121), ..new("x") },
            Utc::now(),
        );
        assert_eq!(errors.unwrap_err().messages(), ["name: must be at most 120 characters"]);
    }

    #[test]
    fn renders_lead_strategy_and_business_values() {
        let body = "{{lead.name}}|{{lead.firstName}}|{{lead.phone}}|{{lead.email}}|{{lead.status}}|{{lead.source}}\n\
                    {{strategy.name}}|{{strategy.persona}}|{{strategy.tone}}|{{strategy.goal}}|{{strategy.handoffPhone}}\n\
                    {{strategy.qualificationQuestions}}\n\
                    {{business.name}}|{{business.services}}|{{business.hours}}|{{business.pricing}}|{{business.area}}|\
                    {{business.phone}}|{{business.website}}|{{business.location}}";
        let (strategy, lead) = (strategy(), lead("  Ana   Maria Lopez "));
        let rendered = template(body).render(&RenderContext { strategy: Some(&strategy), lead: Some(&lead) });
        assert_eq!(
            rendered,
            "Ana   Maria Lopez|Ana|+14155552672|ana@example.com|new|sms\n\
             Roofing|You are Sam.|warm|Book an inspection.|+14155552671\n\
             1. Where is the house?\n2. When did it start?\n\
             Acme Roofing|repairs, new roofs, 3|Mon-Fri 8-6|{\"inspection\":0}|25|true||"
        );
    }

    #[test]
    fn renders_missing_context_as_empty_strings() {
        let parsed = template("Hi {{lead.firstName}}, I am {{ strategy.name }} of {{business.name}}.");
        assert_eq!(parsed.render(&RenderContext::default()), "Hi , I am  of .");
        let mut strategy = strategy();
        strategy.handoff_phone = None;
        strategy.qualification_questions.clear();
        let ctx = RenderContext { strategy: Some(&strategy), lead: None };
        assert_eq!(
            template("[{{strategy.handoffPhone}}][{{strategy.qualificationQuestions}}][{{lead.name}}]").render(&ctx),
            "[][][]"
        );
    }

    #[test]
    fn rendering_is_single_pass() {
        let lead = lead("{{strategy.persona}} {{lead.name}}");
        let mut strategy = strategy();
        strategy.business_facts = frontdesk_leads::JsonObject::parse(json!({"hours": "{{lead.name}}"})).unwrap();
        let ctx = RenderContext { strategy: Some(&strategy), lead: Some(&lead) };
        assert_eq!(
            template("{{lead.name}} / {{business.hours}}").render(&ctx),
            "{{strategy.persona}} {{lead.name}} / {{lead.name}}"
        );
    }

    #[test]
    fn a_body_that_bypassed_validation_renders_malformed_parts_literally() {
        let mut parsed = template("x");
        parsed.body = "{{}} {{lead.age}} {{lead.name {{ lead.firstName }}".into();
        let lead = lead("Ana Lopez");
        assert_eq!(parsed.render(&RenderContext { lead: Some(&lead), strategy: None }), "{{}}  {{lead.name Ana");
    }

    #[test]
    fn apply_recomputes_variables_from_a_new_body() {
        let t0 = Utc::now();
        let mut parsed = PromptTemplate::create(TenantId::new(), new("{{lead.name}}"), t0).unwrap();
        let later = t0 + chrono::Duration::minutes(1);
        let changes = PromptTemplateChanges {
            body: Some("{{business.hours}} {{lead.email}}".into()),
            is_default: Some(true),
            ..PromptTemplateChanges::default()
        };
        parsed.apply(changes, later).unwrap();
        assert_eq!(parsed.variables, ["business.hours", "lead.email"]);
        assert_eq!(
            (parsed.name.as_str(), parsed.is_default, parsed.created_at, parsed.updated_at),
            ("Main", true, t0, later)
        );
        let rename = PromptTemplateChanges { name: Some(" Other ".into()), ..PromptTemplateChanges::default() };
        parsed.apply(rename, later).unwrap();
        assert_eq!((parsed.name.as_str(), parsed.variables.len()), ("Other", 2));
    }

    #[test]
    fn apply_reports_every_bad_field_and_changes_nothing() {
        let mut parsed = template("{{lead.name}}");
        let before = parsed.clone();
        let changes = PromptTemplateChanges {
            name: Some(String::new()),
            body: Some("{{lead.nme}} {{strategy.gaol}}".into()),
            variables: Some(vec!["x".into()]),
            is_default: Some(true),
        };
        let errors = parsed.apply(changes, Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "body", "variables"]);
        assert!(errors.messages()[1].starts_with("body: unknown variables: lead.nme, strategy.gaol (known: "));
        let unclosed = PromptTemplateChanges { body: Some("{{".into()), ..PromptTemplateChanges::default() };
        assert!(parsed.apply(unclosed, Utc::now()).is_err());
        assert_eq!(parsed, before);
    }
}
