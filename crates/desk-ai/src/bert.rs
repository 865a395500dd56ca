//! A BERT encoder for sentence embeddings, written for this one job: the texts of a batch are
//! packed one after another (no padding), the dense layers run as one matrix product over every
//! token of the batch (candle's gemm), and attention runs per text and head on the threads, with
//! bias, GELU, softmax and layer norm fused into single passes over the data.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use rayon::prelude::*;

use crate::AiError;

fn err(e: impl std::fmt::Display) -> AiError {
    AiError::Model(e.to_string())
}

/// The parts of `config.json` the encoder needs.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct BertConfig {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
}

fn default_eps() -> f64 {
    1e-12
}

/// A dense layer: weights transposed to `[in, out]` for the matrix product over many tokens, the
/// same weights as `[out, in]` rows for a few tokens, and the bias.
struct Dense {
    weight: Tensor,
    rows: Vec<f32>,
    bias: Vec<f32>,
    /// The same weights in int8, when the model runs quantised.
    int8: Option<crate::int8::QuantisedRows>,
}

/// How the dense layers compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit floats throughout: matches the float64 reference to cosine ≥ 0.999.
    F32,
    /// The attention and first feed-forward projections in int8 (AVX-512 VNNI), the rest in
    /// floats: within cosine 0.99 of F32. Falls back to F32 on CPUs without VNNI.
    Int8,
}

impl Precision {
    /// Int8 where the CPU has VNNI, else F32.
    pub fn best() -> Self {
        if crate::int8::available() { Precision::Int8 } else { Precision::F32 }
    }
}

/// Up to this many tokens, a dense layer is dot products over the weight rows: gemm would spend
/// longer packing the weights than multiplying.
const FEW_TOKENS: usize = 48;

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    /// Query, key and value fused: `[hidden, 3·hidden]`.
    qkv: Dense,
    output: Dense,
    norm1: Norm,
    intermediate: Dense,
    down: Dense,
    norm2: Norm,
}

/// The tensors of a checkpoint, taken out by name.
struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn take(&mut self, name: &str) -> Result<Tensor, AiError> {
        let t = self.0.remove(name).or_else(|| self.0.remove(&format!("bert.{name}")));
        t.ok_or_else(|| AiError::Model(format!("model.safetensors has no {name}")))?.to_dtype(DType::F32).map_err(err)
    }

    fn flat(&mut self, name: &str) -> Result<Vec<f32>, AiError> {
        self.take(name)?.flatten_all().map_err(err)?.to_vec1::<f32>().map_err(err)
    }

    fn norm(&mut self, prefix: &str) -> Result<Norm, AiError> {
        Ok(Norm { weight: self.flat(&format!("{prefix}.weight"))?, bias: self.flat(&format!("{prefix}.bias"))? })
    }

    /// Dense layers stacked along their outputs (`[out, in]` each), transposed to one
    /// contiguous `[in, Σout]`.
    fn dense(&mut self, prefixes: &[&str]) -> Result<Dense, AiError> {
        let mut weights = Vec::new();
        let mut bias = Vec::new();
        for p in prefixes {
            weights.push(self.take(&format!("{p}.weight"))?);
            bias.extend(self.flat(&format!("{p}.bias"))?);
        }
        let stacked = Tensor::cat(&weights, 0).map_err(err)?;
        let rows = stacked.flatten_all().map_err(err)?.to_vec1::<f32>().map_err(err)?;
        let weight = stacked.t().map_err(err)?.contiguous().map_err(err)?;
        Ok(Dense { weight, rows, bias, int8: None })
    }
}

/// The encoder.
pub struct Bert {
    config: BertConfig,
    precision: Precision,
    eps: f32,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
}

impl Bert {
    /// Loads `model.safetensors` (with or without a `bert.` prefix).
    pub fn load(weights: &Path, config: BertConfig, precision: Precision) -> Result<Self, AiError> {
        let precision = if crate::int8::available() { precision } else { Precision::F32 };
        let mut w = Weights(candle_core::safetensors::load(weights, &Device::Cpu).map_err(err)?);
        let word = w.flat("embeddings.word_embeddings.weight")?;
        let position = w.flat("embeddings.position_embeddings.weight")?;
        let token_type = w.flat("embeddings.token_type_embeddings.weight")?;
        let norm = w.norm("embeddings.LayerNorm")?;
        let mut layers = Vec::new();
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            layers.push(Layer {
                qkv: w.dense(&[
                    &format!("{p}.attention.self.query"),
                    &format!("{p}.attention.self.key"),
                    &format!("{p}.attention.self.value"),
                ])?,
                output: w.dense(&[&format!("{p}.attention.output.dense")])?,
                norm1: w.norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: w.dense(&[&format!("{p}.intermediate.dense")])?,
                down: w.dense(&[&format!("{p}.output.dense")])?,
                norm2: w.norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        #[allow(clippy::cast_possible_truncation)]
        let eps = config.layer_norm_eps as f32;
        if precision == Precision::Int8 {
            for l in &mut layers {
                for d in [&mut l.qkv, &mut l.output, &mut l.intermediate, &mut l.down] {
                    let inner = d.rows.len() / d.bias.len().max(1);
                    d.int8 = crate::int8::QuantisedRows::new(&d.rows, inner);
                }
            }
        }
        Ok(Self { config, precision, eps, word, position, token_type, norm, layers })
    }

    /// How the dense layers compute.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Hidden size.
    pub fn hidden(&self) -> usize {
        self.config.hidden_size
    }

    /// Mean-pooled, unit-length embeddings of tokenised texts (ids include [CLS] and [SEP]).
    pub fn embed(&self, texts: &[&[u32]]) -> Result<Vec<Vec<f32>>, AiError> {
        let h = self.config.hidden_size;
        let spans: Vec<(usize, usize)> = texts
            .iter()
            .scan(0, |at, t| {
                let len = t.len().min(self.config.max_position_embeddings);
                let span = (*at, len);
                *at += len;
                Some(span)
            })
            .collect();
        let total: usize = spans.iter().map(|s| s.1).sum();
        let mut x = vec![0f32; total * h];
        for (t, (start, len)) in texts.iter().zip(&spans) {
            for (i, id) in t.iter().take(*len).enumerate() {
                let id = (*id as usize).min(self.word.len() / h - 1);
                let row = &mut x[(start + i) * h..(start + i + 1) * h];
                let (w, p, ty) = (&self.word[id * h..(id + 1) * h], &self.position[i * h..(i + 1) * h], &self.token_type[..h]);
                for j in 0..h {
                    row[j] = w[j] + p[j] + ty[j];
                }
            }
        }
        layer_norm(&mut x, h, &self.norm, self.eps);
        for layer in &self.layers {
            x = self.layer(layer, &x, &spans, total)?;
        }
        Ok(spans
            .iter()
            .map(|(start, len)| {
                let mut mean = vec![0f32; h];
                for row in x[start * h..(start + len) * h].chunks_exact(h) {
                    for (m, v) in mean.iter_mut().zip(row) {
                        *m += v;
                    }
                }
                let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                for m in &mut mean {
                    *m /= norm;
                }
                mean
            })
            .collect())
    }

    fn layer(&self, layer: &Layer, x: &[f32], spans: &[(usize, usize)], total: usize) -> Result<Vec<f32>, AiError> {
        let h = self.config.hidden_size;
        let heads = self.config.num_attention_heads;
        let d = h / heads;
        let qkv = matmul(x, total, &layer.qkv, Epilogue::Bias)?;
        // Attention per text, heads within it; the texts run in parallel.
        #[allow(clippy::cast_precision_loss)]
        let scale = 1.0 / (d as f32).sqrt();
        // Every (text, head) pair is its own task, so even one text uses every thread.
        let pairs: Vec<(usize, usize)> = (0..spans.len()).flat_map(|t| (0..heads).map(move |hd| (t, hd))).collect();
        let parts: Vec<Vec<f32>> = pairs
            .par_iter()
            .map(|(t, hd)| {
                let (start, len) = spans[*t];
                attend(&qkv[start * 3 * h..(start + len) * 3 * h], len, h, *hd, d, scale)
            })
            .collect();
        let mut context = vec![0f32; total * h];
        for ((t, hd), part) in pairs.iter().zip(&parts) {
            let start = spans[*t].0;
            for (i, row) in part.chunks_exact(d).enumerate() {
                context[(start + i) * h + hd * d..(start + i) * h + hd * d + d].copy_from_slice(row);
            }
        }
        let mut attended = matmul(&context, total, &layer.output, Epilogue::BiasResidual(x))?;
        layer_norm(&mut attended, h, &layer.norm1, self.eps);
        let inner = matmul(&attended, total, &layer.intermediate, Epilogue::BiasGelu)?;
        let mut out = matmul(&inner, total, &layer.down, Epilogue::BiasResidual(&attended))?;
        layer_norm(&mut out, h, &layer.norm2, self.eps);
        Ok(out)
    }
}

/// Self-attention of one head over one text: `rows` holds the text's query, key and value
/// vectors; the result is `[len, d]`.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn attend(rows: &[f32], len: usize, h: usize, head: usize, d: usize, scale: f32) -> Vec<f32> {
    let mut out = vec![0f32; len * d];
    let mut scores = vec![0f32; len];
    // The head's keys transposed, `[d, len]`: a query's scores are then d runs of multiply-adds
    // along the keys, with no horizontal sums.
    let mut keys = vec![0f32; d * len];
    let (qo, ko, vo) = (head * d, h + head * d, 2 * h + head * d);
    for j in 0..len {
        for c in 0..d {
            keys[c * len + j] = rows[j * 3 * h + ko + c];
        }
    }
    for i in 0..len {
        let q = &rows[i * 3 * h + qo..i * 3 * h + qo + d];
        scores.fill(0.0);
        for (c, qc) in q.iter().enumerate() {
            let qc = qc * scale;
            for (s, k) in scores.iter_mut().zip(&keys[c * len..(c + 1) * len]) {
                *s += qc * k;
            }
        }
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for s in &mut scores {
            *s = exp(*s - max);
            sum += *s;
        }
        let inv = 1.0 / sum;
        let o = &mut out[i * d..(i + 1) * d];
        for (j, s) in scores.iter().enumerate() {
            let p = s * inv;
            let v = &rows[j * 3 * h + vo..j * 3 * h + vo + d];
            for (acc, val) in o.iter_mut().zip(v) {
                *acc += p * val;
            }
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Epilogue<'a> {
    Bias,
    BiasGelu,
    BiasResidual(&'a [f32]),
}

/// `x · W + b`, then the epilogue, over `rows` rows.
fn matmul(x: &[f32], rows: usize, dense: &Dense, epilogue: Epilogue<'_>) -> Result<Vec<f32>, AiError> {
    let inner = x.len() / rows.max(1);
    let n = dense.bias.len();
    let mut y = if let Some(q) = &dense.int8 {
        q.apply(x, rows)
    } else if rows <= FEW_TOKENS {
        few_tokens(x, rows, inner, &dense.rows, n)
    } else {
        let lhs = Tensor::from_slice(x, (rows, inner), &Device::Cpu).map_err(err)?;
        lhs.matmul(&dense.weight).map_err(err)?.flatten_all().map_err(err)?.to_vec1::<f32>().map_err(err)?
    };
    let bias = &dense.bias;
    match epilogue {
        Epilogue::Bias => y
            .par_chunks_mut(n * 16)
            .for_each(|c| c.chunks_exact_mut(n).for_each(|r| r.iter_mut().zip(bias).for_each(|(v, b)| *v += b))),
        Epilogue::BiasGelu => y.par_chunks_mut(n * 16).for_each(|c| bias_gelu(c, bias)),
        Epilogue::BiasResidual(res) => y.par_chunks_mut(n * 16).zip(res.par_chunks(n * 16)).for_each(|(c, rc)| {
            c.chunks_exact_mut(n).zip(rc.chunks_exact(n)).for_each(|(r, rr)| {
                for ((v, b), q) in r.iter_mut().zip(bias).zip(rr) {
                    *v += b + q;
                }
            });
        }),
    }
    Ok(y)
}

/// `x · Wᵀ` for a few rows of `x`: each weight row is read once and used for every row of `x`;
/// blocks of outputs run in parallel.
fn few_tokens(x: &[f32], rows: usize, inner: usize, weights: &[f32], n: usize) -> Vec<f32> {
    const BLOCK: usize = 64;
    let blocks: Vec<Vec<f32>> = weights.par_chunks(BLOCK * inner).map(|w| block_dots(x, rows, inner, w)).collect();
    let mut y = vec![0f32; rows * n];
    for (b, block) in blocks.iter().enumerate() {
        let outs = block.len() / rows.max(1);
        for t in 0..rows {
            y[t * n + b * BLOCK..t * n + b * BLOCK + outs].copy_from_slice(&block[t * outs..(t + 1) * outs]);
        }
    }
    y
}

/// Dot products of every row of `x` with every weight row of `w`, as `[rows, outputs]`.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn block_dots(x: &[f32], rows: usize, inner: usize, w: &[f32]) -> Vec<f32> {
    let outs = w.len() / inner;
    let mut out = vec![0f32; rows * outs];
    for (o, wr) in w.chunks_exact(inner).enumerate() {
        for (t, xr) in x.chunks_exact(inner).enumerate() {
            out[t * outs + o] = crate::index::dot_lanes(xr, wr);
        }
    }
    out
}

/// Adds the bias to each row and applies GELU.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn bias_gelu(rows: &mut [f32], bias: &[f32]) {
    for r in rows.chunks_exact_mut(bias.len()) {
        for (v, b) in r.iter_mut().zip(bias) {
            *v = gelu(*v + b);
        }
    }
}

fn layer_norm(x: &mut [f32], h: usize, norm: &Norm, eps: f32) {
    #[allow(clippy::cast_precision_loss)]
    let n = h as f32;
    x.par_chunks_mut(h * 16).for_each(|c| {
        for row in c.chunks_exact_mut(h) {
            let mean = row.iter().sum::<f32>() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&norm.weight).zip(&norm.bias) {
                *v = (*v - mean) * inv * w + b;
            }
        }
    });
}

/// e^x for the ranges a network sees, to about 1e-7 relative: 2^n · p(r) with r in ±ln2/2.
#[inline(always)] // inlined into the multiversioned loops, so it runs with their instructions
#[allow(clippy::inline_always)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // Round to nearest by adding and removing 1.5·2^23 (no libm call, so the loop vectorises).
    let n = (x * std::f32::consts::LOG2_E + 12_582_912.0) - 12_582_912.0;
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
}

/// GELU with erf (Abramowitz and Stegun 7.1.26, error below 1.5e-7), as BERT defines it.
#[inline(always)]
#[allow(clippy::inline_always)]
fn gelu(x: f32) -> f32 {
    let z = x * std::f32::consts::FRAC_1_SQRT_2;
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let erf = 1.0 - poly * exp(-a * a);
    0.5 * x * (1.0 + erf.copysign(z))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_functions_are_close() {
        for i in -2000..2000 {
            #[allow(clippy::cast_precision_loss)]
            let x = i as f32 / 100.0;
            let e = exp(x);
            assert!(((e - x.exp()) / x.exp()).abs() < 1e-6, "exp({x}) = {e}");
            if x.abs() > 5.0 {
                continue; // the series below loses precision; GELU is x or 0 there anyway
            }
            let reference = 0.5 * f64::from(x) * (1.0 + erf64(f64::from(x) / std::f64::consts::SQRT_2));
            #[allow(clippy::cast_possible_truncation)]
            let reference = reference as f32;
            assert!((gelu(x) - reference).abs() < 1e-5 * (1.0 + x.abs()), "gelu({x}) = {} vs {reference}", gelu(x));
        }
    }

    /// erf by its series (slow, exact enough for a reference).
    fn erf64(x: f64) -> f64 {
        if x.abs() > 6.0 {
            return x.signum();
        }
        let mut sum = 0.0;
        let mut term = x;
        for n in 0..200 {
            let nf = f64::from(n);
            sum += term / (2.0 * nf + 1.0);
            term *= -x * x / (nf + 1.0);
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }
}
