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
    /// `[out, in]`, symmetric per row.
    pub rows: Vec<i8>,
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
    /// Quantises `[out, in]` float rows.
    pub fn new(rows: &[f32], inner: usize) -> Self {
        let mut q = vec![0i8; rows.len()];
        let mut scales = Vec::new();
        let mut sums = Vec::new();
        for (r, qr) in rows.chunks_exact(inner).zip(q.chunks_exact_mut(inner)) {
            scales.push(quantise(r, qr));
            sums.push(qr.iter().map(|v| i32::from(*v)).sum());
        }
        Self { rows: q, scales, sums, inner }
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
            let (low, high) = xr.iter().fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            let scale = if high > low { (high - low) / 255.0 } else { 1.0 };
            let inv = 1.0 / scale;
            for (u, v) in qr.iter_mut().zip(xr) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let q = ((v - low) * inv + 0.5) as u8;
                *u = q;
            }
            *s = (low, scale);
        }
        let n = self.scales.len();
        let blocks: Vec<Vec<i32>> = self.rows.par_chunks(BLOCK * inner).map(|w| dots(&xq, rows, inner, w)).collect();
        let mut y = vec![0f32; rows * n];
        for (b, block) in blocks.iter().enumerate() {
            let outs = block.len() / rows.max(1);
            let base = b * BLOCK;
            for t in 0..rows {
                let dst = &mut y[t * n + base..t * n + base + outs];
                let (low, scale) = xs[t];
                for (o, (d, acc)) in dst.iter_mut().zip(&block[t * outs..(t + 1) * outs]).enumerate() {
                    // Σ x·w ≈ s_w · (low · Σq + s_x · Σ u·q)
                    #[allow(clippy::cast_precision_loss)]
                    let v = self.scales[base + o] * (low * self.sums[base + o] as f32 + scale * *acc as f32);
                    *d = v;
                }
            }
        }
        y
    }
}

/// Every row of `x` (u8, `[rows, inner]`) against every row of `w` (i8, `[outs, inner]`).
fn dots(x: &[u8], rows: usize, inner: usize, w: &[i8]) -> Vec<i32> {
    let outs = w.len() / inner;
    let mut out = vec![0i32; rows * outs];
    assert!(x.len() >= rows * inner && w.len() >= outs * inner && inner.is_multiple_of(64));
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `available()` was checked by the caller before using this layer; the asserts above
    // bound every load inside `x` and `w`.
    unsafe {
        dots_vnni(x, rows, inner, w, &mut out);
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
// `loadu` is the unaligned load: the pointer casts below need no alignment.
#[allow(clippy::many_single_char_names, clippy::cast_ptr_alignment)]
unsafe fn dots_vnni(x: &[u8], rows: usize, inner: usize, w: &[i8], out: &mut [i32]) {
    use std::arch::x86_64::{__m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_reduce_add_epi32, _mm512_setzero_si512};
    let outs = w.len() / inner;
    // Four weight rows against one token at a time: each activation load serves four products.
    let mut o = 0;
    while o < outs {
        let group = (outs - o).min(4);
        for t in 0..rows {
            let xr = x[t * inner..(t + 1) * inner].as_ptr();
            let mut acc = [_mm512_setzero_si512(); 4];
            let mut k = 0;
            while k < inner {
                // SAFETY: k + 64 <= inner, so the 64-byte loads stay inside row t of `x` and
                // rows o..o+group of `w`.
                let a = unsafe { _mm512_loadu_si512(xr.add(k).cast::<__m512i>()) };
                for (g, slot) in acc.iter_mut().enumerate().take(group) {
                    let b = unsafe { _mm512_loadu_si512(w.as_ptr().add((o + g) * inner + k).cast::<__m512i>()) };
                    *slot = _mm512_dpbusd_epi32(*slot, a, b);
                }
                k += 64;
            }
            for (g, slot) in acc.iter().enumerate().take(group) {
                out[t * outs + o + g] = _mm512_reduce_add_epi32(*slot);
            }
        }
        o += group;
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
        let outs = 70;
        #[allow(clippy::cast_precision_loss)]
        let w: Vec<f32> = (0..outs * inner).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
        #[allow(clippy::cast_precision_loss)]
        let x: Vec<f32> = (0..3 * inner).map(|i| ((i * 104_729 % 997) as f32 / 498.0) - 1.0).collect();
        let q = QuantisedRows::new(&w, inner);
        let y = q.apply(&x, 3);
        for t in 0..3 {
            for o in 0..outs {
                let exact: f32 = (0..inner).map(|k| x[t * inner + k] * w[o * inner + k]).sum();
                assert!((y[t * outs + o] - exact).abs() < 0.05 * (1.0 + exact.abs()), "{t},{o}: {} vs {exact}", y[t * outs + o]);
            }
        }
    }
}
