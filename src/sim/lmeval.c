/*
 * lmeval.c — lm-evaluation-harness results JSON (layouts 0.3 and 0.4.x)
 * and per-sample JSONL readers (see lmeval.h, docs/EVAL-FORMATS.md).
 *
 * jansson parses; this file checks.  A results file is parsed whole with
 * duplicate keys rejected, then walked: first the side objects
 * ("higher_is_better", "n-samples", "group_subtasks", "groups") are checked
 * for shape, then each task of "results" becomes rows.  Every check that
 * fails names the JSON path of the value, built by path_key, so a message
 * reads like the Python that would fetch it: results.arc_easy["acc,none"].
 *
 * Ownership: rows, groups and samples are built in local vectors and only
 * handed to the caller's struct on success, so a failure leaves it empty.
 * jansson's own allocations are freed before return; every allot
 * allocation goes through util/alloc.h.
 */
#include "sim/lmeval.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/file.h"
#include "util/vec.h"

#define PATH_MAX_LEN 600

typedef VEC(struct lmeval_metric) metric_vec;
typedef VEC(struct lmeval_group) group_vec;

/* ---- messages ------------------------------------------------------- */

static const char *
tname(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Appends key to the path in dst: ".key" for identifiers, otherwise
 * ["key"] with quotes, backslashes and unprintable bytes escaped.  A path
 * that would not fit ends in "...". */
static void
path_key(char *dst, size_t cap, const char *base, const char *key)
{
	size_t n = (size_t)snprintf(dst, cap, "%s", base);
	int ident = (key[0] >= 'A' && key[0] <= 'Z') ||
		    (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_';

	for (const char *k = key; *k != '\0' && ident; k++)
		ident = (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
			(*k >= '0' && *k <= '9') || *k == '_';
	if (n >= cap)
		n = cap - 1;
	if (ident && n + strlen(key) + 2 < cap) {
		snprintf(dst + n, cap - n, "%s%s", base[0] ? "." : "", key);
		return;
	}
	if (ident || n + 8 >= cap) {
		snprintf(dst + n, cap - n, "%s", n + 4 < cap ? "..." : "");
		return;
	}
	dst[n++] = '[';
	dst[n++] = '"';
	for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
		if (n + 10 >= cap) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		if (*k == '"' || *k == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)*k;
		} else if (*k < 0x20 || *k == 0x7f) {
			n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", *k);
		} else {
			dst[n++] = (char)*k;
		}
	}
	dst[n++] = '"';
	dst[n++] = ']';
	dst[n] = '\0';
}

/* "NAME: PATH: message", returning code. */
static int
bad(struct err *e, int code, const char *name, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
bad(struct err *e, int code, const char *name, const char *path,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_at(e, code, name, 0, path != NULL && path[0] ? path : NULL,
		      "%s", msg);
}

static int
want(struct err *e, const char *name, const char *path, const json_t *v,
     const char *what)
{
	return bad(e, ERR_INVALID, name, path, "expected %s, got %s", what,
		   tname(v));
}

static int
syntax(struct err *e, const char *name, long line0, const json_error_t *je)
{
	long line = line0 > 0 ? line0 : je->line;

	return err_set(e, ERR_INVALID, "%s:%ld:%d: %s", name, line,
		       je->column, je->text);
}

/* A UTF-8 byte order mark at the start is skipped (jansson rejects it);
 * columns on the first line then count from after it. */
static void
skip_bom(const char **buf, size_t *len)
{
	if (*len >= 3 && memcmp(*buf, "\xef\xbb\xbf", 3) == 0) {
		*buf += 3;
		*len -= 3;
	}
}

/* ---- results -------------------------------------------------------- */

static void
metric_free(struct lmeval_metric *m)
{
	free(m->task);
	free(m->metric);
	free(m->filter);
}

static void
metrics_free(struct lmeval_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		metric_free(&v[i]);
	free(v);
}

static void
groups_free(struct lmeval_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < g[i].nsub; k++)
			free(g[i].subtasks[k]);
		free(g[i].subtasks);
		free(g[i].name);
	}
	free(g);
}

static int
ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static int
key_ok(struct err *e, const char *name, const char *path, const char *key)
{
	if (strlen(key) > LMEVAL_MAX_NAME)
		return bad(e, ERR_LIMIT, name, path, "key longer than %d bytes",
			   LMEVAL_MAX_NAME);
	if (key[0] == '\0')
		return bad(e, ERR_INVALID, name, path, "empty key");
	return 0;
}

/* Context of one results walk. */
struct rctx {
	const char *name;
	int layout;
	json_t *hib, *nsamp, *gsub, *groups; /* NULL when absent */
	struct err *e;
};

/* Checks the shape of "higher_is_better": {task: {metric: bool|null}}. */
static int
check_hib(struct rctx *c)
{
	const char *t, *m;
	json_t *v, *b;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	if (!json_is_object(c->hib))
		return want(c->e, c->name, "higher_is_better", c->hib,
			    "an object");
	json_object_foreach(c->hib, t, v) {
		path_key(p, sizeof p, "higher_is_better", t);
		if (json_is_null(v))
			continue;
		if (!json_is_object(v))
			return want(c->e, c->name, p, v, "an object");
		json_object_foreach(v, m, b) {
			path_key(q, sizeof q, p, m);
			if (!json_is_boolean(b) && !json_is_null(b))
				return want(c->e, c->name, q, b, "a boolean");
		}
	}
	return 0;
}

/* Checks "n-samples": {task: {"original": int, "effective": int}}. */
static int
check_nsamp(struct rctx *c)
{
	static const char *const keys[] = {"original", "effective"};
	const char *t;
	json_t *v;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	if (!json_is_object(c->nsamp))
		return want(c->e, c->name, "[\"n-samples\"]", c->nsamp,
			    "an object");
	json_object_foreach(c->nsamp, t, v) {
		path_key(p, sizeof p, "[\"n-samples\"]", t);
		if (!json_is_object(v))
			return want(c->e, c->name, p, v, "an object");
		for (int k = 0; k < 2; k++) {
			json_t *x = json_object_get(v, keys[k]);
			path_key(q, sizeof q, p, keys[k]);
			if (x == NULL)
				return bad(c->e, ERR_INVALID, c->name, q,
					   "missing");
			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) > LONG_MAX / 2)
				return json_is_integer(x)
				    ? bad(c->e, ERR_INVALID, c->name, q,
					  "expected an integer >= 0, got %lld",
					  (long long)json_integer_value(x))
				    : want(c->e, c->name, q, x,
					   "an integer >= 0");
		}
	}
	return 0;
}

/* Checks "group_subtasks": {group: [task, ...]} and keeps the groups with
 * at least one subtask. */
static int
read_gsub(struct rctx *c, group_vec *gv)
{
	const char *g;
	json_t *v, *s;
	size_t i;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN + 32];
	int rc;

	if (!json_is_object(c->gsub))
		return want(c->e, c->name, "group_subtasks", c->gsub,
			    "an object");
	json_object_foreach(c->gsub, g, v) {
		struct lmeval_group gr = {0};
		path_key(p, sizeof p, "group_subtasks", g);
		if ((rc = key_ok(c->e, c->name, p, g)) != 0)
			return rc;
		if (!json_is_array(v))
			return want(c->e, c->name, p, v, "an array");
		json_array_foreach(v, i, s) {
			snprintf(q, sizeof q, "%s[%zu]", p, i);
			if (!json_is_string(s))
				return want(c->e, c->name, q, s, "a string");
			if ((rc = key_ok(c->e, c->name, q,
					 json_string_value(s))) != 0)
				return rc;
		}
		if (json_array_size(v) == 0)
			continue;
		gr.name = xstrdup(g);
		gr.nsub = json_array_size(v);
		gr.subtasks = xcalloc(gr.nsub, sizeof *gr.subtasks);
		/* Braced: cppcheck, which does not read jansson.h, takes a
		 * macro followed by a block for a loop, not one followed by a
		 * bare statement. */
		json_array_foreach(v, i, s) {
			gr.subtasks[i] = xstrdup(json_string_value(s));
		}
		vec_push(gv, gr);
	}
	return 0;
}

static int
is_group(const struct rctx *c, const char *task)
{
	json_t *s;

	if (c->groups != NULL && json_object_get(c->groups, task) != NULL)
		return 1;
	s = c->gsub != NULL ? json_object_get(c->gsub, task) : NULL;
	return s != NULL && json_array_size(s) > 0;
}

static int
lookup_hib(const struct rctx *c, const char *task, const char *metric)
{
	json_t *t = c->hib != NULL ? json_object_get(c->hib, task) : NULL;
	json_t *b = json_is_object(t) ? json_object_get(t, metric) : NULL;

	if (json_is_true(b))
		return LMEVAL_HIGHER;
	if (json_is_false(b))
		return LMEVAL_LOWER;
	return LMEVAL_UNKNOWN;
}

static long
lookup_n(const struct rctx *c, const char *task)
{
	json_t *t = c->nsamp != NULL ? json_object_get(c->nsamp, task) : NULL;
	json_t *x = t != NULL ? json_object_get(t, "effective") : NULL;

	return json_is_integer(x) ? (long)json_integer_value(x) : -1;
}

/* Reads the standard error stored under key in the task object t (path
 * p): absent or "N/A" give NaN. */
static int
read_se(struct rctx *c, json_t *t, const char *p, const char *key,
	double *se)
{
	json_t *v = json_object_get(t, key);
	char q[PATH_MAX_LEN];

	*se = NAN;
	if (v == NULL)
		return 0;
	path_key(q, sizeof q, p, key);
	if (json_is_string(v) && strcmp(json_string_value(v), "N/A") == 0)
		return 0;
	if (!json_is_number(v))
		return json_is_string(v)
		    ? bad(c->e, ERR_INVALID, c->name, q,
			  "expected a number or \"N/A\", got a string")
		    : want(c->e, c->name, q, v, "a number or \"N/A\"");
	*se = json_number_value(v);
	if (!(*se >= 0))
		return bad(c->e, ERR_INVALID, c->name, q,
			   "a standard error must be >= 0, got %g", *se);
	return 0;
}

/* Splits a key into metric and filter (filter "" in layout 0.3); returns
 * 1 for a standard error key, 0 for a metric, or an error. */
static int
split_key(struct rctx *c, const char *q, const char *key, size_t *mlen,
	  const char **filter)
{
	const char *comma = strchr(key, ',');

	if (c->layout == 3) {
		if (comma != NULL)
			return bad(c->e, ERR_INVALID, c->name, q,
				   "a \"<metric>,<filter>\" key in a 0.3 layout");
		*mlen = strlen(key);
		*filter = "";
	} else {
		if (comma == NULL || comma == key || comma[1] == '\0')
			return bad(c->e, ERR_INVALID, c->name, q,
				   "expected a key \"<metric>,<filter>\"");
		*mlen = (size_t)(comma - key);
		*filter = comma + 1;
	}
	return ends_with(key, *mlen, "_stderr") && *mlen > 7;
}

/* Turns the task object t at path p into rows appended to out. */
static int
read_task(struct rctx *c, const char *pbase, const char *task, json_t *t,
	  int group, metric_vec *out)
{
	const char *key, *filter = "";
	json_t *v;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], sek[LMEVAL_MAX_NAME + 16];
	size_t mlen = 0;
	int rc;

	path_key(p, sizeof p, pbase, task);
	if ((rc = key_ok(c->e, c->name, p, task)) != 0)
		return rc;
	if (!json_is_object(t))
		return want(c->e, c->name, p, t, "an object");
	json_object_foreach(t, key, v) {
		struct lmeval_metric m = {0};
		path_key(q, sizeof q, p, key);
		if ((rc = key_ok(c->e, c->name, q, key)) != 0)
			return rc;
		if (c->layout == 4 && strcmp(key, "alias") == 0) {
			if (!json_is_string(v))
				return want(c->e, c->name, q, v, "a string");
			continue;
		}
		if (c->layout == 4 && strcmp(key, "samples") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return want(c->e, c->name, q, v,
					    "an integer >= 0");
			continue;
		}
		if ((rc = split_key(c, q, key, &mlen, &filter)) < 0)
			return rc;
		if (rc == 1) {
			/* a standard error: its metric must be there */
			snprintf(sek, sizeof sek, "%.*s%s%s", (int)(mlen - 7),
				 key, c->layout == 4 ? "," : "", filter);
			if (json_object_get(t, sek) == NULL)
				return bad(c->e, ERR_INVALID, c->name, q,
					   "a standard error without its "
					   "metric");
			continue;
		}
		if (!json_is_number(v))
			return want(c->e, c->name, q, v, "a number");
		if (out->n >= LMEVAL_MAX_ROWS)
			return bad(c->e, ERR_LIMIT, c->name, q,
				   "more than %d metrics", LMEVAL_MAX_ROWS);
		snprintf(sek, sizeof sek, "%.*s_stderr%s%s", (int)mlen, key,
			 c->layout == 4 ? "," : "", filter);
		m.metric = xstrndup(key, mlen);
		m.value = json_number_value(v);
		m.higher = lookup_hib(c, task, m.metric);
		if ((rc = read_se(c, t, p, sek, &m.se)) != 0) {
			free(m.metric);
			return rc;
		}
		m.task = xstrdup(task);
		m.filter = xstrdup(filter);
		m.n = lookup_n(c, task);
		m.group = group;
		vec_push(out, m);
	}
	return 0;
}

/* Decides the layout: 4 if a 0.4-only top-level key or a comma key. */
static int
detect_layout(const struct rctx *c, json_t *results)
{
	const char *t, *k;
	json_t *v, *x;

	if (c->hib != NULL || c->nsamp != NULL || c->gsub != NULL ||
	    c->groups != NULL)
		return 4;
	json_object_foreach(results, t, v) {
		if (!json_is_object(v))
			continue;
		json_object_foreach(v, k, x) {
			(void)x;
			if (strchr(k, ',') != NULL || strcmp(k, "alias") == 0)
				return 4;
		}
	}
	return 3;
}

static int
walk_results(struct rctx *c, json_t *root, metric_vec *rows,
	     metric_vec *grows, group_vec *gv, size_t *ntasks)
{
	json_t *results = json_object_get(root, "results"), *v;
	const char *t;
	int rc;

	if (results == NULL)
		return bad(c->e, ERR_INVALID, c->name, "results", "missing");
	if (!json_is_object(results))
		return want(c->e, c->name, "results", results, "an object");
	c->hib = json_object_get(root, "higher_is_better");
	c->nsamp = json_object_get(root, "n-samples");
	c->gsub = json_object_get(root, "group_subtasks");
	c->groups = json_object_get(root, "groups");
	c->layout = detect_layout(c, results);
	if (c->hib != NULL && (rc = check_hib(c)) != 0)
		return rc;
	if (c->nsamp != NULL && (rc = check_nsamp(c)) != 0)
		return rc;
	if (c->gsub != NULL && (rc = read_gsub(c, gv)) != 0)
		return rc;
	if (c->groups != NULL && !json_is_object(c->groups))
		return want(c->e, c->name, "groups", c->groups, "an object");
	*ntasks = json_object_size(results);
	if (*ntasks == 0)
		return bad(c->e, ERR_INVALID, c->name, "results", "no tasks");
	json_object_foreach(results, t, v)
		if ((rc = read_task(c, "results", t, v, is_group(c, t), rows)) != 0)
			return rc;
	if (c->groups != NULL)
		json_object_foreach(c->groups, t, v)
			if ((rc = read_task(c, "groups", t, v, 1, grows)) != 0)
				return rc;
	return 0;
}

int
lmeval_results_parse(const char *name, const char *buf, size_t len,
		     struct lmeval_results *out, struct err *e)
{
	struct rctx c = {.name = name, .e = e};
	metric_vec rows = {0}, grows = {0};
	group_vec gv = {0};
	json_error_t je;
	json_t *root;
	size_t ntasks = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (len > LMEVAL_MAX_FILE)
		return err_at(e, ERR_LIMIT, name, 0, NULL,
			      "larger than %zu bytes", LMEVAL_MAX_FILE);
	skip_bom(&buf, &len);
	root = json_loadb(len > 0 ? buf : "", len, JSON_REJECT_DUPLICATES,
			  &je);
	if (root == NULL)
		return syntax(e, name, 0, &je);
	if (!json_is_object(root))
		rc = bad(e, ERR_INVALID, name, NULL,
			 "expected an object at the top, got %s", tname(root));
	else
		rc = walk_results(&c, root, &rows, &grows, &gv, &ntasks);
	json_decref(root);
	if (rc != 0) {
		metrics_free(rows.v, rows.n);
		metrics_free(grows.v, grows.n);
		groups_free(gv.v, gv.n);
		return rc;
	}
	out->layout = c.layout;
	out->rows = rows.v;
	out->nrows = rows.n;
	out->ntasks = ntasks;
	out->grows = grows.v;
	out->ngrows = grows.n;
	out->groups = gv.v;
	out->ngroups = gv.n;
	return 0;
}

int
lmeval_results_read(const char *path, struct lmeval_results *out,
		    struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = file_read_all(path, LMEVAL_MAX_FILE, &buf, &len, e)) != 0)
		return rc;
	rc = lmeval_results_parse(path, buf, len, out, e);
	free(buf);
	return rc;
}

void
lmeval_results_free(struct lmeval_results *r)
{
	if (r == NULL)
		return;
	metrics_free(r->rows, r->nrows);
	metrics_free(r->grows, r->ngrows);
	groups_free(r->groups, r->ngroups);
	memset(r, 0, sizeof *r);
}

const struct lmeval_metric *
lmeval_results_find(const struct lmeval_results *r, const char *task,
		    const char *metric, const char *filter)
{
	for (size_t i = 0; i < r->nrows; i++) {
		const struct lmeval_metric *m = &r->rows[i];
		if (strcmp(m->task, task) == 0 &&
		    strcmp(m->metric, metric) == 0 &&
		    (filter == NULL || strcmp(m->filter, filter) == 0))
			return m;
	}
	return NULL;
}

/* ---- samples -------------------------------------------------------- */

/* Row fields the harness writes around the metric. */
static int
harness_field(const char *k)
{
	static const char *const f[] = {
		"doc_id", "doc", "target", "arguments", "resps",
		"filtered_resps", "filter", "metrics", "doc_hash",
		"prompt_hash", "target_hash", "task_name", NULL,
	};

	for (int i = 0; f[i] != NULL; i++)
		if (strcmp(k, f[i]) == 0)
			return 1;
	return 0;
}

/* Picks the metric from the first row (see lmeval.h). */
static int
pick_metric(const char *name, long line, json_t *row, char **metric,
	    struct err *e)
{
	json_t *ms = json_object_get(row, "metrics"), *v;
	const char *k, *found = NULL;
	int count = 0;

	if (ms != NULL) {
		if (!json_is_array(ms))
			return err_at(e, ERR_INVALID, name, line, "metrics",
				      "expected an array, got %s", tname(ms));
		if (json_array_size(ms) != 1 ||
		    !json_is_string(json_array_get(ms, 0)))
			return err_at(e, ERR_INVALID, name, line, "metrics",
				      "%zu metrics in the rows; name one",
				      json_array_size(ms));
		*metric = xstrdup(json_string_value(json_array_get(ms, 0)));
		return 0;
	}
	json_object_foreach(row, k, v) {
		if (harness_field(k) || !(json_is_number(v) ||
					  json_is_boolean(v)))
			continue;
		found = k;
		count++;
	}
	if (count != 1)
		return err_at(e, ERR_INVALID, name, line, NULL,
			      "%s numeric field in the row; name the metric",
			      count == 0 ? "no" : "more than one");
	if (strlen(found) > LMEVAL_MAX_NAME)
		return err_at(e, ERR_LIMIT, name, line, NULL,
			      "metric name longer than %d bytes",
			      LMEVAL_MAX_NAME);
	*metric = xstrdup(found);
	return 0;
}

struct sctx {
	const char *name;
	const char *want_filter; /* caller's filter or NULL */
	char *metric;            /* chosen metric (owned) */
	char *filter;            /* first row's filter (owned), NULL before */
	VEC(struct lmeval_sample) v;
	VEC(long) lines;
	struct err *e;
};

/* Reads one parsed row; returns 0 (kept or skipped) or an error. */
static int
read_row(struct sctx *c, long line, json_t *row)
{
	json_t *id = json_object_get(row, "doc_id");
	json_t *f = json_object_get(row, "filter"), *x;
	const char *fs = "";
	struct lmeval_sample s;
	int rc;

	if (!json_is_object(row))
		return err_at(c->e, ERR_INVALID, c->name, line, NULL,
			      "expected an object, got %s", tname(row));
	if (f != NULL) {
		if (!json_is_string(f))
			return err_at(c->e, ERR_INVALID, c->name, line,
				      "filter", "expected a string, got %s",
				      tname(f));
		fs = json_string_value(f);
	}
	if (c->want_filter != NULL && f != NULL &&
	    strcmp(fs, c->want_filter) != 0)
		return 0;
	if (c->filter == NULL) {
		if (strlen(fs) > LMEVAL_MAX_NAME)
			return err_at(c->e, ERR_LIMIT, c->name, line, "filter",
				      "longer than %d bytes", LMEVAL_MAX_NAME);
		c->filter = xstrdup(fs);
	} else if (c->want_filter == NULL && strcmp(fs, c->filter) != 0) {
		return err_at(c->e, ERR_INVALID, c->name, line, "filter",
			      "\"%.64s\" differs from the first row's \"%.64s\";"
			      " choose one", fs, c->filter);
	}
	if (id == NULL)
		return err_at(c->e, ERR_INVALID, c->name, line, "doc_id",
			      "missing");
	if (!json_is_integer(id) || json_integer_value(id) < 0 ||
	    json_integer_value(id) > LONG_MAX / 2)
		return json_is_integer(id)
		    ? err_at(c->e, ERR_INVALID, c->name, line, "doc_id",
			     "expected an integer >= 0, got %lld",
			     (long long)json_integer_value(id))
		    : err_at(c->e, ERR_INVALID, c->name, line, "doc_id",
			     "expected an integer >= 0, got %s", tname(id));
	if (c->metric == NULL &&
	    (rc = pick_metric(c->name, line, row, &c->metric, c->e)) != 0)
		return rc;
	x = json_object_get(row, c->metric);
	if (x == NULL)
		return err_at(c->e, ERR_INVALID, c->name, line, c->metric,
			      "missing");
	if (!json_is_number(x) && !json_is_boolean(x))
		return err_at(c->e, ERR_INVALID, c->name, line, c->metric,
			      "expected a number or a boolean, got %s",
			      tname(x));
	if (c->v.n >= LMEVAL_MAX_ROWS)
		return err_at(c->e, ERR_LIMIT, c->name, line, NULL,
			      "more than %d samples", LMEVAL_MAX_ROWS);
	s.doc_id = (long)json_integer_value(id);
	s.value = json_is_boolean(x) ? (json_is_true(x) ? 1.0 : 0.0)
				     : json_number_value(x);
	vec_push(&c->v, s);
	vec_push(&c->lines, line);
	return 0;
}

struct idx {
	long doc_id, line;
};

static int
cmp_idx(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	if (x->doc_id != y->doc_id)
		return (x->doc_id > y->doc_id) - (x->doc_id < y->doc_id);
	return (x->line > y->line) - (x->line < y->line);
}

/* Every doc_id once: the later of two equal ones is the error. */
static int
check_unique(struct sctx *c)
{
	struct idx *ix = xmalloc((c->v.n + 1) * sizeof *ix);
	int rc = 0;

	for (size_t i = 0; i < c->v.n; i++) {
		ix[i].doc_id = c->v.v[i].doc_id;
		ix[i].line = c->lines.v[i];
	}
	qsort(ix, c->v.n, sizeof *ix, cmp_idx);
	for (size_t i = 1; i < c->v.n && rc == 0; i++)
		if (ix[i].doc_id == ix[i - 1].doc_id)
			rc = err_at(c->e, ERR_INVALID, c->name, ix[i].line,
				    "doc_id", "%ld repeats line %ld",
				    ix[i].doc_id, ix[i - 1].line);
	free(ix);
	return rc;
}

static int
walk_lines(struct sctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	long line = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *q;
		json_error_t je;
		json_t *row;

		line++;
		for (q = p; q < le && (*q == ' ' || *q == '\t' || *q == '\r');
		     q++)
			;
		if (q < le) {
			row = json_loadb(p, (size_t)(le - p),
					 JSON_REJECT_DUPLICATES, &je);
			if (row == NULL)
				rc = syntax(c->e, c->name, line, &je);
			else
				rc = read_row(c, line, row);
			json_decref(row);
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && c->v.n == 0)
		rc = err_at(c->e, ERR_INVALID, c->name, 0, NULL,
			    "no samples%s%s", c->want_filter ? " with filter " : "",
			    c->want_filter ? c->want_filter : "");
	if (rc == 0)
		rc = check_unique(c);
	return rc;
}

int
lmeval_samples_parse(const char *name, const char *buf, size_t len,
		     const char *metric, const char *filter,
		     struct lmeval_samples *out, struct err *e)
{
	struct sctx c = {.name = name, .want_filter = filter, .e = e};
	int rc;

	memset(out, 0, sizeof *out);
	if (len > LMEVAL_MAX_FILE)
		return err_at(e, ERR_LIMIT, name, 0, NULL,
			      "larger than %zu bytes", LMEVAL_MAX_FILE);
	if (metric != NULL)
		c.metric = xstrdup(metric);
	skip_bom(&buf, &len);
	rc = walk_lines(&c, buf, len);
	vec_free(&c.lines);
	if (rc != 0) {
		free(c.metric);
		free(c.filter);
		vec_free(&c.v);
		return rc;
	}
	out->metric = c.metric;
	out->filter = c.filter;
	out->v = c.v.v;
	out->n = c.v.n;
	return 0;
}

int
lmeval_samples_read(const char *path, const char *metric, const char *filter,
		    struct lmeval_samples *out, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = file_read_all(path, LMEVAL_MAX_FILE, &buf, &len, e)) != 0)
		return rc;
	rc = lmeval_samples_parse(path, buf, len, metric, filter, out, e);
	free(buf);
	return rc;
}

void
lmeval_samples_free(struct lmeval_samples *s)
{
	if (s == NULL)
		return;
	free(s->metric);
	free(s->filter);
	free(s->v);
	memset(s, 0, sizeof *s);
}

void
lmeval_samples_stats(const struct lmeval_samples *s, double *mean,
		     double *se)
{
	double sum = 0, sq = 0, m;

	*mean = *se = NAN;
	if (s->n == 0)
		return;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i].value;
	m = sum / (double)s->n;
	*mean = m;
	if (s->n < 2)
		return;
	for (size_t i = 0; i < s->n; i++)
		sq += (s->v[i].value - m) * (s->v[i].value - m);
	*se = sqrt(sq / (double)(s->n - 1)) / sqrt((double)s->n);
}
