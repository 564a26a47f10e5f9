/*
 * daemon.h — the end-to-end tests' handle on a running `allot serve`
 * (tests/daemon.c): start, stop, requests.  Failures call test_fail with
 * the caller's file and line (the macros pass them).
 */
#ifndef ALLOT_TESTS_DAEMON_H
#define ALLOT_TESTS_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct daemon {
	pid_t pid;
	int port;
	char dir[512];
	char token[256];  /* the admin token */
	char url[64];
};

/* A response body as libcurl delivers it (daemon_on_data appends). */
struct daemon_buf {
	char *p;
	size_t n;
};
size_t daemon_on_data(char *ptr, size_t size, size_t nmemb, void *ud);

void daemon_nap_ms(long ms);
/* Starts `allot serve` with extra arguments (a NULL-terminated list) on a
 * database in dir (created on first use); skips the test without $ALLOT. */
void daemon_start(struct daemon *d, const char *dir, ...);
/* SIGTERM (or sig) and wait; returns the exit status (-1 if it had to be
 * killed after 10 s). */
int daemon_stop(struct daemon *d, int sig);
/* One request; the response body (caller frees) and the status. */
char *daemon_req(const struct daemon *d, const char *method, const char *path,
		 const char *token, const char *body, long *status);
/* A request whose JSON answer is parsed; fails unless the status is want. */
json_t *daemon_jreq(const struct daemon *d, const char *method,
		    const char *path, const char *token, const char *body,
		    long want, const char *file, int line);
const char *daemon_jstr(json_t *o, const char *k);
long long daemon_jint(json_t *o, const char *k);
/* Fails unless the request answers status with this error code and
 * field (NULL: no field). */
void daemon_check_error(const struct daemon *d, const char *method,
			const char *path, const char *token, const char *body,
			long status, const char *code, const char *field,
			const char *file, int line);
/* A new token for user, made with the admin token (caller frees). */
char *daemon_mktoken(const struct daemon *d, const char *user);

#define JREQ(d, m, p, t, b, want) \
	daemon_jreq(d, m, p, t, b, want, __FILE__, __LINE__)
#define CHECK_ERROR(d, m, p, t, b, st, code, field) \
	daemon_check_error(d, m, p, t, b, st, code, field, __FILE__, __LINE__)

#endif
