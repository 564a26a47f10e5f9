/*
 * svc_ledger.c — the live service's ledger view (svc_ledger_json, see
 * svc.h): the finished runs' usage rows booked against the grants by the
 * same ledger the simulator uses (ledger/ledger.h, docs/LEDGER.md):
 * GPU-hours and won per account, grant and model, and the programs'
 * budgets drawn.
 *
 * The grants and tenants are copied under the state lock (the ledger
 * indexes grants by position, so the copy is renumbered 0..n-1 and the
 * store ids are kept beside it); the usage rows and programs are read from
 * the store after the lock is dropped.  Nothing here is kept between
 * calls: each request books its period afresh.
 */
#include "api/svc.h"
#include "api/svc_int.h"

#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "util/alloc.h"

struct lctx {
	struct ledger *l;
	int64_t from, to;
	size_t booked, skipped;
	struct err *e;
	int rc;
};

static int
book(void *ctx, const struct db_usage *u)
{
	struct lctx *c = ctx;
	struct ledger_usage r;
	struct err e;

	memset(&r, 0, sizeof r);
	r.tenant = u->tenant;
	r.model = u->model;
	r.start = u->start > c->from ? u->start : c->from;
	r.end = u->end < c->to ? u->end : c->to;
	r.gpu_milli = u->gpu_milli;
	r.grant = LEDGER_NO_GRANT;
	if (r.end <= r.start || r.gpu_milli <= 0) {
		c->skipped++;
		return 0;
	}
	if (ledger_add_usage(c->l, &r, &e) != 0) {
		/* a row of a tenant or model the service no longer has */
		c->skipped++;
		return 0;
	}
	c->booked++;
	return 0;
}

static int
budget(void *ctx, const struct db_program *p)
{
	struct lctx *c = ctx;

	if (p->budget_won > 0 && ledger_set_budget(c->l, p->id, p->budget_won,
						   c->e) != 0)
		c->rc = c->e ? c->e->code : ERR_INVALID;
	return 0;
}

/* Sums the ledger's daily rows per (tenant, grant, model). */
struct agg {
	uint32_t tenant;
	long grant;
	int model;
	int64_t milli_s;
	struct ledger_won won;
};

static void
won_add(struct ledger_won *a, struct ledger_won b)
{
	a->whole += b.whole;
	a->rem += b.rem;
	if (a->rem >= LEDGER_MILLI_HOUR) {
		a->whole += a->rem / LEDGER_MILLI_HOUR;
		a->rem %= LEDGER_MILLI_HOUR;
	}
}

json_t *
svc_ledger_json(struct svc *s, uint32_t tenant, int64_t from, int64_t to,
		struct err *e)
{
	struct grants gs;
	struct ledger l;
	struct lctx c;
	uint32_t *gid = NULL, ntenants;
	struct agg *ag = NULL;
	size_t nag = 0, cag = 0;
	json_t *rows, *tot, *progs, *o;
	int rc;

	grants_init(&gs);
	pthread_mutex_lock(&s->mu);
	ntenants = (uint32_t)s->tenants.n;
	gid = xcalloc(s->grants.n + 1, sizeof *gid);
	for (size_t i = 0; i < s->grants.n; i++) {
		struct grant g = s->grants.v[i];
		gid[gs.n] = g.id;
		if (grants_add(&gs, &g, (int)s->pool.model_names.n, NULL) < 0)
			continue;
	}
	rc = ledger_init(&l, 0, &s->pool, &gs, ntenants, e);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		grants_free(&gs);
		free(gid);
		return NULL;
	}
	memset(&c, 0, sizeof c);
	c.l = &l;
	c.from = from;
	c.to = to;
	c.e = e;
	if (db_programs_load(s->db, budget, &c, e) != 0 || c.rc != 0 ||
	    db_usage_load(s->db, tenant, from, to, book, &c, e) != 0) {
		ledger_free(&l);
		grants_free(&gs);
		free(gid);
		return NULL;
	}
	for (size_t i = 0; i < ledger_nrows(&l); i++) {
		const struct ledger_row *r = ledger_row(&l, i);
		size_t k;

		for (k = 0; k < nag; k++)
			if (ag[k].tenant == r->tenant && ag[k].grant == r->grant &&
			    ag[k].model == r->model)
				break;
		if (k == nag) {
			ag = xgrow(ag, &cag, nag + 1, sizeof *ag);
			memset(&ag[nag], 0, sizeof ag[nag]);
			ag[nag].tenant = r->tenant;
			ag[nag].grant = r->grant;
			ag[nag].model = r->model;
			nag++;
		}
		ag[k].milli_s += r->milli_s;
		won_add(&ag[k].won, r->won);
	}
	rows = json_array();
	tot = json_array();
	progs = json_array();
	pthread_mutex_lock(&s->mu);
	for (size_t k = 0; k < nag; k++) {
		json_t *r = json_pack("{s:s, s:s, s:f, s:I}",
			"account", svc__tenant_name(s, ag[k].tenant),
			"model", strtab_get(&s->pool.model_names,
					    (uint32_t)ag[k].model),
			"gpu_hours", (double)ag[k].milli_s / LEDGER_MILLI_HOUR,
			"won", (json_int_t)ledger_won_round(ag[k].won));
		json_object_set_new(r, "grant", ag[k].grant == LEDGER_BORROWED ?
				    json_null() : json_integer(gid[ag[k].grant]));
		json_array_append_new(rows, r);
	}
	for (uint32_t t = 1; t < ntenants; t++) {
		int64_t ms = ledger_tenant_milli_s(&l, t);
		if (ms == 0 || (tenant != UINT32_MAX && t != tenant))
			continue;
		json_array_append_new(tot, json_pack("{s:s, s:f, s:I}",
			"account", svc__tenant_name(s, t),
			"gpu_hours", (double)ms / LEDGER_MILLI_HOUR,
			"won", (json_int_t)ledger_tenant_won(&l, t)));
	}
	pthread_mutex_unlock(&s->mu);
	/* Budgets are the programs' business: only in the all-accounts view. */
	for (uint32_t p = 1; tenant == UINT32_MAX && p < l.nprograms; p++) {
		struct ledger_program lp;
		ledger_program_budget(&l, p, &lp);
		if (lp.budget == 0 && lp.drawn == 0)
			continue;
		json_array_append_new(progs, json_pack(
			"{s:I, s:I, s:I, s:I, s:b}", "program", (json_int_t)p,
			"budget_won", (json_int_t)lp.budget,
			"drawn_won", (json_int_t)lp.drawn,
			"remaining_won", (json_int_t)lp.remaining, "over", lp.over));
	}
	o = json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:I}", "rows", rows,
		      "accounts", tot, "programs", progs,
		      "runs_booked", (json_int_t)c.booked,
		      "runs_skipped", (json_int_t)c.skipped,
		      "from", (json_int_t)from, "to", (json_int_t)to);
	free(ag);
	ledger_free(&l);
	grants_free(&gs);
	free(gid);
	return o;
}
