-- Local AI, PostgreSQL. Embeddings are stored beside the data they describe so that a restart rebuilds
-- the in-memory index without running the model; a durable queue, filled by triggers in the same
-- transaction as the change, tells the background worker what to (re)embed.

create table ai_queue (
    tenant_id uuid not null references tenants (id) on delete cascade,
    kind text not null,          -- 'ticket' | 'article'
    source_id uuid not null,
    queued_at bigint not null,
    attempts integer not null default 0,
    primary key (tenant_id, kind, source_id)
);

create table ai_vectors (
    tenant_id uuid not null references tenants (id) on delete cascade,
    kind text not null,          -- 'ticket' | 'article'
    source_id uuid not null,
    chunk integer not null,      -- article: 0 title and summary, then body chunks; ticket: 0 subject and description, 1 resolution
    content text not null,
    vector bytea not null,        -- little-endian f32, unit length
    model text not null,
    updated_at bigint not null,
    primary key (tenant_id, kind, source_id, chunk)
);

create table ticket_ai (
    tenant_id uuid not null,
    ticket_id uuid not null,
    category text not null,
    sentiment text not null,
    priority text not null,
    confidence double precision not null,
    escalate boolean not null,
    corrected_category text,
    corrected_sentiment text,
    corrected_priority text,
    updated_at bigint not null,
    primary key (tenant_id, ticket_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade
);

create table kb_search_log (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    query text not null,
    mode text not null,
    result_count integer not null,
    top_score double precision,
    created_at bigint not null,
    primary key (tenant_id, id)
);
create index kb_search_log_time on kb_search_log (tenant_id, created_at);

create table ai_settings (
    tenant_id uuid primary key references tenants (id) on delete cascade,
    base_url text not null,
    model text not null,
    api_key_sealed bytea,
    updated_at bigint not null
);

create function ai_enqueue() returns trigger language plpgsql as $$
begin
    insert into ai_queue (tenant_id, kind, source_id, queued_at) values (new.tenant_id, tg_argv[0], new.id, new.updated_at)
    on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0;
    return null;
end $$;

create trigger ai_queue_ticket_insert after insert on tickets for each row execute function ai_enqueue('ticket');
create trigger ai_queue_ticket_update after update of subject, description, resolution, root_cause on tickets
    for each row execute function ai_enqueue('ticket');
create trigger ai_queue_article_insert after insert on kb_articles for each row execute function ai_enqueue('article');
create trigger ai_queue_article_update after update of title, summary, body on kb_articles
    for each row execute function ai_enqueue('article');

alter table ai_queue enable row level security;
alter table ai_queue force row level security;
create policy tenant_isolation on ai_queue
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table ai_vectors enable row level security;
alter table ai_vectors force row level security;
create policy tenant_isolation on ai_vectors
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table ticket_ai enable row level security;
alter table ticket_ai force row level security;
create policy tenant_isolation on ticket_ai
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table kb_search_log enable row level security;
alter table kb_search_log force row level security;
create policy tenant_isolation on kb_search_log
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table ai_settings enable row level security;
alter table ai_settings force row level security;
create policy tenant_isolation on ai_settings
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- Existing tenants' default roles gain the AI permissions new tenants get.
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'ai:use' from roles where name in ('admin', 'supervisor', 'agent')
    on conflict do nothing;
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'ai:configure' from roles where name = 'admin'
    on conflict do nothing;
