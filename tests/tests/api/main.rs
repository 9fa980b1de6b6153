//! Integration tests: every endpoint through the local gateway over HTTP, against a real
//! DynamoDB Local, through the real SDK. One test binary, so one JVM and one link.

mod admin;
mod admin_key;
mod audit;
mod caches;
mod consistency;
mod data_hygiene;
mod deliveries;
mod differential;
mod events;
mod faults;
mod hostile;
mod idempotency;
mod identify;
mod notes;
mod openapi;
mod organizations;
mod pipeline;
mod queries;
mod rate_limits;
mod record_updates;
mod records;
mod robustness;
mod runtime;
mod smartsuite_fields;
mod smartsuite_flow;
mod smartsuite_records;
mod smartsuite_webhooks;
mod smoke;
mod solutions;
mod tables;
mod teams;
mod template;
mod vendor_curl;
mod vendor_sdks;
mod webhooks;
