/* SPDX-License-Identifier: MIT */
/* Order statistics without sorting (select.h). */
#include "select.h"

/*
 * One body for both types: [lo, hi) holds the answer; each pass
 * partitions it three ways around the median of its first, middle and
 * last values ([lo, lt) below the pivot, [lt, gt) equal, [gt, hi)
 * above) and keeps the part that holds position k.
 */
#define SELECT_KTH(name, type)                                                 \
    type name(type *v, size_t n, size_t k)                                     \
    {                                                                          \
        size_t lo = 0, hi = n;                                                 \
        while (hi - lo > 1) {                                                  \
            type a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];          \
            type pivot = a < b ? (b < c ? b : (a < c ? c : a))                 \
                               : (a < c ? a : (b < c ? c : b));                \
            size_t lt = lo, i = lo, gt = hi;                                   \
            while (i < gt) {                                                   \
                type x = v[i];                                                 \
                if (x < pivot) {                                               \
                    v[i++] = v[lt];                                            \
                    v[lt++] = x;                                               \
                } else if (x > pivot) {                                        \
                    v[i] = v[--gt];                                            \
                    v[gt] = x;                                                 \
                } else {                                                       \
                    i++;                                                       \
                }                                                              \
            }                                                                  \
            if (k < lt)                                                        \
                hi = lt;                                                       \
            else if (k >= gt)                                                  \
                lo = gt;                                                       \
            else                                                               \
                return pivot;                                                  \
        }                                                                      \
        return v[k];                                                           \
    }

SELECT_KTH(as__select_kth_f, float)
SELECT_KTH(as__select_kth_d, double)

float
as__median_f(float *v, size_t n)
{
    if (n == 0)
        return 0.0f;
    float hi = as__select_kth_f(v, n, n / 2);
    if (n % 2)
        return hi;
    /* np.median: the float32 mean of the two middle values */
    float lo = v[0];
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lo)
            lo = v[i];
    return (lo + hi) / 2.0f;
}
