-- Knowledge base, SQLite. Same rules as 0001: tenant_id leads every key.

create table kb_categories (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    slug text not null,
    name text not null,
    position integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, slug)
) strict;

create table kb_articles (
    tenant_id blob not null references tenants (id) on delete cascade,
    id blob not null,
    key text not null,
    title text not null,
    slug text not null,
    summary text not null,
    body text not null,
    body_html text not null,
    category_id blob,
    tags text not null default ' ',
    product text,
    visibility text not null,
    status text not null,
    author_id blob not null,
    reviewer_id blob,
    version integer not null default 0,
    source_ticket_id blob,
    view_count integer not null default 0,
    helpful_count integer not null default 0,
    not_helpful_count integer not null default 0,
    rating_sum integer not null default 0,
    rating_count integer not null default 0,
    published_at integer,
    last_reviewed_at integer,
    next_review_at integer,
    created_at integer not null,
    updated_at integer not null,
    primary key (tenant_id, id),
    unique (tenant_id, slug),
    unique (tenant_id, key),
    foreign key (tenant_id, category_id) references kb_categories (tenant_id, id),
    foreign key (tenant_id, author_id) references users (tenant_id, id),
    foreign key (tenant_id, reviewer_id) references users (tenant_id, id),
    foreign key (tenant_id, source_ticket_id) references tickets (tenant_id, id)
) strict;

create index kb_articles_status on kb_articles (tenant_id, status, visibility, updated_at);

create table kb_versions (
    tenant_id blob not null,
    article_id blob not null,
    version integer not null,
    title text not null,
    summary text not null,
    body text not null,
    notes text,
    author_id blob not null,
    created_at integer not null,
    primary key (tenant_id, article_id, version),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
) strict;

create table kb_votes (
    tenant_id blob not null,
    article_id blob not null,
    user_id blob not null,
    helpful integer,
    rating integer,
    created_at integer not null,
    primary key (tenant_id, article_id, user_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
) strict;

create table kb_views (
    tenant_id blob not null,
    article_id blob not null,
    visitor text not null,
    day integer not null,
    primary key (tenant_id, article_id, visitor, day),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade
) strict;

create table kb_questions (
    tenant_id blob not null,
    id blob not null,
    article_id blob not null,
    author_id blob not null,
    body text not null,
    hidden integer not null default 0,
    created_at integer not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
) strict;

create table kb_answers (
    tenant_id blob not null,
    id blob not null,
    question_id blob not null,
    author_id blob not null,
    body text not null,
    created_at integer not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, question_id) references kb_questions (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references users (tenant_id, id)
) strict;

create table kb_article_tickets (
    tenant_id blob not null,
    article_id blob not null,
    ticket_id blob not null,
    linked_by blob not null,
    created_at integer not null,
    primary key (tenant_id, article_id, ticket_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade,
    foreign key (tenant_id, ticket_id) references tickets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, linked_by) references users (tenant_id, id)
) strict;

create table kb_search_ids (
    id integer primary key,
    tenant_id blob not null,
    article_id blob not null,
    unique (tenant_id, article_id),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade
) strict;

create virtual table kb_fts using fts5 (tenant, title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
