//! The services' error, which the web layer maps onto HTTP statuses.

use desk_domain::TransitionError;
use desk_domain::validate::FieldError;
use desk_store::StoreError;

/// What went wrong, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// No valid credentials.
    #[error("authentication required")]
    Unauthorized,
    /// Signed in, but the role lacks a permission.
    #[error("{0}")]
    Forbidden(String),
    /// The role has the permission, but a rule about this record refuses the caller.
    #[error("{0}")]
    NotAllowed(String),
    /// No such record in the caller's tenant and scope.
    #[error("not found")]
    NotFound,
    /// Invalid input, by field.
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A uniqueness rule or a concurrent change.
    #[error("{0}")]
    Conflict(String),
    /// A refused ticket status change.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A refused move in another workflow (articles), with the allowed moves named.
    #[error("{0}")]
    InvalidTransition(String),
    /// A request larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A part of the server that is not running (the embedding model, say); the message says why.
    #[error("{0}")]
    Unavailable(String),
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; try again in {0} s")]
    RateLimited(u64),
    /// A failure of ours; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result of service calls.
pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    /// A validation error on one field.
    pub fn field(field: &str, message: &str) -> Self {
        CoreError::Validation(vec![FieldError { field: field.into(), message: message.into() }])
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound,
            StoreError::Conflict(m) => CoreError::Conflict(m),
            StoreError::InvalidReference(m) => CoreError::field("reference", &m),
            StoreError::InvalidInput(m) => CoreError::field("body", &m),
            e @ (StoreError::Database(_) | StoreError::Migrate(_)) => CoreError::Internal(e.to_string()),
        }
    }
}

impl From<Vec<FieldError>> for CoreError {
    fn from(e: Vec<FieldError>) -> Self {
        CoreError::Validation(e)
    }
}
