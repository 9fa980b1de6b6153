//! Org API keys: create, list, revoke. Each key changes the organization's
//! `api_key_count` in the same transaction, which caps the keys at [`MAX_API_KEYS`] and lets
//! an organization delete find every key.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};

use super::organizations::{api_key_item, ApiKeyItem, IssuedKey, MAX_API_KEYS};
use super::{from_item, key, put, Missing, Refusal, Store, StoreError, TransactFailure, NEW_ITEM};
use crate::domain::organization::OrgId;
use crate::store::keys;
use crate::time::Timestamp;

impl Store {
    /// Issues a key for `user_id` in `org`. 404 if the organization does not exist; 400 if
    /// it already has [`MAX_API_KEYS`].
    pub async fn create_api_key(
        &self,
        org: OrgId,
        user_id: u64,
        api_key: &IssuedKey,
        now: Timestamp,
    ) -> Result<ApiKeyItem, StoreError> {
        let stamp = now.seconds();
        let item = ApiKeyItem {
            id: api_key.id.clone(),
            org_id: org.0,
            user_id,
            token_hash: api_key.token_hash.clone(),
            prefix: api_key.prefix.clone(),
            created_at: stamp,
        };
        let count = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
            .update_expression("ADD api_key_count :one")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(api_key_count) OR api_key_count < :max)",
            )
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(MAX_API_KEYS.to_string()))
            .build()
            .expect("key, table and expression are set");
        let items = vec![
            TransactWriteItem::builder().update(count).build(),
            put(self.table_name(), api_key_item(&item), Some(NEW_ITEM)),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(item),
            Err(TransactFailure::Cancelled(_)) => match self.get(keys::org_pk(org), keys::ORG_SK).await? {
                None => Err(Missing::Organization(org).into()),
                Some(_) => Err(Refusal::TooManyApiKeys { max: MAX_API_KEYS }.into()),
            },
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// An organization's keys, oldest first (GSI1).
    pub async fn api_keys(&self, org: OrgId) -> Result<Vec<ApiKeyItem>, StoreError> {
        self.query_gsi1(&keys::org_api_keys_gsi1pk(org))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Revokes a key of `org`: it is deleted, so its next call gets 401.
    pub async fn revoke_api_key(&self, org: OrgId, key_id: &str) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::api_key_pk(key_id), keys::API_KEY_SK)))
            .condition_expression("org_id = :org")
            .expression_attribute_values(":org", AttributeValue::N(org.0.to_string()))
            .build()
            .expect("key and table are set");
        let count = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
            .update_expression("ADD api_key_count :minus")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
            .build()
            .expect("key, table and expression are set");
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        match self.transact(items).await {
            Ok(()) => {
                self.caches.api_keys.forget(|id, _| id == key_id);
                Ok(())
            }
            Err(TransactFailure::Cancelled(_)) => Err(Missing::ApiKey(key_id.to_string()).into()),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }
}

/// The key id as stored (a hyphenated UUID), or not found.
pub fn parse_key_id(raw: &str) -> Result<String, StoreError> {
    uuid::Uuid::try_parse(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Missing::ApiKey(raw.to_string()).into())
}
