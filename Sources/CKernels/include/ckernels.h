// Element-wise kernels of the forward pass (the loops between the GEMMs) and the CPU facts that
// choose them.
//
// Swift compiles for baseline x86-64 (SSE2), so its SIMD types can use neither AVX2's 8-wide
// registers, FMA nor AVX-512. These C kernels carry one implementation per instruction set —
// scalar (portable, every machine), AVX2+FMA and AVX-512 — and one dispatch table chosen at run
// time from cpuid and the OS's saved register state, so one binary runs on any x86-64 or arm64
// machine and uses what the CPU has. WINNOW_KERNELS=scalar|avx2|avx512 (or wn_set_kernel_path)
// forces a lower path, which is how the tests run every path the machine supports.
#ifndef WINNOW_CKERNELS_H
#define WINNOW_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

// MARK: - CPU identification

/// What the CPU reports through cpuid, with the OS's consent folded in: an AVX or AVX-512 flag is
/// set only when XCR0 says the OS saves the matching registers (otherwise using them faults).
typedef struct {
    char vendor[13];          ///< "GenuineIntel", "AuthenticAMD", ... ("" off x86)
    char brand[49];           ///< the brand string, e.g. "Intel(R) Xeon(R) Processor" (trimmed)
    int family, model, stepping;
    int sse4_2, avx, avx2, fma, f16c;
    int avx512f, avx512bw, avx512vl, avx512dq, avx512cd;
    int avx512_vnni, avx512_bf16, avx512_fp16, avx_vnni;
    int amx_tile, amx_bf16, amx_int8;   ///< reported by cpuid; usable only after the OS grants them
} wn_cpu_info;

/// Fills `info` (zeros and empty strings where the architecture has no cpuid).
void wn_cpu_identify(wn_cpu_info *info);

// MARK: - Kernel paths

/// The element-wise kernel implementations, lowest to highest.
enum {
    WN_KERNELS_SCALAR = 0,   ///< portable C, every machine
    WN_KERNELS_AVX2 = 1,     ///< AVX2 + FMA, 8 lanes
    WN_KERNELS_AVX512 = 2,   ///< AVX-512 F/BW/VL/DQ, 16 lanes with masked tails
};

/// The highest path this CPU and OS can run.
int wn_kernel_path_supported(void);

/// The path in use: the highest supported one, or WINNOW_KERNELS (scalar|avx2|avx512) read at
/// first use when it names a supported path, or what wn_set_kernel_path chose since.
int wn_kernel_path(void);

/// Selects a path for every later call (tests and benchmarks); a path the CPU cannot run is
/// lowered to the highest one it can. Returns the path now in use.
int wn_set_kernel_path(int path);

/// "scalar", "avx2" or "avx512".
const char *wn_kernel_path_name(int path);

/// 1 when the AVX2+FMA (or a higher) path is in use.
int wn_has_avx2_fma(void);

// MARK: - Kernels

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

/// The rotation of the int8 mode's inputs (see RewardEngine's HadamardRotation.swift), unnormalised:
/// dst = src ⊙ signs, then each run of `block` floats multiplied by the Walsh-Hadamard matrix of
/// order `block` (entries ±1, so the result is sqrt(block) times an orthogonal rotation of the
/// input). `block` is a power of two >= 16 that divides `cols`; dst may be src.
void wn_hadamard_row(const float *src, const float *signs, int cols, int block, float *dst);

// MARK: - Attention products on packed panels (attention_panels.c)
//
// The two products of causal attention for one key/value head, on operands packed once per batch
// of query rows: keys transposed into panels of 32 keys (d rows of 32 floats each), values into
// panels of 32 columns (count rows of 32 floats each). A row whose `ends[r]` says it sees keys
// 0..<ends[r] only (the causal mask) lets its tile of rows skip the panels past every row's end;
// what lies past a row's own end is left for the softmax to mask (scores) or is multiplied by its
// zero probabilities (values). `ends` may be NULL: every row sees every key.

/// Floats `wn_pack_key_panels` writes for `count` keys of `d` floats.
size_t wn_key_panels_floats(int count, int d);

/// Floats `wn_pack_value_panels` writes for `count` values of `d` floats.
size_t wn_value_panels_floats(int count, int d);

/// Packs `count` keys (key i at keys + i * stride, d floats) into ceil(count / 32) panels:
/// panels[p·32·d + x·32 + j] = key (32p + j)[x], zero past count.
void wn_pack_key_panels(const float *keys, int stride, int count, int d, float *panels);

/// Packs `count` values (value i at values + i * stride, d floats) into ceil(d / 32) panels:
/// panels[c·count + i·32 + j] = value i [c + j] for each column block c = 0, 32, ..., zero past d.
void wn_pack_value_panels(const float *values, int stride, int count, int d, float *panels);

/// scores[r·ld + c] = scale · q_r · key_c for r < rows and the keys c < `keys` of the 32-key panels
/// that some row of r's tile sees (all of them without `ends`); q_r at q + r·ldq.
void wn_attention_scores(const float *q, int ldq, int rows, int d, const float *key_panels, int keys,
                         const int32_t *ends, float scale, float *scores, int ld);

/// out[r·ldo + x] (=, or += with accumulate) Σ_{c < seen} p[r·ldp + c] · value_c[x], where `seen` is
/// the most keys any row of r's tile sees (`keys` without `ends`). Probabilities past a row's own
/// end must be zero (wn_softmax_row's mask).
void wn_attention_values(const float *p, int ldp, int rows, int d, const float *value_panels, int keys,
                         const int32_t *ends, float *out, int ldo, int accumulate);

// MARK: - Int8 compute (quantize.c)

/// Quantizes each of `rows` rows of `cols` floats (row r at x + r * stride) symmetrically to
/// integers v in [-qmax, qmax] (v = round(x / scale), scale = max|x| / qmax, written to
/// scales[r]) and stores v + qmax + 1 as unsigned bytes into out (rows x cols, packed). qmax is
/// 127 for VNNI, 63 where u8 x s8 pairs are summed in saturating 16 bits (AVX2/AVX-512 without VNNI).
void wn_quantize_rows_u8(const float *x, int rows, int cols, int stride, int qmax, uint8_t *out, float *scales);

/// One row of wn_quantize_rows_u8 into q; returns the row's scale times `unit`. Vectorised per path;
/// every path writes the same bytes (rounding to nearest even, as nearbyintf).
float wn_quantize_row_u8(const float *row, int cols, int qmax, float unit, uint8_t *q);

/// wn_quantize_rows_u8 of the rows rotated first (wn_hadamard_row with `signs` and `block`, then
/// the 1/sqrt(block) that makes it orthogonal, folded into scales[r]); `work` holds cols floats.
/// With weights rotated the same way at load, the product is the unrotated one: (xR)(wR)ᵀ = xwᵀ.
void wn_quantize_rows_u8_rotated(const float *x, int rows, int cols, int stride, int qmax, const float *signs,
                                 int block, float *work, uint8_t *out, float *scales);

/// Quantizes each row of w (rows x cols) symmetrically to [-127, 127] (scale = max|w| / 127,
/// written to scales[r]) into out, and writes the row's sum of quantized values to sums[r] (the
/// zero-point correction of the u8 activations).
void wn_quantize_weight_rows_s8(const float *w, int rows, int cols, int8_t *out, float *scales, int32_t *sums);

/// out[r * out_stride + c] = (or += with accumulate) c32[r * cols + c] * row_scale[r] * col_scale[c].
void wn_dequantize_rows(const int32_t *c32, int rows, int cols, const float *row_scale, const float *col_scale,
                        float *out, int out_stride, int accumulate);

#endif
