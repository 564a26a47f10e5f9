/*
 * test-ledger.c — the usage ledger against hand-computed figures.
 *
 * Fixture: epoch E = 3600 (days run from 01:00); models H100 (market
 * 3000 won/GPU-h) and A100 (1500).  Grants: 0 tenant 1 H100 2 GPUs at
 * 1000 under program 0; 1 tenant 1 H100 4 GPUs at 500 under program 1;
 * 2 tenant 2 H100 1 GPU at 100 for [E, E+1h) under program 1; 3 tenant 3
 * A100 8 GPUs at 0 (academia) under program 2.  Grants 0, 1, 3 last ten
 * days.
 *
 * ledger_reference_* check the indexed ledger against a brute-force model
 * of the rules (struct ref below: every booking kept as a span and
 * scanned, rows found by a linear scan) on random worlds, in start order
 * and out of order, row by row and total by total.
 */
#include <stdint.h>

#include "ledger/ledger.h"
#include "test.h"
#include "util/rng.h"

#define E 3600
#define H 3600
#define D 86400

struct fix {
	struct pool pool;
	struct grants grants;
	struct ledger l;
};

static void
add_grant(struct fix *f, uint32_t tenant, uint32_t program, int model,
	  int64_t gpus, int64_t start, int64_t end, uint64_t price)
{
	struct grant g;
	struct err e;

	memset(&g, 0, sizeof g);
	g.tenant = tenant;
	g.program = program;
	g.model = model;
	g.gpus = gpus;
	g.start = start;
	g.end = end;
	g.borrow_limit = GRANT_NO_LIMIT;
	g.lend_limit = GRANT_NO_LIMIT;
	g.price_won_hour = price;
	CHECK(grants_add(&f->grants, &g, 2, &e) >= 0);
}

static void
fix_init(struct fix *f)
{
	struct gpu_model h100 = { 80, 700, 3000 }, a100 = { 80, 400, 1500 };
	struct err e;

	memset(f, 0, sizeof *f);
	pool_init(&f->pool);
	grants_init(&f->grants);
	CHECK_EQ_INT(pool_model(&f->pool, "H100", &h100, &e), 0);
	CHECK_EQ_INT(pool_model(&f->pool, "A100", &a100, &e), 1);
	add_grant(f, 1, 0, 0, 2, E, E + 10 * D, 1000);
	add_grant(f, 1, 1, 0, 4, E, E + 10 * D, 500);
	add_grant(f, 2, 1, 0, 1, E, E + H, 100);
	add_grant(f, 3, 2, 1, 8, E, E + 10 * D, 0);
	CHECK_EQ_INT(ledger_init(&f->l, E, &f->pool, &f->grants, 4, &e), 0);
}

static void
fix_free(struct fix *f)
{
	ledger_free(&f->l);
	grants_free(&f->grants);
	pool_free(&f->pool);
}

static void
use(struct fix *f, uint32_t tenant, int model, int64_t start, int64_t end,
    int64_t milli, long grant)
{
	struct ledger_usage r = { tenant, model, start, end, milli, grant };
	struct err e;

	err_clear(&e);
	if (ledger_add_usage(&f->l, &r, &e) != 0)
		test_fail(__FILE__, __LINE__, "add_usage: %s", e.msg);
}

static int64_t
row_milli(struct fix *f, uint32_t tenant, long grant, int model, int64_t day)
{
	const struct ledger_row *r = ledger_find(&f->l, tenant, grant, model,
						 day);

	return r ? r->milli_s : -1;
}

static int64_t
row_won(struct fix *f, uint32_t tenant, long grant, int model, int64_t day)
{
	const struct ledger_row *r = ledger_find(&f->l, tenant, grant, model,
						 day);

	return r ? ledger_won_round(r->won) : -1;
}

TEST(ledger_midnight_split)
{
	struct fix f;

	fix_init(&f);
	/* Tenant 0 has no grant: one H100 from 22:00 of day 0 to 01:00 of
	 * day 1 (relative to the epoch), all borrowed at 3000. */
	use(&f, 0, 0, E + D - 2 * H, E + D + H, 1000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(ledger_nrows(&f.l), 2);
	CHECK_EQ_INT(row_milli(&f, 0, LEDGER_BORROWED, 0, 0), 7200000);
	CHECK_EQ_INT(row_milli(&f, 0, LEDGER_BORROWED, 0, 1), 3600000);
	CHECK_EQ_INT(row_won(&f, 0, LEDGER_BORROWED, 0, 0), 6000);
	CHECK_EQ_INT(row_won(&f, 0, LEDGER_BORROWED, 0, 1), 3000);
	CHECK_EQ_INT(ledger_tenant_milli_s(&f.l, 0), 10800000);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 0), 9000);
	/* Exactly at midnight: the instant belongs to the new day. */
	use(&f, 0, 0, E + 2 * D, E + 2 * D + H, 1000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 0, LEDGER_BORROWED, 0, 2), 3600000);
	CHECK(ledger_find(&f.l, 0, LEDGER_BORROWED, 0, 3) == NULL);
	fix_free(&f);
}

TEST(ledger_fractional_share)
{
	struct fix f;

	fix_init(&f);
	/* Half an A100 for 2 h = 1 GPU-hour at 1500. */
	use(&f, 0, 1, E + H, E + 3 * H, 500, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 0, LEDGER_BORROWED, 1, 0), LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 0), 1500);
	fix_free(&f);
}

TEST(ledger_two_grants)
{
	struct fix f;
	struct ledger_program p;

	fix_init(&f);
	/* 5 GPUs for 1 h, no grant named: grant 0 (2 GPUs) first by id,
	 * grant 1 the other 3. */
	use(&f, 1, 0, E, E + H, 5000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 1, 0, 0, 0), 2 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_milli(&f, 1, 1, 0, 0), 3 * LEDGER_MILLI_HOUR);
	CHECK(ledger_find(&f.l, 1, LEDGER_BORROWED, 0, 0) == NULL);
	CHECK_EQ_INT(row_won(&f, 1, 0, 0, 0), 2000);
	CHECK_EQ_INT(row_won(&f, 1, 1, 0, 0), 1500);
	/* Naming grant 1 charges it first: 4 GPUs there, 1 on grant 0. */
	use(&f, 1, 0, E + D, E + D + H, 5000, 1);
	CHECK_EQ_INT(row_milli(&f, 1, 1, 0, 1), 4 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_milli(&f, 1, 0, 0, 1), 1 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 1), 2000 + 1500 + 2000 + 1000);
	ledger_program_budget(&f.l, 0, &p);
	CHECK_EQ_INT(p.drawn, 3000);
	ledger_program_budget(&f.l, 1, &p);
	CHECK_EQ_INT(p.drawn, 3500);
	fix_free(&f);
}

TEST(ledger_borrowed)
{
	struct fix f;
	struct ledger_program p;
	struct err e;

	fix_init(&f);
	/* 8 GPUs for 1 h: 2 on grant 0, 4 on grant 1, 2 borrowed at the
	 * H100 market price 3000. */
	use(&f, 1, 0, E, E + H, 8000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 1, LEDGER_BORROWED, 0, 0),
		     2 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_won(&f, 1, LEDGER_BORROWED, 0, 0), 6000);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 1), 2000 + 2000 + 6000);
	/* Borrowed usage draws on no program. */
	ledger_program_budget(&f.l, 0, &p);
	CHECK_EQ_INT(p.drawn, 2000);
	ledger_program_budget(&f.l, 1, &p);
	CHECK_EQ_INT(p.drawn, 2000);
	/* A configured borrowing price applies to later records. */
	CHECK_EQ_INT(ledger_set_borrow_price(&f.l, 0, 2000, &e), 0);
	use(&f, 1, 0, E + H, E + 2 * H, 8000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_won(&f, 1, LEDGER_BORROWED, 0, 0), 6000 + 4000);
	CHECK_EQ_INT(ledger_set_borrow_price(&f.l, 5, 1, &e), ERR_INVALID);
	CHECK_EQ_INT(ledger_set_borrow_price(&f.l, 0, LEDGER_MAX_PRICE + 1,
					     &e), ERR_INVALID);
	fix_free(&f);
}

TEST(ledger_overlapping_records)
{
	struct fix f;

	fix_init(&f);
	/* A: 2 GPUs E..E+2h fills grant 0.  B: 3 GPUs E+1h..E+3h: the first
	 * hour grant 0 is full, so grant 1 takes 3; the second hour grant 0
	 * is free again and takes 2, grant 1 the other 1. */
	use(&f, 1, 0, E, E + 2 * H, 2000, LEDGER_NO_GRANT);
	use(&f, 1, 0, E + H, E + 3 * H, 3000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 1, 0, 0, 0), 6 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_milli(&f, 1, 1, 0, 0), 4 * LEDGER_MILLI_HOUR);
	CHECK(ledger_find(&f.l, 1, LEDGER_BORROWED, 0, 0) == NULL);
	/* C: 6 GPUs E..E+1h: grant 0 is held by A, grant 1 has 4 free,
	 * 2 are borrowed at 3000. */
	use(&f, 1, 0, E, E + H, 6000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 1, 0, 0, 0), 6 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_milli(&f, 1, 1, 0, 0), 8 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(row_milli(&f, 1, LEDGER_BORROWED, 0, 0),
		     2 * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 1), 6000 + 4000 + 6000);
	fix_free(&f);
}

TEST(ledger_grant_ends_midrecord)
{
	struct fix f;

	fix_init(&f);
	/* Grant 2 (1 GPU at 100) ends at E+1h; the record runs E+30m to
	 * E+90m: 30 min at 100 = 50, 30 min borrowed at 3000 = 1500. */
	use(&f, 2, 0, E + 1800, E + 5400, 1000, 2);
	CHECK_EQ_INT(row_milli(&f, 2, 2, 0, 0), 1800000);
	CHECK_EQ_INT(row_milli(&f, 2, LEDGER_BORROWED, 0, 0), 1800000);
	CHECK_EQ_INT(row_won(&f, 2, 2, 0, 0), 50);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 2), 1550);
	fix_free(&f);
}

TEST(ledger_academia_free)
{
	struct fix f;
	struct ledger_program p;
	struct err e;

	fix_init(&f);
	CHECK_EQ_INT(ledger_set_budget(&f.l, 2, 0, &e), 0);
	/* 8 A100 for 10 h at price 0: 80 GPU-hours, 0 won. */
	use(&f, 3, 1, E, E + 10 * H, 8000, LEDGER_NO_GRANT);
	CHECK_EQ_INT(row_milli(&f, 3, 3, 1, 0), 80LL * LEDGER_MILLI_HOUR);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 3), 0);
	ledger_program_budget(&f.l, 2, &p);
	CHECK_EQ_INT(p.budget, 0);
	CHECK_EQ_INT(p.drawn, 0);
	CHECK_EQ_INT(p.remaining, 0);
	CHECK_EQ_INT(p.over, 0);
	fix_free(&f);
}

TEST(ledger_budget_overrun)
{
	struct fix f;
	struct ledger_program p;
	struct err e;

	fix_init(&f);
	CHECK_EQ_INT(ledger_set_budget(&f.l, 0, 2500, &e), 0);
	CHECK_EQ_INT(ledger_set_budget(&f.l, 0, -1, &e), ERR_INVALID);
	use(&f, 1, 0, E, E + H, 2000, 0);  /* 2 GPU-h at 1000 */
	ledger_program_budget(&f.l, 0, &p);
	CHECK_EQ_INT(p.budget, 2500);
	CHECK_EQ_INT(p.drawn, 2000);
	CHECK_EQ_INT(p.remaining, 500);
	CHECK_EQ_INT(p.over, 0);
	use(&f, 1, 0, E + H, E + 2 * H, 1000, 0);
	ledger_program_budget(&f.l, 0, &p);
	CHECK_EQ_INT(p.drawn, 3000);
	CHECK_EQ_INT(p.remaining, -500);
	CHECK_EQ_INT(p.over, 1);
	/* A program never mentioned reads as zeros. */
	ledger_program_budget(&f.l, 99, &p);
	CHECK_EQ_INT(p.budget, 0);
	CHECK_EQ_INT(p.over, 0);
	fix_free(&f);
}

TEST(ledger_rounding_once)
{
	struct fix f;

	fix_init(&f);
	/* 1 milli-GPU for 600 s at 3000 = 0.5 won each time; two records
	 * sum to exactly 1 won (not 0.5 rounded twice = 2). */
	use(&f, 0, 0, E, E + 600, 1, LEDGER_NO_GRANT);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 0), 1);  /* 0.5 rounds up */
	use(&f, 0, 0, E + 600, E + 1200, 1, LEDGER_NO_GRANT);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 0), 1);
	CHECK_EQ_INT(ledger_tenant_milli_s(&f.l, 0), 1200);
	/* 1 milli-second more at 3000 = 1/1200 won: still 1. */
	use(&f, 0, 0, E + 1200, E + 1201, 1, LEDGER_NO_GRANT);
	CHECK_EQ_INT(ledger_tenant_won(&f.l, 0), 1);
	fix_free(&f);
}

static void
bad(struct fix *f, struct ledger_usage r, const char *field)
{
	struct err e;

	err_clear(&e);
	CHECK_EQ_INT(ledger_add_usage(&f->l, &r, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, field);
	CHECK_EQ_INT(ledger_nrows(&f->l), 1);
	CHECK_EQ_INT(ledger_tenant_milli_s(&f->l, 1), 2 * LEDGER_MILLI_HOUR);
}

TEST(ledger_bad_records)
{
	struct fix f;
	struct ledger_usage ok = { 1, 0, E, E + H, 2000, LEDGER_NO_GRANT };
	struct ledger_usage r;

	fix_init(&f);
	use(&f, 1, 0, E, E + H, 2000, LEDGER_NO_GRANT);
	r = ok; r.end = r.start - 1; bad(&f, r, "end:");
	r = ok; r.end = r.start; bad(&f, r, "end:");
	r = ok; r.tenant = 4; bad(&f, r, "tenant:");
	r = ok; r.model = 2; bad(&f, r, "model:");
	r = ok; r.model = -1; bad(&f, r, "model:");
	r = ok; r.gpu_milli = -500; bad(&f, r, "gpu_milli:");
	r = ok; r.gpu_milli = 0; bad(&f, r, "gpu_milli:");
	r = ok; r.start = E - 1; bad(&f, r, "start:");
	r = ok; r.grant = 7; bad(&f, r, "grant:");
	r = ok; r.grant = 2; bad(&f, r, "grant:");  /* tenant 2's grant */
	r = ok; r.grant = 3; r.tenant = 3; bad(&f, r, "grant:"); /* A100 */
	fix_free(&f);
}

TEST(ledger_init_checks_prices)
{
	struct pool pool;
	struct grants gs;
	struct ledger l;
	struct gpu_model dear = { 80, 700, LEDGER_MAX_PRICE + 1 };
	struct err e;

	pool_init(&pool);
	grants_init(&gs);
	CHECK_EQ_INT(pool_model(&pool, "X", &dear, &e), 0);
	CHECK_EQ_INT(ledger_init(&l, 0, &pool, &gs, 1, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "price_won_hour");
	ledger_free(&l);
	grants_free(&gs);
	pool_free(&pool);
}

/*
 * The brute-force model: docs/LEDGER.md rules 2-8 written as directly as
 * possible.  Each piece's end is the least of the day's end, the
 * record's end and every start and end (after t) of a grant of the
 * tenant and model or of a span on one; a grant's free capacity is its
 * capacity less every span covering t.
 */
struct ref_span {
	long grant;
	int64_t start, end, milli;
};

struct ref {
	int64_t epoch;
	const struct pool *pool;
	const struct grants *gs;
	uint32_t ntenants;
	uint64_t borrow[POOL_MAX_MODELS];
	struct ledger_row rows[4096];
	size_t nrows;
	struct ref_span spans[65536];
	size_t nspans;
	struct ledger_won tenant_won[8], program_won[8];
	int64_t tenant_milli_s[8];
};

struct ref_book {
	long grant;
	int64_t day, start, end, take;
	uint64_t price;
};

static int
ref_mine(const struct ref *f, long g, const struct ledger_usage *r)
{
	return f->gs->v[g].tenant == r->tenant && f->gs->v[g].model == r->model;
}

static int64_t
ref_free(const struct ref *f, long g, int64_t t)
{
	int64_t used = 0, cap = f->gs->v[g].gpus * 1000;

	for (size_t i = 0; i < f->nspans; i++)
		if (f->spans[i].grant == g && f->spans[i].start <= t &&
		    t < f->spans[i].end)
			used += f->spans[i].milli;
	return used >= cap ? 0 : cap - used;
}

static void
ref_won_add(struct ledger_won *w, int64_t num)
{
	int64_t sum = w->rem + num % LEDGER_MILLI_HOUR;

	w->whole += num / LEDGER_MILLI_HOUR + sum / LEDGER_MILLI_HOUR;
	w->rem = sum % LEDGER_MILLI_HOUR;
}

static int
ref_add(struct ref *f, const struct ledger_usage *r)
{
	struct ref_book bk[4096];
	size_t nb = 0;
	int64_t t = r->start;

	if (r->tenant >= f->ntenants || r->model < 0 ||
	    (size_t)r->model >= f->pool->model_names.n || r->gpu_milli <= 0 ||
	    r->gpu_milli > LEDGER_MAX_MILLI || r->start < f->epoch ||
	    r->end <= r->start)
		return ERR_INVALID;
	if (r->grant != LEDGER_NO_GRANT &&
	    (r->grant < 0 || (size_t)r->grant >= f->gs->n ||
	     !ref_mine(f, r->grant, r)))
		return ERR_INVALID;
	while (t < r->end) {
		int64_t day = (t - f->epoch) / LEDGER_DAY, left = r->gpu_milli;
		int64_t next = f->epoch + (day + 1) * LEDGER_DAY, cand[2];

		if (next > r->end)
			next = r->end;
		for (size_t g = 0; g < f->gs->n; g++) {
			if (!ref_mine(f, (long)g, r))
				continue;
			cand[0] = f->gs->v[g].start;
			cand[1] = f->gs->v[g].end;
			for (int k = 0; k < 2; k++)
				if (cand[k] > t && cand[k] < next)
					next = cand[k];
		}
		for (size_t i = 0; i < f->nspans; i++) {
			if (!ref_mine(f, f->spans[i].grant, r))
				continue;
			cand[0] = f->spans[i].start;
			cand[1] = f->spans[i].end;
			for (int k = 0; k < 2; k++)
				if (cand[k] > t && cand[k] < next)
					next = cand[k];
		}
		/* named grant first (k = -1), then every grant by id */
		for (long k = -1; k < (long)f->gs->n && left > 0; k++) {
			long g = k < 0 ? r->grant : k;
			int64_t take;

			if (g < 0 || (k >= 0 && g == r->grant) ||
			    !ref_mine(f, g, r) ||
			    !grant_active(&f->gs->v[g], t))
				continue;
			take = ref_free(f, g, t);
			if (take > left)
				take = left;
			if (take == 0)
				continue;
			CHECK(nb < 4096);
			bk[nb++] = (struct ref_book){
				g, day, t, next, take,
				f->gs->v[g].price_won_hour };
			left -= take;
		}
		if (left > 0) {
			CHECK(nb < 4096);
			bk[nb++] = (struct ref_book){ LEDGER_BORROWED, day, t,
						      next, left,
						      f->borrow[r->model] };
		}
		t = next;
	}
	for (size_t b = 0; b < nb; b++) {
		int64_t ms = bk[b].take * (bk[b].end - bk[b].start);
		int64_t num = ms * (int64_t)bk[b].price;
		struct ledger_row *row = NULL;

		for (size_t i = 0; i < f->nrows; i++)
			if (f->rows[i].tenant == r->tenant &&
			    f->rows[i].grant == bk[b].grant &&
			    f->rows[i].model == r->model &&
			    f->rows[i].day == bk[b].day)
				row = &f->rows[i];
		if (row == NULL) {
			CHECK(f->nrows < 4096);
			row = &f->rows[f->nrows++];
			memset(row, 0, sizeof *row);
			row->tenant = r->tenant;
			row->grant = bk[b].grant;
			row->model = r->model;
			row->day = bk[b].day;
		}
		row->milli_s += ms;
		ref_won_add(&row->won, num);
		f->tenant_milli_s[r->tenant] += ms;
		ref_won_add(&f->tenant_won[r->tenant], num);
		if (bk[b].grant != LEDGER_BORROWED) {
			CHECK(f->nspans < 65536);
			f->spans[f->nspans++] = (struct ref_span){
				bk[b].grant, bk[b].start, bk[b].end,
				bk[b].take };
			ref_won_add(&f->program_won[
				    f->gs->v[bk[b].grant].program], num);
		}
	}
	return 0;
}

/* Compares every row and total of l with f. */
static void
ref_compare(const struct ledger *l, const struct ref *f, int world)
{
	if (ledger_nrows(l) != f->nrows)
		test_fail(__FILE__, __LINE__, "world %d: %zu rows, model %zu",
			  world, ledger_nrows(l), f->nrows);
	for (size_t i = 0; i < f->nrows; i++) {
		const struct ledger_row *a = ledger_row(l, i), *b = &f->rows[i];

		if (a->tenant != b->tenant || a->grant != b->grant ||
		    a->model != b->model || a->day != b->day ||
		    a->milli_s != b->milli_s || a->won.whole != b->won.whole ||
		    a->won.rem != b->won.rem)
			test_fail(__FILE__, __LINE__, "world %d row %zu: "
				  "(%u %ld %d %lld) %lld ms %lld+%lld won, "
				  "model (%u %ld %d %lld) %lld ms %lld+%lld",
				  world, i, a->tenant, a->grant, a->model,
				  (long long)a->day, (long long)a->milli_s,
				  (long long)a->won.whole,
				  (long long)a->won.rem, b->tenant, b->grant,
				  b->model, (long long)b->day,
				  (long long)b->milli_s,
				  (long long)b->won.whole,
				  (long long)b->won.rem);
		CHECK(ledger_find(l, b->tenant, b->grant, b->model, b->day) ==
		      a);
	}
	for (uint32_t t = 0; t < f->ntenants; t++) {
		CHECK_EQ_INT(ledger_tenant_milli_s(l, t), f->tenant_milli_s[t]);
		CHECK_EQ_INT(ledger_tenant_won(l, t),
			     ledger_won_round(f->tenant_won[t]));
	}
	for (uint32_t p = 0; p < 3; p++) {
		struct ledger_program lp;

		ledger_program_budget(l, p, &lp);
		CHECK_EQ_INT(lp.drawn, ledger_won_round(f->program_won[p]));
	}
}

static int
cmp_start(const void *a, const void *b)
{
	const struct ledger_usage *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* One random world: 2 models, 4 tenants, up to 6 grants, up to 40
 * records on a half-hour grid over 4 days (so boundaries coincide), some
 * bad, in start order unless shuffle; every tenth world 200 records of
 * tenant 0 (many overlapping bookings per grant).  Returns the records
 * booked. */
static size_t
ref_world(struct rng *g, int world, int shuffle)
{
	static struct ref f;
	struct gpu_model h100 = { 80, 700, 3000 }, a100 = { 80, 400, 1500 };
	struct ledger_usage r[200];
	struct pool pool;
	struct grants gs;
	struct ledger l;
	struct err e;
	size_t nr = world % 10 == 9 ? 200 : rng_below(g, 41);
	size_t ngr = rng_below(g, 7), booked = 0;
	int64_t slot = 1800, span = 4 * D / 1800;

	pool_init(&pool);
	grants_init(&gs);
	CHECK_EQ_INT(pool_model(&pool, "H100", &h100, &e), 0);
	CHECK_EQ_INT(pool_model(&pool, "A100", &a100, &e), 1);
	for (size_t i = 0; i < ngr; i++) {
		struct grant gr;
		int64_t a = (int64_t)rng_below(g, (uint64_t)span);
		int64_t b = a + 1 + (int64_t)rng_below(g, (uint64_t)span);

		memset(&gr, 0, sizeof gr);
		gr.tenant = (uint32_t)rng_below(g, 3);
		gr.program = (uint32_t)rng_below(g, 3);
		gr.model = (int)rng_below(g, 2);
		gr.gpus = 1 + (int64_t)rng_below(g, 3);
		gr.start = E + a * slot;
		gr.end = E + b * slot;
		gr.borrow_limit = GRANT_NO_LIMIT;
		gr.lend_limit = GRANT_NO_LIMIT;
		gr.price_won_hour = rng_below(g, 4) * 333;
		CHECK(grants_add(&gs, &gr, 2, &e) >= 0);
	}
	for (size_t i = 0; i < nr; i++) {
		int64_t a = (int64_t)rng_below(g, (uint64_t)span);

		r[i].tenant = world % 10 == 9 ? 0 : (uint32_t)rng_below(g, 4);
		r[i].model = (int)rng_below(g, 2);
		r[i].start = E + a * slot + (rng_below(g, 8) == 0 ? 7 : 0);
		r[i].end = r[i].start + slot *
			   (1 + (int64_t)rng_below(g, 2 * D / 1800));
		r[i].gpu_milli = 250 * (1 + (int64_t)rng_below(g, 12));
		r[i].grant = rng_below(g, 3) == 0 || ngr == 0 ? LEDGER_NO_GRANT
			     : (long)rng_below(g, ngr);
		if (rng_below(g, 20) == 0)	/* a bad record */
			r[i].start = E - 1;
		else if (r[i].grant != LEDGER_NO_GRANT &&
			 rng_below(g, 2) == 0) {	/* mostly valid */
			r[i].tenant = gs.v[r[i].grant].tenant;
			r[i].model = gs.v[r[i].grant].model;
		}
	}
	if (!shuffle)
		qsort(r, nr, sizeof r[0], cmp_start);
	memset(&f, 0, sizeof f);
	f.epoch = E;
	f.pool = &pool;
	f.gs = &gs;
	f.ntenants = 4;
	f.borrow[0] = 3000;
	f.borrow[1] = 1500;
	CHECK_EQ_INT(ledger_init(&l, E, &pool, &gs, 4, &e), 0);
	for (size_t i = 0; i < nr; i++) {
		int rc;

		if (i == nr / 2 && world % 3 == 0) {
			CHECK_EQ_INT(ledger_set_borrow_price(&l, 0, 4500, &e),
				     0);
			f.borrow[0] = 4500;
		}
		err_clear(&e);
		rc = ledger_add_usage(&l, &r[i], &e);
		CHECK_EQ_INT(rc, ref_add(&f, &r[i]));
		booked += rc == 0;
	}
	ref_compare(&l, &f, world);
	ledger_free(&l);
	grants_free(&gs);
	pool_free(&pool);
	return booked;
}

TEST(ledger_reference_in_order)
{
	struct rng g;
	size_t booked = 0;

	rng_seed(&g, 20261129);
	for (int w = 0; w < 1000; w++)
		booked += ref_world(&g, w, 0);
	CHECK(booked > 10000);	/* the worlds are not empty */
}

TEST(ledger_reference_out_of_order)
{
	struct rng g;
	size_t booked = 0;

	rng_seed(&g, 42);
	for (int w = 0; w < 1000; w++)
		booked += ref_world(&g, w, 1);
	CHECK(booked > 10000);
}
