"""Comparator for the benchmark only: the create-table endpoint as most teams would write it
in Python 3.11 with boto3, with the same single-table logic as the Rust function (key lookup
by id and hash comparison, validation, one TransactWriteItems with the record_prefix and
api_slug sentinels). Not part of the product.

Run under the Lambda runtime interface client: python -m awslambdaric handler.handler
"""
import hashlib
import hmac
import json
import os
import re
import uuid
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

TABLE = os.environ["TABLE_NAME"]
dynamodb = boto3.client("dynamodb")  # created once per container, as the docs recommend

TOKEN = re.compile(r"^ak_([0-9a-f]{32})_[0-9a-f]{64}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,15}$")
SLUG = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def error(status, code, message, kind="invalid_request_error"):
    body = {"status_code": status, "type": kind, "code": code, "message": message}
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def authenticate(headers):
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    match = TOKEN.match(token.strip()) if scheme.lower() == "bearer" else None
    if not match:
        return None
    key_id = str(uuid.UUID(match.group(1)))
    item = dynamodb.get_item(
        TableName=TABLE, Key={"PK": {"S": f"APIKEY#{key_id}"}, "SK": {"S": "APIKEY"}}, ConsistentRead=True
    ).get("Item")
    if not item:
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    if not hmac.compare_digest(digest, item["token_hash"]["S"]):
        return None
    return int(item["org_id"]["N"])


def slug_from(name):
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    slug = re.sub(r"^[^a-z]+", "", slug)[:64].rstrip("_")
    return slug


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    org = authenticate(headers)
    if org is None:
        return error(401, "unauthorized", "The API key is not valid", "auth_error")
    org_param = (event.get("pathParameters") or {}).get("org_id")
    if org_param != "c" and org_param != str(org):
        return error(404, "not_found", f"No organization `{org_param}`")
    try:
        body = json.loads(event.get("body") or "")
    except ValueError as e:
        return error(400, "malformed_request", f"The request body is not valid JSON: {e}")
    if not isinstance(body, dict):
        return error(400, "validation_type", "The request body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 128:
        return error(400, "validation_type", "`name` must be 1-128 characters")
    prefix = body.get("record_prefix")
    if not isinstance(prefix, str) or not PREFIX.match(prefix):
        return error(400, "validation_type", "`record_prefix` must match ^[A-Z][A-Z0-9]{0,15}$")
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 512):
        return error(400, "validation_type", "`description` must be at most 512 characters")
    slug = body.get("api_slug") or slug_from(name)
    if not SLUG.match(slug):
        return error(400, "validation_type", "`api_slug` must match ^[a-z][a-z0-9_]{0,63}$")

    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    nanos = now.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    table_id, field_id = str(uuid.uuid4()), str(uuid.uuid4())
    pk = f"ORG#{org}"
    field = {"id": field_id, "key": "name", "name": "Name", "type": "text", "optional": True, "array": False,
             "unique": False, "readonly": False, "created_at": nanos}
    item = {
        "PK": {"S": pk}, "SK": {"S": f"TABLE#{table_id}"},
        "GSI1PK": {"S": f"ORG#{org}#TABLES"}, "GSI1SK": {"S": f"{nanos}#{table_id}"},
        "id": {"S": table_id}, "org_id": {"N": str(org)}, "type": {"S": "custom"}, "name": {"S": name.strip()},
        "record_prefix": {"S": prefix}, "api_slug": {"S": slug}, "display_field_id": {"S": field_id},
        "archived": {"BOOL": False}, "record_seq": {"N": "0"},
        "fields": {"M": {"name": {"M": {
            k: ({"BOOL": v} if isinstance(v, bool) else {"S": v}) for k, v in field.items()}}}},
        "created_at": {"S": stamp}, "updated_at": {"S": stamp},
    }
    if description is not None:
        item["description"] = {"S": description.strip()}
    new = "attribute_not_exists(PK)"
    try:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item, "ConditionExpression": new}},
            {"Put": {"TableName": TABLE, "ConditionExpression": new, "Item": {
                "PK": {"S": pk}, "SK": {"S": f"TABLEPREFIX#{prefix}"}, "table_id": {"S": table_id}}}},
            {"Put": {"TableName": TABLE, "ConditionExpression": new, "Item": {
                "PK": {"S": pk}, "SK": {"S": f"TABLESLUG#{slug}"}, "table_id": {"S": table_id}}}},
        ])
    except ClientError as e:
        reasons = e.response.get("CancellationReasons") or []
        codes = [r.get("Code") for r in reasons]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            return error(409, "uniqueness_conflict", f'A table with record_prefix "{prefix}" already exists')
        if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            return error(409, "uniqueness_conflict", f'A table with api_slug "{slug}" already exists')
        raise
    response = {
        "id": table_id, "type": "custom", "name": name.strip(), "description": description,
        "record_prefix": prefix, "api_slug": slug, "display_field_id": field_id, "archived": False,
        "fields": [{"id": field_id, "table_id": table_id, "key": "name", "unique": False, "readonly": False,
                    "schema": {"name": "Name", "description": None, "type": "text", "optional": True,
                               "array": False, "order": 1, "link": None, "display_field": True}}],
        "created_at": stamp, "updated_at": stamp,
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(response)}
