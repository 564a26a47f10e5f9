/*
 * bench-ledger.c — the usage ledger at national scale: 300,000 usage
 * records in start order (what `allot run korea-2026` books after its
 * simulation) over 1,300 grants, 1,000 tenants, 4 GPU models and 730
 * days, through ledger_add_usage; records per second.  The old
 * algorithm (every booking kept as a span and scanned for every piece,
 * every grant scanned, rows found by a linear scan) cannot finish the
 * full set in reasonable time, so both run on the first 20,000 records
 * and the ratio is printed; the two must give the same rows and totals
 * (checked here; exit 1 otherwise).  The world is random but seeded:
 * the same on every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"
#include "util/alloc.h"
#include "util/rng.h"

#define NTENANTS 1000
#define NGRANTS 1300
#define NMODELS 4
#define NDAYS 730
#define NRECORDS 300000
#define NSUBSET 20000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_start(const void *a, const void *b)
{
	const struct ledger_usage *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/*
 * The reference: the ledger's algorithm before the indexes (commit
 * f46e4ee), kept only for this comparison.
 */
struct old_span {
	long grant;
	int64_t start, end, milli;
};

struct old {
	const struct grants *gs;
	uint64_t borrow[NMODELS];
	struct ledger_row *rows;
	size_t nrows, cap_rows;
	struct old_span *spans;
	size_t nspans, cap_spans;
	struct ledger_won tenant_won[NTENANTS];
	int64_t tenant_milli_s[NTENANTS];
};

struct old_book {
	long grant;
	int64_t day, start, end, take;
	uint64_t price;
};

static void
old_won_add(struct ledger_won *w, int64_t num)
{
	w->whole += num / LEDGER_MILLI_HOUR;
	w->rem += num % LEDGER_MILLI_HOUR;
	if (w->rem >= LEDGER_MILLI_HOUR) {
		w->whole++;
		w->rem -= LEDGER_MILLI_HOUR;
	}
}

static int
old_mine(const struct old *o, long g, const struct ledger_usage *r)
{
	return o->gs->v[g].tenant == r->tenant && o->gs->v[g].model == r->model;
}

static int64_t
old_free(const struct old *o, long g, int64_t t)
{
	int64_t used = 0, cap = o->gs->v[g].gpus * MILLI;

	for (size_t i = 0; i < o->nspans; i++)
		if (o->spans[i].grant == g && o->spans[i].start <= t &&
		    t < o->spans[i].end)
			used += o->spans[i].milli;
	return used >= cap ? 0 : cap - used;
}

static void
old_add(struct old *o, const struct ledger_usage *r)
{
	struct old_book *bk = NULL;
	size_t nb = 0, cap = 0;
	int64_t t = r->start;

	while (t < r->end) {
		int64_t day = t / LEDGER_DAY, left = r->gpu_milli;
		int64_t next = (day + 1) * LEDGER_DAY;

		if (next > r->end)
			next = r->end;
		for (size_t g = 0; g < o->gs->n; g++) {
			const struct grant *gr = &o->gs->v[g];

			if (!old_mine(o, (long)g, r))
				continue;
			if (gr->start > t && gr->start < next)
				next = gr->start;
			if (gr->end > t && gr->end < next)
				next = gr->end;
		}
		for (size_t i = 0; i < o->nspans; i++) {
			const struct old_span *s = &o->spans[i];

			if (!old_mine(o, s->grant, r))
				continue;
			if (s->start > t && s->start < next)
				next = s->start;
			if (s->end > t && s->end < next)
				next = s->end;
		}
		for (long k = -1; k < (long)o->gs->n && left > 0; k++) {
			long g = k < 0 ? r->grant : k;
			int64_t take;

			if (g < 0 || (k >= 0 && g == r->grant) ||
			    !old_mine(o, g, r) ||
			    !grant_active(&o->gs->v[g], t))
				continue;
			take = old_free(o, g, t);
			if (take > left)
				take = left;
			if (take == 0)
				continue;
			bk = xgrow(bk, &cap, nb + 1, sizeof *bk);
			bk[nb++] = (struct old_book){
				g, day, t, next, take,
				o->gs->v[g].price_won_hour };
			left -= take;
		}
		if (left > 0) {
			bk = xgrow(bk, &cap, nb + 1, sizeof *bk);
			bk[nb++] = (struct old_book){ LEDGER_BORROWED, day, t,
						      next, left,
						      o->borrow[r->model] };
		}
		t = next;
	}
	for (size_t b = 0; b < nb; b++) {
		int64_t ms = bk[b].take * (bk[b].end - bk[b].start);
		int64_t num = ms * (int64_t)bk[b].price;
		struct ledger_row *row = NULL;

		for (size_t i = o->nrows; i-- > 0;)
			if (o->rows[i].tenant == r->tenant &&
			    o->rows[i].grant == bk[b].grant &&
			    o->rows[i].model == r->model &&
			    o->rows[i].day == bk[b].day) {
				row = &o->rows[i];
				break;
			}
		if (row == NULL) {
			o->rows = xgrow(o->rows, &o->cap_rows, o->nrows + 1,
					sizeof *o->rows);
			row = &o->rows[o->nrows++];
			memset(row, 0, sizeof *row);
			row->tenant = r->tenant;
			row->grant = bk[b].grant;
			row->model = r->model;
			row->day = bk[b].day;
		}
		row->milli_s += ms;
		old_won_add(&row->won, num);
		o->tenant_milli_s[r->tenant] += ms;
		old_won_add(&o->tenant_won[r->tenant], num);
		if (bk[b].grant != LEDGER_BORROWED) {
			o->spans = xgrow(o->spans, &o->cap_spans,
					 o->nspans + 1, sizeof *o->spans);
			o->spans[o->nspans++] = (struct old_span){
				bk[b].grant, bk[b].start, bk[b].end,
				bk[b].take };
		}
	}
	free(bk);
}

/* Same rows (in order) and tenant totals in l and o. */
static int
same(const struct ledger *l, const struct old *o)
{
	if (ledger_nrows(l) != o->nrows)
		return 0;
	for (size_t i = 0; i < o->nrows; i++) {
		const struct ledger_row *a = ledger_row(l, i), *b = &o->rows[i];

		if (a->tenant != b->tenant || a->grant != b->grant ||
		    a->model != b->model || a->day != b->day ||
		    a->milli_s != b->milli_s || a->won.whole != b->won.whole ||
		    a->won.rem != b->won.rem)
			return 0;
	}
	for (uint32_t t = 0; t < NTENANTS; t++)
		if (ledger_tenant_milli_s(l, t) != o->tenant_milli_s[t] ||
		    ledger_tenant_won(l, t) !=
		    ledger_won_round(o->tenant_won[t]))
			return 0;
	return 1;
}

/* The world: grants of 1-64 GPUs over 30-365 days at subsidised prices;
 * records of 250-8,000 milli-GPUs for 10 min to 3 days (mostly hours),
 * 70% naming one of their tenant's grants. */
static void
world(struct pool *p, struct grants *gs, struct ledger_usage *r)
{
	static const char *names[NMODELS] = { "H100", "H200", "A100", "B200" };
	static const int64_t shares[] = { 250, 500, 1000, 2000, 4000, 8000 };
	struct rng g;
	struct err e = {0};

	rng_seed(&g, 2026);
	pool_init(p);
	grants_init(gs);
	for (int m = 0; m < NMODELS; m++) {
		struct gpu_model gm = { 80, 700, 2000 + 1000 * (uint64_t)m };

		if (pool_model(p, names[m], &gm, &e) < 0)
			goto fail;
	}
	for (int i = 0; i < NGRANTS; i++) {
		struct grant gr;
		int64_t len = (30 + (int64_t)rng_below(&g, 336)) * LEDGER_DAY;

		memset(&gr, 0, sizeof gr);
		gr.tenant = (uint32_t)rng_below(&g, NTENANTS);
		gr.program = (uint32_t)rng_below(&g, 12);
		gr.model = (int)rng_below(&g, NMODELS);
		gr.gpus = 1 + (int64_t)rng_below(&g, 64);
		gr.start = (int64_t)rng_below(&g, (uint64_t)(NDAYS *
				LEDGER_DAY - len));
		gr.end = gr.start + len;
		gr.borrow_limit = GRANT_NO_LIMIT;
		gr.lend_limit = GRANT_NO_LIMIT;
		gr.price_won_hour = 500 * rng_below(&g, 5);
		if (grants_add(gs, &gr, NMODELS, &e) < 0)
			goto fail;
	}
	for (size_t i = 0; i < NRECORDS; i++) {
		struct ledger_usage *u = &r[i];
		double x = rng_double(&g);

		u->grant = LEDGER_NO_GRANT;
		if (rng_below(&g, 10) < 7) {
			long k = (long)rng_below(&g, NGRANTS);

			u->grant = k;
			u->tenant = gs->v[k].tenant;
			u->model = gs->v[k].model;
		} else {
			u->tenant = (uint32_t)rng_below(&g, NTENANTS);
			u->model = (int)rng_below(&g, NMODELS);
		}
		u->start = (int64_t)rng_below(&g, NDAYS * LEDGER_DAY - 1);
		/* 10 min .. 3 days, skewed short (median ~4.7 h) */
		u->end = u->start + 600 + (int64_t)(x * x * x * x *
						    3 * LEDGER_DAY);
		u->gpu_milli = shares[rng_below(&g, 6)];
	}
	qsort(r, NRECORDS, sizeof *r, cmp_start);
	return;
fail:
	fprintf(stderr, "bench-ledger: %s\n", e.msg);
	exit(1);
}

static double
run_fast(const struct pool *p, const struct grants *gs,
	 const struct ledger_usage *r, size_t n, struct ledger *l)
{
	struct err e = {0};
	double t0;

	if (ledger_init(l, 0, p, gs, NTENANTS, &e) != 0)
		goto fail;
	t0 = now_s();
	for (size_t i = 0; i < n; i++)
		if (ledger_add_usage(l, &r[i], &e) != 0)
			goto fail;
	return now_s() - t0;
fail:
	fprintf(stderr, "bench-ledger: %s\n", e.msg);
	exit(1);
}

int
main(void)
{
	struct ledger_usage *r = xmalloc(NRECORDS * sizeof *r);
	struct pool p;
	struct grants gs;
	struct ledger l;
	struct old *o = xcalloc(1, sizeof *o);
	double full, sub, ref;
	size_t rows_full;
	int ok;

	world(&p, &gs, r);
	full = run_fast(&p, &gs, r, NRECORDS, &l);
	rows_full = ledger_nrows(&l);
	ledger_free(&l);
	sub = run_fast(&p, &gs, r, NSUBSET, &l);
	o->gs = &gs;
	for (int m = 0; m < NMODELS; m++)
		o->borrow[m] = p.models[m].price_won_hour;
	{
		double t0 = now_s();

		for (size_t i = 0; i < NSUBSET; i++)
			old_add(o, &r[i]);
		ref = now_s() - t0;
	}
	ok = same(&l, o);
	printf("ledger: %d records in start order, %d grants, %d tenants, "
	       "%d models, %d days\n", NRECORDS, NGRANTS, NTENANTS, NMODELS,
	       NDAYS);
	printf("| records | algorithm | seconds | records/s | rows |\n");
	printf("|---:|---|---:|---:|---:|\n");
	printf("| %d | indexed | %.3f | %.0f | %zu |\n", NRECORDS, full,
	       NRECORDS / full, rows_full);
	printf("| %d | indexed | %.4f | %.0f | %zu |\n", NSUBSET, sub,
	       NSUBSET / sub, ledger_nrows(&l));
	printf("| %d | old (scan all spans, grants, rows) | %.3f | %.0f | "
	       "%zu |\n", NSUBSET, ref, NSUBSET / ref, o->nrows);
	printf("speed-up on %d records: %.0fx; rows and totals %s\n", NSUBSET,
	       ref / sub, ok ? "identical" : "DIFFER");
	ledger_free(&l);
	free(o->rows);
	free(o->spans);
	free(o);
	free(r);
	grants_free(&gs);
	pool_free(&p);
	return ok ? 0 : 1;
}
