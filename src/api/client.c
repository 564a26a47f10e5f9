/*
 * client.c — the libcurl client of `allot serve` (see client.h).
 *
 * One struct client owns one CURL easy handle, its header list and a
 * growing receive buffer; libcurl keeps the TCP connection open between
 * calls, so a command that pages through a list or a benchmark thread
 * that submits in a loop pays for one connection only.  Everything a
 * call returns (body, parsed JSON) is owned by the caller's
 * struct client_resp and freed by client_resp_clear.
 *
 * Retries: only calls flagged CLIENT_RETRY are repeated — GETs, and
 * submissions that carry an idempotency key (the server answers a repeat
 * with the job it already has, so "acknowledged" never means "twice").
 * The body sent on every attempt is the same bytes.
 */
#include "api/client.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "util/alloc.h"
#include "util/file.h"

#define CONFIG_MAX ((size_t)1 << 20)
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_MS 5000L
#define DEFAULT_RETRIES 3

struct client {
	CURL *h;
	struct curl_slist *hdr;
	struct client_conf conf;
	char errbuf[CURL_ERROR_SIZE];
	char *buf;          /* receive buffer of the current call */
	size_t len, cap;
	int over;           /* the reply passed CLIENT_BODY_MAX */
};

/* ---- settings ---------------------------------------------------------- */

void
client_env_get(struct client_env *env)
{
	env->url = getenv("ALLOT_URL");
	env->token = getenv("ALLOT_TOKEN");
	env->timeout = getenv("ALLOT_TIMEOUT");
	env->config = getenv("ALLOT_CONFIG");
	env->home = getenv("HOME");
}

static int
set_url(struct client_conf *c, const char *v, const char *from, struct err *e)
{
	size_t n = strlen(v), skip;
	const char *scheme = "";

	if (n == 0)
		return err_set(e, ERR_USAGE, "%s: empty URL", from);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)v[i]))
			return err_set(e, ERR_USAGE, "%s: URL contains a blank or "
				       "control character", from);
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		if (strstr(v, "://") != NULL)
			return err_set(e, ERR_USAGE, "%s: URL \"%.64s\": only http:// "
				       "and https:// are supported", from, v);
		scheme = "http://";
	}
	skip = scheme[0] != '\0' ? 0 : strncmp(v, "https://", 8) == 0 ? 8 : 7;
	while (n > skip && v[n - 1] == '/')
		n--;
	if (n == skip || v[skip] == '/')
		return err_set(e, ERR_USAGE, "%s: URL \"%.64s\" has no host", from, v);
	if (strlen(scheme) + n + 1 > sizeof c->url)
		return err_set(e, ERR_USAGE, "%s: URL longer than %zu bytes", from,
			       sizeof c->url - 1);
	snprintf(c->url, sizeof c->url, "%s%.*s", scheme, (int)n, v);
	snprintf(c->url_from, sizeof c->url_from, "%s", from);
	return 0;
}

static int
set_token(struct client_conf *c, const char *v, size_t n, const char *from,
	  struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_USAGE, "%s: empty token", from);
	if (n + 1 > sizeof c->token)
		return err_set(e, ERR_USAGE, "%s: token longer than %zu bytes", from,
			       sizeof c->token - 1);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)v[i]))
			return err_set(e, ERR_USAGE, "%s: token contains a blank or "
				       "control character", from);
	memcpy(c->token, v, n);
	c->token[n] = '\0';
	snprintf(c->token_from, sizeof c->token_from, "%s", from);
	return 0;
}

static int
set_timeout(struct client_conf *c, const char *v, const char *from, struct err *e)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(s > 0) || s > 86400)
		return err_set(e, ERR_USAGE, "%s: timeout: expected seconds in "
			       "(0, 86400], got \"%.32s\"", from, v);
	c->timeout_ms = (long)(s * 1000 + 0.5);
	if (c->timeout_ms < 1)
		c->timeout_ms = 1;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	return 0;
}

static int
token_file(struct client_conf *c, const char *path, const char *from, struct err *e)
{
	char *buf;
	size_t n;
	int rc;

	if ((rc = file_read_all(path, 4096, &buf, &n, e)) != 0) {
		err_prefix(e, from);
		return rc;
	}
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	rc = set_token(c, buf, n, path, e);
	free(buf);
	return rc;
}

int
client_conf_parse(struct client_conf *c, const char *name, const char *text,
		  size_t len, struct err *e)
{
	const char *p = text, *end = text + len;
	int have_url = c->url[0] != '\0', have_token = c->token[0] != '\0';
	int have_timeout = c->timeout_ms > 0;
	long line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *k, *ke, *v, *ve;
		char key[32], val[CLIENT_URL_MAX + 64], from[64];
		int rc = 0;

		line++;
		k = p;
		p = nl ? nl + 1 : end;
		while (k < le && isspace((unsigned char)*k))
			k++;
		if (k == le || *k == '#')
			continue;
		ke = k;
		while (ke < le && (isalnum((unsigned char)*ke) || *ke == '_'))
			ke++;
		v = ke;
		while (v < le && (*v == ' ' || *v == '\t'))
			v++;
		if (ke == k || v == le || *v != '=')
			return err_at(e, ERR_INVALID, name, line, NULL,
				      "expected `key = value`");
		v++;
		while (v < le && (*v == ' ' || *v == '\t'))
			v++;
		ve = le;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		if ((size_t)(ke - k) >= sizeof key)
			return err_at(e, ERR_INVALID, name, line, NULL, "key too long");
		memcpy(key, k, (size_t)(ke - k));
		key[ke - k] = '\0';
		if ((size_t)(ve - v) >= sizeof val)
			return err_at(e, ERR_INVALID, name, line, key, "value too long");
		memcpy(val, v, (size_t)(ve - v));
		val[ve - v] = '\0';
		if (memchr(val, '\0', (size_t)(ve - v)) != NULL)
			return err_at(e, ERR_INVALID, name, line, key, "NUL byte in value");
		snprintf(from, sizeof from, "%.40s:%ld", name, line);
		if (strcmp(key, "url") == 0) {
			if (!have_url)
				rc = set_url(c, val, from, e);
		} else if (strcmp(key, "token") == 0) {
			if (!have_token)
				rc = set_token(c, val, strlen(val), from, e);
		} else if (strcmp(key, "token_file") == 0) {
			if (!have_token)
				rc = token_file(c, val, from, e);
		} else if (strcmp(key, "timeout") == 0) {
			if (!have_timeout)
				rc = set_timeout(c, val, from, e);
		} else
			return err_at(e, ERR_INVALID, name, line, key, "unknown key "
				      "(expected url, token, token_file or timeout)");
		if (rc == ERR_USAGE) {   /* a bad value in a file is bad input */
			rc = ERR_INVALID;
			if (e != NULL)
				e->code = rc;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
client_conf_resolve(struct client_conf *c, const char *flag_url,
		    const char *flag_token, const char *flag_timeout,
		    const struct client_env *env, struct err *e)
{
	char path[1024];
	const char *cfg = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	c->connect_timeout_ms = DEFAULT_CONNECT_MS;
	c->retries = DEFAULT_RETRIES;
	if (flag_url != NULL && (rc = set_url(c, flag_url, "--url", e)) != 0)
		return rc;
	if (flag_token != NULL &&
	    (rc = set_token(c, flag_token, strlen(flag_token), "--token", e)) != 0)
		return rc;
	if (flag_timeout != NULL && (rc = set_timeout(c, flag_timeout, "--timeout", e)) != 0)
		return rc;
	if (c->url[0] == '\0' && env->url != NULL && env->url[0] != '\0' &&
	    (rc = set_url(c, env->url, "ALLOT_URL", e)) != 0)
		return rc;
	if (c->token[0] == '\0' && env->token != NULL && env->token[0] != '\0' &&
	    (rc = set_token(c, env->token, strlen(env->token), "ALLOT_TOKEN", e)) != 0)
		return rc;
	if (c->timeout_ms == 0 && env->timeout != NULL && env->timeout[0] != '\0' &&
	    (rc = set_timeout(c, env->timeout, "ALLOT_TIMEOUT", e)) != 0)
		return rc;
	if (c->url[0] == '\0' || c->token[0] == '\0' || c->timeout_ms == 0) {
		if (env->config != NULL && env->config[0] != '\0')
			cfg = env->config;
		else if (env->home != NULL && env->home[0] != '\0') {
			snprintf(path, sizeof path, "%s/.config/allot/config", env->home);
			cfg = path;
		}
	}
	if (cfg != NULL) {
		char *text;
		size_t n;

		rc = file_read_all(cfg, CONFIG_MAX, &text, &n, e);
		if (rc == ERR_NOTFOUND && cfg == path)
			;   /* the default file is optional */
		else if (rc != 0)
			return rc;
		else {
			rc = client_conf_parse(c, cfg, text, n, e);
			free(text);
			if (rc != 0)
				return rc;
		}
	}
	if (c->url[0] == '\0')
		return err_set(e, ERR_USAGE, "no server URL: pass --url, set ALLOT_URL "
			       "or put `url = http://HOST:PORT` in %s",
			       cfg != NULL ? cfg : "$ALLOT_CONFIG");
	if (c->token[0] == '\0')
		return err_set(e, ERR_USAGE, "no API token: pass --token, set ALLOT_TOKEN "
			       "or put `token = ...` in %s",
			       cfg != NULL ? cfg : "$ALLOT_CONFIG");
	if (c->timeout_ms == 0)
		c->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct client *c = ctx;
	size_t n = size * nmemb;

	if (c->len + n > CLIENT_BODY_MAX) {
		c->over = 1;
		return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	c->buf = xgrow(c->buf, &c->cap, c->len + n + 1, 1);
	memcpy(c->buf + c->len, ptr, n);
	c->len += n;
	return n;
}

struct client *
client_new(const struct client_conf *conf)
{
	struct client *c = xcalloc(1, sizeof *c);
	char auth[CLIENT_TOKEN_MAX + 32];

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		allot_die("libcurl: global initialisation failed");
	if ((c->h = curl_easy_init()) == NULL)
		allot_die("libcurl: curl_easy_init failed");
	c->conf = *conf;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", conf->token);
	c->hdr = curl_slist_append(c->hdr, auth);
	c->hdr = curl_slist_append(c->hdr, "Content-Type: application/json");
	c->hdr = curl_slist_append(c->hdr, "Accept: application/json");
	c->hdr = curl_slist_append(c->hdr, "Expect:");  /* no 100-continue round trip */
	if (c->hdr == NULL)
		allot_die("libcurl: out of memory");
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdr);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, conf->timeout_ms);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, conf->connect_timeout_ms);
	curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->h, CURLOPT_USERAGENT, "allot-client");
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
	return c;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	curl_slist_free_all(c->hdr);
	free(c->buf);
	free(c);
	curl_global_cleanup();
}

void
client_resp_clear(struct client_resp *r)
{
	free(r->body);
	if (r->json != NULL)
		json_decref(r->json);
	memset(r, 0, sizeof *r);
}

static int
code_of(const char *s)
{
	static const struct { const char *name; int code; } map[] = {
		{"invalid", ERR_INVALID}, {"unauthorized", ERR_DENIED},
		{"forbidden", ERR_DENIED}, {"not_found", ERR_NOTFOUND},
		{"conflict", ERR_CONFLICT}, {"too_large", ERR_LIMIT},
		{"rate_limited", ERR_LIMIT}, {"internal", ERR_INTERNAL},
	};

	for (size_t i = 0; s != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].code;
	return 0;
}

int
client_error_from_body(long status, const char *body, size_t len, struct err *e)
{
	json_t *j = NULL, *eo;
	const char *code = NULL, *msg = NULL, *field = NULL;
	int rc;

	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	eo = j != NULL ? json_object_get(j, "error") : NULL;
	if (json_is_object(eo)) {
		code = client_jstr(eo, "code", NULL);
		msg = client_jstr(eo, "message", NULL);
		field = client_jstr(eo, "field", NULL);
	}
	rc = code_of(code);
	if (rc == 0)
		rc = status >= 500 || status < 400 ? ERR_INTERNAL :
		     status == 401 || status == 403 ? ERR_DENIED :
		     status == 404 ? ERR_NOTFOUND :
		     status == 409 ? ERR_CONFLICT :
		     status == 413 || status == 429 ? ERR_LIMIT : ERR_INVALID;
	if (status >= 500 && rc != ERR_INTERNAL)
		rc = ERR_INTERNAL;
	if (field != NULL && msg != NULL && strncmp(msg, field, strlen(field)) == 0 &&
	    msg[strlen(field)] == ':')
		field = NULL;   /* the message names the field already */
	if (msg != NULL)
		err_set(e, rc, "%s%s%s (HTTP %ld %s)", field ? field : "",
			field ? ": " : "", msg, status, code ? code : err_name(rc));
	else {
		/* Not our JSON (a proxy, or a crash page): show a bit of it. */
		size_t n = 0;

		while (body != NULL && n < len && n < 120 && body[n] != '\n' &&
		       body[n] != '\0')
			n++;
		err_set(e, rc, "HTTP %ld%s%.*s", status, n ? ": " : "", (int)n,
			body ? body : "");
	}
	if (j != NULL)
		json_decref(j);
	return rc;
}

static int
retryable(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
		       cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR ||
		       cc == CURLE_RECV_ERROR || cc == CURLE_PARTIAL_FILE;
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
client_call(struct client *c, const char *method, const char *path,
	    const json_t *body, int flags, struct client_resp *r, struct err *e)
{
	char url[CLIENT_URL_MAX + 2048];
	char *text = NULL;
	int attempts = 1 + ((flags & CLIENT_RETRY) ? c->conf.retries : 0);
	CURLcode cc = CURLE_OK;
	long status = 0;
	int rc;

	memset(r, 0, sizeof *r);
	if (strlen(c->conf.url) + strlen(path) + 1 > sizeof url)
		return err_set(e, ERR_LIMIT, "request path too long");
	memcpy(url, c->conf.url, strlen(c->conf.url));
	memcpy(url + strlen(c->conf.url), path, strlen(path) + 1);
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)
		return err_set(e, ERR_INTERNAL, "cannot encode the request as JSON");
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, text != NULL ? text : "");
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(text != NULL ? strlen(text) : 0));
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "POST") == 0 ? NULL : method);
	}
	for (int k = 0; k < attempts; k++) {
		double t0 = now_s();

		if (k > 0)
			sleep_ms(100L << (k - 1 < 4 ? k - 1 : 4));  /* 100 ms .. 1.6 s */
		c->len = 0;
		c->over = 0;
		c->errbuf[0] = '\0';
		status = 0;
		cc = curl_easy_perform(c->h);
		if (cc == CURLE_OK)
			curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
		r->seconds = now_s() - t0;
		if (!retryable(cc, status))
			break;
	}
	free(text);
	r->status = status;
	if (cc != CURLE_OK) {
		if (c->over)
			return err_set(e, ERR_LIMIT, "%s: reply larger than %zu bytes",
				       url, CLIENT_BODY_MAX);
		return err_set(e, ERR_IO, "%s %s: %s", method, url,
			       c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
	}
	r->body = xstrndup(c->buf != NULL ? c->buf : "", c->len);
	r->len = c->len;
	if (r->len > 0)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	if (status >= 200 && status < 300)
		return 0;
	rc = client_error_from_body(status, r->body, r->len, e);
	return rc;
}

int
client_exit_status(int rc, long status)
{
	if (rc == 0)
		return CLIENT_EXIT_OK;
	if (rc == ERR_USAGE)
		return CLIENT_EXIT_USAGE;
	if (status >= 400 && status < 500)
		return CLIENT_EXIT_REFUSED;
	return CLIENT_EXIT_SERVER;
}

/* ---- small helpers ----------------------------------------------------- */

int
client_path_add(char *path, size_t cap, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), start = n;

	if (n + strlen(key) + 2 >= cap)
		return ERR_LIMIT;
	path[n++] = strchr(path, '?') ? '&' : '?';
	memcpy(path + n, key, strlen(key));
	n += strlen(key);
	path[n++] = '=';
	for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
		int plain = isalnum(*v) || *v == '-' || *v == '_' || *v == '.' || *v == '~';

		if (n + (plain ? 1 : 3) >= cap) {
			path[start] = '\0';
			return ERR_LIMIT;
		}
		if (plain)
			path[n++] = (char)*v;
		else {
			path[n++] = '%';
			path[n++] = hex[*v >> 4];
			path[n++] = hex[*v & 15];
		}
	}
	path[n] = '\0';
	return 0;
}

void
client_idem_key(char out[33])
{
	unsigned char b[16];

	if (sodium_init() < 0)
		allot_die("libsodium: initialisation failed");
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, 33, b, sizeof b);
}

struct client *
client_open(const char *cmd, const char *flag_url, const char *flag_token,
	    const char *flag_timeout, int *exit_status)
{
	struct client_conf conf;
	struct client_env env;
	struct err e = {0};

	client_env_get(&env);
	if (client_conf_resolve(&conf, flag_url, flag_token, flag_timeout, &env,
				&e) != 0) {
		fprintf(stderr, "allot %s: %s\n", cmd, e.msg);
		*exit_status = CLIENT_EXIT_USAGE;  /* the settings are the user's to fix */
		return NULL;
	}
	*exit_status = 0;
	return client_new(&conf);
}

int
client_fail(const char *cmd, int rc, const struct client_resp *r,
	    const struct err *e)
{
	fprintf(stderr, "allot %s: %s\n", cmd, e->msg);
	return client_exit_status(rc, r != NULL ? r->status : 0);
}

const char *
client_jstr(const json_t *o, const char *key, const char *fallback)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : fallback;
}

int64_t
client_jint(const json_t *o, const char *key, int64_t fallback)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_true(v))
		return 1;
	if (json_is_false(v))
		return 0;
	return fallback;
}

const char *
client_state_code(const char *state)
{
	static const char *const map[][2] = {
		{"pending", "PD"}, {"starting", "CF"}, {"running", "R"},
		{"completed", "CD"}, {"failed", "F"}, {"cancelled", "CA"},
		{"preempted", "PR"}, {"held", "PD"}, {"timeout", "TO"},
	};

	if (state == NULL)
		return "?";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(state, map[i][0]) == 0)
			return map[i][1];
	return state;
}

#define CELL_MAX 40

static void
cell(const json_t *v, char *out, size_t cap)
{
	char *s;

	if (v == NULL || json_is_null(v))
		snprintf(out, cap, "-");
	else if (json_is_string(v))
		snprintf(out, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, cap, "%.3f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, cap, "%s", json_is_true(v) ? "yes" : "no");
	else if ((s = json_dumps(v, JSON_COMPACT)) != NULL) {
		snprintf(out, cap, "%s", s);
		free(s);
	} else
		snprintf(out, cap, "?");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

void
client_print_table(FILE *f, const json_t *rows, const char *const *cols)
{
	const char **keys = NULL;
	size_t nk = 0, cap = 0, *w, nrows = json_array_size(rows);
	const json_t *first = json_array_get(rows, 0);
	char buf[CELL_MAX + 1];

	if (cols != NULL)
		for (; cols[nk] != NULL; nk++) {
			keys = xgrow(keys, &cap, nk + 1, sizeof *keys);
			keys[nk] = cols[nk];
		}
	else if (json_is_object(first)) {
		const char *k;
		const json_t *v;

		json_object_foreach((json_t *)first, k, v) {
			keys = xgrow(keys, &cap, nk + 1, sizeof *keys);
			keys[nk++] = k;
		}
	}
	if (nk == 0) {
		free(keys);
		return;
	}
	w = xcalloc(nk, sizeof *w);
	for (size_t k = 0; k < nk; k++)
		w[k] = strlen(keys[k]);
	for (size_t r = 0; r < nrows; r++)
		for (size_t k = 0; k < nk; k++) {
			cell(json_object_get(json_array_get(rows, r), keys[k]), buf, sizeof buf);
			if (strlen(buf) > w[k])
				w[k] = strlen(buf);
		}
	for (size_t k = 0; k < nk; k++) {
		for (const char *p = keys[k]; *p; p++)
			fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, f);
		fprintf(f, "%*s", k + 1 < nk ? (int)(w[k] - strlen(keys[k]) + 1) : 0, "");
	}
	fputc('\n', f);
	for (size_t r = 0; r < nrows; r++) {
		for (size_t k = 0; k < nk; k++) {
			cell(json_object_get(json_array_get(rows, r), keys[k]), buf, sizeof buf);
			if (k + 1 < nk)
				fprintf(f, "%-*s ", (int)w[k], buf);
			else
				fputs(buf, f);
		}
		fputc('\n', f);
	}
	free(w);
	free(keys);
}

int
client_flag(int argc, char **argv, int *i, struct client_opts *f)
{
	static const char *const names[] = {"--url", "--token", "--timeout"};
	const char **dst[3];

	dst[0] = &f->url;
	dst[1] = &f->token;
	dst[2] = &f->timeout;
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(names[k]);
		const char *v;

		if (strncmp(argv[*i], names[k], n) != 0)
			continue;
		if (argv[*i][n] == '=')
			v = argv[*i] + n + 1;
		else if (argv[*i][n] != '\0')
			continue;
		else if (*i + 1 >= argc)
			return -1;
		else
			v = argv[++*i];
		if (*v == '\0')
			return -1;
		*dst[k] = v;
		return 1;
	}
	return 0;
}

void
client_job_gpus(const json_t *job, char *buf, size_t cap)
{
	int64_t gpus = client_jint(job, "gpus", -1);
	int64_t nodes = client_jint(job, "nodes", -1);
	int64_t gpn = client_jint(job, "gpus_per_node", -1);
	int64_t milli = client_jint(job, "gpu_milli", 1000);

	if (milli > 0 && milli < 1000)
		snprintf(buf, cap, "0.%03lld", (long long)milli);
	else if (nodes > 1 && gpn >= 0)
		snprintf(buf, cap, "%lldx%lld", (long long)nodes, (long long)gpn);
	else if (gpus >= 0)
		snprintf(buf, cap, "%lld", (long long)gpus);
	else if (gpn >= 0)
		snprintf(buf, cap, "%lld", (long long)gpn * (nodes > 0 ? nodes : 1));
	else
		snprintf(buf, cap, "-");
}

int64_t
client_job_elapsed(const json_t *job, int64_t now)
{
	int64_t start = client_jint(job, "start", -1);
	int64_t end = client_jint(job, "end", -1);

	if (start < 0)
		return 0;
	if (end >= start)
		return end - start;
	return now > start ? now - start : 0;
}

#define PAGE_MAX 1000

int
client_list(struct client *c, const char *path, long long max, long long page,
	    json_t *out, struct client_resp *r, struct err *e)
{
	char req[4096], cursor[512] = "", lim[24];
	int rc;

	memset(r, 0, sizeof *r);
	if (page <= 0 || page > PAGE_MAX)
		page = PAGE_MAX;
	for (;;) {
		const json_t *jobs, *next;
		long long want = max < 0 ? page :
			(long long)(max - (long long)json_array_size(out));

		if (want <= 0)
			return 0;
		if (want > page)
			want = page;
		if (strlen(path) + 1 > sizeof req)
			return err_set(e, ERR_LIMIT, "request path too long");
		memcpy(req, path, strlen(path) + 1);
		snprintf(lim, sizeof lim, "%lld", want);
		if (client_path_add(req, sizeof req, "limit", lim) != 0 ||
		    (cursor[0] && client_path_add(req, sizeof req, "cursor", cursor) != 0))
			return err_set(e, ERR_LIMIT, "request path too long");
		client_resp_clear(r);
		if ((rc = client_call(c, "GET", req, NULL, CLIENT_RETRY, r, e)) != 0)
			return rc;
		jobs = json_object_get(r->json, "jobs");
		if (!json_is_array(jobs))
			return err_set(e, ERR_INTERNAL, "GET %s: the reply has no \"jobs\" "
				       "array", req);
		for (size_t k = 0; k < json_array_size(jobs); k++) {
			if (max >= 0 && (long long)json_array_size(out) >= max)
				break;
			json_array_append(out, json_array_get(jobs, k));
		}
		next = json_object_get(r->json, "next_cursor");
		if (json_is_integer(next))
			snprintf(cursor, sizeof cursor, "%lld", (long long)json_integer_value(next));
		else if (json_is_string(next) && json_string_length(next) > 0 &&
			 json_string_length(next) < sizeof cursor)
			snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
		else
			return 0;
		if (json_array_size(jobs) == 0)
			return 0;   /* a cursor but no progress: stop rather than loop */
	}
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits of s at *p as a number, advancing *p; -1 if not digits. */
static int
digits(const char *s, size_t *p, int n)
{
	int v = 0;

	for (int k = 0; k < n; k++, (*p)++) {
		if (s[*p] < '0' || s[*p] > '9')
			return -1;
		v = v * 10 + (s[*p] - '0');
	}
	return v;
}

int64_t
client_parse_time(const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t p = 0;

	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		return errno == 0 ? v : -1;
	}
	if ((y = digits(s, &p, 4)) < 0 || s[p++] != '-' || (mo = digits(s, &p, 2)) < 0 ||
	    s[p++] != '-' || (d = digits(s, &p, 2)) < 0)
		return -1;
	if (s[p] == 'T' || s[p] == ' ') {
		p++;
		if ((h = digits(s, &p, 2)) < 0 || s[p++] != ':' || (mi = digits(s, &p, 2)) < 0)
			return -1;
		if (s[p] == ':') {
			p++;
			if ((se = digits(s, &p, 2)) < 0)
				return -1;
		}
	}
	if (s[p] == 'Z')
		p++;
	if (s[p] != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}
