/* SPDX-License-Identifier: MIT */
/*
 * Training and cross-source measurement of the kind model
 * (bench/corpus/train.sh, bench/kind.sh).
 *
 *   as-bench-kind train [-l l2] -m sha256 -s set FILE   model on stdout
 *   as-bench-kind eval [-l l2[,l2...]] [-k k] FILE      figures on stdout
 *   as-bench-kind time -M model FILE                    inference cost
 *
 * FILE is TSV with a header: path, class, unit, then the feature columns
 * (named as in the stream). unit is the hold-out unit of the row's
 * source: eval trains without one unit and tests on it, for each unit.
 *
 * The model: multinomial logistic regression on the columns standardised
 * with the training rows' mean and population standard deviation,
 * minimising the mean cross-entropy plus (l2 / 2) |W|^2 (the biases are
 * not penalised), the same objective as scikit-learn's
 * LogisticRegression(C = 1 / (l2 n)). The solver is L-BFGS (Nocedal and
 * Wright, Numerical Optimization, algorithm 7.4, 10 pairs) with a
 * backtracking Armijo line search, until the largest gradient component
 * is below 1e-6. Deterministic: one thread, fixed order, no randomness.
 *
 * Calibration: a temperature T divides the scores. train fits it on the
 * held-out scores of a leave-one-unit-out run over the training data
 * (minimum cross-entropy, golden-section search over log T); eval fits
 * the T used on unit u on the held-out scores of the other units only.
 *
 * The baseline: the k-nearest-neighbour vote (cosine distance on the
 * same standardised columns, k = 5, ties to the class of the nearer
 * neighbour), the vote shares as probabilities.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "as/as.h"

#define MAXC 64

struct data {
    size_t n, d, nc, nu;
    char **col;       /* d names */
    char *cls[MAXC];  /* class names, sorted */
    char *unit[MAXC]; /* unit names, in order of appearance */
    int *y, *u;       /* n */
    double *x;        /* n x d */
};

static void
die(const char *msg)
{
    fprintf(stderr, "as-bench-kind: %s\n", msg);
    exit(1);
}

static void *
xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *
xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        die("out of memory");
    return p;
}

static int
cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
intern(char **tab, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(tab[i], s) == 0)
            return (int)i;
    if (*n == MAXC)
        die("too many classes or units");
    tab[*n] = xstrdup(s);
    return (int)(*n)++;
}

static size_t
split(char *s, char **f, size_t max)
{
    size_t n = 0;
    for (;;) {
        if (n == max)
            die("too many columns");
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            return n;
        *t = '\0';
        s = t + 1;
    }
}

static void
load(struct data *D, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open the input");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    char **fld = xmalloc(4096 * sizeof *fld);
    size_t rows_cap = 0;
    char **ycls = NULL;
    memset(D, 0, sizeof *D);
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        size_t nf = split(line, fld, 4096);
        if (!D->col) {
            if (nf < 4 || strcmp(fld[0], "path") || strcmp(fld[1], "class") ||
                strcmp(fld[2], "unit"))
                die("header must be path, class, unit, columns...");
            D->d = nf - 3;
            D->col = xmalloc(D->d * sizeof *D->col);
            for (size_t j = 0; j < D->d; j++)
                D->col[j] = xstrdup(fld[j + 3]);
            continue;
        }
        if (nf != D->d + 3)
            die("a row has the wrong number of fields");
        if (D->n == rows_cap) {
            rows_cap = rows_cap ? 2 * rows_cap : 1024;
            D->x = realloc(D->x, rows_cap * D->d * sizeof *D->x);
            D->u = realloc(D->u, rows_cap * sizeof *D->u);
            ycls = realloc(ycls, rows_cap * sizeof *ycls);
            if (!D->x || !D->u || !ycls)
                die("out of memory");
        }
        ycls[D->n] = xstrdup(fld[1]);
        D->u[D->n] = intern(D->unit, &D->nu, fld[2]);
        for (size_t j = 0; j < D->d; j++) {
            char *end;
            D->x[D->n * D->d + j] = strtod(fld[j + 3], &end);
            if (*end || !isfinite(D->x[D->n * D->d + j]))
                die("a feature is not a finite number");
        }
        D->n++;
    }
    free(line);
    free(fld);
    fclose(f);
    if (D->n == 0)
        die("no rows");
    for (size_t i = 0; i < D->n; i++)
        intern(D->cls, &D->nc, ycls[i]);
    qsort(D->cls, D->nc, sizeof *D->cls, cmpstr);
    D->y = xmalloc(D->n * sizeof *D->y);
    for (size_t i = 0; i < D->n; i++) {
        size_t nc = D->nc;
        D->y[i] = intern(D->cls, &nc, ycls[i]);
        free(ycls[i]);
    }
    free(ycls);
}

/* ---- logistic regression ---- */

struct model {
    size_t d, nc;
    double *mean, *sd; /* d */
    double *w;         /* nc x (d + 1): bias last */
    double temp;
};

/* z-scores of the rows in sel (ns of them) with the mean and population
 * standard deviation of those rows; a constant column gets sd 1. */
static void
standardise(const struct data *D, const size_t *sel, size_t ns, struct model *M)
{
    for (size_t j = 0; j < D->d; j++) {
        double s = 0, q = 0;
        for (size_t i = 0; i < ns; i++)
            s += D->x[sel[i] * D->d + j];
        s /= (double)ns;
        for (size_t i = 0; i < ns; i++) {
            double v = D->x[sel[i] * D->d + j] - s;
            q += v * v;
        }
        q = sqrt(q / (double)ns);
        M->mean[j] = s;
        M->sd[j] = q > 0 ? q : 1;
    }
}

static void
zrow(const struct model *M, const double *x, double *z)
{
    for (size_t j = 0; j < M->d; j++)
        z[j] = (x[j] - M->mean[j]) / M->sd[j];
    z[M->d] = 1;
}

/* scores of z (d + 1 values) into s (nc) */
static void
scores(const struct model *M, const double *w, const double *z, double *s)
{
    size_t e = M->d + 1;
    for (size_t k = 0; k < M->nc; k++) {
        double a = 0;
        for (size_t j = 0; j < e; j++)
            a += w[k * e + j] * z[j];
        s[k] = a;
    }
}

static void
softmax(double *s, size_t n, double temp)
{
    double hi = s[0], sum = 0;
    for (size_t k = 1; k < n; k++)
        if (s[k] > hi)
            hi = s[k];
    for (size_t k = 0; k < n; k++) {
        s[k] = exp((s[k] - hi) / temp);
        sum += s[k];
    }
    for (size_t k = 0; k < n; k++)
        s[k] /= sum;
}

/* objective and gradient at w over the standardised rows Z (ns x e) */
static double
objective(const struct model *M, const double *Z, const int *y, size_t ns,
          double l2, const double *w, double *g, double *s)
{
    size_t e = M->d + 1, nc = M->nc;
    double f = 0;
    memset(g, 0, nc * e * sizeof *g);
    for (size_t i = 0; i < ns; i++) {
        const double *z = Z + i * e;
        scores(M, w, z, s);
        double hi = s[0], sum = 0;
        for (size_t k = 1; k < nc; k++)
            if (s[k] > hi)
                hi = s[k];
        for (size_t k = 0; k < nc; k++)
            sum += exp(s[k] - hi);
        f += log(sum) + hi - s[y[i]];
        for (size_t k = 0; k < nc; k++) {
            double r = exp(s[k] - hi) / sum - (k == (size_t)y[i]);
            double *gk = g + k * e;
            for (size_t j = 0; j < e; j++)
                gk[j] += r * z[j];
        }
    }
    f /= (double)ns;
    for (size_t k = 0; k < nc; k++)
        for (size_t j = 0; j < e; j++) {
            double *gk = g + k * e;
            gk[j] /= (double)ns;
            if (j < M->d) {
                f += 0.5 * l2 * w[k * e + j] * w[k * e + j];
                gk[j] += l2 * w[k * e + j];
            }
        }
    return f;
}

static double
dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* L-BFGS with the last HIST pairs and a backtracking line search
 * (Armijo, c 1e-4, halving from the unit step), from w = 0 until the
 * largest gradient component is below 1e-6 or after 5000 steps */
#define HIST 10
static double *
lbfgs(const struct model *M, const double *Z, const int *y, size_t ns,
      double l2)
{
    size_t np = M->nc * (M->d + 1);
    double *w = xmalloc(np * sizeof *w), *g = xmalloc(np * sizeof *g);
    double *wn = xmalloc(np * sizeof *wn), *gn = xmalloc(np * sizeof *gn);
    double *dir = xmalloc(np * sizeof *dir), *sc = xmalloc(M->nc * sizeof *sc);
    double *S = xmalloc(HIST * np * sizeof *S),
           *Y = xmalloc(HIST * np * sizeof *Y);
    double rho[HIST], al[HIST];
    size_t nh = 0, head = 0;
    double f = objective(M, Z, y, ns, l2, w, g, sc);
    for (int it = 0; it < 5000; it++) {
        double gmax = 0;
        for (size_t p = 0; p < np; p++)
            if (fabs(g[p]) > gmax)
                gmax = fabs(g[p]);
        if (gmax < 1e-6)
            break;
        /* two-loop recursion: dir = -H g */
        for (size_t p = 0; p < np; p++)
            dir[p] = -g[p];
        for (size_t h = 0; h < nh; h++) {
            size_t i = (head + HIST - 1 - h) % HIST;
            al[i] = rho[i] * dot(S + i * np, dir, np);
            for (size_t p = 0; p < np; p++)
                dir[p] -= al[i] * Y[i * np + p];
        }
        if (nh) {
            size_t i = (head + HIST - 1) % HIST;
            double gam = dot(S + i * np, Y + i * np, np) /
                         dot(Y + i * np, Y + i * np, np);
            for (size_t p = 0; p < np; p++)
                dir[p] *= gam;
        }
        for (size_t h = nh; h-- > 0;) {
            size_t i = (head + HIST - 1 - h) % HIST;
            double b = rho[i] * dot(Y + i * np, dir, np);
            for (size_t p = 0; p < np; p++)
                dir[p] += (al[i] - b) * S[i * np + p];
        }
        double slope = dot(g, dir, np);
        if (slope >= 0) { /* not a descent direction: start afresh */
            for (size_t p = 0; p < np; p++)
                dir[p] = -g[p];
            slope = -dot(g, g, np);
            nh = 0;
        }
        double step = nh ? 1 : 1 / sqrt(-slope);
        double fn = 0;
        int ok = 0;
        for (int ls = 0; ls < 60; ls++) {
            for (size_t p = 0; p < np; p++)
                wn[p] = w[p] + step * dir[p];
            fn = objective(M, Z, y, ns, l2, wn, gn, sc);
            if (fn <= f + 1e-4 * step * slope) {
                ok = 1;
                break;
            }
            step /= 2;
        }
        if (!ok)
            break; /* no progress at double precision */
        double *si = S + head * np, *yi = Y + head * np;
        for (size_t p = 0; p < np; p++) {
            si[p] = wn[p] - w[p];
            yi[p] = gn[p] - g[p];
        }
        double sy = dot(si, yi, np);
        if (sy > 1e-12) {
            rho[head] = 1 / sy;
            head = (head + 1) % HIST;
            if (nh < HIST)
                nh++;
        }
        memcpy(w, wn, np * sizeof *w);
        memcpy(g, gn, np * sizeof *g);
        f = fn;
    }
    free(g);
    free(wn);
    free(gn);
    free(dir);
    free(sc);
    free(S);
    free(Y);
    return w;
}

static struct model *
fit(const struct data *D, const size_t *sel, size_t ns, double l2)
{
    struct model *M = xmalloc(sizeof *M);
    M->d = D->d;
    M->nc = D->nc;
    M->temp = 1;
    M->mean = xmalloc(D->d * sizeof *M->mean);
    M->sd = xmalloc(D->d * sizeof *M->sd);
    standardise(D, sel, ns, M);
    size_t e = D->d + 1;
    double *Z = xmalloc(ns * e * sizeof *Z);
    int *y = xmalloc(ns * sizeof *y);
    for (size_t i = 0; i < ns; i++) {
        zrow(M, D->x + sel[i] * D->d, Z + i * e);
        y[i] = D->y[sel[i]];
    }
    double *w = lbfgs(M, Z, y, ns, l2);
    M->w = w;
    free(Z);
    free(y);
    return M;
}

static void
model_free(struct model *M)
{
    if (!M)
        return;
    free(M->mean);
    free(M->sd);
    free(M->w);
    free(M);
}

/* raw scores (temperature 1) of row i */
static void
model_scores(const struct model *M, const double *x, double *s)
{
    double z[4096];
    zrow(M, x, z);
    scores(M, M->w, z, s);
}

/* mean cross-entropy of softmax(s / T) over rows with mask[i] */
static double
xent(const double *S, const int *y, const int *mask, size_t n, size_t nc,
     double T)
{
    double f = 0;
    size_t m = 0;
    double *p = xmalloc(nc * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        if (!mask[i])
            continue;
        memcpy(p, S + i * nc, nc * sizeof *p);
        softmax(p, nc, T);
        f -= log(p[y[i]] > 1e-300 ? p[y[i]] : 1e-300);
        m++;
    }
    free(p);
    return m ? f / (double)m : 0;
}

/* the temperature minimising xent, golden section over log T in
 * [log 0.05, log 20] */
static double
fit_temp(const double *S, const int *y, const int *mask, size_t n, size_t nc)
{
    double a = log(0.05), b = log(20), r = (sqrt(5) - 1) / 2;
    double c = b - r * (b - a), d = a + r * (b - a);
    double fc = xent(S, y, mask, n, nc, exp(c));
    double fd = xent(S, y, mask, n, nc, exp(d));
    for (int it = 0; it < 60; it++) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = xent(S, y, mask, n, nc, exp(c));
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = xent(S, y, mask, n, nc, exp(d));
        }
    }
    return exp((a + b) / 2);
}

/* leave-one-unit-out raw scores: S[i] from the model trained without
 * row i's unit */
static void
louo_scores(const struct data *D, double l2, double *S)
{
    size_t *sel = xmalloc(D->n * sizeof *sel);
    for (size_t u = 0; u < D->nu; u++) {
        size_t ns = 0;
        for (size_t i = 0; i < D->n; i++)
            if (D->u[i] != (int)u)
                sel[ns++] = i;
        struct model *M = fit(D, sel, ns, l2);
        for (size_t i = 0; i < D->n; i++)
            if (D->u[i] == (int)u)
                model_scores(M, D->x + i * D->d, S + i * D->nc);
        model_free(M);
    }
    free(sel);
}

/* ---- k-NN vote ---- */

static void
knn_probs(const struct data *D, size_t k, double *P)
{
    size_t n = D->n, d = D->d;
    double *Z = xmalloc(n * (d + 1) * sizeof *Z);
    size_t *sel = xmalloc(n * sizeof *sel);
    size_t *nb = xmalloc(k * sizeof *nb);
    double *nd = xmalloc(k * sizeof *nd);
    struct model M = {.d = d, .nc = D->nc};
    M.mean = xmalloc(d * sizeof *M.mean);
    M.sd = xmalloc(d * sizeof *M.sd);
    for (size_t u = 0; u < D->nu; u++) {
        size_t ns = 0;
        for (size_t i = 0; i < n; i++)
            if (D->u[i] != (int)u)
                sel[ns++] = i;
        standardise(D, sel, ns, &M);
        for (size_t i = 0; i < n; i++) {
            double *z = Z + i * (d + 1), q = 0;
            zrow(&M, D->x + i * d, z);
            for (size_t j = 0; j < d; j++)
                q += z[j] * z[j];
            z[d] = sqrt(q); /* the norm, in place of the bias column */
        }
        for (size_t i = 0; i < n; i++) {
            if (D->u[i] != (int)u)
                continue;
            size_t got = 0;
            const double *zi = Z + i * (d + 1);
            for (size_t t = 0; t < ns; t++) {
                const double *zt = Z + sel[t] * (d + 1);
                double dot = 0;
                for (size_t j = 0; j < d; j++)
                    dot += zi[j] * zt[j];
                double den = zi[d] * zt[d];
                double dist = den > 0 ? 1 - dot / den : 1;
                /* insertion into the k nearest; ties keep the earlier */
                size_t p = got < k ? got : k;
                while (p > 0 && nd[p - 1] > dist)
                    p--;
                if (p >= k)
                    continue;
                size_t last = got < k ? got : k - 1;
                for (size_t q = last; q > p; q--) {
                    nb[q] = nb[q - 1];
                    nd[q] = nd[q - 1];
                }
                nb[p] = sel[t];
                nd[p] = dist;
                if (got < k)
                    got++;
            }
            double *p = P + i * D->nc;
            memset(p, 0, D->nc * sizeof *p);
            for (size_t q = 0; q < got; q++)
                p[D->y[nb[q]]] += 1.0 / (double)got;
            /* ties: the class of the nearer neighbour wins, by a hair */
            for (size_t q = 0; q < got; q++)
                p[D->y[nb[q]]] += 1e-9 * (double)(got - q);
        }
    }
    free(M.mean);
    free(M.sd);
    free(Z);
    free(sel);
    free(nb);
    free(nd);
}

/* ---- figures ---- */

static size_t
argmax(const double *p, size_t n)
{
    size_t b = 0;
    for (size_t k = 1; k < n; k++)
        if (p[k] > p[b])
            b = k;
    return b;
}

struct figures {
    double acc, f1, ece, nll;
};

/* accuracy, macro-F1 (over the classes with rows) and expected
 * calibration error (10 equal bins of the top probability) of P */
static struct figures
measure(const struct data *D, const double *P, int print)
{
    size_t nc = D->nc, n = D->n;
    size_t *cm = xmalloc(nc * nc * sizeof *cm);
    double bn[10] = {0}, bc[10] = {0}, bp[10] = {0}, nll = 0;
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = argmax(P + i * nc, nc);
        double conf = P[i * nc + b];
        cm[(size_t)D->y[i] * nc + b]++;
        right += b == (size_t)D->y[i];
        int bin = (int)(conf * 10);
        if (bin > 9)
            bin = 9;
        bn[bin]++;
        bc[bin] += b == (size_t)D->y[i];
        bp[bin] += conf;
        double py = P[i * nc + (size_t)D->y[i]];
        nll -= log(py > 1e-300 ? py : 1e-300);
    }
    struct figures F = {(double)right / (double)n, 0, 0, nll / (double)n};
    size_t ncl = 0;
    for (size_t k = 0; k < nc; k++) {
        size_t tp = cm[k * nc + k], row = 0, colsum = 0;
        for (size_t j = 0; j < nc; j++) {
            row += cm[k * nc + j];
            colsum += cm[j * nc + k];
        }
        if (!row)
            continue;
        ncl++;
        F.f1 += tp ? 2.0 * (double)tp / (double)(row + colsum) : 0;
    }
    F.f1 /= (double)ncl;
    for (int b = 0; b < 10; b++)
        if (bn[b])
            F.ece += fabs(bc[b] - bp[b]) / (double)n;
    if (print) {
        printf("confusion (rows: true class, columns: predicted, in the "
               "order of the rows)\n%-13s",
               "");
        for (size_t j = 0; j < nc; j++)
            printf(" %4.4s", D->cls[j]);
        printf("   recall  prec.   F1\n");
        for (size_t k = 0; k < nc; k++) {
            size_t row = 0, colsum = 0;
            printf("%-13s", D->cls[k]);
            for (size_t j = 0; j < nc; j++) {
                printf(" %4zu", cm[k * nc + j]);
                row += cm[k * nc + j];
                colsum += cm[j * nc + k];
            }
            size_t tp = cm[k * nc + k];
            printf("   %6.3f %6.3f %6.3f\n", row ? (double)tp / (double)row : 0,
                   colsum ? (double)tp / (double)colsum : 0,
                   row + colsum ? 2.0 * (double)tp / (double)(row + colsum)
                                : 0);
        }
        printf("reliability (top probability: rows, mean, accuracy)\n");
        for (int b = 0; b < 10; b++)
            if (bn[b])
                printf("  %.1f-%.1f %6.0f %6.3f %6.3f\n", b / 10.0,
                       (b + 1) / 10.0, bn[b], bp[b] / bn[b], bc[b] / bn[b]);
    }
    free(cm);
    return F;
}

static void
per_unit(const struct data *D, const double *P)
{
    for (size_t u = 0; u < D->nu; u++) {
        size_t n = 0, r = 0;
        for (size_t i = 0; i < D->n; i++)
            if (D->u[i] == (int)u) {
                n++;
                r += argmax(P + i * D->nc, D->nc) == (size_t)D->y[i];
            }
        printf("  held out %-32s %5zu rows  accuracy %.3f\n", D->unit[u], n,
               (double)r / (double)n);
    }
}

/* the calibrated held-out probabilities: unit u's scores divided by the
 * temperature fitted on the other units' held-out scores */
static void
calibrated(const struct data *D, const double *S, double *P, double *temps)
{
    int *mask = xmalloc(D->n * sizeof *mask);
    for (size_t u = 0; u < D->nu; u++) {
        for (size_t i = 0; i < D->n; i++)
            mask[i] = D->u[i] != (int)u;
        double T = fit_temp(S, D->y, mask, D->n, D->nc);
        temps[u] = T;
        for (size_t i = 0; i < D->n; i++)
            if (D->u[i] == (int)u) {
                memcpy(P + i * D->nc, S + i * D->nc, D->nc * sizeof *P);
                softmax(P + i * D->nc, D->nc, T);
            }
    }
    free(mask);
}

static int
cmd_eval(const struct data *D, const char *l2s, size_t k)
{
    size_t n = D->n, nc = D->nc;
    double *S = xmalloc(n * nc * sizeof *S), *P = xmalloc(n * nc * sizeof *P);
    double temps[MAXC];
    printf("%zu rows, %zu columns, %zu classes, %zu hold-out units\n", n, D->d,
           nc, D->nu);
    printf("\n== k-NN vote, k %zu, cosine on the standardised columns\n", k);
    knn_probs(D, k, P);
    struct figures F = measure(D, P, 1);
    per_unit(D, P);
    printf("knn k=%zu: accuracy %.3f  macro-F1 %.3f  ECE %.3f  log-loss "
           "%.3f\n",
           k, F.acc, F.f1, F.ece, F.nll);
    char *list = xstrdup(l2s), *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        double l2 = strtod(tok, NULL);
        printf("\n== logistic regression, l2 %g\n", l2);
        louo_scores(D, l2, S);
        for (size_t i = 0; i < n; i++) {
            memcpy(P + i * nc, S + i * nc, nc * sizeof *P);
            softmax(P + i * nc, nc, 1);
        }
        struct figures R = measure(D, P, 0);
        calibrated(D, S, P, temps);
        struct figures C = measure(D, P, 1);
        per_unit(D, P);
        printf("  temperatures fitted without the held-out unit:");
        for (size_t u = 0; u < D->nu; u++)
            printf(" %.3f", temps[u]);
        printf("\nlr l2=%g: accuracy %.3f  macro-F1 %.3f  ECE %.3f  "
               "log-loss %.3f (without the temperature: ECE %.3f, "
               "log-loss %.3f)\n",
               l2, C.acc, C.f1, C.ece, C.nll, R.ece, R.nll);
    }
    free(list);
    free(S);
    free(P);
    return 0;
}

static int
cmd_train(const struct data *D, double l2, const char *sha, const char *set)
{
    size_t n = D->n, nc = D->nc;
    double *S = xmalloc(n * nc * sizeof *S);
    int *mask = xmalloc(n * sizeof *mask);
    louo_scores(D, l2, S);
    for (size_t i = 0; i < n; i++)
        mask[i] = 1;
    double T = fit_temp(S, D->y, mask, n, nc);
    size_t *sel = xmalloc(n * sizeof *sel);
    for (size_t i = 0; i < n; i++)
        sel[i] = i;
    struct model *M = fit(D, sel, n, l2);
    printf("audiosearch-kind\t1\nset\t%s\nmanifest\t%s\ntemperature\t%.9g\n",
           set, sha, T);
    printf("note\ttrained by bench/corpus/train.sh: multinomial logistic "
           "regression, l2 %g, %zu rows, temperature fitted on "
           "leave-one-unit-out scores over %zu units\n",
           l2, n, D->nu);
    printf("note\trows per class:");
    for (size_t k = 0; k < nc; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += D->y[i] == (int)k;
        printf(" %s %zu", D->cls[k], c);
    }
    printf("\nclasses");
    for (size_t k = 0; k < nc; k++)
        printf("\t%s", D->cls[k]);
    size_t e = D->d + 1;
    printf("\nbias");
    for (size_t k = 0; k < nc; k++)
        printf("\t%.9g", M->w[k * e + D->d]);
    printf("\n");
    for (size_t j = 0; j < D->d; j++) {
        printf("column\t%s\t%.9g\t%.9g", D->col[j], M->mean[j], M->sd[j]);
        for (size_t k = 0; k < nc; k++)
            printf("\t%.9g", M->w[k * e + j]);
        printf("\n");
    }
    model_free(M);
    free(sel);
    free(S);
    free(mask);
    if (fflush(stdout) || ferror(stdout))
        die("stdout: write error");
    return 0;
}

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* the library's inference over every row, repeated: seconds per row */
static int
cmd_time(const struct data *D, const char *model)
{
    as_kind_model *m;
    size_t line;
    int rc = as_kind_model_load(&m, model, &line);
    if (rc != AS_OK)
        die(as_strerror(rc));
    size_t dim = as_kind_dim(m), nc = as_kind_n_classes(m);
    size_t *map = xmalloc(dim * sizeof *map);
    if (as_kind_bind(m, (const char *const *)D->col, D->d, map, dim, NULL))
        die("the input lacks a column of the model");
    float *row = xmalloc(D->n * D->d * sizeof *row);
    for (size_t i = 0; i < D->n * D->d; i++)
        row[i] = (float)D->x[i];
    double *p = xmalloc(nc * sizeof *p), sink = 0;
    double t0 = now();
    size_t reps = 0;
    do {
        for (size_t i = 0; i < D->n; i++) {
            size_t best;
            as_kind_predict(m, map, row + i * D->d, D->d, p, nc, &best);
            sink += p[best];
        }
        reps++;
    } while (now() - t0 < 1.0);
    double t = (now() - t0) / (double)(reps * D->n);
    printf("%.9f\t%.0f\n", t, sink > 0 ? 1.0 : 0.0);
    free(p);
    free(row);
    free(map);
    as_kind_model_free(m);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 3)
        die("usage: as-bench-kind train|eval|time [options] FILE");
    const char *cmd = argv[1], *l2s = "0.01", *sha = NULL, *set = NULL;
    const char *model = NULL;
    size_t k = 5;
    int i = 2;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-l") == 0)
            l2s = argv[i + 1];
        else if (strcmp(argv[i], "-m") == 0)
            sha = argv[i + 1];
        else if (strcmp(argv[i], "-s") == 0)
            set = argv[i + 1];
        else if (strcmp(argv[i], "-k") == 0)
            k = (size_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-M") == 0)
            model = argv[i + 1];
        else
            die("unknown option");
    }
    if (i + 1 != argc)
        die("one input file");
    struct data D;
    load(&D, argv[i]);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval(&D, l2s, k ? k : 5);
    if (strcmp(cmd, "train") == 0) {
        if (!sha || !set)
            die("train needs -m sha256 and -s set");
        return cmd_train(&D, strtod(l2s, NULL), sha, set);
    }
    if (strcmp(cmd, "time") == 0) {
        if (!model)
            die("time needs -M model");
        return cmd_time(&D, model);
    }
    die("not train, eval or time");
    return 2;
}
