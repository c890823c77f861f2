/* SPDX-License-Identifier: MIT */
/*
 * The library's order statistics (lib/util/select.h), shared by the
 * features' medians, the near-duplicate check's noise floor and the
 * isolation forest's threshold: for every k of seeded arrays (spread
 * values, few distinct values, all equal, sorted both ways, n from 1 to
 * 67) the k-th smallest equals the sorted array's, and the array is left
 * partitioned around it (nothing greater before, nothing smaller after,
 * the same values); float and double alike; np.median's values for odd,
 * even and empty inputs.
 *
 * usage: test_select DATADIR (unused)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/util/rng.h"
#include "../../lib/util/select.h"
#include "check.h"

#define N_MAX 67

enum shape { SPREAD, FEW, EQUAL, ASCENDING, DESCENDING, N_SHAPES };

static const char *const shape_name[] = {"spread", "few", "equal", "ascending",
                                         "descending"};

static double
value(enum shape sh, uint64_t *rng, size_t i, size_t n)
{
    switch (sh) {
    case SPREAD:
        return as__rng_uniform(rng) * 200.0 - 100.0;
    case FEW:
        return (double)as__rng_below(rng, 3) - 1.0;
    case EQUAL:
        return -80.0;
    case ASCENDING:
        return (double)i * 0.5;
    case DESCENDING:
    default:
        return (double)(n - i) * 0.5;
    }
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int
cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void
test_kth(void)
{
    uint64_t rng = 11;
    double d0[N_MAX], d[N_MAX], ds[N_MAX];
    float f0[N_MAX], f[N_MAX], fs[N_MAX];
    for (int sh = 0; sh < N_SHAPES; sh++)
        for (size_t n = 1; n <= N_MAX; n++) {
            for (size_t i = 0; i < n; i++) {
                d0[i] = value((enum shape)sh, &rng, i, n);
                f0[i] = (float)d0[i];
            }
            memcpy(ds, d0, n * sizeof *ds);
            qsort(ds, n, sizeof *ds, cmp_d);
            memcpy(fs, f0, n * sizeof *fs);
            qsort(fs, n, sizeof *fs, cmp_f);
            for (size_t k = 0; k < n; k++) {
                check_ctx("%s, n %zu, k %zu", shape_name[sh], n, k);
                memcpy(d, d0, n * sizeof *d);
                memcpy(f, f0, n * sizeof *f);
                double vd = as__select_kth_d(d, n, k);
                float vf = as__select_kth_f(f, n, k);
                CHECK(vd == ds[k]);
                CHECK(vf == fs[k]);
                CHECK(d[k] == vd);
                CHECK(f[k] == vf);
                int ok = 1;
                for (size_t i = 0; i < n; i++)
                    if ((i < k && (d[i] > vd || f[i] > vf)) ||
                        (i > k && (d[i] < vd || f[i] < vf)))
                        ok = 0;
                CHECK(ok); /* partitioned around the answer */
                qsort(d, n, sizeof *d, cmp_d);
                qsort(f, n, sizeof *f, cmp_f);
                CHECK(memcmp(d, ds, n * sizeof *d) == 0); /* same values */
                CHECK(memcmp(f, fs, n * sizeof *f) == 0);
            }
        }
}

static void
test_median(void)
{
    check_ctx("median");
    float odd[] = {3.0f, -1.0f, 2.0f, 2.0f, 9.0f};
    CHECK(as__median_f(odd, 5) == 2.0f);
    float even[] = {4.0f, 1.0f, 3.0f, 10.0f};
    CHECK(as__median_f(even, 4) == 3.5f);
    float one[] = {-7.25f};
    CHECK(as__median_f(one, 1) == -7.25f);
    CHECK(as__median_f(NULL, 0) == 0.0f);
    /* the mean of the two middle values in float32, as numpy takes it */
    float big[] = {16777216.0f, 16777218.0f};
    CHECK(as__median_f(big, 2) == 16777216.0f);
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_kth();
    test_median();
    return check_done();
}
