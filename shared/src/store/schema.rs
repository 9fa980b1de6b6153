//! The table definition, as template.yaml declares it. Local runs and tests create the
//! table from this; a test checks that template.yaml says exactly the same.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::keys::{GSI1, GSI1PK, GSI1SK, PK, SK, TTL_ATTRIBUTE};

/// A global secondary index: its name, partition key and sort key (all strings, all
/// attributes projected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [Index],
    /// The attribute DynamoDB's TTL deletes items by (idempotency records use it).
    pub ttl_attribute: &'static str,
    /// The table's stream: keys only, which is all the organization purge reads.
    pub stream_view: &'static str,
}

pub const SCHEMA: TableSchema = TableSchema {
    partition_key: PK,
    sort_key: SK,
    indexes: &[Index {
        name: GSI1,
        partition_key: GSI1PK,
        sort_key: GSI1SK,
    }],
    ttl_attribute: TTL_ATTRIBUTE,
    stream_view: "KEYS_ONLY",
};

impl TableSchema {
    /// Every key attribute of the table and its indexes, each named once, in order.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            for name in [index.partition_key, index.sort_key] {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and type are set")
}

fn stream() -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::from(SCHEMA.stream_view))
        .build()
        .expect("the flag is set")
}

/// Creates the table unless it exists already; a table made before it had a stream gets
/// one.
pub async fn create_table_if_missing(client: &Client, table: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    let existing = client.list_tables().send().await?;
    if existing.table_names().iter().any(|t| t == table) {
        let described = client.describe_table().table_name(table).send().await?;
        let streaming = described
            .table()
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        if !streaming {
            client
                .update_table()
                .table_name(table)
                .stream_specification(stream())
                .send()
                .await?;
        }
        return Ok(());
    }
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(SCHEMA.partition_key, KeyType::Hash))
        .key_schema(key(SCHEMA.sort_key, KeyType::Range));
    for name in SCHEMA.key_attributes() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set"),
        );
    }
    for index in SCHEMA.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .key_schema(key(index.partition_key, KeyType::Hash))
                .key_schema(key(index.sort_key, KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .expect("name and keys are set"),
        );
    }
    request.stream_specification(stream()).send().await?;
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name(SCHEMA.ttl_attribute)
        .enabled(true)
        .build()
        .expect("name and flag are set");
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(ttl)
        .send()
        .await?;
    Ok(())
}
