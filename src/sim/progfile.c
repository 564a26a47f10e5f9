/*
 * progfile.c — the program scenario parser (progfile.h,
 * docs/PROGRAM-FORMAT.md).
 *
 * Each directive has its positional words and then `key value` options in
 * any order.  Every value goes through one of the word parsers below, so
 * each error names the line, the directive's field and the bad value.
 * Collections grow with xgrow; the struct is zeroed on error.
 */
#include "sim/progfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/audit.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/file.h"

#define MAX_WORDS 64
#define MAX_FILE (16 << 20)
#define DAY 86400

static const char *const kind_names[PF_NKINDS] = {"competition", "opencall",
						  "reserved"};
static const char *const tkind_names[PF_NTKINDS] = {"team", "project",
						    "ministry"};

struct parse {
	struct csv_lines r;
	struct progfile *pf;
	struct csv_field w[MAX_WORDS];
	int nw;
	int have_start, have_end;
	size_t cap_prog, cap_cl, cap_ten, cap_gr, cap_rd, cap_call;
	struct err *e;
};

const char *
progfile_kind_name(int kind)
{
	return kind >= 0 && kind < PF_NKINDS ? kind_names[kind] : "?";
}

static int
bad(struct parse *p, const char *field, struct csv_field f, const char *why)
{
	char show[64];

	csv_show(show, sizeof show, f);
	return err_set(p->e, ERR_INVALID, "%s:%ld: %s: %s, got %s", p->r.name,
		       p->r.line, field, why, show);
}

static int
need(struct parse *p, int k, const char *field)
{
	if (k < p->nw)
		return 0;
	return err_set(p->e, ERR_INVALID, "%s:%ld: %s: missing", p->r.name,
		       p->r.line, field);
}

static int
get_name(struct parse *p, int k, const char *field, char out[PF_NAME])
{
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	if ((rc = csv_get_name(&p->r, field, p->w[k], PF_NAME - 1, p->e)) != 0)
		return rc;
	memcpy(out, p->w[k].s, p->w[k].n);
	out[p->w[k].n] = '\0';
	return 0;
}

static int
get_int(struct parse *p, int k, const char *field, int64_t lo, int64_t hi,
	int64_t *out)
{
	int rc = need(p, k, field);
	return rc != 0 ? rc : csv_get_int(&p->r, field, p->w[k], lo, hi, out, p->e);
}

static int
get_double(struct parse *p, int k, const char *field, double lo, double hi,
	   double *out)
{
	int rc = need(p, k, field);
	return rc != 0 ? rc
		       : csv_get_double(&p->r, field, p->w[k], lo, hi, out, p->e);
}

/* Days since 1970 of a "YYYY-MM-DD" field, or -1. */
static int64_t
civil(struct csv_field f)
{
	int y, m, d;
	char buf[16];

	if (f.n != 10 || f.s[4] != '-' || f.s[7] != '-')
		return -1;
	memcpy(buf, f.s, 10);
	buf[10] = '\0';
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (buf[i] < '0' || buf[i] > '9'))
			return -1;
	y = atoi(buf);
	m = atoi(buf + 5);
	d = atoi(buf + 8);
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	return csv_days_from_civil(y, m, d);
}

/* A date, as seconds after the start (the start itself: absolute). */
static int
get_date(struct parse *p, int k, const char *field, int64_t *out)
{
	int64_t days;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	if ((days = civil(p->w[k])) < 0)
		return bad(p, field, p->w[k], "expected a date YYYY-MM-DD");
	if (!p->have_start) {
		*out = days * DAY;
		return 0;
	}
	*out = days * DAY - p->pf->start_unix;
	if (*out < 0 || (p->have_end && *out > p->pf->end))
		return bad(p, field, p->w[k], "outside the scenario's start..end");
	return 0;
}

static int
get_duration(struct parse *p, int k, const char *field, int64_t *out)
{
	struct csv_field f;
	int64_t v, unit;
	char u;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	f = p->w[k];
	if (f.n < 2)
		return bad(p, field, f, "expected a duration such as 14d, 12h, 30m or 60s");
	u = f.s[f.n - 1];
	unit = u == 'd' ? DAY : u == 'h' ? 3600 : u == 'm' ? 60 : u == 's' ? 1 : 0;
	if (unit == 0)
		return bad(p, field, f, "expected a duration such as 14d, 12h, 30m or 60s");
	f.n--;
	if (csv_get_int(&p->r, field, f, 0, 100000LL * DAY / unit, &v, p->e) != 0)
		return bad(p, field, p->w[k], "expected a duration such as 14d, 12h, 30m or 60s");
	*out = v * unit;
	return 0;
}

/* "MODEL:N[,MODEL:N]" into a[], *n. */
static int
get_amounts(struct parse *p, int k, const char *field, struct pf_amount *a,
	    size_t *n)
{
	struct csv_field f, part;
	const char *s, *end;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	f = p->w[k];
	*n = 0;
	for (s = f.s, end = f.s + f.n; s <= end; s++) {
		const char *c = s, *colon = NULL;
		while (c < end && *c != ',') {
			if (*c == ':' && colon == NULL)
				colon = c;
			c++;
		}
		if (colon == NULL || colon == s || *n == PF_MAX_MODELS ||
		    (size_t)(colon - s) >= PF_NAME)
			return bad(p, field, f, "expected MODEL:N[,MODEL:N...]");
		memcpy(a[*n].model, s, (size_t)(colon - s));
		a[*n].model[colon - s] = '\0';
		part.s = colon + 1;
		part.n = (size_t)(c - colon - 1);
		if (csv_get_int(&p->r, field, part, 1, 100000000, &a[*n].n, p->e) != 0)
			return ERR_INVALID;
		(*n)++;
		s = c;
	}
	return 0;
}

static long
find_program(const struct progfile *pf, struct csv_field f)
{
	for (size_t i = 0; i < pf->nprograms; i++)
		if (csv_eq(f, pf->programs[i].name))
			return (long)i;
	return -1;
}

static long
find_tenant(const struct progfile *pf, struct csv_field f)
{
	for (size_t i = 0; i < pf->ntenants; i++)
		if (csv_eq(f, pf->tenants[i].name))
			return (long)i;
	return -1;
}

long
progfile_tenant(const struct progfile *pf, const char *s)
{
	struct csv_field f = {s, strlen(s)};
	return find_tenant(pf, f);
}

long
progfile_program(const struct progfile *pf, const char *s)
{
	struct csv_field f = {s, strlen(s)};
	return find_program(pf, f);
}

static int
get_program(struct parse *p, int k, const char *field, uint32_t *out)
{
	long i;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	if ((i = find_program(p->pf, p->w[k])) < 0)
		return bad(p, field, p->w[k], "no such program (declare it first)");
	*out = (uint32_t)i;
	return 0;
}

static int
get_tenant(struct parse *p, int k, const char *field, uint32_t *out)
{
	long i;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	if ((i = find_tenant(p->pf, p->w[k])) < 0)
		return bad(p, field, p->w[k], "no such tenant (declare it first)");
	*out = (uint32_t)i;
	return 0;
}

static int
unknown_option(struct parse *p, int k)
{
	return bad(p, "option", p->w[k], "unknown option for this directive");
}

static int
need_dates(struct parse *p)
{
	if (p->have_start && p->have_end)
		return 0;
	return err_set(p->e, ERR_INVALID, "%s:%ld: start: `start` and `end` "
		       "must come before this directive", p->r.name, p->r.line);
}

/* ---- directives ---------------------------------------------------------- */

static int
d_program(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_program g;
	int rc, k;

	memset(&g, 0, sizeof g);
	g.line = (int)p->r.line;
	if ((rc = get_name(p, 1, "program", g.name)) != 0)
		return rc;
	if (find_program(pf, p->w[1]) >= 0)
		return bad(p, "program", p->w[1], "declared twice");
	if ((rc = need(p, 2, "kind")) != 0)
		return rc;
	g.kind = -1;
	for (int i = 0; i < PF_NKINDS; i++)
		if (csv_eq(p->w[2], kind_names[i]))
			g.kind = i;
	if (g.kind < 0)
		return bad(p, "kind", p->w[2], "expected competition, opencall or reserved");
	for (k = 3; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "budget"))
			rc = get_int(p, k + 1, "budget", 0, INT64_MAX / 4, &g.budget_won);
		else
			rc = unknown_option(p, k);
		if (rc != 0)
			return rc;
	}
	if (pf->nprograms >= PF_MAX_ITEMS)
		return bad(p, "program", p->w[1], "too many programs");
	pf->programs = xgrow(pf->programs, &p->cap_prog, pf->nprograms + 1,
			     sizeof *pf->programs);
	pf->programs[pf->nprograms++] = g;
	return 0;
}

static int
d_cluster(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_cluster c;
	int rc;

	memset(&c, 0, sizeof c);
	c.line = (int)p->r.line;
	c.to = INT64_MAX;
	if ((rc = need_dates(p)) != 0 || (rc = get_name(p, 1, "cluster", c.name)) != 0)
		return rc;
	for (size_t i = 0; i < pf->nclusters; i++)
		if (strcmp(pf->clusters[i].name, c.name) == 0)
			return bad(p, "cluster", p->w[1], "declared twice");
	for (int k = 2; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "from"))
			rc = get_date(p, k + 1, "from", &c.from);
		else if (csv_eq(p->w[k], "to"))
			rc = get_date(p, k + 1, "to", &c.to);
		else
			rc = unknown_option(p, k);
		if (rc != 0)
			return rc;
	}
	if (c.from >= c.to)
		return bad(p, "to", p->w[1], "the cluster must arrive before it leaves");
	if (pf->nclusters >= PF_MAX_ITEMS)
		return bad(p, "cluster", p->w[1], "too many clusters");
	pf->clusters = xgrow(pf->clusters, &p->cap_cl, pf->nclusters + 1,
			     sizeof *pf->clusters);
	pf->clusters[pf->nclusters++] = c;
	return 0;
}

/* "FROM..TO" as two dates. */
static int
get_span(struct parse *p, int k, const char *field, int64_t *from, int64_t *to)
{
	struct csv_field f, a, b;
	struct csv_field save;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	f = p->w[k];
	if (f.n != 22 || f.s[10] != '.' || f.s[11] != '.')
		return bad(p, field, f, "expected FROM..TO, two dates YYYY-MM-DD");
	a = (struct csv_field){f.s, 10};
	b = (struct csv_field){f.s + 12, 10};
	save = p->w[k];
	p->w[k] = a;
	rc = get_date(p, k, field, from);
	p->w[k] = b;
	if (rc == 0)
		rc = get_date(p, k, field, to);
	p->w[k] = save;
	if (rc == 0 && *from >= *to)
		return bad(p, field, f, "FROM must be before TO");
	return rc;
}

static int
d_tenant(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_tenant t;
	int rc;

	memset(&t, 0, sizeof t);
	t.line = (int)p->r.line;
	t.activity = 0.9;
	t.efficiency = 1.0;
	if ((rc = need_dates(p)) != 0 || (rc = get_name(p, 1, "tenant", t.name)) != 0)
		return rc;
	if (find_tenant(pf, p->w[1]) >= 0)
		return bad(p, "tenant", p->w[1], "declared twice");
	if (!csv_eq(p->w[2 < p->nw ? 2 : 0], "program") || p->nw < 4)
		return err_set(p->e, ERR_INVALID, "%s:%ld: program: expected "
			       "`tenant NAME program PROGRAM ...`", p->r.name, p->r.line);
	if ((rc = get_program(p, 3, "program", &t.program)) != 0)
		return rc;
	t.kind = pf->programs[t.program].kind == PF_COMPETITION ? PF_TEAM
		 : pf->programs[t.program].kind == PF_RESERVED ? PF_MINISTRY
							       : PF_PROJECT;
	for (int k = 4; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "kind")) {
			rc = need(p, k + 1, "kind");
			t.kind = -1;
			for (int i = 0; rc == 0 && i < PF_NTKINDS; i++)
				if (csv_eq(p->w[k + 1], tkind_names[i]))
					t.kind = i;
			if (rc == 0 && t.kind < 0)
				rc = bad(p, "kind", p->w[k + 1], "expected team, project or ministry");
		} else if (csv_eq(p->w[k], "activity")) {
			rc = get_double(p, k + 1, "activity", 0, 10, &t.activity);
		} else if (csv_eq(p->w[k], "efficiency")) {
			rc = get_double(p, k + 1, "efficiency", 0.01, 100, &t.efficiency);
		} else if (csv_eq(p->w[k], "prior")) {
			rc = get_double(p, k + 1, "prior", 0, 1e12, &t.prior_gpu_h);
		} else if (csv_eq(p->w[k], "supplier")) {
			rc = get_span(p, k + 1, "supplier", &t.supplier_from,
				      &t.supplier_to);
		} else if (csv_eq(p->w[k], "enters")) {
			rc = get_date(p, k + 1, "enters", &t.enters);
		} else {
			rc = unknown_option(p, k);
		}
		if (rc != 0)
			return rc;
	}
	if (pf->ntenants >= PF_MAX_ITEMS)
		return bad(p, "tenant", p->w[1], "too many tenants");
	pf->tenants = xgrow(pf->tenants, &p->cap_ten, pf->ntenants + 1,
			    sizeof *pf->tenants);
	pf->tenants[pf->ntenants++] = t;
	return 0;
}

static int
d_grant(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_grant g;
	int have_from = 0, have_to = 0;
	int64_t price = 0;
	int rc;

	memset(&g, 0, sizeof g);
	g.line = (int)p->r.line;
	if ((rc = need_dates(p)) != 0 ||
	    (rc = get_tenant(p, 1, "tenant", &g.tenant)) != 0 ||
	    (rc = get_name(p, 2, "model", g.model)) != 0 ||
	    (rc = get_int(p, 3, "gpus", 1, 10000000, &g.gpus)) != 0)
		return rc;
	for (int k = 4; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "from")) {
			rc = get_date(p, k + 1, "from", &g.from);
			have_from = 1;
		} else if (csv_eq(p->w[k], "to")) {
			rc = get_date(p, k + 1, "to", &g.to);
			have_to = 1;
		} else if (csv_eq(p->w[k], "price")) {
			rc = get_int(p, k + 1, "price", 0, 1000000, &price);
		} else {
			rc = unknown_option(p, k);
		}
		if (rc != 0)
			return rc;
	}
	if (!have_from)
		g.from = 0;
	if (!have_to)
		g.to = pf->end;
	if (g.from >= g.to)
		return bad(p, "to", p->w[1], "the grant must start before it ends");
	g.price_won_hour = (uint64_t)price;
	if (pf->ngrants >= PF_MAX_ITEMS)
		return bad(p, "grant", p->w[1], "too many grants");
	pf->grants = xgrow(pf->grants, &p->cap_gr, pf->ngrants + 1, sizeof *pf->grants);
	pf->grants[pf->ngrants++] = g;
	return 0;
}

/* "T=X,T=X" (X a number) into scores. */
static int
get_scores(struct parse *p, int k, struct pf_round *r)
{
	struct csv_field f;
	const char *s, *end;
	int rc;

	if ((rc = need(p, k, "scores")) != 0)
		return rc;
	f = p->w[k];
	for (s = f.s, end = f.s + f.n; s <= end; s++) {
		const char *c = s, *eq = NULL;
		struct csv_field v;
		while (c < end && *c != ',') {
			if (*c == '=' && eq == NULL)
				eq = c;
			c++;
		}
		if (eq == NULL || eq == s || (size_t)(eq - s) >= PF_NAME ||
		    r->nscores == PF_MAX_TEAMS)
			return bad(p, "scores", f, "expected TEAM=SCORE[,TEAM=SCORE...]");
		memcpy(r->scores[r->nscores].team, s, (size_t)(eq - s));
		r->scores[r->nscores].team[eq - s] = '\0';
		if (progfile_tenant(p->pf, r->scores[r->nscores].team) < 0)
			return bad(p, "scores", f, "names a team that is not a tenant");
		v.s = eq + 1;
		v.n = (size_t)(c - eq - 1);
		if (csv_get_double(&p->r, "scores", v, 0, 100,
				   &r->scores[r->nscores].score, p->e) != 0)
			return ERR_INVALID;
		r->nscores++;
		s = c;
	}
	return 0;
}

static int
get_list(struct parse *p, int k, const char *field, char (*out)[PF_NAME],
	 size_t *n)
{
	struct csv_field f;
	const char *s, *end;
	int rc;

	if ((rc = need(p, k, field)) != 0)
		return rc;
	f = p->w[k];
	for (s = f.s, end = f.s + f.n; s <= end; s++) {
		const char *c = s;
		while (c < end && *c != ',')
			c++;
		if (c == s || (size_t)(c - s) >= PF_NAME || *n == PF_MAX_TEAMS)
			return bad(p, field, f, "expected TEAM[,TEAM...]");
		memcpy(out[*n], s, (size_t)(c - s));
		out[*n][c - s] = '\0';
		if (progfile_tenant(p->pf, out[*n]) < 0)
			return bad(p, field, f, "names a team that is not a tenant");
		(*n)++;
		s = c;
	}
	return 0;
}

static int
d_round(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_round r;
	int64_t keep = 0, reps = 0;
	int rc;

	memset(&r, 0, sizeof r);
	r.line = (int)p->r.line;
	r.reps = 1000;
	r.confidence = 0.95;
	r.notice_s = 14 * DAY;
	if ((rc = need_dates(p)) != 0 ||
	    (rc = get_program(p, 1, "program", &r.program)) != 0 ||
	    (rc = get_name(p, 2, "round", r.name)) != 0 ||
	    (rc = get_date(p, 3, "date", &r.at)) != 0)
		return rc;
	if (pf->programs[r.program].kind != PF_COMPETITION)
		return bad(p, "program", p->w[1], "rounds belong to a competition");
	if (!csv_eq(p->w[4 < p->nw ? 4 : 0], "keep") || p->nw < 6)
		return err_set(p->e, ERR_INVALID, "%s:%ld: keep: expected `round "
			       "PROGRAM NAME DATE keep N ...`", p->r.name, p->r.line);
	if ((rc = get_int(p, 5, "keep", 1, PF_MAX_TEAMS, &keep)) != 0)
		return rc;
	r.keep = (uint32_t)keep;
	for (int k = 6; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "notice")) {
			rc = get_duration(p, k + 1, "notice", &r.notice_s);
		} else if (csv_eq(p->w[k], "realloc")) {
			rc = need(p, k + 1, "realloc");
			if (rc == 0 && csv_eq(p->w[k + 1], "equal"))
				r.realloc = PF_EQUAL;
			else if (rc == 0 && csv_eq(p->w[k + 1], "score"))
				r.realloc = PF_BY_SCORE;
			else if (rc == 0 && csv_eq(p->w[k + 1], "rank"))
				r.realloc = PF_BY_RANK;
			else if (rc == 0)
				rc = bad(p, "realloc", p->w[k + 1], "expected equal, score or rank");
		} else if (csv_eq(p->w[k], "next")) {
			rc = get_amounts(p, k + 1, "next", r.next, &r.nnext);
		} else if (csv_eq(p->w[k], "until")) {
			rc = get_date(p, k + 1, "until", &r.until);
		} else if (csv_eq(p->w[k], "scores")) {
			rc = get_scores(p, k + 1, &r);
		} else if (csv_eq(p->w[k], "gate-fail")) {
			rc = get_list(p, k + 1, "gate-fail", r.gate_fail, &r.ngate_fail);
		} else if (csv_eq(p->w[k], "reps")) {
			rc = get_int(p, k + 1, "reps", 1, 100000, &reps);
			r.reps = (int)reps;
		} else if (csv_eq(p->w[k], "confidence")) {
			rc = get_double(p, k + 1, "confidence", 0.5, 1, &r.confidence);
		} else if (csv_eq(p->w[k], "tie")) {
			rc = need(p, k + 1, "tie");
			if (rc == 0 && csv_eq(p->w[k + 1], "point"))
				r.tie = PF_TIE_POINT;
			else if (rc == 0 && csv_eq(p->w[k + 1], "keep"))
				r.tie = PF_TIE_KEEP;
			else if (rc == 0)
				rc = bad(p, "tie", p->w[k + 1], "expected point or keep");
		} else {
			rc = unknown_option(p, k);
		}
		if (rc != 0)
			return rc;
	}
	if (r.until != 0 && r.until <= r.at)
		return bad(p, "until", p->w[2], "the next phase must end after the round");
	if (pf->nrounds > 0 && pf->rounds[pf->nrounds - 1].at >= r.at)
		return bad(p, "date", p->w[3], "rounds must be in date order");
	if (pf->nrounds >= PF_MAX_ITEMS)
		return bad(p, "round", p->w[2], "too many rounds");
	pf->rounds = xgrow(pf->rounds, &p->cap_rd, pf->nrounds + 1, sizeof *pf->rounds);
	pf->rounds[pf->nrounds++] = r;
	return 0;
}

/* "A,I,S,L": four shares adding up to 1. */
static int
get_mix(struct parse *p, int k, double mix[4])
{
	struct csv_field f, part;
	const char *s, *end;
	double sum = 0;
	int rc, n = 0;

	if ((rc = need(p, k, "mix")) != 0)
		return rc;
	f = p->w[k];
	for (s = f.s, end = f.s + f.n; s <= end && n <= 4; s++) {
		const char *c = s;
		while (c < end && *c != ',')
			c++;
		if (n == 4)
			return bad(p, "mix", f, "expected four shares ACADEMIA,INSTITUTE,SME,LARGE");
		part.s = s;
		part.n = (size_t)(c - s);
		if (csv_get_double(&p->r, "mix", part, 0, 1, &mix[n], p->e) != 0)
			return ERR_INVALID;
		sum += mix[n++];
		s = c;
	}
	if (n != 4 || fabs(sum - 1) > 1e-6)
		return bad(p, "mix", f, "expected four shares ACADEMIA,INSTITUTE,SME,LARGE adding up to 1");
	return 0;
}

static int
d_call(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct pf_call c;
	int64_t v = 0;
	int rc;

	memset(&c, 0, sizeof c);
	c.line = (int)p->r.line;
	c.months = 12;
	c.proposals = 0;
	if ((rc = need_dates(p)) != 0 ||
	    (rc = get_program(p, 1, "program", &c.program)) != 0 ||
	    (rc = get_name(p, 2, "call", c.name)) != 0)
		return rc;
	if (pf->programs[c.program].kind != PF_OPENCALL)
		return bad(p, "program", p->w[1], "calls belong to an open-call program");
	for (int k = 3; k < p->nw; k += 2) {
		if (csv_eq(p->w[k], "award")) {
			rc = get_date(p, k + 1, "award", &c.award);
		} else if (csv_eq(p->w[k], "capacity")) {
			rc = get_amounts(p, k + 1, "capacity", c.capacity, &c.ncapacity);
		} else if (csv_eq(p->w[k], "proposals")) {
			rc = get_int(p, k + 1, "proposals", 1, 100000, &v);
			c.proposals = (uint32_t)v;
		} else if (csv_eq(p->w[k], "asked-gpus")) {
			rc = get_int(p, k + 1, "asked-gpus", 1, 100000000, &c.asked_gpus);
		} else if (csv_eq(p->w[k], "months")) {
			rc = get_int(p, k + 1, "months", 1, 120, &v);
			c.months = (uint32_t)v;
		} else if (csv_eq(p->w[k], "region-min")) {
			rc = get_double(p, k + 1, "region-min", 0, 1, &c.region_min);
		} else if (csv_eq(p->w[k], "org-max")) {
			rc = get_double(p, k + 1, "org-max", 0, 1, &c.org_max);
		} else if (csv_eq(p->w[k], "mix")) {
			rc = get_mix(p, k + 1, c.mix);
		} else {
			rc = unknown_option(p, k);
		}
		if (rc != 0)
			return rc;
	}
	if (c.ncapacity == 0 || c.proposals == 0)
		return err_set(p->e, ERR_INVALID, "%s:%ld: capacity: a call needs "
			       "`capacity MODEL:SERVERS` and `proposals N`",
			       p->r.name, p->r.line);
	if (pf->ncalls > 0 && pf->calls[pf->ncalls - 1].award > c.award)
		return bad(p, "award", p->w[2], "calls must be in award-date order");
	if (pf->ncalls >= PF_MAX_ITEMS)
		return bad(p, "call", p->w[2], "too many calls");
	pf->calls = xgrow(pf->calls, &p->cap_call, pf->ncalls + 1, sizeof *pf->calls);
	pf->calls[pf->ncalls++] = c;
	return 0;
}

static int
d_idle(struct parse *p)
{
	struct pf_idle *d = &p->pf->idle;
	int64_t keep = 0;
	int rc = 0;

	for (int k = 1; k < p->nw && rc == 0; k += 2) {
		if (csv_eq(p->w[k], "threshold"))
			rc = get_double(p, k + 1, "threshold", 0, 1, &d->threshold);
		else if (csv_eq(p->w[k], "window"))
			rc = get_duration(p, k + 1, "window", &d->window_s);
		else if (csv_eq(p->w[k], "notice"))
			rc = get_duration(p, k + 1, "notice", &d->notice_s);
		else if (csv_eq(p->w[k], "rampup"))
			rc = get_duration(p, k + 1, "rampup", &d->rampup_s);
		else if (csv_eq(p->w[k], "every"))
			rc = get_duration(p, k + 1, "every", &d->every_s);
		else if (csv_eq(p->w[k], "keep")) {
			rc = get_int(p, k + 1, "keep", 0, 100000, &keep);
			d->keep_servers = (uint32_t)keep;
		} else
			rc = unknown_option(p, k);
	}
	if (rc == 0 && d->every_s <= 0)
		return err_set(p->e, ERR_INVALID, "%s:%ld: every: must be at "
			       "least 1s", p->r.name, p->r.line);
	return rc;
}

static int
d_workload(struct parse *p)
{
	struct pf_workload *w = &p->pf->work;
	int64_t v = 0;
	int rc = 0;

	for (int k = 1; k < p->nw && rc == 0; k += 2) {
		if (csv_eq(p->w[k], "load")) {
			rc = get_double(p, k + 1, "load", 0, 10, &w->load);
		} else if (csv_eq(p->w[k], "pass-interval")) {
			rc = get_duration(p, k + 1, "pass-interval", &w->pass_interval);
		} else if (csv_eq(p->w[k], "backfill")) {
			rc = get_int(p, k + 1, "backfill", 0, 1000, &v);
			w->backfill = (uint32_t)v;
		} else if (csv_eq(p->w[k], "max-gang")) {
			rc = get_int(p, k + 1, "max-gang", 8, 65536, &v);
			w->max_gang = (uint32_t)v;
		} else {
			rc = unknown_option(p, k);
		}
	}
	return rc;
}

static int
d_line(struct parse *p)
{
	struct progfile *pf = p->pf;
	struct csv_field d = p->w[0];
	int64_t v = 0;
	int rc;

	if (csv_eq(d, "scenario"))
		return get_name(p, 1, "scenario", pf->name);
	if (csv_eq(d, "start")) {
		if (p->have_start)
			return bad(p, "start", d, "given twice");
		if ((rc = get_date(p, 1, "start", &pf->start_unix)) != 0)
			return rc;
		p->have_start = 1;
		return 0;
	}
	if (csv_eq(d, "end")) {
		if (!p->have_start || p->have_end)
			return bad(p, "end", d, "needs one `start` line before it");
		if ((rc = get_date(p, 1, "end", &pf->end)) != 0)
			return rc;
		if (pf->end <= 0)
			return bad(p, "end", p->w[1], "must be after the start");
		p->have_end = 1;
		return 0;
	}
	if (csv_eq(d, "seed")) {
		if ((rc = get_int(p, 1, "seed", 0, INT64_MAX, &v)) != 0)
			return rc;
		pf->seed = (uint64_t)v;
		return 0;
	}
	if (csv_eq(d, "pool")) {
		if ((rc = need(p, 1, "pool")) != 0)
			return rc;
		if (p->w[1].n >= sizeof pf->pool)
			return bad(p, "pool", p->w[1], "too long");
		memcpy(pf->pool, p->w[1].s, p->w[1].n);
		pf->pool[p->w[1].n] = '\0';
		return 0;
	}
	if (csv_eq(d, "program"))
		return d_program(p);
	if (csv_eq(d, "cluster"))
		return d_cluster(p);
	if (csv_eq(d, "tenant"))
		return d_tenant(p);
	if (csv_eq(d, "grant"))
		return d_grant(p);
	if (csv_eq(d, "round"))
		return d_round(p);
	if (csv_eq(d, "call"))
		return d_call(p);
	if (csv_eq(d, "idle"))
		return d_idle(p);
	if (csv_eq(d, "workload"))
		return d_workload(p);
	return bad(p, "directive", d, "unknown directive");
}

void
progfile_free(struct progfile *pf)
{
	free(pf->programs);
	free(pf->clusters);
	free(pf->tenants);
	free(pf->grants);
	free(pf->rounds);
	free(pf->calls);
	memset(pf, 0, sizeof *pf);
}

int
progfile_parse(const char *name, const char *buf, size_t len,
	       struct progfile *pf, struct err *e)
{
	struct parse p;
	const char *s;
	size_t n;
	int rc;

	memset(pf, 0, sizeof *pf);
	memset(&p, 0, sizeof p);
	p.pf = pf;
	p.e = e;
	pf->seed = 1;
	snprintf(pf->pool, sizeof pf->pool, "korea");
	pf->work.load = 1.0;
	pf->work.pass_interval = 300;
	pf->work.backfill = 8;
	pf->work.max_gang = 512;
	pf->idle.every_s = 7 * DAY;
	snprintf(pf->source, sizeof pf->source, "%s", name);
	audit_sha256_hex(buf, len, pf->sha256);
	csv_lines_init(&p.r, name, buf, len);
	while ((rc = csv_lines_next(&p.r, &s, &n, e)) == 1) {
		const char *hash = memchr(s, '#', n);
		if (hash != NULL)
			n = (size_t)(hash - s);
		p.nw = csv_split_ws(s, n, p.w, MAX_WORDS);
		if (p.nw == 0)
			continue;
		if (p.nw < 0) {
			rc = err_set(e, ERR_INVALID, "%s:%ld: line: more than %d words",
				     name, p.r.line, MAX_WORDS);
			break;
		}
		if ((rc = d_line(&p)) != 0)
			break;
	}
	if (rc == 0 && (!p.have_start || !p.have_end))
		rc = err_set(e, ERR_INVALID, "%s: start: a scenario needs `start "
			     "DATE` and `end DATE`", name);
	if (rc == 0 && pf->name[0] == '\0')
		rc = err_set(e, ERR_INVALID, "%s: scenario: missing `scenario NAME`",
			     name);
	if (rc != 0) {
		progfile_free(pf);
		return rc;
	}
	return 0;
}

int
progfile_read(const char *path, struct progfile *pf, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	memset(pf, 0, sizeof *pf);
	if ((rc = file_read_all(path, MAX_FILE, &buf, &len, e)) != 0)
		return rc;
	rc = progfile_parse(path, buf, len, pf, e);
	free(buf);
	return rc;
}

void
progfile_date(const struct progfile *pf, int64_t t, char out[16])
{
	int64_t z = (pf->start_unix + t) / DAY + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	snprintf(out, 16, "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
}
