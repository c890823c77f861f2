/* SPDX-License-Identifier: MIT */
/*
 * as-search --duplicates: the groups as_dup_groups_find makes (equal
 * audio, and with -e above 0 the same recording changed by gain, bit
 * depth, rate, coding or silence, confirmed on the audio), each
 * member's feature distance to the group's first path, whether another
 * member holds the very same audio ("identical") or none does ("near"),
 * and the difference of its audio to the first member's in dB.
 */
#include <errno.h>
#include <stdio.h>

#include "as-search.h"
#include "as/as.h"

static int
print_group(const struct opts *o, const struct lib *lib, size_t number,
            const struct as_dup_member *m, size_t n)
{
    struct rec *r = o->out;
    int json = rec_json(r);
    char group[32]; /* the first column of its members' rows */
    snprintf(group, sizeof group, "%zu", number);
    if (json) {
        rec_begin(r);
        rec_size(r, "group", number);
        rec_array(r, "files");
    }
    for (size_t j = 0; j < n; j++) {
        struct as_index_entry e;
        if (entry_get(lib, m[j].ref.shard, m[j].ref.entry, &e))
            return 1;
        result_begin(r, group, j + 1);
        rec_path(r, e.path);
        rec_label(r, e.label);
        rec_duration(r, e.duration_s);
        rec_real(r, "distance", "%.6f", m[j].distance);
        if (json)
            rec_bool(r, "identical", m[j].identical);
        else
            rec_str(r, NULL, m[j].identical ? "identical" : "near");
        rec_real(r, "difference_db", "%.2f", m[j].difference);
        result_end(r);
    }
    if (json)
        rec_end(r);
    return 0;
}

/* A file that could not be decoded to confirm a candidate: warned
 * about, and the exit status becomes 1. */
static void
unreadable(void *ctx, struct as_entry_ref ref, const char *path, int status,
           int err)
{
    (void)ref;
    int *failed = ctx;
    *failed = 1;
    char buf[64];
    cli_input_warnx(path, "%s",
                    cli_entry_reason(path, status, err, buf, sizeof buf));
}

int
run_duplicates(const struct opts *o, struct lib *lib)
{
    int unread = 0;
    struct as_dup_opts d;
    as_dup_opts_init(&d);
    d.max_difference = o->dup_difference;
    d.mask = as_entry_mask_rows(lib->mask);
    d.threads = o->jobs;
    d.unreadable = unreadable;
    d.unreadable_ctx = &unread;
    as_dup_groups *g;
    int st = as_dup_groups_find(&g, lib->s, &d);
    if (st != AS_OK) {
        lib_fail(lib, st);
        return 1;
    }
    rec_header(o->out,
               "group\tmember\t" REC_COL_PATH "\tlabel\t" REC_COL_DURATION
               "\tdistance\taudio\tdifference_db");
    int failed = 0;
    for (size_t i = 0; i < as_dup_groups_count(g) && !failed; i++) {
        size_t n;
        const struct as_dup_member *m = as_dup_groups_get(g, i, &n);
        failed = print_group(o, lib, i + 1, m, n);
    }
    as_dup_groups_free(g);
    return failed || unread;
}
