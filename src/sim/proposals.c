/*
 * proposals.c — the proposals CSV (reader and writer) and the synthetic
 * 2026 open call (proposals.h; the choices behind the synthetic call are
 * argued in docs/OPENCALL.md).
 *
 * Reading: the line loop, header and column counts are the trace readers'
 * driver (trace_table_read); this file checks one proposal's fields and
 * appends it.  Duplicate ids are found with a small open-addressing table
 * of the ids seen (owned by one parse).  A failed read cuts ps->n back,
 * so nothing of it is kept.
 *
 * Synthesis draws from one rng stream in a fixed order: models, sizes,
 * scores, months, regions, organisations, then the output order.  Sizes
 * come from a truncated power law whose exponent is found by bisection
 * so that the total lands on the target, and the last few servers of
 * difference are added or removed one at a time; the category of each
 * proposal is then dealt along the score order so that every top slice
 * of the ranking asks servers in the configured mix.
 */
#include "sim/proposals.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace_int.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/rng.h"

#define SYNTH_MAX_N 100000
#define SYNTH_MAX_CAP 1024
#define SYNTH_MAX_ORGS 100000
#define SYNTH_PI 3.14159265358979323846

enum {
	C_ID, C_TENANT, C_ORG, C_CATEGORY, C_REGION, C_MODEL, C_SERVERS,
	C_MONTHS, C_IMPACT, C_ECOSYSTEM, C_FEASIBILITY, C_NCOLS
};

static const char *const cols[C_NCOLS] = {
	"id", "tenant", "org", "category", "region", "model", "servers",
	"months", "impact", "ecosystem", "feasibility",
};

static const char *const org_prefix[OC_NCATEGORIES] = {
	"univ", "inst", "sme", "corp",
};

void
proposals_init(struct proposals *ps)
{
	memset(ps, 0, sizeof *ps);
}

void
proposals_free(struct proposals *ps)
{
	if (ps == NULL)
		return;
	free(ps->v);
	strtab_free(&ps->tenants);
	strtab_free(&ps->orgs);
	memset(ps, 0, sizeof *ps);
}

/* Ids seen: open addressing over id + 1 (0 = empty), with the line. */
struct idset {
	uint64_t *key;
	long *line;
	size_t cap, n;
};

static size_t
id_slot(const struct idset *s, uint32_t id)
{
	size_t h = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32);

	h &= s->cap - 1;
	while (s->key[h] != 0 && s->key[h] != (uint64_t)id + 1)
		h = (h + 1) & (s->cap - 1);
	return h;
}

/* Adds id seen at line; returns 0, or the line it was first seen at. */
static long
id_add(struct idset *s, uint32_t id, long line)
{
	size_t h;

	if (2 * (s->n + 1) > s->cap) {
		struct idset g = {0, 0, s->cap ? 2 * s->cap : 64, 0};

		g.key = xcalloc(g.cap, sizeof *g.key);
		g.line = xcalloc(g.cap, sizeof *g.line);
		for (size_t i = 0; i < s->cap; i++) {
			if (s->key[i] == 0)
				continue;
			h = id_slot(&g, (uint32_t)(s->key[i] - 1));
			g.key[h] = s->key[i];
			g.line[h] = s->line[i];
			g.n++;
		}
		free(s->key);
		free(s->line);
		*s = g;
	}
	h = id_slot(s, id);
	if (s->key[h] != 0)
		return s->line[h] > 0 ? s->line[h] : -1;
	s->key[h] = (uint64_t)id + 1;
	s->line[h] = line;
	s->n++;
	return 0;
}

struct ctx {
	const struct pool *pool;
	struct proposals *ps;
	struct idset ids;
};

static int
get_score(const struct csv_lines *r, const char *field, struct csv_field f,
	  double *out, struct err *e)
{
	return csv_get_double(r, field, f, 0, 100, out, e);
}

static int
prop_record(void *vctx, const struct csv_lines *r, const struct csv_field *f,
	    int nf, const int *idx, struct err *e)
{
	struct ctx *c = vctx;
	struct oc_proposal p;
	struct csv_field tn = f[idx[C_TENANT]], on = f[idx[C_ORG]];
	struct csv_field cat = f[idx[C_CATEGORY]], mn = f[idx[C_MODEL]];
	char show[64];
	int64_t v;
	long model, first;
	int rc, k;

	(void)nf;
	memset(&p, 0, sizeof p);
	if ((rc = csv_get_int(r, "id", f[idx[C_ID]], 0, UINT32_MAX, &v, e)) != 0)
		return rc;
	p.id = (uint32_t)v;
	if ((rc = csv_get_name(r, "tenant", tn, TRACE_MAX_NAME, e)) != 0 ||
	    (rc = csv_get_name(r, "org", on, TRACE_MAX_NAME, e)) != 0)
		return rc;
	if ((k = opencall_category_find(cat.s, cat.n)) < 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "category",
			      "expected academia, institute, sme or large, got "
			      "%s", csv_show(show, sizeof show, cat));
	p.category = (uint8_t)k;
	if ((rc = csv_get_int(r, "region", f[idx[C_REGION]], 0, 255, &v,
			      e)) != 0)
		return rc;
	p.region = (uint8_t)v;
	if ((rc = csv_get_name(r, "model", mn, TRACE_MAX_MODEL_NAME, e)) != 0)
		return rc;
	model = strtab_find(&c->pool->model_names, mn.s, mn.n);
	if (model < 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "model",
			      "no GPU model %s in the pool",
			      csv_show(show, sizeof show, mn));
	p.model = (int)model;
	if ((rc = csv_get_int(r, "servers", f[idx[C_SERVERS]], 1,
			      PROPOSALS_MAX_SERVERS, &v, e)) != 0)
		return rc;
	p.servers = (uint32_t)v;
	if ((rc = csv_get_int(r, "months", f[idx[C_MONTHS]], 1,
			      PROPOSALS_MAX_MONTHS, &v, e)) != 0)
		return rc;
	p.months = (uint32_t)v;
	if ((rc = get_score(r, "impact", f[idx[C_IMPACT]], &p.scores[0],
			    e)) != 0 ||
	    (rc = get_score(r, "ecosystem", f[idx[C_ECOSYSTEM]], &p.scores[1],
			    e)) != 0 ||
	    (rc = get_score(r, "feasibility", f[idx[C_FEASIBILITY]],
			    &p.scores[2], e)) != 0)
		return rc;
	if ((first = id_add(&c->ids, p.id, r->line)) != 0) {
		if (first > 0)
			return err_at(e, ERR_INVALID, r->name, r->line, "id",
				      "%u already used on line %ld", p.id,
				      first);
		return err_at(e, ERR_INVALID, r->name, r->line, "id",
			      "%u already used by an earlier proposal", p.id);
	}
	p.tenant = strtab_intern(&c->ps->tenants, tn.s, tn.n);
	p.org = strtab_intern(&c->ps->orgs, on.s, on.n);
	c->ps->v = xgrow(c->ps->v, &c->ps->cap, c->ps->n + 1, sizeof p);
	c->ps->v[c->ps->n++] = p;
	return 0;
}

int
proposals_parse(const char *name, const char *buf, size_t len,
		const struct pool *pool, struct proposals *ps, struct err *e)
{
	struct ctx c;
	struct trace_table t = {
		.sep = ',',
		.cols = cols,
		.ncols = C_NCOLS,
		.required = (1u << C_NCOLS) - 1,
		.record = prop_record,
		.ctx = &c,
	};
	struct trace_opts o = {.max_jobs = PROPOSALS_MAX};
	size_t start = ps->n, skipped;
	int rc;

	memset(&c, 0, sizeof c);
	c.pool = pool;
	c.ps = ps;
	for (size_t i = 0; i < ps->n; i++)
		(void)id_add(&c.ids, ps->v[i].id, -1);
	rc = trace_table_read(name, buf, len, &o, &t, &skipped, e);
	if (rc == 0 && ps->n > PROPOSALS_MAX)
		rc = err_set(e, ERR_LIMIT, "%s: more than %d proposals", name,
		    PROPOSALS_MAX);
	if (rc != 0)
		ps->n = start;
	free(c.ids.key);
	free(c.ids.line);
	return rc;
}

int
proposals_read(const char *path, const struct pool *pool,
	       struct proposals *ps, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = file_read_all(path, PROPOSALS_MAX_BYTES, &buf, &len, e)) != 0)
		return rc;
	rc = proposals_parse(path, buf, len, pool, ps, e);
	free(buf);
	return rc;
}

/* Appends printf output to *buf (length *n, capacity *cap). */
static void
put(char **buf, size_t *n, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
put(char **buf, size_t *n, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(*buf + *n, *cap - *n, fmt, ap);
		va_end(ap);
		ALLOT_ASSERT(k >= 0);
		if ((size_t)k < *cap - *n)
			break;
		*buf = xgrow(*buf, cap, *n + (size_t)k + 1, 1);
	}
	*n += (size_t)k;
}

char *
proposals_format(const struct proposals *ps, const struct pool *pool,
		 size_t *len)
{
	size_t n = 0, cap = 256;
	char *buf = xmalloc(cap);

	buf[0] = '\0';
	for (int k = 0; k < C_NCOLS; k++)
		put(&buf, &n, &cap, "%s%s", cols[k],
		    k + 1 < C_NCOLS ? "," : "\n");
	for (size_t i = 0; i < ps->n; i++) {
		const struct oc_proposal *p = &ps->v[i];

		put(&buf, &n, &cap, "%u,%s,%s,%s,%u,%s,%u,%u,%.1f,%.1f,%.1f\n",
		    p->id, strtab_get(&ps->tenants, p->tenant),
		    strtab_get(&ps->orgs, p->org),
		    opencall_category_name(p->category), p->region,
		    strtab_get(&pool->model_names, (uint32_t)p->model),
		    p->servers, p->months, p->scores[0], p->scores[1],
		    p->scores[2]);
	}
	if (len != NULL)
		*len = n;
	return buf;
}

void
proposals_synth_2026(struct proposals_synth_opts *o, const struct pool *pool)
{
	memset(o, 0, sizeof *o);
	o->nproposals = 514;
	o->total_servers = 1714;
	o->model[0] = pool != NULL ? pool_model_find(pool, "H200") : -1;
	o->model[1] = pool != NULL ? pool_model_find(pool, "B200") : -1;
	o->cap[0] = 32;
	o->cap[1] = 16;
	o->share0 = o->model[0] < 0 ? 0 : o->model[1] < 0 ? 1 : 0.5;
	o->max_months = 12;
	o->mix[OC_ACADEMIA] = 0.621;
	o->mix[OC_INSTITUTE] = 0.074;
	o->mix[OC_SME] = 0.25;
	o->mix[OC_LARGE] = 0.055;
	o->orgs[OC_ACADEMIA] = 120;
	o->orgs[OC_INSTITUTE] = 25;
	o->orgs[OC_SME] = 150;
	o->orgs[OC_LARGE] = 12;
	o->capital_share = 0.6;
	o->nregions = 14;
	o->score_mean = 72;
	o->score_sd = 9;
	o->criterion_sd = 5;
}

static int
synth_check(const struct proposals_synth_opts *o, struct err *e)
{
	double mix = 0;
	uint64_t most;

	if (o->nproposals < 1 || o->nproposals > SYNTH_MAX_N)
		return err_set(e, ERR_INVALID, "synth: nproposals: %u: expected "
		    "1..%d", o->nproposals, SYNTH_MAX_N);
	if (!(o->share0 >= 0 && o->share0 <= 1) ||
	    (o->model[0] < 0 && o->share0 > 0) ||
	    (o->model[1] < 0 && o->share0 < 1))
		return err_set(e, ERR_INVALID, "synth: share0: %g: expected 0..1"
		    ", and 0 or 1 when a model is absent", o->share0);
	for (int m = 0; m < 2; m++)
		if (o->cap[m] < 1 || o->cap[m] > SYNTH_MAX_CAP ||
		    o->model[m] >= POOL_MAX_MODELS)
			return err_set(e, ERR_INVALID, "synth: cap[%d]: %u: "
			    "expected 1..%d", m, o->cap[m], SYNTH_MAX_CAP);
	most = (uint64_t)o->nproposals * (o->cap[0] > o->cap[1] ? o->cap[0] :
					  o->cap[1]);
	if (o->total_servers < o->nproposals || o->total_servers > most)
		return err_set(e, ERR_INVALID, "synth: total_servers: %u: "
		    "expected nproposals..nproposals x cap", o->total_servers);
	if (o->max_months < 1 || o->max_months > PROPOSALS_MAX_MONTHS)
		return err_set(e, ERR_INVALID, "synth: max_months: %u: expected "
		    "1..%d", o->max_months, PROPOSALS_MAX_MONTHS);
	for (int c = 0; c < OC_NCATEGORIES; c++) {
		if (!(o->mix[c] >= 0 && o->mix[c] <= 1))
			return err_set(e, ERR_INVALID, "synth: mix[%s]: %g: "
			    "expected 0..1", opencall_category_name(c),
			    o->mix[c]);
		if (o->mix[c] > 0 &&
		    (o->orgs[c] < 1 || o->orgs[c] > SYNTH_MAX_ORGS))
			return err_set(e, ERR_INVALID, "synth: orgs[%s]: %u: "
			    "expected 1..%d", opencall_category_name(c),
			    o->orgs[c], SYNTH_MAX_ORGS);
		mix += o->mix[c];
	}
	if (!(fabs(mix - 1) < 1e-6))
		return err_set(e, ERR_INVALID, "synth: mix: sums to %g, "
		    "expected 1", mix);
	if (!(o->capital_share >= 0 && o->capital_share <= 1) ||
	    (o->nregions == 0 && o->capital_share < 1) || o->nregions > 255)
		return err_set(e, ERR_INVALID, "synth: capital_share %g with %u "
		    "regions: expected 0..1 (1 when there are none), regions "
		    "<= 255", o->capital_share, o->nregions);
	if (!(o->score_mean >= 0 && o->score_mean <= 100) ||
	    !(o->score_sd >= 0 && o->score_sd <= 100) ||
	    !(o->criterion_sd >= 0 && o->criterion_sd <= 100))
		return err_set(e, ERR_INVALID, "synth: score_mean, score_sd, "
		    "criterion_sd: expected 0..100");
	return 0;
}

static double
normal(struct rng *r)
{
	double u1 = 1 - rng_double(r), u2 = rng_double(r);

	return sqrt(-2 * log(u1)) * cos(2 * SYNTH_PI * u2);
}

/* Power-law CDF on 1..cap with exponent a into cdf[0..cap). */
static void
power_cdf(double a, uint32_t cap, double *cdf)
{
	double sum = 0;

	for (uint32_t k = 1; k <= cap; k++) {
		sum += pow((double)k, -a);
		cdf[k - 1] = sum;
	}
	for (uint32_t k = 0; k < cap; k++)
		cdf[k] /= sum;
}

static uint32_t
draw_cdf(const double *cdf, uint32_t cap, double u)
{
	uint32_t lo = 0, hi = cap - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (u < cdf[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo + 1;
}

/* Sizes for exponent a from the fixed uniforms u; returns their sum. */
static uint64_t
sizes_for(double a, const struct proposals_synth_opts *o, const uint8_t *m,
	  const double *u, uint32_t *size, double *cdf0, double *cdf1)
{
	uint64_t sum = 0;

	power_cdf(a, o->cap[0], cdf0);
	power_cdf(a, o->cap[1], cdf1);
	for (uint32_t i = 0; i < o->nproposals; i++) {
		size[i] = m[i] == 0 ? draw_cdf(cdf0, o->cap[0], u[i]) :
		    draw_cdf(cdf1, o->cap[1], u[i]);
		sum += size[i];
	}
	return sum;
}

/* Servers asked: a truncated power law, total exactly o->total_servers. */
static void
synth_sizes(const struct proposals_synth_opts *o, struct rng *r,
	    const uint8_t *m, uint32_t *size)
{
	uint32_t n = o->nproposals;
	double *u = xmalloc(n * sizeof *u);
	double *cdf0 = xmalloc(o->cap[0] * sizeof *cdf0);
	double *cdf1 = xmalloc(o->cap[1] * sizeof *cdf1);
	double lo = -10, hi = 10;
	uint64_t sum;

	for (uint32_t i = 0; i < n; i++)
		u[i] = rng_double(r);
	/* The total falls as the exponent grows: the smallest exponent
	 * whose total is at most the target. */
	for (int it = 0; it < 60; it++) {
		double mid = (lo + hi) / 2;

		if (sizes_for(mid, o, m, u, size, cdf0, cdf1) > o->total_servers)
			lo = mid;
		else
			hi = mid;
	}
	sum = sizes_for(hi, o, m, u, size, cdf0, cdf1);
	/* The last servers of difference, one at a time at random
	 * proposals that can take them (scanning on from a random one). */
	while (sum != o->total_servers) {
		uint32_t i = (uint32_t)rng_below(r, n);
		int up = sum < o->total_servers;

		for (;; i = (i + 1) % n) {
			uint32_t cap = o->cap[m[i]];

			if (up ? size[i] < cap : size[i] > 1)
				break;
		}
		size[i] = up ? size[i] + 1 : size[i] - 1;
		sum = up ? sum + 1 : sum - 1;
	}
	free(u);
	free(cdf0);
	free(cdf1);
}

struct skey {
	double comp;
	uint32_t i;
};

static int
cmp_skey(const void *va, const void *vb)
{
	const struct skey *a = va, *b = vb;

	if (a->comp != b->comp)
		return a->comp > b->comp ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Deals categories along the score order so that every top slice asks
 * servers in the mix: each proposal goes to the category furthest below
 * its share of the servers dealt so far (ties to the lower category).
 * The choice is made before the proposal's own size is looked at, so
 * sizes stay independent of categories. */
static void
deal_categories(const struct proposals_synth_opts *o, struct oc_proposal *v)
{
	uint32_t n = o->nproposals;
	struct skey *k = xmalloc(n * sizeof *k);
	double cum[OC_NCATEGORIES] = {0}, tot = 0;

	for (uint32_t i = 0; i < n; i++) {
		k[i].comp = (v[i].scores[0] + v[i].scores[1] + v[i].scores[2]) /
		    3;
		k[i].i = i;
	}
	qsort(k, n, sizeof *k, cmp_skey);
	for (uint32_t j = 0; j < n; j++) {
		struct oc_proposal *p = &v[k[j].i];
		double best = -INFINITY;
		int bc = 0;

		for (int c = 0; c < OC_NCATEGORIES; c++) {
			double d = o->mix[c] * tot - cum[c];

			if (o->mix[c] > 0 && d > best) {
				best = d;
				bc = c;
			}
		}
		p->category = (uint8_t)bc;
		cum[bc] += p->servers;
		tot += p->servers;
	}
	free(k);
}

static double
clamp_score(double x)
{
	x = round(x * 10) / 10;
	return x < 0 ? 0 : x > 100 ? 100 : x;
}

int
proposals_synth(const struct proposals_synth_opts *o, uint64_t seed,
		struct proposals *ps, struct err *e)
{
	uint32_t n, n0, ncap;
	uint8_t *m, *reg;
	uint32_t *size, *perm;
	struct oc_proposal *v;
	double *org_cdf[OC_NCATEGORIES] = {0};
	struct rng r;
	char name[32];
	int rc;

	if ((rc = synth_check(o, e)) != 0)
		return rc;
	if (ps->n != 0)
		return err_set(e, ERR_INVALID, "synth: the proposal list is "
		    "not empty");
	n = o->nproposals;
	rng_seed(&r, seed);
	/* Models: exactly round(share0 * n) ask model[0]. */
	m = xcalloc(n, 1);
	n0 = (uint32_t)floor(o->share0 * n + 0.5);
	for (uint32_t i = n0; i < n; i++)
		m[i] = 1;
	rng_shuffle(&r, m, n, 1);
	size = xmalloc(n * sizeof *size);
	synth_sizes(o, &r, m, size);
	v = xcalloc(n, sizeof *v);
	for (uint32_t i = 0; i < n; i++) {
		double q = o->score_mean + o->score_sd * normal(&r);

		v[i].model = o->model[m[i]];
		v[i].servers = size[i];
		for (int k = 0; k < PROPOSALS_NCRITERIA; k++)
			v[i].scores[k] = clamp_score(q + o->criterion_sd *
						     normal(&r));
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = o->max_months < 3 ? o->max_months : 3;

		if (rng_double(&r) < 0.6)
			v[i].months = o->max_months;
		else
			v[i].months = lo + (uint32_t)rng_below(&r,
			    o->max_months - lo + 1);
	}
	/* Regions: exactly round(capital_share * n) in region 0, the rest
	 * uniform over 1..nregions, shuffled over the proposals. */
	reg = xcalloc(n, 1);
	ncap = (uint32_t)floor(o->capital_share * n + 0.5);
	for (uint32_t i = ncap; i < n; i++)
		reg[i] = (uint8_t)(1 + rng_below(&r, o->nregions));
	rng_shuffle(&r, reg, n, 1);
	for (uint32_t i = 0; i < n; i++)
		v[i].region = reg[i];
	free(reg);
	perm = xmalloc(n * sizeof *perm);
	deal_categories(o, v);
	/* Organisations: Zipf(1) over each category's (big ones apply
	 * often). */
	for (int c = 0; c < OC_NCATEGORIES; c++) {
		if (o->mix[c] <= 0)
			continue;
		org_cdf[c] = xmalloc(o->orgs[c] * sizeof *org_cdf[c]);
		power_cdf(1, o->orgs[c], org_cdf[c]);
	}
	/* Output order: a shuffle, ids 1..n, tenants p0001.. in it. */
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	rng_shuffle(&r, perm, n, sizeof *perm);
	ps->v = xgrow(ps->v, &ps->cap, n, sizeof *ps->v);
	for (uint32_t j = 0; j < n; j++) {
		struct oc_proposal p = v[perm[j]];
		uint32_t k;

		p.id = j + 1;
		snprintf(name, sizeof name, "p%04u", p.id);
		p.tenant = strtab_intern(&ps->tenants, name, strlen(name));
		k = draw_cdf(org_cdf[p.category], o->orgs[p.category],
			     rng_double(&r));
		snprintf(name, sizeof name, "%s-%03u", org_prefix[p.category],
			 k);
		p.org = strtab_intern(&ps->orgs, name, strlen(name));
		ps->v[ps->n++] = p;
	}
	for (int c = 0; c < OC_NCATEGORIES; c++)
		free(org_cdf[c]);
	free(perm);
	free(v);
	free(size);
	free(m);
	return 0;
}

void
proposals_capacity(const struct proposals *ps, uint32_t total, int nmodels,
		   uint32_t *cap)
{
	uint64_t asked[POOL_MAX_MODELS] = {0}, sum = 0, given = 0;
	uint64_t rem[POOL_MAX_MODELS] = {0};

	ALLOT_ASSERT(nmodels >= 0 && nmodels <= POOL_MAX_MODELS);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].model >= 0 && ps->v[i].model < nmodels) {
			asked[ps->v[i].model] += ps->v[i].servers;
			sum += ps->v[i].servers;
		}
	for (int k = 0; k < nmodels; k++) {
		cap[k] = sum ? (uint32_t)(asked[k] * total / sum) : 0;
		rem[k] = sum ? asked[k] * total % sum : 0;
		given += cap[k];
	}
	while (sum > 0 && given < total) {
		int best = -1;

		for (int k = 0; k < nmodels; k++)
			if (asked[k] > 0 && (best < 0 || rem[k] > rem[best]))
				best = k;
		if (best < 0)  /* cannot happen: sum > 0 means a model asked */
			break;
		cap[best]++;
		rem[best] = 0;
		given++;
	}
}
