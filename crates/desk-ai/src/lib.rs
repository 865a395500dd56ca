//! CustomerDesk's local AI: sentence embeddings computed on the server's own CPU, an in-memory
//! vector index per tenant, and the grounded text methods built on them. No text leaves the machine.

pub mod bert;
pub mod classify;
pub mod embed;
pub mod index;
pub mod int8;
pub mod model;
pub mod summary;
pub mod text;

pub use embed::{Embedder, cosine};

/// Why an AI step failed.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// The model could not be fetched, loaded or run.
    #[error("embedding model: {0}")]
    Model(String),
}
