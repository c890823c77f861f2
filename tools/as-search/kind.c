/* SPDX-License-Identifier: MIT */
/* as-search: the kind tags (-K, --like, and the kind of results). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "as-search.h"
#include "common/filter.h"
#include "common/record.h"

int
kinds_open(const struct opts *o, struct lib *lib)
{
    int want = o->like != NULL || o->n_kinds > 0;
    lib->kinds = cli_xrealloc(NULL, lib->n * sizeof *lib->kinds);
    /* kinds_close() frees them all, also after a shard below failed */
    memset(lib->kinds, 0, lib->n * sizeof *lib->kinds);
    for (size_t h = 0; h < lib->n; h++) {
        /* an index without tags shows no kind unless asked to */
        int st = as_kinds_of_index(&lib->kinds[h], NULL, lib->ix[h], !want);
        if (st == AS_EMISMATCH) {
            cli_warnx(lib->path[h], "no kind tags (as-extract -K), and not "
                                    "the columns of the kind model");
            return 1;
        }
        if (st != AS_OK) {
            cli_warn_status(lib->path[h], st);
            return 1;
        }
        if (lib->kinds[h] != NULL)
            lib->show_kind = 1;
    }
    /* the classes asked for must be the library's */
    const char *ask[2] = {o->like, NULL};
    size_t n_ask = o->like != NULL;
    for (size_t i = 0; i < o->n_kinds + n_ask; i++) {
        const char *k = i < n_ask ? ask[i] : o->kinds[i - n_ask];
        for (size_t h = 0; h < lib->n; h++) {
            if (lib->kinds[h] == NULL ||
                as_kinds_find(lib->kinds[h], k, NULL) == AS_OK)
                continue;
            cli_usage_error("%s: '%s' is not a kind of %s (%s)",
                            i < n_ask ? "--like" : "-K", k, lib->path[h],
                            cli_kind_list(lib->kinds[h]));
        }
    }
    return 0;
}

void
kinds_close(struct lib *lib)
{
    for (size_t h = 0; lib->kinds != NULL && h < lib->n; h++)
        as_kinds_free(lib->kinds[h]);
    free(lib->kinds);
    lib->kinds = NULL;
}

int
entry_kind(const struct lib *lib, size_t h, size_t i, const char **kind,
           double *kind_p)
{
    const as_kinds *k = lib->kinds != NULL ? lib->kinds[h] : NULL;
    if (k == NULL ||
        as_kinds_entry_kind(k, lib->ix[h], i, kind, kind_p) != AS_OK) {
        *kind = NULL;
        *kind_p = -1;
        return 1;
    }
    return 0;
}

int
run_like(const struct opts *o, struct lib *lib)
{
    /* one library, as a search makes of its shards (which --like does
     * not open a searcher for): the same columns */
    for (size_t h = 1; h < lib->n; h++)
        if (!as_featheader_same_names(as_index_header(lib->ix[h]),
                                      as_index_header(lib->ix[0]))) {
            cli_shards_differ(lib->path, lib->ix, lib->n);
            return 1;
        }
    struct as_kind_rank *v = cli_xrealloc(NULL, o->k * sizeof *v);
    size_t n;
    int st = as_kinds_rank(lib->kinds, lib->ix, lib->n, lib->mask, o->like,
                           o->k, v, &n);
    if (st != AS_OK) {
        lib_fail(lib, st);
        free(v);
        return 1;
    }
    struct rec *r = o->out;
    int json = rec_json(r);
    rec_header(r, "query\trank\t" REC_COL_PATH
                  "\tlabel\tprobability\tkind\tkind_p");
    if (json) {
        rec_begin(r);
        rec_object(r, "query");
        rec_str(r, "kind", o->like);
        rec_close(r);
        rec_array(r, "results");
    }
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        const char *kind;
        double kp;
        if (entry_get(lib, v[i].ref.shard, v[i].ref.entry, &e)) {
            free(v);
            return 1;
        }
        entry_kind(lib, v[i].ref.shard, v[i].ref.entry, &kind, &kp);
        result_begin(r, o->like, i + 1);
        rec_path(r, e.path);
        rec_label(r, e.label);
        rec_real(r, "probability", "%.4f", v[i].p);
        rec_str(r, "kind", kind);
        rec_real(r, "kind_p", "%.4f", kp);
        if (result_end(r) && o->crate != NULL)
            crate_add(o->crate, e.path);
    }
    if (json)
        rec_end(r);
    free(v);
    return 0;
}
