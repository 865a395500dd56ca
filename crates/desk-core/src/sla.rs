//! SLA settings: business-hours calendars, SLA policies, routing rules, escalation rules and
//! skills (each a document an admin writes whole or patches), the tenant's settings, company
//! tiers, group assignment modes and agent skills.

use std::sync::atomic::{AtomicU64, Ordering};

use desk_domain::calendar::CalendarSpec;
use desk_domain::permissions as perm;
use desk_domain::routing::{AssignmentMode, EscalationRuleSpec, RoutingRuleSpec};
use desk_domain::sla::{DEFAULT_POLICIES, PolicySpec, Tier};
use desk_domain::validate::{Errors, FieldError};
use desk_store::{
    CompanyChange, CompanyRecord, ConfigKind, ConfigRecord, ConfigWrite, GroupRecord, Principal, StoreError, TenantCtx,
    TenantSettings, UserSkill,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::{CoreError, CoreResult, Desk, require};

pub use crate::sla_view::{BreachPrediction, TicketSlaView};

/// A stored settings document with its id and times.
#[derive(Debug, Clone)]
pub struct Configured<T> {
    pub id: Uuid,
    pub spec: T,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A skill agents can hold (levels 1–5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillSpec {
    /// Unique in the tenant, e.g. "German" or "SAP".
    pub name: String,
}

/// What references a document makes, checked against the tenant on every write.
#[derive(Debug, Default)]
pub struct Refs {
    calendar: Option<Uuid>,
    groups: Vec<(String, Uuid)>,
    skills: Vec<(String, Uuid)>,
    users: Vec<(String, Uuid)>,
    companies: Vec<(String, Uuid)>,
}

/// A kind of settings document.
pub trait Doc: Serialize + DeserializeOwned + Clone {
    const KIND: ConfigKind;
    /// Checks the document on its own, naming bad fields.
    fn check(&self, e: &mut Errors);
    /// The columns the store keeps beside the document.
    fn columns(&self) -> ConfigWrite;
    /// Its references to other rows of the tenant.
    fn refs(&self) -> Refs {
        Refs::default()
    }
}

impl Doc for CalendarSpec {
    const KIND: ConfigKind = ConfigKind::Calendar;
    fn check(&self, e: &mut Errors) {
        if let Err(err) = self.validate() {
            e.add(&err.field, err.message);
        }
    }
    fn columns(&self) -> ConfigWrite {
        ConfigWrite { name: self.name.trim().to_owned(), ..ConfigWrite::default() }
    }
}

impl Doc for PolicySpec {
    const KIND: ConfigKind = ConfigKind::SlaPolicy;
    fn check(&self, e: &mut Errors) {
        PolicySpec::check(self, e);
    }
    fn columns(&self) -> ConfigWrite {
        ConfigWrite {
            name: self.name.trim().to_owned(),
            variant: Some(self.tier.clone()),
            calendar_id: self.calendar_id,
            position: Tier::parse(&self.tier)
                .and_then(|t| Tier::ALL.iter().position(|x| *x == t))
                .map_or(0, |p| i64::try_from(p).unwrap_or(0)),
            ..ConfigWrite::default()
        }
    }
    fn refs(&self) -> Refs {
        Refs { calendar: self.calendar_id, ..Refs::default() }
    }
}

impl Doc for RoutingRuleSpec {
    const KIND: ConfigKind = ConfigKind::RoutingRule;
    fn check(&self, e: &mut Errors) {
        RoutingRuleSpec::check(self, e, desk_ai::classify::CATEGORIES, crate::tickets::CHANNELS);
    }
    fn columns(&self) -> ConfigWrite {
        ConfigWrite {
            name: self.name.trim().to_owned(),
            position: self.position,
            group_id: Some(self.group_id),
            ..ConfigWrite::default()
        }
    }
    fn refs(&self) -> Refs {
        Refs {
            groups: vec![("group_id".into(), self.group_id)],
            skills: self.required_skill_ids.iter().enumerate().map(|(i, s)| (format!("required_skill_ids[{i}]"), *s)).collect(),
            companies: self.conditions.company_id.map(|c| ("conditions.company_id".to_owned(), c)).into_iter().collect(),
            ..Refs::default()
        }
    }
}

impl Doc for EscalationRuleSpec {
    const KIND: ConfigKind = ConfigKind::EscalationRule;
    fn check(&self, e: &mut Errors) {
        EscalationRuleSpec::check(self, e);
    }
    fn columns(&self) -> ConfigWrite {
        ConfigWrite {
            name: self.name.trim().to_owned(),
            variant: Some(self.trigger.clone()),
            group_id: self.actions.group_id,
            ..ConfigWrite::default()
        }
    }
    fn refs(&self) -> Refs {
        let a = &self.actions;
        let mut users: Vec<(String, Uuid)> =
            a.notify_user_ids.iter().enumerate().map(|(i, u)| (format!("actions.notify_user_ids[{i}]"), *u)).collect();
        users.extend(a.assignee_id.map(|u| ("actions.assignee_id".to_owned(), u)));
        Refs { groups: a.group_id.map(|g| ("actions.group_id".to_owned(), g)).into_iter().collect(), users, ..Refs::default() }
    }
}

impl Doc for SkillSpec {
    const KIND: ConfigKind = ConfigKind::Skill;
    fn check(&self, e: &mut Errors) {
        e.text("name", &self.name, 100);
    }
    fn columns(&self) -> ConfigWrite {
        ConfigWrite { name: self.name.trim().to_owned(), ..ConfigWrite::default() }
    }
}

/// Counters of the SLA jobs since start, for `/metrics`.
#[derive(Debug, Default)]
pub struct SlaMetrics {
    /// Breaches recorded (each once, by whichever process found it).
    pub breaches: AtomicU64,
    /// Escalation rules fired.
    pub escalations: AtomicU64,
    /// Tickets closed by auto-close.
    pub auto_closed: AtomicU64,
}

impl SlaMetrics {
    pub(crate) fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A change to the tenant's settings: only the fields set change.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub time_zone: Option<String>,
    pub auto_close_days: Option<i64>,
    pub default_group_id: Option<Option<Uuid>>,
}

/// A change to a company.
#[derive(Debug, Clone, Default)]
pub struct CompanyPatchInput {
    pub name: Option<String>,
    pub domain: Option<Option<String>>,
    pub sla_tier: Option<String>,
}

/// How a group assigns its tickets.
#[derive(Debug, Clone, Default)]
pub struct GroupAssignmentInput {
    pub assignment: Option<String>,
    pub max_open: Option<Option<i64>>,
}

fn decode<T: DeserializeOwned>(v: Value) -> CoreResult<T> {
    serde_json::from_value(v).map_err(|e| CoreError::field("body", &e.to_string()))
}

#[allow(clippy::needless_pass_by_value)] // used as `map(configured)` over owned records
fn configured<T: Doc>(r: ConfigRecord) -> CoreResult<Configured<T>> {
    let spec = serde_json::from_str(&r.body).map_err(|e| CoreError::Internal(format!("stored {}: {e}", r.kind)))?;
    Ok(Configured { id: r.id, spec, created_at: r.created_at, updated_at: r.updated_at })
}

impl Desk {
    /// Documents of one kind.
    pub async fn list_docs<T: Doc>(&self, p: &Principal) -> CoreResult<Vec<Configured<T>>> {
        require(p, perm::SLA_READ)?;
        self.store.list_config(&p.ctx, T::KIND).await?.into_iter().map(configured).collect()
    }

    /// One document.
    pub async fn get_doc<T: Doc>(&self, p: &Principal, id: Uuid) -> CoreResult<Configured<T>> {
        require(p, perm::SLA_READ)?;
        configured(self.store.get_config(&p.ctx, T::KIND, id).await?)
    }

    /// Creates a document from its JSON.
    pub async fn create_doc<T: Doc>(&self, p: &Principal, body: Value) -> CoreResult<Configured<T>> {
        require(p, perm::SLA_MANAGE)?;
        let spec: T = decode(body)?;
        self.save_doc(&p.ctx, None, &spec).await
    }

    /// Changes the fields of a document that `patch` names (top-level keys replace).
    pub async fn patch_doc<T: Doc>(&self, p: &Principal, id: Uuid, patch: Value) -> CoreResult<Configured<T>> {
        require(p, perm::SLA_MANAGE)?;
        let Value::Object(changes) = patch else { return Err(CoreError::field("body", "must be a JSON object")) };
        let cur = self.store.get_config(&p.ctx, T::KIND, id).await?;
        let mut doc: Value = serde_json::from_str(&cur.body).map_err(|e| CoreError::Internal(e.to_string()))?;
        if let Value::Object(fields) = &mut doc {
            fields.extend(changes);
        }
        let spec: T = decode(doc)?;
        self.save_doc(&p.ctx, Some(id), &spec).await
    }

    /// Deletes a document; 409 naming what still uses it.
    pub async fn delete_doc<T: Doc>(&self, p: &Principal, id: Uuid) -> CoreResult<()> {
        require(p, perm::SLA_MANAGE)?;
        self.store.get_config(&p.ctx, T::KIND, id).await?;
        if matches!(T::KIND, ConfigKind::Calendar | ConfigKind::SlaPolicy | ConfigKind::Skill) {
            let usage = self.store.usage(&p.ctx, id).await?;
            let mut what = Vec::new();
            if !usage.documents.is_empty() {
                what.push(format!(
                    "{} ({})",
                    if T::KIND == ConfigKind::Calendar { "SLA policies" } else { "rules" },
                    usage.documents.join(", ")
                ));
            }
            if usage.tickets > 0 {
                what.push(format!("{} tickets", usage.tickets));
            }
            if usage.users > 0 {
                what.push(format!("{} agents", usage.users));
            }
            if !what.is_empty() {
                return Err(CoreError::Conflict(format!("still in use by {}", what.join(" and "))));
            }
        }
        Ok(self.store.delete_config(&p.ctx, T::KIND, id).await?)
    }

    async fn save_doc<T: Doc>(&self, ctx: &TenantCtx, id: Option<Uuid>, spec: &T) -> CoreResult<Configured<T>> {
        let mut e = Errors::default();
        spec.check(&mut e);
        // References are looked up only in a document that is otherwise sound (and so bounded).
        e.finish()?;
        let mut e = Errors::default();
        self.check_refs(ctx, &spec.refs(), &mut e).await?;
        e.finish()?;
        let mut write = spec.columns();
        write.body = serde_json::to_string(spec).map_err(|e| CoreError::Internal(e.to_string()))?;
        match self.store.put_config(ctx, T::KIND, id, write, self.now()).await {
            Ok(r) => configured(r),
            Err(StoreError::Conflict(_)) if T::KIND == ConfigKind::SlaPolicy => {
                Err(CoreError::Conflict("the tenant already has a policy for this tier".into()))
            }
            Err(StoreError::Conflict(_)) => Err(CoreError::Conflict("the name is already taken".into())),
            Err(err) => Err(err.into()),
        }
    }

    /// Every reference must name a row of the caller's own tenant: 422 naming the field otherwise.
    async fn check_refs(&self, ctx: &TenantCtx, refs: &Refs, e: &mut Errors) -> CoreResult<()> {
        if let Some(id) = refs.calendar
            && let Err(err) = self.store.get_config(ctx, ConfigKind::Calendar, id).await
        {
            not_found(err, "calendar_id", "no such calendar", e)?;
        }
        for (field, id) in &refs.groups {
            if let Err(err) = self.store.get_group(ctx, *id).await {
                not_found(err, field, "no such group", e)?;
            }
        }
        for (field, id) in &refs.skills {
            if let Err(err) = self.store.get_config(ctx, ConfigKind::Skill, *id).await {
                not_found(err, field, "no such skill", e)?;
            }
        }
        for (field, id) in &refs.companies {
            if let Err(err) = self.store.get_company(ctx, *id).await {
                not_found(err, field, "no such company", e)?;
            }
        }
        for (field, id) in &refs.users {
            match self.store.get_user(ctx, *id).await {
                Ok(u) if u.staff && u.active => {}
                Ok(_) => e.add(field, "must be an active staff user"),
                Err(err) => not_found(err, field, "no such user", e)?,
            }
        }
        Ok(())
    }

    /// Seeds a new tenant's SLA settings: a Monday-to-Friday 09:00–17:00 calendar, seed 003's
    /// five tier policies, and escalation rules for breaches and angry customers.
    pub(crate) async fn seed_sla_defaults(&self, ctx: &TenantCtx) -> CoreResult<()> {
        let week = ["mon", "tue", "wed", "thu", "fri"];
        let calendar: CalendarSpec = decode(serde_json::json!({
            "name": "Business hours",
            "time_zone": "UTC",
            "hours": week.iter().map(|d| serde_json::json!({"day": d, "start": "09:00", "end": "17:00"})).collect::<Vec<_>>(),
            "holidays": [],
        }))?;
        let calendar = self.save_doc(ctx, None, &calendar).await?;
        for d in DEFAULT_POLICIES {
            let spec = PolicySpec {
                name: d.name.to_owned(),
                tier: d.tier.as_str().to_owned(),
                calendar_id: d.business_hours.then_some(calendar.id),
                targets: d.targets(),
            };
            self.save_doc(ctx, None, &spec).await?;
        }
        for rule in [
            serde_json::json!({"name": "Resolution overdue: tell the supervisors", "trigger": "resolution_breach",
                "actions": {"notify_role": "supervisor"}}),
            serde_json::json!({"name": "Angry customer: escalate", "trigger": "sentiment_angry",
                "actions": {"status": "escalated", "notify_role": "supervisor"}}),
        ] {
            self.save_doc::<EscalationRuleSpec>(ctx, None, &decode(rule)?).await?;
        }
        Ok(())
    }

    /// The tenant's settings.
    pub async fn settings(&self, p: &Principal) -> CoreResult<TenantSettings> {
        require(p, perm::SLA_READ)?;
        Ok(self.store.tenant_settings(&p.ctx).await?)
    }

    /// Changes the tenant's settings.
    pub async fn update_settings(&self, p: &Principal, input: SettingsInput) -> CoreResult<TenantSettings> {
        require(p, perm::SLA_MANAGE)?;
        let mut s = self.store.tenant_settings(&p.ctx).await?;
        let mut e = Errors::default();
        if let Some(tz) = input.time_zone {
            if jiff::tz::db().get(&tz).is_err() {
                e.add("time_zone", "is not an IANA time zone such as Europe/Berlin");
            }
            s.time_zone = tz;
        }
        if let Some(days) = input.auto_close_days {
            if !(0..=365).contains(&days) {
                e.add("auto_close_days", "must be 0 (never) to 365 days");
            }
            s.auto_close_days = days;
        }
        if let Some(group) = input.default_group_id {
            if let Some(id) = group
                && let Err(err) = self.store.get_group(&p.ctx, id).await
            {
                not_found(err, "default_group_id", "no such group", &mut e)?;
            }
            s.default_group_id = group;
        }
        e.finish()?;
        Ok(self.store.set_tenant_settings(&p.ctx, &s).await?)
    }

    /// Changes a company's name, domain or SLA tier.
    pub async fn update_company(&self, p: &Principal, id: Uuid, input: CompanyPatchInput) -> CoreResult<CompanyRecord> {
        require(p, perm::COMPANIES_MANAGE)?;
        let mut e = Errors::default();
        if let Some(name) = &input.name {
            e.text("name", name, 200);
        }
        if let Some(Some(domain)) = &input.domain {
            e.text("domain", domain, 253);
        }
        if input.sla_tier.as_deref().is_some_and(|t| Tier::parse(t).is_none()) {
            e.add("sla_tier", "must be one of: platinum, gold, silver, bronze, standard");
        }
        e.finish()?;
        let change = CompanyChange {
            name: input.name.map(|n| n.trim().to_owned()),
            domain: input.domain.map(|d| d.map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty())),
            sla_tier: input.sla_tier,
        };
        Ok(self.store.change_company(&p.ctx, id, change, self.now()).await?)
    }

    /// Sets how a group assigns its tickets.
    pub async fn update_group(&self, p: &Principal, id: Uuid, input: GroupAssignmentInput) -> CoreResult<GroupRecord> {
        require(p, perm::GROUPS_MANAGE)?;
        let group = self.store.get_group(&p.ctx, id).await?;
        let mut e = Errors::default();
        let mode = match input.assignment.as_deref() {
            None => group.assignment.clone(),
            Some(m) => {
                if let Some(m) = AssignmentMode::parse(m) {
                    m.as_str().to_owned()
                } else {
                    e.add("assignment", "must be one of: manual, round_robin, least_loaded, skills");
                    group.assignment.clone()
                }
            }
        };
        if let Some(Some(n)) = input.max_open
            && !(1..=10_000).contains(&n)
        {
            e.add("max_open", "must be 1 to 10000 (or null for no limit)");
        }
        e.finish()?;
        Ok(self.store.set_group_assignment(&p.ctx, id, &mode, input.max_open).await?)
    }

    /// Replaces an agent's skills.
    pub async fn set_user_skills(&self, p: &Principal, user_id: Uuid, skills: Vec<(Uuid, i64)>) -> CoreResult<Vec<UserSkill>> {
        require(p, perm::SLA_MANAGE)?;
        let user = self.store.get_user(&p.ctx, user_id).await?;
        let mut e = Errors::default();
        if skills.len() > 50 {
            return Err(CoreError::field("skills", "at most 50 skills"));
        }
        if !user.staff {
            e.add("user", "only staff users hold skills");
        }
        let mut seen = Vec::new();
        for (i, (skill, level)) in skills.iter().enumerate() {
            if !(1..=5).contains(level) {
                e.add(&format!("[{i}].level"), "must be 1 to 5");
            }
            if seen.contains(skill) {
                e.add(&format!("[{i}].skill_id"), "appears twice");
            }
            seen.push(*skill);
            if let Err(err) = self.store.get_config(&p.ctx, ConfigKind::Skill, *skill).await {
                not_found(err, &format!("[{i}].skill_id"), "no such skill", &mut e)?;
            }
        }
        e.finish()?;
        Ok(self.store.set_user_skills(&p.ctx, user_id, &skills).await?)
    }

    /// An agent's skills.
    pub async fn user_skills(&self, p: &Principal, user_id: Uuid) -> CoreResult<Vec<UserSkill>> {
        require(p, perm::USERS_READ)?;
        self.store.get_user(&p.ctx, user_id).await?;
        Ok(self.store.user_skills(&p.ctx, user_id).await?)
    }

    /// The due time `minutes` of working time after `start` in a calendar: the preview an
    /// admin uses while writing a policy.
    pub async fn calendar_due(&self, p: &Principal, id: Uuid, start: &str, minutes: i64) -> CoreResult<i64> {
        require(p, perm::SLA_READ)?;
        let cal: Configured<CalendarSpec> = self.get_doc(p, id).await?;
        let mut e = Errors::default();
        let start = start.parse::<jiff::Timestamp>().map_or_else(
            |_| {
                e.add("start", "must be an RFC 3339 time such as 2026-01-31T09:00:00+01:00");
                0
            },
            jiff::Timestamp::as_millisecond,
        );
        if !(0..=1_000_000).contains(&minutes) {
            e.add("minutes", "must be 0 to 1000000");
        }
        e.finish()?;
        let calendar = cal.spec.validate().map_err(|err| CoreError::Internal(err.to_string()))?;
        match calendar.add_minutes(start, minutes) {
            i64::MAX => Err(CoreError::field("minutes", "the calendar has not that much working time before the year 9999")),
            due => Ok(due),
        }
    }
}

/// Turns a store miss into a field error; other store errors pass through.
fn not_found(err: StoreError, field: &str, message: &str, e: &mut Errors) -> CoreResult<()> {
    match err {
        StoreError::NotFound => {
            e.0.push(FieldError { field: field.to_owned(), message: message.to_owned() });
            Ok(())
        }
        other => Err(other.into()),
    }
}
