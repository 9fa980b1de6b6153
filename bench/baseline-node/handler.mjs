// Comparator for the benchmark only: the create-table endpoint as most teams would write it
// in Node 20 with the AWS SDK v3 DynamoDB client, a line-for-line counterpart of
// bench/baseline/handler.py: the same single-table logic as the Rust function (key lookup by
// id and hash comparison, validation, one TransactWriteItems with the record_prefix and
// api_slug sentinels), the same items, response and errors. Not part of the product.
//
// Run under bootstrap.mjs (a minimal Runtime API loop) with _HANDLER=handler.handler.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import {
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";

const TABLE = process.env.TABLE_NAME;
if (!TABLE) {
  throw new Error("TABLE_NAME is not set");
}
// Created once per container, as the docs recommend (region, credentials and the endpoint,
// AWS_ENDPOINT_URL_DYNAMODB, come from the environment).
const dynamodb = new DynamoDBClient({});

// The patterns of handler.py. (Python's `$` also matches before a final newline, so there
// "ABC\n" passes as a record_prefix; here it does not, as in the Rust function.)
const TOKEN = /^ak_([0-9a-f]{32})_[0-9a-f]{64}$/;
const PREFIX = /^[A-Z][A-Z0-9]{0,15}$/;
const SLUG = /^[a-z][a-z0-9_]{0,63}$/;

function error(status, code, message, kind = "invalid_request_error") {
  const body = { status_code: status, type: kind, code, message };
  return { statusCode: status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

// Python's len(): code points, not UTF-16 units.
const length = (s) => [...s].length;

// Python's truthiness, for `body.get("api_slug") or ...`.
function truthy(v) {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

async function authenticate(headers) {
  const auth = headers.authorization ?? "";
  const space = auth.indexOf(" ");
  const [scheme, token] = space < 0 ? [auth, ""] : [auth.slice(0, space), auth.slice(space + 1)];
  const match = scheme.toLowerCase() === "bearer" ? TOKEN.exec(token.trim()) : null;
  if (!match) {
    return null;
  }
  const hex = match[1];
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const { Item: item } = await dynamodb.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { PK: { S: `APIKEY#${keyId}` }, SK: { S: "APIKEY" } },
      ConsistentRead: true,
    }),
  );
  if (!item) {
    return null;
  }
  const digest = Buffer.from(createHash("sha256").update(token.trim()).digest("hex"));
  const stored = Buffer.from(item.token_hash.S);
  if (digest.length !== stored.length || !timingSafeEqual(digest, stored)) {
    return null;
  }
  return Number.parseInt(item.org_id.N, 10);
}

function slugFrom(name) {
  let slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  slug = slug.replace(/^[^a-z]+/, "").slice(0, 64).replace(/_+$/, "");
  return slug;
}

// Python's datetime.now(timezone.utc) with strftime "%Y-%m-%dT%H:%M:%SZ" and
// "%Y-%m-%dT%H:%M:%S.%f000Z": seconds, and microseconds padded to nanoseconds.
function timestamps() {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  const micros = Math.min(999_999, Math.floor((ms - seconds * 1000) * 1000));
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return [`${base}Z`, `${base}.${String(micros).padStart(6, "0")}000Z`];
}

export async function handler(event, context) {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const org = await authenticate(headers);
  if (org === null) {
    return error(401, "unauthorized", "The API key is not valid", "auth_error");
  }
  const orgParam = (event.pathParameters ?? {}).org_id;
  if (orgParam !== "c" && orgParam !== String(org)) {
    return error(404, "not_found", `No organization \`${orgParam ?? "None"}\``);
  }
  let body;
  try {
    body = JSON.parse(event.body || "");
  } catch (e) {
    // The message after the colon is the parser's own, as in handler.py.
    return error(400, "malformed_request", `The request body is not valid JSON: ${e.message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return error(400, "validation_type", "The request body must be a JSON object");
  }
  const name = body.name;
  if (typeof name !== "string" || !(length(name.trim()) >= 1 && length(name.trim()) <= 128)) {
    return error(400, "validation_type", "`name` must be 1-128 characters");
  }
  const prefix = body.record_prefix;
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    return error(400, "validation_type", "`record_prefix` must match ^[A-Z][A-Z0-9]{0,15}$");
  }
  const description = body.description ?? null;
  if (description !== null && (typeof description !== "string" || length(description) > 512)) {
    return error(400, "validation_type", "`description` must be at most 512 characters");
  }
  const slug = truthy(body.api_slug) ? body.api_slug : slugFrom(name);
  if (typeof slug !== "string" || !SLUG.test(slug)) {
    return error(400, "validation_type", "`api_slug` must match ^[a-z][a-z0-9_]{0,63}$");
  }

  const [stamp, nanos] = timestamps();
  const [tableId, fieldId] = [randomUUID(), randomUUID()];
  const pk = `ORG#${org}`;
  const field = {
    id: fieldId, key: "name", name: "Name", type: "text", optional: true, array: false,
    unique: false, readonly: false, created_at: nanos,
  };
  const item = {
    PK: { S: pk }, SK: { S: `TABLE#${tableId}` },
    GSI1PK: { S: `ORG#${org}#TABLES` }, GSI1SK: { S: `${nanos}#${tableId}` },
    id: { S: tableId }, org_id: { N: String(org) }, type: { S: "custom" }, name: { S: name.trim() },
    record_prefix: { S: prefix }, api_slug: { S: slug }, display_field_id: { S: fieldId },
    archived: { BOOL: false }, record_seq: { N: "0" },
    fields: { M: { name: { M: Object.fromEntries(
      Object.entries(field).map(([k, v]) => [k, typeof v === "boolean" ? { BOOL: v } : { S: v }]),
    ) } } },
    created_at: { S: stamp }, updated_at: { S: stamp },
  };
  if (description !== null) {
    item.description = { S: description.trim() };
  }
  const fresh = "attribute_not_exists(PK)";
  try {
    await dynamodb.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: TABLE, Item: item, ConditionExpression: fresh } },
        { Put: { TableName: TABLE, ConditionExpression: fresh, Item: {
          PK: { S: pk }, SK: { S: `TABLEPREFIX#${prefix}` }, table_id: { S: tableId } } } },
        { Put: { TableName: TABLE, ConditionExpression: fresh, Item: {
          PK: { S: pk }, SK: { S: `TABLESLUG#${slug}` }, table_id: { S: tableId } } } },
      ],
    }));
  } catch (e) {
    const codes = (e.CancellationReasons ?? []).map((r) => r.Code);
    if (codes.length > 1 && codes[1] === "ConditionalCheckFailed") {
      return error(409, "uniqueness_conflict", `A table with record_prefix "${prefix}" already exists`);
    }
    if (codes.length > 2 && codes[2] === "ConditionalCheckFailed") {
      return error(409, "uniqueness_conflict", `A table with api_slug "${slug}" already exists`);
    }
    throw e;
  }
  const response = {
    id: tableId, type: "custom", name: name.trim(), description,
    record_prefix: prefix, api_slug: slug, display_field_id: fieldId, archived: false,
    fields: [{ id: fieldId, table_id: tableId, key: "name", unique: false, readonly: false,
      schema: { name: "Name", description: null, type: "text", optional: true,
        array: false, order: 1, link: null, display_field: true } }],
    created_at: stamp, updated_at: stamp,
  };
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(response) };
}
