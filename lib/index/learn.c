/* SPDX-License-Identifier: MIT */
/* A projection learnt from an index's labels: shrinkage LDA (as/learn.h). */
#include "as/learn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/eigen.h"
#include "as/error.h"
#include "internal.h"

struct as_projection {
    size_t d, m, n_classes;
    double shrinkage, blend;
    double *mean;   /* d */
    double *w;      /* d x m, row-major */
    double *ev;     /* m */
    char **classes; /* n_classes, sorted */
    size_t *counts; /* n_classes */
};

void
as_learn_opts_init(struct as_learn_opts *o)
{
    o->shrinkage = AS_LEARN_SHRINKAGE;
    o->blend = AS_LEARN_BLEND;
}

void
as_projection_free(as_projection *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; p->classes != NULL && i < p->n_classes; i++)
        free(p->classes[i]);
    free(p->classes);
    free(p->counts);
    free(p->mean);
    free(p->w);
    free(p->ev);
    free(p);
}

/* An empty projection of the given sizes; NULL when out of memory. */
static as_projection *
proj_new(size_t d, size_t m, size_t n_classes)
{
    as_projection *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->d = d;
    p->m = m;
    p->n_classes = n_classes;
    p->mean = calloc(d, sizeof *p->mean);
    p->w = calloc(d * (m ? m : 1), sizeof *p->w);
    p->ev = calloc(m ? m : 1, sizeof *p->ev);
    p->classes = calloc(n_classes ? n_classes : 1, sizeof *p->classes);
    p->counts = calloc(n_classes ? n_classes : 1, sizeof *p->counts);
    if (p->mean == NULL || p->w == NULL || p->ev == NULL ||
        p->classes == NULL || p->counts == NULL) {
        as_projection_free(p);
        return NULL;
    }
    return p;
}

/* ---- linear algebra, double, row-major n x n ---- */

/* a = L L' in place (lower triangle; the upper is zeroed). 0, or -1 when
 * a is not positive definite. */
static int
cholesky(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0.0) || !isfinite(s))
            return -1;
        double ljj = sqrt(s);
        a[j * n + j] = ljj;
        for (size_t i = j + 1; i < n; i++) {
            double t = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = t / ljj;
        }
        for (size_t i = 0; i < j; i++)
            a[i * n + j] = 0.0;
    }
    return 0;
}

/* Solves L x = b in place (b: n values). */
static void
solve_lower(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double t = b[i];
        for (size_t k = 0; k < i; k++)
            t -= l[i * n + k] * b[k];
        b[i] = t / l[i * n + i];
    }
}

/* Solves L' x = b in place. */
static void
solve_upper_t(const double *l, size_t n, double *b)
{
    for (size_t i = n; i-- > 0;) {
        double t = b[i];
        for (size_t k = i + 1; k < n; k++)
            t -= l[k * n + i] * b[k];
        b[i] = t / l[i * n + i];
    }
}

/*
 * Adds weight times the shrunk covariance of rows idx[0 .. n) of x to
 * out (d x d): scikit-learn's _cov(X, shrinkage) for a float shrinkage,
 * shrunk_covariance(empirical_covariance(X), s), i.e. the population
 * covariance C shrunk towards the identity scaled by its mean variance:
 * (1 - s) C + s (tr C / d) I. (Only for shrinkage='auto' does
 * scikit-learn standardise the columns first.) tmp: d doubles.
 */
static void
add_shrunk_cov(const double *x, size_t d, const size_t *idx, size_t n, double s,
               double weight, double *out, double *tmp)
{
    double *mu = tmp;
    memset(mu, 0, d * sizeof *mu);
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < d; j++)
            mu[j] += x[idx[r] * d + j];
    for (size_t j = 0; j < d; j++)
        mu[j] /= (double)n;
    double tr = 0.0;
    for (size_t j = 0; j < d; j++) {
        double ss = 0.0;
        for (size_t r = 0; r < n; r++) {
            double c = x[idx[r] * d + j] - mu[j];
            ss += c * c;
        }
        tr += ss / (double)n;
    }
    double shrink_mu = tr / (double)d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = i; j < d; j++) {
            double ss = 0.0;
            for (size_t r = 0; r < n; r++)
                ss += (x[idx[r] * d + i] - mu[i]) * (x[idx[r] * d + j] - mu[j]);
            double c = (1.0 - s) * ss / (double)n;
            if (i == j)
                c += s * shrink_mu;
            out[i * d + j] += weight * c;
            if (i != j)
                out[j * d + i] += weight * c;
        }
}

/* Counts each class's rows, checks every class has two, and orders the
 * row numbers by class into idx (class k at first[k] .. first[k + 1]).
 * AS_OK, AS_EINVAL (a class number out of range, or a class under two
 * rows) or AS_ENOMEM. */
static int
group_by_class(const uint32_t *cls, size_t n, size_t n_classes, size_t *count,
               size_t *first, size_t *idx)
{
    for (size_t i = 0; i < n; i++) {
        if (cls[i] >= n_classes)
            return AS_EINVAL;
        count[cls[i]]++;
    }
    for (size_t k = 0; k < n_classes; k++) {
        if (count[k] < 2)
            return AS_EINVAL;
        first[k + 1] = first[k] + count[k];
    }
    size_t *at = calloc(n_classes, sizeof *at);
    if (at == NULL)
        return AS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[first[cls[i]] + at[cls[i]]++] = i;
    free(at);
    return AS_OK;
}

/* With l holding L (Sw = L L'), replaces sb by the symmetric
 * L^-1 Sb L^-T, which has the eigenvalues of Sb v = lambda Sw v, with
 * vectors u = L' v. vec: d x d scratch; tmp: d. */
static void
whiten_between(const double *l, size_t d, double *sb, double *vec, double *tmp)
{
    for (size_t c = 0; c < d; c++) { /* columns of L^-1 Sb, into vec */
        for (size_t r = 0; r < d; r++)
            tmp[r] = sb[r * d + c];
        solve_lower(l, d, tmp);
        for (size_t r = 0; r < d; r++)
            vec[r * d + c] = tmp[r];
    }
    for (size_t r = 0; r < d; r++) { /* (L^-1 (L^-1 Sb)')' into sb */
        for (size_t c = 0; c < d; c++)
            tmp[c] = vec[r * d + c];
        solve_lower(l, d, tmp);
        for (size_t c = 0; c < d; c++)
            sb[c * d + r] = tmp[c];
    }
    for (size_t r = 0; r < d; r++)
        for (size_t c = r + 1; c < d; c++)
            sb[r * d + c] = sb[c * d + r] =
                0.5 * (sb[r * d + c] + sb[c * d + r]);
}

/* The first keep eigenvectors (by order) of the whitened problem back
 * in feature space, v = L^-T u so that v' Sw v = 1, each signed so its
 * largest component is positive, into the columns of w (d x keep), and
 * their eigenvalues into ev. tmp: d doubles. */
static void
store_directions(const double *l, size_t d, const double *val,
                 const double *vec, const size_t *order, size_t keep, double *w,
                 double *ev, double *tmp)
{
    for (size_t k = 0; k < keep; k++) {
        size_t e = order[k];
        for (size_t r = 0; r < d; r++)
            tmp[r] = vec[r * d + e];
        solve_upper_t(l, d, tmp);
        size_t big = 0;
        for (size_t r = 1; r < d; r++)
            if (fabs(tmp[r]) > fabs(tmp[big]))
                big = r;
        double sign = tmp[big] < 0.0 ? -1.0 : 1.0;
        for (size_t r = 0; r < d; r++)
            w[r * keep + k] = sign * tmp[r];
        ev[k] = val[e];
    }
}

int
as_lda(const double *x, size_t n, size_t d, const uint32_t *cls,
       size_t n_classes, double shrinkage, double *mean, double *w, double *ev,
       size_t *m)
{
    if (x == NULL || cls == NULL || d == 0 || n_classes < 2 ||
        !(shrinkage >= 0.0 && shrinkage <= 1.0))
        return AS_EINVAL;
    int status = AS_ENOMEM;
    size_t *count = calloc(n_classes, sizeof *count);
    size_t *first = calloc(n_classes + 1, sizeof *first);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    size_t *all = malloc((n ? n : 1) * sizeof *all);
    double *sw = calloc(d * d, sizeof *sw);
    double *sb = calloc(d * d, sizeof *sb);
    double *vec = malloc(d * d * sizeof *vec);
    double *tmp = malloc(d * sizeof *tmp);
    double *val = malloc(d * sizeof *val);
    size_t *order = malloc(d * sizeof *order);
    if (count == NULL || first == NULL || idx == NULL || all == NULL ||
        sw == NULL || sb == NULL || vec == NULL || tmp == NULL || val == NULL ||
        order == NULL)
        goto done;
    if ((status = group_by_class(cls, n, n_classes, count, first, idx)) !=
        AS_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    /* Sw: the class covariances, each shrunk, weighted by class share;
     * St: the shrunk covariance of all rows; Sb = St - Sw */
    for (size_t k = 0; k < n_classes; k++)
        add_shrunk_cov(x, d, idx + first[k], count[k], shrinkage,
                       (double)count[k] / (double)n, sw, tmp);
    add_shrunk_cov(x, d, all, n, shrinkage, 1.0, sb, tmp);
    for (size_t j = 0; j < d * d; j++)
        sb[j] -= sw[j];
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += x[i * d + j];
        mean[j] = s / (double)n;
    }
    status = AS_EINVAL;
    if (cholesky(sw, d) != 0) /* Sw = L L', L now in sw */
        goto done;
    whiten_between(sw, d, sb, vec, tmp);
    as__eigen_sym(sb, d, val, vec, order);
    size_t keep = n_classes - 1 < d ? n_classes - 1 : d;
    store_directions(sw, d, val, vec, order, keep, w, ev, tmp);
    *m = keep;
    status = AS_OK;
done:
    free(count);
    free(first);
    free(idx);
    free(all);
    free(sw);
    free(sb);
    free(vec);
    free(tmp);
    free(val);
    free(order);
    return status;
}

/* ---- fitting on an index ---- */

/* Each entry's label into lab (AS_INDEX_NO_LABEL for none) and the
 * entries per label into per_label, checking every entry record. */
static int
count_labels(const as_index *ix, uint32_t *lab, size_t *per_label)
{
    size_t n = as_index_count(ix);
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        int status = as_index_entry(ix, i, &e);
        if (status != AS_OK)
            return status;
        lab[i] = as_index_entry_label(ix, i);
        if (lab[i] != AS_INDEX_NO_LABEL)
            per_label[lab[i]]++;
    }
    return AS_OK;
}

/* The normalised rows of the entries whose label is a class
 * (class_of[label] != UINT32_MAX), in entry order, into x (d doubles
 * each) and their class numbers into cls. row: d floats of scratch. */
static int
gather_rows(const as_index *ix, const uint32_t *lab, const uint32_t *class_of,
            double *x, uint32_t *cls, float *row)
{
    size_t n = as_index_count(ix), d = as_index_dim(ix), r = 0;
    for (size_t i = 0; i < n; i++) {
        if (lab[i] == AS_INDEX_NO_LABEL || class_of[lab[i]] == UINT32_MAX)
            continue;
        int status = as_index_normalized_row(ix, i, NULL, row);
        if (status != AS_OK)
            return status;
        for (size_t j = 0; j < d; j++)
            x[r * d + j] = (double)row[j];
        cls[r++] = class_of[lab[i]];
    }
    return AS_OK;
}

/* Copies the class names (the labels that are classes, in label order)
 * and their entry counts into p. */
static int
name_classes(as_projection *p, const as_index *ix, const uint32_t *class_of,
             const size_t *per_label)
{
    size_t nl = as_index_label_count(ix);
    for (size_t l = 0, k = 0; l < nl; l++) {
        if (class_of[l] == UINT32_MAX)
            continue;
        const char *name = as_index_label(ix, l);
        size_t len = strlen(name) + 1;
        if ((p->classes[k] = malloc(len)) == NULL)
            return AS_ENOMEM;
        memcpy(p->classes[k], name, len);
        p->counts[k++] = per_label[l];
    }
    return AS_OK;
}

int
as_projection_fit(as_projection **out, const as_index *ix,
                  const struct as_learn_opts *o, struct as_learn_info *info)
{
    struct as_learn_opts def;
    struct as_learn_info dummy;
    *out = NULL;
    if (o == NULL) {
        as_learn_opts_init(&def);
        o = &def;
    }
    if (info == NULL)
        info = &dummy;
    *info = (struct as_learn_info){0};
    if (ix == NULL || !(o->shrinkage >= 0.0 && o->shrinkage <= 1.0) ||
        !(o->blend >= 0.0 && o->blend <= 1.0))
        return AS_EINVAL;
    size_t n = as_index_count(ix), d = as_index_dim(ix);
    size_t nl = as_index_label_count(ix);
    int status = AS_ENOMEM;
    size_t *per_label = calloc(nl ? nl : 1, sizeof *per_label);
    uint32_t *class_of = malloc((nl ? nl : 1) * sizeof *class_of);
    uint32_t *lab = malloc((n ? n : 1) * sizeof *lab);
    float *row = malloc(d * sizeof *row);
    double *x = NULL, *w = NULL, *ev = NULL, *mean = NULL;
    uint32_t *cls = NULL;
    as_projection *p = NULL;
    if (per_label == NULL || class_of == NULL || lab == NULL || row == NULL)
        goto done;
    if ((status = count_labels(ix, lab, per_label)) != AS_OK)
        goto done;
    /* a class: a label with two entries or more */
    size_t nc = 0, used = 0;
    for (size_t l = 0; l < nl; l++) {
        class_of[l] = per_label[l] >= 2 ? (uint32_t)nc++ : UINT32_MAX;
        if (per_label[l] >= 2)
            used += per_label[l];
    }
    info->n_classes = nc;
    info->n_entries = used;
    status = AS_EINVAL;
    if (nc < 2)
        goto done;
    status = AS_ENOMEM;
    x = malloc(used * d * sizeof *x);
    cls = malloc(used * sizeof *cls);
    w = malloc(d * d * sizeof *w);
    ev = malloc(d * sizeof *ev);
    mean = malloc(d * sizeof *mean);
    if (x == NULL || cls == NULL || w == NULL || ev == NULL || mean == NULL)
        goto done;
    if ((status = gather_rows(ix, lab, class_of, x, cls, row)) != AS_OK)
        goto done;
    size_t m;
    status = as_lda(x, used, d, cls, nc, o->shrinkage, mean, w, ev, &m);
    /* the arguments are right here: AS_EINVAL is Cholesky's failure.
     * Full shrinkage leaves Sw singular only when every class's rows are
     * all alike (add_shrunk_cov()): then no shrinkage helps */
    info->singular = status == AS_EINVAL;
    info->alike = info->singular &&
                  (o->shrinkage >= 1.0 || as_lda(x, used, d, cls, nc, 1.0, mean,
                                                 w, ev, &m) == AS_EINVAL);
    if (status == AS_OK && (p = proj_new(d, m, nc)) == NULL)
        status = AS_ENOMEM;
    if (status != AS_OK)
        goto done;
    free(p->mean);
    p->mean = mean;
    mean = NULL;
    memcpy(p->w, w, d * m * sizeof *w);
    memcpy(p->ev, ev, m * sizeof *ev);
    p->shrinkage = o->shrinkage;
    p->blend = o->blend;
    if ((status = name_classes(p, ix, class_of, per_label)) != AS_OK)
        goto done;
    *out = p;
    p = NULL;
done:
    as_projection_free(p);
    free(per_label);
    free(class_of);
    free(lab);
    free(row);
    free(x);
    free(cls);
    free(w);
    free(ev);
    free(mean);
    return status;
}

/* ---- getters and use ---- */

size_t
as_projection_in_dim(const as_projection *p)
{
    return p->d;
}

size_t
as_projection_out_dim(const as_projection *p)
{
    return p->m;
}

double
as_projection_shrinkage(const as_projection *p)
{
    return p->shrinkage;
}

double
as_projection_blend(const as_projection *p)
{
    return p->blend;
}

size_t
as_projection_class_count(const as_projection *p)
{
    return p->n_classes;
}

const char *
as_projection_class(const as_projection *p, size_t i)
{
    return i < p->n_classes ? p->classes[i] : NULL;
}

size_t
as_projection_class_entries(const as_projection *p, size_t i)
{
    return i < p->n_classes ? p->counts[i] : 0;
}

double
as_projection_eigenvalue(const as_projection *p, size_t k)
{
    return k < p->m ? p->ev[k] : 0.0;
}

double
as_projection_scaling(const as_projection *p, size_t j, size_t k)
{
    return j < p->d && k < p->m ? p->w[j * p->m + k] : 0.0;
}

void
as_projection_apply(const as_projection *p, const double *y, double *z)
{
    for (size_t k = 0; k < p->m; k++)
        z[k] = 0.0;
    for (size_t j = 0; j < p->d; j++) {
        double c = y[j] - p->mean[j];
        const double *wj = p->w + j * p->m;
        for (size_t k = 0; k < p->m; k++)
            z[k] += c * wj[k];
    }
}

/* Component k of (y - mean) W. */
static double
project_one(const as_projection *p, const float *y, size_t k)
{
    double v = 0.0;
    for (size_t j = 0; j < p->d; j++)
        v += ((double)y[j] - p->mean[j]) * p->w[j * p->m + k];
    return v;
}

void
as_projection_blend_row(const as_projection *p, const float *y, float *out)
{
    double ss = 0.0, zz = 0.0;
    for (size_t j = 0; j < p->d; j++)
        ss += (double)y[j] * (double)y[j];
    for (size_t k = 0; k < p->m; k++) {
        double v = project_one(p, y, k);
        zz += v * v;
    }
    double ny = sqrt(ss), nz = sqrt(zz);
    double a = sqrt(1.0 - p->blend), b = sqrt(p->blend);
    for (size_t j = 0; j < p->d; j++)
        out[j] = ny > 0.0 ? (float)(a * (double)y[j] / ny) : 0.0f;
    for (size_t k = 0; k < p->m; k++)
        out[p->d + k] =
            nz > 0.0 ? (float)(b * project_one(p, y, k) / nz) : 0.0f;
}

/* ---- the PROJECTION section (layout.h) ---- */

static void
put_u32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void
put_f64(unsigned char *p, double v)
{
    memcpy(p, &v, 8);
}

static double
get_f64(const unsigned char *p)
{
    double v;
    memcpy(&v, p, 8);
    return v;
}

int
as__projection_encode(const as_projection *p, unsigned char **buf, size_t *len)
{
    size_t n = 32 + 8 * (p->d + p->m + p->d * p->m);
    for (size_t c = 0; c < p->n_classes; c++)
        n += 8 + strlen(p->classes[c]);
    unsigned char *b = malloc(n), *at = b;
    *buf = NULL;
    if (b == NULL)
        return AS_ENOMEM;
    put_u32(at, (uint32_t)p->d);
    put_u32(at + 4, (uint32_t)p->m);
    put_u32(at + 8, (uint32_t)p->n_classes);
    put_u32(at + 12, 0);
    put_f64(at + 16, p->shrinkage);
    put_f64(at + 24, p->blend);
    at += 32;
    for (size_t j = 0; j < p->d; j++, at += 8)
        put_f64(at, p->mean[j]);
    for (size_t k = 0; k < p->m; k++, at += 8)
        put_f64(at, p->ev[k]);
    for (size_t j = 0; j < p->d * p->m; j++, at += 8)
        put_f64(at, p->w[j]);
    for (size_t c = 0; c < p->n_classes; c++) {
        size_t l = strlen(p->classes[c]);
        put_u32(at, (uint32_t)p->counts[c]);
        put_u32(at + 4, (uint32_t)l);
        memcpy(at + 8, p->classes[c], l);
        at += 8 + l;
    }
    *buf = b;
    *len = n;
    return AS_OK;
}

int
as__projection_decode(const unsigned char *b, uint64_t len, size_t dim,
                      size_t n_labels, as_projection **out)
{
    *out = NULL;
    if (len < 32)
        return AS_EINDEX;
    uint64_t d = as__rd32(b), m = as__rd32(b + 4), nc = as__rd32(b + 8);
    double s = get_f64(b + 16), a = get_f64(b + 24);
    if (d != dim || m == 0 || m > d || nc < 2 || m > nc - 1 || nc > n_labels ||
        as__rd32(b + 12) != 0 || !(s >= 0.0 && s <= 1.0) ||
        !(a >= 0.0 && a <= 1.0))
        return AS_EINDEX;
    uint64_t pos = 32 + 8 * (d + m + d * m);
    if (pos > len)
        return AS_EINDEX;
    as_projection *p = proj_new((size_t)d, (size_t)m, (size_t)nc);
    if (p == NULL)
        return AS_ENOMEM;
    p->shrinkage = s;
    p->blend = a;
    const unsigned char *at = b + 32;
    int status = AS_EINDEX;
    for (size_t j = 0; j < d; j++, at += 8)
        p->mean[j] = get_f64(at);
    for (size_t k = 0; k < m; k++, at += 8)
        p->ev[k] = get_f64(at);
    for (size_t j = 0; j < d * m; j++, at += 8)
        p->w[j] = get_f64(at);
    for (size_t j = 0; j < d; j++)
        if (!isfinite(p->mean[j]))
            goto fail;
    for (size_t k = 0; k < m; k++)
        if (!isfinite(p->ev[k]))
            goto fail;
    for (size_t j = 0; j < d * m; j++)
        if (!isfinite(p->w[j]))
            goto fail;
    for (size_t c = 0; c < nc; c++) {
        if (len - pos < 8)
            goto fail;
        uint32_t cnt = as__rd32(b + pos);
        size_t l = as__rd32(b + pos + 4);
        pos += 8;
        if (cnt < 2 || l == 0 || len - pos < l ||
            memchr(b + pos, '\0', l) != NULL)
            goto fail;
        if ((p->classes[c] = malloc(l + 1)) == NULL) {
            status = AS_ENOMEM;
            goto fail;
        }
        memcpy(p->classes[c], b + pos, l);
        p->classes[c][l] = '\0';
        p->counts[c] = cnt;
        pos += l;
        if (c > 0 && strcmp(p->classes[c - 1], p->classes[c]) >= 0)
            goto fail;
    }
    if (pos != len)
        goto fail;
    *out = p;
    return AS_OK;
fail:
    as_projection_free(p);
    return status;
}

int
as_index_learn_write(const as_index *ix, const char *path,
                     const struct as_learn_opts *o, struct as_learn_info *info)
{
    as_projection *p = NULL;
    as_index_builder *b = NULL;
    int st = as_projection_fit(&p, ix, o, info);
    if (st == AS_OK)
        st = as_index_builder_new(&b, as_index_header(ix));
    if (st == AS_OK)
        st = as_index_builder_load(b, ix);
    if (st == AS_OK)
        st = as_index_builder_set_projection(b, p);
    if (st == AS_OK)
        st = as_index_builder_write(b, path);
    as_index_builder_free(b);
    as_projection_free(p);
    return st;
}

int
as_index_builder_fit_projection(as_index_builder *b,
                                const struct as_learn_opts *o,
                                struct as_learn_info *info)
{
    if (info != NULL)
        *info = (struct as_learn_info){0};
    if (b == NULL || o == NULL)
        return AS_EINVAL;
    as_index *copy = NULL;
    as_projection *p = NULL;
    int st = as__builder_open_copy(b, &copy);
    if (st == AS_OK)
        st = as_projection_fit(&p, copy, o, info);
    if (st == AS_OK)
        st = as_index_builder_set_projection(b, p);
    as_projection_free(p);
    as_index_close(copy);
    return st;
}

int
as_index_learnt_opts(const as_index *ix, struct as_learn_opts *o)
{
    as_projection *p = NULL;
    if (as_index_projection(ix, &p) != AS_OK || p == NULL)
        return 0;
    o->shrinkage = as_projection_shrinkage(p);
    o->blend = as_projection_blend(p);
    as_projection_free(p);
    return 1;
}
