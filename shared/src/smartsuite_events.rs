//! SmartSuite's webhooks fed from the change-event log (docs/compat-smartsuite.md,
//! "Webhooks"). For each new change-event item the fan-out reads, every SmartSuite webhook
//! of its organization gets the changes it takes (`domain::smartsuite_webhook::changes`)
//! queued for its `ListEvents` (`store::smartsuite_webhooks`), each with the record as the
//! write left it (`data`) and what the write replaced (`previous`), read now, moments after
//! the write, from the record and its history. The caller (`crate::delivery`) then pings
//! the webhooks whose notifications are on.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::domain::organization::OrgId;
use crate::domain::record::Record;
use crate::domain::smartsuite::shown_record;
use crate::domain::smartsuite_webhook::{
    as_written, changes, event_json, Batch, Change, Filter, Kind, Notification, Webhook,
};
use crate::domain::table::{FieldType, Table, TableRef};
use crate::store::events::EventItem;
use crate::store::records::RecordRef;
use crate::store::smartsuite_webhooks::Appended;
use crate::store::{Store, StoreError};

/// An event bigger than this keeps only the record's id in `data` (and nothing in
/// `previous`), with `truncated: true`: a queued event must fit one DynamoDB item (400 KB).
const MAX_EVENT_BYTES: usize = 350_000;

/// Queues one change-event item's changes for each SmartSuite webhook of `org` that takes
/// any. Returns the webhooks to notify: those that took some, with notifications on.
pub async fn queue(store: &Store, org: OrgId, item: &EventItem, events: &[Value]) -> Result<Vec<Webhook>, StoreError> {
    let webhooks = store.smartsuite_webhooks(org).await?;
    if webhooks.is_empty() {
        return Ok(Vec::new());
    }
    let mut views = Views::new(store, org, item);
    let all = changes(events, 0, &Kind::ALL, &Filter::Solution);
    let batch = Batch {
        id: &item.event_id,
        at: &item.created_at,
        size: all.len(),
    };
    let mut notify = Vec::new();
    for webhook in webhooks {
        let filter = views.by_field_id(&webhook.settings.filter).await?;
        let taken = changes(events, 0, &webhook.settings.kinds, &filter);
        let solution = webhook.settings.solution_id(org);
        let mut queued = Vec::with_capacity(taken.len());
        for change in &taken {
            // `{"solution": {}}` takes the tables of the webhook's solution only (a filter
            // that names tables named tables of it: `UpdateWebhook` checks).
            if !views.in_solution(&change.table_id, &solution).await? {
                continue;
            }
            let (data, previous) = views.of(change).await?;
            queued.push(fitted(event_json(org, &webhook, change, &batch, data, previous)));
        }
        if queued.is_empty() {
            continue;
        }
        let appended = store
            .queue_smartsuite_events(org, &webhook.id, &item.event_id, queued)
            .await?;
        if appended == Appended::Queued && matches!(webhook.settings.notification, Notification::Enabled(_)) {
            notify.push(webhook);
        }
    }
    Ok(notify)
}

/// The event, or, past [`MAX_EVENT_BYTES`], the event with only the record's id.
fn fitted(mut event: Value) -> Value {
    if event.to_string().len() <= MAX_EVENT_BYTES {
        return event;
    }
    let data = &mut event["record_event_data"];
    let table = data["locator"]["application_id"].clone();
    data["data"] = json!({"id": data["record_id"], "application_id": table});
    data["previous"] = json!({});
    data["truncated"] = json!(true);
    event
}

/// What the changes of one event item show, read once for every webhook that takes them.
struct Views<'a> {
    store: &'a Store,
    org: OrgId,
    item: &'a EventItem,
    tables: HashMap<String, Option<Table>>,
    /// The user each member id names (read once, for the first table with a user field).
    members: Option<HashMap<String, u64>>,
    shown: HashMap<(String, Kind), (Value, Value)>,
}

impl<'a> Views<'a> {
    fn new(store: &'a Store, org: OrgId, item: &'a EventItem) -> Self {
        Self {
            store,
            org,
            item,
            tables: HashMap::new(),
            members: None,
            shown: HashMap::new(),
        }
    }

    /// `data` and `previous` of one change.
    async fn of(&mut self, change: &Change) -> Result<(Value, Value), StoreError> {
        let key = (change.record_id.clone(), change.kind);
        if let Some(shown) = self.shown.get(&key) {
            return Ok(shown.clone());
        }
        let shown = self.read(change).await?;
        self.shown.insert(key, shown.clone());
        Ok(shown)
    }

    async fn read(&mut self, change: &Change) -> Result<(Value, Value), StoreError> {
        let bare = json!({"id": change.record_id, "application_id": change.table_id});
        let Some(table) = self.table(&change.table_id).await? else {
            return Ok((bare, json!({})));
        };
        let store = self.store;
        let live = store
            .record(self.org, &table, &RecordRef::Id(change.record_id.clone()))
            .await?;
        // A deleted record (or one deleted since): SmartSuite's delete keeps it in the
        // trash as it was, and a restore brings it back as it was; Attio's delete leaves
        // nothing to show but its id.
        let trashed = match (&live, change.kind) {
            (Some(_), kind) if kind != Kind::RecordDeleted => None,
            _ => store.trashed(self.org, &table, &change.record_id).await?,
        };
        // Neither is there when a restore (which takes the copy out of the trash and puts the
        // record back in one transaction) fell between the two reads: the record is back.
        let live = match (&trashed, live) {
            (None, None) => {
                store
                    .record(self.org, &table, &RecordRef::Id(change.record_id.clone()))
                    .await?
            }
            (_, live) => live,
        };
        let current = match (trashed, live) {
            (Some(trashed), _) => trashed.record,
            (None, Some(record)) => record,
            (None, None) => return Ok((bare, json!({}))),
        };
        self.read_members(&table).await?;
        let members = &self.members;
        let user_of = |member: &str| members.as_ref().and_then(|m| m.get(member)).copied();
        let (Some(stamp), Some(version)) = (self.item.written_at.as_deref(), change.version) else {
            return Ok((to_json(shown_record(&table, &current, &user_of)), json!({})));
        };
        let reads_history = change.kind == Kind::RecordUpdated || current.version != version;
        let ended = if reads_history {
            store.history_since(&current.id, version).await?
        } else {
            Default::default()
        };
        let written = as_written(&current, &ended, version, stamp, &change.changed);
        let data = to_json(shown_record(&table, &written.data, &user_of));
        if change.kind != Kind::RecordUpdated {
            return Ok((data, json!({})));
        }
        let before = Record {
            values: written.previous,
            ..written.data
        };
        let shown_before = shown_record(&table, &before, &user_of).values;
        let previous: Map<String, Value> = change
            .changed
            .iter()
            .filter_map(|id| table.field_by_id(id))
            .filter_map(|field| Some((field.key.clone(), shown_before.get(&field.key)?.clone())))
            .collect();
        Ok((data, Value::Object(previous)))
    }

    /// The filter with its fields named by id, as the events name them (a webhook names
    /// them by slug, as SmartSuite's structure does, or by id).
    async fn by_field_id(&mut self, filter: &Filter) -> Result<Filter, StoreError> {
        let Filter::Application { id, field_ids } = filter else {
            return Ok(filter.clone());
        };
        let table = self.table(id).await?;
        let field_ids = field_ids
            .iter()
            .map(|name| {
                table
                    .as_ref()
                    .and_then(|t| t.fields.get(name))
                    .map_or_else(|| name.clone(), |field| field.id.clone())
            })
            .collect();
        Ok(Filter::Application {
            id: id.clone(),
            field_ids,
        })
    }

    /// Whether the table `table_id` is in the solution `solution_id` (a table gone since
    /// is in none).
    async fn in_solution(&mut self, table_id: &str, solution_id: &str) -> Result<bool, StoreError> {
        Ok(self.table(table_id).await?.is_some_and(|t| t.solution() == solution_id))
    }

    async fn table(&mut self, table_id: &str) -> Result<Option<Table>, StoreError> {
        if let Some(table) = self.tables.get(table_id) {
            return Ok(table.clone());
        }
        let table = self.store.table(self.org, &TableRef::Id(table_id.to_string())).await?;
        self.tables.insert(table_id.to_string(), table.clone());
        Ok(table)
    }

    /// Reads the organization's members once, when a table with a user field needs them.
    async fn read_members(&mut self, table: &Table) -> Result<(), StoreError> {
        let has_users = table.fields.values().any(|f| f.field_type == FieldType::ActorReference);
        if has_users && self.members.is_none() {
            let org = self.org;
            let members = self.store.org_members(org).await?;
            self.members = Some(
                members
                    .iter()
                    .map(|m| (org.member_id(m.user_id).to_string(), m.user_id))
                    .collect(),
            );
        }
        Ok(())
    }
}

fn to_json(record: crate::domain::smartsuite::SmartSuiteRecord) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}
