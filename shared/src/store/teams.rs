//! Teams: one item in the organization's partition, plus a sentinel for its normalised
//! name. Owners and members are checked to be members of the organization by
//! ConditionChecks inside the same transaction.

use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{from_item, key, put, to_item, Store, TransactFailure, CONDITION_FAILED, NEW_ITEM};
use crate::domain::organization::OrgId;
use crate::domain::team::{Color, NewTeam};
use crate::error::ApiError;
use crate::store::keys;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub id: String,
    pub org_id: u64,
    pub name: String,
    /// The normalised name, whose sentinel makes names unique per organization.
    pub name_key: String,
    pub status: u8,
    pub status_updated_on: String,
    pub colors: Vec<Color>,
    pub owners: Vec<String>,
    pub members: Vec<String>,
    pub created_on: String,
    pub created_by: String,
    pub updated_on: String,
    pub updated_by: String,
    pub ranking: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TeamNameSentinel {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    team_id: String,
}

/// A SmartSuite-style id: 24 hex digits (12 random bytes).
fn object_id() -> String {
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
    ) -> Result<TeamItem, ApiError> {
        let mut users: Vec<&String> = new.owners.iter().chain(&new.members).collect();
        users.sort();
        users.dedup();
        if users.iter().any(|u| member_id(u).is_none()) {
            // Ids that cannot be user ids: name them, and any other unknown ones, in one error.
            let known = self.members_among(org, &users).await?;
            let unknown: Vec<&str> = users
                .iter()
                .filter(|u| !known.contains(u))
                .map(|u| u.as_str())
                .collect();
            return Err(unknown_users(&unknown));
        }
        let id = object_id();
        let stamp = now.micros();
        let team = TeamItem {
            pk: keys::org_pk(org),
            sk: keys::team_sk(&id),
            gsi1pk: keys::org_teams_gsi1pk(org),
            gsi1sk: format!("{stamp}#{id}"),
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
        let sentinel = TeamNameSentinel {
            pk: keys::org_pk(org),
            sk: keys::team_name_sk(&team.name_key),
            team_id: id,
        };
        let mut items = vec![
            put(self.table_name(), to_item(&team), Some(NEW_ITEM)),
            put(self.table_name(), to_item(&sentinel), Some(NEW_ITEM)),
        ];
        for user in &users {
            let check = ConditionCheck::builder()
                .table_name(self.table_name())
                .set_key(Some(key(
                    keys::org_pk(org),
                    &keys::member_sk(member_id(user).expect("checked above")),
                )))
                .condition_expression("attribute_exists(PK)")
                .build()
                .expect("key, table and condition are set");
            items.push(TransactWriteItem::builder().condition_check(check).build());
        }
        match self.transact(items).await {
            Ok(()) => Ok(team),
            Err(TransactFailure::Cancelled(reasons)) => {
                let failed: Vec<usize> = (0..reasons.len())
                    .filter(|i| reasons[*i].code() == Some(CONDITION_FAILED))
                    .collect();
                let unknown: Vec<&str> = failed
                    .iter()
                    .filter(|i| **i >= 2)
                    .map(|i| users[i - 2].as_str())
                    .collect();
                if !unknown.is_empty() {
                    Err(unknown_users(&unknown))
                } else if failed.contains(&1) {
                    Err(ApiError::uniqueness_conflict(format!(
                        "A team named \"{}\" already exists in this account",
                        team.name
                    )))
                } else {
                    Err(ApiError::internal().with_detail(format!("team create cancelled unexpectedly: {reasons:?}")))
                }
            }
            Err(TransactFailure::Api(e)) => Err(e),
        }
    }

    /// Which of `ids` are members of `org` (one BatchGetItem per 100 ids).
    async fn members_among(&self, org: OrgId, ids: &[&String]) -> Result<Vec<String>, ApiError> {
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
    pub async fn team(&self, org: OrgId, team_id: &str) -> Result<Option<TeamItem>, ApiError> {
        self.get(keys::org_pk(org), &keys::team_sk(team_id))
            .await?
            .map(from_item)
            .transpose()
    }
}

fn unknown_users(ids: &[&str]) -> ApiError {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    ApiError::validation(format!(
        "`owners`/`members` name users who are not members of this account: {}",
        quoted.join(", ")
    ))
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
