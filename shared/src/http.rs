//! Reading requests and writing responses: the edge between HTTP and the domain.

use lambda_http::http::{header, HeaderMap, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;

/// The largest body accepted: well under Lambda's 6 MB payload limit, far above any real
/// request to these endpoints.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Parses a JSON object body into `T`, naming the offending field on failure.
///
/// Rules: the content type must be `application/json`; the body at most [`MAX_BODY_BYTES`];
/// valid UTF-8 JSON nested at most [`MAX_JSON_DEPTH`] deep, integers within i64; a JSON
/// object at the top; a key given twice in any object is rejected, never "last one wins".
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    require_json_content_type(req.headers())?;
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::payload_too_large(format!(
            "The request body is {} bytes; the limit is {MAX_BODY_BYTES} bytes",
            bytes.len()
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed(
            "The request body is empty; a JSON object is expected",
        ));
    }
    // serde checks UTF-8 only in the strings it reads, not in keys it ignores.
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ApiError::malformed(format!(
            "The request body is not valid UTF-8 JSON (invalid byte at offset {})",
            e.valid_up_to()
        )));
    }
    // serde would read a struct from an array too (`[null, null]` as its fields in order).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::validation("The request body must be a JSON object"));
    }
    check_depth_and_integers(bytes)?;
    check_duplicate_keys(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.inner();
        if !inner.is_data() {
            ApiError::malformed(format!("The request body is not valid JSON: {inner}"))
        } else {
            field_error(e.path().to_string(), inner)
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::malformed(format!("The request body has data after its JSON object: {e}")))?;
    Ok(value)
}

/// How deep objects and arrays may nest in a body. Ignored keys are skipped by serde
/// without its own limit of 128, so this is checked first, for every body alike.
pub const MAX_JSON_DEPTH: usize = 64;

/// One pass over the body, outside strings: nesting no deeper than [`MAX_JSON_DEPTH`], and
/// every integer literal within i64 (serde_json would quietly read a larger one as an
/// imprecise float; a float literal beyond f64 it refuses itself).
fn check_depth_and_integers(bytes: &[u8]) -> Result<(), ApiError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(ApiError::malformed(format!(
                        "The request body's JSON nests deeper than {MAX_JSON_DEPTH} levels"
                    )));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(bytes.len(), |n| i + n);
                let token = &bytes[i..end];
                let integer = !token.iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
                if integer {
                    let text = std::str::from_utf8(token).unwrap_or_default();
                    if text.parse::<i64>().is_err() && text.bytes().skip(1).all(|c| c.is_ascii_digit()) {
                        let shown: String = text.chars().take(40).collect();
                        return Err(ApiError::validation(format!(
                            "The number {shown} is beyond the 64-bit integer range (-9223372036854775808 to 9223372036854775807)"
                        )));
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Refuses any object in the body that gives a key twice, naming the key by its path. The
/// rule holds for every object: those read into structs, those kept as free-form JSON (a
/// query's `filter`) and those ignored; never "last one wins".
fn check_duplicate_keys(bytes: &[u8]) -> Result<(), ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde::de::DeserializeSeed::deserialize(UniqueKeys(&JsonPath::Root), &mut deserializer) {
        Err(e) if e.is_data() => {
            let message = e.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
            Err(ApiError::validation(message))
        }
        // Anything else (bad syntax) is reported by the parse that follows.
        _ => Ok(()),
    }
}

/// Where a value sits in the body: its parent and its key or index. Built on the stack as
/// the walk descends, and written out only for an error.
enum JsonPath<'a> {
    Root,
    Key(&'a JsonPath<'a>, &'a str),
    Index(&'a JsonPath<'a>, usize),
}

impl std::fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonPath::Root => Ok(()),
            JsonPath::Key(JsonPath::Root, key) => f.write_str(key),
            JsonPath::Key(parent, key) => write!(f, "{parent}.{key}"),
            JsonPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Walks one JSON value, checking the keys of every object in it.
struct UniqueKeys<'a>(&'a JsonPath<'a>);

impl<'de> serde::de::DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(UniqueKeys(&JsonPath::Index(self.0, i)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "`{}` is given more than once",
                    JsonPath::Key(self.0, &key)
                )));
            }
            map.next_value_seed(UniqueKeys(&JsonPath::Key(self.0, &key)))?;
            seen.insert(key);
        }
        Ok(())
    }
}

fn field_error(path: String, inner: &serde_json::Error) -> ApiError {
    let message = inner.to_string();
    // serde's data errors end with " at line L column C"; the path names the place better.
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    let child = |field: &str| {
        if path == "." {
            field.to_string()
        } else {
            format!("{path}.{field}")
        }
    };
    // serde reports a missing or repeated field at its parent's path; name the field itself.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return ApiError::validation(format!("`{}` is required", child(field)));
    }
    if let Some(field) = message
        .strip_prefix("duplicate field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return ApiError::validation(format!("`{}` is given more than once", child(field)));
    }
    ApiError::validation(format!("Invalid value for `{path}`: {message}"))
}

fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else if content_type.is_empty() {
        Err(ApiError::malformed(
            "The Content-Type header is missing; send `application/json`",
        ))
    } else {
        Err(ApiError::malformed(format!(
            "The Content-Type `{content_type}` is not supported; send `application/json`"
        )))
    }
}

/// A path parameter that API Gateway (or the local gateway) filled in from the route.
pub fn path_param<'a>(req: &'a Request, name: &str) -> Result<&'a str, ApiError> {
    let params = req.path_parameters_ref().ok_or_else(|| missing_param(name))?;
    params.first(name).ok_or_else(|| missing_param(name))
}

fn missing_param(name: &str) -> ApiError {
    ApiError::not_found(format!("The path has no `{name}`"))
}

/// A query string parameter; given more than once is an error.
pub fn query_param<'a>(req: &'a Request, name: &str) -> Result<Option<&'a str>, ApiError> {
    let Some(params) = req.query_string_parameters_ref() else {
        return Ok(None);
    };
    match params.all(name) {
        None => Ok(None),
        Some(values) if values.len() == 1 => Ok(Some(values[0])),
        Some(_) => Err(ApiError::validation(format!(
            "The query parameter `{name}` is given more than once"
        ))),
    }
}

/// A non-negative whole number from the query string, at most `max`.
pub fn query_number(req: &Request, name: &str, default: u64, max: u64) -> Result<u64, ApiError> {
    match query_param(req, name)? {
        None => Ok(default),
        Some(raw) => raw.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
            ApiError::validation(format!(
                "The query parameter `{name}` must be a whole number from 0 to {max}"
            ))
        }),
    }
}

/// `limit` and `offset` from the query string.
pub fn pagination(req: &Request, default_limit: u64, max_limit: u64) -> Result<(usize, usize), ApiError> {
    let limit = query_number(req, "limit", default_limit, max_limit)?;
    let offset = query_number(req, "offset", 0, u64::from(u32::MAX))?;
    Ok((limit as usize, offset as usize))
}

/// Invent's paging, `page` (from 1) and `take` (at most 100, default 100), as (limit,
/// offset) with the page number; without them, `limit` and `offset` as [`pagination`]
/// reads them (the page is then the one `offset` falls in).
pub fn invent_pagination(req: &Request, default_limit: u64, max_limit: u64) -> Result<(usize, usize, u64), ApiError> {
    // `limit` and `offset` are checked even beside `page` and `take`: a bad value is a 400
    // wherever it is.
    let (limit, offset) = pagination(req, default_limit, max_limit)?;
    let page = query_param(req, "page")?;
    let take = query_param(req, "take")?;
    if page.is_none() && take.is_none() {
        return Ok((limit, offset, (offset / limit.max(1)) as u64 + 1));
    }
    let take = query_number(req, "take", 100, 100)?.max(1);
    let page = query_number(req, "page", 1, u64::from(u32::MAX))?.max(1);
    Ok((take as usize, ((page - 1) * take) as usize, page))
}

/// A single header as text; several values of one header are refused, since which one
/// counts would be ambiguous.
pub fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(ApiError::malformed(format!(
            "The `{name}` header is sent more than once"
        )));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| ApiError::malformed(format!("The `{name}` header is not visible ASCII")))
}

/// A list's paging in headers, for the vendors whose lists are plain arrays: the total as
/// `X-Total-Count`, and the next page as `Link: <path>; rel="next"`.
pub fn with_page_headers(mut response: Response<Body>, total: usize, next: Option<String>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert("x-total-count", total.into());
    if let Some(next) = next {
        if let Ok(link) = format!("<{next}>; rel=\"next\"").parse() {
            headers.insert("link", link);
        }
    }
    response
}

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    let text = serde_json::to_string(body).expect("response types always serialize");
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(text))
        .expect("a static status and header always build")
}

pub fn error_response(error: &ApiError) -> Response<Body> {
    let mut response = json_response(error.status, &error.body());
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert("retry-after", lambda_http::http::HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    fn retry_after(error: ApiError) -> (StatusCode, Option<String>) {
        let response = error_response(&error);
        let header = response.headers().get("retry-after");
        (response.status(), header.map(|v| v.to_str().unwrap().to_string()))
    }

    #[test]
    fn every_429_says_when_to_retry() {
        let throttled = StoreError::Throttled("ProvisionedThroughputExceededException".into());
        let cases = [
            ("DynamoDB throttled", ApiError::from(throttled)),
            ("transactions contended", ApiError::from(StoreError::Contended)),
            ("rate limit", ApiError::rate_limited("slow down")),
        ];
        for (why, error) in cases {
            assert_eq!(
                retry_after(error),
                (StatusCode::TOO_MANY_REQUESTS, Some("1".to_string())),
                "{why}"
            );
        }
    }

    #[test]
    fn other_errors_carry_no_retry_after() {
        assert_eq!(retry_after(ApiError::unavailable()).1, None);
        assert_eq!(retry_after(ApiError::not_found("no")).1, None);
    }
}
