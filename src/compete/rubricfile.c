/*
 * rubricfile.c — the rubric file parser (see rubricfile.h and
 * docs/ROUNDS.md for the grammar).
 *
 * One directive per line, words separated by blanks, '#' to the end of
 * the line is a comment.  The parser fills a private struct and moves it
 * to the caller only when the whole file is good, so an error leaves the
 * output zeroed.  Every string in the result is owned by it.
 */
#include "compete/rubricfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/csv.h"

#define MAX_WORDS 64

struct parser {
	struct csv_lines r;
	struct rubricfile *rf;
	struct err *e;
	const char *tie_part;   /* name from the tie line, resolved at the end */
	char tie_buf[RUBRICFILE_MAX_NAME + 1];
	long tie_line;
	int seen_rubric, seen_finalists, seen_tie, seen_boot, seen_panel;
};

static char *
fdup(struct csv_field f)
{
	return xstrndup(f.s, f.n);
}

static int
bad(struct parser *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct parser *p, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_at(p->e, ERR_INVALID, p->r.name, p->r.line, field, "%s",
	    msg);
}

static int
get_double(struct parser *p, const char *field, struct csv_field f,
	   double *out)
{
	char buf[64], show[64], *end;
	double x;

	if (f.n == 0 || f.n >= sizeof buf)
		return bad(p, field, "expected a number, got %s",
		    csv_show(show, sizeof show, f));
	memcpy(buf, f.s, f.n);
	buf[f.n] = '\0';
	errno = 0;
	x = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(x) ||
	    strchr("+-.0123456789", buf[0]) == NULL)
		return bad(p, field, "expected a finite number, got %s",
		    csv_show(show, sizeof show, f));
	*out = x;
	return 0;
}

static int
get_count(struct parser *p, const char *field, struct csv_field f,
	  long long lo, long long hi, long long *out)
{
	char buf[32], show[64], *end;
	long long x;

	if (f.n == 0 || f.n >= sizeof buf || f.s[0] < '0' || f.s[0] > '9')
		goto fail;
	memcpy(buf, f.s, f.n);
	buf[f.n] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (*end != '\0' || errno != 0 || x < lo || x > hi)
		goto fail;
	*out = x;
	return 0;
fail:
	err_at(p->e, ERR_INVALID, p->r.name, p->r.line, field,
	    "expected an integer %lld..%lld, got %s", lo, hi,
	    csv_show(show, sizeof show, f));
	return ERR_INVALID;
}

static int
name_ok(struct parser *p, const char *field, struct csv_field f, size_t max)
{
	return csv_get_name(&p->r, field, f, max, p->e);
}

/* "key=value": the value if f starts with key and '=', else n = SIZE_MAX */
static struct csv_field
kv(struct csv_field f, const char *key)
{
	size_t k = strlen(key);
	struct csv_field v = {NULL, (size_t)-1};

	if (f.n > k && memcmp(f.s, key, k) == 0 && f.s[k] == '=') {
		v.s = f.s + k + 1;
		v.n = f.n - k - 1;
	}
	return v;
}

static int
parse_norm(struct parser *p, struct csv_field *w, int nw, int *i,
	   struct rubricfile_part *pt)
{
	if (*i + 1 >= nw)
		return bad(p, "norm", "%s", "expected fixed LO HI or minmax");
	(*i)++;
	if (csv_eq(w[*i], "minmax")) {
		pt->norm = RUBRIC_MINMAX;
		return 0;
	}
	if (!csv_eq(w[*i], "fixed") || *i + 2 >= nw)
		return bad(p, "norm", "%s", "expected fixed LO HI or minmax");
	pt->norm = RUBRIC_FIXED;
	if (get_double(p, "norm", w[*i + 1], &pt->lo) < 0 ||
	    get_double(p, "norm", w[*i + 2], &pt->hi) < 0)
		return ERR_INVALID;
	if (!(pt->lo < pt->hi))
		return bad(p, "norm", "%s", "fixed LO HI: expected LO < HI");
	*i += 2;
	return 0;
}

static int
parse_tasks(struct parser *p, struct csv_field v, struct rubricfile_part *pt)
{
	size_t a = 0;

	if (pt->tasks != NULL)
		return bad(p, "task", "%s", "given twice");
	pt->tasks = xcalloc(RUBRICFILE_MAX_TASKS, sizeof *pt->tasks);
	for (size_t i = 0; i <= v.n; i++) {
		struct csv_field t;

		if (i < v.n && v.s[i] != ',')
			continue;
		t.s = v.s + a;
		t.n = i - a;
		a = i + 1;
		if (name_ok(p, "task", t, RUBRICFILE_MAX_TASK) < 0)
			return ERR_INVALID;
		for (size_t k = 0; k < pt->ntasks; k++)
			if (csv_eq(t, pt->tasks[k]))
				return bad(p, "task", "%s", "a task listed twice");
		if (pt->ntasks == RUBRICFILE_MAX_TASKS)
			return bad(p, "task", "more than %d tasks", RUBRICFILE_MAX_TASKS);
		pt->tasks[pt->ntasks++] = fdup(t);
	}
	return 0;
}

static int
parse_part(struct parser *p, struct csv_field *w, int nw)
{
	struct rubricfile *rf = p->rf;
	struct rubricfile_part *pt;
	int have_source = 0, have_norm = 0;

	if (nw < 3)
		return bad(p, "part", "%s", "expected part NAME WEIGHT ...");
	if (rf->nparts == RUBRICFILE_MAX_PARTS)
		return err_at(p->e, ERR_LIMIT, p->r.name, p->r.line, "part",
		    "more than %d parts", RUBRICFILE_MAX_PARTS);
	if (name_ok(p, "part", w[1], RUBRICFILE_MAX_NAME) < 0)
		return ERR_INVALID;
	for (size_t k = 0; k < rf->nparts; k++)
		if (csv_eq(w[1], rf->parts[k].name))
			return bad(p, "part", "%s: defined twice",
			    rf->parts[k].name);
	pt = &rf->parts[rf->nparts++];
	memset(pt, 0, sizeof *pt);
	pt->name = fdup(w[1]);
	pt->line = p->r.line;
	pt->source = -1;
	pt->prior = 0.01;
	if (get_double(p, "weight", w[2], &pt->weight) < 0)
		return ERR_INVALID;
	if (!(pt->weight > 0))
		return bad(p, "weight", "%s: expected a number > 0",
		    pt->name);
	for (int i = 3; i < nw; i++) {
		struct csv_field v;

		if (csv_eq(w[i], "group")) {
			if (pt->group != NULL || i + 1 >= nw)
				return bad(p, "group", "%s",
				    "expected group NAME, once");
			if (name_ok(p, "group", w[++i], RUBRICFILE_MAX_NAME) < 0)
				return ERR_INVALID;
			pt->group = fdup(w[i]);
		} else if (csv_eq(w[i], "source")) {
			if (have_source || i + 1 >= nw)
				return bad(p, "source", "%s",
				    "expected source results|panel|votes, "
				    "once");
			i++;
			if (csv_eq(w[i], "results"))
				pt->source = RUBRICFILE_RESULTS;
			else if (csv_eq(w[i], "panel"))
				pt->source = RUBRICFILE_PANEL;
			else if (csv_eq(w[i], "votes"))
				pt->source = RUBRICFILE_VOTES;
			else
				return bad(p, "source", "%s", "expected "
				    "results, panel or votes");
			have_source = 1;
		} else if (csv_eq(w[i], "norm")) {
			if (have_norm)
				return bad(p, "norm", "%s", "given twice");
			if (parse_norm(p, w, nw, &i, pt) < 0)
				return ERR_INVALID;
			have_norm = 1;
		} else if ((v = kv(w[i], "task")).n != (size_t)-1) {
			if (parse_tasks(p, v, pt) < 0)
				return ERR_INVALID;
		} else if ((v = kv(w[i], "metric")).n != (size_t)-1) {
			const char *c = memchr(v.s, ',', v.n);
			struct csv_field m = v, f;

			if (pt->metric != NULL)
				return bad(p, "metric", "%s", "given twice");
			if (c != NULL)
				m.n = (size_t)(c - v.s);
			if (name_ok(p, "metric", m, RUBRICFILE_MAX_TASK) < 0)
				return ERR_INVALID;
			pt->metric = fdup(m);
			if (c != NULL) {
				f.s = c + 1;
				f.n = v.n - m.n - 1;
				if (name_ok(p, "metric", f,
				    RUBRICFILE_MAX_TASK) < 0)
					return ERR_INVALID;
				pt->filter = fdup(f);
			}
		} else if ((v = kv(w[i], "criterion")).n != (size_t)-1) {
			if (pt->criterion != NULL)
				return bad(p, "criterion", "%s", "given twice");
			if (name_ok(p, "criterion", v, RUBRICFILE_MAX_TASK) < 0)
				return ERR_INVALID;
			pt->criterion = fdup(v);
			if (strcmp(pt->criterion, "all") == 0) {
				free(pt->criterion);
				pt->criterion = NULL;
			}
		} else if ((v = kv(w[i], "rating")).n != (size_t)-1) {
			if (csv_eq(v, "bt"))
				pt->rating = RUBRICFILE_BT;
			else if (csv_eq(v, "winrate"))
				pt->rating = RUBRICFILE_WINRATE;
			else
				return bad(p, "rating", "%s",
				    "expected bt or winrate");
		} else if ((v = kv(w[i], "prior")).n != (size_t)-1) {
			if (get_double(p, "prior", v, &pt->prior) < 0)
				return ERR_INVALID;
			if (pt->prior < 0)
				return bad(p, "prior", "%s",
				    "expected a number >= 0");
		} else {
			char show[64];

			return bad(p, "part", "unknown word %s",
			    csv_show(show, sizeof show, w[i]));
		}
	}
	if (!have_source)
		return bad(p, "source", "%s: missing", pt->name);
	if (!have_norm)
		return bad(p, "norm", "%s: missing", pt->name);
	if (pt->group == NULL)
		pt->group = xstrdup("");
	if (pt->source == RUBRICFILE_RESULTS) {
		if (pt->tasks == NULL || pt->metric == NULL)
			return bad(p, "source", "%s: results needs task=T[,T] "
			    "and metric=M[,FILTER]", pt->name);
	} else if (pt->tasks != NULL || pt->metric != NULL) {
		return bad(p, "task", "%s: task= and metric= are for source "
		    "results", pt->name);
	}
	if (pt->source != RUBRICFILE_PANEL && pt->criterion != NULL)
		return bad(p, "criterion", "%s: criterion= is for source panel",
		    pt->name);
	return 0;
}

static int
parse_bootstrap(struct parser *p, struct csv_field *w, int nw)
{
	struct round_cfg *c = &p->rf->cfg;
	long long x;

	if (p->seen_boot++)
		return bad(p, "bootstrap", "%s", "given twice");
	if (nw % 2 == 0)
		return bad(p, "bootstrap", "%s", "expected KEY VALUE pairs");
	for (int i = 1; i + 1 < nw; i += 2) {
		if (csv_eq(w[i], "reps")) {
			if (get_count(p, "reps", w[i + 1], 1,
			    RUBRICFILE_MAX_REPS, &x) < 0)
				return ERR_INVALID;
			c->reps = (int)x;
		} else if (csv_eq(w[i], "level")) {
			if (get_double(p, "level", w[i + 1], &c->level) < 0)
				return ERR_INVALID;
			if (!(c->level > 0 && c->level < 1))
				return bad(p, "level", "%s",
				    "expected 0 < level < 1");
		} else if (csv_eq(w[i], "confidence")) {
			if (get_double(p, "confidence", w[i + 1],
			    &c->confidence) < 0)
				return ERR_INVALID;
			if (!(c->confidence > 0 && c->confidence <= 1))
				return bad(p, "confidence", "%s",
				    "expected 0 < confidence <= 1");
		} else if (csv_eq(w[i], "seed")) {
			if (get_count(p, "seed", w[i + 1], 0, INT64_MAX, &x) < 0)
				return ERR_INVALID;
			c->seed = (uint64_t)x;
		} else {
			char show[64];

			return bad(p, "bootstrap", "unknown key %s",
			    csv_show(show, sizeof show, w[i]));
		}
	}
	return 0;
}

static int
parse_line(struct parser *p, struct csv_field *w, int nw)
{
	struct rubricfile *rf = p->rf;
	long long x;

	if (csv_eq(w[0], "rubric")) {
		if (p->seen_rubric++)
			return bad(p, "rubric", "%s", "given twice");
		if (nw != 2 && !(nw == 4 && csv_eq(w[2], "version")))
			return bad(p, "rubric", "%s",
			    "expected rubric NAME [version V]");
		if (name_ok(p, "rubric", w[1], RUBRICFILE_MAX_NAME) < 0)
			return ERR_INVALID;
		rf->name = fdup(w[1]);
		if (nw == 4) {
			if (name_ok(p, "version", w[3],
			    RUBRICFILE_MAX_VERSION) < 0)
				return ERR_INVALID;
			free(rf->version);
			rf->version = fdup(w[3]);
		}
		return 0;
	}
	if (!p->seen_rubric)
		return bad(p, "rubric", "%s",
		    "the file must start with rubric NAME");
	if (csv_eq(w[0], "part"))
		return parse_part(p, w, nw);
	if (csv_eq(w[0], "gate")) {
		if (nw != 2 && !(nw == 4 && csv_eq(w[2], "source") &&
		    csv_eq(w[3], "file")))
			return bad(p, "gate", "%s",
			    "expected gate NAME [source file]");
		if (name_ok(p, "gate", w[1], RUBRICFILE_MAX_NAME) < 0)
			return ERR_INVALID;
		for (size_t k = 0; k < rf->ngates; k++)
			if (csv_eq(w[1], rf->gates[k]))
				return bad(p, "gate", "%s: given twice",
				    rf->gates[k]);
		if (rf->ngates == RUBRICFILE_MAX_GATES)
			return err_at(p->e, ERR_LIMIT, p->r.name, p->r.line,
			    "gate", "more than %d gates", RUBRICFILE_MAX_GATES);
		rf->gates[rf->ngates++] = fdup(w[1]);
		return 0;
	}
	if (csv_eq(w[0], "finalists")) {
		if (p->seen_finalists++ || nw != 2)
			return bad(p, "finalists", "%s",
			    "expected finalists N, once");
		if (get_count(p, "finalists", w[1], 1, 1000000, &x) < 0)
			return ERR_INVALID;
		rf->cfg.finalists = (size_t)x;
		return 0;
	}
	if (csv_eq(w[0], "tie")) {
		if (p->seen_tie++)
			return bad(p, "tie", "%s", "given twice");
		if (nw == 2 && csv_eq(w[1], "keep"))
			rf->cfg.tie = ROUND_TIE_KEEP;
		else if (nw == 2 && csv_eq(w[1], "point"))
			rf->cfg.tie = ROUND_TIE_POINT;
		else if (nw == 3 && csv_eq(w[1], "part")) {
			if (name_ok(p, "tie", w[2], RUBRICFILE_MAX_NAME) < 0)
				return ERR_INVALID;
			rf->cfg.tie = ROUND_TIE_PART;
			memcpy(p->tie_buf, w[2].s, w[2].n);
			p->tie_buf[w[2].n] = '\0';
			p->tie_part = p->tie_buf;
			p->tie_line = p->r.line;
		} else
			return bad(p, "tie", "%s",
			    "expected keep, point or part NAME");
		return 0;
	}
	if (csv_eq(w[0], "bootstrap"))
		return parse_bootstrap(p, w, nw);
	if (csv_eq(w[0], "panel")) {
		if (p->seen_panel++ || nw != 4 || !csv_eq(w[1], "range"))
			return bad(p, "panel", "%s",
			    "expected panel range LO HI, once");
		if (get_double(p, "panel", w[2], &rf->panel_lo) < 0 ||
		    get_double(p, "panel", w[3], &rf->panel_hi) < 0)
			return ERR_INVALID;
		if (!(rf->panel_lo < rf->panel_hi))
			return bad(p, "panel", "%s",
			    "range LO HI: expected LO < HI");
		return 0;
	}
	{
		char show[64];

		return bad(p, "directive", "unknown directive %s",
		    csv_show(show, sizeof show, w[0]));
	}
}

void
rubricfile_free(struct rubricfile *rf)
{
	if (rf == NULL)
		return;
	for (size_t k = 0; k < rf->nparts; k++) {
		struct rubricfile_part *pt = &rf->parts[k];

		free(pt->name);
		free(pt->group);
		for (size_t i = 0; i < pt->ntasks; i++)
			free(pt->tasks[i]);
		free(pt->tasks);
		free(pt->metric);
		free(pt->filter);
		free(pt->criterion);
	}
	for (size_t k = 0; k < rf->ngates; k++)
		free(rf->gates[k]);
	free(rf->gates);
	free(rf->parts);
	free(rf->rparts);
	free(rf->name);
	free(rf->version);
	memset(rf, 0, sizeof *rf);
}

long
rubricfile_find_part(const struct rubricfile *rf, const char *name)
{
	for (size_t k = 0; k < rf->nparts; k++)
		if (strcmp(rf->parts[k].name, name) == 0)
			return (long)k;
	return -1;
}

void
rubricfile_policy(const struct rubricfile *rf, char *buf, size_t cap)
{
	snprintf(buf, cap, "round:%s@%s", rf->name, rf->version);
}

int
rubricfile_parse(const char *name, const char *buf, size_t len,
		 struct rubricfile *out, struct err *e)
{
	struct rubricfile rf;
	struct parser p;
	const char *s;
	size_t n;
	int rc = 0, k;

	memset(out, 0, sizeof *out);
	if (len > RUBRICFILE_MAX_FILE)
		return err_at(e, ERR_LIMIT, name, 0, NULL, "larger than %zu "
		    "bytes", RUBRICFILE_MAX_FILE);
	memset(&rf, 0, sizeof rf);
	memset(&p, 0, sizeof p);
	rf.version = xstrdup("1");
	rf.parts = xcalloc(RUBRICFILE_MAX_PARTS, sizeof *rf.parts);
	rf.gates = xcalloc(RUBRICFILE_MAX_GATES, sizeof *rf.gates);
	rf.panel_lo = 0;
	rf.panel_hi = 10;
	rf.cfg.reps = 2000;
	rf.cfg.level = 0.95;
	rf.cfg.confidence = 0.95;
	rf.cfg.seed = 1;
	rf.cfg.tie = ROUND_TIE_KEEP;
	p.rf = &rf;
	p.e = e;
	csv_lines_init(&p.r, name, buf, len);
	while ((k = csv_lines_next(&p.r, &s, &n, e)) != 0) {
		struct csv_field w[MAX_WORDS];
		const char *hash;
		int nw;

		if (k < 0) {
			rc = k;
			break;
		}
		if ((hash = memchr(s, '#', n)) != NULL)
			n = (size_t)(hash - s);
		nw = csv_split_ws(s, n, w, MAX_WORDS);
		if (nw == 0)
			continue;
		if (nw < 0) {
			rc = bad(&p, "line", "%s", "too many words");
			break;
		}
		if ((rc = parse_line(&p, w, nw)) < 0)
			break;
	}
	if (rc == 0 && !p.seen_rubric)
		rc = err_at(e, ERR_INVALID, name, 0, "rubric", "missing "
		    "(the file must start with rubric NAME)");
	if (rc == 0 && rf.nparts == 0)
		rc = err_at(e, ERR_INVALID, name, 0, "part", "no parts");
	if (rc == 0 && !p.seen_finalists)
		rc = err_at(e, ERR_INVALID, name, 0, "finalists", "missing");
	if (rc == 0 && p.tie_part != NULL) {
		long i = rubricfile_find_part(&rf, p.tie_part);

		if (i < 0)
			rc = err_at(e, ERR_INVALID, name, p.tie_line, "tie",
			    "no part called %s", p.tie_part);
		else
			rf.cfg.tie_part = (size_t)i;
	}
	if (rc == 0) {
		rf.rparts = xcalloc(rf.nparts, sizeof *rf.rparts);
		for (size_t i = 0; i < rf.nparts; i++) {
			rf.rparts[i].name = rf.parts[i].name;
			rf.rparts[i].group = rf.parts[i].group;
			rf.rparts[i].weight = rf.parts[i].weight;
			rf.rparts[i].norm = rf.parts[i].norm;
			rf.rparts[i].lo = rf.parts[i].lo;
			rf.rparts[i].hi = rf.parts[i].hi;
		}
		rf.rubric.parts = rf.rparts;
		rf.rubric.nparts = rf.nparts;
		if ((rc = rubric_check(&rf.rubric, e)) < 0)
			err_prefix(e, name);
	}
	if (rc < 0) {
		rubricfile_free(&rf);
		return rc;
	}
	*out = rf;
	return 0;
}
