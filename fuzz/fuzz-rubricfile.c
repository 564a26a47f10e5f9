/*
 * fuzz-rubricfile.c — fuzzes the rubric file parser (rubricfile_parse).
 * Beyond "no crash, no leak": a failed parse leaves the output zeroed and
 * its message names the input; a good parse has at least one part, every
 * weight > 0 and finite, every fixed scale lo < hi, a valid bootstrap
 * configuration and tie part, results parts with tasks and a metric, and
 * a rubric that rubric_check accepts.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compete/rubricfile.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rubricfile rf;
	struct err e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = rubricfile_parse("fuzz", (const char *)data, size, &rf, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(rf.name == NULL && rf.parts == NULL &&
		    rf.nparts == 0 && rf.gates == NULL);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		return 0;
	}
	ALLOT_ASSERT(rf.name != NULL && rf.version != NULL);
	ALLOT_ASSERT(rf.nparts >= 1 && rf.nparts <= RUBRICFILE_MAX_PARTS);
	ALLOT_ASSERT(rf.rubric.nparts == rf.nparts);
	ALLOT_ASSERT(rubric_check(&rf.rubric, NULL) == 0);
	for (size_t k = 0; k < rf.nparts; k++) {
		const struct rubricfile_part *p = &rf.parts[k];

		ALLOT_ASSERT(p->weight > 0 && isfinite(p->weight));
		ALLOT_ASSERT(p->norm == RUBRIC_MINMAX || p->lo < p->hi);
		ALLOT_ASSERT(p->source >= RUBRICFILE_RESULTS &&
		    p->source <= RUBRICFILE_VOTES);
		if (p->source == RUBRICFILE_RESULTS)
			ALLOT_ASSERT(p->ntasks >= 1 && p->metric != NULL);
		else
			ALLOT_ASSERT(p->ntasks == 0 && p->metric == NULL);
		ALLOT_ASSERT(p->prior >= 0);
		ALLOT_ASSERT(rubricfile_find_part(&rf, p->name) == (long)k);
	}
	ALLOT_ASSERT(rf.cfg.reps >= 1 && rf.cfg.level > 0 &&
	    rf.cfg.level < 1 && rf.cfg.confidence > 0 &&
	    rf.cfg.confidence <= 1 && rf.cfg.finalists >= 1);
	ALLOT_ASSERT(rf.cfg.tie != ROUND_TIE_PART ||
	    rf.cfg.tie_part < rf.nparts);
	ALLOT_ASSERT(rf.panel_lo < rf.panel_hi);
	rubricfile_free(&rf);
	return 0;
}
