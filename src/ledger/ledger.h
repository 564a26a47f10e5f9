/*
 * ledger.h — the usage ledger: GPU-hours by tenant, grant, GPU model and
 * day; cost in won after subsidy; budget drawn per program.  Pure: no I/O,
 * no clock.  The rules are in docs/LEDGER.md; in short:
 *
 *  - A usage record is a tenant's concurrent use of one model, gpu_milli
 *    milli-GPUs over [start, end) seconds.  Usage is counted exactly in
 *    milli-GPU-seconds (int64); 1 GPU-hour = 3,600,000 milli-GPU-s.
 *  - A record is split at UTC day boundaries (day d = [epoch + 86400 d,
 *    epoch + 86400 (d+1))) and at the starts and ends of the tenant's
 *    grants of that model.
 *  - In each piece the tenant's active grants of the model absorb the
 *    usage up to their free milli-GPUs (gpus * 1000 less what earlier
 *    records hold then): the record's named grant first,
 *    then the others by ascending id.  The rest is borrowed capacity,
 *    charged at the model's borrowing price (ledger_set_borrow_price, by
 *    default the pool's market price gpu_model.price_won_hour) and kept
 *    under grant LEDGER_BORROWED; it is drawn against no program budget.
 *  - Won are kept exactly as (whole won, remainder of 3,600,000ths) and
 *    rounded half up once, when a figure is read.
 *
 * Records of one tenant that overlap in time share its grants: a grant's
 * capacity already taken by earlier records (in the order they were
 * added) is not available to a later one, which borrows instead.
 *
 * The ledger borrows the pool and grants given to ledger_init (they must
 * outlive it and not change: it indexes the grants once, in ledger_init,
 * so a grant appended later is unknown to it; sim/program.c calls
 * ledger_init after the run with the final grants) and owns its rows and
 * indexes.  Cost: a record costs O(pieces x grants of its tenant and model
 * x log steps of a grant); rows are found by hash.  Records added in start
 * order are the fast case; an earlier start is still exact, only its
 * booking moves more of the grant's steps.
 */
#ifndef ALLOT_LEDGER_LEDGER_H
#define ALLOT_LEDGER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "model/grant.h"
#include "model/pool.h"
#include "util/err.h"

#define LEDGER_DAY 86400
#define LEDGER_MILLI_HOUR 3600000 /* milli-GPU-seconds in one GPU-hour */
#define LEDGER_NO_GRANT (-1L)     /* a record that names no grant */
#define LEDGER_BORROWED (-1L)     /* the row of usage beyond the grants */
#define LEDGER_MAX_MILLI 100000000LL /* 100,000 GPUs in one record */
#define LEDGER_MAX_PRICE 1000000ULL  /* won per GPU-hour */

struct ledger_usage {
	uint32_t tenant;
	int model;            /* pool model id */
	int64_t start, end;   /* [start, end), seconds; start >= epoch */
	int64_t gpu_milli;    /* 0 < gpu_milli <= LEDGER_MAX_MILLI */
	long grant;           /* charged first; LEDGER_NO_GRANT for none */
};

/* Won as whole + rem / LEDGER_MILLI_HOUR, 0 <= rem < LEDGER_MILLI_HOUR. */
struct ledger_won {
	int64_t whole;
	int64_t rem;
};

struct ledger_row {
	uint32_t tenant;
	long grant;           /* grant id, or LEDGER_BORROWED */
	int model;
	int64_t day;          /* days since the epoch */
	int64_t milli_s;      /* milli-GPU-seconds */
	struct ledger_won won;
};

/* One step of a grant's held capacity: from at on (until the next step)
 * earlier records hold milli milli-GPUs of the grant. */
struct ledger_step {
	int64_t at;
	int64_t milli;
};

/* A grant's capacity held by booked records as a step function: steps
 * strictly ascending by at, nothing held before steps[0].at.  There is a
 * step at the start and at the end of every booking ever made on the
 * grant (none merged), i.e. exactly where the bookings' spans start and
 * end. */
struct ledger_held {
	struct ledger_step *steps;
	size_t n, cap;
};

struct ledger_program {
	int64_t budget;       /* won; 0 if never set */
	int64_t drawn;        /* won charged to the program's grants, rounded */
	int64_t remaining;    /* budget - drawn (negative when over) */
	int over;             /* drawn > budget */
};

struct ledger {
	int64_t epoch;
	const struct pool *pool;
	const struct grants *grants;
	uint32_t ntenants;
	int nmodels;
	uint64_t borrow_price[POOL_MAX_MODELS];
	struct ledger_row *rows;         /* in order of first use */
	size_t nrows, cap_rows;
	size_t *slots;    /* [nslots] row index + 1, 0 = empty; open addr. */
	size_t nslots;    /* 0 or a power of two > 2 * nrows */
	size_t *tm_first; /* [ntenants * nmodels + 1] into tm_grants */
	long *tm_grants;  /* each (tenant, model)'s grant ids, ascending */
	struct ledger_held *held;        /* [grants->n] */
	long *cur_step;     /* scratch for one record: per grant of its */
	int64_t *cur_used;  /* (tenant, model), its step and milli held */
	struct ledger_won *tenant_won;   /* [ntenants] */
	int64_t *tenant_milli_s;         /* [ntenants] */
	int64_t *budget;                 /* [nprograms] */
	struct ledger_won *program_won;  /* [nprograms] */
	size_t nprograms;
	int64_t total_milli_s;           /* bounds every total (overflow) */
};

/* Sets up an empty ledger over the pool's models and the grants, for
 * tenants 0..ntenants-1, days counted from epoch.  Checks every price
 * (pool market prices and grant prices <= LEDGER_MAX_PRICE): ERR_INVALID
 * naming the model or grant, and l is left empty (ledger_free is safe). */
int ledger_init(struct ledger *l, int64_t epoch, const struct pool *p,
		const struct grants *gs, uint32_t ntenants, struct err *e);
void ledger_free(struct ledger *l);

/* Sets the price per GPU-hour of borrowed usage of model (default: the
 * market price).  ERR_INVALID for an unknown model or a price above
 * LEDGER_MAX_PRICE.  Affects later records only. */
int ledger_set_borrow_price(struct ledger *l, int model, uint64_t won_hour,
			    struct err *e);
/* Sets program's budget in won (>= 0); ERR_INVALID otherwise. */
int ledger_set_budget(struct ledger *l, uint32_t program, int64_t won,
		      struct err *e);

/* Checks r and books it.  ERR_INVALID naming the field ("tenant",
 * "model", "start", "end", "gpu_milli", "grant") and nothing booked when r
 * is bad; ERR_LIMIT (nothing booked) if a total would overflow. */
int ledger_add_usage(struct ledger *l, const struct ledger_usage *r,
		     struct err *e);

/* Rows in order of first use; i < ledger_nrows(l). */
size_t ledger_nrows(const struct ledger *l);
const struct ledger_row *ledger_row(const struct ledger *l, size_t i);
/* The row for (tenant, grant, model, day) or NULL. */
const struct ledger_row *ledger_find(const struct ledger *l, uint32_t tenant,
				     long grant, int model, int64_t day);
/* w rounded half up to whole won. */
int64_t ledger_won_round(struct ledger_won w);
/* A tenant's total milli-GPU-seconds and won (granted and borrowed);
 * 0 for an unknown tenant. */
int64_t ledger_tenant_milli_s(const struct ledger *l, uint32_t tenant);
int64_t ledger_tenant_won(const struct ledger *l, uint32_t tenant);
/* A program's budget, drawn, remaining and over flag (all zero for a
 * program with neither a budget nor usage). */
void ledger_program_budget(const struct ledger *l, uint32_t program,
			   struct ledger_program *out);

#endif
