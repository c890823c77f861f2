/* SPDX-License-Identifier: MIT */
/* as-search: what its files share. */
#ifndef AS_SEARCH_TOOL_H
#define AS_SEARCH_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include "as/ann.h"
#include "as/features.h"
#include "as/filter.h"
#include "as/index.h"
#include "as/learn.h"
#include "as/search.h"
#include "as/kind.h"
#include "as/query.h"
#include "common/cli.h"
#include "common/options.h"
#include "common/record.h"

struct opts {
    size_t k;
    size_t limit;          /* --list: 0 for all */
    double max_distance;   /* < 0: none */
    double dup_difference; /* -e, dB */
    size_t jobs;           /* -j */
    double reason_threshold;
    enum as_metric metric;
    double weights[AS_G_COUNT];
    int weight_set[AS_G_COUNT];
    struct cli_common common; /* -H, -J, -z */
    int self, list, dups;
    int learned;                     /* -P */
    struct cli_list paths, features; /* -p, -F */
    as_entry_filter *filter;         /* -c, -g, -K, -l, -t */
    const char *crate_dir;           /* --copy-to or --link-to, or NULL */
    int crate_link;                  /* --link-to */
    struct rec *out;                 /* every record goes through it */
    struct crate *crate;             /* the matches to gather, or NULL */
    const char *like;   /* --like: rank by this kind's probability */
    const char **kinds; /* -K, as given */
    size_t n_kinds;
    int approx; /* -a: through the approximate index */
    size_t ef;  /* -E: its candidates per query */
};

/* The shards searched as one library. */
struct lib {
    as_index **ix;
    const char **path; /* as given */
    size_t n;
    as_searcher *s;
    as_projection *proj; /* -P */
    size_t dim;
    as_entry_mask *mask;     /* the listed entries; NULL: every visible
                                one (no filter, not built) */
    int present[AS_G_COUNT]; /* the index has columns of the group */
    as_kinds **kinds;        /* per shard, NULL: no kind known */
    int show_kind;           /* results have kind and kind_p columns */
    as_ann *ann;             /* -a: the approximate index, or NULL */
};

/* One query: a name, its duration and its raw feature vector. */
struct query {
    const char *name;
    double duration_s; /* -1: unknown */
    float *v;          /* lib->dim values */
    int has_self;      /* leave out this entry (a --path query) */
    uint32_t self_shard, self_entry;
};

/* main.c */
/* For AS_ECHECKSUM from reading the indexes: names the damaged index and
 * section and exits 1 (what was printed before came from checked bytes;
 * nothing computed from damaged ones is). Returns for any other st. */
void lib_damage(const struct lib *lib, int st);
/* A failure st of the whole library (a search, a ranking), reported as
 * the library's (its first index's) after lib_damage(). */
void lib_fail(const struct lib *lib, int st);
/* Starts the record of result rank (from 1) of a ranking: a TSV row
 * that begins with first (the query, or the group) and the rank, or
 * in JSON an object in the open array of results. */
void result_begin(struct rec *r, const char *first, size_t rank);
/* Ends it: 1, or 0 when it was left out (rec_end()). */
int result_end(struct rec *r);
/* Reads an entry's metadata, reporting a damaged index. 0 or 1. */
int entry_get(const struct lib *lib, size_t h, size_t i,
              struct as_index_entry *e);

/* crate.c: --copy-to and --link-to. The paths of the matches are
 * gathered as they are printed, then written into the folder at the end
 * (the naming rule is at the top of crate.c and in as-search(1)). */
struct crate {
    const char *dir;
    int link; /* symbolic links to the files instead of copies */
    char **paths;
    size_t n, cap;
};
void crate_init(struct crate *c, const char *dir, int link);
void crate_add(struct crate *c, const char *path);
/* Creates the folder if need be and puts every file in; 0, or 1 after
 * reporting a failure (the other files are still put in). */
int crate_write(struct crate *c);
void crate_free(struct crate *c);

/* kind.c */
/* The kind of each shard's entries (tags, or the built-in model when -K
 * or --like asks for kinds); checks the classes asked for. 0, or 1 after
 * reporting; an unknown class is a usage error. */
int kinds_open(const struct opts *o, struct lib *lib);
void kinds_close(struct lib *lib);
/* Entry i of shard h: its kind and that kind's probability. 0, or 1
 * when the entry has no kind (*kind NULL, *kind_p -1). */
int entry_kind(const struct lib *lib, size_t h, size_t i, const char **kind,
               double *kind_p);
/* --like: the entries that pass the filters by that kind's probability,
 * most probable first. 0, or 1 after reporting. */
int run_like(const struct opts *o, struct lib *lib);

/* dup.c */
/* --duplicates: returns 0, or 1 after reporting a failure. */
int run_duplicates(const struct opts *o, struct lib *lib);

#endif
