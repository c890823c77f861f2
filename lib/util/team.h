/* SPDX-License-Identifier: MIT */
/* A team of threads kept across the many steps of one computation (a
 * descent, Prim's algorithm), so that each step costs a wake-up rather
 * than starting and joining its threads. */
#ifndef AS_UTIL_TEAM_H
#define AS_UTIL_TEAM_H

#include <stddef.h>

struct as__team;

/* A team of up to `threads` threads, the caller's included (0 or 1: the
 * caller alone; threads that cannot be started leave their share to the
 * others). AS_OK or AS_ENOMEM (*out NULL). */
int as__team_new(struct as__team **out, size_t threads);
/* One step: as_parallel(n_tasks, the team's size, fn, ctx) (as/parallel.h:
 * tasks claimed in order, worker in [0, min(size, n_tasks)), the caller
 * working as worker 0), on the team's threads; returns when every task
 * is done. Steps of one team run one at a time, from one thread. */
void as__team_run(struct as__team *t, size_t n_tasks,
                  void (*fn)(void *ctx, size_t task, size_t worker), void *ctx);
/* The threads the team has, the caller's included (at least 1). */
size_t as__team_size(const struct as__team *t);
/* Stops and joins the team's threads and frees it; NULL is fine. */
void as__team_free(struct as__team *t);

#endif
