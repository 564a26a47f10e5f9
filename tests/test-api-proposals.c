/*
 * test-api-proposals.c — open-call proposals through `allot serve` end
 * to end over real sockets (the daemon as a child process, libcurl; the
 * helpers are copied from test-api-rounds.c): a tenant-admin creates a
 * proposal, which it and the program manager see and another tenant does
 * not (404); a member may not create (403); bad fields answer 400 naming
 * the field; only the program manager sets scores, which tenants never
 * see; after a daemon restart the proposals are still there.  Tests skip
 * when $ALLOT is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "test.h"

struct daemon {
	pid_t pid;
	int port;
	char dir[512];
	char token[256];
	char url[64];
};

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts `allot serve` with extra arguments (NULL-terminated list) on a
 * database in dir (created on first use). */
static void
daemon_start(struct daemon *d, const char *dir, ...)
{
	const char *allot = getenv("ALLOT");
	char db[600], sd[600], tok[600], line[256];
	const char *argv[32];
	int p[2], n = 0;
	FILE *f;
	va_list ap;

	if (allot == NULL)
		test_skip("needs ALLOT (the allot binary)");
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	mkdir(dir, 0700);
	snprintf(db, sizeof db, "%s/allot.db", dir);
	snprintf(sd, sizeof sd, "%s/state", dir);
	snprintf(tok, sizeof tok, "%s/admin.token", dir);
	argv[n++] = allot;
	argv[n++] = "serve";
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--db";
	argv[n++] = db;
	argv[n++] = "--state-dir";
	argv[n++] = sd;
	argv[n++] = "--admin-token-file";
	argv[n++] = tok;
	argv[n++] = "--pass-interval-ms";
	argv[n++] = "50";
	va_start(ap, dir);
	for (const char *a; n < 30 && (a = va_arg(ap, const char *)) != NULL;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	CHECK(pipe(p) == 0);
	d->pid = fork();
	CHECK(d->pid >= 0);
	if (d->pid == 0) {
		char logp[600];
		int fd;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(logp, sizeof logp, "%s/serve.log", dir);
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(p[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		close(p[0]);
		execv(allot, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	CHECK(f != NULL);
	if (fgets(line, sizeof line, f) == NULL ||
	    sscanf(line, "listening on 127.0.0.1:%d", &d->port) != 1) {
		char cmd[700];
		snprintf(cmd, sizeof cmd, "cat %s/serve.log >&2", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		test_fail(__FILE__, __LINE__, "the daemon did not start");
	}
	fclose(f);
	snprintf(d->url, sizeof d->url, "http://127.0.0.1:%d", d->port);
	f = fopen(tok, "r");
	CHECK(f != NULL);
	CHECK(fgets(d->token, sizeof d->token, f) != NULL);
	fclose(f);
	d->token[strcspn(d->token, "\n")] = '\0';
}

/* SIGTERM (or sig) and wait; returns the exit status (-1 if it had to be
 * killed after 10 s). */
static int
daemon_stop(struct daemon *d, int sig)
{
	int st = 0;

	if (d->pid <= 0)
		return 0;
	kill(d->pid, sig);
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(d->pid, &st, WNOHANG);
		if (r == d->pid) {
			int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			d->pid = 0;
			if (rc != 0 && sig != SIGKILL) {
				/* Show why (sanitizer reports, assertions). */
				char cmd[700];
				snprintf(cmd, sizeof cmd, "tail -40 %s/serve.log >&2", d->dir);
				if (system(cmd) != 0)
					fprintf(stderr, "(no log)\n");
			}
			return rc;
		}
		nap_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return -1;
}

struct buf {
	char *p;
	size_t n;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t k = size * nmemb;

	b->p = realloc(b->p, b->n + k + 1);
	memcpy(b->p + b->n, ptr, k);
	b->n += k;
	b->p[b->n] = '\0';
	return k;
}

/* One request; the response body (caller frees) and the status. */
static char *
req(const struct daemon *d, const char *method, const char *path,
    const char *token, const char *body, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = {NULL, 0};
	char url[1024], auth[400];

	snprintf(url, sizeof url, "%s%s", d->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (token != NULL) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	*status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (b.p == NULL)
		b.p = calloc(1, 1);
	return b.p;
}

/* A request whose JSON answer is parsed; checks the status. */
static json_t *
jreq(const struct daemon *d, const char *method, const char *path,
     const char *token, const char *body, long want, int line)
{
	long st;
	char *s = req(d, method, path, token, body, &st);
	json_t *v;

	if (st != want)
		test_fail(__FILE__, line, "%s %s: status %ld, want %ld: %s", method,
			  path, st, want, s);
	v = json_loads(s, 0, NULL);
	if (v == NULL)
		test_fail(__FILE__, line, "%s %s: not JSON: %s", method, path, s);
	free(s);
	return v;
}
#define JREQ(d, m, p, t, b, want) jreq(d, m, p, t, b, want, __LINE__)

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The error body's code and field, checked. */
static void
check_error(const struct daemon *d, const char *method, const char *path,
	    const char *token, const char *body, long status, const char *code,
	    const char *field, int line)
{
	json_t *v = jreq(d, method, path, token, body, status, line);
	json_t *e = json_object_get(v, "error");

	if (e == NULL || strcmp(json_string_value(json_object_get(e, "code")), code))
		test_fail(__FILE__, line, "error code: want %s in %s", code,
			  json_dumps(v, 0));
	if (field != NULL && (json_object_get(e, "field") == NULL ||
			      strcmp(jstr(e, "field"), field) != 0))
		test_fail(__FILE__, line, "error field: want %s in %s", field,
			  json_dumps(v, 0));
	if (field == NULL && json_object_get(e, "field") != NULL)
		test_fail(__FILE__, line, "unexpected field in %s", json_dumps(v, 0));
	json_decref(v);
}
#define CHECK_ERROR(d, m, p, t, b, st, code, field) \
	check_error(d, m, p, t, b, st, code, field, __LINE__)


static char *
mktoken(const struct daemon *d, const char *user)
{
	char body[200];
	json_t *v;
	char *t;

	snprintf(body, sizeof body, "{\"user\":\"%s\"}", user);
	v = JREQ(d, "POST", "/v1/tokens", d->token, body, 201);
	t = strdup(jstr(v, "token"));
	json_decref(v);
	return t;
}

#define GOOD "\"program\":\"call26\",\"servers\":4,\"model\":\"H100\"," \
	     "\"months\":12,\"category\":\"academia\",\"region\":3,\"org\":\"univ-a\""

/* The number of proposals GET path answers to tok. */
static size_t
count(const struct daemon *d, const char *path, const char *tok, int line)
{
	json_t *v = jreq(d, "GET", path, tok, NULL, 200, line);
	size_t n = json_array_size(json_object_get(v, "proposals"));

	json_decref(v);
	return n;
}
#define COUNT(d, p, t) count(d, p, t, __LINE__)

TEST(api_proposals)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"beta\"}"},
		{"/v1/programs", "{\"name\":\"call26\"}"},
		{"/v1/programs", "{\"name\":\"other\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ta-alpha\",\"account\":\"alpha\",\"role\":\"tenant-admin\"}"},
		{"/v1/users", "{\"name\":\"mem-alpha\",\"account\":\"alpha\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"ta-beta\",\"account\":\"beta\",\"role\":\"tenant-admin\"}"},
	};
	static const char *const bad[][2] = {
		{"{\"program\":\"call26\",\"servers\":4,\"model\":\"Z999\",\"months\":6,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "model"},
		{"{\"program\":\"call26\",\"servers\":4,\"model\":\"H100\",\"months\":13,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "months"},
		{"{\"program\":\"call26\",\"servers\":0,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "servers"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"govt\",\"org\":\"u\"}", "category"},
		{"{\"program\":\"nope\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\",\"org\":\"u\"}", "program"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\"}", "org"},
		{"{" GOOD ",\"colour\":1}", "colour"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\",\"org\":\"u\",\"region\":256}", "region"},
	};
	struct daemon d;
	char dir[600], *pm, *taa, *mema, *tab;
	json_t *v;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = mktoken(&d, "pm");
	taa = mktoken(&d, "ta-alpha");
	mema = mktoken(&d, "mem-alpha");
	tab = mktoken(&d, "ta-beta");

	/* Create: the tenant-admin for its own account. */
	v = JREQ(&d, "POST", "/v1/proposals", taa, "{" GOOD "}", 201);
	CHECK_EQ_INT(jint(v, "id"), 1);
	json_decref(v);
	/* Not for another account, not with scores, not as a member. */
	CHECK_ERROR(&d, "POST", "/v1/proposals", taa, "{" GOOD ",\"tenant\":\"beta\"}",
		    403, "forbidden", "tenant");
	CHECK_ERROR(&d, "POST", "/v1/proposals", taa,
		    "{" GOOD ",\"scores\":{\"impact\":90,\"ecosystem\":80,\"feasibility\":70}}",
		    403, "forbidden", "scores");
	CHECK_ERROR(&d, "POST", "/v1/proposals", mema, "{" GOOD "}", 403,
		    "forbidden", NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERROR(&d, "POST", "/v1/proposals", taa, bad[i][0], 400,
			    "invalid", bad[i][1]);
	CHECK_ERROR(&d, "POST", "/v1/proposals", pm,
		    "{" GOOD ",\"tenant\":\"beta\",\"scores\":{\"impact\":101,"
		    "\"ecosystem\":80,\"feasibility\":70}}", 400, "invalid",
		    "scores.impact");
	/* The program manager, for beta, with scores, in another program. */
	v = JREQ(&d, "POST", "/v1/proposals", pm,
		 "{\"program\":\"other\",\"tenant\":\"beta\",\"servers\":2,"
		 "\"model\":\"H100\",\"months\":6,\"category\":\"sme\",\"org\":\"sme-b\","
		 "\"scores\":{\"impact\":90,\"ecosystem\":80.5,\"feasibility\":70}}", 201);
	CHECK_EQ_INT(jint(v, "id"), 2);
	json_decref(v);

	/* Visibility. */
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", pm), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", d.token), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=other", pm), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=call26", pm), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", taa), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", mema), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", tab), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=call26", tab), 0);
	v = JREQ(&d, "GET", "/v1/proposals/1", taa, NULL, 200);
	CHECK_STR(jstr(v, "tenant"), "alpha");
	CHECK_STR(jstr(v, "program"), "call26");
	CHECK_STR(jstr(v, "category"), "academia");
	CHECK_STR(jstr(v, "model"), "H100");
	CHECK_EQ_INT(jint(v, "servers"), 4);
	CHECK_EQ_INT(jint(v, "months"), 12);
	CHECK_EQ_INT(jint(v, "region"), 3);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals/1", pm, NULL, 200);
	CHECK_STR(jstr(v, "org"), "univ-a");
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/proposals/1", tab, NULL, 404, "not_found", NULL);
	CHECK_ERROR(&d, "GET", "/v1/proposals/2", taa, NULL, 404, "not_found", NULL);
	CHECK_ERROR(&d, "GET", "/v1/proposals/3", pm, NULL, 404, "not_found", NULL);
	/* Scores: the program manager sees them, the tenant does not. */
	v = JREQ(&d, "GET", "/v1/proposals/2", pm, NULL, 200);
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "scores"),
						   "ecosystem")), 80.5, 1e-9);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals/2", tab, NULL, 200);
	CHECK(json_object_get(v, "scores") == NULL);
	CHECK_STR(jstr(v, "tenant"), "beta");
	json_decref(v);

	/* A restart keeps them. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", pm), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", taa), 1);
	CHECK_ERROR(&d, "GET", "/v1/proposals/1", tab, NULL, 404, "not_found", NULL);
	v = JREQ(&d, "GET", "/v1/proposals/2", pm, NULL, 200);
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "scores"),
						   "impact")), 90, 1e-9);
	json_decref(v);
	v = JREQ(&d, "POST", "/v1/proposals", taa, "{\"program\":\"call26\",\"servers\":1,"
		 "\"model\":\"H100\",\"months\":1,\"category\":\"large\",\"org\":\"c\"}", 201);
	CHECK_EQ_INT(jint(v, "id"), 3);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(taa);
	free(mema);
	free(tab);
}
