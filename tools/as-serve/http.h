/* SPDX-License-Identifier: MIT */
/* as-serve: the HTTP side, as the rest of the server sees it. */
#ifndef AS_SERVE_HTTP_H
#define AS_SERVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Daemon;
struct MHD_Response;
struct MHD_Connection;
struct req;
struct serve_opts;

/* Starts the daemon on the listening socket (which it then owns). */
struct MHD_Daemon *http_start(const struct serve_opts *o, int listen_fd);
/* Requests begun and not finished; requests finished. */
unsigned http_in_flight(void);
/* From now on, a request that begins (on a connection already open) is
 * told 503, "the server is stopping": the drain at SIGTERM. */
void http_stopping(void);
unsigned long http_requests(void);
/* Queues resp (destroying the caller's reference), recording status and
 * bytes for the access log. */
int reply_response(struct MHD_Connection *c, struct req *r, unsigned status,
                   struct MHD_Response *resp, uint64_t bytes);
/* A response of the len bytes at buf (from malloc: the response owns
 * it, and frees it on a failure too, returning NULL) of this type. */
struct MHD_Response *response_buffer(char *buf, size_t len, const char *type);
/* Suspends the request's connection until j is answered (the request
 * then owns j). */
struct request;
struct search_job;
void http_suspend(const struct request *q, struct search_job *j);
/* Resumes j's connection: its request then replies with j's answer. */
void http_resume(struct search_job *j);
/* An unlinked temporary file in TMPDIR (else /tmp); -1 with errno. */
int spool_file(void);
int write_all(int fd, const void *p, size_t n);

#endif
