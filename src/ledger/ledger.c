/*
 * ledger.c — the usage ledger (see ledger.h and docs/LEDGER.md).
 *
 * Invariants: every ledger_won has 0 <= rem < LEDGER_MILLI_HOUR; every
 * total (row, tenant, program) is at most total_milli_s, which is checked
 * against INT64_MAX before a record is booked, so booking cannot
 * overflow.  A piece's numerator take * seconds * price is at most
 * 1e8 * 86400 * 1e6 < INT64_MAX.  A record is checked and cut into
 * bookings before anything is changed, so a bad record books nothing.
 * Every booking on a grant is kept in the grant's held step function
 * (struct ledger_held: a step where each booking starts and ends, so the
 * steps are exactly the old per-booking spans' ends); a record's pieces
 * are also cut at the steps of its tenant's grants of its model, so in a
 * piece each grant's free capacity is fixed.
 *
 * Indexes, all built or grown here, none global:
 *  - tm_first/tm_grants: each (tenant, model)'s grant ids ascending, built
 *    once in ledger_init (the grants may not change afterwards);
 *  - held[g]: a record finds each of its grants' step at its start by
 *    binary search, then walks forward with its pieces (cur_step), so a
 *    piece costs O(grants of the tenant and model), not O(all bookings).
 *    A record in start order inserts its steps at or near the end (the
 *    past is never moved: steps before the record's start are the
 *    archive, only searched); an earlier record is exact too, it only
 *    moves more steps;
 *  - slots: open addressing (linear probing, load < 1/2) from (tenant,
 *    grant, model, day) to the row, so rows stay in order of first use.
 * tests/test-ledger.c checks all of this against a brute-force model of
 * the rules (every span kept and scanned) on random record sets.
 *
 * The ledger owns rows, indexes and the per-tenant and per-program
 * arrays; the pool and grants are borrowed.
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

/* Builds tm_first/tm_grants (counting sort by (tenant, model); ids stay
 * ascending) and the empty held step functions.  Grants of tenants >=
 * ntenants are left out: no record can use them. */
static void
index_grants(struct ledger *l)
{
	const struct grants *gs = l->grants;
	size_t nk = (size_t)l->ntenants * (size_t)l->nmodels, *fill, most = 0;

	l->tm_first = xcalloc(nk + 1, sizeof *l->tm_first);
	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].tenant < l->ntenants)
			l->tm_first[(size_t)gs->v[i].tenant *
				    (size_t)l->nmodels +
				    (size_t)gs->v[i].model + 1]++;
	for (size_t k = 0; k < nk; k++)
		l->tm_first[k + 1] += l->tm_first[k];
	l->tm_grants = xmalloc((l->tm_first[nk] + 1) * sizeof *l->tm_grants);
	fill = xmalloc((nk + 1) * sizeof *fill);
	memcpy(fill, l->tm_first, (nk + 1) * sizeof *fill);
	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].tenant < l->ntenants)
			l->tm_grants[fill[(size_t)gs->v[i].tenant *
					  (size_t)l->nmodels +
					  (size_t)gs->v[i].model]++] = (long)i;
	free(fill);
	l->held = xcalloc(gs->n + 1, sizeof *l->held);
	for (size_t k = 0; k < nk; k++)
		if (l->tm_first[k + 1] - l->tm_first[k] > most)
			most = l->tm_first[k + 1] - l->tm_first[k];
	l->cur_step = xcalloc(most + 1, sizeof *l->cur_step);
	l->cur_used = xcalloc(most + 1, sizeof *l->cur_used);
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
	index_grants(l);
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
	free(l->slots);
	free(l->tm_first);
	free(l->tm_grants);
	if (l->held != NULL && l->grants != NULL)
		for (size_t g = 0; g < l->grants->n; g++)
			free(l->held[g].steps);
	free(l->held);
	free(l->cur_step);
	free(l->cur_used);
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

/* Index of the last step of h at or before t, or -1 if none. */
static long
held_find(const struct ledger_held *h, int64_t t)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->steps[mid].at <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* Milli-GPUs of grant g free when used are held. */
static int64_t
grant_free(const struct ledger *l, long g, int64_t used)
{
	int64_t cap;

	if (l->grants->v[g].gpus > INT64_MAX / MILLI)
		return INT64_MAX;
	cap = l->grants->v[g].gpus * MILLI;
	return used >= cap ? 0 : cap - used;
}

/* The step of h at t, inserted (holding what was held just before t) if
 * there is none; its index. */
static size_t
held_split(struct ledger_held *h, int64_t t)
{
	long i = held_find(h, t);
	size_t at;

	if (i >= 0 && h->steps[i].at == t)
		return (size_t)i;
	at = (size_t)(i + 1);
	h->steps = xgrow(h->steps, &h->cap, h->n + 1, sizeof *h->steps);
	memmove(h->steps + at + 1, h->steps + at,
		(h->n - at) * sizeof *h->steps);
	h->steps[at].at = t;
	h->steps[at].milli = i >= 0 ? h->steps[i].milli : 0;
	h->n++;
	return at;
}

/* Records that grant g holds take more milli-GPUs over [start, end). */
static void
held_add(struct ledger *l, long g, int64_t start, int64_t end, int64_t take)
{
	struct ledger_held *h = &l->held[g];
	size_t lo = held_split(h, start), hi = held_split(h, end);

	for (size_t i = lo; i < hi; i++)
		h->steps[i].milli += take;
}

/* The tenant's grants of the model, ascending by id. */
static const long *
grants_of(const struct ledger *l, uint32_t tenant, int model, size_t *n)
{
	size_t k = (size_t)tenant * (size_t)l->nmodels + (size_t)model;

	*n = l->tm_first[k + 1] - l->tm_first[k];
	return l->tm_grants + l->tm_first[k];
}

/* Cuts r into bookings: pieces at day and grant boundaries, each piece
 * charged to the active grants (named first, then by id) and the rest
 * borrowed.  Pieces are also cut where earlier bookings on the tenant's
 * grants of the model start and end, so in a piece each grant's free
 * capacity is fixed. */
static size_t
cut(struct ledger *l, const struct ledger_usage *r, struct booking **bs)
{
	const struct grants *gs = l->grants;
	size_t n = 0, cap = 0, nmine, named = SIZE_MAX;
	const long *mine = grants_of(l, r->tenant, r->model, &nmine);
	long *at = l->cur_step;
	int64_t *used = l->cur_used;
	int64_t t = r->start;

	*bs = NULL;
	for (size_t i = 0; i < nmine; i++) {
		at[i] = held_find(&l->held[mine[i]], t);
		if (mine[i] == r->grant)
			named = i;
	}
	while (t < r->end) {
		int64_t day = (t - l->epoch) / LEDGER_DAY;
		int64_t next = l->epoch + (day + 1) * LEDGER_DAY;
		int64_t left = r->gpu_milli, free_m, take;

		if (next > r->end)
			next = r->end;
		for (size_t i = 0; i < nmine; i++) {
			const struct grant *g = &gs->v[mine[i]];
			const struct ledger_held *h = &l->held[mine[i]];

			if (g->start > t && g->start < next)
				next = g->start;
			if (g->end > t && g->end < next)
				next = g->end;
			/* t only grows: each grant's step moves forward */
			while ((size_t)(at[i] + 1) < h->n &&
			       h->steps[at[i] + 1].at <= t)
				at[i]++;
			if ((size_t)(at[i] + 1) < h->n &&
			    h->steps[at[i] + 1].at < next)
				next = h->steps[at[i] + 1].at;
			used[i] = at[i] < 0 ? 0 : h->steps[at[i]].milli;
		}
		if (named != SIZE_MAX && grant_active(&gs->v[r->grant], t)) {
			free_m = grant_free(l, r->grant, used[named]);
			take = free_m < left ? free_m : left;
			book(bs, &n, &cap, r->grant, day, take, t, next,
			     gs->v[r->grant].price_won_hour);
			left -= take;
		}
		for (size_t i = 0; i < nmine && left > 0; i++) {
			const struct grant *g = &gs->v[mine[i]];

			if (i == named || !grant_active(g, t))
				continue;
			free_m = grant_free(l, mine[i], used[i]);
			take = free_m < left ? free_m : left;
			book(bs, &n, &cap, mine[i], day, take, t, next,
			     g->price_won_hour);
			left -= take;
		}
		book(bs, &n, &cap, LEDGER_BORROWED, day, left, t, next,
		     l->borrow_price[r->model]);
		t = next;
	}
	return n;
}

static uint64_t
row_hash(uint32_t tenant, long grant, int model, int64_t day)
{
	uint64_t h = (uint64_t)tenant * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)(int64_t)grant + 0x632be59bd9b4e019ULL) *
	     0xbf58476d1ce4e5b9ULL;
	h ^= ((uint64_t)(unsigned)model << 32) ^ (uint64_t)day;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* The slot holding (tenant, grant, model, day) or the empty slot where it
 * would go; nslots > 0. */
static size_t
row_slot(const struct ledger *l, uint32_t tenant, long grant, int model,
	 int64_t day)
{
	size_t mask = l->nslots - 1;
	size_t i = (size_t)row_hash(tenant, grant, model, day) & mask;

	for (;; i = (i + 1) & mask) {
		const struct ledger_row *row;

		if (l->slots[i] == 0)
			return i;
		row = &l->rows[l->slots[i] - 1];
		if (row->tenant == tenant && row->grant == grant &&
		    row->model == model && row->day == day)
			return i;
	}
}

/* Doubles the slots (at least 64) and re-inserts every row. */
static void
rows_rehash(struct ledger *l)
{
	size_t n = l->nslots ? 2 * l->nslots : 64;

	free(l->slots);
	l->slots = xcalloc(n, sizeof *l->slots);
	l->nslots = n;
	for (size_t k = 0; k < l->nrows; k++) {
		const struct ledger_row *row = &l->rows[k];

		l->slots[row_slot(l, row->tenant, row->grant, row->model,
				  row->day)] = k + 1;
	}
}

static struct ledger_row *
row_get(struct ledger *l, uint32_t tenant, long grant, int model,
	int64_t day)
{
	struct ledger_row *row;
	size_t s;

	if (2 * (l->nrows + 1) >= l->nslots)
		rows_rehash(l);
	s = row_slot(l, tenant, grant, model, day);
	if (l->slots[s] != 0)
		return &l->rows[l->slots[s] - 1];
	l->rows = xgrow(l->rows, &l->cap_rows, l->nrows + 1, sizeof *l->rows);
	row = &l->rows[l->nrows++];
	l->slots[s] = l->nrows;
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

			programs_grow(l, prog);
			won_add(&l->program_won[prog], num);
			held_add(l, b->grant, b->start, b->end, b->take);
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
	size_t s;

	if (l->nslots == 0)
		return NULL;
	s = row_slot(l, tenant, grant, model, day);
	return l->slots[s] ? &l->rows[l->slots[s] - 1] : NULL;
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
