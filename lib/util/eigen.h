/* SPDX-License-Identifier: MIT */
/*
 * The library's one symmetric eigensolver, shared by PCA (lib/cluster),
 * LDA (lib/index/learn.c) and UMAP's spectral start (lib/map): cyclic
 * Jacobi rotations (Golub and Van Loan, "Matrix Computations", 4th ed.,
 * section 8.5: the symmetric Schur decomposition with the stable choice
 * of tan theta), exact to rounding and quick for the hundred or so
 * columns of a feature set.
 */
#ifndef AS_UTIL_EIGEN_H
#define AS_UTIL_EIGEN_H

#include <stddef.h>

/*
 * Eigen-decomposition of the symmetric n x n matrix a (row-major,
 * destroyed): eigenvalues in val[0 .. n), eigenvectors as the columns of
 * v (n x n, row-major), and in order[0 .. n) the column indices by
 * decreasing eigenvalue, the lower index first on a tie. Sweeps until
 * the off-diagonal part is negligible against the whole (squared sum
 * below 1e-30 of the matrix's), at most 100 sweeps. Signs of the
 * vectors are as the rotations leave them; callers that need a
 * convention apply it. Allocates nothing.
 */
void as__eigen_sym(double *a, size_t n, double *val, double *v, size_t *order);

#endif
