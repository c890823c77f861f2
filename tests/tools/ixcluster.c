/* SPDX-License-Identifier: MIT */
/*
 * ixcluster INDEX N: gives entry i of INDEX the cluster i % N (N 0: no
 * cluster), for tests of tools that read cluster ids before as-cluster
 * writes them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "as/as.h"

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ixcluster INDEX N\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    as_index *ix = NULL;
    as_index_builder *b = NULL;
    int st = as_index_open(&ix, argv[1], AS_INDEX_VERIFY, NULL);
    if (st == AS_OK)
        st = as_index_builder_new(&b, as_index_header(ix));
    if (st == AS_OK)
        st = as_index_builder_load(b, ix);
    for (size_t i = 0; st == AS_OK && i < as_index_builder_count(b); i++)
        st = as_index_builder_annotate(
            b, i, n > 0 ? (int32_t)((long)i % n) : AS_INDEX_NO_CLUSTER, 0,
            0.0f);
    if (st == AS_OK)
        st = as_index_builder_write(b, argv[1]);
    as_index_builder_free(b);
    as_index_close(ix);
    if (st != AS_OK) {
        fprintf(stderr, "ixcluster: %s: %s\n", argv[1], as_strerror(st));
        return 1;
    }
    return 0;
}
