-- Helpful votes from anonymous readers of the public help center. A visitor is an opaque
-- hash of a browser cookie, so one browser counts once per article.
create table kb_public_votes (
    tenant_id uuid not null,
    article_id uuid not null,
    visitor text not null,
    helpful boolean not null,
    created_at bigint not null,
    primary key (tenant_id, article_id, visitor),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade
);

alter table kb_public_votes enable row level security;
alter table kb_public_votes force row level security;
create policy tenant_isolation on kb_public_votes
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
