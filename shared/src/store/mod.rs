//! Storage: one DynamoDB table. The key schema lives in [`keys`], the table definition in
//! [`schema`], and each resource's items and access patterns in a module of its own.
//! docs/data-model.md describes the same schema for people.

pub mod account_items;
pub mod api_keys;
pub mod audit;
pub mod backfill;
pub mod cache;
pub mod deliveries;
pub mod embed;
pub mod entries;
pub mod error;
pub mod events;
pub mod history;
pub mod idempotency;
pub mod index;
pub mod item;
pub mod item_size;
pub mod keys;
pub mod notes;
pub mod object_delete;
pub mod organizations;
pub mod purge;
pub mod record_counts;
pub mod records;
pub mod referrers;
pub mod schema;
pub mod search;
#[cfg(feature = "seeding")]
pub mod seed;
pub mod smartsuite_webhooks;
pub mod solutions;
pub mod tables;
pub mod tasks;
pub mod teams;
pub mod trash;
pub mod unlink;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, KeysAndAttributes, TransactWriteItem};
use aws_sdk_dynamodb::Client;

pub use error::{sdk_error, Change, Conflict, Missing, Reference, Refusal, StoreError};
pub use item::{from_item, to_item, Item};
pub(crate) use item::{key, key_of, organization_exists, put, s, NEW_ITEM};

/// The table and the client that reaches it, built once per container.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
    caches: std::sync::Arc<cache::Caches>,
    /// How many records or index entries one query may examine (`None`:
    /// [`index::MAX_EXAMINED`]; `Store::scan_budget` reads it).
    scan_limit: Option<usize>,
    /// Per-key rate limits, when on (see [`crate::rate_limit`]).
    rate_limits: Option<RateLimits>,
}

/// Requests per second per API key, by class (what they count and when: `crate::rate_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub attio_reads: u32,
    pub attio_writes: u32,
    pub smartsuite: u32,
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub enum TransactFailure {
    /// A condition failed: one reason per item, in the order the items were sent.
    Cancelled(Vec<CancellationReason>),
    /// The store failed (unreachable, throttled, an item too large).
    Store(StoreError),
}

impl From<StoreError> for TransactFailure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// The cancellation code DynamoDB gives an item whose condition failed.
pub const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// How many calls a bulk read or delete of already unreachable items (a purge step) has in
/// flight at once: a step of thousands of items waits on round trips, not on DynamoDB, and
/// eight keeps well under a partition's write throughput.
pub const BATCH_CONCURRENCY: usize = 8;

/// How often a transaction cancelled only by a conflicting concurrent transaction is tried.
const CONFLICT_ATTEMPTS: u32 = 6;

/// How many transactions were retried after a `TransactionConflict`, in this process (for
/// tests and operators: a high rate means hot items).
pub static CONFLICT_RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether a single-item write failed its condition (DynamoDB's
/// ConditionalCheckFailedException, whatever the operation).
pub(crate) fn is_condition_failure<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(aws_sdk_dynamodb::error::ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

impl Store {
    /// A store with the default [`cache::CacheSettings`].
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self::with_caches(client, table, cache::CacheSettings::default())
    }

    pub fn with_caches(client: Client, table: impl Into<String>, settings: cache::CacheSettings) -> Self {
        Self {
            client,
            table: table.into(),
            caches: std::sync::Arc::new(cache::Caches::new(settings)),
            scan_limit: None,
            rate_limits: None,
        }
    }

    /// The same store, counting requests against these per-key limits (`None`: no limits).
    pub fn with_rate_limits(mut self, limits: Option<RateLimits>) -> Self {
        self.rate_limits = limits;
        self
    }

    pub fn rate_limits(&self) -> Option<RateLimits> {
        self.rate_limits
    }

    /// Counts one request of `key_id` in `class` in this clock second, if fewer than `limit`
    /// were counted there: `false` when the limit is reached. One conditional UpdateItem on
    /// a small item, which expires a minute after its second.
    pub async fn count_request(&self, key_id: &str, class: &str, limit: u32) -> Result<bool, StoreError> {
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::rate_pk(key_id, class), &second.to_string())))
            .update_expression("ADD n :one SET expires_at = :expires")
            .condition_expression("attribute_not_exists(n) OR n < :limit")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N((second + 60).to_string()))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(sdk_error(err)),
        }
    }

    /// The same store with another bound on what one query may examine (tests reach it
    /// with a small table).
    pub fn with_scan_limit(mut self, limit: usize) -> Self {
        self.scan_limit = Some(limit);
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Writes `items` atomically. A cancellation caused only by concurrent transactions on
    /// the same items (`TransactionConflict`) is retried with a short jittered backoff, since
    /// the other writer will have finished; any failed condition is returned to the caller.
    pub async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        item_size::check_puts(&items)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            let reasons = match &err {
                SdkError::ServiceError(service) => match service.err() {
                    TransactWriteItemsError::TransactionCanceledException(e) => Some(e.cancellation_reasons().to_vec()),
                    _ => None,
                },
                _ => None,
            };
            let Some(reasons) = reasons else {
                return Err(TransactFailure::Store(sdk_error(err)));
            };
            let conflict_only = cancelled_only_by_conflict(&reasons);
            if conflict_only && attempt < CONFLICT_ATTEMPTS {
                CONFLICT_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            if conflict_only {
                return Err(TransactFailure::Store(StoreError::Contended));
            }
            return Err(TransactFailure::Cancelled(reasons));
        }
    }
}

/// `query`'s key condition: `PK = :pk` and the sort keys that start with `prefix`, as
/// `BETWEEN prefix AND prefix + U+10FFFF` (the greatest character, so no key of ours, all
/// ASCII after a prefix, is past it). DynamoDB answers this and `begins_with` alike; DynamoDB
/// Local answers a `begins_with` by reading the whole partition (24 ms against 1.3 ms for
/// a prefix of a 30,000-item partition: bench/scale.md, "record search"), which the tests
/// and `make dev` pay for on every large partition.
pub(crate) fn with_prefix(query: QueryFluentBuilder, prefix: &str) -> QueryFluentBuilder {
    query
        .key_condition_expression("PK = :pk AND SK BETWEEN :prefix AND :prefix_end")
        .expression_attribute_values(":prefix", s(prefix))
        .expression_attribute_values(":prefix_end", s(format!("{prefix}\u{10FFFF}")))
}

/// Whether a cancellation is worth retrying as it is: some item met a concurrent
/// transaction, and no condition failed (a failed condition would fail again).
fn cancelled_only_by_conflict(reasons: &[CancellationReason]) -> bool {
    !reasons.iter().any(|r| r.code() == Some(CONDITION_FAILED))
        && reasons.iter().any(|r| r.code() == Some("TransactionConflict"))
}

/// 10 ms, 20 ms, 40 ms ... with up to half again of random jitter, so that racing writers
/// spread out rather than collide again.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 10u64 << attempt.min(6);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => base * u64::from(byte[0]) / 512,
        Err(_) => 0,
    };
    Duration::from_millis(base + jitter)
}

/// Indexes of the items whose condition failed.
pub(crate) fn failed_conditions(reasons: &[CancellationReason]) -> Vec<usize> {
    (0..reasons.len())
        .filter(|i| reasons[*i].code() == Some(CONDITION_FAILED))
        .collect()
}

/// Index of the first item whose condition failed, if any.
pub(crate) fn failed_condition(reasons: &[CancellationReason]) -> Option<usize> {
    reasons.iter().position(|r| r.code() == Some(CONDITION_FAILED))
}

impl Store {
    /// The items that exist among `keys` (any number; strongly consistent), projected to
    /// `projection`. Missing items are simply absent. Unprocessed keys are asked again.
    pub(crate) async fn batch_get(
        &self,
        keys: Vec<Item>,
        projection: &str,
        names: &[(&str, &str)],
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        // BatchGetItem takes at most 100 keys a call.
        for chunk in keys.chunks(100) {
            let mut request = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .projection_expression(projection)
                .consistent_read(true);
            for (placeholder, name) in names {
                request = request.expression_attribute_names(*placeholder, *name);
            }
            items.extend(self.batch_get_all(request.build().expect("keys are set")).await?);
        }
        Ok(items)
    }

    /// Whole items by key (any number), strongly consistent or not. Missing items are
    /// absent; unprocessed keys are asked again.
    pub(crate) async fn batch_get_items(&self, keys: Vec<Item>, consistent: bool) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        for chunk in keys.chunks(100) {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(consistent)
                .build()
                .expect("keys are set");
            items.extend(self.batch_get_all(request).await?);
        }
        Ok(items)
    }

    /// One BatchGetItem request of at most 100 keys, asked again (after a pause) for the
    /// keys DynamoDB leaves unprocessed until none is left.
    async fn batch_get_all(&self, request: KeysAndAttributes) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut pending = Some(request);
        let mut attempt = 0;
        while let Some(request) = pending.take() {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(
                out.responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty());
            if pending.is_some() {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Ok(items)
    }

    /// Every item a Query finds, through the SDK's paginator.
    pub(crate) async fn query_all(&self, query: QueryFluentBuilder) -> Result<Vec<Item>, StoreError> {
        query
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(sdk_error)
    }

    /// Every item of one GSI1 partition, in sort key order. GSI reads are eventually
    /// consistent: a write may take a moment to appear.
    pub(crate) async fn query_gsi1(&self, gsi1pk: &str) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(gsi1pk));
        self.query_all(query).await
    }

    /// The Query of one partition's items whose sort key starts with `prefix`, in sort key
    /// order (strongly consistent).
    fn prefix_query(&self, pk: &str, prefix: &str) -> QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .expression_attribute_values(":pk", s(pk));
        with_prefix(query, prefix)
    }

    /// Every item of one partition whose sort key starts with `prefix` (strongly consistent).
    pub(crate) async fn query_prefix(&self, pk: &str, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_all(self.prefix_query(pk, prefix)).await
    }

    /// The first `max` items of one partition whose sort key starts with `prefix`, in sort
    /// key order (strongly consistent): pages are read only until `max` are in hand.
    pub(crate) async fn query_prefix_first(&self, pk: &str, prefix: &str, max: usize) -> Result<Vec<Item>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let query = self
            .prefix_query(pk, prefix)
            .limit(i32::try_from(max.min(1000)).unwrap_or(1000));
        let mut items = Vec::new();
        let mut pages = query.into_paginator().items().send();
        while let Some(item) = pages.next().await {
            items.push(item.map_err(sdk_error)?);
            if items.len() >= max {
                break;
            }
        }
        Ok(items)
    }

    /// Every item of one partition (strongly consistent).
    pub(crate) async fn query_partition(&self, pk: &str) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk));
        self.query_all(query).await
    }

    /// Deletes items by key, 25 a call and [`BATCH_CONCURRENCY`] calls at a time, asking
    /// again for unprocessed ones. Not atomic: for purging data that is already unreachable.
    pub(crate) async fn batch_delete(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        use futures_util::{StreamExt, TryStreamExt};
        let chunks: Vec<Vec<Item>> = keys.chunks(25).map(<[Item]>::to_vec).collect();
        futures_util::stream::iter(chunks)
            .map(|chunk| async move { self.delete_chunk(chunk).await })
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect()
            .await
    }

    /// One BatchWriteItem of at most 25 deletes, repeated for what it leaves unprocessed.
    async fn delete_chunk(&self, chunk: Vec<Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        let requests: Vec<WriteRequest> = chunk
            .into_iter()
            .map(|k| {
                let delete = DeleteRequest::builder().set_key(Some(k)).build().expect("key is set");
                WriteRequest::builder().delete_request(delete).build()
            })
            .collect();
        self.write_chunk(requests).await
    }

    /// One BatchWriteItem of at most 25 requests, repeated for what it leaves unprocessed.
    async fn write_chunk(&self, mut pending: Vec<aws_sdk_dynamodb::types::WriteRequest>) -> Result<(), StoreError> {
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(sdk_error)?;
            pending = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if !pending.is_empty() {
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Ok(())
    }

    /// Why a write moving one of the organization's capped counts (`item::org_count_move`)
    /// was cancelled: the organization is gone, or the count is at its cap (`full`).
    pub(crate) async fn gone_or_full(&self, org: crate::domain::organization::OrgId, full: Refusal) -> StoreError {
        match self.get(keys::org_pk(org), keys::ORG_SK).await {
            Ok(None) => Missing::Organization(org).into(),
            Ok(Some(_)) => full.into(),
            Err(e) => e,
        }
    }

    /// An `UpdateItem` (`ADD`/`SET` under `attribute_exists(PK)`) of an item that must
    /// exist, answering the number `counter` holds after it: `None` when the item is gone.
    pub(crate) async fn update_counter(
        &self,
        item_key: Item,
        expression: &str,
        values: Vec<(&str, AttributeValue)>,
        counter: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .update_expression(expression)
            .condition_expression("attribute_exists(PK)")
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew);
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        let out = match update.send().await {
            Ok(out) => out,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(sdk_error(err)),
        };
        match out.attributes().and_then(|a| a.get(counter)) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Unexpected(format!("{counter} is not a number"))),
            _ => Err(StoreError::Unexpected(format!("{counter} missing after update"))),
        }
    }

    /// One item by key, strongly consistent.
    pub(crate) async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(codes: &[&str]) -> Vec<CancellationReason> {
        codes
            .iter()
            .map(|c| CancellationReason::builder().code(*c).build())
            .collect()
    }

    #[test]
    fn only_pure_conflicts_are_retried() {
        assert!(cancelled_only_by_conflict(&reasons(&["None", "TransactionConflict"])));
        assert!(cancelled_only_by_conflict(&reasons(&[
            "TransactionConflict",
            "TransactionConflict"
        ])));
        assert!(!cancelled_only_by_conflict(&reasons(&[
            "ConditionalCheckFailed",
            "TransactionConflict"
        ])));
        assert!(!cancelled_only_by_conflict(&reasons(&[
            "ConditionalCheckFailed",
            "None"
        ])));
        assert!(!cancelled_only_by_conflict(&reasons(&["None", "None"])));
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert!(backoff(1) >= Duration::from_millis(20) && backoff(1) < Duration::from_millis(31));
        assert!(backoff(3) >= Duration::from_millis(80));
        assert!(backoff(20) < Duration::from_millis(1000));
    }
}
