/*
 * fuzz-openb-pods.c — fuzzes the openb pod-list reader (trace_parse with
 * TRACE_OPENB), strict and with skip_bad, into a pool that already has a
 * model.  Beyond "no crash, no leak": every job it keeps has a valid shape
 * and a model mask within the pool's models, a failed read keeps no job,
 * and every message names the input.
 */
#include <stdint.h>
#include <string.h>

#include "model/job.h"
#include "model/pool.h"
#include "sim/trace.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int skip = 0; skip < 2; skip++) {
		struct trace_opts o = {.skip_bad = skip, .max_jobs = 500};
		struct workload w;
		struct pool p;
		struct err e;
		int rc;

		workload_init(&w);
		pool_init(&p);
		ALLOT_ASSERT(pool_model(&p, "T4", NULL, NULL) == 0);
		rc = trace_parse("fuzz", (const char *)data, size, TRACE_OPENB, &o,
				 &p, &w, &e);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		if (rc != 0) {
			ALLOT_ASSERT(w.njobs == 0 && w.skipped == 0);
			ALLOT_ASSERT(strncmp(e.msg, "fuzz:", 5) == 0);
		} else {
			ALLOT_ASSERT(e.code == 0);
			ALLOT_ASSERT(w.njobs <= 500);
			ALLOT_ASSERT(skip || w.skipped == 0);
		}
		for (size_t i = 0; i < w.njobs; i++) {
			const struct job *j = &w.jobs[i];
			ALLOT_ASSERT(job_validate(j, NULL) == 0);
			ALLOT_ASSERT(j->nodes == 1 && j->id == i);
			ALLOT_ASSERT(p.model_names.n >= 32 ||
				     j->model_mask >> p.model_names.n == 0);
			ALLOT_ASSERT(j->duration >= 0 && j->submit >= 0);
		}
		ALLOT_ASSERT(p.model_names.n <= POOL_MAX_MODELS);
		workload_free(&w);
		pool_free(&p);
	}
	return 0;
}
