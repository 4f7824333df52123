//! The validation rules of request fields, written into the document.
//!
//! The domain's parsers are the rules; this table states each one as JSON
//! Schema (required, lengths, enums, patterns, formats) next to the
//! constant it comes from, so a contract fuzzer's schema-valid request is
//! one the server accepts and a schema-violating one is refused. Rules that
//! JSON Schema cannot state (a phone number valid for its numbering plan,
//! a known time zone, a template's variables) are described in prose by the
//! field's doc comment.

use super::CLEAN_TEXT;
use frontdesk_leads::status::{LeadSource, LeadStatus};
use frontdesk_receptionist::template::KNOWN_VARIABLES;
use frontdesk_receptionist::{PromptTemplate, Strategy};
use serde_json::{Value, json};

/// A name: trimmed, at least one visible character, no control character at all (`char::is_control`).
pub const NAME: &str =
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Blank, or one line without control characters.
pub const NAME_OR_BLANK: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Text that may be empty: tab and line breaks allowed, other C0 controls and DEL not.
pub const TEXT_OR_EMPTY: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$";

/// Required text: at least one visible character; tab and line breaks allowed, other C0 controls and DEL not.
pub const REQUIRED_TEXT: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$";

/// A password: 8+ characters with a lower-case letter, an upper-case letter and a digit.
pub const PASSWORD: &str = "^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])[^\\u0000-\\u001f\\u007f]{8,}$";

/// Blank: Unicode white space that is not a control character the api refuses (`str::trim` removes it).
pub const BLANK: &str = "[\\t\\n\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*";

/// Request bodies that refuse members they do not define.
const CLOSED: [&str; 27] = [
    "WidgetRequest",
    "VisitorMessage",
    "CreatePhoneNumberBody",
    "CreateInboundAddressBody",
    "CreateBlockedNumberBody",
    "ExportBody",
    "ExportFilterBody",
    "CreateResourceBody",
    "UpdateResourceBody",
    "AppointmentTypeRequest",
    "HoldRequestBody",
    "CreateBookingBody",
    "UpdateBookingBody",
    "CancelBody",
    "RescheduleBody",
    "ScheduleRequest",
    "TimeRangeRequest",
    "DateExceptionRequest",
    "WordingRequest",
    "ChatRequest",
    "ReplayRequest",
    "EvaluationBody",
    "ScenarioSchema",
    "CallerSchema",
    "PlannedSchema",
    "ExpectSchema",
    "ReplyCheckSchema",
];

/// A UUID, as every id in this api.
pub const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// The IANA time zone names the server knows (`chrono-tz`, the database the
/// domain parses with): `Area/Location` names and `UTC`. Legacy aliases
/// (`EST5EDT`, `GMT+0`, `Etc/GMT-3`) are accepted too but not listed: several
/// differ only in punctuation, which client generators cannot name apart.
fn time_zones() -> Value {
    let names: Vec<&str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| *name == "UTC" || (name.contains('/') && !name.starts_with("Etc/")))
        .collect();
    json!({"enum": names})
}

fn text(pattern: &str, max: usize) -> Value {
    json!({"pattern": pattern, "maxLength": max})
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Value {
    Value::Array(all.iter().map(|v| Value::String(as_str(*v).to_owned())).collect())
}

/// `(schema, field, required, constraints)` for every constrained request field.
fn rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    let email = json!({"format": "email", "maxLength": 254});
    let statuses = json!({"enum": names(LeadStatus::ALL, LeadStatus::as_str)});
    let sources = json!({"enum": names(LeadSource::ALL, LeadSource::as_str)});
    let roles = json!({"enum": ["manager", "agent"]});
    let id = json!({"pattern": UUID});
    let any = json!({"minLength": 1});
    let mut rules = vec![
        ("RegisterBody", "email", true, email.clone()),
        ("RegisterBody", "password", true, json!({"pattern": PASSWORD, "maxLength": 72})),
        ("RegisterBody", "name", true, text(NAME, 200)),
        ("AdminRegisterBody", "email", true, email.clone()),
        ("AdminRegisterBody", "password", true, json!({"pattern": PASSWORD, "maxLength": 72})),
        ("AdminRegisterBody", "name", true, text(NAME, 200)),
        ("AdminRegisterBody", "authCode", true, any.clone()),
        ("LoginBody", "email", true, email.clone()),
        ("LoginBody", "password", true, any.clone()),
        ("RefreshBody", "refreshToken", true, any.clone()),
        ("ChangePasswordBody", "currentPassword", true, any.clone()),
        ("ChangePasswordBody", "newPassword", true, json!({"pattern": PASSWORD, "maxLength": 72})),
        ("CreateSubAccountBody", "name", true, text(NAME, 120)),
        ("CreateSubAccountBody", "timezone", false, time_zones()),
        ("UpdateSubAccountBody", "timezone", false, time_zones()),
        ("ExportBody", "format", false, json!({"enum": ["", "csv", "xlsx"]})),
        ("UpdateSubAccountBody", "name", false, text(NAME, 120)),
        ("InviteBody", "email", true, email.clone()),
        ("InviteBody", "role", true, roles.clone()),
        ("JoinBody", "code", true, any),
        ("RoleBody", "role", true, roles),
        ("ProfileBody", "name", true, text(NAME, 200)),
        ("CreateLeadBody", "name", true, text(NAME, 200)),
        ("CreateLeadBody", "email", false, email.clone()),
        ("CreateLeadBody", "status", false, statuses.clone()),
        ("CreateLeadBody", "source", false, sources),
        ("CreateLeadBody", "assignedTo", false, id.clone()),
        ("UpdateLeadBody", "name", false, text(NAME, 200)),
        ("UpdateLeadBody", "status", false, statuses),
        ("NoteBody", "content", true, text(REQUIRED_TEXT, 10_000)),
        ("PreviewBody", "strategyId", false, id.clone()),
        ("PreviewBody", "leadId", false, id),
        ("CreateTemplateBody", "name", true, text(REQUIRED_TEXT, PromptTemplate::MAX_NAME_CHARS)),
        ("CreateTemplateBody", "body", true, text(REQUIRED_TEXT, PromptTemplate::MAX_BODY_CHARS)),
        ("UpdateTemplateBody", "name", false, text(REQUIRED_TEXT, PromptTemplate::MAX_NAME_CHARS)),
        ("UpdateTemplateBody", "body", false, text(REQUIRED_TEXT, PromptTemplate::MAX_BODY_CHARS)),
    ];
    let variables = json!({"items": {"enum": KNOWN_VARIABLES}});
    // The export filter takes the list's query parameters, with the same rules.
    for (_, param, constraints) in query_rules()
        .into_iter()
        .filter(|(op, p, _)| *op == "get_leads" && !["page", "limit", "sort", "cursor"].contains(p))
    {
        rules.push(("ExportFilterBody", param, false, constraints));
    }
    rules.extend(booking_rules());
    rules.extend(channel_rules());
    rules.extend(integration_rules());
    rules.extend(webhook_rules());
    rules.extend(evaluation_rules());
    rules.push(("CreateTemplateBody", "variables", false, variables.clone()));
    rules.push(("UpdateTemplateBody", "variables", false, variables));
    for (schema, required) in [("CreateStrategyBody", true), ("UpdateStrategyBody", false)] {
        rules.push((schema, "name", required, text(REQUIRED_TEXT, Strategy::MAX_NAME_CHARS)));
        rules.push((schema, "persona", required, text(REQUIRED_TEXT, Strategy::MAX_PERSONA_CHARS)));
        rules.push((schema, "goal", required, text(REQUIRED_TEXT, Strategy::MAX_GOAL_CHARS)));
        // A blank tone means the default tone.
        rules.push((schema, "tone", false, text(CLEAN_TEXT, Strategy::MAX_TONE_CHARS)));
        rules.push((
            schema,
            "qualificationQuestions",
            false,
            json!({"maxItems": Strategy::MAX_QUESTIONS,
                   "items": {"type": "string", "pattern": REQUIRED_TEXT, "maxLength": Strategy::MAX_QUESTION_CHARS}}),
        ));
    }
    rules
}

/// A phone number as people write it (validity for its plan is prose).
fn phone_or_blank_free() -> Value {
    json!({"pattern": "^[ \\t]*\\+?[0-9 ().-]*[0-9][0-9 ().-]*$", "minLength": 7, "maxLength": 40})
}

/// The channels' routing bodies. A number valid for its numbering plan and a
/// strategy of this sub-account are prose (400 naming the field).
/// Integrations: the kind and the name. `settings` is validated against
/// the kind's template (`GET /api/v1/integration-templates`), the source of
/// truth the server validates with; a violation is a 400 naming `settings.<path>`.
fn integration_rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    use frontdesk_integrations::IntegrationKind;
    let name = json!({"pattern": NAME, "minLength": 1, "maxLength": 120});
    vec![
        ("CreateIntegrationBody", "kind", true, json!({"enum": names(IntegrationKind::ALL, IntegrationKind::as_str)})),
        ("CreateIntegrationBody", "name", true, name.clone()),
        ("UpdateIntegrationBody", "name", false, name),
    ]
}

/// Outbound webhook subscriptions. That the URL does not resolve inside our
/// network is prose (a 400 naming `url`), as is a replay's range (`to`
/// after `from`, at most 7 days: a 400 naming `to`).
fn webhook_rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    let url = json!({"pattern": "^[hH][tT][tT][pP][sS]?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$",
        "maxLength": frontdesk_integrations::outbound::subscription::MAX_URL_CHARS});
    let events = json!({"minItems": 1, "items": {"enum": frontdesk_kernel::events::WEBHOOK_EVENT_KINDS}});
    let description = text(TEXT_OR_EMPTY, frontdesk_integrations::outbound::subscription::MAX_DESCRIPTION_CHARS);
    vec![
        ("CreateWebhookBody", "url", true, url.clone()),
        ("CreateWebhookBody", "events", true, events.clone()),
        ("CreateWebhookBody", "description", false, description.clone()),
        ("UpdateWebhookBody", "url", false, url),
        ("UpdateWebhookBody", "events", false, events),
        ("UpdateWebhookBody", "description", false, description),
        ("UpdateWebhookBody", "status", false, json!({"enum": ["active", "disabled"]})),
    ]
}

fn channel_rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    // An international number as people write it: `+`, digits and separators, 7–15 digits.
    let phone = json!({"pattern": "^[ \\t]*\\+?[0-9 ().-]*[0-9][0-9 ().-]*$", "minLength": 7, "maxLength": 40});
    let id_or_blank = json!({"pattern": format!("^{BLANK}$|{UUID}")});
    // An email address, or a mailbox hash (letters, digits, `.`, `_`, `-`; at most 64).
    let address = json!({"anyOf": [{"format": "email", "maxLength": 254}, {"pattern": "^[A-Za-z0-9._-]{1,64}$"}]});
    vec![
        ("CreatePhoneNumberBody", "number", true, phone.clone()),
        ("CreatePhoneNumberBody", "channel", false, json!({"enum": ["", "voice", "sms", "both"]})),
        ("CreatePhoneNumberBody", "strategyId", false, id_or_blank),
        ("CreateInboundAddressBody", "address", true, address),
        ("CreateBlockedNumberBody", "number", true, phone),
        ("CreateBlockedNumberBody", "reason", false, text(TEXT_OR_EMPTY, 200)),
        (
            "WidgetRequest",
            "allowedOrigins",
            false,
            json!({"maxItems": 20, "items": {"type": "string", "maxLength": 300,
                "pattern": "^https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?/?$"}}),
        ),
        ("WidgetRequest", "greeting", false, text(REQUIRED_TEXT, 500)),
        ("WidgetRequest", "primaryColor", false, json!({"pattern": "^#[0-9a-fA-F]{6}$"})),
        ("WidgetRequest", "textColor", false, json!({"pattern": "^#[0-9a-fA-F]{6}$"})),
        ("VisitorMessage", "content", true, text(REQUIRED_TEXT, 2000)),
        ("VisitorMessage", "name", false, text(NAME_OR_BLANK, 200)),
        (
            "VisitorMessage",
            "phone",
            false,
            json!({"anyOf": [{"pattern": format!("^{BLANK}$")}, phone_or_blank_free()]}),
        ),
        (
            "VisitorMessage",
            "email",
            false,
            json!({"anyOf": [{"pattern": format!("^{BLANK}$")}, {"format": "email", "maxLength": 254}]}),
        ),
    ]
}

/// The scheduling bodies. Cross-field and referential rules (an end after
/// its start, ranges that do not overlap, ids of this sub-account, the
/// booking rules) are prose in the fields' doc comments.
fn booking_rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    use frontdesk_bookings::{AppointmentType, Booking, Resource, Schedule, Wording};
    // One line with something on it (line breaks, tabs and blank text are refused).
    let one_line = |max: usize| json!({"maxLength": max, "pattern": NAME});
    let id = json!({"pattern": UUID});
    let id_or_blank = json!({"pattern": format!("^{BLANK}$|{UUID}")});
    let instant = json!({"format": "date-time"});
    let kinds = json!({"enum": ["staff", "room", "equipment", "other"]});
    let range = |min: u32, max: u32| json!({"minimum": min, "maximum": max});
    let buffer = range(0, AppointmentType::MAX_BUFFER_MINUTES);
    let mut rules = vec![
        ("CreateResourceBody", "name", true, text(NAME, Resource::MAX_NAME_CHARS)),
        ("CreateResourceBody", "kind", false, kinds.clone()),
        ("CreateResourceBody", "userId", false, id.clone()),
        ("UpdateResourceBody", "name", false, text(NAME, Resource::MAX_NAME_CHARS)),
        ("UpdateResourceBody", "kind", false, kinds),
        ("UpdateResourceBody", "userId", false, id.clone()),
        ("AppointmentTypeRequest", "name", false, text(NAME, AppointmentType::MAX_NAME_CHARS)),
        (
            "AppointmentTypeRequest",
            "durationMinutes",
            false,
            range(AppointmentType::MIN_MINUTES, AppointmentType::MAX_MINUTES),
        ),
        ("AppointmentTypeRequest", "bufferBeforeMinutes", false, buffer.clone()),
        ("AppointmentTypeRequest", "bufferAfterMinutes", false, buffer.clone()),
        (
            "AppointmentTypeRequest",
            "resourceIds",
            false,
            json!({"maxItems": AppointmentType::MAX_RESOURCES, "uniqueItems": true,
                   "items": {"type": "string", "pattern": UUID}}),
        ),
        ("HoldRequestBody", "startsAt", true, instant.clone()),
        ("HoldRequestBody", "appointmentTypeId", false, id_or_blank.clone()),
        ("HoldRequestBody", "resourceId", false, id_or_blank.clone()),
        ("HoldRequestBody", "leadId", false, id_or_blank.clone()),
        ("CreateBookingBody", "leadId", true, id),
        ("CreateBookingBody", "startsAt", true, instant.clone()),
        ("CreateBookingBody", "appointmentTypeId", false, id_or_blank.clone()),
        ("CreateBookingBody", "resourceId", false, id_or_blank.clone()),
        ("CreateBookingBody", "holdId", false, id_or_blank),
        ("CreateBookingBody", "notes", false, json!({"maxLength": Booking::MAX_NOTES_CHARS})),
        ("UpdateBookingBody", "startsAt", false, instant.clone()),
        ("UpdateBookingBody", "status", false, json!({"enum": ["", "cancelled", "completed", "no_show"]})),
        ("CancelBody", "reason", false, json!({"maxLength": Booking::MAX_REASON_CHARS})),
        ("RescheduleBody", "startsAt", true, instant),
        ("ScheduleRequest", "timeZone", false, time_zones()),
        ("ScheduleRequest", "granularityMinutes", false, range(5, 240)),
        ("ScheduleRequest", "bufferBeforeMinutes", false, buffer.clone()),
        ("ScheduleRequest", "bufferAfterMinutes", false, buffer),
        ("ScheduleRequest", "minNoticeMinutes", false, range(0, 43_200)),
        ("ScheduleRequest", "horizonDays", false, range(1, 730)),
        ("ScheduleRequest", "exceptions", false, json!({"maxItems": Schedule::MAX_EXCEPTIONS})),
        ("TimeRangeRequest", "start", true, json!({"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"})),
        ("TimeRangeRequest", "end", true, json!({"pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)(:00)?$"})),
        ("DateExceptionRequest", "date", true, json!({"format": "date"})),
        ("DateExceptionRequest", "hours", false, json!({"maxItems": Schedule::MAX_RANGES_PER_DAY})),
        ("DateExceptionRequest", "label", false, json!({"maxLength": Schedule::MAX_LABEL_CHARS})),
        ("WordingRequest", "sms", false, one_line(Wording::MAX_SMS_CHARS)),
        ("WordingRequest", "emailSubject", false, one_line(Wording::MAX_SUBJECT_CHARS)),
        ("WordingRequest", "emailBody", false, json!({"maxLength": Wording::MAX_BODY_CHARS, "pattern": REQUIRED_TEXT})),
        ("WordingRequest", "staff", false, json!({"maxLength": Wording::MAX_BODY_CHARS, "pattern": TEXT_OR_EMPTY})),
        (
            "ChatRequest",
            "content",
            true,
            json!({"maxLength": frontdesk_receptionist::Message::MAX_CHARS, "pattern": REQUIRED_TEXT}),
        ),
        ("ReplayRequest", "strategyId", false, json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("ReplayRequest", "promptTemplateId", false, json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("ReplayRequest", "model", false, json!({"maxLength": 100, "pattern": NAME_OR_BLANK})),
        ("ChatRequest", "channel", false, json!({"enum": ["", "voice", "sms", "email", "chat"]})),
    ];
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] {
        rules.push(("WeeklyHoursRequest", day, false, json!({"maxItems": Schedule::MAX_RANGES_PER_DAY})));
    }
    rules
}

/// The evaluation body. Cross-field rules (scenarios or a suite, a reply
/// check naming a turn the scenario has, local times that exist, a phone
/// valid for its plan, ids of this sub-account) are prose.
fn evaluation_rules() -> Vec<(&'static str, &'static str, bool, Value)> {
    use frontdesk_receptionist::evaluation::scenario::{
        MAX_CHECKS, MAX_EXISTING, MAX_SCENARIOS, MAX_TRIALS, MAX_TURNS,
    };
    let local = json!({"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$"});
    let id_or_blank = json!({"pattern": format!("^{BLANK}$|{UUID}")});
    let check = |max: usize| json!({"type": "string", "pattern": REQUIRED_TEXT, "maxLength": max});
    let planned = |max: usize| json!({"maxItems": max});
    vec![
        ("EvaluationBody", "scenarios", false, json!({"maxItems": MAX_SCENARIOS})),
        ("EvaluationBody", "suite", false, json!({"enum": ["", "starter"]})),
        ("EvaluationBody", "trials", false, json!({"minimum": 1, "maximum": MAX_TRIALS})),
        ("EvaluationBody", "strategyId", false, id_or_blank.clone()),
        ("EvaluationBody", "promptTemplateId", false, id_or_blank),
        ("ScenarioSchema", "name", true, text(REQUIRED_TEXT, 200)),
        ("ScenarioSchema", "category", false, text(REQUIRED_TEXT, 200)),
        ("ScenarioSchema", "channel", false, json!({"enum": ["voice", "sms", "email", "chat"]})),
        ("ScenarioSchema", "now", false, local.clone()),
        ("ScenarioSchema", "existing", false, planned(MAX_EXISTING)),
        (
            "ScenarioSchema",
            "turns",
            true,
            json!({"minItems": 1, "maxItems": MAX_TURNS, "items": check(frontdesk_receptionist::Message::MAX_CHARS)}),
        ),
        ("CallerSchema", "name", false, text(REQUIRED_TEXT, 200)),
        ("CallerSchema", "phone", false, text(REQUIRED_TEXT, 200)),
        ("CallerSchema", "email", false, json!({"format": "email", "maxLength": 200})),
        ("PlannedSchema", "lead", true, json!({"enum": ["caller", "other"]})),
        ("PlannedSchema", "startsAt", true, local),
        ("ExpectSchema", "bookings", false, planned(MAX_EXISTING)),
        ("ExpectSchema", "callerBookings", false, json!({"minimum": 0, "maximum": 1000})),
        ("ExpectSchema", "replies", false, json!({"maxItems": MAX_CHECKS})),
        ("ExpectSchema", "forbidden", false, json!({"maxItems": MAX_CHECKS, "items": check(500)})),
        ("ReplyCheckSchema", "turn", true, json!({"minimum": 0, "maximum": MAX_TURNS - 1})),
        ("ReplyCheckSchema", "contains", true, text(REQUIRED_TEXT, 500)),
    ]
}

/// `(operationId, query parameter, constraints)`.
fn query_rules() -> Vec<(&'static str, &'static str, Value)> {
    use frontdesk_kernel::page::{MAX_LIMIT, MAX_PAGE};
    let page = json!({"minimum": 1, "maximum": MAX_PAGE});
    let limit = json!({"minimum": 1, "maximum": MAX_LIMIT});
    // Blank (no bound), a date, or an RFC 3339 instant.
    let instant = json!({"anyOf": [{"pattern": format!("^{BLANK}$")}, {"format": "date"}, {"format": "date-time"}]});
    let mut rules = Vec::new();
    for op in [
        "get_leads",
        "get_leads_id_timeline",
        "get_strategies",
        "get_prompt_templates",
        "get_users",
        "get_subaccounts",
        "get_resources",
        "get_bookings",
        "get_outbox",
        "get_conversations",
        "get_conversations_id_messages",
        "get_phone_numbers",
        "get_inbound_addresses",
        "get_blocked_numbers",
        "get_integrations",
        "get_webhooks",
        "get_webhooks_id_deliveries",
        "get_files",
    ] {
        rules.push((op, "page", page.clone()));
        rules.push((op, "limit", limit.clone()));
    }
    let blank_or = |values: Value| {
        let mut all = vec![Value::String(String::new())];
        all.extend(values.as_array().cloned().unwrap_or_default());
        json!({"enum": all})
    };
    rules.extend([
        // A folder prefix: blank, or `/`-separated segments of letters, digits, `.`, `_`, `-`.
        ("get_files", "prefix", json!({"maxLength": 200, "pattern": "^/?([A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*){0,7})?/?$"})),
        ("get_files_download", "signature", json!({"maxLength": 100})),
        ("get_leads", "status", blank_or(names(LeadStatus::ALL, LeadStatus::as_str))),
        ("get_leads", "source", blank_or(names(LeadSource::ALL, LeadSource::as_str))),
        ("get_leads", "sort", json!({"enum": ["", "createdAt", "-createdAt", "name", "updatedAt", "-updatedAt"]})),
        // Opaque: a `nextCursor` as given (hex).
        ("get_leads", "cursor", json!({"maxLength": 2048, "pattern": "^([0-9a-f]{2})*$"})),
        ("get_leads", "assignedTo", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        (
            "get_leads",
            "q",
            json!({"maxLength": frontdesk_leads::filter::MAX_QUERY_CHARS, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"}),
        ),
        ("get_leads", "createdFrom", instant.clone()),
        ("get_leads", "createdTo", instant.clone()),
        ("get_availability", "from", instant.clone()),
        ("get_availability", "to", instant.clone()),
        ("get_availability", "appointmentTypeId", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("get_availability", "resourceId", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("get_bookings", "from", instant.clone()),
        ("get_bookings", "to", instant),
        ("get_bookings", "leadId", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("get_bookings", "resourceId", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
        ("get_bookings", "status", blank_or(json!(["confirmed", "cancelled", "completed", "no_show"]))),
        ("get_outbox", "channel", blank_or(json!(["sms", "email", "staff"]))),
        ("get_conversations", "channel", blank_or(json!(["voice", "sms", "email", "chat"]))),
        ("get_conversations", "leadId", json!({"pattern": format!("^{BLANK}$|{UUID}")})),
    ]);
    rules
}

fn apply_query_rules(doc: &mut Value) {
    let rules = query_rules();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let Some(id) = op.get("operationId").and_then(Value::as_str).map(str::to_owned) else { continue };
            let Some(Value::Array(params)) = op.get_mut("parameters") else { continue };
            for param in params {
                let name = param.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                for (_, _, constraints) in rules.iter().filter(|(o, p, _)| *o == id && *p == name) {
                    if let (Some(Value::Object(schema)), Value::Object(extra)) = (param.get_mut("schema"), constraints)
                    {
                        for (key, value) in extra {
                            schema.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
        }
    }
}

/// Writes every rule into `doc`'s component schemas and query parameters.
pub fn apply(doc: &mut Value) {
    apply_query_rules(doc);
    for schema in CLOSED {
        if let Some(Value::Object(target)) = doc.pointer_mut(&format!("/components/schemas/{schema}")) {
            target.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
    // The upload is one part, `file`, which must not be empty.
    if let Some(Value::Object(form)) = doc.pointer_mut("/components/schemas/ImportForm") {
        form.insert("additionalProperties".into(), Value::Bool(false));
        form.insert("required".into(), json!(["file"]));
        if let Some(Value::Object(file)) = form.get_mut("properties").and_then(|p| p.get_mut("file")) {
            file.insert("minLength".into(), json!(1));
        }
    }
    // A library upload: one `file` part (not empty) and an optional `folder`.
    if let Some(Value::Object(form)) = doc.pointer_mut("/components/schemas/UploadForm") {
        form.insert("additionalProperties".into(), Value::Bool(false));
        form.insert("required".into(), json!(["file"]));
        if let Some(Value::Object(file)) = form.get_mut("properties").and_then(|p| p.get_mut("file")) {
            file.insert("minLength".into(), json!(1));
        }
        if let Some(Value::Object(folder)) = form.get_mut("properties").and_then(|p| p.get_mut("folder")) {
            folder.insert("maxLength".into(), json!(200));
            folder.insert(
                "pattern".into(),
                json!("^/?([A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*){0,7})?/?$"),
            );
        }
    }
    // The upload's part is CSV or XLSX, said by its content type (or file name).
    if let Some(Value::Object(media)) =
        doc.pointer_mut("/paths/~1api~1v1~1leads~1import/post/requestBody/content/multipart~1form-data")
    {
        media.insert(
            "encoding".into(),
            json!({"file": {"contentType": "text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}),
        );
    }
    for (schema, field, required, constraints) in rules() {
        let Some(target) = doc.pointer_mut(&format!("/components/schemas/{schema}")) else { continue };
        if required {
            // A required member is never null (the server reads null as absent).
            if let Some(Value::Array(types)) = target.pointer_mut(&format!("/properties/{field}/type")) {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    if let Some(Value::Object(property)) = target.pointer_mut(&format!("/properties/{field}")) {
                        property.insert("type".into(), only);
                    }
                }
            }
            let list = target.as_object_mut().map(|o| o.entry("required").or_insert_with(|| json!([])));
            if let Some(Value::Array(list)) = list
                && !list.iter().any(|f| f == field)
            {
                list.push(Value::String(field.to_owned()));
            }
        }
        if let (Some(Value::Object(property)), Value::Object(extra)) =
            (target.pointer_mut(&format!("/properties/{field}")), constraints)
        {
            for (key, value) in extra {
                property.insert(key, value);
            }
            nullable_enum(property);
        }
    }
}

/// An optional field's `null` means "absent" to the server, so an enum laid
/// on a nullable property becomes `anyOf: [the enum, null]` (client
/// generators name that form cleanly, unlike `null` inside the enum).
fn nullable_enum(property: &mut serde_json::Map<String, Value>) {
    let Some(Value::Array(types)) = property.get("type") else { return };
    if !types.contains(&json!("null")) || !property.contains_key("enum") {
        return;
    }
    let others: Vec<Value> = types.iter().filter(|t| **t != json!("null")).cloned().collect();
    let Some(values) = property.remove("enum") else { return };
    property.remove("type");
    let kind = if others.len() == 1 { others[0].clone() } else { Value::Array(others) };
    property.insert("anyOf".into(), json!([{"type": kind, "enum": values}, {"type": "null"}]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_names_a_schema_and_field_of_the_document() {
        let doc = super::super::document_json();
        for (schema, field, _, _) in rules() {
            assert!(
                doc.pointer(&format!("/components/schemas/{schema}/properties/{field}")).is_some(),
                "{schema}.{field} is not in the document: a renamed body or field?"
            );
        }
    }

    #[test]
    fn an_enum_on_a_nullable_field_still_allows_null() {
        let doc = super::super::document_json();
        for path in [
            "ExportBody/properties/format",
            "ExportFilterBody/properties/status",
            "CreateSubAccountBody/properties/timezone",
        ] {
            let property = doc.pointer(&format!("/components/schemas/{path}")).expect(path);
            assert_eq!(property["anyOf"][1], json!({"type": "null"}), "{path}: {property}");
            assert!(property["anyOf"][0]["enum"].as_array().is_some_and(|v| !v.is_empty()), "{path}: {property}");
        }
    }
}
