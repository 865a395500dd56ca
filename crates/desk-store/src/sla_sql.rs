//! The portable SQL of [`crate::SlaStore`], compiled for each backend by `sla_store!`, plus the
//! helpers the ticket writes call inside their transaction (policy lookup, assignment).

use desk_domain::calendar::{Calendar, CalendarSpec};
use desk_domain::sla::PolicySpec;

/// Statuses in which a ticket counts towards an agent's load.
pub(crate) const OPEN_STATUSES: &str = "('new', 'open', 'in_progress', 'waiting_on_customer', 'escalated')";

/// A stored policy and its calendar (round the clock without one); `None` if either no longer parses.
pub(crate) fn parse_policy(body: &str, calendar: Option<&str>) -> Option<(PolicySpec, Calendar)> {
    let policy: PolicySpec = serde_json::from_str(body).ok()?;
    let calendar = match calendar {
        Some(c) => serde_json::from_str::<CalendarSpec>(c).ok()?.validate().ok()?,
        None => Calendar::always(),
    };
    Some((policy, calendar))
}

macro_rules! config_select {
    () => {
        "select id, kind, name, position, variant, body, calendar_id, group_id, created_at, updated_at from config_items "
    };
}

pub(crate) use config_select;

/// Implements [`crate::SlaStore`] for a backend type over its driver.
macro_rules! sla_store {
    ($store:ty, $db:ty, $lock:literal) => {
        pub(super) mod sla_impl {
            use desk_domain::calendar::Calendar;
            use desk_domain::routing::{AssignmentMode, Candidate, NoAgent};
            use desk_domain::sla::PolicySpec;
            use uuid::Uuid;

            use super::*;
            use crate::sla_sql::{OPEN_STATUSES, config_select, parse_policy};
            use crate::*;

            type Tx = sqlx::Transaction<'static, $db>;

            /// The policy a new ticket of `company_id` gets: its company's tier's, else `standard`.
            pub(crate) async fn policy_for_new(
                tx: &mut Tx,
                ctx: &TenantCtx,
                company_id: Option<Uuid>,
            ) -> StoreResult<Option<(Uuid, PolicySpec, Calendar)>> {
                let row: Option<(Uuid, String, Option<String>)> = sqlx::query_as(
                    "select p.id, p.body, c.body from config_items p \
                     left join config_items c on c.tenant_id = p.tenant_id and c.id = p.calendar_id \
                     where p.tenant_id = $1 and p.kind = 'sla_policy' and p.variant in \
                       (coalesce((select sla_tier from companies where tenant_id = $1 and id = $2), 'standard'), 'standard') \
                     order by case when p.variant = 'standard' then 1 else 0 end limit 1",
                )
                .bind(ctx.tenant_id())
                .bind(company_id)
                .fetch_optional(&mut **tx)
                .await?;
                Ok(row.and_then(|(id, body, cal)| parse_policy(&body, cal.as_deref()).map(|(p, c)| (id, p, c))))
            }

            /// A ticket's policy and calendar by id.
            pub(crate) async fn policy_by_id(tx: &mut Tx, ctx: &TenantCtx, id: Uuid) -> StoreResult<Option<(PolicySpec, Calendar)>> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "select p.body, c.body from config_items p \
                     left join config_items c on c.tenant_id = p.tenant_id and c.id = p.calendar_id \
                     where p.tenant_id = $1 and p.id = $2 and p.kind = 'sla_policy'",
                )
                .bind(ctx.tenant_id())
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
                Ok(row.and_then(|(body, cal)| parse_policy(&body, cal.as_deref())))
            }

            /// Picks the agent for a new ticket of `group_id` by the group's mode, inside the
            /// ticket's transaction: the group row is locked until commit, so concurrent creations
            /// take turns and the rotation never skips or repeats.
            pub(crate) async fn assign(
                tx: &mut Tx,
                ctx: &TenantCtx,
                group_id: Uuid,
                required: &[Uuid],
            ) -> StoreResult<Result<Uuid, NoAgent>> {
                let group: Option<(String, Option<i64>, Option<Uuid>)> = sqlx::query_as(concat!(
                    "select assignment, max_open, rr_last_user_id from agent_groups where tenant_id = $1 and id = $2",
                    $lock
                ))
                .bind(ctx.tenant_id())
                .bind(group_id)
                .fetch_optional(&mut **tx)
                .await?;
                let Some((mode, max_open, last)) = group else { return Ok(Err(NoAgent::NobodyAvailable)) };
                let mode = AssignmentMode::parse(&mode).unwrap_or(AssignmentMode::Manual);
                if mode == AssignmentMode::Manual {
                    return Ok(Err(NoAgent::Manual));
                }
                // Round robin without a limit needs no loads: skip counting them.
                let load = if mode == AssignmentMode::RoundRobin && max_open.is_none() {
                    "cast(0 as bigint)".to_owned()
                } else {
                    format!(
                        "(select count(*) from tickets t where t.tenant_id = m.tenant_id \
                         and t.assignee_id = m.user_id and t.status in {OPEN_STATUSES})"
                    )
                };
                let loads: Vec<(Uuid, i64)> = sqlx::query_as(&format!(
                    "select m.user_id, {load} \
                     from group_members m join users u on u.tenant_id = m.tenant_id and u.id = m.user_id \
                     where m.tenant_id = $1 and m.group_id = $2 and u.active = true and u.available = true"
                ))
                .bind(ctx.tenant_id())
                .bind(group_id)
                .fetch_all(&mut **tx)
                .await?;
                let skills: Vec<(Uuid, Uuid, i64)> = if required.is_empty() && mode != AssignmentMode::Skills {
                    Vec::new()
                } else {
                    sqlx::query_as(
                        "select s.user_id, s.skill_id, s.level from user_skills s join group_members m \
                         on m.tenant_id = s.tenant_id and m.user_id = s.user_id where s.tenant_id = $1 and m.group_id = $2",
                    )
                    .bind(ctx.tenant_id())
                    .bind(group_id)
                    .fetch_all(&mut **tx)
                    .await?
                };
                let candidates: Vec<Candidate> = loads
                    .into_iter()
                    .map(|(user_id, load)| Candidate {
                        user_id,
                        load,
                        skills: skills.iter().filter(|s| s.0 == user_id).map(|s| (s.1, s.2)).collect(),
                    })
                    .collect();
                let chosen = desk_domain::routing::choose(mode, &candidates, last, required, max_open);
                if let Ok(user) = chosen {
                    sqlx::query("update agent_groups set rr_last_user_id = $1 where tenant_id = $2 and id = $3")
                        .bind(user)
                        .bind(ctx.tenant_id())
                        .bind(group_id)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(chosen)
            }

            /// Gives the open tickets of a company whose tier changed the new tier's policy.
            async fn retier_company_tickets(tx: &mut Tx, ctx: &TenantCtx, company_id: Uuid, now: i64) -> StoreResult<()> {
                let policy = policy_for_new(tx, ctx, Some(company_id)).await?;
                let tickets: Vec<(Uuid, i64, String, i64)> = sqlx::query_as(&format!(
                    "select id, created_at, priority, sla_paused_ms from tickets \
                     where tenant_id = $1 and company_id = $2 and status in {OPEN_STATUSES}"
                ))
                .bind(ctx.tenant_id())
                .bind(company_id)
                .fetch_all(&mut **tx)
                .await?;
                for (id, created_at, priority, paused_ms) in tickets {
                    let (policy_id, clock) = match &policy {
                        Some((pid, spec, cal)) => {
                            (Some(*pid), desk_domain::sla::Clock::start(cal, created_at, spec.target(&priority), paused_ms))
                        }
                        None => (None, desk_domain::sla::Clock::default()),
                    };
                    sqlx::query(
                        "update tickets set sla_policy_id = $1, first_response_due_at = $2, resolution_due_at = $3, updated_at = $4 \
                         where tenant_id = $5 and id = $6",
                    )
                    .bind(policy_id)
                    .bind(clock.first_response_due_at)
                    .bind(clock.resolution_due_at)
                    .bind(now)
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                    super::insert_event(tx, ctx, crate::shared::NewEvent {
                        ticket_id: id,
                        actor_id: None,
                        at: now,
                        kind: "sla",
                        field: Some("sla_policy_id"),
                        old_value: None,
                        new_value: policy_id.map(|p| p.to_string()),
                        internal: false,
                    })
                    .await?;
                }
                Ok(())
            }

            fn ctx_of(tenant_id: Uuid) -> TenantCtx {
                TenantCtx::new(tenant_id)
            }

            #[async_trait::async_trait]
            impl SlaStore for $store {
                async fn list_config(&self, ctx: &TenantCtx, kind: ConfigKind) -> StoreResult<Vec<ConfigRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(concat!(config_select!(), "where tenant_id = $1 and kind = $2 order by position, name"))
                        .bind(ctx.tenant_id())
                        .bind(kind.as_str())
                        .fetch_all(&mut *tx)
                        .await?)
                }

                async fn get_config(&self, ctx: &TenantCtx, kind: ConfigKind, id: Uuid) -> StoreResult<ConfigRecord> {
                    let mut tx = self.read_tx(ctx).await?;
                    sqlx::query_as(concat!(config_select!(), "where tenant_id = $1 and kind = $2 and id = $3"))
                        .bind(ctx.tenant_id())
                        .bind(kind.as_str())
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)
                }

                async fn put_config(&self, ctx: &TenantCtx, kind: ConfigKind, id: Option<Uuid>, w: ConfigWrite, now: i64) -> StoreResult<ConfigRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let id = match id {
                        None => {
                            let id = Uuid::now_v7();
                            sqlx::query(
                                "insert into config_items (tenant_id, id, kind, name, position, variant, body, calendar_id, group_id, created_at, updated_at) \
                                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                            )
                            .bind(ctx.tenant_id())
                            .bind(id)
                            .bind(kind.as_str())
                            .bind(&w.name)
                            .bind(w.position)
                            .bind(&w.variant)
                            .bind(&w.body)
                            .bind(w.calendar_id)
                            .bind(w.group_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            id
                        }
                        Some(id) => {
                            let n = sqlx::query(
                                "update config_items set name = $1, position = $2, variant = $3, body = $4, calendar_id = $5, group_id = $6, updated_at = $7 \
                                 where tenant_id = $8 and kind = $9 and id = $10",
                            )
                            .bind(&w.name)
                            .bind(w.position)
                            .bind(&w.variant)
                            .bind(&w.body)
                            .bind(w.calendar_id)
                            .bind(w.group_id)
                            .bind(now)
                            .bind(ctx.tenant_id())
                            .bind(kind.as_str())
                            .bind(id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if n == 0 {
                                return Err(StoreError::NotFound);
                            }
                            id
                        }
                    };
                    let record = sqlx::query_as(concat!(config_select!(), "where tenant_id = $1 and id = $2"))
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(record)
                }

                async fn delete_config(&self, ctx: &TenantCtx, kind: ConfigKind, id: Uuid) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    let n = sqlx::query("delete from config_items where tenant_id = $1 and kind = $2 and id = $3")
                        .bind(ctx.tenant_id())
                        .bind(kind.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| match StoreError::from(e) {
                            StoreError::InvalidReference(_) => StoreError::Conflict("it is still in use".into()),
                            other => other,
                        })?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn usage(&self, ctx: &TenantCtx, id: Uuid) -> StoreResult<Usage> {
                    let mut tx = self.read_tx(ctx).await?;
                    let documents: Vec<(String,)> = sqlx::query_as(
                        "select name from config_items where tenant_id = $1 and id <> $2 \
                         and (calendar_id = $2 or group_id = $2 or body like $3) order by name",
                    )
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .bind(format!("%{id}%"))
                    .fetch_all(&mut *tx)
                    .await?;
                    let (tickets,): (i64,) = sqlx::query_as(
                        "select count(*) from tickets where tenant_id = $1 and (sla_policy_id = $2 or group_id = $2)",
                    )
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let (users,): (i64,) = sqlx::query_as(
                        "select (select count(*) from user_skills where tenant_id = $1 and skill_id = $2) \
                         + (select count(*) from group_members where tenant_id = $1 and group_id = $2)",
                    )
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    Ok(Usage { documents: documents.into_iter().map(|d| d.0).collect(), tickets, users })
                }

                async fn tenant_settings(&self, ctx: &TenantCtx) -> StoreResult<TenantSettings> {
                    let mut tx = self.read_tx(ctx).await?;
                    let s = sqlx::query_as("select time_zone, auto_close_days, default_group_id from tenant_settings where tenant_id = $1")
                        .bind(ctx.tenant_id())
                        .fetch_optional(&mut *tx)
                        .await?;
                    Ok(s.unwrap_or_default())
                }

                async fn set_tenant_settings(&self, ctx: &TenantCtx, s: &TenantSettings) -> StoreResult<TenantSettings> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query(
                        "insert into tenant_settings (tenant_id, time_zone, auto_close_days, default_group_id) values ($1, $2, $3, $4) \
                         on conflict (tenant_id) do update set time_zone = excluded.time_zone, \
                         auto_close_days = excluded.auto_close_days, default_group_id = excluded.default_group_id",
                    )
                    .bind(ctx.tenant_id())
                    .bind(&s.time_zone)
                    .bind(s.auto_close_days)
                    .bind(s.default_group_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(s.clone())
                }

                async fn change_company(&self, ctx: &TenantCtx, id: Uuid, c: CompanyChange, now: i64) -> StoreResult<CompanyRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let cur: CompanyRecord = sqlx::query_as(concat!(
                        "select id, name, domain, sla_tier, created_at from companies where tenant_id = $1 and id = $2",
                        $lock
                    ))
                    .bind(ctx.tenant_id())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                    let name = c.name.unwrap_or(cur.name.clone());
                    let domain = c.domain.unwrap_or(cur.domain.clone());
                    let tier = c.sla_tier.unwrap_or(cur.sla_tier.clone());
                    sqlx::query("update companies set name = $1, domain = $2, sla_tier = $3 where tenant_id = $4 and id = $5")
                        .bind(&name)
                        .bind(&domain)
                        .bind(&tier)
                        .bind(ctx.tenant_id())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if tier != cur.sla_tier {
                        retier_company_tickets(&mut tx, ctx, id, now).await?;
                    }
                    tx.commit().await?;
                    Ok(CompanyRecord { name, domain, sla_tier: tier, ..cur })
                }

                async fn set_group_assignment(&self, ctx: &TenantCtx, id: Uuid, mode: &str, max_open: Option<Option<i64>>) -> StoreResult<GroupRecord> {
                    let mut tx = self.write_tx(ctx).await?;
                    let mut qb = sqlx::QueryBuilder::<$db>::new("update agent_groups set assignment = ");
                    qb.push_bind(mode.to_owned());
                    if let Some(m) = max_open {
                        qb.push(", max_open = ").push_bind(m);
                    }
                    qb.push(" where tenant_id = ").push_bind(ctx.tenant_id()).push(" and id = ").push_bind(id);
                    if qb.build().execute(&mut *tx).await?.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    self.get_group(ctx, id).await
                }

                async fn set_user_skills(&self, ctx: &TenantCtx, user_id: Uuid, skills: &[(Uuid, i64)]) -> StoreResult<Vec<UserSkill>> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query("delete from user_skills where tenant_id = $1 and user_id = $2")
                        .bind(ctx.tenant_id())
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    for (skill_id, level) in skills {
                        sqlx::query("insert into user_skills (tenant_id, user_id, skill_id, level) values ($1, $2, $3, $4)")
                            .bind(ctx.tenant_id())
                            .bind(user_id)
                            .bind(skill_id)
                            .bind(level)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let out = sqlx::query_as("select skill_id, level from user_skills where tenant_id = $1 and user_id = $2 order by skill_id")
                        .bind(ctx.tenant_id())
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn user_skills(&self, ctx: &TenantCtx, user_id: Uuid) -> StoreResult<Vec<UserSkill>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as("select skill_id, level from user_skills where tenant_id = $1 and user_id = $2 order by skill_id")
                        .bind(ctx.tenant_id())
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await?)
                }

                async fn list_notifications(&self, ctx: &TenantCtx, user_id: Uuid, limit: i64) -> StoreResult<Vec<NotificationRecord>> {
                    let mut tx = self.read_tx(ctx).await?;
                    Ok(sqlx::query_as(
                        "select id, user_id, ticket_id, kind, body, created_at, read_at from notifications \
                         where tenant_id = $1 and user_id = $2 order by created_at desc, id desc limit $3",
                    )
                    .bind(ctx.tenant_id())
                    .bind(user_id)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?)
                }

                async fn resolution_samples(&self, ctx: &TenantCtx, priority: &str, category: Option<&str>, since: i64) -> StoreResult<Vec<ResolutionSample>> {
                    let mut tx = self.read_tx(ctx).await?;
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "select t.created_at, t.resolved_at from tickets t where t.resolved_at is not null and t.tenant_id = ",
                    );
                    qb.push_bind(ctx.tenant_id()).push(" and t.priority = ").push_bind(priority.to_owned());
                    qb.push(" and t.created_at >= ").push_bind(since);
                    if let Some(c) = category {
                        qb.push(" and exists (select 1 from ticket_ai a where a.tenant_id = t.tenant_id and a.ticket_id = t.id and a.category = ")
                            .push_bind(c.to_owned())
                            .push(")");
                    }
                    qb.push(" order by t.created_at desc limit 2000");
                    Ok(qb.build_query_as().fetch_all(&mut *tx).await?)
                }

                async fn set_breach_risk(&self, ctx: &TenantCtx, ticket_id: Uuid, risk: Option<i64>, basis: Option<&str>) -> StoreResult<()> {
                    let mut tx = self.write_tx(ctx).await?;
                    sqlx::query("update tickets set breach_risk = $1, breach_risk_basis = $2 where tenant_id = $3 and id = $4")
                        .bind(risk)
                        .bind(basis)
                        .bind(ctx.tenant_id())
                        .bind(ticket_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn scan_due(&self, now: i64, limit: i64) -> StoreResult<Vec<DueTicket>> {
                    let mut tx = self.scan_tx().await?;
                    let first: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "select tenant_id, id from tickets where first_response_breached = false and first_response_at is null \
                         and sla_paused = false and status not in ('resolved', 'closed', 'duplicate') \
                         and first_response_due_at <= $1 order by first_response_due_at limit $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    let resolution: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "select tenant_id, id from tickets where resolution_breached = false and resolved_at is null \
                         and sla_paused = false and status not in ('resolved', 'closed', 'duplicate') \
                         and resolution_due_at <= $1 order by resolution_due_at limit $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    let tag = |target: &'static str| move |(t, id): (Uuid, Uuid)| DueTicket { ctx: ctx_of(t), ticket_id: id, target };
                    Ok(first.into_iter().map(tag("first_response")).chain(resolution.into_iter().map(tag("resolution"))).collect())
                }

                async fn scan_aged(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>> {
                    let mut tx = self.scan_tx().await?;
                    let rules: Vec<(Uuid, Uuid, String)> =
                        sqlx::query_as("select tenant_id, id, body from config_items where kind = 'escalation_rule' and variant = 'age'")
                            .fetch_all(&mut *tx)
                            .await?;
                    let mut out = Vec::new();
                    for (tenant_id, rule_id, body) in rules {
                        let Ok(rule) = serde_json::from_str::<desk_domain::routing::EscalationRuleSpec>(&body) else { continue };
                        let Some(minutes) = rule.age_minutes else { continue };
                        let ids: Vec<(Uuid,)> = sqlx::query_as(&format!(
                            "select t.id from tickets t where t.tenant_id = $1 and t.status in {OPEN_STATUSES} and t.created_at <= $2 \
                             and not exists (select 1 from escalation_fired f where f.tenant_id = t.tenant_id and f.ticket_id = t.id and f.rule_id = $3) \
                             order by t.created_at limit $4"
                        ))
                        .bind(tenant_id)
                        .bind(now - minutes.saturating_mul(60_000))
                        .bind(rule_id)
                        .bind(limit)
                        .fetch_all(&mut *tx)
                        .await?;
                        out.extend(ids.into_iter().map(|(id,)| ScannedTicket { ctx: ctx_of(tenant_id), ticket_id: id, rule_id: Some(rule_id) }));
                    }
                    Ok(out)
                }

                async fn scan_auto_close(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>> {
                    let mut tx = self.scan_tx().await?;
                    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "select t.tenant_id, t.id from tickets t left join tenant_settings s on s.tenant_id = t.tenant_id \
                         where t.status = 'resolved' and coalesce(s.auto_close_days, 3) > 0 \
                         and t.resolved_at <= $1 - coalesce(s.auto_close_days, 3) * 86400000 order by t.resolved_at limit $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    Ok(rows.into_iter().map(|(t, id)| ScannedTicket { ctx: ctx_of(t), ticket_id: id, rule_id: None }).collect())
                }

                async fn scan_due_soon(&self, now: i64, limit: i64) -> StoreResult<Vec<ScannedTicket>> {
                    let mut tx = self.scan_tx().await?;
                    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "select tenant_id, id from tickets where resolution_breached = false and resolved_at is null \
                         and sla_paused = false and status not in ('resolved', 'closed', 'duplicate') \
                         and resolution_due_at > $1 order by resolution_due_at limit $2",
                    )
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    Ok(rows.into_iter().map(|(t, id)| ScannedTicket { ctx: ctx_of(t), ticket_id: id, rule_id: None }).collect())
                }

                async fn scan_unescalated(&self, limit: i64) -> StoreResult<Vec<ScannedTicket>> {
                    let mut tx = self.scan_tx().await?;
                    let rows: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(&format!(
                        "select t.tenant_id, t.id, r.id from config_items r join tickets t on t.tenant_id = r.tenant_id \
                         where r.kind = 'escalation_rule' and r.variant in ('first_response_breach', 'resolution_breach') \
                         and t.status in {OPEN_STATUSES} \
                         and (t.first_response_breached = true or t.resolution_breached = true) \
                         and ((r.variant = 'first_response_breach' and t.first_response_breached = true) \
                           or (r.variant = 'resolution_breach' and t.resolution_breached = true)) \
                         and not exists (select 1 from escalation_fired f where f.tenant_id = t.tenant_id \
                           and f.ticket_id = t.id and f.rule_id = r.id) \
                         limit $1"
                    ))
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    Ok(rows.into_iter().map(|(t, id, rule)| ScannedTicket { ctx: ctx_of(t), ticket_id: id, rule_id: Some(rule) }).collect())
                }
            }
        }
    };
}

pub(crate) use sla_store;
