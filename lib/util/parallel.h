/* SPDX-License-Identifier: MIT */
/* Running independent tasks on a few threads (inside the library). */
#ifndef AS_UTIL_PARALLEL_H
#define AS_UTIL_PARALLEL_H

#include <stddef.h>

/*
 * Calls fn(ctx, task, worker) once for every task in [0, n_tasks), on up
 * to `threads` threads (0 or 1: in the calling thread, in task order);
 * worker is in [0, threads) and no two calls with the same worker run at
 * once, so per-worker scratch space needs no lock. Tasks are claimed in
 * order but may finish in any order: a result must not depend on which
 * worker ran a task. Threads that cannot be started leave their share to
 * the others. Returns AS_OK, or AS_ENOMEM (then nothing has run).
 */
int as__parallel(size_t n_tasks, size_t threads,
                 void (*fn)(void *ctx, size_t task, size_t worker), void *ctx);

#endif
