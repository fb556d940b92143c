// One implementation of every element-wise kernel, per instruction set (internal).
#ifndef WINNOW_KERNEL_TABLE_H
#define WINNOW_KERNEL_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    /// Softmax over the `n` valid logits of a row, in place; softcap > 0 caps them first.
    void (*softmax)(float *row, int n, float softcap);
    void (*swiglu)(const float *gate_up, int width, float *out);
    void (*geglu)(const float *gate_up, int width, float *out);
    void (*rms_norm)(const float *x, const float *weight, int n, float eps, float *y);
    void (*rope)(float *x, int heads, int head_dim, const float *c, const float *s);
    void (*bf16_to_f32)(const uint16_t *src, float *dst, size_t n);
    float (*dot)(const float *a, const float *b, int n);
    /// The int8 mode's per-row activation quantization and int32 -> float32 dequantization
    /// (their contracts in ckernels.h). Every path rounds half to even and multiplies in the same
    /// order, so all paths produce identical bytes and floats.
    void (*quantize_rows_u8)(const float *x, int rows, int cols, int stride, int qmax, uint8_t *out, float *scales);
    void (*dequantize_rows)(const int32_t *c32, int rows, int cols, const float *row_scale, const float *col_scale,
                            float *out, int out_stride, int accumulate);
} wn_kernel_table;

extern const wn_kernel_table wn_kernels_scalar;
#if defined(__x86_64__)
extern const wn_kernel_table wn_kernels_avx2;
extern const wn_kernel_table wn_kernels_avx512;
#endif

#endif
