/*
 * trace_int.h — what the trace readers (trace_*.c) share; not for other
 * callers, who use trace.h.
 *
 * Every reader is a record function plugged into one driver,
 * trace_table_read, which owns the line loop: splitting, the header, blank
 * and comment lines, column counts, the record limit and skipping bad
 * lines.  A record function only checks the fields of one record and keeps
 * it.
 */
#ifndef ALLOT_SIM_TRACE_INT_H
#define ALLOT_SIM_TRACE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/trace.h"
#include "util/csv.h"
#include "util/err.h"

/* Field limits shared by the readers. */
#define TRACE_MAX_SECONDS 100000000000LL /* times and durations (~3,170 y) */
#define TRACE_MAX_CPU_MILLI 100000000LL  /* 100,000 cores */
#define TRACE_MAX_MEM_MIB 1073741824LL   /* 1 PiB */
#define TRACE_MAX_NAME 256               /* node, task and tenant names */
#define TRACE_MAX_MODEL_NAME 64          /* GPU model names */

struct trace_table {
	/* ',' (or another byte): CSV whose first non-blank line is a header
	 * naming the columns, every line with as many columns.  0: fields
	 * separated by blanks, no header, lines starting with ';' are
	 * comments (SWF). */
	char sep;
	const char *const *cols; /* CSV: the column names to look for */
	int ncols;               /* at most 32 */
	uint32_t required;       /* bit i: cols[i] must be in the header */
	/* Checks and keeps one record.  f[0..nf) are its fields; for CSV,
	 * idx[i] is the field of cols[i] or -1 if the header lacks it.
	 * Returns 0, or an error with e filled (ERR_INVALID for a bad
	 * record, which the driver may skip). */
	int (*record)(void *ctx, const struct csv_lines *r,
		      const struct csv_field *f, int nf, const int *idx,
		      struct err *e);
	void *ctx;
};

/* Runs t->record over every record of buf[0..len).  Blank lines are
 * ignored.  A bad line (ERR_INVALID) fails the read, or with o->skip_bad
 * is counted in *skipped (and o->skipped) and passed over; a bad header,
 * ERR_LIMIT (more than trace_max_jobs(o) records) and any other error
 * always fail.  Returns 0 (e then as trace.h says) or the error. */
int trace_table_read(const char *name, const char *buf, size_t len,
		     const struct trace_opts *o, const struct trace_table *t,
		     size_t *skipped, struct err *e);

/* The record limit o asks for. */
size_t trace_max_jobs(const struct trace_opts *o);

/* Field idx[i] of a CSV record, or an empty field if the column is absent. */
struct csv_field trace_col(const struct csv_field *f, const int *idx, int i);

#endif
