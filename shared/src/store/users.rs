//! Users and memberships beyond an organization's creation: create a user in an
//! organization, list an organization's users, change a user and its memberships.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::events::events_put;
use super::organizations::{membership_items, new_user_item, user_item};
use super::{
    failed_condition, from_item, key, organization_exists, put, s, sdk_error, Conflict, Missing, Reference, Refusal,
    Store, StoreError, TransactFailure, NEW_ITEM,
};
use crate::domain::event::{member_joined, EventActor};
use crate::domain::organization::{OrgId, Organization};
use crate::domain::user::{ExternalId, Member, NewMember, Role, User, UserPatch, UserWithOrgs};
use crate::store::keys;
use crate::time::Timestamp;

// A user create's or update's transaction, by position: the user's item, then (when it
// adds or changes a membership) the organization's check and the membership's two items.
const USER_WRITE: usize = 0;
const ORGANIZATION_CHECK: usize = 1;

impl Store {
    /// Takes the next user id from the id counter.
    async fn next_user_id(&self) -> Result<u64, StoreError> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table_name())
            .set_key(Some(key(keys::ID_COUNTER_PK.to_string(), keys::ID_COUNTER_SK)))
            .update_expression("ADD user_seq :one")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        match out.attributes().and_then(|a| a.get("user_seq")) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| StoreError::unexpected("user_seq is not a number")),
            _ => Err(StoreError::unexpected("user_seq missing after update")),
        }
    }

    /// The two items of one membership, and a check that the organization exists.
    fn membership_items(&self, org: OrgId, user: &User, role: Role) -> Vec<TransactWriteItem> {
        let [member, membership] = membership_items(org, user, role);
        vec![
            organization_exists(self.table_name(), org),
            put(self.table_name(), member, None),
            put(self.table_name(), membership, None),
        ]
    }

    /// The `workspace-member.created` event of `user` joining `org`, for the transaction
    /// that makes the membership. The admin API makes memberships: its actor is `system`.
    fn joined_event(&self, org: OrgId, user: &User, now: Timestamp) -> Option<TransactWriteItem> {
        let event = member_joined(
            &org.workspace_id().to_string(),
            &org.member_id(user.id).to_string(),
            &EventActor::System,
        );
        events_put(self.table_name(), org, &[event], now)
    }

    /// Creates a user as a member of an organization, in one transaction. 409 if the
    /// external id is taken; 400 `value_not_found` if the organization does not exist.
    pub async fn create_user(&self, new: &NewMember, now: Timestamp) -> Result<UserWithOrgs, StoreError> {
        let id = self.next_user_id().await?;
        let stamp = now.seconds();
        let user = new_user_item(id, &new.user, &stamp);
        let mut items = vec![put(self.table_name(), user_item(&user), Some(NEW_ITEM))];
        debug_assert_eq!(items.len(), ORGANIZATION_CHECK);
        items.extend(self.membership_items(new.org_id, &user, new.role));
        items.extend(self.joined_event(new.org_id, &user, now));
        match self.transact(items).await {
            Ok(()) => {}
            Err(TransactFailure::Cancelled(reasons)) => {
                return Err(match failed_condition(&reasons) {
                    Some(USER_WRITE) => Conflict::UserExternalId(user.external_id.clone()).into(),
                    Some(ORGANIZATION_CHECK) => Reference::Organization(new.org_id).into(),
                    _ => StoreError::unexpected(format!("user create cancelled unexpectedly: {reasons:?}")),
                })
            }
            Err(TransactFailure::Store(e)) => return Err(e),
        }
        self.user_with_orgs(&new.user.external_id)
            .await?
            .ok_or_else(|| StoreError::unexpected("user vanished after create"))
    }

    /// An organization's members, by user id (strongly consistent).
    pub async fn org_members(&self, org: OrgId) -> Result<Vec<Member>, StoreError> {
        self.query_prefix(&keys::org_pk(org), keys::MEMBER_PREFIX)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// An organization's members as (user id, email). For actor references given by email.
    pub async fn member_emails(&self, org: OrgId) -> Result<Vec<(u64, String)>, StoreError> {
        Ok(self
            .members_with_users(org)
            .await?
            .into_iter()
            .map(|(_, user)| (user.id, user.email))
            .collect())
    }

    /// An organization's members with their users: one Query of its memberships and a
    /// BatchGetItem of the users, in membership (user id) order.
    pub async fn members_with_users(&self, org: OrgId) -> Result<Vec<(Member, User)>, StoreError> {
        let members = self.org_members(org).await?;
        let keys = members
            .iter()
            .map(|m| {
                let external_id = crate::domain::user::ExternalId::parse("external_id", &m.external_id)?;
                Ok(super::key(keys::user_pk(&external_id), keys::USER_SK))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let projection = "id, external_id, email, #name, created_at, updated_at";
        let mut users: std::collections::HashMap<u64, User> = self
            .batch_get(keys, projection, &[("#name", "name")])
            .await?
            .into_iter()
            .map(|item| from_item::<User>(item).map(|u| (u.id, u)))
            .collect::<Result<_, _>>()?;
        Ok(members
            .into_iter()
            .filter_map(|m| users.remove(&m.user_id).map(|u| (m, u)))
            .collect())
    }

    /// Changes a user's email and name, and adds a membership or changes its role. The
    /// owner of an organization keeps the owner role there.
    pub async fn update_user(
        &self,
        current: &UserWithOrgs,
        patch: &UserPatch,
        now: Timestamp,
    ) -> Result<UserWithOrgs, StoreError> {
        let user = &current.user;
        let mut sets = vec!["updated_at = :now"];
        let mut update = Update::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::stored_user_pk(&user.external_id), keys::USER_SK)))
            .condition_expression("attribute_exists(PK) AND id = :id")
            .expression_attribute_values(":now", s(now.seconds()))
            .expression_attribute_values(":id", AttributeValue::N(user.id.to_string()));
        if let Some(email) = &patch.email {
            sets.push("email = :email");
            update = update.expression_attribute_values(":email", s(email.as_str()));
        }
        if let Some(name) = &patch.name {
            sets.push("#name = :name");
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name.as_str()));
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .build()
            .expect("key, table and expression are set");
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if let Some((org, role)) = patch.membership {
            let org_item: Organization = self
                .get(keys::org_pk(org), keys::ORG_SK)
                .await?
                .map(from_item)
                .transpose()?
                .ok_or(Reference::Organization(org))?;
            let existing = current.organizations.iter().find(|m| m.org_id == org.0).map(|m| m.role);
            let role = role.or(existing).unwrap_or(Role::User);
            if org_item.owner_user_id == user.id && role != Role::Owner {
                return Err(Refusal::OwnerKeepsRole(org).into());
            }
            debug_assert_eq!(items.len(), ORGANIZATION_CHECK);
            items.extend(self.membership_items(org, user, role));
            if existing.is_none() {
                items.extend(self.joined_event(org, user, now));
            }
        }
        match self.transact(items).await {
            Ok(()) => {}
            Err(TransactFailure::Cancelled(reasons)) => {
                return Err(match failed_condition(&reasons) {
                    Some(USER_WRITE) => Missing::User(user.external_id.clone()).into(),
                    Some(ORGANIZATION_CHECK) => Reference::OrganizationVanished.into(),
                    _ => StoreError::unexpected(format!("user update cancelled unexpectedly: {reasons:?}")),
                })
            }
            Err(TransactFailure::Store(e)) => return Err(e),
        }
        let external_id = ExternalId::parse("external_id", &user.external_id)?;
        self.user_with_orgs(&external_id)
            .await?
            .ok_or_else(|| Missing::User(user.external_id.clone()).into())
    }
}
