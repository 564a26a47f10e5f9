/*
 * daemon.c — what the end-to-end tests of `allot serve` share: starting
 * the daemon as a child process ($ALLOT serve on 127.0.0.1, port 0, a
 * temporary database; PR_SET_PDEATHSIG so a failing test never leaves
 * it behind), stopping it by its pid, and requests through libcurl.
 * Contracts are in daemon.h.
 */
#include "daemon.h"

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

#include "test.h"

void
daemon_nap_ms(long ms)
{
	test_nap_ms(ms);
}

/* Starts `allot serve` with extra arguments (NULL-terminated list) on a
 * database in dir (created on first use). */
void
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
int
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
		daemon_nap_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return -1;
}

size_t
daemon_on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct daemon_buf *b = ud;
	size_t k = size * nmemb;

	b->p = realloc(b->p, b->n + k + 1);
	memcpy(b->p + b->n, ptr, k);
	b->n += k;
	b->p[b->n] = '\0';
	return k;
}

/* One request; the response body (caller frees) and the status. */
char *
daemon_req(const struct daemon *d, const char *method, const char *path,
    const char *token, const char *body, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct daemon_buf b = {NULL, 0};
	char url[1024], auth[400];

	snprintf(url, sizeof url, "%s%s", d->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, daemon_on_data);
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
json_t *
daemon_jreq(const struct daemon *d, const char *method, const char *path,
     const char *token, const char *body, long want, const char *file,
	    int line)
{
	long st;
	char *s = daemon_req(d, method, path, token, body, &st);
	json_t *v;

	if (st != want)
		test_fail(file, line, "%s %s: status %ld, want %ld: %s", method,
			  path, st, want, s);
	v = json_loads(s, 0, NULL);
	if (v == NULL)
		test_fail(file, line, "%s %s: not JSON: %s", method, path, s);
	free(s);
	return v;
}

const char *
daemon_jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

long long
daemon_jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The error body's code and field, checked. */
void
daemon_check_error(const struct daemon *d, const char *method, const char *path,
	    const char *token, const char *body, long status, const char *code,
	    const char *field, const char *file, int line)
{
	json_t *v = daemon_jreq(d, method, path, token, body, status, file, line);
	json_t *e = json_object_get(v, "error");

	if (e == NULL || strcmp(json_string_value(json_object_get(e, "code")), code))
		test_fail(file, line, "error code: want %s in %s", code,
			  json_dumps(v, 0));
	if (field != NULL && (json_object_get(e, "field") == NULL ||
			      strcmp(daemon_jstr(e, "field"), field) != 0))
		test_fail(file, line, "error field: want %s in %s", field,
			  json_dumps(v, 0));
	if (field == NULL && json_object_get(e, "field") != NULL)
		test_fail(file, line, "unexpected field in %s", json_dumps(v, 0));
	json_decref(v);
}


char *
daemon_mktoken(const struct daemon *d, const char *user)
{
	char body[200];
	json_t *v;
	char *t;

	snprintf(body, sizeof body, "{\"user\":\"%s\"}", user);
	v = daemon_jreq(d, "POST", "/v1/tokens", d->token, body, 201, __FILE__,
			__LINE__);
	t = strdup(daemon_jstr(v, "token"));
	json_decref(v);
	return t;
}
