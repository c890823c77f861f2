/* SPDX-License-Identifier: MIT */
/*
 * as-serve: the parts of a request the server reads from untrusted bytes
 * itself: the query string (application/x-www-form-urlencoded) and a
 * multipart/form-data body (RFC 7578). Neither ever reads outside the
 * buffer it is given; tests/fuzz/fuzz_form.c feeds them random bytes.
 */
#ifndef AS_SERVE_FORM_H
#define AS_SERVE_FORM_H

#include <stddef.h>

/* What the parsers return besides 0. */
enum {
    FORM_EMALFORMED = -1, /* the bytes do not follow the format */
    FORM_ENOMEM = -2,
    FORM_ETOOMANY = -3, /* more fields or parts than the limit */
};

/* Most fields a query string and parts a body may hold. */
#define FORM_MAX_FIELDS 64

/* One name=value pair, both percent-decoded ('+' is a space) and
 * NUL-terminated; value_len counts the value's bytes (a value may hold
 * a NUL from %00: such a value is refused by form_query_get). */
struct form_field {
    char *name;
    char *value;
    size_t name_len, value_len; /* decoded: a NUL byte (%00) may be in */
};

struct form_query {
    struct form_field *v;
    size_t n;
    char *buf; /* the decoded strings */
};

/*
 * Parses the query string qs (len bytes, without the '?'): fields
 * separated by '&' (empty ones skipped), a field without '=' has the
 * empty value. Returns 0; FORM_EMALFORMED for a '%' not followed by two
 * hex digits; FORM_ETOOMANY past FORM_MAX_FIELDS; FORM_ENOMEM. q is
 * empty on failure; free it with form_query_free() in every case.
 */
int form_query_parse(struct form_query *q, const char *qs, size_t len);
/* A request path's %XX escapes decoded in place ('+' stays), but %00,
 * which would end the path early (/stats%00x taken for /stats): kept as
 * it is, it names no endpoint; a malformed escape is kept too. Returns
 * the new length. */
size_t form_path_unescape(char *s);
void form_query_free(struct form_query *q);
/* The value of the first field called name, or NULL; *dup (if not NULL)
 * is set when the name is given more than once. A value holding a NUL
 * byte is returned as NULL with *bad set. */
const char *form_query_get(const struct form_query *q, const char *name,
                           int *dup, int *bad);

/* One part of a multipart body: pointers into the body (not
 * NUL-terminated). filename is NULL when the part has none. */
struct form_part {
    const char *name;
    size_t name_len;
    const char *filename;
    size_t filename_len;
    const char *type; /* its Content-Type, NULL when not given */
    size_t type_len;
    const unsigned char *data;
    size_t len;
};

/*
 * The boundary parameter of a Content-Type value ("multipart/form-data;
 * boundary=..."), 1 to 70 characters, quoted or not: copied NUL-ended
 * into out (cap at least 71). Returns 0, or FORM_EMALFORMED when the
 * type is not multipart/form-data or has no valid boundary.
 */
int form_boundary(const char *content_type, char *out, size_t cap);

/*
 * Splits body (len bytes) on boundary into at most cap parts, each with
 * a Content-Disposition of form-data and a name. Returns 0 with *n
 * parts; FORM_EMALFORMED (no opening or closing delimiter, a header
 * line without a colon or longer than 8 KiB, a part without
 * form-data disposition or name); FORM_ETOOMANY (more than cap parts).
 */
int form_multipart(const unsigned char *body, size_t len, const char *boundary,
                   struct form_part *parts, size_t cap, size_t *n);

/* Whether the part's name is name. */
int form_part_is(const struct form_part *p, const char *name);

#endif
