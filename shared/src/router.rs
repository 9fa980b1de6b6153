//! Route matching, as API Gateway does it: the local gateway routes by it, and the function
//! behind the deployed API's `$default` route answers what it does not match.

use std::collections::HashMap;

use lambda_http::http::header;
use lambda_http::{Body, Response};

use crate::error::ApiError;
use crate::http::error_response;
use crate::routes::{Route, ROUTES};

/// What a method and path lead to.
#[derive(Debug, PartialEq, Eq)]
pub enum Matched {
    Route(&'static Route, HashMap<String, String>),
    /// The path exists, but not with this method: these are its methods.
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// Matches a request against the route table. Path segments are percent-decoded after
/// splitting, so `%2F` inside a parameter stays inside it, as with API Gateway.
///
/// One trailing slash is ignored: HTTP API routes cannot end in `/` (SAM leaves such a
/// route out, or the deploy fails), and API Gateway sends `/teams/` to the route
/// `/teams` with the path as the client wrote it; SmartSuite's clients write
/// `/api/v1/teams/list/`. So the route table holds no trailing slash, and both forms match.
pub fn match_route(method: &str, path: &str) -> Result<Matched, ApiError> {
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    let segments: Vec<&str> = path.split('/').collect();
    // The methods of the most specific path template that matches, for `Allow`.
    let mut allowed: (usize, Vec<&'static str>) = (0, Vec::new());
    // As API Gateway does, a literal segment beats a parameter: `POST /teams/list/` is the
    // list route, not `/teams/{id}/`. So the best match has the most literal segments.
    let mut best: Option<(usize, &'static Route, HashMap<String, String>)> = None;
    for route in ROUTES {
        let pattern: Vec<&str> = route.path.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let mut literals = 0;
        let mut matches = true;
        for (want, got) in pattern.iter().zip(&segments) {
            if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                if got.is_empty() {
                    matches = false;
                    break;
                }
                params.insert(name.to_string(), percent_decode(got)?);
            } else if want == got {
                literals += 1;
            } else {
                matches = false;
                break;
            }
        }
        if !matches {
            continue;
        }
        if allowed.1.is_empty() || literals > allowed.0 {
            allowed = (literals, Vec::new());
        }
        if literals == allowed.0 && !allowed.1.contains(&route.method) {
            allowed.1.push(route.method);
        }
        if route.method == method && best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
            best = Some((literals, route, params));
        }
    }
    Ok(match best {
        Some((_, route, params)) => Matched::Route(route, params),
        None if !allowed.1.is_empty() => Matched::MethodNotAllowed(allowed.1),
        None => Matched::NotFound,
    })
}

/// The path as the API's routes see it: an HTTP API with a named stage sends the stage as
/// the path's first segment (`/prod/api/v1/teams`), which its routes do not have; the
/// `$default` stage sends none.
pub fn path_without_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    match stage {
        Some(stage) if stage != "$default" && !stage.is_empty() => path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(stage))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .map_or(path, |rest| if rest.is_empty() { "/" } else { rest }),
        _ => path,
    }
}

/// Decodes `%XX` escapes (and nothing else); every `%` must start an escape and the result
/// must be UTF-8, else the request is malformed (400), never decoded by guesswork.
pub fn percent_decode(text: &str) -> Result<String, ApiError> {
    if !escapes_are_well_formed(text) {
        return Err(ApiError::malformed("The URL has a malformed percent escape"));
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ApiError::malformed("The URL does not decode to UTF-8"))
}

/// Whether every `%` in `text` is followed by two hex digits.
pub fn escapes_are_well_formed(text: &str) -> bool {
    text.split('%')
        .skip(1)
        .all(|rest| rest.len() >= 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit))
}

/// The answer to a request no route takes: 405 with `Allow` when the path exists with other
/// methods, else 404; both with the one error body. The local gateway answers unmatched
/// requests with it, and the deployed API's `$default` route runs it in a function of its
/// own, so clients see the same errors in both.
pub fn unmatched(method: &str, path: &str) -> Response<Body> {
    match match_route(method, path) {
        Ok(Matched::MethodNotAllowed(allowed)) => {
            let error = ApiError::method_not_allowed(format!(
                "{method} is not allowed on {path}; it takes {}",
                allowed.join(", ")
            ));
            let mut response = error_response(&error);
            let allow = allowed
                .join(", ")
                .parse()
                .expect("method names are a valid header value");
            response.headers_mut().insert(header::ALLOW, allow);
            response
        }
        Ok(_) => error_response(&ApiError::not_found(format!("No route for {path}"))),
        Err(error) => error_response(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_routes_and_decodes_parameters() {
        match match_route("GET", "/api/v1/organizations/12").unwrap() {
            Matched::Route(route, params) => {
                assert_eq!(route.function, "get-organization");
                assert_eq!(params["id"], "12");
            }
            other => panic!("{other:?}"),
        }
        match match_route("GET", "/api/v1/organizations/a%2Fb").unwrap() {
            Matched::Route(_, params) => assert_eq!(params["id"], "a/b"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            match_route("DELETE", "/api/v1/organizations").unwrap(),
            Matched::MethodNotAllowed(vec!["POST", "GET"])
        );
        assert_eq!(match_route("GET", "/api/v1/nothing").unwrap(), Matched::NotFound);
        // One trailing slash is the same path; an empty parameter is none.
        match match_route("POST", "/api/v1/teams/list/").unwrap() {
            Matched::Route(route, _) => assert_eq!(route.function, "list-teams"),
            other => panic!("{other:?}"),
        }
        match match_route("GET", "/api/v1/teams/0123456789abcdef01234567/").unwrap() {
            Matched::Route(route, params) => {
                assert_eq!(route.function, "get-team");
                assert_eq!(params["id"], "0123456789abcdef01234567");
            }
            other => panic!("{other:?}"),
        }
        match match_route("GET", "/api/v1/organizations/").unwrap() {
            Matched::Route(route, _) => assert_eq!(route.function, "list-organizations"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            match_route("GET", "/api/v1/organizations//").unwrap(),
            Matched::NotFound
        );
        assert!(match_route("GET", "/api/v1/organizations/%ff").is_err());
        assert!(match_route("GET", "/api/v1/organizations/%zz").is_err());
    }

    #[test]
    fn the_stage_is_not_part_of_the_path() {
        let cases = [
            ("/prod/api/v1/teams", Some("prod"), "/api/v1/teams"),
            ("/prod", Some("prod"), "/"),
            ("/production/x", Some("prod"), "/production/x"),
            ("/api/v1/teams", Some("$default"), "/api/v1/teams"),
            ("/api/v1/teams", None, "/api/v1/teams"),
            ("/prod/prod/x", Some("prod"), "/prod/x"),
        ];
        for (path, stage, expected) in cases {
            assert_eq!(path_without_stage(path, stage), expected, "{path} {stage:?}");
        }
    }

    #[test]
    fn unmatched_requests_get_the_error_body() {
        let response = unmatched("DELETE", "/api/v1/organizations");
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST, GET");
        let response = unmatched("GET", "/nowhere");
        assert_eq!(response.status(), 404);
        assert_eq!(unmatched("GET", "/api/v1/organizations/%zz").status(), 400);
    }
}
