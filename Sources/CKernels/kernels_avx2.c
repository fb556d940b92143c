// The AVX2 + FMA path: 8 lanes, scalar tails. Compiled for every x86-64 build through per-function
// target attributes and called only when the CPU has AVX2 and FMA (dispatch.c).
#include "kernel_table.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define WN_AVX2 __attribute__((target("avx2,fma")))

// e^x on eight lanes: Cephes' range reduction and degree-6 polynomial, ~1 ulp.
WN_AVX2 static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365447504019f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// tanh(z) = 1 - 2 / (e^(2z) + 1): exact at the extremes (exp8 clamps), ~1e-7 absolute near 0.
WN_AVX2 static inline __m256 tanh8(__m256 z) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    __m256 e = exp8(_mm256_mul_ps(z, two));
    return _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
}

WN_AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

WN_AVX2 static inline float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

WN_AVX2 static void softcap(float *row, int n, float cap) {
    int i = 0;
    __m256 c = _mm256_set1_ps(cap), inv = _mm256_set1_ps(1.0f / cap);
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(row + i, _mm256_mul_ps(c, tanh8(_mm256_mul_ps(_mm256_loadu_ps(row + i), inv))));
    for (; i < n; i++) row[i] = cap * tanhf(row[i] / cap);
}

WN_AVX2 static void softmax(float *row, int valid, float cap) {
    if (cap > 0) softcap(row, valid, cap);
    int i = 0;
    __m256 m8 = _mm256_set1_ps(-INFINITY);
    for (; i + 8 <= valid; i += 8) m8 = _mm256_max_ps(m8, _mm256_loadu_ps(row + i));
    float m = hmax8(m8);
    for (; i < valid; i++) m = row[i] > m ? row[i] : m;
    __m256 mv = _mm256_set1_ps(m), s8 = _mm256_setzero_ps();
    for (i = 0; i + 8 <= valid; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), mv));
        _mm256_storeu_ps(row + i, e);
        s8 = _mm256_add_ps(s8, e);
    }
    float s = hsum8(s8);
    for (; i < valid; i++) { row[i] = expf(row[i] - m); s += row[i]; }
    __m256 inv = _mm256_set1_ps(1.0f / s);
    for (i = 0; i + 8 <= valid; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), inv));
    for (; i < valid; i++) row[i] *= 1.0f / s;
}

// gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3)))
WN_AVX2 static void geglu(const float *gate, int width, float *out) {
    const float *up = gate + width;
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 k0 = _mm256_set1_ps(0.7978845608028654f), k1 = _mm256_set1_ps(0.044715f);
    int i = 0;
    for (; i + 8 <= width; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 inner = _mm256_mul_ps(k0, _mm256_fmadd_ps(_mm256_mul_ps(k1, g), _mm256_mul_ps(g, g), g));
        __m256 gelu = _mm256_mul_ps(_mm256_mul_ps(half, g), _mm256_add_ps(one, tanh8(inner)));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(gelu, _mm256_loadu_ps(up + i)));
    }
    for (; i < width; i++) {
        float g = gate[i];
        out[i] = 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g))) * up[i];
    }
}

WN_AVX2 static void swiglu(const float *gate, int width, float *out) {
    const float *up = gate + width;
    int i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= width; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < width; i++) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

WN_AVX2 static void rms_norm(const float *x, const float *w, int n, float eps, float *y) {
    int i = 0;
    __m256 s8 = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) { __m256 v = _mm256_loadu_ps(x + i); s8 = _mm256_fmadd_ps(v, v, s8); }
    float s = hsum8(s8);
    for (; i < n; i++) s += x[i] * x[i];
    float scale = 1.0f / sqrtf(s / (float)n + eps);
    __m256 sv = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), sv), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) y[i] = x[i] * scale * w[i];
}

WN_AVX2 static void rope(float *x, int heads, int head_dim, const float *c, const float *s) {
    int half = head_dim / 2;
    for (int h = 0; h < heads; h++) {
        float *lo = x + (size_t)h * head_dim, *hi = lo + half;
        int i = 0;
        for (; i + 8 <= half; i += 8) {
            __m256 a = _mm256_loadu_ps(lo + i), b = _mm256_loadu_ps(hi + i);
            __m256 cv = _mm256_loadu_ps(c + i), sv = _mm256_loadu_ps(s + i);
            _mm256_storeu_ps(lo + i, _mm256_fmsub_ps(a, cv, _mm256_mul_ps(b, sv)));
            _mm256_storeu_ps(hi + i, _mm256_fmadd_ps(b, cv, _mm256_mul_ps(a, sv)));
        }
        for (; i < half; i++) {
            float a = lo[i], b = hi[i];
            lo[i] = a * c[i] - b * s[i];
            hi[i] = b * c[i] + a * s[i];
        }
    }
}

WN_AVX2 static void bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
    }
    for (; i < n; i++) { uint32_t b = (uint32_t)src[i] << 16; memcpy(dst + i, &b, 4); }
}

WN_AVX2 static float dot(const float *a, const float *b, int n) {
    int i = 0;
    __m256 s8 = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) s8 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s8);
    float s = hsum8(s8);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

// Activations to u8 (contract in ckernels.h), 8 lanes: max|x|, then round(x · qmax / max|x|) with
// vcvtps2dq (round half to even, as nearbyintf in the tail), clamp, add the zero point, narrow
// through packssdw/packuswb (values 1..255 fit both).
WN_AVX2 static void quantize_rows_u8(const float *x, int rows, int cols, int stride, int qmax, uint8_t *out,
                                      float *scales) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i high = _mm256_set1_epi32(qmax), low = _mm256_set1_epi32(-qmax), zero = _mm256_set1_epi32(qmax + 1);
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * stride;
        uint8_t *q = out + (size_t)r * cols;
        __m256 m = _mm256_setzero_ps();
        int c = 0;
        for (; c + 8 <= cols; c += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(row + c)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
        float maxabs = _mm_cvtss_f32(h);
        for (; c < cols; c++) maxabs = fmaxf(maxabs, fabsf(row[c]));
        float scale = maxabs / (float)qmax, inverse = maxabs > 0 ? (float)qmax / maxabs : 0;
        __m256 f = _mm256_set1_ps(inverse);
        for (c = 0; c + 8 <= cols; c += 8) {
            __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c), f));
            v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, low), high), zero);
            __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
            _mm_storel_epi64((__m128i *)(q + c), _mm_packus_epi16(words, words));
        }
        for (; c < cols; c++) {
            int v = (int)nearbyintf(row[c] * inverse);
            v = v > qmax ? qmax : (v < -qmax ? -qmax : v);
            q[c] = (uint8_t)(v + qmax + 1);
        }
        scales[r] = scale;
    }
}

// int32 products to float32, multiplied then added in the scalar path's order (no FMA).
WN_AVX2 static void dequantize_rows(const int32_t *c32, int rows, int cols, const float *row_scale,
                                     const float *col_scale, float *out, int out_stride, int accumulate) {
    for (int r = 0; r < rows; r++) {
        const int32_t *in = c32 + (size_t)r * cols;
        float *o = out + (size_t)r * out_stride;
        float s = row_scale[r];
        __m256 sv = _mm256_set1_ps(s);
        int c = 0;
        for (; c + 8 <= cols; c += 8) {
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(in + c))),
                                     _mm256_mul_ps(sv, _mm256_loadu_ps(col_scale + c)));
            if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(o + c), v);
            _mm256_storeu_ps(o + c, v);
        }
        for (; c < cols; c++) {
            float v = (float)in[c] * (s * col_scale[c]);
            o[c] = accumulate ? o[c] + v : v;
        }
    }
}

const wn_kernel_table wn_kernels_avx2 = {softmax, swiglu, geglu, rms_norm, rope, bf16_to_f32, dot,
                                         quantize_rows_u8, dequantize_rows};
#endif
