//! A user's embed generation in an organization (`crate::session`): the item
//! `USER#<external_id>` / `EMBED#<org:020>` holding `generation`, beside the user's
//! membership there. No item: the first generation. Tokens and sessions are signatures
//! over it, never stored.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::item::ItemKeys;
use super::keys::{self, SK};
use super::{failed_condition, from_item, key, put, Missing, Store, StoreError, TransactFailure};
use crate::domain::organization::OrgId;
use crate::domain::user::{ExternalId, User};

/// What signing a user in to an organization's pages rests on: the user, and its
/// generation there (`None`: never rotated).
#[derive(Debug, Clone)]
pub struct EmbedAccount {
    pub user: User,
    pub generation: Option<String>,
}

/// The item, as the store writes it and the audit reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmbedItem {
    pub org_id: u64,
    pub user_id: u64,
    pub generation: String,
    pub updated_at: String,
}

// The rotation's transaction, by position.
const USER_CHECK: usize = 0;
const MEMBERSHIP_CHECK: usize = 1;

impl Store {
    /// The user `external_id` and its generation in `org`, if the user exists and is a
    /// member there: one BatchGetItem of the user, its membership and its embed item
    /// (strongly consistent, so a rotation is seen at once).
    pub async fn embed_account(
        &self,
        org: OrgId,
        external_id: &ExternalId,
    ) -> Result<Option<EmbedAccount>, StoreError> {
        let pk = keys::user_pk(external_id);
        let wanted = vec![
            key(pk.clone(), keys::USER_SK),
            key(pk.clone(), &keys::membership_sk(org)),
            key(pk, &keys::embed_sk(org)),
        ];
        let (mut user, mut member, mut generation) = (None, false, None);
        for item in self.batch_get_items(wanted, true).await? {
            match item.get(SK) {
                Some(AttributeValue::S(sk)) if sk == keys::USER_SK => user = Some(from_item::<User>(item)?),
                Some(AttributeValue::S(sk)) if sk.starts_with(keys::MEMBERSHIP_PREFIX) => member = true,
                Some(AttributeValue::S(_)) => generation = Some(from_item::<EmbedItem>(item)?.generation),
                _ => {}
            }
        }
        Ok(user.filter(|_| member).map(|user| EmbedAccount { user, generation }))
    }

    /// Puts `generation` as `user`'s in `org`, while the user is this one (its id) and a
    /// member there: every token and session signed for the one before stops opening.
    pub async fn rotate_embed_generation(
        &self,
        org: OrgId,
        user: &User,
        generation: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        let pk = keys::stored_user_pk(&user.external_id);
        let check = |sk: &str, condition: &str| {
            let mut check = ConditionCheck::builder()
                .table_name(self.table_name())
                .set_key(Some(key(pk.clone(), sk)))
                .condition_expression(condition);
            if condition.contains(":id") {
                check = check.expression_attribute_values(":id", AttributeValue::N(user.id.to_string()));
            }
            TransactWriteItem::builder()
                .condition_check(check.build().expect("key, table and condition are set"))
                .build()
        };
        let item = EmbedItem {
            org_id: org.0,
            user_id: user.id,
            generation: generation.to_string(),
            updated_at: now.to_string(),
        };
        let items = vec![
            check(keys::USER_SK, "id = :id"),
            check(&keys::membership_sk(org), "attribute_exists(PK)"),
            put(
                self.table_name(),
                ItemKeys::new(pk.clone(), keys::embed_sk(org)).item(&item),
                None,
            ),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(reasons)) => Err(match failed_condition(&reasons) {
                Some(USER_CHECK) => Missing::User(user.external_id.clone()).into(),
                Some(MEMBERSHIP_CHECK) => Missing::Membership {
                    external_id: user.external_id.clone(),
                    org,
                }
                .into(),
                _ => StoreError::unexpected(format!("embed rotation cancelled unexpectedly: {reasons:?}")),
            }),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }
}
