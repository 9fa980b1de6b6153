//! Items as DynamoDB holds them, and the small builders every store file writes them with:
//! a leaf of the store (it names only the key schema and the store's error), so that the
//! store's files and `Store` itself all name it without naming each other.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::de::DeserializeOwned;

use super::error::StoreError;
use super::keys;
use crate::domain::organization::OrgId;

pub type Item = HashMap<String, AttributeValue>;

/// Reads a stored item into its Rust type. A stored item that does not fit is a bug or a
/// corrupt item, never the client's fault.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    Ok(serde_dynamo::from_item(item)?)
}

/// Turns an item type into DynamoDB attributes.
pub fn to_item<T: serde::Serialize>(value: &T) -> Item {
    serde_dynamo::to_item(value).expect("item types always serialize to a map")
}

/// A string attribute.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The primary key of an item.
pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

/// The key of an item read whole: its `PK` and `SK` alone.
pub(crate) fn key_of(item: Item) -> Item {
    item.into_iter()
        .filter(|(name, _)| name == keys::PK || name == keys::SK)
        .collect()
}

/// A transaction's Put of `item`, under `condition` if any.
pub(crate) fn put(table: &str, item: Item, condition: Option<&str>) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_string))
        .build()
        .expect("item and table are set");
    TransactWriteItem::builder().put(put).build()
}

/// A transaction's Delete of the item at `key`, under `condition` and its values if any.
pub(crate) fn delete(
    table_name: &str,
    key: Item,
    condition: Option<(&str, Vec<(&str, AttributeValue)>)>,
) -> TransactWriteItem {
    let mut delete = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(table_name)
        .set_key(Some(key));
    if let Some((expression, values)) = condition {
        delete = delete.condition_expression(expression);
        for (name, value) in values {
            delete = delete.expression_attribute_values(name, value);
        }
    }
    TransactWriteItem::builder()
        .delete(delete.build().expect("key and table are set"))
        .build()
}

/// A transaction's check that the organization still exists: every write that adds to an
/// organization carries it, so none lands once the organization is deleted (its purge
/// then finds everything there is).
pub(crate) fn organization_exists(table: &str, org: OrgId) -> TransactWriteItem {
    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("key, table and condition are set");
    TransactWriteItem::builder().condition_check(check).build()
}

/// Adds `by` to the organization's `counter` (`webhook_count`, `solution_count`), only while
/// the organization exists and, when it grows, while it is below `max`: the count that caps
/// what the organization holds, moved in the transaction that makes or deletes one.
pub(crate) fn org_count_move(table: &str, org: OrgId, counter: &str, by: i64, max: u64) -> TransactWriteItem {
    let update = aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
        .update_expression("ADD #count :by")
        .expression_attribute_names("#count", counter)
        .expression_attribute_values(":by", AttributeValue::N(by.to_string()));
    let update = if by > 0 {
        update
            .condition_expression("attribute_exists(PK) AND (attribute_not_exists(#count) OR #count < :max)")
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
    } else {
        update.condition_expression("attribute_exists(PK)")
    };
    TransactWriteItem::builder()
        .update(update.build().expect("key, table and expression are set"))
        .build()
}

/// The condition of an item that must not exist yet.
pub(crate) const NEW_ITEM: &str = "attribute_not_exists(PK)";

/// The key attributes of one item: `PK` and `SK`, and GSI1's for an item listed there. The
/// item types (the domain's, and the store's own small ones) hold none of them: they are
/// added here when an item is written, and a read ignores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKeys {
    pk: String,
    sk: String,
    gsi1: Option<(String, String)>,
}

impl ItemKeys {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            gsi1: None,
        }
    }

    /// The same keys, with the item listed in GSI1's partition `gsi1pk` at `gsi1sk`.
    pub fn listed(mut self, gsi1pk: impl Into<String>, gsi1sk: impl Into<String>) -> Self {
        self.gsi1 = Some((gsi1pk.into(), gsi1sk.into()));
        self
    }

    /// `value`'s attributes under these keys: the item to write.
    pub fn item(self, value: &impl serde::Serialize) -> Item {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        let mut item = to_item(value);
        item.insert(keys::PK.into(), S(self.pk));
        item.insert(keys::SK.into(), S(self.sk));
        if let Some((gsi1pk, gsi1sk)) = self.gsi1 {
            item.insert(keys::GSI1PK.into(), S(gsi1pk));
            item.insert(keys::GSI1SK.into(), S(gsi1sk));
        }
        item
    }
}
