// SPDX-License-Identifier: MIT
// The C boundary over hnswlib (Debian's libhnswlib-dev, header-only):
// every call catches what hnswlib throws and returns a status code, so
// no exception crosses into C.
#include "hnsw.h"

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

// hnswlib defines functions (cpuid, AVXCapable ...) and globals at
// namespace scope, and its templates are instantiated here as weak
// symbols: exported from libaudiosearch.a, they would clash with, or
// silently stand in for, an embedder's own hnswlib. Included inside an
// anonymous namespace, all of it has internal linkage; the standard
// headers it includes come first (hnsw_std.h). AS_HNSW_INTERNAL is set
// when the hnswlib found compiles so (lib/CMakeLists.txt); one that
// does not (a header the list lacks) is included as it is, and
// examples-symbols fails.
#ifdef AS_HNSW_INTERNAL
#include "hnsw_std.h"
namespace {
#include <hnswlib/hnswlib.h>
} // namespace
#else
#include <hnswlib/hnswlib.h>
#endif

#include "as/error.h"
#include "scratch.h"

struct as__hnsw {
    hnswlib::InnerProductSpace space;
    hnswlib::HierarchicalNSW<float> *g;
    explicit as__hnsw(size_t dim) : space(dim), g(nullptr) {}
    ~as__hnsw() { delete g; }
    as__hnsw(const as__hnsw &) = delete;
    as__hnsw &operator=(const as__hnsw &) = delete;
};

extern "C" int
as__hnsw_new(as__hnsw **out, size_t dim, size_t n, size_t links,
             size_t ef_construction, uint64_t seed)
{
    *out = nullptr;
    if (dim == 0 || links < 2 || ef_construction == 0)
        return AS_EINVAL;
    as__hnsw *h = nullptr;
    try {
        h = new as__hnsw(dim);
        // a graph for 0 vectors still needs one slot to exist
        h->g = new hnswlib::HierarchicalNSW<float>(
            &h->space, n ? n : 1, links, ef_construction, (size_t)seed);
    } catch (const std::bad_alloc &) {
        delete h;
        return AS_ENOMEM;
    } catch (const std::exception &) {
        delete h;
        return AS_ENOMEM; // hnswlib's "Not enough memory" errors
    }
    *out = h;
    return AS_OK;
}

extern "C" int
as__hnsw_add(as__hnsw *h, const float *v, size_t i)
{
    try {
        h->g->addPoint(v, (hnswlib::labeltype)i);
    } catch (const std::bad_alloc &) {
        return AS_ENOMEM;
    } catch (const std::exception &) {
        return AS_EINVAL; // full, or a label given twice
    }
    return AS_OK;
}

extern "C" int
as__hnsw_save(const as__hnsw *h, const char *path)
{
    try {
        errno = 0;
        h->g->saveIndex(path);
    } catch (const std::bad_alloc &) {
        return AS_ENOMEM;
    } catch (const std::exception &) {
        if (errno == 0)
            errno = EIO;
        return AS_EIO;
    }
    return AS_OK;
}

#ifdef AS_HNSW_MEMLOAD
// Takes the next field of hnswlib's header from the payload.
template <typename T>
static void
take(T &field, const unsigned char *p, size_t &at)
{
    memcpy(&field, p + at, sizeof field);
    at += sizeof field;
}

// hnswlib's loadIndex() reads through a stream, and its check of the
// file asks the stream for its position twice a node: a system call
// each, most of a load's time where those are costly (1.1 s of CPU at
// 200,000 nodes on a virtual machine). The caller has checked every
// byte (check_payload in ann.c), so the graph is set up from memory
// here instead, its level-0 blocks taken over rather than copied: the
// members loadIndex() sets, in its order, but the label lookup, which
// only adding and deleting use.
extern "C" int
as__hnsw_load(as__hnsw **out, const unsigned char *hdr, unsigned char *level0,
              const unsigned char *upper, size_t upper_size, size_t dim)
{
    *out = nullptr;
    static_assert(sizeof(size_t) == 8 && sizeof(hnswlib::tableint) == 4,
                  "hnswlib's file layout as written on a 64-bit machine");
    as__hnsw *h = nullptr;
    try {
        h = new as__hnsw(dim);
        h->g = new hnswlib::HierarchicalNSW<float>(&h->space);
    } catch (const std::exception &) {
        delete h;
        free(level0);
        return AS_ENOMEM;
    }
    hnswlib::HierarchicalNSW<float> &g = *h->g;
    // what the destructor frees, set before anything can fail
    g.data_level0_memory_ = reinterpret_cast<char *>(level0);
    g.cur_element_count = 0;
    g.linkLists_ = nullptr;
    g.visited_list_pool_ = nullptr;
    try {
        size_t at = 0, count = 0;
        take(g.offsetLevel0_, hdr, at);
        take(g.max_elements_, hdr, at);
        take(count, hdr, at);
        take(g.size_data_per_element_, hdr, at);
        take(g.label_offset_, hdr, at);
        take(g.offsetData_, hdr, at);
        take(g.maxlevel_, hdr, at);
        take(g.enterpoint_node_, hdr, at);
        take(g.maxM_, hdr, at);
        take(g.maxM0_, hdr, at);
        take(g.M_, hdr, at);
        take(g.mult_, hdr, at);
        take(g.ef_construction_, hdr, at);
        g.data_size_ = h->space.get_data_size();
        g.fstdistfunc_ = h->space.get_dist_func();
        g.dist_func_param_ = h->space.get_dist_func_param();
        size_t max = g.max_elements_;
        g.size_links_per_element_ =
            g.maxM_ * sizeof(hnswlib::tableint) +
            sizeof(hnswlib::linklistsizeint);
        g.size_links_level0_ = g.maxM0_ * sizeof(hnswlib::tableint) +
                               sizeof(hnswlib::linklistsizeint);
        std::vector<std::mutex>(max).swap(g.link_list_locks_);
        std::vector<std::mutex>(g.max_update_element_locks)
            .swap(g.link_list_update_locks_);
        g.visited_list_pool_ = new hnswlib::VisitedListPool(1, max);
        g.linkLists_ = static_cast<char **>(malloc(sizeof(char *) * max));
        if (g.linkLists_ == nullptr)
            throw std::bad_alloc();
        g.element_levels_ = std::vector<int>(max);
        g.revSize_ = 1.0 / g.mult_;
        g.ef_ = 10;
        g.num_deleted_ = 0;
        at = 0;
        for (size_t i = 0; i < count; i++) {
            unsigned int len;
            if (upper_size - at < sizeof len)
                throw std::runtime_error("upper lists end early");
            take(len, upper, at);
            if (len > upper_size - at)
                throw std::runtime_error("upper lists end early");
            g.element_levels_[i] = (int)(len / g.size_links_per_element_);
            g.linkLists_[i] = nullptr;
            if (len > 0) {
                g.linkLists_[i] = static_cast<char *>(malloc(len));
                if (g.linkLists_[i] == nullptr)
                    throw std::bad_alloc();
                memcpy(g.linkLists_[i], upper + at, len);
                at += len;
            }
            g.cur_element_count = i + 1; // the destructor's to free
        }
        if (at != upper_size)
            throw std::runtime_error("upper lists of another size");
    } catch (const std::bad_alloc &) {
        delete h;
        return AS_ENOMEM;
    } catch (const std::exception &) {
        delete h;
        return AS_EINVAL; // not the layout it wrote: caller's check failed
    }
    *out = h;
    return AS_OK;
}

#else
// The members set from memory above are hnswlib 0.6.2's (Debian 12's);
// with another version (0.7 and 0.8 keep theirs otherwise), or on a
// machine whose size_t is not 64 bits, hnswlib's own loader reads the
// bytes again from a scratch file (lib/CMakeLists.txt tells which).
extern "C" int
as__hnsw_load(as__hnsw **out, const unsigned char *hdr, unsigned char *level0,
              const unsigned char *upper, size_t upper_size, size_t dim)
{
    *out = nullptr;
    size_t count, per;
    memcpy(&count, hdr + 16, sizeof count);
    memcpy(&per, hdr + 24, sizeof per);
    char path[4200];
    int tmp;
    int fd = as__scratch_open(path, sizeof path, &tmp);
    int st = fd < 0 ? AS_EIO : AS_OK;
    if (st == AS_OK && (as__write_all(fd, hdr, 96) != 0 ||
                        as__write_all(fd, level0, count * per) != 0 ||
                        as__write_all(fd, upper, upper_size) != 0))
        st = AS_EIO;
    free(level0);
    as__hnsw *h = nullptr;
    try {
        if (st == AS_OK) {
            h = new as__hnsw(dim);
            h->g = new hnswlib::HierarchicalNSW<float>(&h->space, path);
        }
    } catch (const std::bad_alloc &) {
        delete h;
        h = nullptr;
        st = AS_ENOMEM;
    } catch (const std::exception &) {
        delete h;
        h = nullptr;
        st = AS_EINVAL; // not the layout it wrote: caller's check failed
    }
    if (fd >= 0)
        as__scratch_close(fd, path, tmp);
    *out = h;
    return st;
}

#endif

extern "C" size_t
as__hnsw_count(const as__hnsw *h)
{
    return h->g->cur_element_count;
}

extern "C" int
as__hnsw_search(const as__hnsw *h, const float *q, size_t n, uint64_t *labels,
                float *dist, size_t *got)
{
    *got = 0;
    try {
        // the beam is max(ef, n): ef stays hnswlib's default 10, so the
        // caller's n sets it and concurrent searches share nothing
        auto r = h->g->searchKnn(q, n);
        size_t m = r.size();
        // the queue pops the farthest first
        for (size_t i = m; i-- > 0;) {
            labels[i] = r.top().second;
            dist[i] = r.top().first;
            r.pop();
        }
        *got = m;
    } catch (const std::bad_alloc &) {
        return AS_ENOMEM;
    } catch (const std::exception &) {
        return AS_EINVAL;
    }
    return AS_OK;
}

extern "C" void
as__hnsw_free(as__hnsw *h)
{
    delete h;
}
