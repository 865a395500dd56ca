-- Helpful votes from anonymous readers of the public help center. A visitor is an opaque
-- hash of a browser cookie, so one browser counts once per article.
create table kb_public_votes (
    tenant_id blob not null,
    article_id blob not null,
    visitor text not null,
    helpful integer not null,
    created_at integer not null,
    primary key (tenant_id, article_id, visitor),
    foreign key (tenant_id, article_id) references kb_articles (tenant_id, id) on delete cascade
) strict;
