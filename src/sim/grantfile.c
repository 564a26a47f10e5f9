/*
 * grantfile.c — reads the grants file (format in grantfile.h).
 *
 * The line loop, the header, blank lines and column counts are the trace
 * readers' driver (trace_table_read, sim/trace_int.h): a grants file is
 * one more CSV table with named columns.  This file only checks the fields
 * of one grant and appends it.  Grants go straight into the caller's
 * container and are cut off again (n restored) if the read fails, so a
 * failed read leaves no grant behind.  Nothing is allocated per field;
 * the buffer is the caller's and nothing kept points into it.
 */
#include "sim/grantfile.h"

#include <stdio.h>
#include <string.h>

#include "sim/trace_int.h"

enum {
	C_TENANT, C_MODEL, C_GPUS, C_START, C_END, C_BORROW, C_LEND, C_PRICE,
	C_NCOLS
};

static const char *const grant_cols[C_NCOLS] = {
	"tenant", "model", "gpus", "start", "end", "borrow_limit",
	"lend_limit", "price_won_hour",
};

struct ctx {
	const struct pool *pool;
	struct strtab *tenants;
	struct grants *gs;
};

int
grantfile_time(const struct csv_lines *r, const char *field,
	       struct csv_field f, int64_t *out, struct err *e)
{
	char show[64], buf[20];
	size_t i;
	int rc;

	for (i = 0; i < f.n && f.s[i] >= '0' && f.s[i] <= '9'; i++)
		;
	if (f.n > 0 && i == f.n)
		return csv_get_int(r, field, f, 0, TRACE_MAX_SECONDS, out, e);
	if (f.n == 10) {
		/* A date alone is its midnight. */
		struct csv_field g = {buf, 19};
		snprintf(buf, sizeof buf, "%.10s 00:00:00", f.s);
		rc = csv_get_time(r, field, g, out, NULL);
	} else {
		rc = csv_get_time(r, field, f, out, NULL);
	}
	if (rc == 0)
		return 0;
	return err_at(e, ERR_INVALID, r->name, r->line, field,
		      "expected seconds or a UTC time YYYY-MM-DD[ HH:MM:SS], "
		      "got %s", csv_show(show, sizeof show, f));
}

/* An optional limit: empty or -1 = none, else GPUs >= 0. */
static int
get_limit(const struct csv_lines *r, const char *field, struct csv_field f,
	  int64_t *out, struct err *e)
{
	if (f.n == 0) {
		*out = GRANT_NO_LIMIT;
		return 0;
	}
	return csv_get_int(r, field, f, GRANT_NO_LIMIT, GRANTFILE_MAX_GPUS, out,
			   e);
}

static int
grant_record(void *vctx, const struct csv_lines *r, const struct csv_field *f,
	     int nf, const int *idx, struct err *e)
{
	struct ctx *c = vctx;
	struct csv_field tn = f[idx[C_TENANT]], mn = f[idx[C_MODEL]];
	struct csv_field price = trace_col(f, idx, C_PRICE);
	struct grant g;
	char show[64], where[64];
	int64_t v;
	long model;
	int rc;

	(void)nf;
	memset(&g, 0, sizeof g);
	if ((rc = csv_get_name(r, "tenant", tn, TRACE_MAX_NAME, e)) != 0 ||
	    (rc = csv_get_name(r, "model", mn, TRACE_MAX_MODEL_NAME, e)) != 0)
		return rc;
	model = strtab_find(&c->pool->model_names, mn.s, mn.n);
	if (model < 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "model",
			      "no GPU model %s in the pool",
			      csv_show(show, sizeof show, mn));
	g.model = (int)model;
	if ((rc = csv_get_int(r, "gpus", f[idx[C_GPUS]], 1, GRANTFILE_MAX_GPUS,
			      &g.gpus, e)) != 0 ||
	    (rc = grantfile_time(r, "start", f[idx[C_START]], &g.start, e)) != 0 ||
	    (rc = grantfile_time(r, "end", f[idx[C_END]], &g.end, e)) != 0 ||
	    (rc = get_limit(r, "borrow_limit", trace_col(f, idx, C_BORROW),
			    &g.borrow_limit, e)) != 0 ||
	    (rc = get_limit(r, "lend_limit", trace_col(f, idx, C_LEND),
			    &g.lend_limit, e)) != 0)
		return rc;
	if (g.end <= g.start)
		return err_at(e, ERR_INVALID, r->name, r->line, "end",
			      "must be after start (%lld <= %lld)",
			      (long long)g.end, (long long)g.start);
	if (price.n > 0) {
		if ((rc = csv_get_int(r, "price_won_hour", price, 0,
				      INT64_MAX / 2, &v, e)) != 0)
			return rc;
		g.price_won_hour = (uint64_t)v;
	}
	g.tenant = strtab_intern(c->tenants, tn.s, tn.n);
	if ((rc = (int)grants_add(c->gs, &g, (int)c->pool->model_names.n, e)) < 0) {
		/* grants_add's own checks: already covered above, kept as a
		 * guard so that a later rule there still names the line. */
		snprintf(where, sizeof where, "%s:%ld", r->name, r->line);
		err_prefix(e, where);
		return rc;
	}
	return 0;
}

int
grantfile_parse(const char *name, const char *buf, size_t len,
		const struct pool *pool, struct strtab *tenants,
		struct grants *gs, struct err *e)
{
	struct ctx c = {pool, tenants, gs};
	struct trace_table t = {
		.sep = ',',
		.cols = grant_cols,
		.ncols = C_NCOLS,
		.required = 1u << C_TENANT | 1u << C_MODEL | 1u << C_GPUS |
			    1u << C_START | 1u << C_END,
		.record = grant_record,
		.ctx = &c,
	};
	struct trace_opts o = {.max_jobs = GRANTFILE_MAX};
	size_t start = gs->n, skipped;
	int rc;

	rc = trace_table_read(name, buf, len, &o, &t, &skipped, e);
	if (rc != 0)
		gs->n = start;
	return rc;
}
