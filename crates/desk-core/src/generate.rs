//! Optional generation through an OpenAI-compatible endpoint a tenant admin configures. The key
//! is sealed with ChaCha20-Poly1305 under the server's secret before it is stored. Generated text
//! is only used when it passes the same faithfulness check as our own output (no identifier the
//! sources do not contain); otherwise the grounded method's answer stands.

use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use desk_domain::permissions as perm;
use desk_domain::validate::Errors;
use desk_store::{AiSettingsRecord, Principal, TenantCtx};
use serde::Serialize;
use serde_json::json;

use crate::{CoreError, CoreResult, Desk, now_ms, require};

/// The largest reply read from an endpoint.
const MAX_REPLY_BYTES: usize = 1 << 20;
/// How long a generation may take before the grounded answer is used instead.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The tenant's endpoint as shown to admins (never the key).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AiSettings {
    pub configured: bool,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_set: bool,
}

/// A new endpoint.
#[derive(Debug, Clone, Default)]
pub struct AiSettingsInput {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// With no `api_key`, keep the key already stored instead of removing it.
    pub keep_api_key: bool,
}

/// A usable endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    base_url: String,
    model: String,
    api_key: Option<String>,
}

/// Whether two URLs share scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// Seals `plain` with a random nonce (stored first).
pub(crate) fn seal(secret: &[u8; 32], plain: &[u8]) -> CoreResult<Vec<u8>> {
    let mut nonce = [0u8; 12];
    getrandom::getrandom(&mut nonce).map_err(|e| CoreError::Internal(e.to_string()))?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(secret));
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plain).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

/// Opens what [`seal`] sealed; `None` if it was sealed under another secret or altered.
pub(crate) fn open(secret: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 12 {
        return None;
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(secret));
    cipher.decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..]).ok()
}

impl Desk {
    /// The tenant's generation endpoint (admins).
    pub async fn ai_settings(&self, p: &Principal) -> CoreResult<AiSettings> {
        require(p, perm::AI_CONFIGURE)?;
        let s = self.store.ai_settings(&p.ctx).await?;
        Ok(AiSettings {
            configured: s.is_some(),
            base_url: s.as_ref().map(|s| s.base_url.clone()),
            model: s.as_ref().map(|s| s.model.clone()),
            api_key_set: s.is_some_and(|s| s.api_key_sealed.is_some()),
        })
    }

    /// Sets the tenant's generation endpoint; the key is stored sealed.
    pub async fn put_ai_settings(&self, p: &Principal, input: AiSettingsInput) -> CoreResult<AiSettings> {
        require(p, perm::AI_CONFIGURE)?;
        let mut e = Errors::default();
        e.text("base_url", &input.base_url, 500);
        e.text("model", &input.model, 200);
        if let Some(k) = &input.api_key {
            e.text("api_key", k, 500);
        }
        let url = input.base_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || reqwest::Url::parse(url).is_err() {
            e.add("base_url", "must be an http:// or https:// URL, such as https://api.example.com/v1");
        }
        e.finish()?;
        let sealed = match input.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(key) => Some(seal(&self.ai.secret()?, key.as_bytes())?),
            // A stored key is only ever sent where it was first meant to go: a new scheme, host or
            // port needs the key entered again.
            None if input.keep_api_key => match self.store.ai_settings(&p.ctx).await? {
                Some(cur) if cur.api_key_sealed.is_some() && !same_origin(&cur.base_url, url) => {
                    return Err(CoreError::field("api_key", "enter the key again for a new address"));
                }
                cur => cur.and_then(|s| s.api_key_sealed),
            },
            None => None,
        };
        let record = AiSettingsRecord {
            base_url: url.trim_end_matches('/').to_owned(),
            model: input.model.trim().to_owned(),
            api_key_sealed: sealed,
            updated_at: now_ms(),
        };
        self.store.ai_put_settings(&p.ctx, Some(&record)).await?;
        self.ai_settings(p).await
    }

    /// Removes the tenant's generation endpoint: grounded methods only.
    pub async fn delete_ai_settings(&self, p: &Principal) -> CoreResult<AiSettings> {
        require(p, perm::AI_CONFIGURE)?;
        self.store.ai_put_settings(&p.ctx, None).await?;
        self.ai_settings(p).await
    }

    pub(crate) async fn endpoint(&self, ctx: &TenantCtx) -> CoreResult<Option<Endpoint>> {
        let Some(s) = self.store.ai_settings(ctx).await? else { return Ok(None) };
        let api_key = match &s.api_key_sealed {
            Some(sealed) => {
                let Some(k) = open(&self.ai.secret()?, sealed) else {
                    tracing::warn!("the AI endpoint's key was sealed under another secret; set it again");
                    return Ok(None);
                };
                Some(String::from_utf8_lossy(&k).into_owned())
            }
            None => None,
        };
        Ok(Some(Endpoint { base_url: s.base_url, model: s.model, api_key }))
    }

    /// Asks the tenant's endpoint; `None` when none is set or it fails (the caller falls back).
    pub(crate) async fn generate(&self, ctx: &TenantCtx, system: &str, user: &str) -> Option<String> {
        let endpoint = match self.endpoint(ctx).await {
            Ok(Some(e)) => e,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "reading the AI endpoint");
                return None;
            }
        };
        let body = json!({
            "model": endpoint.model,
            "temperature": 0.2,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        });
        let mut req = self.http.post(format!("{}/chat/completions", endpoint.base_url)).timeout(TIMEOUT).json(&body);
        if let Some(key) = &endpoint.api_key {
            req = req.bearer_auth(key);
        }
        let mut res = match req.send().await.and_then(reqwest::Response::error_for_status) {
            Ok(res) => res,
            Err(e) => {
                tracing::warn!(error = %e, "the AI endpoint failed; using the grounded answer");
                return None;
            }
        };
        // A reply is a few kilobytes; stop reading a hostile or broken endpoint at 1 MiB.
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = res.chunk().await {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_REPLY_BYTES {
                tracing::warn!("the AI endpoint's reply is too large; using the grounded answer");
                return None;
            }
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).ok()?;
        answer["choices"][0]["message"]["content"].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_secret() {
        let (a, b) = ([7u8; 32], [8u8; 32]);
        let sealed = seal(&a, b"sk-test").expect("seals");
        assert!(!sealed.windows(7).any(|w| w == b"sk-test"));
        assert_eq!(open(&a, &sealed).as_deref(), Some(b"sk-test".as_slice()));
        assert_eq!(open(&b, &sealed), None);
        let mut altered = sealed.clone();
        altered[14] ^= 1;
        assert_eq!(open(&a, &altered), None);
    }
}
