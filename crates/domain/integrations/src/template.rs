//! Integration templates: what each kind of integration needs.
//!
//! A template declares the JSON Schema its settings must satisfy and which
//! top-level settings are secrets. Templates are seeded by a migration (so
//! every profile serves the same ones) and compiled once into a
//! [`TemplateCatalog`]; creating or changing an integration validates the
//! whole settings object against the schema and reports **every**
//! violation in one error, each under `settings.<path>`, with messages that
//! never repeat the submitted value (a mistyped secret must not be echoed
//! into a response or a log line).

use crate::integration::IntegrationKind;
use frontdesk_kernel::{JsonObject, ValidationErrors};
use serde_json::{Map, Value};

/// A kind of integration as offered to tenants.
#[derive(Clone, Debug, PartialEq)]
pub struct IntegrationTemplate {
    /// Which kind it describes.
    pub kind: IntegrationKind,
    /// Shown in the dashboard.
    pub name: String,
    /// One sentence on what it does.
    pub description: String,
    /// JSON Schema (2020-12) of the settings, secrets included.
    pub settings_schema: Value,
    /// Top-level settings that are secrets: sealed at rest, never returned.
    pub secret_fields: Vec<String>,
}

/// A template with its schema compiled.
struct Compiled {
    template: IntegrationTemplate,
    validator: jsonschema::Validator,
}

/// Every template, compiled once, in the seed's order; looked up by kind.
pub struct TemplateCatalog {
    templates: Vec<Compiled>,
}

impl std::fmt::Debug for TemplateCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<_> = self.templates.iter().map(|c| c.template.kind).collect();
        f.debug_struct("TemplateCatalog").field("kinds", &kinds).finish()
    }
}

/// Settings split into what is stored in the clear and what is sealed
/// (`Debug` shows the secrets' names only).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SplitSettings {
    /// Non-secret settings, returned by the API.
    pub public: JsonObject,
    /// Secret settings, sealed before storage.
    pub secrets: JsonObject,
}

impl std::fmt::Debug for SplitSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitSettings")
            .field("public", &self.public)
            .field("secrets", &self.secrets.as_map().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TemplateCatalog {
    /// Compiles `templates`.
    ///
    /// # Errors
    /// A message naming the template whose schema does not compile, or whose
    /// secret fields are not properties of its schema (a seed bug).
    pub fn new(templates: Vec<IntegrationTemplate>) -> Result<Self, String> {
        let mut compiled: Vec<Compiled> = Vec::new();
        for template in templates {
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&template.settings_schema)
                .map_err(|e| format!("template {}: invalid settings schema: {e}", template.kind))?;
            let properties = template.settings_schema.get("properties").and_then(Value::as_object);
            if let Some(field) =
                template.secret_fields.iter().find(|f| properties.is_none_or(|p| !p.contains_key(f.as_str())))
            {
                return Err(format!(
                    "template {}: secret field {field} is not a property of its schema",
                    template.kind
                ));
            }
            if compiled.iter().any(|c| c.template.kind == template.kind) {
                return Err(format!("template {} appears twice", template.kind));
            }
            compiled.push(Compiled { template, validator });
        }
        Ok(Self { templates: compiled })
    }

    fn compiled(&self, kind: IntegrationKind) -> Option<&Compiled> {
        self.templates.iter().find(|c| c.template.kind == kind)
    }

    /// Every template, in the seed's order.
    pub fn all(&self) -> impl Iterator<Item = &IntegrationTemplate> {
        self.templates.iter().map(|c| &c.template)
    }

    /// The template of `kind`, if one is offered.
    #[must_use]
    pub fn get(&self, kind: IntegrationKind) -> Option<&IntegrationTemplate> {
        self.compiled(kind).map(|c| &c.template)
    }

    /// Validates `settings` (secrets included) against `kind`'s schema and
    /// splits it into public and secret parts.
    ///
    /// # Errors
    /// Every violation, each under `settings.<path>` (`settings` for the
    /// object itself), and `kind` when no template offers it.
    pub fn validate(&self, kind: IntegrationKind, settings: &Value) -> Result<SplitSettings, ValidationErrors> {
        let Some(compiled) = self.compiled(kind) else {
            return Err(ValidationErrors::single("kind", "is not offered by any integration template"));
        };
        let mut errors = ValidationErrors::new();
        for error in compiled.validator.iter_errors(settings) {
            let mut field = pointer_to_field(&error.instance_path().to_string());
            let message = if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
                field = format!("{field}.{}", property.as_str().unwrap_or_default());
                "is required".to_owned()
            } else {
                error.masked().to_string()
            };
            errors.add(field, message);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let Value::Object(map) = settings else {
            return Err(ValidationErrors::single("settings", "must be a JSON object"));
        };
        let (mut public, mut secrets) = (Map::new(), Map::new());
        for (name, value) in map {
            if compiled.template.secret_fields.iter().any(|s| s == name) {
                secrets.insert(name.clone(), value.clone());
            } else {
                public.insert(name.clone(), value.clone());
            }
        }
        let public = JsonObject::parse(Value::Object(public)).map_err(|e| ValidationErrors::single("settings", e))?;
        let secrets = JsonObject::parse(Value::Object(secrets)).map_err(|e| ValidationErrors::single("settings", e))?;
        Ok(SplitSettings { public, secrets })
    }
}

/// `/a/0/b~1c` → `settings.a.0.b/c`.
fn pointer_to_field(pointer: &str) -> String {
    let mut field = String::from("settings");
    for segment in pointer.split('/').skip(1) {
        field.push('.');
        field.push_str(&segment.replace("~1", "/").replace("~0", "~"));
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> TemplateCatalog {
        TemplateCatalog::new(vec![IntegrationTemplate {
            kind: IntegrationKind::Twilio,
            name: "Twilio".into(),
            description: "Calls and texts".into(),
            settings_schema: json!({
                "type": "object", "additionalProperties": false,
                "required": ["accountSid", "authToken"],
                "properties": {
                    "accountSid": {"type": "string", "pattern": "^AC[0-9a-f]{32}$"},
                    "authToken": {"type": "string", "minLength": 16},
                    "fromEmail": {"type": "string", "format": "email"},
                    "numbers": {"type": "array", "items": {"type": "string", "maxLength": 5}}
                }
            }),
            secret_fields: vec!["authToken".into()],
        }])
        .unwrap()
    }

    #[test]
    fn lists_every_violation_with_its_path_and_never_the_value() {
        let settings = json!({"accountSid": "AC-nope", "fromEmail": "not-an-email", "numbers": ["123456"], "extra": 1});
        let errors = catalog().validate(IntegrationKind::Twilio, &settings).unwrap_err();
        let mut fields: Vec<_> = errors.errors().iter().map(|e| e.field.clone()).collect();
        fields.sort();
        assert_eq!(
            fields,
            ["settings", "settings.accountSid", "settings.authToken", "settings.fromEmail", "settings.numbers.0"]
        );
        let shown = errors.messages().join(" | ");
        assert!(!shown.contains("AC-nope") && !shown.contains("not-an-email") && !shown.contains("123456"), "{shown}");
        assert!(shown.contains("is required"), "{shown}");
    }

    #[test]
    fn a_short_secret_is_reported_without_echoing_it() {
        let settings = json!({"accountSid": format!("AC{}", "a".repeat(32)), "authToken": "sk_short"});
        let errors = catalog().validate(IntegrationKind::Twilio, &settings).unwrap_err();
        assert_eq!(errors.errors()[0].field, "settings.authToken");
        assert!(!errors.messages()[0].contains("sk_short"), "{:?}", errors.messages());
    }

    #[test]
    fn splits_secrets_from_public_settings() {
        let settings = json!({"accountSid": format!("AC{}", "a".repeat(32)), "authToken": "0123456789abcdef0123"});
        let split = catalog().validate(IntegrationKind::Twilio, &settings).unwrap();
        assert_eq!(split.public.as_map().keys().collect::<Vec<_>>(), ["accountSid"]);
        assert_eq!(split.secrets.get("authToken"), Some(&json!("0123456789abcdef0123")));
    }

    #[test]
    fn a_kind_without_a_template_is_refused() {
        let errors = catalog().validate(IntegrationKind::Webhook, &json!({})).unwrap_err();
        assert_eq!(errors.errors()[0].field, "kind");
    }

    #[test]
    fn a_secret_field_outside_the_schema_is_a_seed_bug() {
        let template = IntegrationTemplate {
            kind: IntegrationKind::OpenAi,
            name: "OpenAI".into(),
            description: String::new(),
            settings_schema: json!({"type": "object", "properties": {"model": {"type": "string"}}}),
            secret_fields: vec!["apiKey".into()],
        };
        let err = TemplateCatalog::new(vec![template]).unwrap_err();
        assert!(err.contains("apiKey"), "{err}");
    }

    #[test]
    fn pointers_become_dotted_fields() {
        assert_eq!(pointer_to_field(""), "settings");
        assert_eq!(pointer_to_field("/a/0/b~1c~0d"), "settings.a.0.b/c~d");
    }
}
