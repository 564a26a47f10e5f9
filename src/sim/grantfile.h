/*
 * grantfile.h — the grants file `allot sim --grants` reads: one grant per
 * line, CSV with a header naming the columns (any order):
 *
 *	tenant,model,gpus,start,end[,borrow_limit,lend_limit,price_won_hour]
 *
 *  tenant          a tenant name (letters, digits, ._-:/@+); matched
 *                  against the workload's tenants by name, and interned
 *                  into the workload's table when new (a tenant with a
 *                  grant but no jobs is legal: its guarantee is lendable)
 *  model           a GPU model name of the pool ("B200"); unknown: error
 *  gpus            whole GPUs guaranteed, 1..10,000,000
 *  start, end      the interval [start, end): seconds since the epoch, or
 *                  a UTC time "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (also
 *                  with 'T'); end after start
 *  borrow_limit    GPUs the tenant may use above its guarantee; empty or
 *                  -1 = no limit (the default)
 *  lend_limit      GPUs of the guarantee others may borrow while it is
 *                  idle; empty or -1 = all of it (the default)
 *  price_won_hour  price per GPU-hour after subsidy; empty = 0
 *
 * Blank lines are ignored.  Every error names the place:
 * "FILE:LINE: field: reason".  The semantics of the numbers (nominal quota,
 * borrowing and lending, how several grants of one tenant add up) are
 * sched/quota.h's.  No I/O: the caller reads the file.
 */
#ifndef ALLOT_SIM_GRANTFILE_H
#define ALLOT_SIM_GRANTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "model/grant.h"
#include "model/pool.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/strtab.h"

#define GRANTFILE_MAX 1000000        /* grants in one file */
#define GRANTFILE_MAX_GPUS 10000000  /* GPUs in one grant */

/*
 * Parses buf[0..len) (named `name` in messages) and appends its grants to
 * gs, in file order.  Model names are looked up in pool; tenant names are
 * interned into tenants.  Returns 0, or ERR_INVALID / ERR_LIMIT with e set;
 * on failure gs is as it was (names interned before the bad line stay in
 * tenants, unused).
 */
int grantfile_parse(const char *name, const char *buf, size_t len,
		    const struct pool *pool, struct strtab *tenants,
		    struct grants *gs, struct err *e);

/*
 * A time as grant and capacity-event files write it: whole seconds since
 * 1970-01-01 UTC (0..100,000,000,000), or "YYYY-MM-DD", "YYYY-MM-DD
 * HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" in UTC.  Returns 0 with *out set, or
 * ERR_INVALID with e "NAME:LINE: FIELD: ..." for r's current line.
 */
int grantfile_time(const struct csv_lines *r, const char *field,
		   struct csv_field f, int64_t *out, struct err *e);

#endif
