//! What Answering Agent's endpoint files share: its user object, which organizations
//! embed and the users endpoints answer with.

use serde::Serialize;

use crate::domain::user::UserWithOrgs;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserBody {
    pub id: u64,
    pub external_id: String,
    pub email: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub organizations: Vec<UserOrganizationBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserOrganizationBody {
    pub id: u64,
    pub name: String,
    pub role: crate::domain::user::Role,
}

impl UserBody {
    pub fn new(user: &UserWithOrgs) -> Self {
        let u = &user.user;
        Self {
            id: u.id,
            external_id: u.external_id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            created_at: u.created_at.clone(),
            updated_at: u.updated_at.clone(),
            organizations: user
                .organizations
                .iter()
                .map(|m| UserOrganizationBody {
                    id: m.org_id,
                    name: m.name.clone(),
                    role: m.role,
                })
                .collect(),
        }
    }
}
