/* SPDX-License-Identifier: MIT */
/*
 * tsvcmp: compares a tool's recorded output with the expected one, numbers
 * within a tolerance and everything else exactly.
 *
 *   tsvcmp [-a abs] [-r rel] [-n max] expected got
 *
 * Both files are compared line by line. Each line is cut into words (runs
 * of letters, digits and "_.+-") and the single characters between them,
 * so TSV, JSON, SVG and HTML all split at their separators. A word that
 * reads whole as a finite decimal number (strtod, starting with a digit,
 * a sign or a dot) in both files matches when |a - b| <= abs + rel *
 * max(|a|, |b|) (defaults: abs 1e-6, rel 1e-5); every other word and
 * character must be identical. Prints each differing line (at most -n of
 * them, default 10) as "file:line: want ... got ..." and exits 1 if any
 * differ, 2 on a usage or read error, 0 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
is_word_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* The length of the token at s: a word, or one other character. */
static size_t
token_len(const char *s)
{
    size_t n = 0;

    if (!is_word_char((unsigned char)s[0]))
        return 1;
    while (s[n] != '\0' && is_word_char((unsigned char)s[n]))
        n++;
    return n;
}

/* Whether the n bytes at s are a finite decimal number; its value in *v. */
static int
as_number(const char *s, size_t n, double *v)
{
    char buf[128];
    char *end;
    size_t i = 0;

    if (n >= sizeof buf)
        return 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    if (s[i] == '.')
        i++;
    if (i >= n || !isdigit((unsigned char)s[i]))
        return 0;
    for (i = 0; i < n; i++)
        if (isalpha((unsigned char)s[i]) && s[i] != 'e' && s[i] != 'E')
            return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    *v = strtod(buf, &end);
    return *end == '\0' && isfinite(*v);
}

/*
 * Whether two lines (without their newline) match; if not, off[0] and
 * off[1] are the byte offsets of the first tokens that differ.
 */
static int
line_matches(const char *a, const char *b, double abs_tol, double rel_tol,
             size_t off[2])
{
    const char *a0 = a, *b0 = b;

    off[0] = off[1] = 0;
    while (*a != '\0' && *b != '\0') {
        size_t na = token_len(a), nb = token_len(b);
        double va, vb;

        if (as_number(a, na, &va) && as_number(b, nb, &vb)) {
            double m = fmax(fabs(va), fabs(vb));
            if (!(fabs(va - vb) <= abs_tol + rel_tol * m))
                return 0;
        } else if (na != nb || memcmp(a, b, na) != 0) {
            return 0;
        }
        a += na;
        b += nb;
        off[0] = (size_t)(a - a0);
        off[1] = (size_t)(b - b0);
    }
    return *a == '\0' && *b == '\0';
}

static double
parse_tol(const char *opt, const char *s)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= 0)) {
        fprintf(stderr, "tsvcmp: -%s: bad tolerance '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

static void
chomp(char *s, ssize_t *n)
{
    if (*n > 0 && s[*n - 1] == '\n')
        s[--*n] = '\0';
}

int
main(int argc, char **argv)
{
    double abs_tol = 1e-6, rel_tol = 1e-5;
    long max_shown = 10, line = 0, bad = 0;
    char *la = NULL, *lb = NULL;
    size_t ca = 0, cb = 0, off[2];
    FILE *fa, *fb;
    int c;

    while ((c = getopt(argc, argv, "a:n:r:")) != -1) {
        switch (c) {
        case 'a':
            abs_tol = parse_tol("a", optarg);
            break;
        case 'n':
            max_shown = strtol(optarg, NULL, 10);
            break;
        case 'r':
            rel_tol = parse_tol("r", optarg);
            break;
        default:
            fprintf(stderr, "usage: tsvcmp [-a abs] [-r rel] [-n max] "
                            "expected got\n");
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: tsvcmp [-a abs] [-r rel] [-n max] "
                        "expected got\n");
        return 2;
    }
    fa = fopen(argv[optind], "r");
    fb = fopen(argv[optind + 1], "r");
    if (fa == NULL || fb == NULL) {
        fprintf(stderr, "tsvcmp: %s: %s\n",
                argv[fa == NULL ? optind : optind + 1], strerror(errno));
        return 2;
    }
    for (;;) {
        ssize_t na = getline(&la, &ca, fa);
        ssize_t nb = getline(&lb, &cb, fb);

        if (na < 0 && nb < 0)
            break;
        line++;
        if (na >= 0)
            chomp(la, &na);
        if (nb >= 0)
            chomp(lb, &nb);
        off[0] = off[1] = 0;
        if (na >= 0 && nb >= 0 && line_matches(la, lb, abs_tol, rel_tol, off))
            continue;
        if (bad++ < max_shown) {
            /* long lines (HTML, JSON) from a little before the change */
            size_t from_a = off[0] > 40 ? off[0] - 40 : 0;
            size_t from_b = off[1] > 40 ? off[1] - 40 : 0;
            printf("%s:%ld: byte %zu:\n  want %.160s\n  got  %.160s\n",
                   argv[optind + 1], line, off[1] + 1,
                   na >= 0 ? la + from_a : "(end of file)",
                   nb >= 0 ? lb + from_b : "(end of file)");
        }
        if (na < 0 || nb < 0)
            break;
    }
    if (ferror(fa) || ferror(fb)) {
        fprintf(stderr, "tsvcmp: read error\n");
        return 2;
    }
    if (bad > max_shown)
        printf("%s: %ld more differing lines\n", argv[optind + 1],
               bad - max_shown);
    free(la);
    free(lb);
    fclose(fa);
    fclose(fb);
    return bad > 0;
}
