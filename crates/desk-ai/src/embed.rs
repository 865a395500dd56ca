//! Sentence embeddings: a BERT encoder (candle) with mean pooling and L2 normalisation, as
//! sentence-transformers computes them for all-MiniLM-L6-v2.

use std::path::Path;

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::AiError;

/// Longest input in tokens; longer texts are truncated (as sentence-transformers does).
pub const MAX_TOKENS: usize = 256;
/// Texts per forward pass.
pub const BATCH: usize = 32;

/// A loaded model. `embed` may be called from several threads at once.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dims: usize,
    /// The threads the model's matrix products run on, set explicitly.
    pool: rayon::ThreadPool,
}

fn err(e: impl std::fmt::Display) -> AiError {
    AiError::Model(e.to_string())
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`; the model runs on
    /// `threads` threads (0: one per core).
    pub fn load(dir: &Path, threads: usize) -> Result<Self, AiError> {
        let config: Config = serde_json::from_slice(&std::fs::read(dir.join("config.json")).map_err(err)?).map_err(err)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(err)?;
        // The shipped tokenizer pads every input to 128 and cuts at 128; sentence-transformers pads
        // to the longest in the batch and cuts at 256.
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..PaddingParams::default() }));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() }))
            .map_err(err)?;
        let device = Device::Cpu;
        let weights = std::fs::read(dir.join("model.safetensors")).map_err(err)?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device).map_err(err)?;
        let model = BertModel::load(vb, &config).map_err(err)?;
        let pool =
            rayon::ThreadPoolBuilder::new().num_threads(threads).thread_name(|i| format!("embed-{i}")).build().map_err(err)?;
        Ok(Self { model, tokenizer, device, dims: config.hidden_size, pool })
    }

    /// Threads the model runs on.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Token count of `text` (truncated at [`MAX_TOKENS`]).
    pub fn token_count(&self, text: &str) -> usize {
        self.tokenizer.encode(text, true).map_or(0, |e| e.len())
    }

    /// Token ids of `text`, as the model sees them.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, AiError> {
        Ok(self.tokenizer.encode(text, true).map_err(err)?.get_ids().to_vec())
    }

    /// Unit vectors for `texts`, in order. Texts are sorted by length and run in batches of
    /// [`BATCH`], so short texts are not padded to the length of long ones.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, AiError> {
        let mut lengths: Vec<(usize, usize)> = Vec::with_capacity(texts.len());
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(err)?;
        for (i, e) in encodings.iter().enumerate() {
            lengths.push((e.get_attention_mask().iter().filter(|m| **m == 1).count(), i));
        }
        lengths.sort_unstable();
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in lengths.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|(_, i)| texts[*i]).collect();
            let vectors = self.pool.install(|| self.embed_batch(&batch))?;
            for ((_, i), v) in chunk.iter().zip(vectors) {
                out[*i] = v;
            }
        }
        Ok(out)
    }

    /// One forward pass over `texts` padded to the longest.
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, AiError> {
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(err)?;
        let rows = encodings.len();
        let cols = encodings.first().map_or(0, tokenizers::Encoding::len);
        let mut ids = Vec::with_capacity(rows * cols);
        let mut mask = Vec::with_capacity(rows * cols);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, cols), &self.device).map_err(err)?;
        let mask = Tensor::from_vec(mask, (rows, cols), &self.device).map_err(err)?;
        let types = ids.zeros_like().map_err(err)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(err)?;
        // Mean over real tokens, then unit length.
        let mask = mask.to_dtype(DType::F32).map_err(err)?.unsqueeze(2).map_err(err)?;
        let summed = hidden.broadcast_mul(&mask).map_err(err)?.sum(1).map_err(err)?;
        let counts = mask.sum(1).map_err(err)?;
        let mean = summed.broadcast_div(&counts).map_err(err)?;
        let norm = mean.sqr().map_err(err)?.sum_keepdim(D::Minus1).map_err(err)?.sqrt().map_err(err)?;
        let unit = mean.broadcast_div(&norm.clamp(1e-12, f32::MAX).map_err(err)?).map_err(err)?;
        unit.to_vec2::<f32>().map_err(err)
    }
}

/// Dot product of two unit vectors (their cosine).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
