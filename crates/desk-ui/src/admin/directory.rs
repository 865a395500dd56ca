//! Customer companies (with the SLA tier of each) and knowledge-base categories: a list and a
//! form each.

use axum::Form;
use axum::extract::{Path, Query, State};
use desk_core::{CompanyPatchInput, CoreError, NewCompanyInput};
use desk_domain::permissions as perm;
use desk_domain::sla::Tier;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::policies::tier_label;
use super::{PAGE_SIZE, PageQuery, Section, back_to, frame, nonempty, pager};
use crate::UiState;
use crate::layout::{csrf, time};
use crate::session::{Ctx, Failure, PageResult};

/// The companies, by name, and the form for a new one.
pub async fn companies(State(s): State<UiState>, ctx: Ctx, Query(query): Query<PageQuery>) -> PageResult {
    let p = ctx.principal()?;
    let (t, a) = (ctx.t, ctx.t.admin);
    let list = if p.can(perm::COMPANIES_READ) { Some(s.desk.list_companies(p, query.page()).await?) } else { None };
    let more = list.as_ref().is_some_and(|rows| i64::try_from(rows.len()).unwrap_or(i64::MAX) > PAGE_SIZE);
    let shown = list.as_deref().map(|rows| &rows[..rows.len().min(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX))]);
    let base = Section::Companies.path();
    let content = html! {
        section.card aria-labelledby="companies-list" {
            h2 #companies-list { (a.all_companies) }
            @match shown {
                None => p.muted { (a.list_hidden) },
                Some([]) => p.muted { (a.no_companies) },
                Some(list) => table.data aria-labelledby="companies-list" {
                    thead { tr {
                        th scope="col" { (a.name) }
                        th scope="col" { (a.domain) }
                        th scope="col" { (ctx.t.sla.sla_tier) }
                        th scope="col" { (t.c.created) }
                    } }
                    tbody {
                        @for c in list {
                            tr {
                                th scope="row" { (c.name) }
                                td data-label=(a.domain) { @match &c.domain { Some(domain) => (domain), None => span.muted { (t.c.none) } } }
                                td data-label=(ctx.t.sla.sla_tier) {
                                    @if ctx.can(perm::COMPANIES_MANAGE) {
                                        form.inline method="post" action={ (base) "/" (c.id) } {
                                            (csrf(&ctx))
                                            label.visually-hidden for={ "c-" (c.id) "-tier" } { (ctx.t.sla.sla_tier) ": " (c.name) }
                                            select id={ "c-" (c.id) "-tier" } name="sla_tier" {
                                                @for tier in Tier::ALL { option value=(tier.as_str()) selected[tier.as_str() == c.sla_tier] { (tier_label(&ctx, tier.as_str())) } }
                                            }
                                            button type="submit" { (t.c.save) span.visually-hidden { ": " (c.name) } }
                                        }
                                    } @else {
                                        (tier_label(&ctx, &c.sla_tier))
                                    }
                                }
                                td data-label=(t.c.created) { (time(c.created_at)) }
                            }
                        }
                    }
                }
            }
            (pager(&ctx, base, query.offset(), more))
        }
        section.card aria-labelledby="new-company" {
            h2 #new-company { (a.new_company) }
            form method="post" action=(base) {
                (csrf(&ctx))
                label for="c-name" { (a.name) }
                input #c-name name="name" required maxlength="200" autocomplete="off";
                label for="c-domain" { (a.domain) }
                input #c-domain name="domain" maxlength="253" autocomplete="off" aria-describedby="c-domain-hint";
                small #c-domain-hint.hint { (a.domain_hint) }
                button.primary type="submit" { (a.create_company) }
            }
        }
    };
    Ok(frame(&ctx, Section::Companies, &content))
}

/// The new-company form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewCompanyForm {
    name: String,
    domain: String,
}

/// Creates a company.
pub async fn create_company(State(s): State<UiState>, ctx: Ctx, Form(f): Form<NewCompanyForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.create_company(p, NewCompanyInput { name: f.name, domain: nonempty(&f.domain) }).await?;
    Ok(back_to(Section::Companies.path()))
}

/// A company row's form: its SLA tier.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CompanyRowForm {
    sla_tier: String,
}

/// Sets a company's SLA tier (its new tickets get that tier's policy).
pub async fn update_company(
    State(s): State<UiState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Form(f): Form<CompanyRowForm>,
) -> PageResult {
    let p = ctx.principal()?;
    if f.sla_tier.trim().is_empty() {
        return Err(Failure(CoreError::field("sla_tier", "choose a tier")));
    }
    let input = CompanyPatchInput { sla_tier: Some(f.sla_tier.trim().to_owned()), ..CompanyPatchInput::default() };
    s.desk.update_company(p, id, input).await?;
    Ok(back_to(Section::Companies.path()))
}

/// The knowledge-base categories and the form for a new one.
pub async fn categories(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let a = ctx.t.admin;
    let list = if p.can(perm::KB_READ) { Some(s.desk.kb_categories(p).await?) } else { None };
    let content = html! {
        section.card aria-labelledby="categories-list" {
            h2 #categories-list { (a.all_categories) }
            @match list.as_deref() {
                None => p.muted { (a.list_hidden) },
                Some([]) => p.muted { (a.no_categories) },
                Some(list) => table.data aria-labelledby="categories-list" {
                    thead { tr {
                        th scope="col" { (a.name) }
                        th scope="col" { (a.slug) }
                    } }
                    tbody {
                        @for c in list {
                            tr {
                                th scope="row" { (c.name) }
                                td data-label=(a.slug) { code { (c.slug) } }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="new-category" {
            h2 #new-category { (a.new_category) }
            form method="post" action=(Section::Categories.path()) {
                (csrf(&ctx))
                label for="k-name" { (a.name) }
                input #k-name name="name" required maxlength="80" autocomplete="off" aria-describedby="k-name-hint";
                small #k-name-hint.hint { (a.category_hint) }
                button.primary type="submit" { (a.create_category) }
            }
        }
    };
    Ok(frame(&ctx, Section::Categories, &content))
}

/// The new-category form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewCategoryForm {
    name: String,
}

/// Creates a category.
pub async fn create_category(State(s): State<UiState>, ctx: Ctx, Form(f): Form<NewCategoryForm>) -> PageResult {
    let p = ctx.principal()?;
    s.desk.create_kb_category(p, &f.name).await?;
    Ok(back_to(Section::Categories.path()))
}
