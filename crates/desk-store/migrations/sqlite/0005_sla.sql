-- SLA, routing, escalation and the job runner, SQLite.
--
-- Calendars, SLA policies, routing rules, escalation rules and skills are small per-tenant
-- settings an admin edits as whole documents: one table, `config_items`, holds them all, the
-- document in `body` (JSON) and, as columns, only what SQL must see: the kind, the order, a
-- `variant` (a policy's tier, a rule's trigger), and the references the database enforces.

create table tenant_settings (
    tenant_id blob not null primary key references tenants (id) on delete cascade,
    time_zone text not null default 'UTC',
    auto_close_days integer not null default 3,
    default_group_id blob,
    foreign key (tenant_id, default_group_id) references agent_groups (tenant_id, id)
) strict;

create table config_items (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    kind text not null,
    name text not null,
    position integer not null default 0,
    variant text,
    body text not null,
    calendar_id blob,
    group_id blob,
    created_at integer not null,
    updated_at integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, kind, name),
    foreign key (tenant_id, calendar_id) references config_items (tenant_id, id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id)
) strict;

-- One SLA policy per tier.
create unique index config_items_tier on config_items (tenant_id, kind, variant) where kind = 'sla_policy';
create index config_items_variant on config_items (kind, variant);

create table user_skills (
    tenant_id blob not null,
    user_id blob not null,
    skill_id blob not null,
    level integer not null,
    primary key (tenant_id, user_id, skill_id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
    foreign key (tenant_id, skill_id) references config_items (tenant_id, id)
) strict;

alter table companies add column sla_tier text not null default 'standard';
alter table users add column available integer not null default 1;
alter table agent_groups add column assignment text not null default 'manual';
alter table agent_groups add column max_open integer;
-- The member who got the group's last round-robin ticket; the rotation continues after them.
alter table agent_groups add column rr_last_user_id blob;

-- SQLite cannot add a composite foreign key to an existing table; the service checks the policy.
alter table tickets add column sla_policy_id blob;
alter table tickets add column first_response_due_at integer;
alter table tickets add column resolution_due_at integer;
alter table tickets add column sla_paused integer not null default 0;
alter table tickets add column sla_paused_at integer;
-- Working time spent waiting on the customer so far; the due times move out by it.
alter table tickets add column sla_paused_ms integer not null default 0;
alter table tickets add column first_response_breached integer not null default 0;
alter table tickets add column resolution_breached integer not null default 0;
alter table tickets add column escalated_at integer;
alter table tickets add column escalated_to_id blob;
alter table tickets add column escalation_reason text;
alter table tickets add column routing_note text;
-- Breach prediction (percent chance of missing the resolution target) and what it rests on.
alter table tickets add column breach_risk integer;
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
    tenant_id blob not null,
    ticket_id blob not null,
    rule_id blob not null,
    at integer not null,
    primary key (tenant_id, ticket_id, rule_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, rule_id) references config_items (tenant_id, id) on delete cascade
) strict;

-- Notifications waiting for delivery (in the app now; email and webhooks come later).
create table notifications (
    tenant_id blob not null,
    id blob not null,
    user_id blob not null,
    ticket_id blob,
    kind text not null,
    body text not null,
    created_at integer not null,
    read_at integer,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade
) strict;

create index notifications_user on notifications (tenant_id, user_id, created_at);

-- The job runner: infrastructure, not tenant data. A job is claimed by taking its lease;
-- periodic jobs are rescheduled after each run, one-off jobs deleted.
create table jobs (
    id blob primary key,
    kind text not null,
    key text not null,
    payload text not null default '{}',
    run_at integer not null,
    period_ms integer,
    attempts integer not null default 0,
    locked_by text,
    locked_until integer,
    last_error text,
    created_at integer not null,
    unique (kind, key)
) strict;

create index jobs_due on jobs (run_at);

-- Every run of a job, for operators and for the test that no run happens twice.
create table job_runs (
    id integer primary key,
    job_id blob not null,
    kind text not null,
    slot integer not null,
    worker text not null,
    started_at integer not null,
    finished_at integer,
    error text
) strict;

create index job_runs_started on job_runs (started_at);

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
