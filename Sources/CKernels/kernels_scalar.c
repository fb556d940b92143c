// The portable path: plain C loops, the reference every vector path is tested against.
#include "kernel_table.h"

#include <math.h>
#include <string.h>

static void softmax(float *v, int n, float softcap) {
    if (softcap > 0) for (int i = 0; i < n; i++) v[i] = softcap * tanhf(v[i] / softcap);
    float m = -INFINITY, s = 0;
    for (int i = 0; i < n; i++) m = v[i] > m ? v[i] : m;
    for (int i = 0; i < n; i++) { v[i] = expf(v[i] - m); s += v[i]; }
    for (int i = 0; i < n; i++) v[i] /= s;
}

// gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3)))
static void geglu(const float *gate_up, int width, float *out) {
    const float *up = gate_up + width;
    for (int i = 0; i < width; i++) {
        float g = gate_up[i];
        out[i] = 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g))) * up[i];
    }
}

static void swiglu(const float *gate_up, int width, float *out) {
    const float *up = gate_up + width;
    for (int i = 0; i < width; i++) out[i] = gate_up[i] / (1.0f + expf(-gate_up[i])) * up[i];
}

static void rms_norm(const float *x, const float *weight, int n, float eps, float *y) {
    float s = 0;
    for (int i = 0; i < n; i++) s += x[i] * x[i];
    float scale = 1.0f / sqrtf(s / (float)n + eps);
    for (int i = 0; i < n; i++) y[i] = x[i] * scale * weight[i];
}

static void rope(float *x, int heads, int head_dim, const float *c, const float *s) {
    int half = head_dim / 2;
    for (int h = 0; h < heads; h++) {
        float *lo = x + (size_t)h * head_dim, *hi = lo + half;
        for (int i = 0; i < half; i++) {
            float a = lo[i], b = hi[i];
            lo[i] = a * c[i] - b * s[i];
            hi[i] = b * c[i] + a * s[i];
        }
    }
}

static void bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) { uint32_t b = (uint32_t)src[i] << 16; memcpy(dst + i, &b, 4); }
}

static float dot(const float *a, const float *b, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

// The butterflies in the order the vector paths run them (distance 1, 2, 4, ... within each block):
// every path adds and subtracts the same pairs, so all give the same bits.
static void hadamard(const float *src, const float *signs, int cols, int block, float *dst) {
    for (int c = 0; c < cols; c++) dst[c] = src[c] * signs[c];
    for (int start = 0; start < cols; start += block) {
        for (int h = 1; h < block; h <<= 1) {
            for (int i = start; i < start + block; i += 2 * h) {
                for (int j = i; j < i + h; j++) {
                    float a = dst[j], b = dst[j + h];
                    dst[j] = a + b;
                    dst[j + h] = a - b;
                }
            }
        }
    }
}

static float quantize_row(const float *row, int cols, int qmax, float unit, uint8_t *q) {
    float maxabs = 0;
    for (int c = 0; c < cols; c++) maxabs = fmaxf(maxabs, fabsf(row[c]));
    // An all-zero row quantizes to the zero point with scale 0: its products dequantize to 0.
    float inverse = maxabs > 0 ? (float)qmax / maxabs : 0;
    int zero = qmax + 1;
    for (int c = 0; c < cols; c++) {
        // |row[c] * inverse| <= qmax up to rounding; the clamp keeps a rounding overshoot in range.
        int v = (int)nearbyintf(row[c] * inverse);
        v = v > qmax ? qmax : (v < -qmax ? -qmax : v);
        q[c] = (uint8_t)(v + zero);
    }
    return maxabs / (float)qmax * unit;
}

static void dequantize_rows(const int32_t *c32, int rows, int cols, const float *row_scale, const float *col_scale,
                        float *out, int out_stride, int accumulate) {
    for (int r = 0; r < rows; r++) {
        const int32_t *in = c32 + (size_t)r * cols;
        float *o = out + (size_t)r * out_stride;
        float s = row_scale[r];
        if (accumulate) {
            for (int c = 0; c < cols; c++) o[c] += (float)in[c] * (s * col_scale[c]);
        } else {
            for (int c = 0; c < cols; c++) o[c] = (float)in[c] * (s * col_scale[c]);
        }
    }
}

static void panel_gemm(int rows, int k, const float *a, int lda, const float *b, float *c, int ldc, int n,
                       float alpha, int accumulate) {
    for (int r = 0; r < rows; r++) {
        float sums[32] = {0};
        const float *ar = a + (size_t)r * lda;
        for (int i = 0; i < k; i++) {
            const float *bi = b + (size_t)i * 32;
            for (int j = 0; j < 32; j++) sums[j] += ar[i] * bi[j];
        }
        float *cr = c + (size_t)r * ldc;
        for (int j = 0; j < n; j++) cr[j] = accumulate ? cr[j] + alpha * sums[j] : alpha * sums[j];
    }
}

static void pack_key_panel(const float *src, int stride, int count, int d, float *panel) {
    for (int i = 0; i < 32; i++)
        for (int x = 0; x < d; x++) panel[x * 32 + i] = i < count ? src[(size_t)i * stride + x] : 0;
}

const wn_kernel_table wn_kernels_scalar = {softmax, swiglu, geglu, rms_norm, rope, bf16_to_f32, dot,
                                           hadamard, quantize_row, dequantize_rows,
                                           4, panel_gemm, pack_key_panel};
