#ifndef WHALE_MATH_H
#define WHALE_MATH_H

/* Dense double-precision kernels for CoreUtils' Matrix: multiply, LU with
 * partial pivoting, and triangular solves. Row-major storage throughout.
 * On x86-64 CPUs with AVX2 and FMA (checked once at run time) the hot loops
 * use 256-bit fused multiply-adds; elsewhere portable C loops. No BLAS. */

/* C (m x n) = A (m x k) * B (k x n). C must not alias A or B.
 * Returns 0, or -1 when the packing buffer could not be allocated. */
int whale_dgemm(int m, int n, int k, const double *a, const double *b, double *c);

/* In-place LU of the n x n matrix a with partial pivoting: afterwards a holds
 * L (unit diagonal, below) and U (on and above the diagonal); pivots[i] is the
 * row swapped with row i at step i. Returns 0, or the 1-based step whose pivot
 * magnitude was <= tolerance (the matrix is singular to working precision). */
int whale_dgetrf(int n, double *a, int *pivots, double tolerance);

/* Solves A X = B for X given the factors from whale_dgetrf; b is n x nrhs,
 * row-major, overwritten with X. */
void whale_dgetrs(int n, int nrhs, const double *lu, const int *pivots, double *b);

/* 1 when the AVX2+FMA kernels are in use. */
int whale_math_uses_avx2(void);

#endif
