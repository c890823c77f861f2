/* SPDX-License-Identifier: MIT */
/* Running independent tasks on a few threads (the library's own loop,
 * exported so that the tools use the same one). */
#ifndef AS_PARALLEL_H
#define AS_PARALLEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Calls fn(ctx, task, worker) once for every task in [0, n_tasks), on up
 * to `threads` threads, the calling thread included (0 or 1: in the
 * calling thread alone, in task order). Tasks are claimed one at a time
 * in order, by whichever thread is free, and may finish in any order: a
 * result must not depend on which worker ran a task. worker is in
 * [0, min(threads, n_tasks)), and no two calls with the same worker run
 * at once, so per-worker scratch space needs no lock. Threads that cannot
 * be started leave their share to the others. Returns when every task is
 * done: AS_OK, AS_EINVAL (fn NULL) or AS_ENOMEM (then nothing has run).
 */
int as_parallel(size_t n_tasks, size_t threads,
                void (*fn)(void *ctx, size_t task, size_t worker), void *ctx);

#ifdef __cplusplus
}
#endif

#endif
