/* SPDX-License-Identifier: MIT */
#include "fileutil.h"

#include <stdio.h>
#include <stdlib.h>

char *
tu_read_file(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    if (buf == NULL) {
        fclose(fp);
        return NULL;
    }
    *n = fread(buf, 1, (size_t)len, fp);
    buf[*n] = '\0';
    fclose(fp);
    return buf;
}

void
tu_write_file(const char *path, const char *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return;
    fwrite(buf, 1, n, fp);
    fclose(fp);
}
