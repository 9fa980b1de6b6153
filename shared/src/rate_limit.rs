//! Per-key rate limits, as the vendors publish theirs: Attio's routes allow an API key 100
//! reads and 25 writes a second, SmartSuite's 5 requests a second
//! (<https://docs.attio.com/rest-api/guides/rate-limiting>). Past a limit the answer is
//! Attio's: 429 `rate_limit_exceeded`, with `Retry-After` (the next second), before the
//! handler runs.
//!
//! The count is one item per key, class and clock second (`RATE#<key id>#<class>` /
//! `<second>`), raised by one conditional UpdateItem: one write capacity unit a request,
//! and no read. The items expire by TTL. `RATE_LIMITS=off` (template parameter
//! `RateLimits`) turns it off. If the count cannot be written, the request goes on: a
//! limiter that fails closed would turn a DynamoDB hiccup into an outage.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::route_spec::{Access, Auth, Route};
use crate::store::Store;

/// What a request counts as: Attio's reads or writes, or SmartSuite's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    AttioRead,
    AttioWrite,
    SmartSuite,
}

impl RateClass {
    /// Its name in the count's key (`RATE#<key id>#<name>`).
    pub fn key(self) -> &'static str {
        match self {
            Self::AttioRead => "attio-read",
            Self::AttioWrite => "attio-write",
            Self::SmartSuite => "smartsuite",
        }
    }

    /// What it counts, in the 429's message.
    fn counts(self) -> &'static str {
        match self {
            Self::AttioRead => "read requests",
            Self::AttioWrite => "write requests",
            Self::SmartSuite => "requests",
        }
    }
}

/// Requests per second per API key, by class: defined beside the [`Store`] that holds it,
/// its meaning here.
pub use crate::store::RateLimits;

impl RateLimits {
    /// The vendors' published limits.
    pub const PUBLISHED: Self = Self {
        attio_reads: 100,
        attio_writes: 25,
        smartsuite: 5,
    };

    /// The published limits, unless `RATE_LIMITS` is `off`.
    pub fn from_env() -> Option<Self> {
        match std::env::var("RATE_LIMITS").as_deref() {
            Ok("off") => None,
            _ => Some(Self::PUBLISHED),
        }
    }

    /// The class a route's requests count in, and its limit: Attio's routes (`/v2/`) by
    /// read or write, SmartSuite's (the `Token` scheme) together. The other vendors publish
    /// none.
    pub fn for_route(&self, route: &Route) -> Option<(RateClass, u32)> {
        match (route.auth, route.access) {
            (Auth::Token, _) => Some((RateClass::SmartSuite, self.smartsuite)),
            (Auth::Bearer | Auth::BearerIntrospected, Access::Read) if route.path.starts_with("/v2/") => {
                Some((RateClass::AttioRead, self.attio_reads))
            }
            (Auth::Bearer | Auth::BearerIntrospected, Access::Write) if route.path.starts_with("/v2/") => {
                Some((RateClass::AttioWrite, self.attio_writes))
            }
            _ => None,
        }
    }
}

/// Counts the request against its key's limit; past it, the 429 to answer.
pub async fn check(store: &Store, route: &Route, caller: &Caller) -> Result<(), ApiError> {
    let (Some(limits), Caller::Org(principal)) = (store.rate_limits(), caller) else {
        return Ok(());
    };
    let Some((class, limit)) = limits.for_route(route) else {
        return Ok(());
    };
    match store.count_request(&principal.key_id, class.key(), limit).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApiError::rate_limited(format!(
            "Rate limit exceeded: this key may make {limit} {} a second; retry after the next second",
            class.counts()
        ))),
        Err(error) => {
            tracing::warn!(error = %error, "the rate limit count failed; the request goes on");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_spec::Grant;

    #[test]
    fn each_route_counts_in_its_vendors_class() {
        let limits = RateLimits::PUBLISHED;
        // method, path, auth, grants, and the class and limit it counts in.
        type Case = (
            &'static str,
            &'static str,
            Auth,
            &'static [Grant],
            Option<(&'static str, u32)>,
        );
        let cases: &[Case] = &[
            (
                "GET",
                "/v2/objects",
                Auth::Bearer,
                &[Grant::Query],
                Some(("attio-read", 100)),
            ),
            (
                "POST",
                "/v2/objects/{object}/records/query",
                Auth::Bearer,
                &[Grant::Query],
                Some(("attio-read", 100)),
            ),
            (
                "POST",
                "/v2/objects/{object}/records",
                Auth::Bearer,
                &[Grant::PutItem],
                Some(("attio-write", 25)),
            ),
            (
                "POST",
                "/api/v1/teams/list",
                Auth::Token,
                &[Grant::Query],
                Some(("smartsuite", 5)),
            ),
            (
                "POST",
                "/api/v1/teams",
                Auth::Token,
                &[Grant::PutItem],
                Some(("smartsuite", 5)),
            ),
            ("POST", "/api/v1/organizations", Auth::Admin, &[Grant::PutItem], None),
            ("GET", "/orgs/{org_id}/tables", Auth::Bearer, &[Grant::Query], None),
        ];
        for (method, path, auth, grants, expected) in cases {
            let route = Route {
                method,
                path,
                function: "f",
                handler: "h",
                auth: *auth,
                query: &[],
                access: Access::of(grants),
                error_codes: &[],
                grants,
                secrets: &[],
            };
            let class = limits.for_route(&route).map(|(class, limit)| (class.key(), limit));
            assert_eq!(class, *expected, "{method} {path}");
        }
    }
}
