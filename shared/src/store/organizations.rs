//! Organizations, their users and memberships, and their API keys: items and access
//! patterns (docs/data-model.md lists the same).

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::Deserialize;

use super::item::ItemKeys;
use super::keys::{self, SK};
use super::{
    from_item, key, put, s, sdk_error, Change, Item, Missing, Store, StoreError, TransactFailure, CONDITION_FAILED,
    NEW_ITEM,
};
use crate::domain::organization::{NewOrganization, OrgId, OrgPatch, Organization, OrganizationView};
use crate::domain::user::{ExternalId, Member, NewUser, OrgMembership, Role, User, UserWithOrgs};
use crate::time::Timestamp;

/// The most API keys one organization may hold.
pub const MAX_API_KEYS: u64 = 50;

pub use super::account_items::{ApiKeyItem, UserMembershipItem};

/// How many users an organization object embeds; the users list endpoint pages past it.
pub const MEMBERS_SHOWN: i32 = 100;

// An organization create's transaction, by position: the organization, its owner user's
// write, the two items of the owner's membership, and the owner's API key.
const ORGANIZATION_PUT: usize = 0;
/// Index of the owner user's write in the create transaction.
const USER_WRITE: usize = 1;
const API_KEY_PUT: usize = 4;

// An organization delete's transaction, by position: the organization (its condition
// hands back the item as it was), its purge marker, then one delete per API key.
const ORGANIZATION_DELETE: usize = 0;
const PURGE_MARKER: usize = 1;
const FIRST_KEY_DELETE: usize = 2;
/// How often a create is tried when the owner user appears or vanishes under it.
const CREATE_ATTEMPTS: usize = 3;

/// A new API key as the store keeps it: never its token, only the token's SHA-256 and its
/// first characters (`crate::auth::NewApiKey::issued` makes one).
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The key's public id (a UUID), shown in lists and used to revoke it.
    pub id: String,
    /// SHA-256 of the token: the only form that is stored.
    pub token_hash: String,
    /// The first characters of the token, safe to show in lists.
    pub prefix: String,
}

impl Store {
    /// Takes the next organization id and the next user id in one atomic update. A user
    /// id taken for an owner who turns out to exist already is left unused (ids may skip).
    async fn next_ids(&self) -> Result<(OrgId, u64), StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::ID_COUNTER_PK.to_string(), keys::ID_COUNTER_SK)))
            .update_expression("ADD org_seq :one, user_seq :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let attrs = out
            .attributes()
            .ok_or_else(|| StoreError::unexpected("the id counter answered no attributes"))?;
        let number = |name: &str| -> Result<u64, StoreError> {
            match attrs.get(name) {
                Some(AttributeValue::N(n)) => n
                    .parse()
                    .map_err(|_| StoreError::unexpected(format!("{name} is not a number"))),
                _ => Err(StoreError::unexpected(format!("{name} missing after update"))),
            }
        };
        Ok((OrgId(number("org_seq")?), number("user_seq")?))
    }

    /// Creates an organization, upserts its owner by external id (creating the user, or
    /// updating its email and name), makes the owner a member with role `owner`, and issues
    /// the owner an org API key: all in one transaction, after one counter update.
    pub async fn create_organization(
        &self,
        new: &NewOrganization,
        api_key: &IssuedKey,
        now: Timestamp,
    ) -> Result<OrganizationView, StoreError> {
        let (org_id, fresh_user_id) = self.next_ids().await?;
        let stamp = now.seconds();
        // The common case first: an owner we have not seen. If the user exists, the failed
        // condition hands back the stored user and the create is retried as an update.
        let mut existing: Option<UserWithOrgs> = None;
        for _ in 0..CREATE_ATTEMPTS {
            let user = match &existing {
                Some(found) => User {
                    email: new.owner.email.as_str().to_string(),
                    name: new.owner.name.as_str().to_string(),
                    updated_at: stamp.clone(),
                    ..found.user.clone()
                },
                None => new_user_item(fresh_user_id, &new.owner, &stamp),
            };
            let org = Organization {
                id: org_id.0,
                name: new.name.as_str().to_string(),
                description: new.description.as_ref().map(|d| d.as_str().to_string()),
                owner_user_id: user.id,
                owner_external_id: user.external_id.clone(),
                api_key_count: 1,
                webhook_count: 0,
                solution_count: 0,
                created_at: stamp.clone(),
                updated_at: stamp.clone(),
            };
            let items = self.create_organization_items(&org, &user, existing.is_some(), api_key, &stamp);
            match self.transact(items).await {
                Ok(()) => {
                    let mut organizations = existing.map(|e| e.organizations).unwrap_or_default();
                    organizations.push(OrgMembership {
                        org_id: org.id,
                        name: org.name.clone(),
                        role: Role::Owner,
                    });
                    let owner = UserWithOrgs { user, organizations };
                    return Ok(OrganizationView {
                        organization: org,
                        users: vec![owner.clone()],
                        owner,
                    });
                }
                Err(TransactFailure::Cancelled(reasons)) => {
                    let user_failed = reasons.get(USER_WRITE).and_then(|r| r.code()) == Some(CONDITION_FAILED);
                    let others_failed = reasons
                        .iter()
                        .enumerate()
                        .any(|(i, r)| i != USER_WRITE && r.code() == Some(CONDITION_FAILED));
                    if others_failed || !user_failed {
                        return Err(StoreError::unexpected(format!(
                            "organization create cancelled for a reason other than its owner: {reasons:?}"
                        )));
                    }
                    // The user exists (or vanished, if we thought it existed): read it again.
                    existing = self.user_with_orgs(&new.owner.external_id).await?;
                }
                Err(TransactFailure::Store(e)) => return Err(e),
            }
        }
        Err(StoreError::Contended)
    }

    fn create_organization_items(
        &self,
        org: &Organization,
        user: &User,
        user_exists: bool,
        api_key: &IssuedKey,
        stamp: &str,
    ) -> Vec<TransactWriteItem> {
        let org_id = OrgId(org.id);
        let table = self.table_name();
        let user_write = if user_exists {
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key(keys::stored_user_pk(&user.external_id), keys::USER_SK)))
                .update_expression("SET email = :email, #name = :name, updated_at = :now")
                .condition_expression("attribute_exists(PK) AND id = :id")
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":email", s(&user.email))
                .expression_attribute_values(":name", s(&user.name))
                .expression_attribute_values(":now", s(stamp))
                .expression_attribute_values(":id", AttributeValue::N(user.id.to_string()))
                .build()
                .expect("key, table and expression are set");
            TransactWriteItem::builder().update(update).build()
        } else {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(user_item(user)))
                .condition_expression("attribute_not_exists(PK)")
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .expect("item and table are set");
            TransactWriteItem::builder().put(put).build()
        };
        let [member, membership] = membership_items(org_id, user, Role::Owner);
        let key_item = ApiKeyItem {
            id: api_key.id.clone(),
            org_id: org.id,
            user_id: user.id,
            token_hash: api_key.token_hash.clone(),
            prefix: api_key.prefix.clone(),
            created_at: stamp.to_string(),
        };
        let new_only = Some(NEW_ITEM);
        let items = vec![
            put(table, organization_item(org), new_only),
            user_write,
            put(table, member, new_only),
            put(table, membership, new_only),
            put(table, api_key_item(&key_item), new_only),
        ];
        debug_assert!(items[USER_WRITE].put().is_some() != user_exists);
        debug_assert!(items[ORGANIZATION_PUT].put().is_some() && items.len() == API_KEY_PUT + 1);
        items
    }

    /// A user and its organizations, from one strongly consistent Query of the user's
    /// partition and one BatchGetItem for the organizations' names.
    pub async fn user_with_orgs(&self, external_id: &ExternalId) -> Result<Option<UserWithOrgs>, StoreError> {
        let items = self.query_partition(&keys::user_pk(external_id)).await?;
        let mut user = None;
        let mut memberships = Vec::new();
        for item in items {
            match item.get(SK) {
                Some(AttributeValue::S(sk)) if sk == keys::USER_SK => user = Some(from_item::<User>(item)?),
                Some(AttributeValue::S(sk)) if sk.starts_with(keys::MEMBERSHIP_PREFIX) => {
                    memberships.push(from_item::<UserMembershipItem>(item)?)
                }
                _ => {}
            }
        }
        let Some(user) = user else { return Ok(None) };
        let names = self.org_names(memberships.iter().map(|m| m.org_id).collect()).await?;
        Ok(Some(UserWithOrgs {
            organizations: memberships_with_names(&memberships, &names),
            user,
        }))
    }

    /// The names of the given organizations; ids of organizations that no longer exist are
    /// left out.
    async fn org_names(&self, ids: BTreeSet<u64>) -> Result<HashMap<u64, String>, StoreError> {
        #[derive(Deserialize)]
        struct Name {
            id: u64,
            name: String,
        }
        let keys = ids
            .into_iter()
            .map(|id| key(keys::org_pk(OrgId(id)), keys::ORG_SK))
            .collect();
        let mut names = HashMap::new();
        for item in self.batch_get(keys, "id, #name", &[("#name", "name")]).await? {
            let Name { id, name } = from_item(item)?;
            names.insert(id, name);
        }
        Ok(names)
    }

    /// An organization with its users (the first [`MEMBERS_SHOWN`]) and its owner.
    pub async fn organization_view(&self, org_id: OrgId) -> Result<Option<OrganizationView>, StoreError> {
        let org = self
            .client()
            .get_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org_id), keys::ORG_SK)))
            .consistent_read(true)
            .send();
        let members = self
            .client()
            .query()
            .table_name(self.table_name())
            .consistent_read(true)
            .expression_attribute_values(":pk", s(keys::org_pk(org_id)));
        let members = super::with_prefix(members, keys::MEMBER_PREFIX)
            .limit(MEMBERS_SHOWN)
            .send();
        let (org, members) = tokio::join!(org, members);
        let Some(org) = org.map_err(sdk_error)?.item else {
            return Ok(None);
        };
        let org: Organization = from_item(org)?;
        let members = members
            .map_err(sdk_error)?
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item::<Member>)
            .collect::<Result<Vec<_>, _>>()?;

        let mut reads = tokio::task::JoinSet::new();
        for (position, member) in members.into_iter().enumerate() {
            let store = self.clone();
            reads.spawn(async move {
                let external_id = ExternalId::parse("external_id", &member.external_id)?;
                Ok::<_, StoreError>((position, store.user_with_orgs(&external_id).await?))
            });
        }
        let mut users: Vec<(usize, UserWithOrgs)> = Vec::new();
        while let Some(joined) = reads.join_next().await {
            let (position, user) = joined.map_err(|e| StoreError::unexpected(format!("a read task failed: {e}")))??;
            users.extend(user.map(|u| (position, u)));
        }
        users.sort_by_key(|(position, _)| *position);
        let users: Vec<UserWithOrgs> = users.into_iter().map(|(_, u)| u).collect();
        let owner = match users.iter().find(|u| u.user.id == org.owner_user_id) {
            Some(owner) => owner.clone(),
            None => {
                let external_id = ExternalId::parse("owner_external_id", &org.owner_external_id)?;
                self.user_with_orgs(&external_id)
                    .await?
                    .ok_or_else(|| StoreError::unexpected(format!("organization {} has no owner user", org.id)))?
            }
        };
        Ok(Some(OrganizationView {
            organization: org,
            users,
            owner,
        }))
    }
}

/// An organization's item: in its own partition, listed in GSI1 by id.
fn organization_item(org: &Organization) -> Item {
    let id = OrgId(org.id);
    ItemKeys::new(keys::org_pk(id), keys::ORG_SK)
        .listed(keys::ORGS_GSI1PK, keys::org_gsi1sk(id))
        .item(org)
}

/// A user's item, in the user's partition.
pub(crate) fn user_item(user: &User) -> Item {
    ItemKeys::new(keys::stored_user_pk(&user.external_id), keys::USER_SK).item(user)
}

/// The two items of one membership: the member in the organization's partition, and the
/// membership in the user's.
pub(crate) fn membership_items(org: OrgId, user: &User, role: Role) -> [Item; 2] {
    let member = Member {
        user_id: user.id,
        external_id: user.external_id.clone(),
        role,
    };
    let membership = UserMembershipItem { org_id: org.0, role };
    [
        ItemKeys::new(keys::org_pk(org), keys::member_sk(user.id)).item(&member),
        ItemKeys::new(keys::stored_user_pk(&user.external_id), keys::membership_sk(org)).item(&membership),
    ]
}

/// An API key's item: in its own partition (looked up by the id its token carries),
/// listed in its organization's GSI1 partition by creation.
pub(crate) fn api_key_item(key: &ApiKeyItem) -> Item {
    let org = OrgId(key.org_id);
    ItemKeys::new(keys::api_key_pk(&key.id), keys::API_KEY_SK)
        .listed(keys::org_api_keys_gsi1pk(org), format!("{}#{}", key.created_at, key.id))
        .item(key)
}

pub(crate) fn new_user_item(id: u64, user: &NewUser, stamp: &str) -> User {
    User {
        id,
        external_id: user.external_id.as_str().to_string(),
        email: user.email.as_str().to_string(),
        name: user.name.as_str().to_string(),
        created_at: stamp.to_string(),
        updated_at: stamp.to_string(),
    }
}

fn memberships_with_names(memberships: &[UserMembershipItem], names: &HashMap<u64, String>) -> Vec<OrgMembership> {
    memberships
        .iter()
        .filter_map(|m| {
            names.get(&m.org_id).map(|name| OrgMembership {
                org_id: m.org_id,
                name: name.clone(),
                role: m.role,
            })
        })
        .collect()
}

impl Store {
    /// An API key by id (strongly consistent, so a revoked key fails at once).
    pub async fn api_key(&self, key_id: &str) -> Result<Option<ApiKeyItem>, StoreError> {
        self.get(keys::api_key_pk(key_id), keys::API_KEY_SK)
            .await?
            .map(from_item)
            .transpose()
    }

    /// [`Store::api_key`] through this container's cache (see [`super::cache`]): what
    /// authentication uses. Keys not found are not cached.
    pub async fn api_key_cached(&self, key_id: &str) -> Result<Option<ApiKeyItem>, StoreError> {
        if let Some(key) = self.caches.api_keys.get(&key_id.to_string()) {
            return Ok(Some(key));
        }
        let key = self.api_key(key_id).await?;
        if let Some(key) = &key {
            self.caches.api_keys.insert(key_id.to_string(), key.clone());
        }
        Ok(key)
    }
}

impl Store {
    /// Every organization, by id (GSI1).
    pub async fn organizations(&self) -> Result<Vec<Organization>, StoreError> {
        self.query_gsi1(keys::ORGS_GSI1PK)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Renames an organization or changes its description. 404 if it does not exist.
    pub async fn update_organization(&self, org: OrgId, patch: &OrgPatch, now: Timestamp) -> Result<(), StoreError> {
        let mut sets = vec!["updated_at = :now"];
        let mut removes = Vec::new();
        let mut update = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":now", s(now.seconds()));
        if let Some(name) = &patch.name {
            sets.push("#name = :name");
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name.as_str()));
        }
        match &patch.description {
            Some(Some(description)) => {
                sets.push("description = :description");
                update = update.expression_attribute_values(":description", s(description.as_str()));
            }
            Some(None) => removes.push("description"),
            None => {}
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        match update.update_expression(expression).send().await {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(Missing::Organization(org).into())
            }
            Err(err) => Err(sdk_error(err)),
        }
    }

    /// Deletes an organization: the organization item and every API key go in one
    /// transaction, so its keys stop working at once and its data becomes unreachable. The
    /// transaction is conditional on `api_key_count` equalling the keys found (the key list
    /// is read from an eventually consistent index), and retried if a key was missed.
    /// The same transaction writes the organization's purge marker, whose stream event
    /// starts the asynchronous purge of what it leaves (see [`crate::purge`]).
    pub async fn delete_organization(&self, org: OrgId) -> Result<(), StoreError> {
        for attempt in 1..=5u32 {
            let keys_found = self.api_keys(org).await?;
            let delete = Delete::builder()
                .table_name(self.table_name())
                .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
                .condition_expression("attribute_exists(PK) AND (api_key_count = :n OR (attribute_not_exists(api_key_count) AND :n = :zero))")
                .expression_attribute_values(":n", AttributeValue::N(keys_found.len().to_string()))
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .expect("key and table are set");
            let mut items = vec![
                TransactWriteItem::builder().delete(delete).build(),
                put(self.table_name(), super::purge::marker_item(org), Some(NEW_ITEM)),
            ];
            debug_assert!(items[ORGANIZATION_DELETE].delete().is_some() && items[PURGE_MARKER].put().is_some());
            debug_assert_eq!(items.len(), FIRST_KEY_DELETE);
            for api_key in &keys_found {
                let delete = Delete::builder()
                    .table_name(self.table_name())
                    .set_key(Some(key(keys::api_key_pk(&api_key.id), keys::API_KEY_SK)))
                    .build()
                    .expect("key and table are set");
                items.push(TransactWriteItem::builder().delete(delete).build());
            }
            match self.transact(items).await {
                Ok(()) => {
                    self.caches.api_keys.forget(|_, key| key.org_id == org.0);
                    return Ok(());
                }
                Err(TransactFailure::Cancelled(reasons)) => {
                    if reasons.get(ORGANIZATION_DELETE).and_then(|r| r.item()).is_none() {
                        return Err(Missing::Organization(org).into());
                    }
                    // A key the index did not show yet: read the keys again.
                    tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(attempt))).await;
                }
                Err(TransactFailure::Store(e)) => return Err(e),
            }
        }
        Err(Change::OrganizationKeys.into())
    }
}

impl Store {
    /// An organization's item alone, by id.
    pub async fn organization(&self, org: OrgId) -> Result<Option<Organization>, StoreError> {
        self.get(keys::org_pk(org), keys::ORG_SK)
            .await?
            .map(from_item)
            .transpose()
    }
}
