/*
 * test-client.c — the CLI's HTTP client without the daemon: where the
 * URL and token come from (flags over environment over config file),
 * config file errors, error bodies turned into messages and exit
 * statuses, query strings, and — against a tiny scripted HTTP server on
 * 127.0.0.1 in a thread — retries that resend the same idempotency key,
 * no retry for unsafe calls, and the request timeout.  At the end, `allot
 * round` and `allot audit` against a real `allot serve` (tests/daemon.h):
 * the online verbs, their tables, --json and exit statuses.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include <jansson.h>

#include "api/client.h"
#include "daemon.h"
#include "test.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static const char *
tmp(const char *name)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof buf[0], "%s/%s", test_tmpdir(), name);
	return p;
}

TEST(client_conf_precedence)
{
	struct client_conf c;
	struct client_env env = {0};
	struct err e = {0};
	const char *cfg = tmp("config");

	write_file(cfg, "# allot client\n\nurl = http://cfg:1/\n  token=cfgtoken  \n"
		   "timeout = 2.5\n");
	env.config = cfg;
	/* the file alone */
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), 0);
	CHECK_STR(c.url, "http://cfg:1");
	CHECK_STR(c.token, "cfgtoken");
	CHECK_EQ_INT(c.timeout_ms, 2500);
	CHECK_CONTAINS(c.url_from, "config:3");
	CHECK_CONTAINS(c.token_from, "config:4");
	/* the environment over the file */
	env.url = "envhost:8080";
	env.token = "envtoken";
	env.timeout = "7";
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), 0);
	CHECK_STR(c.url, "http://envhost:8080");
	CHECK_STR(c.token, "envtoken");
	CHECK_EQ_INT(c.timeout_ms, 7000);
	CHECK_STR(c.url_from, "ALLOT_URL");
	/* flags over both, field by field */
	CHECK_EQ_INT(client_conf_resolve(&c, "https://flag:9//", NULL, "0.5", &env, &e), 0);
	CHECK_STR(c.url, "https://flag:9");
	CHECK_STR(c.token, "envtoken");
	CHECK_EQ_INT(c.timeout_ms, 500);
	CHECK_EQ_INT(c.connect_timeout_ms, 500);
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, "flagtoken", NULL, &env, &e), 0);
	CHECK_STR(c.token, "flagtoken");
	CHECK_STR(c.token_from, "--token");
	CHECK_STR(c.url, "http://envhost:8080");
	/* an empty variable counts as unset */
	env.url = "";
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), 0);
	CHECK_STR(c.url, "http://cfg:1");
	/* defaults */
	env = (struct client_env){0};
	CHECK_EQ_INT(client_conf_resolve(&c, "h:1", "t", NULL, &env, &e), 0);
	CHECK_EQ_INT(c.timeout_ms, 30000);
	CHECK_EQ_INT(c.connect_timeout_ms, 5000);
	CHECK_EQ_INT(c.retries, 3);
}

TEST(client_conf_default_file_and_token_file)
{
	struct client_conf c;
	struct client_env env = {0};
	struct err e = {0};
	char dir[600], tok[600];

	/* ~/.config/allot/config is read from HOME, and is optional */
	env.home = test_tmpdir();
	CHECK_EQ_INT(client_conf_resolve(&c, "h:1", "t", NULL, &env, &e), 0);
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, "t", NULL, &env, &e), ERR_USAGE);
	CHECK_CONTAINS(e.msg, "no server URL");
	CHECK_CONTAINS(e.msg, "--url");
	CHECK_CONTAINS(e.msg, "ALLOT_URL");
	snprintf(dir, sizeof dir, "%s/.config", test_tmpdir());
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(dir, sizeof dir, "%s/.config/allot", test_tmpdir());
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(tok, sizeof tok, "%s/token", test_tmpdir());
	write_file(tok, "allot_1_abcdef\n\n");
	snprintf(dir, sizeof dir, "%s/.config/allot/config", test_tmpdir());
	{
		char text[800];
		snprintf(text, sizeof text, "url = 127.0.0.1:5\ntoken_file = %s\n", tok);
		write_file(dir, text);
	}
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), 0);
	CHECK_STR(c.url, "http://127.0.0.1:5");
	CHECK_STR(c.token, "allot_1_abcdef");
	/* no token anywhere */
	write_file(dir, "url = 127.0.0.1:5\n");
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), ERR_USAGE);
	CHECK_CONTAINS(e.msg, "no API token");
	CHECK_CONTAINS(e.msg, "ALLOT_TOKEN");
	/* ALLOT_CONFIG must exist when given */
	env.config = tmp("missing");
	CHECK_EQ_INT(client_conf_resolve(&c, NULL, NULL, NULL, &env, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "missing");
}

TEST(client_conf_errors)
{
	static const struct { const char *text, *msg; int code; } bad[] = {
		{"url http://x\n", "cfg:1: expected `key = value`", ERR_INVALID},
		{"\n\nport = 5\n", "cfg:3: port: unknown key", ERR_INVALID},
		{"= 5\n", "cfg:1: expected", ERR_INVALID},
		{"url = ftp://x\n", "only http:// and https://", ERR_INVALID},
		{"url = http://a b\n", "blank or control", ERR_INVALID},
		{"url = http:///\n", "has no host", ERR_INVALID},
		{"url = https://\n", "has no host", ERR_INVALID},
		{"token = a b\n", "blank or control", ERR_INVALID},
		{"token =\n", "empty token", ERR_INVALID},
		{"timeout = 0\n", "timeout: expected seconds", ERR_INVALID},
		{"timeout = 5s\n", "timeout: expected seconds", ERR_INVALID},
		{"token_file = /nonexistent/allot-token\n", "cfg:1: /nonexistent", ERR_NOTFOUND},
	};
	struct client_conf c;
	struct err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&c, 0, sizeof c);
		err_clear(&e);
		CHECK_EQ_INT(client_conf_parse(&c, "cfg", bad[i].text, strlen(bad[i].text), &e),
			     bad[i].code);
		CHECK_EQ_INT(e.code, bad[i].code);
		CHECK_CONTAINS(e.msg, bad[i].msg);
	}
	/* flags are checked too, and are usage errors */
	{
		struct client_env env = {0};
		CHECK_EQ_INT(client_conf_resolve(&c, "gopher://x", "t", NULL, &env, &e),
			     ERR_USAGE);
		CHECK_CONTAINS(e.msg, "--url");
		CHECK_EQ_INT(client_conf_resolve(&c, "h:1", "t", "-1", &env, &e), ERR_USAGE);
		CHECK_CONTAINS(e.msg, "--timeout");
		env.token = "bad\ttoken";
		CHECK_EQ_INT(client_conf_resolve(&c, "h:1", NULL, NULL, &env, &e), ERR_USAGE);
		CHECK_CONTAINS(e.msg, "ALLOT_TOKEN");
	}
}

TEST(client_error_bodies)
{
	struct err e;
	const char *b;

	b = "{\"error\":{\"code\":\"invalid\",\"message\":\"must be 1..64\",\"field\":\"gpus\"}}";
	CHECK_EQ_INT(client_error_from_body(400, b, strlen(b), &e), ERR_INVALID);
	CHECK_STR(e.msg, "gpus: must be 1..64 (HTTP 400 invalid)");
	CHECK_EQ_INT(client_exit_status(ERR_INVALID, 400), 1);
	/* a message that names its field already is not prefixed twice */
	b = "{\"error\":{\"code\":\"invalid\",\"message\":\"gpus: too many\",\"field\":\"gpus\"}}";
	CHECK_EQ_INT(client_error_from_body(400, b, strlen(b), &e), ERR_INVALID);
	CHECK_STR(e.msg, "gpus: too many (HTTP 400 invalid)");
	b = "{\"error\":{\"code\":\"invalid\",\"message\":\"gpusx: y\",\"field\":\"gpus\"}}";
	CHECK_EQ_INT(client_error_from_body(400, b, strlen(b), &e), ERR_INVALID);
	CHECK_STR(e.msg, "gpus: gpusx: y (HTTP 400 invalid)");
	b = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"no valid token\"}}";
	CHECK_EQ_INT(client_error_from_body(401, b, strlen(b), &e), ERR_DENIED);
	CHECK_STR(e.msg, "no valid token (HTTP 401 unauthorized)");
	b = "{\"error\":{\"code\":\"not_found\",\"message\":\"no job 9\"}}";
	CHECK_EQ_INT(client_error_from_body(404, b, strlen(b), &e), ERR_NOTFOUND);
	b = "{\"error\":{\"code\":\"conflict\",\"message\":\"already ended\"}}";
	CHECK_EQ_INT(client_error_from_body(409, b, strlen(b), &e), ERR_CONFLICT);
	b = "{\"error\":{\"code\":\"too_large\",\"message\":\"body over 1 MiB\"}}";
	CHECK_EQ_INT(client_error_from_body(413, b, strlen(b), &e), ERR_LIMIT);
	b = "{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down\"}}";
	CHECK_EQ_INT(client_error_from_body(429, b, strlen(b), &e), ERR_LIMIT);
	b = "{\"error\":{\"code\":\"internal\",\"message\":\"db: disk full\"}}";
	CHECK_EQ_INT(client_error_from_body(500, b, strlen(b), &e), ERR_INTERNAL);
	CHECK_EQ_INT(client_exit_status(ERR_INTERNAL, 500), 2);
	/* not our JSON: the status and the first line of the body */
	b = "<html>Bad Gateway</html>\nmore";
	CHECK_EQ_INT(client_error_from_body(502, b, strlen(b), &e), ERR_INTERNAL);
	CHECK_STR(e.msg, "HTTP 502: <html>Bad Gateway</html>");
	CHECK_EQ_INT(client_error_from_body(403, "", 0, &e), ERR_DENIED);
	CHECK_STR(e.msg, "HTTP 403");
	CHECK_EQ_INT(client_error_from_body(404, "{\"error\":5}", 11, &e), ERR_NOTFOUND);
	/* exit statuses */
	CHECK_EQ_INT(client_exit_status(0, 200), 0);
	CHECK_EQ_INT(client_exit_status(ERR_USAGE, 0), 64);
	CHECK_EQ_INT(client_exit_status(ERR_IO, 0), 2);
	CHECK_EQ_INT(client_exit_status(ERR_DENIED, 403), 1);
}

TEST(client_query_strings)
{
	char p[48] = "/v1/jobs";
	char key[33], key2[33];

	CHECK_EQ_INT(client_path_add(p, sizeof p, "state", "running"), 0);
	CHECK_STR(p, "/v1/jobs?state=running");
	CHECK_EQ_INT(client_path_add(p, sizeof p, "account", "a b&c"), 0);
	CHECK_STR(p, "/v1/jobs?state=running&account=a%20b%26c");
	CHECK_EQ_INT(client_path_add(p, sizeof p, "user", "0123456789"), ERR_LIMIT);
	CHECK_STR(p, "/v1/jobs?state=running&account=a%20b%26c");
	client_idem_key(key);
	client_idem_key(key2);
	CHECK_EQ_INT(strlen(key), 32);
	CHECK(strspn(key, "0123456789abcdef") == 32);
	CHECK(strcmp(key, key2) != 0);
}

/* ---- a scripted HTTP server ------------------------------------------- */

enum act { ACT_CLOSE, ACT_REPLY, ACT_HANG };

struct fake {
	int fd, port;
	size_t nacts;
	struct { enum act a; int status; const char *body; } acts[8];
	char req[8][4096];  /* what each connection sent */
	size_t nreq;
};

static void
read_request(int c, char *buf, size_t cap)
{
	size_t n = 0, need = 0;
	char *hdr_end;

	buf[0] = '\0';
	while (n + 1 < cap) {
		ssize_t k = read(c, buf + n, cap - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		buf[n] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(buf, "Content-Length: ");
			need = (size_t)(hdr_end + 4 - buf) + (cl ? (size_t)atoi(cl + 16) : 0);
			if (n >= need)
				break;
		}
	}
}

static void *
serve(void *arg)
{
	struct fake *f = arg;

	for (size_t i = 0; i < f->nacts; i++) {
		int c = accept(f->fd, NULL, NULL);
		char out[1024];

		if (c < 0)
			break;
		read_request(c, f->req[f->nreq], sizeof f->req[0]);
		f->nreq++;
		if (f->acts[i].a == ACT_REPLY) {
			int n = snprintf(out, sizeof out, "HTTP/1.1 %d X\r\nContent-Type: "
					 "application/json\r\nContent-Length: %zu\r\n"
					 "Connection: close\r\n\r\n%s", f->acts[i].status,
					 strlen(f->acts[i].body), f->acts[i].body);
			if (write(c, out, (size_t)n) != n)
				break;
		} else if (f->acts[i].a == ACT_HANG) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
		}
		close(c);
	}
	return NULL;
}

static void
fake_start(struct fake *f, pthread_t *t)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof a;

	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(f->fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(f->fd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(f->fd, 8) == 0);
	CHECK(getsockname(f->fd, (struct sockaddr *)&a, &len) == 0);
	f->port = ntohs(a.sin_port);
	CHECK(pthread_create(t, NULL, serve, f) == 0);
}

static struct client *
fake_client(const struct fake *f, long timeout_ms)
{
	struct client_conf c;
	struct client_env env = {0};
	struct err e = {0};
	char url[64];

	snprintf(url, sizeof url, "127.0.0.1:%d", f->port);
	CHECK_EQ_INT(client_conf_resolve(&c, url, "allot_1_secret", NULL, &env, &e), 0);
	c.timeout_ms = timeout_ms;
	c.connect_timeout_ms = timeout_ms;
	return client_new(&c);
}

static const char *
body_of(const char *req)
{
	const char *b = strstr(req, "\r\n\r\n");
	return b ? b + 4 : "";
}

TEST(client_retry_same_key)
{
	static struct fake f;
	pthread_t t;
	struct client *c;
	struct client_resp r;
	struct err e = {0};
	json_t *body = json_pack("{sssi}", "idempotency_key", "k-123", "gpus", 2);

	f.nacts = 3;
	f.acts[0].a = ACT_CLOSE;                    /* the answer is lost */
	f.acts[1].a = ACT_REPLY, f.acts[1].status = 503, f.acts[1].body = "{}";
	f.acts[2].a = ACT_REPLY, f.acts[2].status = 200,
	f.acts[2].body = "{\"id\":7,\"state\":\"pending\"}";
	fake_start(&f, &t);
	c = fake_client(&f, 5000);
	CHECK_EQ_INT(client_call(c, "POST", "/v1/jobs", body, CLIENT_RETRY, &r, &e), 0);
	pthread_join(t, NULL);
	CHECK_EQ_INT(r.status, 200);
	CHECK_EQ_INT(client_jint(r.json, "id", -1), 7);
	CHECK_STR(client_jstr(r.json, "state", NULL), "pending");
	CHECK_EQ_INT(f.nreq, 3);
	for (size_t i = 0; i < 3; i++) {
		CHECK_CONTAINS(f.req[i], "POST /v1/jobs HTTP/1.1\r\n");
		CHECK_CONTAINS(f.req[i], "Authorization: Bearer allot_1_secret\r\n");
		CHECK_CONTAINS(f.req[i], "Content-Type: application/json\r\n");
		CHECK_STR(body_of(f.req[i]), body_of(f.req[0]));
	}
	CHECK_CONTAINS(body_of(f.req[0]), "\"idempotency_key\":\"k-123\"");
	client_resp_clear(&r);
	client_free(c);
	json_decref(body);
	close(f.fd);
}

TEST(client_no_retry_unsafe_and_errors)
{
	static struct fake f;
	pthread_t t;
	struct client *c;
	struct client_resp r;
	struct err e = {0};

	f.nacts = 3;
	f.acts[0].a = ACT_CLOSE;
	f.acts[1].a = ACT_REPLY, f.acts[1].status = 400,
	f.acts[1].body = "{\"error\":{\"code\":\"invalid\",\"message\":\"expected an "
			 "integer\",\"field\":\"gpus\"}}";
	f.acts[2].a = ACT_REPLY, f.acts[2].status = 200, f.acts[2].body = "{\"jobs\":[]}";
	fake_start(&f, &t);
	c = fake_client(&f, 5000);
	/* a cancel is not retried: the lost answer is an error */
	CHECK_EQ_INT(client_call(c, "POST", "/v1/jobs/3/cancel", NULL, 0, &r, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "/v1/jobs/3/cancel");
	CHECK_EQ_INT(client_exit_status(ERR_IO, r.status), 2);
	client_resp_clear(&r);
	/* a 400 is not retried either, and names the field */
	CHECK_EQ_INT(client_call(c, "POST", "/v1/jobs", NULL, CLIENT_RETRY, &r, &e),
		     ERR_INVALID);
	CHECK_STR(e.msg, "gpus: expected an integer (HTTP 400 invalid)");
	CHECK_EQ_INT(client_exit_status(ERR_INVALID, r.status), 1);
	client_resp_clear(&r);
	CHECK_EQ_INT(client_call(c, "GET", "/v1/jobs?limit=5", NULL, CLIENT_RETRY, &r, &e), 0);
	CHECK(json_is_array(json_object_get(r.json, "jobs")));
	client_resp_clear(&r);
	pthread_join(t, NULL);
	CHECK_EQ_INT(f.nreq, 3);
	CHECK_CONTAINS(f.req[0], "POST /v1/jobs/3/cancel HTTP/1.1");
	CHECK_CONTAINS(f.req[2], "GET /v1/jobs?limit=5 HTTP/1.1");
	client_free(c);
	close(f.fd);
}

TEST(client_timeout)
{
	static struct fake f;
	pthread_t t;
	struct client *c;
	struct client_resp r;
	struct err e = {0};
	struct timespec t0, t1;
	double s;

	f.nacts = 1;
	f.acts[0].a = ACT_HANG;
	fake_start(&f, &t);
	c = fake_client(&f, 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(client_call(c, "GET", "/v1/queue", NULL, 0, &r, &e), ERR_IO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(s >= 0.15 && s < 0.9);
	CHECK_CONTAINS(e.msg, "imed out");
	client_resp_clear(&r);
	pthread_join(t, NULL);
	client_free(c);
	close(f.fd);
}

TEST(client_list_follows_cursor)
{
	static struct fake f;
	pthread_t t;
	struct client *c;
	struct client_resp r;
	struct err e = {0};
	json_t *out = json_array();

	f.nacts = 4;
	f.acts[0].a = ACT_REPLY, f.acts[0].status = 200,
	f.acts[0].body = "{\"jobs\":[{\"id\":1},{\"id\":2}],\"next_cursor\":\"c2\"}";
	f.acts[1].a = ACT_REPLY, f.acts[1].status = 200,
	f.acts[1].body = "{\"jobs\":[{\"id\":3}],\"next_cursor\":3}";
	f.acts[2].a = ACT_REPLY, f.acts[2].status = 200,
	f.acts[2].body = "{\"jobs\":[],\"next_cursor\":null}";
	/* then --limit 1: one request for one job */
	f.acts[3].a = ACT_REPLY, f.acts[3].status = 200,
	f.acts[3].body = "{\"jobs\":[{\"id\":1}],\"next_cursor\":\"c1\"}";
	fake_start(&f, &t);
	c = fake_client(&f, 5000);
	CHECK_EQ_INT(client_list(c, "/v1/jobs?state=pending", -1, 2, out, &r, &e), 0);
	client_resp_clear(&r);
	CHECK_EQ_INT(json_array_size(out), 3);
	CHECK_EQ_INT(client_jint(json_array_get(out, 2), "id", -1), 3);
	json_array_clear(out);
	CHECK_EQ_INT(client_list(c, "/v1/jobs", 1, 0, out, &r, &e), 0);
	client_resp_clear(&r);
	CHECK_EQ_INT(json_array_size(out), 1);
	pthread_join(t, NULL);
	CHECK_EQ_INT(f.nreq, 4);
	CHECK_CONTAINS(f.req[0], "GET /v1/jobs?state=pending&limit=2 HTTP/1.1");
	CHECK_CONTAINS(f.req[1], "GET /v1/jobs?state=pending&limit=2&cursor=c2 HTTP/1.1");
	CHECK_CONTAINS(f.req[2], "GET /v1/jobs?state=pending&limit=2&cursor=3 HTTP/1.1");
	CHECK_CONTAINS(f.req[3], "GET /v1/jobs?limit=1 HTTP/1.1");
	json_decref(out);
	client_free(c);
	close(f.fd);
}

TEST(client_times)
{
	CHECK_EQ_INT(client_parse_time("0"), 0);
	CHECK_EQ_INT(client_parse_time("1767225600"), 1767225600);
	CHECK_EQ_INT(client_parse_time("2026-01-01"), 1767225600);
	CHECK_EQ_INT(client_parse_time("1970-01-01"), 0);
	CHECK_EQ_INT(client_parse_time("2027-01-01T00:00"), 1798761600);
	CHECK_EQ_INT(client_parse_time("2024-02-29T12:34:56Z"), 1709210096);
	CHECK_EQ_INT(client_parse_time("2024-03-01 00:00:01"), 1709251201);
	CHECK_EQ_INT(client_parse_time(""), -1);
	CHECK_EQ_INT(client_parse_time("-5"), -1);
	CHECK_EQ_INT(client_parse_time(" 2026-01-01"), -1);
	CHECK_EQ_INT(client_parse_time("2026-1-01"), -1);
	CHECK_EQ_INT(client_parse_time("2026-13-01"), -1);
	CHECK_EQ_INT(client_parse_time("2026-01-01T24:00"), -1);
	CHECK_EQ_INT(client_parse_time("2026-01-01T10"), -1);
	CHECK_EQ_INT(client_parse_time("2026-01-01x"), -1);
	CHECK_EQ_INT(client_parse_time("1969-12-31"), -1);
	CHECK_EQ_INT(client_parse_time("99999999999999999999"), -1);
}

/* ---- allot round / allot audit against the real daemon ------------------ */

/* Runs `$ALLOT ARGS` with ALLOT_URL=url and ALLOT_TOKEN=token (stdout and
 * stderr together into *out, caller frees); returns the exit status. */
static int
cli(const char *url, const char *token, char **out, const char *args)
{
	char cmd[4096];
	size_t n = 0, cap = 4096, k;
	FILE *p;
	int st;

	if ((size_t)snprintf(cmd, sizeof cmd, "env -u ALLOT_CONFIG HOME=%s "
			     "ALLOT_URL=%s ALLOT_TOKEN=%s %s %s 2>&1",
			     test_tmpdir(), url, token, getenv("ALLOT"),
			     args) >= sizeof cmd)
		test_fail(__FILE__, __LINE__, "command too long");
	p = popen(cmd, "r");
	CHECK(p != NULL);
	*out = malloc(cap);
	while ((k = fread(*out + n, 1, cap - n - 1, p)) > 0) {
		n += k;
		if (n + 1 >= cap)
			*out = realloc(*out, cap *= 2);
	}
	(*out)[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Fails unless the command exits with want and its output holds text. */
static void
cli_expect(const char *url, const char *token, const char *args, int want,
	   const char *text, int line)
{
	char *out;
	int rc = cli(url, token, &out, args);

	if (rc != want || (text != NULL && strstr(out, text) == NULL))
		test_fail(__FILE__, line, "allot %s: exit %d (want %d), output:\n%s"
			  "(want \"%s\")", args, rc, want, out, text ? text : "");
	free(out);
}
#define CLI(url, tok, args, want, text) cli_expect(url, tok, args, want, text, __LINE__)

#define BASIC "tests/data/round/basic"

TEST(client_round_audit_cli)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"zeta\"}"},
		{"/v1/users", "{\"name\":\"mem-alpha\",\"account\":\"alpha\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"mem-zeta\",\"account\":\"zeta\",\"role\":\"member\"}"},
	};
	struct daemon d;
	char dir[600], args[1024], *mema, *memz, *out, head[65];
	json_t *v;
	FILE *f;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	mema = daemon_mktoken(&d, "mem-alpha");
	memz = daemon_mktoken(&d, "mem-zeta");

	/* Create, upload a whole round directory, show, close. */
	CLI(d.url, d.token, "round list", 0, "no rounds");
	CLI(d.url, mema, "round create " BASIC "/rubric.txt --teams alpha,beta", 1,
	    "HTTP 403 forbidden");
	CLI(d.url, d.token, "round create " BASIC "/rubric.txt --name basic "
	    "--teams alpha,beta,gamma,delta", 0, "Created round 1 (basic)");
	CLI(d.url, d.token, "round create " BASIC "/rubric.txt --teams al/pha", 1,
	    "teams[0]");
	CLI(d.url, d.token, "round scores 1 " BASIC, 0,
	    "Uploaded results/delta/samples_toy_2026-01-10T00-00-00.jsonl (168 bytes)");
	CLI(d.url, d.token, "round scores 1 " BASIC "/panel.csv", 0,
	    "Uploaded panel.csv (256 bytes)");
	snprintf(args, sizeof args, "%s/panel.csv", test_tmpdir());
	f = fopen(args, "w");
	CHECK(f != NULL);
	fputs("evaluator,team,criterion,score\ne1,alpha,quality,8\ne2,alpha,quality,x\n", f);
	fclose(f);
	snprintf(args, sizeof args, "round scores 1 %s/panel.csv", test_tmpdir());
	CLI(d.url, d.token, args, 1, "panel.csv:3");
	snprintf(args, sizeof args, "round scores 1 %s/panel.csv --kind podium",
		 test_tmpdir());
	CLI(d.url, d.token, args, 1, "kind");
	CLI(d.url, d.token, "round scores 1 " BASIC "/rubric.txt", 64, "--kind");
	CLI(d.url, d.token, "round scores 1 " BASIC
	    "/results/alpha/results_2026-01-10T00-00-00.json", 64, "--team");
	CLI(d.url, d.token, "round scores 1 /no/such/file.csv", 66, "No such file");
	CLI(d.url, d.token, "round show 1", 0, "round 1: basic (open)");
	CLI(d.url, d.token, "round show 1", 0, "file: votes.csv (432 bytes)");
	CLI(d.url, mema, "round show 1", 0, "teams: alpha, beta, gamma, delta");
	CLI(d.url, memz, "round show 1", 1, "HTTP 404 not_found");
	CLI(d.url, memz, "round list", 0, "no rounds");
	CLI(d.url, mema, "round list", 0, "basic");
	CLI(d.url, mema, "round close 1", 1, "HTTP 403");
	CLI(d.url, d.token, "round close 1", 0,
	    "decision: delta: out, gate failed; beta: out");
	CLI(d.url, d.token, "round close 1", 1, "HTTP 409 conflict");
	CLI(d.url, mema, "round show 1", 0, "decision: delta: out");
	CHECK_EQ_INT(cli(d.url, d.token, &out, "round list --json"), 0);
	v = json_loads(out, 0, NULL);
	CHECK(v != NULL);
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "rounds"), 0), "status"),
		  "closed");
	json_decref(v);
	free(out);
	CHECK_EQ_INT(cli(d.url, d.token, &out, "round list --status open"), 0);
	CHECK_CONTAINS(out, "no rounds");
	free(out);
	/* Usage errors: 64. */
	CLI(d.url, d.token, "round show x", 64, "round id");
	CLI(d.url, d.token, "round show", 64, "ID");
	CLI(d.url, d.token, "round frob", 64, "unknown verb");
	CLI(d.url, d.token, "round list --team a", 64, "--team");
	/* The offline verbs still work without a daemon. */
	CLI("http://127.0.0.1:1", "x", "round run --dir " BASIC, 0,
	    "decision: delta: out, gate failed");

	/* The audit log: the round's entry; verify; --head. */
	CLI(d.url, d.token, "audit list", 0, "allot-serve/1");
	CHECK_EQ_INT(cli(d.url, d.token, &out, "audit list --json"), 0);
	v = json_loads(out, 0, NULL);
	CHECK(v != NULL);
	{
		json_t *es = json_object_get(v, "entries");
		json_t *last = json_array_get(es, json_array_size(es) - 1);
		CHECK_STR(daemon_jstr(last, "kind"), "round");
		snprintf(head, sizeof head, "%s", daemon_jstr(last, "hash"));
		snprintf(args, sizeof args, "audit list --after %lld",
			 daemon_jint(last, "seq"));
	}
	json_decref(v);
	free(out);
	CLI(d.url, d.token, args, 0, "no entries");
	CLI(d.url, d.token, "audit list --limit 1", 0, "SEQ");
	CLI(d.url, d.token, "audit verify", 0, "ok: ");
	CLI(d.url, d.token, "audit verify", 0, head);
	snprintf(args, sizeof args, "audit verify --head %s", head);
	CLI(d.url, d.token, args, 0, "ok: ");
	CLI(d.url, d.token, "audit verify --head 00ff", 65, "not 00ff");
	CLI(d.url, d.token, "audit verify --json", 0, "\"ok\":true");
	CLI(d.url, mema, "audit list", 1, "HTTP 403");
	CLI(d.url, mema, "audit verify", 1, "HTTP 403");
	CLI(d.url, d.token, "audit list --after x", 64, "--after");
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	/* Unreachable: 2. */
	CLI(d.url, d.token, "audit verify --timeout 2", 2, NULL);
	CLI(d.url, d.token, "round list --timeout 2", 2, NULL);
	/* The offline verify of a file is untouched (exit 66: no file). */
	CLI(d.url, d.token, "audit verify /no/such/log.jsonl", 66, NULL);
	free(mema);
	free(memz);
}
