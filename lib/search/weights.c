/* SPDX-License-Identifier: MIT */
/* Group weights as a user gives them (as/search.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/error.h"
#include "as/kind.h"
#include "as/search.h"
#include "internal.h"

#define MAX_WEIGHT 1e6

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
        if (len == 0) { /* an empty part, as in "a=1,,b=2" */
            p++;
            continue;
        }
        /* the part, a number's text at most: short enough to copy */
        char part[128];
        if (len >= sizeof part)
            return as__refuse(why, why_len, "'%.*s...' is not group=weight", 32,
                              p);
        memcpy(part, p, len);
        part[len] = '\0';
        p += len + (p[len] == ',');
        char *eq = strchr(part, '=');
        if (eq == NULL)
            return as__refuse(why, why_len, "'%s' is not group=weight", part);
        *eq = '\0';
        int g = group_of(part, strlen(part));
        if (g == AS_G_COUNT) {
            char names[128] = "";
            for (int k = 0; k < AS_G_COUNT; k++) {
                strcat(names, k ? ", " : "");
                strcat(names, as_group_name((enum as_group)k));
            }
            return as__refuse(why, why_len, "'%s' is not a group (%s)", part,
                              names);
        }
        const char *num = eq + 1;
        char *end;
        errno = 0;
        double v = strtod(num, &end);
        if (end == num || *end != '\0' || errno == ERANGE || !isfinite(v))
            return as__refuse(why, why_len, "'%s' is not a number", num);
        if (v < 0.0 || v > MAX_WEIGHT)
            return as__refuse(why, why_len, "%s is out of range (0 to %g)", num,
                              MAX_WEIGHT);
        nw[g] = v;
        set[g] = 1;
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
