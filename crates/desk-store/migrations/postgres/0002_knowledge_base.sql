-- Knowledge base, PostgreSQL, with row-level security on every tenant table. Same rules as 0001: tenant_id leads every key.

create table kb_categories (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    slug text not null,
    name text not null,
    position bigint not null,
    primary key (tenant_id, id),
    unique (tenant_id, slug)
);

create table kb_articles (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    key text not null,
    title text not null,
    slug text not null,
    summary text not null,
    body text not null,
    body_html text not null,
    category_id uuid,
    tags text not null default ' ',
    product text,
    visibility text not null,
    status text not null,
    author_id uuid not null,
    reviewer_id uuid,
    version bigint not null default 0,
    source_ticket_id uuid,
    view_count bigint not null default 0,
    helpful_count bigint not null default 0,
    not_helpful_count bigint not null default 0,
    rating_sum bigint not null default 0,
    rating_count bigint not null default 0,
    published_at bigint,
    last_reviewed_at bigint,
    next_review_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    search tsvector not null default ''::tsvector,
    primary key (tenant_id, id),
    unique (tenant_id, slug),
    unique (tenant_id, key),
    foreign key (tenant_id, category_id) references kb_categories (tenant_id, id),
    foreign key (tenant_id, author_id) references users (tenant_id, id),
    foreign key (tenant_id, reviewer_id) references users (tenant_id, id),
    foreign key (tenant_id, source_ticket_id) references tickets (tenant_id, id)
);

create index kb_articles_status on kb_articles (tenant_id, status, visibility, updated_at);

create table kb_versions (
    tenant_id uuid not null,
    article_id uuid not null,
    version bigint not null,
    title text not null,
    summary text not null,
    body text not null,
    notes text,
    author_id uuid not null,
    created_at bigint not null,
    primary key (tenant_id, article_id, version),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
);

create table kb_votes (
    tenant_id uuid not null,
    article_id uuid not null,
    user_id uuid not null,
    helpful boolean,
    rating bigint,
    created_at bigint not null,
    primary key (tenant_id, article_id, user_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

create table kb_views (
    tenant_id uuid not null,
    article_id uuid not null,
    visitor text not null,
    day bigint not null,
    primary key (tenant_id, article_id, visitor, day),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade
);

create table kb_questions (
    tenant_id uuid not null,
    id uuid not null,
    article_id uuid not null,
    author_id uuid not null,
    body text not null,
    hidden boolean not null default false,
    created_at bigint not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
);

create table kb_answers (
    tenant_id uuid not null,
    id uuid not null,
    question_id uuid not null,
    author_id uuid not null,
    body text not null,
    created_at bigint not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, question_id) references kb_questions (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
);

create table kb_article_tickets (
    tenant_id uuid not null,
    article_id uuid not null,
    ticket_id uuid not null,
    linked_by uuid not null,
    created_at bigint not null,
    primary key (tenant_id, article_id, ticket_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, linked_by) references users (tenant_id, id)
);

create index kb_articles_search on kb_articles using gin (search);

alter table kb_categories enable row level security;
alter table kb_categories force row level security;
create policy tenant_isolation on kb_categories
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_articles enable row level security;
alter table kb_articles force row level security;
create policy tenant_isolation on kb_articles
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_versions enable row level security;
alter table kb_versions force row level security;
create policy tenant_isolation on kb_versions
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_votes enable row level security;
alter table kb_votes force row level security;
create policy tenant_isolation on kb_votes
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_views enable row level security;
alter table kb_views force row level security;
create policy tenant_isolation on kb_views
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_questions enable row level security;
alter table kb_questions force row level security;
create policy tenant_isolation on kb_questions
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_answers enable row level security;
alter table kb_answers force row level security;
create policy tenant_isolation on kb_answers
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table kb_article_tickets enable row level security;
alter table kb_article_tickets force row level security;
create policy tenant_isolation on kb_article_tickets
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
