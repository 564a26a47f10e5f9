/*
 * trace.h — readers for real cluster traces.
 *
 * Formats (described in ../shared/data/README.md and docs/TRACE-FORMATS.md):
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
 *
 * More precisely: on error a job reader removes the jobs it appended (the
 * workload's njobs and skipped are as before the call; tenant names and
 * GPU models it interned stay), and the node reader adds no node and no
 * model at all (it checks the whole file before touching the pool).  On
 * success with skipped lines, e (if not NULL) keeps the message of the
 * first skipped line with code 0, so a caller can say what was skipped.
 * o may be NULL (defaults).
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

#define TRACE_DEFAULT_MAX_JOBS 10000000 /* records per read */
/* Largest GPU request a gang can carry: 8 GPUs x 65535 nodes. */
#define TRACE_MAX_GPUS (POOL_MAX_GPUS_PER_NODE * 65535L)

struct trace_opts {
	int skip_bad;     /* skip malformed lines (counted) instead of failing */
	size_t max_jobs;  /* 0 = the default limit (10 million); also limits
			   * the records of a node list */
	size_t *skipped;  /* if not NULL, also += lines skipped (the node
			   * reader has no workload to count them in) */
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

/* The per-format parsers trace_parse dispatches to (same contract). */
int trace_parse_openb_pods(const char *name, const char *buf, size_t len,
			   const struct trace_opts *o, struct pool *pool,
			   struct workload *w, struct err *e);
int trace_parse_philly(const char *name, const char *buf, size_t len,
		       const struct trace_opts *o, struct workload *w,
		       struct err *e);
int trace_parse_swf(const char *name, const char *buf, size_t len,
		    const struct trace_opts *o, struct workload *w,
		    struct err *e);

/* Shapes a request for `gpus` whole GPUs (1..TRACE_MAX_GPUS) as a gang:
 * up to 8 on one node; more on ceil(gpus / 8) nodes with
 * ceil(gpus / nodes) GPUs each, i.e. the fewest nodes, evenly loaded.
 * That is exact when the node count divides gpus (all multiples of 8, and
 * 12, 24, ...) and otherwise rounds up by less than one GPU per node
 * (9 -> 2 x 5).  Sets j->nodes, gpus_per_node and gpu_milli (1000). */
void trace_shape_gpus(struct job *j, long gpus);

#endif
