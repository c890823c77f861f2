/* SPDX-License-Identifier: MIT */
/*
 * The library's symmetric eigensolver (lib/util/eigen.h), shared by PCA,
 * LDA and UMAP's spectral start: on a seeded random symmetric matrix the
 * pairs satisfy A v = lambda v, the vectors are orthonormal, the values
 * sum to the trace and come in decreasing order; a diagonal matrix with
 * a tied value keeps the lower index first; a 2 x 2 matrix against its
 * closed form.
 *
 * usage: test_eigen DATADIR (unused)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "../../lib/util/eigen.h"
#include "../../lib/util/rng.h"
#include "as/error.h"
#include "check.h"

#define N 12

static void
test_random(void)
{
    double a[N * N], a0[N * N], v[N * N], val[N];
    size_t order[N];
    uint64_t rng = 7;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j <= i; j++)
            a0[i * N + j] = a0[j * N + i] = as__rng_uniform(&rng) * 2.0 - 1.0;
    double trace = 0.0;
    for (size_t i = 0; i < N * N; i++)
        a[i] = a0[i];
    for (size_t i = 0; i < N; i++)
        trace += a0[i * N + i];
    as__eigen_sym(a, N, val, v, order);
    double sum = 0.0;
    for (size_t k = 0; k < N; k++) {
        size_t c = order[k];
        sum += val[c];
        if (k > 0)
            CHECK(val[order[k - 1]] >= val[c]);
        for (size_t i = 0; i < N; i++) { /* (A v)_i = lambda v_i */
            double s = 0.0;
            for (size_t j = 0; j < N; j++)
                s += a0[i * N + j] * v[j * N + c];
            check_ctx("pair %zu, row %zu", k, i);
            CHECK_NEAR(s, val[c] * v[i * N + c], 1e-12);
        }
        for (size_t l = 0; l < N; l++) { /* V'V = I */
            double s = 0.0;
            for (size_t i = 0; i < N; i++)
                s += v[i * N + c] * v[i * N + l];
            check_ctx("columns %zu, %zu", c, l);
            CHECK_NEAR(s, c == l ? 1.0 : 0.0, 1e-12);
        }
    }
    check_ctx("trace");
    CHECK_NEAR(sum, trace, 1e-12);
}

static void
test_ties(void)
{
    /* diag(1, 2, 2, 0, 2): nothing to rotate, the order by value with
     * ties by index, and V = I */
    double a[25] = {0}, v[25], val[5];
    size_t order[5], want[5] = {1, 2, 4, 0, 3};
    double d[5] = {1, 2, 2, 0, 2};
    for (size_t i = 0; i < 5; i++)
        a[i * 5 + i] = d[i];
    as__eigen_sym(a, 5, val, v, order);
    for (size_t k = 0; k < 5; k++) {
        check_ctx("rank %zu", k);
        CHECK_INT((int)order[k], (int)want[k]);
        CHECK_NEAR(val[k], d[k], 0.0);
        for (size_t j = 0; j < 5; j++)
            CHECK_NEAR(v[k * 5 + j], k == j ? 1.0 : 0.0, 0.0);
    }
}

static void
test_two(void)
{
    /* [[2, 1], [1, 2]]: values 3 and 1, vectors (1, 1) and (1, -1) over
     * sqrt 2 */
    double a[4] = {2, 1, 1, 2}, v[4], val[2];
    size_t order[2];
    as__eigen_sym(a, 2, val, v, order);
    check_ctx("2 x 2");
    CHECK_NEAR(val[order[0]], 3.0, 1e-15);
    CHECK_NEAR(val[order[1]], 1.0, 1e-15);
    double r = sqrt(0.5);
    CHECK_NEAR(fabs(v[0 * 2 + order[0]]), r, 1e-15);
    CHECK_NEAR(v[0 * 2 + order[0]] * v[1 * 2 + order[0]], 0.5, 1e-15);
    CHECK_NEAR(v[0 * 2 + order[1]] * v[1 * 2 + order[1]], -0.5, 1e-15);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_random();
    test_ties();
    test_two();
    return check_done();
}
