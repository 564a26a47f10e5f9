/*
 * client.h — the HTTP client the `allot` commands use to talk to
 * `allot serve` (the API in docs/API.md): where the server is and which
 * token to send, JSON requests over one keep-alive connection, the
 * server's error body turned into a message, timeouts, and retries of
 * requests that are safe to repeat.
 *
 * Settings come from, in this order per field: command-line flags, the
 * environment (ALLOT_URL, ALLOT_TOKEN, ALLOT_TIMEOUT), then a config file
 * ($ALLOT_CONFIG, else ~/.config/allot/config) of `key = value` lines
 * (url, token, token_file, timeout; '#' starts a comment).  The
 * environment is passed in as a struct so that resolution is testable.
 *
 * Exit statuses for the commands (docs/CLI.md): 0 ok, 1 the server
 * refused (4xx), 2 unreachable or a server error (5xx), 64 usage.
 */
#ifndef ALLOT_API_CLIENT_H
#define ALLOT_API_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "util/err.h"

#define CLIENT_URL_MAX 512
#define CLIENT_TOKEN_MAX 256
#define CLIENT_BODY_MAX ((size_t)64 << 20) /* largest response read */

enum client_exit {
	CLIENT_EXIT_OK = 0,
	CLIENT_EXIT_REFUSED = 1, /* the server said no: 4xx */
	CLIENT_EXIT_SERVER = 2,  /* not reachable, timed out, or 5xx */
	CLIENT_EXIT_USAGE = 64,
};

/* Where settings came from, for messages ("token from ALLOT_TOKEN"). */
struct client_conf {
	char url[CLIENT_URL_MAX];     /* "http://host:port", no trailing '/' */
	char token[CLIENT_TOKEN_MAX];
	char url_from[64], token_from[64];
	long timeout_ms;              /* whole request; default 30,000 */
	long connect_timeout_ms;      /* default 5,000 */
	int retries;                  /* extra attempts for retryable calls; 3 */
};

/* The process environment the resolution reads; any field may be NULL. */
struct client_env {
	const char *url, *token, *timeout; /* ALLOT_URL, ALLOT_TOKEN, ALLOT_TIMEOUT */
	const char *config;                /* ALLOT_CONFIG */
	const char *home;                  /* HOME */
};

/* Fills env from getenv(). */
void client_env_get(struct client_env *env);

/* Resolves the settings: flag_* (NULL = not given) over env over the
 * config file.  A config file named by ALLOT_CONFIG must exist; the
 * default one is optional.  Errors: ERR_USAGE when no URL or no token is
 * found anywhere or a value is malformed (the message says where to put
 * it), ERR_INVALID for a bad config line ("FILE:LINE: key: reason"),
 * ERR_NOTFOUND / ERR_IO for an unreadable file. */
int client_conf_resolve(struct client_conf *c, const char *flag_url,
			const char *flag_token, const char *flag_timeout,
			const struct client_env *env, struct err *e);

/* Parses config text (name for messages) into the fields of c that are
 * still empty (url, token, timeout); token_file is read relative to the
 * working directory.  Pure apart from token_file. */
int client_conf_parse(struct client_conf *c, const char *name,
		      const char *text, size_t len, struct err *e);

/* A connection to the server: one libcurl easy handle, so consecutive
 * calls reuse one keep-alive TCP connection.  Not thread-safe: one per
 * thread. */
struct client;

struct client *client_new(const struct client_conf *c);
void client_free(struct client *c);

/* One response.  body is NUL-terminated and owned; json is the parsed
 * body (NULL when empty or not JSON), owned. */
struct client_resp {
	long status;   /* HTTP status; 0 = no response */
	char *body;
	size_t len;
	json_t *json;
	double seconds; /* wall time of the last attempt */
};

void client_resp_clear(struct client_resp *r);

enum client_flags {
	CLIENT_RETRY = 1 << 0, /* safe to repeat: retry on transport errors,
				* 429, 502, 503 and 504 with backoff */
};

/* Sends METHOD base-url+path with body (may be NULL) as compact JSON and
 * the bearer token; reads the reply into r (cleared first).  Returns 0
 * for a 2xx status.  Otherwise a negative code and e says why: a 4xx as
 * the server's error code mapped (invalid → ERR_INVALID, unauthorized
 * and forbidden → ERR_DENIED, not_found → ERR_NOTFOUND, conflict →
 * ERR_CONFLICT, too_large and rate_limited → ERR_LIMIT) with
 * "FIELD: MESSAGE (HTTP 400 invalid)"; a 5xx as ERR_INTERNAL; no answer
 * (refused, timed out) as ERR_IO naming the URL. */
int client_call(struct client *c, const char *method, const char *path,
		const json_t *body, int flags, struct client_resp *r,
		struct err *e);

/* The message and code for a non-2xx reply (what client_call uses).
 * Pure: testable without a server. */
int client_error_from_body(long status, const char *body, size_t len,
			   struct err *e);

/* The exit status for the result of client_call / client_conf_resolve:
 * rc 0 → 0; ERR_USAGE → 64; a 4xx status → 1; else 2. */
int client_exit_status(int rc, long status);

/* Appends "?key=value" or "&key=value" to path (cap bytes), the value
 * percent-encoded; ERR_LIMIT if it would not fit (path unchanged). */
int client_path_add(char *path, size_t cap, const char *key, const char *value);

/* A fresh idempotency key: 32 lowercase hex digits from libsodium's
 * random source. */
void client_idem_key(char out[33]);

/* ---- For the client commands (src/cmd/cmd-submit.c etc.) ---------------- */

/* Resolves the settings from flags and the process environment and
 * opens a client; on error prints "allot CMD: message" to stderr and
 * returns NULL with *exit_status set. */
struct client *client_open(const char *cmd, const char *flag_url,
			   const char *flag_token, const char *flag_timeout,
			   int *exit_status);

/* Prints "allot CMD: <e->msg>" to stderr and returns client_exit_status. */
int client_fail(const char *cmd, int rc, const struct client_resp *r,
		const struct err *e);

/* Small readers of a jansson object for the commands: a missing or
 * mistyped member gives the fallback. */
const char *client_jstr(const json_t *o, const char *key, const char *fallback);
int64_t client_jint(const json_t *o, const char *key, int64_t fallback);

/* The connection flags every client command takes. */
struct client_opts {
	const char *url, *token, *timeout;
};

/* If argv[*i] is --url, --token or --timeout ("--opt V" or "--opt=V"),
 * stores its value in f, advances *i past it and returns 1; returns -1
 * when the value is missing or empty, 0 for any other argument. */
int client_flag(int argc, char **argv, int *i, struct client_opts *f);

/* GETs path (e.g. "/v1/jobs?state=running"; the reply has "jobs" and
 * "next_cursor") page after page of at most `page` jobs (0 = 1000, the
 * server's largest), following next_cursor, and appends the jobs to out
 * until max have been collected (max < 0: all).  On error returns the
 * client_call code with r holding the failed reply (the caller clears r
 * in every case). */
int client_list(struct client *c, const char *path, long long max,
		long long page, json_t *out, struct client_resp *r,
		struct err *e);

/* A job object's GPUs as squeue-ish text: "8", "2x4" (nodes x per node),
 * "0.250" (a share); "-" when unknown. */
void client_job_gpus(const json_t *job, char *buf, size_t cap);

/* Seconds a job has run by `now` (unix seconds): end - start when ended,
 * now - start when running, 0 when it never started. */
int64_t client_job_elapsed(const json_t *job, int64_t now);

/* Unix seconds ("1767225600") or a UTC date and time
 * "YYYY-MM-DD[THH:MM[:SS]][Z]" (a blank may replace the T) as unix
 * seconds; -1 for anything else, a year before 1970 or a field out of
 * range. */
int64_t client_parse_time(const char *s);

/* Slurm's state codes for a job state name: pending PD, starting CF,
 * running R, completed CD, failed F, cancelled CA, preempted PR; else
 * the name itself. */
const char *client_state_code(const char *state);

/* Prints rows (a JSON array of objects) as a space-aligned table with a
 * header: the columns cols (NULL-terminated; NULL = every key of the
 * first row, in its order).  Strings print as they are, numbers as
 * integers or with 3 decimals, null and missing members as "-", nested
 * values as compact JSON.  Cells are cut at 40 characters. */
void client_print_table(FILE *f, const json_t *rows, const char *const *cols);

#endif
