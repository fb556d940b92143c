// Quantization loops of the int8 compute mode (see RewardEngine's Int8Linear.swift): activations
// per row to unsigned 8-bit with a zero point (the row kernel per instruction set, dispatch.c:
// the portable build cannot vectorise nearbyintf, which made this pass cost a sizeable share of
// the GEMM it feeds), and weights per output row to signed 8-bit at load. The int32 GEMM result
// goes back to float32 in a per-ISA kernel too (dequantize_rows in kernels_*.c).
#include "ckernels.h"
#include <math.h>

void wn_quantize_rows_u8(const float *x, int rows, int cols, int stride, int qmax, uint8_t *out, float *scales) {
    for (int r = 0; r < rows; r++) scales[r] = wn_quantize_row_u8(x + (size_t)r * stride, cols, qmax, 1, out + (size_t)r * cols);
}

void wn_quantize_rows_u8_rotated(const float *x, int rows, int cols, int stride, int qmax, const float *signs,
                                 int block, float *work, uint8_t *out, float *scales) {
    // Quantization is scale-free, so the rotation's 1/sqrt(block) costs no pass over the row: it
    // goes into the row's scale.
    float unit = 1.0f / sqrtf((float)block);
    for (int r = 0; r < rows; r++) {
        wn_hadamard_row(x + (size_t)r * stride, signs, cols, block, work);
        scales[r] = wn_quantize_row_u8(work, cols, qmax, unit, out + (size_t)r * cols);
    }
}

void wn_quantize_weight_rows_s8(const float *w, int rows, int cols, int8_t *out, float *scales, int32_t *sums) {
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
        int8_t *q = out + (size_t)r * cols;
        float maxabs = 0;
        for (int c = 0; c < cols; c++) maxabs = fmaxf(maxabs, fabsf(row[c]));
        float inverse = maxabs > 0 ? 127.0f / maxabs : 0;
        int32_t sum = 0;
        for (int c = 0; c < cols; c++) {
            int v = (int)nearbyintf(row[c] * inverse);
            v = v > 127 ? 127 : (v < -127 ? -127 : v);
            q[c] = (int8_t)v;
            sum += v;
        }
        scales[r] = maxabs / 127.0f;
        sums[r] = sum;
    }
}
