// CPU identification from cpuid and XCR0. The compiler's __builtin_cpu_supports knows no
// AVX512-BF16 / AVX-VNNI / AMX on every toolchain, and the BLAS core and the kernel paths must agree
// on one answer, so the leaves are read here once.
#include "ckernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static void trim(char *s) {
    size_t start = 0, n = strlen(s);
    while (start < n && s[start] == ' ') start++;
    memmove(s, s + start, n - start + 1);
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') s[--n] = 0;
}

void wn_cpu_identify(wn_cpu_info *info) {
    memset(info, 0, sizeof *info);
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned int max_leaf = a;
    memcpy(info->vendor, &b, 4);
    memcpy(info->vendor + 4, &d, 4);
    memcpy(info->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    int base_family = (a >> 8) & 0xF, base_model = (a >> 4) & 0xF;
    info->family = base_family == 0xF ? base_family + ((a >> 20) & 0xFF) : base_family;
    info->model = (base_family == 0x6 || base_family == 0xF) ? (((a >> 16) & 0xF) << 4) | base_model : base_model;
    info->stepping = a & 0xF;
    info->sse4_2 = (c >> 20) & 1;
    int osxsave = (c >> 27) & 1;
    unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
    // The OS saves YMM (bits 1, 2) and, for AVX-512, the opmask and upper ZMM state (bits 5, 6, 7).
    int os_avx = (xcr0 & 0x6) == 0x6;
    int os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;
    info->avx = os_avx && ((c >> 28) & 1);
    info->fma = os_avx && ((c >> 12) & 1);
    info->f16c = os_avx && ((c >> 29) & 1);

    if (max_leaf >= 7) {
        __get_cpuid_count(7, 0, &a, &b, &c, &d);
        unsigned int subleaves = a;
        info->avx2 = os_avx && ((b >> 5) & 1);
        info->avx512f = os_avx512 && ((b >> 16) & 1);
        info->avx512dq = os_avx512 && ((b >> 17) & 1);
        info->avx512cd = os_avx512 && ((b >> 28) & 1);
        info->avx512bw = os_avx512 && ((b >> 30) & 1);
        info->avx512vl = os_avx512 && ((b >> 31) & 1);
        info->avx512_vnni = os_avx512 && ((c >> 11) & 1);
        info->avx512_fp16 = os_avx512 && ((d >> 23) & 1);
        info->amx_bf16 = (d >> 22) & 1;
        info->amx_tile = (d >> 24) & 1;
        info->amx_int8 = (d >> 25) & 1;
        if (subleaves >= 1) {
            __get_cpuid_count(7, 1, &a, &b, &c, &d);
            info->avx_vnni = os_avx && ((a >> 4) & 1);
            info->avx512_bf16 = os_avx512 && ((a >> 5) & 1);
        }
    }

    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned int words[12];
        for (unsigned int leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, &words[leaf * 4], &words[leaf * 4 + 1], &words[leaf * 4 + 2], &words[leaf * 4 + 3]);
        memcpy(info->brand, words, 48);
        info->brand[48] = 0;
        trim(info->brand);
    }
}
#else
void wn_cpu_identify(wn_cpu_info *info) { memset(info, 0, sizeof *info); }
#endif
