// The AVX-512 path (F, BW, VL, DQ): 16 lanes, tails handled with masked loads and stores instead
// of scalar loops, so short rows (attention over a few keys, small heads) stay vectorised.
// Called only when the CPU has AVX-512 and the OS saves its registers (dispatch.c).
#include "kernel_table.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define WN_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

WN_AVX512 static inline __mmask16 tail_mask(int remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << remaining) - 1u);
}

// e^x on sixteen lanes: the same Cephes reduction and polynomial as the AVX2 path; the power of
// two is applied with vscalefps, which also saturates cleanly at the clamped range ends.
WN_AVX512 static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f));
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3365447504019f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// tanh(z) = 1 - 2 / (e^(2z) + 1)
WN_AVX512 static inline __m512 tanh16(__m512 z) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    __m512 e = exp16(_mm512_mul_ps(z, two));
    return _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(e, one)));
}

WN_AVX512 static void softmax(float *row, int n, float cap) {
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    if (cap > 0) {
        const __m512 c = _mm512_set1_ps(cap), inv = _mm512_set1_ps(1.0f / cap);
        for (int i = 0; i < n; i += 16) {
            __mmask16 k = tail_mask(n - i);
            __m512 v = _mm512_maskz_loadu_ps(k, row + i);
            _mm512_mask_storeu_ps(row + i, k, _mm512_mul_ps(c, tanh16(_mm512_mul_ps(v, inv))));
        }
    }
    __m512 m16 = ninf;
    for (int i = 0; i < n; i += 16)
        m16 = _mm512_max_ps(m16, _mm512_mask_loadu_ps(ninf, tail_mask(n - i), row + i));
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(m16));
    __m512 s16 = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 e = exp16(_mm512_sub_ps(_mm512_mask_loadu_ps(m, k, row + i), m));
        e = _mm512_maskz_mov_ps(k, e);
        _mm512_mask_storeu_ps(row + i, k, e);
        s16 = _mm512_add_ps(s16, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(s16));
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(row + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + i), inv));
    }
}

// gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3)))
WN_AVX512 static void geglu(const float *gate, int width, float *out) {
    const float *up = gate + width;
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    const __m512 k0 = _mm512_set1_ps(0.7978845608028654f), k1 = _mm512_set1_ps(0.044715f);
    for (int i = 0; i < width; i += 16) {
        __mmask16 k = tail_mask(width - i);
        __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
        __m512 inner = _mm512_mul_ps(k0, _mm512_fmadd_ps(_mm512_mul_ps(k1, g), _mm512_mul_ps(g, g), g));
        __m512 gelu = _mm512_mul_ps(_mm512_mul_ps(half, g), _mm512_add_ps(one, tanh16(inner)));
        _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(gelu, _mm512_maskz_loadu_ps(k, up + i)));
    }
}

WN_AVX512 static void swiglu(const float *gate, int width, float *out) {
    const float *up = gate + width;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int i = 0; i < width; i += 16) {
        __mmask16 k = tail_mask(width - i);
        __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
        __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(k, up + i)));
    }
}

WN_AVX512 static void rms_norm(const float *x, const float *w, int n, float eps, float *y) {
    __m512 s16 = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
        s16 = _mm512_fmadd_ps(v, v, s16);
    }
    const __m512 scale = _mm512_set1_ps(1.0f / sqrtf(_mm512_reduce_add_ps(s16) / (float)n + eps));
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), scale);
        _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(v, _mm512_maskz_loadu_ps(k, w + i)));
    }
}

WN_AVX512 static void rope(float *x, int heads, int head_dim, const float *c, const float *s) {
    int half = head_dim / 2;
    for (int h = 0; h < heads; h++) {
        float *lo = x + (size_t)h * head_dim, *hi = lo + half;
        for (int i = 0; i < half; i += 16) {
            __mmask16 k = tail_mask(half - i);
            __m512 a = _mm512_maskz_loadu_ps(k, lo + i), b = _mm512_maskz_loadu_ps(k, hi + i);
            __m512 cv = _mm512_maskz_loadu_ps(k, c + i), sv = _mm512_maskz_loadu_ps(k, s + i);
            _mm512_mask_storeu_ps(lo + i, k, _mm512_fmsub_ps(a, cv, _mm512_mul_ps(b, sv)));
            _mm512_mask_storeu_ps(hi + i, k, _mm512_fmadd_ps(b, cv, _mm512_mul_ps(a, sv)));
        }
    }
}

WN_AVX512 static void bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i > 16 ? 16 : (int)(n - i));
        __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(k, src + i));
        _mm512_mask_storeu_ps(dst + i, k, _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16)));
    }
}

WN_AVX512 static float dot(const float *a, const float *b, int n) {
    __m512 s16 = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        s16 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), s16);
    }
    return _mm512_reduce_add_ps(s16);
}

// Butterflies at distance 1, 2, 4 and 8 inside one register: p holds each lane's partner x[i ^ h];
// the lower lane of a pair keeps x[i] + p, the upper one (mask) p - x[i] (= x[i - h] - x[i]).
WN_AVX512 static inline __m512 hadamard16(__m512 v) {
    __m512 p = _mm512_permute_ps(v, 0xB1);
    v = _mm512_mask_sub_ps(_mm512_add_ps(v, p), 0xAAAA, p, v);
    p = _mm512_permute_ps(v, 0x4E);
    v = _mm512_mask_sub_ps(_mm512_add_ps(v, p), 0xCCCC, p, v);
    p = _mm512_shuffle_f32x4(v, v, 0xB1);
    v = _mm512_mask_sub_ps(_mm512_add_ps(v, p), 0xF0F0, p, v);
    p = _mm512_shuffle_f32x4(v, v, 0x4E);
    return _mm512_mask_sub_ps(_mm512_add_ps(v, p), 0xFF00, p, v);
}

// Signs and the four in-register stages in one pass, then distances 16, 32, ... between registers.
WN_AVX512 static void hadamard(const float *src, const float *signs, int cols, int block, float *dst) {
    for (int c = 0; c < cols; c += 16) {
        __m512 v = _mm512_mul_ps(_mm512_loadu_ps(src + c), _mm512_loadu_ps(signs + c));
        _mm512_storeu_ps(dst + c, hadamard16(v));
    }
    for (int start = 0; start < cols; start += block) {
        for (int h = 16; h < block; h <<= 1) {
            for (int i = start; i < start + block; i += 2 * h) {
                for (int j = i; j < i + h; j += 16) {
                    __m512 a = _mm512_loadu_ps(dst + j), b = _mm512_loadu_ps(dst + j + h);
                    _mm512_storeu_ps(dst + j, _mm512_add_ps(a, b));
                    _mm512_storeu_ps(dst + j + h, _mm512_sub_ps(a, b));
                }
            }
        }
    }
}

// The scalar path's quantization sixteen lanes at a time: vcvtps2dq rounds to nearest even as
// nearbyintf does, and vpmovdb narrows to bytes, so every path writes the same bytes.
WN_AVX512 static float quantize_row(const float *row, int cols, int qmax, float unit, uint8_t *q) {
    __m512 m = _mm512_setzero_ps();
    for (int c = 0; c < cols; c += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail_mask(cols - c), row + c)));
    float maxabs = _mm512_reduce_max_ps(m);
    float inverse = maxabs > 0 ? (float)qmax / maxabs : 0;
    const __m512 scale = _mm512_set1_ps(inverse);
    const __m512i low = _mm512_set1_epi32(-qmax), high = _mm512_set1_epi32(qmax), zero = _mm512_set1_epi32(qmax + 1);
    for (int c = 0; c < cols; c += 16) {
        __mmask16 k = tail_mask(cols - c);
        __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + c), scale));
        v = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(v, low), high), zero);
        _mm512_mask_cvtepi32_storeu_epi8(q + c, k, v);
    }
    return maxabs / (float)qmax * unit;
}

// int32 products to float32: product · (row scale · column scale), multiplied then added in the
// scalar path's order (no fused multiply-add), so every path writes the same floats.
WN_AVX512 static void dequantize_rows(const int32_t *c32, int rows, int cols, const float *row_scale,
                                       const float *col_scale, float *out, int out_stride, int accumulate) {
    for (int r = 0; r < rows; r++) {
        const int32_t *in = c32 + (size_t)r * cols;
        float *o = out + (size_t)r * out_stride;
        __m512 s = _mm512_set1_ps(row_scale[r]);
        for (int c = 0; c < cols; c += 16) {
            __mmask16 k = tail_mask(cols - c);
            __m512 scale = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(k, col_scale + c));
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(k, in + c)), scale);
            if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(k, o + c), v);
            _mm512_mask_storeu_ps(o + c, k, v);
        }
    }
}

// One register tile of the attention products: R rows x 32 columns in 2R accumulators (R <= 12
// leaves room for the two panel vectors and the broadcast in 32 registers). Each step of i loads
// one panel row and broadcasts one a value per row: 2R FMAs per 2 + R loads, so the FMA ports
// bound it, as in OpenBLAS's and oneDNN's sgemm kernels.
#define WN_PANEL_TILE(R)                                                                                   \
    WN_AVX512 static void panel_tile_##R(int k, const float *a, int lda, const float *b, float *c, int ldc,    \
                                         __mmask16 m0, __mmask16 m1, float alpha, int accumulate) {          \
        __m512 c0[R], c1[R];                                                                               \
        WN_UNROLLED for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_ps();                                   \
        for (int i = 0; i < k; i++) {                                                                      \
            __m512 b0 = _mm512_loadu_ps(b + (size_t)i * 32), b1 = _mm512_loadu_ps(b + (size_t)i * 32 + 16);  \
            WN_UNROLLED for (int r = 0; r < R; r++) {                                                      \
                __m512 x = _mm512_set1_ps(a[(size_t)r * lda + i]);                                         \
                c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);                                                     \
                c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);                                                     \
            }                                                                                              \
        }                                                                                                  \
        const __m512 s = _mm512_set1_ps(alpha);                                                            \
        WN_UNROLLED for (int r = 0; r < R; r++) {                                                          \
            float *cr = c + (size_t)r * ldc;                                                               \
            __m512 x0 = _mm512_mul_ps(c0[r], s), x1 = _mm512_mul_ps(c1[r], s);                             \
            if (accumulate) {                                                                              \
                x0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), x0);                                     \
                x1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), x1);                                \
            }                                                                                              \
            _mm512_mask_storeu_ps(cr, m0, x0);                                                             \
            _mm512_mask_storeu_ps(cr + 16, m1, x1);                                                        \
        }                                                                                                  \
    }
WN_PANEL_TILE(1) WN_PANEL_TILE(2) WN_PANEL_TILE(3) WN_PANEL_TILE(4) WN_PANEL_TILE(5) WN_PANEL_TILE(6)
WN_PANEL_TILE(7) WN_PANEL_TILE(8) WN_PANEL_TILE(9) WN_PANEL_TILE(10) WN_PANEL_TILE(11) WN_PANEL_TILE(12)

WN_AVX512 static void panel_gemm(int rows, int k, const float *a, int lda, const float *b, float *c, int ldc, int n,
                                 float alpha, int accumulate) {
    typedef void (*tile_fn)(int, const float *, int, const float *, float *, int, __mmask16, __mmask16, float, int);
    static const tile_fn tiles[13] = {NULL, panel_tile_1, panel_tile_2, panel_tile_3, panel_tile_4, panel_tile_5,
                                      panel_tile_6, panel_tile_7, panel_tile_8, panel_tile_9, panel_tile_10,
                                      panel_tile_11, panel_tile_12};
    if (rows <= 0) return;
    tiles[rows](k, a, lda, b, c, ldc, tail_mask(n), tail_mask(n - 16 > 0 ? n - 16 : 0), alpha, accumulate);
}

// 16 x 16 transpose in registers: unpack pairs, then 4 x 4 blocks inside each 128-bit lane, then lanes.
WN_AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    // r[4i + j], lane L: rows 4i..4i+3 at column 4L + j.
    for (int j = 0; j < 4; j++) {
        t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
        t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
        t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
        t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
        r[4 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xDD);
    }
}

WN_AVX512 static void pack_key_panel(const float *src, int stride, int count, int d, float *panel) {
    for (int half = 0; half < 2; half++) {
        const int first = half * 16;
        const int rows = count - first < 0 ? 0 : count - first > 16 ? 16 : count - first;
        for (int x = 0; x < d; x += 16) {
            const __mmask16 k = tail_mask(d - x);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < rows ? _mm512_maskz_loadu_ps(k, src + (size_t)(first + i) * stride + x) : _mm512_setzero_ps();
            transpose16(r);
            for (int j = 0; j < 16 && x + j < d; j++) _mm512_storeu_ps(panel + (size_t)(x + j) * 32 + first, r[j]);
        }
    }
}

const wn_kernel_table wn_kernels_avx512 = {softmax, swiglu, geglu, rms_norm, rope, bf16_to_f32, dot,
                                           hadamard, quantize_row, dequantize_rows,
                                           12, panel_gemm, pack_key_panel};
#endif
