/* SPDX-License-Identifier: MIT */
/*
 * Out of memory in the clustering calls: linked with -Wl,--wrap=malloc,
 * so that one allocation of a chosen size fails, and the call must then
 * say so (AS_ENOMEM) rather than succeed with its result unset.
 */
#include <stddef.h>
#include <stdlib.h>

#include "as/as.h"
#include "as/cluster.h"
#include "check.h"

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

/* the size of the next allocation to fail, 0: none */
static size_t fail_size;

void *
__wrap_malloc(size_t size)
{
    if (fail_size != 0 && size == fail_size) {
        fail_size = 0;
        return NULL;
    }
    return __real_malloc(size);
}

int
main(void)
{
    enum { N = 64, D = 3, K = 13 };
    static float x[N * D];
    for (size_t i = 0; i < N * D; i++)
        x[i] = (float)((i * 7919) % 101) / 101.0f;

    check_ctx("as_kdistance_eps, every allocation served");
    double eps = -1.0;
    CHECK_STATUS(as_kdistance_eps(x, N, D, K, 0, 1, 1, &eps), AS_OK);
    CHECK(eps > 0.0);

    /* K doubles: the scratch of the exact k-distance at the knee, the
     * only allocation of that size in the call */
    check_ctx("as_kdistance_eps, its last allocation refused");
    fail_size = K * sizeof(double);
    eps = -1.0;
    CHECK_STATUS(as_kdistance_eps(x, N, D, K, 0, 1, 1, &eps), AS_ENOMEM);
    CHECK(fail_size == 0); /* the allocation was made, and refused */
    fail_size = 0;
    return check_done();
}
