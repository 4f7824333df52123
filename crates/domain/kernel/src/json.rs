//! [`JsonObject`]: the bounded free-form JSON of lead metadata, a strategy's
//! business facts and timeline event details — small enough to load with
//! every row, and free of control characters like every stored text.

use serde::{Deserialize, Serialize};

/// A JSON object of at most 16 KiB serialized: free-form data that must
/// stay small enough to load with every row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub struct JsonObject(serde_json::Map<String, serde_json::Value>);

impl JsonObject {
    /// Largest accepted size, in bytes of compact JSON.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Accepts an object whose compact serialization fits [`Self::MAX_BYTES`].
    ///
    /// # Errors
    /// When `value` is not an object, or is too large.
    pub fn parse(value: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Object(map) = value else {
            return Err("must be a JSON object".into());
        };
        let size = serde_json::to_vec(&map).map_or(usize::MAX, |bytes| bytes.len());
        if size > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes of JSON", Self::MAX_BYTES));
        }
        let object = serde_json::Value::Object(map);
        if let Some((path, problem)) = crate::text::json_problems(&object, "").into_iter().next() {
            return Err(format!("{path}: {problem}"));
        }
        let serde_json::Value::Object(map) = object else { return Err("must be a JSON object".into()) };
        Ok(Self(map))
    }

    /// The fields.
    #[must_use]
    pub fn as_map(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0
    }

    /// The field `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    /// The object as a JSON value, for storage.
    #[must_use]
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self(serde_json::Map::new())
    }
}

impl TryFrom<serde_json::Value> for JsonObject {
    type Error = String;
    fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<JsonObject> for serde_json::Value {
    fn from(value: JsonObject) -> Self {
        Self::Object(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_object_must_be_an_object_of_at_most_16_kib() {
        assert!(JsonObject::parse(json!({"utm": "ads"})).is_ok());
        assert_eq!(JsonObject::parse(json!([1, 2])).unwrap_err(), "must be a JSON object");
        let fits = "x".repeat(JsonObject::MAX_BYTES - r#"{"k":""}"#.len());
        assert!(JsonObject::parse(json!({ "k": fits })).is_ok());
        let too_big = "x".repeat(JsonObject::MAX_BYTES);
        assert!(JsonObject::parse(json!({ "k": too_big })).unwrap_err().contains("16384 bytes"));
    }
}
