//! The table's stream, locally: DynamoDB Local's stream read as Lambda's event source
//! mapping reads it for the purge-organizations function (every shard from its start,
//! filtered as the template's trigger is: [`shared::purge::wanted`]), each batch handed on
//! as the event JSON Lambda would send. A batch whose delivery fails is read and delivered
//! again, as Lambda retries it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{json, Value};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The event record Lambda would deliver for a stream record, if the trigger's filter
/// passes it.
fn event_record(record: &Record) -> Option<Value> {
    let name = record.event_name()?.as_str().to_string();
    let change = record.dynamodb()?;
    let key = |name: &str| change.keys()?.get(name)?.as_s().ok().cloned();
    let (pk, sk) = (key("PK")?, key("SK")?);
    shared::purge::wanted(&name, &pk).then(|| {
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
    let mut shards = Shards::default();
    loop {
        // DynamoDB Local under load may time out a call: the read goes on, as Lambda's does.
        if let Err(e) = shards.poll(&streams, &arn, &mut deliver).await {
            tracing::warn!(error = %e, "reading the stream failed; trying again");
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
        } = self;
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
            let out = streams.get_records().shard_iterator(&iterator).send().await?;
            let records: Vec<Value> = out.records().iter().filter_map(event_record).collect();
            if !records.is_empty() {
                idle = false;
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
            shared::purge::handle(&store.store, &event).await?;
            Ok::<(), Failure>(())
        }
    };
    if let Err(e) = follow(db, streams, table, deliver).await {
        tracing::error!(error = %e, "the stream follower stopped; deleted organizations are not purged");
    }
}
