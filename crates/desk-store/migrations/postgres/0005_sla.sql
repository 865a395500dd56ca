-- SLA, routing, escalation and the job runner, PostgreSQL, with row-level security on every tenant table.
--
-- Calendars, SLA policies, routing rules, escalation rules and skills are small per-tenant
-- settings an admin edits as whole documents: one table, `config_items`, holds them all, the
-- document in `body` (JSON) and, as columns, only what SQL must see: the kind, the order, a
-- `variant` (a policy's tier, a rule's trigger), and the references the database enforces.

create table tenant_settings (
    tenant_id uuid not null primary key references tenants (id) on delete cascade,
    time_zone text not null default 'UTC',
    auto_close_days bigint not null default 3,
    default_group_id uuid,
    foreign key (tenant_id, default_group_id) references agent_groups (tenant_id, id)
);

create table config_items (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    kind text not null,
    name text not null,
    position bigint not null default 0,
    variant text,
    body text not null,
    calendar_id uuid,
    group_id uuid,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (tenant_id, id),
    unique (tenant_id, kind, name),
    foreign key (tenant_id, calendar_id) references config_items (tenant_id, id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id)
);

-- One SLA policy per tier.
create unique index config_items_tier on config_items (tenant_id, kind, variant) where kind = 'sla_policy';
create index config_items_variant on config_items (kind, variant);

create table user_skills (
    tenant_id uuid not null,
    user_id uuid not null,
    skill_id uuid not null,
    level bigint not null,
    primary key (tenant_id, user_id, skill_id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
    foreign key (tenant_id, skill_id) references config_items (tenant_id, id)
);

alter table companies add column sla_tier text not null default 'standard';
alter table users add column available boolean not null default true;
alter table agent_groups add column assignment text not null default 'manual';
alter table agent_groups add column max_open bigint;
-- The member who got the group's last round-robin ticket; the rotation continues after them.
alter table agent_groups add column rr_last_user_id uuid;

alter table tickets add column sla_policy_id uuid;
alter table tickets add foreign key (tenant_id, sla_policy_id) references config_items (tenant_id, id);
alter table tickets add column first_response_due_at bigint;
alter table tickets add column resolution_due_at bigint;
alter table tickets add column sla_paused boolean not null default false;
alter table tickets add column sla_paused_at bigint;
-- Working time spent waiting on the customer so far; the due times move out by it.
alter table tickets add column sla_paused_ms bigint not null default 0;
alter table tickets add column first_response_breached boolean not null default false;
alter table tickets add column resolution_breached boolean not null default false;
alter table tickets add column escalated_at bigint;
alter table tickets add column escalated_to_id uuid;
alter table tickets add foreign key (tenant_id, escalated_to_id) references users (tenant_id, id);
alter table tickets add column escalation_reason text;
alter table tickets add column routing_note text;
-- Breach prediction (percent chance of missing the resolution target) and what it rests on.
alter table tickets add column breach_risk bigint;
alter table tickets add column breach_risk_basis text;

-- The breach job reads these across tenants, oldest due first; the predicates match its query.
create index tickets_first_response_due on tickets (first_response_due_at)
    where first_response_breached = false and first_response_at is null and sla_paused = false
      and status not in ('resolved', 'closed', 'duplicate');
create index tickets_resolution_due on tickets (resolution_due_at)
    where resolution_breached = false and resolved_at is null and sla_paused = false
      and status not in ('resolved', 'closed', 'duplicate');
-- Lists sorted by due time (the order's own expression: tickets without a target last).
create index tickets_due on tickets (tenant_id, coalesce(resolution_due_at, 9223372036854775807), number);
-- Open tickets per agent, which least-loaded and skills assignment count inside the group lock.
create index tickets_open_assignee on tickets (tenant_id, assignee_id)
    where status in ('new', 'open', 'in_progress', 'waiting_on_customer', 'escalated');
-- Tickets under a policy (deleting one in use), resolved ones by priority (breach prediction).
create index tickets_policy on tickets (tenant_id, sla_policy_id);
create index tickets_resolved_priority on tickets (tenant_id, priority, created_at) where resolved_at is not null;
create index tickets_resolved_at on tickets (resolved_at) where status = 'resolved';
-- Breached open tickets, for the catch-up of breach rules.
create index tickets_breached on tickets (tenant_id)
    where (first_response_breached = true or resolution_breached = true)
      and status in ('new', 'open', 'in_progress', 'waiting_on_customer', 'escalated');

-- Each escalation rule fires at most once per ticket: the primary key decides, across processes.
create table escalation_fired (
    tenant_id uuid not null,
    ticket_id uuid not null,
    rule_id uuid not null,
    at bigint not null,
    primary key (tenant_id, ticket_id, rule_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, rule_id) references config_items (tenant_id, id) on delete cascade
);

-- Notifications waiting for delivery (in the app now; email and webhooks come later).
create table notifications (
    tenant_id uuid not null,
    id uuid not null,
    user_id uuid not null,
    ticket_id uuid,
    kind text not null,
    body text not null,
    created_at bigint not null,
    read_at bigint,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade
);

create index notifications_user on notifications (tenant_id, user_id, created_at);

-- The job runner: infrastructure, not tenant data. A job is claimed by taking its lease;
-- periodic jobs are rescheduled after each run, one-off jobs deleted.
create table jobs (
    id uuid primary key,
    kind text not null,
    key text not null,
    payload text not null default '{}',
    run_at bigint not null,
    period_ms bigint,
    attempts bigint not null default 0,
    locked_by text,
    locked_until bigint,
    last_error text,
    created_at bigint not null,
    unique (kind, key)
);

create index jobs_due on jobs (run_at);

-- Every run of a job, for operators and for the test that no run happens twice.
create table job_runs (
    id bigserial primary key,
    job_id uuid not null,
    kind text not null,
    slot bigint not null,
    worker text not null,
    started_at bigint not null,
    finished_at bigint,
    error text
);

create index job_runs_started on job_runs (started_at);

alter table tenant_settings enable row level security;
alter table tenant_settings force row level security;
create policy tenant_isolation on tenant_settings
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table config_items enable row level security;
alter table config_items force row level security;
create policy tenant_isolation on config_items
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table user_skills enable row level security;
alter table user_skills force row level security;
create policy tenant_isolation on user_skills
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table escalation_fired enable row level security;
alter table escalation_fired force row level security;
create policy tenant_isolation on escalation_fired
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table notifications enable row level security;
alter table notifications force row level security;
create policy tenant_isolation on notifications
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- The background jobs read due tickets and age rules across tenants in one query: a read-only
-- policy that holds only inside a transaction that set app.scan (the job runner's scans). Every
-- write still goes through a transaction of the ticket's own tenant.
create policy system_scan on tickets for select using (current_setting('app.scan', true) = 'on');
create policy system_scan on config_items for select using (current_setting('app.scan', true) = 'on');
create policy system_scan on escalation_fired for select using (current_setting('app.scan', true) = 'on');
create policy system_scan on tenant_settings for select using (current_setting('app.scan', true) = 'on');

-- Existing tenants' default roles take the new permissions (new tenants get them from the code).
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'sla:read' from roles where name in ('admin', 'supervisor', 'agent')
    on conflict do nothing;
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'sla:manage' from roles where name = 'admin'
    on conflict do nothing;
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'tickets:scope_group' from roles where name = 'admin'
    on conflict do nothing;
