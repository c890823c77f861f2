/* SPDX-License-Identifier: MIT */
/* as-serve: the endpoints. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "as-serve.h"
#include "common/filter.h"
#include "common/record.h"
#include "form.h"
#include "http.h"

/* Results a search may ask for. */
#define MAX_RESULTS 1000

const struct serve_opts *api_opts;

/* A JSON answer: one record of the tools' record writer
 * (common/record.h), so that escaping and key names are decided there
 * as for as-search -J and the other tools. */
struct answer {
    struct body b;
    struct rec r;
};

/* Opens the answer's body and its record. 0, or -1 (out of memory). */
static int
answer_open(struct answer *a)
{
    if (body_open(&a->b) != 0)
        return -1;
    struct rec_opts o = {.json = 1};
    rec_init(&a->r, a->b.fp, &o);
    rec_begin(&a->r);
    return 0;
}

/* Ends the record: its text as body_close() gives it. */
static char *
answer_close(struct answer *a)
{
    rec_end(&a->r);
    rec_free(&a->r);
    return body_close(&a->b);
}

static void
answer_discard(struct answer *a)
{
    rec_free(&a->r);
    body_discard(&a->b);
}

/* Ends the record and answers 200 with it. */
static int
answer_reply(const struct request *q, struct answer *a)
{
    rec_end(&a->r);
    rec_free(&a->r);
    return reply_body(q->c, q->r, 200, &a->b, "application/json");
}

/* A whole decimal number in [min, max]; 0, or -1 if v is not one. */
static int
parse_size(const char *v, size_t min, size_t max, size_t *out)
{
    if (v == NULL || *v < '0' || *v > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != '\0' || errno != 0 || x < min || x > max)
        return -1;
    *out = (size_t)x;
    return 0;
}

/* Reports an error from reading the indexes: 500, naming a damaged
 * section. */
static int
index_error(const struct request *q, const struct gen *g, int st)
{
    if (st == AS_ECHECKSUM) {
        for (size_t h = 0; h < g->n; h++) {
            const char *s = as_index_damaged(g->ix[h]);
            if (s != NULL)
                return reply_error(q->c, q->r, 500,
                                   "index %s is damaged (checksum mismatch "
                                   "in %s)",
                                   api_opts->index_paths[h], s);
        }
    }
    if (st == AS_ENOMEM)
        return reply_error(q->c, q->r, 500, "out of memory");
    return reply_error(q->c, q->r, 500, "index: %s", as_strerror(st));
}

/* The fields of an entry every answer shares (the reference design's
 * genre beside the label). */
static void
entry_fields(struct rec *r, size_t id, const struct as_index_entry *e)
{
    rec_size(r, "id", id);
    rec_path(r, e->path);
    rec_str(r, "genre", e->label);
    rec_label(r, e->label);
    if (e->duration_s >= 0.0)
        rec_real(r, REC_KEY_DURATION, "%.6f", e->duration_s);
    else
        rec_null(r, REC_KEY_DURATION);
    if (e->cluster != AS_INDEX_NO_CLUSTER)
        rec_int(r, "cluster", e->cluster);
    else
        rec_null(r, "cluster");
}

/* The kind of entry i of shard h and its probability, as as-search -J
 * prints them, when the library has kind tags (as-extract -K). */
static void
kind_fields(struct rec *r, const struct gen *g, size_t h, size_t i)
{
    const char *kind;
    double p;
    if (!g->tagged)
        return;
    gen_kind(g, h, i, &kind, &p);
    rec_str(r, "kind", kind);
    if (kind != NULL)
        rec_real(r, "kind_p", "%.4f", p);
    else
        rec_null(r, "kind_p");
}

/* An entry's anomaly score, null without one. */
static void
anomaly_field(struct rec *r, const struct as_index_entry *e)
{
    if (e->flags & AS_ENTRY_HAS_ANOMALY)
        rec_real(r, "anomaly", "%.6f", (double)e->anomaly);
    else
        rec_null(r, "anomaly");
}

/* The link to an entry's audio. */
static void
audio_field(struct rec *r, size_t id)
{
    char url[64];
    snprintf(url, sizeof url, "/entries/%zu/audio", id);
    rec_str(r, "audio", url);
}

/* The query parameters that are filters (as/filter.h): label (or genre),
 * cluster, duration, glob (or path-glob), each repeatable. */
static int
is_filter_param(const char *name)
{
    enum as_filter_kind kind;
    return as_filter_kind_parse(name, &kind) == AS_OK;
}

/* Query parameters an endpoint takes; anything else is a 400, so that a
 * misspelt filter never silently widens a search. */
static int
check_params(const struct request *q, const char *const *names)
{
    long u = -1;
    int filters = names[0] != NULL && strcmp(names[0], "+filters") == 0;
    for (size_t i = 0; i < q->query->n && u < 0; i++) {
        /* "path%00x" is no path: a name with a NUL is no name we take */
        if (strlen(q->query->v[i].name) != q->query->v[i].name_len) {
            reply_error(q->c, q->r, 400,
                        "a query parameter's name holds a NUL byte");
            return 1;
        }
        size_t j = filters;
        while (names[j] != NULL && strcmp(names[j], q->query->v[i].name) != 0)
            j++;
        /* generation= is every endpoint's, checked before (http.c) */
        if (names[j] == NULL &&
            !(filters && is_filter_param(q->query->v[i].name)) &&
            strcmp(q->query->v[i].name, "generation") != 0)
            u = (long)i;
    }
    if (u < 0)
        return 0;
    char *n = cli_msg_name_dup(q->query->v[u].name);
    reply_error(q->c, q->r, 400, "unknown query parameter '%s'", n);
    free(n);
    return 1;
}

/* A parameter's value, 400 for one given twice or holding NUL: *out
 * NULL when absent. Returns 1 after replying. */
static int
param(const struct request *q, const char *name, const char **out)
{
    int dup = 0, bad = 0;
    *out = form_query_get(q->query, name, &dup, &bad);
    if (dup) {
        reply_error(q->c, q->r, 400, "query parameter '%s' given twice", name);
        return 1;
    }
    if (bad) {
        reply_error(q->c, q->r, 400, "query parameter '%s' holds a NUL byte",
                    name);
        return 1;
    }
    return 0;
}

/* ---- /healthz, /stats ---- */

static int
healthz(const struct request *q, const struct gen *g)
{
    static const char *const none[] = {NULL};
    if (check_params(q, none))
        return MHD_YES;
    struct answer a;
    if (answer_open(&a) != 0)
        return MHD_NO;
    rec_str(&a.r, "status", "ok");
    rec_size(&a.r, "entries", g->total);
    rec_int(&a.r, "generation", (long long)g->id);
    return answer_reply(q, &a);
}

/* The names and counts of an object of counts (labels, kinds). */
static void
stats_counts(struct rec *r, const char *key, const struct as_summary_count *c,
             size_t n)
{
    rec_object(r, key);
    for (size_t i = 0; i < n; i++)
        rec_size(r, c[i].name, c[i].n);
    rec_close(r);
}

/* What the library holds and how it is described. */
static void
stats_library(struct rec *r, const struct gen *g,
              const struct as_library_summary *sum)
{
    const struct as_index_summary *a = &sum->all;
    rec_size(r, "total_samples", a->entries);
    stats_counts(r, "genres", sum->labels, sum->n_labels);
    /* as as-stats -J: entries per kind, when the library has tags */
    if (g->tagged)
        stats_counts(r, "kinds", sum->kinds, sum->n_kinds);
    rec_size(r, "embedding_dimension", g->dim);
    rec_size(r, "labelled", a->labelled);
    rec_size(r, "unlabelled", a->entries - a->labelled);
    rec_size(r, "labels", sum->n_labels);
    /* the keys of as-stats -J, in its order */
    static const char *const keys[] = {"min_s", "median_s", "mean_s", "max_s",
                                       "total_s"};
    const double v[] = {a->duration_min_s, a->duration_median_s,
                        a->duration_mean_s, a->duration_max_s,
                        a->duration_total_s};
    rec_object(r, "duration");
    rec_size(r, "known", a->durations);
    rec_size(r, "unknown", a->entries - a->durations);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        rec_real(r, keys[i], "%.6f", a->durations ? v[i] : (double)NAN);
    rec_close(r);
}

/* The feature columns of the library, by group with their weights. */
static void
stats_features(struct rec *r, const struct gen *g,
               const struct as_library_summary *sum)
{
    /* as-stats -J's keys, and whether uploads can be extracted */
    const struct as_featheader *hd = as_index_header(g->ix[0]);
    static const char *const keys[] = {"rate_hz", "n_fft", "hop"};
    const int par[] = {hd->rate_hz, hd->n_fft, hd->hop};
    rec_object(r, "features");
    rec_str(r, "set", hd->set);
    rec_size(r, "dimension", g->dim);
    rec_str(r, "producer", hd->producer);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        if (par[i] > 0)
            rec_int(r, keys[i], par[i]);
        else
            rec_null(r, keys[i]);
    }
    rec_bool(r, "extractable", g->extract != NULL);
    rec_object(r, "groups");
    const double *w = as_index_group_weights(g->ix[0]);
    for (int gr = 0; gr < AS_G_COUNT; gr++) {
        size_t cols = sum->all.group_columns[gr];
        if (cols == 0)
            continue;
        rec_object(r, as_group_name((enum as_group)gr));
        rec_size(r, "columns", cols);
        rec_real(r, "weight", "%.9g", w[gr]);
        rec_close(r);
    }
    rec_close(r);
    rec_close(r);
}

static int
stats(const struct request *q, struct gen *g)
{
    static const char *const none[] = {NULL};
    if (check_params(q, none))
        return MHD_YES;
    /* the summary of a generation is counted once */
    pthread_mutex_lock(&g->mu);
    int st = AS_OK;
    if (g->summary == NULL) {
        struct as_library_summary *sum = malloc(sizeof *sum);
        st = sum == NULL
                 ? AS_ENOMEM
                 : as_library_summarize(g->ix, g->n, NULL, g->kinds, sum);
        if (st == AS_OK)
            g->summary = sum;
        else
            free(sum);
    }
    const struct as_library_summary *sum = g->summary;
    pthread_mutex_unlock(&g->mu);
    if (sum == NULL)
        return index_error(q, g, st);
    struct answer a;
    if (answer_open(&a) != 0)
        return MHD_NO;
    struct rec *r = &a.r;
    stats_library(r, g, sum);
    stats_features(r, g, sum);
    rec_int(r, "clusters", sum->all.clusters);
    rec_size(r, "anomaly_scores", sum->all.anomalies);
    rec_array(r, "shards");
    for (size_t h = 0; h < g->n; h++) {
        rec_object(r, NULL);
        rec_str(r, "path", api_opts->index_paths[h]);
        rec_size(r, "entries", as_index_count(g->ix[h]));
        rec_int(r, "format_version", as_index_version(g->ix[h]));
        rec_close(r);
    }
    rec_close(r);
    rec_int(r, "generation", (long long)g->id);
    /* what changes per request */
    unsigned long searches, scans;
    search_counts(&searches, &scans);
    rec_object(r, "server");
    rec_int(r, "requests", (long long)http_requests());
    rec_int(r, "in_flight", http_in_flight());
    rec_int(r, "searches", (long long)searches);
    rec_int(r, "scans", (long long)scans);
    return answer_reply(q, &a);
}

/* ---- /entries/{id} and its audio ---- */

static const char *
audio_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".wav", "audio/wav"},   {".wave", "audio/wav"},
        {".flac", "audio/flac"}, {".mp3", "audio/mpeg"},
        {".ogg", "audio/ogg"},   {".oga", "audio/ogg"},
        {".opus", "audio/ogg"},  {".aif", "audio/aiff"},
        {".aiff", "audio/aiff"}, {".aifc", "audio/aiff"},
        {".caf", "audio/x-caf"}, {".au", "audio/basic"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}

/* The decimal number at p (a digit), into *v, saturated: a position
 * past any file is past this one (RFC 9110 asks for no limit on the
 * digits); the end into *end. */
static void
range_num(const char *p, const char **end, uint64_t *v)
{
    uint64_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
    }
    *v = n;
    *end = p;
}

/* Whether the digits [a, ae) make a smaller number than [b, be): by
 * length past leading zeros, then digit by digit, so that positions
 * range_num() saturated still compare as written. */
static int
digits_less(const char *a, const char *ae, const char *b, const char *be)
{
    while (a + 1 < ae && *a == '0')
        a++;
    while (b + 1 < be && *b == '0')
        b++;
    if (ae - a != be - b)
        return ae - a < be - b;
    return strncmp(a, b, (size_t)(ae - a)) < 0;
}

/* Parses a Range header against a file of size bytes: 0 with the first
 * and last byte; 1 when it is to be ignored (not bytes=, several
 * ranges, a last position before the first); -1 when it cannot be
 * satisfied. */
static int
parse_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
    if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
        return 1;
    const char *p = h + 6, *end;
    uint64_t a, b;
    if (*p == '-') {
        if (p[1] < '0' || p[1] > '9')
            return 1;
        range_num(p + 1, &end, &b);
        if (*end != '\0')
            return 1;
        if (b == 0 || size == 0)
            return -1;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 0;
    }
    if (*p < '0' || *p > '9')
        return 1;
    const char *from = p;
    range_num(p, &end, &a);
    if (*end != '-')
        return 1;
    const char *from_end = end;
    p = end + 1;
    b = size ? size - 1 : 0;
    if (*p != '\0') {
        if (*p < '0' || *p > '9')
            return 1;
        range_num(p, &end, &b);
        if (*end != '\0' || digits_less(p, end, from, from_end))
            return 1;
        if (b >= size)
            b = size - 1;
    }
    if (a >= size)
        return -1;
    *first = a;
    *last = b;
    return 0;
}

/* An audio file sent from first for len bytes. Not by
 * MHD_create_response_from_fd_at_offset64(): when the file shrinks while
 * it is sent, libmicrohttpd (0.9.75) finds nothing more to send and waits,
 * the client with it, until the idle timeout (-i); this reader ends the
 * connection at once, which tells the client the body is cut short. */
struct file_body {
    int fd;
    uint64_t first, len;
    char *path; /* for the warning (escaped by it) */
};

static ssize_t
file_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct file_body *f = cls;
    if (pos >= f->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t want = f->len - pos < max ? (size_t)(f->len - pos) : max;
    ssize_t n;
    do
        n = pread(f->fd, buf, want, (off_t)(f->first + pos));
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return n;
    if (n == 0)
        cli_warnx(f->path,
                  "shrank while being sent (nothing to read at byte %" PRIu64
                  "); connection closed",
                  f->first + pos);
    else
        cli_warnx(f->path, "%s; connection closed", strerror(errno));
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
file_free(void *cls)
{
    struct file_body *f = cls;
    close(f->fd);
    free(f->path);
    free(f);
}

/* A response of len bytes of fd from first; takes fd (closed on
 * failure); NULL when out of memory. */
static struct MHD_Response *
file_response(int fd, uint64_t first, uint64_t len, const char *path)
{
    struct file_body *f = malloc(sizeof *f);
    char *p = strdup(path);
    struct MHD_Response *resp = NULL;
    if (f != NULL && p != NULL) {
        *f = (struct file_body){fd, first, len, p};
        resp = MHD_create_response_from_callback(len, 64 * 1024, file_read, f,
                                                 file_free);
    }
    if (resp == NULL) {
        free(p);
        free(f);
        close(fd);
    }
    return resp;
}

static int
entry_audio(const struct request *q, const struct gen *g, size_t h, size_t i,
            const struct as_index_entry *e)
{
    (void)g;
    (void)h;
    (void)i;
    /* the path comes from the index, never from the request */
    int fd = openat(api_opts->dirfd, e->path,
                    O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return reply_error(q->c, q->r, errno == ENOENT ? 404 : 500,
                           "the entry's audio file: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return reply_error(q->c, q->r, 404,
                           "the entry's audio file is not a regular file");
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    uint64_t size = (uint64_t)st.st_size, first = 0, last = size ? size - 1 : 0;
    unsigned status = 200;
    if (q->range != NULL) {
        int r = parse_range(q->range, size, &first, &last);
        if (r < 0) {
            close(fd);
            struct answer a;
            if (answer_open(&a) != 0)
                return MHD_NO;
            rec_str(&a.r, "error", "range not satisfiable");
            rec_int(&a.r, "status", 416);
            if (answer_close(&a) == NULL)
                return MHD_NO;
            struct body b = a.b;
            struct MHD_Response *resp =
                response_buffer(b.buf, b.len, "application/json");
            if (resp == NULL)
                return MHD_NO;
            char cr[64];
            snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
            MHD_add_response_header(resp, "Content-Range", cr);
            return reply_response(q->c, q->r, 416, resp, b.len);
        }
        if (r == 0)
            status = 206;
        else
            first = 0, last = size ? size - 1 : 0;
    }
    uint64_t len = size ? last - first + 1 : 0;
    struct MHD_Response *resp = file_response(fd, first, len, e->path);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", audio_type(e->path));
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    if (status == 206) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
                 last, size);
        MHD_add_response_header(resp, "Content-Range", cr);
    }
    return reply_response(q->c, q->r, status, resp, len);
}

static int
entries(const struct request *q, const struct gen *g)
{
    static const char *const none[] = {NULL};
    const char *rest = q->path + strlen("/entries/");
    size_t idlen = strcspn(rest, "/");
    char idbuf[32];
    size_t id;
    if (idlen == 0 || idlen >= sizeof idbuf) {
        return reply_error(q->c, q->r, 404, "no such entry");
    }
    memcpy(idbuf, rest, idlen);
    idbuf[idlen] = '\0';
    int audio = 0;
    if (rest[idlen] == '/') {
        if (strcmp(rest + idlen, "/audio") != 0)
            return reply_error(q->c, q->r, 404, "no such endpoint");
        audio = 1;
    }
    if (strcmp(q->method, "POST") == 0)
        return reply_error(q->c, q->r, 405, "method POST not allowed");
    if (check_params(q, none))
        return MHD_YES;
    size_t h, i;
    if (parse_size(idbuf, 0, SIZE_MAX, &id) != 0 ||
        gen_locate(g, id, &h, &i) != 0)
        return reply_error(q->c, q->r, 404, "no entry %s", idbuf);
    struct as_index_entry e;
    int st = as_index_entry(g->ix[h], i, &e);
    if (st != AS_OK)
        return index_error(q, g, st);
    if (audio)
        return entry_audio(q, g, h, i, &e);
    struct answer a;
    if (answer_open(&a) != 0)
        return MHD_NO;
    entry_fields(&a.r, id, &e);
    kind_fields(&a.r, g, h, i);
    anomaly_field(&a.r, &e);
    if (e.file_size >= 0)
        rec_int(&a.r, "file_size", e.file_size);
    else
        rec_null(&a.r, "file_size");
    rec_bool(&a.r, "shadowed", !gen_visible(g, h, i));
    audio_field(&a.r, id);
    return answer_reply(q, &a);
}

/* ---- filters and weights ---- */

/* The filter of the request, NULL when it has none; 1 after replying. */
static int
request_filter(const struct request *q, as_entry_filter **out)
{
    *out = NULL;
    as_entry_filter *f = NULL;
    for (size_t i = 0; i < q->query->n; i++) {
        const struct form_field *fd = &q->query->v[i];
        enum as_filter_kind kind;
        if (as_filter_kind_parse(fd->name, &kind) != AS_OK)
            continue;
        if (strlen(fd->value) != fd->value_len) {
            reply_error(q->c, q->r, 400,
                        "query parameter '%s' holds a NUL byte", fd->name);
            as_entry_filter_free(f);
            return 1;
        }
        if (f == NULL && as_entry_filter_new(&f) != AS_OK) {
            reply_error(q->c, q->r, 500, "out of memory");
            return 1;
        }
        char why[256];
        int st = as_entry_filter_add(f, kind, fd->value, why, sizeof why);
        if (st != AS_OK) {
            if (st == AS_ENOMEM)
                reply_error(q->c, q->r, 500, "out of memory");
            else {
                char *n = cli_msg_name_dup(why);
                reply_error(q->c, q->r, 400, "%s: %s", fd->name, n);
                free(n);
            }
            as_entry_filter_free(f);
            return 1;
        }
    }
    *out = f;
    return 0;
}

/* Replies to the failure st of as_entry_mask_new() over g's shards, bad
 * the one it names: a kind the index cannot tell is the request's
 * mistake (400), as with as-search -K. */
static int
mask_error(const struct request *q, const struct gen *g, int st, size_t bad)
{
    if (st == AS_EMISMATCH)
        return reply_error(q->c, q->r, 400,
                           "kind: %s has no kind tags (as-extract -K), and "
                           "not the columns of the kind model",
                           api_opts->index_paths[bad]);
    if (st != AS_EINVAL)
        return index_error(q, g, st);
    /* the kind that is not one of the shard's, and the shard's, as
     * as-search -K says them */
    const as_kinds *k = bad < g->n ? g->kinds[bad] : NULL;
    for (size_t i = 0; k != NULL && i < q->query->n; i++) {
        const struct form_field *fd = &q->query->v[i];
        if (strcmp(fd->name, "kind") != 0 ||
            as_kinds_find(k, fd->value, NULL) == AS_OK)
            continue;
        char *v = cli_msg_name_dup(fd->value), *list = cli_kind_list(k);
        int ret =
            reply_error(q->c, q->r, 400, "kind: '%s' is not a kind of %s (%s)",
                        v, api_opts->index_paths[bad], list);
        free(v);
        free(list);
        return ret;
    }
    return reply_error(q->c, q->r, 400, "kind: not a kind of %s",
                       api_opts->index_paths[bad]);
}

/* The mask of the entries the request's filters let through, NULL when
 * it has no filter; 1 after replying. */
static int
request_mask(const struct request *q, const struct gen *g, as_entry_mask **mask)
{
    *mask = NULL;
    as_entry_filter *f;
    if (request_filter(q, &f))
        return 1;
    if (f == NULL)
        return 0;
    size_t bad = 0;
    int st = as_entry_mask_new(mask, g->ix, g->n, f, &bad);
    as_entry_filter_free(f);
    if (st != AS_OK)
        mask_error(q, g, st, bad);
    return st != AS_OK;
}

/* w=G=W,... as as-search -w: the group weights of the request; *set 0
 * when not given. 1 after replying. */
static int
request_weights(const struct request *q, const struct gen *g, double *w,
                int *set)
{
    const char *v;
    *set = 0;
    if (param(q, "w", &v))
        return 1;
    if (v == NULL)
        return 0;
    const double *stored = as_index_group_weights(g->ix[0]);
    for (int gr = 0; gr < AS_G_COUNT; gr++)
        w[gr] = stored[gr];
    char why[256];
    if (as_group_weights_parse(v, w, NULL, why, sizeof why) != AS_OK) {
        char *e = cli_msg_name_dup(why);
        reply_error(q->c, q->r, 400, "w: %s", e ? e : "not group=weight,...");
        free(e);
        return 1;
    }
    if (!as_group_weights_usable(g->ix[0], w)) {
        reply_error(q->c, q->r, 400, "w: every group of the index weighs 0");
        return 1;
    }
    *set = 1;
    return 0;
}

/* ---- /search ---- */

/* approx=1 (or 0) and ef=N, as as-search -a -E: whether j searches the
 * approximate index, and with how many candidates. A server without
 * --approx, and the options as-search -a refuses (w=), are a 400; a
 * generation whose graph could not be used (reloaded beside a stale
 * one) answers exactly, and says so. 1 after replying. */
static int
request_approx(const struct request *q, const struct gen *g,
               struct search_job *j)
{
    const char *a, *e;
    if (param(q, "approx", &a) || param(q, "ef", &e))
        return 1;
    int asked = 0;
    if (a != NULL && strcmp(a, "1") == 0) {
        asked = 1;
    } else if (a != NULL && strcmp(a, "0") != 0) {
        char *s = cli_msg_name_dup(a);
        reply_error(q->c, q->r, 400, "approx: '%s' is not 0 or 1", s);
        free(s);
        return 1;
    }
    j->ef = AS_ANN_EF;
    if (e != NULL && !asked) {
        reply_error(q->c, q->r, 400, "ef goes with approx=1");
        return 1;
    }
    if (e != NULL && parse_size(e, 1, AS_ANN_EF_MAX, &j->ef) != 0) {
        char *s = cli_msg_name_dup(e);
        reply_error(q->c, q->r, 400, "ef: '%s' is not a number from 1 to %d", s,
                    AS_ANN_EF_MAX);
        free(s);
        return 1;
    }
    if (asked && !api_opts->approx) {
        reply_error(q->c, q->r, 400,
                    "approx=1: the server was started without --approx");
        return 1;
    }
    if (asked && j->weighed) {
        reply_error(q->c, q->r, 400,
                    "approx=1 does not go with w: the approximate index "
                    "holds the stored weights");
        return 1;
    }
    j->approx = asked && g->ann != NULL;
    return 0;
}

struct query_vec {
    const char *name;
    double duration_s;
    const float *v;
    int has_self;
    size_t self_shard, self_entry;
};

/* Searches answered and the scans that answered them (several at once
 * when batched), for /stats. */
static atomic_ulong searches_done, scans_done;

void
search_job_free(struct search_job *j)
{
    if (j == NULL)
        return;
    free(j->name);
    free(j->v);
    free(j->filters);
    as_entry_mask_free(j->mask);
    free(j->body);
    free(j);
}

/* The request's filter parameters as one string: requests with equal
 * strings have equal masks (over the same generation). NULL when out of
 * memory. */
static char *
filters_key(const struct request *q)
{
    struct body b;
    if (body_open(&b) != 0)
        return NULL;
    for (size_t i = 0; i < q->query->n; i++) {
        const struct form_field *fd = &q->query->v[i];
        if (is_filter_param(fd->name))
            fprintf(b.fp, "%zu:%s=%zu:%s;", strlen(fd->name), fd->name,
                    fd->value_len, fd->value);
    }
    fputc('\0', b.fp);
    return body_close(&b);
}

/* The search a request asks for, but its query: its filters, weights
 * and approximate walk, checked before an upload is decoded; 1 after
 * replying (a bad parameter, out of memory). */
static int
search_job_begin(const struct request *q, struct gen *g, size_t k,
                 struct search_job **out)
{
    *out = NULL;
    struct search_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        reply_error(q->c, q->r, 500, "out of memory");
        return 1;
    }
    j->g = g;
    j->k = k;
    j->self.shard = AS_NO_SHARD;
    if (request_mask(q, g, &j->mask) ||
        request_weights(q, g, j->w, &j->weighed) || request_approx(q, g, j)) {
        search_job_free(j);
        return 1;
    }
    *out = j;
    return 0;
}

/* The query of j; 1 after replying (out of memory), j then freed. */
static int
search_job_query(const struct request *q, struct search_job *j,
                 const struct query_vec *qv)
{
    j->duration_s = qv->duration_s;
    if (qv->has_self) {
        j->self.shard = (uint32_t)qv->self_shard;
        j->self.entry = (uint32_t)qv->self_entry;
    }
    j->name = strdup(qv->name);
    j->v = malloc(j->g->dim * sizeof *j->v);
    j->filters = filters_key(q);
    if (j->name == NULL || j->v == NULL || j->filters == NULL) {
        search_job_free(j);
        reply_error(q->c, q->r, 500, "out of memory");
        return 1;
    }
    memcpy(j->v, qv->v, j->g->dim * sizeof *j->v);
    return 0;
}

/* The neighbours a search asks for: at least those its reasons are
 * measured against. */
static size_t
search_depth(const struct search_job *j)
{
    return as_reasons_depth(j->k, j->approx ? j->ef : 0);
}

int
search_jobs_compatible(const struct search_job *a, const struct search_job *b)
{
    /* an approximate walk depends on its depth when that exceeds ef */
    return a->g == b->g && a->weighed == b->weighed &&
           (!a->weighed || memcmp(a->w, b->w, sizeof a->w) == 0) &&
           strcmp(a->filters, b->filters) == 0 && a->approx == b->approx &&
           (!a->approx ||
            (a->ef == b->ef && search_depth(a) == search_depth(b)));
}

/* One result of a search: the entry hit h, how far and why. */
static void
search_result(struct rec *r, const struct search_job *j, as_searcher *s,
              const struct as_reasons *rs, const struct as_hit *h,
              const struct as_index_entry *e)
{
    const struct gen *g = j->g;
    const float *row = as_index_row(g->ix[h->shard], h->entry);
    enum as_group why[AS_G_COUNT];
    size_t nw =
        as_reasons_of(rs, j->v, j->duration_s, h, row, e->duration_s, why);
    double conf = as_search_confidence(s, h->distance);
    size_t id = g->offset[h->shard] + h->entry;
    rec_object(r, NULL);
    entry_fields(r, id, e);
    rec_real(r, "distance", "%.6f", h->distance);
    rec_object(r, "groups");
    for (int gr = 0; gr < AS_G_COUNT; gr++)
        if (g->present[gr])
            rec_real(r, as_group_name((enum as_group)gr), "%.6f",
                     h->group_sim[gr]);
    rec_close(r);
    rec_array(r, "reasons");
    for (size_t i = 0; i < nw; i++)
        rec_str(r, NULL, as_group_reason(why[i]));
    rec_close(r);
    rec_real(r, "confidence", "%.3f", conf);
    kind_fields(r, g, h->shard, h->entry);
    audio_field(r, id);
    rec_close(r);
}

/* The answer to j from its nearest hits[0, n) (at most search_depth):
 * j->body, or j->st set. */
static void
search_format(struct search_job *j, as_searcher *s, const struct as_hit *hits,
              size_t n)
{
    const struct gen *g = j->g;
    struct as_reasons rs;
    as_reasons_init(&rs, g->ix[0], AS_REASON_FLOOR, hits, n);
    if (n > j->k)
        n = j->k;
    struct answer a;
    if (answer_open(&a) != 0) {
        j->st = AS_ENOMEM;
        return;
    }
    rec_object(&a.r, "query");
    rec_path(&a.r, j->name);
    if (j->duration_s >= 0.0)
        rec_real(&a.r, REC_KEY_DURATION, "%.6f", j->duration_s);
    else
        rec_null(&a.r, REC_KEY_DURATION);
    rec_bool(&a.r, "exact", !j->approx || j->ranked_all);
    rec_close(&a.r);
    rec_array(&a.r, "results");
    int st = AS_OK;
    for (size_t r = 0; r < n && st == AS_OK; r++) {
        struct as_index_entry e;
        st = as_index_entry(g->ix[hits[r].shard], hits[r].entry, &e);
        if (st == AS_OK)
            search_result(&a.r, j, s, &rs, &hits[r], &e);
    }
    if (st != AS_OK) {
        answer_discard(&a);
        j->st = st;
        return;
    }
    if (answer_close(&a) == NULL) {
        j->st = AS_ENOMEM;
        return;
    }
    j->body = a.b.buf;
    j->len = a.b.len;
    j->st = AS_OK;
}

void
search_jobs_run(struct search_job *const *jobs, size_t n)
{
    struct gen *g = jobs[0]->g;
    int st = AS_OK;
    as_searcher *s = NULL;
    if (jobs[0]->weighed) {
        /* a searcher of its own: other weights, other lengths */
        struct as_search_opts so;
        as_search_opts_init(&so);
        so.group_weights = jobs[0]->w;
        st = as_searcher_new(&s, g->ix, g->n, &so);
    } else {
        s = gen_searcher(g, &st);
    }
    /* one scan for every query, each to the depth the deepest asks for:
     * the results are ordered exactly (ties by path), so the first
     * depth(j) of them are what a search of j alone finds */
    size_t depth = 0;
    for (size_t i = 0; i < n; i++)
        if (search_depth(jobs[i]) > depth)
            depth = search_depth(jobs[i]);
    float *queries = malloc(n * g->dim * sizeof *queries);
    struct as_hit *hits = malloc(n * depth * sizeof *hits);
    size_t *n_hits = malloc(n * sizeof *n_hits);
    struct as_entry_ref *exclude = malloc(n * sizeof *exclude);
    unsigned char *exact = calloc(n, 1);
    if (s != NULL && (queries == NULL || hits == NULL || n_hits == NULL ||
                      exclude == NULL || exact == NULL))
        st = AS_ENOMEM;
    if (s != NULL && st == AS_OK) {
        for (size_t i = 0; i < n; i++) {
            memcpy(queries + i * g->dim, jobs[i]->v, g->dim * sizeof *queries);
            exclude[i] = jobs[i]->self;
        }
        struct as_search_filter f;
        as_search_filter_init(&f);
        f.mask = jobs[0]->mask ? as_entry_mask_rows(jobs[0]->mask) : NULL;
        f.exclude = exclude;
        st = jobs[0]->approx
                 ? as_ann_search(g->ann, s, queries, n, depth, jobs[0]->ef, &f,
                                 hits, n_hits, exact)
                 : as_search(s, queries, n, depth, &f, hits, n_hits);
    }
    for (size_t i = 0; i < n; i++) {
        if (st != AS_OK) {
            jobs[i]->st = st;
            continue;
        }
        size_t d = search_depth(jobs[i]);
        jobs[i]->ranked_all = exact[i];
        search_format(jobs[i], s, hits + i * depth,
                      n_hits[i] < d ? n_hits[i] : d);
    }
    atomic_fetch_add(&scans_done, 1);
    atomic_fetch_add(&searches_done, n);
    if (jobs[0]->weighed)
        as_searcher_free(s);
    else if (s != NULL)
        gen_searcher_put(g, s);
    free(queries);
    free(hits);
    free(n_hits);
    free(exclude);
    free(exact);
}

int
search_job_reply(struct MHD_Connection *c, struct req *r, struct search_job *j)
{
    int ret;
    if (j->st == AS_OK) {
        char *body = j->body;
        j->body = NULL;
        ret = reply_response(c, r, 200,
                             response_buffer(body, j->len, "application/json"),
                             j->len);
    } else {
        struct request q = {.c = c, .r = r};
        ret = index_error(&q, j->g, j->st);
    }
    search_job_free(j);
    return ret;
}

/* Answers with j, whole (search_job_query()): now, or by a batch
 * worker; j is not the caller's any more. */
static int
search_submit(const struct request *q, struct search_job *j)
{
    if (!api_opts->no_batch) {
        /* answered by a batch worker with the searches waiting beside it;
         * the connection sleeps meanwhile */
        int full = batch_reserve();
        if (full != 0) {
            search_job_free(j);
            return reply_error(q->c, q->r, 503, "%s",
                               full == -2 ? "the server is stopping"
                                          : "too many searches waiting");
        }
        http_suspend(q, j);
        batch_submit(j);
        return MHD_YES;
    }
    search_jobs_run(&j, 1);
    return search_job_reply(q->c, q->r, j);
}

/* Answers the search of the query qv. */
static int
search_reply(const struct request *q, struct gen *g, const struct query_vec *qv,
             size_t k)
{
    struct search_job *j;
    if (search_job_begin(q, g, k, &j) || search_job_query(q, j, qv))
        return MHD_YES;
    return search_submit(q, j);
}

void
search_counts(unsigned long *searches, unsigned long *scans)
{
    *searches = atomic_load(&searches_done);
    *scans = atomic_load(&scans_done);
}

/* n_results (the reference design's name) or k; 1 after replying. */
static int
result_count(const struct request *q, size_t *k)
{
    const char *v, *w;
    if (param(q, "n_results", &v) || param(q, "k", &w))
        return 1;
    if (v != NULL && w != NULL) {
        reply_error(q->c, q->r, 400, "give n_results or k, not both");
        return 1;
    }
    if (v == NULL)
        v = w;
    *k = 10;
    if (v != NULL && parse_size(v, 1, MAX_RESULTS, k) != 0) {
        char *s = cli_msg_name_dup(v);
        reply_error(q->c, q->r, 400,
                    "n_results: '%s' is not a number from 1 to %d", s,
                    MAX_RESULTS);
        free(s);
        return 1;
    }
    return 0;
}

/* An indexed entry (entry at of shard h) as the query. */
static int
search_entry(const struct request *q, struct gen *g, size_t h, size_t at,
             size_t k)
{
    struct as_index_entry e;
    int st;
    const float *row = as_index_row(g->ix[h], at);
    if (row == NULL)
        return index_error(q, g, AS_ECHECKSUM);
    if ((st = as_index_entry(g->ix[h], at, &e)) != AS_OK)
        return index_error(q, g, st);
    struct query_vec qv = {
        .name = e.path,
        .duration_s = e.duration_s,
        .v = row,
        .has_self = 1,
        .self_shard = h,
        .self_entry = at,
    };
    /* a shadowed entry (id= of an earlier shard's copy) is the sample
     * its path names: its visible twin in a later shard is left out */
    struct as_entry_ref twin;
    if (!gen_visible(g, h, at)) {
        st = as_entry_find(g->ix, g->n, e.path, NULL, &twin);
        if (st == AS_OK) {
            qv.self_shard = twin.shard;
            qv.self_entry = twin.entry;
        } else if (st != AS_ENOENT_PATH) {
            return index_error(q, g, st);
        }
    }
    return search_reply(q, g, &qv, k);
}

/* The entry path names, found as as-search -p finds it: as the index
 * stores it or spelt another way, relative paths against -C. */
static int
search_path(const struct request *q, struct gen *g, const char *path, size_t k)
{
    struct as_entry_ref at;
    int st = as_entry_find(g->ix, g->n, path, api_opts->dir_abs, &at);
    if (st == AS_ENOENT_PATH) {
        char *s = cli_msg_name_dup(path);
        int ret = reply_error(q->c, q->r, 404, "%s: not in the index", s);
        free(s);
        return ret;
    }
    if (st != AS_OK)
        return index_error(q, g, st);
    return search_entry(q, g, at.shard, at.entry, k);
}

/* The audio of a POST /search: the part named "file" of a multipart
 * body, or the whole body. Its file name is taken as the browser wrote
 * it: the HTML standard percent-encodes a quote there (%22) and leaves
 * a backslash alone, so no backslash is taken for an escape. */
static int
upload_audio(const struct request *q, const unsigned char **data, size_t *len,
             char *name, size_t cap)
{
    snprintf(name, cap, "upload");
    const char *ct = q->content_type;
    if (ct != NULL && strncasecmp(ct, "multipart/", 10) == 0) {
        char boundary[80];
        if (form_boundary(ct, boundary, sizeof boundary) != 0) {
            reply_error(q->c, q->r, 400,
                        "Content-Type: not multipart/form-data with a "
                        "boundary");
            return 1;
        }
        struct form_part parts[FORM_MAX_FIELDS];
        size_t n;
        int st = form_multipart(q->body, q->body_len, boundary, parts,
                                FORM_MAX_FIELDS, &n);
        if (st != 0) {
            reply_error(q->c, q->r, 400, "%s",
                        st == FORM_ETOOMANY ? "too many parts in the body"
                                            : "malformed multipart body");
            return 1;
        }
        const struct form_part *file = NULL;
        for (size_t i = 0; i < n && file == NULL; i++)
            if (form_part_is(&parts[i], "file"))
                file = &parts[i];
        if (file == NULL) {
            reply_error(q->c, q->r, 400, "no part named 'file' in the body");
            return 1;
        }
        if (file->filename != NULL && file->filename_len > 0) {
            size_t l =
                file->filename_len < cap - 1 ? file->filename_len : cap - 1;
            /* a long name is cut at a character's start, not inside
             * one: its JSON would hold a lone escape otherwise */
            if (l < file->filename_len)
                while (l > 0 &&
                       ((unsigned char)file->filename[l] & 0xC0) == 0x80)
                    l--;
            memcpy(name, file->filename, l);
            name[l] = '\0';
            if (strlen(name) == 0)
                snprintf(name, cap, "upload");
        }
        *data = file->data;
        *len = file->len;
        return 0;
    }
    *data = q->body;
    *len = q->body_len;
    return 0;
}

static int
search_upload(const struct request *q, struct gen *g, size_t k)
{
    if (g->extract == NULL)
        return reply_error(q->c, q->r, 409,
                           "the index holds features that this server "
                           "cannot extract; search by path");
    const unsigned char *data = NULL;
    size_t len = 0;
    char name[256];
    if (upload_audio(q, &data, &len, name, sizeof name))
        return MHD_YES;
    if (len == 0)
        return reply_error(q->c, q->r, 400, "no audio in the request");
    /* the parameters before the audio: a bad one is a 400 at once, not
     * after decoding an hour of it */
    struct search_job *j;
    if (search_job_begin(q, g, k, &j))
        return MHD_YES;
    /* the audio goes to an unlinked file the decoder can seek in: the
     * spooled body itself when it is the audio */
    int fd = -1, own = 0;
    if (q->body_fd >= 0 && data == q->body && len == q->body_len) {
        fd = q->body_fd;
        if (lseek(fd, 0, SEEK_SET) != 0) {
            search_job_free(j);
            return reply_error(q->c, q->r, 500, "upload: %s", strerror(errno));
        }
    } else {
        fd = spool_file();
        if (fd < 0 || write_all(fd, data, len) != 0 ||
            lseek(fd, 0, SEEK_SET) != 0) {
            char buf[512];
            cli_tmp_reason(errno, buf, sizeof buf);
            if (fd >= 0)
                close(fd);
            search_job_free(j);
            return reply_error(q->c, q->r, 500, "upload: %s", buf);
        }
        own = 1;
    }
    int st;
    as_extractor *x = gen_extractor(g, &st);
    float *v = malloc(g->dim * sizeof *v);
    if (x == NULL || v == NULL) {
        gen_extractor_put(g, x);
        free(v);
        if (own)
            close(fd);
        search_job_free(j);
        return reply_error(q->c, q->r, 500, "out of memory");
    }
    struct as_extract_result res;
    st = as_extract(x, NULL, fd, v, g->dim, &res);
    int e = errno;
    gen_extractor_put(g, x);
    if (own)
        close(fd);
    int ret = MHD_YES;
    if (st != AS_OK)
        search_job_free(j);
    if (st == AS_ENOMEM)
        ret = reply_error(q->c, q->r, 500, "out of memory");
    else if (st == AS_EIO)
        ret = reply_error(q->c, q->r, 500, "upload: %s", strerror(e));
    else if (st == AS_ETOOLONG)
        ret = reply_error(q->c, q->r, 413,
                          "audio longer than the limit of %g seconds",
                          api_opts->max_duration_s);
    else if (st != AS_OK)
        ret = reply_error(q->c, q->r, 415, "%s", as_strerror(st));
    else {
        struct query_vec qv = {
            .name = name,
            .duration_s = res.duration_s,
            .v = v,
        };
        if (!search_job_query(q, j, &qv))
            ret = search_submit(q, j);
    }
    free(v);
    return ret;
}

static int
search(const struct request *q, struct gen *g)
{
    static const char *const get_params[] = {
        "+filters", "path", "id", "n_results", "k", "w", "approx", "ef", NULL};
    static const char *const post_params[] = {"+filters", "n_results", "k", "w",
                                              "approx",   "ef",        NULL};
    int post = strcmp(q->method, "POST") == 0;
    /* an upload is the query: a path or an entry too would be a second */
    for (size_t i = 0; post && i < q->query->n; i++)
        if (strcmp(q->query->v[i].name, "path") == 0 ||
            strcmp(q->query->v[i].name, "id") == 0)
            return reply_error(q->c, q->r, 400,
                               "%s= goes with GET /search; the sound POSTed "
                               "is the query",
                               q->query->v[i].name);
    const char *path, *idv;
    if (check_params(q, post ? post_params : get_params))
        return MHD_YES;
    size_t k;
    if (result_count(q, &k))
        return MHD_YES;
    if (post)
        return search_upload(q, g, k);
    /* id= names an entry as /entries/{id} does: what a page uses, since
     * a path that is not valid UTF-8 cannot be put in a URL from
     * JavaScript */
    if (param(q, "path", &path) || param(q, "id", &idv))
        return MHD_YES;
    if (path != NULL && idv != NULL)
        return reply_error(q->c, q->r, 400, "give path= or id=, not both");
    if (idv != NULL) {
        size_t id, h, i;
        if (parse_size(idv, 0, SIZE_MAX, &id) != 0)
            return reply_error(q->c, q->r, 400, "id: not a whole number");
        if (gen_locate(g, id, &h, &i) != 0)
            return reply_error(q->c, q->r, 404, "no entry %zu", id);
        return search_entry(q, g, h, i, k);
    }
    if (path == NULL)
        return reply_error(q->c, q->r, 400,
                           "GET /search needs path= or id=; POST the audio "
                           "to search by example");
    if (path[0] == '\0') /* no entry's path, and no message's subject */
        return reply_error(q->c, q->r, 400, "path: empty");
    return search_path(q, g, path, k);
}

/* ---- /search-by-filters ---- */

/* format=ids lists the ids alone, about 7 bytes an entry instead of
 * over 150: what a page needs to ring every match of 100000 entries. */
static int
search_by_filters(const struct request *q, const struct gen *g)
{
    static const char *const names[] = {"+filters", "format", "limit", NULL};
    if (check_params(q, names))
        return MHD_YES;
    const char *v, *fv;
    if (param(q, "limit", &v) || param(q, "format", &fv))
        return MHD_YES;
    size_t limit = 50;
    if (v != NULL && parse_size(v, 1, SIZE_MAX, &limit) != 0)
        return reply_error(q->c, q->r, 400, "limit: not a whole number from 1");
    if (fv != NULL && strcmp(fv, "entries") != 0 && strcmp(fv, "ids") != 0)
        return reply_error(q->c, q->r, 400, "format: not entries or ids");
    int ids = fv != NULL && strcmp(fv, "ids") == 0;
    as_entry_filter *f;
    if (request_filter(q, &f))
        return MHD_YES;
    as_entry_mask *mask = NULL;
    size_t bad = 0;
    int st = as_entry_mask_new(&mask, g->ix, g->n, f, &bad);
    as_entry_filter_free(f);
    if (st != AS_OK)
        return mask_error(q, g, st, bad);
    struct answer a;
    if (answer_open(&a) != 0) {
        as_entry_mask_free(mask);
        return MHD_NO;
    }
    rec_size(&a.r, "total", as_entry_mask_count(mask));
    rec_array(&a.r, ids ? "ids" : "results");
    size_t printed = 0;
    for (size_t h = 0; h < g->n && printed < limit && st == AS_OK; h++)
        for (size_t i = 0; i < as_index_count(g->ix[h]) && printed < limit;
             i++) {
            if (!as_entry_mask_has(mask, h, i))
                continue;
            printed++;
            if (ids) {
                rec_size(&a.r, NULL, g->offset[h] + i);
                continue;
            }
            struct as_index_entry e;
            if ((st = as_index_entry(g->ix[h], i, &e)) != AS_OK)
                break;
            rec_object(&a.r, NULL);
            entry_fields(&a.r, g->offset[h] + i, &e);
            kind_fields(&a.r, g, h, i);
            audio_field(&a.r, g->offset[h] + i);
            rec_close(&a.r);
        }
    as_entry_mask_free(mask);
    if (st != AS_OK) {
        answer_discard(&a);
        return index_error(q, g, st);
    }
    return answer_reply(q, &a);
}

/* ---- answers computed in the background ---- */

/* One builder for the whole server: one computation at a time, each
 * with -j threads of its own, so a few of them never take every core
 * or every worker. Never freed: at exit the computation under way is
 * abandoned with the process (builder_free() would wait for it, and a
 * t-SNE of a large library takes minutes, holding up a stop that
 * SIGTERM asked for); what it holds is the process's memory. */
static builder *bg;
static pthread_once_t bg_once = PTHREAD_ONCE_INIT;

static void
bg_start(void)
{
    bg = builder_new();
}

/* The status of a computation left undone: its indexes were replaced
 * while it waited its turn (a negative number no AS_E... code takes). */
#define BG_REPLACED (-1000)

static double
monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void
kept_hold(struct gen *g, struct keyed_slot *ks)
{
    pthread_mutex_lock(&g->mu);
    ks->holds++;
    pthread_mutex_unlock(&g->mu);
}

/* Lets go of a kept slot held by kept_get() or by a job; read: the
 * holder read the answer. */
static void
kept_release(struct gen *g, struct keyed_slot *ks, int read)
{
    pthread_mutex_lock(&g->mu);
    ks->holds--;
    if (read)
        ks->computed = 0;
    pthread_mutex_unlock(&g->mu);
}

static char *
bg_run(void *arg, int *st)
{
    const struct bg_job *j = arg;
    /* no request can see the answer of a replaced generation but the
     * ones in progress on it: reloads in a row would otherwise queue a
     * t-SNE of every version, holding each in memory, before the one
     * asked for now */
    if (!gen_is_current(j->g)) {
        *st = BG_REPLACED;
        return NULL;
    }
    char *v = j->build(j, st);
    if (v != NULL && j->kept != NULL) {
        /* kept a while for the request that is to ask again */
        pthread_mutex_lock(&j->g->mu);
        j->kept->computed = monotonic();
        pthread_mutex_unlock(&j->g->mu);
    }
    return v;
}

static int
bg_stale(void *arg)
{
    return !gen_is_current(((const struct bg_job *)arg)->g);
}

void
api_drop_replaced(void)
{
    pthread_once(&bg_once, bg_start); /* bg is set under the once */
    if (bg != NULL)
        builder_drop(bg, bg_stale, BG_REPLACED);
}

static void
bg_release(void *arg)
{
    struct bg_job *j = arg;
    as_entry_filter_free(j->filter);
    if (j->kept != NULL)
        kept_release(j->g, j->kept, 0);
    gen_release(j->g);
    free(j);
}

/* The answer slot holds, computed by job in the background when the
 * slot is empty (see api_cached): 0 with *value set when it is there;
 * otherwise the request is answered (an error, or 503 naming `what`),
 * and 1 with *ret the status to return. */
static int
cached_value(const struct request *q, struct gen *g, struct cache_slot *slot,
             const struct bg_job *job, const char *what, const char **value,
             int *ret)
{
    pthread_once(&bg_once, bg_start);
    struct bg_job *j = malloc(sizeof *j);
    if (bg == NULL || j == NULL) {
        free(j);
        as_entry_filter_free(job->filter);
        *ret = reply_error(q->c, q->r, 500, "out of memory");
        return 1;
    }
    *j = *job;
    gen_hold(g);
    if (j->kept != NULL)
        kept_hold(g, j->kept);
    int st;
    int state =
        builder_get(bg, slot, bg_run, j, bg_release, BG_WAIT_S, value, &st);
    if (state == CACHE_READY)
        return 0;
    if (state == CACHE_FAILED) {
        if (st == BG_REPLACED)
            *ret = reply_error(q->c, q->r, 503,
                               "the indexes were replaced before %s was "
                               "computed: ask again",
                               what);
        else if (st == AS_EINVAL && job->einval != NULL)
            *ret = reply_error(q->c, q->r, 400, "%s", job->einval);
        else
            *ret = index_error(q, g, st);
        return 1;
    }
    unsigned n = builder_pending(bg);
    *ret = reply_error(q->c, q->r, 503,
                       "%s is being computed, or waits its turn (%u "
                       "computation%s under way, one at a time): ask again "
                       "shortly",
                       what, n, n == 1 ? "" : "s");
    return 1;
}

int
api_cached(const struct request *q, struct gen *g, struct cache_slot *slot,
           const struct bg_job *job, const char *what)
{
    const char *json;
    int ret;
    if (cached_value(q, g, slot, job, what, &json, &ret))
        return ret;
    return reply_static(q->c, q->r, 200, json, "application/json");
}

/* The slot of pool (GEN_KEPT_SLOTS of them, *n taken) that can be given
 * to other parameters (see struct keyed_slot; under g->mu), or NULL with
 * *wait the seconds until one can (1 when computations hold them all). */
static struct keyed_slot *
kept_spare(struct keyed_slot *pool, size_t n, double now, unsigned *wait)
{
    struct keyed_slot *read = NULL, *unread = NULL;
    double soonest = HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        struct keyed_slot *c = &pool[i];
        if (c->holds > 0)
            continue;
        if (c->computed == 0) {
            if (read == NULL || c->used < read->used)
                read = c;
        } else if (now - c->computed >= KEPT_UNREAD_S) {
            if (unread == NULL || c->computed < unread->computed)
                unread = c;
        } else if (c->computed + KEPT_UNREAD_S - now < soonest) {
            soonest = c->computed + KEPT_UNREAD_S - now;
        }
    }
    *wait = soonest < HUGE_VAL ? (unsigned)ceil(soonest) : 1;
    if (*wait == 0)
        *wait = 1;
    return read != NULL ? read : unread;
}

/* The slot of pool (GEN_KEPT_SLOTS of them, *n taken) kept under key
 * (malloc'd, taken over; NULL: none), held for the caller until
 * kept_release(): the one with that key, else a free one, else one given
 * up (kept_spare()), emptied. NULL when out of memory (*busy 0), or when
 * no slot can be given up, with *busy the seconds until one can. */
static struct keyed_slot *
kept_get(struct gen *g, struct keyed_slot *pool, size_t *n, char *key,
         unsigned *busy)
{
    *busy = 0;
    if (key == NULL)
        return NULL;
    double now = monotonic();
    struct keyed_slot *ks = NULL;
    unsigned wait = 1;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < *n && ks == NULL; i++)
        if (strcmp(pool[i].key, key) == 0)
            ks = &pool[i];
    if (ks == NULL && *n < GEN_KEPT_SLOTS) {
        ks = &pool[(*n)++];
    } else if (ks == NULL) {
        ks = kept_spare(pool, *n, now, &wait);
        if (ks != NULL) {
            /* held by no request and no computation: nothing else reads
             * it or will write it */
            free(ks->key);
            ks->key = NULL;
            cache_slot_free(&ks->slot);
            ks->computed = 0;
        }
    }
    if (ks != NULL) {
        if (ks->key == NULL) {
            ks->key = key;
            key = NULL;
        }
        ks->holds++;
        ks->used = ++g->kept_clock;
    } else {
        *busy = wait;
    }
    pthread_mutex_unlock(&g->mu);
    free(key);
    return ks;
}

/* The slot of an anomaly ranking or of clusters (what) asked for with
 * k=, kept under the shard, the method and k; as kept_get(). */
static struct keyed_slot *
run_slot(struct gen *g, const char *what, size_t h, int method, size_t k,
         unsigned *busy)
{
    char *key = malloc(80);
    if (key != NULL)
        snprintf(key, 80, "%s shard=%zu method=%d k=%zu", what, h, method, k);
    return kept_get(g, g->run_slots, &g->n_run_slots, key, busy);
}

/* The answer to a request for which kept_get() gave no slot. */
static int
kept_none(const struct request *q, unsigned busy, const char *what)
{
    if (!busy)
        return reply_error(q->c, q->r, 500, "out of memory");
    reply_retry_after(q->r, busy);
    return reply_error(q->c, q->r, 503,
                       "%s: all %d places for answers asked with parameters "
                       "are taken (being computed or read, or computed and "
                       "kept %.0f s for the requests that asked): ask again "
                       "in %u s",
                       what, GEN_KEPT_SLOTS, KEPT_UNREAD_S, busy);
}

/* The method= parameter: *method its index in names (n of them, listed
 * in `list` for the message), -1 when absent; 0, or -1 with the request
 * answered 400. */
static int
method_param(const struct request *q, const char *v, const char *const *names,
             int n, const char *list, int *method, int *ret)
{
    *method = -1;
    for (int i = 0; v != NULL && i < n; i++)
        if (strcmp(v, names[i]) == 0)
            *method = i;
    if (v == NULL || *method >= 0)
        return 0;
    *ret = reply_error(q->c, q->r, 400, "method: not %s", list);
    return -1;
}

/* api_cached() for a kept slot (ks, held, let go of here; NULL: none
 * to be had, busy saying why, as kept_get()). */
static int
api_kept(const struct request *q, struct gen *g, struct keyed_slot *ks,
         unsigned busy, const struct bg_job *job, const char *what)
{
    if (ks == NULL) {
        as_entry_filter_free(job->filter);
        return kept_none(q, busy, what);
    }
    struct bg_job kj = *job;
    kj.kept = ks;
    const char *value;
    int ret;
    if (cached_value(q, g, &ks->slot, &kj, what, &value, &ret)) {
        kept_release(g, ks, 0);
        return ret;
    }
    /* a copy: once let go of, the slot can be given to other parameters
     * while the answer is still being sent */
    size_t len = strlen(value);
    char *copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, value, len + 1);
    kept_release(g, ks, 1);
    if (copy == NULL)
        return reply_error(q->c, q->r, 500, "out of memory");
    return reply_response(q->c, q->r, 200,
                          response_buffer(copy, len, "application/json"), len);
}

/* ---- /clusters ---- */

/* One cluster of shard h's summary, as an element of "clusters": its
 * object, left open for the caller to close. */
static void
clusters_group(struct rec *r, const struct gen *g, size_t h,
               const struct as_cluster_group *gr)
{
    rec_object(r, NULL);
    rec_int(r, "cluster_id", gr->cluster);
    rec_size(r, "size", gr->size);
    rec_object(r, "genres");
    size_t none = 0;
    for (size_t l = 0; l < gr->n_labels; l++) {
        if (gr->labels[l].label == NULL)
            none = gr->labels[l].count;
        else
            rec_size(r, gr->labels[l].label, gr->labels[l].count);
    }
    rec_close(r);
    rec_size(r, "unlabelled", none);
    rec_real(r, "purity", "%.6f", gr->purity);
    struct as_index_entry e;
    if (gr->representative == SIZE_MAX ||
        as_index_entry(g->ix[h], gr->representative, &e) != AS_OK) {
        rec_null(r, "representative");
    } else {
        rec_object(r, "representative");
        entry_fields(r, g->offset[h] + gr->representative, &e);
        rec_close(r);
    }
}

/* The ids of the entries of shard h in cluster c of r, as "ids". */
static void
clusters_ids(struct rec *r, const struct gen *g, size_t h,
             const struct as_cluster_result *res, int32_t c)
{
    rec_array(r, "ids");
    for (size_t i = 0; i < res->n; i++)
        if (res->labels[i] == c)
            rec_size(r, NULL, g->offset[h] + i);
    rec_close(r);
}

static const char *const cluster_methods[] = {"kmeans", "dbscan", "hdbscan",
                                              "auto"};

/* The summary of the clusters of shard h as JSON, NULL on failure (*st):
 * those stored (as-cluster -W) when method is negative, else those that
 * as_cluster_run() finds by method (enum as_cluster_method; k for
 * k-means, 0: its default), as as-cluster -m finds them. Each cluster's
 * representative is the entry nearest its centre in the space distances
 * see (the index's z-scored, group-weighted columns, as as-cluster
 * clusters); computed clusters list their entries' ids too, since the
 * entries do not hold them. */
static char *
build_clusters(const struct gen *g, size_t h, int method, size_t k, int *st)
{
    as_index *ix = g->ix[h];
    struct as_cluster_result res;
    struct as_cluster_summary sum;
    memset(&res, 0, sizeof res);
    memset(&sum, 0, sizeof sum);
    if (method < 0) {
        *st = as_cluster_stored(ix, NULL, &res);
    } else {
        struct as_cluster_opts o;
        as_cluster_opts_init(&o);
        o.method = method;
        if (k)
            o.k = k;
        o.no_silhouette = 1; /* not shown, and O(n^2) */
        o.threads = api_opts->jobs;
        *st = as_cluster_index(ix, NULL, &o, &res);
    }
    if (*st != AS_OK)
        return NULL;
    *st = as_cluster_summarize_index(&res, ix, &sum);
    struct answer a;
    if (*st != AS_OK || answer_open(&a) != 0) {
        if (*st == AS_OK)
            *st = AS_ENOMEM;
        as_cluster_summary_free(&sum);
        as_cluster_result_free(&res);
        return NULL;
    }
    rec_str(&a.r, "shard", api_opts->index_paths[h]);
    if (method >= 0) {
        rec_str(&a.r, "method", cluster_methods[method]);
        if (method == AS_CLUSTER_KMEANS)
            rec_size(&a.r, "k", res.k);
        else if (method == AS_CLUSTER_DBSCAN)
            rec_real(&a.r, "eps", "%.6f", res.eps);
        else
            rec_size(&a.r, "min_cluster_size", res.min_cluster_size);
    }
    rec_size(&a.r, "entries", sum.entries);
    rec_size(&a.r, "noise", sum.noise);
    rec_real(&a.r, "purity", "%.6f", sum.purity);
    rec_array(&a.r, "clusters");
    for (size_t i = 0; i < sum.n_groups; i++) {
        if (sum.groups[i].size == 0)
            continue;
        clusters_group(&a.r, g, h, &sum.groups[i]);
        if (method >= 0)
            clusters_ids(&a.r, g, h, &res, sum.groups[i].cluster);
        rec_close(&a.r);
    }
    as_cluster_summary_free(&sum);
    as_cluster_result_free(&res);
    char *out = answer_close(&a);
    *st = out != NULL ? AS_OK : AS_ENOMEM;
    return out;
}

static char *
bg_clusters(const struct bg_job *j, int *st)
{
    return build_clusters(j->g, j->h, j->method, j->k, st);
}

static int
clusters(const struct request *q, struct gen *g)
{
    static const char *const names[] = {"shard", "method", "k", NULL};
    if (check_params(q, names))
        return MHD_YES;
    const char *v, *mv, *kv;
    if (param(q, "shard", &v) || param(q, "method", &mv) || param(q, "k", &kv))
        return MHD_YES;
    size_t h = 0, k = 0;
    if (v != NULL && parse_size(v, 0, g->n - 1, &h) != 0)
        return reply_error(q->c, q->r, 400,
                           "shard: not a shard number from 0 to %zu", g->n - 1);
    int method, ret;
    if (method_param(q, mv, cluster_methods, 4,
                     "kmeans, dbscan, hdbscan or auto", &method, &ret))
        return ret;
    if (kv != NULL && method != AS_CLUSTER_KMEANS)
        return reply_error(q->c, q->r, 400, "k goes with method=kmeans");
    size_t n = as_index_count(g->ix[h]);
    if (method >= 0 && n == 0)
        return reply_error(q->c, q->r, 400, "shard %zu: no entries to cluster",
                           h);
    size_t top = n < API_MAX_K ? n : API_MAX_K;
    if (kv != NULL && parse_size(kv, 1, top, &k) != 0)
        return reply_error(q->c, q->r, 400,
                           "k: not a whole number from 1 to %zu%s", top,
                           top < API_MAX_K ? " (the entries)" : "");
    struct as_cluster_opts def;
    as_cluster_opts_init(&def);
    if (method == AS_CLUSTER_KMEANS && k == 0 && def.k > n)
        return reply_error(q->c, q->r, 400,
                           "shard %zu has %zu entries, fewer than k-means' "
                           "default %zu clusters: give k=",
                           h, n, def.k);
    if (k == def.k)
        k = 0; /* the default's answer */
    struct bg_job job = {.g = g,
                         .h = h,
                         .method = method,
                         .k = k,
                         .build = bg_clusters,
                         .einval = "too few entries to cluster that way"};
    char what[64];
    snprintf(what, sizeof what, "the clustering of shard %zu", h);
    if (method < 0)
        return api_cached(q, g, &g->clusters[h], &job, what);
    if (k == 0)
        return api_cached(q, g, &g->cluster_runs[h * 4 + (size_t)method], &job,
                          what);
    unsigned busy;
    struct keyed_slot *ks = run_slot(g, "clusters", h, method, k, &busy);
    return api_kept(q, g, ks, busy, &job, what);
}

/* ---- /map ---- */

/* The map of shard h as JSON (as as-map computes it, default options
 * but the method and dimensions); NULL on failure (*st). */
static char *
build_map(struct gen *g, size_t h, int method, size_t dims, int *st)
{
    as_index *ix = g->ix[h];
    size_t n = as_index_count(ix);
    const double *xy = page_place(g, h, method, dims, st);
    if (xy == NULL)
        return NULL;
    struct answer a;
    if (answer_open(&a) != 0) {
        *st = AS_ENOMEM;
        return NULL;
    }
    rec_str(&a.r, "shard", api_opts->index_paths[h]);
    rec_str(&a.r, "method", page_method_name(method));
    rec_size(&a.r, "dims", dims);
    rec_array(&a.r, "points");
    static const char *const axis[] = {"x", "y", "z"};
    for (size_t i = 0; i < n; i++) {
        struct as_index_entry e;
        if ((*st = as_index_entry(ix, i, &e)) != AS_OK) {
            answer_discard(&a);
            return NULL;
        }
        rec_object(&a.r, NULL);
        entry_fields(&a.r, g->offset[h] + i, &e);
        anomaly_field(&a.r, &e);
        for (size_t j = 0; j < dims; j++)
            rec_real(&a.r, axis[j], "%.6f", xy[i * dims + j]);
        rec_close(&a.r);
    }
    char *out = answer_close(&a);
    *st = out != NULL ? AS_OK : AS_ENOMEM;
    return out;
}

static char *
bg_map(const struct bg_job *j, int *st)
{
    return build_map(j->g, j->h, j->method, j->dims, st);
}

/* The map's parameters, of /map and of the dashboard: shard (0),
 * method (pca) and dims (2). 1 after replying to a bad one. */
static int
map_params(const struct request *q, const struct gen *g, size_t *h, int *method,
           size_t *dims)
{
    const char *sv, *mv, *dv;
    if (param(q, "shard", &sv) || param(q, "method", &mv) ||
        param(q, "dims", &dv))
        return 1;
    *h = 0;
    *dims = 2;
    *method = AS_MAP_PCA;
    if (sv != NULL && parse_size(sv, 0, g->n - 1, h) != 0)
        reply_error(q->c, q->r, 400, "shard: not a shard number from 0 to %zu",
                    g->n - 1);
    else if (mv != NULL && (*method = page_method(mv)) < 0)
        reply_error(q->c, q->r, 400, "method: not pca, tsne or umap");
    else if (dv != NULL && parse_size(dv, 2, 3, dims) != 0)
        reply_error(q->c, q->r, 400, "dims: not 2 or 3");
    else
        return 0;
    return 1;
}

static int
map(const struct request *q, struct gen *g)
{
    static const char *const names[] = {"shard", "method", "dims", "format",
                                        NULL};
    if (check_params(q, names))
        return MHD_YES;
    const char *fv;
    if (param(q, "format", &fv))
        return MHD_YES;
    if (fv != NULL && strcmp(fv, "page") != 0 && strcmp(fv, "points") != 0)
        return reply_error(q->c, q->r, 400, "format: not points or page");
    size_t h, dims;
    int method;
    if (map_params(q, g, &h, &method, &dims))
        return MHD_YES;
    if (fv != NULL && strcmp(fv, "page") == 0)
        return page_map(q, g, h, method, dims);
    return api_map_cached(q, g, h, method, dims, bg_map, g->maps);
}

int
api_map_cached(const struct request *q, struct gen *g, size_t h, int method,
               size_t dims, char *(*build)(const struct bg_job *j, int *st),
               struct cache_slot *slots)
{
    /* computed once per version of the files, in the background */
    struct bg_job job = {
        .g = g,
        .h = h,
        .method = method,
        .dims = dims,
        .build = build,
        .einval = "the library is too small for this map",
    };
    char what[64];
    snprintf(what, sizeof what, "the %s map of shard %zu",
             page_method_title(method), h);
    return api_cached(q, g, &slots[page_slot(h, method, dims)], &job, what);
}

/* ---- /duplicates ---- */

/* One file of a duplicate group: AS_OK, or what reading it failed
 * with. */
static int
dup_member(struct rec *r, const struct gen *g, const struct as_dup_member *v)
{
    struct as_index_entry e;
    int st = as_index_entry(g->ix[v->ref.shard], v->ref.entry, &e);
    if (st != AS_OK)
        return st;
    rec_object(r, NULL);
    entry_fields(r, g->offset[v->ref.shard] + v->ref.entry, &e);
    rec_real(r, "distance", "%.6f", v->distance);
    rec_bool(r, "identical", v->identical);
    rec_real(r, "difference_db", "%.2f", v->difference);
    rec_close(r);
    return AS_OK;
}

/* The files a duplicate search could not decode, in path order. */
struct unread {
    struct unread_file {
        struct as_entry_ref ref;
        char *why;
    } * v;
    size_t n, cap;
    int st; /* AS_ENOMEM when one could not be kept */
};

/* as_dup_opts.unreadable: logged (as as-search -D warns of it) and kept
 * for the answer. */
static void
dup_unreadable(void *ctx, struct as_entry_ref ref, const char *path, int status,
               int err)
{
    struct unread *u = ctx;
    /* a FIFO, device or socket (refused unread, AS_EFORMAT): said as
     * as-search -D and GET /entries/ID/audio say it, from -C's folder */
    struct stat sb;
    const char *why = status == AS_EFORMAT &&
                              fstatat(api_opts->dirfd, path, &sb, 0) == 0 &&
                              !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)
                          ? "not a regular file"
                      : status == AS_EIO ? strerror(err)
                                         : as_strerror(status);
    cli_warnx(path, "%s", why);
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 16;
        void *v = realloc(u->v, cap * sizeof *u->v);
        if (v == NULL) {
            u->st = AS_ENOMEM;
            return;
        }
        u->v = v;
        u->cap = cap;
    }
    if ((u->v[u->n].why = strdup(why)) == NULL) {
        u->st = AS_ENOMEM;
        return;
    }
    u->v[u->n++].ref = ref;
}

static void
unread_free(struct unread *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->v[i].why);
    free(u->v);
}

/* The "unreadable" list of a duplicates answer: each file, with why. */
static int
unread_json(struct rec *r, const struct gen *g, const struct unread *u)
{
    rec_array(r, "unreadable");
    for (size_t i = 0; i < u->n; i++) {
        struct as_index_entry e;
        const struct as_entry_ref *ref = &u->v[i].ref;
        int st = as_index_entry(g->ix[ref->shard], ref->entry, &e);
        if (st != AS_OK)
            return st;
        rec_object(r, NULL);
        rec_size(r, "id", g->offset[ref->shard] + ref->entry);
        rec_path(r, e.path);
        rec_str(r, "error", u->v[i].why);
        rec_close(r);
    }
    rec_close(r);
    return AS_OK;
}

/* The duplicate groups of the library (visible entries in mask, NULL:
 * all) as as-search -D finds them, as JSON, with the files that could
 * not be decoded; NULL on failure (*st). */
static char *
build_duplicates(struct gen *g, double max_difference,
                 const as_entry_mask *mask, int *st)
{
    as_searcher *s = gen_searcher(g, st);
    if (s == NULL)
        return NULL;
    struct unread unread = {NULL, 0, 0, AS_OK};
    struct as_dup_opts o;
    as_dup_opts_init(&o);
    o.max_difference = max_difference;
    o.mask = mask ? as_entry_mask_rows(mask) : NULL;
    o.threads = api_opts->jobs;
    o.unreadable = dup_unreadable;
    o.unreadable_ctx = &unread;
    /* relative paths from -C, as /entries/{id}/audio opens them */
    o.dirfd = api_opts->dirfd;
    as_dup_groups *dg = NULL;
    *st = as_dup_groups_find(&dg, s, &o);
    gen_searcher_put(g, s);
    if (*st == AS_OK)
        *st = unread.st;
    struct answer a;
    if (*st == AS_OK && answer_open(&a) != 0)
        *st = AS_ENOMEM;
    if (*st != AS_OK) {
        as_dup_groups_free(dg);
        unread_free(&unread);
        return NULL;
    }
    size_t n = as_dup_groups_count(dg);
    rec_real(&a.r, "max_difference_db", "%.6f", max_difference);
    rec_size(&a.r, "count", n);
    *st = unread_json(&a.r, g, &unread);
    unread_free(&unread);
    rec_array(&a.r, "groups");
    for (size_t i = 0; i < n && *st == AS_OK; i++) {
        size_t m;
        const struct as_dup_member *v = as_dup_groups_get(dg, i, &m);
        rec_object(&a.r, NULL);
        rec_size(&a.r, "group", i + 1);
        rec_array(&a.r, "files");
        for (size_t k = 0; k < m && *st == AS_OK; k++)
            *st = dup_member(&a.r, g, &v[k]);
        rec_close(&a.r);
        rec_close(&a.r);
    }
    as_dup_groups_free(dg);
    if (*st != AS_OK) {
        answer_discard(&a);
        return NULL;
    }
    char *out = answer_close(&a);
    if (out == NULL)
        *st = AS_ENOMEM;
    return out;
}

/* The report of a job: over the entries its filter lets through. */
static char *
bg_duplicates(const struct bg_job *j, int *st)
{
    as_entry_mask *mask = NULL;
    if (j->filter != NULL &&
        (*st = as_entry_mask_new(&mask, j->g->ix, j->g->n, j->filter, NULL)) !=
            AS_OK)
        return NULL;
    char *json = build_duplicates(j->g, j->difference, mask, st);
    as_entry_mask_free(mask);
    return json;
}

/* The slot of the report a request with filters or another difference
 * asks for (the same filters in the same order and the same difference:
 * the same slot); as kept_get(). */
static struct keyed_slot *
dup_slot(const struct request *q, struct gen *g, double difference,
         unsigned *busy)
{
    char *filters = filters_key(q);
    char *key = NULL;
    *busy = 0;
    if (filters == NULL)
        return NULL;
    size_t len = strlen(filters) + 64;
    if ((key = malloc(len)) != NULL)
        snprintf(key, len, "%sdifference=%a", filters, difference);
    free(filters);
    return kept_get(g, g->dup_slots, &g->n_dup_slots, key, busy);
}

static int
duplicates(const struct request *q, struct gen *g)
{
    /* distance= is the parameter's former name */
    static const char *const names[] = {"+filters", "difference", "distance",
                                        NULL};
    if (check_params(q, names))
        return MHD_YES;
    const char *v, *old;
    if (param(q, "difference", &v) || param(q, "distance", &old))
        return MHD_YES;
    if (v != NULL && old != NULL)
        return reply_error(q->c, q->r, 400,
                           "difference and distance (its former name) are "
                           "one parameter: give one");
    const char *name = v != NULL ? "difference" : "distance";
    if (v == NULL)
        v = old;
    double dist = AS_DUP_DIFFERENCE;
    if (v != NULL) {
        char *end;
        dist = strtod(v, &end);
        if (end == v || *end != '\0' || !(dist >= 0.0 && dist <= 100.0))
            return reply_error(q->c, q->r, 400,
                               "%s: not a number from 0 to 100", name);
    }
    as_entry_filter *f;
    if (request_filter(q, &f))
        return MHD_YES;
    if (f != NULL) {
        /* a filter the index cannot apply is answered now, not by the
         * background report */
        as_entry_mask *m = NULL;
        size_t bad = 0;
        int st = as_entry_mask_new(&m, g->ix, g->n, f, &bad);
        as_entry_mask_free(m);
        if (st != AS_OK) {
            as_entry_filter_free(f);
            return mask_error(q, g, st, bad);
        }
    }
    struct bg_job job = {
        .g = g, .difference = dist, .filter = f, .build = bg_duplicates};
    /* computed in the background and kept */
    const char *what = "the duplicate report";
    if (f == NULL && dist == AS_DUP_DIFFERENCE)
        return api_cached(q, g, &g->dups, &job, what);
    unsigned busy;
    struct keyed_slot *ks = dup_slot(q, g, dist, &busy);
    return api_kept(q, g, ks, busy, &job, what);
}

/* ---- /anomalies ---- */

struct scored {
    size_t id;
    double score;
    int group; /* enum as_group, AS_G_COUNT: none */
};

/* The ranking of the visible entries (as_anomaly_rank(): o NULL for the
 * stored scores) into *out (malloc'd), *n of them. */
static int
rank_library(const struct gen *g, const struct as_anomaly_opts *o,
             struct scored **out, size_t *n)
{
    struct as_anomaly_ranked *r = malloc((g->total ? g->total : 1) * sizeof *r);
    struct scored *s = malloc((g->total ? g->total : 1) * sizeof *s);
    int st = r == NULL || s == NULL ? AS_ENOMEM
                                    : as_anomaly_rank(g->ix, g->n, o, r, n);
    for (size_t i = 0; st == AS_OK && i < *n; i++) {
        /* never -0 (a k-NN score of exact duplicates) */
        double v = fabs(r[i].score) < 5e-7 ? 0.0 : r[i].score;
        s[i] = (struct scored){g->offset[r[i].ref.shard] + r[i].ref.entry, v,
                               (int)r[i].group};
    }
    free(r);
    if (st != AS_OK) {
        free(s);
        s = NULL;
    }
    *out = s;
    return st;
}

/* The whole ranking of job j's method over the visible entries, as text
 * for anomalies_answer(): "n\n", then per entry "id score group\n",
 * the most anomalous first. */
static char *
bg_anomalies(const struct bg_job *j, int *st)
{
    struct as_anomaly_opts o;
    as_anomaly_opts_init(&o);
    o.method = (enum as_anomaly_method)j->method;
    o.k = j->k;
    o.threads = api_opts->jobs;
    struct scored *s;
    size_t n = 0;
    *st = rank_library(j->g, &o, &s, &n);
    char *out = NULL;
    size_t len = 0;
    FILE *fp = *st == AS_OK ? open_memstream(&out, &len) : NULL;
    if (*st == AS_OK && fp == NULL)
        *st = AS_ENOMEM;
    if (fp != NULL) {
        fprintf(fp, "%zu\n", n);
        for (size_t r = 0; r < n; r++)
            fprintf(fp, "%zu %.17g %d\n", s[r].id, s[r].score, s[r].group);
        if (fclose(fp) != 0 || out == NULL) {
            free(out);
            out = NULL;
            *st = AS_ENOMEM;
        }
    }
    free(s);
    return out;
}

static const char *const anomaly_methods[] = {"knn", "lof", "iforest"};

/* The answer: the first `limit` of n scored entries (with the method's
 * name, or NULL for the stored scores, and its neighbours). */
static int
anomalies_answer(const struct request *q, const struct gen *g,
                 const struct scored *s, size_t n, size_t limit,
                 const char *method, size_t k)
{
    struct answer a;
    if (answer_open(&a) != 0)
        return MHD_NO;
    if (method != NULL) {
        rec_str(&a.r, "method", method);
        if (k)
            rec_size(&a.r, "k", k);
    }
    rec_size(&a.r, "scored", n);
    rec_array(&a.r, "anomalies");
    for (size_t r = 0; r < n && r < limit; r++) {
        size_t h, i;
        gen_locate(g, s[r].id, &h, &i);
        struct as_index_entry e;
        int st = as_index_entry(g->ix[h], i, &e);
        if (st != AS_OK) {
            /* nothing from bytes that fail their checksum */
            answer_discard(&a);
            return index_error(q, g, st);
        }
        rec_object(&a.r, NULL);
        entry_fields(&a.r, s[r].id, &e);
        rec_real(&a.r, "anomaly", "%.6f", s[r].score);
        if (method != NULL)
            rec_str(&a.r, "group",
                    s[r].group >= 0 && s[r].group < AS_G_COUNT
                        ? as_group_name((enum as_group)s[r].group)
                        : NULL);
        rec_close(&a.r);
    }
    return answer_reply(q, &a);
}

/* GET /anomalies?method=: the ranking computed (text), answered. */
static int
computed_anomalies(const struct request *q, const struct gen *g,
                   const char *text, size_t limit, const char *method, size_t k)
{
    char *end;
    size_t n = (size_t)strtoull(text, &end, 10), got = 0;
    size_t want = n < limit ? n : limit;
    struct scored *s = malloc((want ? want : 1) * sizeof *s);
    if (s == NULL)
        return reply_error(q->c, q->r, 500, "out of memory");
    for (; got < want; got++) {
        s[got].id = (size_t)strtoull(end, &end, 10);
        s[got].score = strtod(end, &end);
        s[got].group = (int)strtol(end, &end, 10);
    }
    int ret = anomalies_answer(q, g, s, n, limit, method, k);
    free(s);
    return ret;
}

static int
anomalies(const struct request *q, struct gen *g)
{
    static const char *const names[] = {"limit", "method", "k", NULL};
    if (check_params(q, names))
        return MHD_YES;
    const char *v, *mv, *kv;
    if (param(q, "limit", &v) || param(q, "method", &mv) || param(q, "k", &kv))
        return MHD_YES;
    size_t limit = 20, k = 0;
    if (v != NULL && parse_size(v, 1, SIZE_MAX, &limit) != 0)
        return reply_error(q->c, q->r, 400, "limit: not a whole number from 1");
    int method, ret;
    if (method_param(q, mv, anomaly_methods, 3, "knn, lof or iforest", &method,
                     &ret))
        return ret;
    if (kv != NULL && (method < 0 || method == AS_ANOMALY_IFOREST))
        return reply_error(q->c, q->r, 400,
                           "k goes with method=knn or method=lof");
    if (kv != NULL && parse_size(kv, 1, API_MAX_K, &k) != 0)
        return reply_error(q->c, q->r, 400,
                           "k: not a whole number from 1 to %d", API_MAX_K);
    if (method >= 0) {
        struct as_anomaly_opts ao;
        as_anomaly_opts_init(&ao);
        ao.method = (enum as_anomaly_method)method;
        if (k == as_anomaly_k(&ao, SIZE_MAX))
            k = 0; /* the default's answer */
        /* the neighbours used in the largest index */
        ao.k = k;
        size_t most = 0;
        for (size_t h = 0; h < g->n; h++)
            if (as_index_count(g->ix[h]) > most)
                most = as_index_count(g->ix[h]);
        size_t shown_k = as_anomaly_k(&ao, most);
        /* computed in the background and kept, per method and k */
        struct bg_job job = {
            .g = g, .method = method, .k = k, .build = bg_anomalies};
        const char *what = "the anomaly ranking", *text;
        struct cache_slot *slot = &g->anomalies[method];
        unsigned busy = 0;
        if (k != 0) {
            job.kept = run_slot(g, "anomalies", 0, method, k, &busy);
            if (job.kept == NULL)
                return kept_none(q, busy, what);
            slot = &job.kept->slot;
        }
        int got = !cached_value(q, g, slot, &job, what, &text, &ret);
        if (got)
            ret = computed_anomalies(q, g, text, limit, mv, shown_k);
        if (job.kept != NULL)
            kept_release(g, job.kept, got);
        return ret;
    }
    /* the scores as-anomaly -W stored */
    struct scored *s;
    size_t n = 0;
    int st = rank_library(g, NULL, &s, &n);
    if (st != AS_OK)
        return index_error(q, g, st);
    ret = anomalies_answer(q, g, s, n, limit, NULL, 0);
    free(s);
    return ret;
}

/* ---- documents ---- */

static int
document(const struct request *q, const char *text, const char *type)
{
    static const char *const none[] = {NULL};
    if (check_params(q, none))
        return MHD_YES;
    return reply_static(q->c, q->r, 200, text, type);
}

/* The dashboard: its parameters are the map's, read by the page's
 * script, and checked here as /map checks them. */
static int
dashboard(const struct request *q, const struct gen *g)
{
    static const char *const names[] = {"shard", "method", "dims", NULL};
    size_t h, dims;
    int method;
    if (check_params(q, names) || map_params(q, g, &h, &method, &dims))
        return MHD_YES;
    return page_dashboard(q);
}

int
api_handle(const struct request *q, struct gen *g)
{
    const char *p = q->path;
    int post = strcmp(q->method, "POST") == 0;
    if (strcmp(p, "/search") == 0)
        return search(q, g);
    if (strncmp(p, "/entries/", 9) == 0)
        return entries(q, g);
    static const struct {
        const char *path;
        int kind;
    } routes[] = {
        {"/healthz", 0},           {"/stats", 1},    {"/anomalies", 2},
        {"/openapi.json", 3},      {"/docs", 4},     {"/", 5},
        {"/search-by-filters", 6}, {"/clusters", 7}, {"/map", 8},
        {"/duplicates", 9},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(p, routes[i].path) != 0)
            continue;
        if (post)
            return reply_error(q->c, q->r, 405, "method POST not allowed");
        switch (routes[i].kind) {
        case 0:
            return healthz(q, g);
        case 1:
            return stats(q, g);
        case 2:
            return anomalies(q, g);
        case 3:
            return document(q, openapi_json, "application/json");
        case 4:
            return document(q, docs_html, "text/html; charset=utf-8");
        case 6:
            return search_by_filters(q, g);
        case 7:
            return clusters(q, g);
        case 8:
            return map(q, g);
        case 9:
            return duplicates(q, g);
        default:
            return dashboard(q, g);
        }
    }
    return reply_error(q->c, q->r, 404, "no such endpoint");
}
