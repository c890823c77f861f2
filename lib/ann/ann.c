/* SPDX-License-Identifier: MIT */
/*
 * The approximate index file (as/ann.h; man/as-format.5 is the
 * reference). Little-endian:
 *
 *   0   8  magic "\x89ASA\r\n\x1a\n"
 *   8   4  format version (1)
 *   12  4  header size (128)
 *   16  8  file size
 *   24  8  entries
 *   32  4  dimension
 *   36  4  links (hnswlib's M)
 *   40  4  ef_construction
 *   44  4  space: 1, the inner product of unit vectors (cosine)
 *   48  8  the index's fingerprint (as_index_fingerprint)
 *   56  8  seed of the level generator
 *   64  8  payload offset (128)
 *   72  8  payload size
 *   80  8  payload checksum (as__hash64, seed ANN_SEED_PAYLOAD)
 *   88 32  zero
 *   120 8  header checksum: hash of bytes [0, 120), seed ANN_SEED_HEADER
 *
 * The payload is the graph in hnswlib's own format, as its saveIndex
 * writes it. hnswlib writes only whole files by name, so a build's
 * payload passes through a scratch file: an anonymous memory file on
 * Linux, else an unlinked temporary file (scratch.c). Opening reads the
 * payload into memory, checks it, and sets the graph up from it
 * (hnsw.cpp).
 */
#define _POSIX_C_SOURCE 200809L
#include "as/ann.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "as/error.h"
#include "index/internal.h"

#define ANN_DEFAULT_LINKS 16
#define ANN_DEFAULT_EFC 200
#define ANN_DEFAULT_SEED 100

char *
as_ann_path(const char *index_path)
{
    /* beside the index file, as its segment and its lock: through a
     * link, the writer and every reader meet at one file */
    return as__target_with(index_path, ".ann");
}

void
as_ann_opts_init(struct as_ann_opts *o)
{
    memset(o, 0, sizeof *o);
    o->links = ANN_DEFAULT_LINKS;
    o->ef_construction = ANN_DEFAULT_EFC;
    o->seed = ANN_DEFAULT_SEED;
}

/* in every build: a build without hnswlib refuses what one with it
 * would (a graph of its magic is known without hnswlib) */
int
as_ann_replaceable(const char *path)
{
    struct stat sb;
    if (path == NULL)
        return AS_EINVAL;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? AS_OK : AS_EIO;
    return as_index_file_kind(path) == AS_INDEX_FILE_GRAPH ? AS_OK : AS_ENOTANN;
}

#ifndef AS_HAVE_APPROX

int
as_ann_available(void)
{
    return 0;
}

int
as_ann_build(const as_index *ix, const char *path, const struct as_ann_opts *o)
{
    (void)ix;
    (void)path;
    (void)o;
    return AS_ENOTSUP;
}

int
as_ann_open(as_ann **out, const char *path, const as_index *ix)
{
    (void)path;
    (void)ix;
    if (out != NULL)
        *out = NULL;
    return AS_ENOTSUP;
}

void
as_ann_close(as_ann *a)
{
    (void)a;
}

void
as_ann_info(const as_ann *a, struct as_ann_info *info)
{
    (void)a;
    memset(info, 0, sizeof *info);
}

int
as_ann_search(const as_ann *a, as_searcher *s, const float *queries, size_t n_q,
              size_t k, size_t ef, const struct as_search_filter *f,
              struct as_hit *hits, size_t *n_hits, unsigned char *exact)
{
    (void)a;
    (void)s;
    (void)queries;
    (void)n_q;
    (void)k;
    (void)ef;
    (void)f;
    (void)hits;
    (void)n_hits;
    (void)exact;
    return AS_ENOTSUP;
}

#else /* AS_HAVE_APPROX */

#include "../search/internal.h"
#include "../util/hash.h"
#include "groups.h"
#include "hnsw.h"
#include "scratch.h"

#define ANN_MAGIC                                                              \
    "\x89"                                                                     \
    "ASA\r\n\x1a\n"
#define ANN_VERSION 1        /* the graph alone */
#define ANN_VERSION_GROUPS 2 /* and groups of copies */
#define ANN_HEADER_SIZE 128
#define ANN_SPACE_COSINE 1
#define ANN_MAX_LINKS 100
#define ANN_SEED_HEADER 0x616e6e6864723031ULL  /* "annhdr01" */
#define ANN_SEED_PAYLOAD 0x616e6e7061793031ULL /* "annpay01" */
#define ANN_SEED_GROUPS 0x616e6e6772703031ULL  /* "anngrp01" */
/* bytes per read or write of the payload */
#define ANN_CHUNK ((size_t)1 << 20)

struct as_ann {
    const as_index *ix;
    as__hnsw *g;
    size_t n, dim;
    size_t nodes; /* in the graph: n less the copies held in groups */
    struct as__ann_groups groups;
    struct as_ann_info info;
    double *mean, *scale; /* the index's, dim each */
};

int
as_ann_available(void)
{
    return 1;
}

static void
wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
rd32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t
rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Reads exactly n bytes; -1 with errno (0 at an early end). */
static int
read_all(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = 0;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- building ---- */

/* Inserts row i of ix, unit length, into h; v: room for a row. */
static int
add_row(const as_index *ix, as__hnsw *h, size_t i, float *v)
{
    size_t dim = as_index_dim(ix);
    int st = as_index_normalized_row(ix, i, NULL, v);
    if (st != AS_OK)
        return st;
    double ss = 0.0;
    for (size_t j = 0; j < dim; j++)
        ss += (double)v[j] * (double)v[j];
    double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
    for (size_t j = 0; j < dim; j++)
        v[j] = (float)((double)v[j] * inv);
    return as__hnsw_add(h, v, i);
}

/* The graph of the rows of ix but the copies g leaves out. */
static int
build_graph(const as_index *ix, const struct as_ann_opts *o,
            const struct as__ann_groups *g, as__hnsw **out)
{
    size_t n = as_index_count(ix);
    float *v = malloc(as_index_dim(ix) * sizeof *v);
    if (v == NULL)
        return AS_ENOMEM;
    int st = as__hnsw_new(out, as_index_dim(ix), n - g->outside, o->links,
                          o->ef_construction, o->seed);
    for (size_t i = 0; i < n && st == AS_OK; i++) {
        if (g->skip == NULL || !g->skip[i])
            st = add_row(ix, *out, i, v);
        if (st == AS_OK && o->progress != NULL &&
            ((i + 1) % 4096 == 0 || i + 1 == n))
            o->progress(o->progress_ctx, i + 1, n);
    }
    free(v);
    if (st != AS_OK) {
        as__hnsw_free(*out);
        *out = NULL;
    }
    return st;
}

/* Copies size bytes from offset at of from to where to stands, hashing
 * them into *sum. AS_OK, AS_ENOMEM or AS_EIO (errno; 0 for a file that
 * ends early). */
static int
copy_payload(int from, off_t at, int to, uint64_t size, uint64_t *sum)
{
    unsigned char *buf = malloc(ANN_CHUNK);
    if (buf == NULL)
        return AS_ENOMEM;
    struct as__hash h;
    as__hash_init(&h, ANN_SEED_PAYLOAD);
    int st = AS_OK;
    if (lseek(from, at, SEEK_SET) != at)
        st = AS_EIO;
    for (uint64_t done = 0; done < size && st == AS_OK;) {
        size_t n = size - done < ANN_CHUNK ? (size_t)(size - done) : ANN_CHUNK;
        if (read_all(from, buf, n) != 0 || as__write_all(to, buf, n) != 0) {
            st = AS_EIO;
            break;
        }
        as__hash_update(&h, buf, n);
        done += n;
    }
    free(buf);
    *sum = as__hash_final(&h);
    return st;
}

/* The groups section of g at fd's offset, its checksum in *sum. AS_OK,
 * AS_ENOMEM or AS_EIO (errno). */
static int
write_groups(int fd, const struct as__ann_groups *g, uint64_t *sum)
{
    unsigned char *buf = malloc(g->n_w * 4);
    if (buf == NULL)
        return AS_ENOMEM;
    as__ann_groups_encode(g, buf);
    *sum = as__hash64(buf, g->n_w * 4, ANN_SEED_GROUPS);
    int st = as__write_all(fd, buf, g->n_w * 4) == 0 ? AS_OK : AS_EIO;
    free(buf);
    return st;
}

/* The header of a file for ix of a payload of size bytes and checksum
 * sum and the groups of g (version 2; version 1 without groups) into h. */
static void
make_header(unsigned char *h, const as_index *ix, const struct as_ann_opts *o,
            uint64_t fp, uint64_t size, uint64_t sum,
            const struct as__ann_groups *g, uint64_t gsum)
{
    uint64_t gsize = (uint64_t)g->n_w * 4;
    memset(h, 0, ANN_HEADER_SIZE);
    memcpy(h, ANN_MAGIC, 8);
    wr32(h + 8, g->n_groups > 0 ? ANN_VERSION_GROUPS : ANN_VERSION);
    wr32(h + 12, ANN_HEADER_SIZE);
    wr64(h + 16, ANN_HEADER_SIZE + size + gsize);
    wr64(h + 24, as_index_count(ix));
    wr32(h + 32, (uint32_t)as_index_dim(ix));
    wr32(h + 36, (uint32_t)o->links);
    wr32(h + 40, (uint32_t)o->ef_construction);
    wr32(h + 44, ANN_SPACE_COSINE);
    wr64(h + 48, fp);
    wr64(h + 56, o->seed);
    wr64(h + 64, ANN_HEADER_SIZE);
    wr64(h + 72, size);
    wr64(h + 80, sum);
    if (g->n_groups > 0) {
        wr64(h + 88, ANN_HEADER_SIZE + size);
        wr64(h + 96, gsize);
        wr64(h + 104, gsum);
        wr64(h + 112, as_index_count(ix) - g->outside);
    }
    wr64(h + 120, as__hash64(h, 120, ANN_SEED_HEADER));
}

/* as_ann_build() to the file itself (links followed), of the graph in
 * the scratch file sfd and the groups g. */
static int
write_file(const as_index *ix, const char *path, const struct as_ann_opts *o,
           uint64_t fp, int sfd, const struct as__ann_groups *g)
{
    struct stat sb;
    if (fstat(sfd, &sb) != 0)
        return AS_EIO;
    char dir[4096], index[4200], tmp[4300];
    /* a new INDEX.ann: readable by whoever may read INDEX */
    size_t pl = strlen(path);
    int beside =
        pl > 4 && pl < sizeof index && strcmp(path + pl - 4, ".ann") == 0;
    if (beside) {
        memcpy(index, path, pl - 4);
        index[pl - 4] = '\0';
    }
    int fd = as__temp_beside(path, dir, sizeof dir, tmp, sizeof tmp);
    if (fd < 0)
        return AS_EIO;
    uint64_t size = (uint64_t)sb.st_size, sum = 0, gsum = 0;
    int st = AS_OK;
    if (lseek(fd, ANN_HEADER_SIZE, SEEK_SET) != ANN_HEADER_SIZE)
        st = AS_EIO;
    if (st == AS_OK)
        st = copy_payload(sfd, 0, fd, size, &sum);
    if (st == AS_OK && g->n_groups > 0)
        st = write_groups(fd, g, &gsum);
    if (st == AS_OK) {
        unsigned char h[ANN_HEADER_SIZE];
        make_header(h, ix, o, fp, size, sum, g, gsum);
        if (lseek(fd, 0, SEEK_SET) != 0 || as__write_all(fd, h, sizeof h) != 0)
            st = AS_EIO;
    }
    if (st != AS_OK) {
        int e = errno != 0 ? errno : EIO;
        close(fd);
        unlink(tmp);
        errno = e;
        return st;
    }
    int e = as__temp_commit(fd, tmp, path, beside ? index : NULL, dir);
    errno = e;
    return e == 0 ? AS_OK : AS_EIO;
}

/* as_ann_build() to the file itself (links followed). */
static int
build_to(const as_index *ix, const char *path, const struct as_ann_opts *o)
{
    struct as_ann_opts def;
    if (o == NULL) {
        as_ann_opts_init(&def);
        o = &def;
    }
    uint64_t fp;
    if (ix == NULL || path == NULL || o->links < 2 ||
        o->links > ANN_MAX_LINKS || o->ef_construction < o->links ||
        as_index_fingerprint(ix, &fp) != AS_OK)
        return AS_EINVAL;
    struct as__ann_groups groups;
    as__hnsw *g = NULL;
    int st = as__ann_groups_find(ix, &groups);
    if (st == AS_OK)
        st = build_graph(ix, o, &groups, &g);
    if (st != AS_OK) {
        as__ann_groups_free(&groups);
        return st;
    }
    char spath[4200];
    int is_tmp, e = 0;
    int sfd = as__scratch_open(spath, sizeof spath, &is_tmp);
    if (sfd < 0) {
        e = errno;
        as__hnsw_free(g);
        as__ann_groups_free(&groups);
        errno = e;
        return AS_EIO;
    }
    st = as__hnsw_save(g, spath);
    as__hnsw_free(g);
    if (st == AS_OK)
        st = write_file(ix, path, o, fp, sfd, &groups);
    e = errno;
    as__scratch_close(sfd, spath, is_tmp);
    as__ann_groups_free(&groups);
    errno = e;
    return st;
}

int
as_ann_build(const as_index *ix, const char *path, const struct as_ann_opts *o)
{
    if (path == NULL)
        return AS_EINVAL;
    /* through a symbolic link, the file it names is replaced */
    char *target = as_path_target(path);
    if (target == NULL)
        return errno == ENOMEM ? AS_ENOMEM : AS_EIO;
    int st = as_ann_replaceable(target);
    if (st == AS_OK)
        st = build_to(ix, target, o);
    int e = errno;
    free(target);
    errno = e;
    return st;
}

/* ---- reading ---- */

/* ---- the payload's structure ----
 *
 * The checksums catch damage, not a hostile or buggy writer: anyone can
 * write a file whose sums pass. hnswlib's loader trusts every size and
 * link it reads (an element size shorter than its fields, a link to a
 * node past the last, an entry point above a node's level are read, or
 * followed by a search, out of bounds), so the payload is checked
 * against the layout its saveIndex writes before hnswlib sees it: a
 * 96-byte header (u64 offsetLevel0, max_elements, cur_element_count,
 * size_data_per_element, label_offset, offsetData; i32 maxlevel; u32
 * enterpoint; u64 maxM, maxM0, M; double mult; u64 ef_construction),
 * then per element its level-0 block (u32 count, maxM0 u32 links, the
 * dim floats, a u64 label), then per element a u32 byte count and its
 * upper levels (each a u32 count and maxM u32 links). */
#define HN_HEADER 96

/* A payload as read: hnswlib's header, the level-0 blocks of its nodes
 * (malloc'd with room for one when there is none, as hnswlib allocates
 * them: the graph takes the block over) and the upper lists. */
struct payload {
    unsigned char hdr[HN_HEADER];
    unsigned char *level0;
    unsigned char *upper;
    uint64_t upper_size;
};

/* The bytes of a level-0 block of a graph of dim floats and links links
 * per node. */
static uint64_t
level0_block(size_t dim, uint64_t links)
{
    return (2 * links * 4 + 4) + 4 * (uint64_t)dim + 8;
}

/* AS_OK if the payload pl is a graph of nodes nodes of dim floats with
 * links links per node, as as_ann_build writes it, labelled with entry
 * numbers below n, each once (marked 1 in seen, n bytes of 0); else
 * AS_ECHECKSUM. */
static int
check_payload(const struct payload *pl, uint64_t nodes, uint64_t n, size_t dim,
              uint64_t links, unsigned char *seen)
{
    const unsigned char *p = pl->hdr; /* links: read_payload checked them */
    uint64_t l0 = 2 * links * 4 + 4, per = level0_block(dim, links);
    uint64_t up = links * 4 + 4, size = pl->upper_size;
    int32_t maxlevel = (int32_t)rd32(p + 48);
    uint32_t enter = rd32(p + 52);
    double mult;
    memcpy(&mult, p + 80, sizeof mult);
    if (rd64(p) != 0 || rd64(p + 8) != (nodes ? nodes : 1) ||
        rd64(p + 16) != nodes || rd64(p + 24) != per ||
        rd64(p + 32) != l0 + 4 * (uint64_t)dim || rd64(p + 40) != l0 ||
        rd64(p + 56) != links || rd64(p + 64) != 2 * links ||
        rd64(p + 72) != links || !(mult > 0.0 && mult < 1e6))
        return AS_ECHECKSUM;
    if (nodes == 0 ? maxlevel != -1 || enter != UINT32_MAX
                   : maxlevel < 0 || maxlevel > 64 || enter >= nodes)
        return AS_ECHECKSUM;
    /* the levels, from the upper lists' sizes, and the labels: each
     * entry once */
    unsigned char *lev = malloc(nodes ? nodes : 1);
    const unsigned char **upper = malloc((nodes ? nodes : 1) * sizeof *upper);
    int st = AS_ECHECKSUM;
    if (lev == NULL || upper == NULL) {
        st = AS_ENOMEM;
        goto done;
    }
    uint64_t at = 0;
    for (uint64_t i = 0; i < nodes; i++) {
        if (size - at < 4)
            goto done;
        uint32_t len = rd32(pl->upper + at);
        at += 4;
        if (len % up != 0 || len / up > (uint64_t)maxlevel || len > size - at)
            goto done;
        lev[i] = (unsigned char)(len / up);
        upper[i] = pl->upper + at;
        at += len;
    }
    /* (no entry point in an empty graph, and no level read for it) */
    if (at != size || (nodes > 0 && lev[enter] != (unsigned)maxlevel))
        goto done;
    for (uint64_t i = 0; i < nodes; i++) {
        const unsigned char *e = pl->level0 + i * per;
        uint64_t label = rd64(e + l0 + 4 * (uint64_t)dim);
        if (label >= n || seen[label])
            goto done;
        seen[label] = 1;
        /* level 0, then each upper level: counts within the room, and
         * links to nodes that have that level (the high bytes of the
         * level-0 count hold hnswlib's deleted mark: none here) */
        for (unsigned l = 0; l <= lev[i]; l++) {
            const unsigned char *ll = l == 0 ? e : upper[i] + (l - 1) * up;
            uint32_t c = rd32(ll);
            if (c > (l == 0 ? 2 * links : links))
                goto done;
            for (uint32_t k = 0; k < c; k++) {
                uint32_t to = rd32(ll + 4 + 4 * (uint64_t)k);
                if (to >= nodes || lev[to] < l)
                    goto done;
            }
        }
    }
    st = AS_OK;
done:
    free(lev);
    free(upper);
    return st;
}

/* The payload's size in a header that check_header() passed. */
static uint64_t
payload_size(const unsigned char *h)
{
    return rd64(h + 72);
}

/* The groups section's size (0: none) in a header that passed. */
static uint64_t
groups_size(const unsigned char *h)
{
    return rd32(h + 8) == ANN_VERSION_GROUPS ? rd64(h + 96) : 0;
}

/* The graph's nodes in a header that passed. */
static uint64_t
graph_nodes(const unsigned char *h)
{
    return rd32(h + 8) == ANN_VERSION_GROUPS ? rd64(h + 112) : rd64(h + 24);
}

/* Checks the header h of a file of size bytes for ix; AS_OK or the
 * code as_ann_open returns. */
static int
check_header(const unsigned char *h, uint64_t size, const as_index *ix)
{
    if (memcmp(h, ANN_MAGIC, 8) != 0)
        return AS_ENOTANN;
    uint32_t version = rd32(h + 8);
    if (version != ANN_VERSION && version != ANN_VERSION_GROUPS)
        return AS_EINDEXVER;
    if (rd64(h + 120) != as__hash64(h, 120, ANN_SEED_HEADER))
        return AS_ECHECKSUM;
    uint64_t fsize = rd64(h + 16), n = rd64(h + 24);
    /* after the payload: the groups (version 2), or the end */
    uint64_t end = version == ANN_VERSION ? fsize : rd64(h + 88);
    if (rd32(h + 12) != ANN_HEADER_SIZE || rd64(h + 64) != ANN_HEADER_SIZE ||
        rd32(h + 44) != ANN_SPACE_COSINE || end < ANN_HEADER_SIZE ||
        rd64(h + 72) != end - ANN_HEADER_SIZE)
        return AS_ECHECKSUM; /* a header we never write */
    /* groups: 3 words or more each, every entry in one at most */
    if (version == ANN_VERSION_GROUPS &&
        (fsize < end || fsize - end != rd64(h + 96) || rd64(h + 96) == 0 ||
         rd64(h + 96) % 4 != 0 || rd64(h + 96) / 4 > n + n / 2 ||
         rd64(h + 112) > n))
        return AS_ECHECKSUM;
    if (fsize != size)
        return AS_ECHECKSUM; /* truncated, or grown */
    uint64_t fp;
    if (as_index_fingerprint(ix, &fp) != AS_OK || rd64(h + 48) != fp ||
        n != as_index_count(ix) || rd32(h + 32) != as_index_dim(ix))
        return AS_ESTALE;
    return AS_OK;
}

/* Reads n bytes of fd into buf, adding them to h. */
static int
read_hashed(int fd, void *buf, size_t n, struct as__hash *h)
{
    if (read_all(fd, buf, n) != 0)
        return AS_EIO;
    as__hash_update(h, buf, n);
    return AS_OK;
}

/* The payload of size bytes at fd's offset at, of a graph of nodes nodes
 * of dim floats and links links per node, into pl (its buffers freed
 * with payload_free, also after an error), its checksum in *sum. AS_OK,
 * AS_ECHECKSUM (too short for its nodes), AS_ENOMEM or AS_EIO (errno; 0
 * for a file that ends early). */
static int
read_payload(int fd, off_t at, uint64_t size, uint64_t nodes, size_t dim,
             uint64_t links, struct payload *pl, uint64_t *sum)
{
    pl->level0 = pl->upper = NULL;
    pl->upper_size = 0;
    uint64_t per = level0_block(dim, links);
    if (links < 2 || links > ANN_MAX_LINKS || size < HN_HEADER ||
        nodes > (size - HN_HEADER) / per)
        return AS_ECHECKSUM;
    uint64_t l0 = nodes * per, rest = size - HN_HEADER - l0;
    if ((nodes ? l0 : per) > SIZE_MAX || rest > SIZE_MAX)
        return AS_ENOMEM;
    pl->level0 = malloc((size_t)(nodes ? l0 : per));
    pl->upper = malloc(rest ? (size_t)rest : 1);
    if (pl->level0 == NULL || pl->upper == NULL)
        return AS_ENOMEM;
    pl->upper_size = rest;
    struct as__hash h;
    as__hash_init(&h, ANN_SEED_PAYLOAD);
    int st = lseek(fd, at, SEEK_SET) == at ? AS_OK : AS_EIO;
    if (st == AS_OK)
        st = read_hashed(fd, pl->hdr, HN_HEADER, &h);
    if (st == AS_OK)
        st = read_hashed(fd, pl->level0, (size_t)l0, &h);
    if (st == AS_OK)
        st = read_hashed(fd, pl->upper, (size_t)rest, &h);
    *sum = as__hash_final(&h);
    return st;
}

static void
payload_free(struct payload *pl)
{
    free(pl->level0);
    free(pl->upper);
    pl->level0 = pl->upper = NULL;
}

/* The groups section (size bytes) from where fd stands, checked against
 * sum, into *out (malloc'd). AS_OK, AS_ECHECKSUM (wrong, or the file
 * ends first), AS_ENOMEM or AS_EIO. */
static int
read_groups(int fd, uint64_t size, uint64_t sum, unsigned char **out)
{
    *out = NULL;
    if (size > SIZE_MAX)
        return AS_ENOMEM;
    unsigned char *b = malloc(size ? (size_t)size : 1);
    if (b == NULL)
        return AS_ENOMEM;
    if (read_all(fd, b, (size_t)size) != 0) {
        int e = errno;
        free(b);
        errno = e;
        return e == 0 ? AS_ECHECKSUM : AS_EIO;
    }
    if (as__hash64(b, (size_t)size, ANN_SEED_GROUPS) != sum) {
        free(b);
        return AS_ECHECKSUM;
    }
    *out = b;
    return AS_OK;
}

/* a's graph from the payload pl of the file of header h, checked here
 * (the graph takes its level-0 blocks over), and its groups gb (NULL:
 * none). */
static int
load_graph(as_ann *a, const unsigned char *h, struct payload *pl,
           const unsigned char *gb)
{
    unsigned char *seen = calloc(a->n ? a->n : 1, 1);
    if (seen == NULL)
        return AS_ENOMEM;
    a->nodes = (size_t)graph_nodes(h);
    int st = check_payload(pl, a->nodes, a->n, a->dim, rd32(h + 36), seen);
    if (st == AS_OK && gb != NULL)
        st = as__ann_groups_load(&a->groups, gb, (size_t)groups_size(h), a->n,
                                 a->nodes, seen, a->ix);
    else if (st == AS_OK && a->nodes != a->n)
        st = AS_ECHECKSUM;
    free(seen);
    if (st == AS_OK) {
        st = as__hnsw_load(&a->g, pl->hdr, pl->level0, pl->upper,
                           (size_t)pl->upper_size, a->dim);
        pl->level0 = NULL;
    }
    if (st == AS_EINVAL)
        st = AS_ECHECKSUM; /* checked bytes hnswlib does not take */
    if (st == AS_OK && as__hnsw_count(a->g) != a->nodes)
        st = AS_ECHECKSUM;
    return st;
}

/* An as_ann for ix with the header h, its tables from ix. */
static int
ann_new(as_ann **out, const as_index *ix, const unsigned char *h)
{
    as_ann *a = calloc(1, sizeof *a);
    *out = a;
    if (a == NULL)
        return AS_ENOMEM;
    size_t dim = as_index_dim(ix);
    a->ix = ix;
    a->n = as_index_count(ix);
    a->dim = dim;
    a->info.count = a->n;
    a->info.dim = dim;
    a->info.links = rd32(h + 36);
    a->info.ef_construction = rd32(h + 40);
    a->info.fingerprint = rd64(h + 48);
    a->info.nodes = (size_t)graph_nodes(h);
    a->mean = malloc(2 * dim * sizeof *a->mean);
    if (a->mean == NULL)
        return AS_ENOMEM;
    const struct as_featheader *hd = as_index_header(ix);
    a->scale = a->mean + a->dim;
    memcpy(a->mean, as_index_mean(ix), a->dim * sizeof *a->mean);
    as_distance_scales(hd->set, (const char *const *)hd->names, a->dim,
                       as_index_groups(ix), as_index_std(ix),
                       as_index_group_weights(ix), a->scale);
    return AS_OK;
}

int
as_ann_open(as_ann **out, const char *path, const as_index *ix)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (path == NULL || ix == NULL)
        return AS_EINVAL;
    /* not blocking: a FIFO of the graph's name must not hang readers */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return AS_EIO;
    struct stat sb;
    unsigned char h[ANN_HEADER_SIZE];
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return AS_EIO;
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        errno = EISDIR;
        return AS_EIO;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return AS_ENOTANN;
    }
    if (read_all(fd, h, sizeof h) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return e == 0 ? AS_ENOTANN : AS_EIO;
    }
    int st = check_header(h, (uint64_t)sb.st_size, ix);
    if (st != AS_OK) {
        close(fd);
        return st;
    }
    /* the payload into memory, its checksum on the way */
    uint64_t sum = 0;
    unsigned char *gb = NULL;
    struct payload pl;
    st = read_payload(fd, ANN_HEADER_SIZE, payload_size(h), graph_nodes(h),
                      as_index_dim(ix), rd32(h + 36), &pl, &sum);
    if (st == AS_OK && sum != rd64(h + 80))
        st = AS_ECHECKSUM;
    if (st == AS_OK && groups_size(h) > 0)
        st = read_groups(fd, groups_size(h), rd64(h + 104), &gb);
    if (st == AS_EIO && errno == 0)
        st = AS_ECHECKSUM; /* shorter than it was: being replaced */
    close(fd);
    as_ann *a = NULL;
    if (st == AS_OK)
        st = ann_new(&a, ix, h);
    if (st == AS_OK)
        st = load_graph(a, h, &pl, gb);
    free(gb);
    payload_free(&pl);
    if (st != AS_OK) {
        as_ann_close(a);
        return st;
    }
    *out = a;
    return AS_OK;
}

void
as_ann_close(as_ann *a)
{
    if (a == NULL)
        return;
    as__hnsw_free(a->g);
    as__ann_groups_free(&a->groups);
    free(a->mean);
    free(a);
}

void
as_ann_info(const as_ann *a, struct as_ann_info *info)
{
    *info = a->info;
}

/* ---- searching ---- */

/* Whether s searches a's index alone, as the graph was built. */
static int
searcher_fits(const as_ann *a, const as_searcher *s)
{
    if (s->n_shards != 1 || s->sh[0].ix != a->ix ||
        s->metric != AS_METRIC_COSINE || s->proj != NULL)
        return 0;
    const double *w = as_index_group_weights(a->ix);
    for (int g = 0; g < AS_G_COUNT; g++)
        if (s->weights[g] != w[g])
            return 0;
    return 1;
}

/* The candidates for query q of the walk's labels: each as it is, but
 * the first of a group of copies, which brings the group's first k
 * entries that f lets through, in f's tie order, into *refs (room for
 * *cap, grown). Their number, or SIZE_MAX when out of memory. */
static size_t
candidates(const as_ann *a, const as_searcher *s, const uint64_t *labels,
           size_t got, size_t q, size_t k, const struct as_search_filter *f,
           struct as_entry_ref **refs, size_t *cap)
{
    int by_path = f == NULL || f->ties == AS_TIES_PATH;
    uint32_t skip = UINT32_MAX; /* this query's own entry, left out */
    if (f != NULL && f->exclude != NULL && f->exclude[q].shard == 0)
        skip = f->exclude[q].entry;
    size_t m = 0;
    for (size_t i = 0; i < got; i++) {
        size_t c = 0;
        const uint32_t *g =
            as__ann_group_of(&a->groups, (uint32_t)labels[i], by_path, &c);
        size_t more = g == NULL ? 1 : c < k ? c : k;
        if (m + more > *cap) {
            size_t want = 2 * (m + more) > got ? 2 * (m + more) : got;
            struct as_entry_ref *r = realloc(*refs, want * sizeof *r);
            if (r == NULL)
                return SIZE_MAX;
            *refs = r;
            *cap = want;
        }
        if (g == NULL) {
            (*refs)[m++] = (struct as_entry_ref){0, (uint32_t)labels[i]};
            continue;
        }
        for (size_t j = 0, took = 0; j < c && took < k; j++)
            if (g[j] != skip && as__row_allowed(s, f, g[j])) {
                (*refs)[m++] = (struct as_entry_ref){0, g[j]};
                took++;
            }
    }
    return m;
}

/* What a search costs, in rows of the exact scan of one query (about
 * 17 ns a row): the walk about 80 rows a candidate, and as_search_among
 * about 24 rows an entry it ranks. Measured at 200,000 entries of 103
 * columns, one query at a time (bench/approx.sh's cost line); the
 * ratios, not the times, decide, and an error in them costs a filtered
 * search at most their factor, never a result. Queries scanned
 * together cost less each than one alone: the choice leans to the walk
 * for a batch. */
#define COST_WALK 80
#define COST_RANK 24

/* The entries a filter lets through, for ranking each of them: listed
 * only when ranking them costs less than a scan of every row. */
struct passing {
    size_t n;                  /* how many (s->n_rows: no mask) */
    struct as_entry_ref *refs; /* their refs, or NULL: scan instead */
};

static int
passing_gather(const as_searcher *s, const struct as_search_filter *f,
               struct passing *p)
{
    p->n = (size_t)s->n_rows;
    p->refs = NULL;
    if (f == NULL || f->mask == NULL || f->mask[0] == NULL)
        return AS_OK;
    /* one shard (searcher_fits): its mask's bytes, less the entry left
     * out of every query */
    const unsigned char *m = f->mask[0];
    size_t n = 0;
    for (uint64_t r = 0; r < s->n_rows; r++)
        n += m[r] != 0;
    if (f->exclude_shard == 0 && f->exclude_entry < s->n_rows &&
        m[f->exclude_entry])
        n--;
    p->n = n;
    if (n > s->n_rows / COST_RANK)
        return AS_OK;
    p->refs = malloc((n ? n : 1) * sizeof *p->refs);
    if (p->refs == NULL)
        return AS_ENOMEM;
    n = 0;
    for (uint64_t r = 0; r < s->n_rows; r++)
        if (as__row_allowed(s, f, r))
            p->refs[n++] = (struct as_entry_ref){0, (uint32_t)r};
    p->n = n;
    return AS_OK;
}

/* What ranking a query against every entry f lets through costs, in
 * rows (see COST_WALK). */
static double
passing_cost(const as_searcher *s, const struct passing *p)
{
    return p->refs != NULL ? (double)p->n * COST_RANK : (double)s->n_rows;
}

/* The k nearest of the n queries numbered at[] (of queries, dim floats
 * each) as as_search finds them, into their slots of hits and n_hits:
 * scanned together, which costs far less a query than one at a time, in
 * chunks whose hits take at most 16 MiB. */
static int
scan_queries(as_searcher *s, const float *queries, const size_t *at, size_t n,
             size_t k, const struct as_search_filter *f, struct as_hit *hits,
             size_t *n_hits)
{
    size_t dim = s->dim, chunk = ((size_t)16 << 20) / (k * sizeof *hits);
    chunk = chunk < 1 ? 1 : chunk > n ? n : chunk;
    float *v = malloc(chunk * dim * sizeof *v);
    struct as_entry_ref *ex = malloc(chunk * sizeof *ex);
    struct as_hit *h = malloc(chunk * k * sizeof *h);
    size_t *nh = malloc(chunk * sizeof *nh);
    int st = v && ex && h && nh ? AS_OK : AS_ENOMEM;
    struct as_search_filter one;
    as_search_filter_init(&one);
    if (f != NULL)
        one = *f;
    one.exclude = ex;
    for (size_t b = 0; b < n && st == AS_OK; b += chunk) {
        size_t m = n - b < chunk ? n - b : chunk;
        for (size_t i = 0; i < m; i++) {
            memcpy(v + i * dim, queries + at[b + i] * dim, dim * sizeof *v);
            ex[i] = f != NULL && f->exclude != NULL
                        ? f->exclude[at[b + i]]
                        : (struct as_entry_ref){AS_NO_SHARD, 0};
        }
        st = as_search(s, v, m, k, &one, h, nh);
        for (size_t i = 0; i < m && st == AS_OK; i++) {
            memcpy(hits + at[b + i] * k, h + i * k, nh[i] * sizeof *h);
            n_hits[at[b + i]] = nh[i];
        }
    }
    free(v);
    free(ex);
    free(h);
    free(nh);
    return st;
}

int
as_ann_search(const as_ann *a, as_searcher *s, const float *queries, size_t n_q,
              size_t k, size_t ef, const struct as_search_filter *f,
              struct as_hit *hits, size_t *n_hits, unsigned char *exact)
{
    if (a == NULL || s == NULL || k == 0 ||
        (n_q > 0 && (queries == NULL || hits == NULL || n_hits == NULL)) ||
        !searcher_fits(a, s))
        return AS_EINVAL;
    size_t dim = a->dim, cap = 0, rcap = 0;
    double max_d = f != NULL ? f->max_distance : -1.0;
    float *y = malloc(dim * sizeof *y);
    uint64_t *labels = NULL;
    float *dist = NULL;
    struct as_entry_ref *refs = NULL;
    struct passing pass = {0, NULL};
    size_t *later = malloc((n_q ? n_q : 1) * sizeof *later), n_later = 0;
    int st = y == NULL || later == NULL ? AS_ENOMEM : AS_OK;
    if (st == AS_OK && n_q > 0)
        st = passing_gather(s, f, &pass);
    double exact_cost = passing_cost(s, &pass);
    for (size_t q = 0; q < n_q && st == AS_OK; q++) {
        const float *x = queries + q * dim;
        double ss = 0.0;
        for (size_t j = 0; j < dim; j++) {
            if (!isfinite(x[j])) {
                st = AS_EINVAL;
                break;
            }
            double v = ((double)x[j] - a->mean[j]) * a->scale[j];
            ss += v * v;
        }
        /* made unit length in double: a column that barely varies (a
         * spread near float's smallest) can put a query's value past
         * float's range before */
        double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
        for (size_t j = 0; j < dim && st == AS_OK; j++)
            y[j] = (float)(((double)x[j] - a->mean[j]) * a->scale[j] * inv);
        /* k hits need k candidates plus the entries this query leaves out
         * (typically its own entry, which the walk finds first): asking
         * for only max(ef, k) left a path query one short at the default
         * ef = k and walked the graph again with four times as many */
        size_t skip = 0;
        if (f != NULL) {
            skip += f->exclude_shard >= 0;
            skip += f->exclude != NULL && f->exclude[q].shard != AS_NO_SHARD;
        }
        size_t want = (ef > k ? ef : k) + skip;
        /* A mask that lets through a share p of the entries: the walk
         * gathers want / p candidates, about want of which pass (when
         * those it lets through are spread evenly; else the walk goes
         * again, below) */
        if (pass.n < s->n_rows) {
            double scaled = (double)want * (double)s->n_rows /
                            (double)(pass.n ? pass.n : 1);
            want = scaled < (double)a->nodes ? (size_t)scaled : a->nodes;
        }
        n_hits[q] = 0;
        /* A filter that lets few entries through makes the walk find too
         * few among its candidates and walk again with four times as
         * many, up to every node: where a walk would cost more than
         * ranking every entry the filter lets through, those are ranked
         * instead, and the answer is exact. Without a mask the first
         * walk is always made: it is what the graph is for. */
        int rank_all = st == AS_OK && pass.n < s->n_rows &&
                       (double)want * COST_WALK >= exact_cost;
        int every_node = 0; /* the last walk gave every node: exact too */
        while (st == AS_OK && !rank_all) {
            if (want > a->nodes)
                want = a->nodes;
            if (want > cap) {
                free(labels);
                free(dist);
                cap = want;
                labels = malloc(cap * sizeof *labels);
                dist = malloc(cap * sizeof *dist);
                if (labels == NULL || dist == NULL) {
                    st = AS_ENOMEM;
                    break;
                }
            }
            size_t got = 0, m = 0;
            if (want > 0)
                st = as__hnsw_search(a->g, y, want, labels, dist, &got);
            every_node = got >= a->nodes;
            if (st == AS_OK && (m = candidates(a, s, labels, got, q, k, f,
                                               &refs, &rcap)) == SIZE_MAX)
                st = AS_ENOMEM;
            if (st == AS_OK)
                st = as_search_among(s, x, q, refs, m, k, f, hits + q * k,
                                     &n_hits[q]);
            /* enough, every node seen, or the candidates already reach
             * past max_distance (float distances: a little slack) */
            if (st != AS_OK || n_hits[q] >= k || want >= a->nodes ||
                got < want ||
                (max_d >= 0.0 && got > 0 &&
                 (double)dist[got - 1] > max_d + 1e-4))
                break;
            want = want > a->nodes / 4 ? a->nodes : 4 * want;
            rank_all = (double)want * COST_WALK >= exact_cost;
        }
        /* the entries that pass, ranked one by one; or a scan, of every
         * query that needs one together, after the walks */
        if (st == AS_OK && rank_all && pass.refs != NULL)
            st = as_search_among(s, x, q, pass.refs, pass.n, k, f, hits + q * k,
                                 &n_hits[q]);
        else if (rank_all)
            later[n_later++] = q;
        if (exact != NULL)
            exact[q] = (unsigned char)(rank_all || every_node);
    }
    if (st == AS_OK && n_later > 0)
        st = scan_queries(s, queries, later, n_later, k, f, hits, n_hits);
    free(later);
    free(pass.refs);
    free(y);
    free(labels);
    free(dist);
    free(refs);
    return st;
}

#endif /* AS_HAVE_APPROX */
