/*
 * report.c — the report of a program run (report.h): reading the run
 * directory, the HTML page and the summaries.
 *
 * Reading is table-driven: each CSV file of the contract (docs/REPORT.md)
 * is described once by its columns (type and range) and its key columns
 * (which must be unique), and read into a struct report_table of numbers;
 * a few checks across the fields of one row (an interval around its
 * score, allocated within capacity) follow.  Charts and tables are then
 * built from "pivots" of a table (row key x column key -> sum of a value
 * column).  Input cannot make this allocate without bound: files are at
 * most 64 MiB, the small ones (rounds, phases, ...) at most 10,000 rows,
 * and a file whose pivot would exceed MAX_CELLS is refused up front.
 * Every text that reaches the page goes through svg_escape:
 * names in the CSV files are restricted by the contract, but summary.json
 * may hold anything.  The struct report owns every array and string; the
 * pivots and labels built while writing are freed before each writer
 * returns.
 */
#include "sim/report.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/svg.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/file.h"

#define MAX_FILE ((size_t)64 << 20)
#define MAX_CELLS ((size_t)1 << 22) /* of a chart's grid: rows x columns */
#define MAX_DAY 36600          /* a century of days */
#define MAX_NAME 64
#define MAX_STR 256            /* bytes of a string in summary.json */
#define MAX_FINALISTS 64
#define TOP_TENANTS 8
#define MAX_TABLE_ROWS 200     /* rows of reclaim.csv listed in the page */

enum ctype { C_NAME, C_INT, C_NUM, C_OPTNUM, C_DATE, C_ENUM };

struct col {
	const char *name;
	int type;
	double lo, hi;
	const char *const *vals; /* C_ENUM: NULL-terminated */
};

struct spec {
	const char *file;
	int ncol;
	int key1, key2; /* columns that together are unique; -1 none */
	struct col c[9];
};

static const char *const kinds[] = {"team", "project", "ministry", "other",
				    NULL};
static const char *const gates[] = {"pass", "fail", NULL};
static const char *const outs[] = {"0", "1", NULL};
static const char *const actions[] = {"warn", "reclaim", "readmit", "clear",
				      NULL};

static const struct spec specs[REPORT_NFILES] = {
	{"tenants.csv", 3, 0, -1, {{"tenant", C_NAME, 0, 0, NULL},
		{"program", C_NAME, 0, 0, NULL}, {"kind", C_ENUM, 0, 0, kinds}}},
	{"gpus_by_tenant.csv", 3, 0, 1, {{"day", C_INT, 0, MAX_DAY, NULL},
		{"tenant", C_NAME, 0, 0, NULL}, {"gpus", C_NUM, 0, 1e9, NULL}}},
	{"capacity_by_site.csv", 4, 0, 1, {{"day", C_INT, 0, MAX_DAY, NULL},
		{"site", C_NAME, 0, 0, NULL}, {"capacity", C_NUM, 0, 1e9, NULL},
		{"allocated", C_NUM, 0, 1e9, NULL}}},
	{"waits.csv", 5, 0, -1, {{"program", C_NAME, 0, 0, NULL},
		{"jobs", C_INT, 0, 1e12, NULL}, {"p50_s", C_NUM, 0, 1e12, NULL},
		{"p90_s", C_NUM, 0, 1e12, NULL}, {"p99_s", C_NUM, 0, 1e12, NULL}}},
	{"rounds.csv", 9, 0, 2, {{"round", C_NAME, 0, 0, NULL},
		{"date", C_DATE, 0, 0, NULL}, {"team", C_NAME, 0, 0, NULL},
		{"score", C_OPTNUM, -1e9, 1e9, NULL},
		{"lo", C_OPTNUM, -1e9, 1e9, NULL},
		{"hi", C_OPTNUM, -1e9, 1e9, NULL}, {"p_last", C_OPTNUM, 0, 1, NULL},
		{"gate", C_ENUM, 0, 0, gates}, {"out", C_ENUM, 0, 0, outs}}},
	{"phases.csv", 5, 0, 3, {{"phase", C_NAME, 0, 0, NULL},
		{"start", C_DATE, 0, 0, NULL}, {"end", C_DATE, 0, 0, NULL},
		{"team", C_NAME, 0, 0, NULL}, {"gpus", C_NUM, 0, 1e9, NULL}}},
	{"opencall.csv", 6, 0, 1, {{"call", C_NAME, 0, 0, NULL},
		{"category", C_NAME, 0, 0, NULL},
		{"proposals", C_INT, 0, 1e9, NULL},
		{"asked_gpus", C_NUM, 0, 1e12, NULL},
		{"awarded", C_INT, 0, 1e9, NULL},
		{"awarded_gpus", C_NUM, 0, 1e12, NULL}}},
	{"reclaim.csv", 4, -1, -1, {{"date", C_DATE, 0, 0, NULL},
		{"tenant", C_NAME, 0, 0, NULL}, {"action", C_ENUM, 0, 0, actions},
		{"servers", C_INT, 0, 1e9, NULL}}},
	{"budget.csv", 4, 0, 1, {{"day", C_INT, 0, MAX_DAY, NULL},
		{"program", C_NAME, 0, 0, NULL},
		{"budget_won", C_NUM, 0, 1e18, NULL},
		{"drawn_won", C_NUM, 0, 1e18, NULL}}},
};

/* Rows of the files that are small by nature (their sections scan them
 * per round or phase); 0: only the file size limits them. */
static const size_t max_rows[REPORT_NFILES] = {
	[REPORT_TENANTS] = 100000, [REPORT_WAITS] = 10000,
	[REPORT_ROUNDS] = 10000, [REPORT_PHASES] = 10000,
	[REPORT_OPENCALL] = 10000,
};

const char *
report_file_name(int k)
{
	return k >= 0 && k < REPORT_NFILES ? specs[k].file : "?";
}

double
report_cell(const struct report_table *t, size_t i, size_t j)
{
	return t->v[i * t->ncols + j];
}

static const char *
name_of(const struct report *r, double id)
{
	return strtab_get(&r->names, (uint32_t)id);
}

/* ---- reading ----------------------------------------------------------- */

static int
get_date(const struct csv_lines *cl, const char *field, struct csv_field f,
	 double *out, struct err *e)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				    31};
	char show[64];
	int y = 0, m, d, ok = f.n == 10 && f.s[4] == '-' && f.s[7] == '-';

	for (size_t i = 0; ok && i < 10; i++)
		if (i != 4 && i != 7 && (f.s[i] < '0' || f.s[i] > '9'))
			ok = 0;
	if (ok) {
		for (int i = 0; i < 4; i++)
			y = y * 10 + (f.s[i] - '0');
		m = (f.s[5] - '0') * 10 + (f.s[6] - '0');
		d = (f.s[8] - '0') * 10 + (f.s[9] - '0');
		ok = y >= 1900 && m >= 1 && m <= 12 && d >= 1 &&
		     d <= mdays[m - 1] && (m != 2 || d < 29 || (y % 4 == 0 &&
		     (y % 100 != 0 || y % 400 == 0)));
	}
	if (!ok)
		return err_at(e, ERR_INVALID, cl->name, cl->line, field,
			      "expected a date YYYY-MM-DD, got %s",
			      csv_show(show, sizeof show, f));
	*out = (double)csv_days_from_civil(y, m, d);
	return 0;
}

static int
get_field(struct report *r, const struct csv_lines *cl, const struct col *c,
	  struct csv_field f, double *out, struct err *e)
{
	char show[64];
	int64_t iv;
	int rc;

	switch (c->type) {
	case C_NAME:
		if ((rc = csv_get_name(cl, c->name, f, MAX_NAME, e)) != 0)
			return rc;
		*out = strtab_intern(&r->names, f.s, f.n);
		return 0;
	case C_INT:
		rc = csv_get_int(cl, c->name, f, (int64_t)c->lo, (int64_t)c->hi,
				 &iv, e);
		*out = (double)iv;
		return rc;
	case C_OPTNUM:
		if (f.n == 0) {
			*out = NAN;
			return 0;
		}
		/* fall through */
	case C_NUM:
		return csv_get_double(cl, c->name, f, c->lo, c->hi, out, e);
	case C_DATE:
		return get_date(cl, c->name, f, out, e);
	default: {
		char all[128];
		size_t n = 0;
		for (int k = 0; c->vals[k] != NULL; k++) {
			if (csv_eq(f, c->vals[k])) {
				*out = k;
				return 0;
			}
			n += (size_t)snprintf(all + n, sizeof all - n, "%s%s",
					      k ? "|" : "", c->vals[k]);
		}
		return err_at(e, ERR_INVALID, cl->name, cl->line, c->name,
			      "expected one of %s, got %s", all,
			      csv_show(show, sizeof show, f));
	}
	}
}

/* Checks across the fields of one row x of file k. */
static int
check_row(int k, const char *path, long line, const double *x, struct err *e)
{
	const char *bad = NULL, *why = NULL;

	switch (k) {
	case REPORT_CAPACITY: /* both may be rounded to 3 decimals */
		if (x[3] > x[2] * (1 + 1e-9) + 0.0011)
			bad = "allocated", why = "more than the capacity";
		break;
	case REPORT_WAITS:
		if (x[3] < x[2])
			bad = "p90_s", why = "less than p50_s";
		else if (x[4] < x[3])
			bad = "p99_s", why = "less than p90_s";
		break;
	case REPORT_ROUNDS: /* empty numbers only for a gate failure */
		for (int j = 3; j <= 6 && bad == NULL; j++)
			if (isnan(x[j]) && x[7] == 0)
				bad = specs[k].c[j].name,
				why = "empty, but the gate passed";
		if (bad == NULL && x[4] > x[3])
			bad = "lo", why = "above the score";
		else if (bad == NULL && x[5] < x[3])
			bad = "hi", why = "below the score";
		break;
	case REPORT_PHASES:
		if (x[2] < x[1])
			bad = "end", why = "before the start";
		break;
	case REPORT_OPENCALL:
		if (x[4] > x[2])
			bad = "awarded", why = "more than the proposals";
		else if (x[5] > x[3])
			bad = "awarded_gpus", why = "more than asked_gpus";
		break;
	}
	return bad ? err_at(e, ERR_INVALID, path, line, bad, "%s", why) : 0;
}

struct key {
	double a, b;
	long line;
};

static int
key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/* The key columns are unique: the first repeat in the file is an error. */
static int
check_keys(const struct report_table *t, const struct spec *s,
	   const char *path, struct err *e)
{
	struct key *k;
	long line = 0, first = 0;

	if (s->key1 < 0 || t->nrows < 2)
		return 0;
	k = xmalloc(t->nrows * sizeof *k);
	for (size_t i = 0; i < t->nrows; i++) {
		k[i].a = report_cell(t, i, (size_t)s->key1);
		k[i].b = s->key2 >= 0 ? report_cell(t, i, (size_t)s->key2) : 0;
		k[i].line = t->line[i];
	}
	qsort(k, t->nrows, sizeof *k, key_cmp);
	for (size_t i = 1; i < t->nrows; i++)
		if (k[i].a == k[i - 1].a && k[i].b == k[i - 1].b &&
		    (line == 0 || k[i].line < line)) {
			line = k[i].line;
			first = k[i - 1].line;
		}
	free(k);
	if (line == 0)
		return 0;
	return err_at(e, ERR_INVALID, path, line,
		      s->c[s->key2 >= 0 ? s->key2 : s->key1].name,
		      "repeats line %ld", first);
}

static int
parse_rows(struct report *r, int k, const char *path, const char *buf,
	   size_t len, struct err *e)
{
	const struct spec *s = &specs[k];
	struct report_table *t = &r->t[k];
	struct csv_field f[CSV_MAX_FIELDS];
	struct csv_lines cl;
	char want[256], show[96], *scratch = xmalloc(CSV_MAX_LINE + 1);
	size_t cap = 0, lcap = 0, w = 0, n;
	const char *line;
	int rc, nf;

	for (int j = 0; j < s->ncol; j++)
		w += (size_t)snprintf(want + w, sizeof want - w, "%s%s",
				      j ? "," : "", s->c[j].name);
	t->ncols = (size_t)s->ncol;
	csv_lines_init(&cl, path, buf, len);
	if ((rc = csv_lines_next(&cl, &line, &n, e)) <= 0) {
		if (rc == 0)
			rc = err_at(e, ERR_INVALID, path, 1, "header",
				    "missing (expected %s)", want);
		goto out;
	}
	if (n != w || memcmp(line, want, w) != 0) {
		struct csv_field all = {line, n};
		rc = err_at(e, ERR_INVALID, path, cl.line, "header",
			    "expected %s, got %s", want,
			    csv_show(show, sizeof show, all));
		goto out;
	}
	while ((rc = csv_lines_next(&cl, &line, &n, e)) == 1) {
		double *x;
		if (n == 0)
			continue;
		nf = csv_split(line, n, ',', f, CSV_MAX_FIELDS, scratch);
		if (nf < 0 || nf > s->ncol) {
			rc = err_at(e, ERR_INVALID, path, cl.line,
				    s->c[s->ncol - 1].name, "more than %d fields "
				    "or bad quoting", s->ncol);
			goto out;
		}
		if (nf < s->ncol) {
			rc = err_at(e, ERR_INVALID, path, cl.line, s->c[nf].name,
				    "missing");
			goto out;
		}
		t->v = xgrow(t->v, &cap, (t->nrows + 1) * t->ncols, sizeof *t->v);
		t->line = xgrow(t->line, &lcap, t->nrows + 1, sizeof *t->line);
		x = t->v + t->nrows * t->ncols;
		for (int j = 0; j < s->ncol; j++)
			if ((rc = get_field(r, &cl, &s->c[j], f[j], &x[j], e)) != 0)
				goto out;
		if ((rc = check_row(k, path, cl.line, x, e)) != 0)
			goto out;
		t->line[t->nrows++] = cl.line;
		if (max_rows[k] > 0 && t->nrows > max_rows[k]) {
			rc = err_at(e, ERR_LIMIT, path, cl.line, NULL,
				    "more than %zu rows", max_rows[k]);
			goto out;
		}
	}
	if (rc == 0)
		rc = check_keys(t, s, path, e);
out:
	free(scratch);
	return rc < 0 ? rc : 0;
}

static int
join(char *buf, size_t cap, const char *dir, const char *file, struct err *e)
{
	if ((size_t)snprintf(buf, cap, "%s/%s", dir, file) >= cap)
		return err_set(e, ERR_LIMIT, "%s/%s: path too long", dir, file);
	return 0;
}

static int
read_table(struct report *r, int k, struct err *e)
{
	char path[4096], *buf;
	size_t len;
	int rc;

	if ((rc = join(path, sizeof path, r->dir, specs[k].file, e)) != 0)
		return rc;
	if ((rc = file_read_all(path, MAX_FILE, &buf, &len, e)) != 0) {
		if (rc != ERR_NOTFOUND)
			return rc;
		err_clear(e);
		return 0;
	}
	r->t[k].present = 1;
	rc = parse_rows(r, k, path, buf, len, e);
	free(buf);
	return rc;
}

static int
get_str(json_t *o, const char *key, const char *path, char **out,
	struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return err_at(e, ERR_INVALID, path, 0, key, "expected a string");
	if (json_string_length(v) > MAX_STR)
		return err_at(e, ERR_INVALID, path, 0, key,
			      "longer than %d bytes", MAX_STR);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
get_num(json_t *o, const char *key, const char *field, const char *path,
	double *out, struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_number(v))
		return err_at(e, ERR_INVALID, path, 0, field, "expected a number");
	*out = json_number_value(v);
	return 0;
}

static int
read_summary(struct report *r, struct err *e)
{
	static const char *const nk[] = {"scale", "seed", "gpus",
		"utilisation_pct", "idle_reclaimed_gpus", "budget_won",
		"drawn_won"};
	double *nv[] = {&r->scale, &r->seed, &r->gpus, &r->util_pct,
			&r->idle_reclaimed_gpus, &r->budget_won, &r->drawn_won};
	char path[4096], *buf;
	json_error_t je;
	json_t *root, *v, *x;
	size_t len, i;
	int rc;

	if ((rc = join(path, sizeof path, r->dir, "summary.json", e)) != 0)
		return rc;
	if ((rc = file_read_all(path, MAX_FILE, &buf, &len, e)) != 0) {
		if (rc == ERR_NOTFOUND)
			err_clear(e);
		return rc == ERR_NOTFOUND ? 0 : rc;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL)
		return err_set(e, ERR_INVALID, "%s:%d:%d: %s", path, je.line,
			       je.column, je.text);
	r->have_summary = 1;
	if (!json_is_object(root)) {
		rc = err_set(e, ERR_INVALID, "%s: expected an object", path);
		goto out;
	}
	if ((rc = get_str(root, "scenario", path, &r->scenario, e)) != 0 ||
	    (rc = get_str(root, "start", path, &r->start, e)) != 0 ||
	    (rc = get_str(root, "end", path, &r->end, e)) != 0)
		goto out;
	for (i = 0; i < sizeof nk / sizeof nk[0]; i++)
		if ((rc = get_num(root, nk[i], nk[i], path, nv[i], e)) != 0)
			goto out;
	if ((v = json_object_get(root, "jobs")) != NULL) {
		if (!json_is_object(v)) {
			rc = err_at(e, ERR_INVALID, path, 0, "jobs",
				    "expected an object");
			goto out;
		}
		if ((rc = get_num(v, "submitted", "jobs.submitted", path,
				  &r->submitted, e)) != 0 ||
		    (rc = get_num(v, "completed", "jobs.completed", path,
				  &r->completed, e)) != 0)
			goto out;
	}
	if ((v = json_object_get(root, "finalists")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) > MAX_FINALISTS) {
			rc = err_at(e, ERR_INVALID, path, 0, "finalists",
				    "expected an array of at most %d names",
				    MAX_FINALISTS);
			goto out;
		}
		r->finalists = xcalloc(json_array_size(v) + 1, sizeof(char *));
		json_array_foreach(v, i, x) {
			if (!json_is_string(x) || json_string_length(x) > MAX_STR) {
				rc = err_at(e, ERR_INVALID, path, 0, "finalists",
					    "element %zu: expected a string of at "
					    "most %d bytes", i, MAX_STR);
				goto out;
			}
			r->finalists[r->nfinalists++] = xstrdup(json_string_value(x));
		}
	}
out:
	json_decref(root);
	return rc;
}

/* ---- pivots: row key x column key -> sum ------------------------------- */

struct pivot {
	size_t nr, nc;
	double *rkey, *ckey; /* row keys: ids in order of appearance; column
				keys: the same, or sorted distinct numbers */
	long *rmap, *cmap;   /* id -> index, or NULL (sorted keys) */
	double *v;           /* nr x nc; NaN where no row had the pair */
};

static int
dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static size_t
keys_of(const struct report *r, const struct report_table *t, int c,
	int sorted, double **keys, long **map)
{
	double *k = xmalloc((t->nrows + 1) * sizeof *k);
	size_t n = 0;

	*map = NULL;
	if (sorted) {
		for (size_t i = 0; i < t->nrows; i++)
			k[i] = report_cell(t, i, (size_t)c);
		qsort(k, t->nrows, sizeof *k, dbl_cmp);
		for (size_t i = 0; i < t->nrows; i++)
			if (n == 0 || k[i] != k[n - 1])
				k[n++] = k[i];
	} else {
		*map = xmalloc((r->names.n + 1) * sizeof **map);
		for (size_t i = 0; i < r->names.n; i++)
			(*map)[i] = -1;
		for (size_t i = 0; i < t->nrows; i++) {
			size_t id = (size_t)report_cell(t, i, (size_t)c);
			if ((*map)[id] < 0) {
				(*map)[id] = (long)n;
				k[n++] = (double)id;
			}
		}
	}
	*keys = k;
	return n;
}

static size_t
key_index(const double *keys, size_t n, const long *map, double v)
{
	size_t lo = 0, hi = n;

	if (map != NULL)
		return (size_t)map[(size_t)v];
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (keys[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void
pivot_make(const struct report *r, int k, int rc, int cc, int csorted,
	   int vc, struct pivot *p)
{
	const struct report_table *t = &r->t[k];

	p->nr = keys_of(r, t, rc, 0, &p->rkey, &p->rmap);
	p->nc = keys_of(r, t, cc, csorted, &p->ckey, &p->cmap);
	p->v = xmalloc((p->nr * p->nc + 1) * sizeof *p->v);
	for (size_t i = 0; i < p->nr * p->nc; i++)
		p->v[i] = NAN;
	for (size_t i = 0; i < t->nrows; i++) {
		size_t a = key_index(p->rkey, p->nr, p->rmap, report_cell(t, i, (size_t)rc));
		size_t b = key_index(p->ckey, p->nc, p->cmap, report_cell(t, i, (size_t)cc));
		double *c = &p->v[a * p->nc + b];
		*c = (isnan(*c) ? 0 : *c) + report_cell(t, i, (size_t)vc);
	}
}

static void
pivot_free(struct pivot *p)
{
	free(p->rkey);
	free(p->ckey);
	free(p->rmap);
	free(p->cmap);
	free(p->v);
}

/* ---- figures ----------------------------------------------------------- */

struct tenant_rank {
	double total;
	const char *name, *prog; /* prog NULL when unknown */
	size_t row;              /* in the pivot */
};

static int
rank_cmp(const void *pa, const void *pb)
{
	const struct tenant_rank *a = pa, *b = pb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
group_cmp(const void *pa, const void *pb)
{
	const struct tenant_rank *a = pa, *b = pb;
	int c;

	if ((a->prog == NULL) != (b->prog == NULL))
		return a->prog == NULL ? 1 : -1;
	if (a->prog != NULL && (c = strcmp(a->prog, b->prog)) != 0)
		return c;
	return rank_cmp(pa, pb);
}

/* The stacked series: top tenants by GPU-days, grouped by program, and
 * "other" for the rest. */
static void
make_stack(struct report *r)
{
	struct report_stack *s = &r->stack;
	const struct report_table *tt = &r->t[REPORT_TENANTS];
	struct tenant_rank *tr;
	struct pivot p;
	const char **prog; /* name id -> its tenant's program, or NULL */
	size_t shown;

	if (r->t[REPORT_GPUS].nrows == 0)
		return;
	prog = xcalloc(r->names.n + 1, sizeof *prog);
	for (size_t j = 0; j < tt->nrows; j++)
		prog[(size_t)report_cell(tt, j, 0)] = name_of(r, report_cell(tt, j, 1));
	pivot_make(r, REPORT_GPUS, 1, 0, 1, 2, &p);
	tr = xcalloc(p.nr + 1, sizeof *tr);
	for (size_t i = 0; i < p.nr; i++) {
		tr[i].row = i;
		tr[i].name = name_of(r, p.rkey[i]);
		tr[i].prog = prog[(size_t)p.rkey[i]];
		for (size_t d = 0; d < p.nc; d++)
			tr[i].total += isnan(p.v[i * p.nc + d]) ? 0 : p.v[i * p.nc + d];
	}
	free(prog);
	qsort(tr, p.nr, sizeof *tr, rank_cmp);
	shown = p.nr <= TOP_TENANTS + 1 ? p.nr : TOP_TENANTS;
	qsort(tr, shown, sizeof *tr, group_cmp);
	s->ndays = p.nc;
	s->nseries = shown + (shown < p.nr);
	s->day = xmalloc((p.nc + 1) * sizeof *s->day);
	memcpy(s->day, p.ckey, p.nc * sizeof *s->day);
	s->name = xcalloc(s->nseries + 1, sizeof *s->name);
	s->gpus = xcalloc(s->nseries * p.nc + 1, sizeof *s->gpus);
	s->gpu_days = xcalloc(s->nseries + 1, sizeof *s->gpu_days);
	for (size_t i = 0; i < p.nr; i++) {
		size_t k = i < shown ? i : shown;
		for (size_t d = 0; d < p.nc; d++) {
			double v = p.v[tr[i].row * p.nc + d];
			s->gpus[k * p.nc + d] += isnan(v) ? 0 : v;
		}
		s->gpu_days[k] += tr[i].total;
		if (i < shown) {
			/* "tenant (program)", unless the name says it already */
			const char *pg = tr[i].prog;
			size_t n = strlen(tr[i].name) + (pg ? strlen(pg) + 3 : 0) + 1;
			if (pg != NULL && strncmp(tr[i].name, pg, strlen(pg)) == 0 &&
			    tr[i].name[strlen(pg)] == '/')
				pg = NULL;
			s->name[k] = xmalloc(n);
			snprintf(s->name[k], n, pg ? "%s (%s)" : "%s", tr[i].name,
				 pg);
		}
	}
	if (shown < p.nr)
		s->name[shown] = xstrdup("other");
	free(tr);
	pivot_free(&p);
}

static void
make_figures(struct report *r)
{
	const struct report_table *t = &r->t[REPORT_OPENCALL];
	double cap = 0, alloc = 0;

	make_stack(r);
	for (size_t i = 0; i < t->nrows; i++) {
		r->proposals += report_cell(t, i, 2);
		r->asked_gpus += report_cell(t, i, 3);
		r->awarded += report_cell(t, i, 4);
		r->awarded_gpus += report_cell(t, i, 5);
	}
	t = &r->t[REPORT_CAPACITY];
	for (size_t i = 0; i < t->nrows; i++) {
		cap += report_cell(t, i, 2);
		alloc += report_cell(t, i, 3);
	}
	r->site_util_pct = cap > 0 ? 100 * alloc / cap : NAN;
	r->budget_last = r->drawn_last = NAN;
	if (r->t[REPORT_BUDGET].nrows > 0) {
		struct pivot b, d;
		pivot_make(r, REPORT_BUDGET, 1, 0, 1, 2, &b);
		pivot_make(r, REPORT_BUDGET, 1, 0, 1, 3, &d);
		r->budget_last = r->drawn_last = 0;
		for (size_t i = 0; i < b.nr; i++) {
			size_t last = b.nc;
			while (last-- > 0 && isnan(b.v[i * b.nc + last]))
				;
			r->budget_last += b.v[i * b.nc + last];
			r->drawn_last += d.v[i * d.nc + last];
		}
		pivot_free(&b);
		pivot_free(&d);
	}
}

struct sorted_row {
	double key;
	long line;
	size_t row;
};

static int
sorted_cmp(const void *pa, const void *pb)
{
	const struct sorted_row *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/* Orders t's rows by column c, then by line (phases by their start, so
 * that phases appear in time order whatever order the file has). */
static void
sort_rows(struct report_table *t, size_t c)
{
	struct sorted_row *k = xmalloc((t->nrows + 1) * sizeof *k);
	double *v = xmalloc((t->nrows * t->ncols + 1) * sizeof *v);

	for (size_t i = 0; i < t->nrows; i++) {
		k[i].key = report_cell(t, i, c);
		k[i].line = t->line[i];
		k[i].row = i;
	}
	qsort(k, t->nrows, sizeof *k, sorted_cmp);
	for (size_t i = 0; i < t->nrows; i++) {
		memcpy(v + i * t->ncols, t->v + k[i].row * t->ncols,
		       t->ncols * sizeof *v);
		t->line[i] = k[i].line;
	}
	free(t->v);
	t->v = v;
	free(k);
}

/* The charts pivot some files into grids (names x days, phases x teams):
 * a file whose grid would be too large is refused before any is made. */
static int
check_grids(const struct report *r, struct err *e)
{
	static const int grid[][3] = {{REPORT_GPUS, 1, 0},
		{REPORT_CAPACITY, 1, 0}, {REPORT_BUDGET, 1, 0},
		{REPORT_PHASES, 0, 3}};

	for (size_t g = 0; g < sizeof grid / sizeof grid[0]; g++) {
		const struct report_table *t = &r->t[grid[g][0]];
		double *k1, *k2;
		long *m1, *m2;
		size_t n1 = keys_of(r, t, grid[g][1], 0, &k1, &m1);
		size_t n2 = keys_of(r, t, grid[g][2], grid[g][2] == 0, &k2, &m2);
		free(k1);
		free(k2);
		free(m1);
		free(m2);
		if (n2 > 0 && n1 > MAX_CELLS / n2)
			return err_set(e, ERR_LIMIT, "%s/%s: %zu %ss x %zu %ss: more "
				       "than %zu cells to chart", r->dir,
				       specs[grid[g][0]].file, n1,
				       specs[grid[g][0]].c[grid[g][1]].name, n2,
				       specs[grid[g][0]].c[grid[g][2]].name, MAX_CELLS);
	}
	return 0;
}

int
report_read(const char *dir, struct report *r, struct err *e)
{
	struct stat st;
	int rc = 0;

	memset(r, 0, sizeof *r);
	r->scale = r->seed = r->gpus = r->submitted = r->completed = NAN;
	r->util_pct = r->idle_reclaimed_gpus = r->budget_won = NAN;
	r->drawn_won = r->site_util_pct = NAN;
	r->budget_last = r->drawn_last = NAN;
	r->dir = xstrdup(dir);
	for (size_t n = strlen(r->dir); n > 1 && r->dir[n - 1] == '/'; n--)
		r->dir[n - 1] = '\0'; /* "run/" names files as "run/x.csv" */
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		rc = err_set(e, ERR_NOTFOUND, "%s: not a directory", dir);
	for (int k = 0; k < REPORT_NFILES && rc == 0; k++)
		rc = read_table(r, k, e);
	if (rc == 0)
		rc = read_summary(r, e);
	if (rc == 0)
		rc = check_grids(r, e);
	if (rc != 0) {
		report_free(r);
		return rc;
	}
	sort_rows(&r->t[REPORT_PHASES], 1);
	make_figures(r);
	return 0;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (int k = 0; k < REPORT_NFILES; k++) {
		free(r->t[k].v);
		free(r->t[k].line);
	}
	for (size_t i = 0; i < r->stack.nseries; i++)
		free(r->stack.name[i]);
	free(r->stack.name);
	free(r->stack.day);
	free(r->stack.gpus);
	free(r->stack.gpu_days);
	for (size_t i = 0; i < r->nfinalists; i++)
		free(r->finalists[i]);
	free(r->finalists);
	free(r->scenario);
	free(r->start);
	free(r->end);
	free(r->dir);
	strtab_free(&r->names);
	memset(r, 0, sizeof *r);
}

/* ---- the page ---------------------------------------------------------- */

static const char css[] =
    "body{font-family:sans-serif;max-width:980px;margin:2em auto;"
    "padding:0 1em;color:#222}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:1px solid #ccc}h3{font-size:1em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em}"
    "th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".nodata{color:#888;font-style:italic}.note{color:#555}"
    "svg{display:block}\n";

#define esc svg_escape

static int
nodata(FILE *f, const struct report *r, int k)
{
	if (r->t[k].nrows > 0)
		return 0;
	fprintf(f, "<p class=\"nodata\">no data (%s %s)</p>\n", specs[k].file,
		r->t[k].present ? "has no rows" : "not found");
	return 1;
}

static void
td(FILE *f, double v, int dec)
{
	if (isfinite(v))
		fprintf(f, "<td class=\"n\">%.*f</td>", dec, v);
	else
		fputs("<td class=\"n\">-</td>", f);
}

static void
td_name(FILE *f, const char *s)
{
	fputs("<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

static void
td_date(FILE *f, double days)
{
	char buf[16];

	fprintf(f, "<td>%s</td>", svg_date(buf, sizeof buf, (int64_t)days));
}

/* An amount of won in words: "1.25 trillion", "250.0 billion". */
static char *
won(char *buf, size_t cap, double v)
{
	static const struct { double unit; const char *word; } u[] = {
		{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}};

	for (int k = 0; k < 3; k++)
		if (fabs(v) >= u[k].unit) {
			snprintf(buf, cap, "%.*f %s", k ? 1 : 2, v / u[k].unit,
				 u[k].word);
			return buf;
		}
	if (isfinite(v))
		snprintf(buf, cap, "%.0f", v);
	else
		snprintf(buf, cap, "-");
	return buf;
}

/* "<table>" and a header row of the given column names (NULL ends). */
static void
thead(FILE *f, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, f);
	fputs("<table><tr>", f);
	while ((s = va_arg(ap, const char *)) != NULL)
		fprintf(f, "<th>%s</th>", s);
	fputs("</tr>\n", f);
	va_end(ap);
}

/* One row: for each letter of spec a cell, 's' a name (const char *),
 * 'D' a date and '0'..'3' a number with that many decimals (doubles). */
static void
trow(FILE *f, const char *spec, ...)
{
	va_list ap;

	va_start(ap, spec);
	fputs("<tr>", f);
	for (; *spec != '\0'; spec++) {
		if (*spec == 's')
			td_name(f, va_arg(ap, const char *));
		else if (*spec == 'D')
			td_date(f, va_arg(ap, double));
		else
			td(f, va_arg(ap, double), *spec - '0');
	}
	fputs("</tr>\n", f);
	va_end(ap);
}

static double
pct(double a, double b)
{
	return b > 0 ? 100 * a / b : NAN;
}

/* A section's start: its heading and a line on what it shows. */
static void
head(FILE *f, const char *id, const char *title, const char *note)
{
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n<p class=\"note\">%s</p>\n",
		id, title, note);
}

static void
kv(FILE *f, const char *key, const char *s, double v, int dec,
   const char *unit)
{
	fprintf(f, "<tr><th>%s</th>", key);
	if (s != NULL)
		td_name(f, s);
	else if (isfinite(v))
		fprintf(f, "<td>%.*f%s</td>", dec, v, unit);
	else
		fputs("<td>-</td>", f);
	fputs("</tr>\n", f);
}

static void
sec_summary(FILE *f, const struct report *r)
{
	char dr[32], of[32];

	fputs("<h1>allot report: ", f);
	esc(f, r->scenario != NULL ? r->scenario : r->dir);
	fputs("</h1>\n<table>\n", f);
	fputs("<tr><th>period</th><td>", f);
	esc(f, r->start != NULL ? r->start : "-");
	fputs(" to ", f);
	esc(f, r->end != NULL ? r->end : "-");
	fputs("</td></tr>\n", f);
	kv(f, "scale", NULL, r->scale, 2, "");
	kv(f, "seed", NULL, r->seed, 0, "");
	kv(f, "GPUs", NULL, r->gpus, 0, "");
	fputs("<tr><th>finalists</th><td>", f);
	for (size_t i = 0; i < r->nfinalists; i++) {
		fputs(i ? ", " : "", f);
		esc(f, r->finalists[i]);
	}
	fputs(r->nfinalists ? "</td></tr>\n" : "-</td></tr>\n", f);
	kv(f, "jobs submitted", NULL, r->submitted, 0, "");
	kv(f, "jobs completed", NULL, r->completed, 0, "");
	kv(f, "utilisation", NULL, r->util_pct, 1, " %");
	kv(f, "site capacity allocated", NULL, r->site_util_pct, 1, " %");
	kv(f, "open-call acceptance", NULL, pct(r->awarded, r->proposals), 1,
	   " % of proposals");
	kv(f, "idle GPUs reclaimed", NULL, r->idle_reclaimed_gpus, 0, "");
	fprintf(f, "<tr><th>budget drawn</th><td>%s of %s won</td></tr>\n"
		   "</table>\n", won(dr, sizeof dr, isfinite(r->drawn_won) ?
		r->drawn_won : r->drawn_last), won(of, sizeof of,
		isfinite(r->budget_won) ? r->budget_won : r->budget_last));
	if (!r->have_summary)
		fputs("<p class=\"nodata\">no data (summary.json not found)</p>\n",
		      f);
}

/* The x axis of a chart over scenario days: dates when summary.json
 * gives a start date (a new array the caller frees), else the days. */
static double *
day_axis(const struct report *r, struct svg_chart *c, const double *day,
	 size_t n)
{
	int y, m, d;
	char tail;
	double *x;

	c->x = day;
	c->n = n;
	c->xlabel = "day of the scenario";
	if (r->start == NULL || sscanf(r->start, "%4d-%2d-%2d%c", &y, &m, &d,
				       &tail) != 3 || y < 1900 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return NULL;
	x = xmalloc((n + 1) * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = day[i] + (double)csv_days_from_civil(y, m, d);
	c->x = x;
	c->xdate = 1;
	c->xlabel = "date";
	return x;
}

static void
sec_tenants(FILE *f, const struct report *r)
{
	const struct report_stack *s = &r->stack;
	struct svg_series *ser;
	struct svg_chart c = {0};
	double all = 0, *x;

	head(f, "tenants", "GPUs per tenant over time", "Mean GPUs allocated "
	     "per day, stacked: the tenants with the most GPU-days, grouped by "
	     "program, and the rest as &ldquo;other&rdquo;.");
	if (nodata(f, r, REPORT_GPUS))
		return;
	ser = xcalloc(s->nseries + 1, sizeof *ser);
	for (size_t k = 0; k < s->nseries; k++) {
		ser[k].name = s->name[k];
		ser[k].y = s->gpus + k * s->ndays;
		all += s->gpu_days[k];
	}
	c.title = "GPUs per tenant over time (stacked)";
	c.ylabel = "GPUs allocated (daily mean)";
	x = day_axis(r, &c, s->day, s->ndays);
	c.s = ser;
	c.ns = s->nseries;
	svg_area(f, &c);
	thead(f, "tenant (program)", "GPU-days", "mean GPUs", "share %", (const char *)NULL);
	for (size_t k = 0; k < s->nseries; k++)
		trow(f, "s111", s->name[k], s->gpu_days[k],
		     s->gpu_days[k] / (double)s->ndays, pct(s->gpu_days[k], all));
	fputs("</table>\n", f);
	free(ser);
	free(x);
}

static void
sec_sites(FILE *f, const struct report *r)
{
	struct pivot cap, al;
	struct svg_series *ser;
	struct svg_chart c = {0};
	double *u, *x;

	head(f, "sites", "Utilisation by site", "Share of each site&rsquo;s "
	     "GPUs allocated per day; dashed: all sites together.");
	if (nodata(f, r, REPORT_CAPACITY))
		return;
	pivot_make(r, REPORT_CAPACITY, 1, 0, 1, 2, &cap);
	pivot_make(r, REPORT_CAPACITY, 1, 0, 1, 3, &al);
	u = xmalloc(((cap.nr + 1) * cap.nc + 1) * sizeof *u);
	ser = xcalloc(cap.nr + 2, sizeof *ser);
	for (size_t d = 0; d < cap.nc; d++) {
		double sc = 0, sa = 0;
		for (size_t i = 0; i < cap.nr; i++) {
			double cv = cap.v[i * cap.nc + d], av = al.v[i * cap.nc + d];
			u[i * cap.nc + d] = pct(av, cv);
			sc += isnan(cv) ? 0 : cv;
			sa += isnan(av) ? 0 : av;
		}
		u[cap.nr * cap.nc + d] = pct(sa, sc);
	}
	for (size_t i = 0; i <= cap.nr; i++) {
		ser[i].name = i < cap.nr ? name_of(r, cap.rkey[i]) : "all sites";
		ser[i].y = u + i * cap.nc;
		ser[i].colour = i < cap.nr ? NULL : "#333333";
		ser[i].dashed = i == cap.nr;
	}
	c.title = "GPU capacity allocated by site";
	c.ylabel = "% of the site's GPUs allocated";
	x = day_axis(r, &c, cap.ckey, cap.nc);
	c.s = ser;
	c.ns = cap.nr + 1;
	svg_lines(f, &c);
	thead(f, "site", "mean capacity", "mean allocated", "allocated %", (const char *)NULL);
	for (size_t i = 0; i < cap.nr; i++) {
		double sc = 0, sa = 0, n = 0;
		for (size_t d = 0; d < cap.nc; d++)
			if (!isnan(cap.v[i * cap.nc + d])) {
				sc += cap.v[i * cap.nc + d];
				sa += al.v[i * cap.nc + d];
				n++;
			}
		trow(f, "s111", ser[i].name, sc / n, sa / n, pct(sa, sc));
	}
	fputs("</table>\n", f);
	free(u);
	free(x);
	free(ser);
	pivot_free(&cap);
	pivot_free(&al);
}

static void
sec_waits(FILE *f, const struct report *r)
{
	static const char *const q[] = {"p50", "p90", "p99"};
	const struct report_table *t = &r->t[REPORT_WAITS];
	struct svg_series ser[3] = {{0}};
	struct svg_chart c = {0};
	const char **cat;
	double *h;

	head(f, "waits", "Waits per program", "Time from submission to start, "
	     "in hours: median, 90th and 99th percentile.");
	if (nodata(f, r, REPORT_WAITS))
		return;
	cat = xcalloc(t->nrows + 1, sizeof *cat);
	h = xcalloc(3 * t->nrows + 1, sizeof *h);
	for (size_t i = 0; i < t->nrows; i++) {
		cat[i] = name_of(r, report_cell(t, i, 0));
		for (size_t k = 0; k < 3; k++)
			h[k * t->nrows + i] = report_cell(t, i, 2 + k) / 3600;
	}
	for (size_t k = 0; k < 3; k++) {
		ser[k].name = q[k];
		ser[k].y = h + k * t->nrows;
	}
	c.title = "Job waits per program";
	c.ylabel = "wait (hours)";
	c.cat = cat;
	c.n = t->nrows;
	c.s = ser;
	c.ns = 3;
	svg_bars(f, &c);
	thead(f, "program", "jobs", "p50 h", "p90 h", "p99 h", (const char *)NULL);
	for (size_t i = 0; i < t->nrows; i++)
		trow(f, "s0222", cat[i], report_cell(t, i, 1), h[i],
		     h[t->nrows + i], h[2 * t->nrows + i]);
	fputs("</table>\n", f);
	free(cat);
	free(h);
}

static void
sec_rounds(FILE *f, const struct report *r)
{
	const struct report_table *t = &r->t[REPORT_ROUNDS];
	double *keys;
	long *map;
	size_t nr;
	const char **cat;
	struct svg_point *pt;
	double *p_last;

	head(f, "rounds", "Competition rounds", "Each team&rsquo;s score with "
	     "its interval; red: eliminated, hollow: failed the gate. P(last) "
	     "is the probability of ranking last.");
	if (nodata(f, r, REPORT_ROUNDS))
		return;
	nr = keys_of(r, t, 0, 0, &keys, &map);
	cat = xcalloc(t->nrows + 1, sizeof *cat);
	pt = xcalloc(t->nrows + 1, sizeof *pt);
	p_last = xcalloc(t->nrows + 1, sizeof *p_last);
	for (size_t k = 0; k < nr; k++) {
		struct svg_chart c = {0};
		char title[128], date[16] = "";
		size_t n = 0;
		for (size_t i = 0; i < t->nrows; i++) {
			if (report_cell(t, i, 0) != keys[k])
				continue;
			if (n == 0)
				svg_date(date, sizeof date,
					 (int64_t)report_cell(t, i, 1));
			cat[n] = name_of(r, report_cell(t, i, 2));
			pt[n].y = report_cell(t, i, 3);
			pt[n].lo = report_cell(t, i, 4);
			pt[n].hi = report_cell(t, i, 5);
			p_last[n] = report_cell(t, i, 6);
			pt[n].mark = report_cell(t, i, 7) == 1 ? SVG_MARK_GATE :
				     report_cell(t, i, 8) == 1 ? SVG_MARK_OUT :
				     SVG_MARK_IN;
			n++;
		}
		snprintf(title, sizeof title, "Round %s (%s): scores with "
			 "intervals", name_of(r, keys[k]), date);
		fputs("<h3>", f);
		esc(f, title);
		fputs("</h3>\n", f);
		c.title = title;
		c.ylabel = "score";
		c.cat = cat;
		c.n = n;
		svg_points(f, &c, pt);
		fputs("<table><tr><th>team</th><th>score</th><th>interval</th>"
		      "<th>P(last)</th><th>gate</th><th>result</th></tr>\n", f);
		for (size_t i = 0; i < n; i++) {
			fputs("<tr>", f);
			td_name(f, cat[i]);
			td(f, pt[i].y, 1);
			if (isnan(pt[i].lo) || isnan(pt[i].hi))
				fputs("<td class=\"n\">-</td>", f);
			else
				fprintf(f, "<td class=\"n\">%.1f&ndash;%.1f</td>",
					pt[i].lo, pt[i].hi);
			td(f, p_last[i], 3);
			fprintf(f, "<td>%s</td><td>%s</td></tr>\n",
				pt[i].mark == SVG_MARK_GATE ? "fail" : "pass",
				pt[i].mark == SVG_MARK_IN ? "advanced" : "out");
		}
		fputs("</table>\n", f);
	}
	free(cat);
	free(pt);
	free(p_last);
	free(keys);
	free(map);
}

/* The phase's first row (for its dates). */
static size_t
phase_row(const struct report_table *t, double phase)
{
	size_t i = 0;

	while (i + 1 < t->nrows && report_cell(t, i, 0) != phase)
		i++;
	return i;
}

static void
sec_phases(FILE *f, const struct report *r)
{
	const struct report_table *t = &r->t[REPORT_PHASES];
	struct pivot p;
	struct svg_series *ser;
	struct svg_chart c = {0};
	const char **cat;
	double *y;

	head(f, "phases", "GPUs per team per phase", "GPUs granted to each "
	     "competition team in each phase, in order of the phases&rsquo; "
	     "start.");
	if (nodata(f, r, REPORT_PHASES))
		return;
	pivot_make(r, REPORT_PHASES, 0, 3, 0, 4, &p);
	fputs("<table><tr><th>phase</th><th>start</th><th>end</th>", f);
	for (size_t j = 0; j < p.nc; j++) {
		fputs("<th>", f);
		esc(f, name_of(r, p.ckey[j]));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	cat = xcalloc(p.nr + 1, sizeof *cat);
	y = xcalloc(p.nr * p.nc + 1, sizeof *y);
	ser = xcalloc(p.nc + 1, sizeof *ser);
	for (size_t i = 0; i < p.nr; i++) {
		size_t row = phase_row(t, p.rkey[i]);
		cat[i] = name_of(r, p.rkey[i]);
		fputs("<tr>", f);
		td_name(f, cat[i]);
		td_date(f, report_cell(t, row, 1));
		td_date(f, report_cell(t, row, 2));
		for (size_t j = 0; j < p.nc; j++) {
			y[j * p.nr + i] = p.v[i * p.nc + j];
			td(f, isnan(p.v[i * p.nc + j]) ? 0 : p.v[i * p.nc + j], 0);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	for (size_t j = 0; j < p.nc; j++) {
		ser[j].name = name_of(r, p.ckey[j]);
		ser[j].y = y + j * p.nr;
	}
	c.title = "GPUs granted per team per phase";
	c.ylabel = "GPUs";
	c.cat = cat;
	c.n = p.nr;
	c.s = ser;
	c.ns = p.nc;
	c.stacked = 1;
	svg_bars(f, &c);
	free(cat);
	free(y);
	free(ser);
	pivot_free(&p);
}

static void
sec_opencall(FILE *f, const struct report *r)
{
	const struct report_table *t = &r->t[REPORT_OPENCALL];
	struct svg_series ser[2] = {{0}};
	struct svg_chart c = {0};
	char **cat;
	double *y;

	head(f, "opencall", "Open calls: demand and awards", "Proposals and "
	     "GPUs asked against those awarded, per call and category.");
	if (nodata(f, r, REPORT_OPENCALL))
		return;
	cat = xcalloc(t->nrows + 1, sizeof *cat);
	y = xcalloc(2 * t->nrows + 1, sizeof *y);
	thead(f, "call", "category", "proposals", "awarded", "accepted %",
	      "GPUs asked", "GPUs awarded", "GPUs %", (const char *)NULL);
	for (size_t i = 0; i <= t->nrows; i++) {
		int tot = i == t->nrows;
		double pr = tot ? r->proposals : report_cell(t, i, 2);
		double as = tot ? r->asked_gpus : report_cell(t, i, 3);
		double aw = tot ? r->awarded : report_cell(t, i, 4);
		double ag = tot ? r->awarded_gpus : report_cell(t, i, 5);
		trow(f, "ss001001", tot ? "total" : name_of(r, report_cell(t, i, 0)),
		     tot ? "" : name_of(r, report_cell(t, i, 1)), pr, aw,
		     pct(aw, pr), as, ag, pct(ag, as));
		if (tot)
			break;
		cat[i] = xmalloc(2 * MAX_NAME + 2);
		snprintf(cat[i], 2 * MAX_NAME + 2, "%s %s",
			 name_of(r, report_cell(t, i, 0)),
			 name_of(r, report_cell(t, i, 1)));
		y[i] = as;
		y[t->nrows + i] = ag;
	}
	fputs("</table>\n", f);
	ser[0].name = "GPUs asked";
	ser[0].y = y;
	ser[1].name = "GPUs awarded";
	ser[1].y = y + t->nrows;
	c.title = "Open calls: GPUs asked and awarded";
	c.ylabel = "GPUs";
	c.cat = (const char *const *)cat;
	c.n = t->nrows;
	c.s = ser;
	c.ns = 2;
	svg_bars(f, &c);
	for (size_t i = 0; i < t->nrows; i++)
		free(cat[i]);
	free(cat);
	free(y);
}

/* Servers per action in reclaim.csv. */
static void
reclaim_totals(const struct report *r, double count[4], double servers[4])
{
	const struct report_table *t = &r->t[REPORT_RECLAIM];

	for (int a = 0; a < 4; a++)
		count[a] = servers[a] = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		int a = (int)report_cell(t, i, 2);
		count[a]++;
		servers[a] += report_cell(t, i, 3);
	}
}

static void
sec_reclaim(FILE *f, const struct report *r)
{
	const struct report_table *t = &r->t[REPORT_RECLAIM];
	struct svg_series ser[2] = {{0}};
	struct svg_chart c = {0};
	double *keys, *y, cnt[4], srv[4];
	long *map;
	size_t n;

	head(f, "reclaim", "Idle GPUs reclaimed", "Grants found idle: "
	     "warnings, servers reclaimed and readmitted.");
	if (nodata(f, r, REPORT_RECLAIM))
		return;
	reclaim_totals(r, cnt, srv);
	fprintf(f, "<p>%.0f warnings; %.0f reclaims of %.0f servers in all; "
		   "%.0f readmissions of %.0f servers; %.0f cleared.</p>\n",
		cnt[0], cnt[1], srv[1], cnt[2], srv[2], cnt[3]);
	n = keys_of(r, t, 0, 1, &keys, &map);
	y = xcalloc(2 * n + 1, sizeof *y);
	for (size_t i = 0; i < t->nrows; i++) {
		int a = (int)report_cell(t, i, 2);
		size_t d = key_index(keys, n, NULL, report_cell(t, i, 0));
		if (a == 1 || a == 2)
			y[(size_t)(a - 1) * n + d] += report_cell(t, i, 3);
	}
	for (size_t d = 1; d < n; d++) {
		y[d] += y[d - 1];
		y[n + d] += y[n + d - 1];
	}
	ser[0].name = "reclaimed (cumulative)";
	ser[0].y = y;
	ser[1].name = "readmitted (cumulative)";
	ser[1].y = y + n;
	c.title = "Servers reclaimed from idle grants over time";
	c.ylabel = "servers";
	c.x = keys;
	c.n = n;
	c.s = ser;
	c.ns = 2;
	c.xdate = 1;
	c.step = 1;
	svg_lines(f, &c);
	thead(f, "date", "tenant", "action", "servers", (const char *)NULL);
	for (size_t i = 0; i < t->nrows && i < MAX_TABLE_ROWS; i++)
		trow(f, "Dss0", report_cell(t, i, 0),
		     name_of(r, report_cell(t, i, 1)),
		     actions[(int)report_cell(t, i, 2)], report_cell(t, i, 3));
	fputs("</table>\n", f);
	if (t->nrows > MAX_TABLE_ROWS)
		fprintf(f, "<p>and %zu more rows in reclaim.csv</p>\n",
			t->nrows - MAX_TABLE_ROWS);
	free(keys);
	free(map);
	free(y);
}

static void
sec_budget(FILE *f, const struct report *r)
{
	struct pivot b, d;
	struct svg_series *ser;
	struct svg_chart c = {0};
	char **lab;
	char w[32];
	double *x;

	head(f, "budget", "Budget drawn", "Cumulative spending per program "
	     "(solid) against its budget (dashed), in won.");
	if (nodata(f, r, REPORT_BUDGET))
		return;
	pivot_make(r, REPORT_BUDGET, 1, 0, 1, 2, &b);
	pivot_make(r, REPORT_BUDGET, 1, 0, 1, 3, &d);
	ser = xcalloc(2 * b.nr + 1, sizeof *ser);
	lab = xcalloc(2 * b.nr + 1, sizeof *lab);
	fputs("<table><tr><th>program</th><th>budget (won)</th>"
	      "<th>drawn (won)</th><th>drawn %</th></tr>\n", f);
	for (size_t i = 0; i < b.nr; i++) {
		const char *name = name_of(r, b.rkey[i]);
		size_t last = b.nc;
		for (int k = 0; k < 2; k++) {
			size_t len = strlen(name) + 10;
			lab[2 * i + (size_t)k] = xmalloc(len);
			snprintf(lab[2 * i + (size_t)k], len, "%s %s", name,
				 k ? "budget" : "drawn");
			ser[2 * i + (size_t)k].name = lab[2 * i + (size_t)k];
			ser[2 * i + (size_t)k].y = (k ? b.v : d.v) + i * b.nc;
			ser[2 * i + (size_t)k].colour = svg_colour(i);
			ser[2 * i + (size_t)k].dashed = k;
		}
		while (last-- > 0 && isnan(b.v[i * b.nc + last]))
			;
		fputs("<tr>", f);
		td_name(f, name);
		fprintf(f, "<td class=\"n\">%s</td>",
			won(w, sizeof w, b.v[i * b.nc + last]));
		fprintf(f, "<td class=\"n\">%s</td>",
			won(w, sizeof w, d.v[i * b.nc + last]));
		td(f, pct(d.v[i * b.nc + last], b.v[i * b.nc + last]), 1);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	c.title = "Budget drawn (solid) against the budget (dashed)";
	c.ylabel = "won";
	x = day_axis(r, &c, b.ckey, b.nc);
	c.s = ser;
	c.ns = 2 * b.nr;
	svg_lines(f, &c);
	free(x);
	for (size_t i = 0; i < 2 * b.nr; i++)
		free(lab[i]);
	free(lab);
	free(ser);
	pivot_free(&b);
	pivot_free(&d);
}

int
report_write_html(FILE *f, const struct report *r, struct err *e)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>allot report: ", f);
	esc(f, r->scenario != NULL ? r->scenario : r->dir);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	sec_summary(f, r);
	sec_tenants(f, r);
	fputs("</section>\n", f);
	sec_sites(f, r);
	fputs("</section>\n", f);
	sec_waits(f, r);
	fputs("</section>\n", f);
	sec_rounds(f, r);
	fputs("</section>\n", f);
	sec_phases(f, r);
	fputs("</section>\n", f);
	sec_opencall(f, r);
	fputs("</section>\n", f);
	sec_reclaim(f, r);
	fputs("</section>\n", f);
	sec_budget(f, r);
	fputs("</section>\n<p class=\"nodata\">written by allot report from ", f);
	esc(f, r->dir);
	fputs("</p>\n</body>\n</html>\n", f);
	if (ferror(f))
		return err_set(e, ERR_IO, "writing the report failed");
	return 0;
}

/* ---- summaries --------------------------------------------------------- */

/* s with control bytes shown as '?', for a terminal. */
static void
plain(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void
fig(FILE *f, double v, int dec, const char *unit)
{
	if (isfinite(v))
		fprintf(f, "%.*f%s", dec, v, unit);
	else
		fputs("-", f);
}

void
report_summary(FILE *f, const struct report *r)
{
	double cnt[4], srv[4];
	char a[32], b[32];

	fputs("allot report: ", f);
	plain(f, r->scenario != NULL ? r->scenario : "(no summary.json)");
	fputs(", ", f);
	plain(f, r->start != NULL ? r->start : "-");
	fputs(" to ", f);
	plain(f, r->end != NULL ? r->end : "-");
	fputs(", ", f);
	fig(f, r->gpus, 0, " GPUs");
	fputs("\nfinalists       ", f);
	for (size_t i = 0; i < r->nfinalists; i++) {
		fputs(i ? ", " : "", f);
		plain(f, r->finalists[i]);
	}
	fputs(r->nfinalists ? "\n" : "-\n", f);
	fputs("GPUs per phase", f);
	if (r->t[REPORT_PHASES].nrows == 0) {
		fputs("  no data\n", f);
	} else {
		const struct report_table *t = &r->t[REPORT_PHASES];
		struct pivot p;
		pivot_make(r, REPORT_PHASES, 0, 3, 0, 4, &p);
		fprintf(f, "\n  %-12s %-10s %-10s", "phase", "start", "end");
		for (size_t j = 0; j < p.nc; j++)
			fprintf(f, " %8.8s", name_of(r, p.ckey[j]));
		for (size_t i = 0; i < p.nr; i++) {
			size_t row = phase_row(t, p.rkey[i]);
			fprintf(f, "\n  %-12.12s %s %s", name_of(r, p.rkey[i]),
				svg_date(a, sizeof a, (int64_t)report_cell(t, row, 1)),
				svg_date(b, sizeof b, (int64_t)report_cell(t, row, 2)));
			for (size_t j = 0; j < p.nc; j++) {
				double v = p.v[i * p.nc + j];
				fprintf(f, " %8.0f", isnan(v) ? 0 : v);
			}
		}
		fputs("\n", f);
		pivot_free(&p);
	}
	fputs("open call       ", f);
	if (r->t[REPORT_OPENCALL].nrows == 0)
		fputs("no data\n", f);
	else
		fprintf(f, "%.0f of %.0f proposals awarded (%.1f %%), %.0f of %.0f "
			   "GPUs (%.1f %%)\n", r->awarded, r->proposals,
			pct(r->awarded, r->proposals), r->awarded_gpus,
			r->asked_gpus, pct(r->awarded_gpus, r->asked_gpus));
	fputs("utilisation     ", f);
	fig(f, r->util_pct, 1, " %");
	fputs(" (summary.json); ", f);
	fig(f, r->site_util_pct, 1, " %");
	fputs(" of site capacity allocated\nidle reclaimed  ", f);
	fig(f, r->idle_reclaimed_gpus, 0, " GPUs");
	reclaim_totals(r, cnt, srv);
	fprintf(f, "; %.0f reclaims of %.0f servers, %.0f warnings, %.0f "
		   "readmissions\nbudget          ", cnt[1], srv[1], cnt[0],
		cnt[2]);
	if (isfinite(r->budget_won) || isfinite(r->drawn_won))
		fprintf(f, "drawn %s of %s won (%.1f %%)\n",
			won(a, sizeof a, r->drawn_won),
			won(b, sizeof b, r->budget_won),
			pct(r->drawn_won, r->budget_won));
	else if (isfinite(r->budget_last))
		fprintf(f, "drawn %s of %s won (%.1f %%, budget.csv)\n",
			won(a, sizeof a, r->drawn_last),
			won(b, sizeof b, r->budget_last),
			pct(r->drawn_last, r->budget_last));
	else
		fputs("no data\n", f);
}

static void
jstr(struct jsonw *w, const char *k, const char *s)
{
	jsonw_key(w, k);
	if (s != NULL)
		jsonw_str(w, s);
	else
		jsonw_null(w);
}

static void
jnum(struct jsonw *w, const char *k, double v, int dec)
{
	jsonw_key(w, k);
	jsonw_fixed(w, v, dec);
}

void
report_summary_json(struct jsonw *w, const struct report *r)
{
	const struct report_table *t = &r->t[REPORT_PHASES];
	double cnt[4], srv[4];

	jstr(w, "dir", r->dir);
	jstr(w, "scenario", r->scenario);
	jstr(w, "start", r->start);
	jstr(w, "end", r->end);
	jnum(w, "gpus", r->gpus, 0);
	jsonw_key(w, "finalists");
	jsonw_arr(w);
	for (size_t i = 0; i < r->nfinalists; i++)
		jsonw_str(w, r->finalists[i]);
	jsonw_end(w);
	jsonw_key(w, "phases");
	jsonw_arr(w);
	if (t->nrows > 0) {
		struct pivot p;
		char d[16];
		pivot_make(r, REPORT_PHASES, 0, 3, 0, 4, &p);
		for (size_t i = 0; i < p.nr; i++) {
			size_t row = phase_row(t, p.rkey[i]);
			jsonw_obj(w);
			jstr(w, "phase", name_of(r, p.rkey[i]));
			jstr(w, "start", svg_date(d, sizeof d,
				(int64_t)report_cell(t, row, 1)));
			jstr(w, "end", svg_date(d, sizeof d,
				(int64_t)report_cell(t, row, 2)));
			jsonw_key(w, "gpus");
			jsonw_obj(w);
			for (size_t j = 0; j < p.nc; j++)
				if (!isnan(p.v[i * p.nc + j]))
					jnum(w, name_of(r, p.ckey[j]),
					     p.v[i * p.nc + j], 0);
			jsonw_end(w);
			jsonw_end(w);
		}
		pivot_free(&p);
	}
	jsonw_end(w);
	jsonw_key(w, "opencall");
	jsonw_obj(w);
	jnum(w, "proposals", r->proposals, 0);
	jnum(w, "awarded", r->awarded, 0);
	jnum(w, "acceptance_pct", pct(r->awarded, r->proposals), 2);
	jnum(w, "asked_gpus", r->asked_gpus, 0);
	jnum(w, "awarded_gpus", r->awarded_gpus, 0);
	jnum(w, "gpu_pct", pct(r->awarded_gpus, r->asked_gpus), 2);
	jsonw_end(w);
	jnum(w, "utilisation_pct", r->util_pct, 2);
	jnum(w, "site_allocated_pct", r->site_util_pct, 2);
	jnum(w, "idle_reclaimed_gpus", r->idle_reclaimed_gpus, 0);
	reclaim_totals(r, cnt, srv);
	jnum(w, "reclaimed_servers", srv[1], 0);
	jnum(w, "budget_won", isfinite(r->budget_won) ? r->budget_won :
	     r->budget_last, 0);
	jnum(w, "drawn_won", isfinite(r->drawn_won) ? r->drawn_won :
	     r->drawn_last, 0);
}
