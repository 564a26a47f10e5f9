/*
 * trace.h — readers for real cluster traces.
 *
 * Formats (described in ../shared/data/README.md and docs/FORMATS.md):
 *   openb nodes   Alibaba 2023 node list: sn,cpu_milli,memory_mib,gpu,model
 *   openb pods    Alibaba 2023 pod list, both column layouts (the full 11
 *                 columns and the 5-column multigpu20 one)
 *   philly        timestamp,duration,num_gpus,gpu_time,cluster
 *   swf           Standard Workload Format, 18 whitespace-separated fields
 *
 * Every reader checks every field.  A malformed line gives ERR_INVALID with
 * "FILE:LINE: FIELD: reason"; with opts->skip_bad the line is skipped and
 * counted in workload.skipped instead.  Limits (line length, field count,
 * number of records) are checked before anything is allocated, and no input
 * can make a reader crash or loop.  On error the output holds nothing
 * half-read: the caller frees it as usual.
 */
#ifndef ALLOT_SIM_TRACE_H
#define ALLOT_SIM_TRACE_H

#include <stddef.h>

#include "model/job.h"
#include "model/pool.h"
#include "util/err.h"

enum trace_format {
	TRACE_OPENB = 0, /* pod list */
	TRACE_PHILLY,
	TRACE_SWF,
	TRACE_NFORMATS
};

struct trace_opts {
	int skip_bad;     /* skip malformed lines (counted) instead of failing */
	size_t max_jobs;  /* 0 = the default limit (10 million) */
};

/* "openb", "philly", "swf"; -1 if unknown. */
int trace_format_parse(const char *s);
const char *trace_format_name(enum trace_format f);

/* Reads a job list from path.  `name` in messages is the path.  GPU model
 * names in the trace (openb gpu_spec) are interned into pool (which may
 * gain models); pool may be NULL for formats without models. */
int trace_read(const char *path, enum trace_format fmt,
	       const struct trace_opts *o, struct pool *pool,
	       struct workload *w, struct err *e);
/* The same over a buffer in memory; name is used in messages. */
int trace_parse(const char *name, const char *buf, size_t len,
		enum trace_format fmt, const struct trace_opts *o,
		struct pool *pool, struct workload *w, struct err *e);

/* Reads an openb node list into pool (nodes get default domains). */
int trace_read_openb_nodes(const char *path, const struct trace_opts *o,
			   struct pool *pool, struct err *e);
int trace_parse_openb_nodes(const char *name, const char *buf, size_t len,
			    const struct trace_opts *o, struct pool *pool,
			    struct err *e);

#endif
