//! Int8 dense layers on CPUs with AVX-512 VNNI: weights quantised per output row, activations
//! per token, multiplied with `vpdpbusd` (64 byte products per instruction) and accumulated in
//! 32-bit integers. This is the one place the project uses `unsafe`: the instruction is only
//! reachable through `std::arch`, whose loads take raw pointers. Every pointer below comes from a
//! slice whose length was checked against the loop bounds first.
#![allow(unsafe_code)]

use rayon::prelude::*;

/// Whether this CPU runs the int8 path.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A dense layer's weights in int8.
pub struct QuantisedRows {
    /// Symmetric per output row, packed for `vpdpbusd`: blocks of 16 outputs, and within a block
    /// `[in / 4][16][4]`, so one 64-byte load holds four inputs of sixteen outputs.
    pub packed: Vec<i8>,
    /// value = q · scale, per output row.
    pub scales: Vec<f32>,
    /// Σ q over each row, for the activations' zero point.
    pub sums: Vec<i32>,
    pub inner: usize,
}

/// Symmetric int8 of `values`; returns the scale.
pub fn quantise(values: &[f32], out: &mut [i8]) -> f32 {
    let max = values.iter().fold(0f32, |m, v| m.max(v.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let inv = 1.0 / scale;
    for (q, v) in out.iter_mut().zip(values) {
        #[allow(clippy::cast_possible_truncation)]
        let r = (v * inv + 0.5f32.copysign(*v)) as i8;
        *q = r;
    }
    scale
}

impl QuantisedRows {
    /// Quantises `[out, in]` float rows; `None` unless there are a multiple of 16 outputs and of
    /// 64 inputs.
    pub fn new(rows: &[f32], inner: usize) -> Option<Self> {
        if inner == 0 || !inner.is_multiple_of(64) || !(rows.len() / inner).is_multiple_of(16) {
            return None;
        }
        let mut q = vec![0i8; rows.len()];
        let mut scales = Vec::new();
        let mut sums = Vec::new();
        for (r, qr) in rows.chunks_exact(inner).zip(q.chunks_exact_mut(inner)) {
            scales.push(quantise(r, qr));
            sums.push(qr.iter().map(|v| i32::from(*v)).sum());
        }
        let mut packed = vec![0i8; q.len()];
        for (o, row) in q.chunks_exact(inner).enumerate() {
            let (block, lane) = (o / 16, o % 16);
            for (k, v) in row.iter().enumerate() {
                packed[block * 16 * inner + (k / 4) * 64 + lane * 4 + k % 4] = *v;
            }
        }
        Some(Self { packed, scales, sums, inner })
    }

    /// `x · Wᵀ` for `rows` rows of `x` (`[rows, inner]`), as `[rows, out]` floats. Only call when
    /// [`available`] is true.
    pub fn apply(&self, x: &[f32], rows: usize) -> Vec<f32> {
        const BLOCK: usize = 64;
        let inner = self.inner;
        assert!(inner.is_multiple_of(64) && x.len() == rows * inner, "int8 layer shapes");
        // Activations: asymmetric u8 per token (x ≈ low + scale·u), the operand vpdpbusd wants;
        // the range of a token's values, not its largest magnitude, sets the step.
        let mut xq = vec![0u8; rows * inner];
        let mut xs = vec![(0f32, 0f32); rows];
        for ((xr, qr), s) in x.chunks_exact(inner).zip(xq.chunks_exact_mut(inner)).zip(&mut xs) {
            *s = quantise_activations(xr, qr);
        }
        let n = self.scales.len();
        let blocks: Vec<Vec<i32>> = self.packed.par_chunks(BLOCK * inner).map(|w| dots(&xq, rows, inner, w)).collect();
        let mut y = vec![0f32; rows * n];
        for (b, block) in blocks.iter().enumerate() {
            let outs = block.len() / rows.max(1);
            let base = b * BLOCK;
            for t in 0..rows {
                let (low, scale) = xs[t];
                dequantise(
                    &mut y[t * n + base..t * n + base + outs],
                    &block[t * outs..(t + 1) * outs],
                    &self.scales[base..base + outs],
                    &self.sums[base..base + outs],
                    low,
                    scale,
                );
            }
        }
        y
    }
}

/// Asymmetric u8 of one token's values (x ≈ low + scale·u), the operand `vpdpbusd` wants: the
/// range of the values, not their largest magnitude, sets the step. Returns (low, scale).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn quantise_activations(values: &[f32], out: &mut [u8]) -> (f32, f32) {
    let (low, high) = values.iter().fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let scale = if high > low { (high - low) / 255.0 } else { 1.0 };
    let inv = 1.0 / scale;
    for (u, v) in out.iter_mut().zip(values) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let q = ((v - low) * inv + 0.5) as u8;
        *u = q;
    }
    (low, scale)
}

/// Integer sums back to floats: Σ x·w ≈ s_w · (low · Σq + s_x · Σ u·q).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2+fma"))]
fn dequantise(dst: &mut [f32], acc: &[i32], scales: &[f32], sums: &[i32], low: f32, scale: f32) {
    for (((d, a), ws), sum) in dst.iter_mut().zip(acc).zip(scales).zip(sums) {
        #[allow(clippy::cast_precision_loss)]
        let v = ws * (low * *sum as f32 + scale * *a as f32);
        *d = v;
    }
}

/// Every row of `x` (u8, `[rows, inner]`) against every output of the packed block `w`, as
/// `[rows, outputs]`.
fn dots(x: &[u8], rows: usize, inner: usize, w: &[i8]) -> Vec<i32> {
    let outs = w.len() / inner;
    let mut out = vec![0i32; rows * outs];
    assert!(x.len() >= rows * inner && w.len() == outs * inner && inner.is_multiple_of(64) && outs.is_multiple_of(16));
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `available()` was checked by the caller before building this layer; the assert
    // above bounds every load in `x` and `w` and every store in `out`.
    unsafe {
        dots_vnni(x, rows, inner, w, &mut out);
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
// `loadu`/`storeu` are the unaligned forms: the pointer casts below need no alignment.
#[allow(clippy::many_single_char_names, clippy::cast_ptr_alignment)]
unsafe fn dots_vnni(x: &[u8], rows: usize, inner: usize, w: &[i8], out: &mut [i32]) {
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_setzero_si512, _mm512_storeu_si512,
    };
    let outs = w.len() / inner;
    for g in 0..outs / 16 {
        let wg = &w[g * 16 * inner..(g + 1) * 16 * inner];
        // Four tokens at a time share each 64-byte weight load.
        let mut t = 0;
        while t < rows {
            let n = (rows - t).min(4);
            let mut acc = [_mm512_setzero_si512(); 4];
            for k4 in 0..inner / 4 {
                // SAFETY: k4 · 64 + 64 <= 16 · inner = wg.len().
                let wv = unsafe { _mm512_loadu_si512(wg.as_ptr().add(k4 * 64).cast::<__m512i>()) };
                for (r, slot) in acc.iter_mut().enumerate().take(n) {
                    // SAFETY: t + r < rows and k4 · 4 + 4 <= inner, inside `x` (asserted by the
                    // caller); the read is unaligned.
                    let four = unsafe { x.as_ptr().add((t + r) * inner + k4 * 4).cast::<i32>().read_unaligned() };
                    *slot = _mm512_dpbusd_epi32(*slot, _mm512_set1_epi32(four), wv);
                }
            }
            for (r, slot) in acc.iter().enumerate().take(n) {
                let at = (t + r) * outs + g * 16;
                assert!(at + 16 <= out.len());
                // SAFETY: the assert bounds the 16 lanes inside `out`.
                unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(at).cast::<__m512i>(), *slot) };
            }
            t += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_layer_matches_floats() {
        if !available() {
            return; // nothing to compare on this CPU: the float path runs instead
        }
        let inner = 128;
        let outs = 80;
        #[allow(clippy::cast_precision_loss)]
        let w: Vec<f32> = (0..outs * inner).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
        #[allow(clippy::cast_precision_loss)]
        let x: Vec<f32> = (0..3 * inner).map(|i| ((i * 104_729 % 997) as f32 / 498.0) - 1.0).collect();
        let q = QuantisedRows::new(&w, inner).expect("shapes fit");
        let y = q.apply(&x, 3);
        for t in 0..3 {
            for o in 0..outs {
                let exact: f32 = (0..inner).map(|k| x[t * inner + k] * w[o * inner + k]).sum();
                assert!((y[t * outs + o] - exact).abs() < 0.05 * (1.0 + exact.abs()), "{t},{o}: {} vs {exact}", y[t * outs + o]);
            }
        }
    }
}
