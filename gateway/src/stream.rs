//! The table's stream, locally: DynamoDB Local's stream read as Lambda's event source
//! mappings read it for the purge-organizations, fan-out-events and index-records functions (every shard
//! from its start, filtered as the template's triggers are: [`shared::purge::wanted`],
//! [`shared::delivery::wanted`]), each batch handed on as the event JSON Lambda would send.
//! A batch whose delivery fails is read and delivered again, as Lambda retries it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A trigger's filter: whether it passes a record, by event name, PK and SK.
pub type Filter = fn(&str, &str, &str) -> bool;

/// The purge trigger's filter.
pub fn purge_markers(name: &str, pk: &str, _sk: &str) -> bool {
    shared::purge::wanted(name, pk)
}

/// The fan-out trigger's filter.
pub fn event_items(name: &str, _pk: &str, sk: &str) -> bool {
    shared::delivery::wanted(name, sk)
}

/// The event record Lambda would deliver for a stream record, if the trigger's filter
/// passes it.
fn event_record(record: &Record, wanted: Filter) -> Option<Value> {
    let name = record.event_name()?.as_str().to_string();
    let change = record.dynamodb()?;
    let key = |name: &str| change.keys()?.get(name)?.as_s().ok().cloned();
    let (pk, sk) = (key("PK")?, key("SK")?);
    wanted(&name, &pk, &sk).then(|| {
        json!({
            "eventName": name,
            "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"PK": {"S": pk}, "SK": {"S": sk}}, "StreamViewType": "KEYS_ONLY"}
        })
    })
}

/// Follows `table`'s stream until the task is dropped, handing each batch of records the
/// filter passes to `deliver`, as `{"Records": [...]}`.
pub async fn follow<F, Fut>(
    db: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    wanted: Filter,
    mut deliver: F,
) -> Result<(), Failure>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let described = db.describe_table().table_name(&table).send().await?;
    let arn = described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .ok_or("the table has no stream")?
        .to_string();
    let mut shards = Shards {
        wanted: Some(wanted),
        ..Shards::default()
    };
    loop {
        // DynamoDB Local under load may time out a call: the read goes on, as Lambda's does.
        if let Err(e) = shards.poll(&streams, &arn, &mut deliver).await {
            tracing::warn!(error = ?e, "reading the stream failed; trying again");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The stream's shards being read: each one's next iterator, and those that have ended.
#[derive(Default)]
struct Shards {
    iterators: HashMap<String, String>,
    closed: HashSet<String>,
    rounds: u64,
    /// The pause after a round that found nothing: it doubles while the stream is quiet
    /// (up to a second) and is short again once a record comes.
    idle: Duration,
    /// The trigger's filter.
    wanted: Option<Filter>,
}

impl Shards {
    /// One round: new shards found (every tenth round), then one read of each.
    async fn poll<F, Fut>(
        &mut self,
        streams: &aws_sdk_dynamodbstreams::Client,
        arn: &str,
        deliver: &mut F,
    ) -> Result<(), Failure>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<(), Failure>>,
    {
        let Self {
            iterators,
            closed,
            rounds,
            idle: pause,
            wanted,
        } = self;
        let wanted = wanted.unwrap_or(purge_markers);
        if *rounds % 10 == 0 {
            let stream = streams.describe_stream().stream_arn(arn).send().await?;
            for shard in stream.stream_description().map(|d| d.shards()).unwrap_or_default() {
                let Some(id) = shard.shard_id() else { continue };
                if closed.contains(id) || iterators.contains_key(id) {
                    continue;
                }
                let iterator = streams
                    .get_shard_iterator()
                    .stream_arn(arn)
                    .shard_id(id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await?;
                if let Some(iterator) = iterator.shard_iterator {
                    iterators.insert(id.to_string(), iterator);
                }
            }
        }
        *rounds += 1;
        let mut idle = true;
        for (shard, iterator) in iterators.clone() {
            let out = match streams.get_records().shard_iterator(&iterator).send().await {
                Ok(out) => out,
                Err(e) => {
                    // DynamoDB Local may answer TrimmedDataAccessException for an iterator
                    // it just gave (a new table's stream beside a busy one): the shard is
                    // read again from a fresh iterator, from its oldest record.
                    tracing::warn!(error = ?e, shard, "reading a shard failed; it is read again from its start");
                    iterators.remove(&shard);
                    *rounds = 0;
                    continue;
                }
            };
            // Any record read, kept or not, means the shard may hold more: only a round that
            // read nothing pauses. (Pausing after pages the filter dropped read a busy
            // stream a page a second, far behind its writers.)
            idle &= out.records().is_empty();
            let records: Vec<Value> = out.records().iter().filter_map(|r| event_record(r, wanted)).collect();
            if !records.is_empty() {
                if let Err(e) = deliver(json!({ "Records": records }).to_string()).await {
                    tracing::warn!(error = %e, "a stream batch failed; it is delivered again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
            match out.next_shard_iterator {
                Some(next) => {
                    iterators.insert(shard, next);
                }
                None => {
                    iterators.remove(&shard);
                    closed.insert(shard);
                }
            }
        }
        *pause = if idle {
            (*pause * 2).clamp(Duration::from_millis(50), Duration::from_secs(1))
        } else {
            Duration::ZERO
        };
        tokio::time::sleep(*pause).await;
        Ok(())
    }
}

/// Runs the purge in process on every batch: what `make dev` and the tests use.
pub async fn purge_in_process(
    db: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    store: std::sync::Arc<shared::state::AppState>,
) {
    let deliver = |event: String| {
        let store = store.clone();
        async move {
            let event: shared::purge::StreamEvent = serde_json::from_str(&event)?;
            shared::purge::handle(&store.store, &event, shared::purge::step_items_from_env()).await?;
            Ok::<(), Failure>(())
        }
    };
    if let Err(e) = follow(db, streams, table, purge_markers, deliver).await {
        tracing::error!(error = %e, "the stream follower stopped; deleted organizations are not purged");
    }
}

/// Indexes records for search in process on every batch of new event items, as the
/// index-records function does: what `make dev` and the search tests use. A batch that
/// fails is handed on again, as Lambda retries it.
pub async fn index_in_process(
    db: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    state: std::sync::Arc<shared::state::AppState>,
) {
    let deliver = |event: String| {
        let state = state.clone();
        async move {
            let event: shared::purge::StreamEvent = serde_json::from_str(&event)?;
            shared::search_index::handle_stream(&state.store, &event).await?;
            Ok::<(), Failure>(())
        }
    };
    if let Err(e) = follow(db, streams, table, event_items, deliver).await {
        tracing::error!(error = %e, "the stream follower stopped; records are not indexed for search");
    }
}

/// Delivers change events in process: the stream's new event items fanned out to their
/// webhooks (as the fan-out-events function), and the due retries swept every `tick` (as
/// the retry-deliveries function's schedule does every minute). What `make dev` and the
/// tests that receive webhooks use.
pub async fn deliver_in_process(
    db: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    table: String,
    state: std::sync::Arc<shared::state::AppState>,
    schedule: shared::delivery::Schedule,
    tick: Duration,
) {
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                let deps = shared::delivery::Deps {
                    store: &state.store,
                    webhooks: &state.webhooks,
                };
                if let Err(e) = shared::delivery::sweep_for(&deps, &schedule, Duration::from_secs(10)).await {
                    tracing::warn!(error = %e, "a delivery sweep failed; the next one retries");
                }
            }
        })
    };
    // The stream is read without waiting on the fan-out: DynamoDB Local trims a busy
    // stream (TrimmedDataAccessException past the oldest record it kept), so a reader that
    // waited on each batch's deliveries would fall behind and lose events. Batches queue
    // here and are fanned out in order, each retried until it succeeds, as Lambda retries.
    let (queue, mut batches) = tokio::sync::mpsc::unbounded_channel::<String>();
    let fan_out = {
        let state = state.clone();
        tokio::spawn(async move {
            while let Some(batch) = batches.recv().await {
                let Ok(event) = serde_json::from_str::<shared::purge::StreamEvent>(&batch) else {
                    continue;
                };
                let deps = shared::delivery::Deps {
                    store: &state.store,
                    webhooks: &state.webhooks,
                };
                while let Err(e) = shared::delivery::handle_stream(&deps, &event, &schedule).await {
                    tracing::warn!(error = %e, "a fan-out failed; it is retried");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        })
    };
    let deliver = move |batch: String| {
        let queue = queue.clone();
        async move { queue.send(batch).map_err(|e| -> Failure { e.to_string().into() }) }
    };
    if let Err(e) = follow(db, streams, table, event_items, deliver).await {
        tracing::error!(error = %e, "the stream follower stopped; change events are not delivered");
    }
    sweeper.abort();
    fan_out.abort();
}
