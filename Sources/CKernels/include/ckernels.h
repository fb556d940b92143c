// Element-wise kernels of the forward pass: the loops between the GEMMs.
//
// Swift compiles for baseline x86-64 (SSE2), so its SIMD types can use neither AVX2's 8-wide
// registers nor FMA. These C kernels carry AVX2+FMA versions selected at run time by CPU
// feature checks, and portable scalar versions everywhere else, so one binary runs on any
// x86-64 or arm64 machine and uses what the CPU has.
#ifndef WINNOW_CKERNELS_H
#define WINNOW_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the AVX2+FMA paths are in use.
int wn_has_avx2_fma(void);

/// In place: softmax over row[begin..<end], zeros elsewhere in row[0..<width] (the causal and
/// sliding-window masks). With softcap > 0 the logits are first capped: cap * tanh(x / cap).
void wn_softmax_row(float *row, int begin, int end, int width, float softcap);

/// out[i] = silu(gate[i]) * up[i] for i < width, with up = gate + width (the fused [gate|up] row).
void wn_swiglu_row(const float *gate_up, int width, float *out);

/// out[i] = gelu_tanh(gate[i]) * up[i] for i < width, with up = gate + width (Gemma's GeGLU).
void wn_geglu_row(const float *gate_up, int width, float *out);

/// y = x * rsqrt(mean(x^2) + eps) * weight over n floats; y may alias x.
void wn_rms_norm(const float *x, const float *weight, int n, float eps, float *y);

/// Rotates `heads` consecutive heads of `head_dim` floats in place ("rotate half" layout):
/// x[i], x[i+half] <- x[i]*cos[i] - x[i+half]*sin[i], x[i+half]*cos[i] + x[i]*sin[i].
void wn_rope(float *x, int heads, int head_dim, const float *cos_half, const float *sin_half);

/// Widens n bfloat16 values to float32.
void wn_bf16_to_f32(const uint16_t *src, float *dst, size_t n);

/// sum(a[i] * b[i]) over n floats.
float wn_dot(const float *a, const float *b, int n);

#endif
