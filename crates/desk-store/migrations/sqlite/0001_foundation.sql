-- Foundation schema, SQLite. tenant_id leads every key of tenant data; composite foreign keys
-- make a reference to another tenant's row impossible. Times are Unix milliseconds.

create table tenants (
    id blob primary key,
    slug text not null unique,
    name text not null,
    ticket_prefix text not null,
    suspended integer not null default 0,
    created_at integer not null
) strict;

create table roles (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    name text not null,
    staff integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
) strict;

create table role_permissions (
    tenant_id blob not null,
    role_id blob not null,
    permission text not null,
    primary key (tenant_id, role_id, permission),
    foreign key (tenant_id, role_id) references roles (tenant_id, id) on delete cascade
) strict;

create table companies (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    name text not null,
    domain text,
    created_at integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
) strict;

create table users (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    email text not null,
    name text not null,
    password_hash text not null,
    role_id blob not null,
    company_id blob,
    active integer not null default 1,
    created_at integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, email),
    foreign key (tenant_id, role_id) references roles (tenant_id, id),
    foreign key (tenant_id, company_id) references companies (tenant_id, id)
) strict;

create table api_tokens (
    tenant_id blob not null,
    id blob not null,
    user_id blob not null,
    token_hash blob not null,
    created_at integer not null,
    expires_at integer not null,
    revoked_at integer,
    primary key (tenant_id, id),
    unique (tenant_id, token_hash),
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
) strict;

create table agent_groups (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    name text not null,
    created_at integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, name)
) strict;

create table group_members (
    tenant_id blob not null,
    group_id blob not null,
    user_id blob not null,
    primary key (tenant_id, group_id, user_id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
) strict;

create table counters (
    tenant_id blob not null references tenants (id) on delete cascade,
    name text not null,
    value integer not null,
    primary key (tenant_id, name)
) strict;

create table tickets (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    number integer not null,
    subject text not null,
    description text not null,
    status text not null,
    priority text not null,
    requester_id blob not null,
    company_id blob,
    group_id blob,
    assignee_id blob,
    channel text not null,
    created_by blob not null,
    created_at integer not null,
    updated_at integer not null,
    first_response_at integer,
    resolved_at integer,
    closed_at integer,
    ticket_type text not null default 'question',
    -- Normalised tags, space-separated with a space at each end, so ' tag ' matches one exactly.
    tags text not null default ' ',
    resolution text,
    root_cause text,
    resolution_category text,
    duplicate_of blob,
    satisfaction_score integer,
    satisfaction_comment text,
    rated_at integer,
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, duplicate_of) references tickets (tenant_id, id),
    foreign key (tenant_id, requester_id) references users (tenant_id, id),
    foreign key (tenant_id, created_by) references users (tenant_id, id),
    foreign key (tenant_id, assignee_id) references users (tenant_id, id),
    foreign key (tenant_id, company_id) references companies (tenant_id, id),
    foreign key (tenant_id, group_id) references agent_groups (tenant_id, id)
) strict;

create index tickets_status on tickets (tenant_id, status, number);
create index tickets_requester on tickets (tenant_id, requester_id, number);
create index tickets_company on tickets (tenant_id, company_id, number);
create index tickets_assignee on tickets (tenant_id, assignee_id, number);
create index tickets_updated on tickets (tenant_id, updated_at, number);
create index tickets_group on tickets (tenant_id, group_id, number);

create table ticket_comments (
    tenant_id blob not null,
    id blob not null,
    ticket_id blob not null,
    author_id blob not null,
    body text not null,
    internal integer not null,
    created_at integer not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
) strict;

create index ticket_comments_ticket on ticket_comments (tenant_id, ticket_id, created_at);

create table ticket_events (
    tenant_id blob not null,
    id blob not null,
    ticket_id blob not null,
    actor_id blob,
    at integer not null,
    kind text not null,
    field text,
    old_value text,
    new_value text,
    internal integer not null default 0,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, actor_id) references users (tenant_id, id)
) strict;

create index ticket_events_ticket on ticket_events (tenant_id, ticket_id, id);

-- Files are stored once per tenant by content hash; attachments name them.
create table attachment_blobs (
    tenant_id blob not null references tenants (id) on delete cascade,
    sha256 text not null,
    size integer not null,
    data blob not null,
    primary key (tenant_id, sha256)
) strict;

create table attachments (
    tenant_id blob not null,
    id blob not null,
    ticket_id blob not null,
    comment_id blob,
    uploader_id blob not null,
    filename text not null,
    content_type text not null,
    size integer not null,
    sha256 text not null,
    internal integer not null,
    created_at integer not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, comment_id) references ticket_comments (tenant_id, id) on delete cascade,
    foreign key (tenant_id, uploader_id) references users (tenant_id, id),
    foreign key (tenant_id, sha256) references attachment_blobs (tenant_id, sha256)
) strict;

create index attachments_ticket on attachments (tenant_id, ticket_id, created_at);

-- Full-text search (FTS5). Each ticket has one document: its tenant as a token (so a search
-- intersects with the tenant's posting list first), the subject, and the description followed
-- by every public reply. Internal notes are never indexed. The integer key is explicit so VACUUM
-- cannot renumber it.
create table ticket_search_ids (
    id integer primary key,
    tenant_id blob not null,
    ticket_id blob not null,
    unique (tenant_id, ticket_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade
) strict;

create virtual table tickets_fts using fts5 (tenant, subject, body, tokenize = 'porter unicode61 remove_diacritics 2');
