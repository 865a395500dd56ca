//! CustomerDesk persistence. All SQL lives in this crate.
//!
//! One [`Store`] trait, two backends (`sqlite`, `postgres`), each with its own migrations.
//! Portable SQL is written once (see `shared.rs`) and compiled against both drivers; dialect
//! differences (connection setup, tenant settings for row-level security, search) stay in the
//! backend modules.
//!
//! Every method that touches tenant data takes a [`TenantCtx`], which this crate only hands out
//! after authentication ([`Store::authenticate`], [`Store::issue_token`]) or to the operator CLI
//! ([`Store::operator_ctx`]); a handler cannot make one up.

mod ai;
mod jobs;
mod kb;
mod model;
mod postgres;
mod shared;
mod sla;
mod sla_sql;
mod sqlite;
mod ticket_sla;

use std::path::Path;
use std::sync::Arc;

pub use ai::{
    AiSettingsRecord, AiStore, KIND_ARTICLE, KIND_TICKET, QueueItem, SearchLogRecord, TicketAiRecord, TicketBrief, VectorRecord,
};
use async_trait::async_trait;
pub use jobs::{ClaimedJob, JobRun, JobStore};
pub use kb::{DEFAULT_CATEGORIES, KbStore};
pub use model::*;
pub use sla::{
    CompanyChange, ConfigKind, ConfigRecord, ConfigWrite, DueTicket, NotificationRecord, ResolutionSample, ScannedTicket,
    SlaStore, TenantSettings, Usage, UserSkill,
};
use uuid::Uuid;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Proof that the caller acts inside one tenant. Only this crate can build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantCtx {
    tenant_id: Uuid,
}

impl TenantCtx {
    fn new(tenant_id: Uuid) -> Self {
        Self { tenant_id }
    }

    /// The tenant this context is for.
    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

/// A signed-in user: their tenant, identity and permissions, as loaded with their token.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The tenant the user belongs to.
    pub ctx: TenantCtx,
    /// The tenant's slug.
    pub tenant_slug: String,
    /// The tenant's ticket number prefix.
    pub ticket_prefix: String,
    /// The user.
    pub user: UserRecord,
    /// Whether the user's role is a staff role.
    pub staff: bool,
    /// The permissions of the user's role.
    pub permissions: Vec<String>,
}

impl Principal {
    /// Whether the user's role grants `permission`.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// A user found by tenant and email at login, before the password is checked.
/// [`Store::issue_token`] consumes it; it cannot be made outside this crate.
#[derive(Debug)]
pub struct LoginCandidate {
    ctx: TenantCtx,
    /// The user's id.
    pub user_id: Uuid,
    /// The stored argon2 hash to verify the password against.
    pub password_hash: String,
}

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this tenant (or the caller may not see it).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a concurrent change refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A reference to a row that does not exist in this tenant.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// Text the database cannot store (a NUL character, say).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Anything else the database said.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        classify(e)
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the services need from persistence.
#[async_trait]
pub trait Store: KbStore + AiStore + SlaStore + JobStore + Send + Sync + 'static {
    /// The database behind this store.
    fn backend(&self) -> Backend;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> StoreResult<()>;

    /// Creates a tenant with its default roles; operator only.
    async fn create_tenant(&self, new: NewTenant, now: i64) -> StoreResult<(TenantRecord, TenantCtx)>;
    /// Looks a tenant up by slug (tenant rows themselves are not tenant data).
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<TenantRecord>>;
    /// All tenants; operator only.
    async fn list_tenants(&self) -> StoreResult<Vec<TenantRecord>>;
    /// A context for the operator CLI acting on a tenant; never called by request handlers.
    async fn operator_ctx(&self, slug: &str) -> StoreResult<Option<TenantCtx>>;

    /// Finds the active user with this email in an active tenant, for a password check.
    async fn find_login(&self, tenant_slug: &str, email: &str) -> StoreResult<Option<LoginCandidate>>;
    /// Stores a token (by its hash) for a candidate whose password was verified.
    async fn issue_token(&self, who: LoginCandidate, token_hash: &[u8], now: i64, expires_at: i64) -> StoreResult<Principal>;
    /// Resolves a bearer token's hash to its principal, if unexpired and unrevoked.
    async fn authenticate(&self, tenant_id: Uuid, token_hash: &[u8], now: i64) -> StoreResult<Option<Principal>>;
    /// Revokes a token.
    async fn revoke_token(&self, ctx: &TenantCtx, token_hash: &[u8], now: i64) -> StoreResult<()>;

    /// The tenant's roles with their permissions.
    async fn list_roles(&self, ctx: &TenantCtx) -> StoreResult<Vec<RoleRecord>>;
    /// Replaces a role's permissions.
    async fn set_role_permissions(&self, ctx: &TenantCtx, role_id: Uuid, permissions: &[String]) -> StoreResult<RoleRecord>;

    /// Creates a user; the role is given by name.
    async fn create_user(&self, ctx: &TenantCtx, new: NewUser, now: i64) -> StoreResult<UserRecord>;
    /// One user.
    async fn get_user(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<UserRecord>;
    /// Users, newest first.
    async fn list_users(&self, ctx: &TenantCtx, page: Page) -> StoreResult<Vec<UserRecord>>;
    /// The users of the tenant among `ids` (unknown ids are left out), in one query.
    async fn users_by_ids(&self, ctx: &TenantCtx, ids: &[Uuid]) -> StoreResult<Vec<UserRecord>>;
    /// Replaces a user's password hash and revokes their tokens.
    async fn set_password(&self, ctx: &TenantCtx, id: Uuid, password_hash: &str, now: i64) -> StoreResult<()>;

    /// Changes a user's name, role and/or active flag; deactivating revokes their tokens.
    async fn update_user(&self, ctx: &TenantCtx, id: Uuid, change: UserChange, now: i64) -> StoreResult<UserRecord>;

    /// Creates a customer company.
    async fn create_company(&self, ctx: &TenantCtx, new: NewCompany, now: i64) -> StoreResult<CompanyRecord>;
    /// One company.
    async fn get_company(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<CompanyRecord>;
    /// Companies by name.
    async fn list_companies(&self, ctx: &TenantCtx, page: Page) -> StoreResult<Vec<CompanyRecord>>;

    /// Creates a group of agents.
    async fn create_group(&self, ctx: &TenantCtx, name: &str, now: i64) -> StoreResult<GroupRecord>;
    /// One group with its members.
    async fn get_group(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<GroupRecord>;
    /// Groups by name, with members.
    async fn list_groups(&self, ctx: &TenantCtx) -> StoreResult<Vec<GroupRecord>>;
    /// Adds a staff user to a group (idempotent).
    async fn add_group_member(&self, ctx: &TenantCtx, group_id: Uuid, user_id: Uuid) -> StoreResult<GroupRecord>;

    /// Creates tickets, each with the next number of its tenant, in one transaction (one
    /// commit, one fsync): all or none.
    async fn create_tickets(&self, batch: &[(TenantCtx, NewTicket)], now: i64) -> StoreResult<Vec<TicketRecord>>;
    /// One ticket, if the scope lets the caller see it.
    async fn get_ticket(&self, ctx: &TenantCtx, scope: &TicketScope, id: Uuid) -> StoreResult<TicketRecord>;
    /// Tickets in the scope matching the query, in its order, keyset-paginated.
    async fn list_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, query: &TicketQuery) -> StoreResult<Vec<TicketRecord>>;
    /// How many tickets in the scope match each query, each counted up to `cap` (a list badge
    /// shows "999+" rather than scanning a million rows).
    async fn count_tickets(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        queries: &[TicketQuery],
        cap: i64,
    ) -> StoreResult<Vec<i64>>;
    /// Tickets in the scope whose subject, description or public replies hold all the words,
    /// best match first, with a highlighted snippet.
    async fn search_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, search: &TicketSearch) -> StoreResult<Vec<SearchHit>>;
    /// Stores a file on a ticket the scope lets the caller see.
    async fn add_attachment(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        new: NewAttachment,
        now: i64,
    ) -> StoreResult<AttachmentRecord>;
    /// A ticket's attachments; internal ones only if asked for.
    async fn list_attachments(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        ticket_id: Uuid,
        include_internal: bool,
    ) -> StoreResult<Vec<AttachmentRecord>>;
    /// One attachment with its bytes, if its ticket is in scope (and it is public, unless asked for internal ones).
    async fn get_attachment(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        id: Uuid,
        include_internal: bool,
    ) -> StoreResult<(AttachmentRecord, Vec<u8>)>;
    /// Applies a change (and optional comment) atomically, recording history; refuses with
    /// `Conflict` if the status is no longer `expect_status`.
    async fn change_ticket(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        change: TicketChange,
    ) -> StoreResult<(TicketRecord, Option<CommentRecord>)>;
    /// Marks `source` a duplicate and leaves `note` on the target, atomically, with both rows
    /// locked; `Conflict` if the target has been merged meanwhile.
    async fn merge_tickets(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        source: TicketChange,
        note: TicketChange,
    ) -> StoreResult<TicketRecord>;
    /// Comments of a ticket in order; internal notes only if asked for.
    async fn list_comments(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        ticket_id: Uuid,
        include_internal: bool,
    ) -> StoreResult<Vec<CommentRecord>>;
    /// The ticket's history in order.
    async fn list_events(
        &self,
        ctx: &TenantCtx,
        scope: &TicketScope,
        ticket_id: Uuid,
        include_internal: bool,
    ) -> StoreResult<Vec<EventRecord>>;
}

/// Opens the store named by `database_url`, or SQLite in `data_dir` when it is `None`,
/// and applies migrations.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> StoreResult<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Arc::new(PgStore::connect(url).await?),
        Some(url) if url.starts_with("sqlite:") => Arc::new(SqliteStore::open_url(url).await?),
        Some(url) => {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                format!("unsupported DATABASE_URL scheme: {}", url.split(':').next().unwrap_or_default()).into(),
            )));
        }
        None => Arc::new(SqliteStore::open_dir(data_dir).await?),
    };
    Ok(store)
}

/// Maps a database error onto the store's vocabulary: unique violations are conflicts,
/// foreign-key violations are invalid references.
fn classify(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                return StoreError::Conflict(unique_message(db.message()));
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => {
                return StoreError::InvalidReference("a referenced record does not exist".into());
            }
            _ => {}
        }
        // PostgreSQL: character_not_in_repertoire (a NUL in text), untranslatable_character.
        if matches!(db.code().as_deref(), Some("22021" | "22P05")) {
            return StoreError::InvalidInput("text must not contain NUL or unencodable characters".into());
        }
    }
    if matches!(e, sqlx::Error::RowNotFound) {
        return StoreError::NotFound;
    }
    StoreError::Database(e)
}

fn unique_message(raw: &str) -> String {
    for (needle, what) in [
        ("slug", "a tenant with this slug already exists"),
        ("email", "a user with this email already exists"),
        ("companies", "a company with this name already exists"),
        ("groups", "a group with this name already exists"),
    ] {
        if raw.contains(needle) {
            return what.into();
        }
    }
    "this record already exists".into()
}

/// The role the PostgreSQL backend runs its queries as when connected as a superuser.
pub fn postgres_app_role() -> &'static str {
    postgres::APP_ROLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_messages_name_the_thing() {
        assert_eq!(
            unique_message("UNIQUE constraint failed: users.tenant_id, users.email"),
            "a user with this email already exists"
        );
        assert_eq!(
            unique_message("duplicate key value violates unique constraint \"tenants_slug_key\""),
            "a tenant with this slug already exists"
        );
    }
}
