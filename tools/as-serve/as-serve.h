/* SPDX-License-Identifier: MIT */
/* as-serve: what its files share. */
#ifndef AS_SERVE_H
#define AS_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "as/as.h"
#include "cache.h"
#include "common/cli.h"

struct serve_opts {
    const char *listen;     /* ADDR:PORT */
    const char *token_file; /* NULL: none */
    char *token;            /* its contents */
    const char *origin;     /* -A: CORS origin, NULL: no CORS */
    const char *dir;        /* -C: where relative entry paths start */
    int dirfd;
    char *dir_abs; /* dir made absolute, NULL if it could not be: how a
                      path= typed another way is found (as_entry_find) */
    int insecure;
    int quiet_log;         /* -q: no access log */
    size_t max_upload;     /* bytes */
    double max_duration_s; /* -d: an upload's audio; 0: no limit */
    double request_timeout_s;
    unsigned idle_timeout_s;
    unsigned max_connections;
    unsigned jobs;
    int no_batch; /* -B: every search scans alone, in its HTTP thread */
    int approx;   /* -a: load INDEX.ann; approx=1 searches it */
    char **index_paths;
    size_t n_index;
};

/* ---- lib.c: the indexes, as one generation per version of the files ---- */

/* Everything a request reads from the indexes. A generation stays
 * mapped while any request holds it, so a request that began before the
 * files were replaced finishes on the old mapping. */
struct gen {
    unsigned long id;
    as_index **ix;
    size_t n;
    size_t *offset; /* global id of each shard's first entry */
    size_t total;   /* entries in all shards */
    size_t dim;
    int present[AS_G_COUNT]; /* as_index_feature_groups() */
    as_kinds **kinds; /* per shard, its kind tags (as-extract -K) or NULL */
    int tagged;       /* some shard has tags: results carry kind, kind_p */
    const as_featureset *extract; /* the set that extracts the columns,
                                     NULL if none does */
    struct as_index_ident *files; /* the files as opened */
    pthread_mutex_t mu;
    as_searcher **searchers; /* idle ones */
    size_t n_searchers;
    as_extractor **extractors; /* idle ones */
    size_t n_extractors;
    struct as_library_summary *summary; /* for /stats, counted once */
    /* computed once, in the background (api_cached) */
    struct cache_slot *clusters;     /* per shard */
    struct cache_slot *maps;         /* per shard, method and dims */
    struct cache_slot *pages;        /* the same as the dashboard's data */
    double **places;                 /* per shard, method and dims: where a
                                        map puts the entries (page_place),
                                        NULL until placed; under mu */
    struct cache_slot dups;          /* the default duplicate report */
    struct cache_slot anomalies[3];  /* scores by enum as_anomaly_method,
                                        its default neighbours */
    struct cache_slot *cluster_runs; /* per shard and enum
                                        as_cluster_method, its defaults */
    struct keyed_slot *dup_slots;    /* the other duplicate reports, by
                                        their parameters: GEN_KEPT_SLOTS of
                                        them, n_dup_slots taken (under mu) */
    size_t n_dup_slots;
    struct keyed_slot *run_slots; /* anomaly scores and clusters with k=,
                                     the same way */
    size_t n_run_slots;
    unsigned long kept_clock; /* keyed_slot.used's clock (under mu) */
    as_ann *ann;              /* --approx: the graph of the one index,
                                 NULL when unusable (approx=1 is then
                                 answered exactly) */
    unsigned refs;            /* under the state's lock */
};

/* Duplicate reports with filters or another difference kept per
 * generation, and as many anomaly scores and clusters with k=; beyond
 * as many different ones of a kind, the one least recently asked for
 * gives its slot to the new one (see struct keyed_slot). */
#define GEN_KEPT_SLOTS 16
/* How long an answer computed and not yet read keeps its slot when
 * no other can be given up: the request that asked for it was answered
 * 503 and is to ask again (a client that gave up holds it no longer). */
#define KEPT_UNREAD_S 15.0
/* The largest k= of /anomalies (neighbours: each index holds entries x k
 * of them while it is scored) and of /clusters (k-means' time grows with
 * it): what one request may ask of the server. */
#define API_MAX_K 100

/* An answer kept under the request parameters that give it. A request
 * holds its slot while it reads the answer, and a computation while it
 * is queued or runs; a slot no one holds can be given to other
 * parameters: the one least recently asked for among those whose answer
 * was read (or failed, or is none), else the one computed longest ago
 * among those unread for KEPT_UNREAD_S seconds or more. */
struct keyed_slot {
    char *key; /* NULL: the slot is free */
    struct cache_slot slot;
    unsigned holds;     /* under the generation's mu, as the rest */
    unsigned long used; /* when last asked for (gen.kept_clock) */
    double computed;    /* when its answer was computed (monotonic
                           seconds), 0 once a request read it */
};

/* Opens the indexes (reporting failures as "as-serve: path: reason");
 * NULL when one fails. With --approx, also INDEX.ann: when it cannot be
 * used (missing, stale, damaged), NULL if first is set (the server does
 * not start), else a warning and a generation without it. */
struct gen *gen_open(char *const *paths, size_t n, unsigned long id, int first);
/* Whether any index file differs from what g opened. */
int gen_stale(const struct gen *g, char *const *paths);
/* The identities of the files at paths now (zeros for one that cannot
 * be read), and whether ids holds exactly those, their inode change times
 * included (a chmod is a change). */
void gen_files_get(struct as_index_ident *ids, char *const *paths, size_t n);
int gen_files_are(const struct as_index_ident *ids, char *const *paths,
                  size_t n);
/* The current generation, held for a request. */
struct gen *gen_acquire(void);
/* One more hold on g, which the caller already holds. */
void gen_hold(struct gen *g);
void gen_release(struct gen *g);
/* Makes g current (taking the caller's reference). */
void gen_install(struct gen *g);
/* Whether g is the current generation (a replaced one is never current
 * again). */
int gen_is_current(const struct gen *g);
/* Drops the current generation (at exit). */
void gen_shutdown(void);
/* A searcher / extractor for this request (NULL: out of memory or a
 * damaged index, *st says which); give it back when done. */
as_searcher *gen_searcher(struct gen *g, int *st);
void gen_searcher_put(struct gen *g, as_searcher *s);
as_extractor *gen_extractor(struct gen *g, int *st);
void gen_extractor_put(struct gen *g, as_extractor *x);
/* Global id -> shard and entry; 0, or -1 when out of range. */
int gen_locate(const struct gen *g, size_t id, size_t *shard, size_t *entry);
/* Whether entry i of shard h is the one its path names (not shadowed by
 * a later shard); 0 too when that cannot be read. */
int gen_visible(const struct gen *g, size_t h, size_t i);
/* The kind of entry i of shard h, as as-search tells it (the most
 * probable class of its tags) and that class's probability; 0, or -1
 * when the shard has no tags or the row cannot be read (*kind NULL). */
int gen_kind(const struct gen *g, size_t h, size_t i, const char **kind,
             double *kind_p);

/* ---- http.c: responses ---- */

struct req;
struct MHD_Connection;

/* A JSON body under construction (open_memstream). */
struct body {
    FILE *fp;
    char *buf;
    size_t len;
};
int body_open(struct body *b);
/* Ends the body: its text (b->len bytes and a NUL, the caller's to free),
 * or NULL when a write to it failed (out of memory; nothing to free). */
char *body_close(struct body *b);
/* Ends the body and frees it: for a body given up on an error. */
void body_discard(struct body *b);

/* Queue responses; each returns the MHD result to return. */
int reply_body(struct MHD_Connection *c, struct req *r, unsigned status,
               struct body *b, const char *type);
int reply_static(struct MHD_Connection *c, struct req *r, unsigned status,
                 const char *text, const char *type);
int reply_error(struct MHD_Connection *c, struct req *r, unsigned status,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The seconds a 503 of reply_error() gives in Retry-After (default 1). */
void reply_retry_after(struct req *r, unsigned seconds);

/* What a handler sees of its request. */
struct request {
    struct MHD_Connection *c;
    struct req *r;
    const char *method;
    const char *path; /* decoded path, no query */
    const struct form_query *query;
    const unsigned char *body; /* POST body, whole */
    size_t body_len;
    int body_fd; /* the same in an unlinked temp file, or -1 */
    const char *content_type;
    const char *range;
};

/* ---- api.c: the endpoints ---- */

int api_handle(const struct request *q, struct gen *g);
extern const struct serve_opts *api_opts;

/* An answer computed once per generation, in the background. */
struct bg_job {
    struct gen *g; /* held while the job lives */
    size_t h;      /* shard */
    int method;    /* maps: AS_MAP_PCA, AS_MAP_TSNE or AS_MAP_UMAP;
                      anomalies: enum as_anomaly_method */
    size_t dims;   /* maps: 2 or 3 */
    size_t k;      /* anomalies: neighbours, 0: the method's default */
    /* duplicates: the largest difference, and the filter (NULL: none),
     * freed with the job */
    double difference;
    as_entry_filter *filter;
    /* computes the answer (a malloc'd string) or fails with *st */
    char *(*build)(const struct bg_job *j, int *st);
    /* answered 400 when the computation fails with AS_EINVAL, or NULL */
    const char *einval;
    /* the kept slot the computation fills, held while the job lives (set
     * by api.c), or NULL */
    struct keyed_slot *kept;
};
/* Answers the request with the answer slot holds; when the slot is
 * empty, job (copied) computes it in the background, one computation
 * at a time in the whole server, and the request waits up to
 * BG_WAIT_S seconds for it. An answer not there by then is 503, with
 * Retry-After, naming `what` that is being computed. */
#define BG_WAIT_S 2.0
int api_cached(const struct request *q, struct gen *g, struct cache_slot *slot,
               const struct bg_job *job, const char *what);
/* Drops the computations queued for generations no longer current
 * (after a reload): a request waiting on one is answered 503. */
void api_drop_replaced(void);
/* api_cached() for a map of shard h: slots are g->maps or g->pages (by
 * page_slot()), build computes the answer. */
int api_map_cached(const struct request *q, struct gen *g, size_t h, int method,
                   size_t dims, char *(*build)(const struct bg_job *j, int *st),
                   struct cache_slot *slots);

/* ---- page.c: the dashboard ---- */

/* GET /: the dashboard page (it holds no data: its script asks the API,
 * so it is served without the token). */
int page_dashboard(const struct request *q);
/* GET /map?format=page: the map of shard h as the dashboard's script
 * reads it (tools/common/mappage.h), built once per generation
 * (api_cached). */
int page_map(const struct request *q, struct gen *g, size_t h, int method,
             size_t dims);
/* The coordinates of shard h's entries on a map (as_map_place(), default
 * options but the method and dimensions), placed once per generation:
 * the points and the page of a map share them. They belong to g (not to
 * be changed or freed); NULL on failure (*st). */
double *page_place(struct gen *g, size_t h, int method, size_t dims, int *st);
/* Where the map of shard h by method and dims is kept (g->pages,
 * g->maps and g->places). */
size_t page_slot(size_t h, int method, size_t dims);
/* The maps' methods: AS_MAP_TSNE, AS_MAP_PCA and AS_MAP_UMAP (0 to
 * PAGE_METHODS - 1), by the name the API takes and gives ("tsne", "pca",
 * "umap") and the one a page shows ("t-SNE", "PCA", "UMAP"). */
#define PAGE_METHODS 3
const char *page_method_name(int method);
const char *page_method_title(int method);
/* The method called name; -1 for none. */
int page_method(const char *name);

/* One search of /search, from its request to its answer. */
struct search_job {
    struct search_job *next;  /* in the batch queue */
    struct gen *g;            /* held by the request */
    char *name;               /* the query, as the answer names it */
    double duration_s;        /* < 0: unknown */
    float *v;                 /* its g->dim raw values */
    struct as_entry_ref self; /* left out of its results (AS_NO_SHARD:
                                 nothing) */
    size_t k;
    char *filters;       /* the filter parameters as one string: equal strings,
                            equal masks */
    as_entry_mask *mask; /* NULL: every entry */
    int weighed;         /* w holds the request's group weights */
    int approx;          /* searched through g->ann, ef candidates */
    int ranked_all;      /* approx, but every entry ranked: exact */
    size_t ef;
    double w[AS_G_COUNT];
    struct MHD_Connection *conn; /* suspended while the job waits */
    int st;                      /* AS_OK: the answer is body */
    char *body;
    size_t len;
};
/* Whether one scan may answer both: the same generation, filters and
 * weights, and for approximate searches the same candidates and depth
 * (k and the left-out entry may differ). */
int search_jobs_compatible(const struct search_job *a,
                           const struct search_job *b);
/* Answers n compatible jobs with one scan (st and body of each). */
void search_jobs_run(struct search_job *const *jobs, size_t n);
/* Queues j's answer on its connection and frees j. */
int search_job_reply(struct MHD_Connection *c, struct req *r,
                     struct search_job *j);
void search_job_free(struct search_job *j);
/* Searches answered, and the scans that answered them. */
void search_counts(unsigned long *searches, unsigned long *scans);

/* ---- batch.c: searches that wait together are scanned together ---- */

/* Starts the workers; the queue holds at most capacity jobs. 0, or -1
 * (reported). */
int batch_start(unsigned workers, size_t capacity);
/* A place in the queue for one job: 0, -1 when it is full, -2 once
 * batch_stop() has begun (no worker may be left to answer it). */
int batch_reserve(void);
/* Queues j (in the place reserved) for the next free worker, which
 * answers it with every waiting job compatible with it, then resumes
 * its connection. */
void batch_submit(struct search_job *j);
/* Refuses new places, answers what is queued and every job given a
 * place (waiting for its batch_submit), then stops the workers. */
void batch_stop(void);

/* ---- docs.c ---- */
extern const char openapi_json[];
extern const char docs_html[];

#endif
