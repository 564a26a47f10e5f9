/*
 * fuzz-grantfile.c — fuzzes the grants file reader (grantfile_parse)
 * against a fixed pool with models H100 and B200.  Beyond "no crash, no
 * leak": a failed read keeps no grant and its message names the input; a
 * good read keeps only grants the quota code can take (gpus > 0, start <
 * end, a model of the pool, limits >= -1, a tenant of the table).
 */
#include <stdint.h>
#include <string.h>

#include "model/grant.h"
#include "model/pool.h"
#include "sim/grantfile.h"
#include "util/alloc.h"
#include "util/strtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool p;
	struct strtab tn;
	struct grants gs;
	struct err e;
	int rc;

	pool_init(&p);
	ALLOT_ASSERT(pool_model(&p, "H100", NULL, NULL) == 0);
	ALLOT_ASSERT(pool_model(&p, "B200", NULL, NULL) == 1);
	memset(&tn, 0, sizeof tn);
	grants_init(&gs);
	rc = grantfile_parse("fuzz", (const char *)data, size, &p, &tn, &gs, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(gs.n == 0);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz:", 5) == 0);
	} else {
		ALLOT_ASSERT(e.code == 0);
	}
	for (size_t i = 0; i < gs.n; i++) {
		const struct grant *g = &gs.v[i];
		ALLOT_ASSERT(g->id == i);
		ALLOT_ASSERT(g->gpus > 0 && g->gpus <= GRANTFILE_MAX_GPUS);
		ALLOT_ASSERT(g->start < g->end);
		ALLOT_ASSERT(g->model == 0 || g->model == 1);
		ALLOT_ASSERT(g->borrow_limit >= -1 && g->lend_limit >= -1);
		ALLOT_ASSERT(g->tenant < tn.n);
	}
	grants_free(&gs);
	strtab_free(&tn);
	pool_free(&p);
	return 0;
}
