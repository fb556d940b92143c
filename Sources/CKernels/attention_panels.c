// Attention's two products on packed panels (see ckernels.h), driving the active path's register
// tile. Keys are packed transposed, values as 32-column panels, once per batch of query rows;
// each tile of rows then multiplies only the keys its causal mask lets it see.
#include "ckernels.h"
#include "kernel_table.h"

#include <string.h>

static inline int min_int(int a, int b) { return a < b ? a : b; }

size_t wn_key_panels_floats(int count, int d) { return (size_t)((count + 31) / 32) * 32 * (size_t)d; }

size_t wn_value_panels_floats(int count, int d) { return (size_t)((d + 31) / 32) * 32 * (size_t)count; }

void wn_pack_key_panels(const float *keys, int stride, int count, int d, float *panels) {
    const wn_kernel_table *table = wn_active_kernels();
    for (int first = 0; first < count; first += 32)
        table->pack_key_panel(keys + (size_t)first * stride, stride, min_int(32, count - first), d,
                              panels + (size_t)first * d);
}

void wn_pack_value_panels(const float *values, int stride, int count, int d, float *panels) {
    for (int column = 0; column < d; column += 32) {
        const int width = min_int(32, d - column);
        float *panel = panels + (size_t)column * count;
        for (int i = 0; i < count; i++) {
            memcpy(panel + (size_t)i * 32, values + (size_t)i * stride + column, (size_t)width * sizeof(float));
            if (width < 32) memset(panel + (size_t)i * 32 + width, 0, (size_t)(32 - width) * sizeof(float));
        }
    }
}

// The keys rows r0..<r0+m see: all of them, or up to the largest of their ends.
static inline int visible_keys(const int32_t *ends, int r0, int m, int keys) {
    if (!ends) return keys;
    int most = 0;
    for (int r = r0; r < r0 + m; r++) most = ends[r] > most ? ends[r] : most;
    return min_int(most, keys);
}

// Key panel outside, row tiles inside: the panel (d x 32 floats, 16 KB at d = 128) stays in the L1
// cache while the query rows stream past it; the other order streams every panel from L2 for
// each tile of rows, which measured ~1/3 slower once the panels outgrow L1.
void wn_attention_scores(const float *q, int ldq, int rows, int d, const float *key_panels, int keys,
                         const int32_t *ends, float scale, float *scores, int ld) {
    const wn_kernel_table *table = wn_active_kernels();
    const int tile = table->panel_rows;
    for (int first = 0; first < keys; first += 32) {
        const float *panel = key_panels + (size_t)first * d;
        for (int r0 = 0; r0 < rows; r0 += tile) {
            const int m = min_int(tile, rows - r0);
            if (visible_keys(ends, r0, m, keys) <= first) continue;
            table->panel_gemm(m, d, q + (size_t)r0 * ldq, ldq, panel, scores + (size_t)r0 * ld + first, ld,
                              min_int(32, keys - first), scale, 0);
        }
    }
}

/// Keys per step of wn_attention_values: a step's slice of a value panel (128 x 32 floats, 16 KB)
/// stays in L1 while the tiles of rows pass over it.
enum { value_step = 128 };

void wn_attention_values(const float *p, int ldp, int rows, int d, const float *value_panels, int keys,
                         const int32_t *ends, float *out, int ldo, int accumulate) {
    const wn_kernel_table *table = wn_active_kernels();
    const int tile = table->panel_rows;
    for (int column = 0; column < d; column += 32) {
        const float *panel = value_panels + (size_t)column * keys;
        const int width = min_int(32, d - column);
        // The first step runs for every tile (a tile that sees no key still gets its zeros).
        for (int first = 0; first == 0 || first < keys; first += value_step) {
            for (int r0 = 0; r0 < rows; r0 += tile) {
                const int m = min_int(tile, rows - r0);
                const int seen = visible_keys(ends, r0, m, keys);
                if (first > 0 && seen <= first) continue;
                const int count = seen - first < 0 ? 0 : min_int(value_step, seen - first);
                table->panel_gemm(m, count, p + (size_t)r0 * ldp + first, ldp, panel + (size_t)first * 32,
                                  out + (size_t)r0 * ldo + column, ldo, width, 1, accumulate || first > 0);
            }
        }
    }
}
