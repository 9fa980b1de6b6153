//! Per-container caches of what nearly every request reads and rarely changes: API keys
//! (authentication) and table definitions (every record request). A warm Lambda container
//! serves many requests, so these save a DynamoDB round trip each on most of them.
//!
//! What staleness each allows, and why it is safe:
//! - An API key is cached for [`CacheSettings::api_keys`] (5 s by default). The presented
//!   token is still compared with the cached hash on every call. A key revoked (or an
//!   organization deleted) through this container is forgotten at once; another container
//!   may accept it until its entry expires: that is the revocation delay.
//! - A table definition is cached for [`CacheSettings::tables`]. Every record write is
//!   conditional on the table's `revision` it was checked against, so a write never uses a
//!   stale definition (it is retried once with a fresh one); reads may show a renamed
//!   attribute under its old slug until the entry expires.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::account_items::ApiKeyItem;
use crate::domain::table::Table;

/// How long each cache keeps an entry. Zero turns a cache off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub api_keys: Duration,
    pub tables: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            api_keys: Duration::from_secs(5),
            tables: Duration::from_secs(5),
        }
    }
}

impl CacheSettings {
    /// No caching: every request reads DynamoDB.
    pub const OFF: Self = Self {
        api_keys: Duration::ZERO,
        tables: Duration::ZERO,
    };
}

/// Entries beyond this are not kept: a container serving many organizations falls back to
/// reading DynamoDB rather than growing without bound.
const MAX_ENTRIES: usize = 10_000;

/// A map whose entries expire `ttl` after they were stored.
pub(crate) struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock cannot leave a half-written entry: recover it.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry for `key`, if it is younger than the TTL.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries();
        let (stored, value) = entries.get(key)?;
        (stored.elapsed() < self.ttl).then(|| value.clone())
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (stored, _)| stored.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                return;
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Drops every entry `doomed` picks.
    pub(crate) fn forget(&self, doomed: impl Fn(&K, &V) -> bool) {
        self.entries().retain(|k, (_, v)| !doomed(k, v));
    }
}

/// The caches of one [`super::Store`], shared by its clones.
pub(crate) struct Caches {
    /// By key id.
    pub(crate) api_keys: TtlCache<String, ApiKeyItem>,
    /// By organization and the table reference as the path gave it (an id or an api_slug).
    pub(crate) tables: TtlCache<(u64, String), Table>,
}

impl Caches {
    pub(crate) fn new(settings: CacheSettings) -> Self {
        Self {
            api_keys: TtlCache::new(settings.api_keys),
            tables: TtlCache::new(settings.tables),
        }
    }
}

/// Only the sizes: entries are not for logs.
impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("api_keys", &self.api_keys.entries().len())
            .field("tables", &self.tables.entries().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let cache = TtlCache::new(Duration::from_millis(50));
        cache.insert("a", 1);
        cache.insert("b", 2);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.forget(|_, v| *v == 1);
        assert_eq!(cache.get(&"a"), None);
        assert_eq!(cache.get(&"b"), Some(2));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&"b"), None, "expired");
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = TtlCache::new(Duration::ZERO);
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), None);
    }
}
