//! Webhooks: one item each in the organization's partition, its signing secret sealed
//! (`crate::sealing`; the store holds only the sealed bytes). Each create and delete moves
//! the organization's `webhook_count` in the same transaction, which caps the webhooks at
//! [`MAX_WEBHOOKS`] and refuses a webhook for an organization being deleted.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{from_item, key, put, Change, Missing, Refusal, Store, StoreError, TransactFailure, NEW_ITEM};
use crate::domain::organization::OrgId;
use crate::domain::webhook::{NewWebhook, Subscriptions, TargetUrl, Webhook, WebhookStatus};
use crate::store::item::{org_count_move, ItemKeys};
use crate::store::keys;
use crate::time::Timestamp;

/// The most webhooks an organization holds: every delivery reads them all, so few.
pub const MAX_WEBHOOKS: u64 = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WebhookItem {
    webhook_id: String,
    target_url: String,
    /// The subscriptions in Attio's JSON shape.
    subscriptions: String,
    status: String,
    created_at: String,
    /// base64url of `crate::sealing`'s sealed form.
    sealed_secret: String,
    version: u64,
    /// When the webhook was degraded (unix seconds), while it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    degraded_at: Option<u64>,
}

impl WebhookItem {
    fn of(webhook: &Webhook, sealed_secret: &[u8]) -> Self {
        Self {
            webhook_id: webhook.id.clone(),
            target_url: webhook.target_url.as_str().to_string(),
            subscriptions: webhook.subscriptions.to_json().to_string(),
            status: webhook.status.as_str().to_string(),
            created_at: webhook.created_at.clone(),
            sealed_secret: URL_SAFE_NO_PAD.encode(sealed_secret),
            version: webhook.version,
            degraded_at: None,
        }
    }

    fn webhook(&self) -> Result<Webhook, StoreError> {
        let broken =
            |what: &str| StoreError::unexpected(format!("webhook {}: stored {what} does not parse", self.webhook_id));
        let subscriptions: serde_json::Value =
            serde_json::from_str(&self.subscriptions).map_err(|_| broken("subscriptions"))?;
        Ok(Webhook {
            id: self.webhook_id.clone(),
            target_url: TargetUrl::stored(&self.target_url).ok_or_else(|| broken("target_url"))?,
            subscriptions: Subscriptions::parse("subscriptions", &subscriptions)
                .map_err(|_| broken("subscriptions"))?,
            status: WebhookStatus::at(
                WebhookStatus::parse(&self.status).ok_or_else(|| broken("status"))?,
                self.degraded_at,
                Timestamp::now().unix_seconds(),
            ),
            created_at: self.created_at.clone(),
            version: self.version,
        })
    }
}

/// Why a stored webhook item is broken, for the audit: a part that does not parse, or a
/// secret that is not in the sealed form (version byte, nonce, ciphertext and tag).
pub(crate) fn stored_webhook_problem(item: super::Item) -> Result<(), String> {
    let item: WebhookItem = from_item(item).map_err(|e| e.to_string())?;
    item.webhook().map_err(|e| e.to_string())?;
    let sealed = URL_SAFE_NO_PAD
        .decode(&item.sealed_secret)
        .map_err(|_| "its sealed secret is not base64url".to_string())?;
    // 1 version byte, a 12-byte nonce, the 64-byte secret and a 16-byte tag.
    if sealed.first() != Some(&1) || sealed.len() != 1 + 12 + 64 + 16 {
        return Err(format!("its secret is not sealed ({} bytes)", sealed.len()));
    }
    Ok(())
}

/// What a webhook's sealed secret is bound to: its item's key, so that sealed bytes copied
/// to another webhook (or organization) do not open.
pub fn secret_context(org: OrgId, webhook_id: &str) -> String {
    format!("{}|{}", keys::org_pk(org), keys::webhook_sk(webhook_id))
}

/// A webhook's signing secret as stored: sealed.
pub struct SealedSecret(pub Vec<u8>);

impl Store {
    /// Stores a new webhook with its sealed secret. 404 if the organization does not exist
    /// (or is being deleted); 400 if it holds [`MAX_WEBHOOKS`] already.
    pub async fn create_webhook(
        &self,
        org: OrgId,
        new: &NewWebhook,
        id: &str,
        sealed_secret: &SealedSecret,
        created_at: String,
    ) -> Result<Webhook, StoreError> {
        let webhook = Webhook {
            id: id.to_string(),
            target_url: new.target_url.clone(),
            subscriptions: new.subscriptions.clone(),
            status: WebhookStatus::Active,
            created_at,
            version: 1,
        };
        let item =
            ItemKeys::new(keys::org_pk(org), keys::webhook_sk(id)).item(&WebhookItem::of(&webhook, &sealed_secret.0));
        self.put_counted_webhook(org, item).await?;
        Ok(webhook)
    }

    /// Puts a new webhook's item (Attio's or SmartSuite's) with the organization's webhook
    /// count moved up, in one transaction. 404 if the organization does not exist (or is
    /// being deleted); 400 if it holds [`MAX_WEBHOOKS`] (of both kinds) already.
    pub(super) async fn put_counted_webhook(&self, org: OrgId, item: super::Item) -> Result<(), StoreError> {
        let items = vec![self.webhook_count(org, 1), put(self.table_name(), item, Some(NEW_ITEM))];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(_)) => Err(self
                .gone_or_full(org, Refusal::TooManyWebhooks { max: MAX_WEBHOOKS })
                .await),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// Deletes a webhook's item (Attio's or SmartSuite's, at `sk`) with the organization's
    /// webhook count moved down, in one transaction; 404 if there is none.
    pub(super) async fn delete_counted_webhook(
        &self,
        org: OrgId,
        sk: &str,
        webhook_id: &str,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), sk)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("key and table are set");
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            self.webhook_count(org, -1),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(_)) => Err(Missing::Webhook(webhook_id.to_string()).into()),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// Adds `by` to the organization's webhook count: at most [`MAX_WEBHOOKS`], and only
    /// while the organization exists.
    fn webhook_count(&self, org: OrgId, by: i64) -> TransactWriteItem {
        org_count_move(self.table_name(), org, "webhook_count", by, MAX_WEBHOOKS)
    }

    /// An organization's webhooks, oldest first.
    pub async fn webhooks(&self, org: OrgId) -> Result<Vec<Webhook>, StoreError> {
        let mut webhooks = self
            .query_prefix(&keys::org_pk(org), keys::WEBHOOK_PREFIX)
            .await?
            .into_iter()
            .map(|item| from_item::<WebhookItem>(item)?.webhook())
            .collect::<Result<Vec<_>, _>>()?;
        webhooks.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(webhooks)
    }

    /// A webhook of `org`; another organization's is not found.
    pub async fn webhook(&self, org: OrgId, webhook_id: &str) -> Result<Option<Webhook>, StoreError> {
        self.get(keys::org_pk(org), &keys::webhook_sk(webhook_id))
            .await?
            .map(|item| from_item::<WebhookItem>(item)?.webhook())
            .transpose()
    }

    /// A webhook of `org` with its sealed signing secret, read in one GetItem: what a
    /// delivery signs with.
    pub async fn webhook_with_secret(
        &self,
        org: OrgId,
        webhook_id: &str,
    ) -> Result<Option<(Webhook, SealedSecret)>, StoreError> {
        let Some(item) = self.get(keys::org_pk(org), &keys::webhook_sk(webhook_id)).await? else {
            return Ok(None);
        };
        let item: WebhookItem = from_item(item)?;
        let sealed = URL_SAFE_NO_PAD
            .decode(&item.sealed_secret)
            .map_err(|_| StoreError::unexpected(format!("webhook {webhook_id}: its sealed secret is not base64url")))?;
        Ok(Some((item.webhook()?, SealedSecret(sealed))))
    }

    /// Writes `after` (the webhook read as `before`, changed) if it is still the version
    /// read; its secret stays as sealed.
    pub async fn update_webhook(&self, org: OrgId, before: &Webhook, after: &Webhook) -> Result<(), StoreError> {
        let update = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::webhook_sk(&before.id))))
            // A changed webhook starts again as active: its owner has seen to it.
            .update_expression(
                "SET target_url = :url, subscriptions = :subs, version = :next, #status = :active REMOVE degraded_at",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", AttributeValue::S(WebhookStatus::Active.as_str().into()))
            .condition_expression("version = :read")
            .expression_attribute_values(":url", AttributeValue::S(after.target_url.as_str().to_string()))
            .expression_attribute_values(":subs", AttributeValue::S(after.subscriptions.to_json().to_string()))
            .expression_attribute_values(":next", AttributeValue::N(after.version.to_string()))
            .expression_attribute_values(":read", AttributeValue::N(before.version.to_string()));
        match update.send().await {
            Ok(_) => Ok(()),
            Err(e) if super::is_condition_failure(&e) => match self.webhook(org, &before.id).await? {
                None => Err(Missing::Webhook(before.id.clone()).into()),
                Some(_) => Err(Change::Webhook.into()),
            },
            Err(e) => Err(super::sdk_error(e)),
        }
    }

    /// Deletes a webhook; 404 if there is none with this id.
    pub async fn delete_webhook(&self, org: OrgId, webhook_id: &str) -> Result<(), StoreError> {
        self.delete_counted_webhook(org, &keys::webhook_sk(webhook_id), webhook_id)
            .await
    }
}
