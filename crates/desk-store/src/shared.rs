//! Portable SQL, written once and compiled against each driver by `portable_store!`.
//!
//! The statements use `$n` placeholders, which both SQLite and PostgreSQL accept, and only
//! types both drivers map the same way (UUID, i64, text, bool). Each backend supplies
//! `read_tx`/`write_tx` (which on PostgreSQL also set the tenant for row-level security),
//! `run_migrations`, and the row-locking clause for read-modify-write.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Builds a migrator from migrations embedded in the binary.
pub(crate) fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            files
                .iter()
                .map(|(v, desc, sql)| Migration::new(*v, Cow::Borrowed(desc), MigrationType::Simple, Cow::Borrowed(sql), false))
                .collect(),
        ),
        ..Migrator::DEFAULT
    }
}

/// Takes the next value of a per-tenant counter (`$1` tenant, `$2` name). The upsert locks the
/// counter row until commit, so concurrent takers are serialised and values never repeat.
pub(crate) const NEXT_COUNTER: &str = "insert into counters (tenant_id, name, value) values ($1, $2, 1) \
     on conflict (tenant_id, name) do update set value = counters.value + 1 returning value";

/// A history entry to write.
pub(crate) struct NewEvent<'a> {
    pub ticket_id: uuid::Uuid,
    pub actor_id: Option<uuid::Uuid>,
    pub at: i64,
    pub kind: &'a str,
    pub field: Option<&'a str>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub internal: bool,
}

macro_rules! user_select {
    () => {
        "select u.id, u.email, u.name, r.name as role, r.staff, u.company_id, u.active, u.created_at, u.available \
         from users u join roles r on r.tenant_id = u.tenant_id and r.id = u.role_id "
    };
}

macro_rules! ticket_select {
    () => {
        "select t.id, t.number, t.subject, t.description, t.status, t.priority, t.requester_id, \
         t.company_id, t.group_id, t.assignee_id, t.channel, t.created_by, t.created_at, t.updated_at, \
         t.first_response_at, t.resolved_at, t.closed_at, t.ticket_type, t.tags, t.resolution, t.root_cause, \
         t.resolution_category, t.duplicate_of, t.satisfaction_score, t.satisfaction_comment, t.rated_at, \
         t.sla_policy_id, t.first_response_due_at, t.resolution_due_at, t.sla_paused, t.sla_paused_at, t.sla_paused_ms, \
         t.first_response_breached, t.resolution_breached, t.escalated_at, t.escalated_to_id, t.escalation_reason, \
         t.routing_note, t.breach_risk, t.breach_risk_basis "
    };
}

macro_rules! attachment_select {
    () => {
        "select a.id, a.ticket_id, a.comment_id, a.uploader_id, a.filename, a.content_type, a.size, a.sha256, a.internal, a.created_at \
         from attachments a "
    };
}

pub(crate) use {attachment_select, ticket_select, user_select};

/// Implements [`crate::Store`] for a backend type over its driver.
macro_rules! portable_store {
    ($store:ty, $db:ty, $backend:expr, $lock:literal) => {
        use sqlx::QueryBuilder;
        use uuid::Uuid;

        use crate::shared::{attachment_select, ticket_select, user_select};
        use crate::*;

        type Tx = sqlx::Transaction<'static, $db>;

        fn push_scope(qb: &mut QueryBuilder<'_, $db>, scope: &TicketScope) {
            match *scope {
                TicketScope::All => {}
                TicketScope::Company { company_id, user_id } => {
                    qb.push(" and (t.company_id = ").push_bind(company_id);
                    qb.push(" or t.requester_id = ").push_bind(user_id).push(")");
                }
                TicketScope::Requester(user_id) => {
                    qb.push(" and t.requester_id = ").push_bind(user_id);
                }
                TicketScope::Groups(user_id) => {
                    qb.push(" and (t.group_id is null or t.assignee_id = ").push_bind(user_id);
                    qb.push(" or t.group_id in (select g.group_id from group_members g where g.tenant_id = t.tenant_id and g.user_id = ")
                        .push_bind(user_id)
                        .push("))");
                }
            }
        }

        /// Pushes `(id, id, …)` with each id bound, for `… in` lists.
        fn push_id_list(qb: &mut QueryBuilder<'_, $db>, ids: &[Uuid]) {
            qb.push("(");
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(")");
        }

        fn push_filters(qb: &mut QueryBuilder<'_, $db>, q: &TicketQuery) {
            let list = |qb: &mut QueryBuilder<'_, $db>, column: &str, values: &[String]| {
                if values.is_empty() {
                    return;
                }
                qb.push(format!(" and {column} in ("));
                let mut sep = qb.separated(", ");
                for v in values {
                    sep.push_bind(v.clone());
                }
                qb.push(")");
            };
            list(qb, "t.status", &q.statuses);
            list(qb, "t.priority", &q.priorities);
            if let Some(v) = &q.ticket_type {
                qb.push(" and t.ticket_type = ").push_bind(v.clone());
            }
            if let Some(v) = &q.channel {
                qb.push(" and t.channel = ").push_bind(v.clone());
            }
            if let Some(v) = &q.tag {
                let escaped = v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                qb.push(" and t.tags like ").push_bind(format!("% {escaped} %")).push(" escape '\\'");
            }
            if let Some(v) = q.assignee_id {
                qb.push(" and t.assignee_id = ").push_bind(v);
            }
            if q.unassigned {
                qb.push(" and t.assignee_id is null");
            }
            if let Some(v) = q.group_id {
                qb.push(" and t.group_id = ").push_bind(v);
            }
            if let Some(v) = q.company_id {
                qb.push(" and t.company_id = ").push_bind(v);
            }
            if let Some(v) = q.requester_id {
                qb.push(" and t.requester_id = ").push_bind(v);
            }
            if let Some(v) = q.updated_since {
                qb.push(" and t.updated_at >= ").push_bind(v);
            }
            if let Some(v) = q.created_after {
                qb.push(" and t.created_at >= ").push_bind(v);
            }
            if let Some(v) = q.created_before {
                qb.push(" and t.created_at < ").push_bind(v);
            }
            if let Some(v) = &q.resolution_category {
                qb.push(" and t.resolution_category = ").push_bind(v.clone());
            }
            if let Some(v) = q.duplicate_of {
                qb.push(" and t.duplicate_of = ").push_bind(v);
            }
            if let Some(v) = q.satisfaction_score {
                qb.push(" and t.satisfaction_score = ").push_bind(v);
            }
            if q.sla_breached {
                qb.push(" and (t.first_response_breached = true or t.resolution_breached = true)");
            }
            if q.sla_not_breached {
                qb.push(" and t.first_response_breached = false and t.resolution_breached = false");
            }
            if let Some(v) = q.sla_policy_id {
                qb.push(" and t.sla_policy_id = ").push_bind(v);
            }
            if let Some(v) = q.due_before {
                qb.push(" and t.sla_paused = false and ((t.first_response_at is null and t.first_response_due_at < ").push_bind(v);
                qb.push(") or (t.resolved_at is null and t.resolution_due_at < ").push_bind(v).push("))");
            }
            if let Some(v) = q.min_breach_risk {
                qb.push(" and t.breach_risk >= ").push_bind(v);
            }
        }

        /// Orders by the query's order and continues after its cursor (keyset, never OFFSET).
        fn push_order(qb: &mut QueryBuilder<'_, $db>, q: &TicketQuery) {
            const DUE_KEY: &str = "coalesce(t.resolution_due_at, 9223372036854775807)";
            const PRIORITY_RANK: &str = "(case t.priority when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end)";
            let (key, ascending) = match q.order {
                TicketOrder::Newest => (None, false),
                TicketOrder::Oldest => (None, true),
                TicketOrder::Updated => (Some("t.updated_at"), false),
                TicketOrder::Priority => (Some(PRIORITY_RANK), false),
                TicketOrder::Due => (Some(DUE_KEY), true),
            };
            if let Some(c) = q.after {
                let cmp = if ascending { ">" } else { "<" };
                match key {
                    None => {
                        qb.push(format!(" and t.number {cmp} ")).push_bind(c.number);
                    }
                    Some(key) => {
                        qb.push(format!(" and ({key} {cmp} ")).push_bind(c.value);
                        qb.push(format!(" or ({key} = ")).push_bind(c.value);
                        qb.push(format!(" and t.number {cmp} ")).push_bind(c.number).push("))");
                    }
                }
            }
            let dir = if ascending { "asc" } else { "desc" };
            match key {
                None => qb.push(format!(" order by t.number {dir}")),
                Some(key) => qb.push(format!(" order by {key} {dir}, t.number {dir}")),
            };
            qb.push(" limit ").push_bind(q.limit);
        }

        async fn select_ticket(tx: &mut Tx, ctx: &TenantCtx, scope: &TicketScope, id: Uuid, lock: bool) -> StoreResult<TicketRecord> {
            let mut qb = QueryBuilder::<$db>::new(concat!(ticket_select!(), "from tickets t where t.tenant_id = "));
            qb.push_bind(ctx.tenant_id()).push(" and t.id = ").push_bind(id);
            push_scope(&mut qb, scope);
            if lock {
                qb.push($lock);
            }
            qb.build_query_as::<TicketRecord>().fetch_optional(&mut **tx).await?.ok_or(StoreError::NotFound)
        }

        async fn load_user(tx: &mut Tx, ctx: &TenantCtx, id: Uuid) -> StoreResult<UserRecord> {
            sqlx::query_as::<_, UserRecord>(concat!(user_select!(), "where u.tenant_id = $1 and u.id = $2"))
                .bind(ctx.tenant_id())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)
        }

        /// Ends every session of a user.
        async fn revoke_tokens(tx: &mut Tx, ctx: &TenantCtx, user_id: Uuid, now: i64) -> StoreResult<()> {
            sqlx::query("update api_tokens set revoked_at = $1 where tenant_id = $2 and user_id = $3 and revoked_at is null")
                .bind(now)
                .bind(ctx.tenant_id())
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        async fn load_principal(tx: &mut Tx, ctx: TenantCtx, user_id: Uuid) -> StoreResult<Option<Principal>> {
            let row: Option<PrincipalRow> = sqlx::query_as(
                "select u.id, u.email, u.name, r.name as role, r.staff, u.company_id, u.active, u.created_at, u.available, \
                 n.slug as tenant_slug, n.ticket_prefix, n.suspended as tenant_suspended \
                 from users u join roles r on r.tenant_id = u.tenant_id and r.id = u.role_id \
                 join tenants n on n.id = u.tenant_id \
                 where u.tenant_id = $1 and u.id = $2",
            )
            .bind(ctx.tenant_id())
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row.filter(|r| r.user.active && !r.tenant_suspended) else { return Ok(None) };
            let permissions: Vec<(String,)> = sqlx::query_as(
                "select p.permission from role_permissions p join users u \
                 on u.tenant_id = p.tenant_id and u.role_id = p.role_id \
                 where p.tenant_id = $1 and u.id = $2 order by p.permission",
            )
            .bind(ctx.tenant_id())
            .bind(user_id)
            .fetch_all(&mut **tx)
            .await?;
            Ok(Some(Principal {
                ctx,
                tenant_slug: row.tenant_slug,
                ticket_prefix: row.ticket_prefix,
                staff: row.user.staff,
                user: row.user,
                permissions: permissions.into_iter().map(|(p,)| p).collect(),
            }))
        }

        async fn load_roles(tx: &mut Tx, ctx: &TenantCtx) -> StoreResult<Vec<RoleRecord>> {
            let roles: Vec<RoleRow> = sqlx::query_as("select id, name, staff from roles where tenant_id = $1 order by name")
                .bind(ctx.tenant_id())
                .fetch_all(&mut **tx)
                .await?;
            let perms: Vec<RolePermRow> = sqlx::query_as(
                "select role_id, permission from role_permissions where tenant_id = $1 order by permission",
            )
            .bind(ctx.tenant_id())
            .fetch_all(&mut **tx)
            .await?;
            Ok(roles
                .into_iter()
                .map(|r| RoleRecord {
                    permissions: perms.iter().filter(|p| p.role_id == r.id).map(|p| p.permission.clone()).collect(),
                    id: r.id,
                    name: r.name,
                    staff: r.staff,
                })
                .collect())
        }

        async fn load_groups(tx: &mut Tx, ctx: &TenantCtx, only: Option<Uuid>) -> StoreResult<Vec<GroupRecord>> {
            let mut qb = QueryBuilder::<$db>::new("select id, name, created_at, assignment, max_open from agent_groups where tenant_id = ");
            qb.push_bind(ctx.tenant_id());
            if let Some(id) = only {
                qb.push(" and id = ").push_bind(id);
            }
            qb.push(" order by name");
            let groups: Vec<GroupRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
            let members: Vec<MemberRow> =
                sqlx::query_as("select group_id, user_id from group_members where tenant_id = $1 order by user_id")
                    .bind(ctx.tenant_id())
                    .fetch_all(&mut **tx)
                    .await?;
            Ok(groups
                .into_iter()
                .map(|g| GroupRecord {
                    member_ids: members.iter().filter(|m| m.group_id == g.id).map(|m| m.user_id).collect(),
                    id: g.id,
                    name: g.name,
                    created_at: g.created_at,
                    assignment: g.assignment,
                    max_open: g.max_open,
                })
                .collect())
        }

        async fn insert_event(tx: &mut Tx, ctx: &TenantCtx, e: crate::shared::NewEvent<'_>) -> StoreResult<()> {
            sqlx::query(
                "insert into ticket_events (tenant_id, id, ticket_id, actor_id, at, kind, field, old_value, new_value, internal) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(ctx.tenant_id())
            .bind(Uuid::now_v7())
            .bind(e.ticket_id)
            .bind(e.actor_id)
            .bind(e.at)
            .bind(e.kind)
            .bind(e.field)
            .bind(e.old_value)
            .bind(e.new_value)
            .bind(e.internal)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_ticket(tx: &mut Tx, ctx: &TenantCtx, new: &NewTicket, now: i64) -> StoreResult<TicketRecord> {
            let (number,): (i64,) =
                sqlx::query_as(crate::shared::NEXT_COUNTER).bind(ctx.tenant_id()).bind("ticket").fetch_one(&mut **tx).await?;
            let id = Uuid::now_v7();
            let routed = crate::ticket_sla::route_new(tx_assign(tx, ctx, new).await?, new);
            let sla = match sla_impl::policy_for_new(tx, ctx, new.company_id).await? {
                Some((policy_id, spec, calendar)) => crate::ticket_sla::start_sla(policy_id, &spec, &calendar, &new.priority, now),
                None => TicketSla::default(),
            };
            let sla = TicketSla { routing_note: routed.note.clone(), ..sla };
            sqlx::query(
                "insert into tickets (tenant_id, id, number, subject, description, status, priority, requester_id, \
                 company_id, group_id, assignee_id, channel, created_by, created_at, updated_at, ticket_type, tags, \
                 sla_policy_id, first_response_due_at, resolution_due_at, routing_note) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19, $20)",
            )
            .bind(ctx.tenant_id())
            .bind(id)
            .bind(number)
            .bind(&new.subject)
            .bind(&new.description)
            .bind(&routed.status)
            .bind(&new.priority)
            .bind(new.requester_id)
            .bind(new.company_id)
            .bind(new.group_id)
            .bind(routed.assignee_id)
            .bind(&new.channel)
            .bind(new.created_by)
            .bind(now)
            .bind(&new.ticket_type)
            .bind(tags_column(&new.tags))
            .bind(sla.sla_policy_id)
            .bind(sla.first_response_due_at)
            .bind(sla.resolution_due_at)
            .bind(&sla.routing_note)
            .execute(&mut **tx)
            .await?;
            <$store>::index_new_ticket(tx, ctx, id, &new.subject, &new.description).await?;
            for e in crate::ticket_sla::creation_events(id, new, &routed, now) {
                insert_event(tx, ctx, e).await?;
            }
            // Built from what was written rather than read back: one statement less per ticket.
            Ok(TicketRecord {
                id,
                number,
                subject: new.subject.clone(),
                description: new.description.clone(),
                status: routed.status,
                priority: new.priority.clone(),
                requester_id: new.requester_id,
                company_id: new.company_id,
                group_id: new.group_id,
                assignee_id: routed.assignee_id,
                channel: new.channel.clone(),
                created_by: new.created_by,
                created_at: now,
                updated_at: now,
                first_response_at: None,
                resolved_at: None,
                closed_at: None,
                ticket_type: new.ticket_type.clone(),
                tags: tags_column(&new.tags),
                resolution: None,
                root_cause: None,
                resolution_category: None,
                duplicate_of: None,
                satisfaction_score: None,
                satisfaction_comment: None,
                rated_at: None,
                sla,
            })
        }

        /// The automatic assignment of a new ticket, when it asks for one.
        async fn tx_assign(
            tx: &mut Tx,
            ctx: &TenantCtx,
            new: &NewTicket,
        ) -> StoreResult<Option<Result<Uuid, desk_domain::routing::NoAgent>>> {
            match (new.auto_assign, new.assignee_id, new.group_id) {
                (true, None, Some(group)) => Ok(Some(sla_impl::assign(tx, ctx, group, &new.required_skill_ids).await?)),
                _ => Ok(None),
            }
        }

        /// Applies one change inside a write transaction the caller commits; the ticket row is
        /// locked (PostgreSQL) until then.
        async fn apply_change(tx: &mut Tx, ctx: &TenantCtx, scope: &TicketScope, change: TicketChange) -> StoreResult<(TicketRecord, Option<CommentRecord>)> {
        let cur = select_ticket(tx, ctx, scope, change.ticket_id, true).await?;
        if change.expect_status.as_ref().is_some_and(|s| *s != cur.status) {
            return Err(StoreError::Conflict("the ticket changed meanwhile; reload it and try again".into()));
        }
        if change.rating.is_some() && cur.satisfaction_score.is_some() {
            return Err(StoreError::Conflict("this ticket has already been rated".into()));
        }
        let mut diffs: Vec<(&str, Option<String>, Option<String>)> = Vec::new();
        let mut qb = QueryBuilder::<$db>::new("update tickets set updated_at = ");
        qb.push_bind(change.now);
        let new_tags = change.tags.as_ref().map(|t| tags_column(t));
        for (field, new, old) in [
            ("subject", &change.subject, &cur.subject),
            ("priority", &change.priority, &cur.priority),
            ("status", &change.status, &cur.status),
            ("ticket_type", &change.ticket_type, &cur.ticket_type),
            ("tags", &new_tags, &cur.tags),
        ] {
            if let Some(new) = new.as_ref().filter(|n| *n != old) {
                qb.push(format!(", {field} = ")).push_bind(new.clone());
                diffs.push((field, Some(old.trim().to_owned()), Some(new.trim().to_owned())));
            }
        }
        for (field, new, old) in [
            ("resolution", &change.resolution, &cur.resolution),
            ("root_cause", &change.root_cause, &cur.root_cause),
            ("resolution_category", &change.resolution_category, &cur.resolution_category),
        ] {
            if let Some(new) = new.as_ref().filter(|n| *n != old) {
                qb.push(format!(", {field} = ")).push_bind(new.clone());
                diffs.push((field, old.clone(), new.clone()));
            }
        }
        for (field, new, old) in [
            ("group_id", change.group_id, cur.group_id),
            ("assignee_id", change.assignee_id, cur.assignee_id),
            ("duplicate_of", change.duplicate_of, cur.duplicate_of),
        ] {
            if let Some(new) = new.filter(|n| *n != old) {
                qb.push(format!(", {field} = ")).push_bind(new);
                diffs.push((field, uuid_text(old), uuid_text(new)));
            }
        }
        if change.clear_resolved {
            qb.push(", resolved_at = null, closed_at = null");
        }
        for (field, new) in [
            ("first_response_at", change.first_response_at),
            ("resolved_at", change.resolved_at),
            ("closed_at", change.closed_at),
        ] {
            if let Some(at) = new {
                qb.push(format!(", {field} = ")).push_bind(at);
            }
        }
        if let Some((score, comment)) = &change.rating {
            qb.push(", satisfaction_score = ").push_bind(*score);
            qb.push(", satisfaction_comment = ").push_bind(comment.clone());
            qb.push(", rated_at = ").push_bind(change.now);
            diffs.push(("satisfaction_score", None, Some(score.to_string())));
        }
        let sla_events = push_sla(tx, ctx, &mut qb, &cur, &change).await?;
        qb.push(" where tenant_id = ").push_bind(ctx.tenant_id()).push(" and id = ").push_bind(cur.id);
        qb.build().execute(&mut **tx).await?;
        for e in sla_events {
            insert_event(tx, ctx, e).await?;
        }
        for n in &change.notify {
            sqlx::query(
                "insert into notifications (tenant_id, id, user_id, ticket_id, kind, body, created_at) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ctx.tenant_id())
            .bind(Uuid::now_v7())
            .bind(n.user_id)
            .bind(cur.id)
            .bind(&n.kind)
            .bind(&n.body)
            .bind(change.now)
            .execute(&mut **tx)
            .await?;
        }
        for (field, old, new) in diffs {
            insert_event(tx, ctx, crate::shared::NewEvent {
                ticket_id: cur.id,
                actor_id: change.actor_id,
                at: change.now,
                kind: "field",
                field: Some(field),
                old_value: old,
                new_value: new,
                internal: false,
            })
            .await?;
        }
        if let Some(subject) = change.subject.as_ref().filter(|s| **s != cur.subject) {
            <$store>::index_subject(tx, ctx, cur.id, subject).await?;
        }
        let mut comment = None;
        if let Some(c) = change.comment {
            let record = CommentRecord {
                id: Uuid::now_v7(),
                ticket_id: cur.id,
                author_id: c.author_id,
                body: c.body,
                internal: c.internal,
                created_at: change.now,
            };
            sqlx::query(
                "insert into ticket_comments (tenant_id, id, ticket_id, author_id, body, internal, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ctx.tenant_id())
            .bind(record.id)
            .bind(record.ticket_id)
            .bind(record.author_id)
            .bind(&record.body)
            .bind(record.internal)
            .bind(record.created_at)
            .execute(&mut **tx)
            .await?;
            let kind = if record.internal { "note" } else { "reply" };
            insert_event(tx, ctx, crate::shared::NewEvent {
                ticket_id: cur.id,
                actor_id: Some(record.author_id),
                at: change.now,
                kind,
                field: None,
                old_value: None,
                new_value: Some(record.id.to_string()),
                internal: record.internal,
            })
            .await?;
            if !record.internal {
                <$store>::index_reply(tx, ctx, cur.id, &record.body).await?;
            }
            comment = Some(record);
        }
            let ticket = select_ticket(tx, ctx, &TicketScope::All, cur.id, false).await?;
            Ok((ticket, comment))
        }

        /// Adds the SLA columns a change sets to `qb` (the clock on status and priority moves, a
        /// breach, an escalation) and returns their history entries; a breach or rule already
        /// recorded refuses the change with `Conflict`, so each happens once.
        async fn push_sla(
            tx: &mut Tx,
            ctx: &TenantCtx,
            qb: &mut QueryBuilder<'_, $db>,
            cur: &TicketRecord,
            change: &TicketChange,
        ) -> StoreResult<Vec<crate::shared::NewEvent<'static>>> {
            let mut events = Vec::new();
            let event = |kind: &'static str, field: Option<&'static str>, old: Option<String>, new: Option<String>| crate::shared::NewEvent {
                ticket_id: cur.id,
                actor_id: change.actor_id,
                at: change.now,
                kind,
                field,
                old_value: old,
                new_value: new,
                internal: false,
            };
            let new_status = change.status.as_deref().filter(|s| *s != cur.status);
            let new_priority = change.priority.as_deref().filter(|p| *p != cur.priority);
            if new_status.is_some() || new_priority.is_some() {
                let policy = match cur.sla.sla_policy_id {
                    Some(id) => sla_impl::policy_by_id(tx, ctx, id).await?,
                    None => None,
                };
                let clock = crate::ticket_sla::next_clock(cur, new_status, new_priority, policy.as_ref(), change.now);
                // The status change in the history already says when the clock stopped and ran.
                if clock != crate::ticket_sla::clock_of(&cur.sla) {
                    qb.push(", first_response_due_at = ").push_bind(clock.first_response_due_at);
                    qb.push(", resolution_due_at = ").push_bind(clock.resolution_due_at);
                    qb.push(", sla_paused = ").push_bind(clock.paused_at.is_some());
                    qb.push(", sla_paused_at = ").push_bind(clock.paused_at);
                    qb.push(", sla_paused_ms = ").push_bind(clock.paused_ms);
                }
            }
            if let Some(target) = change.breach {
                // Decided again on the locked row: the scan may be stale (answered, resolved,
                // paused, re-targeted or already recorded since).
                if !crate::ticket_sla::is_breached(cur, target, change.now) {
                    return Err(StoreError::Conflict("this target is met, paused, not yet due or already recorded".into()));
                }
                let due = if target == "first_response" { cur.sla.first_response_due_at } else { cur.sla.resolution_due_at };
                qb.push(if target == "first_response" { ", first_response_breached = true" } else { ", resolution_breached = true" });
                events.push(event("sla_breach", Some(target), None, due.map(|d| d.to_string())));
            }
            // A target met after its due time, before the breach job saw it, is a breach too.
            for (target, met_at) in [("first_response", change.first_response_at), ("resolution", change.resolved_at)] {
                if change.breach != Some(target) && met_at.is_some_and(|at| crate::ticket_sla::is_breached(cur, target, at)) {
                    let due = if target == "first_response" { cur.sla.first_response_due_at } else { cur.sla.resolution_due_at };
                    qb.push(if target == "first_response" { ", first_response_breached = true" } else { ", resolution_breached = true" });
                    events.push(event("sla_breach", Some(target), None, due.map(|d| d.to_string())));
                }
            }
            if let Some(rule) = change.escalation_rule {
                let fired = sqlx::query(
                    "insert into escalation_fired (tenant_id, ticket_id, rule_id, at) values ($1, $2, $3, $4) on conflict do nothing",
                )
                .bind(ctx.tenant_id())
                .bind(cur.id)
                .bind(rule)
                .bind(change.now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if fired == 0 {
                    return Err(StoreError::Conflict("this rule has already fired on this ticket".into()));
                }
            }
            if let Some(mark) = &change.escalation {
                qb.push(", escalated_at = ").push_bind(change.now);
                qb.push(", escalated_to_id = ").push_bind(mark.to_id);
                qb.push(", escalation_reason = ").push_bind(mark.reason.clone());
                events.push(event("escalation", None, None, Some(mark.reason.clone())));
            }
            Ok(events)
        }

        fn uuid_text(v: Option<Uuid>) -> Option<String> {
            v.map(|u| u.to_string())
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn ping(&self) -> StoreResult<()> {
                let mut tx = self.global_tx().await?;
                sqlx::query("select 1").execute(&mut *tx).await?;
                Ok(())
            }

            async fn migrate(&self) -> StoreResult<()> {
                self.run_migrations().await
            }

            async fn create_tenant(&self, new: NewTenant, now: i64) -> StoreResult<(TenantRecord, TenantCtx)> {
                let ctx = TenantCtx::new(Uuid::now_v7());
                let mut tx = self.write_tx(&ctx).await?;
                sqlx::query("insert into tenants (id, slug, name, ticket_prefix, suspended, created_at) values ($1, $2, $3, $4, $5, $6)")
                    .bind(ctx.tenant_id())
                    .bind(&new.slug)
                    .bind(&new.name)
                    .bind(&new.ticket_prefix)
                    .bind(false)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for role in desk_domain::permissions::DEFAULT_ROLES {
                    let role_id = Uuid::now_v7();
                    sqlx::query("insert into roles (tenant_id, id, name, staff) values ($1, $2, $3, $4)")
                        .bind(ctx.tenant_id())
                        .bind(role_id)
                        .bind(role.name)
                        .bind(role.staff)
                        .execute(&mut *tx)
                        .await?;
                    for p in role.permissions {
                        sqlx::query("insert into role_permissions (tenant_id, role_id, permission) values ($1, $2, $3)")
                            .bind(ctx.tenant_id())
                            .bind(role_id)
                            .bind(*p)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                kb_impl::seed_categories(&mut tx, &ctx).await?;
                tx.commit().await?;
                let record = TenantRecord {
                    id: ctx.tenant_id(),
                    slug: new.slug,
                    name: new.name,
                    ticket_prefix: new.ticket_prefix,
                    suspended: false,
                    created_at: now,
                };
                Ok((record, ctx))
            }

            async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<TenantRecord>> {
                let mut tx = self.global_tx().await?;
                Ok(sqlx::query_as("select id, slug, name, ticket_prefix, suspended, created_at from tenants where slug = $1")
                    .bind(slug)
                    .fetch_optional(&mut *tx)
                    .await?)
            }

            async fn list_tenants(&self) -> StoreResult<Vec<TenantRecord>> {
                let mut tx = self.global_tx().await?;
                Ok(sqlx::query_as("select id, slug, name, ticket_prefix, suspended, created_at from tenants order by slug")
                    .fetch_all(&mut *tx)
                    .await?)
            }

            async fn operator_ctx(&self, slug: &str) -> StoreResult<Option<TenantCtx>> {
                Ok(self.tenant_by_slug(slug).await?.map(|t| TenantCtx::new(t.id)))
            }

            async fn find_login(&self, tenant_slug: &str, email: &str) -> StoreResult<Option<LoginCandidate>> {
                let Some(tenant) = self.tenant_by_slug(tenant_slug).await?.filter(|t| !t.suspended) else { return Ok(None) };
                let ctx = TenantCtx::new(tenant.id);
                let mut tx = self.read_tx(&ctx).await?;
                let row: Option<(Uuid, String)> =
                    sqlx::query_as("select id, password_hash from users where tenant_id = $1 and email = $2 and active = $3")
                        .bind(ctx.tenant_id())
                        .bind(email.to_lowercase())
                        .bind(true)
                        .fetch_optional(&mut *tx)
                        .await?;
                Ok(row.map(|(user_id, password_hash)| LoginCandidate { ctx, user_id, password_hash }))
            }

            async fn issue_token(&self, who: LoginCandidate, token_hash: &[u8], now: i64, expires_at: i64) -> StoreResult<Principal> {
                let mut tx = self.write_tx(&who.ctx).await?;
                sqlx::query(
                    "insert into api_tokens (tenant_id, id, user_id, token_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(who.ctx.tenant_id())
                .bind(Uuid::now_v7())
                .bind(who.user_id)
                .bind(token_hash)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                let principal = load_principal(&mut tx, who.ctx, who.user_id).await?.ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                Ok(principal)
            }

            async fn authenticate(&self, tenant_id: Uuid, token_hash: &[u8], now: i64) -> StoreResult<Option<Principal>> {
                let ctx = TenantCtx::new(tenant_id);
                let mut tx = self.read_tx(&ctx).await?;
                let user: Option<(Uuid,)> = sqlx::query_as(
                    "select user_id from api_tokens where tenant_id = $1 and token_hash = $2 and revoked_at is null and expires_at > $3",
                )
                .bind(tenant_id)
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                match user {
                    Some((user_id,)) => load_principal(&mut tx, ctx, user_id).await,
                    None => Ok(None),
                }
            }

            async fn revoke_token(&self, ctx: &TenantCtx, token_hash: &[u8], now: i64) -> StoreResult<()> {
                let mut tx = self.write_tx(ctx).await?;
                sqlx::query("update api_tokens set revoked_at = $1 where tenant_id = $2 and token_hash = $3 and revoked_at is null")
                    .bind(now)
                    .bind(ctx.tenant_id())
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_roles(&self, ctx: &TenantCtx) -> StoreResult<Vec<RoleRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                load_roles(&mut tx, ctx).await
            }

            async fn set_role_permissions(&self, ctx: &TenantCtx, role_id: Uuid, permissions: &[String]) -> StoreResult<RoleRecord> {
                let mut tx = self.write_tx(ctx).await?;
                let exists: Option<(Uuid,)> = sqlx::query_as("select id from roles where tenant_id = $1 and id = $2")
                    .bind(ctx.tenant_id())
                    .bind(role_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("delete from role_permissions where tenant_id = $1 and role_id = $2")
                    .bind(ctx.tenant_id())
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await?;
                for p in permissions {
                    sqlx::query("insert into role_permissions (tenant_id, role_id, permission) values ($1, $2, $3)")
                        .bind(ctx.tenant_id())
                        .bind(role_id)
                        .bind(p)
                        .execute(&mut *tx)
                        .await?;
                }
                let role = load_roles(&mut tx, ctx).await?.into_iter().find(|r| r.id == role_id).ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                Ok(role)
            }

            async fn create_user(&self, ctx: &TenantCtx, new: NewUser, now: i64) -> StoreResult<UserRecord> {
                let mut tx = self.write_tx(ctx).await?;
                let role: Option<(Uuid,)> = sqlx::query_as("select id from roles where tenant_id = $1 and name = $2")
                    .bind(ctx.tenant_id())
                    .bind(&new.role)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((role_id,)) = role else { return Err(StoreError::InvalidReference(format!("no role named {}", new.role))) };
                let id = Uuid::now_v7();
                sqlx::query(
                    "insert into users (tenant_id, id, email, name, password_hash, role_id, company_id, active, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(ctx.tenant_id())
                .bind(id)
                .bind(new.email.to_lowercase())
                .bind(&new.name)
                .bind(&new.password_hash)
                .bind(role_id)
                .bind(new.company_id)
                .bind(true)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let user = load_user(&mut tx, ctx, id).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn get_user(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<UserRecord> {
                let mut tx = self.read_tx(ctx).await?;
                load_user(&mut tx, ctx, id).await
            }

            async fn list_users(&self, ctx: &TenantCtx, page: Page) -> StoreResult<Vec<UserRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                Ok(sqlx::query_as(concat!(user_select!(), "where u.tenant_id = $1 order by u.id desc limit $2 offset $3"))
                    .bind(ctx.tenant_id())
                    .bind(page.limit)
                    .bind(page.offset)
                    .fetch_all(&mut *tx)
                    .await?)
            }

            async fn users_by_ids(&self, ctx: &TenantCtx, ids: &[Uuid]) -> StoreResult<Vec<UserRecord>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.read_tx(ctx).await?;
                let mut qb = QueryBuilder::<$db>::new(concat!(user_select!(), "where u.tenant_id = "));
                qb.push_bind(ctx.tenant_id()).push(" and u.id in ");
                push_id_list(&mut qb, ids);
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }

            async fn set_password(&self, ctx: &TenantCtx, id: Uuid, password_hash: &str, now: i64) -> StoreResult<()> {
                let mut tx = self.write_tx(ctx).await?;
                let n = sqlx::query("update users set password_hash = $1 where tenant_id = $2 and id = $3")
                    .bind(password_hash)
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                revoke_tokens(&mut tx, ctx, id, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_user(&self, ctx: &TenantCtx, id: Uuid, change: UserChange, now: i64) -> StoreResult<UserRecord> {
                let mut tx = self.write_tx(ctx).await?;
                let role_id = match &change.role {
                    Some(name) => {
                        let role: Option<(Uuid,)> = sqlx::query_as("select id from roles where tenant_id = $1 and name = $2")
                            .bind(ctx.tenant_id())
                            .bind(name)
                            .fetch_optional(&mut *tx)
                            .await?;
                        Some(role.ok_or_else(|| StoreError::InvalidReference(format!("no role named {name}")))?.0)
                    }
                    None => None,
                };
                let n = sqlx::query(
                    "update users set name = coalesce($1, name), role_id = coalesce($2, role_id), active = coalesce($3, active), \
                     available = coalesce($6, available) where tenant_id = $4 and id = $5",
                )
                .bind(change.name)
                .bind(role_id)
                .bind(change.active)
                .bind(ctx.tenant_id())
                .bind(id)
                .bind(change.available)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                if change.active == Some(false) {
                    revoke_tokens(&mut tx, ctx, id, now).await?;
                }
                let user = load_user(&mut tx, ctx, id).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn create_company(&self, ctx: &TenantCtx, new: NewCompany, now: i64) -> StoreResult<CompanyRecord> {
                let mut tx = self.write_tx(ctx).await?;
                let record = CompanyRecord { id: Uuid::now_v7(), name: new.name, domain: new.domain, sla_tier: "standard".into(), created_at: now };
                sqlx::query("insert into companies (tenant_id, id, name, domain, created_at) values ($1, $2, $3, $4, $5)")
                    .bind(ctx.tenant_id())
                    .bind(record.id)
                    .bind(&record.name)
                    .bind(&record.domain)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn get_company(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<CompanyRecord> {
                let mut tx = self.read_tx(ctx).await?;
                sqlx::query_as("select id, name, domain, sla_tier, created_at from companies where tenant_id = $1 and id = $2")
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn list_companies(&self, ctx: &TenantCtx, page: Page) -> StoreResult<Vec<CompanyRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                Ok(sqlx::query_as(
                    "select id, name, domain, sla_tier, created_at from companies where tenant_id = $1 order by name, id limit $2 offset $3",
                )
                .bind(ctx.tenant_id())
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(&mut *tx)
                .await?)
            }

            async fn create_group(&self, ctx: &TenantCtx, name: &str, now: i64) -> StoreResult<GroupRecord> {
                let mut tx = self.write_tx(ctx).await?;
                let id = Uuid::now_v7();
                sqlx::query("insert into agent_groups (tenant_id, id, name, created_at) values ($1, $2, $3, $4)")
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .bind(name)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(GroupRecord {
                    id,
                    name: name.to_owned(),
                    created_at: now,
                    member_ids: Vec::new(),
                    assignment: "manual".into(),
                    max_open: None,
                })
            }

            async fn get_group(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<GroupRecord> {
                let mut tx = self.read_tx(ctx).await?;
                load_groups(&mut tx, ctx, Some(id)).await?.pop().ok_or(StoreError::NotFound)
            }

            async fn list_groups(&self, ctx: &TenantCtx) -> StoreResult<Vec<GroupRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                load_groups(&mut tx, ctx, None).await
            }

            async fn add_group_member(&self, ctx: &TenantCtx, group_id: Uuid, user_id: Uuid) -> StoreResult<GroupRecord> {
                let mut tx = self.write_tx(ctx).await?;
                if load_groups(&mut tx, ctx, Some(group_id)).await?.is_empty() {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "insert into group_members (tenant_id, group_id, user_id) values ($1, $2, $3) \
                     on conflict (tenant_id, group_id, user_id) do nothing",
                )
                .bind(ctx.tenant_id())
                .bind(group_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                let group = load_groups(&mut tx, ctx, Some(group_id)).await?.pop().ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                Ok(group)
            }

            async fn create_tickets(&self, batch: &[(TenantCtx, NewTicket)], now: i64) -> StoreResult<Vec<TicketRecord>> {
                let Some((first, _)) = batch.first() else { return Ok(Vec::new()) };
                let mut tx = self.write_tx(first).await?;
                let mut out = Vec::with_capacity(batch.len());
                let mut current = *first;
                for (ctx, new) in batch {
                    if *ctx != current {
                        Self::switch_tenant(&mut tx, ctx).await?;
                        current = *ctx;
                    }
                    out.push(insert_ticket(&mut tx, ctx, new, now).await?);
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn get_ticket(&self, ctx: &TenantCtx, scope: &TicketScope, id: Uuid) -> StoreResult<TicketRecord> {
                let mut tx = self.read_tx(ctx).await?;
                select_ticket(&mut tx, ctx, scope, id, false).await
            }

            async fn list_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, query: &TicketQuery) -> StoreResult<Vec<TicketRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                let mut qb = QueryBuilder::<$db>::new(concat!(ticket_select!(), "from tickets t where t.tenant_id = "));
                qb.push_bind(ctx.tenant_id());
                push_scope(&mut qb, scope);
                push_filters(&mut qb, query);
                push_order(&mut qb, query);
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }

            async fn count_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, queries: &[TicketQuery], cap: i64) -> StoreResult<Vec<i64>> {
                let mut tx = self.read_tx(ctx).await?;
                let mut counts = Vec::with_capacity(queries.len());
                for query in queries {
                    let mut qb = QueryBuilder::<$db>::new("select count(*) from (select 1 from tickets t where t.tenant_id = ");
                    qb.push_bind(ctx.tenant_id());
                    push_scope(&mut qb, scope);
                    push_filters(&mut qb, query);
                    qb.push(" limit ").push_bind(cap).push(") capped");
                    let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *tx).await?;
                    counts.push(n);
                }
                Ok(counts)
            }

            async fn search_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, search: &TicketSearch) -> StoreResult<Vec<SearchHit>> {
                let mut tx = self.read_tx(ctx).await?;
                let mut qb = Self::search_query(ctx, &search.words);
                push_scope(&mut qb, scope);
                push_filters(&mut qb, &search.filter);
                qb.push(" order by score desc, t.number desc limit ").push_bind(search.filter.limit);
                qb.push(" offset ").push_bind(search.offset);
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }

            async fn add_attachment(&self, ctx: &TenantCtx, scope: &TicketScope, mut new: NewAttachment, now: i64) -> StoreResult<AttachmentRecord> {
                let mut tx = self.write_tx(ctx).await?;
                select_ticket(&mut tx, ctx, scope, new.ticket_id, false).await?;
                if let Some(comment) = new.comment_id {
                    let found: Option<(bool,)> = sqlx::query_as("select internal from ticket_comments where tenant_id = $1 and id = $2 and ticket_id = $3")
                        .bind(ctx.tenant_id())
                        .bind(comment)
                        .bind(new.ticket_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match found {
                        None => return Err(StoreError::InvalidReference("comment_id names no comment of this ticket".into())),
                        // A file on an internal note is as internal as the note.
                        Some((true,)) => new.internal = true,
                        Some((false,)) => {}
                    }
                }
                let size = i64::try_from(new.data.len()).unwrap_or(i64::MAX);
                sqlx::query(
                    "insert into attachment_blobs (tenant_id, sha256, size, data) values ($1, $2, $3, $4) \
                     on conflict (tenant_id, sha256) do nothing",
                )
                .bind(ctx.tenant_id())
                .bind(&new.sha256)
                .bind(size)
                .bind(&new.data)
                .execute(&mut *tx)
                .await?;
                let record = AttachmentRecord {
                    id: Uuid::now_v7(),
                    ticket_id: new.ticket_id,
                    comment_id: new.comment_id,
                    uploader_id: new.uploader_id,
                    filename: new.filename,
                    content_type: new.content_type,
                    size,
                    sha256: new.sha256,
                    internal: new.internal,
                    created_at: now,
                };
                sqlx::query(
                    "insert into attachments (tenant_id, id, ticket_id, comment_id, uploader_id, filename, content_type, size, sha256, internal, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(ctx.tenant_id())
                .bind(record.id)
                .bind(record.ticket_id)
                .bind(record.comment_id)
                .bind(record.uploader_id)
                .bind(&record.filename)
                .bind(&record.content_type)
                .bind(record.size)
                .bind(&record.sha256)
                .bind(record.internal)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_event(&mut tx, ctx, crate::shared::NewEvent {
                    ticket_id: record.ticket_id,
                    actor_id: Some(record.uploader_id),
                    at: now,
                    kind: "attachment",
                    field: None,
                    old_value: None,
                    new_value: Some(record.filename.clone()),
                    internal: record.internal,
                })
                .await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn list_attachments(&self, ctx: &TenantCtx, scope: &TicketScope, ticket_id: Uuid, include_internal: bool) -> StoreResult<Vec<AttachmentRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                select_ticket(&mut tx, ctx, scope, ticket_id, false).await?;
                let mut qb = QueryBuilder::<$db>::new(concat!(attachment_select!(), "where a.tenant_id = "));
                qb.push_bind(ctx.tenant_id()).push(" and a.ticket_id = ").push_bind(ticket_id);
                if !include_internal {
                    qb.push(" and a.internal = ").push_bind(false);
                }
                qb.push(" order by a.created_at, a.id");
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }

            async fn get_attachment(&self, ctx: &TenantCtx, scope: &TicketScope, id: Uuid, include_internal: bool) -> StoreResult<(AttachmentRecord, Vec<u8>)> {
                let mut tx = self.read_tx(ctx).await?;
                let mut qb = QueryBuilder::<$db>::new(concat!(attachment_select!(), "where a.tenant_id = "));
                qb.push_bind(ctx.tenant_id()).push(" and a.id = ").push_bind(id);
                if !include_internal {
                    qb.push(" and a.internal = ").push_bind(false);
                }
                let record: AttachmentRecord = qb.build_query_as().fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
                // The ticket decides who may see its files.
                select_ticket(&mut tx, ctx, scope, record.ticket_id, false).await?;
                let (data,): (Vec<u8>,) = sqlx::query_as("select data from attachment_blobs where tenant_id = $1 and sha256 = $2")
                    .bind(ctx.tenant_id())
                    .bind(&record.sha256)
                    .fetch_one(&mut *tx)
                    .await?;
                Ok((record, data))
            }

            async fn change_ticket(&self, ctx: &TenantCtx, scope: &TicketScope, change: TicketChange) -> StoreResult<(TicketRecord, Option<CommentRecord>)> {
                let mut tx = self.write_tx(ctx).await?;
                let out = apply_change(&mut tx, ctx, scope, change).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn merge_tickets(&self, ctx: &TenantCtx, scope: &TicketScope, source: TicketChange, note: TicketChange) -> StoreResult<TicketRecord> {
                let mut tx = self.write_tx(ctx).await?;
                // Both rows locked in id order (no deadlock between opposite merges), so A into B
                // and B into A cannot both succeed.
                let (first, second) = if source.ticket_id < note.ticket_id { (source.ticket_id, note.ticket_id) } else { (note.ticket_id, source.ticket_id) };
                select_ticket(&mut tx, ctx, scope, first, true).await?;
                select_ticket(&mut tx, ctx, scope, second, true).await?;
                let target = select_ticket(&mut tx, ctx, scope, note.ticket_id, false).await?;
                if target.status == "duplicate" {
                    return Err(StoreError::Conflict("the target has itself been merged meanwhile; merge into its original".into()));
                }
                let (merged, _) = apply_change(&mut tx, ctx, scope, source).await?;
                apply_change(&mut tx, ctx, scope, note).await?;
                tx.commit().await?;
                Ok(merged)
            }

            async fn list_comments(&self, ctx: &TenantCtx, scope: &TicketScope, ticket_id: Uuid, include_internal: bool) -> StoreResult<Vec<CommentRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                select_ticket(&mut tx, ctx, scope, ticket_id, false).await?;
                let mut qb = QueryBuilder::<$db>::new(
                    "select id, ticket_id, author_id, body, internal, created_at from ticket_comments where tenant_id = ",
                );
                qb.push_bind(ctx.tenant_id()).push(" and ticket_id = ").push_bind(ticket_id);
                if !include_internal {
                    qb.push(" and internal = ").push_bind(false);
                }
                qb.push(" order by created_at, id");
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }

            async fn list_events(&self, ctx: &TenantCtx, scope: &TicketScope, ticket_id: Uuid, include_internal: bool) -> StoreResult<Vec<EventRecord>> {
                let mut tx = self.read_tx(ctx).await?;
                select_ticket(&mut tx, ctx, scope, ticket_id, false).await?;
                let mut qb = QueryBuilder::<$db>::new(
                    "select id, ticket_id, actor_id, at, kind, field, old_value, new_value, internal from ticket_events where tenant_id = ",
                );
                qb.push_bind(ctx.tenant_id()).push(" and ticket_id = ").push_bind(ticket_id);
                if !include_internal {
                    qb.push(" and internal = ").push_bind(false);
                }
                qb.push(" order by at, id");
                Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
            }
        }
    };
}

pub(crate) use portable_store;
