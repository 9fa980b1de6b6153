//! Records: one item per record in a partition of its own, a display-number pointer, and a
//! sentinel per unique value, written in one transaction with a ConditionCheck per
//! referenced record.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, ReturnValue, TransactWriteItem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{from_item, key, put, s, sdk_error, to_item, Store, TransactFailure, CONDITION_FAILED, NEW_ITEM};
use crate::auth::sha256_hex;
use crate::domain::organization::OrgId;
use crate::domain::record::ParsedValue;
use crate::error::ApiError;
use crate::store::keys;
use crate::store::tables::{FieldDef, TableItem};
use crate::time::Timestamp;

/// DynamoDB's item limit is 400 KB; past this many bytes of values a record is refused
/// with 413 before anything is written.
pub const MAX_RECORD_VALUE_BYTES: usize = 380_000;

/// A transaction holds at most 100 items: the record, its number pointer, and these.
pub const MAX_CHECKS_PER_WRITE: usize = 98;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub id: String,
    pub org_id: u64,
    pub table_id: String,
    /// The n of the record's display id `<PREFIX>-<n>`.
    pub number: u64,
    pub created_at: String,
    /// The API key that created the record.
    pub created_by: String,
    /// Value objects by field id (ids survive key renames), each as the API shows it.
    pub values: BTreeMap<String, Vec<Value>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordNumberItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    record_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UniqueValueItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    record_id: String,
    field_id: String,
}

/// What each item of the create transaction is, to explain a failed condition.
enum Role<'a> {
    Record,
    Number,
    Unique {
        field: &'a FieldDef,
        value: &'a ParsedValue,
    },
    Reference {
        field: &'a FieldDef,
        target: String,
    },
}

/// A record's values as parsed, by field.
pub type RecordValues<'a> = Vec<(&'a FieldDef, Vec<ParsedValue>)>;

/// How a path names a record: its uuid, or its display number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    Id(String),
    Number(u64),
}

impl RecordRef {
    /// A uuid, or `<PREFIX>-<n>` with the table's own prefix; anything else is not found.
    pub fn parse(raw: &str, table: &TableItem) -> Result<Self, ApiError> {
        if let Ok(id) = uuid::Uuid::try_parse(raw) {
            return Ok(Self::Id(id.hyphenated().to_string()));
        }
        raw.strip_prefix(table.record_prefix.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok().filter(|v| *v > 0 && v.to_string() == n))
            .map(Self::Number)
            .ok_or_else(|| ApiError::not_found(format!("No record `{raw}` in \"{}\"", table.api_slug)))
    }
}

fn value_entry(field: &FieldDef, value: &ParsedValue, key_id: &str, stamp: &str) -> Value {
    let mut entry = serde_json::Map::new();
    entry.insert("active_from".into(), json!(stamp));
    entry.insert("active_until".into(), Value::Null);
    entry.insert("created_by_actor".into(), json!({"type": "api-token", "id": key_id}));
    entry.extend(value.fields.clone());
    entry.insert("attribute_type".into(), json!(field.field_type.as_str()));
    Value::Object(entry)
}

impl Store {
    /// Creates a record: takes the table's next display number (one atomic update; a
    /// create that fails after it leaves a gap), then writes the record, its number
    /// pointer and its unique-value sentinels, checking every referenced record exists in
    /// the linked table of the same org, in one transaction.
    pub async fn create_record(
        &self,
        org: OrgId,
        table: &TableItem,
        values: &RecordValues<'_>,
        key_id: &str,
        now: Timestamp,
    ) -> Result<RecordItem, ApiError> {
        let id = uuid::Uuid::new_v4().to_string();
        let stamp = now.nanos();
        let mut stored: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (field, parsed) in values {
            if !parsed.is_empty() {
                stored.insert(
                    field.id.clone(),
                    parsed.iter().map(|v| value_entry(field, v, key_id, &stamp)).collect(),
                );
            }
        }
        let size = serde_json::to_string(&stored).map_or(usize::MAX, |s| s.len());
        if size > MAX_RECORD_VALUE_BYTES {
            return Err(ApiError::payload_too_large(format!(
                "The record's values take {size} bytes; a record may hold at most {MAX_RECORD_VALUE_BYTES}"
            )));
        }
        // Everything the transaction must check, worked out before a number is taken.
        let mut roles: Vec<Role> = vec![Role::Record, Role::Number];
        for (field, parsed) in values {
            for value in parsed {
                if field.unique && value.unique_key.is_some() {
                    roles.push(Role::Unique { field, value });
                }
                if let Some(target) = &value.target_record_id {
                    let seen = roles
                        .iter()
                        .any(|r| matches!(r, Role::Reference { target: t, .. } if t == target));
                    if !seen {
                        roles.push(Role::Reference {
                            field,
                            target: target.clone(),
                        });
                    }
                }
            }
        }
        if roles.len() > MAX_CHECKS_PER_WRITE + 2 {
            return Err(ApiError::validation(format!(
                "A record may reference at most {MAX_CHECKS_PER_WRITE} distinct records and unique values in one write"
            )));
        }

        let number = self.next_record_number(org, &table.id).await?;
        let record = RecordItem {
            pk: keys::record_pk(&id),
            sk: keys::RECORD_SK.into(),
            gsi1pk: keys::table_records_gsi1pk(&table.id),
            gsi1sk: keys::record_gsi1sk(number),
            id: id.clone(),
            org_id: org.0,
            table_id: table.id.clone(),
            number,
            created_at: stamp.clone(),
            created_by: key_id.to_string(),
            values: stored,
        };
        let items: Vec<TransactWriteItem> = roles
            .iter()
            .map(|role| match role {
                Role::Record => put(self.table_name(), to_item(&record), Some(NEW_ITEM)),
                Role::Number => {
                    let pointer = RecordNumberItem {
                        pk: keys::record_number_pk(&table.id, number),
                        sk: keys::RECORD_NUMBER_SK.into(),
                        record_id: id.clone(),
                    };
                    put(self.table_name(), to_item(&pointer), Some(NEW_ITEM))
                }
                Role::Unique { field, value } => {
                    let sentinel = UniqueValueItem {
                        pk: keys::unique_value_pk(&field.id, &sha256_hex(value.unique_key.as_deref().unwrap_or(""))),
                        sk: keys::UNIQUE_VALUE_SK.into(),
                        record_id: id.clone(),
                        field_id: field.id.clone(),
                    };
                    put(self.table_name(), to_item(&sentinel), Some(NEW_ITEM))
                }
                Role::Reference { field, target } => {
                    let check = ConditionCheck::builder()
                        .table_name(self.table_name())
                        .set_key(Some(key(keys::record_pk(target), keys::RECORD_SK)))
                        .condition_expression("attribute_exists(PK) AND org_id = :org AND table_id = :table")
                        .expression_attribute_values(":org", AttributeValue::N(org.0.to_string()))
                        .expression_attribute_values(":table", s(field.link.clone().unwrap_or_default()))
                        .build()
                        .expect("key, table and condition are set");
                    TransactWriteItem::builder().condition_check(check).build()
                }
            })
            .collect();
        match self.transact(items).await {
            Ok(()) => Ok(record),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed = reasons
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.code() == Some(CONDITION_FAILED));
                // Report a missing reference first: it is the caller's to fix, like a clash.
                let mut clash = None;
                for (index, _) in failed {
                    match &roles[index] {
                        Role::Reference { field, target } => {
                            return Err(ApiError::value_not_found(format!(
                                "Record with ID \"{target}\" not found in \"{}\" (attribute \"{}\")",
                                field.link_slug.as_deref().unwrap_or_default(),
                                field.key
                            )))
                        }
                        Role::Unique { field, value } => clash = clash.or(Some((field, value))),
                        Role::Record | Role::Number => {}
                    }
                }
                Err(match clash {
                    Some((field, value)) => ApiError::value_uniqueness_conflict(format!(
                        "The value \"{}\" provided for attribute with slug \"{}\" is already used by another record; the attribute is unique",
                        value.unique_key.as_deref().unwrap_or_default(),
                        field.key
                    )),
                    None => ApiError::internal().with_detail(format!("record create cancelled unexpectedly: {reasons:?}")),
                })
            }
            Err(TransactFailure::Api(e)) if e.detail.as_deref().is_some_and(|d| d.contains("Item size")) => Err(
                ApiError::payload_too_large("The record is over DynamoDB's 400 KB item limit"),
            ),
            Err(TransactFailure::Api(e)) => Err(e),
        }
    }

    /// The table's next record display number, from its atomic counter.
    async fn next_record_number(&self, org: OrgId, table_id: &str) -> Result<u64, ApiError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::table_sk(table_id))))
            .update_expression("ADD record_seq :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        match out.attributes().and_then(|a| a.get("record_seq")) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| ApiError::internal().with_detail("record_seq is not a number")),
            _ => Err(ApiError::internal().with_detail("record_seq missing after update")),
        }
    }

    /// A record of `table` by id or display number; records of other tables or orgs are
    /// not found.
    pub async fn record(
        &self,
        org: OrgId,
        table: &TableItem,
        which: &RecordRef,
    ) -> Result<Option<RecordItem>, ApiError> {
        let id = match which {
            RecordRef::Id(id) => id.clone(),
            RecordRef::Number(n) => {
                let pointer = self
                    .get(keys::record_number_pk(&table.id, *n), keys::RECORD_NUMBER_SK)
                    .await?;
                match pointer.map(from_item::<RecordNumberItem>).transpose()? {
                    Some(p) => p.record_id,
                    None => return Ok(None),
                }
            }
        };
        let record: Option<RecordItem> = self
            .get(keys::record_pk(&id), keys::RECORD_SK)
            .await?
            .map(from_item)
            .transpose()?;
        Ok(record.filter(|r| r.org_id == org.0 && r.table_id == table.id))
    }
}
