-- Foundation schema, PostgreSQL, with row-level security on every tenant table. tenant_id leads every key of tenant data; composite foreign keys
-- make a reference to another tenant's row impossible. Times are Unix milliseconds.

create table tenants (
    id uuid primary key,
    slug text not null unique,
    name text not null,
    ticket_prefix text not null,
    suspended boolean not null default false,
    created_at bigint not null
);

create table roles (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    name text not null,
    staff boolean not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

create table role_permissions (
    tenant_id uuid not null,
    role_id uuid not null,
    permission text not null,
    primary key (tenant_id, role_id, permission),
    foreign key (tenant_id, role_id) references roles (tenant_id, id) on delete cascade
);

create table companies (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    name text not null,
    domain text,
    created_at bigint not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

create table users (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    email text not null,
    name text not null,
    password_hash text not null,
    role_id uuid not null,
    company_id uuid,
    active boolean not null default true,
    created_at bigint not null,
    primary key (tenant_id, id),
    unique (tenant_id, email),
    foreign key (tenant_id, role_id) references roles (tenant_id, id),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
);

create table api_tokens (
    tenant_id uuid not null,
    id uuid not null,
    user_id uuid not null,
    token_hash bytea not null,
    created_at bigint not null,
    expires_at bigint not null,
    revoked_at bigint,
    primary key (tenant_id, id),
    unique (tenant_id, token_hash),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

create table agent_groups (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    name text not null,
    created_at bigint not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
);

create table group_members (
    tenant_id uuid not null,
    group_id uuid not null,
    user_id uuid not null,
    primary key (tenant_id, group_id, user_id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

create table counters (
    tenant_id uuid not null references tenants (id) on delete cascade,
    name text not null,
    value bigint not null,
    primary key (tenant_id, name)
);

create table tickets (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    number bigint not null,
    subject text not null,
    description text not null,
    status text not null,
    priority text not null,
    requester_id uuid not null,
    company_id uuid,
    group_id uuid,
    assignee_id uuid,
    channel text not null,
    created_by uuid not null,
    created_at bigint not null,
    updated_at bigint not null,
    first_response_at bigint,
    resolved_at bigint,
    closed_at bigint,
    ticket_type text not null default 'question',
    -- Normalised tags, space-separated with a space at each end, so ' tag ' matches one exactly.
    tags text not null default ' ',
    resolution text,
    root_cause text,
    resolution_category text,
    duplicate_of uuid,
    satisfaction_score bigint,
    satisfaction_comment text,
    rated_at bigint,
    search tsvector not null default ''::tsvector,
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, duplicate_of) references tickets (tenant_id, id),
    foreign key (tenant_id, requester_id) references users (tenant_id, id),
    foreign key (tenant_id, created_by) references users (tenant_id, id),
    foreign key (tenant_id, assignee_id) references users (tenant_id, id),
    foreign key (tenant_id, company_id) references companies (tenant_id, id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id)
);

create index tickets_status on tickets (tenant_id, status, number);
create index tickets_requester on tickets (tenant_id, requester_id, number);
create index tickets_company on tickets (tenant_id, company_id, number);
create index tickets_assignee on tickets (tenant_id, assignee_id, number);
create index tickets_updated on tickets (tenant_id, updated_at, number);
create index tickets_group on tickets (tenant_id, group_id, number);

create table ticket_comments (
    tenant_id uuid not null,
    id uuid not null,
    ticket_id uuid not null,
    author_id uuid not null,
    body text not null,
    internal boolean not null,
    created_at bigint not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
);

create index ticket_comments_ticket on ticket_comments (tenant_id, ticket_id, created_at);

create table ticket_events (
    tenant_id uuid not null,
    id uuid not null,
    ticket_id uuid not null,
    actor_id uuid,
    at bigint not null,
    kind text not null,
    field text,
    old_value text,
    new_value text,
    internal boolean not null default false,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, actor_id) references users (tenant_id, id)
);

create index ticket_events_ticket on ticket_events (tenant_id, ticket_id, id);

-- Files are stored once per tenant by content hash; attachments name them.
create table attachment_blobs (
    tenant_id uuid not null references tenants (id) on delete cascade,
    sha256 text not null,
    size bigint not null,
    data bytea not null,
    primary key (tenant_id, sha256)
);

create table attachments (
    tenant_id uuid not null,
    id uuid not null,
    ticket_id uuid not null,
    comment_id uuid,
    uploader_id uuid not null,
    filename text not null,
    content_type text not null,
    size bigint not null,
    sha256 text not null,
    internal boolean not null,
    created_at bigint not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, comment_id) references ticket_comments (tenant_id, id) on delete cascade,
    foreign key (tenant_id, uploader_id) references users (tenant_id, id),
    foreign key (tenant_id, sha256) references attachment_blobs (tenant_id, sha256)
);

create index attachments_ticket on attachments (tenant_id, ticket_id, created_at);

-- Full-text search: tickets.search holds the subject (weight A), the description and every
-- public reply (weight B); internal notes are never indexed.
create index tickets_search on tickets using gin (search);

-- A new ticket's document is computed as it is inserted: an update afterwards would write every
-- ticket twice (a second heap tuple and an entry in every index).
create function tickets_search_on_insert() returns trigger language plpgsql as $$
begin
    new.search := setweight(to_tsvector('english', new.subject), 'A') || setweight(to_tsvector('english', new.description), 'B');
    return new;
end
$$;

create trigger tickets_search_on_insert before insert on tickets for each row execute function tickets_search_on_insert();

-- Row-level security: every query must run with app.tenant_id set for its transaction.
alter table roles enable row level security;
alter table roles force row level security;
create policy tenant_isolation on roles
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table role_permissions enable row level security;
alter table role_permissions force row level security;
create policy tenant_isolation on role_permissions
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table companies enable row level security;
alter table companies force row level security;
create policy tenant_isolation on companies
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table users enable row level security;
alter table users force row level security;
create policy tenant_isolation on users
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table api_tokens enable row level security;
alter table api_tokens force row level security;
create policy tenant_isolation on api_tokens
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table agent_groups enable row level security;
alter table agent_groups force row level security;
create policy tenant_isolation on agent_groups
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table group_members enable row level security;
alter table group_members force row level security;
create policy tenant_isolation on group_members
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table counters enable row level security;
alter table counters force row level security;
create policy tenant_isolation on counters
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table tickets enable row level security;
alter table tickets force row level security;
create policy tenant_isolation on tickets
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table ticket_comments enable row level security;
alter table ticket_comments force row level security;
create policy tenant_isolation on ticket_comments
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table ticket_events enable row level security;
alter table ticket_events force row level security;
create policy tenant_isolation on ticket_events
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table attachment_blobs enable row level security;
alter table attachment_blobs force row level security;
create policy tenant_isolation on attachment_blobs
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table attachments enable row level security;
alter table attachments force row level security;
create policy tenant_isolation on attachments
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
