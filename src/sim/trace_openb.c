/*
 * trace_openb.c — the Alibaba 2023 GPU cluster trace ("openb"): node lists
 * and pod (task) lists.
 *
 * Columns are found by their header names, so both pod layouts (the full
 * 11 columns and the 5-column multigpu20 files) and any column order read
 * the same way.  The mapping to struct job and struct node is written down
 * in docs/TRACE-FORMATS.md; in short: one tenant "openb"; num_gpu 0 is a
 * CPU-only job, num_gpu 1 with gpu_milli < 1000 a share of one GPU,
 * num_gpu > 1 whole GPUs on one node; gpu_spec becomes a model mask;
 * submit = creation_time; duration = deletion_time - scheduled_time when
 * both are known, else 0 (unknown).
 *
 * Ownership and atomicity: pod records go straight into the caller's
 * workload and are cut off again (njobs restored) if the read fails.  Node
 * records are collected in a private array and added to the pool only
 * after the whole file checked out, so a failed read leaves the pool as it
 * was; GPU model names are counted against POOL_MAX_MODELS while reading,
 * so adding them cannot fail either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace.h"
#include "sim/trace_int.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/strtab.h"
#include "util/vec.h"

#define SPEC_MAX_NAMES 64 /* models in one gpu_spec */

/* ---- pods ------------------------------------------------------------- */

enum {
	P_NAME, P_CPU, P_MEM, P_NGPU, P_MILLI, P_SPEC, P_QOS, P_PHASE,
	P_CREATE, P_DELETE, P_SCHED, P_NCOLS
};

static const char *const pod_cols[P_NCOLS] = {
	"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec",
	"qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time",
};

struct pods {
	struct pool *pool;
	struct workload *w;
	uint32_t tenant;
};

/* An optional time column: -1 when absent or empty. */
static int
opt_time(const struct csv_lines *r, const char *field, struct csv_field f,
	 int64_t *out, struct err *e)
{
	*out = -1;
	if (f.n == 0)
		return 0;
	return csv_get_int(r, field, f, 0, TRACE_MAX_SECONDS, out, e);
}

/* Checks gpu_spec ("A|B|...") and, with a pool, turns it into a model
 * mask, interning new names.  Nothing is interned unless all of it is
 * good and fits. */
static int
spec_mask(const struct csv_lines *r, struct csv_field spec, struct pool *pool,
	  uint32_t *mask, struct err *e)
{
	struct csv_field name[SPEC_MAX_NAMES];
	size_t i = 0;
	int k = 0, nnew = 0, rc;

	*mask = 0;
	if (spec.n == 0)
		return 0;
	for (;;) {
		const char *bar = memchr(spec.s + i, '|', spec.n - i);
		size_t end = bar != NULL ? (size_t)(bar - spec.s) : spec.n;
		if (k == SPEC_MAX_NAMES)
			return err_at(e, ERR_INVALID, r->name, r->line, "gpu_spec",
				      "more than %d models", SPEC_MAX_NAMES);
		name[k].s = spec.s + i;
		name[k].n = end - i;
		if ((rc = csv_get_name(r, "gpu_spec", name[k],
				       TRACE_MAX_MODEL_NAME, e)) != 0)
			return rc;
		k++;
		if (bar == NULL)
			break;
		i = end + 1;
	}
	if (pool == NULL)
		return 0;
	/* Count the distinct names the pool lacks before adding any. */
	for (int a = 0; a < k; a++) {
		int dup = 0;
		if (strtab_find(&pool->model_names, name[a].s, name[a].n) >= 0)
			continue;
		for (int b = 0; b < a && !dup; b++)
			dup = name[b].n == name[a].n &&
			      memcmp(name[b].s, name[a].s, name[a].n) == 0;
		nnew += !dup;
	}
	if (pool->model_names.n + (size_t)nnew > POOL_MAX_MODELS)
		return err_at(e, ERR_LIMIT, r->name, r->line, "gpu_spec",
			      "more than %d GPU models in all", POOL_MAX_MODELS);
	for (int a = 0; a < k; a++) {
		char buf[TRACE_MAX_MODEL_NAME + 1];
		int id;
		memcpy(buf, name[a].s, name[a].n);
		buf[name[a].n] = '\0';
		id = pool_model(pool, buf, NULL, NULL);
		ALLOT_ASSERT(id >= 0 && id < POOL_MAX_MODELS);
		*mask |= (uint32_t)1 << id;
	}
	return 0;
}

static int
pod_record(void *ctx, const struct csv_lines *r, const struct csv_field *f,
	   int nf, const int *idx, struct err *e)
{
	struct pods *c = ctx;
	struct job j;
	struct csv_field qos;
	int64_t cpu, mem, ngpu, milli, create, del, sched;
	uint32_t mask;
	int rc;

	(void)nf;
	if ((rc = csv_get_name(r, "name", f[idx[P_NAME]], TRACE_MAX_NAME, e)) ||
	    (rc = csv_get_int(r, "cpu_milli", f[idx[P_CPU]], 0,
			      TRACE_MAX_CPU_MILLI, &cpu, e)) ||
	    (rc = csv_get_int(r, "memory_mib", f[idx[P_MEM]], 0,
			      TRACE_MAX_MEM_MIB, &mem, e)) ||
	    (rc = csv_get_int(r, "num_gpu", f[idx[P_NGPU]], 0,
			      POOL_MAX_GPUS_PER_NODE, &ngpu, e)) ||
	    (rc = csv_get_int(r, "gpu_milli", f[idx[P_MILLI]], 0, MILLI, &milli,
			      e)))
		return rc;
	if (ngpu == 0 && milli != 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "gpu_milli",
			      "must be 0 for a task without GPUs, got %lld",
			      (long long)milli);
	if (ngpu == 1 && milli == 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "gpu_milli",
			      "must be 1..1000 for a task with a GPU, got 0");
	if (ngpu > 1 && milli != MILLI)
		return err_at(e, ERR_INVALID, r->name, r->line, "gpu_milli",
			      "must be 1000 for a task with %lld GPUs (only "
			      "single-GPU tasks share), got %lld",
			      (long long)ngpu, (long long)milli);
	qos = trace_col(f, idx, P_QOS);
	if ((qos.n > 0 &&
	     (rc = csv_get_name(r, "qos", qos, TRACE_MAX_NAME, e))) ||
	    (trace_col(f, idx, P_PHASE).n > 0 &&
	     (rc = csv_get_name(r, "pod_phase", trace_col(f, idx, P_PHASE),
				TRACE_MAX_NAME, e))) ||
	    (rc = opt_time(r, "creation_time", trace_col(f, idx, P_CREATE),
			   &create, e)) ||
	    (rc = opt_time(r, "deletion_time", trace_col(f, idx, P_DELETE),
			   &del, e)) ||
	    (rc = opt_time(r, "scheduled_time", trace_col(f, idx, P_SCHED),
			   &sched, e)))
		return rc;
	if (del >= 0 && sched >= 0 && del < sched)
		return err_at(e, ERR_INVALID, r->name, r->line, "deletion_time",
			      "%lld is before scheduled_time %lld",
			      (long long)del, (long long)sched);
	/* Last, as it may intern model names: only for an otherwise good
	 * record. */
	if ((rc = spec_mask(r, trace_col(f, idx, P_SPEC), c->pool, &mask, e)))
		return rc;

	memset(&j, 0, sizeof j);
	j.tenant = c->tenant;
	j.nodes = 1;
	j.gpus_per_node = (uint16_t)ngpu;
	j.gpu_milli = (uint16_t)milli;
	j.state = JOB_PENDING;
	j.class = csv_eq(qos, "LS") ? CLASS_INFERENCE : CLASS_TRAINING;
	j.flags = csv_eq(qos, "BE") ? JOB_PREEMPTIBLE : 0;
	j.cpu_milli = (uint32_t)cpu;
	j.mem_mib = (uint32_t)mem;
	j.model_mask = mask;
	j.submit = create >= 0 ? create : 0;
	j.start = -1;
	j.end = -1;
	j.duration = del >= 0 && sched >= 0 ? del - sched : 0;
	ALLOT_ASSERT(job_validate(&j, NULL) == 0);
	workload_add(c->w, &j);
	return 0;
}

int
trace_parse_openb_pods(const char *name, const char *buf, size_t len,
		       const struct trace_opts *o, struct pool *pool,
		       struct workload *w, struct err *e)
{
	struct pods c = {pool, w, 0};
	struct trace_table t = {
		.sep = ',',
		.cols = pod_cols,
		.ncols = P_NCOLS,
		.required = 1u << P_NAME | 1u << P_CPU | 1u << P_MEM |
			    1u << P_NGPU | 1u << P_MILLI,
		.record = pod_record,
		.ctx = &c,
	};
	size_t start = w->njobs, skipped;
	int rc;

	c.tenant = strtab_intern(&w->tenants, "openb", 5);
	rc = trace_table_read(name, buf, len, o, &t, &skipped, e);
	if (rc != 0) {
		w->njobs = start;
		return rc;
	}
	w->skipped += skipped;
	return 0;
}

/* ---- nodes ------------------------------------------------------------ */

enum { N_SN, N_CPU, N_MEM, N_GPU, N_MODEL, N_NCOLS };

static const char *const node_cols[N_NCOLS] = {
	"sn", "cpu_milli", "memory_mib", "gpu", "model",
};

struct node_rec {
	struct csv_field sn, model; /* slices of the input */
	uint32_t cpu_milli, mem_mib;
	int ngpu;
	long line;
};

struct nodes {
	struct pool *pool;
	VEC(struct node_rec) recs;
	struct strtab seen;   /* node names so far; id = index in recs */
	struct strtab fresh;  /* model names the pool does not have yet */
};

static int
node_record(void *ctx, const struct csv_lines *r, const struct csv_field *f,
	    int nf, const int *idx, struct err *e)
{
	struct nodes *c = ctx;
	struct node_rec rec;
	int64_t cpu, mem, ngpu;
	long dup;
	int rc;

	(void)nf;
	rec.sn = f[idx[N_SN]];
	rec.model = f[idx[N_MODEL]];
	if ((rc = csv_get_name(r, "sn", rec.sn, TRACE_MAX_NAME, e)) ||
	    (rc = csv_get_int(r, "cpu_milli", f[idx[N_CPU]], 0,
			      TRACE_MAX_CPU_MILLI, &cpu, e)) ||
	    (rc = csv_get_int(r, "memory_mib", f[idx[N_MEM]], 0,
			      TRACE_MAX_MEM_MIB, &mem, e)) ||
	    (rc = csv_get_int(r, "gpu", f[idx[N_GPU]], 0,
			      POOL_MAX_GPUS_PER_NODE, &ngpu, e)))
		return rc;
	if (rec.model.n == 0 && ngpu > 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "model",
			      "empty for a node with %lld GPUs",
			      (long long)ngpu);
	if (rec.model.n > 0 && (rc = csv_get_name(r, "model", rec.model,
						  TRACE_MAX_MODEL_NAME, e)))
		return rc;
	if ((dup = strtab_find(&c->seen, rec.sn.s, rec.sn.n)) >= 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "sn",
			      "node %.*s already on line %ld", (int)rec.sn.n,
			      rec.sn.s, c->recs.v[dup].line);
	if (rec.model.n > 0 &&
	    strtab_find(&c->pool->model_names, rec.model.s, rec.model.n) < 0 &&
	    strtab_find(&c->fresh, rec.model.s, rec.model.n) < 0) {
		if (c->pool->model_names.n + c->fresh.n >= POOL_MAX_MODELS)
			return err_at(e, ERR_LIMIT, r->name, r->line, "model",
				      "more than %d GPU models in all",
				      POOL_MAX_MODELS);
		strtab_intern(&c->fresh, rec.model.s, rec.model.n);
	}
	strtab_intern(&c->seen, rec.sn.s, rec.sn.n);
	rec.cpu_milli = (uint32_t)cpu;
	rec.mem_mib = (uint32_t)mem;
	rec.ngpu = (int)ngpu;
	rec.line = r->line;
	vec_push(&c->recs, rec);
	return 0;
}

int
trace_parse_openb_nodes(const char *name, const char *buf, size_t len,
			const struct trace_opts *o, struct pool *pool,
			struct err *e)
{
	struct nodes c;
	struct trace_table t = {
		.sep = ',',
		.cols = node_cols,
		.ncols = N_NCOLS,
		.required = (1u << N_NCOLS) - 1,
		.record = node_record,
		.ctx = &c,
	};
	size_t skipped;
	int rc;

	memset(&c, 0, sizeof c);
	c.pool = pool;
	rc = trace_table_read(name, buf, len, o, &t, &skipped, e);
	for (size_t i = 0; rc == 0 && i < c.recs.n; i++) {
		const struct node_rec *n = &c.recs.v[i];
		char sn[TRACE_MAX_NAME + 1], model[TRACE_MAX_MODEL_NAME + 1];
		int m = 0;
		long id;

		memcpy(sn, n->sn.s, n->sn.n);
		sn[n->sn.n] = '\0';
		if (n->model.n > 0) {
			memcpy(model, n->model.s, n->model.n);
			model[n->model.n] = '\0';
			m = pool_model(pool, model, NULL, NULL);
			ALLOT_ASSERT(m >= 0);
		}
		id = pool_add_node(pool, sn, UINT32_MAX, m, n->ngpu, n->cpu_milli,
				   n->mem_mib, NULL);
		ALLOT_ASSERT(id >= 0);
	}
	vec_free(&c.recs);
	strtab_free(&c.seen);
	strtab_free(&c.fresh);
	return rc;
}
