/* SPDX-License-Identifier: MIT */
/*
 * as-serve: answers computed once per version of the indexes (a map, the
 * cluster summary, the duplicate report) by a thread of their own, one
 * at a time. A worker thread of the HTTP server never computes one: it
 * queues the computation and waits a short while for it; when that is not
 * enough, the request is answered 503 and the computation goes on, so the
 * other requests on that worker's connections, and every other endpoint,
 * are answered meanwhile. Nothing here knows of HTTP or of the indexes
 * (tests/unit/test_serve_cache.c drives it alone).
 */
#ifndef AS_SERVE_CACHE_H
#define AS_SERVE_CACHE_H

/* What a slot holds; a slot starts zeroed (CACHE_EMPTY). */
enum cache_state {
    CACHE_EMPTY,    /* nothing, nothing under way */
    CACHE_QUEUED,   /* its computation waits for the one running */
    CACHE_BUILDING, /* its computation runs */
    CACHE_READY,    /* value is the answer, for good */
    CACHE_FAILED,   /* status says why; the next request tries again */
};

/* One cached answer. The caller owns the slot and must keep it alive
 * until its computation ends (the arg given with it can hold what owns
 * the slot: release is called only after the slot was written). */
struct cache_slot {
    int state;   /* enum cache_state, under the builder's lock */
    int status;  /* CACHE_FAILED: the computation's (negative) status */
    char *value; /* CACHE_READY: the answer, NUL-terminated, owned here */
};

/* Frees the slot's value; the slot must not be queued or building. */
void cache_slot_free(struct cache_slot *slot);

/* Computes an answer from arg: a string the slot takes over (malloc'd),
 * or NULL with *status set to a negative status. */
typedef char *(*cache_build_fn)(void *arg, int *status);

typedef struct builder builder;

/* A builder and its thread; NULL when either cannot be made. */
builder *builder_new(void);
/* Waits for the computation running, drops the queued ones (their slots
 * back to CACHE_EMPTY, their args released), ends the thread; accepts
 * NULL. */
void builder_free(builder *b);

/*
 * The answer of slot, computing it if needed:
 *   - CACHE_READY: *value is the answer (valid while the slot lives);
 *   - CACHE_FAILED: the computation failed with *status (negative); the
 *     slot is emptied so that a later request tries again;
 *   - CACHE_QUEUED or CACHE_BUILDING: not there yet, ask again later.
 * An empty slot gets its computation queued: fn(arg), then release(arg)
 * (release may be NULL). When nothing else was queued or running, the
 * caller then waits up to wait_s seconds for it to end. Otherwise, and
 * when the slot is not empty, the caller does not wait, and arg is
 * released at once. A caller that did not queue the computation sees
 * it fail only if it asks before any other caller.
 */
int builder_get(builder *b, struct cache_slot *slot, cache_build_fn fn,
                void *arg, void (*release)(void *), double wait_s,
                const char **value, int *status);

/* Drops the queued computations (not the one running) whose arg stale()
 * says is no longer wanted: their slots fail with status (negative), so
 * that a caller waiting on one is told, and their args are released.
 * Returns how many were dropped. */
unsigned builder_drop(builder *b, int (*stale)(void *arg), int status);

/* Computations queued or running (for /stats and the tests). */
unsigned builder_pending(builder *b);

#endif
