/*
 * trace_swf.c — the Standard Workload Format of the Parallel Workloads
 * Archive: ';' comment lines, then one job per line as 18 fields separated
 * by blanks, -1 meaning unknown.
 *
 * Every field is checked (integers, or numbers where logs carry decimals:
 * average CPU time, used and requested memory).  A job needs a submit time,
 * a run time and a processor count: processors are the requested count
 * (field 8), or the allocated one (field 5) when that is unknown, and map
 * one to one to GPUs shaped by trace_shape_gpus.  The requested time
 * (field 9) becomes the time limit (0 = none when unknown), the user id
 * (field 12) the tenant "user-N" ("user-unknown" for -1).  Failed and
 * cancelled jobs (status 0 and 5) are replayed like the rest.  Jobs go
 * straight into the caller's workload and are cut off again if the read
 * fails.
 */
#include <stdio.h>
#include <string.h>

#include "sim/trace.h"
#include "sim/trace_int.h"
#include "util/csv.h"
#include "util/strtab.h"

#define SWF_NFIELDS 18

enum {
	S_JOB, S_SUBMIT, S_WAIT, S_RUN, S_ALLOC, S_CPU, S_MEM, S_REQPROCS,
	S_REQTIME, S_REQMEM, S_STATUS, S_USER, S_GROUP, S_EXEC, S_QUEUE,
	S_PART, S_PREV, S_THINK
};

static const struct {
	const char *name;
	int number;      /* a decimal number is allowed, not only integers */
	int64_t lo, hi;
} fields[SWF_NFIELDS] = {
	{"job_id", 0, -1, INT64_C(1000000000000000)},
	{"submit_time", 0, 0, TRACE_MAX_SECONDS},
	{"wait_time", 0, -1, TRACE_MAX_SECONDS},
	{"run_time", 0, 0, TRACE_MAX_SECONDS},
	{"allocated_procs", 0, -1, TRACE_MAX_GPUS},
	{"avg_cpu_time", 1, -1, TRACE_MAX_SECONDS},
	{"used_memory", 1, -1, INT64_C(1000000000000000)},
	{"requested_procs", 0, -1, TRACE_MAX_GPUS},
	{"requested_time", 0, -1, TRACE_MAX_SECONDS},
	{"requested_memory", 1, -1, INT64_C(1000000000000000)},
	{"status", 0, -1, 5},
	{"user_id", 0, -1, INT64_C(1000000000)},
	{"group_id", 0, -1, INT64_C(1000000000)},
	{"executable", 0, -1, INT64_C(1000000000)},
	{"queue", 0, -1, INT64_C(1000000000)},
	{"partition", 0, -1, INT64_C(1000000000)},
	{"preceding_job", 0, -1, INT64_C(1000000000000000)},
	{"think_time", 0, -1, TRACE_MAX_SECONDS},
};

static int
swf_record(void *ctx, const struct csv_lines *r, const struct csv_field *f,
	   int nf, const int *idx, struct err *e)
{
	struct workload *w = ctx;
	int64_t v[SWF_NFIELDS], procs;
	char tenant[32];
	struct job j;
	int rc, n;

	(void)idx;
	if (nf != SWF_NFIELDS)
		return err_at(e, ERR_INVALID, r->name, r->line, "line",
			      "%d fields, expected %d", nf, SWF_NFIELDS);
	for (int i = 0; i < SWF_NFIELDS; i++) {
		double d;
		if (!fields[i].number) {
			rc = csv_get_int(r, fields[i].name, f[i], fields[i].lo,
					 fields[i].hi, &v[i], e);
		} else {
			rc = csv_get_double(r, fields[i].name, f[i],
					    (double)fields[i].lo,
					    (double)fields[i].hi, &d, e);
			v[i] = (int64_t)d;
		}
		if (rc != 0)
			return rc;
	}
	procs = v[S_REQPROCS] > 0 ? v[S_REQPROCS] : v[S_ALLOC];
	if (procs <= 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "requested_procs",
			      "no processor count (requested_procs %lld, "
			      "allocated_procs %lld)", (long long)v[S_REQPROCS],
			      (long long)v[S_ALLOC]);

	memset(&j, 0, sizeof j);
	if (v[S_USER] >= 0)
		n = snprintf(tenant, sizeof tenant, "user-%lld",
			     (long long)v[S_USER]);
	else
		n = snprintf(tenant, sizeof tenant, "user-unknown");
	j.tenant = strtab_intern(&w->tenants, tenant, (size_t)n);
	trace_shape_gpus(&j, (long)procs);
	j.state = JOB_PENDING;
	j.class = CLASS_TRAINING;
	j.submit = v[S_SUBMIT];
	j.start = -1;
	j.end = -1;
	j.time_limit = v[S_REQTIME] > 0 ? v[S_REQTIME] : 0;
	j.duration = v[S_RUN];
	workload_add(w, &j);
	return 0;
}

int
trace_parse_swf(const char *name, const char *buf, size_t len,
		const struct trace_opts *o, struct workload *w, struct err *e)
{
	struct trace_table t = {
		.sep = 0,
		.record = swf_record,
		.ctx = w,
	};
	size_t start = w->njobs, skipped;
	int rc;

	rc = trace_table_read(name, buf, len, o, &t, &skipped, e);
	if (rc != 0) {
		w->njobs = start;
		return rc;
	}
	w->skipped += skipped;
	return 0;
}
