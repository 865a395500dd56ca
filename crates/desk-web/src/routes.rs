//! The route table: one entry per endpoint with its permission, documentation and an example
//! body. The router, the OpenAPI document and the isolation and permission tests are all
//! generated from it, so a new endpoint cannot miss its guard, its docs or its tests.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use desk_core::CoreError;
use desk_core::{
    AiSettings, AiStatus, Answer, ArticleDraft, Classification, KnowledgeGap, RelatedArticle, ReplyDraft, SimilarTicket,
    SuggestedAssignee, Summary, TicketClassification,
};
use desk_domain::permissions::{self as perm, Permission};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::kb::{
    self as kbapi, Article, Category, CreateArticle, CreateCategory, Diff, LinkArticle, ModerateQuestion, Question, Restore,
    TextBody, UpdateArticle, Version, Vote,
};
use crate::api::{ai, attachments, auth, directory, ops, tickets};
use crate::dto::{
    AddMember, Attachment, BulkResults, BulkUpdate, ChangePassword, Comment, Company, CreateComment, CreateCompany, CreateGroup,
    CreateTicket, CreateUser, Group, HistoryEntry, Items, LoginRequest, LoginResponse, Me, Merge, PatchTicket, Rate, Role,
    Ticket, TicketPage, UpdateRole, UpdateUser, UploadForm, User,
};
use crate::error::AppError;
use crate::extract::bearer;

/// Produces the JSON schema of a type.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// One endpoint.
pub struct RouteDef {
    /// HTTP method.
    pub method: Method,
    /// Path template with `{id}` parameters.
    pub path: &'static str,
    /// The permission checked before the handler runs; `None` for public endpoints.
    pub permission: Option<Permission>,
    /// One line for the docs.
    pub summary: &'static str,
    /// OpenAPI tag.
    pub tag: &'static str,
    /// What `{id}` names (ticket, user, company, group, role), for the isolation tests.
    pub resource: Option<&'static str>,
    /// The request body's schema.
    pub request: Option<SchemaFn>,
    /// The success status and its body's schema.
    pub response: (u16, Option<SchemaFn>),
    /// A valid request body, for the docs and the generated tests. `{user_id}` and
    /// `{ticket_id}` stand for a user and a ticket of the caller's own tenant.
    pub example: Option<Value>,
    /// The body is a multipart form (its schema is `request`).
    pub multipart: bool,
    handler: MethodRouter<AppState>,
}

impl RouteDef {
    fn new(
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        summary: &'static str,
        tag: &'static str,
    ) -> Self {
        let resource = path.contains("{id}").then_some(match tag {
            "tickets" => "ticket",
            "users" => "user",
            "companies" => "company",
            "groups" => "group",
            "roles" => "role",
            "attachments" => "attachment",
            "calendars" => "calendar",
            "sla-policies" => "sla_policy",
            "routing-rules" => "routing_rule",
            "escalation-rules" => "escalation_rule",
            "skills" => "skill",
            "kb" if path.contains("/questions/") => "question",
            "kb" if path.contains("/categories/") => "category",
            "kb" => "article",
            _ => "unknown",
        });
        Self {
            method,
            path,
            permission: None,
            summary,
            tag,
            resource,
            request: None,
            response: (200, None),
            example: None,
            multipart: false,
            handler,
        }
    }

    fn perm(mut self, p: Permission) -> Self {
        self.permission = Some(p);
        self
    }

    fn req<T: JsonSchema>(mut self, example: Value) -> Self {
        self.request = Some(schema::<T>);
        self.example = Some(example);
        self
    }

    fn multipart<T: JsonSchema>(mut self) -> Self {
        self.request = Some(schema::<T>);
        self.multipart = true;
        self
    }

    fn res<T: JsonSchema>(mut self, status: u16) -> Self {
        self.response = (status, Some(schema::<T>));
        self
    }

    fn no_content(mut self) -> Self {
        self.response = (204, None);
        self
    }

    /// The handler, wrapped in its permission guard.
    pub(crate) fn into_method_router(self, state: &AppState) -> MethodRouter<AppState> {
        match self.permission {
            Some(p) => self.handler.layer(axum::middleware::from_fn_with_state((state.clone(), p), guard)),
            None => self.handler,
        }
    }
}

/// Authenticates the bearer token, checks the route's permission, and hands the principal to
/// the handler. 401 without a valid token; 403 when the role lacks the permission.
async fn guard(State((state, permission)): State<(AppState, Permission)>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(req.headers()) else {
        return AppError::from(CoreError::Unauthorized).into_response();
    };
    let principal = match state.desk.authenticate(token).await {
        Ok(p) => p,
        Err(e) => return AppError::from(e).into_response(),
    };
    let span = tracing::Span::current();
    span.record("tenant.id", tracing::field::display(principal.ctx.tenant_id()));
    span.record("user.id", tracing::field::display(principal.user.id));
    if !principal.can(permission) {
        return AppError::from(CoreError::Forbidden(format!("this needs the permission {permission}"))).into_response();
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

mod sla;

/// Every endpoint of the server.
pub fn routes() -> Vec<RouteDef> {
    let mut all = core_routes();
    all.extend(sla::routes());
    all
}

fn core_routes() -> Vec<RouteDef> {
    use Method as M;
    vec![
        RouteDef::new(M::GET, "/healthz", get(ops::health), "Server and database health", "ops").res::<ops::Health>(200),
        RouteDef::new(M::GET, "/metrics", get(ops::metrics), "Prometheus metrics", "ops"),
        RouteDef::new(M::GET, "/api/v1/openapi.json", get(ops::openapi), "This document", "ops"),
        RouteDef::new(M::POST, "/api/v1/auth/login", post(auth::login), "Sign in; returns a bearer token", "auth")
            .req::<LoginRequest>(json!({"tenant": "acme", "email": "admin@acme.example", "password": "correct-horse-battery-9"}))
            .res::<LoginResponse>(200),
        RouteDef::new(M::POST, "/api/v1/auth/logout", post(auth::logout), "Revoke this token", "auth")
            .perm(perm::PROFILE_READ)
            .no_content(),
        RouteDef::new(M::GET, "/api/v1/me", get(auth::me), "The caller and their permissions", "auth")
            .perm(perm::PROFILE_READ)
            .res::<Me>(200),
        RouteDef::new(M::POST, "/api/v1/me/password", post(auth::change_password), "Change one's password", "auth")
            .perm(perm::PROFILE_READ)
            .req::<ChangePassword>(json!({"current_password": "wrong-password-000", "new_password": "another-long-password"}))
            .no_content(),
        RouteDef::new(M::GET, "/api/v1/roles", get(directory::list_roles), "Roles and their permissions", "roles")
            .perm(perm::ROLES_READ)
            .res::<Items<Role>>(200),
        RouteDef::new(M::PATCH, "/api/v1/roles/{id}", patch(directory::update_role), "Replace a role's permissions", "roles")
            .perm(perm::ROLES_MANAGE)
            .req::<UpdateRole>(json!({"permissions": ["tickets:read", "profile:read"]}))
            .res::<Role>(200),
        RouteDef::new(M::POST, "/api/v1/users", post(directory::create_user), "Create a user", "users")
            .perm(perm::USERS_MANAGE)
            .req::<CreateUser>(
                json!({"email": "new.agent@example.com", "name": "New Agent", "role": "agent", "password": "a-long-password-1"}),
            )
            .res::<User>(201),
        RouteDef::new(M::GET, "/api/v1/users", get(directory::list_users), "List users", "users")
            .perm(perm::USERS_READ)
            .res::<Items<User>>(200),
        RouteDef::new(M::GET, "/api/v1/users/{id}", get(directory::get_user), "One user", "users")
            .perm(perm::USERS_READ)
            .res::<User>(200),
        RouteDef::new(M::PATCH, "/api/v1/users/{id}", patch(directory::update_user), "Rename a user, change their role or (de)activate them", "users")
            .perm(perm::USERS_MANAGE)
            .req::<UpdateUser>(json!({"name": "Renamed User"}))
            .res::<User>(200),
        RouteDef::new(M::POST, "/api/v1/companies", post(directory::create_company), "Create a customer company", "companies")
            .perm(perm::COMPANIES_MANAGE)
            .req::<CreateCompany>(json!({"name": "Initech", "domain": "initech.example"}))
            .res::<Company>(201),
        RouteDef::new(M::GET, "/api/v1/companies", get(directory::list_companies), "List customer companies", "companies")
            .perm(perm::COMPANIES_READ)
            .res::<Items<Company>>(200),
        RouteDef::new(M::GET, "/api/v1/companies/{id}", get(directory::get_company), "One customer company", "companies")
            .perm(perm::COMPANIES_READ)
            .res::<Company>(200),
        RouteDef::new(M::POST, "/api/v1/groups", post(directory::create_group), "Create a group of agents", "groups")
            .perm(perm::GROUPS_MANAGE)
            .req::<CreateGroup>(json!({"name": "Second line"}))
            .res::<Group>(201),
        RouteDef::new(M::GET, "/api/v1/groups", get(directory::list_groups), "List groups", "groups")
            .perm(perm::GROUPS_READ)
            .res::<Items<Group>>(200),
        RouteDef::new(M::GET, "/api/v1/groups/{id}", get(directory::get_group), "One group", "groups")
            .perm(perm::GROUPS_READ)
            .res::<Group>(200),
        RouteDef::new(M::POST, "/api/v1/groups/{id}/members", post(directory::add_member), "Add an agent to a group", "groups")
            .perm(perm::GROUPS_MANAGE)
            .req::<AddMember>(json!({"user_id": "{user_id}"}))
            .res::<Group>(200),
        RouteDef::new(M::POST, "/api/v1/tickets", post(tickets::create), "Open a ticket", "tickets")
            .perm(perm::TICKETS_CREATE)
            .req::<CreateTicket>(
                json!({"subject": "Printer offline", "description": "The label printer shows error E-42.", "priority": "high"}),
            )
            .res::<Ticket>(201),
        RouteDef::new(M::GET, "/api/v1/tickets", get(tickets::list), "List tickets the caller may see", "tickets")
            .perm(perm::TICKETS_READ)
            .res::<TicketPage>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}", get(tickets::get), "One ticket", "tickets")
            .perm(perm::TICKETS_READ)
            .res::<Ticket>(200),
        RouteDef::new(M::PATCH, "/api/v1/tickets/{id}", patch(tickets::update), "Change a ticket's fields or status", "tickets")
            .perm(perm::TICKETS_UPDATE)
            .req::<PatchTicket>(json!({"status": "resolved"}))
            .res::<Ticket>(200),
        RouteDef::new(
            M::POST,
            "/api/v1/tickets/{id}/comments",
            post(tickets::comment),
            "Reply or add an internal note",
            "tickets",
        )
        .perm(perm::TICKETS_COMMENT)
        .req::<CreateComment>(json!({"body": "Could you send a photo of the display?", "internal": false}))
        .res::<Comment>(201),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/comments", get(tickets::comments), "The conversation", "tickets")
            .perm(perm::TICKETS_READ)
            .res::<Items<Comment>>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/bulk", post(tickets::bulk), "Change many tickets at once", "tickets")
            .perm(perm::TICKETS_MANAGE)
            .req::<BulkUpdate>(json!({"ids": [], "changes": {"priority": "high"}}))
            .res::<BulkResults>(200),
        RouteDef::new(
            M::POST,
            "/api/v1/tickets/{id}/rating",
            post(tickets::rate),
            "Rate a resolved ticket (its customer, once)",
            "tickets",
        )
        .perm(perm::TICKETS_RATE)
        .req::<Rate>(json!({"score": 5, "comment": "Quick and friendly"}))
        .res::<Ticket>(200),
        RouteDef::new(
            M::POST,
            "/api/v1/tickets/{id}/merge",
            post(tickets::merge),
            "Mark as a duplicate of another ticket",
            "tickets",
        )
        .perm(perm::TICKETS_MANAGE)
        .req::<Merge>(json!({"into": "{ticket_id}"}))
        .res::<Ticket>(200),
        RouteDef::new(
            M::POST,
            "/api/v1/tickets/{id}/attachments",
            post(attachments::upload).layer(axum::extract::DefaultBodyLimit::max(desk_core::MAX_ATTACHMENT_BYTES + (64 << 10))),
            "Attach a file (multipart/form-data)",
            "tickets",
        )
        .perm(perm::ATTACHMENTS_WRITE)
        .multipart::<UploadForm>()
        .res::<Attachment>(201),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/attachments", get(attachments::list), "The ticket's files", "tickets")
            .perm(perm::TICKETS_READ)
            .res::<Items<Attachment>>(200),
        RouteDef::new(
            M::GET,
            "/api/v1/attachments/{id}",
            get(attachments::download),
            "Download a file (always as an attachment)",
            "attachments",
        )
        .perm(perm::TICKETS_READ),
        RouteDef::new(M::GET, "/api/v1/kb/categories", get(kbapi::categories), "Article categories", "kb").perm(perm::KB_READ).res::<Items<Category>>(200),
        RouteDef::new(M::POST, "/api/v1/kb/categories", post(kbapi::create_category), "Add an article category", "kb")
            .perm(perm::KB_MANAGE)
            .req::<CreateCategory>(json!({"name": "Integrations"}))
            .res::<Category>(201),
        RouteDef::new(M::PATCH, "/api/v1/kb/categories/{id}", patch(kbapi::rename_category), "Rename an article category", "kb")
            .perm(perm::KB_MANAGE)
            .req::<CreateCategory>(json!({"name": "Questions & answers"}))
            .res::<Category>(200),
        RouteDef::new(M::POST, "/api/v1/kb/articles", post(kbapi::create), "Write a draft article", "kb")
            .perm(perm::KB_WRITE)
            .req::<CreateArticle>(json!({"title": "How to reset your password", "summary": "Use the reset link.", "body": "1. Click **Forgot password**", "category": "faq", "visibility": "public"}))
            .res::<Article>(201),
        RouteDef::new(M::GET, "/api/v1/kb/articles", get(kbapi::list), "Articles the caller may read", "kb").perm(perm::KB_READ).res::<Items<Article>>(200),
        RouteDef::new(M::GET, "/api/v1/kb/articles/{id}", get(kbapi::get), "One article (counts a view)", "kb").perm(perm::KB_READ).res::<Article>(200),
        RouteDef::new(M::PATCH, "/api/v1/kb/articles/{id}", patch(kbapi::update), "Edit an article or move it through review", "kb")
            .perm(perm::KB_WRITE)
            .req::<UpdateArticle>(json!({"status": "in_review"}))
            .res::<Article>(200),
        RouteDef::new(M::GET, "/api/v1/kb/articles/{id}/versions", get(kbapi::versions), "Published versions, newest first", "kb")
            .perm(perm::KB_WRITE)
            .res::<Items<Version>>(200),
        RouteDef::new(M::GET, "/api/v1/kb/articles/{id}/diff", get(kbapi::diff), "Line diff between versions (?from=1&to=2)", "kb")
            .perm(perm::KB_WRITE)
            .res::<Diff>(200),
        RouteDef::new(M::POST, "/api/v1/kb/articles/{id}/restore", post(kbapi::restore), "Restore a version as the working draft", "kb")
            .perm(perm::KB_WRITE)
            .req::<Restore>(json!({"version": 1}))
            .res::<Article>(200),
        RouteDef::new(M::POST, "/api/v1/kb/articles/{id}/vote", post(kbapi::vote), "Vote helpful / not helpful and rate 1-5", "kb")
            .perm(perm::KB_FEEDBACK)
            .req::<Vote>(json!({"helpful": true, "rating": 5}))
            .res::<Article>(200),
        RouteDef::new(M::POST, "/api/v1/kb/articles/{id}/questions", post(kbapi::ask), "Ask a question on an article", "kb")
            .perm(perm::KB_FEEDBACK)
            .req::<TextBody>(json!({"body": "Does this work on mobile too?"}))
            .res::<Question>(201),
        RouteDef::new(M::GET, "/api/v1/kb/articles/{id}/questions", get(kbapi::questions), "Questions and answers on an article", "kb")
            .perm(perm::KB_READ)
            .res::<Items<Question>>(200),
        RouteDef::new(M::POST, "/api/v1/kb/questions/{id}/answers", post(kbapi::answer), "Answer a question", "kb")
            .perm(perm::KB_ANSWER)
            .req::<TextBody>(json!({"body": "Yes, the same steps work in the app."}))
            .res::<kbapi::Answer>(201),
        RouteDef::new(M::PATCH, "/api/v1/kb/questions/{id}", patch(kbapi::moderate), "Hide or show a question", "kb")
            .perm(perm::KB_ANSWER)
            .req::<ModerateQuestion>(json!({"hidden": false}))
            .res::<Question>(200),
        RouteDef::new(M::GET, "/api/v1/kb/search", get(kbapi::search), "Search articles (?q=…&mode=keyword&limit=N)", "kb")
            .perm(perm::KB_READ)
            .res::<Items<kbapi::SearchHit>>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/{id}/articles", post(kbapi::link), "Record that an article resolved the ticket", "tickets")
            .perm(perm::TICKETS_MANAGE)
            .req::<LinkArticle>(json!({"article_id": "{article_id}"}))
            .res::<Article>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/{id}/draft-article", post(kbapi::draft_from_ticket), "Draft an article from a resolved ticket", "tickets")
            .perm(perm::KB_WRITE)
            .res::<Article>(201),
        RouteDef::new(M::GET, "/api/v1/public/{tenant}/kb/search", get(kbapi::public_search), "Search a tenant's public articles (no login)", "public")
            .res::<Items<kbapi::SearchHit>>(200),
        RouteDef::new(M::GET, "/api/v1/public/{tenant}/kb/articles", get(kbapi::public_list), "A tenant's public articles (no login)", "public")
            .res::<Items<Article>>(200),
        RouteDef::new(M::GET, "/api/v1/public/{tenant}/kb/articles/{slug}", get(kbapi::public_article), "One public article by slug (no login)", "public")
            .res::<Article>(200),
        RouteDef::new(M::GET, "/api/v1/public/{tenant}/kb/articles/{slug}/questions", get(kbapi::public_questions), "Visible questions on a public article (no login)", "public")
            .res::<Items<Question>>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/history", get(tickets::history), "Every change, oldest first", "tickets")
            .perm(perm::TICKETS_READ)
            .res::<Items<HistoryEntry>>(200),
        RouteDef::new(M::GET, "/api/v1/ai/status", get(ai::status), "The AI model's state and this tenant's index", "ai")
            .perm(perm::AI_USE)
            .res::<AiStatus>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/similar", get(ai::similar), "Tickets most like this one (?limit=N)", "tickets")
            .perm(perm::AI_USE)
            .res::<Items<SimilarTicket>>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/related-articles", get(ai::ticket_articles), "Published articles related to the ticket", "tickets")
            .perm(perm::AI_USE)
            .res::<Items<RelatedArticle>>(200),
        RouteDef::new(M::GET, "/api/v1/kb/articles/{id}/related", get(ai::article_related), "Published articles related to this one", "kb")
            .perm(perm::KB_READ)
            .res::<Items<RelatedArticle>>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/{id}/ai/summary", post(ai::summary), "Grounded summary: issue, tried, state, next step, identifiers", "tickets")
            .perm(perm::AI_USE)
            .res::<Summary>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/{id}/ai/draft-reply", post(ai::draft_reply), "Reply draft grounded in articles and resolved tickets, with sources", "tickets")
            .perm(perm::AI_USE)
            .res::<ReplyDraft>(200),
        RouteDef::new(M::POST, "/api/v1/tickets/{id}/ai/draft-article", post(ai::draft_article), "Article draft (problem, cause, steps) from a resolved ticket; not saved", "tickets")
            .perm(perm::AI_USE)
            .res::<ArticleDraft>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/ai/classification", get(ai::classification), "The ticket's category, sentiment and priority as classified", "tickets")
            .perm(perm::AI_USE)
            .res::<TicketClassification>(200),
        RouteDef::new(M::PATCH, "/api/v1/tickets/{id}/ai/classification", patch(ai::correct), "Correct the classification (the tenant's classifier learns it)", "tickets")
            .perm(perm::AI_USE)
            .req::<ai::CorrectClassification>(json!({"category": "billing"}))
            .res::<TicketClassification>(200),
        RouteDef::new(M::GET, "/api/v1/tickets/{id}/ai/assignees", get(ai::assignees), "Agents ranked by similar tickets resolved, then load", "tickets")
            .perm(perm::AI_USE)
            .res::<Items<SuggestedAssignee>>(200),
        RouteDef::new(M::POST, "/api/v1/ai/classify", post(ai::classify), "Category, sentiment, priority and confidence of a text", "ai")
            .perm(perm::AI_USE)
            .req::<ai::ClassifyRequest>(json!({"subject": "Charged twice", "description": "My card was charged twice this month."}))
            .res::<Classification>(200),
        RouteDef::new(M::GET, "/api/v1/ai/knowledge-gaps", get(ai::knowledge_gaps), "Clusters of recent tickets and searches with no good article (?days=N)", "ai")
            .perm(perm::AI_USE)
            .res::<Items<KnowledgeGap>>(200),
        RouteDef::new(M::POST, "/api/v1/kb/ask", post(ai::ask), "Answer a question from the articles the caller may read, with sources", "kb")
            .perm(perm::KB_READ)
            .req::<ai::AskRequest>(json!({"question": "How do I reset my password?"}))
            .res::<Answer>(200),
        RouteDef::new(M::GET, "/api/v1/ai/settings", get(ai::settings), "The tenant's generation endpoint (never its key)", "ai")
            .perm(perm::AI_CONFIGURE)
            .res::<AiSettings>(200),
        RouteDef::new(M::PUT, "/api/v1/ai/settings", put(ai::put_settings), "Set an OpenAI-compatible endpoint for generation; the key is stored sealed", "ai")
            .perm(perm::AI_CONFIGURE)
            .req::<ai::PutAiSettings>(json!({"base_url": "http://127.0.0.1:9/v1", "model": "local-model", "api_key": "sk-example"}))
            .res::<AiSettings>(200),
        RouteDef::new(M::DELETE, "/api/v1/ai/settings", delete(ai::delete_settings), "Remove the generation endpoint (grounded methods only)", "ai")
            .perm(perm::AI_CONFIGURE)
            .res::<AiSettings>(200),
        RouteDef::new(M::POST, "/api/v1/public/{tenant}/kb/ask", post(ai::public_ask), "Answer a question from a tenant's public articles (no login)", "public")
            .req::<ai::AskRequest>(json!({"question": "How do I reset my password?"}))
            .res::<Answer>(200),
    ]
}
