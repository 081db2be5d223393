#include "whale_math.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define WHALE_X86 1
#include <immintrin.h>
#endif

/* ---- dispatch ---------------------------------------------------------- */

/* Detected once; threads that race on the first call all compute the same
 * answer, and the relaxed atomics make that race well defined. */
static int detected = -1;

int whale_math_uses_avx2(void) {
    int found = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (found < 0) {
#ifdef WHALE_X86
        __builtin_cpu_init();
        found = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        found = 0;
#endif
        __atomic_store_n(&detected, found, __ATOMIC_RELAXED);
    }
    return found;
}

/* ---- portable kernels -------------------------------------------------- */

/* Rows of C in i-k-j order: the innermost loop runs along contiguous rows of B
 * and C, which compilers vectorise with whatever the baseline target has. */
static void gemm_rows_portable(int row_begin, int row_end, int col_begin, int col_end, int n, int k,
                               const double *a, const double *b, double *c) {
    for (int i = row_begin; i < row_end; i++) {
        double *crow = c + (size_t)i * n;
        for (int j = col_begin; j < col_end; j++) crow[j] = 0;
        for (int p = 0; p < k; p++) {
            const double aip = a[(size_t)i * k + p];
            const double *brow = b + (size_t)p * n;
            for (int j = col_begin; j < col_end; j++) crow[j] += aip * brow[j];
        }
    }
}

static void axpy_portable(int count, double alpha, const double *x, double *y) {
    for (int j = 0; j < count; j++) y[j] -= alpha * x[j];
}

/* ---- AVX2 + FMA kernels ------------------------------------------------ */

#ifdef WHALE_X86
#define AVX2 __attribute__((target("avx2,fma")))

/* A 4 x 8 block of C from four rows of A and one packed 8-column panel of B
 * (k rows of 8 contiguous doubles). */
AVX2 static void kernel_4x8(int k, const double *a, int lda, const double *panel, double *c, int ldc) {
    __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
    __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
    __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
    __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
    const double *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
    for (int p = 0; p < k; p++) {
        const __m256d b0 = _mm256_loadu_pd(panel + 8 * (size_t)p);
        const __m256d b1 = _mm256_loadu_pd(panel + 8 * (size_t)p + 4);
        __m256d x = _mm256_broadcast_sd(a0 + p);
        c00 = _mm256_fmadd_pd(x, b0, c00);
        c01 = _mm256_fmadd_pd(x, b1, c01);
        x = _mm256_broadcast_sd(a1 + p);
        c10 = _mm256_fmadd_pd(x, b0, c10);
        c11 = _mm256_fmadd_pd(x, b1, c11);
        x = _mm256_broadcast_sd(a2 + p);
        c20 = _mm256_fmadd_pd(x, b0, c20);
        c21 = _mm256_fmadd_pd(x, b1, c21);
        x = _mm256_broadcast_sd(a3 + p);
        c30 = _mm256_fmadd_pd(x, b0, c30);
        c31 = _mm256_fmadd_pd(x, b1, c31);
    }
    _mm256_storeu_pd(c, c00);
    _mm256_storeu_pd(c + 4, c01);
    _mm256_storeu_pd(c + ldc, c10);
    _mm256_storeu_pd(c + ldc + 4, c11);
    _mm256_storeu_pd(c + 2 * (size_t)ldc, c20);
    _mm256_storeu_pd(c + 2 * (size_t)ldc + 4, c21);
    _mm256_storeu_pd(c + 3 * (size_t)ldc, c30);
    _mm256_storeu_pd(c + 3 * (size_t)ldc + 4, c31);
}

/* One row of C against one panel (the rows left over below a multiple of 4). */
AVX2 static void kernel_1x8(int k, const double *a, const double *panel, double *c) {
    __m256d c0 = _mm256_setzero_pd(), c1 = _mm256_setzero_pd();
    for (int p = 0; p < k; p++) {
        const __m256d x = _mm256_broadcast_sd(a + p);
        c0 = _mm256_fmadd_pd(x, _mm256_loadu_pd(panel + 8 * (size_t)p), c0);
        c1 = _mm256_fmadd_pd(x, _mm256_loadu_pd(panel + 8 * (size_t)p + 4), c1);
    }
    _mm256_storeu_pd(c, c0);
    _mm256_storeu_pd(c + 4, c1);
}

AVX2 static int gemm_avx2(int m, int n, int k, const double *a, const double *b, double *c) {
    const int panels = n / 8;
    if (panels > 0) {
        double *packed = malloc(sizeof(double) * (size_t)k * 8 * (size_t)panels);
        if (!packed) return -1;
        for (int q = 0; q < panels; q++) {
            double *panel = packed + (size_t)q * k * 8;
            for (int p = 0; p < k; p++) memcpy(panel + 8 * (size_t)p, b + (size_t)p * n + 8 * (size_t)q, 8 * sizeof(double));
        }
        /* Blocks of 64 rows keep their A rows in L1/L2 while every panel passes. */
        for (int i0 = 0; i0 < m; i0 += 64) {
            const int i1 = i0 + 64 < m ? i0 + 64 : m;
            for (int q = 0; q < panels; q++) {
                const double *panel = packed + (size_t)q * k * 8;
                int i = i0;
                for (; i + 4 <= i1; i += 4) kernel_4x8(k, a + (size_t)i * k, k, panel, c + (size_t)i * n + 8 * q, n);
                for (; i < i1; i++) kernel_1x8(k, a + (size_t)i * k, panel, c + (size_t)i * n + 8 * q);
            }
        }
        free(packed);
    }
    if (panels * 8 < n) gemm_rows_portable(0, m, panels * 8, n, n, k, a, b, c);
    return 0;
}

AVX2 static void axpy_avx2(int count, double alpha, const double *x, double *y) {
    const __m256d minus_alpha = _mm256_set1_pd(-alpha);
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        _mm256_storeu_pd(y + j, _mm256_fmadd_pd(minus_alpha, _mm256_loadu_pd(x + j), _mm256_loadu_pd(y + j)));
        _mm256_storeu_pd(y + j + 4, _mm256_fmadd_pd(minus_alpha, _mm256_loadu_pd(x + j + 4), _mm256_loadu_pd(y + j + 4)));
    }
    for (; j < count; j++) y[j] = fma(-alpha, x[j], y[j]);
}
#endif

/* ---- entry points ------------------------------------------------------ */

static void swap_rows(double *x, double *y, int count) {
    for (int j = 0; j < count; j++) {
        const double t = x[j];
        x[j] = y[j];
        y[j] = t;
    }
}

int whale_dgemm(int m, int n, int k, const double *a, const double *b, double *c) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0) {
        memset(c, 0, sizeof(double) * (size_t)m * n);
        return 0;
    }
#ifdef WHALE_X86
    if (whale_math_uses_avx2()) return gemm_avx2(m, n, k, a, b, c);
#endif
    gemm_rows_portable(0, m, 0, n, n, k, a, b, c);
    return 0;
}

int whale_dgetrf(int n, double *a, int *pivots, double tolerance) {
    void (*axpy)(int, double, const double *, double *) = axpy_portable;
#ifdef WHALE_X86
    if (whale_math_uses_avx2()) axpy = axpy_avx2;
#endif
    for (int step = 0; step < n; step++) {
        int pivot = step;
        double largest = fabs(a[(size_t)step * n + step]);
        for (int i = step + 1; i < n; i++) {
            const double magnitude = fabs(a[(size_t)i * n + step]);
            if (magnitude > largest) {
                largest = magnitude;
                pivot = i;
            }
        }
        pivots[step] = pivot;
        if (!(largest > tolerance)) return step + 1; /* also catches NaN */
        if (pivot != step) swap_rows(a + (size_t)step * n, a + (size_t)pivot * n, n);
        const double *urow = a + (size_t)step * n;
        const double diagonal = urow[step];
        for (int i = step + 1; i < n; i++) {
            double *row = a + (size_t)i * n;
            const double factor = row[step] / diagonal;
            row[step] = factor;
            if (factor != 0) axpy(n - step - 1, factor, urow + step + 1, row + step + 1);
        }
    }
    return 0;
}

void whale_dgetrs(int n, int nrhs, const double *lu, const int *pivots, double *b) {
    void (*axpy)(int, double, const double *, double *) = axpy_portable;
#ifdef WHALE_X86
    if (whale_math_uses_avx2()) axpy = axpy_avx2;
#endif
    for (int i = 0; i < n; i++) {
        const int p = pivots[i];
        if (p != i) swap_rows(b + (size_t)i * nrhs, b + (size_t)p * nrhs, nrhs);
    }
    /* L y = P b: rows below i take away l_ki times row i. */
    for (int i = 0; i < n; i++) {
        const double *brow = b + (size_t)i * nrhs;
        for (int r = i + 1; r < n; r++) {
            const double l = lu[(size_t)r * n + i];
            if (l != 0) axpy(nrhs, l, brow, b + (size_t)r * nrhs);
        }
    }
    /* U x = y, from the bottom. */
    for (int i = n - 1; i >= 0; i--) {
        double *brow = b + (size_t)i * nrhs;
        const double diagonal = lu[(size_t)i * n + i];
        for (int j = 0; j < nrhs; j++) brow[j] /= diagonal;
        for (int r = 0; r < i; r++) {
            const double u = lu[(size_t)r * n + i];
            if (u != 0) axpy(nrhs, u, brow, b + (size_t)r * nrhs);
        }
    }
}
