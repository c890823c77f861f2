/* SPDX-License-Identifier: MIT */
/*
 * as-search --duplicates: the groups as_dup_groups_find makes (equal
 * audio, or with a distance above 0 features this close), each
 * member's distance to the group's first path, and whether another
 * member holds the very same audio ("identical") or none does ("near").
 */
#include <stdio.h>

#include "as-search.h"
#include "as/as.h"

static int
print_group(const struct opts *o, const struct lib *lib, size_t number,
            const struct as_dup_member *m, size_t n)
{
    if (o->json)
        printf("{\"group\":%zu,\"files\":[", number);
    for (size_t j = 0; j < n; j++) {
        struct as_index_entry e;
        if (entry_get(lib, m[j].ref.shard, m[j].ref.entry, &e))
            return 1;
        if (o->json) {
            fputs(j ? ",{\"filename\":" : "{\"filename\":", stdout);
            cli_json_string(stdout, e.path);
            fputs(",\"label\":", stdout);
            cli_json_string(stdout, e.label);
            fputs(",\"duration\":", stdout);
            if (e.duration_s >= 0.0)
                printf("%.6f", e.duration_s);
            else
                fputs("null", stdout);
            printf(",\"distance\":%.6f,\"identical\":%s}", m[j].distance,
                   m[j].identical ? "true" : "false");
        } else {
            printf("%zu\t%zu\t", number, j + 1);
            cli_tsv_field(stdout, e.path);
            putchar('\t');
            cli_tsv_field(stdout, e.label);
            putchar('\t');
            if (e.duration_s >= 0.0)
                printf("%.6f", e.duration_s);
            printf("\t%.6f\t%s\n", m[j].distance,
                   m[j].identical ? "identical" : "near");
        }
    }
    if (o->json)
        fputs("]}\n", stdout);
    return 0;
}

int
run_duplicates(const struct opts *o, struct lib *lib)
{
    struct as_dup_opts d;
    as_dup_opts_init(&d);
    d.max_distance = o->dup_distance;
    d.mask = as_entry_mask_rows(lib->mask);
    as_dup_groups *g;
    int st = as_dup_groups_find(&g, lib->s, &d);
    if (st != AS_OK) {
        lib_damage(lib, st);
        cli_warn_status(NULL, st);
        return 1;
    }
    if (!o->json && o->header)
        puts("group\tmember\tpath\tlabel\tduration_s\tdistance\taudio");
    int failed = 0;
    for (size_t i = 0; i < as_dup_groups_count(g) && !failed; i++) {
        size_t n;
        const struct as_dup_member *m = as_dup_groups_get(g, i, &n);
        failed = print_group(o, lib, i + 1, m, n);
    }
    as_dup_groups_free(g);
    return failed;
}
