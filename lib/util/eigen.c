/* SPDX-License-Identifier: MIT */
#include "eigen.h"

#include <math.h>

/* squared Frobenius norms of a's off-diagonal part and of all of a */
static void
norms(const double *a, size_t n, double *off, double *all)
{
    double o = 0.0, t = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            t += a[i * n + j] * a[i * n + j];
            if (i != j)
                o += a[i * n + j] * a[i * n + j];
        }
    *off = o;
    *all = t;
}

/* a = J' a J and v = v J, J the rotation in the (p, q) plane that
 * annihilates a[p][q] */
static void
rotate(double *a, size_t n, double *v, size_t p, size_t q)
{
    double apq = a[p * n + q];
    double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    double t =
        (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
    double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
    for (size_t k = 0; k < n; k++) {
        double akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    for (size_t k = 0; k < n; k++) {
        double apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
    a[p * n + q] = a[q * n + p] = 0.0;
    for (size_t k = 0; k < n; k++) {
        double vkp = v[k * n + p], vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

void
as__eigen_sym(double *a, size_t n, double *val, double *v, size_t *order)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            v[i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off, all;
        norms(a, n, &off, &all);
        if (off <= 1e-30 * all || off == 0.0)
            break;
        for (size_t p = 0; p + 1 < n; p++)
            for (size_t q = p + 1; q < n; q++)
                if (a[p * n + q] != 0.0)
                    rotate(a, n, v, p, q);
    }
    for (size_t i = 0; i < n; i++) {
        val[i] = a[i * n + i];
        order[i] = i;
    }
    /* insertion sort: stable, so the lower index stays first on a tie */
    for (size_t i = 1; i < n; i++) {
        size_t t = order[i], j = i;
        while (j > 0 && val[order[j - 1]] < val[t]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = t;
    }
}
