/*
 * trace_philly.c — the Microsoft Philly job list as the AdaptDL artifact
 * publishes it: timestamp,duration,num_gpus,gpu_time,cluster.
 *
 * Each line is one job of a virtual cluster; the cluster id becomes the
 * job's tenant (interned in workload.tenants).  The submit time is a UTC
 * "YYYY-MM-DD HH:MM:SS" turned into epoch seconds by csv_get_time (no
 * locale, no time zone); the run time is a float number of seconds,
 * rounded to the nearest second; num_gpus is shaped as a gang by
 * trace_shape_gpus.  gpu_time (GPU-seconds) is checked but not used.  The
 * file is not sorted by time and is kept in file order (the simulator
 * sorts stably).  Jobs go straight into the caller's workload and are cut
 * off again (njobs restored) if the read fails.
 */
#include <math.h>
#include <string.h>

#include "sim/trace.h"
#include "sim/trace_int.h"
#include "util/csv.h"
#include "util/strtab.h"

enum { C_TIME, C_DURATION, C_NGPU, C_GPUTIME, C_CLUSTER, C_NCOLS };

static const char *const philly_cols[C_NCOLS] = {
	"timestamp", "duration", "num_gpus", "gpu_time", "cluster",
};

static int
philly_record(void *ctx, const struct csv_lines *r, const struct csv_field *f,
	      int nf, const int *idx, struct err *e)
{
	struct workload *w = ctx;
	struct csv_field gt = trace_col(f, idx, C_GPUTIME);
	struct csv_field cl = f[idx[C_CLUSTER]];
	struct job j;
	int64_t submit, ngpu;
	double dur, gpu_time;
	int rc;

	(void)nf;
	if ((rc = csv_get_time(r, "timestamp", f[idx[C_TIME]], &submit, e)) ||
	    (rc = csv_get_double(r, "duration", f[idx[C_DURATION]], 0,
				 (double)TRACE_MAX_SECONDS, &dur, e)) ||
	    (rc = csv_get_int(r, "num_gpus", f[idx[C_NGPU]], 1, TRACE_MAX_GPUS,
			      &ngpu, e)) ||
	    (idx[C_GPUTIME] >= 0 &&
	     (rc = csv_get_double(r, "gpu_time", gt, 0,
				  (double)TRACE_MAX_SECONDS * TRACE_MAX_GPUS,
				  &gpu_time, e))) ||
	    (rc = csv_get_name(r, "cluster", cl, TRACE_MAX_NAME, e)))
		return rc;

	memset(&j, 0, sizeof j);
	j.tenant = strtab_intern(&w->tenants, cl.s, cl.n);
	trace_shape_gpus(&j, (long)ngpu);
	j.state = JOB_PENDING;
	j.class = CLASS_TRAINING;
	j.submit = submit;
	j.start = -1;
	j.end = -1;
	j.duration = (int64_t)llround(dur);
	workload_add(w, &j);
	return 0;
}

int
trace_parse_philly(const char *name, const char *buf, size_t len,
		   const struct trace_opts *o, struct workload *w,
		   struct err *e)
{
	struct trace_table t = {
		.sep = ',',
		.cols = philly_cols,
		.ncols = C_NCOLS,
		.required = 1u << C_TIME | 1u << C_DURATION | 1u << C_NGPU |
			    1u << C_CLUSTER,
		.record = philly_record,
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
