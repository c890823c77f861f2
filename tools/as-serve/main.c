/* SPDX-License-Identifier: MIT */
/* as-serve: the REST API and browser dashboard over an index. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "as-serve.h"
#include "common/options.h"
#include "http.h"

#define USAGE                                                                  \
    "usage: as-serve [-aBIq] [-A origin] [-C dir] [-d seconds] "               \
    "[-i seconds]\n"                                                           \
    "                [-j jobs] [-k file] [-l addr:port] [-m count] "           \
    "[-s seconds]\n"                                                           \
    "                [-u bytes] index ..."

/* -u: a size in bytes, with a k, M or G suffix */
static void
take_bytes(struct cli_opt *row, const char *name, const char *arg)
{
    char *end;
    errno = 0;
    if (arg[0] < '0' || arg[0] > '9')
        cli_usage_error("%s: '%s' is not a size in bytes", name, arg);
    unsigned long long v = strtoull(arg, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'M')
        mul = 1024 * 1024, end++;
    else if (*end == 'G')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end != '\0' || errno != 0 || v == 0 || v > (1ULL << 40) / mul)
        cli_usage_error("%s: '%s' is not a size from 1 byte to 1 TiB", name,
                        arg);
    *(size_t *)row->to = (size_t)(v * mul);
}

/* -A: an origin for CORS */
static void
take_origin(struct cli_opt *row, const char *name, const char *arg)
{
    if (arg[0] == '\0' || strpbrk(arg, "\r\n") != NULL)
        cli_usage_error("%s: '%s' is not an origin", name, arg);
    *(const char **)row->to = arg;
}

/* The longest token: far more than any secret needs, and well within
 * what libmicrohttpd takes of a request's headers. */
#define TOKEN_MAX 4096

/* Reads the token: the first line of the file, 16 to TOKEN_MAX bytes. */
static char *
read_token(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        cli_warnx(path, "%s", strerror(errno));
        return NULL;
    }
    /* the first line, every byte of it (a NUL too, to be refused below,
     * not to end the token), up to one byte past the most a token has:
     * a line too long is refused rather than cut */
    char buf[TOKEN_MAX + 2];
    size_t n = 0;
    int c;
    while (n < TOKEN_MAX + 1 && (c = getc(fp)) != EOF && c != '\n')
        buf[n++] = (char)c;
    /* stopped at the limit: the line goes on unless it ends there */
    int more = n == TOKEN_MAX + 1 && (c = getc(fp)) != EOF && c != '\n';
    fclose(fp);
    if (!more && n > 0 && buf[n - 1] == '\r') /* a CR LF line end */
        n--;
    if (more || n > TOKEN_MAX) {
        cli_warnx(path, "the token must be at most %d characters", TOKEN_MAX);
        return NULL;
    }
    buf[n] = '\0';
    if (n < 16) {
        cli_warnx(path, "the token must be at least 16 characters");
        return NULL;
    }
    /* what a browser can send in a header (RFC 6750's token is ASCII):
     * other bytes would lock the dashboard out */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] >= 127) {
            cli_warnx(path, "the token must be printable ASCII, without "
                            "spaces");
            return NULL;
        }
    char *t = strdup(buf);
    if (t == NULL)
        cli_warn_status(NULL, AS_ENOMEM);
    return t;
}

/* Splits ADDR:PORT ([v6]:PORT for IPv6). Usage error if malformed. */
static void
split_listen(const char *arg, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon;
    const char *h = arg;
    size_t hl;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (close == NULL || close[1] != ':')
            cli_usage_error("-l: '%s' is not ADDR:PORT", arg);
        h = arg + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(arg, ':');
        if (colon == NULL)
            cli_usage_error("-l: '%s' is not ADDR:PORT", arg);
        hl = (size_t)(colon - arg);
    }
    const char *p = colon + 1;
    size_t pl = strlen(p);
    if (hl == 0 || hl >= hcap || pl == 0 || pl >= pcap ||
        strspn(p, "0123456789") != pl)
        cli_usage_error("-l: '%s' is not ADDR:PORT", arg);
    cli_parse_long("-l", p, 0, 65535);
    memcpy(host, h, hl);
    host[hl] = '\0';
    memcpy(port, p, pl + 1);
}

static int
is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
    }
    return 0;
}

/* Opens the listening socket, and writes the URL to open into url
 * (cap bytes). -1 on failure (reported); exits 2 for a non-loopback
 * address without a token or --insecure. */
static int
listen_on(const struct serve_opts *o, char *url, size_t cap)
{
    char host[256], port[16];
    split_listen(o->listen, host, sizeof host, port, sizeof port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        cli_warnx(o->listen, "%s", gai_strerror(gai));
        return -1;
    }
    if (!is_loopback(res->ai_addr) && o->token == NULL && !o->insecure) {
        freeaddrinfo(res);
        cli_usage_error("-l: %s is not a loopback address: give --token "
                        "FILE, or --insecure",
                        host);
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
                    res->ai_protocol);
    int one = 1;
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        cli_warnx(o->listen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char name[INET6_ADDRSTRLEN] = "?";
    unsigned bound = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *s = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s->sin_addr, name, sizeof name);
            bound = ntohs(s->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s->sin6_addr, name, sizeof name);
            bound = ntohs(s->sin6_port);
        }
    }
    /* every address: the one to open from this machine, the loopback */
    if (strcmp(name, "0.0.0.0") == 0)
        strcpy(name, "127.0.0.1");
    else if (strcmp(name, "::") == 0)
        strcpy(name, "::1");
    snprintf(url, cap,
             ss.ss_family == AF_INET6 ? "http://[%s]:%u/" : "http://%s:%u/",
             name, bound);
    return fd;
}

/* The generation of the indexes opened at start: drawn from the clock
 * and the process id, so that a server started again (with another
 * library, on the same address) does not count from where the one
 * before did, and a page it served takes no id of the new one for its
 * own. Each replacement adds one. Below 2^31, so that it fits an
 * unsigned long anywhere and two billion replacements later still is a
 * number JavaScript holds exactly; never 0. */
static unsigned long
first_generation(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
     * pseudorandom number generators", 2014) spreads the seed's bits */
    uint64_t z = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    z ^= (uint64_t)getpid() << 32;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (unsigned long)(z % 0x7FFFFFFFu) + 1;
}

/* Opens the indexes again and makes them current; keeps the old ones
 * when that fails (reported once per version of the files: *failed holds
 * the identity of the files that failed, not tried again until they
 * change, if only their permissions, or force is set). A version is
 * that of every file served: a chmod of another index tries the failed
 * one again, and says so again if it fails again. */
static void
reload(const struct serve_opts *o, unsigned long *gen_id,
       struct as_index_ident *failed, int force)
{
    if (!force && gen_files_are(failed, o->index_paths, o->n_index))
        return;
    /* the files as they were before the open: one replaced by a good
     * one after a failed open is a change, tried at the next look */
    struct as_index_ident *before = calloc(o->n_index, sizeof *before);
    if (before != NULL)
        gen_files_get(before, o->index_paths, o->n_index);
    struct gen *g = gen_open(o->index_paths, o->n_index, *gen_id + 1, 0);
    if (g == NULL) {
        cli_warnx(NULL, "keeping the indexes opened before");
        if (before != NULL)
            memcpy(failed, before, o->n_index * sizeof *failed);
        else
            gen_files_get(failed, o->index_paths, o->n_index);
        free(before);
        return;
    }
    free(before);
    ++*gen_id;
    gen_install(g);
    api_drop_replaced();
}

/* The options into o; exits 0 after --help or --version, 2 on a usage
 * error. */
static void
parse_options(int argc, char **argv, struct serve_opts *o)
{
    struct cli_opt rows[] = {
        {'a', "approx", CLI_FLAG, NULL, CLI_TO(o->approx),
         .help = "load the approximate index INDEX.ann (as-index -a): "
                 "searches with approx=1 use it"},
        {'A', "allow-origin", CLI_CALL, "ORIGIN", .to = &o->origin,
         .fn = take_origin,
         .help = "allow cross-origin requests from ORIGIN (CORS; default: "
                 "none)"},
        {'B', "no-batch", CLI_FLAG, NULL, CLI_TO(o->no_batch),
         .help = "scan for each search alone (default: one scan answers the "
                 "searches waiting together)"},
        {'C', "directory", CLI_STR, "DIR", CLI_TO(o->dir), .once = 1,
         .help = "relative entry paths start in DIR (default: the current "
                 "directory)"},
        {'d', "max-duration", CLI_REAL, "S", CLI_TO(o->max_duration_s),
         .min = 0.0, .max = 1e6,
         .help = "refuse uploaded audio longer than S seconds with 413 "
                 "(default 600; 0: no limit)"},
        CLI_OPT_HELP,
        {'I', "insecure", CLI_FLAG, NULL, CLI_TO(o->insecure),
         .help = "allow a non-loopback address without a token"},
        {'i', "idle-timeout", CLI_UINT, "S", CLI_TO(o->idle_timeout_s), .lo = 1,
         .hi = 86400,
         .help = "close a connection idle for S seconds (default 30)"},
        {'j', "jobs", CLI_UINT, "N", CLI_TO(o->jobs), .lo = 1, .hi = 256,
         .help = "worker threads (default: one per processor)"},
        {'k', "token", CLI_STR, "FILE", CLI_TO(o->token_file), .once = 1,
         .help = "require the bearer token held in FILE"},
        {'l', "listen", CLI_STR, "ADDR:PORT", CLI_TO(o->listen),
         .help = "where to listen (default 127.0.0.1:8001; port 0 picks a "
                 "free one)"},
        {'m', "max-connections", CLI_UINT, "N", CLI_TO(o->max_connections),
         .lo = 1, .hi = 100000,
         .help = "answer 503 beyond N requests at once (default 64)"},
        /* as-serve's -q is its own: no access log */
        {'q', "quiet", CLI_FLAG, NULL, CLI_TO(o->quiet_log),
         .help = "print no access log"},
        {'s', "request-timeout", CLI_REAL, "S", CLI_TO(o->request_timeout_s),
         .min = 0.001, .max = 86400,
         .help = "drop a request not received in S seconds (default 60)"},
        {'u', "max-upload", CLI_CALL, "BYTES", CLI_TO(o->max_upload),
         .fn = take_bytes,
         .help = "refuse larger bodies with 413 (default 67108864; a k, M or "
                 "G suffix multiplies)"},
        CLI_OPT_VERSION,
        {0},
    };
    struct cli_opts t = {
        rows,
        "Serve the indexes (several are searched as one library) over HTTP:\n"
        "a JSON API, its OpenAPI description at /openapi.json, a page that\n"
        "tries it at /docs, and a dashboard at / (a map of the library,\n"
        "search by upload, clusters, anomalies; needs no network).\n"
        "Replaced index files are picked up without a restart.",
        NULL,
    };
    cli_opts_parse(&t, argc, argv);
    if (optind >= argc)
        cli_usage_error("no index given");
    o->index_paths = argv + optind;
    o->n_index = (size_t)(argc - optind);
    for (size_t i = 0; i < o->n_index; i++)
        cli_index_operand(o->index_paths[i]);
    if (o->approx && o->n_index > 1)
        cli_usage_error("-a serves one index");
}

/* Serves until SIGTERM or SIGINT (taken from sigs, blocked in every
 * thread), looking for replaced index files once a second and on
 * SIGHUP. */
static void
serve(const struct serve_opts *o, const sigset_t *sigs, unsigned long *gen_id,
      struct as_index_ident *failed)
{
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        /* SIGHUP looks at once, and tries again files that failed: it
         * reopens only files that changed, so that a routine reload
         * keeps the maps and reports computed so far */
        struct gen *cur = gen_acquire();
        int stale = cur != NULL && gen_stale(cur, o->index_paths);
        gen_release(cur);
        if (stale)
            reload(o, gen_id, failed, sig == SIGHUP);
    }
}

/* Stops d: no new connections; the requests begun finish (for at most
 * the request timeout), then the daemon closes the rest, and the
 * listening socket. Not with MHD_quiesce_daemon(): with a thread pool
 * and epoll, libmicrohttpd (0.9.75 to 1.0.1) takes the listening socket
 * out of each worker's epoll set from this thread, while a worker that
 * wakes meanwhile sees the daemon quiesced and takes it out itself; the
 * second removal fails (ENOENT) and MHD_PANIC aborts the server. New
 * connections are refused by accept_policy() instead. */
static void
drain(const struct serve_opts *o, struct MHD_Daemon *d)
{
    http_stopping();
    double t0 = cli_now();
    while (http_in_flight() > 0 && cli_now() - t0 < o->request_timeout_s) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* the searches still queued are answered and their connections
     * resumed: MHD stops no suspended connection */
    batch_stop();
    MHD_stop_daemon(d);
}

/* dir as an absolute path (the current directory's, then dir when it
 * is relative), or NULL when the current directory cannot be told. */
static char *
absolute_dir(const char *dir)
{
    if (dir[0] == '/')
        return strdup(dir);
    char *cwd = getcwd(NULL, 0);
    if (cwd == NULL || cwd[0] != '/') {
        free(cwd);
        return NULL;
    }
    size_t n = strlen(cwd) + strlen(dir) + 2;
    char *abs = malloc(n);
    if (abs != NULL)
        snprintf(abs, n, "%s/%s", cwd, dir);
    free(cwd);
    return abs;
}

int
main(int argc, char **argv)
{
    struct serve_opts o = {0};
    o.listen = "127.0.0.1:8001";
    o.dir = ".";
    o.max_upload = (size_t)64 << 20;
    o.max_duration_s = 600.0;
    o.request_timeout_s = 60.0;
    o.idle_timeout_s = 30;
    o.max_connections = 64;
    o.jobs = (unsigned)cli_default_jobs();
    cli_init("as-serve", USAGE);
    parse_options(argc, argv, &o);
    if (o.token_file != NULL && (o.token = read_token(o.token_file)) == NULL)
        return AS_EXIT_FAIL;
    o.dirfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o.dirfd < 0) {
        cli_warnx(o.dir, "%s", strerror(errno));
        free(o.token);
        return AS_EXIT_FAIL;
    }
    o.dir_abs = absolute_dir(o.dir);
    api_opts = &o;

    /* the signals are taken by sigtimedwait in serve(), in this thread
     * only: every thread started from here on inherits the blocked mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that goes away is not fatal */

    unsigned long gen_id = first_generation();
    struct gen *g = gen_open(o.index_paths, o.n_index, gen_id, 1);
    if (g == NULL) {
        close(o.dirfd);
        free(o.dir_abs);
        free(o.token);
        return AS_EXIT_FAIL;
    }
    gen_install(g);
    struct as_index_ident *failed = calloc(o.n_index, sizeof *failed);
    if (failed == NULL) {
        cli_warn_status(NULL, AS_ENOMEM);
        gen_shutdown();
        return AS_EXIT_FAIL;
    }
    /* a search waits for a batch worker while its connection sleeps:
     * each is a request not answered, of which -m are let in */
    int fd = -1;
    char url[INET6_ADDRSTRLEN + 32];
    if (o.no_batch || batch_start(o.jobs, o.max_connections) == 0)
        fd = listen_on(&o, url, sizeof url);
    struct MHD_Daemon *d = fd < 0 ? NULL : http_start(&o, fd);
    if (fd >= 0 && d == NULL) {
        cli_warnx(o.listen, "could not start the HTTP server");
        close(fd);
    }
    /* the URL once the server answers, not before: a script waits for
     * it */
    int status = AS_EXIT_OK;
    if (d != NULL && (printf("%s\n", url) < 0 || fflush(stdout) != 0)) {
        cli_warnx("stdout", "%s", strerror(errno));
        status = AS_EXIT_FAIL;
        drain(&o, d);
    } else if (d != NULL) {
        serve(&o, &sigs, &gen_id, failed);
        drain(&o, d);
    } else {
        batch_stop();
        status = AS_EXIT_FAIL;
    }
    gen_shutdown();
    free(failed);
    close(o.dirfd);
    free(o.dir_abs);
    free(o.token);
    return status;
}
