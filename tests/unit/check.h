/* SPDX-License-Identifier: MIT */
/*
 * A small check header for the unit tests: every failed check prints the
 * location, the expression, both values and the current context (set with
 * check_ctx), and main() ends with `return check_done();`.
 */
#ifndef AS_TESTS_CHECK_H
#define AS_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;
static char check_context[512];

#define check_ctx(...)                                                         \
    snprintf(check_context, sizeof check_context, __VA_ARGS__)

#define CHECK_FAIL_(...)                                                       \
    do {                                                                       \
        fprintf(stderr, "%s:%d: [%s] ", __FILE__, __LINE__, check_context);    \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        check_failures++;                                                      \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond))                                                           \
            CHECK_FAIL_("CHECK(%s) failed", #cond);                            \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        check_count++;                                                         \
        if (a_ != b_)                                                          \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);             \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        check_count++;                                                         \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                   \
            CHECK_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b,                  \
                        a_ ? a_ : "(null)", b_ ? b_ : "(null)");               \
    } while (0)

/* |a - b| <= tol, with both values printed on failure. */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);         \
        check_count++;                                                         \
        if (!(fabs(a_ - b_) <= t_))                                            \
            CHECK_FAIL_("%s ~ %s: %.9g vs %.9g (|diff| %.3g > %.3g)", #a, #b,  \
                        a_, b_, fabs(a_ - b_), t_);                            \
    } while (0)

/* A library status, printed by name on failure. */
#define CHECK_STATUS(expr, want)                                               \
    do {                                                                       \
        int s_ = (expr), w_ = (want);                                          \
        check_count++;                                                         \
        if (s_ != w_)                                                          \
            CHECK_FAIL_("%s: status %d (%s), want %d (%s)", #expr, s_,         \
                        as_strerror(s_), w_, as_strerror(w_));                 \
    } while (0)

static int
check_done(void)
{
    if (check_failures > 0) {
        fprintf(stderr, "%d of %d checks failed\n", check_failures,
                check_count);
        return 1;
    }
    printf("%d checks passed\n", check_count);
    return 0;
}

#endif
