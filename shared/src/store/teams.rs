//! Teams: one item in the organization's partition, plus a sentinel for its normalised
//! name. Owners and members are checked to be members of the organization by
//! ConditionChecks inside the same transaction.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{
    failed_conditions, from_item, key, organization_exists, put, s, Change, Conflict, Missing, Refusal, Store,
    StoreError, TransactFailure, NEW_ITEM,
};
use crate::domain::organization::OrgId;
use crate::domain::team::{NewTeam, Team, TeamPatch};
use crate::store::item::ItemKeys;
use crate::store::keys;
use crate::time::Timestamp;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TeamNameSentinel {
    team_id: String,
}

/// A team's item: in its organization's partition, listed in GSI1 by creation.
fn team_item(team: &Team) -> super::Item {
    let org = OrgId(team.org_id);
    ItemKeys::new(keys::org_pk(org), keys::team_sk(&team.id))
        .listed(keys::org_teams_gsi1pk(org), format!("{}#{}", team.created_on, team.id))
        .item(team)
}

/// The sentinel that holds a normalised team name for its team.
fn name_sentinel(org: OrgId, name_key: &str, team_id: &str) -> super::Item {
    ItemKeys::new(keys::org_pk(org), keys::team_name_sk(name_key)).item(&TeamNameSentinel {
        team_id: team_id.to_string(),
    })
}

/// A SmartSuite-style id: 24 hex digits (12 random bytes).
pub(super) fn object_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A rank that sorts as creation time: the microsecond clock in 11 base-26 letters.
fn ranking(now: Timestamp) -> String {
    let mut n = now.unix_micros();
    let mut letters = [b'a'; 11];
    for slot in letters.iter_mut().rev() {
        *slot = b'a' + (n % 26) as u8;
        n /= 26;
    }
    String::from_utf8(letters.to_vec()).expect("letters are ASCII")
}

// A team create's transaction, by position: the team, its name sentinel, the
// organization's check, then one membership check per distinct owner or member.
const CREATE_TEAM: usize = 0;
const CREATE_NAME_SENTINEL: usize = 1;
const CREATE_ORGANIZATION_CHECK: usize = 2;
const CREATE_FIRST_MEMBER: usize = 3;

// A team update's transaction, by position: the team (if unchanged since it was read);
// on a rename, the old name's release and the new name's sentinel; then one membership
// check per distinct owner or member the patch names.
const UPDATE_TEAM: usize = 0;
const UPDATE_OLD_NAME: usize = 1;
const UPDATE_NEW_NAME: usize = 2;

/// A user id as the organization's member items key it: canonical decimal only.
fn member_id(id: &str) -> Option<u64> {
    id.parse::<u64>().ok().filter(|n| n.to_string() == id)
}

impl Store {
    /// Creates a team: the team, its name sentinel and a membership check per distinct
    /// owner or member, in one transaction. Unknown users get 400 naming them; a taken name
    /// gets 409.
    pub async fn create_team(
        &self,
        org: OrgId,
        by_user: u64,
        new: &NewTeam,
        now: Timestamp,
    ) -> Result<Team, StoreError> {
        let mut users: Vec<&String> = new.owners.iter().chain(&new.members).collect();
        users.sort();
        users.dedup();
        self.refuse_impossible_user_ids(org, &users).await?;
        let id = object_id();
        let stamp = now.micros();
        let team = Team {
            id: id.clone(),
            org_id: org.0,
            name: new.name.as_str().to_string(),
            name_key: new.name.unique_key(),
            status: new.status.0,
            status_updated_on: stamp.clone(),
            colors: new.colors.clone(),
            owners: new.owners.clone(),
            members: new.members.clone(),
            created_on: stamp.clone(),
            created_by: by_user.to_string(),
            updated_on: stamp.clone(),
            updated_by: by_user.to_string(),
            ranking: ranking(now),
        };
        let mut items = vec![
            put(self.table_name(), team_item(&team), Some(NEW_ITEM)),
            put(
                self.table_name(),
                name_sentinel(org, &team.name_key, &id),
                Some(NEW_ITEM),
            ),
            organization_exists(self.table_name(), org),
        ];
        debug_assert!(items[CREATE_TEAM].put().is_some() && items.len() == CREATE_FIRST_MEMBER);
        for user in &users {
            items.push(self.member_check(org, member_id(user).expect("checked above")));
        }
        match self.transact(items).await {
            Ok(()) => Ok(team),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed = failed_conditions(&reasons);
                let unknown: Vec<&str> = failed
                    .iter()
                    .filter(|i| **i >= CREATE_FIRST_MEMBER)
                    .map(|i| users[i - CREATE_FIRST_MEMBER].as_str())
                    .collect();
                if failed.contains(&CREATE_ORGANIZATION_CHECK) {
                    Err(Missing::Organization(org).into())
                } else if !unknown.is_empty() {
                    Err(unknown_users(&unknown))
                } else if failed.contains(&CREATE_NAME_SENTINEL) {
                    Err(Conflict::TeamName(team.name.clone()).into())
                } else {
                    Err(StoreError::unexpected(format!(
                        "team create cancelled unexpectedly: {reasons:?}"
                    )))
                }
            }
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// An organization's teams, oldest first (GSI1).
    pub async fn teams(&self, org: OrgId) -> Result<Vec<Team>, StoreError> {
        self.query_gsi1(&keys::org_teams_gsi1pk(org))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Applies a patch to `team` (as read): one transaction that writes the team under the
    /// condition that it is unchanged since the read, moves the name sentinel when the
    /// name changes (frees the old name, claims the new one), and checks every owner and
    /// member it names.
    pub async fn update_team(
        &self,
        org: OrgId,
        team: &Team,
        patch: &TeamPatch,
        by_user: u64,
        now: Timestamp,
    ) -> Result<Team, StoreError> {
        let mut updated = team.clone();
        let stamp = now.micros();
        if let Some(name) = &patch.name {
            updated.name = name.as_str().to_string();
            updated.name_key = name.unique_key();
        }
        if let Some(status) = patch.status {
            if status.0 != team.status {
                updated.status = status.0;
                updated.status_updated_on = stamp.clone();
            }
        }
        if let Some(colors) = &patch.colors {
            updated.colors = colors.clone();
        }
        if let Some(owners) = &patch.owners {
            updated.owners = owners.clone();
        }
        if let Some(members) = &patch.members {
            updated.members = members.clone();
        }
        updated.updated_on = stamp;
        updated.updated_by = by_user.to_string();

        let mut users: Vec<&String> = patch
            .owners
            .iter()
            .flatten()
            .chain(patch.members.iter().flatten())
            .collect();
        users.sort();
        users.dedup();
        self.refuse_impossible_user_ids(org, &users).await?;
        let table = self.table_name();
        let unchanged = Put::builder()
            .table_name(table)
            .set_item(Some(team_item(&updated)))
            .condition_expression("updated_on = :seen")
            .expression_attribute_values(":seen", s(&team.updated_on))
            .build()
            .expect("item and table are set");
        let mut items = vec![TransactWriteItem::builder().put(unchanged).build()];
        debug_assert_eq!(items.len() - 1, UPDATE_TEAM);
        let renamed = updated.name_key != team.name_key;
        if renamed {
            debug_assert_eq!(items.len(), UPDATE_OLD_NAME);
            items.push(self.name_sentinel_delete(org, team));
            debug_assert_eq!(items.len(), UPDATE_NEW_NAME);
            items.push(put(
                table,
                name_sentinel(org, &updated.name_key, &team.id),
                Some(NEW_ITEM),
            ));
        }
        let first_check = items.len();
        for user in &users {
            items.push(self.member_check(org, member_id(user).expect("checked above")));
        }
        match self.transact(items).await {
            Ok(()) => Ok(updated),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed = failed_conditions(&reasons);
                let unknown: Vec<&str> = failed
                    .iter()
                    .filter(|i| **i >= first_check)
                    .map(|i| users[i - first_check].as_str())
                    .collect();
                if !unknown.is_empty() {
                    Err(unknown_users(&unknown))
                } else if renamed && failed.contains(&UPDATE_NEW_NAME) {
                    Err(Conflict::TeamName(updated.name.clone()).into())
                } else {
                    Err(Change::Team.into())
                }
            }
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// Deletes a team and its name sentinel in one transaction, freeing the name.
    pub async fn delete_team(&self, org: OrgId, team: &Team) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::team_sk(&team.id))))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("key and table are set");
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            self.name_sentinel_delete(org, team),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(_)) => Err(Missing::Team(team.id.clone()).into()),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// Deletes a team's name sentinel, if it is still this team's.
    fn name_sentinel_delete(&self, org: OrgId, team: &Team) -> TransactWriteItem {
        let delete = Delete::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::team_name_sk(&team.name_key))))
            .condition_expression("team_id = :id")
            .expression_attribute_values(":id", s(&team.id))
            .build()
            .expect("key and table are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    /// A check that a user is a member of `org`.
    pub(super) fn member_check(&self, org: OrgId, user_id: u64) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(self.table_name())
            .set_key(Some(key(keys::org_pk(org), &keys::member_sk(user_id))))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("key, table and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }

    /// Ids that cannot be user ids are refused before any write, in one error that also
    /// names the other ids that are not members (found with one BatchGetItem). Ids of the
    /// right form are checked inside the write transaction instead.
    async fn refuse_impossible_user_ids(&self, org: OrgId, users: &[&String]) -> Result<(), StoreError> {
        if users.iter().all(|u| member_id(u).is_some()) {
            return Ok(());
        }
        let known = self.members_among(org, users).await?;
        let unknown: Vec<&str> = users
            .iter()
            .filter(|u| !known.contains(u))
            .map(|u| u.as_str())
            .collect();
        Err(unknown_users(&unknown))
    }

    /// Which of `ids` are members of `org` (one BatchGetItem per 100 ids).
    async fn members_among(&self, org: OrgId, ids: &[&String]) -> Result<Vec<String>, StoreError> {
        let keys = ids
            .iter()
            .filter_map(|id| member_id(id))
            .map(|id| key(keys::org_pk(org), &keys::member_sk(id)))
            .collect();
        let found = self.batch_get(keys, "user_id", &[]).await?;
        found
            .into_iter()
            .map(|item| {
                #[derive(Deserialize)]
                struct Member {
                    user_id: u64,
                }
                from_item::<Member>(item).map(|m| m.user_id.to_string())
            })
            .collect()
    }

    /// A team of `org` by id; another organization's team is not found.
    pub async fn team(&self, org: OrgId, team_id: &str) -> Result<Option<Team>, StoreError> {
        self.get(keys::org_pk(org), &keys::team_sk(team_id))
            .await?
            .map(from_item)
            .transpose()
    }
}

fn unknown_users(ids: &[&str]) -> StoreError {
    Refusal::UnknownUsers(ids.iter().map(|id| id.to_string()).collect()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_are_canonical() {
        assert_eq!(member_id("12"), Some(12));
        for bad in ["", "012", "+12", "1.0", "abc", "63a1f65723aaf6bcb564b1f1"] {
            assert_eq!(member_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn object_ids_are_24_hex() {
        let id = object_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
