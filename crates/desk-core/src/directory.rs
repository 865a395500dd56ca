//! Users, roles, customer companies and agent groups.

use desk_domain::permissions::{self as perm, is_known};
use desk_domain::validate::Errors;
use desk_store::{CompanyRecord, GroupRecord, NewCompany, NewUser, Page, Principal, RoleRecord, UserChange, UserRecord};
use uuid::Uuid;

use crate::auth::hash_password_async;
use crate::{CoreError, CoreResult, Desk, now_ms, require};

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub password: String,
    pub company_id: Option<Uuid>,
}

/// Input for a new company.
#[derive(Debug, Clone)]
pub struct NewCompanyInput {
    pub name: String,
    pub domain: Option<String>,
}

/// Whether the principal may give a role: each of its permissions must be one they hold
/// themselves or one the default customer roles have, so `users:manage` alone can add
/// customers but cannot make an admin.
fn grantable(p: &Principal, role: &RoleRecord) -> bool {
    let customer_side = |x: &str| perm::DEFAULT_ROLES.iter().filter(|r| !r.staff).any(|r| r.permissions.contains(&x));
    role.permissions.iter().all(|x| p.can(x) || customer_side(x))
}

/// A change to a user: only the fields set change.
#[derive(Debug, Clone, Default)]
pub struct UserPatchInput {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    /// Whether automatic assignment may give them tickets.
    pub available: Option<bool>,
}

impl Desk {
    /// Creates a user in the caller's tenant. Customer roles may belong to a company; staff may not.
    pub async fn create_user(&self, p: &Principal, input: NewUserInput) -> CoreResult<UserRecord> {
        require(p, perm::USERS_MANAGE)?;
        let mut e = Errors::default();
        e.email("email", input.email.trim());
        e.password("password", &input.password);
        let name = input.name.clone().unwrap_or_else(|| input.email.split('@').next().unwrap_or_default().to_owned());
        e.text("name", &name, 200);
        let roles = self.store.list_roles(&p.ctx).await?;
        match roles.iter().find(|r| r.name == input.role) {
            None => {
                e.add(
                    "role",
                    format!("must be one of: {}", roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")),
                );
            }
            Some(r) if r.staff && input.company_id.is_some() => {
                e.add("company_id", "staff users do not belong to a customer company");
            }
            Some(r) if !grantable(p, r) => {
                return Err(CoreError::Forbidden("you can only give roles whose permissions you have yourself".into()));
            }
            Some(_) => {}
        }
        if let Some(company) = input.company_id
            && matches!(self.store.get_company(&p.ctx, company).await, Err(desk_store::StoreError::NotFound))
        {
            e.add("company_id", "no such company");
        }
        e.finish()?;
        let password_hash = hash_password_async(input.password).await?;
        let new = NewUser {
            email: input.email.trim().to_owned(),
            name: name.trim().to_owned(),
            role: input.role,
            password_hash,
            company_id: input.company_id,
        };
        Ok(self.store.create_user(&p.ctx, new, now_ms()).await?)
    }

    /// Changes a user's name, role or active flag. Admins cannot demote or deactivate
    /// themselves (the tenant would lose its last way back in); a staff role cannot go to a
    /// user of a customer company.
    pub async fn update_user(&self, p: &Principal, id: Uuid, input: UserPatchInput) -> CoreResult<UserRecord> {
        require(p, perm::USERS_MANAGE)?;
        let current = self.store.get_user(&p.ctx, id).await?;
        let mut e = Errors::default();
        if let Some(name) = &input.name {
            e.text("name", name, 200);
        }
        if let Some(role) = &input.role {
            let roles = self.store.list_roles(&p.ctx).await?;
            match roles.iter().find(|r| &r.name == role) {
                None => e.add(
                    "role",
                    format!("must be one of: {}", roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")),
                ),
                Some(r) if r.staff && current.company_id.is_some() => {
                    e.add("role", "a user of a customer company cannot have a staff role");
                }
                Some(r) if !grantable(p, r) => {
                    return Err(CoreError::Forbidden("you can only give roles whose permissions you have yourself".into()));
                }
                Some(_) => {}
            }
        }
        e.finish()?;
        let demotes = input.role.as_ref().is_some_and(|r| *r != current.role);
        if id == p.user.id && (demotes || input.active == Some(false)) {
            return Err(CoreError::NotAllowed("you cannot change your own role or deactivate yourself".into()));
        }
        // The tenant keeps at least one active user who can manage roles, so it can never lock
        // itself out (two admins demoting each other included).
        let roles = self.store.list_roles(&p.ctx).await?;
        let manages = |role: &str| roles.iter().any(|r| r.name == role && r.permissions.iter().any(|x| x == perm::ROLES_MANAGE));
        let keeps_managing =
            current.active && input.active != Some(false) && input.role.as_deref().map_or(manages(&current.role), &manages);
        if manages(&current.role) && current.active && !keeps_managing {
            let mut others = 0;
            for offset in (0..).step_by(500) {
                let batch = self.store.list_users(&p.ctx, Page { limit: 500, offset }).await?;
                others += batch.iter().filter(|u| u.id != id && u.active && manages(&u.role)).count();
                if others > 0 || batch.len() < 500 {
                    break;
                }
            }
            if others == 0 {
                return Err(CoreError::NotAllowed("this is the last active user who can manage roles".into()));
            }
        }
        let change = UserChange {
            name: input.name.map(|n| n.trim().to_owned()),
            role: input.role,
            active: input.active,
            available: input.available,
        };
        Ok(self.store.update_user(&p.ctx, id, change, now_ms()).await?)
    }

    /// Lists users.
    pub async fn list_users(&self, p: &Principal, page: Page) -> CoreResult<Vec<UserRecord>> {
        require(p, perm::USERS_READ)?;
        Ok(self.store.list_users(&p.ctx, page).await?)
    }

    /// One user.
    pub async fn get_user(&self, p: &Principal, id: Uuid) -> CoreResult<UserRecord> {
        require(p, perm::USERS_READ)?;
        Ok(self.store.get_user(&p.ctx, id).await?)
    }

    /// The tenant's roles.
    pub async fn list_roles(&self, p: &Principal) -> CoreResult<Vec<RoleRecord>> {
        require(p, perm::ROLES_READ)?;
        Ok(self.store.list_roles(&p.ctx).await?)
    }

    /// Replaces a role's permissions. An admin cannot remove `roles:manage` from their own role,
    /// which would lock every admin out of role editing.
    pub async fn set_role_permissions(
        &self,
        p: &Principal,
        role_id: Uuid,
        mut permissions: Vec<String>,
    ) -> CoreResult<RoleRecord> {
        require(p, perm::ROLES_MANAGE)?;
        permissions.sort();
        permissions.dedup();
        let unknown: Vec<&str> = permissions.iter().map(String::as_str).filter(|x| !is_known(x)).collect();
        if !unknown.is_empty() {
            return Err(CoreError::field("permissions", &format!("unknown permissions: {}", unknown.join(", "))));
        }
        let roles = self.store.list_roles(&p.ctx).await?;
        let role = roles.iter().find(|r| r.id == role_id).ok_or(CoreError::NotFound)?;
        if role.name == p.user.role && !permissions.iter().any(|x| x == perm::ROLES_MANAGE) {
            return Err(CoreError::field("permissions", "you cannot remove roles:manage from your own role"));
        }
        Ok(self.store.set_role_permissions(&p.ctx, role_id, &permissions).await?)
    }

    /// Creates a customer company.
    pub async fn create_company(&self, p: &Principal, input: NewCompanyInput) -> CoreResult<CompanyRecord> {
        require(p, perm::COMPANIES_MANAGE)?;
        let mut e = Errors::default();
        e.text("name", &input.name, 200);
        if let Some(d) = &input.domain {
            e.text("domain", d, 253);
        }
        e.finish()?;
        let new = NewCompany { name: input.name.trim().to_owned(), domain: input.domain.map(|d| d.trim().to_lowercase()) };
        Ok(self.store.create_company(&p.ctx, new, now_ms()).await?)
    }

    /// Lists companies.
    pub async fn list_companies(&self, p: &Principal, page: Page) -> CoreResult<Vec<CompanyRecord>> {
        require(p, perm::COMPANIES_READ)?;
        Ok(self.store.list_companies(&p.ctx, page).await?)
    }

    /// One company.
    pub async fn get_company(&self, p: &Principal, id: Uuid) -> CoreResult<CompanyRecord> {
        require(p, perm::COMPANIES_READ)?;
        Ok(self.store.get_company(&p.ctx, id).await?)
    }

    /// Creates a group.
    pub async fn create_group(&self, p: &Principal, name: &str) -> CoreResult<GroupRecord> {
        require(p, perm::GROUPS_MANAGE)?;
        let mut e = Errors::default();
        e.text("name", name, 100);
        e.finish()?;
        Ok(self.store.create_group(&p.ctx, name.trim(), now_ms()).await?)
    }

    /// Lists groups with their members.
    pub async fn list_groups(&self, p: &Principal) -> CoreResult<Vec<GroupRecord>> {
        require(p, perm::GROUPS_READ)?;
        Ok(self.store.list_groups(&p.ctx).await?)
    }

    /// One group.
    pub async fn get_group(&self, p: &Principal, id: Uuid) -> CoreResult<GroupRecord> {
        require(p, perm::GROUPS_READ)?;
        Ok(self.store.get_group(&p.ctx, id).await?)
    }

    /// Adds a staff user to a group.
    pub async fn add_group_member(&self, p: &Principal, group_id: Uuid, user_id: Uuid) -> CoreResult<GroupRecord> {
        require(p, perm::GROUPS_MANAGE)?;
        let group = self.store.get_group(&p.ctx, group_id).await?;
        match self.store.get_user(&p.ctx, user_id).await {
            Ok(u) if u.staff => {}
            Ok(_) => {
                return Err(CoreError::field("user_id", "only staff users can join a group"));
            }
            Err(desk_store::StoreError::NotFound) => {
                return Err(CoreError::field("user_id", "no such user"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(self.store.add_group_member(&p.ctx, group.id, user_id).await?)
    }
}

impl Desk {
    /// Creates a user as the operator (CLI), without a signed-in principal.
    pub async fn operator_create_user(&self, tenant_slug: &str, input: NewUserInput) -> CoreResult<UserRecord> {
        let ctx = self.store.operator_ctx(tenant_slug).await?.ok_or_else(|| CoreError::field("tenant", "no such tenant"))?;
        let mut e = Errors::default();
        e.email("email", input.email.trim());
        e.password("password", &input.password);
        let roles = self.store.list_roles(&ctx).await?;
        if !roles.iter().any(|r| r.name == input.role) {
            e.add("role", format!("must be one of: {}", roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")));
        }
        e.finish()?;
        let name = input.name.unwrap_or_else(|| input.email.split('@').next().unwrap_or_default().to_owned());
        let password_hash = hash_password_async(input.password).await?;
        let new =
            NewUser { email: input.email.trim().to_owned(), name, role: input.role, password_hash, company_id: input.company_id };
        Ok(self.store.create_user(&ctx, new, now_ms()).await?)
    }
}
