/*
 * http.h — the daemon's HTTP server: a thin wrapper over libmicrohttpd.
 *
 * It owns the listening socket, the thread pool, each request's body
 * buffer and the size limits (body, headers, connections); it hands every
 * complete request to one handler function and sends back what the
 * handler put in a struct http_resp.  Routing, authentication and JSON
 * live above it (routes.c).
 *
 * The handler runs on one of the pool's threads and may block (a durable
 * submission waits for its group commit); many threads block at once so
 * their writes commit together.
 */
#ifndef ALLOT_API_HTTP_H
#define ALLOT_API_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

#define HTTP_BODY_MAX ((size_t)1 << 20)   /* default request body limit */
#define HTTP_HEADER_MAX ((size_t)32 << 10) /* per-connection memory: headers */

struct http_req {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* without the query string */
	const char *body;    /* NUL-terminated; "" when none */
	size_t len;
	const char *auth;    /* the Authorization header, or NULL */
	void *conn;          /* the MHD connection, for http_query */
	void *priv;          /* the server's per-request state */
};

struct http_resp {
	int status;
	char *body;          /* malloc'ed, owned by the response */
	size_t len;
	const char *ctype;   /* a static string; NULL = application/json */
};

struct http_opts {
	const char *host;    /* "127.0.0.1", "::1", "0.0.0.0" */
	int port;            /* 0 = any free port */
	unsigned threads;    /* thread-pool size (>= 1) */
	unsigned conn_limit; /* simultaneous connections */
	size_t body_max;     /* 0 = HTTP_BODY_MAX */
	unsigned timeout_s;  /* idle connection timeout */
};

/* The request handler: fills rs (status, body) and returns 0, or, after
 * http_defer, returns HTTP_DEFERRED and leaves rs alone.  Called on a pool
 * thread; must be thread-safe. */
#define HTTP_DEFERRED 1
typedef int (*http_handler)(void *ctx, const struct http_req *rq,
			    struct http_resp *rs);

struct http;

/* Binds host:port, starts the thread pool and serves until http_stop.
 * *bound is the port actually bound (useful with port 0).  ERR_IO if the
 * address cannot be bound, ERR_INVALID for a bad host. */
int http_start(const struct http_opts *o, http_handler fn, void *ctx,
	       struct http **out, int *bound, struct err *e);
/* Stops accepting, waits for the running handlers, closes everything.
 * NULL is a no-op. */
void http_stop(struct http *h);

/* Answering later.  From inside a handler, http_defer suspends the
 * request (its connection is parked; the pool thread moves on) and the
 * handler returns HTTP_DEFERRED.  Later, exactly once and from any thread,
 * http_resume(d) wakes it: the server then calls finish(ctx, rs) on a pool
 * thread to fill the response, and sends it.  So a handler can queue a
 * durable write and let the write's completion answer the request without
 * a thread blocking on it meanwhile. */
struct http_defer;
struct http_defer *http_defer(const struct http_req *rq,
			      void (*finish)(void *ctx, struct http_resp *rs),
			      void *ctx);
void http_resume(struct http_defer *d);

/* The value of query argument key, or NULL (lent until the request ends). */
const char *http_query(const struct http_req *rq, const char *key);
/* Sets rs to status with v serialised as its body; takes v's reference. */
void http_json(struct http_resp *rs, int status, json_t *v);
/* Sets rs to a plain-text body (copied). */
void http_text(struct http_resp *rs, int status, const char *ctype,
	       const char *text, size_t len);
/* Sets rs to the API's error body {"error": {"code", "message", "field"}}
 * (field omitted when NULL). */
void http_error(struct http_resp *rs, int status, const char *code,
		const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The error body for a struct err: status and code from its ERR_ code. */
void http_error_err(struct http_resp *rs, const struct err *e,
		    const char *field);

#endif
