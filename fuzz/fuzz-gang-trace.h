/*
 * fuzz-gang-trace.h — the shared body of the harnesses for readers whose
 * jobs are whole-GPU gangs (Philly, SWF): trace_parse strict and with
 * skip_bad.  Beyond "no crash, no leak": every job kept is a valid gang of
 * whole GPUs with a known tenant and non-negative durations, a failed read
 * keeps no job, and every message names the input.  Include it once, in
 * the harness, after defining nothing: it defines fuzz_gang_trace.
 */
#ifndef ALLOT_FUZZ_GANG_TRACE_H
#define ALLOT_FUZZ_GANG_TRACE_H

#include <stdint.h>
#include <string.h>

#include "model/job.h"
#include "sim/trace.h"
#include "util/alloc.h"

static int
fuzz_gang_trace(const uint8_t *data, size_t size, enum trace_format fmt)
{
	for (int skip = 0; skip < 2; skip++) {
		struct trace_opts o = {.skip_bad = skip, .max_jobs = 500};
		struct workload w;
		struct err e;
		int rc;

		workload_init(&w);
		rc = trace_parse("fuzz", (const char *)data, size, fmt, &o, NULL,
				 &w, &e);
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
			ALLOT_ASSERT(j->gpus_per_node >= 1 && j->gpu_milli == 1000);
			ALLOT_ASSERT(j->tenant < w.tenants.n);
			ALLOT_ASSERT(j->duration >= 0 && j->time_limit >= 0);
		}
		workload_free(&w);
	}
	return 0;
}

#endif
