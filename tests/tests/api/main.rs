//! Integration tests: every endpoint through the local gateway over HTTP, against a real
//! DynamoDB Local, through the real SDK. One test binary, so one link, and one pool of two JVMs
//! (api_tests::dynamodb_endpoint: DynamoDB Local holds one core, so two serve two cores).

mod admin;
mod admin_key;
mod audit;
mod browser;
mod caches;
mod consistency;
mod data_hygiene;
mod deliveries;
mod differential;
mod entries;
mod events;
mod faults;
mod hostile;
mod idempotency;
mod identify;
mod lists;
mod notes;
mod openapi;
mod organizations;
mod pages;
mod pipeline;
mod queries;
mod rate_limits;
mod record_updates;
mod records;
mod robustness;
mod runtime;
mod search;
mod smartsuite_fields;
mod smartsuite_flow;
mod smartsuite_records;
mod smartsuite_webhooks;
mod smoke;
mod solutions;
mod tables;
mod tasks;
mod teams;
mod template;
mod vendor_curl;
mod vendor_sdks;
mod webhooks;
