//! SmartSuite's solutions made through `POST /solutions/` (`domain::solution`): one item
//! each in the organization's partition (`ORG#<org>`, `SOLUTION#<id>`), listed by a Query of
//! that prefix. The default solution has no item. A create moves the organization's
//! `solution_count` in its transaction, which caps them at [`MAX_SOLUTIONS`] (and makes
//! nothing for an organization that is gone). A solution is never deleted, so a table that
//! names one (`Table::solution_id`) keeps naming a solution; the organization's purge takes
//! them with the rest of its partition.

use super::item::{from_item, org_count_move, put, ItemKeys, NEW_ITEM};
use super::teams::object_id;
use super::{keys, Refusal, Store, StoreError, TransactFailure};
use crate::domain::organization::OrgId;
use crate::domain::solution::{NewSolution, Solution, SolutionId};
use crate::time::Timestamp;

/// The most solutions a workspace makes (besides its default one).
pub const MAX_SOLUTIONS: u64 = 100;

impl Store {
    /// Stores a new solution of `org`, made by `by_user`; 404 if the organization is gone,
    /// 400 if it made [`MAX_SOLUTIONS`] already.
    pub async fn create_solution(
        &self,
        org: OrgId,
        by_user: u64,
        new: &NewSolution,
        now: Timestamp,
    ) -> Result<Solution, StoreError> {
        let solution = Solution {
            id: object_id(),
            org_id: org.0,
            name: new.name.clone(),
            logo_icon: new.logo_icon.clone(),
            logo_color: new.logo_color.to_string(),
            created_at: now.micros(),
            created_by: by_user,
        };
        let item = ItemKeys::new(keys::org_pk(org), keys::solution_sk(&solution.id)).item(&solution);
        let items = vec![
            org_count_move(self.table_name(), org, "solution_count", 1, MAX_SOLUTIONS),
            put(self.table_name(), item, Some(NEW_ITEM)),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(solution),
            Err(TransactFailure::Cancelled(_)) => Err(self
                .gone_or_full(org, Refusal::TooManySolutions { max: MAX_SOLUTIONS })
                .await),
            Err(TransactFailure::Store(e)) => Err(e),
        }
    }

    /// A solution of `org` made through `POST /solutions/` (not the default one).
    pub async fn solution(&self, org: OrgId, id: &SolutionId) -> Result<Option<Solution>, StoreError> {
        self.get(keys::org_pk(org), &keys::solution_sk(id.as_str()))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Every solution of `org` made through `POST /solutions/`, oldest first.
    pub async fn solutions(&self, org: OrgId) -> Result<Vec<Solution>, StoreError> {
        let mut solutions: Vec<Solution> = self
            .query_prefix(&keys::org_pk(org), keys::SOLUTION_PREFIX)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        solutions.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(solutions)
    }
}
