/* SPDX-License-Identifier: MIT */
/* as-serve: the HTTP side: requests, bodies, replies and the access log. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "as-serve.h"
#include "common/record.h"
#include "form.h"
#include "http.h"

/* A body is kept in memory up to this size, then in an unlinked
 * temporary file. */
#define SPOOL_MEM ((size_t)1 << 20)

struct req {
    char *uri;        /* as the client sent it */
    const char *path; /* decoded, in origin form, once handle() has it */
    double t0;
    char addr[INET6_ADDRSTRLEN];
    char method[16];
    unsigned status; /* 0: no reply queued by us */
    uint64_t bytes;
    struct gen *g;
    int started;
    int counted;      /* counted in `working` (-m) */
    unsigned reject;  /* status to answer once the body is read */
    int reject_errno; /* with 500: why the body's temporary file failed;
                         0: out of memory */
    unsigned char *mem;
    size_t len, cap;
    int fd;                 /* spool file, or -1 */
    struct search_job *job; /* a search waiting for its batch */
    unsigned retry_after;   /* a 503's Retry-After, seconds; 0: 1 */
};

/* A connection's own state (MHD's socket context): the request it is
 * reading, from uri_log() until completed(). libmicrohttpd drops a
 * request it cannot parse (a query of a thousand fields fills its
 * memory pool) without the completion callback: the connection's close,
 * or its next request, then logs and frees it. */
struct conn {
    struct req *pending;
};

static const struct serve_opts *opts;
static atomic_uint in_flight;
/* the requests not answered yet, for -m: in_flight but for those whose
 * answer is queued, which a client may have read before completed()
 * runs, and then sent its next request */
static atomic_uint working;
static atomic_ulong requests_served;
/* connections open (accepted, not closed), against the limit of -m */
static atomic_uint connections;
static unsigned connection_limit;
static atomic_int stopping;

unsigned
http_in_flight(void)
{
    return atomic_load(&in_flight);
}

void
http_stopping(void)
{
    atomic_store(&stopping, 1);
}

unsigned long
http_requests(void)
{
    return atomic_load(&requests_served);
}

/* ---- replies ---- */

int
body_open(struct body *b)
{
    b->buf = NULL;
    b->len = 0;
    b->fp = open_memstream(&b->buf, &b->len);
    return b->fp == NULL ? -1 : 0;
}

char *
body_close(struct body *b)
{
    /* open_memstream reports a failed write (out of memory) at fclose */
    if (fclose(b->fp) != 0) {
        free(b->buf);
        b->buf = NULL;
    }
    b->fp = NULL;
    return b->buf;
}

void
body_discard(struct body *b)
{
    free(body_close(b));
    b->buf = NULL;
}

struct MHD_Response *
response_buffer(char *buf, size_t len, const char *type)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(buf);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    return resp;
}

static void
add_common_headers(struct MHD_Response *resp)
{
    if (opts->origin != NULL) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin",
                                opts->origin);
        MHD_add_response_header(resp, "Vary", "Origin");
        /* a page of that origin may read the version of the ids */
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                "X-As-Generation");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

/* r leaves the count of -m (once). */
static void
uncount(struct req *r)
{
    if (r->counted) {
        r->counted = 0;
        atomic_fetch_sub(&working, 1);
    }
}

int
reply_response(struct MHD_Connection *c, struct req *r, unsigned status,
               struct MHD_Response *resp, uint64_t bytes)
{
    if (resp == NULL)
        return MHD_NO;
    add_common_headers(resp);
    if (r->g != NULL) {
        /* the version of the indexes the answer's ids belong to */
        char gen[24];
        snprintf(gen, sizeof gen, "%lu", r->g->id);
        MHD_add_response_header(resp, "X-As-Generation", gen);
    }
    r->status = status;
    r->bytes = bytes;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    uncount(r);
    return ret;
}

int
reply_body(struct MHD_Connection *c, struct req *r, unsigned status,
           struct body *b, const char *type)
{
    if (body_close(b) == NULL)
        return reply_static(c, r, 500, "{\"error\":\"out of memory\"}\n",
                            "application/json");
    size_t len = b->len;
    return reply_response(c, r, status, response_buffer(b->buf, len, type),
                          len);
}

int
reply_static(struct MHD_Connection *c, struct req *r, unsigned status,
             const char *text, const char *type)
{
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    return reply_response(c, r, status, resp, len);
}

void
reply_retry_after(struct req *r, unsigned seconds)
{
    r->retry_after = seconds;
}

int
reply_error(struct MHD_Connection *c, struct req *r, unsigned status,
            const char *fmt, ...)
{
    /* the whole message: one cut at a fixed length lost its end (": not
     * in the index" after a long path) and could split a character */
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg != NULL)
        vsnprintf(msg, (size_t)n + 1, fmt, aq);
    va_end(aq);
    struct body b;
    if (msg == NULL || body_open(&b) != 0) {
        free(msg);
        return MHD_NO;
    }
    /* the server's own failure: its reason in the log too, for whoever
     * runs it (the access line says only 500) */
    if (status == 500)
        cli_warnx(NULL, "%s", msg);
    struct rec rec;
    rec_init(&rec, b.fp, &(struct rec_opts){.json = 1});
    rec_begin(&rec);
    rec_str(&rec, "error", msg);
    rec_int(&rec, "status", status);
    rec_end(&rec);
    rec_free(&rec);
    free(msg);
    if (body_close(&b) == NULL)
        return MHD_NO;
    size_t len = b.len;
    struct MHD_Response *resp = response_buffer(b.buf, len, "application/json");
    if (resp == NULL)
        return MHD_NO;
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (status == 503) {
        char s[16];
        snprintf(s, sizeof s, "%u", r->retry_after ? r->retry_after : 1);
        MHD_add_response_header(resp, "Retry-After", s);
    }
    if (status == 405) {
        /* /search alone takes POST (an uploaded sound), however its path
         * was spelt (percent-encoded, in absolute form) */
        const char *u = r->path != NULL  ? r->path
                        : r->uri != NULL ? r->uri
                                         : "";
        int search =
            strncmp(u, "/search", 7) == 0 && (u[7] == '\0' || u[7] == '?');
        MHD_add_response_header(resp, "Allow",
                                search ? "GET, HEAD, POST" : "GET, HEAD");
    }
    if (status == 413 || status == 503 || status == 501)
        MHD_add_response_header(resp, "Connection", "close");
    return reply_response(c, r, status, resp, len);
}

/* ---- requests ---- */

static void finish(struct req *r, enum MHD_RequestTerminationCode toe);
static const char *origin_form(const char *url);

static struct conn *
conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    struct conn *k = conn_of(c);
    if (k != NULL && k->pending != NULL) {
        finish(k->pending, MHD_REQUEST_TERMINATED_WITH_ERROR);
        k->pending = NULL;
    }
    struct req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->fd = -1;
    r->t0 = cli_now();
    r->uri = strdup(uri);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    strcpy(r->addr, "-");
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                      r->addr, sizeof r->addr);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      r->addr, sizeof r->addr);
    }
    if (k != NULL)
        k->pending = r;
    return r;
}

static void
completed(void *cls, struct MHD_Connection *c, void **req_cls,
          enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct req *r = *req_cls;
    if (r == NULL)
        return;
    *req_cls = NULL;
    struct conn *k = conn_of(c);
    if (k != NULL && k->pending == r)
        k->pending = NULL;
    finish(r, toe);
}

/* Logs the request (unless -q) and frees it. */
static void
finish(struct req *r, enum MHD_RequestTerminationCode toe)
{
    if (!opts->quiet_log) {
        /* method, path, status, bytes, microseconds; the query string
         * is left out (it may name files or carry a user's words), and
         * so are the scheme and host of a target in absolute form */
        const char *u = r->uri ? origin_form(r->uri) : "-";
        size_t plen = strcspn(u, "?");
        char path[1024];
        if (plen >= sizeof path)
            plen = sizeof path - 1;
        memcpy(path, u, plen);
        path[plen] = '\0';
        char *ep = cli_msg_name_dup(path);
        long long us = (long long)((cli_now() - r->t0) * 1e6);
        flockfile(stderr);
        fprintf(stderr, "%s: %s %s %s %u %llu %lld%s\n", cli_name, r->addr,
                r->method[0] ? r->method : "-", ep ? ep : "-", r->status,
                (unsigned long long)r->bytes, us,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK      ? ""
                : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " timeout"
                                                                : " aborted");
        funlockfile(stderr);
        free(ep);
    }
    if (r->started)
        atomic_fetch_sub(&in_flight, 1);
    uncount(r);
    atomic_fetch_add(&requests_served, 1);
    search_job_free(r->job);
    gen_release(r->g);
    if (r->fd >= 0)
        close(r->fd);
    free(r->mem);
    free(r->uri);
    free(r);
}

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    /* counted from STARTED to CLOSED, which come in pairs: a
     * connection that libmicrohttpd drops after the accept policy took
     * it (out of memory) is in neither, so never counted for good */
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&connections, 1);
        *socket_context = calloc(1, sizeof(struct conn));
        return;
    }
    atomic_fetch_sub(&connections, 1);
    struct conn *k = *socket_context;
    if (k != NULL && k->pending != NULL)
        finish(k->pending, MHD_REQUEST_TERMINATED_WITH_ERROR);
    free(k);
    *socket_context = NULL;
}

void
http_suspend(const struct request *q, struct search_job *j)
{
    j->conn = q->c;
    q->r->job = j;
    MHD_suspend_connection(q->c);
}

void
http_resume(struct search_job *j)
{
    MHD_resume_connection(j->conn);
}

/* An unlinked temporary file for a body or an upload; -1 with errno. */
int
spool_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    char tmpl[4096];
    if (snprintf(tmpl, sizeof tmpl, "%s/as-serve.XXXXXX", dir) >=
        (int)sizeof tmpl) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    unlink(tmpl);
    return fd;
}

int
write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Stores n more bytes of the body; -1 when its temporary file failed
 * (errno set), -2 out of memory. */
static int
body_append(struct req *r, const char *data, size_t n)
{
    if (r->fd < 0 && r->len + n > SPOOL_MEM) {
        r->fd = spool_file();
        if (r->fd < 0 || write_all(r->fd, r->mem, r->len) != 0)
            return -1;
        free(r->mem);
        r->mem = NULL;
        r->cap = 0;
    }
    if (r->fd >= 0) {
        if (write_all(r->fd, data, n) != 0)
            return -1;
        r->len += n;
        return 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->len + n)
            cap *= 2;
        unsigned char *m = realloc(r->mem, cap);
        if (m == NULL)
            return -2;
        r->mem = m;
        r->cap = cap;
    }
    memcpy(r->mem + r->len, data, n);
    r->len += n;
    return 0;
}

/* The answer to a CORS preflight (OPTIONS, with -A): which methods and
 * headers a page of the allowed origin may use. */
static int
reply_preflight(struct MHD_Connection *c, struct req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                            "GET, HEAD, POST");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                            "Authorization, Content-Type");
    MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    return reply_response(c, r, 204, resp, 0);
}

/* Constant-time comparison of the bearer token (the scheme's name in any
 * case, as RFC 7235 has it). */
static int
authorized(struct MHD_Connection *c)
{
    if (opts->token == NULL)
        return 1;
    const char *h =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    size_t a = strlen(h), b = strlen(opts->token);
    unsigned char diff = (unsigned char)(a != b);
    for (size_t i = 0; i < a && i < b; i++)
        diff |= (unsigned char)(h[i] ^ opts->token[i]);
    return diff == 0;
}

/* Whether the request announces a body (a length other than 0, or a
 * transfer coding). */
static int
has_body(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    return (cl != NULL && strspn(cl, "0") != strlen(cl)) ||
           MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                       "Transfer-Encoding") != NULL;
}

/* The connection's inactivity limit: s seconds (whole ones, rounded up),
 * never more than -i. */
static void
body_timeout(struct MHD_Connection *c, double s)
{
    unsigned t = (unsigned)ceil(s);
    if (t > opts->idle_timeout_s)
        t = opts->idle_timeout_s;
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, t);
}

static int
dispatch(struct MHD_Connection *c, struct req *r, const char *url,
         const char *method)
{
    const char *q = strchr(r->uri ? r->uri : "", '?');
    struct form_query query;
    int st = form_query_parse(&query, q ? q + 1 : "", q ? strlen(q + 1) : 0);
    if (st != 0) {
        form_query_free(&query);
        if (st == FORM_ENOMEM)
            return reply_error(c, r, 500, "out of memory");
        return reply_error(c, r, 400, "%s",
                           st == FORM_ETOOMANY ? "too many query parameters"
                                               : "malformed query string");
    }
    /* generation=N: ids taken from generation N, refused once the
     * indexes were replaced (ids change then) */
    int dup = 0, bad = 0;
    const char *gv = form_query_get(&query, "generation", &dup, &bad);
    if (gv != NULL || dup || bad) {
        char *end;
        errno = 0;
        unsigned long want = gv != NULL ? strtoul(gv, &end, 10) : 0;
        int ok = gv != NULL && !dup && gv[0] >= '0' && gv[0] <= '9' &&
                 *end == '\0' && errno == 0;
        if (!ok || want != r->g->id)
            form_query_free(&query);
        if (!ok)
            return reply_error(c, r, 400, "generation: not one whole number");
        if (want != r->g->id)
            return reply_error(c, r, 409,
                               "generation %lu is served, not %lu: ids "
                               "change when the indexes are replaced",
                               r->g->id, want);
    }
    const unsigned char *body = r->mem;
    void *map = NULL;
    if (r->fd >= 0 && r->len > 0) {
        map = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE, r->fd, 0);
        if (map == MAP_FAILED) {
            form_query_free(&query);
            return reply_error(c, r, 500, "upload: %s", strerror(errno));
        }
        body = map;
    }
    struct request rq = {
        .c = c,
        .r = r,
        .method = method,
        .path = url,
        .query = &query,
        .body = body,
        .body_len = r->len,
        .body_fd = r->fd,
        .content_type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
        .range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range"),
    };
    int ret = api_handle(&rq, r->g);
    if (map != NULL)
        munmap(map, r->len);
    form_query_free(&query);
    return ret;
}

/* The path of a request target in absolute form ("http://host/x"),
 * which a server must accept (RFC 9112, 3.2.2), as origin form ("/x");
 * another target as it is. */
static const char *
origin_form(const char *url)
{
    const char *p = url;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
        p++;
    if (p == url || strncmp(p, "://", 3) != 0)
        return url;
    p = strchr(p + 3, '/');
    return p != NULL ? p : "/";
}

/* Counts the headers a request may not give twice: [0] Content-Length,
 * [1] Transfer-Encoding, [2] Authorization; and [3] the names followed
 * by white space before their colon, which libmicrohttpd keeps as other
 * names ("Authorization " beside "Authorization"). */
static enum MHD_Result
count_singletons(void *cls, enum MHD_ValueKind kind, const char *key,
                 const char *value)
{
    (void)kind;
    (void)value;
    unsigned *n = cls;
    size_t len = strlen(key);
    if (len > 0 && (key[len - 1] == ' ' || key[len - 1] == '\t'))
        n[3]++;
    else if (strcasecmp(key, "Content-Length") == 0)
        n[0]++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        n[1]++;
    else if (strcasecmp(key, "Authorization") == 0)
        n[2]++;
    return MHD_YES;
}

/* Why a proxy in front might read the request otherwise than
 * libmicrohttpd does, or NULL. The body's length given more than one way
 * (two Content-Length headers, or one beside Transfer-Encoding): the
 * proxy may take what is left of the body for another request (RFC 9112,
 * 6.3). Two Authorization headers with a token (-k): libmicrohttpd gives
 * the first, a proxy that checks or logs the token may read the other.
 * A header's name followed by white space: a proxy may read it by its
 * name, libmicrohttpd as another one. Refused, not guessed. */
static const char *
ambiguous(struct MHD_Connection *c)
{
    unsigned n[4] = {0, 0, 0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_singletons, n);
    /* RFC 9112, 5.1: a server must refuse them, as a proxy may read
     * such a header by its name without the white space */
    if (n[3] > 0)
        return "white space between a header's name and its colon";
    if (n[0] > 1 || (n[0] > 0 && n[1] > 0))
        return "the body's length given twice "
               "(Content-Length, Transfer-Encoding)";
    if (n[2] > 1 && opts->token != NULL)
        return "more than one Authorization header";
    return NULL;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size,
       void **req_cls)
{
    (void)cls;
    (void)version;
    struct req *r = *req_cls;
    if (r == NULL)
        return MHD_NO; /* out of memory in uri_log */
    r->path = url = origin_form(url);
    if (!r->started) {
        r->started = 1;
        atomic_fetch_add(&in_flight, 1);
        /* requests, not connections: a connection is counted until its
         * close is processed, which comes after its client may already
         * have opened the next one (and an idle one costs little) */
        r->counted = 1;
        unsigned busy = atomic_fetch_add(&working, 1);
        snprintf(r->method, sizeof r->method, "%s", method);
        /* before any other answer: whatever is answered, the body of
         * such a request is never read as the next one */
        const char *why = ambiguous(c);
        if (why != NULL)
            return reply_error(c, r, 400, "%s", why);
        /* nor one in a coding libmicrohttpd cannot undo (gzip): it
         * would wait for the body to end until the idle timeout */
        const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Transfer-Encoding");
        if (te != NULL && strcasecmp(te, "chunked") != 0)
            return reply_error(c, r, 501,
                               "only the chunked Transfer-Encoding is "
                               "supported");
        if (atomic_load(&stopping))
            return reply_error(c, r, 503, "the server is stopping");
        if (busy >= opts->max_connections)
            return reply_error(c, r, 503, "too many requests in progress");
        /* the dashboard's page, the API's description and the page that
         * shows it hold no data (a browser cannot send a header with a
         * link followed); their scripts send the token with every
         * request for data. /healthz is a load balancer's probe. Only a
         * GET or HEAD without a body: a body sent without the token is
         * never read */
        int open =
            (strcmp(url, "/") == 0 || strcmp(url, "/docs") == 0 ||
             strcmp(url, "/openapi.json") == 0 ||
             strcmp(url, "/healthz") == 0) &&
            (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
            !has_body(c);
        /* with -A, a browser asks first (a preflight, never with the
         * token) whether its page may send the token */
        if (opts->origin != NULL && strcmp(method, "OPTIONS") == 0)
            return reply_preflight(c, r);
        if (!open && !authorized(c))
            return reply_error(c, r, 401, "missing or wrong bearer token");
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
            strcmp(method, "POST") != 0)
            return reply_error(c, r, 405, "method %s not allowed", method);
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (end == cl || *end != '\0' || errno != 0 || v > opts->max_upload)
                return reply_error(c, r, 413,
                                   "request body over the limit of %zu bytes",
                                   opts->max_upload);
        }
        r->g = gen_acquire();
        if (r->g == NULL)
            return reply_error(c, r, 503, "no index loaded");
        /* a body that stops arriving is cut off after -s, not -i: each
         * piece that comes is checked below, and a stall is the
         * connection's inactivity */
        if (has_body(c))
            body_timeout(c, opts->request_timeout_s);
        return MHD_YES;
    }
    /* answered at the first call, and called again: libmicrohttpd keeps
     * no response queued while the daemon stops (MHD_queue_response()
     * says yes and drops it), and this request has no index to go on
     * with (r->g was never taken): close it */
    if (r->status != 0)
        return MHD_NO;
    if (r->job != NULL) {
        /* resumed: the batch answered the search */
        struct search_job *j = r->job;
        r->job = NULL;
        return search_job_reply(c, r, j);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (cli_now() - r->t0 > opts->request_timeout_s)
            return MHD_NO; /* a client too slow: drop the connection */
        if (r->reject)
            return MHD_YES;
        if (r->len + n > opts->max_upload) {
            r->reject = 413;
            return MHD_YES;
        }
        int st = body_append(r, upload_data, n);
        if (st != 0) {
            r->reject = 500;
            r->reject_errno = st == -2 ? 0 : errno;
        }
        return MHD_YES;
    }
    /* the body is in: the answer may take -i to be read */
    if (has_body(c))
        body_timeout(c, (double)opts->idle_timeout_s);
    if (r->reject == 413)
        return reply_error(c, r, 413,
                           "request body over the limit of %zu bytes",
                           opts->max_upload);
    if (r->reject) {
        char buf[512];
        return reply_error(
            c, r, 500, "upload: %s",
            r->reject_errno == 0
                ? "out of memory"
                : cli_tmp_reason(r->reject_errno, buf, sizeof buf));
    }
    return dispatch(c, r, url, method);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (opts->quiet_log)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    cli_warnx(NULL, "%s", msg);
}

/* The request path's escapes decoded in place (form_path_unescape()). */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return form_path_unescape(s);
}

/* Takes a connection while fewer than the limit are open and the server
 * is not stopping; MHD closes one refused here at once. (At its own
 * limit libmicrohttpd stops accepting instead: new clients waited in the
 * listen queue until an idle connection timed out, -i seconds, 30 by
 * default.) Threads that accept at the same moment may each take one
 * past the limit. */
static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    (void)addr;
    (void)len;
    return !atomic_load(&stopping) &&
                   atomic_load(&connections) < connection_limit
               ? MHD_YES
               : MHD_NO;
}

struct MHD_Daemon *
http_start(const struct serve_opts *o, int listen_fd)
{
    opts = o;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
#ifdef __linux__
    flags |= MHD_USE_EPOLL;
#else
    flags |= MHD_USE_POLL;
#endif
    /* room for as many idle connections (kept alive by browsers) as
     * requests, and for a few more to be told 503; past it,
     * accept_policy() closes them as they come. libmicrohttpd's own
     * limit is higher, so that it is never reached (with a pool, each
     * thread has its share of it) */
    connection_limit = 2 * o->max_connections + 16;
    unsigned limit = 2 * connection_limit + 16;
    /* one thread is no pool: libmicrohttpd warns of a size of 1 or 0,
     * so the option is left out then */
    struct MHD_OptionItem pool[] = {
        {o->jobs > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
         (intptr_t)o->jobs, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(
        flags, 0, accept_policy, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_ARRAY,
        pool, MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
        o->idle_timeout_s, MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
}
