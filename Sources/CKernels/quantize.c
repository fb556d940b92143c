// Weight quantization of the int8 compute mode (see RewardEngine's Int8Linear.swift): weights per
// output row to signed 8-bit, once at load. Plain C is enough for a load-time loop. The per-pass
// loops (activations to u8, int32 products back to float32) run on every forward pass and are
// per-ISA kernels (kernels_*.c): at the x86-64 baseline `nearbyintf` is a libm call per element,
// which made quantizing activations cost an eighth of the int8 GEMM itself.
#include "ckernels.h"
#include <math.h>

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
