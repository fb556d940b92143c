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

// Butterflies at distance 1, 2 and 4 inside one register: p holds each lane's partner x[i ^ h];
// the lower lane of a pair keeps x[i] + p, the upper one p - x[i] (= x[i - h] - x[i]).
WN_AVX2 static inline __m256 hadamard8(__m256 v) {
    __m256 p = _mm256_permute_ps(v, 0xB1);
    v = _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xAA);
    p = _mm256_permute_ps(v, 0x4E);
    v = _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xCC);
    p = _mm256_permute2f128_ps(v, v, 0x01);
    return _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xF0);
}

// Signs and the three in-register stages in one pass, then distances 8, 16, ... between registers.
WN_AVX2 static void hadamard(const float *src, const float *signs, int cols, int block, float *dst) {
    for (int c = 0; c < cols; c += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(src + c), _mm256_loadu_ps(signs + c));
        _mm256_storeu_ps(dst + c, hadamard8(v));
    }
    for (int start = 0; start < cols; start += block) {
        for (int h = 8; h < block; h <<= 1) {
            for (int i = start; i < start + block; i += 2 * h) {
                for (int j = i; j < i + h; j += 8) {
                    __m256 a = _mm256_loadu_ps(dst + j), b = _mm256_loadu_ps(dst + j + h);
                    _mm256_storeu_ps(dst + j, _mm256_add_ps(a, b));
                    _mm256_storeu_ps(dst + j + h, _mm256_sub_ps(a, b));
                }
            }
        }
    }
}

// The scalar path's quantization eight lanes at a time: vcvtps2dq rounds to nearest even as
// nearbyintf does, so every path writes the same bytes.
WN_AVX2 static float quantize_row(const float *row, int cols, int qmax, float unit, uint8_t *q) {
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 m = _mm256_setzero_ps();
    int c = 0;
    for (; c + 8 <= cols; c += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(row + c), magnitude));
    float lanes[8], maxabs = 0;
    _mm256_storeu_ps(lanes, m);
    for (int i = 0; i < 8; i++) maxabs = fmaxf(maxabs, lanes[i]);
    for (int t = c; t < cols; t++) maxabs = fmaxf(maxabs, fabsf(row[t]));
    float inverse = maxabs > 0 ? (float)qmax / maxabs : 0;
    const __m256 scale = _mm256_set1_ps(inverse);
    const __m256i low = _mm256_set1_epi32(-qmax), high = _mm256_set1_epi32(qmax), zero = _mm256_set1_epi32(qmax + 1);
    for (c = 0; c + 8 <= cols; c += 8) {
        __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + c), scale));
        v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, low), high), zero);
        // 32 -> 16 -> 8 bits within each 128-bit half (values are 1...255, no saturation), then
        // the two halves' first four bytes side by side.
        __m256i packed = _mm256_packus_epi16(_mm256_packus_epi32(v, v), _mm256_setzero_si256());
        __m128i bytes = _mm_unpacklo_epi32(_mm256_castsi256_si128(packed), _mm256_extracti128_si256(packed, 1));
        _mm_storel_epi64((__m128i *)(q + c), bytes);
    }
    for (; c < cols; c++) {
        int v = (int)nearbyintf(row[c] * inverse);
        v = v > qmax ? qmax : (v < -qmax ? -qmax : v);
        q[c] = (uint8_t)(v + qmax + 1);
    }
    return maxabs / (float)qmax * unit;
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

// One register tile of the attention products: R rows (<= 6) x 16 columns in 2R accumulators, run
// for each 16-column half of the 32-column panel (16 ymm registers: 12 accumulators, two panel
// vectors, one broadcast).
#define WN_PANEL_TILE(R)                                                                                   \
    WN_AVX2 static void panel_tile_##R(int k, const float *a, int lda, const float *b, float *c, int ldc,      \
                                       int n, float alpha, int accumulate) {                               \
        __m256 c0[R], c1[R];                                                                               \
        WN_UNROLLED for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm256_setzero_ps();                                   \
        for (int i = 0; i < k; i++) {                                                                      \
            __m256 b0 = _mm256_loadu_ps(b + (size_t)i * 32), b1 = _mm256_loadu_ps(b + (size_t)i * 32 + 8); \
            WN_UNROLLED for (int r = 0; r < R; r++) {                                                      \
                __m256 x = _mm256_broadcast_ss(a + (size_t)r * lda + i);                                   \
                c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);                                                     \
                c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);                                                     \
            }                                                                                              \
        }                                                                                                  \
        const __m256 s = _mm256_set1_ps(alpha);                                                            \
        WN_UNROLLED for (int r = 0; r < R; r++) {                                                          \
            float *cr = c + (size_t)r * ldc;                                                               \
            float out[16];                                                                                 \
            _mm256_storeu_ps(out, _mm256_mul_ps(c0[r], s));                                                \
            _mm256_storeu_ps(out + 8, _mm256_mul_ps(c1[r], s));                                            \
            if (n >= 16) {                                                                                 \
                if (accumulate) {                                                                          \
                    _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), _mm256_loadu_ps(out)));        \
                    _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), _mm256_loadu_ps(out + 8))); \
                } else {                                                                                   \
                    _mm256_storeu_ps(cr, _mm256_loadu_ps(out));                                            \
                    _mm256_storeu_ps(cr + 8, _mm256_loadu_ps(out + 8));                                    \
                }                                                                                          \
            } else {                                                                                       \
                for (int j = 0; j < n; j++) cr[j] = accumulate ? cr[j] + out[j] : out[j];                  \
            }                                                                                              \
        }                                                                                                  \
    }
WN_PANEL_TILE(1) WN_PANEL_TILE(2) WN_PANEL_TILE(3) WN_PANEL_TILE(4) WN_PANEL_TILE(5) WN_PANEL_TILE(6)

WN_AVX2 static void panel_gemm(int rows, int k, const float *a, int lda, const float *b, float *c, int ldc, int n,
                               float alpha, int accumulate) {
    typedef void (*tile_fn)(int, const float *, int, const float *, float *, int, int, float, int);
    static const tile_fn tiles[7] = {NULL, panel_tile_1, panel_tile_2, panel_tile_3, panel_tile_4, panel_tile_5,
                                     panel_tile_6};
    if (rows <= 0) return;
    tiles[rows](k, a, lda, b, c, ldc, n, alpha, accumulate);
    if (n > 16) tiles[rows](k, a, lda, b + 16, c + 16, ldc, n - 16, alpha, accumulate);
}

// 8 x 8 transpose in registers (unpack pairs, 4 x 4 blocks per 128-bit lane, then lanes).
WN_AVX2 static inline void transpose8(__m256 r[8]) {
    __m256 t[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    // r[4i + j], lane L: rows 4i..4i+3 at column 4L + j.
    for (int j = 0; j < 4; j++) {
        t[j] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x20);
        t[4 + j] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x31);
    }
    for (int j = 0; j < 8; j++) r[j] = t[j];
}

WN_AVX2 static void pack_key_panel(const float *src, int stride, int count, int d, float *panel) {
    for (int first = 0; first < 32; first += 8) {
        const int rows = count - first < 0 ? 0 : count - first > 8 ? 8 : count - first;
        int x = 0;
        for (; x + 8 <= d; x += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < rows ? _mm256_loadu_ps(src + (size_t)(first + i) * stride + x) : _mm256_setzero_ps();
            transpose8(r);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(panel + (size_t)(x + j) * 32 + first, r[j]);
        }
        for (; x < d; x++)
            for (int i = 0; i < 8; i++) panel[(size_t)x * 32 + first + i] = i < rows ? src[(size_t)(first + i) * stride + x] : 0;
    }
}

const wn_kernel_table wn_kernels_avx2 = {softmax, swiglu, geglu, rms_norm, rope, bf16_to_f32, dot,
                                         hadamard, quantize_row, dequantize_rows,
                                         6, panel_gemm, pack_key_panel};
#endif
