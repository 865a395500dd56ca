//! Passwords (argon2id) and bearer tokens.
//!
//! A token reads `cd_<tenant uuid>_<64 hex chars>`: the tenant part tells the store which
//! tenant to look in (row-level security needs it before any row is read); only the SHA-256
//! of the whole token is stored, so a database leak yields no usable token.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use desk_domain::validate::Errors;
use desk_store::{NewTenant, NewUser, Principal, TenantCtx, TenantRecord};
use std::fmt::Write;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{CoreError, CoreResult, Desk, limiter, now_ms};

/// How long a login token lives: 30 days.
pub const TOKEN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// A successful login.
#[derive(Debug)]
pub struct Login {
    /// The bearer token, shown once.
    pub token: String,
    /// When it expires (Unix ms).
    pub expires_at: i64,
    /// Who signed in.
    pub principal: Principal,
}

/// Hashes a password with argon2id and a fresh salt (CPU-heavy: call off the async threads).
pub fn hash_password(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| CoreError::Internal(e.to_string()))
}

/// Hashes off the async threads.
pub(crate) async fn hash_password_async(password: String) -> CoreResult<String> {
    blocking(move || hash_password(&password)).await?
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn new_token(tenant: Uuid) -> CoreResult<String> {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).map_err(|e| CoreError::Internal(e.to_string()))?;
    let hex = secret.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    Ok(format!("cd_{}_{hex}", tenant.simple()))
}

fn token_tenant(token: &str) -> Option<Uuid> {
    let rest = token.strip_prefix("cd_")?;
    let (tenant, secret) = rest.split_once('_')?;
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    Uuid::try_parse(tenant).ok()
}

/// A well-formed hash verified for unknown users, so timing does not reveal which emails exist.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0cxRf3XA0S4dtNvm4aUYgmLH0LvE4aCPnd6FzGnrW8Q";

/// Input for a new tenant with its first admin.
#[derive(Debug, Clone)]
pub struct NewTenantInput {
    pub slug: String,
    pub name: String,
    pub admin_email: String,
    pub admin_password: String,
    pub admin_name: Option<String>,
}

impl Desk {
    /// Creates a tenant and its first admin (operator only: the CLI and the admin API).
    pub async fn create_tenant(&self, input: NewTenantInput) -> CoreResult<(TenantRecord, TenantCtx)> {
        let mut e = Errors::default();
        e.slug("slug", &input.slug);
        e.text("name", &input.name, 200);
        e.email("admin_email", &input.admin_email);
        e.password("admin_password", &input.admin_password);
        e.finish()?;
        let hash = hash_password_async(input.admin_password).await?;
        let prefix: String = input.slug.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase();
        let now = now_ms();
        let (tenant, ctx) = self
            .store
            .create_tenant(NewTenant { slug: input.slug, name: input.name.trim().to_owned(), ticket_prefix: prefix }, now)
            .await?;
        let name = input.admin_name.unwrap_or_else(|| "Administrator".into());
        self.store
            .create_user(
                &ctx,
                NewUser { email: input.admin_email, name, role: "admin".into(), password_hash: hash, company_id: None },
                now,
            )
            .await?;
        self.seed_sla_defaults(&ctx).await?;
        Ok((tenant, ctx))
    }

    /// Checks a password and issues a token. Unknown tenant, unknown email and wrong password
    /// all answer `Unauthorized`, after the same amount of hashing work.
    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> CoreResult<Login> {
        self.login_from(tenant, email, password, "local").await
    }

    /// [`Desk::login`] from a client address: after too many failures for the account from
    /// that client, or from the client at all, it answers `RateLimited` without checking.
    pub async fn login_from(&self, tenant: &str, email: &str, password: &str, client: &str) -> CoreResult<Login> {
        let who = format!("{}\0{}", tenant.to_lowercase(), email.trim().to_lowercase());
        let (account, account_total, client_key) = (format!("a\0{who}\0{client}"), format!("t\0{who}"), format!("c\0{client}"));
        let keys = [
            (account.as_str(), limiter::ACCOUNT_MAX),
            (account_total.as_str(), limiter::ACCOUNT_TOTAL_MAX),
            (client_key.as_str(), limiter::CLIENT_MAX),
        ];
        self.login_limiter.attempt(&keys, now_ms()).map_err(CoreError::RateLimited)?;
        let candidate = self.store.find_login(tenant, email.trim()).await?;
        let stored = candidate.as_ref().map_or(DECOY.to_owned(), |c| c.password_hash.clone());
        let password = password.to_owned();
        let ok = blocking(move || verify_password(&password, &stored)).await?;
        let Some(candidate) = candidate.filter(|_| ok) else {
            return Err(CoreError::Unauthorized);
        };
        self.login_limiter.release(&[client_key.as_str(), account_total.as_str()]);
        self.login_limiter.clear(&account);
        let now = now_ms();
        let tenant_id = self.store.tenant_by_slug(tenant).await?.ok_or(CoreError::Unauthorized)?.id;
        let token = new_token(tenant_id)?;
        let expires_at = now + TOKEN_TTL_MS;
        let principal = self.store.issue_token(candidate, &token_hash(&token), now, expires_at).await?;
        Ok(Login { token, expires_at, principal })
    }

    /// Resolves a bearer token; `Unauthorized` if malformed, unknown, expired or revoked.
    pub async fn authenticate(&self, token: &str) -> CoreResult<Principal> {
        let tenant = token_tenant(token).ok_or(CoreError::Unauthorized)?;
        self.store.authenticate(tenant, &token_hash(token), now_ms()).await?.ok_or(CoreError::Unauthorized)
    }

    /// Revokes the token the principal signed in with.
    pub async fn logout(&self, p: &Principal, token: &str) -> CoreResult<()> {
        Ok(self.store.revoke_token(&p.ctx, &token_hash(token), now_ms()).await?)
    }

    /// Changes the caller's own password after checking the current one; revokes all their tokens.
    pub async fn change_password(&self, p: &Principal, current: &str, new: &str) -> CoreResult<()> {
        let mut e = Errors::default();
        e.password("new_password", new);
        e.finish()?;
        let candidate = self.store.find_login(&p.tenant_slug, &p.user.email).await?.ok_or(CoreError::Unauthorized)?;
        let (current, stored) = (current.to_owned(), candidate.password_hash.clone());
        if !blocking(move || verify_password(&current, &stored)).await? {
            return Err(CoreError::field("current_password", "is not correct"));
        }
        let hash = hash_password_async(new.to_owned()).await?;
        Ok(self.store.set_password(&p.ctx, p.user.id, &hash, now_ms()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_tenant_and_reject_garbage() {
        let t = Uuid::now_v7();
        let token = new_token(t).unwrap();
        assert_eq!(token_tenant(&token), Some(t));
        for bad in ["", "cd_", "cd_x_y", &token[..token.len() - 1], &token.replace("cd_", "xx_"), &format!("{token}0")] {
            assert_eq!(token_tenant(bad), None, "{bad}");
        }
        assert_ne!(new_token(t).unwrap(), token);
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(PasswordHash::new(DECOY).is_ok(), "the decoy must cost a real verification");
    }
}
