/*
 * ledger.c — the usage ledger (see ledger.h and docs/LEDGER.md).
 *
 * Invariants: every ledger_won has 0 <= rem < LEDGER_MILLI_HOUR; every
 * total (row, tenant, program) is at most total_milli_s, which is checked
 * against INT64_MAX before a record is booked, so booking cannot
 * overflow.  A piece's numerator take * seconds * price is at most
 * 1e8 * 86400 * 1e6 < INT64_MAX.  A record is checked and cut into
 * bookings before anything is changed, so a bad record books nothing.
 * Every booking on a grant is kept as a span; a record's pieces are also
 * cut at the spans of its tenant's grants of its model, so in a piece
 * each grant's free capacity is fixed.  This is O(spans) per piece: fine
 * for thousands of records, quadratic for millions.
 * The ledger owns rows, spans and the per-tenant and per-program arrays;
 * the pool and grants are borrowed.
 */
#include "ledger/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct booking {
	long grant;
	int64_t day;
	int64_t start, end, take;
	int64_t milli_s;
	uint64_t price;
};

static void
won_add(struct ledger_won *w, int64_t num)
{
	w->whole += num / LEDGER_MILLI_HOUR;
	w->rem += num % LEDGER_MILLI_HOUR;
	if (w->rem >= LEDGER_MILLI_HOUR) {
		w->whole++;
		w->rem -= LEDGER_MILLI_HOUR;
	}
}

int64_t
ledger_won_round(struct ledger_won w)
{
	return w.whole + (2 * w.rem >= LEDGER_MILLI_HOUR ? 1 : 0);
}

int
ledger_init(struct ledger *l, int64_t epoch, const struct pool *p,
	    const struct grants *gs, uint32_t ntenants, struct err *e)
{
	int nmodels = (int)p->model_names.n;

	memset(l, 0, sizeof *l);
	if (nmodels > POOL_MAX_MODELS)
		return err_at(e, ERR_INVALID, "ledger", 0, "model",
			      "%d models, at most %d", nmodels,
			      POOL_MAX_MODELS);
	for (int m = 0; m < nmodels; m++)
		if (p->models[m].price_won_hour > LEDGER_MAX_PRICE)
			return err_at(e, ERR_INVALID, "ledger", 0,
				      "price_won_hour", "model %d: %llu won "
				      "per GPU-hour, at most %llu", m,
				      (unsigned long long)
				      p->models[m].price_won_hour,
				      LEDGER_MAX_PRICE);
	for (size_t i = 0; i < gs->n; i++) {
		const struct grant *g = &gs->v[i];

		if (g->price_won_hour > LEDGER_MAX_PRICE)
			return err_at(e, ERR_INVALID, "ledger", 0,
				      "price_won_hour", "grant %zu: %llu won "
				      "per GPU-hour, at most %llu", i,
				      (unsigned long long)g->price_won_hour,
				      LEDGER_MAX_PRICE);
		if (g->model < 0 || g->model >= nmodels || g->gpus <= 0 ||
		    g->start >= g->end)
			return err_at(e, ERR_INVALID, "ledger", 0, "grant",
				      "grant %zu: bad model, gpus or interval",
				      i);
	}
	l->epoch = epoch;
	l->pool = p;
	l->grants = gs;
	l->ntenants = ntenants;
	l->nmodels = nmodels;
	for (int m = 0; m < nmodels; m++)
		l->borrow_price[m] = p->models[m].price_won_hour;
	if (ntenants > 0) {
		l->tenant_won = xcalloc(ntenants, sizeof *l->tenant_won);
		l->tenant_milli_s = xcalloc(ntenants,
					    sizeof *l->tenant_milli_s);
	}
	return 0;
}

void
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return;
	free(l->rows);
	free(l->tenant_won);
	free(l->tenant_milli_s);
	free(l->budget);
	free(l->program_won);
	free(l->spans);
	memset(l, 0, sizeof *l);
}

int
ledger_set_borrow_price(struct ledger *l, int model, uint64_t won_hour,
			struct err *e)
{
	if (model < 0 || model >= l->nmodels)
		return err_at(e, ERR_INVALID, "ledger", 0, "model",
			      "unknown model %d", model);
	if (won_hour > LEDGER_MAX_PRICE)
		return err_at(e, ERR_INVALID, "ledger", 0, "price_won_hour",
			      "%llu won per GPU-hour, at most %llu",
			      (unsigned long long)won_hour, LEDGER_MAX_PRICE);
	l->borrow_price[model] = won_hour;
	return 0;
}

static void
programs_grow(struct ledger *l, uint32_t program)
{
	size_t need = (size_t)program + 1, old = l->nprograms;

	if (need <= old)
		return;
	l->budget = xrealloc(l->budget, need * sizeof *l->budget);
	l->program_won = xrealloc(l->program_won,
				  need * sizeof *l->program_won);
	memset(l->budget + old, 0, (need - old) * sizeof *l->budget);
	memset(l->program_won + old, 0,
	       (need - old) * sizeof *l->program_won);
	l->nprograms = need;
}

int
ledger_set_budget(struct ledger *l, uint32_t program, int64_t won,
		  struct err *e)
{
	if (won < 0)
		return err_at(e, ERR_INVALID, "ledger", 0, "budget",
			      "program %u: negative budget %lld", program,
			      (long long)won);
	programs_grow(l, program);
	l->budget[program] = won;
	return 0;
}

static int
check_usage(const struct ledger *l, const struct ledger_usage *r,
	    struct err *e)
{
	if (r->tenant >= l->ntenants)
		return err_at(e, ERR_INVALID, "usage", 0, "tenant",
			      "unknown tenant %u", r->tenant);
	if (r->model < 0 || r->model >= l->nmodels)
		return err_at(e, ERR_INVALID, "usage", 0, "model",
			      "unknown model %d", r->model);
	if (r->gpu_milli <= 0 || r->gpu_milli > LEDGER_MAX_MILLI)
		return err_at(e, ERR_INVALID, "usage", 0, "gpu_milli",
			      "expected 1..%lld, got %lld", LEDGER_MAX_MILLI,
			      (long long)r->gpu_milli);
	if (r->start < l->epoch)
		return err_at(e, ERR_INVALID, "usage", 0, "start",
			      "%lld is before the epoch %lld",
			      (long long)r->start, (long long)l->epoch);
	if (r->end <= r->start)
		return err_at(e, ERR_INVALID, "usage", 0, "end",
			      "%lld is not after start %lld",
			      (long long)r->end, (long long)r->start);
	if (r->grant != LEDGER_NO_GRANT) {
		const struct grant *g;

		if (r->grant < 0 || (size_t)r->grant >= l->grants->n)
			return err_at(e, ERR_INVALID, "usage", 0, "grant",
				      "unknown grant %ld", r->grant);
		g = &l->grants->v[r->grant];
		if (g->tenant != r->tenant || g->model != r->model)
			return err_at(e, ERR_INVALID, "usage", 0, "grant",
				      "grant %ld is for tenant %u model %d, "
				      "not tenant %u model %d", r->grant,
				      g->tenant, g->model, r->tenant,
				      r->model);
	}
	return 0;
}

static int
grant_mine(const struct grant *g, const struct ledger_usage *r)
{
	return g->tenant == r->tenant && g->model == r->model;
}

/* Charges take milli-GPUs of [t, next) to grant (or borrowed). */
static void
book(struct booking **bs, size_t *n, size_t *cap, long grant, int64_t day,
     int64_t take, int64_t t, int64_t next, uint64_t price)
{
	struct booking *b;

	if (take <= 0)
		return;
	*bs = xgrow(*bs, cap, *n + 1, sizeof **bs);
	b = &(*bs)[(*n)++];
	b->grant = grant;
	b->day = day;
	b->start = t;
	b->end = next;
	b->take = take;
	b->milli_s = take * (next - t);
	b->price = price;
}

/* Milli-GPUs of grant g free at t (earlier records hold the rest). */
static int64_t
grant_free(const struct ledger *l, long g, int64_t t)
{
	int64_t used = 0, cap;

	for (size_t i = 0; i < l->nspans; i++) {
		const struct ledger_span *s = &l->spans[i];

		if (s->grant == g && s->start <= t && t < s->end)
			used += s->milli;
	}
	if (l->grants->v[g].gpus > INT64_MAX / MILLI)
		return INT64_MAX;
	cap = l->grants->v[g].gpus * MILLI;
	return used >= cap ? 0 : cap - used;
}

/* Cuts r into bookings: pieces at day and grant boundaries, each piece
 * charged to the active grants (named first, then by id) and the rest
 * borrowed. */
static size_t
cut(const struct ledger *l, const struct ledger_usage *r,
    struct booking **bs)
{
	const struct grants *gs = l->grants;
	size_t n = 0, cap = 0;
	int64_t t = r->start;

	*bs = NULL;
	while (t < r->end) {
		int64_t day = (t - l->epoch) / LEDGER_DAY;
		int64_t next = l->epoch + (day + 1) * LEDGER_DAY;
		int64_t left = r->gpu_milli, free_m, take;

		if (next > r->end)
			next = r->end;
		for (size_t i = 0; i < gs->n; i++) {
			const struct grant *g = &gs->v[i];

			if (!grant_mine(g, r))
				continue;
			if (g->start > t && g->start < next)
				next = g->start;
			if (g->end > t && g->end < next)
				next = g->end;
		}
		for (size_t i = 0; i < l->nspans; i++) {
			const struct ledger_span *s = &l->spans[i];

			if (!grant_mine(&gs->v[s->grant], r))
				continue;
			if (s->start > t && s->start < next)
				next = s->start;
			if (s->end > t && s->end < next)
				next = s->end;
		}
		if (r->grant != LEDGER_NO_GRANT &&
		    grant_active(&gs->v[r->grant], t)) {
			free_m = grant_free(l, r->grant, t);
			take = free_m < left ? free_m : left;
			book(bs, &n, &cap, r->grant, day, take, t, next,
			     gs->v[r->grant].price_won_hour);
			left -= take;
		}
		for (size_t i = 0; i < gs->n && left > 0; i++) {
			const struct grant *g = &gs->v[i];

			if ((long)i == r->grant || !grant_mine(g, r) ||
			    !grant_active(g, t))
				continue;
			free_m = grant_free(l, (long)i, t);
			take = free_m < left ? free_m : left;
			book(bs, &n, &cap, (long)i, day, take, t, next,
			     g->price_won_hour);
			left -= take;
		}
		book(bs, &n, &cap, LEDGER_BORROWED, day, left, t, next,
		     l->borrow_price[r->model]);
		t = next;
	}
	return n;
}

static struct ledger_row *
row_get(struct ledger *l, uint32_t tenant, long grant, int model,
	int64_t day)
{
	struct ledger_row *row;

	for (size_t i = l->nrows; i-- > 0;) {
		row = &l->rows[i];
		if (row->tenant == tenant && row->grant == grant &&
		    row->model == model && row->day == day)
			return row;
	}
	l->rows = xgrow(l->rows, &l->cap_rows, l->nrows + 1, sizeof *l->rows);
	row = &l->rows[l->nrows++];
	memset(row, 0, sizeof *row);
	row->tenant = tenant;
	row->grant = grant;
	row->model = model;
	row->day = day;
	return row;
}

int
ledger_add_usage(struct ledger *l, const struct ledger_usage *r,
		 struct err *e)
{
	struct booking *bs;
	size_t n;
	int64_t sum = 0;
	int rc;

	if ((rc = check_usage(l, r, e)) != 0)
		return rc;
	n = cut(l, r, &bs);
	for (size_t i = 0; i < n; i++) {
		if (bs[i].milli_s > INT64_MAX - l->total_milli_s - sum) {
			free(bs);
			return err_at(e, ERR_LIMIT, "usage", 0, "end",
				      "ledger total would overflow");
		}
		sum += bs[i].milli_s;
	}
	for (size_t i = 0; i < n; i++) {
		const struct booking *b = &bs[i];
		struct ledger_row *row = row_get(l, r->tenant, b->grant,
						 r->model, b->day);
		int64_t num = b->milli_s * (int64_t)b->price;

		row->milli_s += b->milli_s;
		won_add(&row->won, num);
		l->tenant_milli_s[r->tenant] += b->milli_s;
		won_add(&l->tenant_won[r->tenant], num);
		if (b->grant != LEDGER_BORROWED) {
			uint32_t prog = l->grants->v[b->grant].program;

			struct ledger_span *sp;

			programs_grow(l, prog);
			won_add(&l->program_won[prog], num);
			l->spans = xgrow(l->spans, &l->cap_spans,
					 l->nspans + 1, sizeof *l->spans);
			sp = &l->spans[l->nspans++];
			sp->grant = b->grant;
			sp->start = b->start;
			sp->end = b->end;
			sp->milli = b->take;
		}
	}
	l->total_milli_s += sum;
	free(bs);
	return 0;
}

size_t
ledger_nrows(const struct ledger *l)
{
	return l->nrows;
}

const struct ledger_row *
ledger_row(const struct ledger *l, size_t i)
{
	return i < l->nrows ? &l->rows[i] : NULL;
}

const struct ledger_row *
ledger_find(const struct ledger *l, uint32_t tenant, long grant, int model,
	    int64_t day)
{
	for (size_t i = 0; i < l->nrows; i++) {
		const struct ledger_row *row = &l->rows[i];

		if (row->tenant == tenant && row->grant == grant &&
		    row->model == model && row->day == day)
			return row;
	}
	return NULL;
}

int64_t
ledger_tenant_milli_s(const struct ledger *l, uint32_t tenant)
{
	return tenant < l->ntenants ? l->tenant_milli_s[tenant] : 0;
}

int64_t
ledger_tenant_won(const struct ledger *l, uint32_t tenant)
{
	return tenant < l->ntenants ? ledger_won_round(l->tenant_won[tenant])
				    : 0;
}

void
ledger_program_budget(const struct ledger *l, uint32_t program,
		      struct ledger_program *out)
{
	memset(out, 0, sizeof *out);
	if (program >= l->nprograms)
		return;
	out->budget = l->budget[program];
	out->drawn = ledger_won_round(l->program_won[program]);
	out->remaining = out->budget - out->drawn;
	out->over = out->drawn > out->budget;
}
