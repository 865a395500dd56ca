//! The tenant's optional generation endpoint. Its key is write-only: the page says whether one
//! is stored, never what it is.

use axum::Form;
use axum::extract::State;
use desk_core::AiSettingsInput;
use maud::html;
use serde::Deserialize;

use super::{Section, back_to, frame, nonempty};
use crate::UiState;
use crate::layout::csrf;
use crate::session::{Ctx, PageResult};

/// The `action` of the form that removes the endpoint.
const DELETE: &str = "delete";

/// The endpoint as set, and the form to set or change it.
pub async fn ai(State(s): State<UiState>, ctx: Ctx) -> PageResult {
    let p = ctx.principal()?;
    let (t, a) = (ctx.t, ctx.t.admin);
    let cur = s.desk.ai_settings(p).await?;
    let base = Section::Ai.path();
    let content = html! {
        section.card aria-labelledby="ai-current" {
            h2 #ai-current { (a.ai_endpoint) }
            @if cur.configured {
                dl {
                    dt { (a.base_url) } dd { code { (cur.base_url.as_deref().unwrap_or_default()) } }
                    dt { (a.model) } dd { (cur.model.as_deref().unwrap_or_default()) }
                    dt { (a.api_key) } dd { @if cur.api_key_set { (a.key_stored) } @else { span.muted { (t.c.none) } } }
                }
                form method="post" action=(base) {
                    (csrf(&ctx))
                    input type="hidden" name="action" value=(DELETE);
                    p.hint #ai-remove-hint { (a.remove_hint) }
                    button type="submit" aria-describedby="ai-remove-hint" { (a.remove_endpoint) }
                }
            } @else {
                p.muted { (a.ai_none) }
            }
        }
        section.card aria-labelledby="ai-edit" {
            h2 #ai-edit { @if cur.configured { (a.change_endpoint) } @else { (a.set_endpoint) } }
            p.hint { (a.ai_intro) }
            form method="post" action=(base) {
                (csrf(&ctx))
                input type="hidden" name="action" value="save";
                label for="ai-url" { (a.base_url) }
                input #ai-url name="base_url" type="url" required maxlength="500" autocomplete="off"
                    value=(cur.base_url.as_deref().unwrap_or_default()) aria-describedby="ai-url-hint";
                small #ai-url-hint.hint { (a.base_url_hint) }
                label for="ai-model" { (a.model) }
                input #ai-model name="model" required maxlength="200" autocomplete="off" value=(cur.model.as_deref().unwrap_or_default());
                label for="ai-key" { (a.api_key) }
                input #ai-key name="api_key" type="password" maxlength="500" autocomplete="off" aria-describedby="ai-key-hint";
                small #ai-key-hint.hint { @if cur.api_key_set { (a.key_again_hint) } @else { (a.key_hint) } }
                @if cur.api_key_set {
                    label.check { input type="checkbox" name="remove_key" value="on"; " " (a.remove_key) }
                }
                button.primary type="submit" { (a.save_endpoint) }
            }
        }
    };
    Ok(frame(&ctx, Section::Ai, &content))
}

/// The endpoint form, or the remove button (`action=delete`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AiForm {
    action: String,
    base_url: String,
    model: String,
    api_key: String,
    /// `on` when the stored key is to go.
    remove_key: String,
}

/// Sets, replaces or removes the endpoint.
pub async fn save_ai(State(s): State<UiState>, ctx: Ctx, Form(f): Form<AiForm>) -> PageResult {
    let p = ctx.principal()?;
    if f.action == DELETE {
        s.desk.delete_ai_settings(p).await?;
    } else {
        s.desk
            .put_ai_settings(
                p,
                AiSettingsInput {
                    base_url: f.base_url,
                    model: f.model,
                    api_key: nonempty(&f.api_key),
                    keep_api_key: f.remove_key.is_empty(),
                },
            )
            .await?;
    }
    Ok(back_to(Section::Ai.path()))
}
