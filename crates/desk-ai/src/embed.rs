//! Sentence embeddings: a BERT encoder (candle) with mean pooling and L2 normalisation, as
//! sentence-transformers computes them for all-MiniLM-L6-v2.

use std::path::Path;

use tokenizers::{Tokenizer, TruncationParams};

use crate::AiError;
pub use crate::bert::Precision;
use crate::bert::{Bert, BertConfig};

/// Longest input in tokens; longer texts are truncated (as sentence-transformers does).
pub const MAX_TOKENS: usize = 256;
/// Tokens per forward pass: texts are packed without padding up to this many.
pub const BATCH_TOKENS: usize = 4096;

/// A loaded model. `embed` may be called from several threads at once.
pub struct Embedder {
    model: Bert,
    tokenizer: Tokenizer,
    /// The threads the model runs on, set explicitly.
    pool: rayon::ThreadPool,
}

fn err(e: impl std::fmt::Display) -> AiError {
    AiError::Model(e.to_string())
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`; the model runs on
    /// `threads` threads (0: one per core).
    pub fn load(dir: &Path, threads: usize) -> Result<Self, AiError> {
        Self::load_with(dir, threads, Precision::best())
    }

    /// [`Embedder::load`] with a chosen precision (F32 wherever the CPU lacks int8 support).
    pub fn load_with(dir: &Path, threads: usize, precision: Precision) -> Result<Self, AiError> {
        let config: BertConfig = serde_json::from_slice(&std::fs::read(dir.join("config.json")).map_err(err)?).map_err(err)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(err)?;
        // The shipped tokenizer pads every input to 128 and cuts at 128; we pack texts without
        // padding and cut at 256, as sentence-transformers does.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() }))
            .map_err(err)?;
        let model = Bert::load(&dir.join("model.safetensors"), config, precision)?;
        let pool =
            rayon::ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("embed-{i}")).build().map_err(err)?;
        Ok(Self { model, tokenizer, pool })
    }

    /// How the model computes.
    pub fn precision(&self) -> Precision {
        self.model.precision()
    }

    /// Threads the model runs on.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.model.hidden()
    }

    /// Token ids of `text`, as the model sees them.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, AiError> {
        Ok(self.tokenizer.encode(text, true).map_err(err)?.get_ids().to_vec())
    }

    /// Unit vectors for `texts`, in order, computed in packed batches of up to
    /// [`BATCH_TOKENS`] tokens.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, AiError> {
        let encodings = self.pool.install(|| self.tokenizer.encode_batch(texts.to_vec(), true)).map_err(err)?;
        let ids: Vec<&[u32]> = encodings.iter().map(tokenizers::Encoding::get_ids).collect();
        let mut out = Vec::with_capacity(texts.len());
        let mut start = 0;
        while start < ids.len() {
            let mut end = start;
            let mut tokens = 0;
            while end < ids.len() && (end == start || tokens + ids[end].len() <= BATCH_TOKENS) {
                tokens += ids[end].len();
                end += 1;
            }
            out.extend(self.pool.install(|| self.model.embed(&ids[start..end]))?);
            start = end;
        }
        Ok(out)
    }
}

/// Dot product of two unit vectors (their cosine).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
