// One implementation of every element-wise kernel, per instruction set (internal).
#ifndef WINNOW_KERNEL_TABLE_H
#define WINNOW_KERNEL_TABLE_H

#include <stddef.h>
#include <stdint.h>

/// For the register tiles' loops over arrays of vector accumulators: the package builds C at -O2,
/// where clang kept such a loop as a loop through memory; fully unrolled, the accumulators live in
/// registers (the attention tile measured 4x faster).
#define WN_UNROLLED _Pragma("clang loop unroll(full)")

typedef struct {
    /// Softmax over the `n` valid logits of a row, in place; softcap > 0 caps them first.
    void (*softmax)(float *row, int n, float softcap);
    void (*swiglu)(const float *gate_up, int width, float *out);
    void (*geglu)(const float *gate_up, int width, float *out);
    void (*rms_norm)(const float *x, const float *weight, int n, float eps, float *y);
    void (*rope)(float *x, int heads, int head_dim, const float *c, const float *s);
    void (*bf16_to_f32)(const uint16_t *src, float *dst, size_t n);
    float (*dot)(const float *a, const float *b, int n);
    /// dst = src ⊙ signs, then each run of `block` floats times the (unnormalised, ±1) Walsh-Hadamard
    /// matrix of that order; block is a power of two >= 16 dividing cols; dst may be src.
    void (*hadamard)(const float *src, const float *signs, int cols, int block, float *dst);
    /// One row of wn_quantize_rows_u8: q[c] = clamp(round(row[c] * qmax / max|row|), ±qmax) + qmax + 1
    /// (round to nearest even, as nearbyintf); returns max|row| / qmax * unit.
    float (*quantize_row)(const float *row, int cols, int qmax, float unit, uint8_t *q);
    /// The int32 GEMM products back to float32 (contract in ckernels.h), multiplied in the scalar
    /// path's order (no fused multiply-add), so every path writes the same floats.
    void (*dequantize_rows)(const int32_t *c32, int rows, int cols, const float *row_scale, const float *col_scale,
                            float *out, int out_stride, int accumulate);
    /// Rows of one register tile of panel_gemm: the attention drivers (attention_panels.c) cut
    /// their rows into tiles of this many.
    int panel_rows;
    /// One tile of the attention products: for r < rows (<= panel_rows) and j < n (<= 32),
    /// c[r·ldc + j] (=, or += with accumulate) alpha · Σ_{i<k} a[r·lda + i] · b[i·32 + j], where b is a
    /// packed panel of k rows of 32 floats. Columns j >= n of c are not touched.
    void (*panel_gemm)(int rows, int k, const float *a, int lda, const float *b, float *c, int ldc, int n,
                       float alpha, int accumulate);
    /// Transposes `count` (<= 32) rows of `d` floats (row i at src + i·stride) into a panel of d rows
    /// of 32 floats: panel[x·32 + i] = src[i·stride + x], zero for i >= count.
    void (*pack_key_panel)(const float *src, int stride, int count, int d, float *panel);
} wn_kernel_table;

/// The table in use (dispatch.c), for drivers that live outside dispatch.c.
const wn_kernel_table *wn_active_kernels(void);

extern const wn_kernel_table wn_kernels_scalar;
#if defined(__x86_64__)
extern const wn_kernel_table wn_kernels_avx2;
extern const wn_kernel_table wn_kernels_avx512;
#endif

#endif
