/*
 * fuzz-lmeval.c — fuzzes the lm-evaluation-harness results reader
 * (lmeval_results_parse) over an in-memory buffer.  Beyond "no crash, no
 * leak": a failed read leaves the output empty and its message names the
 * input; a good read gives layout 3 or 4, rows with names within the
 * limits, finite values, standard errors NaN or >= 0, and an empty filter
 * exactly in layout 3.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/lmeval.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_rows(const struct lmeval_metric *v, size_t n, int layout)
{
	for (size_t i = 0; i < n; i++) {
		const struct lmeval_metric *m = &v[i];
		ALLOT_ASSERT(m->task != NULL && m->metric != NULL &&
			     m->filter != NULL);
		ALLOT_ASSERT(strlen(m->task) <= LMEVAL_MAX_NAME);
		ALLOT_ASSERT(m->metric[0] != '\0');
		ALLOT_ASSERT((layout == 3) == (m->filter[0] == '\0'));
		ALLOT_ASSERT(isfinite(m->value));
		ALLOT_ASSERT(isnan(m->se) || m->se >= 0);
		ALLOT_ASSERT(m->higher >= -1 && m->higher <= 1);
		ALLOT_ASSERT(m->n >= -1);
		ALLOT_ASSERT(m->group == 0 || m->group == 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lmeval_results r;
	struct err e;
	int rc;

	err_clear(&e);
	rc = lmeval_results_parse("fuzz", (const char *)data, size, &r, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(rc < 0 && e.code == rc);
		ALLOT_ASSERT(r.rows == NULL && r.nrows == 0 && r.grows == NULL &&
			     r.groups == NULL);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		return 0;
	}
	ALLOT_ASSERT(r.layout == 3 || r.layout == 4);
	ALLOT_ASSERT(r.ntasks >= 1);
	check_rows(r.rows, r.nrows, r.layout);
	check_rows(r.grows, r.ngrows, r.layout);
	for (size_t i = 0; i < r.ngroups; i++)
		ALLOT_ASSERT(r.groups[i].nsub >= 1);
	lmeval_results_free(&r);
	return 0;
}
