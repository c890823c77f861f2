/* SPDX-License-Identifier: MIT */
/* Group weights as a user gives them (as/search.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"
#include "as/search.h"
#include "internal.h"

#define MAX_WEIGHT 1e6
/* The least weight above 0. The squared distances of a group weighed
 * alone scale with its weight squared: at 1e-160, rounding moves cosine
 * distances (0.311828 for 0.311683 on the test fixtures), and from
 * about 1e-165 they underflow, every entry at 1 (cosine) or 0
 * (euclidean), a ranking by path. A ratio of 1e12 between the weights
 * given is far from both and leaves room for any use. */
#define MIN_WEIGHT 1e-6

/* The group named by the len bytes at s, or AS_G_COUNT. */
static int
group_of(const char *s, size_t len)
{
    int g = 0;
    while (g < AS_G_COUNT &&
           (strlen(as_group_name((enum as_group)g)) != len ||
            strncmp(as_group_name((enum as_group)g), s, len) != 0))
        g++;
    return g;
}

/* At most this many bytes of a part are quoted back. */
#define QUOTED 40

int
as_group_weights_parse(const char *spec, double *w, int *given, char *why,
                       size_t why_len)
{
    if (spec == NULL || w == NULL)
        return as__refuse(why, why_len, "no weights");
    double nw[AS_G_COUNT];
    int set[AS_G_COUNT] = {0};
    for (const char *p = spec; *p != '\0';) {
        size_t len = strcspn(p, ",");
        const char *next = p + len + (p[len] == ',');
        if (len == 0) { /* an empty part, as in "a=1,,b=2" */
            p = next;
            continue;
        }
        /* parts are read where they are, quoted back cut to QUOTED */
        int q = len > QUOTED ? QUOTED : (int)len;
        const char *more = len > QUOTED ? "..." : "";
        const char *eq = memchr(p, '=', len);
        if (eq == NULL)
            return as__refuse(why, why_len, "'%.*s%s' is not group=weight", q,
                              p, more);
        size_t nlen = (size_t)(eq - p);
        int g = group_of(p, nlen);
        if (g == AS_G_COUNT) {
            char names[128] = "";
            for (int k = 0; k < AS_G_COUNT; k++) {
                strcat(names, k ? ", " : "");
                strcat(names, as_group_name((enum as_group)k));
            }
            int qn = nlen > QUOTED ? QUOTED : (int)nlen;
            return as__refuse(why, why_len, "'%.*s%s' is not a group (%s)", qn,
                              p, nlen > QUOTED ? "..." : "", names);
        }
        const char *num = eq + 1;
        size_t vlen = (size_t)(p + len - num);
        int qv = vlen > QUOTED ? QUOTED : (int)vlen;
        const char *vmore = vlen > QUOTED ? "..." : "";
        char *end;
        /* the number ends at the part's end; a ',' is no part of one */
        double v = strtod(num, &end);
        /* overflow is infinite; underflow is rounding, not refused */
        if (vlen == 0 || end != p + len || !isfinite(v))
            return as__refuse(why, why_len, "'%.*s%s' is not a number", qv, num,
                              vmore);
        if (v < 0.0 || v > MAX_WEIGHT)
            return as__refuse(why, why_len, "%.*s%s is out of range (0 to %g)",
                              qv, num, vmore, MAX_WEIGHT);
        if (v > 0.0 && v < MIN_WEIGHT)
            return as__refuse(why, why_len,
                              "%.*s%s is too small (0, or at least %g)", qv,
                              num, vmore, MIN_WEIGHT);
        nw[g] = v;
        set[g] = 1;
        p = next;
    }
    for (int g = 0; g < AS_G_COUNT; g++)
        if (set[g]) {
            w[g] = nw[g];
            if (given != NULL)
                given[g] = 1;
        }
    return AS_OK;
}

int
as_group_weights_usable(const as_index *ix, const double *w)
{
    if (ix == NULL || w == NULL)
        return 0;
    int present[AS_G_COUNT];
    as_index_feature_groups(ix, present);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (present[g] && w[g] > 0.0)
            return 1;
    return 0;
}
