// SPDX-License-Identifier: MIT
// The C boundary over hnswlib (Debian's libhnswlib-dev, header-only):
// every call catches what hnswlib throws and returns a status code, so
// no exception crosses into C.
#include "hnsw.h"

#include <cerrno>
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

extern "C" int
as__hnsw_load(as__hnsw **out, const char *path, size_t dim)
{
    *out = nullptr;
    as__hnsw *h = nullptr;
    try {
        h = new as__hnsw(dim);
        h->g = new hnswlib::HierarchicalNSW<float>(&h->space, path);
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
