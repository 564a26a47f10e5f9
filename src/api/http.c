/*
 * http.c — libmicrohttpd glue for the daemon (see http.h).
 *
 * Each connection gets a struct body on its first callback (con_cls):
 * the request body is copied into it chunk by chunk, up to body_max; past
 * that the rest is read and dropped and the request is answered 413
 * without calling the handler.  The body is freed in the completion
 * callback.  Headers are bounded by MHD's per-connection memory
 * (HTTP_HEADER_MAX): a larger header block gets MHD's own 431 / 413.
 *
 * We bind the listening socket ourselves (any host, port 0 allowed) and
 * hand it to MHD, which then owns and closes it.
 *
 * Each pool thread waits on its connections with epoll.  poll(2) was
 * tried (a parked connection is then simply left out of the next poll
 * instead of two epoll_ctl calls per suspend and resume, and there is no
 * second recv ending in EAGAIN): 12.5 -> 9.2 system calls per durable
 * submission at 64 threads, but 8 % more CPU per submission at 64
 * threads (6 of 6 interleaved bench-serve runs) and the same at 16, so
 * epoll stays.  What costs most per submission is waking a pool thread
 * twice (request in, commit done): see docs/SERVE.md, Throughput.
 */
#include "api/http.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <netinet/in.h>

#include "util/alloc.h"

struct http {
	struct MHD_Daemon *d;
	_Atomic int ndefer;      /* requests parked by http_defer */
	_Atomic int stopping;    /* http_stop has begun: new requests get 503 */
	http_handler fn;
	void *ctx;
	size_t body_max;
};

struct body {
	char *buf;
	size_t len, cap;
	int too_large;
	/* http_defer: the parked connection and how to answer it. */
	struct MHD_Connection *conn;
	void (*finish)(void *ctx, struct http_resp *rs);
	void *fctx;
	int deferred;          /* parked, its finish not run yet */
	_Atomic int dstate;    /* PARKED, RESUMED or ORPHANED */
	struct http *h;
};

/* A parked request's life: http_resume moves PARKED to RESUMED; a
 * connection that ends while parked (its client went away) moves it to
 * ORPHANED.  Whichever of the two comes second runs finish (so the
 * deferred work is always completed, e.g. a committed job always queued)
 * and frees the body. */
enum { PARKED = 0, RESUMED, ORPHANED };

struct http_defer {
	struct body b; /* never instantiated: http_defer returns a body */
};

void
http_text(struct http_resp *rs, int status, const char *ctype,
	  const char *text, size_t len)
{
	free(rs->body);
	rs->status = status;
	rs->body = xmalloc(len + 1);
	memcpy(rs->body, text, len);
	rs->body[len] = '\0';
	rs->len = len;
	rs->ctype = ctype;
}

void
http_json(struct http_resp *rs, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	json_decref(v);
	if (s == NULL) {
		static const char m[] = "{\"error\":{\"code\":\"internal\","
			"\"message\":\"cannot encode the response\"}}";
		http_text(rs, 500, NULL, m, sizeof m - 1);
		return;
	}
	free(rs->body);
	rs->status = status;
	rs->len = strlen(s);
	rs->body = s;  /* jansson allocates with malloc by default */
	rs->ctype = NULL;
}

void
http_error(struct http_resp *rs, int status, const char *code,
	   const char *field, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	json_t *err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (field != NULL)
		json_object_set_new(err, "field", json_string(field));
	http_json(rs, status, json_pack("{s:o}", "error", err));
}

/* The API's error code for an ERR_ code. */
static const char *
code_name(int code)
{
	switch (code) {
	case ERR_INVALID: case ERR_USAGE: return "invalid";
	case ERR_NOTFOUND: return "not_found";
	case ERR_LIMIT: return "too_large";
	case ERR_DENIED: return "forbidden";
	case ERR_CONFLICT: case ERR_STATE: case ERR_NOSPACE: return "conflict";
	default: return "internal";
	}
}

void
http_error_err(struct http_resp *rs, const struct err *e, const char *field)
{
	http_error(rs, err_http_status(e->code), code_name(e->code), field,
		   "%s", e->msg);
}

struct http_defer *
http_defer(const struct http_req *rq,
	   void (*finish)(void *ctx, struct http_resp *rs), void *ctx)
{
	struct MHD_Connection *c = rq->conn;
	struct body *b = rq->priv;

	b->finish = finish;
	b->fctx = ctx;
	b->deferred = 1;
	atomic_store(&b->dstate, PARKED);
	atomic_fetch_add(&b->h->ndefer, 1);
	MHD_suspend_connection(c);
	return (struct http_defer *)b;
}

/* Runs a parked request's finish with nobody to answer, frees b. */
static void
finish_orphan(struct body *b)
{
	struct http_resp rs = {0};
	struct http *h = b->h;

	b->finish(b->fctx, &rs);
	free(rs.body);
	free(b->buf);
	free(b);
	atomic_fetch_sub(&h->ndefer, 1);
}

void
http_resume(struct http_defer *d)
{
	struct body *b = (struct body *)d;

	if (atomic_exchange(&b->dstate, RESUMED) == ORPHANED)
		finish_orphan(b); /* the connection is gone */
	else
		MHD_resume_connection(b->conn);
}

const char *
http_query(const struct http_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct http_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (rs->body == NULL)
		http_text(rs, rs->status ? rs->status : 500, NULL, "{}", 2);
	r = MHD_create_response_from_buffer(rs->len, rs->body,
					    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(rs->body);
		return MHD_NO;
	}
	rs->body = NULL;
	MHD_add_response_header(r, "Content-Type",
				rs->ctype ? rs->ctype : "application/json");
	ok = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct body *b = *con_cls;
	struct http_req rq;
	struct http_resp rs = {0};
	int rc;

	(void)version;
	if (b == NULL) {
		const char *cl;
		b = xcalloc(1, sizeof *b);
		*con_cls = b;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 "Content-Length");
		if (cl != NULL && strtoull(cl, NULL, 10) > h->body_max)
			b->too_large = 1;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!b->too_large && b->len + *upload_size > h->body_max) {
			b->too_large = 1;
			free(b->buf);
			b->buf = NULL;
			b->len = b->cap = 0;
		}
		if (!b->too_large) {
			b->buf = xgrow(b->buf, &b->cap, b->len + *upload_size + 1, 1);
			memcpy(b->buf + b->len, upload, *upload_size);
			b->len += *upload_size;
			b->buf[b->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->deferred) {
		/* Resumed: the deferred work is done. */
		b->deferred = 0;
		b->finish(b->fctx, &rs);
		atomic_fetch_sub(&h->ndefer, 1);
		return send_resp(c, &rs);
	}
	if (b->too_large) {
		http_error(&rs, 413, "too_large", NULL,
			   "request body larger than %zu bytes", h->body_max);
		return send_resp(c, &rs);
	}
	if (atomic_load(&h->stopping)) {
		http_error(&rs, 503, "internal", NULL, "the server is shutting down");
		return send_resp(c, &rs);
	}
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = url;
	rq.body = b->buf ? b->buf : "";
	rq.len = b->len;
	rq.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					      "Authorization");
	rq.conn = c;
	rq.priv = b;
	b->conn = c;
	b->h = h;
	rc = h->fn(h->ctx, &rq, &rs);
	if (rc == HTTP_DEFERRED)
		return MHD_YES;
	if (rc != 0 && rs.body == NULL)
		http_error(&rs, 500, "internal", NULL, "request failed");
	return send_resp(c, &rs);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (b == NULL)
		return;
	*con_cls = NULL;
	if (b->deferred) {
		/* Ended while parked or before its finish ran. */
		if (atomic_exchange(&b->dstate, ORPHANED) == RESUMED)
			finish_orphan(b);
		/* else http_resume will, when the work is done */
		return;
	}
	free(b->buf);
	free(b);
}

/* A listening socket on host:port; its bound port into *bound. */
static int
listen_on(const char *host, int port, int *bound, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ps[16];
	int fd, one = 1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%d", port);
	if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0)
		return err_set(e, ERR_INVALID, "listen: %s: %s", host,
			       gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0) {
		freeaddrinfo(res);
		return err_set(e, ERR_IO, "listen: socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		rc = errno;
		close(fd);
		freeaddrinfo(res);
		return err_set(e, ERR_IO, "listen: %s:%d: %s", host, port,
			       strerror(rc));
	}
	freeaddrinfo(res);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			*bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

int
http_start(const struct http_opts *o, http_handler fn, void *ctx,
	   struct http **out, int *bound, struct err *e)
{
	struct http *h;
	int fd;

	*out = NULL;
	*bound = o->port;
	if ((fd = listen_on(o->host, o->port, bound, e)) < 0)
		return fd;
	h = xcalloc(1, sizeof *h);
	h->fn = fn;
	h->ctx = ctx;
	h->body_max = o->body_max ? o->body_max : HTTP_BODY_MAX;
	h->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME,
		0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 4),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->conn_limit ? o->conn_limit : 1024),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : 60),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)NULL,
		MHD_OPTION_END);
	if (h->d == NULL) {
		close(fd);
		free(h);
		return err_set(e, ERR_IO, "listen: cannot start the HTTP server on "
			       "%s:%d", o->host, *bound);
	}
	*out = h;
	return 0;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	/* New requests get 503; parked ones are answered first (their writes
	 * are still in the store's queue), at most 10 s.  (Not
	 * MHD_quiesce_daemon: with a thread pool it races the workers'
	 * accept.) */
	atomic_store(&h->stopping, 1);
	for (int i = 0; i < 1000 && atomic_load(&h->ndefer) > 0; i++) {
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(h->d);
	free(h);
}
