// Attio's TypeScript SDK (attio-ts-sdk, pinned in package.json) against this API, with only
// the base URL and the key changed: every call must pass the SDK's own Zod validation of
// our responses. One scenario per capability; each prints PASS or FAIL, and the exit code
// is the number of failures.
//
//   ATTIO_BASE_URL=http://127.0.0.1:3000 ATTIO_API_KEY=ak_... node contract.mjs
//
// The workspace must hold an object `companies` with attributes `name` (text),
// `employees` (number), `domains` (domain, multiselect, unique) and `stage` (select with
// options Lead and Won): tests/tests/api/vendor_sdks.rs makes it.
import assert from 'node:assert/strict';
import {
  createAttioSdk,
  filters,
  patchV2ByTargetByIdentifierAttributesByAttribute,
  patchV2ByTargetByIdentifierAttributesByAttributeOptionsByOption,
  patchV2ByTargetByIdentifierAttributesByAttributeStatusesByStatus,
  postV2ByTargetByIdentifierAttributes,
  postV2ByTargetByIdentifierAttributesByAttributeOptions,
  postV2ByTargetByIdentifierAttributesByAttributeStatuses,
  getV2ObjectsByObjectRecordsByRecordIdAttributesByAttributeValues,
  getV2Self,
  postV2Lists,
  patchV2ListsByList,
  getV2Notes,
  getV2NotesByNoteId,
  postV2Notes,
  deleteV2NotesByNoteId,
  getV2Tasks,
  getV2TasksByTaskId,
  patchV2TasksByTaskId,
  postV2Tasks,
  deleteV2TasksByTaskId,
  getV2WorkspaceMembers,
  getV2Webhooks,
  getV2WebhooksByWebhookId,
  patchV2WebhooksByWebhookId,
  postV2Webhooks,
  deleteV2WebhooksByWebhookId,
  putV2ObjectsByObjectRecordsByRecordId,
  putV2ListsByListEntries,
  getV2ListsByListEntriesByEntryId,
  putV2ListsByListEntriesByEntryId,
  getV2ListsByListEntriesByEntryIdAttributesByAttributeValues,
  getV2ObjectsByObjectRecordsByRecordIdEntries,
  postV2ObjectsRecordsSearch,
} from 'attio-ts-sdk';

const sdk = createAttioSdk({
  apiKey: process.env.ATTIO_API_KEY,
  baseUrl: process.env.ATTIO_BASE_URL,
  responseStyle: 'data',
  throwOnError: true,
  retry: { maxRetries: 0 },
  cache: { enabled: false },
});
const object = 'companies';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let failures = 0;
async function scenario(name, run) {
  try {
    await run();
    console.log(`PASS ${name}`);
  } catch (error) {
    failures += 1;
    const detail = error?.cause?.issues ?? error?.issues ?? error?.details ?? '';
    console.log(`FAIL ${name}: ${error?.name}: ${error?.message}`);
    if (detail) console.log(JSON.stringify(detail, null, 2).slice(0, 4000));
  }
}

const first = (record, slug) => record.values[slug]?.[0];

await scenario('identify: the key and its workspace', async () => {
  const me = await getV2Self({ client: sdk.client });
  assert.equal(me.active, true);
  assert.match(me.workspace_id, uuid);
  assert.match(me.authorized_by_workspace_member_id, uuid);
  assert.equal(me.token_type, 'Bearer');
  assert.ok(me.workspace_name.length > 0);
  const objects = await sdk.objects.list();
  assert.equal(objects[0].id.workspace_id, me.workspace_id, 'the workspace its objects name');
});

await scenario('identify: a key that is not valid is inactive, not an error', async () => {
  const stranger = createAttioSdk({
    apiKey: `${process.env.ATTIO_API_KEY.slice(0, -8)}00000000`,
    baseUrl: process.env.ATTIO_BASE_URL,
    responseStyle: 'data',
    throwOnError: true,
    retry: { maxRetries: 0 },
    cache: { enabled: false },
  });
  const me = await getV2Self({ client: stranger.client });
  assert.deepEqual(me, { active: false });
});

await scenario('webhooks: create (its secret once), list, get, update and delete', async () => {
  const client = sdk.client;
  const subscriptions = [
    { event_type: 'record.created', filter: { $and: [{ field: 'id.object_id', operator: 'equals', value: 'x' }] } },
    { event_type: 'record.deleted', filter: null },
  ];
  const created = await postV2Webhooks({
    client,
    body: { data: { target_url: 'https://example.com/attio-sdk', subscriptions } },
  });
  const made = created.data ?? created;
  assert.match(made.id.webhook_id, uuid);
  assert.match(made.secret, /^[0-9a-f]{64}$/);
  assert.equal(made.status, 'active');
  assert.deepEqual(made.subscriptions, subscriptions);
  const path = { webhook_id: made.id.webhook_id };
  const listed = await getV2Webhooks({ client, query: { limit: 10, offset: 0 } });
  assert.ok((listed.data ?? listed).some((w) => w.id.webhook_id === made.id.webhook_id));
  const got = await getV2WebhooksByWebhookId({ client, path });
  assert.equal((got.data ?? got).target_url, 'https://example.com/attio-sdk');
  const patched = await patchV2WebhooksByWebhookId({
    client,
    path,
    body: { data: { target_url: 'https://example.com/attio-sdk/moved' } },
  });
  assert.equal((patched.data ?? patched).target_url, 'https://example.com/attio-sdk/moved');
  await deleteV2WebhooksByWebhookId({ client, path });
  await assert.rejects(getV2WebhooksByWebhookId({ client, path }), 'deleted');
});

await scenario('objects: list and get', async () => {
  const objects = await sdk.objects.list();
  const companies = objects.find((o) => o.api_slug === object);
  assert.ok(companies, 'companies is listed');
  assert.match(companies.id.workspace_id, uuid);
  const got = await sdk.objects.get({ object });
  assert.equal(got.id.object_id, companies.id.object_id);
});

await scenario('lists: create of a parent object, list and get', async () => {
  const made = await postV2Lists({
    client: sdk.client,
    body: {
      data: {
        name: 'Sales pipeline',
        api_slug: 'sales_pipeline',
        parent_object: object,
        workspace_access: 'full-access',
        workspace_member_access: [],
      },
    },
  });
  assert.deepEqual(made.data.parent_object, [object]);
  assert.match(made.data.id.list_id, uuid);
  const lists = await sdk.lists.list();
  assert.deepEqual(lists.map((l) => l.api_slug), ['sales_pipeline']);
  const got = await sdk.lists.get({ list: 'sales_pipeline' });
  assert.equal(got.id.list_id, made.data.id.list_id);
  assert.equal(got.workspace_access, 'full-access');
  const objects = await sdk.objects.list();
  assert.ok(!objects.some((o) => o.api_slug === 'sales_pipeline'), 'a list is no object');
  // Its attributes, under /v2/lists/{list}/attributes.
  const target = { target: 'lists', identifier: 'sales_pipeline' };
  const own = await sdk.metadata.listAttributes(target);
  assert.deepEqual(own.map((a) => [a.api_slug, a.is_system_attribute]), [['parent_record', true]]);
  await postV2ByTargetByIdentifierAttributes({
    client: sdk.client,
    path: target,
    body: {
      data: {
        title: 'Deal stage',
        description: null,
        api_slug: 'deal_stage',
        type: 'status',
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: {},
      },
    },
  });
  for (const title of ['Qualified', 'Closed']) {
    await postV2ByTargetByIdentifierAttributesByAttributeStatuses({
      client: sdk.client,
      path: { ...target, attribute: 'deal_stage' },
      body: { data: { title } },
    });
  }
  const stage = await sdk.metadata.getAttribute({ ...target, attribute: 'deal_stage' });
  assert.equal(stage.id.object_id, made.data.id.list_id);
  const statuses = await sdk.metadata.getAttributeStatuses({ ...target, attribute: 'deal_stage' });
  assert.deepEqual(statuses.map((s) => s.title), ['Qualified', 'Closed']);
  const renamed = await patchV2ListsByList({
    client: sdk.client,
    path: { list: 'sales_pipeline' },
    body: { data: { name: 'Deals in flight' } },
  });
  assert.equal(renamed.data.name, 'Deals in flight');
  assert.equal(renamed.data.workspace_access, 'full-access');
});

let attributeIds = {};
await scenario('attributes: list, get, and select options', async () => {
  const attributes = await sdk.metadata.listAttributes({ target: 'objects', identifier: object });
  attributeIds = Object.fromEntries(attributes.map((a) => [a.api_slug, a.id.attribute_id]));
  assert.deepEqual(
    attributes.map((a) => a.api_slug),
    ['name', 'employees', 'domains', 'stage'],
  );
  const domains = await sdk.metadata.getAttribute({ target: 'objects', identifier: object, attribute: 'domains' });
  assert.equal(domains.type, 'domain');
  assert.equal(domains.is_unique, true);
  assert.equal(domains.is_multiselect, true);
  const options = await sdk.metadata.getAttributeOptions({ target: 'objects', identifier: object, attribute: 'stage' });
  assert.deepEqual(options.map((o) => o.title), ['Lead', 'Won']);
});

await scenario('objects and attributes: create and update, options added and archived', async () => {
  const deals = await sdk.objects.create({ apiSlug: 'deals', singularNoun: 'Deal', pluralNoun: 'Deals' });
  assert.equal(deals.api_slug, 'deals');
  assert.deepEqual([deals.singular_noun, deals.plural_noun], ['Deal', 'Deals']);
  const renamed = await sdk.objects.update({ object: 'deals', pluralNoun: 'Opportunities' });
  assert.deepEqual([renamed.singular_noun, renamed.plural_noun], ['Deal', 'Opportunities']);
  const singular = await sdk.objects.update({ object: 'deals', singularNoun: 'Opportunity' });
  assert.deepEqual([singular.singular_noun, singular.plural_noun], ['Opportunity', 'Opportunities']);
  const target = { target: 'objects', identifier: 'deals' };
  const created = await postV2ByTargetByIdentifierAttributes({
    client: sdk.client,
    path: target,
    body: {
      data: {
        title: 'Stage',
        description: null,
        api_slug: 'stage',
        type: 'select',
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: {},
      },
    },
  });
  assert.equal(created.data.type, 'select');
  const updated = await patchV2ByTargetByIdentifierAttributesByAttribute({
    client: sdk.client,
    path: { ...target, attribute: 'stage' },
    body: { data: { title: 'Deal stage' } },
  });
  assert.equal(updated.data.title, 'Deal stage');
  const optionPath = { ...target, attribute: 'stage' };
  for (const title of ['Open', 'Lost']) {
    await postV2ByTargetByIdentifierAttributesByAttributeOptions({ client: sdk.client, path: optionPath, body: { data: { title } } });
  }
  const archived = await patchV2ByTargetByIdentifierAttributesByAttributeOptionsByOption({
    client: sdk.client,
    path: { ...optionPath, option: 'Lost' },
    body: { data: { is_archived: true } },
  });
  assert.equal(archived.data.is_archived, true);
  const active = await sdk.metadata.getAttributeOptions({ ...target, attribute: 'stage' });
  assert.deepEqual(active.map((o) => o.title), ['Open']);
  const deal = await sdk.records.create({ object: 'deals', values: { stage: [{ option: 'Open' }] } });
  assert.equal(first(deal, 'stage').option.title, 'Open');
});

await scenario('statuses: a status attribute, its statuses, and a record in one', async () => {
  const target = { target: 'objects', identifier: 'deals' };
  await postV2ByTargetByIdentifierAttributes({
    client: sdk.client,
    path: target,
    body: {
      data: {
        title: 'Progress',
        description: 'Where the deal stands',
        api_slug: 'progress',
        type: 'status',
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: {},
      },
    },
  });
  const path = { ...target, attribute: 'progress' };
  for (const title of ['Open', 'Won']) {
    await postV2ByTargetByIdentifierAttributesByAttributeStatuses({ client: sdk.client, path, body: { data: { title } } });
  }
  const won = await patchV2ByTargetByIdentifierAttributesByAttributeStatusesByStatus({
    client: sdk.client,
    path: { ...path, status: 'Won' },
    body: { data: { celebration_enabled: true, target_time_in_status: 'P30D' } },
  });
  assert.equal(won.data.celebration_enabled, true);
  assert.equal(won.data.target_time_in_status, 'P30D');
  const statuses = await sdk.metadata.getAttributeStatuses({ ...target, attribute: 'progress' });
  assert.deepEqual(statuses.map((s) => s.title), ['Open', 'Won']);
  const deal = await sdk.records.create({ object: 'deals', values: { progress: [{ status: 'Won' }] } });
  const value = first(deal, 'progress');
  assert.equal(value.attribute_type, 'status');
  assert.equal(value.status.title, 'Won');
  assert.equal(value.status.celebration_enabled, true);
  const found = await sdk.records.query({ object: 'deals', filter: { progress: 'Won' } });
  assert.deepEqual(found.map((r) => r.id.record_id), [deal.id.record_id]);
});

await scenario('workspace members: list and get, by the id the key acts as', async () => {
  const me = await getV2Self({ client: sdk.client });
  const members = await sdk.workspaceMembers.list();
  const mine = members.find((m) => m.id.workspace_member_id === me.authorized_by_workspace_member_id);
  assert.ok(mine, 'the key\'s own member is listed');
  assert.equal(mine.id.workspace_id, me.workspace_id);
  assert.equal(mine.access_level, 'admin');
  assert.equal(mine.email_address, process.env.ATTIO_MEMBER_EMAIL);
  const got = await sdk.workspaceMembers.get({ workspaceMemberId: mine.id.workspace_member_id });
  assert.deepEqual(got, mine);
});

await scenario('actor references: a workspace member by email, then by id', async () => {
  await postV2ByTargetByIdentifierAttributes({
    client: sdk.client,
    path: { target: 'objects', identifier: 'deals' },
    body: {
      data: {
        title: 'Owner',
        description: null,
        api_slug: 'owner',
        type: 'actor-reference',
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: {},
      },
    },
  });
  const byEmail = await sdk.records.create({
    object: 'deals',
    values: { owner: [{ workspace_member_email_address: process.env.ATTIO_MEMBER_EMAIL }] },
  });
  const owner = first(byEmail, 'owner');
  assert.equal(owner.referenced_actor_type, 'workspace-member');
  assert.match(owner.referenced_actor_id, uuid);
  const byId = await sdk.records.create({
    object: 'deals',
    values: { owner: [{ referenced_actor_type: 'workspace-member', referenced_actor_id: owner.referenced_actor_id }] },
  });
  assert.equal(first(byId, 'owner').referenced_actor_id, owner.referenced_actor_id);
});

let acme;
await scenario('records: create and get', async () => {
  acme = await sdk.records.create({
    object,
    values: {
      name: [{ value: 'Acme' }],
      employees: [{ value: 10 }],
      domains: [{ domain: 'acme.com' }],
      stage: [{ option: 'Lead' }],
    },
  });
  assert.match(acme.id.workspace_id, uuid);
  assert.match(acme.web_url, /^https?:\/\//);
  assert.equal(first(acme, 'stage').option.title, 'Lead');
  const got = await sdk.records.get({ object, recordId: acme.id.record_id });
  assert.equal(first(got, 'name').value, 'Acme');
});

await scenario('search: records by a word of the name and by domain, eventually', async () => {
  // The index is kept off the write path (as Attio's is): the record is found a moment
  // after its create.
  let found = [];
  for (let attempt = 0; attempt < 300 && found.length === 0; attempt += 1) {
    found = await sdk.search.records({ query: 'acm', objects: [object] });
    if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(found.length, 1);
  assert.equal(found[0].id.record_id, acme.id.record_id);
  const raw = await postV2ObjectsRecordsSearch({
    client: sdk.client,
    body: { query: 'ACME.C', objects: [object], limit: 5, request_as: { type: 'workspace' } },
  });
  assert.equal(raw.data.length, 1);
  assert.equal(raw.data[0].record_text, 'Acme');
  assert.equal(raw.data[0].object_slug, 'companies');
  assert.equal(raw.data[0].record_image, null);
  assert.deepEqual(raw.data[0].domains, ['acme.com']);
  const none = await sdk.search.records({ query: 'zebra', objects: [object], limit: 25 });
  assert.deepEqual(none, []);
});

await scenario('notes: create in Markdown, get, list by record and delete', async () => {
  const made = await postV2Notes({
    client: sdk.client,
    body: {
      data: {
        parent_object: object,
        parent_record_id: acme.id.record_id,
        title: 'Kickoff',
        format: 'markdown',
        content: '# Agenda\n\n- **pricing**',
      },
    },
  });
  assert.equal(made.data.content_plaintext, 'Agenda\n- pricing');
  assert.equal(made.data.parent_record_id, acme.id.record_id);
  const noteId = made.data.id.note_id;
  const got = await getV2NotesByNoteId({ client: sdk.client, path: { note_id: noteId } });
  assert.equal(got.data.title, 'Kickoff');
  const listed = await getV2Notes({
    client: sdk.client,
    query: { parent_object: object, parent_record_id: acme.id.record_id, limit: 10 },
  });
  assert.deepEqual(listed.data.map((n) => n.id.note_id), [noteId]);
  await deleteV2NotesByNoteId({ client: sdk.client, path: { note_id: noteId } });
  const after = await getV2Notes({ client: sdk.client });
  assert.equal(after.data.length, 0);
});

await scenario('tasks: create linked and assigned, get, complete, list by record and delete', async () => {
  const members = await getV2WorkspaceMembers({ client: sdk.client });
  const member = members.data[0].id.workspace_member_id;
  const made = await postV2Tasks({
    client: sdk.client,
    body: {
      data: {
        content: 'Send the contract',
        format: 'plaintext',
        deadline_at: '2026-12-24T17:00:00.000Z',
        is_completed: false,
        linked_records: [{ target_object: object, target_record_id: acme.id.record_id }],
        assignees: [{ referenced_actor_type: 'workspace-member', referenced_actor_id: member }],
      },
    },
  });
  assert.equal(made.data.content_plaintext, 'Send the contract');
  assert.equal(made.data.linked_records[0].target_record_id, acme.id.record_id);
  assert.equal(made.data.assignees[0].referenced_actor_id, member);
  const taskId = made.data.id.task_id;
  const got = await getV2TasksByTaskId({ client: sdk.client, path: { task_id: taskId } });
  assert.equal(got.data.deadline_at, made.data.deadline_at);
  const done = await patchV2TasksByTaskId({
    client: sdk.client,
    path: { task_id: taskId },
    body: { data: { is_completed: true } },
  });
  assert.equal(done.data.is_completed, true);
  assert.ok(done.data.completed_at);
  const listed = await getV2Tasks({
    client: sdk.client,
    query: { linked_object: object, linked_record_id: acme.id.record_id, is_completed: true, sort: 'completed_at:desc' },
  });
  assert.deepEqual(listed.data.map((t) => t.id.task_id), [taskId]);
  await deleteV2TasksByTaskId({ client: sdk.client, path: { task_id: taskId } });
  const after = await getV2Tasks({ client: sdk.client });
  assert.equal(after.data.length, 0);
});

await scenario('records: query with filters, sorts and a limit', async () => {
  // Values keyed by attribute id, as Attio takes them too.
  await sdk.records.create({
    object,
    values: { [attributeIds.name]: [{ value: 'Beta' }], [attributeIds.employees]: [{ value: 50 }] },
  });
  const byName = await sdk.records.query({ object, filter: filters.eq('name', 'Acme'), limit: 10 });
  assert.deepEqual(byName.map((r) => first(r, 'name').value), ['Acme']);
  const sorted = await sdk.records.query({ object, sorts: [{ attribute: 'employees', direction: 'desc' }] });
  assert.deepEqual(sorted.map((r) => first(r, 'name').value), ['Beta', 'Acme']);
  const withDomain = await sdk.records.query({ object, filter: filters.notEmpty('domains') });
  assert.deepEqual(withDomain.map((r) => first(r, 'name').value), ['Acme']);
  const notAcme = await sdk.records.query({ object, filter: filters.not(filters.eq('name', 'Acme')) });
  assert.deepEqual(notAcme.map((r) => first(r, 'name').value), ['Beta']);
  const newest = await sdk.records.query({ object, sorts: [{ attribute: 'created_at', direction: 'desc' }], limit: 1 });
  assert.equal(first(newest[0], 'name').value, 'Beta');
});

await scenario('records: assert by a unique attribute', async () => {
  const asserted = await sdk.records.upsert({
    object,
    matchingAttribute: 'domains',
    values: { name: [{ value: 'Acme Inc' }], domains: [{ domain: 'acme.com' }] },
  });
  assert.equal(asserted.id.record_id, acme.id.record_id, 'the same record');
  assert.equal(first(asserted, 'name').value, 'Acme Inc');
});

await scenario('records: a reference by a unique attribute of its target', async () => {
  await sdk.objects.create({ apiSlug: 'contacts', singularNoun: 'Contact', pluralNoun: 'Contacts' });
  await postV2ByTargetByIdentifierAttributes({
    client: sdk.client,
    path: { target: 'objects', identifier: 'contacts' },
    body: {
      data: {
        title: 'Company',
        description: null,
        api_slug: 'company',
        type: 'record-reference',
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: { record_reference: { allowed_objects: ['companies'] } },
      },
    },
  });
  const contact = await sdk.records.create({
    object: 'contacts',
    values: { company: [{ target_object: 'companies', domains: [{ domain: 'acme.com' }] }] },
  });
  assert.equal(first(contact, 'company').target_record_id, acme.id.record_id);
  const loner = await sdk.records.create({ object: 'contacts', values: {} });
  // A path filter and a path sort follow the reference to the company.
  const viaCompany = await sdk.records.query({
    object: 'contacts',
    filter: filters.path([['contacts', 'company'], ['companies', 'domains']], { domain: 'acme.com' }),
  });
  assert.deepEqual(viaCompany.map((r) => r.id.record_id), [contact.id.record_id]);
  const byCompanyName = await sdk.records.query({
    object: 'contacts',
    sorts: [{ path: [['contacts', 'company'], ['companies', 'name']], direction: 'desc' }],
  });
  assert.deepEqual(byCompanyName.map((r) => r.id.record_id), [contact.id.record_id, loner.id.record_id]);
  for (const record of [contact, loner]) {
    await sdk.records.delete({ object: 'contacts', recordId: record.id.record_id });
  }
});

await scenario('records: update (PATCH) and overwrite (PUT)', async () => {
  const patched = await sdk.records.update({
    object,
    recordId: acme.id.record_id,
    values: { employees: [{ value: 20 }], domains: [{ domain: 'acme.io' }] },
  });
  assert.equal(first(patched, 'employees').value, 20);
  // A PATCH prepends what it adds to a multiselect attribute.
  assert.deepEqual(patched.values.domains.map((d) => d.domain), ['acme.io', 'acme.com']);
  const put = await putV2ObjectsByObjectRecordsByRecordId({
    client: sdk.client,
    path: { object, record_id: acme.id.record_id },
    body: { data: { values: { stage: [{ option: 'Won' }] } } },
  });
  assert.equal(put.data.values.stage[0].option.title, 'Won');
});

await scenario('values: an attribute with its history', async () => {
  const path = { object, record_id: acme.id.record_id, attribute: 'employees' };
  const current = await getV2ObjectsByObjectRecordsByRecordIdAttributesByAttributeValues({ client: sdk.client, path });
  assert.deepEqual(current.data.map((v) => v.value), [20]);
  const historic = await getV2ObjectsByObjectRecordsByRecordIdAttributesByAttributeValues({
    client: sdk.client,
    path,
    query: { show_historic: true },
  });
  assert.deepEqual(historic.data.map((v) => v.value), [10, 20]);
  assert.ok(historic.data[0].active_until, 'the replaced value has its active_until');
});

await scenario('entries: add, assert by parent, query, get, update, values, a record\'s entries, remove', async () => {
  const list = 'sales_pipeline';
  const added = await sdk.lists.addEntry({
    list,
    parentObject: object,
    parentRecordId: acme.id.record_id,
    entryValues: { deal_stage: [{ status: 'Qualified' }] },
  });
  assert.match(added.id.entry_id, uuid);
  assert.equal(added.parent_record_id, acme.id.record_id);
  assert.equal(added.entry_values.deal_stage[0].status.title, 'Qualified');
  const asserted = await putV2ListsByListEntries({
    client: sdk.client,
    path: { list },
    body: { data: { parent_record_id: acme.id.record_id, parent_object: object, entry_values: { deal_stage: [{ status: 'Closed' }] } } },
  });
  assert.equal(asserted.data.id.entry_id, added.id.entry_id);
  const found = await sdk.lists.queryEntries({ list, filter: { deal_stage: 'Closed' } });
  assert.deepEqual(found.map((e) => e.id.entry_id), [added.id.entry_id]);
  const path = { list, entry_id: added.id.entry_id };
  const got = await getV2ListsByListEntriesByEntryId({ client: sdk.client, path });
  assert.equal(got.data.parent_object, object);
  const updated = await sdk.lists.updateEntry({ list, entryId: added.id.entry_id, entryValues: { deal_stage: [{ status: 'Qualified' }] } });
  assert.equal(updated.entry_values.deal_stage[0].status.title, 'Qualified');
  const replaced = await putV2ListsByListEntriesByEntryId({
    client: sdk.client,
    path,
    body: { data: { entry_values: { deal_stage: [{ status: 'Closed' }] } } },
  });
  assert.equal(replaced.data.entry_values.deal_stage[0].status.title, 'Closed');
  const history = await getV2ListsByListEntriesByEntryIdAttributesByAttributeValues({
    client: sdk.client,
    path: { ...path, attribute: 'deal_stage' },
    query: { show_historic: true },
  });
  assert.deepEqual(history.data.map((v) => v.status.title), ['Qualified', 'Closed', 'Qualified', 'Closed']);
  const second = await sdk.lists.addEntry({ list, parentObject: object, parentRecordId: acme.id.record_id });
  const ofRecord = await getV2ObjectsByObjectRecordsByRecordIdEntries({
    client: sdk.client,
    path: { object, record_id: acme.id.record_id },
  });
  assert.deepEqual(ofRecord.data.map((e) => [e.list_api_slug, e.entry_id]), [
    [list, added.id.entry_id],
    [list, second.id.entry_id],
  ]);
  await sdk.lists.removeEntry({ list, entryId: second.id.entry_id });
  const left = await sdk.lists.queryEntries({ list });
  assert.deepEqual(left.map((e) => e.id.entry_id), [added.id.entry_id]);
});

await scenario('records: delete (and its entries with it)', async () => {
  await sdk.records.delete({ object, recordId: acme.id.record_id });
  const remaining = await sdk.records.query({ object });
  assert.deepEqual(remaining.map((r) => first(r, 'name').value), ['Beta']);
  const entries = await sdk.lists.queryEntries({ list: 'sales_pipeline' });
  assert.deepEqual(entries, []);
});

console.log(`${failures} failed`);
process.exit(failures);
