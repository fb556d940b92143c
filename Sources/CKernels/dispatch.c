// Chooses the kernel table once (cpuid, then WINNOW_KERNELS) and routes every public kernel
// through it. The table pointer is an atomic so a test may switch paths while other threads run
// kernels: each call sees one whole table, old or new, and every table computes the same function.
#include "ckernels.h"
#include "kernel_table.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic(const wn_kernel_table *) active_table = NULL;
static _Atomic int active_path = -1;

int wn_kernel_path_supported(void) {
#if defined(__x86_64__)
    static _Atomic int supported = -1;
    int known = atomic_load_explicit(&supported, memory_order_relaxed);
    if (known >= 0) return known;
    wn_cpu_info cpu;
    wn_cpu_identify(&cpu);
    int path = WN_KERNELS_SCALAR;
    if (cpu.avx2 && cpu.fma) path = WN_KERNELS_AVX2;
    if (path == WN_KERNELS_AVX2 && cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq) path = WN_KERNELS_AVX512;
    atomic_store_explicit(&supported, path, memory_order_relaxed);
    return path;
#else
    return WN_KERNELS_SCALAR;
#endif
}

static const wn_kernel_table *table_for(int path) {
#if defined(__x86_64__)
    if (path == WN_KERNELS_AVX512) return &wn_kernels_avx512;
    if (path == WN_KERNELS_AVX2) return &wn_kernels_avx2;
#endif
    return &wn_kernels_scalar;
}

int wn_set_kernel_path(int path) {
    int supported = wn_kernel_path_supported();
    if (path < WN_KERNELS_SCALAR) path = WN_KERNELS_SCALAR;
    if (path > supported) path = supported;
    atomic_store(&active_table, table_for(path));
    atomic_store(&active_path, path);
    return path;
}

static int path_named(const char *name) {
    if (!name || !*name) return -1;
    if (strcmp(name, "scalar") == 0) return WN_KERNELS_SCALAR;
    if (strcmp(name, "avx2") == 0) return WN_KERNELS_AVX2;
    if (strcmp(name, "avx512") == 0) return WN_KERNELS_AVX512;
    return -1;
}

static const wn_kernel_table *kernels(void) {
    const wn_kernel_table *table = atomic_load_explicit(&active_table, memory_order_acquire);
    if (table) return table;
    int forced = path_named(getenv("WINNOW_KERNELS"));
    wn_set_kernel_path(forced >= 0 ? forced : wn_kernel_path_supported());
    return atomic_load(&active_table);
}

const wn_kernel_table *wn_active_kernels(void) { return kernels(); }

int wn_kernel_path(void) {
    kernels();
    return atomic_load(&active_path);
}

const char *wn_kernel_path_name(int path) {
    switch (path) {
    case WN_KERNELS_AVX512: return "avx512";
    case WN_KERNELS_AVX2: return "avx2";
    default: return "scalar";
    }
}

int wn_has_avx2_fma(void) { return wn_kernel_path() >= WN_KERNELS_AVX2; }

void wn_softmax_row(float *row, int begin, int end, int width, float softcap) {
    if (begin > 0) memset(row, 0, (size_t)begin * sizeof(float));
    if (width > end) memset(row + end, 0, (size_t)(width - end) * sizeof(float));
    kernels()->softmax(row + begin, end - begin, softcap);
}

void wn_swiglu_row(const float *gate_up, int width, float *out) { kernels()->swiglu(gate_up, width, out); }
void wn_geglu_row(const float *gate_up, int width, float *out) { kernels()->geglu(gate_up, width, out); }
void wn_rms_norm(const float *x, const float *weight, int n, float eps, float *y) { kernels()->rms_norm(x, weight, n, eps, y); }
void wn_rope(float *x, int heads, int head_dim, const float *c, const float *s) { kernels()->rope(x, heads, head_dim, c, s); }
void wn_bf16_to_f32(const uint16_t *src, float *dst, size_t n) { kernels()->bf16_to_f32(src, dst, n); }
float wn_dot(const float *a, const float *b, int n) { return kernels()->dot(a, b, n); }

float wn_quantize_row_u8(const float *row, int cols, int qmax, float unit, uint8_t *q) {
    return kernels()->quantize_row(row, cols, qmax, unit, q);
}

void wn_hadamard_row(const float *src, const float *signs, int cols, int block, float *dst) {
    kernels()->hadamard(src, signs, cols, block, dst);
}

void wn_dequantize_rows(const int32_t *c32, int rows, int cols, const float *row_scale, const float *col_scale,
                        float *out, int out_stride, int accumulate) {
    kernels()->dequantize_rows(c32, rows, cols, row_scale, col_scale, out, out_stride, accumulate);
}
