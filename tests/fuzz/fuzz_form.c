/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for as-serve's request parsing (tools/as-serve/form.c):
 * the query-string parser and the multipart/form-data parser, on the
 * bytes of one input. The first line (to the first LF, at most 200 bytes)
 * is a Content-Type value whose boundary is taken; the rest is parsed as
 * a query string and as a multipart body. Checked besides the sanitizers:
 * every decoded field is NUL-terminated within its value_len, every part
 * lies inside the body, and parsing the same bytes twice gives the same
 * result. Any status is fine; crashes, leaks and a part outside the body
 * are not. tests/fuzz/run.sh builds, seeds and runs it; to replay:
 *   build-fuzz/tests/fuzz/fuzz_form FILE
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_query(const char *qs, size_t len)
{
    struct form_query q;
    int st = form_query_parse(&q, qs, len);
    if (st == 0) {
        for (size_t i = 0; i < q.n; i++) {
            if (q.v[i].value[q.v[i].value_len] != '\0' ||
                q.v[i].value_len > len)
                abort();
            int dup = 0, bad = 0;
            (void)form_query_get(&q, q.v[i].name, &dup, &bad);
        }
    } else if (q.n != 0 || q.v != NULL) {
        abort();
    }
    form_query_free(&q);

    /* the same bytes as a request path: decoded no longer, up to its
     * first NUL */
    char *path = malloc(len + 1);
    if (path == NULL)
        abort();
    memcpy(path, qs, len);
    path[len] = '\0';
    size_t before = strlen(path), after = form_path_unescape(path);
    if (after > before || strlen(path) != after)
        abort();
    free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nl = 0;
    while (nl < size && nl < 200 && data[nl] != '\n')
        nl++;
    char ct[201];
    memcpy(ct, data, nl);
    ct[nl] = '\0';
    const uint8_t *body = data + (nl < size ? nl + 1 : nl);
    size_t len = size - (size_t)(body - data);

    check_query((const char *)body, len);

    char boundary[80];
    if (form_boundary(ct, boundary, sizeof boundary) != 0)
        strcpy(boundary, "XX");
    struct form_part parts[FORM_MAX_FIELDS], again[FORM_MAX_FIELDS];
    size_t n = 0, n2 = 0;
    int st = form_multipart(body, len, boundary, parts, FORM_MAX_FIELDS, &n);
    int st2 = form_multipart(body, len, boundary, again, FORM_MAX_FIELDS, &n2);
    if (st != st2 || n != n2)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct form_part *p = &parts[i];
        if (p->data < body || p->len > len ||
            (size_t)(p->data - body) > len - p->len)
            abort();
        if ((const uint8_t *)p->name < body ||
            (const uint8_t *)p->name + p->name_len > body + len)
            abort();
        if (p->filename != NULL &&
            ((const uint8_t *)p->filename < body ||
             (const uint8_t *)p->filename + p->filename_len > body + len))
            abort();
        if (memcmp(p, &again[i], sizeof *p) != 0)
            abort();
        (void)form_part_is(p, "file");
    }
    return 0;
}
