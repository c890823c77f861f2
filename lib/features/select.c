/* SPDX-License-Identifier: MIT */
/* Order statistics without sorting (quickselect). */
#include "internal.h"

/* The k-th smallest (0-based) of v[0..n), moving smaller values in front
 * of it. Three-way partitions around a median-of-three pivot, so that the
 * many equal values of an onset envelope (zeros) cost nothing extra. The
 * input holds no NaN. */
static float
select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* [lo, hi) holds the answer */
    while (hi - lo > 1) {
        float a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        float pivot = a < b ? (b < c ? b : (a < c ? c : a))
                            : (a < c ? a : (b < c ? c : b));
        /* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            float x = v[i];
            if (x < pivot) {
                v[i++] = v[lt];
                v[lt++] = x;
            } else if (x > pivot) {
                v[i] = v[--gt];
                v[gt] = x;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return pivot;
    }
    return v[k];
}

float
as__median_f(float *v, size_t n)
{
    if (n == 0)
        return 0.0f;
    float hi = select_kth(v, n, n / 2);
    if (n % 2)
        return hi;
    /* np.median: the float32 mean of the two middle values */
    float lo = v[0];
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lo)
            lo = v[i];
    return (lo + hi) / 2.0f;
}
