/*
 * trace.c — the trace readers' front door: format names, reading a file
 * into memory, dispatching to the per-format parser (trace_openb.c,
 * trace_philly.c, trace_swf.c), and the few helpers they share (record
 * limit, skipping bad lines, shaping a GPU count as a gang).
 *
 * A file is read whole into one buffer (at most TRACE_MAX_FILE bytes) and
 * parsed in place: lines and fields are slices of it, so a reader makes no
 * allocation per field.  The buffer is freed before returning; nothing the
 * caller gets points into it (names are interned into strtabs, which copy).
 */
#include "sim/trace.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace_int.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/csv.h"

#define TRACE_MAX_FILE ((size_t)1 << 30) /* bytes */

static const char *const format_names[TRACE_NFORMATS] = {
	"openb", "philly", "swf",
};

int
trace_format_parse(const char *s)
{
	for (int i = 0; i < TRACE_NFORMATS; i++)
		if (strcmp(s, format_names[i]) == 0)
			return i;
	return -1;
}

const char *
trace_format_name(enum trace_format f)
{
	return (unsigned)f < TRACE_NFORMATS ? format_names[f] : "?";
}

size_t
trace_max_jobs(const struct trace_opts *o)
{
	size_t max = o != NULL && o->max_jobs > 0 ? o->max_jobs
						  : TRACE_DEFAULT_MAX_JOBS;

	/* Job ids are uint32_t. */
	return max < UINT32_MAX ? max : UINT32_MAX;
}

struct csv_field
trace_col(const struct csv_field *f, const int *idx, int i)
{
	struct csv_field none = {"", 0};

	return idx[i] >= 0 ? f[idx[i]] : none;
}

/* Maps the header fields f[0..nf) to t's columns in idx. */
static int
header(const struct csv_lines *r, const struct trace_table *t,
       const struct csv_field *f, int nf, int *idx, struct err *e)
{
	char show[64];

	for (int i = 0; i < t->ncols; i++) {
		idx[i] = -1;
		for (int k = 0; k < nf; k++) {
			if (!csv_eq(f[k], t->cols[i]))
				continue;
			if (idx[i] >= 0)
				return err_at(e, ERR_INVALID, r->name, r->line,
					      "header", "column %s twice",
					      csv_show(show, sizeof show, f[k]));
			idx[i] = k;
		}
		if (idx[i] < 0 && (t->required >> i & 1))
			return err_at(e, ERR_INVALID, r->name, r->line, "header",
				      "no column \"%s\" (the first line must "
				      "name the columns)", t->cols[i]);
	}
	return 0;
}

/* State of one trace_table_read. */
struct table_run {
	const struct trace_table *t;
	struct csv_lines r;
	struct csv_field f[CSV_MAX_FIELDS];
	int idx[32];
	int ncols;       /* columns of the header; -1 before it */
	char *scratch;   /* CSV_MAX_LINE bytes for unquoting */
	size_t nrec, max;
};

/* Handles line s[0..n): 0 (a record kept, or nothing to do) or an error. */
static int
table_line(struct table_run *tr, const char *s, size_t n, struct err *e)
{
	const struct trace_table *t = tr->t;
	const struct csv_lines *r = &tr->r;
	int nf, rc;

	if (t->sep == 0) {
		nf = csv_split_ws(s, n, tr->f, CSV_MAX_FIELDS);
		if (nf == 0 || (nf > 0 && tr->f[0].s[0] == ';'))
			return 0;
		if (nf < 0)
			return err_at(e, ERR_INVALID, r->name, r->line, "line",
				      "more than %d fields", CSV_MAX_FIELDS);
	} else {
		if (n == 0)
			return 0;
		nf = csv_split(s, n, t->sep, tr->f, CSV_MAX_FIELDS, tr->scratch);
		if (nf == -1)
			return err_at(e, ERR_INVALID, r->name, r->line, "line",
				      "more than %d columns", CSV_MAX_FIELDS);
		if (nf < 0)
			return err_at(e, ERR_INVALID, r->name, r->line, "line",
				      "malformed quoted field");
		if (tr->ncols < 0) {
			if ((rc = header(r, t, tr->f, nf, tr->idx, e)) != 0)
				return rc;
			tr->ncols = nf;
			return 0;
		}
		if (nf != tr->ncols)
			return err_at(e, ERR_INVALID, r->name, r->line, "line",
				      "%d columns, the header has %d", nf,
				      tr->ncols);
	}
	if (tr->nrec >= tr->max)
		return err_at(e, ERR_LIMIT, r->name, r->line, "line",
			      "more than %zu records", tr->max);
	if ((rc = t->record(t->ctx, r, tr->f, nf, tr->idx, e)) != 0)
		return rc;
	tr->nrec++;
	return 0;
}

int
trace_table_read(const char *name, const char *buf, size_t len,
		 const struct trace_opts *o, const struct trace_table *t,
		 size_t *skipped, struct err *e)
{
	struct table_run *tr = xcalloc(1, sizeof *tr);
	struct err first = {0, ""};
	const char *s;
	size_t n;
	int rc;

	ALLOT_ASSERT(t->ncols <= 32);
	*skipped = 0;
	tr->t = t;
	tr->ncols = -1;
	tr->max = trace_max_jobs(o);
	if (t->sep != 0)
		tr->scratch = xmalloc(CSV_MAX_LINE);
	csv_lines_init(&tr->r, name, buf, len);
	while ((rc = csv_lines_next(&tr->r, &s, &n, e)) != 0) {
		if (rc > 0 && (rc = table_line(tr, s, n, e)) == 0)
			continue;
		/* A bad header leaves nothing to read the rest by. */
		if (t->sep != 0 && tr->ncols < 0)
			break;
		if (rc != ERR_INVALID || o == NULL || !o->skip_bad)
			break;
		if (*skipped == 0 && e != NULL)
			first = *e;
		(*skipped)++;
		if (o->skipped != NULL)
			(*o->skipped)++;
	}
	if (rc == 0 && e != NULL) {
		if (*skipped > 0)
			*e = first;
		else
			e->msg[0] = '\0';
		e->code = 0;
	}
	free(tr->scratch);
	free(tr);
	return rc;
}

void
trace_shape_gpus(struct job *j, long gpus)
{
	long nodes, per;

	ALLOT_ASSERT(gpus >= 1 && gpus <= TRACE_MAX_GPUS);
	nodes = (gpus + POOL_MAX_GPUS_PER_NODE - 1) / POOL_MAX_GPUS_PER_NODE;
	per = (gpus + nodes - 1) / nodes;
	j->nodes = (uint16_t)nodes;
	j->gpus_per_node = (uint16_t)per;
	j->gpu_milli = MILLI;
}


int
trace_parse(const char *name, const char *buf, size_t len,
	    enum trace_format fmt, const struct trace_opts *o,
	    struct pool *pool, struct workload *w, struct err *e)
{
	switch (fmt) {
	case TRACE_OPENB:
		return trace_parse_openb_pods(name, buf, len, o, pool, w, e);
	case TRACE_PHILLY:
		return trace_parse_philly(name, buf, len, o, w, e);
	case TRACE_SWF:
		return trace_parse_swf(name, buf, len, o, w, e);
	default:
		return err_at(e, ERR_USAGE, name, 0, NULL,
			      "unknown trace format %d", (int)fmt);
	}
}

int
trace_read(const char *path, enum trace_format fmt, const struct trace_opts *o,
	   struct pool *pool, struct workload *w, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((unsigned)fmt >= TRACE_NFORMATS)
		return err_at(e, ERR_USAGE, path, 0, NULL,
			      "unknown trace format %d", (int)fmt);
	if ((rc = file_read_all(path, TRACE_MAX_FILE, &buf, &len, e)) != 0)
		return rc;
	rc = trace_parse(path, buf, len, fmt, o, pool, w, e);
	free(buf);
	return rc;
}

int
trace_read_openb_nodes(const char *path, const struct trace_opts *o,
		       struct pool *pool, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = file_read_all(path, TRACE_MAX_FILE, &buf, &len, e)) != 0)
		return rc;
	rc = trace_parse_openb_nodes(path, buf, len, o, pool, e);
	free(buf);
	return rc;
}
