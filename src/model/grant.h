/*
 * grant.h — grants: time-bounded entitlements.  Tenant T may use N GPUs
 * of model M from A to B (servers are 8-GPU units: a grant of 16 servers
 * is 128 GPUs), under a program, at a price.  The scheduler turns the
 * grants active at a time into nominal quota (sched/quota.h).
 *
 * A grant's interval is half-open, [start, end): active at start, gone at
 * end.  A container of grants owns them; ids are indexes.
 */
#ifndef ALLOT_MODEL_GRANT_H
#define ALLOT_MODEL_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define GRANT_NO_LIMIT (-1)

struct grant {
	uint32_t id;
	uint32_t tenant;
	uint32_t program;
	int model;             /* pool model id */
	int64_t gpus;          /* whole GPUs */
	int64_t start, end;    /* [start, end), seconds */
	int64_t borrow_limit;  /* GPUs above nominal; GRANT_NO_LIMIT */
	int64_t lend_limit;    /* GPUs lendable; GRANT_NO_LIMIT = all */
	uint64_t price_won_hour; /* per GPU-hour after subsidy */
};

struct grants {
	struct grant *v;
	size_t n, cap;
};

void grants_init(struct grants *g);
void grants_free(struct grants *g);
/* Checks g (gpus > 0, start < end, model in [0, nmodels)) and appends it
 * with id = index.  Returns the id or ERR_INVALID naming the field. */
long grants_add(struct grants *gs, const struct grant *g, int nmodels,
		struct err *e);
int grant_active(const struct grant *g, int64_t t);
/* The earliest start or end strictly after t (INT64_MAX if none): when the
 * quotas next change. */
int64_t grants_next_change(const struct grants *gs, int64_t t);

#endif
