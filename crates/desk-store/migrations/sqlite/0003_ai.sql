-- Local AI, SQLite. Embeddings are stored beside the data they describe so that a restart rebuilds
-- the in-memory index without running the model; a durable queue, filled by triggers in the same
-- transaction as the change, tells the background worker what to (re)embed.

create table ai_queue (
    tenant_id blob not null references tenants (id) on delete cascade,
    kind text not null,          -- 'ticket' | 'article'
    source_id blob not null,
    queued_at integer not null,
    attempts integer not null default 0,
    primary key (tenant_id, kind, source_id)
) strict;

create table ai_vectors (
    tenant_id blob not null references tenants (id) on delete cascade,
    kind text not null,          -- 'ticket' | 'article'
    source_id blob not null,
    chunk integer not null,      -- article: 0 title and summary, then body chunks; ticket: 0 subject and description, 1 resolution
    content text not null,
    vector blob not null,        -- little-endian f32, unit length
    model text not null,
    updated_at integer not null,
    primary key (tenant_id, kind, source_id, chunk)
) strict;

create table ticket_ai (
    tenant_id blob not null,
    ticket_id blob not null,
    category text not null,
    sentiment text not null,
    priority text not null,
    confidence real not null,
    escalate integer not null,
    corrected_category text,
    corrected_sentiment text,
    corrected_priority text,
    updated_at integer not null,
    primary key (tenant_id, ticket_id),
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade
) strict;

create table kb_search_log (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    query text not null,
    mode text not null,
    result_count integer not null,
    top_score real,
    created_at integer not null,
    primary key (tenant_id, id)
) strict;
create index kb_search_log_time on kb_search_log (tenant_id, created_at);

create table ai_settings (
    tenant_id blob primary key references tenants (id) on delete cascade,
    base_url text not null,
    model text not null,
    api_key_sealed blob,
    updated_at integer not null
) strict;

create trigger ai_queue_ticket_insert after insert on tickets begin
    insert into ai_queue (tenant_id, kind, source_id, queued_at) values (new.tenant_id, 'ticket', new.id, new.updated_at)
    on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0;
end;
create trigger ai_queue_ticket_update after update of subject, description, resolution, root_cause on tickets begin
    insert into ai_queue (tenant_id, kind, source_id, queued_at) values (new.tenant_id, 'ticket', new.id, new.updated_at)
    on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0;
end;
create trigger ai_queue_article_insert after insert on kb_articles begin
    insert into ai_queue (tenant_id, kind, source_id, queued_at) values (new.tenant_id, 'article', new.id, new.updated_at)
    on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0;
end;
create trigger ai_queue_article_update after update of title, summary, body on kb_articles begin
    insert into ai_queue (tenant_id, kind, source_id, queued_at) values (new.tenant_id, 'article', new.id, new.updated_at)
    on conflict (tenant_id, kind, source_id) do update set queued_at = excluded.queued_at, attempts = 0;
end;

-- Existing tenants' default roles gain the AI permissions new tenants get.
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'ai:use' from roles where name in ('admin', 'supervisor', 'agent')
    on conflict do nothing;
insert into role_permissions (tenant_id, role_id, permission)
    select tenant_id, id, 'ai:configure' from roles where name = 'admin'
    on conflict do nothing;
